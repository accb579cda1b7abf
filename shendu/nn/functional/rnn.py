"""Recurrent layers (循环神经网络) as fused ops: one graph node per layer and direction.

Shapes: input x (T, B, I), time-major; hidden state h (B, H_out); cell state c (B, H);
W_ih (G·H, I), W_hh (G·H, H_out), b_ih and b_hh (G·H), with G = 1 (RNN), 4 (LSTM) or 3 (GRU)
blocks stacked in PyTorch's gate order; a projected LSTM also has W_proj (P, H)
(``weight_hr_l{k}``), and then H_out = P, else H_out = H.

RNN:   h_t = tanh(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh)            (or relu)
LSTM:  i = σ(·), f = σ(·), g = tanh(·), o = σ(·) of the four blocks of
           W_ih x_t + b_ih + W_hh h_{t−1} + b_hh,
       输入门 input gate i, 遗忘门 forget gate f, candidate g, 输出门 output gate o;
       c_t = f ⊙ c_{t−1} + i ⊙ g                                   细胞状态 cell state
       h_t = o ⊙ tanh(c_t)                  (h_t = W_proj (o ⊙ tanh(c_t)) with proj_size)
GRU:   r = σ(W_ir x_t + b_ir + W_hr h_{t−1} + b_hr)                 重置门 reset gate
       z = σ(W_iz x_t + b_iz + W_hz h_{t−1} + b_hz)                 更新门 update gate
       n = tanh(W_in x_t + b_in + r ⊙ (W_hn h_{t−1} + b_hn))
       h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}

Speed: the input projections of all time steps are one GEMM; each step is one GEMM
h W_hhᵀ for all gates of the whole batch plus a few in-place element-wise passes. The
backward is a hand-written loop back through time (BPTT) with the closed-form cell
derivative and one GEMM per step for ∂L/∂h_{t−1}; the weight gradients are one GEMM each over
all time steps at the end. That backward is computed on arrays; when it must itself be
differentiable (``create_graph=True``, for double backward), the layer is re-run as a
composition of shendu ops and differentiated by autograd instead.
"""

from __future__ import annotations

import functools

import numpy as np

from ... import dtypes
from ...autograd import grad
from ...autograd.grad_mode import is_grad_enabled
from ...ops.shape import stack
from ...tensor import Tensor, _wrap, record_multi

