"""Reverse-mode automatic differentiation (自动求导), as ``torch.autograd``.

``backward`` accumulates gradients into the leaves' ``.grad``; ``grad`` returns them instead.
Both walk the graph with ``graph.execute``. ``Function`` lets users write their own op with a
forward and a backward; ``gradcheck`` compares analytic and finite-difference gradients.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor, _wrap
from . import graph
from .function import Function, FunctionCtx, once_differentiable
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = ["backward", "grad", "Function", "FunctionCtx", "once_differentiable", "gradcheck",
           "gradgradcheck", "GradcheckError", "no_grad", "enable_grad", "set_grad_enabled",
           "is_grad_enabled", "inference_mode"]


def _tensors(x, what: str) -> list:
    xs = [x] if isinstance(x, Tensor) else list(x)
    for t in xs:
        if not isinstance(t, Tensor):
            raise TypeError(f"{what}: expected Tensors, got {type(t).__name__}")
    return xs


def _seed_grads(outputs: list, grad_outputs) -> list:
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs) if grad_outputs is None else [grad_outputs]
    grad_outputs = list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"grad_outputs has {len(grad_outputs)} tensors but there are "
                           f"{len(outputs)} outputs")
    seeds = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if g is None:
            if out._data.size != 1:
                raise RuntimeError(f"grad can be implicitly created only for scalar outputs; "
                                   f"output {i} has shape {list(out._data.shape)}, so pass "
                                   f"gradient= a tensor of that shape")
            g = _wrap(np.ones(out._data.shape, out._data.dtype))
        elif not isinstance(g, Tensor):
            g = _wrap(np.asarray(g, out._data.dtype))
        elif g._data.shape != out._data.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                               f"{list(g._data.shape)} and output[{i}] has a shape of "
                               f"{list(out._data.shape)}.")
        seeds.append(g)
    return seeds


def _roots(outputs: list) -> list:
    roots = []
    for i, t in enumerate(outputs):
        if not t._rg:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have "
                               f"a grad_fn")
        roots.append(graph._edge(t))
    return roots


def backward(tensors, grad_tensors=None, retain_graph: bool | None = None,
             create_graph: bool = False, inputs=None) -> None:
    """Accumulate d(tensors)/d(leaf) into every leaf's ``.grad`` (or only ``inputs``')."""
    outputs = _tensors(tensors, "backward")
    seeds = _seed_grads(outputs, grad_tensors)
    keep = create_graph if retain_graph is None else retain_graph
    if inputs is not None:
        inputs = _tensors(inputs, "backward(inputs=...)")
        gs = grad(outputs, inputs, seeds, retain_graph=keep, create_graph=create_graph,
                  allow_unused=True)
        for x, g in zip(inputs, gs):
            if g is None:
                continue
            if x._grad is None:
                x._grad = g if create_graph else _wrap(g._data.copy())
            else:
                x._grad = x._grad + g
        return
    graph.execute(_roots(outputs), seeds, keep, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool | None = None,
         materialize_grads: bool = False) -> tuple:
    """Return d(outputs)/d(inputs) without touching any ``.grad``.

    With ``create_graph=True`` the result is itself differentiable (higher-order derivatives).
    """
    outputs = _tensors(outputs, "grad")
    inputs = _tensors(inputs, "grad(inputs=...)")
    if not inputs:
        raise RuntimeError("grad requires at least one input")
    seeds = _seed_grads(outputs, grad_outputs)
    keep = create_graph if retain_graph is None else retain_graph
    capture: dict = {}
    for i, x in enumerate(inputs):
        if not x._rg:
            raise RuntimeError(f"One of the differentiated Tensors (input {i}) does not require "
                               f"grad")
        node, nr = graph._edge(x)
        capture.setdefault(node, []).append((nr, i))
    res = graph.execute(_roots(outputs), seeds, keep, create_graph, capture)
    out = []
    for i, (x, r) in enumerate(zip(inputs, res)):
        if r is None:
            if materialize_grads:
                r = _wrap(np.zeros_like(x._data))
            elif not allow_unused:
                raise RuntimeError(f"One of the differentiated Tensors (input {i}) appears to "
                                   f"not have been used in the graph. Set allow_unused=True if "
                                   f"this is the desired behavior.")
        out.append(r)
    return tuple(out)
