"""``shendu.nn``: layers, losses and the functional interface, as ``torch.nn``."""

from . import functional  # noqa: F401
