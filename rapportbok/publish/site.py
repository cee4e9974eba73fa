"""The site build, a process of its own: ``python -m rapportbok.publish.site SOURCE [--jobs N] [--out FOLDER]``.

Jupyter Book 1's documented way to build with Sphinx directly: ``jupyter-book config sphinx SOURCE`` writes
``SOURCE/conf.py`` from ``_config.yml`` (the configuration ``jupyter-book build`` gives Sphinx, in a file), and
Sphinx's own command line builds the HTML into ``FOLDER/_build/html`` with its doctrees in
``FOLDER/_build/.doctrees``, where ``jupyter-book build --path-output FOLDER`` puts them (the same HTML, file
for file). Sphinx's command line also takes what Jupyter Book 1's lacks: ``-j N``, more than one process
(rapportbok.publish.sphinx_private then reads in one and writes in the others), and ``-D locale_dirs``, the
folder where the Swedish interface's catalogue is written first (rapportbok.publish.sphinxext.write_catalogue).
The same on Linux, macOS and Windows: this Python runs both, through their public entry points.

With ``--workspace DIR`` the site is built incrementally (the analyst's loop: one changed data file, its pages
rebuilt). ``DIR/kalla/`` keeps a copy of the last site root built, and ``DIR/ut/`` Sphinx's environment, doctrees
and HTML. SOURCE is copied into ``DIR/kalla/`` file by file, writing only what differs (:func:`sync`), so Sphinx
reads again only the pages whose source changed and writes those (and every page, when a page's title or the
tables of contents change: rapportbok.publish.sphinxext). The HTML is then copied to ``FOLDER/_build/html``,
where the build publishes it. The workspace starts over when ``--key`` (what the build says the site's code and
options are) differs from the one it was built with, or when a build in it did not finish (``PAGAR``, removed
only after a complete build). ``conf.py`` is made again only when ``_config.yml`` has changed.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import sys
from pathlib import Path

from rapportbok.core import files

WORKSPACE_SOURCE = "kalla"  # DIR/kalla/: the site root as last built
WORKSPACE_OUT = "ut"  # DIR/ut/: Sphinx's output (html/ and .doctrees/)
KEY_FILE = "NYCKEL"  # DIR/NYCKEL: the --key the workspace was built with
PENDING = "PAGAR"  # DIR/PAGAR: a build in the workspace has started and not finished
CONF = "conf.py"
CONFIG = "_config.yml"
SITE_FILES = (CONFIG, "_toc.yml", "_static", "book", CONF, "_locale")  # what a site root holds for Sphinx


def command(
    source: Path, jobs: int = 1, out: Path | None = None, workspace: Path | None = None, key: str = ""
) -> list[str]:
    """The command that builds the site of ``source`` (a site root: _config.yml, _toc.yml, book/)."""
    return [
        sys.executable,
        "-m",
        "rapportbok.publish.site",
        str(source),
        "--jobs",
        str(jobs),
        *(["--out", str(out)] if out is not None else []),
        *(["--workspace", str(workspace), "--key", key] if workspace is not None else []),
    ]


def waiting_command(workspace: Path | None = None) -> list[str]:
    """The site build started ahead: it loads Sphinx and the extensions of the last site built in ``workspace``,
    then waits for one line on its standard input, :func:`order` (or its end: nothing to build)."""
    return [
        sys.executable,
        "-m",
        "rapportbok.publish.site",
        "--vanta",
        *(["--workspace", str(workspace)] if workspace is not None else []),
    ]


def order(
    source: Path,
    jobs: int = 1,
    out: Path | None = None,
    workspace: Path | None = None,
    key: str = "",
    env: dict[str, str] | None = None,
) -> str:
    """The line that makes a waiting site build (:func:`waiting_command`) build: the arguments of :func:`build`,
    and environment variables the site's extension reads (known only once the build has come that far)."""
    return json.dumps(
        {
            "source": str(source),
            "jobs": jobs,
            "out": None if out is None else str(out),
            "workspace": None if workspace is None else str(workspace),
            "key": key,
            "env": dict(env or {}),
        }
    )


def preload(workspace: Path | None) -> None:
    """Import Sphinx's command line and the extensions the last site built in ``workspace`` named (its conf.py):
    what makes up most of a small incremental build's time. A module that fails is left to the build."""
    import importlib

    importlib.import_module("sphinx.cmd.build")
    conf = workspace / WORKSPACE_SOURCE / CONF if workspace is not None else None
    names: list[str] = []
    try:
        found = re.search(r"^extensions = (\[.*\])$", conf.read_text(encoding="utf-8"), re.MULTILINE) if conf else None
        names = ast.literal_eval(found.group(1)) if found else []
    except (OSError, ValueError, SyntaxError):
        names = []
    for name in names:
        try:
            importlib.import_module(str(name))
        except Exception:  # noqa: BLE001, S112 - only loading ahead: the build meets and reports it
            continue


