"""One namespace: every layer, loss and optimizer from `chainrule` itself, every operation in `chainrule.ops`."""

import inspect

import chainrule as cr
import chainrule.layers
import chainrule.losses
import chainrule.ops
import chainrule.optim


def test_every_layer_loss_and_optimizer_is_importable_from_chainrule():
    optimizers = {n for n, v in vars(chainrule.optim).items() if inspect.isclass(v) and issubclass(v, cr.optim.Optimizer)}
    names = set(chainrule.layers.__all__) | optimizers
    names |= {n for n, v in vars(chainrule.losses).items() if inspect.isclass(v) and v.__module__ == "chainrule.losses"}
    missing = sorted(n for n in names if getattr(cr, n, None) is not getattr(
        chainrule.layers, n, getattr(chainrule.optim, n, getattr(chainrule.losses, n, None))))
    assert not missing, f"not importable from chainrule: {missing}"


def test_chainrule_ops_holds_every_operation_function():
    """Every public function of a chainrule.ops module that documents a gradient (∂L/∂) is in chainrule.ops."""
    import pkgutil

    missing = []
    for info in pkgutil.iter_modules(chainrule.ops.__path__):
        module = __import__(f"chainrule.ops.{info.name}", fromlist=["_"])
        for name, value in vars(module).items():
            if (inspect.isfunction(value) and value.__module__ == module.__name__ and not name.startswith("_")
                    and "∂L/∂" in (value.__doc__ or "") and name not in chainrule.ops.__all__):
                missing.append(f"{info.name}.{name}")
    assert not missing, f"operations missing from chainrule.ops.__all__: {missing}"
    for name in chainrule.ops.__all__:
        assert callable(getattr(chainrule.ops, name))
