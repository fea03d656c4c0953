"""Chapter 4's cells through chainrule.book, on a slice of MNIST, beside PyTorch running the same cell.

Each cell is the book's (its imports swapped, nothing else). The data is made
small (the first 300 training and 200 test images) by handing the cells a
smaller ``mnist.load``. The book's printed accuracies come from 60,000 images,
so on the slice the reference is a PyTorch run of the same cell: the book's
semantics written out in torch (NumPy's global generator for the weights,
biases and the shuffles, the book's momentum and decay, its early stopping),
from the same seed. How far apart two correct runs may land is measured, not
assumed: the same torch cell in float32 and in float64 gives the noise, and
ours (float64) must be within it, or within one test image, whichever is larger.

Where the book's code was wrong, the torch run is the reference (it has a
correct ReLU) and the book's number is not; the printed validation losses of
softmax cells are not compared with the book's, whose loss value was not the
softmax cross-entropy (see chainrule.book.losses).
"""

import numpy as np
import pytest

from notebook_cells import numbers_after, run_cell

torch = pytest.importorskip("torch")

N_TRAIN, N_TEST = 300, 200

SETUP = """
import numpy as np
from lincoln.layers import Dense
from lincoln.losses import SoftmaxCrossEntropy, MeanSquaredError
from lincoln.optimizers import Optimizer, SGD, SGDMomentum
from lincoln.activations import Sigmoid, Tanh, Linear, ReLU
from lincoln.network import NeuralNetwork
from lincoln.train import Trainer
from lincoln.utils import mnist

X_train, y_train, X_test, y_test = mnist.load()

num_labels = len(y_train)
train_labels = np.zeros((num_labels, 10))
for i in range(num_labels):
    train_labels[i][y_train[i]] = 1

num_labels = len(y_test)
test_labels = np.zeros((num_labels, 10))
for i in range(num_labels):
    test_labels[i][y_test[i]] = 1

X_train, X_test = X_train - np.mean(X_train), X_test - np.mean(X_train)
X_train, X_test = X_train / np.std(X_train), X_test / np.std(X_train)

def calc_accuracy_model(model, test_set):
    return print(f'''The model validation accuracy is: {np.equal(np.argmax(model.forward(test_set, inference=True), axis=1), y_test).sum() * 100.0 / test_set.shape[0]:.2f}%''')
"""

CELL = """
model = NeuralNetwork(
    layers=[Dense(neurons=89, activation={hidden}(){init}),
            Dense(neurons=10, activation={last}(){init})],
            loss = {loss},
seed=20190119)

trainer = Trainer(model, {optimizer})
trainer.fit(X_train, train_labels, X_test, test_labels,
            epochs = 50,
            eval_every = 10,
            seed=20190119,
            batch_size=60);
print()
calc_accuracy_model(model, X_test)
"""

CASES = {  # name: (hidden, last, loss, optimizer, weight_init): the book's chapter-4 configurations
    "mse sigmoid output": ("Tanh", "Sigmoid", "MeanSquaredError(normalize=False)", "SGD(0.1)", None),
    "softmax, tanh, SGD (book 90.92 %)": ("Tanh", "Linear", "SoftmaxCrossEntropy()", "SGD(0.1)", None),
    "ReLU, SGD (book 71.84 %, its ReLU broken)": ("ReLU", "Linear", "SoftmaxCrossEntropy()", "SGD(0.1)", None),
    "momentum (book 95.36 %)": ("Tanh", "Linear", "SoftmaxCrossEntropy()", "SGDMomentum(0.1, momentum=0.9)", None),
    "sigmoid, Glorot, momentum, exponential decay (book 97.46 %)": (
        "Sigmoid", "Linear", "SoftmaxCrossEntropy()",
        "SGDMomentum(0.2, momentum=0.9, final_lr=0.05, decay_type='exponential')", "glorot"),
}


@pytest.fixture(scope="module")
def namespace():
    from chainrule.book.utils import mnist

    try:
        X_train, y_train, X_test, y_test = mnist.load()
    except Exception as error:  # noqa: BLE001 - the vendored data may be absent on a bare checkout
        pytest.skip(f"MNIST is not available: {error}")
    small = (X_train[:N_TRAIN], y_train[:N_TRAIN], X_test[:N_TEST], y_test[:N_TEST])
    original = mnist.load
    mnist.load = lambda *args, **kwargs: small
    try:
        _, ns = run_cell(SETUP)
    finally:
        mnist.load = original
    return ns


