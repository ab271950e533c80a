"""Tensor and node hooks, in-place ops on non-leaves and views (CopySlices, view grad_fn
regeneration), saved-tensor version checks, and their errors, against torch."""

import pytest

from tests.autograd._both import run_both
from tests.autograd._both import version


def test_hook_order_and_replacement():
    def prog(L):
        log = []
        x = L.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.register_hook(lambda g: log.append(("h1", g.tolist())) or g * 2)
        y.retain_grad()
        y.register_hook(lambda g: log.append(("h2", g.tolist())))
        y.grad_fn.register_prehook(lambda go: log.append(("pre", go[0].tolist())))
        y.grad_fn.register_hook(
            lambda gi, go: log.append(("post", gi[0].tolist(), go[0].tolist())))
        x.register_hook(lambda g: log.append(("xh", g.tolist())))
        x.register_post_accumulate_grad_hook(lambda t: log.append(("acc", t.grad.tolist())))
        y.sum().backward()
        return log, y.grad, x.grad

    run_both(prog)


def test_node_hooks_replace_gradients_and_check_count():
    def prog(L):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        w = L.tensor([3.0, 4.0], requires_grad=True)
        y = x * w
        y.grad_fn.register_prehook(lambda go: (go[0] + 1,))
        y.grad_fn.register_hook(lambda gi, go: (gi[0] * 10, gi[1]))
        y.sum().backward()
        return x.grad, w.grad

    run_both(prog)

    def bad(L):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        y = x * L.tensor([3.0, 4.0], requires_grad=True)
        y.grad_fn.register_hook(lambda gi, go: (gi[0],))
        y.sum().backward()

    run_both(bad)


def test_removable_handles_and_leaf_hooks():
    def prog(L):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        h = x.register_hook(lambda g: g * 100)
        h.remove()
        x.register_hook(lambda g: g * 2)
        (x * 3).sum().backward()
        y = x * 1
        hn = y.grad_fn.register_hook(lambda gi, go: (gi[0] * 0,))
        hn.remove()
        y.sum().backward()
        return x.grad

    run_both(prog)


@pytest.mark.parametrize("case", ["noreq", "post_nonleaf"])
def test_hook_errors(case):
    def prog(L):
        if case == "noreq":
            L.ones(2).register_hook(lambda g: g)
        else:
            (L.ones(2, requires_grad=True) * 2).register_post_accumulate_grad_hook(lambda t: 0)

    run_both(prog)


def test_retain_grad_cases():
    def prog(L):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        x.retain_grad()
        y = x * 2
        y.retain_grad()
        z = y * 1
        z.retain_grad()
        z.mul_(3)  # retain_grad follows z to its in-place node
        z.sum().backward()
        return y.grad, z.grad, x.retains_grad, y.retains_grad, z.grad_fn.name()

    run_both(prog)


def test_inplace_on_non_leaf_rebases_history():
    def prog(L):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.add_(1)
        n1 = y.grad_fn.name()
        y.mul_(y)
        y.sum().backward()
        return n1, y.grad_fn.name(), x.grad, version(y)

    run_both(prog)


def test_inplace_on_view_copyslices():
    def prog(L):
        x = L.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
        y = x * 1
        v = y[1:3]
        v.mul_(5)
        g = L.autograd.grad(y.sum() + (v * v).sum(), x)[0]
        return y.grad_fn.name().split("::")[-1], v.grad_fn.name(), g

    run_both(prog)


def test_view_of_view_grad_fn_is_regenerated():
    # the known bug: `a` kept its stale SliceBackward0 after b (a view of a) was written
    def prog(L):
        x = L.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], requires_grad=True)
        y = x * 1
        a = y[1:5]
        b = a[1:3]
        b.mul_(10)
        g = L.autograd.grad((a * L.arange(4.0)).sum(), x)[0]
        return a.grad_fn.name(), b.grad_fn.name(), g

    run_both(prog)

    def transposed(L):
        x = L.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        y = x * 1
        a = y.t()
        a[1].mul_(10)
        return a.grad_fn.name(), L.autograd.grad((a * L.arange(6.0).reshape(3, 2)).sum(), x)

    run_both(transposed)


def test_view_after_base_inplace():
    def prog(L):
        x = L.ones(4, requires_grad=True)
        y = x * 1
        v = y[:2]
        y.mul_(3)
        return v.grad_fn.name(), L.autograd.grad(v.sum(), x)[0]

    run_both(prog)


@pytest.mark.parametrize("op", ["unbind", "split", "chunk", "split_sizes"])
def test_multi_output_view_inplace_error(op):
    def prog(L):
        x = L.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        y = x * 1
        pieces = {"unbind": lambda: y.unbind(), "split": lambda: y.split(1),
                  "chunk": lambda: y.chunk(2), "split_sizes": lambda: y.split([1, 1])}[op]()
        pieces[1].mul_(2)

    run_both(prog)

    def no_grad_ok(L):
        x = L.tensor([[1.0, 2.0], [3.0, 4.0]])
        a, b = x.unbind()
        a.mul_(2)
        return x

    run_both(no_grad_ok)


def test_leaf_view_and_no_grad_view_errors():
    def leaf_view(L):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        x[0].mul_(2)

    run_both(leaf_view)

    def no_grad_view(L):
        x = L.tensor([1.0, 2.0], requires_grad=True) * 1
        with L.no_grad():
            v = x[:1]
        v.mul_(2)

    run_both(no_grad_view)

    def leaf_view_in_no_grad(L):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        with L.no_grad():
            x[0:1].mul_(2)
        (x * 2).sum().backward()
        return x, x.grad

    run_both(leaf_view_in_no_grad)


def test_detach_shares_memory_and_version():
    def prog(L):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        d = y.detach()
        d.add_(1)
        return y, d.requires_grad, version(y), version(d)

    run_both(prog)

    def saved_then_detached_write(L):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        y = x.exp()
        z = y.sum() * y.sum()
        y.detach().zero_()
        z.backward()

    run_both(saved_then_detached_write)


@pytest.mark.parametrize("which", ["input", "output"])
def test_saved_tensor_modified_inplace_message(which):
    def prog(L):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        if which == "input":
            y = x * 1
            z = (y * L.tensor([1.0, 2.0], requires_grad=True)).sum()
            y.add_(1)
            z.backward()
        else:
            y = x.exp()
            y.add_(1)
            y.sum().backward()

    run_both(prog)


def test_setitem_into_plain_buffer():
    def prog(L):
        buf = L.zeros(2, 3)
        w = L.ones(3, requires_grad=True)
        buf[0] = w * 2
        buf[1:, 1:].add_(w[:2])
        (buf * L.arange(6.0).reshape(2, 3)).sum().backward()
        return buf.grad_fn.name().split("::")[-1], buf[0].grad_fn.name(), w.grad

    run_both(prog)


def test_grad_api_errors_and_options():
    def unused(L):
        x = L.ones(2, requires_grad=True)
        z = L.ones(2, requires_grad=True)
        return L.autograd.grad((x * 2).sum(), [x, z])

    run_both(unused)

    def batched(L):
        x = L.ones(3, requires_grad=True)
        y = x * L.tensor([1.0, 2.0, 3.0])
        return L.autograd.grad(y, x, L.eye(3), is_grads_batched=True)

    run_both(batched)

    def inputs_kw(L):
        x = L.ones(2, requires_grad=True)
        z = L.ones(2, requires_grad=True)
        (x * z * 2).sum().backward(inputs=[x])
        return x.grad, z.grad is None

    run_both(inputs_kw)
