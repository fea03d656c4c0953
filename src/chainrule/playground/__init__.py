"""The playground: train a small network on 2-D points in the browser and watch it learn.

``chainrule playground`` serves a page (plain HTML, JavaScript and canvas, shipped in
``static/``) from a local server; the training runs here, in chainrule, a few
mini-batches per request.

* `config`: the settings the page may send, and the limits they are checked against;
* `sessions`: `Session` (one network on one data set) and `SessionStore` (at most so many);
* `server`: the HTTP server, its JSON API and static files (standard library only).
"""

from chainrule.playground.server import make_server, serve

__all__ = ["make_server", "serve"]
