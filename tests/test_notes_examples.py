"""The PyTorch code in the study notes, run on shendu with only the imports changed
(``import shendu as torch``, ``import shendu.nn as nn``, ``import shendu.nn.functional as F``),
giving PyTorch's numbers. The snippets below are copied verbatim from ../shared/notes."""

import numpy as np

import shendu

AUTOGRAD = '''
import torch

# 定义参数
w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([2.0])
# 前向传播
y = w * x
loss = y ** 2
# 反向传播（PyTorch 自动计算梯度！）
loss.backward()
print(f"梯度 dL/dw = {w.grad}")  # 输出: 8.0
'''

LINEAR = '''
import torch
import torch.nn as nn

# 定义一个线性层：输入 3 维，输出 2 维
linear = nn.Linear(in_features=3, out_features=2)

# 输入一个 batch 的数据（batch_size=4）
x = torch.randn(4, 3)  # shape: (4, 3)
y = linear(x)           # shape: (4, 2)
'''

MLP = '''
import torch
import torch.nn as nn

class MLP(nn.Module):
    def __init__(self, input_dim, hidden_dim, output_dim):
        super(MLP, self).__init__()
        self.fc1 = nn.Linear(input_dim, hidden_dim)
        self.fc2 = nn.Linear(hidden_dim, hidden_dim)
        self.fc3 = nn.Linear(hidden_dim, output_dim)
        self.relu = nn.ReLU()

    def forward(self, x):
        x = self.relu(self.fc1(x))
        x = self.relu(self.fc2(x))
        x = self.fc3(x)  # 输出层不加激活函数
        return x

# 使用示例
model = MLP(input_dim=784, hidden_dim=256, output_dim=10)
x = torch.randn(32, 784)  # batch_size=32
output = model(x)  # shape: (32, 10)
'''

SIMPLE_CNN = '''
import torch.nn as nn

class SimpleCNN(nn.Module):
    def __init__(self):
        super(SimpleCNN, self).__init__()

        self.conv1 = nn.Conv2d(in_channels=1, out_channels=32, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(in_channels=32, out_channels=64, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        self.fc1 = nn.Linear(64 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, 10)
        self.relu = nn.ReLU()

    def forward(self, x):
        # x shape: (batch, 1, 28, 28)
        x = self.relu(self.conv1(x))  # -> (batch, 32, 28, 28)
        x = self.pool(x)               # -> (batch, 32, 14, 14)
        x = self.relu(self.conv2(x))  # -> (batch, 64, 14, 14)
        x = self.pool(x)               # -> (batch, 64, 7, 7)
        x = x.view(-1, 64 * 7 * 7)    # flatten
        x = self.relu(self.fc1(x))
        x = self.fc2(x)
        return x
'''

LSTM_MODEL = '''
import torch.nn as nn

class LSTMModel(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(LSTMModel, self).__init__()
        self.lstm = nn.LSTM(input_size, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        # x shape: (batch, seq_len, input_size)
        lstm_out, (h_n, c_n) = self.lstm(x)
        # lstm_out shape: (batch, seq_len, hidden_size)
        # 取最后一个时间步的输出
        out = self.fc(lstm_out[:, -1, :])
        return out
'''

GCN_LAYER = '''
import torch
import torch.nn as nn
import torch.nn.functional as F

class GCNLayer(nn.Module):
    def __init__(self, in_features, out_features):
        super(GCNLayer, self).__init__()
        self.linear = nn.Linear(in_features, out_features)

    def forward(self, X, A):
        # X: (N, in_features), A: (N, N) adjacency matrix
        # 添加自环并归一化
        A_hat = A + torch.eye(A.size(0), device=A.device)
        D_hat = torch.diag(A_hat.sum(1))
        D_inv_sqrt = torch.pow(D_hat, -0.5)
        D_inv_sqrt[torch.isinf(D_inv_sqrt)] = 0.
        A_norm = D_inv_sqrt @ A_hat @ D_inv_sqrt

        # GCN操作
        out = A_norm @ X
        out = self.linear(out)
        return F.relu(out)
'''

