"""The handbook (``handbok/``): a separate small Jupyter Book for the people who make the book, in Swedish.

It is published beside the book, in the site's ``handbok/`` folder (``_build/html/handbok/``), and the
book's start page links to it. The build (:mod:`rapportbok.publish.build`) builds it into a cache folder
that outlives the staging folder (``_build/handbok/``, so Sphinx rebuilds only changed pages) and copies
the HTML into the staged site, so the book and its handbook are published together or not at all. In a
project without ``handbok/`` (the test book, a scratch copy) there is none, and
:mod:`rapportbok.publish.sphinxext` drops the start page's link: no link leads nowhere.

``make handbok`` (``tools/handbok.py``) builds it with strict warnings; the book's build does not, so a
warning in the handbook never stops a build of the book.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from rapportbok.core import files

FOLDER = "handbok"  # the sources, under the project root; also the folder in the site
CACHE = Path("_build") / "handbok"  # jupyter-book's output (HTML in _build/html under it) and doctrees
ENV = "RAPPORTBOK_HANDBOK"  # "1": the site has the handbook (rapportbok.publish.sphinxext keeps the link)
LINK_CLASS = "rapportbok-handbok"  # the start page's paragraph with the link (rapportbok.publish.build)
JUPYTER_BOOK = "import sys; from jupyter_book.cli.main import main; sys.exit(main())"


def source(root: Path) -> Path | None:
    """The handbook's folder in the project, or None when the project has none."""
    folder = root / FOLDER
    return folder if (folder / "_config.yml").is_file() and (folder / "_toc.yml").is_file() else None


def command(src: Path, out: Path, strict: bool = False) -> list[str]:
    """jupyter-book's command that builds the handbook in ``src`` into ``out`` (HTML in out/_build/html).

    The Swedish interface's message catalogue is written into ``src/_locale`` first (not kept in git).
    The HTML of an earlier build is removed first: Sphinx never deletes the page of a file that is gone, and
    a renamed or removed page must not be published. Its doctrees stay, so unchanged pages are not re-read.
    """
    from rapportbok.publish.sphinxext import write_catalogue

    shutil.rmtree(html(out), ignore_errors=True)
    write_catalogue(src)  # the Swedish interface, as on the book's site: locale_dirs in the handbook's _config.yml
    cmd = [sys.executable, "-c", JUPYTER_BOOK, "build", str(src), "--path-output", str(out), "--quiet"]
    return cmd + (["--warningiserror", "--nitpick", "--keep-going"] if strict else [])


def html(out: Path) -> Path:
    """Where :func:`command` writes the HTML."""
    return out / "_build" / "html"


def place(out: Path, site: Path) -> Path:
    """Copy the built handbook (in ``out``) into the site folder ``site`` as ``site/handbok/``; returns it."""
    target = site / FOLDER
    if target.exists():
        shutil.rmtree(target)
    files.copy_tree(html(out), target)  # stops at the first error as it is: a full disk says so
    return target
