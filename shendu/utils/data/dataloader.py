"""``DataLoader`` (数据加载): mini-batches from a dataset, shuffled or in order, collated into
tensors, optionally prepared by worker processes, as ``torch.utils.data.DataLoader``."""

from __future__ import annotations

import collections.abc as abc
import itertools
import multiprocessing as mp
import queue
import random
import traceback
from dataclasses import dataclass

import numpy as np

from ... import random as srandom
from ...ops.creation import as_tensor, tensor
from ...ops.shape import stack
from ...tensor import Tensor
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info", "WorkerInfo"]

_COLLATE_ERROR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or "
                  "lists; found {}")


def default_collate(batch):
    """Stack a list of samples into a batch, recursively: tensors and arrays are stacked along
    a new first dimension, Python floats become float64, ints int64, strings stay a list,
    dicts and sequences are collated field by field."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(batch, 0)
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "OSU":
            raise TypeError(_COLLATE_ERROR.format(elem.dtype))
        return stack([as_tensor(b) for b in batch], 0)
    if isinstance(elem, np.generic):
        return as_tensor(np.asarray(batch))
    if isinstance(elem, float):
        return tensor(batch, dtype="float64")
    if isinstance(elem, int):                    # bool is an int: bools become a bool tensor
        return tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, abc.Mapping):
        try:
            return type(elem)({k: default_collate([d[k] for d in batch]) for k in elem})
        except TypeError:
            return {k: default_collate([d[k] for d in batch]) for k in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, abc.Sequence):
        n = len(elem)
        if any(len(b) != n for b in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        fields = [default_collate(list(s)) for s in zip(*batch)]
        if isinstance(elem, tuple):
            return fields
        try:
            return type(elem)(fields)
        except TypeError:
            return fields
    raise TypeError(_COLLATE_ERROR.format(type(elem)))


def default_convert(data):
    """The no-batching counterpart of ``default_collate``: arrays become tensors."""
    if isinstance(data, np.ndarray) and data.dtype.kind not in "OSU":
        return as_tensor(data)
    if isinstance(data, abc.Mapping):
        return {k: default_convert(v) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, (list, tuple)):
        return type(data)(default_convert(d) for d in data)
    return data


@dataclass
class WorkerInfo:
    """What a worker process knows about itself (``get_worker_info()`` inside a worker)."""
    id: int
    num_workers: int
    seed: int
    dataset: object


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """None in the main process; in a DataLoader worker, its id, count, seed and dataset copy
    (an IterableDataset uses it to split its stream between workers)."""
    return _worker_info


class DataLoader:
    """Iterate over ``dataset`` in mini-batches (小批量).

    ``shuffle=True`` draws a new permutation every epoch (from ``generator``, or shendu's global
    generator); ``num_workers > 0`` prepares batches in that many processes, returned in order.
    """

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler=None, batch_sampler=None, num_workers: int = 0, collate_fn=None,
                 pin_memory: bool = False, drop_last: bool = False, timeout: float = 0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                             "disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing."
                             "let num_workers > 0 to enable multiprocessing, otherwise set "
                             "prefetch_factor to None.")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = 2 if num_workers and prefetch_factor is None else prefetch_factor
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.persistent_workers = persistent_workers
        self.generator = generator
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            if shuffle not in (None, False):
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle "
                                 f"option, but got shuffle={shuffle}")
            if sampler is not None or batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified "
                                 "sampler/batch_sampler options")
        elif sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
        if sampler is None and not self._iterable:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else \
                SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and not self._iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        auto = batch_size is not None or batch_sampler is not None
        self.collate_fn = collate_fn or (default_collate if auto else default_convert)
        self._auto_collation = auto
        self._iterator = None

    def _index_batches(self):
        """Lists of indices per batch (or single indices without auto-batching)."""
        return iter(self.batch_sampler if self.batch_sampler is not None else self.sampler)

    def __iter__(self):
        if self.num_workers == 0:
            return self._single_process()
        if self.persistent_workers:
            if self._iterator is None:
                self._iterator = _WorkerIter(self)
            else:
                self._iterator._reset()
            return self._iterator
        return _WorkerIter(self)

    def _single_process(self):
        if self._iterable:
            it = iter(self.dataset)
            if not self._auto_collation:
                for sample in it:
                    yield self.collate_fn(sample)
                return
            while True:
                batch = list(itertools.islice(it, self.batch_size))
                if not batch or (self.drop_last and len(batch) < self.batch_size):
                    return
                yield self.collate_fn(batch)
        for idx in self._index_batches():
            if self._auto_collation:
                yield self.collate_fn([self.dataset[i] for i in idx])
            else:
                yield self.collate_fn(self.dataset[idx])

    def __len__(self) -> int:
        if self._iterable:
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)


# ----- worker processes --------------------------------------------------------------------------

class _Failure:
    """An exception raised in a worker, carried to the main process as text."""

    def __init__(self, worker_id: int, where: str):
        self.worker_id = worker_id
        self.text = traceback.format_exc()
        self.where = where


class _End:
    """An IterableDataset copy in a worker has no more samples."""


def _worker_loop(dataset, index_queue, result_queue, collate_fn, auto_collation, iterable,
                 batch_size, drop_last, worker_id, num_workers, seed, init_fn):
    global _worker_info
    seed = seed + worker_id
    srandom.manual_seed(seed)
    np.random.seed(seed % 2 ** 32)
    random.seed(seed)
    _worker_info = WorkerInfo(worker_id, num_workers, seed, dataset)
    try:
        if init_fn is not None:
            init_fn(worker_id)
        stream = iter(dataset) if iterable else None
    except Exception:
        result_queue.put((None, _Failure(worker_id, "worker initialisation")))
        return
    while True:
        task = index_queue.get()
        if task is None:
            return
        idx, indices = task
        if idx == "reset":
            stream = iter(dataset) if iterable else None
            continue
        try:
            if iterable:
                n = batch_size if auto_collation else 1
                samples = list(itertools.islice(stream, n))
                if not samples or (auto_collation and drop_last and len(samples) < n):
                    result_queue.put((idx, _End()))
                    continue
                data = collate_fn(samples) if auto_collation else collate_fn(samples[0])
            elif auto_collation:
                data = collate_fn([dataset[i] for i in indices])
            else:
                data = collate_fn(dataset[indices])
        except Exception:
            data = _Failure(worker_id, f"fetching batch {idx}")
        result_queue.put((idx, data))


class _WorkerIter:
    """Batches prepared by worker processes, handed out in their original order."""

    def __init__(self, loader: DataLoader):
        self.loader = loader
        ctx = loader.multiprocessing_context
        if ctx is None or isinstance(ctx, str):
            methods = mp.get_all_start_methods()
            ctx = mp.get_context(ctx or ("fork" if "fork" in methods else "spawn"))
        self.result_queue = ctx.Queue()
        self.index_queues = []
        self.workers = []
        seed = int(srandom.rng(loader.generator).integers(0, 2 ** 62))
        for w in range(loader.num_workers):
            q = ctx.Queue()
            p = ctx.Process(target=_worker_loop, daemon=True, args=(
                loader.dataset, q, self.result_queue, loader.collate_fn,
                loader._auto_collation, loader._iterable, loader.batch_size, loader.drop_last,
                w, loader.num_workers, seed, loader.worker_init_fn))
            p.start()
            self.index_queues.append(q)
            self.workers.append(p)
        self._shutdown = False
        self._start_epoch()

    def _start_epoch(self):
        self.tasks = None if self.loader._iterable else self.loader._index_batches()
        self.active = set(range(len(self.workers)))
        self.send_idx = 0          # next task number to hand out
        self.rcvd_idx = 0          # next task number to return
        self.owner = {}            # task number -> worker
        self.buffer = {}
        self.exhausted = False
        for _ in range(self.loader.prefetch_factor * len(self.workers)):
            self._dispatch()

    def _reset(self):
        for q in self.index_queues:
            q.put(("reset", None))
        self._start_epoch()

    def _dispatch(self):
        if self.exhausted or not self.active:
            return
        if self.tasks is not None:
            try:
                indices = next(self.tasks)
            except StopIteration:
                self.exhausted = True
                return
        else:
            indices = None
        workers = sorted(self.active)
        w = workers[self.send_idx % len(workers)]
        self.index_queues[w].put((self.send_idx, indices))
        self.owner[self.send_idx] = w
        self.send_idx += 1

    def __iter__(self):
        return self

    def __next__(self):
        while True:
            if self.rcvd_idx >= self.send_idx:
                if not self.loader.persistent_workers:
                    self._stop()
                raise StopIteration
            if self.rcvd_idx in self.buffer:
                data = self.buffer.pop(self.rcvd_idx)
                self.rcvd_idx += 1
                if isinstance(data, _End):
                    # that worker's stream is done: hand its share to the others
                    self.active.discard(self.owner.get(self.rcvd_idx - 1))
                    self._dispatch()
                    continue
                self._dispatch()
                if isinstance(data, _Failure):
                    self._stop()
                    raise RuntimeError(f"Caught an exception in DataLoader worker process "
                                       f"{data.worker_id} while {data.where}.\nOriginal "
                                       f"{data.text}")
                return data
            idx, data = self._get()
            if idx is None:
                self._stop()
                raise RuntimeError(f"DataLoader worker {data.worker_id} failed during "
                                   f"{data.where}.\nOriginal {data.text}")
            self.buffer[idx] = data

    def _get(self):
        timeout = self.loader.timeout
        while True:
            try:
                return self.result_queue.get(timeout=timeout if timeout > 0 else 5.0)
            except queue.Empty:
                if timeout > 0:
                    self._stop()
                    raise RuntimeError(f"DataLoader timed out after {timeout} seconds") \
                        from None
                dead = [p for p in self.workers if not p.is_alive()]
                if dead:
                    self._stop()
                    raise RuntimeError(f"DataLoader worker (pid(s) "
                                       f"{', '.join(str(p.pid) for p in dead)}) exited "
                                       f"unexpectedly") from None

    def __len__(self):
        return len(self.loader)

    def _stop(self):
        if self._shutdown:
            return
        self._shutdown = True
        for q in self.index_queues:
            try:
                q.put(None)
            except (OSError, ValueError):
                pass
        for p in self.workers:
            p.join(timeout=5)
            if p.is_alive():
                p.terminate()
        for q in self.index_queues + [self.result_queue]:
            q.cancel_join_thread()
            q.close()

    def __del__(self):
        self._stop()
