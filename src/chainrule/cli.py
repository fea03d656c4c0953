"""The command line: ``chainrule`` (or ``python -m chainrule``).

    chainrule train mnist-book              train a named example, save it
    chainrule train toy-2d --plot toy.png   … and draw its curves (and here its decision boundary)
    chainrule train char-lstm               a character-level LSTM on tiny Shakespeare
    chainrule train char-gpt                a small GPT on tiny Shakespeare (attention, chapter 8)
    chainrule sample runs/char-lstm.npz --prompt "KING" --length 300 --temperature 0.8
    chainrule reproduce ch4                 a chapter's experiments beside the book's numbers
    chainrule evaluate runs/mnist-book.npz  test a saved model on its data set
    chainrule info runs/mnist-book.npz      what a saved model is
    chainrule playground                    train small networks on 2-D data in the browser
    mpiexec -n 4 chainrule train mnist-mlp  the same training on 4 processes (data parallel, MPI)

Ctrl-C stops `train` cleanly: the weights so far are saved beside the model
(NAME-interrupted.npz, never over a finished one), and the last checkpoint (each
epoch and every 2 minutes; char-lstm: every 50 iterations) is kept; `--resume`
continues from it.

Run ``chainrule COMMAND --help`` for each command's options.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import inspect
import math
import os
import shlex
import sys
import time
from pathlib import Path
from typing import Any, Sequence

from chainrule.cli_text import confusion_text, program, scores_line, smoke_rows, speak_cli

DATA_HELP = ("folder holding the data files (default: $CHAINRULE_DATA, then the data/ folder of the checkout "
             "chainrule runs from, then the user cache, then download)")
QUICK_HELP = ("a smoke run on a small slice of the data, for trying things: seconds to a minute, with progress "
              "shown; its scores are not comparable with a full run's")


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

    recipes = "\n".join(f"  {name:12} {_summary(make)}" for name, make in sorted(RECIPES.items()))
    train = commands.add_parser(
        "train", help="train a named example and save it", formatter_class=argparse.RawDescriptionHelpFormatter,
        description=f"Train a named example with a progress bar (loss and speed), report its test score and save "
                    f"the model.\n\n{recipes}\n\nCtrl-C stops cleanly: the weights trained so far are saved, the last "
                    f"checkpoint is kept\nand the command to resume from it is printed.")
    train.add_argument("name", choices=sorted(RECIPES), help="the example to train (see above)")
    train.add_argument("--epochs", type=_positive, default=None,
                       help="passes over the training data, or over the text for char-lstm; thousands of iterations "
                            "for char-gpt (default: the recipe's)")
    train.add_argument("--seed", type=int, default=20190119,
                       help="seed for weights, dropout and data order (default 20190119)")
    train.add_argument("--data", default=None, help=DATA_HELP)
    train.add_argument("--save", default=None, help="where to save the model (default: runs/NAME.npz)")
    train.add_argument("--quick", action="store_true", help=QUICK_HELP)
    train.add_argument("--quiet", action="store_true", help="no progress bar or per-epoch lines")
    train.add_argument("--plot", metavar="PNG", default=None,
                       help="after training, save the loss and accuracy curves to this picture (needs matplotlib, "
                            "which `make demo` installs; checked before training starts); for 2-D "
                            "problems (toy-2d) also the decision boundary, beside it (out.png → out-boundary.png); "
                            "for char-lstm the curves are the training and validation nats/char")
    train.add_argument("--checkpoint-dir", metavar="DIR", default=None,
                       help="write a checkpoint (weights, optimizer, random generators, history) here after every "
                            "epoch and within epochs (see --checkpoint-minutes), for char-lstm every 50 iterations "
                            "(default: next to --save, SAVE-checkpoint/)")
    train.add_argument("--checkpoint-minutes", metavar="M", type=float, default=2.0,
                       help="also checkpoint within an epoch every M minutes (default 2), so a long epoch can be "
                            "resumed half-way")
    train.add_argument("--checkpoint-batches", metavar="N", type=_positive, default=None,
                       help="also checkpoint within an epoch every N batches")
    train.add_argument("--resume", action="store_true",
                       help="continue from the checkpoint in --checkpoint-dir (or its default), with the same "
                            "options as the run that wrote it; ends with the same weights as an uninterrupted run")
    train.add_argument("--per-rank-batch", type=_positive, default=None, metavar="B",
                       help="under mpiexec -n N: each rank takes B samples, so a step sees N·B (default: the "
                            "recipe's batch is the global batch, split over the ranks, and training gives the "
                            "same weights as one process); pip install 'chainrule[mpi]', see docs/guide/"
                            "09-data-parallelism.md")

    reproduce = commands.add_parser("reproduce", help="run a chapter's experiments beside the book's numbers",
                                    description="Run the book's experiments for a chapter and print a table: ours, "
                                                "the book's printed numbers, and PyTorch's on the same configuration "
                                                "(when torch is installed).")
    reproduce.add_argument("chapter", choices=sorted(CHAPTERS) + ["all"], help="which chapter")
    reproduce.add_argument("--data", default=None, help=DATA_HELP)
    reproduce.add_argument("--quick", action="store_true",
                           help="a smoke run: tiny versions of every experiment (seconds to a minute, progress shown), "
                                "labelled with what they ran and judged against no bar (exit status 0)")
    reproduce.add_argument("--no-torch", action="store_true", help="skip the PyTorch runs even if torch is installed")
    reproduce.add_argument("--figures", default="runs", metavar="DIR",
                           help="where a chapter that draws a picture saves it as CHAPTER.png, when matplotlib is "
                                "installed (ch7: test images beside their reconstructions); default: runs")

    evaluate = commands.add_parser("evaluate", help="test a saved model on its data set",
                                   description="Load a model saved by `chainrule train` and report its test loss "
                                               "and accuracy (and confusion matrix; for regression MAE and RMSE) on "
                                               "the test set `train` reported on (the small one for a --quick "
                                               "model). For char-lstm: the cross-entropy on the held-out text, in "
                                               "nats per character.")
    evaluate.add_argument("model", help="path of a saved model (.npz)")
    evaluate.add_argument("--data", default=None, help=DATA_HELP)

    sample = commands.add_parser("sample", help="generate text from a saved character model",
                                 description="Continue a prompt with a character model saved by `chainrule train "
                                             "char-lstm` (the file keeps its vocabulary) and print the prompt and "
                                             "the generated text.")
    sample.add_argument("model", help="path of a saved character model (.npz)")
    sample.add_argument("--prompt", default="\n", help="the text to continue; every character must be in the "
                                                       "model's vocabulary (default: a newline)")
    sample.add_argument("--length", type=int, default=300, help="how many characters to generate (default 300)")
    sample.add_argument("--temperature", type=float, default=1.0,
                        help="τ ≥ 0: 1 samples the model's own distribution, below 1 is more conservative "
                             "(0: always the likeliest character), above 1 wilder (default 1.0)")
    sample.add_argument("--top-k", type=_positive, default=None, metavar="K",
                        help="draw only among the K likeliest characters (default: among all)")
    sample.add_argument("--seed", type=int, default=None, help="seed for the draws: the same seed gives the same "
                                                               "text (default: different every time)")

    info = commands.add_parser("info", help="describe a saved model", description="Print a saved model's "
                               "architecture, its summary (layers, output shapes, parameters), dtype, the seed "
                               "it was trained with and the chainrule version that wrote it.")
    info.add_argument("model", help="path of a saved model (.npz)")

    playground = commands.add_parser("playground", help="train small networks on 2-D data in the browser",
                                     description="Start a local web server for the playground page and print its "
                                                 "address (no browser is opened). Ctrl-C stops it.")
    playground.add_argument("--port", type=_port, default=0, help="port to listen on (default 0: a free port)")
    playground.add_argument("--host", choices=["127.0.0.1"], default="127.0.0.1",
                            help="address to listen on: loopback only, the page is for this machine's user")
    playground.add_argument("--verbose", action="store_true", help="log every request")
    return parser


def _summary(make: Any) -> str:
    """The first line of a recipe's docstring, for the list in `train --help`."""
    return (make.__doc__ or "").strip().split("\n")[0]


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) == 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return int(text)


