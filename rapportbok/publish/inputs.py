"""What an executed notebook depends on, and the hash of it that book/ keeps in the notebook.

The build executes a notebook again only when this hash differs from the one stored in the notebook's
metadata (``metadata.rapportbok.inputs``, :mod:`rapportbok.publish.notebook`). It covers everything the
notebook's output can depend on, and nothing else:

- its template (``notebooks/<chapter>.md``) and its parameters (organisation, year, tertial);
- the data files its chapter reads (:func:`chapter_files`), the organisation file and the source register;
- the pinned environment (``requirements.txt``);
- the package code it can run: the modules its template imports, transitively within the package
  (:func:`code_modules`, an import found anywhere in a module counts, also inside a function, and so does a
  module named in a string, such as the chapter list that ``rapportbok.chapters.registry`` imports), the
  packages above each of them, and the modules that shape an executed notebook besides its own code
  (:data:`NOTEBOOK_CODE`: the executor, the template conversion, the cleaning and folding); and the package's
  data files those modules read (:data:`PACKAGE_DATA`).

The site's code (``rapportbok.publish.sphinxext``, the PDF, the command line, the build's orchestration, the
stamp, the journal) is not among them: changing it changes no committed notebook.
``tests/test_inputs.py`` checks that, and that every data file of the package is declared.

jupyter-cache would hash only the code cells, and so miss a changed data file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from rapportbok.core.hashing import Digest
from rapportbok.core.paths import PACKAGE_DIR
from rapportbok.publish import templates

# Modules that shape the executed notebook besides the code its cells import: the kernel's reset between
# notebooks and the papermill engine, the conversion of the template, and what the build does to the
# executed notebook before book/ keeps it (volatile metadata dropped, empty sections folded).
NOTEBOOK_CODE = ("rapportbok.publish.executor", "rapportbok.publish.templates", "rapportbok.publish.notebook")
# Files of the package that are not code, by the module that reads them (paths relative to its folder).
PACKAGE_DATA = {"rapportbok.data.kolada_snapshot": ("kolada_metadata",)}
# Files of the package that only the site reads (never a notebook).
SITE_DATA = ("publish/html_templates", "publish/pdf.css")

_MODULE_NAME = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)+(:[A-Za-z_]\w*)?")


def modules(package: Path = PACKAGE_DIR) -> dict[str, Path]:
    """Every module of the package by its dotted name (a package by its ``__init__.py``)."""
    out = {}
    for path in sorted(package.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        parts = [package.name, *path.relative_to(package).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


# An import statement anywhere in a file (also indented, inside a function or an ``if``), and a quoted dotted
# name (a module imported by name later, e.g. the chapter list rapportbok.chapters.registry imports). Read
# from the text, not parsed: a full parse of every module cost some 2 s per build; a name that only looks
# like an import (in a docstring, say) can only add a module, never leave one out.
_FROM = re.compile(r"^[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#]*)", re.MULTILINE)
_IMPORT = re.compile(r"^[ \t]*import[ \t]+([^\n#]*)", re.MULTILINE)
_QUOTED = re.compile(r"[\"']([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)(?::[A-Za-z_]\w*)?[\"']")


def _names(text: str, here: str) -> set[str]:
    """The dotted names a piece of code imports or names (see :data:`_FROM`). ``here`` is the package a
    relative import starts from."""
    found: set[str] = set()
    for dots, module, names in _FROM.findall(text):
        base = module
        if dots:
            up = here.split(".")
            up = up[: len(up) - (len(dots) - 1)]
            base = ".".join([*up, module] if module else up)
        found.add(base)
        for name in re.sub(r"#[^\n]*", "", names).strip().strip("()").split(","):
            name = name.strip().split(" as ")[0].strip()
            if name:
                found.add(f"{base}.{name}")
    for names in _IMPORT.findall(text):
        found.update(n.strip().split(" as ")[0].strip() for n in names.split(",") if n.strip())
    found.update(_QUOTED.findall(text))
    return found


class CodeGraph:
    """The package's modules and what each imports (within the package), each module parsed once."""

    def __init__(self, package: Path = PACKAGE_DIR):
        self.package = package
        self.modules = modules(package)
        self._imports: dict[str, set[str]] = {}

    def _resolve(self, names: set[str]) -> set[str]:
        out = set()
        for ref in names:
            while ref and ref not in self.modules:  # "rapportbok.chapters.registry" is in rapportbok.chapters
                ref = ref.rpartition(".")[0]
            if ref:
                out.add(ref)
        return out

    def imports(self, name: str) -> set[str]:
        """The package modules one module imports or names."""
        if name not in self._imports:
            path = self.modules[name]
            here = name if path.name == "__init__.py" else name.rpartition(".")[0]
            self._imports[name] = self._resolve(_names(path.read_text(encoding="utf-8"), here))
        return self._imports[name]

    def closure(self, start: set[str] | list[str]) -> set[str]:
        """``start`` and every package module they import, transitively, with the packages above each."""
        seen: set[str] = set()
        todo = [m for m in start if m in self.modules]
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            parts = name.split(".")
            todo += [".".join(parts[:i]) for i in range(1, len(parts)) if ".".join(parts[:i]) in self.modules]
            todo += self.imports(name)
        return seen

    def template_imports(self, template: Path) -> set[str]:
        """The package modules a chapter template imports (read from its whole text: its code cells and, which
        can only add a module, its prose)."""
        return self._resolve(_names(template.read_text(encoding="utf-8"), self.package.name))

    def code_modules(self, template: Path) -> list[str]:
        """The package modules a notebook from this template can run or be shaped by, sorted."""
        return sorted(self.closure(self.template_imports(template) | set(NOTEBOOK_CODE)))

    def code_files(self, template: Path) -> list[Path]:
        """The files of :meth:`code_modules` and the package data they read, sorted by path."""
        names = self.code_modules(template)
        files = {self.modules[n] for n in names}
        for name, folders in PACKAGE_DATA.items():
            if name in names:
                for folder in folders:
                    target = self.modules[name].parent / folder
                    found = target.rglob("*") if target.is_dir() else [target]
                    files.update(p for p in found if p.is_file() and "__pycache__" not in p.parts)
        return sorted(files)


