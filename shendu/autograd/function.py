"""Custom ops: subclass ``Function`` with ``forward(ctx, ...)`` and ``backward(ctx, ...)``.

As in PyTorch::

    class Exp(shendu.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad_output):
            (y,) = ctx.saved_tensors
            return grad_output * y

    y = Exp.apply(x)

``forward`` runs with grad mode off; ``backward`` gets one gradient per output and returns one
per input of ``forward`` (``None`` for non-tensors). When it is written with shendu ops it is
itself differentiable, so ``create_graph=True`` gives higher-order derivatives.
"""

from __future__ import annotations

import functools
import weakref

import numpy as np

from ..tensor import Tensor, _vc, _wrap
from . import grad_mode
from .graph import Node, _edge


class FunctionCtx:
    """The ``ctx`` passed to ``Function.forward`` and ``backward``."""

    def __init__(self):
        self._to_save = ()
        self._saved = None          # after apply: list of (array, output index or tensor)
        self._node = None
        self._non_diff = set()
        self.materialize_grads = True
        self.needs_input_grad = ()

    def save_for_backward(self, *tensors) -> None:
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_backward can only save tensors (or None), got "
                                f"{type(t).__name__}; keep other values as ctx attributes")
        self._to_save = tensors

    def mark_non_differentiable(self, *tensors) -> None:
        self._non_diff.update(id(t) for t in tensors)

    def set_materialize_grads(self, value: bool) -> None:
        self.materialize_grads = bool(value)

    @property
    def saved_tensors(self) -> tuple:
        if self._saved is None:
            return self._to_save
        out = []
        for item in self._saved:
            if item is None or isinstance(item, Tensor):
                out.append(item)
                continue
            arr, nr = item          # one of the outputs: rebuilt so no reference cycle exists
            t = _wrap(arr)
            node = self._node()
            if grad_mode.state.enabled and node is not None:
                t._fn, t._nr, t._rg = node, nr, True
            out.append(t)
        return tuple(out)


def once_differentiable(backward):
    """Mark a ``Function.backward`` as not differentiable: it runs with grad mode off, and a
    double backward through it raises a clear error."""
    @functools.wraps(backward)
    def wrapper(ctx, *grads):
        with grad_mode.no_grad():
            return backward(ctx, *grads)
    wrapper._once = True
    return wrapper


class Function:
    """Base class of user-defined differentiable ops; call ``MyFunction.apply(*args)``."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise TypeError("a Function subclass must define forward(ctx, ...) as a staticmethod")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise TypeError("a Function subclass must define backward(ctx, ...) as a staticmethod")

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = FunctionCtx()
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._rg for a in args)
        with grad_mode.no_grad():
            result = cls.forward(ctx, *args, **kwargs)
        single = not isinstance(result, tuple)
        outs = (result,) if single else result
        inputs = tuple(a if isinstance(a, Tensor) else None for a in args)
        if not (grad_mode.state.enabled and any(ctx.needs_input_grad)):
            return result
        fixed = []
        for o in outs:
            if isinstance(o, Tensor) and any(o is a for a in inputs):
                v = _wrap(o._data)    # an input returned as is: give it its own identity
                v._vc = _vc(o)
                o = v
            fixed.append(o)
        outs = tuple(fixed)
        diff = [isinstance(o, Tensor) and o._data.dtype.kind == "f" and id(o) not in ctx._non_diff
                for o in outs]
        n_out = len(outs)

        # shapes for zero gradients; the closure must not hold the outputs (a reference cycle)
        out_meta = [(o._data.shape, o._data.dtype) if isinstance(o, Tensor) else None
                    for o in outs]

        def backward(*grads):
            if ctx.materialize_grads:
                grads = tuple(_wrap(np.zeros(*m)) if g is None and m is not None else g
                              for g, m in zip(grads, out_meta))
            res = cls.backward(ctx, *grads)
            res = res if isinstance(res, tuple) else (res,)
            if len(res) > len(args) and all(r is None for r in res[len(args):]):
                res = res[:len(args)]
            if len(res) != len(args):
                raise RuntimeError(f"function {cls.__name__}Backward returned an incorrect number "
                                   f"of gradients (expected {len(args)}, got {len(res)})")
            clean = []
            for i, (r, a) in enumerate(zip(res, args)):
                if r is not None and not isinstance(a, Tensor):
                    raise RuntimeError(f"function {cls.__name__}Backward returned a gradient "
                                       f"for input {i}, which is not a Tensor")
                if r is not None and not isinstance(r, Tensor):
                    r = _wrap(np.asarray(r, a._data.dtype))
                clean.append(r if r is not None and a._rg else None)
            return tuple(clean)

        saved_t = [t for t in ctx._to_save if t is not None and
                   not any(t is o for o in outs)]
        edges = tuple(_edge(x) if x is not None and x._rg else None for x in inputs)
        metas = tuple(None if x is None else (x._data.shape, x._data.dtype) for x in inputs)
        sv = tuple((_vc(s), s._vc.v, s._data.shape) for s in saved_t)
        once = getattr(cls.backward, "_once", False)
        node = Node(cls.__name__ + "Backward", backward, edges, metas, sv, None, n_out, once,
                    holds=True)
        for i, o in enumerate(outs):
            if diff[i]:
                o._fn, o._nr, o._rg = node, i, True
        # outputs among the saved tensors are kept as arrays, to avoid output -> node -> ctx
        # -> output cycles; their versions are checked like any saved tensor.
        saved = []
        extra = []
        for t in ctx._to_save:
            idx = next((i for i, o in enumerate(outs) if t is o), None)
            if idx is None:
                saved.append(t)
            else:
                saved.append((t._data, idx))
                extra.append((_vc(t), t._vc.v, t._data.shape))
        node._saved = sv + tuple(extra)
        ctx._saved = saved
        ctx._node = weakref.ref(node)
        ctx._to_save = ()
        return outs[0] if single else outs