__all__ = ["rnn_tanh_cell", "rnn_relu_cell", "lstm_cell", "gru_cell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}
_NODE = {"RNN_TANH": "RnnTanhBackward0", "RNN_RELU": "RnnReluBackward0",
         "LSTM": "LstmBackward0", "GRU": "GruBackward0"}


def rnn_layer(mode: str, input: Tensor, hx: Tensor | None, cx: Tensor | None, w_ih: Tensor,
              w_hh: Tensor, b_ih: Tensor | None = None, b_hh: Tensor | None = None,
              w_hr: Tensor | None = None, reverse: bool = False) -> tuple:
    """One layer in one direction over a whole sequence, as one op.

    ``input`` (T, B, I); ``hx`` (B, H_out) and, for the LSTM, ``cx`` (B, H), or None for zeros;
    ``reverse`` runs from the last step to the first. Returns (output (T, B, H_out), h_n) and,
    for the LSTM, c_n as a third element; output[t] is the hidden state after step t.
    """
    name = mode.lower()
    x = input._data
    if x.ndim != 3 or x.shape[0] == 0:
        raise RuntimeError(f"{name}: expected input of shape (T > 0, B, I), got {list(x.shape)}")
    T, B, n_in = x.shape
    G = _GATES[mode]
    H = w_ih.shape[0] // G
    h_out = w_hh.shape[1]
    _check_weights(name, x.dtype, G, H, n_in, h_out, w_ih, w_hh, b_ih, b_hh, w_hr)
    h0 = _state(name, "hx", hx, (B, h_out), x.dtype)
    c0 = _state(name, "cx", cx, (B, H), x.dtype) if mode == "LSTM" else None
    inputs = (input, hx, cx, w_ih, w_hh, b_ih, b_hh, w_hr)
    recording = is_grad_enabled() and any(t is not None and t._rg for t in inputs)

    perm = _gate_order(mode, H)
    scale = _sigmoid_scale(mode, H, x.dtype)
    bias = _fold_bias(mode, H, b_ih, b_hh)
    # The gates are reordered and the σ rows halved (and Wᵀ made contiguous, for fast GEMMs)
    # on the weights when there are more rows of activations than weight columns, else on
    # the activations (a cell step): whichever is less work.
    fold = T * B >= n_in + h_out
    if fold:
        # X1 = [X | 1] and W1 = [W_ih | b]ᵀ: the bias rides in the GEMM, and ∂L/∂b comes out
        # of the weight-gradient GEMM as one more column
        X1 = np.empty((T * B, n_in + (bias is not None)), x.dtype)
        X1[:, :n_in] = x.reshape(T * B, n_in)
        if bias is not None:
            X1[:, n_in] = 1
        xp = X1 @ _prepare(w_ih._data, perm, scale, bias)   # every step's input projection
    else:
        X1 = x.reshape(T * B, n_in)
        xp = (w_ih._data @ X1.T).T             # W Xᵀ: faster in BLAS than X Wᵀ for few rows
        if bias is not None:
            xp += bias
        xp = np.ascontiguousarray(_reorder(xp, perm, scale))
    xp = xp.reshape(T, B, G * H)
    rec = _recurrent(w_hh._data, perm, scale, fold)
    if mode == "LSTM":
        whr_t = None
        if w_hr is not None:
            whr_t = np.ascontiguousarray(w_hr._data.T) if fold else w_hr._data.T
        state = _lstm_forward(xp, h0, c0, rec, whr_t, reverse)
    elif mode == "GRU":
        b_hn = None if b_hh is None else b_hh._data[2 * H:]   # stays inside r ⊙ (W_hn h + b_hn)
        state = _gru_forward(xp, h0, rec, b_hn, reverse)
    else:
        state = _rnn_forward(xp, h0, rec, mode == "RNN_RELU", reverse)
    hs = state[0]

    # hs holds the hidden states in processing order: h0 at 0 (at T when reversed), h_t next
    out, h_n = (hs[:T], hs[0]) if reverse else (hs[1:], hs[T])
    outs = (out, h_n)
    if mode == "LSTM":
        cs = state[1]
        outs += (cs[0] if reverse else cs[T],)
    if recording:   # the backward reads hs and cs: outputs changed in place must not alter them
        outs = tuple(o.copy() for o in outs)

    def backward(g_out, g_hn, g_cn=None):
        if is_grad_enabled():       # create_graph=True: the gradients must be differentiable
            return _differentiable_grads(mode, inputs, reverse, (g_out, g_hn, g_cn))
        grads = tuple(None if g is None else g._data for g in (g_out, g_hn, g_cn))
        back = _backprop(w_hh._data, perm, fold)
        if mode == "LSTM":
            wr = None if w_hr is None else w_hr._data
            dgx, dgh, dh, dc, dhs = _lstm_backward(state, back, wr, *grads, reverse)
        elif mode == "GRU":
            dgx, dgh, dh, dc, dhs = _gru_backward(state, back, *grads[:2], reverse)
        else:
            dgx, dgh, dh, dc, dhs = _rnn_backward(state, back, mode == "RNN_RELU",
                                                  *grads[:2], reverse)
        order = perm
        if perm is not None and not fold:     # few rows: put the activations back in order
            dgx = dgh = dgx[..., perm]
            order = None
        return _grads(inputs, X1, order, state, reverse, dgx, dgh, dh, dc, dhs)

    saved = tuple(t for t in inputs if t is not None) + (X1,) + state
    return record_multi(outs, _NODE[mode], inputs, backward, saved=saved)


def rnn_tanh_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,
                  b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """One step of the Elman RNN, h' = tanh(W_ih x + b_ih + W_hh h + b_hh); x (B, I),
    h (B, H)."""
    return _cell("RNN_TANH", input, hx, None, w_ih, w_hh, b_ih, b_hh)[0]


def rnn_relu_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,
                  b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """One step of the Elman RNN with relu, h' = relu(W_ih x + b_ih + W_hh h + b_hh)."""
    return _cell("RNN_RELU", input, hx, None, w_ih, w_hh, b_ih, b_hh)[0]


def lstm_cell(input: Tensor, hx: tuple, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
              b_hh: Tensor | None = None) -> tuple:
    """One LSTM step: (h', c') from x (B, I) and hx = (h, c), each (B, H); gates i, f, g, o
    as in the module docstring."""
    h, c = hx
    return _cell("LSTM", input, h, c, w_ih, w_hh, b_ih, b_hh)


def gru_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
             b_hh: Tensor | None = None) -> Tensor:
    """One GRU step: h' from x (B, I) and h (B, H); gates r, z, n as in the module docstring."""
    return _cell("GRU", input, hx, None, w_ih, w_hh, b_ih, b_hh)[0]


