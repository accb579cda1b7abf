"""The autograd engine: chain rule, fan-out, accumulation, retain_graph, freeing, deep graphs,
hooks, autograd.grad with higher-order derivatives, grad modes, custom Functions, gradcheck,
and the errors users hit (each compared with PyTorch where PyTorch defines the behaviour)."""

import gc
import weakref

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import broadcastable_shapes, mutually_broadcastable_shapes

import shendu
from helpers import check, check_error


def test_notes_autograd_example():
    """003 §3.3: w = 1, x = 2, y = w·x, loss = y², dL/dw = 8."""
    w = shendu.tensor([1.0], requires_grad=True)
    x = shendu.tensor([2.0])
    loss = (w * x) ** 2
    loss.backward()
    assert w.grad.tolist() == [8.0]
    assert repr(w.grad) == "tensor([8.])"


def test_notes_chain_rule_formulas():
    """003 §3.3.3: L = (w1 x1 + w2 x2 + b)², dL/dw1 = 2z·x1, dL/dw2 = 2z·x2, dL/db = 2z."""
    x1, x2 = 1.5, -0.5
    w1, w2, b = (shendu.tensor(v, requires_grad=True) for v in (0.8, -1.2, 0.3))
    z = w1 * x1 + w2 * x2 + b
    (z ** 2).backward()
    zv = z.item()
    assert w1.grad.item() == pytest.approx(2 * zv * x1)
    assert w2.grad.item() == pytest.approx(2 * zv * x2)
    assert b.grad.item() == pytest.approx(2 * zv)


def test_fan_out_sums_both_gradients():
    """A value used twice receives the sum of both gradients (the multivariate chain rule)."""
    check(lambda lib, x: x * x + x.exp() * x + x, (5,), second_order=True)


def test_fan_out_through_shared_intermediate():
    def f(lib, x, w):
        h = x @ w
        return (h.relu() * h.sigmoid() + h).sum(0) + h.mean()
    check(f, (4, 3), (3, 5), second_order=True)


def test_gradients_accumulate_across_backward_calls():
    x = shendu.tensor([1.0, 2.0], requires_grad=True)
    for _ in range(3):
        (x * x).sum().backward()
    assert x.grad.tolist() == [6.0, 12.0]
    x.grad = None
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_leaf_grad_is_not_shared_between_leaves():
    """add's backward passes the same gradient to both inputs; each leaf must own its .grad."""
    a = shendu.ones(3, requires_grad=True)
    b = shendu.ones(3, requires_grad=True)
    (a + b).sum().backward()
    a.grad += 1
    assert b.grad.tolist() == [1.0, 1.0, 1.0]
    g = shendu.tensor([1.0, 2.0, 3.0])
    (a * 1).backward(g)
    g += 100
    assert a.grad.tolist() == [3.0, 4.0, 5.0]


def test_retain_graph_and_freed_graph_error():
    x = shendu.tensor([1.0, 2.0], requires_grad=True)
    s = (x * x).sum()
    s.backward(retain_graph=True)
    s.backward()
    assert x.grad.tolist() == [4.0, 8.0]
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        s.backward()
    check_error(lambda lib, x: [s := (x * x).sum(), s.backward(), s.backward()], (3,),
                requires_grad=True, match="retain_graph=True")


def test_graph_without_saved_values_can_be_walked_twice():
    """As in PyTorch, only nodes that saved tensors refuse a second backward."""
    x = shendu.ones(3, requires_grad=True)
    y = x + 1
    y.sum().backward()
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


def test_saved_values_are_freed_after_backward():
    x = shendu.randn(100, requires_grad=True)
    y = (x * 2).exp()              # exp saves its output
    ref = weakref.ref(y._data)
    s = y.sum()
    del y
    gc.collect()
    assert ref() is not None       # held by the graph until backward
    s.backward()
    gc.collect()
    assert ref() is None


def test_unused_graph_frees_itself_without_cycles():
    """Nodes never reference their own outputs, so dropping the result frees the graph by
    reference counting alone (no garbage-collector pass needed)."""
    gc.disable()
    try:
        x = shendu.randn(50, requires_grad=True)
        y = x.exp().sigmoid().tanh().softmax(0)
        ref = weakref.ref(y._data)
        node_ref = weakref.ref(y.grad_fn)
        del y
        assert ref() is None and node_ref() is None
    finally:
        gc.enable()


