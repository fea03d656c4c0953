"""The playground's HTTP API, against a real server on a loopback port."""

from __future__ import annotations

import threading

import pytest

from chainrule.playground.config import MAX_STEPS, PRESETS


def test_the_page_and_its_files_are_served(client):
    status, page, response = client.request("GET", "/")
    assert status == 200 and b"<canvas" in page and b"/app.js" in page
    assert response.getheader("Content-Type") == "text/html; charset=utf-8"
    assert "default-src 'self'" in response.getheader("Content-Security-Policy")
    for path, kind in (("/app.js", "text/javascript"), ("/style.css", "text/css"), ("/index.html", "text/html")):
        status, body, response = client.request("GET", path)
        assert status == 200 and body and response.getheader("Content-Type").startswith(kind)


def test_config_lists_the_limits_and_the_tutorial_presets(client):
    status, limits = client.get("/api/config")
    assert status == 200
    assert limits["datasets"] == ["circles", "xor", "spirals", "blobs", "plane", "gaussians"]
    assert limits["regression"] == ["plane", "gaussians"]
    assert limits["activations"] == ["tanh", "sigmoid", "relu", "leaky_relu", "linear"]
    assert limits["max_layers"] == 6 and limits["max_units"] == 16 and limits["max_steps"] == MAX_STEPS
    assert limits["presets"]["6 tanh"]["hidden"] == [6] and limits["presets"]["2 tanh"]["hidden"] == [2]
    assert limits["presets"]["6 ReLU"]["activation"] == "relu"
    assert limits["features"] == ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin x1", "sin x2"]
    assert limits["lr"] == [1e-5, 10.0]


def test_a_session_trains_draws_resets_and_is_deleted(client):
    session = client.create(dataset="xor", samples=200, test_ratio=0.0, hidden=[6], activation="tanh",
                            optimizer="momentum", lr=0.1, batch_size=10)
    sid = session["id"]
    assert len(session["points"]) == 200 and set(session["labels"]) == {0, 1}
    assert session["step"] == 0 and session["config"]["hidden"] == [6]
    xmin, xmax, ymin, ymax = session["extent"]
    assert xmin < -1 < 1 < xmax and ymin < -1 < 1 < ymax

    for _ in range(3):
        status, metrics = client.post(f"/api/sessions/{sid}/step", {"steps": 100})
        assert status == 200
    assert metrics["step"] == 300 and metrics["epoch"] >= 14 and not metrics["diverged"]
    assert metrics["accuracy"] > 0.9 and 0 < metrics["loss"] < 0.4

    status, boundary = client.get(f"/api/sessions/{sid}/boundary?resolution=12")
    grid = boundary["probabilities"]
    assert status == 200 and len(grid) == 12 and all(len(row) == 12 for row in grid)
    assert all(0 <= p <= 1 for row in grid for p in row)
    # XOR: the top-right and bottom-left corners are class 1 (same signs), the others class 0
    assert grid[0][-1] > 0.5 and grid[-1][0] > 0.5 and grid[0][0] < 0.5 and grid[-1][-1] < 0.5

    status, unit = client.get(f"/api/sessions/{sid}/unit?layer=0&unit=5&resolution=9")
    assert status == 200 and unit["activation"] == "tanh" and len(unit["values"]) == 9
    values = [v for row in unit["values"] for v in row]
    assert min(values) == pytest.approx(unit["min"], abs=1e-4) and max(values) == pytest.approx(unit["max"], abs=1e-4)
    assert -1 <= unit["min"] < unit["max"] <= 1

    status, state = client.get(f"/api/sessions/{sid}")
    assert state["history"]["step"] == [100, 200, 300] and state["step"] == 300

    status, fresh = client.post(f"/api/sessions/{sid}/reset")
    assert status == 200 and fresh["step"] == 0 and fresh["history"]["step"] == []
    assert fresh["points"] == session["points"] and fresh["accuracy"] < 0.9

    status, _, response = client.request("DELETE", f"/api/sessions/{sid}")
    assert status == 204
    status, error = client.get(f"/api/sessions/{sid}")
    assert status == 404 and "no session" in error["error"]


def test_a_deep_relu_network_and_the_unit_maps_of_each_layer(client):
    session = client.create(dataset="circles", hidden=[8, 4, 3], activation="relu", optimizer="adam", lr=0.01)
    status, metrics = client.post(f"/api/sessions/{session['id']}/step", {"steps": MAX_STEPS})
    assert status == 200 and metrics["step"] == MAX_STEPS
    status, unit = client.get(f"/api/sessions/{session['id']}/unit?layer=2&unit=2")
    assert status == 200 and len(unit["values"]) == 50 and unit["min"] >= 0  # ReLU outputs, default resolution