def _cell(mode, input, hx, cx, w_ih, w_hh, b_ih, b_hh):
    """A cell is a layer over a sequence of length 1: its states are (h_n[, c_n])."""
    if input.ndim != 2:
        raise RuntimeError(f"{mode.lower()}_cell: expected input of shape (B, I), got "
                           f"{list(input.shape)}")
    return rnn_layer(mode, input.unsqueeze(0), hx, cx, w_ih, w_hh, b_ih, b_hh)[1:]


def _check_weights(name, dtype, G, H, n_in, h_out, w_ih, w_hh, b_ih, b_hh, w_hr):
    shapes = {"weight_ih": (w_ih, (G * H, n_in)), "weight_hh": (w_hh, (G * H, h_out)),
              "bias_ih": (b_ih, (G * H,)), "bias_hh": (b_hh, (G * H,)),
              "weight_hr": (w_hr, (h_out, H))}
    for what, (t, shape) in shapes.items():
        if t is None:
            continue
        if t._data.shape != shape:
            raise RuntimeError(f"{name}: {what} has shape {list(t._data.shape)}, expected "
                               f"{list(shape)} for input size {n_in} and hidden size {H}")
        if t._data.dtype != dtype:
            raise RuntimeError(f"{name}: input dtype {_dt(dtype)} does not match {what} dtype "
                               f"{_dt(t._data.dtype)}")
    if w_hr is None and h_out != H:
        raise RuntimeError(f"{name}: weight_hh has {h_out} columns, expected the hidden size "
                           f"{H} (or pass weight_hr for a projection)")


def _dt(np_dtype) -> str:
    return str(dtypes.from_np(np_dtype))


def _state(name, what, t, shape, dtype):
    if t is None:
        return np.zeros(shape, dtype)
    if t._data.shape != shape:
        raise RuntimeError(f"{name}: expected {what} of shape {list(shape)}, got "
                           f"{list(t._data.shape)}")
    if t._data.dtype != dtype:
        raise RuntimeError(f"{name}: input dtype {_dt(dtype)} does not match {what} dtype "
                           f"{_dt(t._data.dtype)}")
    return t._data


def _gate_order(mode, H):
    """The LSTM's rows are reordered i, f, g, o → i, f, o, g inside the op, so that the three
    σ gates are one contiguous block (one affine pass each step); the results are put back
    in PyTorch's order. Swapping two blocks is its own inverse."""
    return _lstm_order(H) if mode == "LSTM" else None


@functools.lru_cache(maxsize=64)
def _lstm_order(H):
    order = np.concatenate([np.arange(2 * H), np.arange(3 * H, 4 * H), np.arange(2 * H, 3 * H)])
    order.setflags(write=False)
    return order


@functools.lru_cache(maxsize=64)
def _sigmoid_scale(mode, H, dtype):
    """½ on the rows of σ gates: σ(x) = ½ + ½·tanh(x/2) is one tanh for every gate at once and
    cannot overflow; halving the weight copies (exact in floating point) computes x/2."""
    if mode.startswith("RNN"):
        return None
    scale = np.full(_GATES[mode] * H, 0.5, dtype)
    # the last block is a tanh: the LSTM's candidate g (after _gate_order), the GRU's n
    scale[(_GATES[mode] - 1) * H:] = 1
    scale.setflags(write=False)
    return scale


