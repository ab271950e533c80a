"""ember.nn: modules, parameters, functional API and init."""

from ember.nn import functional  # noqa: F401
from ember.nn import init  # noqa: F401
from ember.nn import utils  # noqa: F401
from ember.nn.modules import *  # noqa: F401,F403
from ember.nn.parameter import Buffer  # noqa: F401
from ember.nn.parameter import Parameter  # noqa: F401
from ember.nn.parameter import UninitializedBuffer  # noqa: F401
from ember.nn.parameter import UninitializedParameter  # noqa: F401
