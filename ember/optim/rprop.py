"""Rprop: resilient backpropagation."""

from ember.autograd.grad_mode import enable_grad
from ember.autograd.grad_mode import no_grad
from ember.optim import _functional as F
from ember.optim.optimizer import Optimizer
from ember.optim.optimizer import _check_lr
from ember.optim.optimizer import _full_like
from ember.optim.optimizer import _scalar_state
from ember.optim.optimizer import _to_scalar
from ember.optim.optimizer import _zeros_like

__all__ = ["Rprop", "rprop"]

rprop = F.rprop


class Rprop(Optimizer):
    r"""Rprop: each coordinate's step grows while its gradient keeps its sign and shrinks
    when the sign flips; only the gradient's sign is used.

    Args:
        params (iterable): parameters or parameter groups to optimize.
        lr (float): initial step size (default: 1e-2).
        etas (Tuple[float, float]): (etaminus, etaplus) factors (default: (0.5, 1.2)).
        step_sizes (Tuple[float, float]): min and max step sizes (default: (1e-6, 50)).
        maximize (bool): maximize the objective (default: False).
    """

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = {"lr": lr, "etas": etas, "step_sizes": step_sizes, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable,
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
                params, grads, prevs, sizes, steps = [], [], [], [], []
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    params.append(p)
                    grads.append(p.grad)
                    state = self.state[p]
                    if len(state) == 0:
                        state["step"] = _scalar_state(0.0, p.device)
                        state["prev"] = _zeros_like(p)
                        lr = _to_scalar(group["lr"])
                        state["step_size"] = _full_like(p.grad, complex(lr, lr)
                                                        if p.is_complex() else lr)
                    prevs.append(state["prev"])
                    sizes.append(state["step_size"])
                    steps.append(state["step"])
                if params:
                    etaminus, etaplus = group["etas"]
                    smin, smax = group["step_sizes"]
                    F.rprop(params, grads, prevs, sizes, steps, step_size_min=smin,
                            step_size_max=smax, etaminus=etaminus, etaplus=etaplus,
                            maximize=group["maximize"])
        return loss