class Prepared:
    """Sphinx set up ahead in the workspace of the last site built, while the build executes its notebooks: the
    configuration read, the extensions set up, the environment of the last build loaded, the builder ready (most
    of a small incremental build's time). :meth:`build` uses it only where it is what :func:`build` would set up
    (the same workspace, key, ``_config.yml`` and number of processes); otherwise it is dropped."""

    def __init__(self, workspace: Path, quiet: bool = True):
        self.workspace, self.app, self._contexts = workspace, None, None
        src = workspace / WORKSPACE_SOURCE
        if (workspace / PENDING).exists() or not (src / CONF).is_file() or not (workspace / KEY_FILE).is_file():
            return
        import contextlib

        from sphinx.application import Sphinx
        from sphinx.util.docutils import docutils_namespace, patch_docutils

        from rapportbok.publish.sphinxext import LOCALE_DIR

        built = workspace / WORKSPACE_OUT / "_build"
        stack = contextlib.ExitStack()
        try:
            stack.enter_context(patch_docutils(str(src)))
            stack.enter_context(docutils_namespace())
            self.app = Sphinx(
                str(src),
                str(src),
                str(built / "html"),
                str(built / ".doctrees"),
                "html",
                {"locale_dirs": LOCALE_DIR},  # as -D locale_dirs=... (sphinx_arguments)
                None if quiet else sys.stdout,
                sys.stderr,
                parallel=1,
            )
        except Exception:  # noqa: BLE001 - only ahead of time: build() sets Sphinx up itself and reports
            stack.close()
            self.app = None
            return
        self._contexts = stack
        self.key = (workspace / KEY_FILE).read_text(encoding="utf-8")
        self.config = (src / CONFIG).read_bytes() if (src / CONFIG).is_file() else None

    def fits(self, source: Path, workspace: Path | None, key: str, jobs: int) -> bool:
        return (
            self.app is not None
            and workspace == self.workspace
            and key == self.key
            and jobs == 1
            and (source / CONFIG).is_file()
            and (source / CONFIG).read_bytes() == self.config
        )

    def close(self) -> None:
        if self._contexts is not None:
            self._contexts.close()
            self._contexts = None
        self.app = None


def _files(top: Path) -> dict[str, Path]:
    """Every file under ``top`` by its path relative to it (``/``-separated)."""
    out = {}
    for folder, dirs, names in os.walk(top):
        dirs.sort()
        for name in names:
            path = Path(folder) / name
            out[path.relative_to(top).as_posix()] = path
    return out


def sync(source: Path, target: Path, names: tuple[str, ...]) -> list[str]:
    """Make ``target`` hold exactly the files of ``source`` under the top-level ``names``: a file whose content
    differs is written anew (so its modification time tells Sphinx it changed), an equal one is left alone, one
    no longer in ``source`` goes. Returns the files written or removed."""
    theirs = {k: v for k, v in _files(source).items() if k.split("/", 1)[0] in names}
    mine = {k: v for k, v in _files(target).items() if k.split("/", 1)[0] in names} if target.is_dir() else {}
    changed = []
    for rel, path in theirs.items():
        data = path.read_bytes()
        dest = target / rel
        if rel in mine and mine[rel].stat().st_size == len(data) and mine[rel].read_bytes() == data:
            continue
        files.write_bytes(dest, data, durable=False)  # a new file, never the old one changed in place
        changed.append(rel)
    for rel in sorted(set(mine) - set(theirs)):
        mine[rel].unlink()
        changed.append(rel)
    return changed


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


def _configure(source: Path, known: Path | None = None) -> bool:
    """Write ``source/conf.py`` (jupyter-book config sphinx), or copy it from ``known``, a site root built with the
    same ``_config.yml``; and the Swedish catalogue. False (the error printed) if jupyter-book fails."""
    from rapportbok.publish.sphinxext import write_catalogue

    if (
        known is not None
        and (known / CONF).is_file()
        and (known / CONFIG).is_file()
        and (known / CONFIG).read_bytes() == (source / CONFIG).read_bytes()
    ):
        shutil.copyfile(known / CONF, source / CONF)
    else:
        from jupyter_book.cli.main import main as jupyter_book

        try:
            jupyter_book(["config", "sphinx", str(source)], standalone_mode=False)
        except Exception as err:  # noqa: BLE001 - click's and jupyter-book's errors: reported, the build says which
            print(f"jupyter-book config sphinx: {type(err).__name__}: {err}", file=sys.stderr)
            return False
    write_catalogue(source)
    return True


