"""One expression, two libraries: run the same function on shendu and on PyTorch (the oracle)
and compare values, dtypes, shapes, gradients and raised errors.

    check(lambda lib, x, y: lib.maximum(x, y) * x, (3, 4), (4,))

``fn(lib, *tensors)`` receives the module (``shendu`` or ``torch``) and the input tensors.
Inputs are given as shapes (random floats) or as NumPy arrays (used as they are).
"""

from __future__ import annotations

import numpy as np
import torch

import shendu

torch.set_num_threads(1)

TORCH_DTYPES = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64,
                np.dtype(np.float16): torch.float16, np.dtype(np.int64): torch.int64,
                np.dtype(np.int32): torch.int32, np.dtype(np.int16): torch.int16,
                np.dtype(np.int8): torch.int8, np.dtype(np.uint8): torch.uint8,
                np.dtype(np.bool_): torch.bool}


def make_arrays(specs, seed=0, dtype=np.float32, low=-2.0, high=2.0):
    rng = np.random.default_rng(seed)
    out = []
    for s in specs:
        if isinstance(s, np.ndarray):
            out.append(s)
        else:
            shape = (s,) if isinstance(s, int) else tuple(s)
            out.append(rng.uniform(low, high, shape).astype(dtype))
    return out


def to_torch(a: np.ndarray, rg: bool):
    t = torch.from_numpy(a.copy())
    return t.requires_grad_(rg) if rg else t


def to_shendu(a: np.ndarray, rg: bool):
    t = shendu.from_numpy(a.copy())
    return t.requires_grad_(rg) if rg else t


def _flatten(out):
    if isinstance(out, (tuple, list)):
        res = []
        for o in out:
            res.extend(_flatten(o))
        return res
    return [out]


def assert_same(s, t, atol=1e-5, rtol=1e-5, what="value"):
    """A shendu result equals a torch result: type, shape, dtype and values."""
    if isinstance(t, torch.Tensor):
        assert isinstance(s, shendu.Tensor), f"{what}: expected a Tensor, got {type(s)}"
        assert tuple(s.shape) == tuple(t.shape), f"{what}: shape {tuple(s.shape)} vs torch " \
                                                 f"{tuple(t.shape)}"
        assert str(s.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], \
            f"{what}: dtype {s.dtype} vs torch {t.dtype}"
        sv = s.detach().numpy()
        tv = t.detach().numpy(force=True)  # force: torch may return a lazy ZeroTensor
        if sv.dtype.kind in "biu":
            np.testing.assert_array_equal(sv, tv, err_msg=what)
        else:
            np.testing.assert_allclose(sv, tv, atol=atol, rtol=rtol, equal_nan=True,
                                       err_msg=what)
    elif isinstance(t, (tuple, list)):
        assert len(s) == len(t), f"{what}: {len(s)} results vs torch {len(t)}"
        for i, (a, b) in enumerate(zip(s, t)):
            assert_same(a, b, atol, rtol, f"{what}[{i}]")
    else:
        if isinstance(t, float):
            np.testing.assert_allclose(s, t, atol=atol, rtol=rtol, err_msg=what)
        else:
            assert s == t, f"{what}: {s!r} vs torch {t!r}"


