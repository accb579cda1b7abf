"""Similarities and distances between vectors: cosine_similarity, pairwise_distance, cdist."""

from __future__ import annotations

from ...linalg import vector_norm
from ...ops.pointwise import where
from ...tensor import Tensor

__all__ = ["cosine_similarity", "pairwise_distance", "cdist"]


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """cos θ = x₁·x₂ / (max(‖x₁‖, ε)·max(‖x₂‖, ε)) along ``dim`` (inputs broadcast)."""
    n1 = vector_norm(x1, 2, dim, keepdim=True).clamp(min=eps)
    n2 = vector_norm(x2, 2, dim, keepdim=True).clamp(min=eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """‖x₁ − x₂ + ε‖_p over the last dimension (ε keeps the gradient finite at x₁ = x₂)."""
    return vector_norm(x1 - x2 + eps, p, -1, keepdim)


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0) -> Tensor:
    """All pairwise p-norm distances between the rows of x1 (…, P, M) and x2 (…, R, M):
    a (…, P, R) tensor."""
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"cdist: X1 and X2 must have the same number of columns, got "
                           f"{x1.shape[-1]} and {x2.shape[-1]}")
    if p == 2.0:
        # ‖a − b‖² = ‖a‖² + ‖b‖² − 2 a·b: one matrix product instead of a (P, R, M) tensor
        sq = ((x1 * x1).sum(-1, keepdim=True) + (x2 * x2).sum(-1).unsqueeze(-2)
              - 2 * (x1 @ x2.mT)).clamp(min=0.0)
        pos = sq > 0          # √ at 0 has an infinite slope: give those pairs gradient 0
        return where(pos, sq, 1.0).sqrt() * pos
    return vector_norm(x1.unsqueeze(-2) - x2.unsqueeze(-3), p, -1)
