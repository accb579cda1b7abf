"""Recurrent layers against PyTorch: RNN (tanh/relu), LSTM (with proj_size), GRU and the cells.

Each model is built in PyTorch, its state_dict loaded into the shendu model, and both run on
the same input: outputs, final states, and the gradients of the input, the initial states and
every weight must agree."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import assert_same, check_error

import shendu
import shendu.nn as snn
from shendu.nn.functional.rnn import rnn_layer

pytestmark = pytest.mark.filterwarnings("ignore:LSTM with projections is not supported")

T, B, IN, H = 5, 3, 4, 6
MODES = [("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("LSTM", {}), ("GRU", {})]
CONFIGS = [
    {},
    {"num_layers": 2},
    {"num_layers": 3, "bias": False},
    {"bidirectional": True},
    {"num_layers": 2, "bidirectional": True, "batch_first": True},
    {"num_layers": 2, "dropout": 0.0, "batch_first": True},
]


def pair(cls: str, *args, seed=0, **kwargs):
    """The same model in both libraries: PyTorch's weights loaded into shendu's."""
    torch.manual_seed(seed)
    t = getattr(torch.nn, cls)(*args, **kwargs)
    s = getattr(snn, cls)(*args, **kwargs)
    s.load_state_dict(t.state_dict())
    return s, t


def arrays(*shapes, seed=1):
    rng = np.random.default_rng(seed)
    return [rng.uniform(-1, 1, s).astype(np.float32) for s in shapes]


def run_both(s_mod, t_mod, x, states=None, atol=1e-5, grad_atol=1e-4):
    """Forward both models on x (and the initial states), compare the outputs; backward with
    random output gradients, compare the gradients of x, the states and every parameter."""
    lstm = isinstance(t_mod, (torch.nn.LSTM, torch.nn.LSTMCell))
    xs = [x] + ([] if states is None else list(states))
    tt = [torch.tensor(a, requires_grad=True) for a in xs]
    st = [shendu.tensor(a, requires_grad=True) for a in xs]

    def call(mod, ts):
        if len(ts) == 1:
            return mod(ts[0])
        hx = tuple(ts[1:]) if lstm else ts[1]
        return mod(ts[0], hx)

    out_t, out_s = call(t_mod, tt), call(s_mod, st)
    flat_t = _flatten(out_t)
    flat_s = _flatten(out_s)
    assert len(flat_s) == len(flat_t)
    for i, (a, b) in enumerate(zip(flat_s, flat_t)):
        assert_same(a, b, atol, atol, f"output {i}")
    rng = np.random.default_rng(7)
    seeds = [rng.standard_normal(tuple(o.shape)).astype(np.float32) for o in flat_t]
    torch.autograd.backward(flat_t, [torch.tensor(g) for g in seeds])
    shendu.autograd.backward(flat_s, [shendu.tensor(g) for g in seeds])
    for i, (a, b) in enumerate(zip(st, tt)):
        assert_same(a.grad, b.grad, grad_atol, grad_atol, f"grad of input {i}")
    t_params = dict(t_mod.named_parameters())
    s_params = dict(s_mod.named_parameters())
    assert list(s_params) == list(t_params)
    for name, p in t_params.items():
        assert_same(s_params[name].grad, p.grad, grad_atol, grad_atol, f"grad of {name}")
    return out_s


def _flatten(out):
    if isinstance(out, (tuple, list)):
        return [o for x in out for o in _flatten(x)]
    return [out]


def _input_shape(kwargs, t=T):
    return (B, t, IN) if kwargs.get("batch_first") else (t, B, IN)


def _state_shapes(cls, kwargs, batch=B):
    d = 2 if kwargs.get("bidirectional") else 1
    n = kwargs.get("num_layers", 1) * d
    h_out = kwargs.get("proj_size") or H
    if cls == "LSTM":
        return [(n, batch, h_out), (n, batch, H)]
    return [(n, batch, H)]


# ----- the layers over whole sequences ------------------------------------------------------

@pytest.mark.parametrize("cls,extra", MODES, ids=["rnn_tanh", "rnn_relu", "lstm", "gru"])
@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "-".join(f"{k}={v}" for k, v in
                                                                    c.items()) or "default")
def test_layer_matches_torch(cls, extra, config):
    kwargs = {**extra, **config}
    s, t = pair(cls, IN, H, **kwargs)
    (x,) = arrays(_input_shape(kwargs))
    run_both(s, t, x)


@pytest.mark.parametrize("cls,extra", MODES, ids=["rnn_tanh", "rnn_relu", "lstm", "gru"])
@pytest.mark.parametrize("config", [{}, {"num_layers": 2, "bidirectional": True},
                                    {"batch_first": True, "num_layers": 2}],
                         ids=["default", "2-layer-bidirectional", "batch_first"])
def test_initial_states_given(cls, extra, config):
    kwargs = {**extra, **config}
    s, t = pair(cls, IN, H, **kwargs)
    x, *states = arrays(_input_shape(kwargs), *_state_shapes(cls, kwargs))
    run_both(s, t, x, states)


@pytest.mark.parametrize("cls,extra", MODES, ids=["rnn_tanh", "rnn_relu", "lstm", "gru"])
@pytest.mark.parametrize("with_state", [False, True], ids=["zeros", "h0"])
@pytest.mark.parametrize("batch_first", [False, True], ids=["time-major", "batch_first"])
def test_unbatched_input(cls, extra, with_state, batch_first):
    kwargs = {**extra, "num_layers": 2, "bidirectional": True, "batch_first": batch_first}
    s, t = pair(cls, IN, H, **kwargs)
    shapes = [(T, IN)] + ([sh[:1] + sh[2:] for sh in _state_shapes(cls, kwargs)]
                         if with_state else [])
    x, *states = arrays(*shapes)
    out = run_both(s, t, x, states or None)
    assert tuple(out[0].shape) == (T, 2 * H)


@pytest.mark.parametrize("cls,extra", MODES, ids=["rnn_tanh", "rnn_relu", "lstm", "gru"])
def test_sequence_of_length_one(cls, extra):
    kwargs = {**extra, "num_layers": 2, "bidirectional": True}
    s, t = pair(cls, IN, H, **kwargs)
    x, *states = arrays(_input_shape(kwargs, t=1), *_state_shapes(cls, kwargs))
    run_both(s, t, x, states)


@pytest.mark.parametrize("config", [{"proj_size": 2}, {"proj_size": 3, "num_layers": 2,
                                                       "bidirectional": True},
                                    {"proj_size": 2, "bias": False, "batch_first": True}],
                         ids=["proj", "proj-2-layer-bidirectional", "proj-no-bias"])
def test_lstm_projection(config):
    s, t = pair("LSTM", IN, H, **config)
    x, *states = arrays(_input_shape(config), *_state_shapes("LSTM", config))
    run_both(s, t, x)
    out, (h_n, c_n) = run_both(*pair("LSTM", IN, H, seed=3, **config), x, states)
    assert h_n.shape[-1] == config["proj_size"] and c_n.shape[-1] == H


def test_longer_sequence_and_bigger_sizes():
    s, t = pair("LSTM", 16, 32, num_layers=2)
    x, h0, c0 = arrays((40, 8, 16), (2, 8, 32), (2, 8, 32))
    run_both(s, t, x, (h0, c0), atol=2e-5, grad_atol=2e-4)


def test_float64_model():
    torch.manual_seed(0)
    t = torch.nn.GRU(IN, H, num_layers=2).double()
    s = snn.GRU(IN, H, num_layers=2).double()
    s.load_state_dict(t.state_dict())
    (x,) = arrays((T, B, IN))
    out_t, _ = t(torch.tensor(x, dtype=torch.float64))
    out_s, _ = s(shendu.tensor(x, dtype=shendu.float64))
    assert out_s.dtype == shendu.float64
    assert_same(out_s, out_t, 1e-12, 1e-12)


@pytest.mark.parametrize("mode", ["RNN_TANH", "RNN_RELU", "LSTM", "GRU"])
@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
@pytest.mark.parametrize("steps", [3, 1], ids=["weights-prepared", "activations-reordered"])
def test_fused_layer_gradcheck_float64(mode, reverse, steps):
    """The hand-written backward through time against finite differences, independently of
    PyTorch: every input, state and weight (with a projection for the LSTM). With few rows
    (steps·batch < input + hidden) the op reorders activations instead of weights."""
    g, h, n_in, batch = {"LSTM": 4, "GRU": 3}.get(mode, 1), 3, 2, 2
    proj = 2 if mode == "LSTM" else 0
    h_out = proj or h
    rng = np.random.default_rng(0)
    shapes = [(steps, batch, n_in), (batch, h_out), (batch, h) if mode == "LSTM" else None,
              (g * h, n_in), (g * h, h_out), (g * h,), (g * h,), (proj, h) if proj else None]
    ts = [None if s is None else
          shendu.tensor(rng.uniform(-1, 1, s), dtype=shendu.float64, requires_grad=True)
          for s in shapes]

    def layer(*args):
        return rnn_layer(mode, *args, reverse=reverse)
    assert shendu.autograd.gradcheck(layer, tuple(ts))


# ----- dropout ------------------------------------------------------------------------------

@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
def test_dropout_in_eval_mode_is_deterministic_and_matches_torch(cls):
    s, t = pair(cls, IN, H, num_layers=3, dropout=0.5)
    s.eval()
    t.eval()
    (x,) = arrays((T, B, IN))
    out = run_both(s, t, x)
    again = s(shendu.tensor(x))
    assert np.array_equal(_flatten(out)[0].detach().numpy(), again[0].detach().numpy())


def test_dropout_in_training_mode():
    m = snn.LSTM(IN, H, num_layers=2, dropout=0.5)
    x = shendu.tensor(arrays((T, B, IN))[0])
    shendu.manual_seed(0)
    a = m(x)[0]
    shendu.manual_seed(0)
    b = m(x)[0]
    c = m(x)[0]
    assert np.array_equal(a.detach().numpy(), b.detach().numpy())      # seeded: repeatable
    assert not np.allclose(a.detach().numpy(), c.detach().numpy())     # random masks
    m.eval()
    assert not np.allclose(m(x)[0].detach().numpy(), a.detach().numpy())


def test_dropout_one_feeds_zeros_to_the_next_layer():
    m = snn.GRU(IN, H, num_layers=2, dropout=1.0)
    top = snn.GRU(H, H)
    top.load_state_dict({k.replace("_l1", "_l0"): v for k, v in m.state_dict().items()
                         if "_l1" in k})
    x = shendu.tensor(arrays((T, B, IN))[0])
    out, h_n = m(x)
    ref, ref_h = top(shendu.zeros(T, B, H))
    assert_same(out, torch.tensor(ref.detach().numpy()))
    assert_same(h_n[1], torch.tensor(ref_h[0].detach().numpy()))


def test_dropout_between_layers_and_its_gradient():
    """A 2-layer LSTM in training equals layer 0, F.dropout, layer 1 run by hand with the same
    random stream: values and gradients (the mask is applied to layer 0's output only)."""
    m = snn.LSTM(IN, H, num_layers=2, dropout=0.4)
    lower, upper = snn.LSTM(IN, H), snn.LSTM(H, H)
    state = m.state_dict()
    lower.load_state_dict({k: v for k, v in state.items() if k.endswith("_l0")})
    upper.load_state_dict({k.replace("_l1", "_l0"): v for k, v in state.items()
                           if k.endswith("_l1")})
    (x,) = arrays((T, B, IN))
    g = shendu.tensor(arrays((T, B, H), seed=2)[0])
    xa, xb = shendu.tensor(x, requires_grad=True), shendu.tensor(x, requires_grad=True)
    shendu.manual_seed(3)
    out_a, _ = m(xa)
    shendu.manual_seed(3)
    out_b, _ = upper(snn.functional.dropout(lower(xb)[0], 0.4, True))
    assert np.array_equal(out_a.detach().numpy(), out_b.detach().numpy())
    out_a.backward(g)
    out_b.backward(g)
    assert np.allclose(xa.grad.numpy(), xb.grad.numpy(), atol=1e-6)
    assert np.allclose(m.weight_hh_l0.grad.numpy(), lower.weight_hh_l0.grad.numpy(), atol=1e-6)


def test_dropout_warning_and_errors_as_torch():
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        snn.LSTM(IN, H, dropout=0.2)
    for bad in (-0.1, 1.5, True):
        check_error(lambda lib, x, p=bad: lib.nn.GRU(IN, H, num_layers=2, dropout=p), (1,),
                    match="dropout should be a number in range [0, 1]")


# ----- cells --------------------------------------------------------------------------------

CELLS = [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}), ("LSTMCell", {}),
         ("GRUCell", {}), ("LSTMCell", {"bias": False}), ("GRUCell", {"bias": False})]
