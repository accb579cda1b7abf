"""Graphs free their saved values after backward: a node that is kept (it saved nothing, so
PyTorch lets you walk it twice) must hold no arrays or tensors in its backward closure, or
they would live as long as the graph. Checked for every op family."""

import numpy as np
import pytest

import shendu
import shendu.nn.functional as F


def held(fn, depth=0):
    """Arrays and tensors reachable from a backward closure (through cells, tuples, lists)."""
    out = []
    if depth > 5:
        return out
    if isinstance(fn, (np.ndarray, shendu.Tensor)):
        return [fn]
    if isinstance(fn, (tuple, list)):
        for o in fn:
            out += held(o, depth + 1)
    elif callable(fn) and getattr(fn, "__closure__", None):
        for cell in fn.__closure__:
            try:
                out += held(cell.cell_contents, depth + 1)
            except ValueError:          # empty cell
                pass
    return out


def nodes(t):
    seen, stack = set(), [t.grad_fn]
    while stack:
        n = stack.pop()
        if n is None or n in seen:
            continue
        seen.add(n)
        stack += [e[0] for e in n._edges if e is not None]
    return seen


x = shendu.randn(3, 4, requires_grad=True)
y = shendu.randn(4, requires_grad=True)
idx = shendu.tensor([0, 2, 2])

OPS = {
    "add": lambda: x + y, "sub": lambda: x - 2, "mul_scalar": lambda: x * 3,
    "mul": lambda: x * y, "div": lambda: x / y, "pow": lambda: x ** 2, "neg": lambda: -x,
    "exp": lambda: x.exp(), "relu": lambda: x.relu(), "sin": lambda: x.sin(),
    "clamp": lambda: x.clamp(-1, 1), "where": lambda: shendu.where(x > 0, x, y),
    "maximum": lambda: shendu.maximum(x, y), "sum": lambda: x.sum(1), "mean": lambda: x.mean(),
    "var": lambda: x.var(0), "amax": lambda: x.amax(1), "max_dim": lambda: x.max(1).values,
    "cumsum": lambda: x.cumsum(1), "logsumexp": lambda: x.logsumexp(1),
    "softmax": lambda: x.softmax(1), "log_softmax": lambda: x.log_softmax(0),
    "reshape": lambda: x.reshape(12), "permute": lambda: x.permute(1, 0),
    "expand": lambda: y.expand(3, 4), "squeeze": lambda: x.unsqueeze(0).squeeze(0),
    "repeat": lambda: x.repeat(2, 1), "cat": lambda: shendu.cat([x, x]),
    "stack": lambda: shendu.stack([x, x]), "split": lambda: x.split(2, 1)[0],
    "unbind": lambda: x.unbind(0)[1], "flip": lambda: x.flip(0), "roll": lambda: x.roll(1, 1),
    "tril": lambda: x.tril(), "slice": lambda: x[1:, ::2], "index": lambda: x[idx],
    "mask": lambda: x[x > 0], "gather": lambda: x.gather(1, idx.expand(3, 3)),
    "index_select": lambda: x.index_select(0, idx), "masked_fill": lambda: x.masked_fill(x > 0, 0.),
    "pad": lambda: F.pad(x, (1, 1)), "pad_reflect": lambda: F.pad(x, (1, 1), mode="reflect"),
    "matmul": lambda: x @ y, "einsum": lambda: shendu.einsum("ij,j->i", x, y),
    "sort": lambda: x.sort(1).values, "topk": lambda: x.topk(2).values,
    "linear": lambda: F.linear(x, x), "cross_entropy": lambda: F.cross_entropy(x, idx),
    "mse": lambda: F.mse_loss(x, x.detach()), "norm": lambda: x.norm(),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_kept_nodes_hold_no_arrays(name):
    out = OPS[name]()
    for n in nodes(out):
        if n._backward is not None and not n._holds:
            found = held(n._backward)
            assert not found, (f"{n.name()} keeps {len(found)} array(s)/tensor(s) in its "
                               f"closure without saving them: {[type(f).__name__ for f in found]}")
