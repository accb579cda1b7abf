"""Named tuples returned by ops with several results (``max(x, dim)`` gives
``return_types.max(values=..., indices=...)``)."""

from .ops.reduction import values_indices as _vi

max = _vi["max"]
min = _vi["min"]
sort = _vi["sort"]
topk = _vi["topk"]
kthvalue = _vi["kthvalue"]
median = _vi["median"]
