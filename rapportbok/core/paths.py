"""Where the project lives: the root, data/ and book/.

Notebooks run with their own folder as working directory (papermill in book/<org>/<year>/,
nbval likewise), so the root is found by walking up to the folder holding ``_config.yml``
and ``data/``. ``RAPPORTBOK_DATA`` points the package at another data folder (a scratch
copy an analyst or a test builds from).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # rapportbok/
KOLADA_METADATA_DIR = PACKAGE_DIR / "data" / "kolada_metadata"  # the snapshot of Kolada's metadata


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


# --- confinement ---------------------------------------------------------------------------
#
# Every path built from data (a column of data/kallor.csv, an id) or from a parameter (--org)
# goes through :func:`inside`: it is resolved (symbolic links followed, ``..`` removed) and
# must lie inside its folder, else nothing is read or written. Ids and slugs are also checked
# against a pattern before they are used in a path or a page name:
#
# * organisation slugs (the folder under data/, ``--org``): :data:`SLUG`, e.g. ``alingsas``;
# * source ids (column ``kalla`` of data/kallor.csv, a page name under book/kallor/):
#   :data:`SOURCE_ID`, e.g. ``alingsas-budget-2025``.

SLUG = re.compile(r"^[a-z][a-z0-9-]{1,40}$")
SLUG_TEXT = "små bokstäver a–z, siffror och bindestreck, 2–41 tecken, som börjar med en bokstav, t.ex. alingsas"
SOURCE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,80}$")
SOURCE_ID_TEXT = (
    "ett id av små bokstäver a–z, siffror och bindestreck, högst 81 tecken, som inte börjar med bindestreck, "
    "t.ex. alingsas-budget-2025"
)


class PathError(ValueError):
    """A path built from data or a parameter would leave its folder, or an id has the wrong form.

    ``value`` is the text given (the id, the file name); ``expected`` says in Swedish what is allowed.
    """

    def __init__(self, value: str, expected: str):
        self.value = value
        self.expected = expected
        super().__init__(f"'{value}' går inte att använda: förväntade {expected}.")


def inside(base: Path, *parts: str | os.PathLike) -> Path:
    """``base / parts``, resolved, or :class:`PathError` if it is not strictly inside ``base``.

    Absolute parts, ``..`` and symbolic links that lead out of ``base`` are refused, as are
    empty parts and NUL bytes. The folder itself (``inside(base)`` or ``inside(base, '.')``) is refused.
    """
    base_resolved = Path(base).resolve()
    given = "/".join(str(p) for p in parts)
    expected = f"en relativ sökväg som stannar inom {Path(base).name}/"
    if not parts or any(str(p) in ("", ".") or "\0" in str(p) for p in parts):
        raise PathError(given, expected)
    if any(Path(p).is_absolute() for p in parts):
        raise PathError(given, expected)
    target = base_resolved.joinpath(*parts).resolve()
    if target == base_resolved or base_resolved not in target.parents:
        raise PathError(given, expected)
    return target


def check_slug(org: str) -> str:
    """An organisation's slug as given (e.g. ``--org``), or :class:`PathError`."""
    if not isinstance(org, str) or not SLUG.fullmatch(org):
        raise PathError(str(org), "en organisations mapp under data/: " + SLUG_TEXT)
    return org


def org_folder(org: str, data: Path | None = None) -> Path:
    """data/<org>, for a slug from a parameter: checked against :data:`SLUG`, confined to data/."""
    return inside(data or data_dir(), check_slug(org))
