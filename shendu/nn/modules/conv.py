"""Convolution layers (卷积层) Conv1d/2d/3d, transposed convolutions (转置卷积)
ConvTranspose1d/2d/3d, and Unfold/Fold (im2col/col2im as layers)."""

from __future__ import annotations

import math

import numpy as np

from ... import ops
from ...autograd.grad_mode import no_grad
from .. import functional as F
from .. import init
from ..functional.conv import ntuple
from ..parameter import Parameter
from .module import Module

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
           "ConvTranspose3d", "LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d",
           "LazyConvTranspose2d", "LazyConvTranspose3d", "Unfold", "Fold"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
_SPATIAL = {1: "L", 2: "H, W", 3: "D, H, W"}


class _ConvNd(Module):
    """What Conv and ConvTranspose share: the weight (out, in/groups, *K) — (in, out/groups,
    *K) when transposed — and bias, both initialised as PyTorch: W ~ Kaiming-uniform with
    a = √5, i.e. U(−1/√fan_in, 1/√fan_in), and b ~ U(−1/√fan_in, 1/√fan_in), with fan_in
    = weight.size(1)·K."""

    _d = 2
    _transposed = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 output_padding=0, dtype=None):
        super().__init__()
        d, name = self._d, type(self).__name__
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = ntuple(kernel_size, d, "kernel_size", name)
        self.stride = ntuple(stride, d, "stride", name)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                                 f"{{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
            self.padding = padding
        else:
            self.padding = ntuple(padding, d, "padding", name)
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {set(_PADDING_MODES)}, but got "
                             f"padding_mode='{padding_mode}'")
        self.dilation = ntuple(dilation, d, "dilation", name)
        self.transposed = self._transposed
        self.output_padding = ntuple(output_padding, d, "output_padding", name)
        self.groups = groups
        self.padding_mode = padding_mode
        self._reversed_padding_repeated_twice = self._pad_list()
        if self._transposed:
            shape = (in_channels, out_channels // groups) + self.kernel_size
        else:
            shape = (out_channels, in_channels // groups) + self.kernel_size
        self.weight = Parameter(ops.creation.empty(*shape, dtype=dtype))
        if bias:
            self.bias = Parameter(ops.creation.empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def _pad_list(self) -> list:
        """The padding as F.pad wants it (last dim first, each side given), for the
        non-zero padding modes."""
        if isinstance(self.padding, str):
            out = [0, 0] * self._d
            if self.padding == "same":
                for i, (dd, k) in enumerate(zip(self.dilation[::-1], self.kernel_size[::-1])):
                    total = dd * (k - 1)
                    out[2 * i], out[2 * i + 1] = total // 2, total - total // 2
            return out
        return [p for p in self.padding[::-1] for _ in (0, 1)]

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def _check_input(self, input) -> None:
        """Name the layer, what it expects and what it got when the input does not fit."""
        d = self._d
        want = self.in_channels
        shape = list(input.shape)
        if len(shape) not in (d + 1, d + 2):
            raise RuntimeError(
                f"{self!r}: expected a {d + 2}-D input (N, {want}, {_SPATIAL[d]}) or an "
                f"unbatched {d + 1}-D input ({want}, {_SPATIAL[d]}), but got input of size: "
                f"{shape}")
        got = shape[1] if len(shape) == d + 2 else shape[0]
        if got != want:
            raise RuntimeError(
                f"{self!r}: expected input{shape} to have {want} channels, but got {got} "
                f"channels instead (expected input of shape (N, {want}, {_SPATIAL[d]}) or "
                f"({want}, {_SPATIAL[d]}))")

    def extra_repr(self) -> str:
        s = "{in_channels}, {out_channels}, kernel_size={kernel_size}, stride={stride}"
        if self.padding != (0,) * len(self.padding):
            s += ", padding={padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += ", dilation={dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += ", output_padding={output_padding}"
        if self.groups != 1:
            s += ", groups={groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += ", padding_mode={padding_mode}"
        return s.format(**self.__dict__)


class _Conv(_ConvNd):
    _fn = None

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, dtype=dtype)

    def _conv_forward(self, input, weight, bias):
        conv = type(self)._fn
        if self.padding_mode != "zeros":
            return conv(F.pad(input, self._reversed_padding_repeated_twice,
                              mode=self.padding_mode),
                        weight, bias, self.stride, 0, self.dilation, self.groups)
        return conv(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input):
        self._check_input(input)
        return self._conv_forward(input, self.weight, self.bias)


class Conv1d(_Conv):
    """1-D convolution layer: (N, C_in, L) → (N, C_out, L′), weight (C_out, C_in/groups, K),
    L′ = ⌊(L + 2P − D·(K − 1) − 1)/stride⌋ + 1. ``padding`` may be 'same' or 'valid';
    ``padding_mode`` 'zeros', 'reflect', 'replicate' or 'circular'."""

    _d = 1
    _fn = staticmethod(F.conv1d)


class Conv2d(_Conv):
    """2-D convolution layer (卷积层): (N, C_in, H, W) → (N, C_out, H′, W′),
    out[n, o] = b[o] + Σ_c W[o, c] ⋆ x[n, c], weight (C_out, C_in/groups, KH, KW),
    H′ = ⌊(H + 2P − D·(KH − 1) − 1)/stride⌋ + 1 (the notes' H2 = (H1 − FH + 2P)/S + 1).
    ``groups`` splits the channels into independent groups (depthwise: groups = C_in)."""

    _d = 2
    _fn = staticmethod(F.conv2d)


class Conv3d(_Conv):
    """3-D convolution layer: (N, C_in, D, H, W) → (N, C_out, D′, H′, W′)."""

    _d = 3
    _fn = staticmethod(F.conv3d)


class _ConvTranspose(_ConvNd):
    _transposed = True
    _fn = None

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 output_padding=0, groups: int = 1, bias: bool = True, dilation=1,
                 padding_mode: str = "zeros", device=None, dtype=None):
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for '
                             f'{type(self).__name__}')
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, output_padding, dtype=dtype)

    def _output_padding(self, input, output_size) -> tuple:
        """The output_padding that gives ``output_size`` (which must lie within one stride of
        the smallest size), as PyTorch's ConvTranspose."""
        d = self._d
        if output_size is None:
            return self.output_padding
        lead = 2 if input.ndim == d + 2 else 1
        size = [int(s) for s in output_size]
        if len(size) == lead + d:
            size = size[lead:]
        if len(size) != d:
            raise ValueError(f"ConvTranspose{d}D: for {input.ndim}D input, output_size must "
                             f"have {d} or {lead + d} elements (got {len(size)})")
        mins = [(input.shape[lead + i] - 1) * self.stride[i] - 2 * self.padding[i]
                + self.dilation[i] * (self.kernel_size[i] - 1) + 1 for i in range(d)]
        maxs = [m + s - 1 for m, s in zip(mins, self.stride)]
        for s, lo, hi in zip(size, mins, maxs):
            if s < lo or s > hi:
                raise ValueError(f"requested an output size of {size}, but valid sizes range "
                                 f"from {mins} to {maxs} (for an input of "
                                 f"{input.shape[lead:]})")
        return tuple(s - m for s, m in zip(size, mins))

    def forward(self, input, output_size=None):
        self._check_input(input)
        opad = self._output_padding(input, output_size)
        return type(self)._fn(input, self.weight, self.bias, self.stride, self.padding, opad,
                              self.groups, self.dilation)