def _port(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"a port is an integer in [0, 65535], got {text!r}")
    return int(text)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    args.argv = argv  # to print the command that resumes an interrupted run
    handlers = {"train": _train, "reproduce": _reproduce, "evaluate": _evaluate, "sample": _sample, "info": _info,
                "playground": _playground}
    try:
        return handlers[args.command](args)
    except (FileNotFoundError, ValueError, TypeError) as error:
        message = str(error).removeprefix(f"{args.command}: ")  # `sample: …` from chainrule.language_model.sample
        print(f"chainrule {args.command}: {speak_cli(message)}", file=sys.stderr)
        if args.command == "train":
            from chainrule.distributed import abort_if_launched

            abort_if_launched(error, 2)  # under mpiexec: end the other ranks too, never leave them waiting
        return 2


def _train(args: argparse.Namespace) -> int:
    from chainrule.recipes import RECIPES, CharRecipe

    if args.plot:
        from chainrule.viz import require_matplotlib

        try:
            require_matplotlib()  # before training, not after it
        except ImportError as error:
            print(f"chainrule train: --plot: {error}", file=sys.stderr)
            return 2
    from chainrule.distributed import world

    recipe = RECIPES[args.name](args.epochs, args.data, args.quick, args.seed)
    save = Path(args.save or f"runs/{args.name}.npz")
    extra = {"recipe": args.name, "quick": args.quick, "seed": args.seed}
    communicator = world()
    if isinstance(recipe, CharRecipe):
        if communicator.size > 1:
            raise ValueError(f"{args.name} trains on one process only (its batches are streams of text); "
                             "run it without mpiexec")
        return _train_char(recipe, save, extra, args)
    if args.per_rank_batch is not None:
        recipe.fit["batch_size"] = args.per_rank_batch * communicator.size
    if communicator.is_root:
        return _train_network(recipe, save, extra, args, communicator)
    with open(os.devnull, "w") as silent, contextlib.redirect_stdout(silent):  # rank 0 alone prints and saves
        return _train_network(recipe, save, extra, args, communicator)


