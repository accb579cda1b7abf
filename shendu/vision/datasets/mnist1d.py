"""MNIST-1D (Greydanus, 2020, "Scaling down deep learning"): ten 1-D digit templates turned into
5,000 noisy signals of length 40, generated here from the published recipe and default
arguments. The random numbers are drawn as the reference generator draws them, so the arrays
equal its output (checked, to 1e-15, against the reference code run with SciPy).

The recipe, for each of ``num_samples // 10`` samples of each digit, in this order:
1. pad the 12-point template (plus 1e-8, so the digit is never exactly 0) on the right with
   p = padding[0] + ⌊u·(padding[1] − padding[0] + 1)⌋ zeros, u ~ U[0, 1) (36 to 60);
2. stretch it linearly to ``template_len + padding[1]`` = 72 points;
3. scale it by ``1 + scale_coeff * (u - 0.5)``, u ~ U[0, 1);
4. translate it circularly by k ~ U{0, …, max_translation - 1} points;
5. fill the points that are exactly 0 (the padding) with correlated noise: N(0, corr_noise_scale²)
   smoothed by a Gaussian of σ = 2 points (scipy's ``gaussian_filter``: radius 8, mirrored edges);
6. add i.i.d. noise N(0, iid_noise_scale²) everywhere;
7. shear: subtract ``c * linspace(-0.5, 0.5, 72)``, c = shear_scale * (u - 0.5);
8. resample linearly to ``final_seq_length`` = 40 points.
Then the samples are shuffled, optionally the 40 positions too (``shuffle_seq``), the whole set
is standardised (one mean and one standard deviation), and the first ``train_split`` = 80 %
are the training set (4,000), the rest the test set (1,000).

All randomness comes from NumPy's legacy ``RandomState(seed)`` drawn in the recipe's order
(the published generator seeds NumPy's global legacy stream), independent of
``shendu.manual_seed``.
"""

from __future__ import annotations

import functools

import numpy as np

from .vision import MNIST_CLASSES, VisionDataset

__all__ = ["MNIST1D", "make_mnist1d", "mnist1d_templates", "MNIST1D_DEFAULTS"]

MNIST1D_DEFAULTS = dict(num_samples=5000, train_split=0.8, template_len=12, padding=(36, 60),
                        scale_coeff=0.4, max_translation=48, corr_noise_scale=0.25,
                        iid_noise_scale=2e-2, shear_scale=0.75, shuffle_seq=False,
                        final_seq_length=40, seed=42)

# The ten digit strokes drawn as 1-D curves, 12 points each (from the paper)
_STROKES = np.array([
    [5, 6, 6.5, 6.75, 7, 7, 7, 7, 6.75, 6.5, 6, 5],
    [5, 3, 3, 3.4, 3.8, 4.2, 4.6, 5, 5.4, 5.8, 5, 5],
    [5, 6, 6.5, 6.5, 6, 5.25, 4.75, 4, 3.5, 3.5, 4, 5],
    [5, 6, 6.5, 6.5, 6, 5, 5, 6, 6.5, 6.5, 6, 5],
    [5, 4.4, 3.8, 3.2, 2.6, 2.6, 5, 5, 5, 5, 5, 5],
    [5, 3, 3, 3, 3, 5, 6, 6.5, 6.5, 6, 4.5, 5],
    [5, 4, 3.5, 3.25, 3, 3, 3, 3, 3.25, 3.5, 4, 5],
    [5, 7, 7, 6.6, 6.2, 5.8, 5.4, 5, 4.6, 4.2, 5, 5],
    [5, 4, 3.5, 3.5, 4, 5, 5, 4, 3.5, 3.5, 4, 5],
    [5, 4, 3.5, 3.5, 4, 5, 5, 5, 5, 4.7, 4.3, 5],
])


def mnist1d_templates() -> np.ndarray:
    """The ten templates, float64 (10, 12): each stroke standardised, shifted to start (and
    end) at 0, and divided by 6."""
    x = _STROKES - _STROKES.mean(1, keepdims=True)
    x /= x.std(1, keepdims=True)
    x -= x[:, :1]
    return x / 6.0


def _interp_rows(y: np.ndarray, lengths: np.ndarray, n_out: int) -> np.ndarray:
    """Resample each row ``y[i, :lengths[i]]``, its points at ``linspace(0, 1, lengths[i])``,
    to ``n_out`` points at ``linspace(0, 1, n_out)`` by linear interpolation, with the
    arithmetic of ``np.interp`` (a point on a knot takes the knot's value exactly)."""
    rows = np.arange(len(y))[:, None]
    x_new = np.linspace(0.0, 1.0, n_out)
    # the knots as np.linspace makes them (index * step, the last exactly 1); +inf past the end
    idx = np.arange(y.shape[1] + 1)
    xp = idx * (1.0 / (lengths[:, None] - 1.0))
    xp = np.where(idx == lengths[:, None] - 1, 1.0, xp)
    xp = np.where(idx < lengths[:, None], xp, np.inf)
    # j: the last knot at or left of each new point (the guess is off by at most one)
    j = np.minimum((x_new * (lengths[:, None] - 1)).astype(np.int64), lengths[:, None] - 1)
    j = np.where(xp[rows, j + 1] <= x_new, j + 1, j)
    j = np.where(xp[rows, j] > x_new, j - 1, j)
    j = np.minimum(j, lengths[:, None] - 2)
    x0, x1, y0, y1 = xp[rows, j], xp[rows, j + 1], y[rows, j], y[rows, j + 1]
    out = (y1 - y0) / (x1 - x0) * (x_new - x0) + y0
    return np.where(x_new == x0, y0, np.where(x_new == x1, y1, out))