def _prepare(w, perm, scale, bias=None):
    """Wᵀ as a contiguous array (BLAS is slower with a transposed view), rows reordered and
    scaled for the σ gates, with the bias appended as a last row when given."""
    if perm is not None:
        w = w[perm]
        bias = None if bias is None else bias[perm]
    out = np.empty((w.shape[1] + (bias is not None), w.shape[0]), w.dtype)
    out[:w.shape[1]] = w.T
    if bias is not None:
        out[-1] = bias
    if scale is not None:
        out *= scale
    return out


def _fold_bias(mode, H, b_ih, b_hh):
    """The bias added to the input projections: b_ih + b_hh, except b_hn for the GRU."""
    bias = None if b_ih is None else b_ih._data
    if b_hh is not None:
        bh = b_hh._data
        if mode == "GRU":
            bh = np.concatenate([bh[:2 * H], np.zeros(H, bh.dtype)])
        bias = bh if bias is None else bias + bh
    return bias


def _reorder(a, perm, scale):
    """Gate pre-activations (columns of ``a``, which may be changed in place) reordered and
    scaled as ``_prepare`` does to the weights' rows."""
    if perm is not None:
        a = a[:, perm]
    if scale is not None:
        a *= scale
    return a


def _recurrent(w_hh, perm, scale, fold):
    """``rec(h, out)``: out = h W_hhᵀ, in the op's gate order and scale."""
    if fold:
        wt = _prepare(w_hh, perm, scale)
        return lambda h, out: np.matmul(h, wt, out=out)

    def rec(h, out):
        out[...] = _reorder((w_hh @ h.T).T, perm, scale)
    return rec


def _backprop(w_hh, perm, fold):
    """``back(d, out)``: out = ∂L/∂h_{t−1} = d W_hh for gate gradients d in the op's order."""
    if perm is None:
        return lambda d, out: np.matmul(d, w_hh, out=out)
    if fold:
        wp = w_hh[perm]
        return lambda d, out: np.matmul(d, wp, out=out)
    return lambda d, out: np.matmul(d[:, perm], w_hh, out=out)


def _steps(T: int, reverse: bool, backward: bool = False):
    """Time indices in processing order (or its reverse, for backward through time)."""
    return range(T - 1, -1, -1) if reverse != backward else range(T)


# ----- LSTM ---------------------------------------------------------------------------------

def _lstm_forward(xp, h0, c0, rec, whr_t, reverse):
    """Runs the LSTM over xp (T, B, 4H), the gates' input projections in the order i, f, o, g
    (overwritten). Returns the hidden states, the cell states, tanh of the cell states, (with a
    projection) the unprojected o ⊙ tanh(c_t), and the gate activations, stored gate-major
    (T, 4, B, H) so that each gate of a step is one contiguous block for the element-wise
    passes (slices of a (B, 4H) row-major array are 2-3x slower)."""
    T, B, G4 = xp.shape
    H = G4 // 4
    dt = xp.dtype
    r = int(reverse)
    hs = np.empty((T + 1, B, h0.shape[1]), dt)
    cs = np.empty((T + 1, B, H), dt)
    hs[T * r], cs[T * r] = h0, c0
    tcs = np.empty((T, B, H), dt)
    hraw = None if whr_t is None else np.empty((T, B, H), dt)
    acts = np.empty((T, 4, B, H), dt)
    hw = np.empty((B, G4), dt)
    ig = np.empty((B, H), dt)
    for t in _steps(T, reverse):
        p, q = t + r, t + 1 - r                 # previous and new state slots
        z = xp[t]
        rec(hs[p], hw)
        z += hw
        a = acts[t]
        np.tanh(z.reshape(B, 4, H).transpose(1, 0, 2), out=a)
        sig = a[:3]                             # σ = ½ + ½·tanh(x/2): the weights were halved
        sig *= 0.5
        sig += 0.5
        i, f, o, g = a
        c = cs[q]
        np.multiply(f, cs[p], out=c)
        np.multiply(i, g, out=ig)
        c += ig
        np.tanh(c, out=tcs[t])
        if hraw is None:
            np.multiply(o, tcs[t], out=hs[q])
        else:
            np.multiply(o, tcs[t], out=hraw[t])
            np.matmul(hraw[t], whr_t, out=hs[q])
    return hs, cs, tcs, hraw, acts


