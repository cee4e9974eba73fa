"""Chapter templates: ``notebooks/<chapter>.md``, MyST Markdown notebooks (jupytext).

A template is the single source of a chapter's prose and cells, readable and diffable like
any page of text: a ``parameters`` cell (org, year, tertial), a hidden setup cell that opens
the chapter's page object, then prose and one call per table or chart. papermill executes
``.ipynb`` files, so the build converts each template into a notebook in its staging folder
(:func:`write_notebook`); the conversion is deterministic (cell ids by position), so the same
template always gives the same executed notebook.
"""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat

SUFFIX = ".md"


def template_path(root: Path, chapter: str) -> Path:
    """Where a chapter's template lives: notebooks/<chapter>.md."""
    return root / "notebooks" / f"{chapter}{SUFFIX}"


def to_notebook(path: Path) -> nbformat.NotebookNode:
    """The template as a notebook without outputs, with stable cell ids and no jupytext metadata."""
    nb = jupytext.read(path, fmt="md:myst")
    nb.metadata.pop("jupytext", None)
    nb.metadata.setdefault("language_info", {"name": "python"})
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def write_notebook(path: Path, target: Path) -> Path:
    """Convert a template for papermill; returns ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(to_notebook(path), target)
    return target
