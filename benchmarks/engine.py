"""Engine benchmark: shendu vs PyTorch in one process, same work, same data, same weights.

1. tiny-op overhead: ((a + b) * b).sum().backward() on 8-element tensors;
2. a chain of 100 small adds and one backward;
3. one training step of an MLP 784-256-256-10, batch 128, written with raw tensors
   (matmul, bias add, relu, log_softmax cross-entropy, backward, SGD update under no_grad).

Run: ``make bench`` (or ``OPENBLAS_NUM_THREADS=2 python benchmarks/engine.py``).
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import shendu  # noqa: E402
from benchmarks.common import machine, setup_threads, table, timeit  # noqa: E402


def tiny(lib):
    a = lib.randn(8, requires_grad=True)
    b = lib.randn(8, requires_grad=True)

    def step():
        ((a + b) * b).sum().backward()
    return step


def chain(lib, n=100):
    a = lib.randn(8, requires_grad=True)
    b = lib.randn(8)

    def step():
        x = a
        for _ in range(n):
            x = x + b
        x.sum().backward()
    return step


def mlp(lib, seed=0, batch=128, sizes=(784, 256, 256, 10), lr=0.01):
    rng = np.random.default_rng(seed)
    X = lib.from_numpy(rng.standard_normal((batch, sizes[0])).astype(np.float32))
    y = lib.from_numpy(rng.integers(0, sizes[-1], batch))
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        w = (rng.uniform(-1, 1, (n_in, n_out)) / np.sqrt(n_in)).astype(np.float32)
        params += [lib.from_numpy(w).requires_grad_(),
                   lib.from_numpy(np.zeros(n_out, np.float32)).requires_grad_()]
    rows = lib.arange(batch)

    def step():
        h = X
        for i in range(0, len(params), 2):
            h = h @ params[i] + params[i + 1]
            if i + 2 < len(params):
                h = h.relu()
        loss = -h.log_softmax(1)[rows, y].mean()
        for p in params:
            p.grad = None
        loss.backward()
        with lib.no_grad():
            for p in params:
                p -= lr * p.grad
        return loss
    return step


WORKLOADS = [
    ("tiny add+mul+sum+backward", tiny, "≤ 2x"),
    ("chain of 100 adds + backward", chain, "≤ 2x"),
    ("MLP 784-256-256-10 step, batch 128", mlp, "≤ 1.2x"),
]


def check_same_losses():
    """The MLP step computes the same numbers on both libraries."""
    s, t = mlp(shendu), mlp(torch)
    for _ in range(3):
        ls, lt = s().item(), t().item()
        assert abs(ls - lt) < 1e-4 * max(1.0, abs(lt)), (ls, lt)


def main():
    setup_threads()
    check_same_losses()
    rows = []
    for name, make, target in WORKLOADS:
        ts = timeit(make(shendu))
        tt = timeit(make(torch))
        rows.append((name, ts, tt, target))
        print(f"{name:40s} shendu {ts * 1e6:9.1f} µs   torch {tt * 1e6:9.1f} µs   "
              f"ratio {ts / tt:5.2f}x", flush=True)
    print()
    print(machine())
    print()
    print(table(rows))


if __name__ == "__main__":
    main()
