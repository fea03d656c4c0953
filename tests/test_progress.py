"""The plain-text progress line (used when tqdm is absent)."""

import io

from chainrule.progress import Progress


def test_line_shows_count_values_and_rate():
    bar = Progress(10, "epoch 1/3", enabled=False)
    bar.update(4, loss=0.25)
    line = bar.line()
    assert line.startswith("epoch 1/3 [") and "4/10" in line and "loss 0.25" in line and "it/s" in line


def test_disabled_bar_writes_nothing():
    stream = io.StringIO()
    with Progress(3, "x", enabled=False, stream=stream) as bar:
        bar.update(3)
    assert stream.getvalue() == ""
