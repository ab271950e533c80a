"""RMSprop: steps scaled by a running root-mean-square of the gradients."""

from ember.autograd.grad_mode import enable_grad
from ember.autograd.grad_mode import no_grad
from ember.optim import _functional as F
from ember.optim.optimizer import Optimizer
from ember.optim.optimizer import _check_lr
from ember.optim.optimizer import _scalar_state
from ember.optim.optimizer import _to_scalar
from ember.optim.optimizer import _zeros_like

__all__ = ["RMSprop", "rmsprop"]

rmsprop = F.rmsprop


class RMSprop(Optimizer):
    r"""RMSprop.

    Args:
        params (iterable): parameters or parameter groups to optimize.
        lr (float): learning rate (default: 1e-2).
        alpha (float): smoothing constant of the squared-gradient average (default: 0.99).
        eps (float): added to the denominator (default: 1e-8).
        weight_decay (float): L2 penalty (default: 0).
        momentum (float): momentum factor (default: 0).
        centered (bool): normalize by the estimated gradient variance (default: False).
        maximize (bool): maximize the objective (default: False).
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                    "centered": centered, "weight_decay": weight_decay,
                    "capturable": capturable, "foreach": foreach, "maximize": maximize,
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
                params, grads, sqs, gavgs, bufs, steps = [], [], [], [], [], []
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    params.append(p)
                    grads.append(p.grad)
                    state = self.state[p]
                    if len(state) == 0:
                        state["step"] = _scalar_state(0.0, p.device)
                        state["square_avg"] = _zeros_like(p)
                        if group["momentum"] > 0:
                            state["momentum_buffer"] = _zeros_like(p)
                        if group["centered"]:
                            state["grad_avg"] = _zeros_like(p)
                    sqs.append(state["square_avg"])
                    steps.append(state["step"])
                    if group["momentum"] > 0:
                        bufs.append(state["momentum_buffer"])
                    if group["centered"]:
                        gavgs.append(state["grad_avg"])
                if params:
                    F.rmsprop(params, grads, sqs, gavgs, bufs, steps, lr=_to_scalar(group["lr"]),
                              alpha=group["alpha"], eps=group["eps"],
                              weight_decay=group["weight_decay"], momentum=group["momentum"],
                              centered=group["centered"], maximize=group["maximize"])
        return loss
