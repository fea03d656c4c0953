"""Every public operation has at least one gradcheck + PyTorch case in the harness."""

import importlib.util
from pathlib import Path

import chainrule.ops

HERE = Path(__file__).parent
# boolean or integer results, checked against torch in test_comparison.py and test_reductions.py
NOT_DIFFERENTIABLE = {"argmax", "argmin", "equal", "greater", "greater_equal", "less", "less_equal", "not_equal"}


def _cases():
    cases = []
    for path in sorted(HERE.glob("test_*.py")):
        if path.name == Path(__file__).name:
            continue
        spec = importlib.util.spec_from_file_location(f"_cases_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        cases.extend(getattr(module, "CASES", []))
    return cases


def test_every_public_operation_has_a_case():
    covered = {case.op for case in _cases()}
    missing = set(chainrule.ops.__all__) - covered - {"cast"} - NOT_DIFFERENTIABLE
    assert not missing, f"operations without a gradcheck/torch case: {sorted(missing)}"


def test_every_case_compares_against_torch():
    without = [str(case) for case in _cases() if case.theirs is None]
    assert not without, f"cases without a PyTorch counterpart: {without}"
