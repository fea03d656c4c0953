"""Test-wide settings: the optional compiled kernels (chainrule.ops.compiled) build into a folder of this run."""

import os
import tempfile

import pytest


@pytest.fixture(autouse=True, scope="session")
def _compiled_kernels_cache():
    """Libraries compiled by the tests go to a temporary folder, never the user's ~/.cache."""
    with tempfile.TemporaryDirectory(prefix="chainrule-kernels-") as folder:
        previous = os.environ.get("CHAINRULE_CACHE")
        os.environ["CHAINRULE_CACHE"] = folder
        yield
        if previous is None:
            os.environ.pop("CHAINRULE_CACHE", None)
        else:
            os.environ["CHAINRULE_CACHE"] = previous
