"""Stochastic weight averaging and EMA: AveragedModel, SWALR, update_bn."""

import itertools
import math
import warnings
from copy import deepcopy

from ember.autograd.grad_mode import no_grad
from ember.nn.modules.module import Module
from ember.optim.lr_scheduler import LRScheduler
from ember.optim.lr_scheduler import _per_group

__all__ = ["AveragedModel", "update_bn", "SWALR", "get_ema_multi_avg_fn",
           "get_swa_multi_avg_fn", "get_ema_avg_fn", "get_swa_avg_fn"]


def _check_decay(decay):
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] "
                         "range.")


def _lerp_list(avg, cur, weight):
    for a, c in zip(avg, cur):
        arr = a._data
        arr += (c._data - arr) * weight
        a._version[0] += 1


def get_ema_multi_avg_fn(decay=0.999):
    """An in-place EMA update over lists of tensors: ema = decay * ema + (1 - decay) * p."""
    _check_decay(decay)

    def ema_update(ema_list, current_list, _):
        with no_grad():
            if ema_list[0].is_floating_point() or ema_list[0].is_complex():
                _lerp_list(ema_list, current_list, 1 - decay)
            else:
                for e, c in zip(ema_list, current_list):
                    e.copy_(e * decay + c * (1 - decay))

    return ema_update


def get_swa_multi_avg_fn():
    """An in-place running-mean update over lists of tensors."""

    def swa_update(avg_list, current_list, num_averaged):
        with no_grad():
            n = float(num_averaged)
            if avg_list[0].is_floating_point() or avg_list[0].is_complex():
                _lerp_list(avg_list, current_list, 1 / (n + 1))
            else:
                for a, c in zip(avg_list, current_list):
                    a.copy_(a + (c - a) / (num_averaged + 1))

    return swa_update


def get_ema_avg_fn(decay=0.999):
    """EMA of one tensor: returns decay * ema + (1 - decay) * current."""
    _check_decay(decay)

    def ema_update(ema_param, current_param, num_averaged):
        with no_grad():
            return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn():
    """Running mean of one tensor."""

    def swa_update(averaged_param, current_param, num_averaged):
        with no_grad():
            return averaged_param + (current_param - averaged_param) / (num_averaged + 1)

    return swa_update


class AveragedModel(Module):
    r"""A copy of a model whose parameters hold a running average (SWA by default, or any
    ``avg_fn`` / ``multi_avg_fn`` such as EMA) of another model's parameters.

    Args:
        model (Module): the model to average.
        device: where to keep the averaged copy (default: the model's device).
        avg_fn: ``avg_fn(averaged, current, num_averaged) -> new averaged`` per tensor.
        multi_avg_fn: in-place update over lists of tensors.
        use_buffers (bool): average buffers too instead of copying them (default: False).
    """

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        from ember._ops.creation import tensor

        self.register_buffer("n_averaged", tensor(0, dtype=_long(), device=device))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def update_parameters(self, model):
        """Fold `model`'s current parameters into the average."""
        if self.use_buffers:
            mine = itertools.chain(self.module.parameters(), self.module.buffers())
            theirs = itertools.chain(model.parameters(), model.buffers())
        else:
            mine, theirs = self.parameters(), model.parameters()
        n = int(self.n_averaged.item())
        avg_list, cur_list = [], []
        with no_grad():
            for pa, pm in zip(mine, theirs):
                cur = pm.detach().to(pa.device)
                avg_list.append(pa.detach())
                cur_list.append(cur)
                if n == 0:
                    pa.detach().copy_(cur)
            if n > 0:
                if self.avg_fn is None:
                    fn = self.multi_avg_fn or get_swa_multi_avg_fn()
                    fn(avg_list, cur_list, self.n_averaged)
                else:
                    for a, c in zip(avg_list, cur_list):
                        a.copy_(self.avg_fn(a, c, self.n_averaged))
            if not self.use_buffers:
                for bs, bm in zip(self.module.buffers(), model.buffers()):
                    bs.detach().copy_(bm.detach().to(bs.device))
            self.n_averaged.add_(1)


def _long():
    from ember import _dtype

    return _dtype.int64


def update_bn(loader, model, device=None):
    """Recompute BatchNorm running statistics with one pass over `loader`."""
    from ember.nn.modules import batchnorm

    base = getattr(batchnorm, "_BatchNorm", None)
    with no_grad():
        momenta = {}
        for m in model.modules():
            if base is not None and isinstance(m, base):
                m.reset_running_stats()
                momenta[m] = m.momentum
        if not momenta:
            return
        was_training = model.training
        model.train()
        for m in momenta:
            m.momentum = None
        for batch in loader:
            if isinstance(batch, (list, tuple)):
                batch = batch[0]
            if device is not None:
                batch = batch.to(device)
            model(batch)
        for m, mom in momenta.items():
            m.momentum = mom
        model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's lr to a fixed swa_lr over anneal_epochs, then hold it."""

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos",
                 last_epoch=-1):
        for lr, group in zip(_per_group("swa_lr", optimizer, swa_lr), optimizer.param_groups):
            group["swa_lr"] = lr
        if anneal_strategy not in ["cos", "linear"]:
            raise ValueError("anneal_strategy must be one of 'cos' or 'linear', instead got "
                             f"{anneal_strategy}")
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t):
        return t

    @staticmethod
    def _cosine_anneal(t):
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha):
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self):
        if not self._get_lr_called_within_step:
            warnings.warn("To get the last learning rate computed by the scheduler, please use "
                          "`get_last_lr()`.", UserWarning, stacklevel=2)
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        span = max(1, self.anneal_epochs)
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / span)))
        prev_lrs = [self._get_initial_lr(g["lr"], g["swa_lr"], prev_alpha)
                    for g in self.optimizer.param_groups]
        alpha = self.anneal_func(max(0, min(1, step / span)))
        return [g["swa_lr"] * alpha + lr * (1 - alpha)
                for g, lr in zip(self.optimizer.param_groups, prev_lrs)]

    def _set_anneal_func(self, strategy):
        self._anneal_strategy = strategy
        self.anneal_func = self._cosine_anneal if strategy == "cos" else self._linear_anneal

    def state_dict(self):
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)


