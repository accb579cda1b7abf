"""The decoding strategies side by side on a GPT trained on the arithmetic corpus: exact-match
accuracy on the 1,000 held-out additions for each strategy, then the answers to a few held-out
prompts under each (贪心 greedy, 温度 temperature sampling, top-k, top-p, 束搜索 beam search).

    shendu train gpt --data arithmetic --epochs 40 --optimizer adamw --lr 2e-3 \\
        --weight-decay 0.1 --scheduler onecycle --out runs/gpt-arithmetic
    python examples/gpt_decoding.py runs/gpt-arithmetic/best.safetensors
"""

import argparse
import time

import shendu as torch
from shendu import zoo
from shendu.models import generate
from shendu.text import ArithmeticDataset
from shendu.text.corpora import arithmetic_exact_match

STRATEGIES = [
    ("greedy", {"strategy": "greedy"}),
    ("sample T=1", {"strategy": "sample", "temperature": 1.0}),
    ("sample T=2", {"strategy": "sample", "temperature": 2.0}),
    ("top-k k=3 T=2", {"strategy": "top-k", "top_k": 3, "temperature": 2.0}),
    ("top-p p=0.9 T=2", {"strategy": "top-p", "top_p": 0.9, "temperature": 2.0}),
    ("beam 4", {"strategy": "beam", "num_beams": 4}),
]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("checkpoint")
    p.add_argument("--prompts", type=int, default=8, help="held-out prompts to show")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    state = torch.load(args.checkpoint)
    cfg = state["config"]
    model = zoo.build_model(cfg["model"], cfg["input_shape"][0], cfg["num_classes"],
                            cfg["input_shape"])
    model.load_state_dict(state["model"])
    model.eval()
    test = ArithmeticDataset(train=False)
    tok = test.tokenizer
    n = sum(p.numel() for p in model.parameters())
    print(f"{cfg['model']}: {n:,} parameters; {len(test)} held-out additions\n")

    print(f"{'strategy':16} {'exact match':>11} {'time':>6}")
    for name, kw in STRATEGIES:
        start = time.perf_counter()
        acc = arithmetic_exact_match(model, test.pairs, tok,
                                     generator=torch.Generator().manual_seed(args.seed), **kw)
        print(f"{name:16} {acc:11.4f} {time.perf_counter() - start:5.1f}s")

    # the same prompts, one column per strategy; a wrong answer is marked with *
    pairs = test.pairs[:args.prompts]
    print("\n| prompt | " + " | ".join(name for name, _ in STRATEGIES) + " |")
    print("|---" * (len(STRATEGIES) + 1) + "|")
    for a, b in pairs:
        prompt = f"{a}+{b}="
        cells = []
        for _, kw in STRATEGIES:
            out = generate(model, tok.encode(prompt), 5, eos_token_id=tok.eos_id,
                           generator=torch.Generator().manual_seed(args.seed), **kw)
            new = out.tolist()[len(prompt):]
            answer = tok.decode(new[:new.index(tok.eos_id)] if tok.eos_id in new else new)
            cells.append(answer + ("" if answer == str(a + b) else " *"))
        print(f"| {prompt} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
