"""Every plot writes a non-empty PNG of the size of the figure it returns (skipped without matplotlib)."""

import runpy
import struct
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import chainrule as cr  # noqa: E402
from chainrule.data.toy import make_toy  # noqa: E402
from chainrule.viz import (  # noqa: E402
    plot_conv_filters, plot_decision_boundary, plot_history, plot_reconstructions, tutorial_boundaries,
)
from chainrule.viz._figure import DPI  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def png_size(path):
    """(width, height) from the PNG's IHDR chunk."""
    data = Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def assert_png_of(figure, path, size=None):
    expected = tuple(int(round(v)) for v in figure.get_size_inches() * DPI)
    assert png_size(path) == expected
    if size is not None:
        assert expected == size
    assert Path(path).stat().st_size > 1000


def history(**changes):
    h = cr.History(train_loss=[1.0, 0.5, 0.3, 0.25], lr=[0.1, 0.1, 0.1, 0.1], eval_epochs=[2, 4],
                   test_loss=[0.6, 0.35], test_accuracy=[0.8, 0.9], best_epoch=4)
    for key, value in changes.items():
        setattr(h, key, value)
    return h


def test_plot_history_from_a_history_and_from_its_dict(tmp_path):
    figure = plot_history(history(), tmp_path / "h.png")
    assert_png_of(figure, tmp_path / "h.png", (1000, 360))
    assert [ax.get_title() for ax in figure.axes] == ["loss", "test accuracy (last 90.00 %)"]
    figure = plot_history(history(test_accuracy=[], lr=[0.1, 0.08, 0.06, 0.05]).as_dict(), tmp_path / "d.png")
    assert_png_of(figure, tmp_path / "d.png", (500, 450))
    assert [ax.get_ylabel() for ax in figure.axes] == ["loss", "learning rate"]


def test_plot_history_rejects_what_it_cannot_draw():
    with pytest.raises(TypeError, match="History"):
        plot_history([1.0, 0.5])
    with pytest.raises(ValueError, match="empty"):
        plot_history(cr.History())
    with pytest.raises(ValueError, match="same length"):
        plot_history(history(test_loss=[0.5]))


def test_plot_decision_boundary_for_a_network_and_a_function(tmp_path):
    X, y = make_toy("xor", n=40, seed=1)
    net = cr.NeuralNetwork([cr.Dense(4, "tanh"), cr.Dense(2)], cr.SoftmaxCrossEntropy(), seed=0)
    figure = plot_decision_boundary(net, X, y, resolution=30, path=tmp_path / "b.png", title="untrained")
    assert_png_of(figure, tmp_path / "b.png", (450, 420))
    assert figure.axes[0].get_title() == "untrained"
    figure = plot_decision_boundary(lambda p: (p[:, 0] * p[:, 1] > 0).astype(float), X, np.eye(2)[y],
                                    resolution=20, path=tmp_path / "f.png")
    assert_png_of(figure, tmp_path / "f.png")
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        plot_decision_boundary(net, np.zeros((5, 3)), np.zeros(5))


def test_plot_decision_boundary_into_given_axes():
    from chainrule.viz._figure import new_figure

    figure = new_figure(6, 3)
    axes = figure.subplots(1, 2)
    net = cr.NeuralNetwork([cr.Dense(1)], cr.BinaryCrossEntropy(), seed=0)
    X, y = make_toy("blobs", n=20)
    assert plot_decision_boundary(net, X, y, ax=axes[1], resolution=10) is figure


def test_tutorial_boundaries_has_three_titled_panels(tmp_path):
    figure = tutorial_boundaries(tmp_path / "t.png", epochs=2, n=40)
    assert_png_of(figure, tmp_path / "t.png", (1200, 430))
    titles = [ax.get_title() for ax in figure.axes]
    assert [t.split(":")[0] for t in titles] == ["2 → 6 tanh → 2", "2 → 2 tanh → 2", "2 → 6 ReLU → 2"]
    assert all("training accuracy" in t for t in titles)


def test_the_toy_boundaries_example_writes_its_png(tmp_path):
    main = runpy.run_path(str(ROOT / "examples" / "toy_2d_boundaries.py"))["main"]
    out = main(str(tmp_path / "toy.png"), epochs=1)
    assert png_size(out) == (1200, 430)


@pytest.mark.parametrize("shape, size", [((10, 1, 5, 5), (460, 360)), ((6, 3, 3, 3), (300, 260)),
                                         ((3, 5, 3, 3), (540, 300))])
def test_plot_conv_filters_from_arrays(tmp_path, shape, size):
    weights = np.random.default_rng(0).normal(size=shape)
    figure = plot_conv_filters(weights, tmp_path / "w.png")
    assert_png_of(figure, tmp_path / "w.png", size)


def test_plot_conv_filters_from_layers_and_networks(tmp_path):
    layer = SimpleNamespace(weight=cr.Parameter(np.ones((4, 1, 3, 3))))
    assert_png_of(plot_conv_filters(layer, tmp_path / "l.png", max_filters=2), tmp_path / "l.png")
    with pytest.raises(ValueError, match="first call"):
        plot_conv_filters(SimpleNamespace(weight=None))
    with pytest.raises(ValueError, match=r"\(C_out, C_in, kh, kw\)"):
        plot_conv_filters(np.ones((3, 3)))
    conv = pytest.importorskip("chainrule.layers.conv")
    net = cr.NeuralNetwork([conv.Conv2D(4, 3), cr.Flatten(), cr.Dense(2)], cr.SoftmaxCrossEntropy(), seed=0)
    net.predict(np.zeros((1, 1, 8, 8), dtype=np.float32))
    assert_png_of(plot_conv_filters(net, tmp_path / "n.png"), tmp_path / "n.png")


@pytest.mark.parametrize("shape", [(5, 1, 12, 12), (5, 12, 12), (5, 144), (5, 3, 8, 8)])
def test_plot_reconstructions(tmp_path, shape):
    rng = np.random.default_rng(0)
    images = rng.uniform(size=shape)
    figure = plot_reconstructions(images, images + rng.normal(scale=0.05, size=shape), tmp_path / "r.png", n=4)
    assert_png_of(figure, tmp_path / "r.png", (530, 300))
    assert len(figure.axes) == 8


def test_plot_reconstructions_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="same shape"):
        plot_reconstructions(np.zeros((3, 4, 4)), np.zeros((3, 5, 5)))
    with pytest.raises(ValueError, match="square"):
        plot_reconstructions(np.zeros((3, 10)), np.zeros((3, 10)))
