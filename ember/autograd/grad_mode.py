"""Grad-mode switches: no_grad, enable_grad, set_grad_enabled, inference_mode."""

import functools


class _GradState:
    # one process-wide flag, read on every op (Function.apply tests it once)
    enabled = True
    inference = False


def is_grad_enabled():
    """Whether gradient recording is on."""
    return _GradState.enabled


def is_inference_mode_enabled():
    return _GradState.inference


class _DecoratorContextManager:
    """Base for switches usable both as ``with`` blocks and as function decorators."""

    def __call__(self, func):
        if isinstance(func, type):
            raise TypeError("grad-mode decorators apply to functions, not classes")

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.clone():
                return func(*args, **kwargs)

        return wrapper

    def clone(self):
        return self.__class__()


class no_grad(_DecoratorContextManager):
    """Context manager and decorator that disables gradient recording."""

    def __enter__(self):
        self.prev = _GradState.enabled
        _GradState.enabled = False

    def __exit__(self, *exc):
        _GradState.enabled = self.prev


class enable_grad(_DecoratorContextManager):
    """Context manager and decorator that enables gradient recording."""

    def __enter__(self):
        self.prev = _GradState.enabled
        _GradState.enabled = True

    def __exit__(self, *exc):
        _GradState.enabled = self.prev


class set_grad_enabled(_DecoratorContextManager):
    """Sets gradient recording on or off; works as a function, context manager or decorator."""

    def __init__(self, mode):
        self.prev = _GradState.enabled
        self.mode = bool(mode)
        _GradState.enabled = self.mode

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        _GradState.enabled = self.prev

    def clone(self):
        return self.__class__(self.mode)


class inference_mode(_DecoratorContextManager):
    """Like no_grad; tensors made inside are marked as inference tensors."""

    def __init__(self, mode=True):
        self.mode = mode

    def __call__(self, func=None):
        if func is None or isinstance(func, bool):
            return inference_mode(True if func is None else func)
        return super().__call__(func)

    def __enter__(self):
        self.prev = (_GradState.enabled, _GradState.inference)
        if self.mode:
            _GradState.enabled = False
            _GradState.inference = True

    def __exit__(self, *exc):
        _GradState.enabled, _GradState.inference = self.prev

    def clone(self):
        return self.__class__(self.mode)
