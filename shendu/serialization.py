"""Saving and loading (模型保存): ``shendu.save(obj, path)`` and ``shendu.load(path)``.

Files are safetensors: the tensors as raw little-endian arrays, plus, in the header's metadata,
a JSON description of the structure around them (nested dicts, lists, tuples, numbers,
strings, None), so a model's state_dict, an optimizer's state, an epoch counter and the RNG
state fit in one checkpoint. Nothing is unpickled, so loading a file cannot run code. Writes go
to a temporary file in the same folder that is renamed over the target only when complete, so
a crash mid-save never leaves a half-written checkpoint.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections import Counter, OrderedDict

import numpy as np

from .tensor import Tensor, _wrap

__all__ = ["save", "load"]

_FORMAT = "shendu-1"


class _Encoder:
    def __init__(self):
        self.arrays: dict[str, np.ndarray] = {}

    def encode(self, obj):
        if isinstance(obj, Tensor):
            key = f"t{len(self.arrays)}"
            self.arrays[key] = _contiguous(obj._data)
            node = {"__tensor__": key}
            if obj._rg:
                node["requires_grad"] = True
            if type(obj).__name__ == "Parameter":
                node["parameter"] = True
            return node
        if isinstance(obj, np.ndarray):
            if obj.dtype.kind not in "biuf":
                raise TypeError(f"shendu.save: cannot save a NumPy array of dtype {obj.dtype}")
            key = f"t{len(self.arrays)}"
            self.arrays[key] = _contiguous(obj)
            return {"__ndarray__": key}
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, (int, np.integer)):
            return int(obj)
        if isinstance(obj, (float, np.floating)):
            f = float(obj)
            return f if math.isfinite(f) else {"__float__": repr(f)}
        if isinstance(obj, Counter):
            return {"__counter__": [[self.encode(k), v] for k, v in obj.items()]}
        if isinstance(obj, dict):
            kind = "__odict__" if isinstance(obj, OrderedDict) else "__dict__"
            return {kind: [[self.encode(k), self.encode(v)] for k, v in obj.items()]}
        if isinstance(obj, tuple):
            return {"__tuple__": [self.encode(v) for v in obj]}
        if isinstance(obj, list):
            return [self.encode(v) for v in obj]
        raise TypeError(f"shendu.save: cannot save an object of type {type(obj).__name__}; "
                        f"checkpoints hold tensors, arrays, numbers, strings, None and "
                        f"dicts/lists/tuples of them (no pickle)")


def _contiguous(a: np.ndarray) -> np.ndarray:
    # not np.ascontiguousarray: it turns 0-d arrays into 1-d ones
    return a if a.flags.c_contiguous else a.copy(order="C")


def _decode(node, arrays, path):
    if isinstance(node, list):
        return [_decode(v, arrays, path) for v in node]
    if not isinstance(node, dict):
        return node
    if "__tensor__" in node:
        arr = _array(arrays, node["__tensor__"], path)
        if node.get("parameter"):
            from .nn.parameter import Parameter
            return Parameter(_wrap(arr), requires_grad=node.get("requires_grad", False))
        t = _wrap(arr)
        if node.get("requires_grad"):
            t.requires_grad_(True)
        return t
    if "__ndarray__" in node:
        return _array(arrays, node["__ndarray__"], path)
    if "__float__" in node:
        return float(node["__float__"])
    if "__tuple__" in node:
        return tuple(_decode(v, arrays, path) for v in node["__tuple__"])
    if "__counter__" in node:
        return Counter({_decode(k, arrays, path): v for k, v in node["__counter__"]})
    if "__odict__" in node or "__dict__" in node:
        items = node.get("__odict__", node.get("__dict__"))
        d = OrderedDict() if "__odict__" in node else {}
        for k, v in items:
            d[_decode(k, arrays, path)] = _decode(v, arrays, path)
        return d
    raise RuntimeError(f"shendu.load: {path}: unknown entry in the checkpoint structure: "
                       f"{sorted(node)}")


def _array(arrays, key, path):
    if key not in arrays:
        raise RuntimeError(f"shendu.load: {path}: the structure refers to tensor {key!r}, which "
                           f"the file does not contain")
    return arrays[key]


def save(obj, f) -> None:
    """Save tensors, state dicts, and nested dicts/lists/tuples of them with numbers and
    strings, to the path ``f`` (atomically) or to a writable binary file object."""
    from safetensors.numpy import save as st_save

    enc = _Encoder()
    structure = enc.encode(obj)
    blob = st_save(enc.arrays, metadata={"format": _FORMAT,
                                         "structure": json.dumps(structure)})
    if hasattr(f, "write"):
        f.write(blob)
        return
    path = os.fspath(f)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".safetensors", dir=folder)
    try:
        os.chmod(tmp, 0o666 & ~_umask())    # mkstemp makes 0600; a normal file follows umask
        with os.fdopen(fd, "wb") as out:
            out.write(blob)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def load(f, map_location=None, weights_only: bool = True, mmap=None):
    """Load what ``save`` wrote (a safetensors file written elsewhere loads as a dict of
    tensors). ``map_location`` may only name the CPU."""
    from safetensors import SafetensorError
    from safetensors.numpy import load as st_load

    if map_location is not None:
        from ._device import check
        check(map_location if isinstance(map_location, str) else "cpu")
    if hasattr(f, "read"):
        data, path = f.read(), getattr(f, "name", "<file object>")
    else:
        path = os.fspath(f)
        if not os.path.exists(path):
            raise FileNotFoundError(f"shendu.load: no such file: {path}")
        with open(path, "rb") as fh:
            data = fh.read()
    try:
        arrays = st_load(data)
        meta = _metadata(data)
    except (SafetensorError, ValueError, json.JSONDecodeError, UnicodeDecodeError) as e:
        raise RuntimeError(f"shendu.load: {path} is not a valid checkpoint (safetensors "
                           f"file): {e}") from None
    if meta.get("format") != _FORMAT:
        return OrderedDict((k, _wrap(v)) for k, v in arrays.items())
    try:
        structure = json.loads(meta["structure"])
    except (KeyError, json.JSONDecodeError) as e:
        raise RuntimeError(f"shendu.load: {path}: damaged structure in the header: {e}") \
            from None
    return _decode(structure, arrays, path)


def _metadata(data: bytes) -> dict:
    """The ``__metadata__`` of a safetensors header (an 8-byte length, then JSON)."""
    n = int.from_bytes(data[:8], "little")
    if len(data) < 8 + n:
        raise ValueError("truncated header")
    return json.loads(data[8:8 + n].decode("utf-8")).get("__metadata__", {}) or {}