CELL_IDS = ["rnn_tanh", "rnn_relu", "lstm", "gru", "lstm-no-bias", "gru-no-bias"]


@pytest.mark.parametrize("cls,kwargs", CELLS, ids=CELL_IDS)
@pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"])
@pytest.mark.parametrize("with_state", [True, False], ids=["state", "zeros"])
def test_cell_matches_torch(cls, kwargs, batched, with_state):
    s, t = pair(cls, IN, H, **kwargs)
    lead = (B,) if batched else ()
    n_states = 2 if cls == "LSTMCell" else 1
    x, *states = arrays(lead + (IN,), *[lead + (H,)] * n_states)
    run_both(s, t, x, states if with_state else None)


def test_cell_unrolled_over_time_equals_layer():
    """An LSTMCell stepped over a sequence gives the LSTM layer's output and gradients."""
    torch.manual_seed(0)
    layer = torch.nn.LSTM(IN, H)
    cell = snn.LSTMCell(IN, H)
    cell.load_state_dict({k[:-3]: v for k, v in layer.state_dict().items()})
    (x,) = arrays((T, B, IN))
    xs = shendu.tensor(x, requires_grad=True)
    h = c = shendu.zeros(B, H)
    outs = []
    for step in range(T):
        h, c = cell(xs[step], (h, c))
        outs.append(h)
    xt = torch.tensor(x, requires_grad=True)
    out_t, _ = layer(xt)
    out_s = shendu.stack(outs)
    assert_same(out_s, out_t)
    out_s.sum().backward()
    out_t.sum().backward()
    assert_same(xs.grad, xt.grad, 1e-4, 1e-4)
    assert_same(cell.weight_hh.grad, layer.weight_hh_l0.grad, 1e-4, 1e-4)


