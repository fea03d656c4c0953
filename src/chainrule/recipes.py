"""Named training recipes for the command line (`chainrule train NAME`): data, network, optimizer, schedule.

Each recipe is a function ``(epochs, root, quick, seed) -> Recipe`` so that
`train`, `evaluate` and the tests share one definition of each example. A
`Recipe` is trained by the `Trainer`; the character model's `CharRecipe` by
`chainrule.language_model.train` (truncated backpropagation through time over a
text, not shuffled mini-batches of samples).

Test data never depends on `seed` or on anything but `quick`, so `evaluate`
rebuilds exactly the test set `train` reported on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

import chainrule as cr


@dataclass
class Recipe:
    """Everything `chainrule train` needs: a network, an optimizer, the data and how to fit."""

    description: str
    net: cr.NeuralNetwork
    optimizer: Any
    data: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # X_train, y_train, X_test, y_test
    fit: dict[str, Any] = field(default_factory=dict)  # epochs, eval_every, batch_size, ...
    book: str = ""  # what the book printed for this configuration, if anything
    metric: str = "accuracy"


@dataclass
class CharRecipe:
    """What `chainrule train` needs for a character language model, trained with `language_model.train`."""

    description: str
    model: Any  # a CharLanguageModel
    vocabulary: Any  # the Vocabulary, saved with the model
    optimizer: Any
    tokens: np.ndarray  # the training text, encoded
    validation: np.ndarray  # the held-out tail, encoded
    epochs: int  # passes over the training text
    batch_size: int
    seq_length: int

    @property
    def iterations_per_epoch(self) -> int:
        from chainrule.language_model import SequenceBatcher

        return len(SequenceBatcher(self.tokens, self.batch_size, self.seq_length))


@dataclass
class GPTRecipe(CharRecipe):
    """What `chainrule train char-gpt` needs besides a `CharRecipe`'s: random-window batches, a number of
    iterations, and the fixed held-out batches whose mean loss is the validation loss."""

    batches: Any = None  # a RandomWindows over `tokens`
    validation_batches: list = field(default_factory=list)
    iterations: int = 0
    eval_every: int = 250


def mnist_book(epochs: int | None, root: str | None, quick: bool, seed: int) -> Recipe:
    """The book's best chapter-4 network: 784-89-10, sigmoid, Glorot, SGD momentum 0.9, exp. decay 0.2→0.05."""
    from chainrule.reproduce.mnist_data import book_mnist

    data = book_mnist(root, limit=3000 if quick else None)
    net = cr.NeuralNetwork(
        [cr.Dense(89, cr.Sigmoid(), weight_init="glorot"), cr.Dense(10, weight_init="glorot")],
        cr.SoftmaxCrossEntropy(),
        seed=seed,
    )
    optimizer = cr.SGDMomentum(lr=0.2, momentum=0.9, final_lr=0.05, decay_type="exponential")
    epochs = epochs or (2 if quick else 25)
    return Recipe(
        "MNIST, 784-89-10 sigmoid MLP (the book's chapter 4 network)", net, optimizer, data,
        {"epochs": epochs, "eval_every": 5, "batch_size": 60},
        book="97.46 % after 50 epochs",
    )


def mnist_mlp(epochs: int | None, root: str | None, quick: bool, seed: int) -> Recipe:
    """Our tuned MLP (the "ours, tuned" row of `chainrule reproduce ch4`): 512-256 ReLU, dropout, cosine decay."""
    from chainrule.reproduce.ch4 import TUNED
    from chainrule.reproduce.mnist_data import book_mnist

    data = book_mnist(root, limit=3000 if quick else None)
    net = TUNED.network()
    net.seed(seed)
    epochs = epochs or (2 if quick else TUNED.epochs)
    return Recipe(
        f"MNIST, {TUNED.name}, {epochs} epochs", net, TUNED.optimizer(), data,
        {"epochs": epochs, "eval_every": 1, "batch_size": TUNED.batch_size, "early_stopping": False},
        book="97.34 % for its best MLP (deep, with dropout)",
    )


