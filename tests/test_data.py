"""Datasets, samplers and the DataLoader, against torch.utils.data where the order is defined
(sequential loading, collation), statistically where it is random, and with real worker
processes."""

import collections

import numpy as np
import pytest
import torch

import shendu
from helpers import assert_same
from shendu.utils import data as sdata

Point = collections.namedtuple("Point", ["x", "y"])


class Samples(sdata.Dataset):
    """A map-style dataset whose samples mix arrays, numbers, strings and dicts."""

    def __init__(self, n=10):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return {"x": np.full((2, 3), i, np.float32), "y": i, "w": float(i) / 2,
                "name": f"s{i}", "p": Point(np.int64(i), [i, i + 1])}


class TorchSamples(torch.utils.data.Dataset):
    def __init__(self, n=10):
        self.inner = Samples(n)

    def __len__(self):
        return len(self.inner)

    def __getitem__(self, i):
        return self.inner[i]


def test_sequential_batches_and_collation_match_torch():
    s = list(sdata.DataLoader(Samples(10), batch_size=4))
    t = list(torch.utils.data.DataLoader(TorchSamples(10), batch_size=4))
    assert len(s) == len(t) == 3
    for bs, bt in zip(s, t):
        assert_same(bs["x"], bt["x"])
        assert_same(bs["y"], bt["y"])
        assert_same(bs["w"], bt["w"])          # Python floats collate to float64, as in torch
        assert bs["name"] == bt["name"]
        assert isinstance(bs["p"], Point)
        assert_same(bs["p"].x, bt["p"].x)
        assert_same(bs["p"].y, bt["p"].y)


@pytest.mark.parametrize("kw", [{"batch_size": 3, "drop_last": True}, {"batch_size": None},
                                {"batch_size": 5}])
def test_batching_options_match_torch(kw):
    x = np.arange(22, dtype=np.float32).reshape(11, 2)
    y = np.arange(11)
    s = list(sdata.DataLoader(sdata.TensorDataset(shendu.tensor(x), shendu.tensor(y)), **kw))
    t = list(torch.utils.data.DataLoader(torch.utils.data.TensorDataset(
        torch.tensor(x), torch.tensor(y)), **kw))
    assert len(s) == len(t)
    for a, b in zip(s, t):
        assert_same(a, b)


def test_custom_collate_and_batch_sampler():
    ds = sdata.TensorDataset(shendu.arange(10))
    bs = sdata.BatchSampler(sdata.SequentialSampler(ds), 4, drop_last=False)
    assert list(bs) == list(torch.utils.data.BatchSampler(range(10), 4, False))
    assert len(bs) == 3
    dl = sdata.DataLoader(ds, batch_sampler=bs, collate_fn=lambda b: [int(s[0]) for s in b])
    assert list(dl) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    with pytest.raises(ValueError, match="mutually exclusive"):
        sdata.DataLoader(ds, batch_sampler=bs, batch_size=2)


def test_shuffle_is_a_permutation_and_reproducible():
    ds = sdata.TensorDataset(shendu.arange(50))

    def epoch(dl):
        return [int(v) for b in dl for v in b[0]]
    g = shendu.Generator().manual_seed(7)
    dl = sdata.DataLoader(ds, batch_size=8, shuffle=True, generator=g)
    e1, e2 = epoch(dl), epoch(dl)
    assert sorted(e1) == list(range(50)) and e1 != e2 and e1 != list(range(50))
    g2 = shendu.Generator().manual_seed(7)
    assert epoch(sdata.DataLoader(ds, batch_size=8, shuffle=True, generator=g2)) == e1
    shendu.manual_seed(3)
    a = epoch(sdata.DataLoader(ds, batch_size=8, shuffle=True))
    shendu.manual_seed(3)
    assert epoch(sdata.DataLoader(ds, batch_size=8, shuffle=True)) == a


