"""``shendu.utils.data``: datasets, samplers and the DataLoader, as ``torch.utils.data``."""

from .dataloader import (DataLoader, WorkerInfo, default_collate, default_convert,  # noqa: F401
                         get_worker_info)
from .dataset import (ChainDataset, ConcatDataset, Dataset, IterableDataset,  # noqa: F401
                      StackDataset, Subset, TensorDataset, random_split)
from .sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler,  # noqa: F401
                      SubsetRandomSampler, WeightedRandomSampler)
