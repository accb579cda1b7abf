"""The Trainer (logging, checkpoints, early stopping, clipping, exact resume), the model and
dataset registry, and the ``shendu`` command line (train, eval, predict, info, errors)."""

import csv
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import shendu
import shendu.nn as nn
from shendu import zoo
from shendu.cli import main
from shendu.train import Trainer
from shendu.utils.data import DataLoader, TensorDataset

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# ----- data: the 8×8 digits, as tensors (N, 1, 8, 8) in [0, 1] ---------------------------------

DIGITS = "digits"


def _digits_arrays():
    from shendu.vision.datasets import Digits
    d = Digits(train=True)
    return (d.data / np.float32(255))[:, None], d.targets


def _tensors(n_train=320, n_val=160):
    x, y = _digits_arrays()
    x, y = shendu.from_numpy(x), shendu.from_numpy(y)
    return (TensorDataset(x[:n_train], y[:n_train]),
            TensorDataset(x[n_train:n_train + n_val], y[n_train:n_train + n_val]))


def _mlp(dropout=0.0):
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Dropout(dropout),
                         nn.Linear(32, 10))


def _trainer(model, out_dir=None, lr=1e-2, shuffle=True, generator=None, batch_size=32,
             scheduler=None, **kw):
    train, val = _tensors()
    opt = kw.pop("optimizer", None) or shendu.optim.Adam(model.parameters(), lr=lr)
    sched = scheduler(opt) if scheduler else None
    return Trainer(model, nn.CrossEntropyLoss(), opt,
                   DataLoader(train, batch_size=batch_size, shuffle=shuffle, generator=generator),
                   DataLoader(val, batch_size=64), sched, out_dir=out_dir, progress=False, **kw)


# ----- Trainer -----------------------------------------------------------------------------------

COLUMNS = ["epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr", "seconds"]


def test_fit_logs_one_row_per_epoch_and_keeps_best_and_last(tmp_path):
    shendu.manual_seed(0)
    t = _trainer(_mlp(), tmp_path, log_format=("csv", "jsonl"))
    history = t.fit(3)
    assert [list(r) for r in history] == [COLUMNS] * 3
    assert [r["epoch"] for r in history] == [1, 2, 3]
    assert history[-1]["train_loss"] < history[0]["train_loss"]
    with open(tmp_path / "metrics.csv") as f:
        rows = list(csv.DictReader(f))
    assert [list(r) for r in rows] == [COLUMNS] * 3
    assert [float(r["val_loss"]) for r in rows] == [r["val_loss"] for r in history]
    with open(tmp_path / "metrics.jsonl") as f:
        assert [json.loads(line) for line in f] == history

    best = min(range(3), key=lambda i: history[i]["val_loss"]) + 1
    assert (t.best_epoch, t.best) == (best, history[best - 1]["val_loss"])
    last, kept = shendu.load(tmp_path / "last.safetensors"), \
        shendu.load(tmp_path / "best.safetensors")
    assert last["trainer"]["epoch"] == 3 and kept["trainer"]["epoch"] == best
    for k, v in t.model.state_dict().items():
        np.testing.assert_array_equal(last["model"][k].numpy(), v.numpy())
    try:
        import matplotlib  # noqa: F401
        assert (tmp_path / "curves.png").stat().st_size > 0
    except ImportError:
        assert not (tmp_path / "curves.png").exists()


def test_evaluate_matches_a_manual_pass_and_restores_the_mode():
    shendu.manual_seed(0)
    t = _trainer(_mlp(dropout=0.5))
    _, val = _tensors()
    res = t.evaluate(DataLoader(val, batch_size=50))    # uneven last batch: weighted means
    assert t.model.training
    t.model.eval()
    x, y = val.tensors
    with shendu.no_grad():
        out = t.model(x)
    assert res["loss"] == pytest.approx(nn.functional.cross_entropy(out, y).item(), rel=1e-5)
    assert res["accuracy"] == pytest.approx((out.argmax(1) == y).float().mean().item())


def test_early_stopping_after_patience_epochs_without_improvement(tmp_path):
    shendu.manual_seed(0)
    model = _mlp()
    # lr = 0: the validation loss never moves, so only epoch 1 counts as an improvement
    t = _trainer(model, tmp_path, optimizer=shendu.optim.SGD(model.parameters(), lr=0.0),
                 early_stopping=2)
    history = t.fit(10)
    assert len(history) == 3 and t.should_stop
    assert (t.best_epoch, t.bad_epochs) == (1, 2)
    assert shendu.load(tmp_path / "best.safetensors")["trainer"]["epoch"] == 1