def _train_network(recipe: Any, save: Path, extra: dict[str, Any], args: argparse.Namespace,
                   communicator: Any) -> int:
    """Fit a `Recipe` with the Trainer, checkpointing every epoch (on every rank under MPI; rank 0 writes)."""
    import chainrule as cr
    from chainrule.checkpoint import checkpoint_path

    X_train, y_train, X_test, y_test = recipe.data
    ranks = f"; {communicator.size} ranks, global batch {recipe.fit['batch_size']}" if communicator.size > 1 else ""
    print(f"{recipe.description}: {len(X_train)} training and {len(X_test)} test samples{ranks}")
    if args.quick:
        print(f"quick smoke run: {recipe.fit['epochs']} epoch(s) on this slice; its scores say the recipe runs, "
              "not how good the full run is")
    checkpoint = checkpoint_path(args.checkpoint_dir or save.with_name(save.stem + "-checkpoint"))
    before = _modified(checkpoint)
    trainer = cr.Trainer(recipe.net, recipe.optimizer, quiet=args.quiet, communicator=communicator)
    started = time.perf_counter()
    try:
        history = trainer.fit(X_train, y_train, X_test, y_test, seed=args.seed, checkpoint_dir=checkpoint.parent,
                              resume=args.resume, checkpoint_every_batches=args.checkpoint_batches,
                              checkpoint_seconds=60 * args.checkpoint_minutes, **recipe.fit)
    except KeyboardInterrupt:
        if not communicator.is_root:
            return 130
        return _interrupted(lambda path: recipe.net.save(path, extra={**extra, "interrupted": True}), save,
                            checkpoint, before, args)
    seconds = time.perf_counter() - started
    if not communicator.is_root:  # rank 0 alone scores, prints and saves
        return 0
    book = f"   (the book printed {recipe.book})" if recipe.book and not args.quick else ""
    print(f"{scores_line(recipe.net, recipe.net.predict(X_test), y_test)}{book}   [{seconds:.0f} s]")
    extra["input_shape"] = list(X_train.shape[1:])
    recipe.net.save(save, extra=extra)
    print(f"saved to {save}")
    if args.plot:
        _plot(history, args.name, args.plot, recipe.net, X_train, y_train)
    return 0


