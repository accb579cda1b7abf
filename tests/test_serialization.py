"""shendu.save / shendu.load: safetensors files with a JSON structure, atomic writes, clear
errors on damaged files, and a checkpoint that resumes training to the same numbers."""

import io
import os
from collections import Counter, OrderedDict

import numpy as np
import pytest

import shendu
import shendu.nn as nn


def test_round_trip_of_nested_structures(tmp_path):
    obj = {
        "weights": OrderedDict(a=shendu.randn(3, 4), b=shendu.arange(5),
                               c=shendu.tensor(True), d=shendu.zeros(2, dtype=shendu.float64)),
        "epoch": 7, "lr": 0.01, "best": float("inf"), "name": "run-1", "none": None,
        "betas": (0.9, 0.999), "steps": [1, 2, 3], 3: "int key", "milestones": Counter([2, 5, 5]),
        "view": shendu.randn(4, 6)[:, ::2], "array": np.arange(6, dtype=np.int16),
        "param": nn.Parameter(shendu.ones(2)), "grad": shendu.ones(2).requires_grad_(),
        "half": shendu.randn(3).half(), "u8": shendu.tensor([1, 2], dtype=shendu.uint8),
    }
    path = tmp_path / "ck.safetensors"
    shendu.save(obj, path)
    back = shendu.load(path)
    assert list(back) == list(obj)
    assert isinstance(back["weights"], OrderedDict) and list(back["weights"]) == list("abcd")
    for k, v in obj["weights"].items():
        assert back["weights"][k].dtype == v.dtype
        np.testing.assert_array_equal(back["weights"][k].numpy(), v.numpy())
    assert back["epoch"] == 7 and back["lr"] == 0.01 and back["best"] == float("inf")
    assert back["betas"] == (0.9, 0.999) and back[3] == "int key" and back["none"] is None
    assert back["milestones"] == Counter([2, 5, 5]) and isinstance(back["milestones"], Counter)
    np.testing.assert_array_equal(back["view"].numpy(), obj["view"].numpy())
    assert isinstance(back["array"], np.ndarray) and back["array"].dtype == np.int16
    assert isinstance(back["param"], nn.Parameter) and back["param"].requires_grad
    assert back["grad"].requires_grad and back["half"].dtype == shendu.float16


def test_state_dict_round_trip_and_file_objects(tmp_path):
    model = nn.Sequential(nn.Linear(4, 3), nn.Linear(3, 2))
    buf = io.BytesIO()
    shendu.save(model.state_dict(), buf)
    buf.seek(0)
    sd = shendu.load(buf)
    other = nn.Sequential(nn.Linear(4, 3), nn.Linear(3, 2))
    other.load_state_dict(sd)
    x = shendu.randn(5, 4)
    np.testing.assert_array_equal(model(x).detach().numpy(), other(x).detach().numpy())


def test_plain_safetensors_files_load_as_dicts(tmp_path):
    from safetensors.numpy import save_file
    save_file({"w": np.ones((2, 2), np.float32)}, str(tmp_path / "plain.safetensors"))
    d = shendu.load(tmp_path / "plain.safetensors")
    assert list(d) == ["w"] and d["w"].shape == (2, 2)


def test_unsupported_objects_are_refused(tmp_path):
    with pytest.raises(TypeError, match="no pickle"):
        shendu.save({"f": lambda x: x}, tmp_path / "bad.safetensors")
    assert not os.path.exists(tmp_path / "bad.safetensors")


def test_damaged_files_give_a_clear_error(tmp_path):
    path = tmp_path / "ck.safetensors"
    shendu.save({"w": shendu.randn(100)}, path)
    data = path.read_bytes()
    (tmp_path / "trunc.safetensors").write_bytes(data[:len(data) // 2])
    with pytest.raises(RuntimeError, match="trunc.safetensors"):
        shendu.load(tmp_path / "trunc.safetensors")
    (tmp_path / "junk.safetensors").write_bytes(b"not a checkpoint at all")
    with pytest.raises(RuntimeError, match="junk.safetensors"):
        shendu.load(tmp_path / "junk.safetensors")
    with pytest.raises(FileNotFoundError, match="missing.safetensors"):
        shendu.load(tmp_path / "missing.safetensors")


def test_save_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "ck.safetensors"
    shendu.save({"v": shendu.ones(3)}, path)
    before = path.read_bytes()

    def crash(*a, **k):
        raise OSError("disk full")
    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        shendu.save({"v": shendu.zeros(1000)}, path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ck.safetensors"]


def _train(model, opt, sched, steps, start):
    g = np.random.default_rng(start)
    losses = []
    for _ in range(steps):
        x = shendu.tensor(g.standard_normal((8, 4)).astype(np.float32))
        noise = shendu.randn(8, 2) * 0.01          # uses the global RNG
        y = model(x)
        loss = ((y - noise) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
    return losses


def _setup():
    shendu.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Linear(8, 2))
    opt = shendu.optim.Adam(model.parameters(), lr=0.01)
    sched = shendu.optim.lr_scheduler.MultiStepLR(opt, milestones=[3, 6], gamma=0.5)
    return model, opt, sched


def test_checkpoint_resumes_training_to_the_same_numbers(tmp_path):
    model, opt, sched = _setup()
    full = _train(model, opt, sched, 5, 0) + _train(model, opt, sched, 5, 1)

    model, opt, sched = _setup()
    first = _train(model, opt, sched, 5, 0)
    shendu.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
                 "scheduler": sched.state_dict(), "rng": shendu.get_rng_state(), "epoch": 1},
                tmp_path / "ck.safetensors")
    shendu.manual_seed(123)                            # a different process would differ here
    ck = shendu.load(tmp_path / "ck.safetensors")
    model2, opt2, sched2 = _setup()
    model2.load_state_dict(ck["model"])
    opt2.load_state_dict(ck["optimizer"])
    sched2.load_state_dict(ck["scheduler"])
    shendu.set_rng_state(ck["rng"])
    rest = _train(model2, opt2, sched2, 5, ck["epoch"])
    assert first + rest == full


def test_saved_file_follows_umask(tmp_path):
    old = os.umask(0o022)
    try:
        shendu.save({"v": shendu.ones(1)}, tmp_path / "m.safetensors")
    finally:
        os.umask(old)
    assert (os.stat(tmp_path / "m.safetensors").st_mode & 0o777) == 0o644
