"""Fully connected layers (全连接层) as functions: linear and bilinear."""

from __future__ import annotations

from ...ops.linalg import einsum
from ...tensor import Tensor, record

__all__ = ["linear", "bilinear"]


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x Wᵀ + b for x of shape (*, in) and W of shape (out, in), as one op:
    ∂L/∂x = g W,  ∂L/∂W = gᵀ x (summed over all leading dims),  ∂L/∂b = Σ g.
    Leading dimensions are folded into one, so each product is a single GEMM."""
    x, w = input._data, weight._data
    if w.ndim != 2 or x.ndim == 0 or x.shape[-1] != w.shape[1]:
        rows = x.size // x.shape[-1] if x.ndim and x.shape[-1] else 1
        raise RuntimeError(f"linear: mat1 and mat2 shapes cannot be multiplied "
                           f"({rows}x{x.shape[-1] if x.ndim else 1} and "
                           f"{'x'.join(map(str, w.shape[::-1]))}): input {list(x.shape)}, "
                           f"weight {list(w.shape)}")
    if x.dtype != w.dtype:
        raise RuntimeError(f"linear: expected input and weight to have the same dtype, but got "
                           f"{input.dtype} and {weight.dtype}")
    n_in, n_out = w.shape[1], w.shape[0]
    x2 = x.reshape(-1, n_in)
    out = x2 @ w.T
    if bias is not None:
        if bias._data.shape not in ((n_out,), ()):
            raise RuntimeError(f"linear: bias of shape {list(bias._data.shape)} does not match "
                               f"{n_out} output features")
        out += bias._data
    out = out.reshape(x.shape[:-1] + (n_out,))

    def backward(g):
        g2 = g.reshape(-1, n_out)
        gx = (g2 @ weight).reshape(x.shape) if input._rg else None
        gw = g2.mT @ input.reshape(-1, n_in) if weight._rg else None
        gb = g2.sum(0) if bias is not None and bias._rg else None
        return gx, gw, gb
    return record(out, "AddmmBackward0", (input, weight, bias), backward,
                  saved=(input, weight))


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor,
             bias: Tensor | None = None) -> Tensor:
    """yₖ = x₁ᵀ Aₖ x₂ + bₖ for A of shape (out, in1, in2); leading dims are batch dims."""
    if weight._data.ndim != 3 or input1._data.shape[-1] != weight._data.shape[1] or \
            input2._data.shape[-1] != weight._data.shape[2]:
        raise RuntimeError(f"bilinear: expected input1 (*, {weight._data.shape[1]}) and input2 "
                           f"(*, {weight._data.shape[2]}) for weight "
                           f"{list(weight._data.shape)}, got {list(input1._data.shape)} and "
                           f"{list(input2._data.shape)}")
    out = einsum("...i,oij,...j->...o", input1, weight, input2)
    return out + bias if bias is not None else out
