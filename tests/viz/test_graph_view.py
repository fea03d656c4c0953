"""The graph view: exact DOT for the tutorial's sigmoid, deep graphs without recursion, files."""

import re
import runpy
import shutil
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from chainrule.viz import GraphvizNotFoundError, graph, retain_graph_grads
from chainrule.viz import graph_view

ROOT = Path(__file__).resolve().parents[2]
HAS_DOT = shutil.which("dot") is not None

NODE = re.compile(r'^  (\w+) \[label="(.*?)", ', re.M)
EDGE = re.compile(r"^  (\w+) -> (\w+)(?: \[label=<(.*)>\])?;$", re.M)


def parse(text):
    """(nodes {id: label}, edges [(source, target, label text without markup)])."""
    nodes = dict(NODE.findall(text))
    edges = [(a, b, re.sub(r"<[^>]+>", " ", label).split()) for a, b, label in EDGE.findall(text)]
    return nodes, edges


def tutorial_sigmoid(keep_grads=True):
    x = cr.Tensor(1.0, requires_grad=True, dtype=np.float64, name="x")
    y = 1 / (cr.exp(-x) + 1)
    if keep_grads:
        retain_graph_grads(y)
    y.backward(retain_graph=True)
    return x, y


def test_sigmoid_graph_has_exactly_the_expected_nodes_edges_and_tutorial_numbers():
    _, y = tutorial_sigmoid()
    nodes, edges = parse(graph(y))
    assert nodes == {
        "leaf0": r"x\n()", "op0": r"Neg\n()", "op1": r"Exp\n()", "leaf1": r"1.00\n()", "op2": r"Add\n()",
        "leaf2": r"1.00\n()", "op3": r"Div\n()", "output": r"output\n()",
    }
    assert edges == [
        ("leaf0", "op0", ["1.00", "grad", "0.20"]),  # x = 1; dσ/dx = σ(1)(1 − σ(1)) = 0.20
        ("op0", "op1", ["-1.00", "grad", "-0.20"]),  # −x; through exp (local gradient e⁻¹)
        ("op1", "op2", ["0.37", "grad", "-0.53"]),  # exp(−x); through +1 unchanged
        ("leaf1", "op2", ["1.00"]),  # the constant 1: no gradient wanted
        ("leaf2", "op3", ["1.00"]),  # the numerator of 1/·
        ("op2", "op3", ["1.37", "grad", "-0.53"]),  # 1 + exp(−x); d(1/u)/du = −1/u²
        ("op3", "output", ["0.73", "grad", "1.00"]),  # σ(1) and the seed
    ]


def test_the_text_is_stable_and_options_remove_labels():
    texts = {graph(tutorial_sigmoid()[1]) for _ in range(2)}
    assert len(texts) == 1
    _, y = tutorial_sigmoid()
    assert "grad" not in graph(y, show_grads=False)
    assert "label=<" not in graph(y, show_values=False, show_grads=False)
    assert "label=<" not in graph(y, max_elements=0)


def test_without_retained_grads_only_leaves_show_gradients():
    _, y = tutorial_sigmoid(keep_grads=False)
    _, edges = parse(graph(y))
    with_grads = [(a, b) for a, b, label in edges if "grad" in label]
    assert with_grads == [("leaf0", "op0")]


def test_after_a_plain_backward_the_graph_is_drawn_with_every_value_and_gradient():
    x = cr.Tensor(1.0, requires_grad=True, dtype=np.float64, name="x")
    y = 1 / (cr.exp(-x) + 1)
    y.backward()  # no retain_graph_grads, no retain_graph: as a PyTorch user would
    assert graph(y) == graph(tutorial_sigmoid()[1])
    with pytest.raises(RuntimeError, match="a second time"):
        y.backward()  # the arrays backward needs are still freed


def test_backward_frees_the_large_arrays_and_keeps_only_a_small_trace():
    x = cr.Tensor(np.ones((300, 300)), requires_grad=True, name="x")
    data = cr.Tensor(np.full((300, 300), 2.0), name="data")
    y = (cr.tanh(x * data) * data).sum()
    y.backward()
    kept = []
    for op in (y._op, y._op.inputs[0]._op, y._op.inputs[0]._op.inputs[0]._op):
        assert op.released and not hasattr(op, "output_values")
        kept += [t.data for t in op.inputs if t is not x] + [g for g in op.released_grads if g is not None]
    assert all(value is None or value.size <= 16 for value in kept)
    nodes, edges = parse(graph(y))
    assert sorted(nodes.values()).count(r"data\n(300, 300)") == 1  # one leaf, however many times it is used
    assert edges[-1][2][-2:] == ["grad", "1.00"]  # the seed, on the edge into the output


