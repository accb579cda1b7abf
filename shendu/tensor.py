"""``shendu.Tensor``: a NumPy array, plus what reverse-mode autograd needs.

A tensor holds its values in ``_data`` (a NumPy array, float32 by default). When it was
computed by an op that needs a gradient, ``grad_fn`` is that op's node in the computational
graph (计算图); ``backward()`` walks the graph back to the leaves and fills their ``.grad``.

Ops live in ``shendu/ops/``, one family per file, each with its forward and backward side by
side; they attach themselves to ``Tensor`` as methods. This file holds what is not an op:
construction, properties, conversion, printing, hooks and the graph-recording helpers.
"""

from __future__ import annotations

import copy as _copy
import warnings
import weakref

import numpy as np

from . import _device, dtypes

__all__ = ["Tensor", "Size"]


class Size(tuple):
    """Shape of a tensor, a tuple that prints as ``shendu.Size([2, 3])``; slices, sums with
    tuples and repeats are Sizes too."""

    def __repr__(self) -> str:
        return f"shendu.Size({list(self)})"

    def __getitem__(self, i):
        r = tuple.__getitem__(self, i)
        return Size(r) if isinstance(i, slice) else r

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))

    def __radd__(self, other):
        return Size(tuple(other) + tuple(self))

    def __mul__(self, n):
        return Size(tuple(self) * n)

    __rmul__ = __mul__

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n