def test_a_learning_rate_too_large_reports_divergence_and_the_maps_stay_valid_json(client):
    session = client.create(dataset="spirals", hidden=[16, 16, 16], activation="leaky_relu", optimizer="momentum",
                            lr=3.0, batch_size=500, samples=1000, noise=0.5)
    sid = session["id"]
    status, metrics = client.post(f"/api/sessions/{sid}/step", {"steps": 50})
    assert status == 200 and metrics["diverged"] and metrics["loss"] is None and metrics["step"] < 50
    assert client.post(f"/api/sessions/{sid}/step", {"steps": 5})[1]["step"] == metrics["step"]  # stays put
    assert client.get(f"/api/sessions/{sid}/boundary?resolution=4")[0] == 200
    assert client.get(f"/api/sessions/{sid}/unit?layer=2&unit=0&resolution=4")[0] == 200
    assert client.get(f"/api/sessions/{sid}")[0] == 200
    status, fresh = client.post(f"/api/sessions/{sid}/reset")
    assert status == 200 and not fresh["diverged"] and fresh["loss"] is not None


BAD_SETTINGS = [
    ({"dataset": "moons"}, "dataset must be one of circles, xor, spirals, blobs"),
    ({"dataset": 3}, "dataset must be one of"),
    ({"noise": 0.9}, "noise must be a number in [0, 0.5]"),
    ({"noise": "0.1"}, "noise must be a number"),
    ({"samples": 5}, "samples must be an integer in [20, 1000]"),
    ({"samples": 100.5}, "samples must be an integer"),
    ({"samples": True}, "samples must be an integer"),
    ({"samples": 10**12}, "samples must be an integer in [20, 1000]"),
    ({"hidden": [4] * 7}, "hidden must be a list of 0 to 6 layer sizes"),
    ({"hidden": {"0": 4}}, "hidden must be a list of 0 to 6"),
    ({"hidden": "6"}, "hidden must be a list"),
    ({"hidden": [0]}, "hidden[0] must be an integer in [1, 16]"),
    ({"hidden": [6, 17]}, "hidden[1] must be an integer in [1, 16]"),
    ({"activation": "gelu"}, "activation must be one of tanh, sigmoid, relu, leaky_relu, linear"),
    ({"optimizer": "rmsprop"}, "optimizer must be one of sgd, momentum, adam"),
    ({"lr": 0}, "lr must be a number in [1e-05, 10]"),
    ({"lr": 100}, "lr must be a number in [1e-05, 10]"),
    ({"lr": [0.1]}, "lr must be a number"),
    ({"batch_size": 0}, "batch_size must be an integer in [1, 500]"),
    ({"seed": -1}, "seed must be an integer in [0, 2147483647]"),
    ({"colour": "red"}, "unknown setting 'colour'"),
    ({"dataset": "moons"}, "plane, gaussians"),
    ({"test_ratio": 0.95}, "test_ratio must be a number in [0, 0.9]"),
    ({"test_ratio": "half"}, "test_ratio must be a number"),
    ({"features": []}, "features must be a list of 1 to 7"),
    ({"features": ["x1", "x3"]}, "features[1] must be one of x1, x2"),
    ({"features": ["x1", "x1"]}, "features lists a feature twice"),
    ({"features": "x1"}, "features must be a list"),
    ({"features": [["x1"]]}, "features[0] must be one of"),
    ({"regularization": "l3"}, "regularization must be one of none, l1, l2"),
    ({"reg_rate": -0.1}, "reg_rate must be a number in [0, 10]"),
    ({"reg_rate": 11}, "reg_rate must be a number in [0, 10]"),
    ({"dropout": 0.95}, "dropout must be a number in [0, 0.9]"),
    ({"dropout": True}, "dropout must be a number"),
]


@pytest.mark.parametrize("settings, message", BAD_SETTINGS, ids=[str(s) for s, _ in BAD_SETTINGS])
def test_bad_settings_are_refused_with_a_message(client, settings, message):
    status, error = client.post("/api/sessions", settings)
    assert status == 400 and message in error["error"]


@pytest.mark.parametrize("raw, message", [
    (b"[1, 2]", "must be a JSON object"),
    (b'{"lr": 0.1', "not valid JSON"),
    (b'{"lr": NaN}', "not valid JSON"),
    (b"\xff\xfe", "not valid JSON"),
    (b"[" * 5000 + b"]" * 5000, "JSON"),
])
def test_malformed_bodies_are_refused(client, raw, message):
    status, error, _ = client.request("POST", "/api/sessions", raw=raw)
    assert status == 400 and message in error["error"]


