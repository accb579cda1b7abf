"""The model and dataset registry behind the ``shendu`` command line, and a layer table.

Models are registered by name with a builder ``builder(in_channels, num_classes, input_shape)
-> Module``, where ``input_shape`` is one sample's shape without the batch dimension, e.g.
``(1, 28, 28)`` (C, H, W) or ``(1, 40)`` (C, L). Datasets are registered with a factory
``factory(root, train) -> dataset`` whose samples are ``(input tensor, int label)`` and which
has ``.classes``. A new model is one call (or decorator)::

    @register_model("lenet5", description="LeCun et al. 1998")
    def lenet5(in_channels, num_classes, input_shape):
        return LeNet5(in_channels, num_classes)

``summary(model, input_shape)`` runs the model once on a zero input with forward hooks and
tabulates each layer's name, type, output shape and parameter count; its columns are the list
``COLUMNS``, so further columns (FLOPs, receptive field) are one entry each.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from . import nn
from .autograd.grad_mode import no_grad
from .ops.creation import zeros
from .tensor import Tensor

__all__ = ["register_model", "register_dataset", "build_model", "get_dataset", "list_models",
           "list_datasets", "DatasetInfo", "SimpleCNN", "summary", "LayerRecord", "Column",
           "COLUMNS", "format_table"]


@dataclass(frozen=True)
class _Entry:
    fn: Callable
    description: str
    needs_root: bool = False


_MODELS: dict[str, _Entry] = {}
_DATASETS: dict[str, _Entry] = {}


def _register(table: dict, kind: str, name: str, fn, replace: bool, **entry):
    if fn is None:                                     # used as a decorator
        return lambda f: _register(table, kind, name, f, replace, **entry)
    if name in table and not replace:
        raise ValueError(f"a {kind} named {name!r} is already registered (pass replace=True "
                         f"to replace it)")
    table[name] = _Entry(fn, **entry)
    return fn


def register_model(name: str, builder: Callable | None = None, *, description: str = "",
                   replace: bool = False):
    """Register ``builder(in_channels, num_classes, input_shape) -> Module`` under ``name``;
    without ``builder``, returns a decorator."""
    return _register(_MODELS, "model", name, builder, replace, description=description)


def register_dataset(name: str, factory: Callable | None = None, *, description: str = "",
                     needs_root: bool = False, replace: bool = False):
    """Register ``factory(root, train) -> dataset`` under ``name``. The dataset yields
    ``(input tensor, int label)`` and has ``.classes``; ``needs_root`` marks data that is not
    bundled and must be found in a folder the user names."""
    return _register(_DATASETS, "dataset", name, factory, replace, description=description,
                     needs_root=needs_root)


def list_models() -> dict[str, str]:
    """Registered model names and their descriptions."""
    return {k: e.description for k, e in _MODELS.items()}


def list_datasets() -> dict[str, str]:
    """Registered dataset names and their descriptions."""
    return {k: e.description for k, e in _DATASETS.items()}


def _lookup(table: dict, kind: str, name: str) -> _Entry:
    if name not in table:
        raise ValueError(f"unknown {kind} {name!r}; known: {', '.join(sorted(table))}")
    return table[name]


def build_model(name: str, in_channels: int, num_classes: int, input_shape) -> nn.Module:
    """A new, randomly initialised model from the registry."""
    return _lookup(_MODELS, "model", name).fn(int(in_channels), int(num_classes),
                                               tuple(int(s) for s in input_shape))


class DatasetInfo(NamedTuple):
    """What ``get_dataset`` returns: the dataset, one input's shape, the number of classes."""
    dataset: Any
    input_shape: tuple
    num_classes: int


def get_dataset(name: str, root=None, train: bool = True) -> DatasetInfo:
    """A registered dataset (its train or test split) with inputs already as float tensors."""
    entry = _lookup(_DATASETS, "dataset", name)
    if entry.needs_root and root is None:
        raise ValueError(f"dataset {name!r} is not bundled: give the folder that holds it "
                         f"(--root DIR / root=...)")
    ds = entry.fn(root, train)
    x, _ = ds[0]
    return DatasetInfo(ds, tuple(x.shape), len(ds.classes))


