"""The TensorDataset + default_collate fast path (one gather per tensor) gives exactly what
collating the samples gives, as in torch."""

import numpy as np
import pytest
import torch

import ember


@pytest.mark.parametrize("batch_size,drop_last,shuffle", [(7, False, False), (10, True, False),
                                                           (16, False, True)])
def test_tensor_dataset_batches_match_torch(batch_size, drop_last, shuffle):
    x = np.random.default_rng(0).random((100, 3, 2)).astype(np.float32)
    y = np.arange(100)
    ember.manual_seed(0)
    le = list(ember.utils.data.DataLoader(
        ember.utils.data.TensorDataset(ember.tensor(x), ember.tensor(y)),
        batch_size=batch_size, drop_last=drop_last, shuffle=shuffle))
    lt = list(torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.tensor(x), torch.tensor(y)),
        batch_size=batch_size, drop_last=drop_last))
    assert len(le) == len(lt)
    for a, b in zip(le, lt):
        assert type(a) is list and len(a) == 2
        assert str(a[0].dtype) == str(b[0].dtype) and str(a[1].dtype) == str(b[1].dtype)
        if shuffle:  # rows stay paired with their labels
            np.testing.assert_array_equal(a[0].numpy(), x[a[1].numpy()])
        else:
            np.testing.assert_array_equal(a[0].numpy(), b[0].numpy())
            np.testing.assert_array_equal(a[1].numpy(), b[1].numpy())


def test_subclass_and_custom_collate_take_the_general_path():
    class Plus(ember.utils.data.TensorDataset):
        def __getitem__(self, i):
            return tuple(t[i] + 1 for t in self.tensors)

    ds = Plus(ember.arange(6))
    (batch,) = list(ember.utils.data.DataLoader(ds, batch_size=6))
    np.testing.assert_array_equal(batch[0].numpy(), np.arange(6) + 1)
    seen = []
    loader = ember.utils.data.DataLoader(ember.utils.data.TensorDataset(ember.arange(4)),
                                         batch_size=2, collate_fn=lambda b: seen.append(b) or b)
    list(loader)
    assert len(seen) == 2 and isinstance(seen[0], list) and isinstance(seen[0][0], tuple)
