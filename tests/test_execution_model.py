"""The execution model (rapportbok.publish.executor, rapportbok.core.state, rapportbok.chapters): the package
is imported once per kernel and its declared state reset between notebooks, chapter pages are computed
once and shown by the overview and the Avstämning page, and the book comes out as before."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from rapportbok.core import state

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "rapportbok"


# -- the book is the same -----------------------------------------------------------------------------


def _without_input_hash(path: Path) -> dict:
    nb = json.loads(path.read_text(encoding="utf-8"))
    nb["metadata"].pop("rapportbok", None)  # changes with any change to the package
    return nb


def test_every_file_of_the_built_book_is_as_committed(built_project):
    # built_project: a from-scratch build with this branch's code (tests/conftest.py), every notebook on the
    # reused kernels with shared chapter pages. Notebooks (apart from their input hash), pages and every
    # table download (CSV and XLSX) are byte for byte the committed book/.
    committed = {p.relative_to(ROOT / "book") for p in (ROOT / "book").rglob("*") if p.is_file()}
    built = {p.relative_to(built_project / "book") for p in (built_project / "book").rglob("*") if p.is_file()}
    assert built == committed
    assert any(p.suffix == ".xlsx" for p in committed) and any(p.suffix == ".csv" for p in committed)
    for rel in sorted(committed):
        ours, theirs = built_project / "book" / rel, ROOT / "book" / rel
        if rel.suffix == ".ipynb":
            assert _without_input_hash(ours) == _without_input_hash(theirs), rel
        else:
            assert ours.read_bytes() == theirs.read_bytes(), rel


# -- the package's state is declared --------------------------------------------------------------------


def _modules() -> list[str]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__main__":
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out.append(".".join(parts))
    return out


def _keeps_state(path: Path) -> list[str]:
    """What in a module keeps state between calls: `global` statements, lru caches, sys.modules entries."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Global):
            found.append(f"global {', '.join(node.names)} (line {node.lineno})")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for d in node.decorator_list:
                name = ast.unparse(d)
                if "lru_cache" in name or name in ("cache", "functools.cache"):
                    found.append(f"@{name} {node.name} (line {node.lineno})")
        elif isinstance(node, ast.Assign) and any("sys.modules[" in ast.unparse(t) for t in node.targets):
            found.append(f"sys.modules entry (line {node.lineno})")
    return found


# Modules that keep state only for the process that runs the build, never in a kernel that runs notebooks.
BUILD_PROCESS_ONLY = {"rapportbok.publish.executor", "rapportbok.cli"}


def test_every_module_that_keeps_state_declares_it():
    import importlib

    for name in _modules():
        importlib.import_module(name)
    declared = state.registered()
    undeclared = {}
    for name in _modules():
        if name in BUILD_PROCESS_ONLY:
            continue
        path = PACKAGE.parent / (name.replace(".", "/") + ".py")
        if not path.exists():
            path = PACKAGE.parent / name.replace(".", "/") / "__init__.py"
        found = _keeps_state(path)
        if found and name not in declared:
            undeclared[name] = found
    assert undeclared == {}, (
        f"Declare this state in rapportbok.core.state (register a reset, or kept with why): {undeclared}"
    )
    assert {"rapportbok.present.tables", "rapportbok.chapters.audit", "rapportbok.data.sources"} <= set(declared)


def test_reset_gives_what_a_fresh_import_gives():
    from rapportbok.chapters import audit
    from rapportbok.data import sources
    from rapportbok.present import tables

    state.reset()  # earlier tests in this process may have filled the caches
    try:
        tables.begin_page("budget")
        audit._asking = ("budget", "Budget")
        sources.label("alingsas-budget-2025", ROOT / "data")
        assert len(sources._seen) == 1
        state.reset()
        assert tables.current_page() is None and not audit.asking()
        assert not sources._seen and sources._lines.cache_info().currsize == 0
        # The register itself is kept, keyed by its content: the next notebook does not read it again ...
        loads = []
        real = sources.load
        sources.load = lambda *a, **k: (loads.append(1), real(*a, **k))[1]
        try:
            sources.label("alingsas-budget-2025", ROOT / "data")
            assert loads == []
        finally:
            sources.load = real
    finally:
        state.reset()  # leave no page or Avstämning mode to the tests that follow


def test_the_state_test_sees_a_global_and_a_cache(tmp_path):
    module = tmp_path / "m.py"
    module.write_text(
        "import functools\n_x = None\n\ndef f():\n    global _x\n    _x = 1\n\n"
        "@functools.lru_cache(maxsize=2)\ndef g(a):\n    return a\n",
        encoding="utf-8",
    )
    found = sorted(_keeps_state(module))
    assert len(found) == 2 and found[0].startswith("@functools.lru_cache") and found[1].startswith("global _x")


# -- nothing pickled is left behind -------------------------------------------------------------------------


def test_the_build_leaves_no_pickled_files(built_project):
    # The handbook's Sphinx cache (rapportbok.publish.handbook.CACHE) and the site's incremental workspace
    # (rapportbok.publish.build.SITE_WORKSPACE, Sphinx's environment of the last build) are kept on purpose;
    # nothing else pickled is.
    from rapportbok.publish import build, handbook

    kept = (built_project / handbook.CACHE, built_project / build.SITE_WORKSPACE)
    assert not [p for p in built_project.rglob("*.pickle") if not any(k in p.parents for k in kept)]
    assert not (built_project / "book" / ".validated").exists()


def test_a_changed_source_register_is_read_again(tmp_path):
    """The kept register is keyed by the file's whole content: a changed kallor.csv (same folder, next
    notebook) gives the new titles. SYNTHETIC register."""
    from rapportbok.data import sources

    (tmp_path / "kallor").mkdir()
    (tmp_path / "kallor" / "a.txt").write_text("Rubrik\n", encoding="utf-8")
    head = "kalla,titel,organisation,dokumenttyp,beslut,fil\n"
    (tmp_path / "kallor.csv").write_text(head + "prov-a,Första titeln,org,Budget,,kallor/a.txt\n", encoding="utf-8")
    state.reset()
    try:
        assert sources.label("prov-a", tmp_path) == "Källa: Första titeln"
        (tmp_path / "kallor.csv").write_text(head + "prov-a,Andra titeln,org,Budget,,kallor/a.txt\n", encoding="utf-8")
        assert sources.label("prov-a", tmp_path) == "Källa: Första titeln"  # within one notebook: as read
        state.reset()
        assert sources.label("prov-a", tmp_path) == "Källa: Andra titeln"
        # A source's text is read once per notebook: a changed text reaches the next notebook's pages.
        rows = sources.load(tmp_path)
        assert sources.texts(rows, tmp_path).lines == {"prov-a": ("Rubrik",)}
        (tmp_path / "kallor" / "a.txt").write_text("Ny rubrik\n", encoding="utf-8")
        assert sources.texts(rows, tmp_path).lines == {"prov-a": ("Rubrik",)}  # within one notebook: as read
        state.reset()
        assert sources.texts(rows, tmp_path).lines == {"prov-a": ("Ny rubrik",)}
    finally:
        state.reset()