def test_deep_chain_has_no_recursion_limit():
    x = shendu.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.backward()
    assert x.grad.item() == pytest.approx(1.0001 ** 10_000, rel=1e-3)


def test_backward_of_non_scalar_needs_gradient():
    check_error(lambda lib, x: (x * 2).backward(), (3,), requires_grad=True,
                match="only for scalar outputs")
    x = shendu.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * 2).backward(shendu.tensor([1.0, 0.0, -1.0]))
    assert x.grad.tolist() == [2.0, 0.0, -2.0]
    check_error(lambda lib, x: (x * 2).backward(lib.ones(2)), (3,), requires_grad=True,
                match="shape")


def test_backward_on_tensor_without_grad():
    check_error(lambda lib, x: (x * 2).sum().backward(), (3,),
                match="does not require grad")


def test_integer_tensor_cannot_require_grad():
    check_error(lambda lib, x: x.long().requires_grad_(), (3,), match="floating point")
    with pytest.raises(RuntimeError, match="floating point"):
        shendu.tensor([1, 2], requires_grad=True)


def test_requires_grad_flags_on_non_leaf():
    check_error(lambda lib, x: (x * 2).requires_grad_(False), (3,), requires_grad=True,
                match="leaf")


def test_leaf_and_non_leaf_state():
    x = shendu.randn(3, requires_grad=True)
    y = x * 2
    assert x.is_leaf and not y.is_leaf and x.grad_fn is None
    assert y.grad_fn.name() == "MulBackward0"
    nxt = y.grad_fn.next_functions
    assert nxt[0][0].name() == "AccumulateGrad" and nxt[0][0].variable is x
    assert shendu.randn(2).is_leaf
    y.sum().backward()
    assert y.grad is None


def test_detach_shares_memory_and_version():
    x = shendu.randn(3, requires_grad=True)
    d = x.detach()
    assert not d.requires_grad
    with shendu.no_grad():
        x.add_(1)
    assert d._version == x._version == 1
    np.testing.assert_array_equal(d.numpy(), x.detach().numpy())


def test_grad_dtype_follows_input_dtype():
    """float32 x times a 0-d float64 tensor gives float32; each input gets its own dtype."""
    def f(lib, x, s):
        return x * s
    check(f, (3,), np.array(2.5, np.float64))


# ----- hooks -----------------------------------------------------------------------------------