# ----- the notes' LSTMModel: an LSTM and a Linear on the last time step ---------------------

def lstm_model(lib, input_size=IN, hidden_size=H, num_layers=2, num_classes=3):
    nn = lib.nn

    class LSTMModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.hidden_size = hidden_size
            self.num_layers = num_layers
            self.lstm = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True)
            self.fc = nn.Linear(hidden_size, num_classes)

        def forward(self, x):
            h0 = lib.zeros(self.num_layers, x.size(0), self.hidden_size)
            c0 = lib.zeros(self.num_layers, x.size(0), self.hidden_size)
            out, _ = self.lstm(x, (h0, c0))
            return self.fc(out[:, -1, :])

        def forward_from_state(self, x):
            """The same, written the other way: no initial state, and h_n of the top layer."""
            _, (h_n, _) = self.lstm(x)
            return self.fc(h_n[-1])

    return LSTMModel()


def test_lstm_model_example():
    torch.manual_seed(0)
    t = lstm_model(torch)
    s = lstm_model(shendu)
    s.load_state_dict(t.state_dict())
    assert list(s.state_dict()) == list(t.state_dict())
    (x,) = arrays((B, T, IN))
    y = np.array([0, 2, 1])
    logits = {}
    for lib, m in ((shendu, s), (torch, t)):
        xin = lib.tensor(x)
        a, b = m(xin), m.forward_from_state(xin)
        assert np.allclose(a.detach().numpy(), b.detach().numpy(), atol=1e-6)
        loss = lib.nn.functional.log_softmax(a, 1)[lib.arange(B), lib.tensor(y)].mean().neg()
        loss.backward()
        logits[lib.__name__] = a
    assert_same(logits["shendu"], logits["torch"])
    for (name, p), q in zip(s.named_parameters(), t.parameters()):
        assert_same(p.grad, q.grad, 1e-5, 1e-4, f"grad of {name}")