@pytest.mark.parametrize("method, action, message", [
    ("POST", ("step", {"steps": 0}), f"steps must be an integer in [1, {MAX_STEPS}]"),
    ("POST", ("step", {"steps": MAX_STEPS + 1}), f"steps must be an integer in [1, {MAX_STEPS}]"),
    ("POST", ("step", {"steps": "5"}), "steps must be an integer"),
    ("POST", ("step", {"stpes": 5}), "unknown field 'stpes'"),
    ("POST", ("reset", {"seed": 1}), "unknown field 'seed'"),
    ("GET", "boundary?resolution=2", "resolution must be an integer in [4, 100]"),
    ("GET", "boundary?resolution=100000", "resolution must be an integer in [4, 100]"),
    ("GET", "boundary?resolution=abc", "resolution must be an integer"),
    ("GET", "boundary?resolution=-5", "resolution must be an integer"),
    ("GET", "boundary?resolution=10&resolution=20", "'resolution' is given twice"),
    ("GET", "boundary?colour=red", "unknown query parameter 'colour'"),
    ("GET", "unit?layer=1&unit=0", "layer must be an integer in [0, 0]"),
    ("GET", "unit?layer=0&unit=6", "unit must be an integer in [0, 5]"),
    ("GET", "unit?layer=0", "the query parameter unit is required"),
    ("GET", "unit?layer=0&unit=0&resolution=1", "resolution must be an integer in [4, 100]"),
    ("GET", "?x=1", "unknown query parameter 'x'"),
    ("POST", ("step", {"epochs": 2}), "epochs must be an integer in [1, 1]"),
    ("POST", ("step", {"epochs": 1, "steps": 3}), "send steps or epochs, not both"),
    ("POST", ("settings", {"dataset": "spirals"}), "unknown setting that can change while training"),
    ("POST", ("settings", {"lr": 11}), "lr must be a number in [1e-05, 10]"),
    ("POST", ("settings", {"dropout": "0.5"}), "dropout must be a number"),
    ("POST", ("points", {"x": 0, "y": 0, "label": 3}), "label must be an integer in [0, 1]"),
    ("POST", ("points", {"x": 1e9, "y": 0, "label": 1}), "x must be a number in"),
    ("GET", "unit?layer=0&unit=0&view=weights", "view must be one of output, gradient"),
    ("GET", "network?resolution=33", "resolution must be an integer in [4, 32]"),
    ("GET", "network?view=x", "view must be one of"),
    ("GET", "network?colour=1", "unknown query parameter 'colour'"),
    ("GET", "neuron?layer=3&unit=0&x=0&y=0", "layer must be an integer in [0, 2]"),
    ("GET", "neuron?layer=0&unit=0&x=abc&y=0", "x must be a number in"),
    ("GET", "neuron?layer=0&unit=0&x=nan&y=0", "x must be a number in"),
    ("GET", "neuron?layer=0&unit=0&x=1e999&y=0", "x must be a number in"),
    ("GET", "neuron?layer=0&unit=0&x=0", "the query parameter y is required"),
    ("GET", "neuron?layer=1&unit=2&x=0&y=0", "unit must be an integer in [0, 1]"),
    ("GET", "hidden?layer=0", "needs a layer of exactly 2"),
    ("GET", "hidden?layer=1", "layer must be an integer in [0, 0]"),
])
def test_bad_parameters_of_a_session_are_refused_with_a_message(client, method, action, message):
    sid = client.create(hidden=[6, 2] if "neuron" in str(action) else [6])["id"]
    if method == "POST":
        status, error = client.post(f"/api/sessions/{sid}/{action[0]}", action[1])
    else:
        status, error = client.get(f"/api/sessions/{sid}/{action}" if not action.startswith("?")
                                   else f"/api/sessions/{sid}{action}")
    assert status == 400 and message in error["error"]


