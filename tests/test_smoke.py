"""A broad first pass over the ops: each expression on shendu and torch, values, gradients and
second-order gradients (the family test files go deeper)."""

import numpy as np
import pytest

from helpers import check

CASES = {
    "add": (lambda lib, x, y: x + y, (3, 4), (4,)),
    "mul": (lambda lib, x, y: x * y * 2.5, (2, 3, 4), (3, 1)),
    "div": (lambda lib, x, y: x / y, (3, 4), (4,)),
    "exp_log": (lambda lib, x: x.exp().log1p().sqrt(), (3, 4)),
    "activations": (lambda lib, x: x.tanh() + x.sigmoid() + x.relu(), (5,)),
    "where": (lambda lib, x, y: lib.where(x > 0, x, y), (3, 4), (4,)),
    "reductions": (lambda lib, x: x.sum(1) + x.mean(1) + x.var(1) + x.amax(1), (3, 4)),
    "softmax": (lambda lib, x: x.softmax(-1) * x.log_softmax(-1), (3, 4)),
    "views": (lambda lib, x: x.reshape(4, 3).permute(1, 0).unsqueeze(0).expand(2, 3, 4), (3, 4)),
    "cat_split": (lambda lib, x, y: lib.cat([x, y, x], 1).split([1, 9], 1)[1], (3, 4), (3, 2)),
    "index": (lambda lib, x: x[1:, ::2, None, ...] + x[np.array([0, 0, 2])][:2, ::2, None], (3, 4)),
    "gather": (lambda lib, x: x.gather(1, lib.tensor([[0, 0], [1, 2], [3, 3]])), (3, 4)),
    "matmul_batched": (lambda lib, x, y: x @ y, (2, 1, 3, 4), (3, 4, 5)),
    "einsum_attention": (lambda lib, q, k: lib.einsum("bhqd,bhkd->bhqk", q, k),
                         (2, 3, 4, 5), (2, 3, 6, 5)),
    "sort": (lambda lib, x: x.sort(1, descending=True).values * x.topk(4, 1).values, (3, 4)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_against_torch(name):
    fn, *specs = CASES[name]
    check(fn, *specs, second_order=True)
