"""End to end: how long `chainrule train mnist-mlp` trains before its test accuracy reaches 98 %.

    python benchmarks/time_to_accuracy.py                 # 2 threads, the recipe's 30 epochs at most
    python benchmarks/time_to_accuracy.py --threads 1 --target 0.97

Trains the `mnist-mlp` recipe (the command's own definition) with the Trainer,
for all its epochs (its learning-rate schedule spans them), evaluating after
every epoch, and prints one JSON line: the first epoch whose test accuracy
reached the target, the training seconds up to it (the sum of the epochs'
training passes; evaluations are not counted), and every epoch's accuracy and
seconds.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import machine, set_threads  # noqa: E402  (sibling script)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2, help="BLAS threads (default 2)")
    parser.add_argument("--target", type=float, default=0.98, help="test accuracy to reach (default 0.98)")
    parser.add_argument("--data", default=None, help="data folder (default: the package's search path)")
    parser.add_argument("--quick", action="store_true", help="the recipe's quick version (a smoke test)")
    args = parser.parse_args(argv)
    set_threads(args.threads)

    import chainrule as cr
    from chainrule.recipes import RECIPES

    recipe = RECIPES["mnist-mlp"](None, args.data, args.quick, 0)
    X_train, y_train, X_test, y_test = recipe.data
    history = cr.Trainer(recipe.net, recipe.optimizer, quiet=True).fit(
        X_train, y_train, X_test, y_test, epochs=recipe.fit["epochs"], eval_every=1,
        batch_size=recipe.fit["batch_size"], seed=0, early_stopping=False)
    accuracies, seconds = history.test_accuracy, history.epoch_seconds
    reached = next((epoch for epoch, accuracy in enumerate(accuracies, 1) if accuracy >= args.target), None)
    print(json.dumps({"benchmark": "time_to_accuracy", "recipe": "mnist-mlp", "target": args.target,
                      "threads": args.threads, "reached_at_epoch": reached,
                      "training_seconds": round(sum(seconds[:reached]), 2) if reached else None,
                      "epoch_accuracy": [round(a, 4) for a in accuracies],
                      "epoch_seconds": [round(s, 2) for s in seconds], "machine": machine()}))
    return 0 if reached else 1


if __name__ == "__main__":
    sys.exit(main())
