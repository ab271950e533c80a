"""Adamax: Adam with the infinity norm."""

from ember.autograd.grad_mode import enable_grad
from ember.autograd.grad_mode import no_grad
from ember.optim import _functional as F
from ember.optim.adam import _check_betas
from ember.optim.optimizer import Optimizer
from ember.optim.optimizer import _check_lr
from ember.optim.optimizer import _scalar_state
from ember.optim.optimizer import _to_scalar
from ember.optim.optimizer import _zeros_like

__all__ = ["Adamax", "adamax"]

adamax = F.adamax


class Adamax(Optimizer):
    r"""Adamax (Adam based on the infinity norm).

    Args:
        params (iterable): parameters or parameter groups to optimize.
        lr (float): learning rate (default: 2e-3).
        betas (Tuple[float, float]): decay rates (default: (0.9, 0.999)).
        eps (float): added to the denominator (default: 1e-8).
        weight_decay (float): L2 penalty (default: 0).
        maximize (bool): maximize the objective (default: False).
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_betas(betas)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Perform one optimization step; `closure` re-evaluates the loss (optional)."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                params, grads, ms, us, steps = [], [], [], [], []
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    params.append(p)
                    grads.append(p.grad)
                    state = self.state[p]
                    if len(state) == 0:
                        state["step"] = _scalar_state(0.0, p.device)
                        state["exp_avg"] = _zeros_like(p)
                        state["exp_inf"] = _zeros_like(p)
                    ms.append(state["exp_avg"])
                    us.append(state["exp_inf"])
                    steps.append(state["step"])
                if params:
                    beta1, beta2 = group["betas"]
                    F.adamax(params, grads, ms, us, steps, eps=group["eps"], beta1=beta1,
                             beta2=beta2, lr=_to_scalar(group["lr"]),
                             weight_decay=group["weight_decay"], maximize=group["maximize"])
        return loss
