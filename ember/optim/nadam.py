"""NAdam: Adam with Nesterov momentum."""

from ember.autograd.grad_mode import enable_grad
from ember.autograd.grad_mode import no_grad
from ember.optim import _functional as F
from ember.optim.adam import _check_betas
from ember.optim.optimizer import Optimizer
from ember.optim.optimizer import _check_lr
from ember.optim.optimizer import _scalar_state
from ember.optim.optimizer import _to_scalar
from ember.optim.optimizer import _zeros_like

__all__ = ["NAdam", "nadam"]

nadam = F.nadam


class NAdam(Optimizer):
    r"""NAdam.

    Args:
        params (iterable): parameters or parameter groups to optimize.
        lr (float): learning rate (default: 2e-3).
        betas (Tuple[float, float]): decay rates (default: (0.9, 0.999)).
        eps (float): added to the denominator (default: 1e-8).
        weight_decay (float): weight decay (default: 0).
        momentum_decay (float): momentum decay psi (default: 4e-3).
        decoupled_weight_decay (bool): AdamW-style decay (default: False).
        maximize (bool): maximize the objective (default: False).
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_betas(betas)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay,
                    "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize,
                    "foreach": foreach, "capturable": capturable,
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
                params, grads, ms, vs, mus, steps = [], [], [], [], [], []
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    params.append(p)
                    grads.append(p.grad)
                    state = self.state[p]
                    if len(state) == 0:
                        state["step"] = _scalar_state(0.0, p.device)
                        state["mu_product"] = _scalar_state(1.0, p.device)
                        state["exp_avg"] = _zeros_like(p)
                        state["exp_avg_sq"] = _zeros_like(p)
                    ms.append(state["exp_avg"])
                    vs.append(state["exp_avg_sq"])
                    mus.append(state["mu_product"])
                    steps.append(state["step"])
                if params:
                    beta1, beta2 = group["betas"]
                    F.nadam(params, grads, ms, vs, mus, steps, beta1=beta1, beta2=beta2,
                            lr=_to_scalar(group["lr"]), weight_decay=group["weight_decay"],
                            momentum_decay=group["momentum_decay"], eps=group["eps"],
                            decoupled_weight_decay=group["decoupled_weight_decay"],
                            maximize=group["maximize"])
        return loss