def _modified(path: Path) -> int | None:
    return path.stat().st_mtime_ns if path.exists() else None


def _interrupted(write: Any, save: Path, checkpoint: Path, before: int | None, args: argparse.Namespace) -> int:
    """After Ctrl-C: `write` the weights so far beside `save` (never over a finished model); say how to resume."""
    save = save.with_name(f"{save.stem}-interrupted{save.suffix or '.npz'}")
    write(save)
    print(f"\ninterrupted: the weights trained so far are saved in {save}", file=sys.stderr)
    ours = args.resume or _modified(checkpoint) != before  # not one an earlier run left there
    print(_resume_hint(checkpoint, args) if ours else "no checkpoint was due yet, so this run wrote none to resume "
          "from", file=sys.stderr)
    return 130


def _resume_hint(checkpoint: Path, args: argparse.Namespace) -> str:
    """How far the checkpoint got (epochs, or iterations of a character model) and the command to continue."""
    from chainrule.io import read_archive

    meta = read_archive(checkpoint)[1]
    done = (f"epoch {meta['next_epoch']} of {meta['settings']['epochs']}" if "next_epoch" in meta
            else f"iteration {meta['iteration']} of {meta['settings']['iterations']}")
    if "next_batch" in meta and meta["next_batch"]:
        done = f"batch {meta['next_batch']} of epoch {meta['next_epoch'] + 1} of {meta['settings']['epochs']}"
    command = shlex.join(program() + args.argv + ([] if args.resume else ["--resume"]))
    return f"the last checkpoint, after {done}, is {checkpoint}; continue with:\n{command}"


CHAR_CHECKPOINT_EVERY = 50  # iterations of a character model between checkpoints


def _train_char(recipe: Any, save: Path, extra: dict[str, Any], args: argparse.Namespace) -> int:
    """Train a `CharRecipe` with `language_model.train`; the validation text is measured after every epoch."""
    from chainrule.language_model import save_model, train

    from chainrule.checkpoint import checkpoint_path

    from chainrule.recipes import GPTRecipe

    gpt = isinstance(recipe, GPTRecipe)
    per_epoch = recipe.eval_every if gpt else recipe.iterations_per_epoch
    iterations = recipe.iterations if gpt else recipe.epochs * per_epoch
    print(f"{recipe.description}: {len(recipe.tokens):,} training and {len(recipe.validation):,} validation "
          f"characters; " + (f"{iterations} iterations, validation every {per_epoch}" if gpt else
                             f"{recipe.epochs} epoch(s) of {per_epoch} iterations"))
    checkpoint = checkpoint_path(args.checkpoint_dir or save.with_name(save.stem + "-checkpoint"))
    before = _modified(checkpoint)
    def report(history: Any) -> None:  # each epoch's (or validation's) line as it ends, not after training
        loss = sum(history.loss[-per_epoch:]) / per_epoch
        done = history.validation_iterations[-1]
        where = f"iteration {done}/{iterations}" if gpt else f"epoch {done // per_epoch}/{recipe.epochs}"
        print(f"{where}  train loss {loss:.4f}  validation {history.validation_loss[-1]:.4f} nats/char", flush=True)

    options = {"batches": recipe.batches, "validate": _gpt_validation(recipe)} if gpt else {}
    try:
        history = train(recipe.model, recipe.tokens, iterations, batch_size=recipe.batch_size,
                        seq_length=recipe.seq_length, optimizer=recipe.optimizer, validation=recipe.validation,
                        eval_every=per_epoch, progress=not args.quiet, checkpoint_dir=checkpoint.parent,
                        checkpoint_every=CHAR_CHECKPOINT_EVERY, resume=args.resume,
                        on_validation=None if args.quiet else report, **options)
    except KeyboardInterrupt:
        return _interrupted(lambda path: save_model(recipe.model, recipe.vocabulary, path,
                                                    extra={**extra, "interrupted": True}), save, checkpoint, before, args)
    if gpt:
        return _report_gpt(recipe, history, save, extra, args)
    record = _epoch_record(history, per_epoch)
    nats = history.validation_loss[-1]
    print(f"validation {nats:.4f} nats/char ({nats / math.log(2):.3f} bits/char)   [{history.seconds:.0f} s, "
          f"{history.characters_per_second:,.0f} characters/s]")
    return _save_char_model(recipe, save, extra, args, "", record, "nats/char; test: the held-out text")


