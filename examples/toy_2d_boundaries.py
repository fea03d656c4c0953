"""The second tutorial's convnetjs demo: three small networks learn the same 2-D points.

One hidden layer of 6 tanh, 2 tanh or 6 ReLU units, trained on chainrule's
"circles" toy set (class 1 inside a circle, class 0 on a ring around it); the
picture shows each network's decision boundary and its training accuracy.
Two hidden units are too few to enclose the inner class.

Needs matplotlib: pip install 'chainrule[plot]'

Run: python examples/toy_2d_boundaries.py [--out toy_2d_boundaries.png] [--epochs 300] [--seed 0]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from chainrule.viz import tutorial_boundaries


def main(out: str = "toy_2d_boundaries.png", epochs: int = 300, seed: int = 0) -> Path:
    """Train the three networks, draw their boundaries to `out`, and return its path."""
    tutorial_boundaries(out, seed=seed, epochs=epochs)
    print(f"decision boundaries drawn to {out}")
    return Path(out)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="toy_2d_boundaries.png", help="the PNG to write")
    parser.add_argument("--epochs", type=int, default=300, help="passes over the 200 points")
    parser.add_argument("--seed", type=int, default=0, help="seed for the data, the weights and the order")
    args = parser.parse_args()
    main(args.out, args.epochs, args.seed)
