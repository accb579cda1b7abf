"""Recurrent layers (循环神经网络): RNN, LSTM, GRU and their one-step cells, as in PyTorch.

A recurrent layer reads a sequence x_1..x_T and carries a hidden state h_t from step to step.
With G·H rows per weight (G gates of size H, stacked in PyTorch's order):

RNN:   h_t = tanh(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh)       (nonlinearity='relu': relu)
LSTM:  i = σ(W_ii x_t + b_ii + W_hi h_{t−1} + b_hi)          输入门 input gate
       f = σ(W_if x_t + b_if + W_hf h_{t−1} + b_hf)          遗忘门 forget gate
       g = tanh(W_ig x_t + b_ig + W_hg h_{t−1} + b_hg)       candidate cell
       o = σ(W_io x_t + b_io + W_ho h_{t−1} + b_ho)          输出门 output gate
       c_t = f ⊙ c_{t−1} + i ⊙ g                            细胞状态 cell state
       h_t = o ⊙ tanh(c_t)          with proj_size: h_t = W_hr (o ⊙ tanh(c_t)), size proj_size
GRU:   r = σ(W_ir x_t + b_ir + W_hr h_{t−1} + b_hr)          重置门 reset gate
       z = σ(W_iz x_t + b_iz + W_hz h_{t−1} + b_hz)          更新门 update gate
       n = tanh(W_in x_t + b_in + r ⊙ (W_hn h_{t−1} + b_hn))
       h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}

Every layer and direction runs as one fused op (``functional/rnn.py``); the layers of a deep
network feed each other's outputs, with dropout between them in training.
"""

from __future__ import annotations

import math
import numbers
import warnings

from ... import ops
from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..functional.rnn import rnn_layer
from ..parameter import Parameter
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


