"""The book's defaults and conventions in chainrule.book.layers, activations, losses, optimizers and network."""

import numpy as np
import pytest

import chainrule.book as book


def _net(layers, loss=None, seed=7):
    return book.NeuralNetwork(layers, loss or book.MeanSquaredError(), seed=seed)


def test_dense_defaults_to_standard_normal_weights_and_biases_and_no_activation():
    net = _net([book.Dense(500)])
    x = np.random.default_rng(0).normal(size=(3, 400))
    out = net.forward(x, inference=True)
    W, b = list(net.params())
    assert W.shape == (400, 500) and b.shape == (500,)
    assert W.std() == pytest.approx(1.0, abs=0.02) and b.std() == pytest.approx(1.0, abs=0.15)
    assert np.allclose(out, x @ W + b)  # linear: no activation
    np.random.seed(7)  # the book re-seeds NumPy's global generator with the network's seed, then draws
    assert np.array_equal(W, np.random.normal(0, 1.0, (400, 500)))


def test_glorot_uses_the_square_root():
    net = _net([book.Dense(300, weight_init="glorot")])
    net.forward(np.zeros((1, 500)), inference=True)
    W, _ = list(net.params())
    assert W.std() == pytest.approx(np.sqrt(2 / 800), rel=0.02)  # the book's code: 2/800 as σ


def test_dropout_is_the_keep_probability_and_inverted():
    layer = book.Dense(2000, dropout=0.8)
    net = _net([layer])
    x = np.ones((50, 3))
    train = net.forward(x).numpy()
    clean = net.forward(x, inference=True)
    kept = train != 0
    assert kept.mean() == pytest.approx(0.8, abs=0.01)
    assert np.allclose(train[kept], (clean / 0.8)[kept])
    with pytest.raises(ValueError, match="KEEPING"):
        book.Dense(10, dropout=0.0)


def test_relu_masks_the_gradient():
    """The book's ReLU passed every gradient (its mask was output >= 0); this one passes only where x > 0."""
    net = _net([book.Dense(4, book.ReLU())])
    x = np.random.default_rng(1).normal(size=(6, 3))
    out = net.forward(x)
    out.sum().backward()
    W, b = list(net.params())
    pre = x @ W + b
    assert np.allclose(list(net.param_grads())[1], (pre > 0).sum(axis=0))


def test_conv2d_pads_to_keep_the_size_and_flattens():
    net = _net([book.Conv2D(3, 5, flatten=True)], book.SoftmaxCrossEntropy())
    out = net.forward(np.zeros((2, 1, 8, 8)), inference=True)
    assert out.shape == (2, 3 * 8 * 8)


def test_mean_squared_error_sums_over_outputs_per_sample_and_normalizes():
    p, t = np.array([[1.0, 2.0], [3.0, 5.0]]), np.array([[0.0, 0.0], [3.0, 4.0]])
    assert float(book.MeanSquaredError().forward(p, t)) == pytest.approx((1 + 4 + 0 + 1) / 2)
    q = p / p.sum(axis=1, keepdims=True)
    assert float(book.MeanSquaredError(normalize=True).forward(p, t)) == pytest.approx(((q - t) ** 2).sum() / 2)
    loss = book.MeanSquaredError()
    loss.forward(p, t)
    assert np.allclose(loss.backward(), 2 * (p - t) / 2)  # the book's gradient
    with pytest.raises(ValueError, match="same shape"):
        loss.forward(p, np.zeros(2))


def test_softmax_cross_entropy_value_is_the_function_its_gradient_belongs_to():
    rng = np.random.default_rng(2)
    logits, target = rng.normal(size=(4, 3)), np.eye(3)[[0, 2, 1, 1]]
    loss = book.SoftmaxCrossEntropy()
    value = float(loss.forward(logits, target))
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert value == pytest.approx(-(target * np.log(p)).sum() / 4)
    assert np.allclose(loss.backward(), (p - target) / 4)  # the book's gradient, unchanged


