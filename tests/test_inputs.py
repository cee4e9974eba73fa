"""A notebook's input hash (rapportbok.publish.inputs): its template, its data and the package code it can run,
not the site's code."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rapportbok.publish import build, inputs, notebook, templates

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "rapportbok"
# Code no notebook runs: the site, the PDF, the command line, the build's orchestration and stamp. (The journal and
# the lock are core: the data stage's writers import them, so a template imports them too.)
SITE_ONLY = {
    "rapportbok.publish.sphinxext",
    "rapportbok.publish.mystnb",
    "rapportbok.publish.pdf",
    "rapportbok.publish.chromium",
    "rapportbok.publish.build",
    "rapportbok.publish.stamp",
    "rapportbok.cli",
    "rapportbok.__main__",
}
CHAPTERS = sorted(p.stem for p in (ROOT / "notebooks").glob(f"*{templates.SUFFIX}"))


@pytest.fixture(scope="module")
def jobs():
    return build.plan(ROOT / "data")[1]


def _digests(jobs, package: Path) -> dict:
    contents: dict = {}
    return {
        j: inputs.digest(j.chapter, j.parameters(), j.org, ROOT, ROOT / "data", contents, package=package) for j in jobs
    }


def _touch(package: Path, module: str) -> None:
    path = inputs.modules(package)[module]
    path.write_text(path.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_template_depends_on_the_site_code(chapter):
    code = set(inputs.code_modules(templates.template_path(ROOT, chapter)))
    assert code & SITE_ONLY == set()
    # ... but on its chapter, the executor and what the build does to the executed notebook
    assert {"rapportbok.publish.executor", "rapportbok.publish.notebook", "rapportbok.publish.fold"} <= code
    assert "rapportbok.core.fmt" in code


def test_a_change_to_site_code_changes_no_notebook_and_a_change_to_a_chapter_only_its_readers(tmp_path, jobs):
    package = tmp_path / "rapportbok"
    shutil.copytree(PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    before = _digests(jobs, package)
    assert before == _digests(jobs, PACKAGE)  # the copy hashes as the package itself
    for module in sorted(SITE_ONLY):
        _touch(package, module)
    (package / "publish" / "pdf.css").write_text("/* changed */\n", encoding="utf-8")
    assert _digests(jobs, package) == before
    _touch(package, "rapportbok.publish.fold")  # shapes every executed notebook
    after_fold = _digests(jobs, package)
    assert all(after_fold[j] != before[j] for j in jobs)
    _touch(package, "rapportbok.core.fmt")
    after_fmt = _digests(jobs, package)
    assert all(after_fmt[j] != after_fold[j] for j in jobs)
    (package / "data" / "kolada_metadata" / "kommuner.csv").write_text("ändrad\n", encoding="utf-8")
    assert all(v != after_fmt[j] for j, v in _digests(jobs, package).items())


def test_the_closure_follows_every_kind_of_import_and_modules_named_in_strings(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    for name in ("__init__", "sub/__init__", "sub/c", "sub/d", "f", "g", "h"):
        (pkg / f"{name}.py").write_text("")
    (pkg / "a.py").write_text(
        "def f():\n    from pkg import b\n    return b\n"  # inside a function
        "NAMES = ['pkg.sub.c:run']\n"  # named in a string, imported later
        "from pkg import (\n    f,  # one\n    g as gg,\n)\n"  # several names over lines
        "if True:\n    import pkg.h as hh\n"
    )
    (pkg / "b.py").write_text("from .sub import d\n")  # relative
    (pkg / "e.py").write_text("import pkg.a\n")  # imports a; nothing imports it
    assert inputs.closure({"pkg.a"}, pkg) == {
        "pkg",
        "pkg.a",
        "pkg.b",
        "pkg.f",
        "pkg.g",
        "pkg.h",
        "pkg.sub",
        "pkg.sub.c",
        "pkg.sub.d",
    }


def test_a_module_a_template_imports_is_an_input(tmp_path):
    template = tmp_path / "x.md"
    text = templates.template_path(ROOT, "budget").read_text(encoding="utf-8")
    template.write_text(text + "\n```{code-cell}\nfrom rapportbok.publish import pdf\n```\n", encoding="utf-8")
    assert "rapportbok.publish.pdf" in inputs.code_modules(template)
    assert "rapportbok.publish.pdf" not in inputs.code_modules(templates.template_path(ROOT, "budget"))


def test_every_data_file_of_the_package_is_declared():
    """A file of the package that is not code is either read by a module (PACKAGE_DATA) or only by the site."""
    known = inputs.modules()
    declared = [known[m].parent / f for m, folders in inputs.PACKAGE_DATA.items() for f in folders]
    declared += [PACKAGE / f for f in inputs.SITE_DATA]
    undeclared = [
        p.relative_to(PACKAGE).as_posix()
        for p in PACKAGE.rglob("*")
        if p.is_file()
        and p.suffix not in (".py", ".pyc")
        and "__pycache__" not in p.parts
        and not any(p == d or d in p.parents for d in declared)
    ]
    assert undeclared == []


@pytest.mark.parametrize(
    ("base", "command"), [(ROOT, "make book"), (ROOT / "tests/testbook_syntetisk", "make testbook")]
)
def test_the_committed_books_carry_the_current_input_hashes(base, command):
    """book/ and the test book were rebuilt after the last change to what their notebooks depend on."""
    jobs = build.plan(base / "data")[1]
    contents: dict = {}
    stale = [
        j.relpath
        for j in jobs
        if notebook.stored_hash(base / j.relpath)
        != inputs.digest(j.chapter, j.parameters(), j.org, ROOT, base / "data", contents)
    ]
    assert jobs and stale == [], f"run `{command}` and commit its book/"


def test_the_site_is_built_again_when_its_code_changes(tmp_path, monkeypatch):
    """The site's marker covers the code no notebook depends on: a changed site extension rebuilds the site."""
    package = tmp_path / "rapportbok"
    shutil.copytree(PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    stage = tmp_path / "stage"
    (stage / "book").mkdir(parents=True)
    (stage / "book" / "index.md").write_text("# Boken\n", encoding="utf-8")
    monkeypatch.setattr(build, "PACKAGE_DIR", package)
    before = build.site_inputs(stage, ROOT, pdf=False)
    assert build.site_inputs(stage, ROOT, pdf=True) != before
    _touch(package, "rapportbok.publish.sphinxext")
    assert build.site_inputs(stage, ROOT, pdf=False) != before


def test_a_templates_conversion_is_kept_and_reused_by_its_content(tmp_path):
    cache, template = tmp_path / "mallar", tmp_path / "budget.md"
    template.write_bytes(templates.template_path(ROOT, "budget").read_bytes())
    first = templates.write_notebook(template, tmp_path / "a.ipynb", cache)
    assert first.read_bytes() == templates.write_notebook(template, tmp_path / "ref.ipynb").read_bytes()
    (kept,) = cache.iterdir()
    kept.write_text(kept.read_text(encoding="utf-8").replace("Budget", "BUDGET"), encoding="utf-8")
    assert "BUDGET" in templates.write_notebook(template, tmp_path / "b.ipynb", cache).read_text(encoding="utf-8")
    template.write_text(template.read_text(encoding="utf-8") + "\nEn rad till.\n", encoding="utf-8")
    again = templates.write_notebook(template, tmp_path / "c.ipynb", cache).read_text(encoding="utf-8")
    assert "En rad till" in again and "BUDGET" not in again and len(list(cache.iterdir())) == 2
