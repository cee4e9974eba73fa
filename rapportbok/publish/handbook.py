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

    The Swedish interface's message catalogue is written into ``out/_locale`` first, with a copy of the
    handbook's ``_config.yml`` that names it (``out/_config.yml``, given with ``--config``).
    The HTML of an earlier build is removed first: Sphinx never deletes the page of a file that is gone, and
    a renamed or removed page must not be published. Its doctrees stay, so unchanged pages are not re-read.
    """
    import yaml

    from rapportbok.publish.sphinxext import LOCALE_DIR, write_catalogue

    shutil.rmtree(html(out), ignore_errors=True)
    # The Swedish interface, as on the book's site: the catalogue and a copy of the handbook's _config.yml that
    # names it in locale_dirs, both in the output folder (the handbook's own folder is an input of the build
    # stamp and stays as it is).
    out.mkdir(parents=True, exist_ok=True)
    write_catalogue(out)
    config = yaml.safe_load((src / "_config.yml").read_text(encoding="utf-8")) or {}
    sphinx_config = config.setdefault("sphinx", {}).setdefault("config", {})
    sphinx_config["locale_dirs"] = [str((out / LOCALE_DIR).resolve())]
    (out / "_config.yml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    cmd = [sys.executable, "-c", JUPYTER_BOOK, "build", str(src), "--path-output", str(out), "--quiet"]
    cmd += ["--config", str(out / "_config.yml")]
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
