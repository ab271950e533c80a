"""Adadelta: unit-corrected steps from running averages of gradients and updates."""

from ember.autograd.grad_mode import enable_grad
from ember.autograd.grad_mode import no_grad
from ember.optim import _functional as F
from ember.optim.optimizer import Optimizer
from ember.optim.optimizer import _check_lr
from ember.optim.optimizer import _scalar_state
from ember.optim.optimizer import _to_scalar
from ember.optim.optimizer import _zeros_like

__all__ = ["Adadelta", "adadelta"]

adadelta = F.adadelta


class Adadelta(Optimizer):
    r"""Adadelta.

    Args:
        params (iterable): parameters or parameter groups to optimize.
        lr (float): coefficient scaling the delta (default: 1.0).
        rho (float): decay of the running averages (default: 0.9).
        eps (float): added for numerical stability (default: 1e-6).
        weight_decay (float): L2 penalty (default: 0).
        maximize (bool): maximize the objective (default: False).
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "capturable": capturable, "foreach": foreach,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Perform one optimization step; `closure` re-evaluates the loss (optional)."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                params, grads, sqs, accs, steps = [], [], [], [], []
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    params.append(p)
                    grads.append(p.grad)
                    state = self.state[p]
                    if len(state) == 0:
                        state["step"] = _scalar_state(0.0, p.device)
                        state["square_avg"] = _zeros_like(p)
                        state["acc_delta"] = _zeros_like(p)
                    sqs.append(state["square_avg"])
                    accs.append(state["acc_delta"])
                    steps.append(state["step"])
                if params:
                    F.adadelta(params, grads, sqs, accs, steps, lr=_to_scalar(group["lr"]),
                               rho=group["rho"], eps=group["eps"],
                               weight_decay=group["weight_decay"], maximize=group["maximize"])
        return loss
