"""A training loop as an object: ``Trainer`` runs epochs, evaluates, logs, checkpoints, stops
early and resumes exactly, so that a script only builds the model, the data and the optimizer.

The loop it runs is the plain PyTorch one (which still works without it)::

    for epoch in range(epochs):
        model.train()
        for x, y in train_loader:
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            clip_grad_norm_(model.parameters(), grad_clip)      # optional (梯度裁剪)
            optimizer.step()
            scheduler.step()                                    # per batch (OneCycleLR)
        scheduler.step()                                        # or per epoch
        val_loss = evaluate(val_loader)                         # model.eval(), no_grad()

Every epoch adds one row (epoch, train_loss, train_<metric>, val_loss, val_<metric>, lr,
seconds) to ``history`` and to ``out_dir/metrics.csv`` (or ``.jsonl``), saves
``out_dir/last.safetensors``, and, when the monitored value improves, ``best.safetensors``.
Early stopping (提前终止) ends training once the monitored value has not improved for
``early_stopping`` epochs in a row: the notes' remedy when validation loss stops falling.
"""

from __future__ import annotations

import csv
import json
import math
import os
import sys
import time
from collections.abc import Callable, Iterable

from tqdm import tqdm

from .autograd.grad_mode import no_grad
from .nn.utils.clip_grad import clip_grad_norm_
from .optim.lr_scheduler import ReduceLROnPlateau
from .random import Generator, get_rng_state, set_rng_state
from .serialization import load, save
from .tensor import Tensor

__all__ = ["Trainer", "METRICS", "accuracy"]


def accuracy(output: Tensor, target: Tensor) -> float:
    """Top-1 accuracy of a batch: the fraction of rows whose largest logit is the target."""
    return (output.argmax(-1) == target).sum().item() / target.shape[0]


# Metrics by name: ``fn(output, target) -> float``, the mean over the batch. An epoch's value is
# the batch means weighted by batch size, i.e. the mean over all samples. Add entries to offer
# more names; ``Trainer(metrics=...)`` also takes ``(name, fn)`` pairs.
METRICS: dict[str, Callable[[Tensor, Tensor], float]] = {"accuracy": accuracy}

_CHECKPOINT_KEYS = ("model", "optimizer", "trainer")