def _gaussian_smooth(x: np.ndarray, sigma: float) -> np.ndarray:
    """Each row filtered by a normalised Gaussian of radius ``int(4 sigma + 0.5)``, the edges
    mirrored (d c b a | a b c d), as scipy.ndimage.gaussian_filter1d."""
    radius = int(4.0 * sigma + 0.5)
    k = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    k /= k.sum()
    padded = np.pad(x, ((0, 0), (radius, radius)), mode="symmetric")
    return np.lib.stride_tricks.sliding_window_view(padded, 2 * radius + 1, axis=1) @ k


def make_mnist1d(**kwargs) -> dict:
    """Generate MNIST-1D. Keyword arguments override ``MNIST1D_DEFAULTS`` (see the module
    docstring for their meaning). Returns a dict with ``x`` float64 (n_train, L), ``y`` int64
    (n_train,), ``x_test``, ``y_test``, and ``templates`` (10, 12)."""
    unknown = set(kwargs) - set(MNIST1D_DEFAULTS)
    if unknown:
        raise TypeError(f"make_mnist1d: unknown arguments {sorted(unknown)}; known: "
                        f"{sorted(MNIST1D_DEFAULTS)}")
    a = {**MNIST1D_DEFAULTS, **kwargs}
    templates = mnist1d_templates()
    per_class = a["num_samples"] // len(templates)
    n = per_class * len(templates)
    lo_pad, hi_pad = a["padding"]
    width = a["template_len"] + hi_pad

    # draw the random numbers sample by sample, in the recipe's order
    rs = np.random.RandomState(a["seed"])
    pad = np.empty(n, np.int64)
    scale, shear, shift = np.empty(n), np.empty(n), np.empty(n, np.int64)
    corr, iid = np.empty((n, width)), np.empty((n, width))
    for i in range(n):
        pad[i] = lo_pad + int(rs.rand() * (hi_pad - lo_pad + 1))
        scale[i] = 1 + a["scale_coeff"] * (rs.rand() - 0.5)
        shift[i] = rs.randint(0, a["max_translation"])
        corr[i] = a["corr_noise_scale"] * rs.randn(width)
        iid[i] = a["iid_noise_scale"] * rs.randn(width)
        shear[i] = a["shear_scale"] * (rs.rand() - 0.5)
    labels = np.repeat(np.arange(len(templates)), per_class)

    # 1-3: pad, stretch, scale
    lengths = a["template_len"] + pad
    x = np.zeros((n, width))
    x[:, :a["template_len"]] = templates[labels] + 1e-8
    x = _interp_rows(x, lengths, width) * scale[:, None]
    # 4: circular shift right by `shift`
    cols = (np.arange(width) - shift[:, None]) % width
    x = np.take_along_axis(x, cols, axis=1)
    # 5-7: correlated noise where the signal is 0, i.i.d. noise everywhere, shear
    x = np.where(x != 0, x, _gaussian_smooth(corr, 2.0)) + iid
    x = x - shear[:, None] * np.linspace(-0.5, 0.5, width)
    # 8: resample to the final length
    x = _interp_rows(x, np.full(n, width), a["final_seq_length"])

    order = rs.permutation(n)
    x, labels = x[order], labels[order]
    if a["shuffle_seq"]:
        x = x[:, rs.permutation(a["final_seq_length"])]
    x = (x - x.mean()) / x.std()
    split = int(n * a["train_split"])
    return {"x": x[:split], "y": labels[:split], "x_test": x[split:], "y_test": labels[split:],
            "templates": templates}


@functools.lru_cache(maxsize=4)
def _cached(items: tuple) -> dict:
    data = make_mnist1d(**dict(items))
    for v in data.values():
        v.flags.writeable = False
    return data


class MNIST1D(VisionDataset):
    """MNIST-1D: float32 signals (40,) of the ten digits, 4,000 train / 1,000 test (the
    standard split: the first 80 % of the shuffled set), generated on first use (about 0.2 s)
    and cached. Keyword arguments change the generation (see ``MNIST1D_DEFAULTS``); ``root``
    is accepted and ignored.

    With the defaults, logistic regression scores about 32 % on the test set, an MLP about
    68 %, a CNN about 94 % (the paper's Table 1).
    """

    def __init__(self, root=None, train: bool = True, transform=None, target_transform=None,
                 download: bool = False, **kwargs):
        super().__init__(root, train, transform, target_transform)
        params = {**MNIST1D_DEFAULTS, **kwargs}
        params["padding"] = tuple(params["padding"])
        d = _cached(tuple(sorted(params.items())))
        self.data = np.array(d["x"] if self.train else d["x_test"], np.float32)
        self.targets = np.array(d["y"] if self.train else d["y_test"], np.int64)
        self.classes = list(MNIST_CLASSES)
        self.templates = d["templates"]