def test_a_chain_of_5000_operations_needs_no_recursion():
    x = cr.Tensor(0.5, requires_grad=True, dtype=np.float64, name="x")
    y = x
    for _ in range(5000):
        y = -y
    retain_graph_grads(y)
    y.backward(retain_graph=True)
    text = graph(y)
    nodes, edges = parse(text)
    assert len(nodes) == 5000 + 2 and len(edges) == 5000 + 1
    assert ("op4999", "output", ["0.50", "grad", "1.00"]) in edges
    assert edges[0] == ("leaf0", "op0", ["0.50", "grad", "1.00"])


def test_shared_inputs_multiple_outputs_and_larger_tensors():
    x = cr.Tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True, name="x")
    a, b = cr.split(x, 2)
    y = (a * a + b).sum()
    y.backward(retain_graph=True)
    text = graph(y, max_elements=2)
    nodes, edges = parse(text)
    assert list(nodes.values()) == [r"x\n(4,)", r"Split\n(2,), (2,)", r"Mul\n(2,)", r"Add\n(2,)",
                                    r"Sum\n()", r"output\n()"]
    assert [(a, b, label[:2]) for a, b, label in edges[1:3]] == [("op0", "op1", ["output", "0"])] * 2
    assert "[1.00, 2.00]" in text and "output 1" in text
    assert edges[0] == ("leaf0", "op0", [])  # 4 elements > max_elements: shape only


def test_labels_are_escaped(tmp_path):
    x = cr.Tensor(1.0, requires_grad=True, name='say "hi" \\ <b>&')
    y = x * 2
    y.name = "<out>"
    text = graph(y)
    assert r'label="say \"hi\" \\ <b>&\n()"' in text
    if HAS_DOT:  # Graphviz reads it back without complaint
        graph(y, tmp_path / "escaped.svg")
        assert "say &quot;hi&quot; \\ &lt;b&gt;&amp;" in (tmp_path / "escaped.svg").read_text(encoding="utf-8")


def test_a_leaf_root_and_bad_arguments():
    x = cr.Tensor([1.0], name="w")
    nodes, edges = parse(graph(x))
    assert nodes == {"leaf0": r"w\n(1,)"} and edges == []
    with pytest.raises(TypeError, match="Tensor"):
        graph(np.ones(3))
    with pytest.raises(ValueError, match="max_elements"):
        graph(x, max_elements=-1)


def test_files_dot_svg_and_missing_graphviz(tmp_path, monkeypatch):
    _, y = tutorial_sigmoid()
    text = graph(y, tmp_path / "g.dot")
    assert (tmp_path / "g.dot").read_text(encoding="utf-8") == text
    with pytest.raises(ValueError, match=r"\.svg"):
        graph(y, tmp_path / "g.txt")
    monkeypatch.setattr(graph_view.shutil, "which", lambda name: None)
    with pytest.raises(GraphvizNotFoundError, match="(?i)install Graphviz"):
        graph(y, tmp_path / "g.svg")


@pytest.mark.skipif(not HAS_DOT, reason="Graphviz's dot is not installed")
def test_svg_and_png_are_drawn_by_graphviz(tmp_path):
    _, y = tutorial_sigmoid()
    graph(y, tmp_path / "g.svg")
    svg = (tmp_path / "g.svg").read_text(encoding="utf-8")
    assert "<svg" in svg and "grad &#45;0.53" in svg and "grad 0.20" in svg  # SVG escapes the minus
    graph(y, tmp_path / "g.png")
    assert (tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_sigmoid_example_writes_the_graph(tmp_path, capsys):
    text = runpy.run_path(str(ROOT / "examples" / "sigmoid_graph.py"))["main"](str(tmp_path))
    assert (tmp_path / "sigmoid_graph.dot").read_text(encoding="utf-8") == text
    for value in ("grad -0.53", "grad -0.20", "grad 0.20"):
        assert value in text
    assert "dσ/dx = 0.1966" in capsys.readouterr().out
    assert (tmp_path / "sigmoid_graph.svg").exists() == HAS_DOT