class Trainer:
    """Train ``model`` with ``loss_fn`` (the batch mean, as nn losses give by default) and
    ``optimizer`` on ``train_loader``, whose batches are ``(inputs, targets)``.

    - ``val_loader``: evaluated after every epoch (``model.eval()`` under ``no_grad``).
    - ``scheduler``: stepped once per epoch, or after every batch when
      ``scheduler_step="batch"`` (OneCycleLR). ``ReduceLROnPlateau`` is stepped with the
      monitored value.
    - ``metrics``: names from ``METRICS`` or ``(name, fn)`` pairs, logged as
      ``train_<name>`` and ``val_<name>``.
    - ``grad_clip``: rescale gradients so that their global L2 norm is at most this value.
    - ``early_stopping``: patience in epochs; None trains for all the epochs asked for.
    - ``monitor``: the logged value that decides the best checkpoint and early stopping:
      ``"val_loss"``, ``"train_loss"`` or a metric (``"accuracy"`` means ``val_accuracy``).
      Without a ``val_loader``, ``val_*`` falls back to ``train_*``. ``mode`` is ``"min"`` or
      ``"max"``; by default ``"min"`` for losses and ``"max"`` for metrics.
    - ``out_dir``: where metrics, checkpoints and ``curves.png`` go; None keeps nothing on disk.
    - ``log_format``: ``"csv"``, ``"jsonl"`` or both (a sequence).
    - ``progress``: a summary line per epoch and, on a terminal, a tqdm bar (running loss,
      samples/s).
    - ``config``: a JSON-able dict stored in every checkpoint (e.g. what the command line
      needs to rebuild the model).
    """

    def __init__(self, model, loss_fn, optimizer, train_loader, val_loader=None, scheduler=None,
                 *, scheduler_step: str = "epoch",
                 metrics: Iterable = ("accuracy",), grad_clip: float | None = None,
                 early_stopping: int | None = None, monitor: str = "val_loss",
                 mode: str | None = None, out_dir: str | os.PathLike | None = None,
                 log_format: str | Iterable[str] = "csv", progress: bool = True,
                 config: dict | None = None):
        if scheduler_step not in ("epoch", "batch"):
            raise ValueError(f"Trainer: scheduler_step must be 'epoch' or 'batch', got "
                             f"{scheduler_step!r}")
        if isinstance(scheduler, ReduceLROnPlateau) and scheduler_step == "batch":
            raise ValueError("Trainer: ReduceLROnPlateau follows the monitored value, so it "
                             "steps once per epoch; use scheduler_step='epoch'")
        if grad_clip is not None and not grad_clip > 0:
            raise ValueError(f"Trainer: grad_clip must be positive, got {grad_clip}")
        if early_stopping is not None and (int(early_stopping) != early_stopping
                                           or early_stopping < 1):
            raise ValueError(f"Trainer: early_stopping is a patience in epochs (an integer "
                             f">= 1), got {early_stopping}")
        self.model, self.loss_fn, self.optimizer = model, loss_fn, optimizer
        self.train_loader, self.val_loader = train_loader, val_loader
        self.scheduler, self.scheduler_step = scheduler, scheduler_step
        self.metrics = _resolve_metrics(metrics)
        self.grad_clip, self.early_stopping = grad_clip, early_stopping
        self.monitor, self.mode = self._resolve_monitor(monitor, mode)
        self.out_dir = None if out_dir is None else os.fspath(out_dir)
        formats = (log_format,) if isinstance(log_format, str) else tuple(log_format)
        bad = [f for f in formats if f not in ("csv", "jsonl")]
        if bad:
            raise ValueError(f"Trainer: log_format must be 'csv' and/or 'jsonl', got {bad}")
        self.log_formats = formats
        self.progress = progress
        self.config = dict(config or {})
        self.epoch = 0                 # epochs completed
        self.best: float | None = None
        self.best_epoch: int | None = None
        self.bad_epochs = 0            # epochs since the last improvement
        self.history: list[dict] = []

    def _resolve_monitor(self, monitor: str, mode: str | None) -> tuple[str, str]:
        names = ["loss", *self.metrics]
        base = monitor.removeprefix("val_").removeprefix("train_")
        if base not in names:
            raise ValueError(f"Trainer: cannot monitor {monitor!r}; the logged values are "
                             f"{', '.join(p + n for p in ('train_', 'val_') for n in names)}")
        if monitor == base or monitor.startswith("val_"):
            monitor = ("val_" if self.val_loader is not None else "train_") + base
        if mode is None:
            mode = "min" if base == "loss" else "max"
        if mode not in ("min", "max"):
            raise ValueError(f"Trainer: mode must be 'min' or 'max', got {mode!r}")
        return monitor, mode

    # ----- the loop ---------------------------------------------------------------------------
    def fit(self, epochs: int) -> list[dict]:
        """Train until ``epochs`` epochs are complete in total (a resumed trainer continues
        from where its checkpoint stopped) or early stopping ends it; returns the history."""
        if self.out_dir is not None:
            os.makedirs(self.out_dir, exist_ok=True)
        while self.epoch < epochs and not self.should_stop:
            start = time.perf_counter()
            lr = self.optimizer.param_groups[0]["lr"]
            train = self._train_epoch(epochs)
            row = {"epoch": self.epoch + 1, "train_loss": train["loss"]}
            row.update({f"train_{k}": train[k] for k in self.metrics})
            if self.val_loader is not None:
                val = self.evaluate(self.val_loader)
                row.update({f"val_{k}": v for k, v in val.items()})
            row["lr"] = lr
            self._step_scheduler_epoch(row[self.monitor])
            row["seconds"] = time.perf_counter() - start
            self._end_epoch(row)
        if self.out_dir is not None:
            self.plot(os.path.join(self.out_dir, "curves.png"))
        return self.history

    @property
    def should_stop(self) -> bool:
        """True once the monitored value has not improved for ``early_stopping`` epochs."""
        return self.early_stopping is not None and self.bad_epochs >= self.early_stopping

    def _train_epoch(self, epochs: int) -> dict:
        self.model.train()
        sums = dict.fromkeys(["loss", *self.metrics], 0.0)
        n = 0
        bar = self._bar(epochs)
        for inputs, targets in self.train_loader:
            self.optimizer.zero_grad()
            output = self.model(inputs)
            loss = self.loss_fn(output, targets)
            loss.backward()
            if self.grad_clip is not None:
                clip_grad_norm_(self.model.parameters(), self.grad_clip)
            self.optimizer.step()
            if self.scheduler is not None and self.scheduler_step == "batch":
                self.scheduler.step()
            b = _batch_size(targets)
            n += b
            sums["loss"] += loss.item() * b
            with no_grad():
                for name, fn in self.metrics.items():
                    sums[name] += fn(output, targets) * b
            if bar is not None:
                bar.update(b)
                bar.set_postfix(loss=f"{sums['loss'] / n:.4f}", refresh=False)
        if bar is not None:
            bar.close()
        if n == 0:
            raise RuntimeError("Trainer.fit: the training loader yielded no batches")
        return {k: v / n for k, v in sums.items()}

    def _bar(self, epochs: int):
        if not self.progress:
            return None
        try:
            total = len(self.train_loader.dataset)
        except (AttributeError, TypeError):
            total = None
        # disable=None: no bar when stderr is not a terminal (logs keep the epoch lines only)
        return tqdm(total=total, desc=f"epoch {self.epoch + 1}/{epochs}", unit="sample",
                    unit_scale=True, leave=False, dynamic_ncols=True, disable=None)

    def _step_scheduler_epoch(self, monitored: float) -> None:
        if self.scheduler is None:
            return
        if isinstance(self.scheduler, ReduceLROnPlateau):
            self.scheduler.step(monitored)
        elif self.scheduler_step == "epoch":
            self.scheduler.step()

    def _end_epoch(self, row: dict) -> None:
        self.epoch += 1
        self.history.append(row)
        value = row[self.monitor]
        if self.best is None or _improved(value, self.best, self.mode):
            self.best, self.best_epoch, self.bad_epochs = value, self.epoch, 0
            improved = True
        else:
            self.bad_epochs += 1
            improved = False
        if self.out_dir is not None:
            self._write_logs()
            state = self.state_dict()
            save(state, os.path.join(self.out_dir, "last.safetensors"))
            if improved:
                save(state, os.path.join(self.out_dir, "best.safetensors"))
        if self.progress:
            tqdm.write(_summary(row) + ("  *" if improved else ""))
            if self.should_stop:
                tqdm.write(f"early stopping: {self.monitor} has not improved for "
                           f"{self.bad_epochs} epochs (best {self.best:.4f} at epoch "
                           f"{self.best_epoch})")

    # ----- evaluation -------------------------------------------------------------------------
    def evaluate(self, loader) -> dict:
        """The mean loss and metrics over ``loader``, computed in evaluation mode without
        gradients; the model's previous mode is restored afterwards."""
        was_training = self.model.training
        self.model.eval()
        sums = dict.fromkeys(["loss", *self.metrics], 0.0)
        n = 0
        try:
            with no_grad():
                for inputs, targets in loader:
                    output = self.model(inputs)
                    b = _batch_size(targets)
                    n += b
                    sums["loss"] += self.loss_fn(output, targets).item() * b
                    for name, fn in self.metrics.items():
                        sums[name] += fn(output, targets) * b
        finally:
            self.model.train(was_training)
        if n == 0:
            raise RuntimeError("Trainer.evaluate: the loader yielded no batches")
        return {k: v / n for k, v in sums.items()}

    # ----- checkpoints ------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """Everything a resumed run needs to continue exactly: model, optimizer, scheduler,
        the global RNG (and the train loader's own generator, if it has one), the epoch
        counter, the best value, the early-stopping count and the history."""
        state = {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": None if self.scheduler is None else self.scheduler.state_dict(),
            "rng": get_rng_state(),
            "loader_rng": None,
            "trainer": {"epoch": self.epoch, "best": self.best, "best_epoch": self.best_epoch,
                        "bad_epochs": self.bad_epochs, "monitor": self.monitor,
                        "mode": self.mode, "history": self.history},
            "config": self.config,
        }
        gen = _loader_generator(self.train_loader)
        if gen is not None:
            state["loader_rng"] = gen.get_state()
        return state

    def resume(self, path: str | os.PathLike) -> Trainer:
        """Restore a checkpoint written by this class (``last.safetensors``): the next
        ``fit(epochs)`` continues to the same numbers as a run that was never interrupted."""
        state = load(path)
        missing = [k for k in _CHECKPOINT_KEYS if not isinstance(state, dict) or k not in state]
        if missing:
            raise ValueError(f"Trainer.resume: {os.fspath(path)} is not a trainer checkpoint "
                             f"(missing {', '.join(missing)})")
        t = state["trainer"]
        if t["monitor"] != self.monitor or t["mode"] != self.mode:
            raise ValueError(f"Trainer.resume: the checkpoint monitored {t['monitor']} "
                             f"({t['mode']}), this trainer monitors {self.monitor} "
                             f"({self.mode})")
        if (state.get("scheduler") is None) != (self.scheduler is None):
            raise ValueError("Trainer.resume: the checkpoint and this trainer disagree on "
                             "whether there is a learning-rate scheduler")
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler is not None:
            self.scheduler.load_state_dict(state["scheduler"])
        set_rng_state(state["rng"])
        gen = _loader_generator(self.train_loader)
        if gen is not None and state.get("loader_rng") is not None:
            gen.set_state(state["loader_rng"])
        self.epoch, self.best, self.best_epoch = t["epoch"], t["best"], t["best_epoch"]
        self.bad_epochs, self.history = t["bad_epochs"], list(t["history"])
        self.config = {**state.get("config", {}), **self.config}
        return self

    # ----- logs and curves --------------------------------------------------------------------
    def _write_logs(self) -> None:
        """Rewrite the whole log from ``history``, so a resumed run's log matches an
        uninterrupted one's."""
        if "csv" in self.log_formats:
            with open(os.path.join(self.out_dir, "metrics.csv"), "w", newline="") as f:
                w = csv.DictWriter(f, fieldnames=list(self.history[0]))
                w.writeheader()
                w.writerows(self.history)
        if "jsonl" in self.log_formats:
            with open(os.path.join(self.out_dir, "metrics.jsonl"), "w") as f:
                f.writelines(json.dumps(row) + "\n" for row in self.history)

    def plot(self, path: str | os.PathLike) -> bool:
        """Loss and metric curves per epoch (train and validation) as a PNG. Needs matplotlib;
        without it, prints a one-line notice and returns False."""
        if not self.history:
            return False
        try:
            from matplotlib.backends.backend_agg import FigureCanvasAgg
            from matplotlib.figure import Figure
        except ImportError:
            print("shendu.train: matplotlib is not installed; skipping curves.png",
                  file=sys.stderr)
            return False
        epochs = [r["epoch"] for r in self.history]
        names = ["loss", *self.metrics]
        fig = Figure(figsize=(5 * len(names), 3.6), layout="constrained")
        FigureCanvasAgg(fig)
        for i, name in enumerate(names):
            ax = fig.add_subplot(1, len(names), i + 1)
            for split in ("train", "val"):
                key = f"{split}_{name}"
                if key in self.history[0]:
                    ax.plot(epochs, [r[key] for r in self.history], marker="o", label=split)
            if self.best_epoch is not None and self.monitor.endswith("_" + name):
                ax.axvline(self.best_epoch, color="grey", linestyle=":", label="best")
            ax.set_xlabel("epoch")
            ax.set_ylabel(name)
            ax.grid(alpha=0.3)
            ax.legend()
        fig.savefig(os.fspath(path), dpi=100)
        return True


def _resolve_metrics(metrics) -> dict:
    out = {}
    for m in metrics:
        if isinstance(m, str):
            if m not in METRICS:
                raise ValueError(f"Trainer: unknown metric {m!r}; known: {', '.join(METRICS)} "
                                 f"(or pass a (name, fn) pair)")
            out[m] = METRICS[m]
        else:
            name, fn = m
            out[name] = fn
    if "loss" in out:
        raise ValueError("Trainer: 'loss' is always logged; it cannot be a metric name")
    return out


def _improved(value: float, best: float, mode: str) -> bool:
    if math.isnan(value):
        return False
    return value < best if mode == "min" else value > best


def _batch_size(targets) -> int:
    return targets.shape[0] if isinstance(targets, Tensor) and targets.ndim else len(targets)


def _loader_generator(loader) -> Generator | None:
    """The generator that shuffles this loader, when it is its own (not the global one)."""
    gen = getattr(loader, "generator", None)
    if gen is None:
        gen = getattr(getattr(loader, "sampler", None), "generator", None)
    return gen if isinstance(gen, Generator) else None


def _summary(row: dict) -> str:
    parts = [f"epoch {row['epoch']}"]
    for k, v in row.items():
        if k == "epoch":
            continue
        if k == "lr":
            parts.append(f"lr {v:.3g}")
        elif k == "seconds":
            parts.append(f"{v:.1f}s")
        else:
            parts.append(f"{k} {v:.4f}")
    return "  ".join(parts)
