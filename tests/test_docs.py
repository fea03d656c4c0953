"""The documentation cannot rot: its code runs, its links resolve, its cheat sheet covers every operation.

Conventions for the Markdown in docs/ (see docs/index.md, "How these pages are tested"):

* every ```python block runs, in order, in one namespace per page (a page reads like a notebook),
  in a temporary working folder, with $CHAINRULE_DATA pointing at the repository's data/;
* every ```pycon block (``>>>`` lines and their output) runs as a doctest in the same namespace;
* an HTML comment on the line just before a block changes that:
  ``<!-- not-run: why -->`` skips the block (for excerpts and commands that take minutes), and
  ``<!-- needs: torch -->`` (or ``matplotlib``, ``graphviz``) runs it only where that is installed,
  in a copy of the namespace, so the blocks after it never depend on it.
"""

from __future__ import annotations

import doctest
import importlib.util
import inspect
import re
import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest

import chainrule.ops

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md"))
GUIDE = sorted((DOCS / "guide").glob("*.md"))

FENCE = re.compile(r"^```([\w-]*)[^\n]*\n(.*?)^```[ \t]*$", re.S | re.M)
MARKER = re.compile(r"<!--\s*(not-run|needs):\s*(.*?)\s*-->\s*$")
LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$", re.M)
NEEDS = ("torch", "matplotlib", "graphviz", "onnx", "onnxruntime", "data")  # "data": the MNIST files in data/


@dataclass
class Block:
    language: str
    code: str
    line: int
    marker: tuple[str, str] | None


def blocks(text: str) -> list[Block]:
    """The fenced code blocks of a page, each with the marker comment just above it (if any)."""
    found = []
    for match in FENCE.finditer(text):
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        marker = MARKER.search(before)
        found.append(Block(match.group(1).lower(), match.group(2), text.count("\n", 0, match.start()) + 1,
                           (marker.group(1), marker.group(2)) if marker else None))
    return found


def without_code(text: str) -> str:
    """The page with fenced blocks and inline code removed (links inside code are not links)."""
    text = FENCE.sub("", text)
    return re.sub(r"`[^`\n]*`", "", text)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    heading = re.sub(r"`|\*\*|__", "", heading)
    heading = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    kept = "".join(c for c in heading.lower() if c in " -_" or unicodedata.category(c)[0] in "LM"
                   or unicodedata.category(c) == "Nd")  # letters, marks, digits (not ² or ³)
    return kept.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    return {slug(h) for h in HEADING.findall(FENCE.sub("", page.read_text()))}


def available(need: str) -> bool:
    need = need.split()[0].lower()
    if need == "graphviz":
        return shutil.which("dot") is not None
    if need == "data":
        return (ROOT / "data" / "mnist").is_dir()
    return importlib.util.find_spec(need) is not None


def page_id(page: Path) -> str:
    return str(page.relative_to(DOCS))


RUNNABLE = [p for p in PAGES if any(b.language in ("python", "pycon") for b in blocks(p.read_text()))]


# ------------------------------------------------------------------------ the code runs


