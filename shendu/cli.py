"""The ``shendu`` command: train, evaluate, predict with and inspect the models of the zoo.

    shendu train mlp --data digits --epochs 10 --out runs/digits-mlp
    shendu eval runs/digits-mlp/best.safetensors
    shendu predict runs/digits-mlp/best.safetensors digit.png
    shendu info simple_cnn --input-shape 1,28,28
    shendu list
    shendu train gpt --data arithmetic --epochs 30 --out runs/gpt-arithmetic
    shendu generate runs/gpt-arithmetic/best.safetensors --prompt "12+35=" --strategy top-p

Checkpoints are the trainer's (``shendu.train``) plus a JSON-able ``config`` naming the model,
dataset, input shape and classes, from which ``eval`` and ``predict`` rebuild the model.
Mistakes (bad arguments, missing files, a checkpoint that does not fit) print one line on
stderr and exit non-zero: 2 for usage errors, 1 for the rest.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

from . import __version__, nn, optim, zoo
from .autograd.grad_mode import no_grad
from .ops.creation import from_numpy
from .models import generation          # also registers the language models
from .random import Generator, manual_seed
from .serialization import load
from .text import corpora, tokenizers    # also registers the text datasets
from .train import Trainer
from .utils.data import DataLoader, random_split

__all__ = ["main"]

OPTIMIZERS = {"sgd": optim.SGD, "adam": optim.Adam, "adamw": optim.AdamW,
              "rmsprop": optim.RMSprop, "adagrad": optim.Adagrad, "adadelta": optim.Adadelta,
              "adamax": optim.Adamax, "nadam": optim.NAdam, "radam": optim.RAdam}
SCHEDULERS = ("none", "cosine", "step", "onecycle")


class CLIError(Exception):
    """A mistake of the user's, reported as one line without a traceback."""


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (no usage dump)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def main(argv=None) -> int:
    """Run the command line; returns the exit status (0 on success)."""
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 2
        return args.run(args) or 0
    except SystemExit as e:                       # argparse: --help, usage errors
        return e.code if isinstance(e.code, int) else 1
    except KeyboardInterrupt:
        print("shendu: interrupted", file=sys.stderr)
        return 130
    except (CLIError, ImportError, OSError, ValueError, RuntimeError) as e:
        print(f"shendu: error: {_one_line(e)}", file=sys.stderr)
        return 1


def _one_line(e: Exception) -> str:
    if isinstance(e, OSError) and e.filename is not None and e.strerror:
        return f"{e.strerror}: {e.filename}"
    lines = [s.strip() for s in str(e).splitlines() if s.strip()]
    return "; ".join(lines) or type(e).__name__


# ----- argument types ----------------------------------------------------------------------------

def _positive(kind):
    def parse(text):
        try:
            v = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a {kind.__name__}, got {text!r}") \
                from None
        if not v > 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return v
    return parse


def _non_negative(kind):
    def parse(text):
        try:
            v = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a {kind.__name__}, got {text!r}") \
                from None
        if not v >= 0:
            raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
        return v
    return parse


def _fraction(text):
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 <= v < 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text}")
    return v


def _shape(text):
    try:
        dims = tuple(int(s) for s in text.split(","))
    except ValueError:
        dims = ()
    if not dims or min(dims) < 1:
        raise argparse.ArgumentTypeError(f"expected positive sizes like 1,28,28, got {text!r}")
    return dims


