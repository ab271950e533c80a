"""ember.nn.functional: stateless forms of every layer (to be written)."""

from ember.nn._functional_spatial import *  # noqa: F401,F403
