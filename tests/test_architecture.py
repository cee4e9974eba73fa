"""The import contract: the package's stages import one way (see ARCHITECTURE.md).

core <- data <- analysis <- present <- chapters <- publish <- the command line. A module may
import its own stage and the stages before it, never a later one, at module level or inside
a function. A new stage or a module outside the stages fails here until it is placed.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "rapportbok"
STAGES = ["core", "data", "analysis", "present", "chapters", "publish", "<entry>"]
ENTRY = {"__init__", "__main__", "cli"}  # the package root: the command line, may import anything


def _stage(module: str) -> str:
    parts = module.split(".")
    assert parts[0] == "rapportbok"
    if len(parts) == 1 or parts[1] in ENTRY:
        return "<entry>"
    return parts[1]


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "rapportbok"]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "rapportbok":  # from rapportbok import data -> rapportbok.data
                found += [(node.lineno, f"rapportbok.{a.name}") for a in node.names]
            elif node.module.split(".")[0] == "rapportbok":
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"{path}: relative import on line {node.lineno}; write the full rapportbok.… path")
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_module_belongs_to_a_stage():
    for path in MODULES:
        stage = _stage(_module_name(path))
        assert stage in STAGES, f"{path.relative_to(PACKAGE.parent)} is in no stage of {STAGES[:-1]}"


def test_every_stage_says_what_it_holds_and_may_import():
    for stage in STAGES[:-1]:
        init = PACKAGE / stage / "__init__.py"
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and "May import" in doc, f"{init} needs a docstring saying what it holds and what it may import"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_imports_point_one_way(path):
    here = _stage(_module_name(path))
    for line, target in _imports(path):
        there = _stage(target)
        assert STAGES.index(there) <= STAGES.index(here), (
            f"{path.relative_to(PACKAGE.parent)}:{line} imports {target}: the stage '{here}' may not import "
            f"the later stage '{there}' (order: {' <- '.join(STAGES)})"
        )


def test_the_contract_catches_a_backward_import(tmp_path):
    """The check itself works: an analysis module importing a chapter is refused."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from rapportbok.chapters import budget\n", encoding="utf-8")
    assert _imports(bad) == [(2, "rapportbok.chapters")]
    assert STAGES.index(_stage("rapportbok.chapters")) > STAGES.index(_stage("rapportbok.analysis.budget"))


# One module per concept: a second copy of these fails here (issue #11).
ONE_HOME = [
    (r"\bimport hashlib\b", "core/hashing.py", "content hashes: rapportbok.core.hashing.Digest"),
    (r"\bmkstemp\b|\.write_bytes\(data\)\n\s*os\.replace", "core/files.py", "atomic writes: rapportbok.core.files"),
    (
        r"\(4, 30\)|\*\s*4\s*/\s*12",
        "core/periods.py",
        "tertial ends and the share of the year: rapportbok.core.periods",
    ),
    (r"[\"']mnkr[\"']\s*:\s*1000", "core/units.py", "kr/tkr/mnkr factors: rapportbok.core.units"),
    (r"\bimport html\b|html\.escape\(", "core/escape.py", "escaping: rapportbok.core.escape"),
    # issue #27: every input is opened by one function, every id kind has one pattern
    (r"O_NOFOLLOW|S_ISFIFO|st_nlink", "core/inputs.py", "opening an input: rapportbok.core.inputs"),
    (r"\[A-Z\]\[0-9\]\{5\}|G\[0-9\]|\[a-z\]\[a-z0-9-\]", "core/ids.py", "id patterns: rapportbok.core.ids"),
]


@pytest.mark.parametrize(("pattern", "home", "what"), ONE_HOME, ids=[h for _, h, _ in ONE_HOME])
def test_one_module_per_concept(pattern, home, what):
    import re

    found = [
        p.relative_to(PACKAGE).as_posix()
        for p in MODULES
        if p.relative_to(PACKAGE).as_posix() != home and re.search(pattern, p.read_text(encoding="utf-8"))
    ]
    assert not found, f"{what} has one home; found a second copy in {found}"