# ----- parameters, state_dict, repr ---------------------------------------------------------

@pytest.mark.parametrize("cls,kwargs", [
    ("RNN", {"num_layers": 3, "nonlinearity": "relu", "bidirectional": True}),
    ("LSTM", {"num_layers": 2, "proj_size": 3, "bidirectional": True}),
    ("LSTM", {"num_layers": 2, "bias": False, "proj_size": 2}),
    ("GRU", {"num_layers": 2, "bias": False}),
    ("RNNCell", {}), ("LSTMCell", {"bias": False}), ("GRUCell", {}),
])
def test_parameters_as_torch(cls, kwargs):
    t = getattr(torch.nn, cls)(IN, H, **kwargs)
    s = getattr(snn, cls)(IN, H, **kwargs)
    assert [(k, tuple(v.shape)) for k, v in s.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in t.state_dict().items()]
    assert sum(p.numel() for p in s.parameters()) == sum(p.numel() for p in t.parameters())
    assert repr(s) == repr(t)
    bound = 1 / np.sqrt(H)
    for p in s.parameters():
        assert p.dtype == shendu.float32 and p.requires_grad
        v = p.detach().numpy()
        assert np.all(np.abs(v) <= bound) and v.std() > 0
    if not cls.endswith("Cell"):
        assert s._flat_weights_names == t._flat_weights_names
        assert [[tuple(w.shape) for w in ws] for ws in s.all_weights] == \
            [[tuple(w.shape) for w in ws] for ws in t.all_weights]
        assert s.flatten_parameters() is None


