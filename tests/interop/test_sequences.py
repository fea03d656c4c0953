"""step_activation reads a TimeDistributed(Dense)'s activation as it acts on (N, T, F)."""

import pytest

import chainrule as cr
from chainrule.interop import UnsupportedLayerError
from chainrule.interop.sequences import step_activation
from chainrule.layers import Embedding, TimeDistributed


def test_step_activation_keeps_a_softmax_over_the_last_axis():
    assert isinstance(step_activation(TimeDistributed(cr.Dense(3, "tanh")), "x"), cr.Tanh)
    assert step_activation(TimeDistributed(cr.Dense(3, cr.Softmax(1))), "x").axis == -1
    with pytest.raises(UnsupportedLayerError, match="to_onnx: TimeDistributed\\(Dense\\) with a softmax over axis 0"):
        step_activation(TimeDistributed(cr.Dense(3, cr.Softmax(0))), "to_onnx")
    with pytest.raises(UnsupportedLayerError, match="TimeDistributed\\(Embedding\\) is not supported"):
        step_activation(TimeDistributed(Embedding(3, 2)), "to_torch")