def test_datasets_subset_concat_split():
    a = sdata.TensorDataset(shendu.arange(5))
    b = sdata.TensorDataset(shendu.arange(5, 8))
    c = a + b
    assert len(c) == 8 and int(c[6][0]) == 6 and int(c[-1][0]) == 7
    sub = sdata.Subset(c, [7, 0, 3])
    assert [int(sub[i][0]) for i in range(3)] == [7, 0, 3]
    parts = sdata.random_split(c, [0.5, 0.25, 0.25], generator=shendu.Generator().manual_seed(1))
    assert [len(p) for p in parts] == [4, 2, 2]
    seen = sorted(int(p[i][0]) for p in parts for i in range(len(p)))
    assert seen == list(range(8))
    with pytest.raises(ValueError, match="Sum of input lengths"):
        sdata.random_split(c, [3, 3])
    with pytest.raises(ValueError, match="Size mismatch"):
        sdata.TensorDataset(shendu.zeros(3), shendu.zeros(4))


def test_weighted_and_random_samplers():
    g = shendu.Generator().manual_seed(0)
    w = [0.1, 0.0, 0.6, 0.3]
    draws = list(sdata.WeightedRandomSampler(w, 20000, generator=g))
    freq = np.bincount(draws, minlength=4) / 20000
    np.testing.assert_allclose(freq, w, atol=0.015)
    no_rep = list(sdata.WeightedRandomSampler(w, 3, replacement=False, generator=g))
    assert sorted(no_rep) == [0, 2, 3]
    rs = list(sdata.RandomSampler(range(6), replacement=True, num_samples=100, generator=g))
    assert len(rs) == 100 and set(rs) <= set(range(6))
    assert sorted(sdata.RandomSampler(range(6), num_samples=9, generator=g).__iter__()) != []
    assert sorted(sdata.SubsetRandomSampler([3, 5, 9], generator=g)) == [3, 5, 9]
    with pytest.raises(ValueError):
        sdata.WeightedRandomSampler([-1.0, 1.0], 2)


class Stream(sdata.IterableDataset):
    """0..n−1, split between workers by their id."""

    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = sdata.get_worker_info()
        if info is None:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))

    def __len__(self):
        return self.n


def test_workers_give_the_same_batches_in_order():
    ds = Samples(23)
    single = list(sdata.DataLoader(ds, batch_size=4))
    multi = list(sdata.DataLoader(ds, batch_size=4, num_workers=2))
    assert len(single) == len(multi) == 6
    for a, b in zip(single, multi):
        np.testing.assert_array_equal(a["x"].numpy(), b["x"].numpy())
        assert a["name"] == b["name"]


def test_workers_with_shuffle_persistent_and_init_fn():
    ds = sdata.TensorDataset(shendu.arange(30))
    dl = sdata.DataLoader(ds, batch_size=7, shuffle=True, num_workers=2,
                          generator=shendu.Generator().manual_seed(5), persistent_workers=True,
                          worker_init_fn=lambda wid: np.random.seed(wid))
    e1 = sorted(int(v) for b in dl for v in b[0])
    e2 = sorted(int(v) for b in dl for v in b[0])
    assert e1 == e2 == list(range(30))
    dl._iterator._stop()


def test_iterable_dataset_with_workers():
    single = [int(v) for b in sdata.DataLoader(Stream(10), batch_size=3) for v in b]
    assert single == list(range(10))
    multi = [int(v) for b in sdata.DataLoader(Stream(10), batch_size=3, num_workers=2)
             for v in b]
    assert sorted(multi) == list(range(10))


class Broken(sdata.Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        if i == 2:
            raise ValueError("sample 2 is corrupt")
        return np.zeros(2, np.float32)


def test_worker_errors_reach_the_main_process():
    with pytest.raises(RuntimeError, match="sample 2 is corrupt"):
        list(sdata.DataLoader(Broken(), batch_size=1, num_workers=2))
    with pytest.raises(ValueError, match="sample 2 is corrupt"):
        list(sdata.DataLoader(Broken(), batch_size=1))


def test_worker_info_is_none_in_main_process():
    assert sdata.get_worker_info() is None