def _build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="shendu", description="shendu (深度): train, evaluate and inspect models.")
    p.add_argument("--version", action="version", version=f"shendu {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    models, datasets = ", ".join(zoo.list_models()), ", ".join(zoo.list_datasets())

    t = sub.add_parser("train", help="train a model of the zoo on a dataset",
                       description=f"Train MODEL ({models}) on DATASET ({datasets}), "
                                   f"evaluate it on the test split, and keep checkpoints, "
                                   f"metrics and curves in --out.")
    t.add_argument("model", metavar="MODEL", help="a registered model (shendu list)")
    t.add_argument("--data", required=True, metavar="DATASET", help="a registered dataset")
    t.add_argument("--root", metavar="DIR", help="folder holding a dataset that is not bundled")
    t.add_argument("--epochs", type=_positive(int), default=5, help="default %(default)s")
    t.add_argument("--lr", type=_positive(float), default=1e-3,
                   help="learning rate (default %(default)s)")
    t.add_argument("--batch-size", type=_positive(int), default=64, help="default %(default)s")
    t.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default="adam",
                   help="default %(default)s")
    t.add_argument("--momentum", type=_non_negative(float),
                   help="for sgd (default 0.9) and rmsprop (default 0)")
    t.add_argument("--weight-decay", type=_non_negative(float), default=0.0,
                   help="default %(default)s")
    t.add_argument("--scheduler", choices=SCHEDULERS, default="none",
                   help="cosine: annealed over the epochs; step: ×0.1 every third of them; "
                        "onecycle: the 1cycle policy, stepped per batch, peaking at --lr")
    t.add_argument("--seed", type=int, default=0,
                   help="seeds initialisation, shuffling and the validation split")
    t.add_argument("--val-fraction", type=_fraction, default=0.1,
                   help="share of the training split held out for validation; 0: none, and "
                        "the best checkpoint is chosen by training loss (default %(default)s)")
    t.add_argument("--grad-clip", type=_positive(float), metavar="MAX_NORM",
                   help="clip the global gradient norm to this")
    t.add_argument("--patience", type=_positive(int),
                   help="stop early after this many epochs without a better validation loss")
    t.add_argument("--out", metavar="DIR", help="output folder (default runs/MODEL-DATASET)")
    t.add_argument("--resume", metavar="CKPT",
                   help="continue from a last.safetensors up to --epochs in total")
    t.add_argument("--workers", type=_non_negative(int), default=0,
                   help="data-loading worker processes")
    t.add_argument("--quiet", action="store_true", help="no progress bar or epoch lines")
    t.set_defaults(run=_train)

    g = sub.add_parser("generate", help="generate text with a language-model checkpoint",
                       description="Continue --prompt with a gpt checkpoint (or, for seq2seq, "
                                   "decode --prompt as the source) by one decoding strategy: "
                                   "greedy (argmax), sample (softmax with --temperature), "
                                   "top-k, top-p (nucleus) or beam search. Generation stops "
                                   "at <eos> or after --max-new-tokens.")
    g.add_argument("checkpoint", metavar="CHECKPOINT", help="written by shendu train")
    g.add_argument("--prompt", required=True, help="the text to continue (seq2seq: the source)")
    g.add_argument("--strategy", choices=generation.STRATEGIES, default="greedy",
                   help="default %(default)s")
    g.add_argument("--temperature", type=_positive(float), default=1.0,
                   help="softmax temperature for the sampling strategies (default %(default)s)")
    g.add_argument("--k", type=_positive(int),
                   help="top-k: how many tokens stay possible (default 10; with sample: none)")
    g.add_argument("--p", type=_positive(float),
                   help="top-p: the probability mass kept, in (0, 1] (default 0.9; with "
                        "sample: none)")
    g.add_argument("--beams", type=_positive(int), default=4,
                   help="beam width for beam search (default %(default)s)")
    g.add_argument("--length-penalty", type=float, default=1.0,
                   help="beam search: finished beams score log P / length^this "
                        "(default %(default)s)")
    g.add_argument("--max-new-tokens", type=_positive(int), default=50,
                   help="default %(default)s")
    g.add_argument("--samples", type=_positive(int), default=1,
                   help="how many continuations to draw (sampling strategies)")
    g.add_argument("--seed", type=int, default=0, help="seeds the sampling")
    g.set_defaults(run=_generate)

    e = sub.add_parser("eval", help="evaluate a checkpoint on a dataset's test split",
                       description="Loss, accuracy and per-class accuracy of a checkpoint.")
    e.add_argument("checkpoint", metavar="CHECKPOINT", help="written by shendu train")
    e.add_argument("--data", metavar="DATASET", help="default: the one it was trained on")
    e.add_argument("--root", metavar="DIR", help="default: the one it was trained with")
    e.add_argument("--split", choices=("test", "train"), default="test",
                   help="default %(default)s")
    e.add_argument("--batch-size", type=_positive(int), default=256, help="default %(default)s")
    e.set_defaults(run=_eval)

    r = sub.add_parser("predict", help="classify image files with a checkpoint",
                       description="Predicted class and top-k probabilities per file. Images "
                                   "(PNG, JPEG, ...: needs Pillow) or .npy arrays are turned "
                                   "grey or colour and resized to the model's input.")
    r.add_argument("checkpoint", metavar="CHECKPOINT", help="written by shendu train")
    r.add_argument("images", metavar="IMAGE", nargs="+", help="image files or .npy arrays")
    r.add_argument("--top", type=_positive(int), default=3,
                   help="how many classes to list (default %(default)s)")
    r.set_defaults(run=_predict)

    i = sub.add_parser("info", help="a model's layers, output shapes and parameters",
                       description="Run MODEL once on a zero input and tabulate its layers.")
    i.add_argument("model", metavar="MODEL", help="a registered model (shendu list)")
    i.add_argument("--input-shape", type=_shape, default=(1, 28, 28), metavar="C,H,W",
                   help="one input without the batch dimension; C,L for 1-D models "
                        "(default 1,28,28)")
    i.add_argument("--num-classes", type=_positive(int), default=10, help="default %(default)s")
    i.set_defaults(run=_info)

    ls = sub.add_parser("list", help="the registered models and datasets")
    ls.set_defaults(run=_list)
    return p