def test_progress_prints_a_line_per_epoch_and_the_reason_for_stopping(capsys):
    shendu.manual_seed(0)
    model = _mlp()
    t = _trainer(model, optimizer=shendu.optim.SGD(model.parameters(), lr=0.0),
                 early_stopping=1)
    t.progress = True
    t.fit(5)
    lines = capsys.readouterr().out.splitlines()
    assert [ln.split()[:2] for ln in lines[:2]] == [["epoch", "1"], ["epoch", "2"]]
    assert lines[0].endswith("*") and not lines[1].endswith("*")
    assert lines[2].startswith("early stopping: val_loss has not improved for 1 epochs")


def test_early_stopping_on_a_metric_to_maximise():
    shendu.manual_seed(0)
    model = _mlp()
    t = _trainer(model, optimizer=shendu.optim.SGD(model.parameters(), lr=0.0),
                 early_stopping=1, monitor="accuracy")
    assert (t.monitor, t.mode) == ("val_accuracy", "max")
    assert len(t.fit(10)) == 2


def test_monitor_without_validation_falls_back_to_training_values():
    train, _ = _tensors()
    model = _mlp()
    t = Trainer(model, nn.CrossEntropyLoss(), shendu.optim.SGD(model.parameters(), lr=0.1),
                DataLoader(train, batch_size=64), progress=False)
    assert (t.monitor, t.mode) == ("train_loss", "min")
    assert "val_loss" not in t.fit(1)[0]


@pytest.mark.parametrize("kw, match", [
    ({"monitor": "val_f1"}, "cannot monitor"),
    ({"mode": "up"}, "mode"),
    ({"metrics": ("precision",)}, "unknown metric"),
    ({"scheduler_step": "iteration"}, "scheduler_step"),
    ({"early_stopping": 0}, "patience"),
    ({"grad_clip": -1.0}, "grad_clip"),
    ({"log_format": "xml"}, "log_format"),
])
def test_trainer_rejects_bad_settings(kw, match):
    with pytest.raises(ValueError, match=match):
        _trainer(_mlp(), **kw)


def test_gradient_clipping_caps_the_global_norm_of_each_step():
    x, y = _tensors()[0].tensors

    def one_step(grad_clip):
        shendu.manual_seed(0)
        model = _mlp()
        before = [p.detach().clone() for p in model.parameters()]
        t = Trainer(model, nn.CrossEntropyLoss(), shendu.optim.SGD(model.parameters(), lr=1.0),
                    DataLoader(TensorDataset(x, y), batch_size=len(y)), grad_clip=grad_clip,
                    progress=False)
        t.fit(1)
        # with plain SGD at lr 1 the step is minus the (clipped) gradient
        return np.sqrt(sum(((p - b) ** 2).sum().item()
                           for p, b in zip(model.parameters(), before)))

    assert one_step(None) > 0.1
    assert one_step(0.01) == pytest.approx(0.01, rel=1e-4)


def test_reduce_lr_on_plateau_is_stepped_with_the_monitored_value():
    shendu.manual_seed(0)
    model = _mlp()
    # a learning rate this small leaves the validation loss on its plateau
    t = _trainer(model, optimizer=shendu.optim.SGD(model.parameters(), lr=1e-12),
                 scheduler=lambda opt: shendu.optim.lr_scheduler.ReduceLROnPlateau(
                     opt, patience=0))
    assert [r["lr"] for r in t.fit(4)] == pytest.approx([1e-12, 1e-12, 1e-13, 1e-14])
    with pytest.raises(ValueError, match="once per epoch"):
        _trainer(_mlp(), scheduler=shendu.optim.lr_scheduler.ReduceLROnPlateau,
                 scheduler_step="batch")


def _drop_seconds(history):
    return [{k: v for k, v in r.items() if k != "seconds"} for r in history]