def test_training_settings_change_over_http_with_the_weights_kept_and_every_view_answers(client):
    session = client.create(dataset="circles", samples=100, hidden=[4, 2], features=["x1", "x2", "x1^2"])
    sid = session["id"]
    assert len(session["points"]) == 70 and len(session["test_points"]) == 30
    client.post(f"/api/sessions/{sid}/step", {"steps": 50})
    before = client.get(f"/api/sessions/{sid}/network?resolution=4")[1]
    status, answer = client.post(f"/api/sessions/{sid}/settings", {"lr": 0.001, "optimizer": "adam"})
    assert status == 200 and answer["step"] == 50 and answer["config"]["optimizer"] == "adam"
    after = client.get(f"/api/sessions/{sid}/network?resolution=4")[1]
    assert after["layers"][0]["weights"] == before["layers"][0]["weights"]
    assert client.post(f"/api/sessions/{sid}/step", {"epochs": 1})[1]["step"] == 50 + 7
    status, state = client.post(f"/api/sessions/{sid}/points", {"x": 0.1, "y": 0.1, "label": 1})
    assert status == 200 and len(state["points"]) == 71
    status, diagram = client.get(f"/api/sessions/{sid}/network?view=gradient")
    assert status == 200 and diagram["view"] == "gradient" and len(diagram["maps"]["features"][0]) == 16
    status, graph = client.get(f"/api/sessions/{sid}/neuron?layer=2&unit=1&x=-0.25&y=0.5")
    assert status == 200 and graph["point"] == [-0.25, 0.5] and len(graph["inputs"]) == 2
    status, space = client.get(f"/api/sessions/{sid}/hidden?layer=1")
    assert status == 200 and len(space["points"]) == 71
    status, unit = client.get(f"/api/sessions/{sid}/unit?layer=1&unit=1&resolution=5&view=gradient")
    assert status == 200 and unit["view"] == "gradient"
    linear = client.create(hidden=[], features=["x1"])["id"]
    assert client.post(f"/api/sessions/{linear}/step", {"steps": 5})[0] == 200
    status, error = client.get(f"/api/sessions/{linear}/unit?layer=0&unit=0")
    assert status == 400 and "no hidden layer" in error["error"]


def test_wrong_methods_paths_types_sizes_and_origins(client):
    sid = client.create()["id"]
    status, error, response = client.request("GET", "/api/sessions")
    assert status == 405 and response.getheader("Allow") == "POST" and "use POST" in error["error"]
    assert client.request("DELETE", f"/api/sessions/{sid}/step")[0] == 405
    assert client.request("PUT", "/api/sessions")[0] == 501  # http.server's own answer, as JSON
    assert client.get("/api/sessions/0123456789abcdef")[0] == 404
    assert client.get("/api/nothing")[0] == 404
    status, error, _ = client.request("POST", "/api/sessions", raw=b"dataset=xor",
                                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 415 and "application/json" in error["error"]
    status, error, _ = client.request("POST", "/api/sessions", raw=b'{"seed": 1' + b" " * 20000 + b"}")
    assert status == 413 and "16384" in error["error"]
    status, error, _ = client.request("GET", "/api/config", headers={"Host": "evil.example:80"})
    assert status == 403
    status, error, _ = client.request("POST", "/api/sessions", {}, headers={"Origin": "http://evil.example"})
    assert status == 403 and "cross-origin" in error["error"]


@pytest.mark.parametrize("path", [
    "/../server.py", "/static/../server.py", "/%2e%2e/server.py", "/..%2fserver.py", "/app.js/../server.py",
    "//etc/passwd", "/static/app.js", "/static/", "/index.html/", "/app.js%00.html", "/sessions.py",
])
def test_only_the_pages_own_files_are_served(client, path):
    status, body, _ = client.request("GET", path)
    assert status == 404 and "no such path" in body["error"]


def test_the_least_recently_used_session_is_evicted(small_server):
    server, client = small_server
    first, second, third = (client.create(samples=20)["id"] for _ in range(3))
    assert client.get(f"/api/sessions/{first}")[0] == 200  # now `second` is the least recently used
    fourth = client.create(samples=20)["id"]
    status, error = client.get(f"/api/sessions/{second}")
    assert status == 404 and "evicted" in error["error"]
    for sid in (first, third, fourth):
        assert client.get(f"/api/sessions/{sid}")[0] == 200
    assert len(server.store) == 3


def test_concurrent_requests_on_one_session_are_safe(client):
    sid = client.create(samples=100, hidden=[8, 8])["id"]
    failures: list[object] = []

    def work(kind: int) -> None:
        for _ in range(4):
            if kind % 2:
                status, answer = client.post(f"/api/sessions/{sid}/step", {"steps": 20})
            else:
                status, answer = client.get(f"/api/sessions/{sid}/boundary?resolution=20")
            if status != 200:
                failures.append(answer)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not failures
    assert client.get(f"/api/sessions/{sid}")[1]["step"] == 2 * 4 * 20
