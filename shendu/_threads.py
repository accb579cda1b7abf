"""``set_num_threads`` / ``get_num_threads``: how many threads NumPy's BLAS (the matrix
products behind linear layers and convolutions) may use, as ``torch.set_num_threads``.

Running several processes on a small machine, one thread each is often faster than letting
every process start one BLAS thread per core, which fight for the same cores.
"""

from __future__ import annotations

from threadpoolctl import threadpool_info, threadpool_limits

__all__ = ["set_num_threads", "get_num_threads"]


def set_num_threads(num: int) -> None:
    """Use at most ``num`` threads in BLAS routines from now on."""
    if not isinstance(num, int) or num < 1:
        raise ValueError(f"set_num_threads expects a positive integer, got {num!r}")
    threadpool_limits(num, user_api="blas")


def get_num_threads() -> int:
    """The number of threads BLAS routines currently use."""
    counts = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
    return max(counts) if counts else 1