@pytest.mark.parametrize("schedule", ["epoch", "batch"])
def test_resume_continues_to_the_same_numbers_as_an_uninterrupted_run(tmp_path, schedule):
    """Dropout and shuffling draw from the RNG, Adam has moments, the schedule has a step
    count: a run stopped after 2 epochs and resumed in a fresh process-like setting (new
    model, optimizer, scheduler, loaders, scrambled RNG) must end bit for bit where an
    uninterrupted run of 4 epochs ends."""
    if schedule == "epoch":
        def sched(opt):
            return shendu.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
        kw, make_gen = {}, lambda: None
    else:
        def sched(opt):
            return shendu.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.05, total_steps=40)
        kw, make_gen = {"scheduler_step": "batch"}, lambda: shendu.Generator().manual_seed(7)

    def run(out_dir, epochs, resume_from=None, seed=0):
        shendu.manual_seed(seed)
        t = _trainer(_mlp(dropout=0.3), out_dir, scheduler=sched, generator=make_gen(),
                     early_stopping=3, **kw)
        if resume_from:
            t.resume(resume_from)
        t.fit(epochs)
        return t

    full = run(tmp_path / "full", 4)
    run(tmp_path / "part", 2)
    resumed = run(tmp_path / "part", 4, resume_from=tmp_path / "part" / "last.safetensors",
                  seed=123)
    assert _drop_seconds(resumed.history) == _drop_seconds(full.history)
    assert (resumed.epoch, resumed.best, resumed.best_epoch, resumed.bad_epochs) == \
        (full.epoch, full.best, full.best_epoch, full.bad_epochs)
    for (k, a), b in zip(full.model.state_dict().items(), resumed.model.state_dict().values()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=k)
    assert resumed.optimizer.param_groups[0]["lr"] == full.optimizer.param_groups[0]["lr"]
    for name in ("full", "part"):
        with open(tmp_path / name / "metrics.csv") as f:
            rows = [{k: v for k, v in r.items() if k != "seconds"} for r in csv.DictReader(f)]
        assert rows == [{k: str(v) for k, v in r.items()} for r in _drop_seconds(full.history)]


def test_resume_rejects_a_file_that_is_not_a_trainer_checkpoint(tmp_path):
    shendu.save({"weights": shendu.zeros(3)}, tmp_path / "w.safetensors")
    with pytest.raises(ValueError, match="not a trainer checkpoint"):
        _trainer(_mlp()).resume(tmp_path / "w.safetensors")


# ----- the registry ------------------------------------------------------------------------------

def test_registry_builds_models_for_any_input_shape():
    x = shendu.zeros(2, 3, 32, 32)
    for name in ("linear", "mlp", "simple_cnn"):
        assert zoo.build_model(name, 3, 7, (3, 32, 32))(x).shape == (2, 7)
    assert zoo.build_model("simple_cnn", 1, 10, (1, 40))(shendu.zeros(2, 1, 40)).shape == (2, 10)
    with pytest.raises(ValueError, match="unknown model"):
        zoo.build_model("nope", 1, 10, (1, 8, 8))
    with pytest.raises(ValueError, match="already registered"):
        zoo.register_model("mlp", lambda c, k, s: None)
    with pytest.raises(ValueError, match="--root"):
        zoo.get_dataset("mnist")


def test_register_model_works_as_a_decorator():
    @zoo.register_model("test_tiny", description="for the test", replace=True)
    def tiny(in_channels, num_classes, input_shape):
        return nn.Sequential(nn.Flatten(), nn.Linear(int(np.prod(input_shape)), num_classes))

    assert zoo.list_models()["test_tiny"] == "for the test"
    assert zoo.build_model("test_tiny", 1, 4, (1, 2, 2))(shendu.zeros(1, 1, 2, 2)).shape == (1, 4)


def test_simple_cnn_matches_the_notes_layer_for_layer():
    import torch
    import torch.nn as tnn

    class NotesCNN(tnn.Module):                    # 003 §4.2.7, verbatim shapes
        def __init__(self):
            super().__init__()
            self.conv1 = tnn.Conv2d(1, 32, 3, padding=1)
            self.conv2 = tnn.Conv2d(32, 64, 3, padding=1)
            self.fc1 = tnn.Linear(64 * 7 * 7, 128)
            self.fc2 = tnn.Linear(128, 10)

    ref = {k: tuple(v.shape) for k, v in NotesCNN().state_dict().items()}
    ours = zoo.build_model("simple_cnn", 1, 10, (1, 28, 28))
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == ref
    torch_model = NotesCNN()
    torch_model.load_state_dict({k: torch.from_numpy(v.numpy())
                                 for k, v in ours.state_dict().items()})
    x = np.random.default_rng(0).random((2, 1, 28, 28), dtype=np.float32)
    t = torch.from_numpy(x)
    f = tnn.functional
    t = f.max_pool2d(f.relu(torch_model.conv1(t)), 2)
    t = f.max_pool2d(f.relu(torch_model.conv2(t)), 2)
    t = torch_model.fc2(f.relu(torch_model.fc1(t.flatten(1))))
    np.testing.assert_allclose(ours(shendu.from_numpy(x)).detach().numpy(), t.detach().numpy(),
                               rtol=1e-4, atol=1e-5)