class Tensor:
    """A multi-dimensional array with autograd, as ``torch.Tensor``.

    ``Tensor(data)`` makes a float tensor from data; ``Tensor(2, 3)`` an uninitialised one.
    Prefer ``shendu.tensor(data)``, which keeps integer and bool data as they are.
    """

    __slots__ = ("_data", "_rg", "_grad", "_fn", "_nr", "_vc", "_base", "_accum",
                 "_retains_grad", "_vv", "__weakref__")
    # _vv (views only): the version of the shared buffer when the view's grad_fn was set
    __array_priority__ = 1000  # NumPy defers to our reflected operators: ndarray + Tensor -> Tensor

    def __init__(self, *args, dtype=None, device=None, requires_grad: bool = False):
        if device is not None:
            _device.check(device)
        d = dtypes.as_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()
        rg = requires_grad
        if len(args) == 1 and isinstance(args[0], Tensor) and dtype is None:
            # an alias of the tensor: same memory, dtype and requires_grad (as PyTorch)
            arr, rg = args[0]._data, args[0]._rg or requires_grad
        elif len(args) == 1 and not isinstance(args[0], (int, np.integer, Size)):
            src = args[0]
            if isinstance(src, (float, bool, np.generic)):
                raise TypeError(f"new(): data must be a sequence (got {type(src).__name__})")
            arr = np.array(src._data if isinstance(src, Tensor) else src, dtype=d.np)
        else:
            shape = args[0] if len(args) == 1 and isinstance(args[0], tuple) else args
            shape = tuple(int(s) for s in shape)
            neg = next((s for s in shape if s < 0), None)
            if neg is not None:
                raise RuntimeError(f"Trying to create tensor with negative dimension {neg}: "
                                   f"{list(shape)}")
            # Tensor() is empty, of shape (0,)
            arr = np.empty(shape if args else (0,), d.np)
        _init(self, arr)
        if rg:
            self.requires_grad_(True)

    # ----- identity and autograd state -------------------------------------------------
    __hash__ = object.__hash__

    @property
    def requires_grad(self) -> bool:
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if requires_grad and self._data.dtype.kind != "f":
            raise RuntimeError(f"only Tensors of floating point dtype can require gradients, "
                               f"got {self.dtype}")
        if not requires_grad and self._fn is not None:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If "
                               "you want to use a computed variable in a subgraph that doesn't "
                               "require differentiation use var_no_grad = var.detach().")
        self._rg = bool(requires_grad)
        return self

    @property
    def grad(self) -> Tensor | None:
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got "
                                f"{type(value).__name__}")
            if value._data.shape != self._data.shape:
                raise RuntimeError(f"assigned grad has data of a different size: "
                                   f"{list(value._data.shape)} vs {list(self._data.shape)}")
        self._grad = value

    @grad.deleter
    def grad(self) -> None:
        self._grad = None

    @property
    def grad_fn(self):
        return self._fn

    @property
    def is_leaf(self) -> bool:
        return self._fn is None

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    @property
    def _version(self) -> int:
        return 0 if self._vc is None else self._vc.v

    @property
    def data(self) -> Tensor:
        """The same values, detached and with its own version counter (as ``.data`` in PyTorch:
        changes through it are not seen by autograd's in-place checks)."""
        return _wrap(self._data)

    @data.setter
    def data(self, value) -> None:
        self._data = value._data if isinstance(value, Tensor) else np.asarray(value)

    def backward(self, gradient=None, retain_graph=None, create_graph: bool = False,
                 inputs=None) -> None:
        """Fill ``.grad`` of the leaves this tensor depends on (反向传播)."""
        from .autograd import backward
        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor
        replaces the gradient. Returns a handle with ``remove()``."""
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        node, nr = _edge(self)
        return node._add_hook(nr, hook)

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if not self._rg:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._fn is None or self._retains_grad:
            return
        ref = weakref.ref(self)

        def keep(g):
            t = ref()
            if t is not None:
                if t._grad is None:
                    t._grad = g if g._rg else _wrap(g._data.copy())
                else:
                    t._grad = t._grad + g
        self._fn._add_hook(self._nr, keep)
        self._retains_grad = True

    def detach(self) -> Tensor:
        """Same values and buffer, cut from the graph."""
        t = _wrap(self._data)
        t._vc = _vc(self)
        return t

    def detach_(self) -> Tensor:
        if self._base is not None and self._rg:
            raise RuntimeError("detach_: can't detach a view in place; use detach()")
        self._fn, self._nr, self._rg = None, 0, False
        return self

    # ----- shape and type --------------------------------------------------------------
    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_norm_dim(dim, self._data.ndim, "size")]

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return self._data.size

    nelement = numel

    def element_size(self) -> int:
        return self._data.itemsize

    def stride(self, dim: int | None = None):
        st = tuple(s // self._data.itemsize for s in self._data.strides)
        return st if dim is None else st[_norm_dim(dim, self._data.ndim, "stride")]

    def is_contiguous(self, memory_format=None) -> bool:
        return self._data.flags.c_contiguous

    @property
    def dtype(self) -> dtypes.dtype:
        return dtypes.from_np(self._data.dtype)

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    @property
    def device(self) -> _device.device:
        return _device.of_array(self._data)

    @property
    def is_cuda(self) -> bool:
        return False

    @property
    def T(self) -> Tensor:
        """The dimensions reversed (deprecated in PyTorch for other than 2-D tensors)."""
        if self._data.ndim != 2:
            warnings.warn("The use of `x.T` on tensors of dimension other than 2 to reverse "
                          "their shape is deprecated; use `x.mT` to transpose batches of "
                          "matrices or `x.permute(*range(x.ndim - 1, -1, -1))`", UserWarning,
                          stacklevel=2)
        return self.permute(tuple(range(self._data.ndim - 1, -1, -1)))

    @property
    def mT(self) -> Tensor:
        if self._data.ndim < 2:
            raise RuntimeError(f"mT: expected a tensor with 2 or more dimensions, got "
                               f"{self._data.ndim}-D")
        return self.transpose(-2, -1)

    mH = mT
    H = T

    # ----- conversion ------------------------------------------------------------------
    def to(self, *args, **kwargs) -> Tensor:
        """``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other)``; returns self
        when nothing changes, unless ``copy=True``."""
        dt = kwargs.pop("dtype", None)
        dev = kwargs.pop("device", None)
        copy = kwargs.pop("copy", False)
        kwargs.pop("non_blocking", None)
        kwargs.pop("memory_format", None)
        if kwargs:
            raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
        for a in args:
            if isinstance(a, Tensor):
                dt, dev = a.dtype, a.device
            elif isinstance(a, (str, _device.device)):
                dev = a
            elif a is not None:
                dt = a
        if dev is not None:
            _device.check(dev)
        if dt is not None:
            npd = dtypes.as_dtype(dt).np
            if npd != self._data.dtype:
                return _cast(self, npd)
        return self.clone() if copy else self

    def cpu(self) -> Tensor:
        return self

    def cuda(self, device=None, non_blocking=False) -> Tensor:
        _device.check("cuda")

    def type(self, dtype=None):
        """The type name (``'shendu.FloatTensor'``), or a copy cast to ``dtype``, which may be
        such a name."""
        if dtype is None:
            return f"shendu.{_TYPE_NAMES[self.dtype.name]}"
        if isinstance(dtype, str) and dtype.endswith("Tensor"):
            name = dtype.rsplit(".", 1)[-1]
            match = [k for k, v in _TYPE_NAMES.items() if v == name]
            if not match:
                raise ValueError(f"invalid type: {dtype!r}")
            dtype = dtypes.as_dtype(match[0])
        return self.to(dtype)

    def type_as(self, other: Tensor) -> Tensor:
        return self.to(other.dtype)

    def float(self) -> Tensor:
        return self.to(dtypes.float32)

    def double(self) -> Tensor:
        return self.to(dtypes.float64)

    def half(self) -> Tensor:
        return self.to(dtypes.float16)

    def long(self) -> Tensor:
        return self.to(dtypes.int64)

    def int(self) -> Tensor:
        return self.to(dtypes.int32)

    def short(self) -> Tensor:
        return self.to(dtypes.int16)

    def char(self) -> Tensor:
        return self.to(dtypes.int8)

    def byte(self) -> Tensor:
        return self.to(dtypes.uint8)

    def bool(self) -> Tensor:
        return self.to(dtypes.bool_)

    def clone(self, memory_format=None) -> Tensor:
        """A copy in new memory; the gradient passes through unchanged."""
        return record(self._data.copy(), "CloneBackward0", (self,), _identity)

    def contiguous(self, memory_format=None) -> Tensor:
        if self._data.flags.c_contiguous:
            return self
        return record(np.ascontiguousarray(self._data), "CloneBackward0", (self,), _identity)

    def numpy(self, force: bool = False) -> np.ndarray:
        """The array itself (shared memory), as ``torch.Tensor.numpy``."""
        if self._rg and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        return self._data

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted "
                               f"to Scalar")
        return self._data.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

    def __array__(self, dtype=None, copy=None):
        return self._data if dtype is None else self._data.astype(dtype)

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with {self._data.size} values is "
                               f"ambiguous")
        return bool(self._data.reshape(()))

    def _scalar(self):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self._data.reshape(()).item()

    def __float__(self) -> float:
        return float(self._scalar())

    def __int__(self) -> int:
        return int(self._scalar())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        return int(self.item())

    def __complex__(self) -> complex:
        return complex(self._scalar())

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return format(self.item(), spec)
        return format(repr(self), spec)

    def __repr__(self) -> str:
        from ._tensor_str import tensor_repr
        return tensor_repr(self)

    def __deepcopy__(self, memo):
        if self._fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) "
                               "support the deepcopy protocol at the moment")
        new = self.__class__.__new__(self.__class__)
        _init(new, self._data.copy())
        new._rg = self._rg
        if self._grad is not None:
            new._grad = _copy.deepcopy(self._grad, memo)
        extra = getattr(self, "__dict__", None)
        if extra:
            new.__dict__.update(_copy.deepcopy(extra, memo))
        memo[id(self)] = new
        return new

    def __reduce_ex__(self, protocol):
        # values and requires_grad travel; the graph and .grad do not (as in PyTorch)
        return (_rebuild, (self.__class__, self._data, self._rg))

    # ----- new tensors like this one ---------------------------------------------------
    def new_tensor(self, data, dtype=None, device=None, requires_grad=False) -> Tensor:
        from .ops.creation import tensor
        return tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_zeros(self, *args, size=None, dtype=None, device=None, requires_grad=False) -> Tensor:
        return _new_full(self, args if size is None else (size,), 0, dtype, requires_grad)

    def new_ones(self, *args, size=None, dtype=None, device=None, requires_grad=False) -> Tensor:
        return _new_full(self, args if size is None else (size,), 1, dtype, requires_grad)

    def new_empty(self, *args, size=None, dtype=None, device=None, requires_grad=False) -> Tensor:
        return _new_full(self, args if size is None else (size,), 0, dtype, requires_grad)

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False) -> Tensor:
        return _new_full(self, (size,), fill_value, dtype, requires_grad)


_TYPE_NAMES = {"float16": "HalfTensor", "float32": "FloatTensor", "float64": "DoubleTensor",
               "uint8": "ByteTensor", "int8": "CharTensor", "int16": "ShortTensor",
               "int32": "IntTensor", "int64": "LongTensor", "bool": "BoolTensor"}


def _rebuild(cls, data, requires_grad):
    t = cls.__new__(cls)
    _init(t, data)
    t._rg = requires_grad
    return t


def _new_full(like, size, value, dtype, requires_grad):
    shape = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size
    npd = dtypes.as_dtype(dtype).np if dtype is not None else like._data.dtype
    t = _wrap(np.full(shape, value, npd))
    return t.requires_grad_(True) if requires_grad else t


# ----- construction and graph recording (used by every op) -----------------------------

def _init(t, arr):
    t._data = arr
    t._rg = False
    t._grad = None
    t._fn = None
    t._nr = 0
    t._vc = None
    t._base = None
    t._accum = None
    t._retains_grad = False


def _wrap(arr) -> Tensor:
    """A new tensor (no grad) around ``arr``; NumPy scalars become 0-d arrays."""
    if type(arr) is not np.ndarray:
        arr = np.asarray(arr)
    t = object.__new__(Tensor)
    t._data = arr
    t._rg = False
    t._grad = None
    t._fn = None
    t._nr = 0
    t._vc = None
    t._base = None
    t._accum = None
    t._retains_grad = False
    return t


def _vc(t):
    vc = t._vc
    if vc is None:
        vc = t._vc = VersionCounter()
    return vc


def _identity(g):
    return g


def _needs_grad(inputs) -> bool:
    if not _gmstate.enabled:
        return False
    for x in inputs:
        if x is not None and x._rg:
            return True
    return False


def _node(name, inputs, backward, saved, outs, n_out, once):
    # plain loops: every op with a gradient passes here, and generators cost more
    edges = []
    metas = []
    for x in inputs:
        if x is None:
            edges.append(None)
            metas.append(None)
        else:
            edges.append(_edge(x) if x._rg else None)
            d = x._data
            metas.append((d.shape, d.dtype))
    sv = []
    for s in saved:
        if isinstance(s, Tensor):
            vc = s._vc
            if vc is None:
                vc = s._vc = VersionCounter()
            sv.append((vc, vc.v, s._data.shape))
    return Node(name, backward, tuple(edges), tuple(metas), tuple(sv), outs, n_out, once,
                bool(saved))


def record(out: np.ndarray, name: str, inputs: tuple, backward, saved: tuple = (),
           save_output: bool = False, once: bool = False) -> Tensor:
    """Wrap an op's output array and, when grad mode is on and an input requires grad,
    record its node.

    ``inputs``: the op's tensor inputs (``None`` for non-tensor arguments), one edge each;
    ``backward(g)`` returns one gradient per input; ``saved``: what the backward closure holds
    besides shapes and numbers — tensors (checked for in-place changes) or index arrays — so
    the node is freed after backward; a backward with nothing saved must capture no arrays or
    tensors; ``save_output``: pass the output to backward as
    ``backward(g, out)``; ``once``: the backward is computed on arrays and is not itself
    differentiable.
    """
    t = _wrap(out)
    if not _gmstate.enabled:
        return t
    for x in inputs:
        if x is not None and x._rg:
            break
    else:
        return t
    outs = None
    if save_output:
        outs = (t._data,)
        saved = saved + (t,)
    t._fn = _node(name, inputs, backward, saved, outs, 1, once)
    t._rg = True
    return t


def record_multi(outs: tuple, name: str, inputs: tuple, backward, saved: tuple = (),
                 once: bool = False, differentiable: tuple | None = None) -> tuple:
    """As ``record`` for an op with several outputs sharing one node; ``backward(*grads)``
    gets ``None`` for outputs that received no gradient."""
    ts = tuple(_wrap(o) for o in outs)
    if not _needs_grad(inputs):
        return ts
    node = _node(name, inputs, backward, saved, None, len(ts), once)
    for i, t in enumerate(ts):
        if differentiable is None or differentiable[i]:
            t._fn, t._nr, t._rg = node, i, True
    return ts


def make_view(out: Tensor, base: Tensor) -> Tensor:
    """Mark ``out`` as a view of ``base``: they share memory and the in-place version count."""
    out._vc = _vc(base)
    out._base = base if base._base is None else base._base
    out._vv = out._vc.v
    return out


def bump_version(t: Tensor) -> None:
    _vc(t).v += 1


def check_inplace(t: Tensor, name: str, *others) -> bool:
    """Raise where PyTorch forbids an in-place change; True when it must be recorded in the
    graph (grad mode on and ``t`` or an operand requires grad)."""
    if not _gmstate.enabled:
        return False
    if not (t._rg or any(isinstance(o, Tensor) and o._rg for o in others)):
        return False
    if t._rg and t._fn is None:
        raise RuntimeError(f"{name}: a leaf Variable that requires grad is being used in an "
                           f"in-place operation.")
    b = t._base
    if b is not None and b._rg and b._fn is None:
        raise RuntimeError(f"{name}: a view of a leaf Variable that requires grad is being used "
                           f"in an in-place operation.")
    return True


def apply_inplace(t: Tensor, name: str, fn, *args) -> Tensor:
    """Run the out-of-place op ``fn(t, *args)`` and write its result into ``t``.

    When the change is recorded, ``t``'s old value goes into the graph as a copy and ``t``
    takes the new node as its ``grad_fn``, as PyTorch rebases a tensor changed in place (for a
    view, its base is rebased too: see ``autograd/views.py``).
    """
    if check_inplace(t, name, *args):
        if t._base is not None:
            from .autograd.views import inplace_on_view
            return inplace_on_view(t, name, fn, *args)
        old = _wrap(t._data.copy())
        old._fn, old._nr, old._rg = t._fn, t._nr, t._rg
        r = fn(old, *args)
        _store(t, r._data, name)
        t._fn, t._nr, t._rg = r._fn, r._nr, r._rg
        return t
    prev = _gmstate.enabled
    _gmstate.enabled = False
    try:
        r = fn(t, *args)
    finally:
        _gmstate.enabled = prev
    _store(t, r._data, name)
    return t


def _store(t: Tensor, value: np.ndarray, name: str) -> None:
    if not np.can_cast(value.dtype, t._data.dtype, "same_kind"):
        raise RuntimeError(f"{name}: result type {dtypes.from_np(value.dtype)} can't be cast to "
                           f"the desired output type {dtypes.from_np(t._data.dtype)}")
    if value.shape != t._data.shape:
        try:
            np.broadcast_to(value, t._data.shape)
        except ValueError:
            raise RuntimeError(f"{name}: output with shape {list(t._data.shape)} doesn't match "
                               f"the broadcast shape {list(value.shape)}") from None
    np.copyto(t._data, value, casting="unsafe")
    bump_version(t)


def _cast(x: Tensor, npd) -> Tensor:
    """Change dtype; the gradient is cast back to the input's dtype by the engine."""
    out = x._data.astype(npd)
    if npd.kind != "f":
        return _wrap(out)
    return record(out, "ToCopyBackward0", (x,), _identity)


def _norm_dim(dim: int, ndim: int, name: str) -> int:
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"{name}: dimension out of range (expected to be in range of "
                         f"[{-n}, {n - 1}], but got {dim})")
    return dim + n if dim < 0 else dim


def tensor_method(fn=None, *, name: str | None = None):
    """Attach an op to ``Tensor`` as a method (``x.sum()`` for ``sum(x)``)."""
    def attach(f):
        setattr(Tensor, name or f.__name__, f)
        return f
    return attach(fn) if fn is not None else attach


# The autograd package imports this module's helpers, so it is imported last.
from .autograd import grad_mode as _gm  # noqa: E402
from .autograd.graph import Node, VersionCounter, _edge  # noqa: E402

_gmstate = _gm.state