def _save_char_model(recipe: Any, save: Path, extra: dict[str, Any], args: argparse.Namespace, sample_options: str,
                     record: dict[str, list], what: str) -> int:
    """Save a trained character model with its vocabulary, say how to sample it, draw its curves if asked."""
    from chainrule.language_model import save_model

    save_model(recipe.model, recipe.vocabulary, save, extra=extra)
    print(f"saved to {save}; try: chainrule sample {save} --prompt KING --temperature 0.8{sample_options}")
    if args.plot:
        _plot(record, f"{args.name} ({what})", args.plot)
    return 0


def _gpt_validation(recipe: Any) -> Any:
    """The validation of a GPT recipe: the mean loss over its fixed held-out batches."""
    from chainrule.language_model import evaluate_batches

    return lambda model: evaluate_batches(model, recipe.validation_batches)


def _report_gpt(recipe: Any, history: Any, save: Path, extra: dict[str, Any], args: argparse.Namespace) -> int:
    """After a char-gpt run (its validations were printed as they happened): the speed, the saved model
    (and the curves if asked)."""
    nats = history.validation_loss[-1]
    print(f"validation {nats:.4f} nats/char (mean of {len(recipe.validation_batches)} held-out batches)   "
          f"[{history.seconds:.0f} s, {history.seconds / max(len(history.loss), 1):.3f} s/iteration]")
    record = {"train_loss": [], "eval_epochs": history.validation_iterations, "test_loss": history.validation_loss,
              "test_accuracy": [], "lr": []}
    return _save_char_model(recipe, save, extra, args, " --top-k 10", record, "validation nats/char per iteration")


def _epoch_record(history: Any, per_epoch: int) -> dict[str, list]:
    """A character model's `TrainingHistory` in the shape of the Trainer's `History`: one entry per epoch."""
    epochs = len(history.loss) // per_epoch
    losses = [float(sum(history.loss[e * per_epoch:(e + 1) * per_epoch]) / per_epoch) for e in range(epochs)]
    return {"train_loss": losses, "eval_epochs": list(range(1, epochs + 1)), "test_loss": history.validation_loss,
            "test_accuracy": [], "lr": []}


def _plot(history: Any, title: str, path: str, net: Any = None, X: Any = None, y: Any = None) -> None:
    """The curves per epoch to `path`; for a classifier of 2-D points also its decision boundary."""
    from chainrule.viz import plot_decision_boundary, plot_history

    plot_history(history, path, title=title)
    print(f"curves saved to {path}")
    if net is not None and X.ndim == 2 and X.shape[1] == 2 and net.loss.is_classification:
        boundary = Path(path).with_name(f"{Path(path).stem}-boundary{Path(path).suffix or '.png'}")
        plot_decision_boundary(net, X, y, path=boundary, title="decision boundary, training points")
        print(f"decision boundary saved to {boundary}")


