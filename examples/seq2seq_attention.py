"""Where does the seq2seq decoder look? Cross-attention (交叉注意力) of a Transformer trained to
reverse digit strings. Output digit t of a string of length n is source digit n−1−t, so a
decoder that looks the digit up by position attends along an anti-diagonal. For each decoder
layer (weights averaged over heads) this prints how far the strongest weight lies from
source position n−1−t, over the 1,000 held-out strings, and one attention map in text.
(The keys are the encoder's outputs, not the raw digits: the encoder is free to move a
digit's identity to other positions, so a constant offset is still a positional lookup.)

    shendu train seq2seq --data reverse --epochs 12 --optimizer adamw --lr 2e-3 \\
        --scheduler onecycle --out runs/seq2seq-reverse
    python examples/seq2seq_attention.py runs/seq2seq-reverse/best.safetensors
"""

import argparse

import numpy as np

import shendu as torch
from shendu import zoo
from shendu.models import Seq2SeqTransformer
from shendu.text import ReverseDataset


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("checkpoint")
    args = p.parse_args()
    state = torch.load(args.checkpoint)
    cfg = state["config"]
    model = zoo.build_model(cfg["model"], cfg["input_shape"][0], cfg["num_classes"],
                            cfg["input_shape"])
    if not isinstance(model, Seq2SeqTransformer):
        raise SystemExit(f"{args.checkpoint} holds a {cfg['model']}, not a seq2seq model")
    model.load_state_dict(state["model"])
    model.eval()
    test = ReverseDataset(train=False)
    x = torch.stack([test[i][0] for i in range(len(test))])
    src, tgt = x[:, 0], x[:, 1]

    layers = model.transformer.decoder.layers
    seen = {}
    for i, layer in enumerate(layers):        # the (query, memory) each cross-attention gets
        layer.multihead_attn.register_forward_pre_hook(
            lambda m, a, i=i: seen.__setitem__(i, (a[0], a[1])))
    with torch.no_grad():
        model(src, tgt)
        maps = [layer.multihead_attn(*seen[i], seen[i][1], key_padding_mask=src == 0,
                                     need_weights=True)[1].numpy()
                for i, layer in enumerate(layers)]             # (N, T, S), mean over heads

    lengths = [len(s) for s in test.strings]
    for i, w in enumerate(maps):
        offsets = np.concatenate([w[row, :n, :n].argmax(-1) - np.arange(n)[::-1]
                                  for row, n in enumerate(lengths)])
        values, counts = np.unique(offsets, return_counts=True)
        top = np.argsort(-counts)[:3]
        shares = ", ".join(f"{values[j]:+d}: {counts[j] / len(offsets):.0%}" for j in top)
        print(f"decoder layer {i}: strongest weight at source position n-1-t + offset; "
              f"most common offsets {shares} (of {len(offsets)} output digits)")

    row = int(np.argmax(lengths))
    s, w = test.strings[row], maps[0]
    print(f"\ndecoder layer 0, source {s} → {s[::-1]} (rows: output digits; columns: "
          f"source positions; weight in tenths)")
    print("     " + " ".join(s))
    for t, ch in enumerate(s[::-1]):
        print(f"  {ch}  " + " ".join(str(min(9, int(v * 10))) for v in w[row, t, :len(s)]))

if __name__ == "__main__":
    main()
