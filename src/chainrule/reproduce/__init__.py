"""Reproducing the book's experiments: each chapter module has ``run(root, quick, with_torch) -> list[Row]``.

`python -m chainrule reproduce chN` runs one and prints our numbers beside the
book's printed ones (labelled as the book's) and, where PyTorch is installed,
beside PyTorch's on the same configuration in the same run.
"""

CHAPTERS = {
    "ch2": ("chainrule.reproduce.ch2", "Fundamentals: linear regression and a first network on Boston housing"),
    "ch3": ("chainrule.reproduce.ch3", "The framework: Dense, NeuralNetwork and Trainer on Boston housing"),
    "ch4": ("chainrule.reproduce.ch4", "Extensions: softmax cross-entropy, momentum, decay, initialisation, dropout on MNIST"),
}