def test_initialisation_is_uniform():
    m = snn.LSTM(64, 256)
    w = m.weight_hh_l0.detach().numpy()
    bound = 1 / 16
    assert w.min() >= -bound and w.max() <= bound
    assert abs(w.std() - bound / np.sqrt(3)) < 1e-3 and abs(w.mean()) < 1e-3


def test_repr_and_defaults():
    assert repr(snn.LSTM(10, 20, num_layers=2, batch_first=True)) == \
        "LSTM(10, 20, num_layers=2, batch_first=True)"
    assert repr(snn.GRU(10, 20, dropout=0.5, num_layers=2, bidirectional=True)) == \
        "GRU(10, 20, num_layers=2, dropout=0.5, bidirectional=True)"
    m = snn.RNN(10, 20)
    assert (m.mode, m.nonlinearity, m.num_layers, m.bias, m.batch_first, m.dropout,
            m.bidirectional, m.proj_size) == ("RNN_TANH", "tanh", 1, True, False, 0.0, False, 0)
    assert snn.RNN(10, 20, 2, "relu").mode == "RNN_RELU"


def test_load_torch_state_dict_and_outputs_in_eval():
    torch.manual_seed(5)
    t = torch.nn.LSTM(IN, H, num_layers=2, bidirectional=True, dropout=0.3).eval()
    s = snn.LSTM(IN, H, num_layers=2, bidirectional=True, dropout=0.3).eval()
    s.load_state_dict(t.state_dict())
    (x,) = arrays((T, B, IN))
    with torch.no_grad():
        out_t, (h_t, c_t) = t(torch.tensor(x))
    with shendu.no_grad():
        out_s, (h_s, c_s) = s(shendu.tensor(x))
    assert not out_s.requires_grad
    assert_same(out_s, out_t)
    assert_same(h_s, h_t)
    assert_same(c_s, c_t)


# ----- autograd details ---------------------------------------------------------------------

@pytest.mark.parametrize("cls,kwargs", [
    ("LSTM", {}), ("LSTM", {"proj_size": 2, "num_layers": 2, "bidirectional": True}),
    ("GRU", {"num_layers": 2}), ("RNN", {"nonlinearity": "relu"}),
    ("RNN", {"bidirectional": True, "batch_first": True}), ("LSTMCell", {}), ("GRUCell", {}),
])
def test_double_backward_matches_torch(cls, kwargs):
    """A gradient penalty ‖∂L/∂x‖² differentiated again (create_graph=True)."""
    s, t = pair(cls, IN, H, **kwargs)
    (x,) = arrays((B, IN) if cls.endswith("Cell") else (T, B, IN))
    grads = []
    for lib, m in ((shendu, s), (torch, t)):
        xin = lib.tensor(x, requires_grad=True)
        out = _flatten(m(xin))[0]
        (g,) = lib.autograd.grad((out ** 2).sum(), xin, create_graph=True)
        (g ** 2).sum().backward()
        grads.append([xin.grad] + [p.grad for p in m.parameters()])
    for i, (a, b) in enumerate(zip(*grads)):
        assert_same(a, b, 1e-5, 1e-4, f"second-order grad {i}")


def test_fused_layer_gradgradcheck_float64():
    rng = np.random.default_rng(1)
    shapes = [(2, 1, 2), (1, 2), (1, 3), (12, 2), (12, 2), (12,), (12,), (2, 3)]
    ts = tuple(shendu.tensor(rng.uniform(-1, 1, s), dtype=shendu.float64, requires_grad=True)
               for s in shapes)
    assert shendu.autograd.gradgradcheck(lambda *a: rnn_layer("LSTM", *a), ts)


def test_weight_changed_in_place_before_backward_raises():
    m = snn.GRU(IN, H)
    out, _ = m(shendu.tensor(arrays((T, B, IN))[0]))
    with shendu.no_grad():
        m.weight_hh_l0.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


