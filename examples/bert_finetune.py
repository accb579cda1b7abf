"""BERT: pre-training (预训练) then fine-tuning (微调) against training from scratch.

The downstream task is ArithmeticCheckDataset: is "<cls>a+b=c<sep>" a true equation (c = a+b)
or a near miss (c off by 1, 2, 9, 10, 11 or 20)? Only ``--labels`` labelled examples are
given (default 1,000), drawn from the training pairs; the test set is 1,000 equations over the
held-out pairs, which neither model has seen in any form.

Step 1, pre-training (masked language modelling on the 9,000 correct training equations, no
labels), with the command line:

    shendu train bert --data arithmetic_mlm --epochs 30 --optimizer adamw --lr 1e-3 \\
        --scheduler onecycle --out runs/bert-mlm

Step 2, this script: copy the pre-trained encoder into BERTForSequenceClassification (a new
head on [CLS]) and fine-tune it on the labelled examples; train the same architecture from a
random initialisation with the same recipe; report both test accuracies:

    python examples/bert_finetune.py runs/bert-mlm/best.safetensors
"""

import argparse
import time

import shendu as torch
import shendu.nn as nn
from shendu import zoo
from shendu.models import BERTForSequenceClassification
from shendu.text import ArithmeticCheckDataset
from shendu.train import Trainer
from shendu.utils.data import DataLoader, Subset


def run(model, train_set, val_set, test_set, args, out):
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    loader = DataLoader(train_set, batch_size=32, shuffle=True,
                        generator=torch.Generator().manual_seed(args.seed))
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr,
                                                    epochs=args.epochs,
                                                    steps_per_epoch=len(loader))
    trainer = Trainer(model, nn.CrossEntropyLoss(), optimizer, loader,
                      DataLoader(val_set, batch_size=250), scheduler, scheduler_step="batch",
                      monitor="val_accuracy", out_dir=out, progress=not args.quiet)
    start = time.perf_counter()
    trainer.fit(args.epochs)
    model.load_state_dict(torch.load(f"{out}/best.safetensors")["model"])
    test = trainer.evaluate(DataLoader(test_set, batch_size=250))
    return test["accuracy"], trainer.best, time.perf_counter() - start


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("pretrained", help="a `shendu train bert --data arithmetic_mlm` checkpoint")
    p.add_argument("--labels", type=int, default=1000, help="labelled training examples")
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="runs/bert-finetune")
    p.add_argument("--quiet", action="store_true")
    args = p.parse_args()

    state = torch.load(args.pretrained)
    cfg = state["config"]
    mlm = zoo.build_model(cfg["model"], cfg["input_shape"][0], cfg["num_classes"],
                          cfg["input_shape"])
    mlm.load_state_dict(state["model"])

    full = ArithmeticCheckDataset(train=True)
    train_set = Subset(full, range(args.labels))
    val_set = Subset(full, range(args.labels, args.labels + 500))
    test_set = ArithmeticCheckDataset(train=False)
    print(f"{len(train_set)} labelled training equations, {len(val_set)} for validation, "
          f"{len(test_set)} test equations over held-out pairs")

    results = {}
    torch.manual_seed(args.seed)
    model = BERTForSequenceClassification.from_pretrained(mlm, num_classes=2)
    results["pre-trained → fine-tuned"] = run(model, train_set, val_set, test_set, args,
                                              f"{args.out}/pretrained")
    torch.manual_seed(args.seed)
    bert_cfg = dict(mlm.bert.config)
    model = BERTForSequenceClassification(bert_cfg.pop("vocab_size"), bert_cfg.pop("max_len"),
                                          2, **bert_cfg)
    results["from scratch"] = run(model, train_set, val_set, test_set, args,
                                  f"{args.out}/scratch")

    print(f"\n{'start':26} {'test accuracy':>13} {'best val':>9} {'time':>7}")
    for name, (acc, val, secs) in results.items():
        print(f"{name:26} {acc:13.4f} {val:9.4f} {secs:6.0f}s")


if __name__ == "__main__":
    main()
