"""The command line: ``chainrule`` (or ``python -m chainrule``).

    chainrule train mnist-book              train a named example, save it
    chainrule reproduce ch4                 a chapter's experiments beside the book's numbers
    chainrule evaluate runs/mnist-book.npz  test a saved model on its data set
    chainrule info runs/mnist-book.npz      what a saved model is
    chainrule playground                    train small networks on 2-D data in the browser

Run ``chainrule COMMAND --help`` for each command's options.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path
from typing import Sequence

DATA_HELP = "folder holding the data files (default: $CHAINRULE_DATA, then the user cache, then download)"


def build_parser() -> argparse.ArgumentParser:
    from chainrule import __version__
    from chainrule.recipes import RECIPES
    from chainrule.reproduce import CHAPTERS

    parser = argparse.ArgumentParser(
        prog="chainrule",
        description="chainrule: deep learning from first principles, on NumPy.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument("--version", action="version", version=f"chainrule {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    train = commands.add_parser("train", help="train a named example and save it",
                                description="Train a named example with a progress bar, report its test score "
                                            "and save the model. Ctrl-C stops cleanly and saves what was trained.")
    train.add_argument("name", choices=sorted(RECIPES), help="the example to train")
    train.add_argument("--epochs", type=int, default=None, help="passes over the training data (default: the recipe's)")
    train.add_argument("--seed", type=int, default=20190119, help="seed for weights, dropout and data order")
    train.add_argument("--data", default=None, help=DATA_HELP)
    train.add_argument("--save", default=None, help="where to save the model (default: runs/NAME.npz)")
    train.add_argument("--quick", action="store_true", help="a tiny run on a few thousand samples (for trying things)")
    train.add_argument("--quiet", action="store_true", help="no progress bar or per-epoch lines")

    reproduce = commands.add_parser("reproduce", help="run a chapter's experiments beside the book's numbers",
                                    description="Run the book's experiments for a chapter and print a table: ours, "
                                                "the book's printed numbers, and PyTorch's on the same configuration "
                                                "(when torch is installed).")
    reproduce.add_argument("chapter", choices=sorted(CHAPTERS) + ["all"], help="which chapter")
    reproduce.add_argument("--data", default=None, help=DATA_HELP)
    reproduce.add_argument("--quick", action="store_true", help="tiny versions of every experiment (minutes → seconds)")
    reproduce.add_argument("--no-torch", action="store_true", help="skip the PyTorch runs even if torch is installed")

    evaluate = commands.add_parser("evaluate", help="test a saved model on its data set",
                                   description="Load a model saved by `chainrule train` and report its test loss "
                                               "and accuracy on the data set it was trained on.")
    evaluate.add_argument("model", help="path of a saved model (.npz)")
    evaluate.add_argument("--data", default=None, help=DATA_HELP)

    info = commands.add_parser("info", help="describe a saved model", description="Print a saved model's "
                               "architecture, parameter count, dtype and the chainrule version that wrote it.")
    info.add_argument("model", help="path of a saved model (.npz)")

    playground = commands.add_parser("playground", help="train small networks on 2-D data in the browser",
                                     description="Start a local web server for the playground page and print its "
                                                 "address (no browser is opened). Ctrl-C stops it.")
    playground.add_argument("--port", type=_port, default=0, help="port to listen on (default 0: a free port)")
    playground.add_argument("--host", choices=["127.0.0.1"], default="127.0.0.1",
                            help="address to listen on: loopback only, the page is for this machine's user")
    playground.add_argument("--verbose", action="store_true", help="log every request")
    return parser


def _port(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"a port is an integer in [0, 65535], got {text!r}")
    return int(text)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handlers = {"train": _train, "reproduce": _reproduce, "evaluate": _evaluate, "info": _info,
                "playground": _playground}
    try:
        return handlers[args.command](args)
    except (FileNotFoundError, ValueError, TypeError) as error:
        print(f"chainrule {args.command}: {error}", file=sys.stderr)
        return 2


def _train(args: argparse.Namespace) -> int:
    import chainrule as cr
    from chainrule.recipes import RECIPES

    recipe = RECIPES[args.name](args.epochs, args.data, args.quick, args.seed)
    X_train, y_train, X_test, y_test = recipe.data
    print(f"{recipe.description}: {len(X_train)} training and {len(X_test)} test samples")
    save = Path(args.save or f"runs/{args.name}.npz")
    trainer = cr.Trainer(recipe.net, recipe.optimizer, quiet=args.quiet)
    started = time.perf_counter()
    try:
        trainer.fit(X_train, y_train, X_test, y_test, seed=args.seed, **recipe.fit)
    except KeyboardInterrupt:
        recipe.net.save(save, extra={"recipe": args.name, "interrupted": True})
        print(f"\ninterrupted: the weights trained so far are saved in {save}", file=sys.stderr)
        return 130
    seconds = time.perf_counter() - started
    scores = recipe.net.evaluate(X_test, y_test)
    if "accuracy" in scores:
        print(f"test accuracy {100 * scores['accuracy']:.2f} %   (the book printed {recipe.book})   [{seconds:.0f} s]")
    else:
        print(f"test loss {scores['loss']:.4f}   (the book printed {recipe.book})   [{seconds:.0f} s]")
    recipe.net.save(save, extra={"recipe": args.name})
    print(f"saved to {save}")
    return 0


def _reproduce(args: argparse.Namespace) -> int:
    from chainrule.reproduce import CHAPTERS
    from chainrule.reproduce.table import format_table

    chapters = sorted(CHAPTERS) if args.chapter == "all" else [args.chapter]
    all_met = True
    for chapter in chapters:
        module_name, title = CHAPTERS[chapter]
        print(f"running {chapter} ({title}){' — quick version' if args.quick else ''} …", file=sys.stderr, flush=True)
        rows = importlib.import_module(module_name).run(root=args.data, quick=args.quick, with_torch=not args.no_torch)
        print(format_table(f"{chapter}: {title}", rows))
        print()
        all_met &= all(row.passed is not False for row in rows)
    print("Numbers under 'ours' and 'PyTorch' come from this run; 'book (printed)' are the book's.")
    return 0 if all_met else 1


def _evaluate(args: argparse.Namespace) -> int:
    import chainrule as cr
    from chainrule.recipes import RECIPES

    model = cr.load(args.model)
    name = model.metadata.get("recipe")
    if name not in RECIPES:
        raise ValueError(f"{args.model} does not say which data set it was trained on (no known recipe)")
    recipe = RECIPES[name](None, args.data, False, 0)
    _, _, X_test, y_test = recipe.data
    scores = model.evaluate(X_test, y_test)
    print("  ".join(f"test {key} {value:.4f}" for key, value in scores.items()))
    return 0


def _info(args: argparse.Namespace) -> int:
    from chainrule.io import read_archive

    arrays, meta = read_archive(args.model)
    import chainrule as cr

    model = cr.load(args.model)
    count = sum(a.size for a in arrays.values())
    print(f"file:       {args.model}")
    print(f"written by: chainrule {meta.get('chainrule_version', '?')} (format {meta.get('format_version')})")
    print(f"dtype:      {meta.get('dtype')}   parameters and buffers: {count:,} numbers in {len(arrays)} arrays")
    if meta.get("extra"):
        print(f"metadata:   {meta['extra']}")
    print(model)
    return 0


def _playground(args: argparse.Namespace) -> int:
    from chainrule.playground.server import serve

    try:
        serve(args.host, args.port, verbose=args.verbose)
    except OSError as error:  # the port is taken, say
        print(f"chainrule playground: cannot listen on {args.host}:{args.port}: {error.strerror or error}",
              file=sys.stderr)
        return 2
    return 0
