"""Reproducing the book's experiments: each chapter module has ``run(root, quick, with_torch) -> list[Row]``.

`python -m chainrule reproduce chN` runs one and prints our numbers beside the
book's printed ones (labelled as the book's) and, where PyTorch is installed,
beside PyTorch's on the same configuration in the same run.
"""

CHAPTERS = {
    "ch2": ("chainrule.reproduce.ch2", "Fundamentals: linear regression and a first network on Boston housing"),
    "ch3": ("chainrule.reproduce.ch3", "The framework: Dense, NeuralNetwork and Trainer on Boston housing"),
    "ch4": ("chainrule.reproduce.ch4", "Extensions: softmax cross-entropy, momentum, decay, initialisation, dropout on MNIST"),
    "ch5": ("chainrule.reproduce.ch5", "Convolutional networks: the book's CNN and a modern small CNN on MNIST"),
    "ch6": ("chainrule.reproduce.ch6", "Recurrent networks: RNN, GRU and LSTM character models on the book's text"),
    "ch7": ("chainrule.reproduce.ch7", "The PyTorch chapter's CNN and convolutional autoencoder, built with chainrule"),
    "ch8": ("chainrule.reproduce.ch8", "Beyond the book: attention and a small GPT on tiny Shakespeare, beside PyTorch"),
}
