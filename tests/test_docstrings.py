"""Every public operation and layer documents itself: a formula or a runnable example.

An operation's docstring holds its derivation — at least the backward rule, with "∂" — or an
example (``>>>``, run by pytest's doctest collection). A layer's holds a formula ("=" or "∂") or
an example. `help(cr.ops.add)` then shows what the code computes, and how it is differentiated.
"""

from __future__ import annotations

import inspect

import pytest

import chainrule.layers
import chainrule.ops


def _doc(obj) -> str:
    return inspect.getdoc(obj) or ""


@pytest.mark.parametrize("name", sorted(chainrule.ops.__all__))
def test_every_public_operation_states_its_derivative(name):
    doc = _doc(getattr(chainrule.ops, name))
    assert doc, f"chainrule.ops.{name} has no docstring"
    assert "∂" in doc or ">>>" in doc, (
        f"chainrule.ops.{name}: give the forward formula and the backward rule (∂L/∂x = …), or an example"
    )
    assert "=" in doc or ">>>" in doc, f"chainrule.ops.{name}: give the formula it computes (y = …)"


@pytest.mark.parametrize("name", sorted(chainrule.layers.__all__))
def test_every_public_layer_has_a_formula_or_an_example(name):
    layer = getattr(chainrule.layers, name)
    doc = inspect.getdoc(layer) if layer.__doc__ else ""  # the class's own docstring, not an inherited one
    assert doc, f"chainrule.layers.{name} has no docstring of its own"
    assert any(mark in doc for mark in ("=", "∂", ">>>")), (
        f"chainrule.layers.{name}: give the formula it computes (y = …) or an example (>>>)"
    )

