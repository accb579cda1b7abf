"""Grad mode: whether ops record the computational graph (计算图).

``no_grad``, ``enable_grad`` and ``set_grad_enabled`` work as context managers and as
decorators, as in PyTorch. The flag is one process-wide switch, read on every op.
"""

from __future__ import annotations

import functools

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode"]


class _State:
    enabled = True


state = _State()


def is_grad_enabled() -> bool:
    return state.enabled


class _GradContext:
    """Base of the grad-mode switches: a context manager that is also a decorator."""

    _mode = True

    def __enter__(self):
        self._prev = state.enabled
        state.enabled = self._mode

    def __exit__(self, *exc):
        state.enabled = self._prev
        return False

    def __call__(self, fn):
        mode = self._mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = state.enabled
            state.enabled = mode
            try:
                return fn(*args, **kwargs)
            finally:
                state.enabled = prev

        return wrapper


class no_grad(_GradContext):
    """Disable graph recording: ``with shendu.no_grad(): ...`` or ``@shendu.no_grad()``."""

    _mode = False


class enable_grad(_GradContext):
    """Enable graph recording inside a ``no_grad`` region."""

    _mode = True


class inference_mode(_GradContext):
    """Like ``no_grad`` (shendu has no separate inference tensors)."""

    def __init__(self, mode: bool = True):
        self._mode = not mode


class set_grad_enabled(_GradContext):
    """``set_grad_enabled(False)`` switches grad mode off at once; used with ``with`` it
    restores the previous mode on exit, as in PyTorch."""

    def __init__(self, mode: bool):
        self._prev = state.enabled
        self._mode = bool(mode)
        state.enabled = self._mode

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        state.enabled = self._prev
        return False