# ----- train -------------------------------------------------------------------------------------

def _train(args) -> int:
    manual_seed(args.seed)
    data = zoo.get_dataset(args.data, args.root, train=True)
    test = zoo.get_dataset(args.data, args.root, train=False)
    shape = data.input_shape
    config = {"model": args.model, "dataset": args.data,
              "root": None if args.root is None else os.path.abspath(args.root),
              "input_shape": list(shape), "num_classes": data.num_classes,
              "classes": [str(c) for c in data.dataset.classes],
              "hparams": {k: getattr(args, k) for k in
                          ("epochs", "lr", "batch_size", "optimizer", "momentum",
                           "weight_decay", "scheduler", "seed", "val_fraction", "grad_clip",
                           "patience")}}
    tokenizer = getattr(data.dataset, "tokenizer", None)
    if tokenizer is not None:                # text data: generate and eval need the tokens
        config["tokenizer"] = tokenizer.to_dict()
    model = zoo.build_model(args.model, shape[0], data.num_classes, shape)

    n = len(data.dataset)
    n_val = int(round(n * args.val_fraction))
    if n_val >= n:
        raise CLIError(f"--val-fraction {args.val_fraction} leaves no training data")
    train_set, val_set = data.dataset, None
    if n_val:
        train_set, val_set = random_split(data.dataset, [n - n_val, n_val],
                                          generator=Generator().manual_seed(args.seed))
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True,
                              num_workers=args.workers)
    val_loader = None if val_set is None else DataLoader(val_set, batch_size=256,
                                                         num_workers=args.workers)
    optimizer = _optimizer(args, model)
    scheduler, step = _scheduler(args, optimizer, len(train_loader))
    out = args.out or os.path.join("runs", f"{args.model}-{args.data}")
    # token-level datasets (shendu.text) bring their own loss and accuracy
    loss_fn = getattr(data.dataset, "loss_fn", None) or nn.CrossEntropyLoss()
    trainer = Trainer(model, loss_fn, optimizer, train_loader, val_loader,
                      scheduler, scheduler_step=step, grad_clip=args.grad_clip,
                      early_stopping=args.patience, out_dir=out, progress=not args.quiet,
                      config=config, metrics=getattr(data.dataset, "metrics", ("accuracy",)))
    if args.resume:
        saved = _checkpoint(args.resume).get("config", {})
        for key in ("model", "dataset"):
            if saved.get(key) != config[key]:
                raise CLIError(f"--resume {args.resume} was trained with {key} "
                               f"{saved.get(key)!r}, not {config[key]!r}")
        trainer.resume(args.resume)
        print(f"resuming {args.resume} after epoch {trainer.epoch} of {args.epochs}")
    trainer.fit(args.epochs)

    best = os.path.join(out, "best.safetensors")
    model.load_state_dict(load(best)["model"])
    res = trainer.evaluate(DataLoader(test.dataset, batch_size=256, num_workers=args.workers))
    print(f"test: loss {res['loss']:.4f}  accuracy {res['accuracy']:.4f}  "
          f"({len(test.dataset)} samples; best checkpoint, epoch {trainer.best_epoch} by "
          f"{trainer.monitor})")
    if hasattr(test.dataset, "evaluate"):
        _print_measures(test.dataset.evaluate(model))
    print(f"wrote {best}, {os.path.join(out, 'last.safetensors')} and the metrics log in "
          f"{out}")
    return 0