def boston(epochs: int | None, root: str | None, quick: bool, seed: int) -> Recipe:
    """Boston housing on the book's split: 13-sigmoid network, SGD 0.01 (chapter 3)."""
    from chainrule.data import book_split, load_boston

    X, y = load_boston(root)
    X_train, X_test, y_train, y_test = book_split(X, y)
    net = cr.NeuralNetwork(
        [cr.Dense(13, cr.Sigmoid(), weight_init="standard"), cr.Dense(1, weight_init="standard")],
        cr.MeanSquaredError(),
        seed=seed,
    )
    return Recipe(
        "Boston housing, 13-13-1 sigmoid network (chapter 3)", net, cr.SGD(lr=0.01),
        (X_train, y_train, X_test, y_test), {"epochs": epochs or (5 if quick else 50), "eval_every": 10, "batch_size": 32},
        book="MAE 2.60, RMSE 3.89", metric="MAE",
    )


QUICK_IMAGES = 1000  # training and test images of a quick CNN run


def _small_cnn_recipe(what: str, load: Callable[..., tuple], epochs: int, root: str | None, quick: bool,
                      seed: int) -> Recipe:
    """The small CNN of `chainrule reproduce ch5` on 28×28 images: SGD momentum 0.9, lr 0.01, batches of 60."""
    from chainrule.reproduce.ch5 import BATCH_SIZE, small_cnn
    from chainrule.reproduce.mnist_data import book_mnist

    net = small_cnn()
    net.seed(seed)
    return Recipe(
        f"{what}, small CNN (conv 16 5×5, pool 2, conv 32 5×5, pool 2, dense 10; tanh)", net,
        cr.SGDMomentum(lr=0.01, momentum=0.9), book_mnist(root, True, QUICK_IMAGES if quick else None, load),
        {"epochs": epochs, "eval_every": 1, "batch_size": BATCH_SIZE, "early_stopping": False},
    )


def mnist_cnn(epochs: int | None, root: str | None, quick: bool, seed: int) -> Recipe:
    """The small CNN of chapter 5's reproduction on MNIST, one epoch (about 98 %)."""
    from chainrule.data import load_mnist

    return _small_cnn_recipe("MNIST", load_mnist, epochs or 1, root, quick, seed)


def fashion_cnn(epochs: int | None, root: str | None, quick: bool, seed: int) -> Recipe:
    """The same small CNN on Fashion-MNIST (photos of clothes in 10 classes), two epochs."""
    from chainrule.data import load_fashion_mnist

    return _small_cnn_recipe("Fashion-MNIST", load_fashion_mnist, epochs or 2, root, quick, seed)


def toy_2d(epochs: int | None, root: str | None, quick: bool, seed: int) -> Recipe:
    """Two interleaved spirals (`make_toy("spirals")`): a 2-32-32-2 tanh network, Adam 0.01, in seconds.

    1,000 training and 500 test points (fixed seeds), standardized with the training statistics.
    """
    from chainrule.data import make_toy, standardize

    X_train, y_train = make_toy("spirals", n=1000, noise=0.05, seed=0)
    X_test, y_test = make_toy("spirals", n=500, noise=0.05, seed=1)
    X_train, X_test, _, _ = standardize(X_train.astype(np.float32), X_test.astype(np.float32))
    net = cr.NeuralNetwork([cr.Dense(32, cr.Tanh()), cr.Dense(32, cr.Tanh()), cr.Dense(2)], cr.SoftmaxCrossEntropy(),
                           seed=seed)
    return Recipe(
        "two spirals in the plane, 2-32-32-2 tanh network", net, cr.Adam(lr=0.01), (X_train, y_train, X_test, y_test),
        {"epochs": epochs or (20 if quick else 100), "eval_every": 10, "batch_size": 32, "early_stopping": False},
    )