def _lstm_backward(state, back, w_hr, g_out, g_hn, g_cn, reverse):
    """BPTT for the LSTM (gates in the order i, f, o, g). Per step, with ∂h = ∂L/∂h_t
    (times W_proj when projected): ∂c += ∂h·o·(1 − tanh²c_t); ∂i = ∂c·g; ∂f = ∂c·c_{t−1};
    ∂o = ∂h·tanh c_t; ∂g = ∂c·i; each times its activation's derivative (σ' = σ(1 − σ),
    tanh' = 1 − g²); then ∂c_{t−1} = ∂c·f and ∂h_{t−1} = ∂gates W_hh. Returns the gates'
    gradients as (T, B, 4H) for the weight GEMMs."""
    hs, cs, tcs, hraw, acts = state
    T, _, B, H = acts.shape
    dt = acts.dtype
    r = int(reverse)
    dg = np.empty((T, B, 4 * H), dt)
    dh = np.zeros((B, hs.shape[2]), dt) if g_hn is None else g_hn.copy()
    dc = np.zeros((B, H), dt) if g_cn is None else g_cn.copy()
    dhs = None if w_hr is None else np.empty((T, B, hs.shape[2]), dt)
    d4 = np.empty((4, B, H), dt)
    deriv = np.empty((4, B, H), dt)
    tmp = np.empty((B, H), dt)
    for t in _steps(T, reverse, backward=True):
        if g_out is not None:
            dh += g_out[t]
        if dhs is None:
            dhr = dh
        else:
            dhs[t] = dh
            dhr = dh @ w_hr
        a = acts[t]
        i, f, o, g = a
        tc = tcs[t]
        np.multiply(tc, tc, out=tmp)
        np.subtract(1, tmp, out=tmp)
        tmp *= o
        tmp *= dhr
        dc += tmp
        np.multiply(dc, g, out=d4[0])
        np.multiply(dc, cs[t + r], out=d4[1])
        np.multiply(dhr, tc, out=d4[2])
        np.multiply(dc, i, out=d4[3])
        np.subtract(1, a[:3], out=deriv[:3])
        deriv[:3] *= a[:3]
        np.multiply(g, g, out=deriv[3])
        np.subtract(1, deriv[3], out=deriv[3])
        d = dg[t]
        np.multiply(d4, deriv, out=d.reshape(B, 4, H).transpose(1, 0, 2))
        dc *= f
        back(d, dh)
    return dg, dg, dh, dc, dhs


# ----- GRU ----------------------------------------------------------------------------------

def _gru_forward(xp, h0, rec, b_hn, reverse):
    """Runs the GRU over xp (T, B, 3H), the gates' input projections; returns the hidden
    states, W_hn h_{t−1} + b_hn, and xp overwritten with the activations r, z, n."""
    T, B, G3 = xp.shape
    H = G3 // 3
    dt = xp.dtype
    r = int(reverse)
    hs = np.empty((T + 1, B, H), dt)
    hs[T * r] = h0
    hn = np.empty((T, B, H), dt)
    hw = np.empty((B, G3), dt)
    tmp = np.empty((B, H), dt)
    for t in _steps(T, reverse):
        p, q = t + r, t + 1 - r
        a = xp[t]
        rec(hs[p], hw)
        rz = a[:, :2 * H]
        rz += hw[:, :2 * H]
        np.tanh(rz, out=rz)                     # σ = ½ + ½·tanh(x/2): the weights were halved
        rz *= 0.5
        rz += 0.5
        if b_hn is None:
            np.copyto(hn[t], hw[:, 2 * H:])
        else:
            np.add(hw[:, 2 * H:], b_hn, out=hn[t])
        n = a[:, 2 * H:]
        np.multiply(a[:, :H], hn[t], out=tmp)
        n += tmp
        np.tanh(n, out=n)
        h = hs[q]                               # h = n + z ⊙ (h_prev − n)
        np.subtract(hs[p], n, out=h)
        h *= a[:, H:2 * H]
        h += n
    return hs, hn, xp


