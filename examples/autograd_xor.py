"""The engine at work: the notes' autograd examples, then small MLPs written with raw tensors
(no nn module) learning XOR and a three-arm spiral by gradient descent.

Run with ``make demo`` (or ``python examples/autograd_xor.py``).
"""

from __future__ import annotations

import time

import shendu as torch   # PyTorch code runs on shendu with only this import changed


def notes_example():
    """003 §3.3: w = 1, x = 2, y = w·x, loss = y² gives dL/dw = 2·y·x = 8."""
    w = torch.tensor([1.0], requires_grad=True)
    x = torch.tensor([2.0])
    y = w * x
    loss = y ** 2
    loss.backward()
    print(f"梯度 dL/dw = {w.grad}  (expected 8)")


def chain_rule_example():
    """003 §3.3.1: L = (w1·x1 + w2·x2 + b)²; by the chain rule dL/dw1 = 2z·x1, dL/db = 2z."""
    x1, x2 = torch.tensor(1.5), torch.tensor(-0.5)
    w1 = torch.tensor(0.8, requires_grad=True)
    w2 = torch.tensor(-1.2, requires_grad=True)
    b = torch.tensor(0.3, requires_grad=True)
    z = w1 * x1 + w2 * x2 + b
    L = z ** 2
    L.backward()
    zv = z.item()
    print(f"z = {zv:.4f}, L = {L.item():.4f}")
    print(f"dL/dw1 = {w1.grad.item():.4f} (2z·x1 = {2 * zv * 1.5:.4f}), "
          f"dL/dw2 = {w2.grad.item():.4f} (2z·x2 = {2 * zv * -0.5:.4f}), "
          f"dL/db = {b.grad.item():.4f} (2z = {2 * zv:.4f})")


def mlp(sizes):
    """Weights of an MLP as raw leaf tensors, Kaiming-uniform initialised."""
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        bound = (6.0 / n_in) ** 0.5
        W = (torch.rand(n_in, n_out) * 2 - 1) * bound
        params += [W.requires_grad_(), torch.zeros(n_out, requires_grad=True)]
    return params


def forward(params, x):
    for i in range(0, len(params), 2):
        x = x @ params[i] + params[i + 1]
        if i + 2 < len(params):
            x = x.relu()
    return x


def cross_entropy(logits, y):
    """−log softmax(logits)[y], averaged: the classification loss."""
    logp = logits.log_softmax(dim=1)
    return -logp[torch.arange(len(y)), y].mean()


def train(params, x, y, steps, lr, report):
    for step in range(steps + 1):
        loss = cross_entropy(forward(params, x), y)
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
        if step % report == 0:
            acc = (forward(params, x).argmax(1) == y).float().mean().item()
            print(f"  step {step:4d}  loss {loss.item():.4f}  accuracy {acc:.3f}")
    return params


def xor():
    print("XOR with a 2-16-2 MLP:")
    torch.manual_seed(0)
    x = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = torch.tensor([0, 1, 1, 0])
    params = train(mlp([2, 16, 2]), x, y, steps=300, lr=0.5, report=100)
    with torch.no_grad():
        pred = forward(params, x).argmax(1)
    for xi, p in zip(x.tolist(), pred.tolist()):
        print(f"  {xi} -> {p}")


def spiral(n_per_class=200, classes=3, seed=0):
    """Three interleaved spiral arms in the plane (cs231n's classic non-linear toy set)."""
    g = torch.Generator().manual_seed(seed)
    r = torch.linspace(0.0, 1.0, n_per_class).repeat(classes)
    k = torch.arange(classes).repeat_interleave(n_per_class)
    theta = k * (2 * 3.14159 / classes) + r * 4 + torch.randn(r.shape, generator=g) * 0.2
    x = torch.stack([r * theta.sin(), r * theta.cos()], dim=1)
    return x, k


def spiral_demo():
    print("Three-arm spiral (600 points) with a 2-64-64-3 MLP, full-batch gradient descent:")
    torch.manual_seed(0)
    x, y = spiral()
    t0 = time.perf_counter()
    train(mlp([2, 64, 64, 3]), x, y, steps=1000, lr=0.5, report=250)
    print(f"  trained in {time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    notes_example()
    chain_rule_example()
    xor()
    spiral_demo()