def test_optimizers_take_the_book_s_positional_arguments_and_decay():
    sgd = book.SGD(0.1, 0.01, "linear")
    assert (sgd.lr, sgd.final_lr, sgd.decay_type) == (0.1, 0.01, "linear")
    momentum = book.SGDMomentum(0.2, 0.05, "exponential", 0.5)
    assert momentum.momentum == 0.5
    lrs = []
    for epoch in range(5):
        momentum.start_epoch(epoch, 5)
        lrs.append(momentum.lr)
    assert lrs[0] == pytest.approx(0.2) and lrs[-1] == pytest.approx(0.05)
    assert np.allclose(np.diff(np.log(lrs)), np.log(0.25) / 4)  # ×(final/lr)^(1/(E − 1)) per epoch
    assert book.SGD(0.1, decay_type="linear").schedule is None  # the book decays only with a final_lr


def test_book_momentum_keeps_the_learning_rate_in_the_velocity():
    net = _net([book.Dense(1)])
    net.forward(np.ones((1, 2)), inference=True)
    optim = book.SGDMomentum(0.1, momentum=0.5)
    optim.net = net
    W0 = list(net.params())[0].copy()
    g = []
    for lr in (0.1, 0.01):
        optim.lr = lr
        net.train_batch(np.ones((1, 2)), np.zeros((1, 1)))
        g.append(list(net.param_grads())[0].copy())
        optim.step()
    v1 = 0.1 * g[0]
    v2 = 0.5 * v1 + 0.01 * g[1]
    assert np.allclose(list(net.params())[0], W0 - v1 - v2)


def test_gradient_clipping_clips_each_element_to_two():
    net = _net([book.Dense(1)])
    optim = book.SGD(1.0, gradient_clipping=True)
    optim.net = net
    net.train_batch(np.full((1, 2), 100.0), np.zeros((1, 1)))
    before = [p.copy() for p in net.params()]
    grads = [g.copy() for g in net.param_grads()]
    optim.step()
    for p0, p1, g in zip(before, net.params(), grads):
        assert np.allclose(p0 - p1, np.clip(g, -2, 2))


def test_network_forward_backward_params_and_param_grads_as_the_book():
    net = _net([book.Dense(3, book.Tanh()), book.Dense(2)], book.SoftmaxCrossEntropy())
    X, y = np.random.default_rng(3).normal(size=(5, 4)), np.eye(2)[[0, 1, 1, 0, 1]]
    assert isinstance(net.forward(X, inference=True), np.ndarray)
    prediction = net.forward(X)
    loss = net.loss.forward(prediction, y)
    net.backward(net.loss.backward())
    manual = [g.copy() for g in net.param_grads()]
    assert [p.shape for p in net.params()] == [(4, 3), (3,), (3, 2), (2,)]
    assert float(net.train_batch(X, y)) == pytest.approx(float(loss))
    assert all(np.allclose(a, b) for a, b in zip(manual, net.param_grads()))
    assert np.argmax(net.forward(X), axis=1).shape == (5,)  # NumPy takes the training output too


def test_trainer_exposes_optim_and_restart_draws_the_weights_again(capsys):
    net = _net([book.Dense(1)])
    X, y = np.ones((8, 2)), np.ones((8, 1))
    trainer = book.Trainer(net, book.SGD(0.01))
    assert trainer.optim.net is net
    trainer.fit(X, y, X, y, epochs=2, eval_every=1, batch_size=4)
    trained = [p.copy() for p in net.params()]
    trainer.fit(X, y, X, y, epochs=2, eval_every=1, batch_size=4, restart=True)
    assert all(np.allclose(a, b) for a, b in zip(trained, net.params()))  # the same seed: the same run again
    trainer.fit(X, y, X, y, epochs=2, eval_every=1, batch_size=4, restart=False)
    assert not all(np.allclose(a, b) for a, b in zip(trained, net.params()))  # continued from where it was
    assert "Validation loss after 1 epochs is" in capsys.readouterr().out