def build(
    source: Path,
    jobs: int = 1,
    out: Path | None = None,
    quiet: bool = True,
    workspace: Path | None = None,
    key: str = "",
    prepared: Prepared | None = None,
) -> int:
    """Build the site of ``source`` into ``out/_build/html`` (``out`` defaults to ``source``), in ``workspace`` if
    given (see the module's description); returns sphinx-build's exit code. ``prepared``: Sphinx set up ahead
    (:class:`Prepared`), used if it fits."""
    from sphinx.cmd.build import build_main

    out = out if out is not None else source
    if workspace is None:
        if not _configure(source):
            return 2
        return build_main(sphinx_arguments(source, out, jobs, quiet))
    src, built = workspace / WORKSPACE_SOURCE, workspace / WORKSPACE_OUT
    app = prepared.app if prepared is not None and prepared.fits(source, workspace, key, jobs) else None
    if app is None and prepared is not None:
        prepared.close()
    if (workspace / PENDING).exists() or _read(workspace / KEY_FILE) != key:
        shutil.rmtree(workspace, ignore_errors=True)  # a build that did not finish, or other code: start over
    workspace.mkdir(parents=True, exist_ok=True)
    (workspace / PENDING).write_text("", encoding="utf-8")
    (workspace / KEY_FILE).write_text(key, encoding="utf-8")
    if not _configure(source, src if src.is_dir() else None):
        return 2
    sync(source, src, SITE_FILES)
    # myst-nb writes its stylesheet only when the build finishes: a page written before that (every page of a
    # fresh build) links it without Sphinx's ?v= checksum. Removed here, a page written again links it the same.
    for late in (built / "_build" / "html" / "_static").glob("mystnb.*.css"):
        late.unlink()
    if app is not None:
        if not quiet:
            print("rapportbok: Sphinx set up ahead is used")
        try:
            app.build(False, [])
            code = app.statuscode
        except Exception as err:  # noqa: BLE001 - reported as sphinx-build reports it, with the build's exit code
            print(f"Sphinx: {type(err).__name__}: {err}", file=sys.stderr)
            code = 2
        finally:
            prepared.close()
    else:
        code = build_main(sphinx_arguments(src, built, jobs, quiet))
    if code != 0:
        return code
    html = out / "_build" / "html"
    if html.exists():
        shutil.rmtree(html)
    shutil.copytree(built / "_build" / "html", html)
    (workspace / PENDING).unlink()
    return 0


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m rapportbok.publish.site", description=__doc__.split("\n")[0])
    ap.add_argument("source", type=Path, nargs="?")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--verbose", action="store_true", help="Sphinx's progress too, not only its warnings")
    ap.add_argument("--workspace", type=Path, default=None, help="build incrementally in this folder")
    ap.add_argument("--key", default="", help="the site's code and options: another key starts the workspace over")
    ap.add_argument("--vanta", action="store_true", help="load Sphinx, then wait for the build's order on stdin")
    args = ap.parse_args(argv)
    if args.vanta:
        preload(args.workspace)
        prepared = Prepared(args.workspace, quiet=not args.verbose) if args.workspace is not None else None
        line = sys.stdin.readline()
        if not line.strip():
            return 0  # the build ended without a site to build
        given = json.loads(line)
        os.environ.update({str(k): str(v) for k, v in given.get("env", {}).items()})
        return build(
            Path(given["source"]),
            max(1, int(given["jobs"])),
            Path(given["out"]) if given.get("out") else None,
            not args.verbose,
            Path(given["workspace"]) if given.get("workspace") else None,
            given.get("key", ""),
            prepared,
        )
    if args.source is None:
        ap.error("the site's source folder is missing")
    return build(args.source, max(1, args.jobs), args.out, not args.verbose, args.workspace, args.key)


def exit_now(code: int) -> None:
    """End the process with ``code`` at once, without Python's finalization: with Sphinx, docutils, the theme and the
    whole site's environment loaded, tearing them down took about as long as writing the changed pages (the
    analyst's loop waits for this process to end). Nothing is left to do at exit: every file Sphinx writes is closed
    when the build returns; what was printed is flushed here."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    exit_now(main())
