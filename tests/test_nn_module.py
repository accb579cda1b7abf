"""The module system (Module, Parameter, containers, init) and the dense layers (Linear,
Bilinear, Embedding, Flatten), against PyTorch."""

import copy
import math

import numpy as np
import pytest
import torch

import shendu
import shendu.nn as snn
from helpers import check, check_error


def torch_weights(module):
    return {k: v.detach().numpy() for k, v in module.state_dict().items()}


class Net(snn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = snn.Linear(4, 8)
        self.act = snn.Identity()
        self.blocks = snn.ModuleList([snn.Linear(8, 8), snn.Linear(8, 8, bias=False)])
        self.head = snn.Sequential(snn.Linear(8, 3), snn.Identity())
        self.scale = snn.Parameter(shendu.ones(3))
        self.register_buffer("steps", shendu.zeros((), dtype=shendu.int64))
        self.register_buffer("cache", shendu.zeros(2), persistent=False)

    def forward(self, x):
        x = self.act(self.fc1(x))
        for b in self.blocks:
            x = b(x)
        return self.head(x) * self.scale


class TorchNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(4, 8)
        self.act = torch.nn.Identity()
        self.blocks = torch.nn.ModuleList([torch.nn.Linear(8, 8), torch.nn.Linear(8, 8,
                                                                                 bias=False)])
        self.head = torch.nn.Sequential(torch.nn.Linear(8, 3), torch.nn.Identity())
        self.scale = torch.nn.Parameter(torch.ones(3))
        self.register_buffer("steps", torch.zeros((), dtype=torch.int64))
        self.register_buffer("cache", torch.zeros(2), persistent=False)

    def forward(self, x):
        x = self.act(self.fc1(x))
        for b in self.blocks:
            x = b(x)
        return self.head(x) * self.scale


def test_registration_names_and_state_dict_keys_match_torch():
    s, t = Net(), TorchNet()
    assert [n for n, _ in s.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in s.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert list(s.state_dict()) == list(t.state_dict())
    assert [n for n, _ in s.named_modules()] == [n for n, _ in t.named_modules()]
    assert [n for n, _ in s.named_children()] == [n for n, _ in t.named_children()]
    assert repr(s).replace("shendu", "torch") == repr(t).replace("TorchNet", "Net")
    assert sum(p.numel() for p in s.parameters()) == sum(p.numel() for p in t.parameters())


def test_torch_weights_load_and_give_torch_numbers():
    s, t = Net(), TorchNet()
    s.load_state_dict(torch_weights(t))
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    xs, xt = shendu.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ys, yt = s(xs), t(xt)
    np.testing.assert_allclose(ys.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    ys.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(xs.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-6)
    for (n, ps), (_, pt) in zip(s.named_parameters(), t.named_parameters()):
        np.testing.assert_allclose(ps.grad.numpy(), pt.grad.numpy(), rtol=1e-5, atol=1e-6,
                                   err_msg=n)


def test_load_state_dict_lists_every_problem():
    s = Net()
    sd = dict(s.state_dict())
    sd.pop("fc1.bias")
    sd["extra.weight"] = np.zeros(3)
    sd["head.0.weight"] = np.zeros((2, 2))
    with pytest.raises(RuntimeError) as e:
        s.load_state_dict(sd)
    msg = str(e.value)
    assert "Error(s) in loading state_dict for Net" in msg
    assert 'Missing key(s) in state_dict: "fc1.bias"' in msg
    assert 'Unexpected key(s) in state_dict: "extra.weight"' in msg
    assert "size mismatch for head.0.weight" in msg and "[2, 2]" in msg
    sd["head.0.weight"] = s.state_dict()["head.0.weight"]
    res = s.load_state_dict(sd, strict=False)
    assert res.missing_keys == ["fc1.bias"] and res.unexpected_keys == ["extra.weight"]


def test_state_dict_values_share_memory_and_load_copies_in_place():
    s = Net()
    w = s.fc1.weight
    sd = s.state_dict()
    assert not sd["fc1.weight"].requires_grad
    sd["fc1.weight"][0, 0] = 42.0
    assert w[0, 0].item() == 42.0
    s.load_state_dict({k: v.numpy() * 0 for k, v in s.state_dict().items()})
    assert s.fc1.weight is w and w.abs().sum().item() == 0


def test_attribute_errors_are_not_silent():
    s = Net()
    with pytest.raises(AttributeError, match="has no attribute 'fc9'"):
        s.fc9
    with pytest.raises(TypeError, match="cannot assign"):
        s.scale = shendu.ones(3)
    s.scale = None
    assert "scale" not in dict(s.named_parameters())
    with pytest.raises(KeyError):
        s.register_buffer("fc1", shendu.zeros(1))
    with pytest.raises(AttributeError, match="before Module.__init__"):
        class Bad(snn.Module):
            def __init__(self):
                self.w = snn.Parameter(shendu.ones(1))
        Bad()


def test_train_eval_zero_grad_requires_grad_apply():
    s = Net()
    assert s.training and s.head[0].training
    s.eval()
    assert not s.training and not s.head[0].training and not s.blocks[1].training
    s.train()
    assert s.blocks[0].training
    s(shendu.randn(2, 4)).sum().backward()
    assert all(p.grad is not None for p in s.parameters())
    s.zero_grad(set_to_none=False)
    assert all(p.grad.abs().sum().item() == 0 for p in s.parameters())
    s.zero_grad()
    assert all(p.grad is None for p in s.parameters())
    s.requires_grad_(False)
    assert not any(p.requires_grad for p in s.parameters())
    names = []
    s.apply(lambda m: names.append(type(m).__name__))
    assert names[-1] == "Net" and names.count("Linear") == 4


def test_to_dtype_keeps_parameter_identity():
    s = Net()
    p = s.fc1.weight
    s.double()
    assert s.fc1.weight is p and p.dtype == shendu.float64
    assert s.steps.dtype == shendu.int64
    assert s(shendu.randn(2, 4, dtype=shendu.float64)).dtype == shendu.float64
    s.to(shendu.float32)
    assert p.dtype == shendu.float32
    with pytest.raises(RuntimeError, match="not available"):
        s.to("cuda")


def test_forward_hooks():
    for lib in (shendu, torch):
        lin = lib.nn.Linear(3, 2)
        calls = []
        h1 = lin.register_forward_pre_hook(lambda m, args: (args[0] * 2,))
        h2 = lin.register_forward_hook(lambda m, args, out: calls.append(out.shape) or out + 1)
        x = lib.ones(1, 3)
        y = lin(x)
        expected = lin.weight.sum(1) * 2 + lin.bias + 1
        assert np.allclose(y.detach().numpy()[0], expected.detach().numpy())
        assert list(calls[0]) == [1, 2]
        h1.remove()
        h2.remove()
        assert np.allclose(lin(x).detach().numpy(), (x @ lin.weight.T + lin.bias).detach()
                           .numpy())


def test_containers_behave_like_torch():
    for lib in (shendu, torch):
        seq = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.Identity(), lib.nn.Linear(3, 1))
        assert len(seq) == 3 and isinstance(seq[-1], lib.nn.Linear)
        assert len(seq[1:]) == 2 and list(seq[1:].state_dict())[0] == "2.weight"
        seq.append(lib.nn.Identity())
        del seq[1]
        assert [n for n, _ in seq.named_children()] == ["0", "1", "2"]
        ml = lib.nn.ModuleList([lib.nn.Linear(1, 1)])
        ml.extend([lib.nn.Linear(1, 2)])
        ml.insert(0, lib.nn.Identity())
        assert [type(m).__name__ for m in ml] == ["Identity", "Linear", "Linear"]
        md = lib.nn.ModuleDict({"a": lib.nn.Linear(1, 1)})
        md["b"] = lib.nn.Identity()
        assert list(md.keys()) == ["a", "b"] and "a" in md
        pl = lib.nn.ParameterList([lib.nn.Parameter(lib.ones(2)), lib.nn.Parameter(lib.ones(3))])
        assert [n for n, _ in pl.named_parameters()] == ["0", "1"]
        pd = lib.nn.ParameterDict({"x": lib.nn.Parameter(lib.ones(1))})
        assert [n for n, _ in pd.named_parameters()] == ["x"]
    od = snn.Sequential(__import__("collections").OrderedDict(a=snn.Linear(1, 1)))
    assert list(od.state_dict()) == ["a.weight", "a.bias"]


def test_shared_module_counted_once():
    for lib in (shendu, torch):
        lin = lib.nn.Linear(2, 2)
        seq = lib.nn.Sequential(lin, lin)
        assert len(list(seq.parameters())) == 2
        assert list(seq.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]


def test_deepcopy_and_parameter_repr():
    s = Net()
    c = copy.deepcopy(s)
    assert c.fc1.weight is not s.fc1.weight
    np.testing.assert_array_equal(c.fc1.weight.detach().numpy(), s.fc1.weight.detach().numpy())
    assert isinstance(c.fc1.weight, snn.Parameter) and c.fc1.weight.requires_grad
    p = snn.Parameter(shendu.tensor([1.0, 2.0]))
    assert repr(p) == repr(torch.nn.Parameter(torch.tensor([1.0, 2.0]))).replace("torch",
                                                                                   "shendu")


# ----- dense layers ------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4), (4,)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(shape, bias):
    t = torch.nn.Linear(4, 3, bias=bias)
    s = snn.Linear(4, 3, bias=bias)
    s.load_state_dict(torch_weights(t))
    check(lambda lib, x: (s if lib is shendu else t)(x), shape, second_order=True)
    check(lambda lib, x, w, b: lib.nn.functional.linear(x, w, b), (2, 5, 4), (3, 4), (3,),
          second_order=True)
    assert repr(s) == repr(t)


def test_linear_gradients_for_weight_and_bias():
    t = torch.nn.Linear(6, 2)
    s = snn.Linear(6, 2)
    s.load_state_dict(torch_weights(t))
    x = np.random.default_rng(3).standard_normal((3, 4, 6)).astype(np.float32)
    (s(shendu.tensor(x)) ** 2).sum().backward()
    (t(torch.tensor(x)) ** 2).sum().backward()
    np.testing.assert_allclose(s.weight.grad.numpy(), t.weight.grad.numpy(), rtol=1e-5)
    np.testing.assert_allclose(s.bias.grad.numpy(), t.bias.grad.numpy(), rtol=1e-5)


def test_linear_wrong_feature_size_names_the_layer():
    lin = snn.Linear(784, 10)
    with pytest.raises(RuntimeError) as e:
        lin(shendu.randn(32, 100))
    msg = str(e.value)
    assert "Linear(in_features=784, out_features=10" in msg and "784" in msg and "[32, 100]" in msg
    check_error(lambda lib, x, w: lib.nn.functional.linear(x, w), (4, 3), (2, 4),
                match="cannot be multiplied")


def test_linear_default_init_distribution():
    lin = snn.Linear(400, 300)
    w = lin.weight.detach().numpy()
    bound = 1 / math.sqrt(400)
    assert w.min() >= -bound and w.max() <= bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.02 * bound
    assert abs(lin.bias.detach().numpy()).max() <= bound


def test_bilinear_matches_torch():
    t = torch.nn.Bilinear(3, 4, 5)
    s = snn.Bilinear(3, 4, 5)
    s.load_state_dict(torch_weights(t))
    check(lambda lib, a, b: (s if lib is shendu else t)(a, b), (6, 3), (6, 4))
    check(lambda lib, a, b, w, c: lib.nn.functional.bilinear(a, b, w, c), (2, 6, 3), (2, 6, 4),
          (5, 3, 4), (5,), second_order=True)
    assert repr(s) == repr(t)


@pytest.mark.parametrize("kw", [{}, {"padding_idx": 1}, {"padding_idx": -1},
                                {"scale_grad_by_freq": True}])
def test_embedding_matches_torch(kw):
    t = torch.nn.Embedding(6, 4, **kw)
    s = snn.Embedding(6, 4, **kw)
    s.load_state_dict(torch_weights(t))
    ids = np.array([[1, 2, 1], [5, 1, 0]])
    outs, outt = s(shendu.tensor(ids)), t(torch.tensor(ids))
    np.testing.assert_allclose(outs.detach().numpy(), outt.detach().numpy())
    g = np.random.default_rng(0).standard_normal(outs.shape).astype(np.float32)
    outs.backward(shendu.tensor(g))
    outt.backward(torch.tensor(g))
    np.testing.assert_allclose(s.weight.grad.numpy(), t.weight.grad.numpy(), rtol=1e-6)
    assert repr(s) == repr(t)


def test_embedding_max_norm_and_errors():
    w = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32) * 3
    t = torch.nn.Embedding(5, 3, max_norm=1.0, _weight=torch.tensor(w.copy()))
    s = snn.Embedding(5, 3, max_norm=1.0, _weight=shendu.tensor(w.copy()))
    ids = np.array([0, 2, 2])
    np.testing.assert_allclose(s(shendu.tensor(ids)).detach().numpy(),
                               t(torch.tensor(ids)).detach().numpy(), rtol=1e-5)
    np.testing.assert_allclose(s.weight.detach().numpy(), t.weight.detach().numpy(), rtol=1e-5)
    with pytest.raises(IndexError, match="out of range"):
        s(shendu.tensor([7]))
    e = snn.Embedding.from_pretrained(shendu.ones(3, 2))
    assert not e.weight.requires_grad


def test_flatten_unflatten():
    check(lambda lib, x: lib.nn.Flatten()(x), (2, 3, 4, 5))
    check(lambda lib, x: lib.nn.Flatten(0, 2)(x), (2, 3, 4, 5))
    check(lambda lib, x: lib.nn.Unflatten(1, (3, 4))(x), (2, 12))
    assert repr(snn.Flatten()) == repr(torch.nn.Flatten())


# ----- init ------------------------------------------------------------------------------------

def test_init_functions_statistics():
    init = snn.init
    w = shendu.empty(200, 300)
    assert math.isclose(init.calculate_gain("relu"), torch.nn.init.calculate_gain("relu"))
    assert math.isclose(init.calculate_gain("leaky_relu", 0.2),
                        torch.nn.init.calculate_gain("leaky_relu", 0.2))
    init.xavier_uniform_(w)
    a = math.sqrt(6 / 500)
    assert abs(w.numpy()).max() <= a and abs(w.numpy().std() - a / math.sqrt(3)) < 0.01
    init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
    assert abs(w.numpy().std() - math.sqrt(2 / 200)) < 0.005
    init.trunc_normal_(w, std=1.0, a=-0.5, b=0.5)
    assert w.numpy().min() >= -0.5 and w.numpy().max() <= 0.5
    init.orthogonal_(w)
    q = w.numpy().astype(np.float64)
    np.testing.assert_allclose(q @ q.T, np.eye(200), atol=1e-5)
    init.constant_(w, 0.5)
    assert np.all(w.numpy() == 0.5)
    conv_w = shendu.empty(4, 4, 3, 3)
    init.dirac_(conv_w)
    assert conv_w.numpy()[1, 1, 1, 1] == 1 and conv_w.numpy().sum() == 4
    init.eye_(shendu.empty(3, 3))
    with pytest.raises(ValueError):
        init.xavier_uniform_(shendu.empty(3))
    p = snn.Parameter(shendu.zeros(3))
    init.normal_(p)                 # works on a leaf that requires grad
    assert p.requires_grad and p.is_leaf
