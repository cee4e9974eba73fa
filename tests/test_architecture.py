"""The package's contracts (ARCHITECTURE.md).

The import contracts themselves are import-linter's (``[tool.importlinter]`` in pyproject.toml, run by
``make test`` as ``lint-imports``): the stages import one way (core <- data <- analysis <- present <- chapters
<- publish <- the command line), every module is in a stage, and analysis and present import nothing that
reads or writes files. The tests here check that those contracts catch a planted violation, and what
import-linter cannot see: relative imports, the stages' docstrings, file access by a call (the ``open``
builtin, ``Path`` methods, data's file readers), and one module per concept.
"""

import ast
import functools
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "rapportbok"
STAGES = ["core", "data", "analysis", "present", "chapters", "publish"]
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True, text=True)


@pytest.fixture
def package_copy(tmp_path) -> Path:
    """The package and its contracts copied to a scratch folder, where lint-imports finds the copy first."""
    shutil.copytree(PACKAGE, tmp_path / "rapportbok", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


PLANTED = [
    # (file, code appended, contract that must break, words in import-linter's report)
    (
        "analysis/budget.py",
        "\ndef _f():\n    from rapportbok.chapters import budget\n",
        "The stages import one way",
        "rapportbok.analysis.budget -> rapportbok.chapters.budget",
    ),
    (
        "data/schema.py",
        "\nimport rapportbok.publish.build\n",
        "The stages import one way",
        "rapportbok.data.schema -> rapportbok.publish.build",
    ),
    (
        "present/charts.py",
        "\nimport shutil\n",
        "analysis and present do no file I/O",
        "rapportbok.present.charts -> shutil",
    ),
    (
        "analysis/risk.py",
        "\nfrom rapportbok.data import datasets\n",
        "analysis and present do no file I/O",
        "rapportbok.analysis.risk -> rapportbok.data.datasets",
    ),
]


def test_the_import_contracts_hold():
    proc = _lint_imports(ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 kept, 0 broken" in proc.stdout


@pytest.mark.parametrize(("where", "code", "contract", "report"), PLANTED, ids=[p[0] for p in PLANTED])
def test_the_import_contracts_catch_a_planted_violation(package_copy, where, code, contract, report):
    with open(package_copy / "rapportbok" / where, "a", encoding="utf-8") as f:
        f.write(code)
    proc = _lint_imports(package_copy)
    assert proc.returncode != 0, proc.stdout
    assert report in proc.stdout and "BROKEN" in proc.stdout
    broken = [line for line in proc.stdout.splitlines() if line.endswith("BROKEN")]
    assert any(contract.split(":")[0][:30] in line for line in broken) or contract in proc.stdout


def test_a_module_outside_the_stages_is_refused(package_copy):
    (package_copy / "rapportbok" / "helpers.py").write_text("X = 1\n", encoding="utf-8")
    proc = _lint_imports(package_copy)
    assert proc.returncode != 0 and "rapportbok.helpers" in proc.stdout, proc.stdout


def test_every_stage_says_what_it_holds_and_may_import():
    for stage in STAGES:
        init = PACKAGE / stage / "__init__.py"
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and "May import" in doc, f"{init} needs a docstring saying what it holds and what it may import"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_no_relative_imports(path):
    """Relative imports hide the stage a module imports from; the contracts are written with full paths."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        assert not (isinstance(node, ast.ImportFrom) and node.level), (
            f"{path.relative_to(ROOT)}: relative import on line {node.lineno}; write the full rapportbok.… path"
        )


# --- file access by a call, which no import shows ---------------------------------------------------------

# Calls that touch the file system whatever object they are made on: the open builtin, Path's and os's file
# methods, pandas' file readers.
FILE_CALLS = {
    # fmt: off
    "open",
    "read_text",
    "read_bytes",
    "write_text",
    "write_bytes",
    "mkdir",
    "unlink",
    "iterdir",
    "glob",
    "rglob",
    "touch",
    "rmdir",
    "exists",
    "is_file",
    "is_dir",
    "read_csv",
    "read_excel",
    "to_excel",
    "load_workbook",
    "FileIO",
    # fmt: on
}
# ``open`` on these modules opens a file (io.open is the builtin); ``open`` on any other object (a zip's member,
# a workbook) is left alone. io itself may be imported: its buffers in memory (StringIO, BytesIO) are no file.
FILE_OPENERS = {"io", "os", "builtins", "codecs", "_io"}


def _calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name):
                yield f.id, None, node.lineno
            elif isinstance(f, ast.Attribute):
                owner = f.value.id if isinstance(f.value, ast.Name) else None
                yield f.attr, owner, node.lineno


def _data_imports(tree: ast.AST) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """A module's imports from rapportbok.data: {alias: module} and {name: (module, function)}."""
    modules, names = {}, {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("rapportbok.data"):
            for a in node.names:
                if node.module == "rapportbok.data":
                    modules[a.asname or a.name] = a.name
                else:
                    names[a.asname or a.name] = (node.module.rsplit(".", 1)[1], a.name)
    return modules, names


@functools.cache  # the package's source does not change during a run: read it once for the tests using it
def _data_readers() -> frozenset[tuple[str, str]]:
    """(module, function) of every function in rapportbok.data that touches a file, directly or by calling one.

    A call is followed to the function it names: a bare name to its own module's function or the one it imports,
    ``module.name`` to that data module's function; two functions of the same name in different modules (a pure
    ``stated_tables.load(data)`` and a reading ``load``) are told apart."""
    calls: dict[tuple[str, str], set] = {}
    for path in (PACKAGE / "data").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules, names = _data_imports(tree)
        own = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                callees = set()
                for name, owner, _ in _calls(node):
                    if name in FILE_CALLS and not (name == "open" and owner):
                        callees.add(name)
                    elif owner is None and name in own:
                        callees.add((path.stem, name))
                    elif owner is None and name in names:
                        callees.add(names[name])
                    elif owner in modules:
                        callees.add((modules[owner], name))
                    elif name in FILE_CALLS:
                        callees.add(name)
                calls[(path.stem, node.name)] = callees
    readers = {key for key, called in calls.items() if called & FILE_CALLS}
    grown = True
    while grown:
        more = {key for key, called in calls.items() if key not in readers and called & readers}
        readers |= more
        grown = bool(more)
    return frozenset(readers)


def _file_calls(path: Path, readers: frozenset[tuple[str, str]]) -> set[str]:
    """The calls in a module that touch files: FILE_CALLS, and data's readers called through their module or name."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules, names = _data_imports(tree)
    found = set()
    for name, owner, _line in _calls(tree):
        if name == "open" and owner in FILE_OPENERS:
            found.add(f"{owner}.open")
        elif name in FILE_CALLS and not (name == "open" and owner):
            found.add(name)
        elif owner in modules and (modules[owner], name) in readers:
            found.add(f"{owner}.{name}")
        elif owner is None and names.get(name) in readers:
            found.add(name)
    for node in ast.walk(tree):  # ``from io import open as o`` would hide the call's name
        if isinstance(node, ast.ImportFrom) and node.module in FILE_OPENERS:
            found |= {f"{node.module}.{a.name}" for a in node.names if a.name in ("open", "FileIO")}
    return found


def test_analysis_and_present_call_nothing_that_touches_a_file():
    readers = _data_readers()
    assert ("sources", "cite") in readers and ("organisations", "load_all") in readers  # the derivation works
    found = set()
    for stage in ("analysis", "present"):
        for path in sorted((PACKAGE / stage).glob("*.py")):
            found |= {(f"{stage}/{path.name}", call) for call in _file_calls(path, readers)}
    assert not found, f"analysis and present get data as values and do no file I/O; found {sorted(found)}"


def test_the_file_call_check_catches_open_and_a_reader(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from rapportbok.data import sources\nfrom rapportbok.data.organisations import load_all\n"
        "from rapportbok.data import stated_tables\n"
        "def f(p):\n    open(p)\n    sources.cite(p)\n    load_all(p)\n    p.read_text()\n    stated_tables.load(p)\n",
        encoding="utf-8",
    )
    assert _file_calls(bad, _data_readers()) == {"open", "sources.cite", "load_all", "read_text"}


def test_the_file_call_check_catches_io_opening_a_file_but_not_a_buffer(tmp_path):
    """io is not a forbidden import (present builds the downloads' bytes in io.BytesIO): its file access is refused
    by call instead, however it is spelled; buffers in memory and a zip member's ``open`` are no file access."""
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import io\nimport zipfile\nfrom io import open as o\nfrom io import FileIO\n\n"
        "def f(p):\n    io.open(p)\n    io.FileIO(p)\n    o(p)\n    FileIO(p)\n    open(p, 'wb')\n",
        encoding="utf-8",
    )
    assert _file_calls(bad, _data_readers()) == {"io.open", "io.FileIO", "FileIO", "open"}
    fine = tmp_path / "fine.py"
    fine.write_text(
        "import io\nimport zipfile\n\ndef f(data):\n    buf = io.BytesIO(data)\n    text = io.StringIO()\n"
        "    with zipfile.ZipFile(buf) as z:\n        z.open('a').read()\n    return text.getvalue()\n",
        encoding="utf-8",
    )
    assert _file_calls(fine, _data_readers()) == set()


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
    found = [
        p.relative_to(PACKAGE).as_posix()
        for p in MODULES
        if p.relative_to(PACKAGE).as_posix() != home and re.search(pattern, p.read_text(encoding="utf-8"))
    ]
    assert not found, f"{what} has one home; found a second copy in {found}"
