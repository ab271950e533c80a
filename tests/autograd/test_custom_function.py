"""Custom autograd.Function subclasses behave as torch's (oracle: same grads, names, errors)."""

import pytest
import torch

import ember
from tests.autograd._both import run_both
from tests.autograd._both import version


def test_ctx_style_save_and_non_tensor_arg():
    def prog(L):
        class Exp(L.autograd.Function):
            @staticmethod
            def forward(ctx, x, k):
                y = x.exp() * k
                ctx.save_for_backward(y)
                ctx.k = k
                return y

            @staticmethod
            def backward(ctx, g):
                (y,) = ctx.saved_tensors
                return g * y, None

        x = L.tensor([1.0, 2.0], requires_grad=True)
        y = Exp.apply(x, 2.0)
        (y * L.tensor([1.0, 3.0])).sum().backward()
        return x.grad, y.grad_fn.name(), y.grad_fn.needs_input_grad

    assert run_both(prog)[1] == "ExpBackward"


def test_setup_context_style_and_kwargs():
    def prog(L):
        class Mul(L.autograd.Function):
            @staticmethod
            def forward(x, y, scale=2.0):
                return x * y * scale

            @staticmethod
            def setup_context(ctx, inputs, output):
                x, y, scale = inputs
                ctx.save_for_backward(x, y)
                ctx.scale = scale

            @staticmethod
            def backward(ctx, g):
                x, y = ctx.saved_tensors
                return g * y * ctx.scale, g * x * ctx.scale, None

        x = L.tensor([1.0, 2.0], requires_grad=True)
        y = L.tensor([3.0, 4.0], requires_grad=True)
        Mul.apply(x, y, scale=3.0).sum().backward()
        z = Mul.apply(x, y)
        return x.grad, y.grad, z

    run_both(prog)


def test_ctx_style_keyword_argument():
    def prog(L):
        class F(L.autograd.Function):
            @staticmethod
            def forward(ctx, x, k=2):
                return x * k

            @staticmethod
            def backward(ctx, g):
                return g * 2, None

        return F.apply(L.ones(2, requires_grad=True), k=3)

    run_both(prog)


@pytest.mark.parametrize("n", [0, 2])
def test_wrong_number_of_gradients(n):
    def prog(L):
        class F(L.autograd.Function):
            @staticmethod
            def forward(ctx, x, y):
                return x * y

            @staticmethod
            def backward(ctx, g):
                return (g,) * (1 if n == 0 else 3)

        x = L.tensor([1.0], requires_grad=True)
        F.apply(x, x).sum().backward()

    run_both(prog)


def test_extra_none_gradients_are_allowed_and_wrong_shape_raises():
    def prog(L):
        class F(L.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * 2, None, None

        x = L.tensor([1.0, 2.0], requires_grad=True)
        F.apply(x).sum().backward()
        return x.grad

    run_both(prog)

    def bad(L):
        class F(L.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return L.ones(5)

        F.apply(L.tensor([1.0, 2.0], requires_grad=True)).sum().backward()

    run_both(bad)


def test_mark_dirty_inplace_function():
    def prog(L):
        class AddOne(L.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.add_(1)
                ctx.mark_dirty(x)
                return x

            @staticmethod
            def backward(ctx, g):
                return g * 3

        a = L.tensor([1.0, 2.0], requires_grad=True)
        b = a * 1
        c = AddOne.apply(b)
        c.sum().backward()
        return c is b, c.grad_fn.name(), a.grad, version(b), b

    run_both(prog)


def test_mark_dirty_on_leaf_raises():
    def prog(L):
        class AddOne(L.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.add_(1)
                ctx.mark_dirty(x)
                return x

            @staticmethod
            def backward(ctx, g):
                return g

        AddOne.apply(L.tensor([1.0, 2.0], requires_grad=True))

    run_both(prog)


def test_mark_dirty_on_view_rebases_base():
    def prog(L):
        class Double(L.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.mul_(2)
                ctx.mark_dirty(x)
                return x

            @staticmethod
            def backward(ctx, g):
                return g * 2

        a = L.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
        b = a * 1
        Double.apply(b[1:3])
        (b * L.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
        return a.grad, b.grad_fn.name().split("::")[-1]

    run_both(prog)


def test_mark_non_differentiable_and_materialize_grads():
    def prog(L):
        seen = []

        class Sort(L.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                v, i = x.sort()
                ctx.mark_non_differentiable(i)
                ctx.save_for_backward(i)
                return v, i

            @staticmethod
            def backward(ctx, gv, gi):
                seen.append(gi)
                (i,) = ctx.saved_tensors
                r = L.zeros_like(gv)
                r[i] = gv
                return r

        class Two(L.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.set_materialize_grads(False)
                return x * 2, x * 3

            @staticmethod
            def backward(ctx, g1, g2):
                seen.append(g2 is None)
                return g1 * 2

        x = L.tensor([3.0, 1.0, 2.0], requires_grad=True)
        v, i = Sort.apply(x)
        (v * L.tensor([1.0, 2.0, 3.0])).sum().backward()
        a, _ = Two.apply(x)
        a.sum().backward()
        return x.grad, i.requires_grad, v.requires_grad, seen

    run_both(prog)


def test_non_tensor_outputs_and_vjp_alias():
    def prog(L):
        class F(L.autograd.Function):
            @staticmethod
            def forward(ctx, x, n):
                return x * n, n + 1, "s"

            @staticmethod
            def vjp(ctx, g, g2, g3):
                return g * 7, None

        x = L.tensor([1.0], requires_grad=True)
        y, m, s = F.apply(x, 2)
        y.sum().backward()
        return m, s, x.grad

    run_both(prog)


def test_returning_an_input_and_no_grad_inputs():
    def prog(L):
        class F(L.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x

            @staticmethod
            def backward(ctx, g):
                return g * 5

        x = L.tensor([1.0, 2.0], requires_grad=True)
        y = F.apply(x)
        y.sum().backward()
        z = F.apply(L.ones(2))
        return y is x, y._base is x, x.grad, y.grad_fn.name(), z.requires_grad

    run_both(prog)


def test_once_differentiable_double_backward_raises():
    def prog(L):
        class Square(L.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x ** 2

            @staticmethod
            @L.autograd.function.once_differentiable
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return g * 2 * x

        x = L.tensor([1.0, 2.0], requires_grad=True)
        y = Square.apply(x)
        v = L.ones(2, requires_grad=True)
        (g,) = L.autograd.grad(y, x, v, create_graph=True)
        first = g.detach().clone()
        g.sum().backward()
        return first

    run_both(prog)
    with pytest.raises(RuntimeError, match="trying to differentiate twice"):
        prog(ember)


def test_legacy_instance_call_and_saved_after_free():
    def legacy(L):
        class F(L.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x

        F()(L.ones(1))

    run_both(legacy)

    def freed(L):
        class F(L.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g

        y = F.apply(L.ones(2, requires_grad=True))
        y.sum().backward()
        return y.grad_fn.saved_tensors

    run_both(freed)


def test_custom_function_double_backward():
    def prog(L):
        class Cube(L.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x ** 3

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return g * 3 * x ** 2

        x = L.tensor([1.0, 2.0], requires_grad=True)
        (g,) = L.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
        (gg,) = L.autograd.grad(g.sum(), x)
        return g, gg

    run_both(prog)
