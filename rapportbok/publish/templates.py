"""Chapter templates: ``notebooks/<chapter>.md``, MyST Markdown notebooks (jupytext).

A template is the single source of a chapter's prose and cells, readable and diffable like
any page of text: a ``parameters`` cell (org, year, tertial), a hidden setup cell that opens
the chapter's page object, then prose and one call per table or chart. papermill executes
``.ipynb`` files, so the build converts each template into a notebook in its staging folder
(:func:`write_notebook`); the conversion is deterministic (cell ids by position), so the same
template always gives the same executed notebook.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nbformat

from rapportbok.core import hashing

SUFFIX = ".md"


def template_path(root: Path, chapter: str) -> Path:
    """Where a chapter's template lives: notebooks/<chapter>.md."""
    return root / "notebooks" / f"{chapter}{SUFFIX}"


def to_notebook(path: Path) -> nbformat.NotebookNode:
    """The template as a notebook without outputs, with stable cell ids and no jupytext metadata."""
    import jupytext

    nb = jupytext.read(path, fmt="md:myst")
    nb.metadata.pop("jupytext", None)
    nb.metadata.setdefault("language_info", {"name": "python"})
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def write_notebook(path: Path, target: Path, cache: Path | None = None) -> Path:
    """Convert a template for papermill; returns ``target``.

    With ``cache`` (a folder), the conversion of each content of a template is kept there under the hash of that
    content and copied from there the next time (the conversion is the same every time; the build then need not
    load jupytext at all)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if cache is None:
        nbformat.write(to_notebook(path), target)
        return target
    kept = cache / f"{hashing.sha256_hex(path.read_bytes())}.ipynb"
    if not kept.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        tmp = kept.with_name(f"{kept.name}.{os.getpid()}.ny")
        nbformat.write(to_notebook(path), tmp)
        os.replace(tmp, kept)
    shutil.copyfile(kept, target)
    return target
