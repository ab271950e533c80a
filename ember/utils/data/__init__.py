"""ember.utils.data: datasets, samplers, collation and the DataLoader (torch.utils.data)."""

from ember.utils.data._worker import get_worker_info
from ember.utils.data.collate import default_collate
from ember.utils.data.collate import default_convert
from ember.utils.data.dataloader import DataLoader
from ember.utils.data.dataset import ChainDataset
from ember.utils.data.dataset import ConcatDataset
from ember.utils.data.dataset import Dataset
from ember.utils.data.dataset import IterableDataset
from ember.utils.data.dataset import StackDataset
from ember.utils.data.dataset import Subset
from ember.utils.data.dataset import TensorDataset
from ember.utils.data.dataset import random_split
from ember.utils.data.distributed import DistributedSampler
from ember.utils.data.sampler import BatchSampler
from ember.utils.data.sampler import RandomSampler
from ember.utils.data.sampler import Sampler
from ember.utils.data.sampler import SequentialSampler
from ember.utils.data.sampler import SubsetRandomSampler
from ember.utils.data.sampler import WeightedRandomSampler

__all__ = ["BatchSampler", "ChainDataset", "ConcatDataset", "DataLoader", "Dataset",
           "DistributedSampler", "IterableDataset", "RandomSampler", "Sampler",
           "SequentialSampler", "StackDataset", "Subset", "SubsetRandomSampler", "TensorDataset",
           "WeightedRandomSampler", "default_collate", "default_convert", "get_worker_info",
           "random_split"]