def torch_cell(ns, hidden, last, loss, optimizer, weight_init, dtype):
    """The cell's semantics in PyTorch: the book's draws, shuffles, update rule, decay and early stopping."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a few hundred tiny steps: threads only contend
    try:
        return _torch_cell(ns, hidden, last, loss, optimizer, weight_init, dtype)
    finally:
        torch.set_num_threads(threads)


def _torch_cell(ns, hidden, last, loss, optimizer, weight_init, dtype):
    acts = {"Tanh": torch.tanh, "Sigmoid": torch.sigmoid, "ReLU": torch.relu, "Linear": lambda v: v}
    X, Y = ns["X_train"], ns["train_labels"]
    Xt = torch.tensor(ns["X_test"], dtype=dtype)
    Yt = torch.tensor(ns["test_labels"], dtype=dtype)
    lr0 = 0.2 if "0.2" in optimizer else 0.1
    momentum = 0.9 if "momentum" in optimizer else 0.0
    epochs, eval_every, seed = 50, 10, 20190119

    def lr_at(e):
        return lr0 * (0.05 / lr0) ** (e / (epochs - 1)) if "exponential" in optimizer else lr0

    def forward(params, x):
        (W1, b1), (W2, b2) = params
        return acts[last](acts[hidden](x @ W1 + b1) @ W2 + b2)

    def loss_of(out, y):
        if loss.startswith("Mean"):
            return ((out - y) ** 2).sum() / out.shape[0]
        return -(y * torch.log_softmax(out, dim=1)).sum() / out.shape[0]

    np.random.seed(seed)
    params, velocity, best, best_params = None, None, 1e9, None
    for e in range(epochs):
        perm = np.random.permutation(len(X))
        X, Y = X[perm], Y[perm]
        for start in range(0, len(X), 60):
            if params is None:
                params, fan_in = [], X.shape[1]
                for n in (89, 10):
                    np.random.seed(seed)  # each book Dense re-seeds before drawing
                    scale = np.sqrt(2.0 / (fan_in + n)) if weight_init else 1.0
                    W, b = np.random.normal(0, scale, (fan_in, n)), np.random.normal(0, scale, (1, n))
                    params.append([torch.tensor(a, dtype=dtype, requires_grad=True) for a in (W, b)])
                    fan_in = n
                velocity = [torch.zeros_like(p) for layer in params for p in layer]
            x = torch.tensor(X[start:start + 60], dtype=dtype)
            y = torch.tensor(Y[start:start + 60], dtype=dtype)
            flat = [p for layer in params for p in layer]
            grads = torch.autograd.grad(loss_of(forward(params, x), y), flat)
            with torch.no_grad():
                for p, g, v in zip(flat, grads, velocity):
                    v.mul_(momentum).add_(lr_at(e) * g)  # the book's v ← μ·v + lr·g; p ← p − v
                    p.sub_(v)
        if (e + 1) % eval_every == 0:
            with torch.no_grad():
                value = loss_of(forward(params, Xt), Yt).item()
            if value >= best:
                params = best_params
                break
            best, best_params = value, [[p.detach().clone() for p in layer] for layer in params]
    with torch.no_grad():
        predicted = forward(params, Xt).argmax(1).numpy()
    return 100.0 * np.mean(predicted == ns["y_test"])


@pytest.mark.parametrize("name", list(CASES))
def test_chapter_4_cells_land_where_pytorch_lands(namespace, name):
    hidden, last, loss, optimizer, weight_init = CASES[name]
    init = f', weight_init="{weight_init}"' if weight_init else ""
    cell = CELL.format(hidden=hidden, last=last, loss=loss, optimizer=optimizer, init=init)
    printed, _ = run_cell(cell, dict(namespace))
    (ours,) = numbers_after(printed, "accuracy is:")
    reference = torch_cell(namespace, *CASES[name], dtype=torch.float64)
    noise = abs(torch_cell(namespace, *CASES[name], dtype=torch.float32) - reference)
    one_image = 100.0 / N_TEST
    assert abs(ours - reference) <= max(noise, one_image) + 1e-9, (name, ours, reference, noise)
