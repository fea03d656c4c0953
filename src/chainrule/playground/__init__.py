"""The playground: train a small network on 2-D points in the browser and watch it learn.

``chainrule playground`` serves a page (plain HTML, JavaScript and canvas, shipped in
``static/``) from a local server; the training runs here, in chainrule, a few
mini-batches per request.

* `config`: the settings the page may send, and the limits they are checked against;
* `data`: the points (toy and regression sets), the train/test split, the input features;
* `model`: the network, optimizer and L1/L2 term, made of chainrule's layers, optimizers and ops;
* `sessions`: `Session` (one network on one data set) and `SessionStore` (at most so many);
* `views`: the maps, the diagram, the gradients and one neuron's op graph, from chainrule's autograd;
* `server`: the HTTP server, its JSON API and static files (standard library only).
"""

from chainrule.playground.server import make_server, serve

__all__ = ["make_server", "serve"]
