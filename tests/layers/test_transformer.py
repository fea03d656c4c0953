"""TransformerBlock, GELU and LayerNorm layers: gradients, residual structure, save/load, dropout."""

import numpy as np
from harness import check_layer_gradients

import chainrule as cr
from chainrule.layers import GELU, LayerNorm, TransformerBlock


def test_block_gradients():
    block = TransformerBlock(4, 2, approximate="tanh")
    block.seed(0)
    check_layer_gradients(block, np.random.default_rng(0).standard_normal((2, 3, 4)))


def test_layer_norm_and_gelu_layer_gradients():
    check_layer_gradients(LayerNorm(5), np.random.default_rng(1).standard_normal((3, 5)))
    check_layer_gradients(GELU(), np.random.default_rng(2).standard_normal((3, 5)))


def test_zero_branches_leave_the_residual_stream_unchanged():
    block = TransformerBlock(4, 2)
    block.attention.out.weight.data[...] = 0
    block.attention.out.bias.data[...] = 0
    block.proj.weight.data[...] = 0
    block.proj.bias.data[...] = 0
    x = np.random.default_rng(3).standard_normal((2, 3, 4)).astype(np.float32)
    np.testing.assert_array_equal(block(x).data, x)


def test_blocks_save_and_load(tmp_path):
    net = cr.NeuralNetwork([TransformerBlock(8, 2, dropout=0.1)])
    net.seed(0)
    net.eval()
    x = np.random.default_rng(4).standard_normal((1, 3, 8))
    net.save(tmp_path / "block.npz")
    loaded = cr.load(tmp_path / "block.npz")
    loaded.eval()
    np.testing.assert_array_equal(loaded(x).data, net(x).data)


def test_dropout_acts_only_while_training():
    block = TransformerBlock(8, 2, dropout=0.5)
    block.seed(0)
    x = np.random.default_rng(5).standard_normal((2, 4, 8))
    assert not np.allclose(block(x).data, block(x).data)
    block.eval()
    np.testing.assert_array_equal(block(x).data, block(x).data)
