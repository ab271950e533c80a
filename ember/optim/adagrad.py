"""Adagrad: steps scaled by the root of the accumulated squared gradients."""

from ember.autograd.grad_mode import enable_grad
from ember.autograd.grad_mode import no_grad
from ember.optim import _functional as F
from ember.optim.optimizer import Optimizer
from ember.optim.optimizer import _check_fused_foreach
from ember.optim.optimizer import _check_lr
from ember.optim.optimizer import _full_like
from ember.optim.optimizer import _scalar_state
from ember.optim.optimizer import _to_scalar

__all__ = ["Adagrad", "adagrad"]

adagrad = F.adagrad


class Adagrad(Optimizer):
    r"""Adagrad.

    Args:
        params (iterable): parameters or parameter groups to optimize.
        lr (float): learning rate (default: 1e-2).
        lr_decay (float): learning rate decay (default: 0).
        weight_decay (float): L2 penalty (default: 0).
        initial_accumulator_value (float): starting value of the sums (default: 0).
        eps (float): added to the denominator (default: 1e-10).
        maximize (bool): maximize the objective (default: False).

    Unlike most optimizers, Adagrad creates its state when constructed (as torch does).
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        _check_lr(lr)
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError("Invalid initial_accumulator_value value: "
                             f"{initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        _check_fused_foreach(fused, foreach, differentiable)
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                state["step"] = _scalar_state(0.0, p.device)
                init = group["initial_accumulator_value"]
                state["sum"] = _full_like(p, complex(init, init) if p.is_complex() else init)

    def share_memory(self):
        """Kept for API compatibility (state arrays are process-local in ember)."""

    def step(self, closure=None):
        """Perform one optimization step; `closure` re-evaluates the loss (optional)."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                params, grads, sums, steps = [], [], [], []
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    params.append(p)
                    grads.append(p.grad)
                    state = self.state[p]
                    sums.append(state["sum"])
                    steps.append(state["step"])
                if params:
                    F.adagrad(params, grads, sums, steps, lr=_to_scalar(group["lr"]),
                              weight_decay=group["weight_decay"], lr_decay=group["lr_decay"],
                              eps=group["eps"], maximize=group["maximize"])
        return loss