def test_hooks_modify_gradients_like_torch():
    def run(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 2
        seen = []
        x.register_hook(lambda g: g * 10)
        y.register_hook(lambda g: seen.append(g.tolist()))
        y.register_hook(lambda g: g + 1)
        (y * y).sum().backward()
        return x.grad.tolist(), seen
    assert run(shendu) == run(torch)


def test_hook_results_and_removal():
    for lib in (shendu, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        h = x.register_hook(lambda g: g * 3)
        (x * x).sum().backward()
        assert x.grad.tolist() == [6.0, 12.0]
        h.remove()
        x.grad = None
        (x * x).sum().backward()
        assert x.grad.tolist() == [2.0, 4.0]


def test_retain_grad_on_non_leaf():
    for lib in (shendu, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 3
        y.retain_grad()
        z = y * y
        z.sum().backward(retain_graph=True)
        assert y.grad.tolist() == [6.0, 12.0]
        z.sum().backward()
        assert y.grad.tolist() == [12.0, 24.0]
        assert y.retains_grad


def test_hook_on_tensor_without_grad():
    check_error(lambda lib, x: x.register_hook(lambda g: g), (3,), match="doesn't require")


# ----- autograd.grad and higher-order derivatives ----------------------------------------------

def test_grad_returns_gradients_without_touching_dot_grad():
    x = shendu.tensor([1.0, 2.0], requires_grad=True)
    w = shendu.tensor([3.0, 4.0], requires_grad=True)
    y = (x * w).sum()
    gx, = shendu.autograd.grad(y, x)
    assert gx.tolist() == [3.0, 4.0]
    assert x.grad is None and w.grad is None


def test_grad_of_non_leaf_input_and_unused():
    x = shendu.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    u = shendu.tensor([1.0], requires_grad=True)
    y = (h * h).sum()
    gh, gu = shendu.autograd.grad(y, [h, u], allow_unused=True, retain_graph=True)
    assert gh.tolist() == [4.0, 8.0] and gu is None
    with pytest.raises(RuntimeError, match="not have been used in the graph"):
        shendu.autograd.grad(y, [u], retain_graph=True)
    gu, = shendu.autograd.grad(y, [u], materialize_grads=True)
    assert gu.tolist() == [0.0]


def test_higher_order_derivatives_of_tanh():
    """dⁿ/dxⁿ tanh(x) for n = 1..4 through create_graph (DeZero's classic example)."""
    for lib in (shendu, torch):
        x = lib.tensor([0.3, -1.2, 2.0], requires_grad=True)
        y = x.tanh()
        ders = []
        for _ in range(4):
            (y,) = lib.autograd.grad(y.sum(), x, create_graph=True)
            ders.append(y.detach().numpy().copy())
        if lib is shendu:
            ours = ders
        else:
            theirs = ders
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_gradient_penalty_style_double_backward():
    """A WGAN-GP style term: ‖∂D/∂x‖² is differentiated with respect to D's weights."""
    def f(lib, x, w1, w2):
        h = (x @ w1).tanh() @ w2
        (g,) = lib.autograd.grad(h.sum(), x, create_graph=True)
        return ((g * g).sum(1) - 1).pow(2).mean()
    check(f, (4, 3), (3, 5), (5, 1))


def test_newton_step_with_second_derivative():
    """Minimise f(x) = x⁴ − 2x² by Newton's method using autograd for f' and f''."""
    x = shendu.tensor(2.0, requires_grad=True)
    for _ in range(10):
        y = x ** 4 - 2 * x ** 2
        (g,) = shendu.autograd.grad(y, x, create_graph=True)
        (h,) = shendu.autograd.grad(g, x)
        with shendu.no_grad():
            x -= g / h
    assert x.item() == pytest.approx(1.0, abs=1e-6)


def test_create_graph_leaves_grad_with_history():
    for lib in (shendu, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        (x ** 3).sum().backward(create_graph=True)
        assert x.grad.requires_grad
        assert x.grad.tolist() == [3.0, 12.0]
        (g2,) = lib.autograd.grad(x.grad.sum(), x)
        assert g2.tolist() == [6.0, 12.0]


def test_backward_inputs_argument():
    for lib in (shendu, torch):
        a = lib.tensor([1.0], requires_grad=True)
        b = lib.tensor([2.0], requires_grad=True)
        (a * b).sum().backward(inputs=[a])
        assert a.grad.tolist() == [2.0] and b.grad is None


# ----- grad mode -------------------------------------------------------------------------------

def test_grad_modes():
    x = shendu.ones(2, requires_grad=True)
    with shendu.no_grad():
        assert not (x * 2).requires_grad
        with shendu.enable_grad():
            assert (x * 2).requires_grad
        assert not shendu.is_grad_enabled()
    assert shendu.is_grad_enabled()

    @shendu.no_grad()
    def f():
        return x * 2
    assert not f().requires_grad and shendu.is_grad_enabled()

    shendu.set_grad_enabled(False)
    assert not (x * 2).requires_grad
    shendu.set_grad_enabled(True)
    with shendu.set_grad_enabled(False):
        assert not shendu.is_grad_enabled()
    assert shendu.is_grad_enabled()
    with shendu.inference_mode():
        assert not (x * 2).requires_grad


# ----- custom Functions ------------------------------------------------------------------------

class Exp(shendu.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y


class ScaledAdd(shendu.autograd.Function):
    """(x, y, alpha) -> x + alpha·y, with a non-tensor argument."""

    @staticmethod
    def forward(ctx, x, y, alpha):
        ctx.alpha = alpha
        assert ctx.needs_input_grad == (True, False, False)
        return x + alpha * y

    @staticmethod
    def backward(ctx, g):
        return g, g * ctx.alpha, None


def test_custom_function_forward_backward_and_double_backward():
    x = shendu.tensor([0.5, -1.0], requires_grad=True)
    y = Exp.apply(x)
    assert y.grad_fn.name() == "ExpBackward"
    (g,) = shendu.autograd.grad(y.sum(), x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), np.exp([0.5, -1.0]), rtol=1e-6)
    (g2,) = shendu.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(g2.numpy(), np.exp([0.5, -1.0]), rtol=1e-6)


def test_custom_function_saving_its_output_has_no_cycle():
    gc.disable()
    try:
        x = shendu.randn(10, requires_grad=True)
        y = Exp.apply(x)
        ref = weakref.ref(y.grad_fn)
        del y
        assert ref() is None
    finally:
        gc.enable()


def test_custom_function_in_place_change_of_saved_output_is_detected():
    x = shendu.randn(3, requires_grad=True)
    y = Exp.apply(x)
    with shendu.no_grad():
        y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_custom_function_non_tensor_args_and_errors():
    x = shendu.ones(2, requires_grad=True)
    y = shendu.ones(2)
    ScaledAdd.apply(x, y, 3.0).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]

    class Wrong(shendu.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        Wrong.apply(x, shendu.ones(2, requires_grad=True)).sum().backward()


def test_once_differentiable_raises_on_double_backward():
    class Square(shendu.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @shendu.autograd.once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * g * x

    x = shendu.tensor([3.0], requires_grad=True)
    (g,) = shendu.autograd.grad(Square.apply(x).sum(), x, create_graph=True)
    assert g.tolist() == [6.0]
    with pytest.raises(RuntimeError, match="not differentiable"):
        g.sum().backward()


def test_mark_non_differentiable():
    class SortIdx(shendu.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            idx = shendu.tensor(np.argsort(x.detach().numpy()).astype(np.float32))
            ctx.mark_non_differentiable(idx)
            return x * 2, idx

        @staticmethod
        def backward(ctx, g, g_idx):
            return g * 2

    x = shendu.tensor([3.0, 1.0], requires_grad=True)
    y, idx = SortIdx.apply(x)
    assert y.requires_grad and not idx.requires_grad
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


# ----- gradcheck -------------------------------------------------------------------------------

def test_gradcheck_accepts_correct_and_rejects_wrong_gradients():
    x = shendu.randn(3, 4, dtype=shendu.float64, requires_grad=True)
    w = shendu.randn(4, 2, dtype=shendu.float64, requires_grad=True)
    assert shendu.autograd.gradcheck(lambda a, b: (a @ b).tanh().softmax(1), (x, w))
    assert shendu.autograd.gradcheck(lambda a, b: (a @ b).sigmoid(), (x, w), fast_mode=True)
    assert shendu.autograd.gradgradcheck(lambda a: (a * a).exp().sum(1), (x,))

    class BadSquare(shendu.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * a

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return 3 * g * a           # wrong: should be 2

    with pytest.raises(shendu.autograd.GradcheckError, match="Jacobian mismatch"):
        shendu.autograd.gradcheck(BadSquare.apply, (x,))
    assert not shendu.autograd.gradcheck(BadSquare.apply, (x,), raise_exception=False)
    with pytest.raises(shendu.autograd.GradcheckError):
        shendu.autograd.gradcheck(BadSquare.apply, (x,), fast_mode=True)


# ----- in-place changes and autograd -----------------------------------------------------------

def test_in_place_change_of_saved_output_raises_at_backward():
    check_error(lambda lib, x: [y := x.exp(), y.add_(1), y.sum().backward()], (3,),
                requires_grad=True, match="modified by an inplace operation")


def test_in_place_change_of_saved_input_raises_at_backward():
    def f(lib, x):
        h = x * 1
        y = h.sin()                # sin saves its input h
        h.mul_(2)
        y.sum().backward()
    check_error(f, (3,), requires_grad=True, match="modified by an inplace operation")


def test_in_place_on_leaf_requiring_grad():
    check_error(lambda lib, x: x.add_(1), (3,), requires_grad=True, match="leaf Variable")
    for lib in (shendu, torch):
        x = lib.ones(3, requires_grad=True)
        with lib.no_grad():
            x.mul_(2).add_(1)
            x -= 0.5
        assert x.tolist() == [2.5, 2.5, 2.5] and x.is_leaf and x.requires_grad


def test_in_place_ops_on_non_leaf_are_recorded():
    def f(lib, x, w):
        y = x * w
        y.mul_(w * 2)
        y.add_(w, alpha=2)
        y.clamp_(min=-1.0)
        y[0] = y[1] * 3
        y += x
        y.sigmoid_()
        return y
    check(f, (4, 3), (3,))


def test_setitem_mask_and_in_place_without_grad():
    for lib in (shendu, torch):
        x = lib.tensor([[1.0, -2.0], [-3.0, 4.0]])
        x[x < 0] = 0
        x[:, 1] += 1
        assert x.tolist() == [[1.0, 1.0], [0.0, 5.0]]
        assert x._version == 3


def test_in_place_through_views_is_recorded():
    """PyTorch's CopySlices: writing through a view updates the base's history."""
    def f(lib, x, w):
        h = x * w
        h[:, 0] += 1
        h[1] *= 3
        v = h[:, 1:]
        v.mul_(w[1:])
        h[0, 0] = w[0] * 5
        return h
    check(f, (3, 4), (4,), second_order=True)

    def into_zeros(lib, x, y):
        z = lib.zeros(3, 4)
        z[1:, ::2] = y
        z[0].add_(x)
        return z
    check(into_zeros, (4,), (2, 2), second_order=True)

    def transposed(lib, x):
        h = x * 2
        t = h.T
        t[0].zero_()
        return h.sum(0) + t.sum(1)
    check(transposed, (3, 4))


def test_views_see_later_in_place_changes_of_their_base():
    def f(lib, x):
        h = x * 2
        col = h[:, 1]          # taken before the base changes
        h.mul_(3)              # so its grad_fn must be rebuilt from the new base
        return col * h[0, 0]
    check(f, (3, 4), second_order=True)


def test_in_place_on_one_piece_of_a_split():
    """PyTorch refuses this; shendu records it, checked by finite differences."""
    def f(x):
        h = x * 1
        a, b = h.split(2, 1)
        b.add_(a * 3)
        return h
    x = shendu.randn(3, 4, dtype=shendu.float64, requires_grad=True)
    assert shendu.autograd.gradcheck(f, (x,))


def test_in_place_on_a_view_of_a_leaf():
    check_error(lambda lib, x: x[0].add_(1), (3, 4), requires_grad=True, match="view of a leaf")
    with pytest.raises(RuntimeError, match="more than one element"):
        h = shendu.randn(3, requires_grad=True) * 1
        h.expand(2, 3).add_(1)


def test_in_place_makes_constant_part_of_graph():
    """x (no grad) += w (requires grad): x becomes a non-leaf with w in its history."""
    for lib in (shendu, torch):
        x = lib.zeros(2)
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        x += w * 3
        assert x.requires_grad and not x.is_leaf
        x.sum().backward()
        assert w.grad.tolist() == [3.0, 3.0]


# ----- broadcasting, drawn by hypothesis -------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(shapes=broadcastable_shapes(shape=(3, 4, 5), min_dims=0, max_dims=4, min_side=1),
       op=st.sampled_from(["add", "mul", "div", "maximum", "where", "sub"]))
def test_broadcast_gradients_are_summed_back(shapes, op):
    fns = {
        "add": lambda lib, a, b: a + b,
        "sub": lambda lib, a, b: a - b,
        "mul": lambda lib, a, b: a * b,
        "div": lambda lib, a, b: a / (b.abs() + 0.5),
        "maximum": lambda lib, a, b: lib.maximum(a, b),
        "where": lambda lib, a, b: lib.where(a > b, a, b * 2),
    }
    check(fns[op], (3, 4, 5), shapes)


@settings(max_examples=25, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=4))
def test_three_way_broadcast(shapes):
    check(lambda lib, a, b, c: a * b + c, *shapes.input_shapes)


def test_zero_dim_and_empty_tensors():
    check(lambda lib, a, b: a * b + a, np.array(2.0, np.float32), (3,))
    check(lambda lib, a, b: (a * b).sum(), (0, 3), (3,))
    check(lambda lib, a: a.exp().sum(), (2, 0))


def test_set_num_threads():
    before = shendu.get_num_threads()
    try:
        shendu.set_num_threads(1)
        assert shendu.get_num_threads() == 1
        a = shendu.randn(64, 64)
        np.testing.assert_allclose((a @ a).numpy(), a.numpy() @ a.numpy(), rtol=1e-5)
    finally:
        shendu.set_num_threads(before)
    with pytest.raises(ValueError):
        shendu.set_num_threads(0)