QUICK_CHARACTERS = 30_000  # the head of the text a quick char-lstm run trains and validates on


def char_lstm(epochs: int | None, root: str | None, quick: bool, seed: int) -> CharRecipe:
    """Tiny Shakespeare, character by character: one-hot → LSTM 256 → Dense 65, 5 passes (`sample` it).

    Adam 2e-3 with gradient norm clipped to 5; 32 streams of 100 steps; the last 10 % of
    the text held out. Quick: LSTM 64 on the first 30,000 characters.
    """
    from chainrule.data import Vocabulary, load_text
    from chainrule.language_model import CharLanguageModel, split_validation

    text = load_text("tinyshakespeare", root)
    vocabulary = Vocabulary(text)  # from the whole text: a quick model and a full one read the same characters
    tokens, validation = split_validation(vocabulary.encode(text[:QUICK_CHARACTERS] if quick else text), 0.1)
    hidden, batch_size, seq_length = (64, 16, 32) if quick else (256, 32, 100)
    model = CharLanguageModel(len(vocabulary), hidden, cell="lstm")
    model.seed(seed)
    return CharRecipe(
        f"tiny Shakespeare, character-level LSTM {hidden}", model, vocabulary, cr.Adam(lr=2e-3, clip_norm=5.0),
        tokens, validation, epochs or (2 if quick else 5), batch_size, seq_length,
    )


def char_gpt(epochs: int | None, root: str | None, quick: bool, seed: int) -> GPTRecipe:
    """Tiny Shakespeare with a small GPT: 4 layers × 4 heads × 128, context 64 (`chainrule reproduce ch8`'s run).

    2,000 iterations of 12 random windows; AdamW (weight decay 0.1 on the matrices), warm-up
    then cosine decay 1e-3 → 1e-4, gradient norm clipped to 1; validation every 250 iterations
    on 200 fixed held-out batches. `epochs` here counts thousands of iterations. Quick: 1 layer
    × 2 heads × 32, context 32, 60 iterations on the first 30,000 characters.
    """
    from chainrule.data import Vocabulary, load_text
    from chainrule.language_model import CharGPT, RandomWindows, split_validation
    from chainrule.reproduce import ch8

    text = load_text("tinyshakespeare", root)
    vocabulary = Vocabulary(text)
    tokens, validation = split_validation(vocabulary.encode(text[:QUICK_CHARACTERS] if quick else text), 0.1)
    layers, heads, width, context = (1, 2, 32, 32) if quick else (ch8.N_LAYER, ch8.N_HEAD, ch8.N_EMBD, ch8.BLOCK)
    iterations = 1000 * epochs if epochs else (60 if quick else ch8.ITERATIONS)
    model = CharGPT(len(vocabulary), context, layers, heads, width)
    model.seed(seed)
    held_out = RandomWindows(validation, ch8.BATCH, context, seed=ch8.VALIDATION_SEED)
    return GPTRecipe(
        f"tiny Shakespeare, GPT {layers} layers × {heads} heads × {width}, context {context}", model, vocabulary,
        ch8.optimizer_for(model, 10 if quick else ch8.WARMUP), tokens, validation, 1, ch8.BATCH,
        context, batches=RandomWindows(tokens, ch8.BATCH, context, seed=seed),
        validation_batches=[held_out.batch(i) for i in range(8 if quick else ch8.VALIDATION_BATCHES)],
        iterations=iterations, eval_every=20 if quick else 250,
    )


RECIPES: dict[str, Callable[..., Recipe | CharRecipe]] = {
    "mnist-book": mnist_book, "mnist-mlp": mnist_mlp, "mnist-cnn": mnist_cnn, "fashion-cnn": fashion_cnn,
    "boston": boston, "toy-2d": toy_2d, "char-lstm": char_lstm,
    "char-gpt": char_gpt,
}