@pytest.mark.parametrize("page", RUNNABLE, ids=page_id)
def test_the_code_of_the_page_runs(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    if (ROOT / "data").is_dir():
        monkeypatch.setenv("CHAINRULE_DATA", str(ROOT / "data"))
    namespace: dict = {"__name__": "__docs__"}
    skipped = []
    for block in blocks(page.read_text()):
        if block.language not in ("python", "pycon"):
            continue
        where = f"{page_id(page)}, the {block.language} block at line {block.line}"
        scope = namespace
        if block.marker is not None:
            kind, what = block.marker
            if kind == "not-run":
                continue
            if not available(what):
                skipped.append(f"{where} (needs {what})")
                continue
            scope = dict(namespace)
        if block.language == "python":
            exec(compile(block.code, where, "exec"), scope)
        else:
            _run_doctest(block.code, scope, where)
    if skipped:
        pytest.skip("skipped: " + "; ".join(skipped))


def _run_doctest(code: str, namespace: dict, where: str) -> None:
    test = doctest.DocTestParser().get_doctest(code, namespace, where, where, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report: list[str] = []
    runner.run(test, out=report.append, clear_globs=False)
    assert runner.failures == 0, "".join(report)


def test_every_marker_is_understood():
    for page in PAGES:
        text = page.read_text()
        prose = FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), text)
        for number, line in enumerate(prose.splitlines(), 1):
            line = re.sub(r"`[^`]*`", "", line)
            if "<!-- not-run" in line or "<!-- needs" in line:
                assert MARKER.search(line), f"{page_id(page)}:{number}: write <!-- not-run: why --> or <!-- needs: X -->"
        for block in blocks(text):
            if block.marker and block.marker[0] == "needs":
                assert block.marker[1].split()[0].lower() in NEEDS, f"{page_id(page)}:{block.line}: needs one of {NEEDS}"


# -------------------------------------------------------------------------- links resolve


def _relative_links(page: Path) -> list[str]:
    return [t for t in LINK.findall(without_code(page.read_text())) if not re.match(r"[a-z]+:", t)]


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_relative_links_resolve(page):
    broken = []
    for target in _relative_links(page):
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        if not resolved.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(f"{target} (no heading with anchor #{anchor})")
    assert not broken, f"{page_id(page)}: broken links: {broken}"


def test_the_readme_links_to_the_documentation():
    text = (ROOT / "README.md").read_text()
    targets = [t for t in LINK.findall(without_code(text)) if t.startswith("docs/")]
    assert "docs/index.md" in targets
    for target in targets:
        assert (ROOT / target.partition("#")[0]).exists(), f"README.md links to {target}, which does not exist"


def test_every_page_is_reachable_from_the_index():
    linked = {(DOCS / t.partition("#")[0]).resolve() for t in _relative_links(DOCS / "index.md")}
    missing = [page_id(p) for p in PAGES if p != DOCS / "index.md" and p.resolve() not in linked]
    assert not missing, f"docs/index.md does not link to {missing}"


def test_mkdocs_nav_lists_exactly_the_pages():
    config = ROOT / "mkdocs.yml"
    if not config.exists():
        pytest.skip("no mkdocs.yml")
    listed = set(re.findall(r":\s*([\w/.-]+\.md)\s*$", config.read_text(), re.M))
    assert listed == {page_id(p) for p in PAGES}


# ------------------------------------------------------------------------ the guide's frame


@pytest.mark.parametrize("page", GUIDE, ids=page_id)
def test_each_chapter_says_where_its_code_is_and_how_to_run_it(page):
    text = page.read_text()
    assert "**Code:**" in text and "../../src/chainrule/" in text, "name the modules, linked"
    assert "**Run:**" in text, "name the command that reproduces the chapter"


# ------------------------------------------------------------------------- the cheat sheet


def _cheatsheet_rows() -> dict[str, str]:
    rows = {}
    for line in (DOCS / "cheatsheet.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else []
        if cells:
            for name in re.findall(r"`(\w+)`", cells[0]):
                rows.setdefault(name, line)
    return rows


def test_the_cheatsheet_covers_every_operation():
    rows = _cheatsheet_rows()
    missing = sorted(set(chainrule.ops.__all__) - set(rows))
    assert not missing, f"docs/cheatsheet.md has no row for {missing}"


@pytest.mark.parametrize("name", sorted(chainrule.ops.__all__))
def test_each_cheatsheet_row_links_to_the_code_of_its_operation(name):
    row = _cheatsheet_rows().get(name)
    if row is None:
        pytest.fail(f"no row for {name}")
    source = Path(inspect.getsourcefile(getattr(chainrule.ops, name))).resolve().relative_to(ROOT)
    assert f"](../{source.as_posix()})" in row, f"the row of {name} should link to ../{source.as_posix()}"
    assert "∂" in row, f"the row of {name} should give the backward rule"
