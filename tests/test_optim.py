"""Optimizers and learning-rate schedules against PyTorch: the same start, the same loss,
the same parameter trajectories and learning rates step after step, and exact resumption
from a state_dict."""

import math

import numpy as np
import pytest
import torch

import shendu

OPTIMIZERS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True}),
    ("SGD", {"lr": 0.05, "momentum": 0.5, "maximize": True}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.1,
                 "initial_accumulator_value": 0.5}),
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9, "centered": True, "weight_decay": 0.01}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.9), "maximize": True}),
    ("AdamW", {"lr": 0.01}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.5, "amsgrad": True}),
    ("NAdam", {"lr": 0.01}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("Adamax", {"lr": 0.01, "weight_decay": 0.1}),
    ("RAdam", {"lr": 0.01}),
    ("RAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
]


def make_params(lib, seed=0):
    rng = np.random.default_rng(seed)
    return [lib.nn.Parameter(lib.tensor(rng.standard_normal(s).astype(np.float32)))
            for s in [(4, 3), (3,), (2, 2, 2)]]


def loss_fn(lib, ps, step):
    x = lib.tensor(np.linspace(-1, 1, 4, dtype=np.float32) * (1 + 0.01 * step))
    h = (x @ ps[0]).tanh() + ps[1]
    return (h * h).sum() + ((ps[2] - 0.5) ** 2).mean() + ps[2].sin().sum()


def run(lib, name, kw, steps, params=None, opt=None, start=0):
    ps = params or make_params(lib)
    opt = opt or getattr(lib.optim, name)(ps, **kw)
    for t in range(start, start + steps):
        opt.zero_grad()
        loss_fn(lib, ps, t).backward()
        opt.step()
    return ps, opt


@pytest.mark.parametrize("name,kw", OPTIMIZERS, ids=[f"{n}-{i}" for i, (n, _) in
                                                     enumerate(OPTIMIZERS)])
def test_trajectory_matches_torch(name, kw):
    ps_s, _ = run(shendu, name, kw, 25)
    ps_t, _ = run(torch, name, kw, 25)
    for a, b in zip(ps_s, ps_t):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=2e-5,
                                   atol=2e-6)


@pytest.mark.parametrize("name,kw", OPTIMIZERS[::3], ids=[n for n, _ in OPTIMIZERS[::3]])
def test_state_dict_resumes_exactly(name, kw):
    full, _ = run(shendu, name, kw, 10)
    ps, opt = run(shendu, name, kw, 5)
    sd = opt.state_dict()
    snapshot = [p.detach().clone() for p in ps]
    ps2 = [shendu.nn.Parameter(s) for s in snapshot]
    opt2 = getattr(shendu.optim, name)(ps2, **kw)
    opt2.load_state_dict(sd)
    run(shendu, name, kw, 5, ps2, opt2, start=5)
    for a, b in zip(full, ps2):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_state_dict_layout_matches_torch():
    ps_s, opt_s = run(shendu, "Adam", {"lr": 0.01}, 2)
    ps_t, opt_t = run(torch, "Adam", {"lr": 0.01}, 2)
    ss, st = opt_s.state_dict(), opt_t.state_dict()
    assert sorted(ss["state"]) == sorted(st["state"])
    assert sorted(ss["state"][0]) == sorted(st["state"][0])
    assert ss["param_groups"][0]["params"] == st["param_groups"][0]["params"]
    assert set(ss["param_groups"][0]) >= {"lr", "betas", "eps", "weight_decay", "amsgrad"}


def test_param_groups_with_own_options():
    def build(lib):
        ps = make_params(lib)
        opt = lib.optim.SGD([{"params": ps[:2]}, {"params": ps[2:], "lr": 0.01,
                                                  "momentum": 0.5}], lr=0.1)
        return ps, opt
    (ps_s, opt_s), (ps_t, opt_t) = build(shendu), build(torch)
    run(shendu, "", {}, 10, ps_s, opt_s)
    run(torch, "", {}, 10, ps_t, opt_t)
    for a, b in zip(ps_s, ps_t):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert opt_s.param_groups[1]["momentum"] == 0.5 and opt_s.param_groups[0]["momentum"] == 0
    opt_s.add_param_group({"params": [shendu.nn.Parameter(shendu.ones(2))], "lr": 1.0})
    assert len(opt_s.param_groups) == 3
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt_s.add_param_group({"params": ps_s[:1]})


def test_zero_grad_and_errors():
    ps, opt = run(shendu, "SGD", {"lr": 0.1}, 1)
    opt.zero_grad(set_to_none=False)
    assert all(p.grad is not None and p.grad.abs().sum().item() == 0 for p in ps)
    opt.zero_grad()
    assert all(p.grad is None for p in ps)
    with pytest.raises(ValueError, match="empty parameter list"):
        shendu.optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="Invalid learning rate"):
        shendu.optim.Adam(ps, lr=-1)
    with pytest.raises(ValueError, match="Nesterov"):
        shendu.optim.SGD(ps, lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="non-leaf"):
        shendu.optim.SGD([ps[0] * 2], lr=0.1)


