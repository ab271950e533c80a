import numpy as np
import pytest
import torch

import ember
from tests.nn._spatial import check_module
from tests.nn._spatial import randn

CASES = [
    ("ZeroPad1d", (2,), (2, 3, 4)), ("ZeroPad2d", ((1, 2, 0, 1),), (2, 3, 4)),
    ("ZeroPad3d", (1,), (1, 2, 2, 3, 2)), ("ConstantPad1d", ((1, 2), 3.5), (2, 3, 4)),
    ("ConstantPad2d", (1, -1.0), (1, 2, 3, 4)), ("ConstantPad3d", ((1, 0, 0, 1, 2, 0), 2.0),
                                                 (1, 2, 2, 3, 2)),
    ("ReflectionPad1d", ((2, 1),), (2, 3, 4)), ("ReflectionPad2d", (1,), (1, 2, 3, 4)),
    ("ReflectionPad3d", (1,), (1, 2, 2, 3, 2)), ("ReplicationPad1d", (3,), (2, 3, 4)),
    ("ReplicationPad2d", ((1, 2, 3, 0),), (2, 3, 4)), ("ReplicationPad3d", (2,),
                                                       (1, 2, 2, 3, 2)),
    ("CircularPad1d", (2,), (2, 3, 4)), ("CircularPad2d", ((1, 2, 0, 3),), (1, 2, 3, 4)),
    ("CircularPad3d", (1,), (1, 2, 2, 3, 2)),
]


@pytest.mark.parametrize("name,args,shape", CASES)
def test_padding_module_oracle(name, args, shape):
    tm = getattr(torch.nn, name)(*args)
    em = getattr(ember.nn, name)(*args)
    assert repr(em) == repr(tm)
    check_module(em, tm, [randn(np.random.default_rng(0), *shape)])
