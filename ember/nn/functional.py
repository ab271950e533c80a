from ember.nn._functional_spatial import *  # noqa: F401,F403

# ember.nn.functional: the stateless math behind every layer (modules hold state and call
# these). Hot paths are fused Functions in ember/_ops/nn_ops.py; the rest compose ember ops.

import ember
from ember._ops import nn_ops as _nn


def linear(input, weight, bias=None):
    """y = input @ weight^T + bias. Shape: (*, in) x (out, in) -> (*, out)."""
    return _nn.Linear.apply(input, weight, bias)


def relu(input, inplace=False):
    """max(input, 0) elementwise."""
    return ember.relu_(input) if inplace else ember.relu(input)


def relu_(input):
    return ember.relu_(input)