def test_summary_records_each_call_and_counts_parameters_once():
    model = zoo.build_model("simple_cnn", 1, 10, (1, 28, 28))
    s = zoo.summary(model, (1, 28, 28))
    assert [r.name for r in s.records] == ["conv1", "relu", "pool", "conv2", "relu", "pool",
                                           "fc1", "relu", "fc2"]
    assert [r.output_shape for r in s.records][:3] == [(1, 32, 28, 28)] * 2 + [(1, 32, 14, 14)]
    assert sum(r.params or 0 for r in s.records) == s.total_params == 421_642
    assert s.records[4].params is None and model.training
    extra = zoo.Column("In", lambda r: str(r.input_shapes[0]))
    assert str(zoo.summary(model, (1, 28, 28), columns=[*zoo.COLUMNS, extra])) \
        .splitlines()[0].split() == ["Layer", "Type", "Output", "shape", "Params", "In"]


# ----- the command line --------------------------------------------------------------------------

def _run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One quick CLI training run on the digits, shared by the eval/predict tests."""
    out = tmp_path_factory.mktemp("run")
    code = main(["train", "mlp", "--data", DIGITS, "--epochs", "1", "--batch-size", "32",
                 "--out", str(out), "--quiet"])
    assert code == 0
    return out


def test_cli_train_writes_checkpoints_logs_and_config(trained, capsys):
    for name in ("best.safetensors", "last.safetensors", "metrics.csv"):
        assert (trained / name).exists()
    cfg = shendu.load(trained / "best.safetensors")["config"]
    assert cfg["model"] == "mlp" and cfg["dataset"] == DIGITS
    assert cfg["input_shape"] == [1, 8, 8] and cfg["num_classes"] == 10
    assert cfg["classes"] == zoo.get_dataset(DIGITS).dataset.classes


def test_cli_resume_continues_a_run(trained, tmp_path, capsys):
    code, out, _ = _run(capsys, "train", "mlp", "--data", DIGITS, "--epochs", 2, "--batch-size",
                        32, "--out", tmp_path, "--resume", trained / "last.safetensors",
                        "--quiet")
    assert code == 0 and "test: loss" in out
    history = shendu.load(tmp_path / "last.safetensors")["trainer"]["history"]
    first = shendu.load(trained / "last.safetensors")["trainer"]["history"]
    assert len(history) == 2 and history[0] == first[0]


def test_cli_eval_prints_accuracy_and_a_per_class_table(trained, capsys):
    code, out, err = _run(capsys, "eval", trained / "best.safetensors")
    assert code == 0, err
    lines = out.splitlines()
    acc = float(re.search(r"accuracy (\S+)", lines[0]).group(1))
    assert 0.5 < acc <= 1
    assert lines[1].split() == ["Class", "Samples", "Correct", "Accuracy"]
    rows = [re.split(r"\s{2,}", ln) for ln in lines[3:]]
    assert [r[0] for r in rows] == zoo.get_dataset(DIGITS).dataset.classes
    assert sum(int(r[2]) for r in rows) / sum(int(r[1]) for r in rows) == pytest.approx(acc,
                                                                                      abs=1e-4)


def test_cli_predict_reads_npy_and_png(trained, tmp_path, capsys):
    ds = zoo.get_dataset(DIGITS, train=False).dataset
    images = []
    for i in range(3):
        x, _ = ds[i]
        images.append(tmp_path / f"d{i}.npy")
        np.save(images[-1], x.numpy()[0])                   # (8, 8) floats in [0, 1]
    try:
        from PIL import Image
        big = np.kron(ds[0][0].numpy()[0], np.ones((4, 4), np.float32))   # 32×32, to resize
        rgb = np.repeat((big * 255).astype(np.uint8)[:, :, None], 3, axis=2)
        Image.fromarray(rgb).save(tmp_path / "d0.png")
        images.append(tmp_path / "d0.png")
    except ImportError:
        pass
    code, out, err = _run(capsys, "predict", trained / "best.safetensors", *images)
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == len(images)
    for path, line in zip(images, lines):
        m = re.fullmatch(rf"{re.escape(str(path))}: (\d - \w+)  \(top-3: (\d - \w+) (\S+), "
                         rf"\d - \w+ (\S+), \d - \w+ (\S+)\)", line)
        assert m, line
        assert m.group(1) == m.group(2)
        probs = [float(m.group(i)) for i in (3, 4, 5)]
        assert probs == sorted(probs, reverse=True) and sum(probs) <= 1.001
    # the first file's prediction is the model's own on that input
    model = zoo.build_model("mlp", 1, 10, (1, 8, 8))
    model.load_state_dict(shendu.load(trained / "best.safetensors")["model"])
    with shendu.no_grad():
        k = model(ds[0][0][None]).argmax().item()
    assert lines[0].split(": ")[1].startswith(ds.classes[k] + "  ")


def test_cli_info_prints_the_layer_table(capsys):
    code, out, _ = _run(capsys, "info", "simple_cnn", "--input-shape", "1,28,28")
    assert code == 0
    assert "fc1    Linear     [1, 128]          401,536" in out
    assert "Total params: 421,642" in out


def test_python_dash_m_shendu_runs_the_cli():
    r = subprocess.run([sys.executable, "-m", "shendu", "list"], capture_output=True, text=True,
                       cwd=ROOT, env={**os.environ, "PYTHONPATH": ROOT}, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "simple_cnn" in r.stdout and "mnist5k" in r.stdout


@pytest.mark.parametrize("argv, code, message", [
    (["frobnicate"], 2, "invalid choice"),
    (["train", "mlp"], 2, "--data"),
    (["train", "mlp", "--data", DIGITS, "--lr", "-1"], 2, "--lr: must be positive"),
    (["train", "mlp", "--data", DIGITS, "--epochs", "two"], 2, "expected a int"),
    (["train", "mlp", "--data", DIGITS, "--optimizer", "lbfgs"], 2, "invalid choice"),
    (["train", "mlp", "--data", DIGITS, "--val-fraction", "1.5"], 2, "[0, 1)"),
    (["train", "nosuch", "--data", DIGITS, "--out", "{tmp}"], 1, "unknown model 'nosuch'"),
    (["train", "mlp", "--data", "nosuch"], 1, "unknown dataset 'nosuch'"),
    (["train", "mlp", "--data", "mnist"], 1, "--root"),
    (["train", "mlp", "--data", DIGITS, "--momentum", "0.9", "--out", "{tmp}"], 1,
     "--momentum applies to sgd and rmsprop"),
    (["train", "mlp", "--data", DIGITS, "--out", "{tmp}", "--resume", "{tmp}/none"], 1,
     "no such checkpoint"),
    (["eval", "{tmp}/missing.safetensors"], 1, "no such checkpoint"),
    (["eval", "{tmp}/junk.safetensors"], 1, "not a valid checkpoint"),
    (["eval", "{tmp}/plain.safetensors"], 1, "no model weights"),
    (["predict", "{tmp}/missing.safetensors", "x.png"], 1, "no such checkpoint"),
    (["info", "mlp", "--input-shape", "a,b"], 2, "expected positive sizes"),
    (["info", "simple_cnn", "--input-shape", "1,2,2"], 1, "sides >= 4"),
])
def test_cli_errors_are_one_line_without_traceback(tmp_path, capsys, argv, code, message):
    (tmp_path / "junk.safetensors").write_text("not a checkpoint")
    shendu.save({"w": shendu.zeros(2)}, tmp_path / "plain.safetensors")
    got, out, err = _run(capsys, *(a.replace("{tmp}", str(tmp_path)) for a in argv))
    assert got == code
    assert len(err.strip().splitlines()) == 1, err
    assert message in err and "Traceback" not in err
    assert err.startswith("shendu")


def test_cli_predict_errors_name_the_file(trained, tmp_path, capsys):
    (tmp_path / "bad.npy").write_bytes(b"garbage")
    np.save(tmp_path / "wrong.npy", np.zeros((3, 5, 5, 5), np.float32))
    for name, message in (("missing.png", "no such file"), ("bad.npy", "not a readable"),
                          ("wrong.npy", "expected an image")):
        code, _, err = _run(capsys, "predict", trained / "best.safetensors", tmp_path / name)
        assert code == 1 and message in err and len(err.strip().splitlines()) == 1, err


def test_an_mlp_on_digits_reaches_95_percent_test_accuracy(tmp_path, capsys):
    # (96.7-97.5 % over seeds 0-3; a few seconds)
    code, out, err = _run(capsys, "train", "mlp", "--data", DIGITS, "--epochs", 15, "--lr", 1e-2,
                          "--scheduler", "onecycle", "--batch-size", 32, "--val-fraction", 0,
                          "--out", tmp_path, "--quiet")
    assert code == 0, err
    acc = float(re.search(r"test: loss \S+  accuracy (\S+)", out).group(1))
    assert acc >= 0.95, out
