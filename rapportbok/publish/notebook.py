"""An executed notebook as book/ keeps it.

After papermill has executed a notebook, the build drops what changes between runs (timings, absolute paths,
papermill's random cell id), hides the injected parameters on the site, folds the sections that only say the
sources lack something (:mod:`rapportbok.publish.fold`) and stores the hash of the notebook's inputs
(:mod:`rapportbok.publish.inputs`) in its metadata, so that a rebuild is byte-identical and the next build
knows whether the notebook is still current.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat

from rapportbok.publish import fold

META_KEY = "rapportbok"  # the notebook's metadata entry: {"inputs": <hash>}


def stored_hash(path: Path) -> str | None:
    """The input hash a notebook in book/ was built from (None if it has none or cannot be read)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))["metadata"].get(META_KEY, {}).get("inputs")
    except (OSError, ValueError, KeyError, AttributeError):
        return None


def clean(path: Path, parameters: dict, digest: str | None = None) -> None:
    """Drop what changes between runs (timings, absolute paths) so a rebuild is byte-identical."""
    nb = nbformat.read(path, as_version=4)
    pm = nb.metadata.get("papermill", {})
    nb.metadata["papermill"] = {"parameters": pm.get("parameters", parameters), "version": pm.get("version")}
    if digest:
        nb.metadata[META_KEY] = {"inputs": digest}
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"  # papermill gives it a random id
            cell.metadata["tags"] = ["injected-parameters", "remove-cell"]  # not shown on the site
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    fold.fold(nb)  # sections that only say the sources lack something: one line each at the end
    nbformat.write(nb, path)
