"""The site build, a process of its own: ``python -m rapportbok.publish.site SOURCE [--jobs N] [--out FOLDER]``.

Jupyter Book 1's documented way to build with Sphinx directly: ``jupyter-book config sphinx SOURCE`` writes
``SOURCE/conf.py`` from ``_config.yml`` (the configuration ``jupyter-book build`` gives Sphinx, in a file), and
Sphinx's own command line builds the HTML into ``FOLDER/_build/html`` with its doctrees in
``FOLDER/_build/.doctrees``, where ``jupyter-book build --path-output FOLDER`` puts them (the same HTML, file
for file). Sphinx's command line also takes what Jupyter Book 1's lacks: ``-j N``, more than one process
(rapportbok.publish.sphinx_private then reads in one and writes in the others), and ``-D locale_dirs``, the
folder where the Swedish interface's catalogue is written first (rapportbok.publish.sphinxext.write_catalogue).
The same on Linux, macOS and Windows: this Python runs both, through their public entry points.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def command(source: Path, jobs: int = 1, out: Path | None = None) -> list[str]:
    """The command that builds the site of ``source`` (a site root: _config.yml, _toc.yml, book/)."""
    return [
        sys.executable,
        "-m",
        "rapportbok.publish.site",
        str(source),
        "--jobs",
        str(jobs),
        *(["--out", str(out)] if out is not None else []),
    ]


def sphinx_arguments(source: Path, out: Path, jobs: int, quiet: bool = True) -> list[str]:
    """sphinx-build's arguments: HTML, quiet, ``jobs`` processes, the Swedish catalogue, jupyter-book's folders."""
    from rapportbok.publish.sphinxext import LOCALE_DIR

    return [
        "-b",
        "html",
        *(["-q"] if quiet else []),
        "-j",
        str(jobs),
        "-d",
        str(out / "_build" / ".doctrees"),
        "-D",
        f"locale_dirs={LOCALE_DIR}",
        str(source),
        str(out / "_build" / "html"),
    ]


def build(source: Path, jobs: int = 1, out: Path | None = None, quiet: bool = True) -> int:
    """Write conf.py and the catalogue into ``source``, then build; returns sphinx-build's exit code."""
    from jupyter_book.cli.main import main as jupyter_book
    from sphinx.cmd.build import build_main

    from rapportbok.publish.sphinxext import write_catalogue

    try:
        jupyter_book(["config", "sphinx", str(source)], standalone_mode=False)
    except Exception as err:  # noqa: BLE001 - click's and jupyter-book's errors: reported, the build says which step
        print(f"jupyter-book config sphinx: {type(err).__name__}: {err}", file=sys.stderr)
        return 2
    write_catalogue(source)
    return build_main(sphinx_arguments(source, out if out is not None else source, jobs, quiet))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m rapportbok.publish.site", description=__doc__.split("\n")[0])
    ap.add_argument("source", type=Path)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--verbose", action="store_true", help="Sphinx's progress too, not only its warnings")
    args = ap.parse_args(argv)
    return build(args.source, max(1, args.jobs), args.out, quiet=not args.verbose)


if __name__ == "__main__":
    sys.exit(main())
