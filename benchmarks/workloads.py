"""The workloads: each builds the same computation for a framework module (ember or torch) and
returns a zero-argument callable that runs it once."""

import numpy as np


def _arr(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def small_add(fw):
    a, b = fw.tensor(_arr(10)), fw.tensor(_arr(10, seed=1))
    return lambda: a + b


def chain_backward(fw):
    x = fw.tensor(_arr(16), requires_grad=True)

    def run():
        y = x
        for _ in range(5):
            y = (y * 1.01 + 0.5).relu()
        y.sum().backward()

    return run


def large_elementwise(fw):
    a, b = fw.tensor(_arr(4_000_000)), fw.tensor(_arr(4_000_000, seed=1))
    return lambda: (a * b + a).exp()


def matmul(fw):
    a, b = fw.tensor(_arr(1024, 1024)), fw.tensor(_arr(1024, 1024, seed=1))
    return lambda: a @ b


def bmm(fw):
    a, b = fw.tensor(_arr(64, 128, 128)), fw.tensor(_arr(64, 128, 128, seed=1))
    return lambda: fw.bmm(a, b)


def reductions(fw):
    a = fw.tensor(_arr(1000, 4000))
    return lambda: (a.sum(), a.sum(1), a.amax(0), a.mean(), a.var(1))


def softmax(fw):
    a = fw.tensor(_arr(512, 1000))
    return lambda: fw.nn.functional.softmax(a, dim=1)


def _conv_setup(fw, grad):
    x = fw.tensor(_arr(64, 32, 26, 26), requires_grad=grad)
    w = fw.tensor(_arr(64, 32, 3, 3) * 0.1, requires_grad=grad)
    b = fw.tensor(_arr(64), requires_grad=grad)
    return x, w, b


def conv2d_forward(fw):
    x, w, b = _conv_setup(fw, False)
    return lambda: fw.nn.functional.conv2d(x, w, b)


def conv2d_forward_backward(fw):
    x, w, b = _conv_setup(fw, True)

    def run():
        fw.nn.functional.conv2d(x, w, b).sum().backward()

    return run


def maxpool2d(fw):
    x = fw.tensor(_arr(64, 32, 26, 26))
    return lambda: fw.nn.functional.max_pool2d(x, 2)


def _train_step(fw, model, opt, x, y, loss_fn):
    def run():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    return run


def mlp_step(fw):
    nn = fw.nn
    fw.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                          nn.Linear(256, 10))
    x = fw.tensor(_arr(128, 784))
    y = fw.tensor(np.random.default_rng(0).integers(0, 10, 128))
    opt = fw.optim.Adam(model.parameters(), lr=1e-3)
    return _train_step(fw, model, opt, x, y, nn.functional.cross_entropy)


def convnet_step(fw):
    nn = fw.nn
    F = nn.functional
    fw.manual_seed(0)

    class ConvNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 32, 3, 1)
            self.conv2 = nn.Conv2d(32, 64, 3, 1)
            self.dropout1 = nn.Dropout2d(0.25)
            self.dropout2 = nn.Dropout2d(0.5)
            self.fc1 = nn.Linear(9216, 128)
            self.fc2 = nn.Linear(128, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv2(F.relu(self.conv1(x)))), 2)
            x = fw.flatten(self.dropout1(x), 1)
            x = self.fc2(self.dropout2(F.relu(self.fc1(x))))
            return F.log_softmax(x, dim=1)

    model = ConvNet()
    x = fw.tensor(_arr(64, 1, 28, 28))
    y = fw.tensor(np.random.default_rng(0).integers(0, 10, 64))
    opt = fw.optim.Adam(model.parameters(), lr=1e-3)
    return _train_step(fw, model, opt, x, y, F.nll_loss)


def lstm_step(fw):
    nn = fw.nn
    fw.manual_seed(0)

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(32, 128, num_layers=2, batch_first=True)
            self.head = nn.Linear(128, 10)

        def forward(self, x):
            out, _ = self.lstm(x)
            return self.head(out[:, -1])

    model = Model()
    x = fw.tensor(_arr(32, 50, 32))
    y = fw.tensor(np.random.default_rng(0).integers(0, 10, 32))
    opt = fw.optim.Adam(model.parameters(), lr=1e-3)
    return _train_step(fw, model, opt, x, y, nn.functional.cross_entropy)


def transformer_step(fw):
    nn = fw.nn
    fw.manual_seed(0)
    layer = nn.TransformerEncoderLayer(128, 4, dim_feedforward=512, batch_first=True)
    model = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
    x = fw.tensor(_arr(16, 64, 128))
    target = fw.tensor(_arr(16, 64, 128, seed=1))
    opt = fw.optim.AdamW(model.parameters(), lr=1e-3)
    return _train_step(fw, model, opt, x, target, nn.functional.mse_loss)


def dataloader_epoch(fw):
    data = fw.tensor(_arr(60000, 784))
    labels = fw.tensor(np.random.default_rng(0).integers(0, 10, 60000))
    ds = fw.utils.data.TensorDataset(data, labels)
    loader = fw.utils.data.DataLoader(ds, batch_size=64, shuffle=True)

    def run():
        for _ in loader:
            pass

    return run


WORKLOADS = {
    "small_add": (small_add, 2000),
    "chain10_backward": (chain_backward, 200),
    "elementwise_4M": (large_elementwise, 3),
    "matmul_1024": (matmul, 3),
    "bmm_64x128": (bmm, 5),
    "reductions": (reductions, 3),
    "softmax_512x1000": (softmax, 10),
    "conv2d_fwd": (conv2d_forward, 2),
    "conv2d_fwd_bwd": (conv2d_forward_backward, 1),
    "maxpool2d": (maxpool2d, 3),
    "mlp_step": (mlp_step, 10),
    "convnet_step": (convnet_step, 1),
    "lstm_step": (lstm_step, 1),
    "transformer_step": (transformer_step, 1),
    "dataloader_60k": (dataloader_epoch, 1),
}
