"""What the command line says: scores, error messages in its own words, the command to paste.

Kept apart from `chainrule.cli` (the parser and the commands) so each stays one sitting's read.
"""

from __future__ import annotations

import os
import sys
from typing import Any

# The library's words for what the command line calls an option.
CLI_WORDS = (("(or pass root=<folder>)", "(or pass --data <folder>)"), ("root= argument", "--data"),
             ("root=", "--data "), ("resume=True", "--resume"), ("checkpoint_dir", "--checkpoint-dir"))


def speak_cli(message: str) -> str:
    """An error message of the library, in the command line's words (`--data DIR`, not `root=`)."""
    for library, cli in CLI_WORDS:
        message = message.replace(library, cli)
    return message


def scores_line(net: Any, output: Any, y: Any) -> str:
    """``test accuracy 97.65 %  (loss 0.0789)`` for a classifier, ``test MAE 2.60  RMSE 3.89`` for a regression,
    from the network's outputs on the test set (``net.predict(X)``)."""
    from chainrule.metrics import mae_rmse

    scores = net.scores(output, y)
    if "accuracy" in scores:
        return f"test accuracy {100 * scores['accuracy']:.2f} %  (loss {scores['loss']:.4f})"
    mae, rmse = mae_rmse(output, y)
    return f"test MAE {mae:.4f}  RMSE {rmse:.4f}  (mean squared error {scores['loss']:.4f})"


def confusion_text(net: Any, output: Any, y: Any) -> str:
    """A classifier's confusion matrix from its outputs (``net.predict(X)``), titled, as `chainrule evaluate`
    prints it."""
    from chainrule.metrics import confusion_matrix, format_confusion_matrix

    counts = confusion_matrix(y, net.loss.predict(output), classes=max(output.shape[-1], 2))
    return "confusion matrix (rows: the true class, columns: the predicted one):\n" + format_confusion_matrix(counts)


def program() -> list[str]:
    """How this command was started, so that the printed command can be pasted: `chainrule` when that is what
    the shell finds, else the script's path (`.venv/bin/chainrule`), else `python -m chainrule`."""
    import shutil

    script = sys.argv[0] if sys.argv else ""
    if not script or script.endswith(("__main__.py", "-c")) or not os.path.isfile(script):
        return [sys.executable, "-m", "chainrule"]
    found = shutil.which(os.path.basename(script))
    if found and os.path.samefile(found, script):
        return [os.path.basename(script)]
    return [script]


def smoke_rows(rows: list[Any]) -> list[Any]:
    """A quick run's rows without a verdict: the bars are the full run's."""
    from dataclasses import replace

    return [replace(row, bar="", passed=None, book=None) for row in rows]  # the book's numbers are full runs
