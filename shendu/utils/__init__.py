"""``shendu.utils``: data loading (``shendu.utils.data``)."""

from . import data  # noqa: F401
