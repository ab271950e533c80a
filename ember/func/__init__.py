"""ember.func (torch.func): composable function transforms.

grad, grad_and_value, vjp, jacrev run on ember's reverse-mode engine. jvp, jacfwd and hessian
use reverse mode too (jvp by the double-backward "vjp of a vjp" trick) since ember has no
forward-mode AD; their results are the same. vmap runs the function once per sample and stacks
the results (see ember/func/_vmap.py).
"""

from ember.func._eager import grad
from ember.func._eager import grad_and_value
from ember.func._eager import hessian
from ember.func._eager import jacfwd
from ember.func._eager import jacrev
from ember.func._eager import jvp
from ember.func._eager import vjp
from ember.func._functional_call import functional_call
from ember.func._vmap import vmap

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian",
           "functional_call", "vmap"]