def _gru_backward(state, back, g_out, g_hn, reverse):
    """BPTT for the GRU. Per step, with ∂h = ∂L/∂h_t: ∂n = ∂h·(1 − z)·(1 − n²);
    ∂z = ∂h·(h_{t−1} − n)·z(1 − z);  ∂r = ∂n·(W_hn h_{t−1} + b_hn)·r(1 − r); the hidden-side
    n block gets ∂n·r; ∂h_{t−1} = ∂h·z + ∂gates_h W_hh."""
    hs, hn, acts = state
    T, B, G3 = acts.shape
    H = G3 // 3
    dt = acts.dtype
    r = int(reverse)
    dgx = np.empty_like(acts)
    dgh = np.empty_like(acts)
    dh = np.zeros((B, H), dt) if g_hn is None else g_hn.copy()
    tmp = np.empty((B, H), dt)
    hw = np.empty((B, H), dt)
    for t in _steps(T, reverse, backward=True):
        if g_out is not None:
            dh += g_out[t]
        a = acts[t]
        rg, z, n = a[:, :H], a[:, H:2 * H], a[:, 2 * H:]
        dx, dhh = dgx[t], dgh[t]
        dn = dx[:, 2 * H:]
        np.multiply(n, n, out=dn)
        np.subtract(1, dn, out=dn)
        np.subtract(1, z, out=tmp)
        dn *= tmp
        dn *= dh
        dz = dx[:, H:2 * H]
        np.subtract(hs[t + r], n, out=dz)
        dz *= dh
        np.subtract(1, z, out=tmp)
        tmp *= z
        dz *= tmp
        dr = dx[:, :H]
        np.multiply(dn, hn[t], out=dr)
        np.subtract(1, rg, out=tmp)
        tmp *= rg
        dr *= tmp
        dhh[:, :2 * H] = dx[:, :2 * H]
        np.multiply(dn, rg, out=dhh[:, 2 * H:])
        dh *= z
        back(dhh, hw)
        dh += hw
    return dgx, dgh, dh, None, None


# ----- Elman RNN ----------------------------------------------------------------------------

def _rnn_forward(xp, h0, rec, relu, reverse):
    T, B, H = xp.shape
    r = int(reverse)
    hs = np.empty((T + 1, B, H), xp.dtype)
    hs[T * r] = h0
    hw = np.empty((B, H), xp.dtype)
    for t in _steps(T, reverse):
        p, q = t + r, t + 1 - r
        a = xp[t]
        rec(hs[p], hw)
        a += hw
        if relu:
            np.maximum(a, 0, out=hs[q])
        else:
            np.tanh(a, out=hs[q])
    return (hs,)


def _rnn_backward(state, back, relu, g_out, g_hn, reverse):
    """BPTT for the Elman RNN: ∂pre = ∂h·(1 − h_t²) (tanh) or ∂h·[h_t > 0] (relu);
    ∂h_{t−1} = ∂pre W_hh."""
    (hs,) = state
    T = hs.shape[0] - 1
    B, H = hs.shape[1:]
    r = int(reverse)
    dg = np.empty((T, B, H), hs.dtype)
    dh = np.zeros((B, H), hs.dtype) if g_hn is None else g_hn.copy()
    for t in _steps(T, reverse, backward=True):
        if g_out is not None:
            dh += g_out[t]
        h, d = hs[t + 1 - r], dg[t]
        if relu:
            np.multiply(dh, h > 0, out=d)
        else:
            np.multiply(h, h, out=d)
            np.subtract(1, d, out=d)
            d *= dh
        back(d, dh)
    return dg, dg, dh, None, None


# ----- double backward -----------------------------------------------------------------------