def closure(start: set[str] | list[str], package: Path = PACKAGE_DIR) -> set[str]:
    return CodeGraph(package).closure(start)


def template_imports(template: Path, package: Path = PACKAGE_DIR) -> set[str]:
    return CodeGraph(package).template_imports(template)


def code_modules(template: Path, package: Path = PACKAGE_DIR) -> list[str]:
    return CodeGraph(package).code_modules(template)


def chapter_files(chapter: str, org_path: Path) -> list[Path]:
    """The files a chapter reads for one organisation (all of them if the chapter does not say).

    The organisation's Kolada values are its KPIs' folders of the national store (data/kolada/<KPI>/,
    rapportbok.data.kolada.store_files): a chapter that reads the store (``kolada.STORE_DIR`` in its
    ``reads``, or every file) re-runs when those change, not when another organisation's KPI is fetched.
    """
    from rapportbok.chapters import registry
    from rapportbok.data import datasets, kolada

    ch = next(c for c in registry() if c.slug == chapter)
    if not ch.reads:
        return sorted(p for p in org_path.rglob("*") if p.is_file()) + kolada.store_files(org_path)
    files = []
    for name in ch.reads:
        if name == kolada.STORE_DIR:
            files += kolada.store_files(org_path)
            continue
        target = org_path / (datasets.ORG_DATASETS[name][0].filename if name in datasets.ORG_DATASETS else name)
        files += sorted(p for p in target.rglob("*") if p.is_file()) if target.is_dir() else [target]
    return files


def digest(
    chapter: str,
    parameters: dict,
    org: str,
    root: Path,
    data: Path,
    contents: dict | None = None,
    package: Path = PACKAGE_DIR,
) -> str:
    """The content hash of everything a notebook's output depends on (see the module's description).

    ``contents``, shared by the calls of one build, reads each file once and works out each template's code
    once; the hash is the same with or without it. ``package`` is the package's folder (a copy in the tests).
    """
    template = templates.template_path(root, chapter)
    d = Digest(contents=contents).file("template", template)
    d.text("parameters", json.dumps(parameters, sort_keys=True))
    memo = contents if contents is not None else {}
    graph = memo.get(("<code graph>", str(package)))
    if graph is None:
        graph = memo[("<code graph>", str(package))] = CodeGraph(package)
    code = memo.get(("<code files>", str(template), str(package)))
    if code is None:
        code = graph.code_files(template) if template.is_file() else []
        memo[("<code files>", str(template), str(package))] = code
    for p in code:
        d.file("pkg/" + p.relative_to(package).as_posix(), p)
    d.file("requirements.txt", root / "requirements.txt")
    d.file("kallor.csv", data / "kallor.csv")
    d.file("organisation.yml", data / org / "organisation.yml")
    for p in chapter_files(chapter, data / org):
        d.file("data/" + p.relative_to(data).as_posix(), p)
    return d.hexdigest()
