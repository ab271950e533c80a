"""ASGD: averaged stochastic gradient descent."""

from ember.autograd.grad_mode import enable_grad
from ember.autograd.grad_mode import no_grad
from ember.optim import _functional as F
from ember.optim.optimizer import Optimizer
from ember.optim.optimizer import _check_lr
from ember.optim.optimizer import _scalar_state
from ember.optim.optimizer import _to_scalar
from ember.optim.optimizer import _zeros_like

__all__ = ["ASGD", "asgd"]

asgd = F.asgd


class ASGD(Optimizer):
    r"""Averaged SGD.

    Args:
        params (iterable): parameters or parameter groups to optimize.
        lr (float): learning rate (default: 1e-2).
        lambd (float): decay term (default: 1e-4).
        alpha (float): power of the eta update (default: 0.75).
        t0 (float): step at which averaging starts (default: 1e6).
        weight_decay (float): L2 penalty (default: 0).
        maximize (bool): maximize the objective (default: False).
    """

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
                 foreach=None, maximize=False, differentiable=False, capturable=False):
        _check_lr(lr)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0,
                    "weight_decay": weight_decay, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Perform one optimization step; `closure` re-evaluates the loss (optional)."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                params, grads, axs, mus, etas, steps = [], [], [], [], [], []
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    params.append(p)
                    grads.append(p.grad)
                    state = self.state[p]
                    if len(state) == 0:
                        state["step"] = _scalar_state(0.0, p.device)
                        state["eta"] = _scalar_state(_to_scalar(group["lr"]), p.device)
                        state["mu"] = _scalar_state(1.0, p.device)
                        state["ax"] = _zeros_like(p)
                    axs.append(state["ax"])
                    mus.append(state["mu"])
                    etas.append(state["eta"])
                    steps.append(state["step"])
                if params:
                    F.asgd(params, grads, axs, mus, etas, steps, lambd=group["lambd"],
                           lr=_to_scalar(group["lr"]), t0=group["t0"], alpha=group["alpha"],
                           weight_decay=group["weight_decay"], maximize=group["maximize"])
        return loss