class ConvTranspose1d(_ConvTranspose):
    """1-D transposed convolution: (N, C_in, L) → (N, C_out, L′),
    L′ = (L − 1)·stride − 2P + D·(K − 1) + output_padding + 1; weight (C_in, C_out/groups, K).
    ``forward(input, output_size)`` picks output_padding to reach ``output_size``."""

    _d = 1
    _fn = staticmethod(F.conv_transpose1d)


class ConvTranspose2d(_ConvTranspose):
    """2-D transposed convolution (转置卷积), the gradient of Conv2d with respect to its input
    used as a layer (learned upsampling): (N, C_in, H, W) → (N, C_out, H′, W′),
    H′ = (H − 1)·stride − 2P + D·(KH − 1) + output_padding + 1; weight
    (C_in, C_out/groups, KH, KW)."""

    _d = 2
    _fn = staticmethod(F.conv_transpose2d)


class ConvTranspose3d(_ConvTranspose):
    """3-D transposed convolution: (N, C_in, D, H, W) → (N, C_out, D′, H′, W′)."""

    _d = 3
    _fn = staticmethod(F.conv_transpose3d)


class _LazyConvMixin:
    """in_channels is inferred from the first input (or from a loaded state_dict): until
    then the weight is empty and ``in_channels`` is 0; the parameters are then filled in
    place (so an optimizer built before keeps them) and the layer becomes the plain class."""

    _concrete = None

    def reset_parameters(self) -> None:
        if self.in_channels:               # nothing to initialise before the first input
            super().reset_parameters()

    def _materialize(self, in_channels: int) -> None:
        self.in_channels = in_channels
        g, k = self.groups, self.kernel_size
        if self._transposed:
            shape = (in_channels, self.out_channels // g) + k
        else:
            shape = (self.out_channels, in_channels // g) + k
        with no_grad():
            self.weight._data = np.empty(shape, self.weight._data.dtype)
        self.__class__ = self._concrete
        self.reset_parameters()

    def forward(self, input, *args, **kwargs):
        if self.in_channels == 0:
            self._materialize(input.shape[1] if input.ndim == self._d + 2 else input.shape[0])
        return self.forward(input, *args, **kwargs)

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
        w = state_dict.get("weight") if self.in_channels == 0 else None
        if w is not None:
            shape = tuple(w.shape)
            self._materialize(shape[0] if self._transposed else shape[1] * self.groups)
        return Module.load_state_dict(self, state_dict, strict, assign)


class LazyConv1d(_LazyConvMixin, Conv1d):
    """Conv1d whose in_channels is inferred from the first input."""

    _concrete = Conv1d

    def __init__(self, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device=None,
                 dtype=None):
        super().__init__(0, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, dtype=dtype)


class LazyConv2d(_LazyConvMixin, Conv2d):
    """Conv2d whose in_channels is inferred from the first input."""

    _concrete = Conv2d

    def __init__(self, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device=None,
                 dtype=None):
        super().__init__(0, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, dtype=dtype)


class LazyConv3d(_LazyConvMixin, Conv3d):
    """Conv3d whose in_channels is inferred from the first input."""

    _concrete = Conv3d

    def __init__(self, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device=None,
                 dtype=None):
        super().__init__(0, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, dtype=dtype)


class LazyConvTranspose1d(_LazyConvMixin, ConvTranspose1d):
    """ConvTranspose1d whose in_channels is inferred from the first input."""

    _concrete = ConvTranspose1d

    def __init__(self, out_channels: int, kernel_size, stride=1, padding=0, output_padding=0,
                 groups: int = 1, bias: bool = True, dilation=1, padding_mode: str = "zeros",
                 device=None, dtype=None):
        super().__init__(0, out_channels, kernel_size, stride, padding, output_padding, groups,
                         bias, dilation, padding_mode, dtype=dtype)


class LazyConvTranspose2d(_LazyConvMixin, ConvTranspose2d):
    """ConvTranspose2d whose in_channels is inferred from the first input."""

    _concrete = ConvTranspose2d

    def __init__(self, out_channels: int, kernel_size, stride=1, padding=0, output_padding=0,
                 groups: int = 1, bias: bool = True, dilation=1, padding_mode: str = "zeros",
                 device=None, dtype=None):
        super().__init__(0, out_channels, kernel_size, stride, padding, output_padding, groups,
                         bias, dilation, padding_mode, dtype=dtype)


class LazyConvTranspose3d(_LazyConvMixin, ConvTranspose3d):
    """ConvTranspose3d whose in_channels is inferred from the first input."""

    _concrete = ConvTranspose3d

    def __init__(self, out_channels: int, kernel_size, stride=1, padding=0, output_padding=0,
                 groups: int = 1, bias: bool = True, dilation=1, padding_mode: str = "zeros",
                 device=None, dtype=None):
        super().__init__(0, out_channels, kernel_size, stride, padding, output_padding, groups,
                         bias, dilation, padding_mode, dtype=dtype)


class Unfold(Module):
    """im2col as a layer: (N, C, H, W) → (N, C·KH·KW, L), the sliding windows as columns."""

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input):
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")


class Fold(Module):
    """col2im as a layer: (N, C·KH·KW, L) → (N, C, *output_size), overlapping windows
    summed."""

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.output_size = output_size
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input):
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                      self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")
