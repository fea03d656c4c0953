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


class _Log(io.StringIO):
    """A log file: not a terminal."""

    def isatty(self):
        return False


def test_a_log_gets_whole_lines_never_carriage_return_frames(monkeypatch):
    stream = _Log()
    monkeypatch.setattr(Progress, "log_every", 0.0)  # a line at every update, to see what one looks like
    with Progress(5, "epoch 1/1", stream=stream, unit="batch") as bar:
        for _ in range(5):
            bar.update(1, loss=0.5)
    text = stream.getvalue()
    assert "\r" not in text and "\x1b" not in text
    lines = text.splitlines()
    assert lines and all(line.startswith("epoch 1/1 [") and "batch/s" in line for line in lines)


def test_a_log_is_not_flooded(monkeypatch):
    stream = _Log()
    with Progress(1000, "epoch 1/1", stream=stream) as bar:
        for _ in range(1000):
            bar.update(1)
    assert stream.getvalue() == ""  # under log_every seconds: nothing to report