LAYER_SNIPPETS_004 = '''
import torch
import torch.nn as nn

conv = nn.Conv2d(in_channels=3, out_channels=16, kernel_size=3, stride=1, padding=1)
pool = nn.MaxPool2d(kernel_size=2, stride=2)
flatten = nn.Flatten()
fc = nn.Linear(5, 3)  # 输入5个值，输出3个值
x = torch.randn(2, 5)  # 两个样本，每个样本5个值
y = fc(x)  # 输出 shape: [2, 3]
img = torch.randn(2, 3, 32, 32)
feat = pool(conv(img))
flat = flatten(feat)
flat2 = feat.view(feat.size(0), -1)  # 批大小不变，其余全部展平
model = nn.Sequential(
    nn.Conv2d(3, 8, 3, padding=1),
    nn.ReLU(),
    nn.MaxPool2d(2),
    nn.Flatten(),
    nn.Linear(512, 2)  # 输出两个值，表示“猫”和“狗”的得分
)
scores = model(torch.randn(4, 3, 16, 16))
'''


def run_on_shendu(code: str, extra=None) -> dict:
    """Execute a notes snippet with its torch imports pointing at shendu."""
    code = (code.replace("import torch.nn.functional as F", "import shendu.nn.functional as F")
                .replace("import torch.nn as nn", "import shendu.nn as nn")
                .replace("import torch\n", "import shendu as torch\n"))
    ns = dict(extra or {})
    exec(code, ns)
    return ns


def run_on_torch(code: str, extra=None) -> dict:
    ns = dict(extra or {})
    exec(code, ns)
    return ns


def same_weights(dst, src):
    """Load a torch module's weights into the shendu module built by the same code."""
    dst.load_state_dict({k: v.detach().numpy() for k, v in src.state_dict().items()})


def assert_close(a, b, rtol=1e-5, atol=1e-5):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=atol)


def test_autograd_example(capsys):
    ns = run_on_shendu(AUTOGRAD)
    assert ns["w"].grad.tolist() == [8.0]
    assert "梯度 dL/dw = tensor([8.])" in capsys.readouterr().out


def test_linear_example():
    ns = run_on_shendu(LINEAR)
    assert tuple(ns["y"].shape) == (4, 2)


def test_mlp_example_gives_torch_numbers():
    s, t = run_on_shendu(MLP), run_on_torch(MLP)
    assert tuple(s["output"].shape) == (32, 10)
    same_weights(s["model"], t["model"])
    x = t["x"].numpy()
    assert_close(s["model"](shendu.tensor(x)), t["model"](t["torch"].tensor(x)))


def _compare_module(s_mod, t_mod, *inputs, rtol=1e-5, atol=1e-5):
    import torch
    same_weights(s_mod, t_mod)
    xs = [shendu.tensor(x, requires_grad=x.dtype.kind == "f") for x in inputs]
    xt = [torch.tensor(x, requires_grad=x.dtype.kind == "f") for x in inputs]
    ys, yt = s_mod(*xs), t_mod(*xt)
    assert_close(ys, yt, rtol, atol)
    ys.square().sum().backward()
    yt.square().sum().backward()
    for a, b in zip(s_mod.parameters(), t_mod.parameters()):
        assert_close(a.grad, b.grad, rtol=1e-4, atol=1e-4)


def test_simple_cnn_example_gives_torch_numbers():
    s, t = run_on_shendu(SIMPLE_CNN), run_on_torch(SIMPLE_CNN)
    x = np.random.default_rng(0).standard_normal((2, 1, 28, 28)).astype(np.float32)
    _compare_module(s["SimpleCNN"](), t["SimpleCNN"](), x, atol=1e-4)


def test_lstm_model_example_gives_torch_numbers():
    s, t = run_on_shendu(LSTM_MODEL), run_on_torch(LSTM_MODEL)
    x = np.random.default_rng(1).standard_normal((3, 7, 5)).astype(np.float32)
    _compare_module(s["LSTMModel"](5, 8, 2), t["LSTMModel"](5, 8, 2), x)


def test_gcn_layer_example_gives_torch_numbers():
    s, t = run_on_shendu(GCN_LAYER), run_on_torch(GCN_LAYER)
    rng = np.random.default_rng(2)
    a = (rng.uniform(size=(6, 6)) > 0.6).astype(np.float32)
    a = np.maximum(a, a.T)
    np.fill_diagonal(a, 0)
    x = rng.standard_normal((6, 4)).astype(np.float32)
    _compare_module(s["GCNLayer"](4, 3), t["GCNLayer"](4, 3), x, a)


def test_layer_snippets_of_note_004():
    s, t = run_on_shendu(LAYER_SNIPPETS_004), run_on_torch(LAYER_SNIPPETS_004)
    for name in ("y", "feat", "flat", "flat2", "scores"):
        assert tuple(s[name].shape) == tuple(t[name].shape), name
    assert repr(s["model"]) == repr(t["model"])