def _optimizer(args, model):
    cls = OPTIMIZERS[args.optimizer]
    kw = {"lr": args.lr, "weight_decay": args.weight_decay}
    if args.optimizer in ("sgd", "rmsprop"):
        default = 0.9 if args.optimizer == "sgd" else 0.0
        kw["momentum"] = default if args.momentum is None else args.momentum
    elif args.momentum is not None:
        raise CLIError(f"--momentum applies to sgd and rmsprop, not {args.optimizer}")
    return cls(model.parameters(), **kw)


def _scheduler(args, optimizer, steps_per_epoch: int):
    """The schedule and whether it steps per 'epoch' or per 'batch'."""
    if args.scheduler == "cosine":
        return optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs), "epoch"
    if args.scheduler == "step":
        return optim.lr_scheduler.StepLR(optimizer, step_size=max(1, args.epochs // 3)), "epoch"
    if args.scheduler == "onecycle":
        return optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, epochs=args.epochs,
                                             steps_per_epoch=steps_per_epoch), "batch"
    return None, "epoch"


# ----- eval and predict --------------------------------------------------------------------------

def _checkpoint(path) -> dict:
    if not os.path.isfile(path):
        raise CLIError(f"no such checkpoint: {path}")
    state = load(path)
    if not isinstance(state, dict) or "model" not in state:
        raise CLIError(f"{path} holds no model weights (not written by shendu train?)")
    return state


def _restore(path):
    """The model of a checkpoint, in eval mode, and its config."""
    state = _checkpoint(path)
    cfg = state.get("config") or {}
    missing = [k for k in ("model", "input_shape", "num_classes", "classes") if k not in cfg]
    if missing:
        raise CLIError(f"{path} has no model config ({', '.join(missing)} missing); "
                       f"checkpoints written by `shendu train` have one")
    shape = tuple(cfg["input_shape"])
    model = zoo.build_model(cfg["model"], shape[0], cfg["num_classes"], shape)
    model.load_state_dict(state["model"])
    return model.eval(), cfg


def _eval(args) -> int:
    model, cfg = _restore(args.checkpoint)
    name = args.data or cfg.get("dataset")
    if name is None:
        raise CLIError("the checkpoint names no dataset; give --data")
    root = args.root if args.root is not None or args.data else cfg.get("root")
    data = zoo.get_dataset(name, root, train=args.split == "train")
    if list(data.input_shape) != list(cfg["input_shape"]) or \
            data.num_classes != cfg["num_classes"]:
        raise CLIError(f"the model takes inputs {tuple(cfg['input_shape'])} in "
                       f"{cfg['num_classes']} classes; {name} has {data.input_shape} in "
                       f"{data.num_classes}")
    if hasattr(data.dataset, "loss_fn"):
        return _eval_text(model, data.dataset, name, args.split, args.batch_size)
    loss_fn = nn.CrossEntropyLoss(reduction="sum")
    total, preds, targets = 0.0, [], []
    with no_grad():
        for x, y in DataLoader(data.dataset, batch_size=args.batch_size):
            out = model(x)
            total += loss_fn(out, y).item()
            preds.append(out.argmax(1).numpy())
            targets.append(y.numpy())
    pred, target = np.concatenate(preds), np.concatenate(targets)
    n = len(target)
    print(f"{name} ({args.split}, {n} samples): loss {total / n:.4f}  accuracy "
          f"{(pred == target).mean():.4f}")
    rows = []
    for k, cls in enumerate(cfg["classes"]):
        mask = target == k
        count, correct = int(mask.sum()), int((pred[mask] == k).sum())
        rows.append([cls, str(count), str(correct),
                     f"{correct / count:.4f}" if count else "-"])
    print(zoo.format_table(["Class", "Samples", "Correct", "Accuracy"], rows,
                           ["<", ">", ">", ">"]))
    return 0


def _eval_text(model, dataset, name: str, split: str, batch_size: int) -> int:
    """Token-level loss and accuracy over the targets that count, then the dataset's own
    measures (exact match of generated answers)."""
    total, correct, count = 0.0, 0.0, 0
    with no_grad():
        for x, y in DataLoader(dataset, batch_size=batch_size):
            out = model(x)
            n = int((y != corpora.IGNORE_INDEX).sum().item())
            total += dataset.loss_fn(out, y).item() * n
            correct += corpora.token_accuracy(out, y) * n
            count += n
    print(f"{name} ({split}, {len(dataset)} samples, {count} target tokens): loss "
          f"{total / count:.4f}  token accuracy {correct / count:.4f}")
    if hasattr(dataset, "evaluate"):
        _print_measures(dataset.evaluate(model))
    return 0


def _print_measures(measures: dict) -> None:
    print("  ".join(f"{k.replace('_', ' ')} {v:.4f}" for k, v in measures.items()))


def _generate(args) -> int:
    model, cfg = _restore(args.checkpoint)
    if "tokenizer" not in cfg:
        raise CLIError(f"{args.checkpoint} is not a language model (its config has no "
                       f"tokenizer); train one on a text dataset, e.g. --data arithmetic")
    tok = tokenizers.tokenizer_from_dict(cfg["tokenizer"])
    if args.p is not None and not args.p <= 1:
        raise CLIError(f"--p must be in (0, 1], got {args.p}")
    ids = tok.encode(args.prompt)
    if not ids:
        raise CLIError("--prompt is empty")
    sampling = args.strategy not in ("greedy", "beam")
    batch = np.array([ids] * (args.samples if sampling else 1), np.int64)
    kw = {"strategy": args.strategy, "temperature": args.temperature,
          "top_k": args.k or (10 if args.strategy == "top-k" else None),
          "top_p": args.p or (0.9 if args.strategy == "top-p" else None),
          "num_beams": args.beams, "length_penalty": args.length_penalty,
          "eos_token_id": tok.eos_id, "generator": Generator().manual_seed(args.seed)}
    if getattr(model, "is_encoder_decoder", False):
        out, shown = model.generate(batch, args.max_new_tokens, **kw).numpy()[:, 1:], ""
    else:
        out = generation.generate(model, batch, args.max_new_tokens, **kw).numpy()[:, len(ids):]
        shown = args.prompt
    for row in out.tolist():
        if tok.eos_id in row:
            row = row[:row.index(tok.eos_id)]
        print(shown + tok.decode(row, skip_special=True))
    return 0


def _predict(args) -> int:
    model, cfg = _restore(args.checkpoint)
    shape, classes = tuple(cfg["input_shape"]), cfg["classes"]
    batch = np.stack([_read_input(path, shape) for path in args.images])
    with no_grad():
        probs = model(from_numpy(batch)).softmax(-1).numpy()
    k = min(args.top, len(classes))
    for path, p in zip(args.images, probs):
        top = np.argsort(-p, kind="stable")[:k]
        ranked = ", ".join(f"{classes[j]} {p[j]:.3f}" for j in top)
        print(f"{path}: {classes[top[0]]}  (top-{k}: {ranked})")
    return 0


def _read_input(path: str, shape: tuple) -> np.ndarray:
    """One file as a float32 model input of ``shape``: (C, H, W) images are converted to C
    channels (luma Y = 0.299 R + 0.587 G + 0.114 B for grey) and resized; uint8 values are
    scaled to [0, 1] as ToTensor does; (C, L) signals are read from .npy as they are."""
    if not os.path.isfile(path):
        raise CLIError(f"no such file: {path}")
    if path.lower().endswith(".npy"):
        try:
            arr = np.load(path, allow_pickle=False)
        except ValueError as e:
            raise CLIError(f"{path}: not a readable .npy array ({e})") from None
        if arr.dtype.kind not in "uif":
            raise CLIError(f"{path}: expected a numeric array, got dtype {arr.dtype}")
    else:
        arr = _read_image(path, shape[0])
    if len(shape) == 2:
        if arr.size != shape[0] * shape[1]:
            raise CLIError(f"{path}: the model takes {shape[0]}×{shape[1]} values, the array "
                           f"has shape {arr.shape}")
        return _scale(arr).reshape(shape)
    c, h, w = shape
    if arr.ndim == 3 and arr.shape[0] in (1, 3, 4) and arr.shape[2] not in (1, 3, 4):
        arr = arr.transpose(1, 2, 0)                     # CHW → HWC
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3 or arr.shape[2] not in (1, 3, 4):
        raise CLIError(f"{path}: expected an image of shape (H, W), (H, W, C) or (C, H, W), "
                       f"got {arr.shape}")
    x = _scale(arr[:, :, :3])
    if x.shape[2] != c:
        x = (x @ np.array([0.299, 0.587, 0.114], np.float32))[:, :, None] if c == 1 \
            else np.repeat(x, c, axis=2)
    if x.shape[:2] != (h, w):
        x = _resize(x, h, w)
    return np.ascontiguousarray(x.transpose(2, 0, 1))


def _scale(arr: np.ndarray) -> np.ndarray:
    return arr.astype(np.float32) / 255 if arr.dtype == np.uint8 else arr.astype(np.float32)


def _read_image(path: str, channels: int) -> np.ndarray:
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:
        raise CLIError(f"{path}: reading images needs Pillow (pip install pillow); a .npy "
                       f"array works without it") from None
    try:
        with Image.open(path) as img:
            return np.asarray(img.convert("L" if channels == 1 else "RGB"))
    except UnidentifiedImageError:
        raise CLIError(f"{path}: not an image Pillow can read") from None


def _resize(x: np.ndarray, h: int, w: int) -> np.ndarray:
    """Bilinear resize of a float (H, W, C) array, channel by channel (Pillow's 'F' mode)."""
    try:
        from PIL import Image
    except ImportError:
        raise CLIError(f"resizing {x.shape[1]}×{x.shape[0]} to the model's {w}×{h} needs "
                       f"Pillow (pip install pillow)") from None
    return np.stack([np.asarray(Image.fromarray(x[:, :, i])
                                .resize((w, h), Image.BILINEAR)) for i in range(x.shape[2])],
                    axis=2)


# ----- info and list -----------------------------------------------------------------------------

def _info(args) -> int:
    shape = args.input_shape
    model = zoo.build_model(args.model, shape[0], args.num_classes, shape)
    print(f"{args.model}: input {shape}, {args.num_classes} classes")
    print(zoo.summary(model, shape))
    return 0


def _list(args) -> int:
    for title, entries in (("models", zoo.list_models()), ("datasets", zoo.list_datasets())):
        print(f"{title}:")
        width = max(map(len, entries))
        for name, text in entries.items():
            print(f"  {name:{width}}  {text}")
    return 0