# ----- models ------------------------------------------------------------------------------------

class SimpleCNN(nn.Module):
    """The notes' SimpleCNN (003 §4.2.7): conv 3×3 (32) → ReLU → max-pool 2 → conv 3×3 (64) →
    ReLU → max-pool 2 → fc 128 → ReLU → fc classes.

    Generalised from 1×28×28 to any ``input_shape``: (C, H, W) uses Conv2d/MaxPool2d and
    (C, L) Conv1d/MaxPool1d. Padding 1 keeps the size through each conv and each pool halves
    it (floor), so fc1 has 64·⌊H/4⌋·⌊W/4⌋ inputs (64·7·7 for MNIST); sides must be ≥ 4.
    """

    def __init__(self, in_channels: int = 1, num_classes: int = 10, input_shape=(1, 28, 28),
                 channels: tuple[int, int] = (32, 64), hidden: int = 128):
        super().__init__()
        sides = tuple(input_shape[1:])
        if len(sides) not in (1, 2) or min(sides) < 4:
            raise ValueError(f"SimpleCNN: input_shape must be (C, H, W) or (C, L) with sides "
                             f">= 4, got {tuple(input_shape)}")
        conv, pool = (nn.Conv2d, nn.MaxPool2d) if len(sides) == 2 else (nn.Conv1d, nn.MaxPool1d)
        c1, c2 = channels
        self.conv1 = conv(in_channels, c1, kernel_size=3, padding=1)
        self.conv2 = conv(c1, c2, kernel_size=3, padding=1)
        self.pool = pool(kernel_size=2, stride=2)
        self.fc1 = nn.Linear(c2 * math.prod(s // 4 for s in sides), hidden)
        self.fc2 = nn.Linear(hidden, num_classes)
        self.relu = nn.ReLU()

    def forward(self, x):
        x = self.pool(self.relu(self.conv1(x)))      # (N, 32, H/2, W/2)
        x = self.pool(self.relu(self.conv2(x)))      # (N, 64, H/4, W/4)
        x = x.flatten(1)
        x = self.relu(self.fc1(x))
        return self.fc2(x)


def _mlp(in_channels, num_classes, input_shape, hidden=(256, 128)):
    layers, n = [nn.Flatten()], math.prod(input_shape)
    for h in hidden:
        layers += [nn.Linear(n, h), nn.ReLU()]
        n = h
    return nn.Sequential(*layers, nn.Linear(n, num_classes))


def _linear(in_channels, num_classes, input_shape):
    return nn.Sequential(nn.Flatten(), nn.Linear(math.prod(input_shape), num_classes))


register_model("linear", _linear,
               description="logistic regression: Flatten → Linear (softmax in the loss)")
register_model("mlp", _mlp, description="Flatten → Linear 256 → ReLU → Linear 128 → ReLU → "
                                        "Linear")
register_model("simple_cnn", lambda c, k, shape: SimpleCNN(c, k, shape),
               description="the notes' SimpleCNN: conv 32 → pool → conv 64 → pool → fc 128 → "
                           "fc")


# ----- datasets ----------------------------------------------------------------------------------

def _vision_dataset(class_name: str):
    """A factory for ``shendu.vision.datasets.<class_name>`` with inputs made tensors by
    ToTensor: images (C, H, W) in [0, 1], 1-D signals (1, L)."""
    def factory(root, train):
        from .vision import datasets, transforms
        return getattr(datasets, class_name)(root=root, train=train,
                                             transform=transforms.ToTensor())
    return factory


register_dataset("digits", _vision_dataset("Digits"),
                 description="8×8 handwritten digits (bundled)")
register_dataset("mnist5k", _vision_dataset("MNIST5k"),
                 description="a 5,000-image MNIST subset, 28×28 (bundled)")
register_dataset("mnist1d", _vision_dataset("MNIST1D"),
                 description="MNIST-1D: digits as 1-D signals of 40 points (generated)")
register_dataset("mnist", _vision_dataset("MNIST"), needs_root=True,
                 description="MNIST, 28×28 grey (needs --root)")
register_dataset("fashion_mnist", _vision_dataset("FashionMNIST"), needs_root=True,
                 description="Fashion-MNIST, 28×28 grey (needs --root)")
register_dataset("cifar10", _vision_dataset("CIFAR10"), needs_root=True,
                 description="CIFAR-10, 32×32 colour (needs --root)")


# ----- the layer table -----------------------------------------------------------------------

@dataclass
class LayerRecord:
    """One call of one layer during ``summary``'s forward pass. ``params`` is None when the
    module was already called (its parameters are counted at its first call)."""
    name: str
    module: nn.Module
    input_shapes: list[tuple]
    output_shape: Any                  # a tuple, or a list of tuples for several outputs
    params: int | None
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Column:
    """A column of the layer table: its header, how to render a record, its alignment."""
    header: str
    value: Callable[[LayerRecord], str]
    align: str = "<"


def _shape_str(shape) -> str:
    if isinstance(shape, list):
        return ", ".join(_shape_str(s) for s in shape)
    return "[" + ", ".join(map(str, shape)) + "]"


COLUMNS: list[Column] = [
    Column("Layer", lambda r: r.name),
    Column("Type", lambda r: type(r.module).__name__),
    Column("Output shape", lambda r: _shape_str(r.output_shape)),
    Column("Params", lambda r: "(reused)" if r.params is None else f"{r.params:,}", ">"),
]


def _shapes(obj):
    if isinstance(obj, Tensor):
        return tuple(obj.shape)
    if isinstance(obj, (tuple, list)):
        return [s for o in obj if (s := _shapes(o)) is not None] or None
    return None


@dataclass
class Summary:
    """The layer records of one forward pass and the model's totals; ``str()`` is the table."""
    records: list[LayerRecord]
    total_params: int
    trainable_params: int
    param_bytes: int
    columns: list[Column]

    def __str__(self) -> str:
        rows = [[c.value(r) for c in self.columns] for r in self.records]
        table = format_table([c.header for c in self.columns], rows,
                             [c.align for c in self.columns])
        width = len(table.splitlines()[0])
        return "\n".join([table, "=" * width,
                          f"Total params: {self.total_params:,}",
                          f"Trainable params: {self.trainable_params:,}",
                          f"Non-trainable params: {self.total_params - self.trainable_params:,}",
                          f"Params size (MB): {self.param_bytes / 2 ** 20:.2f}"])


def summary(model: nn.Module, input_shape, batch_size: int = 1,
            columns: list[Column] | None = None) -> Summary:
    """Run ``model`` once, in eval mode and without gradients, on zeros of shape
    ``(batch_size, *input_shape)``, recording every leaf layer (and every module holding
    parameters of its own) through forward hooks."""
    records: list[LayerRecord] = []
    seen: set[int] = set()

    def hook_for(name):
        def hook(module, args, output):
            first = id(module) not in seen
            seen.add(id(module))
            params = sum(p.numel() for p in module.parameters(recurse=False)) if first else None
            records.append(LayerRecord(name, module, _shapes(list(args)) or [],
                                       _shapes(output), params))
        return hook

    handles = [m.register_forward_hook(hook_for(name or type(m).__name__))
               for name, m in model.named_modules()
               if not any(True for _ in m.children()) or m._parameters]
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            model(zeros(batch_size, *input_shape))
    finally:
        model.train(was_training)
        for h in handles:
            h.remove()
    params = list(model.parameters())
    return Summary(records, sum(p.numel() for p in params),
                   sum(p.numel() for p in params if p.requires_grad),
                   sum(p.numel() * p.element_size() for p in params),
                   list(COLUMNS if columns is None else columns))


def format_table(headers: list[str], rows: list[list[str]], aligns: list[str]) -> str:
    """A plain-text table: header, a rule, then the rows, each column padded to its widest
    cell and aligned '<' (left) or '>' (right)."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(headers)]

    def line(cells):
        return "  ".join(f"{c:{a}{w}}" for c, a, w in zip(cells, aligns, widths)).rstrip()
    return "\n".join([line(headers), "-" * (sum(widths) + 2 * (len(widths) - 1)),
                      *(line(r) for r in rows)])