def test_closure_is_called():
    ps = make_params(shendu)
    opt = shendu.optim.SGD(ps, lr=0.1)

    def closure():
        opt.zero_grad()
        loss = loss_fn(shendu, ps, 0)
        loss.backward()
        return loss
    with shendu.no_grad():
        loss = opt.step(closure)
    assert loss.grad_fn is not None


# ----- schedulers ------------------------------------------------------------------------------

SCHEDULERS = [
    ("StepLR", {"step_size": 3, "gamma": 0.5}),
    ("MultiStepLR", {"milestones": [2, 5, 5, 9], "gamma": 0.3}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 7, "eta_min": 0.001}),
    ("CosineAnnealingWarmRestarts", {"T_0": 4, "T_mult": 2, "eta_min": 0.01}),
    ("LinearLR", {"start_factor": 0.1, "total_iters": 6}),
    ("ConstantLR", {"factor": 0.5, "total_iters": 4}),
    ("PolynomialLR", {"total_iters": 8, "power": 2.0}),
    ("LambdaLR", {"lr_lambda": lambda e: 0.95 ** e + 0.01 * e}),
    ("MultiplicativeLR", {"lr_lambda": lambda e: 0.9}),
    ("OneCycleLR", {"max_lr": 1.0, "total_steps": 30}),
    ("OneCycleLR", {"max_lr": [1.0, 0.5], "total_steps": 30, "anneal_strategy": "linear",
                    "three_phase": True}),
]


def lr_trajectory(lib, name, kw, steps=30, opt_name="SGD"):
    ps = make_params(lib)
    opt_kw = {"lr": 0.1, "momentum": 0.9} if opt_name == "SGD" else {"lr": 0.1}
    opt = getattr(lib.optim, opt_name)([{"params": ps[:2]}, {"params": ps[2:], "lr": 0.05}],
                                       **opt_kw)
    sched = getattr(lib.optim.lr_scheduler, name)(opt, **kw)
    lrs = []
    for t in range(steps):
        opt.zero_grad()
        loss_fn(lib, ps, t).backward()
        opt.step()
        sched.step()
        lrs.append(list(sched.get_last_lr()) +
                   [g.get("momentum", g.get("betas", (0,))[0]) for g in opt.param_groups])
    return np.array(lrs, np.float64), ps


@pytest.mark.parametrize("name,kw", SCHEDULERS, ids=[f"{n}-{i}" for i, (n, _) in
                                                     enumerate(SCHEDULERS)])
def test_scheduler_matches_torch(name, kw):
    steps = 29 if name == "OneCycleLR" else 30
    a, ps_s = lr_trajectory(shendu, name, kw, steps)
    b, ps_t = lr_trajectory(torch, name, kw, steps)
    np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    for x, y in zip(ps_s, ps_t):
        np.testing.assert_allclose(x.detach().numpy(), y.detach().numpy(), rtol=1e-4, atol=1e-5)


def test_one_cycle_with_adam_cycles_beta1():
    a, _ = lr_trajectory(shendu, "OneCycleLR", {"max_lr": 0.5, "total_steps": 20}, 19, "Adam")
    b, _ = lr_trajectory(torch, "OneCycleLR", {"max_lr": 0.5, "total_steps": 20}, 19, "Adam")
    np.testing.assert_allclose(a, b, rtol=1e-10)


def test_sequential_lr_matches_torch():
    def traj(lib):
        ps = make_params(lib)
        opt = lib.optim.SGD(ps, lr=0.1)
        warm = lib.optim.lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=4)
        cos = lib.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10)
        seq = lib.optim.lr_scheduler.SequentialLR(opt, [warm, cos], milestones=[4])
        out = []
        for _ in range(15):
            opt.step()
            seq.step()
            out.append(seq.get_last_lr()[0])
        return out
    np.testing.assert_allclose(traj(shendu), traj(torch), rtol=1e-12)


def test_reduce_on_plateau_matches_torch():
    metrics = [1.0, 0.9, 0.91, 0.92, 0.93, 0.95, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6]

    def traj(lib, **kw):
        opt = lib.optim.SGD(make_params(lib), lr=1.0)
        s = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **kw)
        out = []
        for m in metrics:
            s.step(m)
            out.append(opt.param_groups[0]["lr"])
        return out
    for kw in [{"patience": 2}, {"patience": 1, "cooldown": 2, "factor": 0.5, "min_lr": 0.2},
               {"mode": "max", "patience": 1, "threshold_mode": "abs", "threshold": 0.05}]:
        assert traj(shendu, **kw) == traj(torch, **kw)


def test_scheduler_state_dict_resume():
    def fresh():
        opt = shendu.optim.SGD(make_params(shendu), lr=0.1)
        return opt, shendu.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2)
    opt, s = fresh()
    for _ in range(5):
        opt.step()
        s.step()
    sd, osd = s.state_dict(), opt.state_dict()
    want = []
    for _ in range(6):
        opt.step()
        s.step()
        want.append(s.get_last_lr()[0])
    opt2, s2 = fresh()
    opt2.load_state_dict(osd)
    s2.load_state_dict(sd)
    got = []
    for _ in range(6):
        opt2.step()
        s2.step()
        got.append(s2.get_last_lr()[0])
    assert got == want
    assert not math.isnan(got[0])