class RNNBase(Module):
    """The parameters, checks and layer loop shared by RNN, LSTM and GRU.

    For layer k (and its ``_reverse`` twin when bidirectional): ``weight_ih_l{k}``
    (G·hidden, input of the layer), ``weight_hh_l{k}`` (G·hidden, H_out), ``bias_ih_l{k}`` and
    ``bias_hh_l{k}`` (G·hidden), and ``weight_hr_l{k}`` (proj_size, hidden) for a projected
    LSTM; H_out = proj_size or hidden_size. Layer k > 0 reads H_out·directions features. All
    are initialised from U(−1/√hidden, 1/√hidden).

    Input (T, B, input_size), or (B, T, input_size) with ``batch_first``, or unbatched
    (T, input_size); initial state h0 (layers·directions, B, H_out) (and c0 (…, B, hidden)
    for the LSTM), zeros when not given. Output (T, B, directions·H_out): the last layer's
    hidden state at every step; h_n (and c_n): every layer's state after the last step.
    """

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None, dtype=None):
        super().__init__()
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        if not isinstance(dropout, numbers.Number) or isinstance(dropout, bool) or \
                not 0 <= dropout <= 1:
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn(f"dropout option adds dropout after all but last recurrent layer, so "
                          f"non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=3)
        for what, v in (("bias", bias), ("batch_first", batch_first)):
            if not isinstance(v, bool):
                raise TypeError(f"{what} should be of type bool, got: {type(v).__name__}")
        for what, v in (("input_size", input_size), ("hidden_size", hidden_size)):
            if not isinstance(v, int):
                raise TypeError(f"{what} should be of type int, got: {type(v).__name__}")
            if v <= 0:
                raise ValueError(f"{what} must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        gates = _GATES[mode] * hidden_size
        h_out = proj_size or hidden_size
        directions = 2 if bidirectional else 1
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            n_in = input_size if layer == 0 else h_out * directions
            for direction in range(directions):
                shapes = [("weight_ih", (gates, n_in)), ("weight_hh", (gates, h_out))]
                if bias:
                    shapes += [("bias_ih", (gates,)), ("bias_hh", (gates,))]
                if proj_size:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                names = []
                for base, shape in shapes:
                    name = f"{base}_l{layer}{'_reverse' if direction else ''}"
                    setattr(self, name, Parameter(ops.creation.empty(*shape, dtype=dtype)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def flatten_parameters(self) -> None:
        """Does nothing: PyTorch packs the weights into one cuDNN buffer here; shendu has no
        such buffer. Kept so that code calling it runs unchanged."""

    @property
    def all_weights(self) -> list:
        return [[getattr(self, w) for w in ws] for ws in self._all_weights]

    @property
    def _flat_weights(self) -> list:
        return [getattr(self, w) for w in self._flat_weights_names]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    def forward(self, input, hx=None):
        lstm = self.mode == "LSTM"
        if not isinstance(input, Tensor):
            raise TypeError(f"{self!r}: expected a Tensor input, got {type(input).__name__} "
                            f"(PackedSequence is not supported)")
        if input.dim() not in (2, 3):
            raise ValueError(f"{self!r}: Expected input to be 2D or 3D, got {input.dim()}D "
                             f"tensor instead")
        weight = self.weight_ih_l0
        if input.dtype != weight.dtype:
            raise ValueError(f"{self!r}: RNN input dtype ({input.dtype}) does not match weight "
                             f"dtype ({weight.dtype}). Convert input: input.to({weight.dtype}), "
                             f"or convert model: model.to({input.dtype})")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"{self!r}: input.size(-1) must be equal to input_size. "
                               f"Expected {self.input_size}, got {input.shape[-1]}")
        batched = input.dim() == 3
        h0, c0 = self._initial_state(hx, batched)
        batch_dim = 0 if self.batch_first else 1
        if not batched:
            input = input.unsqueeze(batch_dim)
            h0 = None if h0 is None else h0.unsqueeze(1)
            c0 = None if c0 is None else c0.unsqueeze(1)
        x = input.transpose(0, 1) if self.batch_first else input
        directions = 2 if self.bidirectional else 1
        states = self.num_layers * directions
        B = x.shape[1]
        h_out = self.proj_size or self.hidden_size
        which = "hidden[0] " if lstm else "hidden "
        self._check_state(h0, (states, B, h_out), which)
        if lstm:
            self._check_state(c0, (states, B, self.hidden_size), "hidden[1] ")

        h_n, c_n = [], []
        for layer in range(self.num_layers):
            outs = []
            for direction in range(directions):
                k = layer * directions + direction
                suffix = "_reverse" if direction else ""
                w = [getattr(self, f"{base}_l{layer}{suffix}", None)
                     for base in ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")]
                res = rnn_layer(self.mode, x, None if h0 is None else h0[k],
                                None if c0 is None else c0[k], *w, reverse=bool(direction))
                outs.append(res[0])
                h_n.append(res[1])
                if lstm:
                    c_n.append(res[2])
            x = outs[0] if directions == 1 else ops.shape.cat(outs, 2)
            if self.dropout > 0 and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, self.training)
        output = x.transpose(0, 1) if self.batch_first else x
        h_n = ops.shape.stack(h_n, 0)
        c_n = ops.shape.stack(c_n, 0) if lstm else None
        if not batched:
            output = output.squeeze(batch_dim)
            h_n = h_n.squeeze(1)
            c_n = None if c_n is None else c_n.squeeze(1)
        return (output, (h_n, c_n)) if lstm else (output, h_n)

    def _initial_state(self, hx, batched: bool) -> tuple:
        """(h0, c0) from the user's hx: a tensor, or (h0, c0) for the LSTM, or None."""
        if hx is None:
            return None, None
        want = 3 if batched else 2
        shape = "batched 3-D" if batched else "unbatched 2-D"
        if self.mode == "LSTM":
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError(f"{self!r}: hx should be a tuple (h0, c0), got "
                                f"{type(hx).__name__}")
            h0, c0 = hx
            if h0.dim() != want or c0.dim() != want:
                raise RuntimeError(f"{self!r}: For {shape} input, hx and cx should also be "
                                   f"{want}-D but got ({h0.dim()}-D, {c0.dim()}-D) tensors")
            return h0, c0
        if hx.dim() != want:
            raise RuntimeError(f"{self!r}: For {shape} input, hx should also be {want}-D but "
                               f"got {hx.dim()}-D tensor")
        return hx, None

    def _check_state(self, t, expected: tuple, which: str) -> None:
        if t is not None and tuple(t.shape) != expected:
            raise RuntimeError(f"{self!r}: Expected {which}size {expected}, got "
                               f"{list(t.shape)}")


class RNN(RNNBase):
    """Elman RNN (循环神经网络): h_t = tanh(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh), or relu
    with ``nonlinearity='relu'``. ``RNN(input_size, hidden_size, num_layers=1,
    nonlinearity='tanh', bias=True, batch_first=False, dropout=0.0, bidirectional=False)``;
    ``forward(input, h0=None)`` returns (output, h_n). Shapes as in ``RNNBase``."""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:              # RNN(input, hidden, layers, nonlinearity, ...)
            nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or "
                             f"'relu'.")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", *args, **kwargs)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """Long short-term memory (长短期记忆网络): gates i, f, g, o (PyTorch's order in the
    weights' rows) control the cell state c_t = f ⊙ c_{t−1} + i ⊙ g, and h_t = o ⊙ tanh(c_t)
    (projected to proj_size by weight_hr when proj_size > 0; see the module docstring).
    ``LSTM(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False, proj_size=0)``; ``forward(input, (h0, c0)=None)`` returns
    (output, (h_n, c_n)). Shapes as in ``RNNBase``."""

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    """Gated recurrent unit (门控循环单元): reset gate r, update gate z (PyTorch's order r, z, n
    in the weights' rows), n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),
    h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}. ``GRU(input_size, hidden_size, num_layers=1, bias=True,
    batch_first=False, dropout=0.0, bidirectional=False)``; ``forward(input, h0=None)`` returns
    (output, h_n). Shapes as in ``RNNBase``."""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)


class RNNCellBase(Module):
    """One time step of a recurrent layer: ``weight_ih`` (G·hidden, input), ``weight_hh``
    (G·hidden, hidden), ``bias_ih`` and ``bias_hh`` (G·hidden), initialised from
    U(−1/√hidden, 1/√hidden). Input (B, input_size) or unbatched (input_size,); state
    (B, hidden_size) or (hidden_size,), zeros when not given."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device=None, dtype=None):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        gates = num_chunks * hidden_size
        self.weight_ih = Parameter(ops.creation.empty(gates, input_size, dtype=dtype))
        self.weight_hh = Parameter(ops.creation.empty(gates, hidden_size, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(ops.creation.empty(gates, dtype=dtype))
            self.bias_hh = Parameter(ops.creation.empty(gates, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        nonlinearity = self.__dict__.get("nonlinearity", "tanh")
        if nonlinearity != "tanh":
            s += f", nonlinearity={nonlinearity}"
        return s

    def _prepare(self, input, states: tuple) -> tuple:
        """Check shapes, add the batch dimension to unbatched input; zeros for missing state.
        Returns (batched, input, states)."""
        name = type(self).__name__
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D "
                             f"instead")
        for i, s in enumerate(states):
            if s is not None and s.dim() not in (1, 2):
                what = "hidden" if len(states) == 1 else f"hx[{i}]"
                raise ValueError(f"{name}: Expected {what} to be 1D or 2D, got {s.dim()}D "
                                 f"instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"{self!r}: input has inconsistent input_size: got "
                               f"{input.shape[-1]}, expected {self.input_size}")
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
            states = tuple(None if s is None else s.unsqueeze(0) for s in states)
        B = input.shape[0]
        for i, s in enumerate(states):
            if s is None:
                continue
            if s.dim() != 2 or s.shape[0] != B:
                raise RuntimeError(f"{self!r}: Input batch size {B} doesn't match hidden{i} "
                                   f"batch size {s.shape[0] if s.dim() == 2 else list(s.shape)}")
            if s.shape[1] != self.hidden_size:
                raise RuntimeError(f"{self!r}: hidden{i} has inconsistent hidden_size: got "
                                   f"{s.shape[1]}, expected {self.hidden_size}")
        return batched, input, states


class RNNCell(RNNCellBase):
    """One Elman RNN step: h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (or relu).
    ``forward(input, hx=None)`` returns h' (B, hidden_size)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=1, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        batched, input, (hx,) = self._prepare(input, (hx,))
        if self.nonlinearity == "tanh":
            fn = F.rnn_tanh_cell
        elif self.nonlinearity == "relu":
            fn = F.rnn_relu_cell
        else:
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        h = fn(input, hx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step: gates i (输入门), f (遗忘门), g, o (输出门) from
    W_ih x + b_ih + W_hh h + b_hh (rows in that order); c' = f ⊙ c + i ⊙ g (细胞状态),
    h' = o ⊙ tanh(c'). ``forward(input, (h, c)=None)`` returns (h', c'), each
    (B, hidden_size)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=4, dtype=dtype)

    def forward(self, input, hx=None):
        states = (None, None) if hx is None else tuple(hx)
        batched, input, (h, c) = self._prepare(input, states)
        h, c = F.lstm_cell(input, (h, c), self.weight_ih, self.weight_hh, self.bias_ih,
                           self.bias_hh)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step: r = σ(·) (重置门), z = σ(·) (更新门),
    n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h.
    ``forward(input, hx=None)`` returns h' (B, hidden_size)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=3, dtype=dtype)

    def forward(self, input, hx=None):
        batched, input, (hx,) = self._prepare(input, (hx,))
        h = F.gru_cell(input, hx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return h if batched else h.squeeze(0)