def test_output_changed_in_place_keeps_gradients_right():
    """The outputs do not share memory with what the backward reads: changing them in place
    is fine (PyTorch refuses it; shendu gives the gradient of the out-of-place version)."""
    s, t = pair("LSTM", IN, H)
    (x,) = arrays((T, B, IN))
    xs, xt = shendu.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out_s, (h_s, _) = s(xs)
    out_s.mul_(3)
    (out_s.sum() + h_s.sum()).backward()
    out_t, (h_t, _) = t(xt)
    ((out_t * 3).sum() + h_t.sum()).backward()
    assert_same(xs.grad, xt.grad, 1e-4, 1e-4)


def test_float32_throughout():
    m = snn.GRU(IN, H, num_layers=2, bidirectional=True)
    x = shendu.tensor(arrays((T, B, IN))[0], requires_grad=True)
    out, h_n = m(x)
    assert out.dtype == h_n.dtype == shendu.float32
    out.sum().backward()
    assert x.grad.dtype == shendu.float32
    assert all(p.grad.dtype == shendu.float32 for p in m.parameters())


# ----- errors name the layer, what it expected and what it got ------------------------------

def test_wrong_input_feature_size():
    e = check_error(lambda lib, x: lib.nn.LSTM(IN, H, num_layers=2)(x), (T, B, IN + 1),
                    match=f"Expected {IN}, got {IN + 1}")
    assert f"LSTM({IN}, {H}, num_layers=2)" in str(e)
    e = check_error(lambda lib, x: lib.nn.GRUCell(IN, H)(x), (B, IN + 2),
                    match=f"got {IN + 2}, expected {IN}")
    assert f"GRUCell({IN}, {H})" in str(e)


@pytest.mark.parametrize("cls", ["RNN", "GRU"])
def test_wrong_h0_shape(cls):
    e = check_error(lambda lib, x, h: getattr(lib.nn, cls)(IN, H)(x, h), (T, B, IN), (1, B + 1, H),
                    match=f"Expected hidden size (1, {B}, {H}), got [1, {B + 1}, {H}]")
    assert f"{cls}({IN}, {H})" in str(e)
    check_error(lambda lib, x, h: getattr(lib.nn, cls)(IN, H)(x, h), (T, B, IN), (B, H),
                match="hx should also be 3-D")


def test_wrong_lstm_state_shapes():
    check_error(lambda lib, x, h, c: lib.nn.LSTM(IN, H, proj_size=2)(x, (h, c)), (T, B, IN),
                (1, B, H), (1, B, H), match=f"Expected hidden[0] size (1, {B}, 2), got")
    check_error(lambda lib, x, h, c: lib.nn.LSTM(IN, H)(x, (h, c)), (T, B, IN), (1, B, H),
                (1, B, H + 1), match=f"Expected hidden[1] size (1, {B}, {H}), got")
    check_error(lambda lib, x, h, c: lib.nn.LSTMCell(IN, H)(x, (h, c)), (B, IN), (B, H),
                (B + 1, H), match=f"Input batch size {B} doesn't match hidden1 batch size")
    check_error(lambda lib, x, h: lib.nn.RNNCell(IN, H)(x, h), (B, IN), (B, H + 1),
                match=f"hidden0 has inconsistent hidden_size: got {H + 1}, expected {H}")


def test_other_errors_as_torch():
    check_error(lambda lib, x: lib.nn.RNN(IN, H)(x), (2, T, B, IN), match="Expected input to be "
                                                                          "2D or 3D, got 4D")
    check_error(lambda lib, x: lib.nn.LSTMCell(IN, H)(x), (2, B, IN), match="1D or 2D, got 3D")
    check_error(lambda lib, x: lib.nn.GRU(IN, H).double()(x), (T, B, IN),
                match="does not match weight dtype")
    check_error(lambda lib, x: lib.nn.GRU(IN, H, proj_size=2), (1,),
                match="proj_size argument is only supported for LSTM")
    check_error(lambda lib, x: lib.nn.LSTM(IN, H, proj_size=H), (1,),
                match="proj_size has to be smaller than hidden_size")
    check_error(lambda lib, x: lib.nn.RNN(IN, H, nonlinearity="gelu"), (1,),
                match="Unknown nonlinearity 'gelu'")
    check_error(lambda lib, x: lib.nn.LSTM(IN, 0), (1,), match="hidden_size must be greater")
    check_error(lambda lib, x: lib.nn.LSTM(IN, H, num_layers=0), (1,),
                match="num_layers must be greater than zero")
