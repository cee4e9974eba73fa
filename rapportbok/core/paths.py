"""Where the project lives: the root, data/ and book/.

Notebooks run with their own folder as working directory (papermill in book/<org>/<year>/,
nbval likewise), so the root is found by walking up to the folder holding ``_config.yml``
and ``data/``. ``RAPPORTBOK_DATA`` points the package at another data folder (a scratch
copy an analyst or a test builds from).
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # rapportbok/


def project_root(start: Path | None = None) -> Path:
    env = os.environ.get("RAPPORTBOK_ROOT")
    if env:
        return Path(env).resolve()
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "_config.yml").is_file() and (candidate / "data").is_dir():
            return candidate
    return PACKAGE_DIR.parent


def data_dir() -> Path:
    env = os.environ.get("RAPPORTBOK_DATA")
    if env:
        return Path(env).resolve()
    return project_root() / "data"


def org_dir(org: str, data: Path | None = None) -> Path:
    return (data or data_dir()) / org
