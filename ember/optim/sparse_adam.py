"""SparseAdam: lazy Adam that updates only the coordinates a gradient touches.

ember has no sparse layout: the gradient's nonzero entries play the role of torch's sparse
gradient's indices (a documented difference: torch rejects dense gradients here).
"""

from ember.autograd.grad_mode import enable_grad
from ember.autograd.grad_mode import no_grad
from ember.optim import _functional as F
from ember.optim.optimizer import Optimizer
from ember.optim.optimizer import _to_scalar
from ember.optim.optimizer import _zeros_like

__all__ = ["SparseAdam"]


class SparseAdam(Optimizer):
    r"""SparseAdam (see module docstring for the dense-gradient convention)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, maximize=False):
        if hasattr(lr, "numel") and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 < lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        defaults = {"lr": lr, "betas": betas, "eps": eps, "maximize": maximize}
        super().__init__(params, defaults)

    def step(self, closure=None):
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                params, grads, ms, vs, steps = [], [], [], [], []
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    params.append(p)
                    grads.append(p.grad)
                    state = self.state[p]
                    if len(state) == 0:
                        state["step"] = 0
                        state["exp_avg"] = _zeros_like(p)
                        state["exp_avg_sq"] = _zeros_like(p)
                    ms.append(state["exp_avg"])
                    vs.append(state["exp_avg_sq"])
                    steps.append(state["step"])
                if params:
                    beta1, beta2 = group["betas"]
                    F.sparse_adam(params, grads, ms, vs, steps, eps=group["eps"], beta1=beta1,
                                  beta2=beta2, lr=_to_scalar(group["lr"]),
                                  maximize=group["maximize"])
                    for p, s in zip(params, steps):
                        self.state[p]["step"] = s
        return loss