def _composite(mode, inputs, reverse):
    """The layer as a composition of differentiable shendu ops, one small graph per step:
    slow, used only to differentiate the backward (double backward)."""
    x, h, c, w_ih, w_hh, b_ih, b_hh, w_hr = inputs
    T, B = x.shape[:2]
    H = w_ih.shape[0] // _GATES[mode]
    if h is None:
        h = _wrap(np.zeros((B, w_hh.shape[1]), x._data.dtype))
    if c is None and mode == "LSTM":
        c = _wrap(np.zeros((B, H), x._data.dtype))
    outs = [None] * T
    for t in _steps(T, reverse):
        gi = x[t] @ w_ih.T if b_ih is None else x[t] @ w_ih.T + b_ih
        gh = h @ w_hh.T if b_hh is None else h @ w_hh.T + b_hh
        if mode == "GRU":
            ir, iz, i_n = gi.chunk(3, 1)
            hr, hz, h_n = gh.chunk(3, 1)
            r, z = (ir + hr).sigmoid(), (iz + hz).sigmoid()
            n = (i_n + r * h_n).tanh()
            h = n + z * (h - n)
        elif mode == "LSTM":
            i, f, g, o = (gi + gh).chunk(4, 1)
            c = f.sigmoid() * c + i.sigmoid() * g.tanh()
            h = o.sigmoid() * c.tanh()
            if w_hr is not None:
                h = h @ w_hr.T
        else:
            h = (gi + gh).relu() if mode == "RNN_RELU" else (gi + gh).tanh()
        outs[t] = h
    return (stack(outs), h) + ((c,) if mode == "LSTM" else ())


def _differentiable_grads(mode, inputs, reverse, grads):
    outs = _composite(mode, inputs, reverse)
    pairs = [(o, g) for o, g in zip(outs, grads) if g is not None]
    wrt = [t for t in inputs if t is not None and t._rg]
    res = iter(grad([o for o, _ in pairs], wrt, [g for _, g in pairs], create_graph=True,
                    allow_unused=True))
    return tuple(next(res) if t is not None and t._rg else None for t in inputs)


# ----- gradients of the inputs and weights, shared by every mode ----------------------------

def _grads(inputs, X1, perm, state, reverse, dgx, dgh, dh, dc, dhs):
    """∂L/∂x = ∂gates_x W_ih; the weights and biases: one GEMM over all T·B rows each."""
    x, hx, cx, w_ih, w_hh, b_ih, b_hh, w_hr = inputs
    hs = state[0]
    T, B = dgx.shape[:2]
    n_in = x._data.shape[2]
    gx2 = dgx.reshape(T * B, -1)
    gh2 = dgh.reshape(T * B, -1)
    same = gh2 is gx2                    # the LSTM and RNN add b_ih and b_hh at the same place

    def need(t):
        return t is not None and t._rg

    def order(a):                        # rows back in PyTorch's gate order
        return a if perm is None else a[perm]

    gx = None
    if need(x):
        w = w_ih._data if perm is None else w_ih._data[perm]
        gx = _wrap((gx2 @ w).reshape(x._data.shape))
    g_wih = g_bih = None
    if need(w_ih):
        g1 = order(gx2.T @ X1)           # with the ones column of X1, the last is ∂L/∂b
        g_wih = g1[:, :n_in]
        if X1.shape[1] > n_in:
            g_bih = g1[:, n_in]
    if g_bih is None and (need(b_ih) or (same and need(b_hh))):
        g_bih = order(gx2.sum(0))
    g_bhh = g_bih if same else (order(gh2.sum(0)) if need(b_hh) else None)
    g_whh = None
    if need(w_hh):
        h_prev = hs[1:] if reverse else hs[:T]
        g_whh = _wrap(order(gh2.T @ h_prev.reshape(T * B, -1)))
    g_whr = None
    if need(w_hr):
        g_whr = _wrap(dhs.reshape(T * B, -1).T @ state[3].reshape(T * B, -1))
    return (gx, _wrap(dh) if need(hx) else None, _wrap(dc) if need(cx) else None,
            _wrap(g_wih) if need(w_ih) else None, g_whh,
            _wrap(g_bih) if need(b_ih) else None, _wrap(g_bhh) if need(b_hh) else None, g_whr)