def check(fn, *specs, grad=True, atol=1e-5, rtol=1e-5, grad_atol=None, grad_rtol=None,
          seed=0, dtype=np.float32, low=-2.0, high=2.0, requires_grad=None, second_order=False):
    """Compare ``fn`` on shendu and torch: outputs, then gradients of every float input that
    requires grad (with random output gradients), and optionally second-order gradients."""
    arrays = make_arrays(specs, seed, dtype, low, high)
    if requires_grad is None:
        requires_grad = [grad and a.dtype.kind == "f" for a in arrays]
    tt = [to_torch(a, rg) for a, rg in zip(arrays, requires_grad)]
    st = [to_shendu(a, rg) for a, rg in zip(arrays, requires_grad)]
    out_t = fn(torch, *tt)
    out_s = fn(shendu, *st)
    assert_same(out_s, out_t, atol, rtol, "forward")
    if not grad:
        return out_s
    ga, gr = grad_atol or atol * 10, grad_rtol or rtol * 10
    outs_t = [o for o in _flatten(out_t) if isinstance(o, torch.Tensor) and o.requires_grad]
    outs_s = [o for o in _flatten(out_s) if isinstance(o, shendu.Tensor) and o.requires_grad]
    assert len(outs_t) == len(outs_s), "different number of differentiable outputs"
    if not outs_t:
        return out_s
    rng = np.random.default_rng(seed + 1)
    seeds = [rng.standard_normal(tuple(o.shape)).astype(o.detach().numpy().dtype)
             for o in outs_t]
    ins_t = [t for t in tt if t.requires_grad]
    ins_s = [t for t in st if t.requires_grad]
    gt = torch.autograd.grad(outs_t, ins_t, [torch.from_numpy(s) for s in seeds],
                             allow_unused=True, create_graph=second_order)
    gs = shendu.autograd.grad(outs_s, ins_s, [shendu.from_numpy(s.copy()) for s in seeds],
                              allow_unused=True, create_graph=second_order)
    for i, (a, b) in enumerate(zip(gs, gt)):
        if b is None:
            assert a is None or np.all(a.detach().numpy() == 0), f"grad[{i}]: torch has none"
            continue
        assert a is not None, f"grad[{i}]: shendu gave None, torch did not"
        assert_same(a, b, ga, gr, f"grad of input {i}")
    if second_order:
        pairs = [(a, b) for a, b in zip(gs, gt) if b is not None and b.requires_grad]
        if pairs:
            w = [rng.standard_normal(tuple(b.shape)).astype(b.detach().numpy().dtype)
                 for _, b in pairs]
            tt_sum = sum((b * torch.from_numpy(x)).sum() for (_, b), x in zip(pairs, w))
            st_sum = sum((a * shendu.from_numpy(x.copy())).sum() for (a, _), x in zip(pairs, w))
            g2t = torch.autograd.grad(tt_sum, ins_t, allow_unused=True)
            g2s = shendu.autograd.grad(st_sum, ins_s, allow_unused=True)
            for i, (a, b) in enumerate(zip(g2s, g2t)):
                if b is None:
                    assert a is None or np.allclose(a.detach().numpy(), 0), \
                        f"second-order grad[{i}]: torch has none"
                    continue
                assert a is not None, f"second-order grad[{i}]: shendu gave None"
                assert_same(a, b, ga * 10, gr * 10, f"second-order grad of input {i}")
    return out_s


def check_error(fn, *specs, match: str | None = None, seed=0, dtype=np.float32,
                requires_grad=False):
    """Both libraries raise, shendu with an exception of the same kind as torch's (or a
    subclass of it) and, when given, a message containing ``match``."""
    arrays = make_arrays(specs, seed, dtype)
    rgs = [requires_grad and a.dtype.kind == "f" for a in arrays]
    tt = [to_torch(a, rg) for a, rg in zip(arrays, rgs)]
    st = [to_shendu(a, rg) for a, rg in zip(arrays, rgs)]
    try:
        fn(torch, *tt)
    except Exception as e:
        terr = e
    else:
        raise AssertionError("torch did not raise")
    try:
        fn(shendu, *st)
    except Exception as e:
        serr = e
    else:
        raise AssertionError(f"shendu did not raise (torch raised {type(terr).__name__}: "
                             f"{terr})")
    assert isinstance(serr, type(terr)) or type(terr).__name__ in {
        c.__name__ for c in type(serr).__mro__}, \
        f"shendu raised {type(serr).__name__}: {serr}; torch raised {type(terr).__name__}"
    if match is not None:
        assert match.lower() in str(serr).lower(), f"message {str(serr)!r} lacks {match!r}"
    return serr