def _reproduce(args: argparse.Namespace) -> int:
    from chainrule.reproduce import CHAPTERS
    from chainrule.reproduce.table import format_table

    chapters = sorted(CHAPTERS) if args.chapter == "all" else [args.chapter]
    all_met = True
    for chapter in chapters:
        module_name, title = CHAPTERS[chapter]
        print(f"running {chapter} ({title}){' — quick version' if args.quick else ''} …", file=sys.stderr, flush=True)
        module = importlib.import_module(module_name)
        run = module.run
        options = {}
        if "png" in inspect.signature(run).parameters:
            os.makedirs(args.figures, exist_ok=True)
            options["png"] = os.path.join(args.figures, f"{chapter}.png")
            if os.path.exists(options["png"]):
                os.remove(options["png"])  # it is rewritten below; an old one must not pass for this run's
        rows = run(root=args.data, quick=args.quick, with_torch=not args.no_torch, **options)
        if args.quick:
            rows = smoke_rows(rows)
            title += f" — quick smoke run: {getattr(module, 'QUICK', 'tiny settings')}; no bars (they are the full run's)"
        print(format_table(f"{chapter}: {title}", rows))
        if "png" in options and os.path.exists(options["png"]):
            print(f"figure saved to {options['png']}")
        print()
        all_met &= all(row.passed is not False for row in rows)
    print("Numbers under 'ours' and 'PyTorch' come from this run; 'book (printed)' are the book's.")
    if args.quick:
        print("A quick run checks that every experiment runs; run without --quick for the numbers to compare.")
    return 0 if all_met else 1


def _load(path: str) -> Any:
    """A saved model, whichever part of chainrule defines its layers."""
    import chainrule as cr
    import chainrule.language_model  # noqa: F401 - registers CharLanguageModel for loading

    return cr.load(path)


def _evaluate(args: argparse.Namespace) -> int:
    from chainrule.recipes import RECIPES, CharRecipe

    model = _load(args.model)
    name = model.metadata.get("recipe")
    if name not in RECIPES:
        raise ValueError(f"{args.model} does not say which data set it was trained on (no known recipe)")
    recipe = RECIPES[name](None, args.data, bool(model.metadata.get("quick")), 0)  # the test set train reported on
    if isinstance(recipe, CharRecipe):
        from chainrule.language_model import evaluate, load_model

        model, vocabulary = load_model(args.model)
        if vocabulary != recipe.vocabulary:
            raise ValueError(f"{args.model}: its vocabulary is not the one of {name}'s text")
        validation_batches = getattr(recipe, "validation_batches", None)
        nats = _gpt_validation(recipe)(model) if validation_batches else evaluate(model, recipe.validation)
        where = (f"the mean of {len(validation_batches)} held-out batches" if validation_batches else
                 f"{len(recipe.validation):,} held-out characters")
        print(f"validation {nats:.4f} nats/char ({nats / math.log(2):.3f} bits/char) on {where}")
        return 0
    _, _, X_test, y_test = recipe.data
    output = model.predict(X_test)  # once, for the scores and the confusion matrix
    print(f"{scores_line(model, output, y_test)}   ({len(X_test)} test samples)")
    if model.loss.is_classification:
        print(confusion_text(model, output, y_test))
    return 0


def _sample(args: argparse.Namespace) -> int:
    from chainrule.language_model import sample_from_file

    print(sample_from_file(args.model, args.prompt, args.length, args.temperature, args.seed, args.top_k))
    return 0


def _info(args: argparse.Namespace) -> int:
    from chainrule.data import Vocabulary
    from chainrule.io import read_archive

    arrays, meta = read_archive(args.model)
    model = _load(args.model)
    count = sum(a.size for a in arrays.values())
    extra = dict(model.metadata)
    vocabulary = extra.pop("vocabulary", None)
    print(f"file:       {args.model}")
    print(f"written by: chainrule {meta.get('chainrule_version', '?')} (format {meta.get('format_version')})")
    print(f"dtype:      {meta.get('dtype')}   parameters and buffers: {count:,} numbers in {len(arrays)} arrays")
    if extra:
        print(f"metadata:   {extra}")
    if "seed" in extra:
        print(f"seed:       {extra['seed']} (the one the run used)")
    if vocabulary is not None:
        print(f"vocabulary: {Vocabulary.from_dict(vocabulary)!r}")
    print(model)
    if hasattr(model, "summary"):
        shape = extra.get("input_shape")
        print()
        model.summary(input_shape=None if shape is None else tuple(shape))
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
