"""What `make demo` builds and says (issue 17, items 9 and 17): the README's commands' needs, no setuptools
license deprecation boxes, a line before each long install, and how to get `chainrule` on PATH afterwards.
`make -n` prints the recipe without running it; pyproject.toml is read by setuptools itself."""

import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = pytest.importorskip("tomli")


def test_the_demo_environment_has_what_the_readmes_commands_need():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert {"tqdm", "matplotlib"} <= set(extras["demo"])  # progress bars, --plot


def test_setuptools_reads_pyproject_without_a_license_deprecation(tmp_path, monkeypatch):
    pytest.importorskip("setuptools", minversion="77")  # what pip builds chainrule with (pyproject's build-system)
    from setuptools.config.pyprojecttoml import apply_configuration
    from setuptools.dist import Distribution

    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "src", tmp_path / "src", ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.chdir(tmp_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        apply_configuration(Distribution(), "pyproject.toml")
    assert not [w for w in caught if "license" in str(w.message).lower()]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_demo_says_what_it_installs_and_how_to_use_chainrule_after(tmp_path):
    venv = tmp_path / "venv"  # a path that does not exist: make shows the whole recipe
    recipe = subprocess.run(["make", "-n", "demo", f"VENV={venv}"], cwd=ROOT, capture_output=True, text=True,
                            timeout=60).stdout.splitlines()
    installs = [i for i, line in enumerate(recipe) if "pip" in line and " install -e " in line]
    assert installs and all(recipe[i - 1].startswith("echo ") for i in installs)  # a line before the wait
    assert all("--quiet" in recipe[i] for i in installs)
    assert any(f". {venv}/bin/activate" in line for line in recipe[installs[-1]:])
