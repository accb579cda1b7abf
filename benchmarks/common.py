"""Shared pieces of the benchmarks: timing (warm-up, then the median of many runs), the
machine description, and a table printer. Benchmarks run shendu and PyTorch in the same
process on the same data and report shendu's time divided by PyTorch's."""

from __future__ import annotations

import os
import platform
import statistics
import time

import numpy as np

THREADS = 2


def setup_threads(n: int = THREADS) -> None:
    """Both libraries on the same number of threads (PyTorch's pool; NumPy's BLAS reads the
    environment at import, so run with OPENBLAS_NUM_THREADS set, as `make bench` does)."""
    import torch
    torch.set_num_threads(n)


def timeit(fn, *, warmup: int = 10, runs: int = 50, min_time: float = 0.5) -> float:
    """Median seconds per call of ``fn`` after ``warmup`` calls, over at least ``runs`` calls
    and ``min_time`` seconds."""
    for _ in range(warmup):
        fn()
    times = []
    start = time.perf_counter()
    while len(times) < runs or time.perf_counter() - start < min_time:
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
        if len(times) > 20 * runs:
            break
    return statistics.median(times)


def machine() -> str:
    import torch
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    blas = "?"
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg["Build Dependencies"]["blas"]["name"]
    except Exception:
        pass
    return (f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}, NumPy "
            f"{np.__version__} ({blas}), PyTorch {torch.__version__}; {THREADS} threads each")


def table(rows: list[tuple[str, float, float, str]]) -> str:
    """Markdown table of (workload, shendu seconds, torch seconds, target)."""
    lines = ["| workload | shendu | PyTorch | ratio | target |", "|---|---|---|---|---|"]
    for name, s, t, target in rows:
        lines.append(f"| {name} | {_fmt(s)} | {_fmt(t)} | {s / t:.2f}x | {target} |")
    return "\n".join(lines)


def _fmt(sec: float) -> str:
    return f"{sec * 1e6:.1f} µs" if sec < 1e-3 else f"{sec * 1e3:.2f} ms"
