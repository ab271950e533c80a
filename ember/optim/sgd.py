"""SGD: stochastic gradient descent with optional momentum."""

from ember.autograd.grad_mode import enable_grad
from ember.autograd.grad_mode import no_grad
from ember.optim import _functional as F
from ember.optim.optimizer import Optimizer
from ember.optim.optimizer import _check_fused_foreach
from ember.optim.optimizer import _to_scalar

__all__ = ["SGD", "sgd"]

sgd = F.sgd


class SGD(Optimizer):
    r"""Stochastic gradient descent (optionally with momentum).

    Args:
        params (iterable): parameters or parameter groups to optimize.
        lr (float): learning rate (default: 1e-3).
        momentum (float): momentum factor (default: 0).
        dampening (float): dampening for momentum (default: 0).
        weight_decay (float): L2 penalty (default: 0).
        nesterov (bool): use Nesterov momentum (default: False).
        maximize (bool): maximize the objective instead of minimizing (default: False).
        foreach, differentiable, fused: accepted for compatibility; ember has one implementation.

    Examples::

        >>> opt = ember.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        >>> opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
                 *, maximize=False, foreach=None, differentiable=False, fused=None):
        if hasattr(lr, "numel") and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
                    "foreach": foreach, "differentiable": differentiable, "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)
        _check_fused_foreach(fused, foreach, differentiable)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("nesterov", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("differentiable", False)
            group.setdefault("fused", False)

    def step(self, closure=None):
        """Perform one optimization step; `closure` re-evaluates the loss (optional)."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                params, grads, bufs = [], [], []
                for p in group["params"]:
                    if p.grad is not None:
                        params.append(p)
                        grads.append(p.grad)
                        if group["momentum"] != 0:
                            bufs.append(self.state[p].get("momentum_buffer"))
                if not params:
                    continue
                F.sgd(params, grads, bufs, weight_decay=group["weight_decay"],
                      momentum=group["momentum"], lr=_to_scalar(group["lr"]),
                      dampening=group["dampening"], nesterov=group["nesterov"],
                      maximize=group["maximize"])
                if group["momentum"] != 0:
                    for p, buf in zip(params, bufs):
                        self.state[p]["momentum_buffer"] = buf
        return loss
