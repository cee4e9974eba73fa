"""Publishing a build in one step, and finishing a publication a killed build left half done.

The build writes everything into a staging folder (``.staging-<id>/``: book/, _toc.yml and the
site in _build/html/). Publishing it takes several renames (the current book/ out of the way,
the staged one in; the same for _toc.yml and the site), and a process killed between two of
them would leave no book/ at all, or a new book beside the old site. So the renames are first
written down in a journal, ``_build/.rapportbok-swap.json`` (written to a temporary file,
flushed to disk and renamed: it appears whole or not at all). Its appearance is the one atomic
step of the publication:

* killed before the journal exists: the previous book/, _toc.yml and site are untouched;
* killed after: the staged generation is complete (every notebook and the site succeeded before
  the journal was written), and whoever comes next completes the renames: the build itself, or,
  if it was killed, the next ``rapportbok`` command (:func:`recover`, run at the start of every
  command). Every step checks what is already done, so completing twice is harmless.
* a file held open by another program (on Windows: a download open in Excel) stops a rename:
  after a few brief tries (``core.files.replace``) the renames made so far are undone, so the
  previous book/, _toc.yml and site are whole, and :class:`core.files.FileInUse` says which file
  to close. The journal stays; the next command completes the publication.

Only when every rename is done is the journal removed, then the old generation.

:func:`recover` also removes what killed builds leave behind: ``.staging-*`` folders.
A build holds a lock (``_build/.rapportbok-lock``, ``flock``) while it runs; recovery and
cleaning happen only under that lock, never beside a running build.

Standard library only: it runs before every command.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from pathlib import Path

from rapportbok.core import files
from rapportbok.core.paths import PathError, inside

JOURNAL = Path("_build") / ".rapportbok-swap.json"
LOCK = Path("_build") / ".rapportbok-lock"
STAGING = ".staging-"  # prefix of staging folders (and of the previous generation's, being removed)


class Busy(Exception):
    """Another build holds the project's lock."""


class JournalError(Exception):
    """The journal cannot be completed; the message says what to do, in Swedish."""


@contextlib.contextmanager
def locked(root: Path, wait: bool = False):
    """Hold the project's build lock; :class:`Busy` if another process holds it (unless ``wait``)."""
    try:
        import fcntl
    except ImportError:  # Windows: no flock; builds are not run side by side there
        yield
        return
    path = root / LOCK
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)  # not inherited by child processes (PEP 446)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError as err:
            raise Busy() from err
        yield
    finally:
        os.close(fd)  # releases the lock


def new_stage(root: Path) -> Path:
    """A new, empty staging folder under the root (same file system, so renames are atomic)."""
    stage = root / f"{STAGING}{os.urandom(4).hex()}"
    stage.mkdir()
    return stage


def _write(root: Path, entry: dict) -> None:
    # Writing the journal is the publication's single atomic step (files.write_text renames once).
    files.write_text(root / JOURNAL, json.dumps(entry, ensure_ascii=False, indent=1))


def publish(root: Path, stage: Path, names: list[str]) -> None:
    """Replace ``root/<name>`` by ``stage/<name>`` for every name, all or (if killed first) none.

    ``names`` are paths relative to both folders, e.g. ``["book", "_toc.yml", "_build/html"]``.
    """
    trash = root / f"{STAGING}old-{os.urandom(4).hex()}"
    trash.mkdir()
    moves = [
        {"target": name, "new": f"{stage.name}/{name}", "old": f"{trash.name}/{i}-{Path(name).name}"}
        for i, name in enumerate(names)
    ]
    _write(root, {"version": 1, "stage": stage.name, "trash": trash.name, "moves": moves})
    _complete(root)


def _load(root: Path) -> dict | None:
    try:
        return json.loads((root / JOURNAL).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as err:
        raise JournalError(
            f"Journalen {JOURNAL} går inte att läsa ({err}). Ta bort den och kör `rapportbok build --alla`."
        ) from err


def _complete(root: Path) -> bool:
    """Carry out the journal's renames that are not done yet; False if there is no journal."""
    entry = _load(root)
    if entry is None:
        return False
    try:
        moves = [(inside(root, m["target"]), inside(root, m["new"]), inside(root, m["old"])) for m in entry["moves"]]
        trash = inside(root, entry["trash"])
    except (KeyError, TypeError, PathError) as err:
        raise JournalError(
            f"Journalen {JOURNAL} är inte en som rapportbok har skrivit ({err}). Ta bort den "
            "och kör `rapportbok build --alla`."
        ) from err
    done: list[tuple[Path, Path, Path | None]] = []  # renames made here: (target, staged copy, previous copy)
    try:
        for target, new, old in moves:
            if os.path.lexists(new):  # not moved yet
                moved_out = None
                if os.path.lexists(target):
                    if os.path.lexists(old):  # cannot happen in a normal run: keep both out of the way
                        old = old.with_name(f"{old.name}-{os.urandom(4).hex()}")
                    old.parent.mkdir(parents=True, exist_ok=True)
                    files.replace(target, old, held=target)
                    moved_out = old
                target.parent.mkdir(parents=True, exist_ok=True)
                try:
                    files.replace(new, target, held=target)
                except files.FileInUse:
                    if moved_out is not None:
                        os.replace(moved_out, target)
                    raise
                done.append((target, new, moved_out))
            elif not os.path.lexists(target) and os.path.lexists(old):
                # The staged copy is gone (removed by hand): put the previous one back rather than nothing.
                files.replace(old, target, held=old)
    except files.FileInUse:
        _roll_back(done)
        raise
    files.fsync_dir(root)
    (root / JOURNAL).unlink()
    files.fsync_dir((root / JOURNAL).parent)
    shutil.rmtree(trash, ignore_errors=True)
    return True


def _roll_back(done: list[tuple[Path, Path, Path | None]]) -> None:
    """Undo this call's renames (a file held open stopped the publication half-way), newest first.

    The previous book/ and site are whole again; the journal stays, so the next command (once the
    file is closed) completes the publication. If undoing fails too, the journal still completes it.
    """
    for target, new, moved_out in reversed(done):
        try:
            files.replace(target, new, held=target)
            if moved_out is not None:
                files.replace(moved_out, target, held=target)
        except OSError:  # FileInUse too
            return


def pending(root: Path) -> bool:
    return (root / JOURNAL).exists()


def leftovers(root: Path) -> list[Path]:
    return sorted(p for p in root.glob(f"{STAGING}*") if p.is_dir())


def recover_locked(root: Path, log=print) -> None:
    """Complete an interrupted publication and remove staging folders; the caller holds the lock."""
    if _complete(root):
        log(
            "Ett avbrutet bygge hade redan lyckats men inte hunnit publiceras färdigt; det är nu publicerat "
            "(book/, _toc.yml och webbplatsen kommer från samma bygge)."
        )
    old = leftovers(root)
    for folder in old:
        shutil.rmtree(folder, ignore_errors=True)
    if old:
        log(f"Tog bort {len(old)} mapp(ar) som avbrutna byggen lämnat kvar (.staging-*).")


def recover(root: Path, log=print) -> None:
    """At the start of a command: finish what a killed build left, unless a build is running now."""
    if not pending(root) and not leftovers(root):
        return
    try:
        with locked(root):
            recover_locked(root, log)
    except Busy:
        return  # a build is running; it is its own business


def discard_stage(root: Path, stage: Path) -> None:
    """Remove a staging folder, unless a journal still needs it (then the next run completes it)."""
    entry = None
    try:
        entry = _load(root)
    except JournalError:
        pass
    if entry and entry.get("stage") == stage.name:
        return
    shutil.rmtree(stage, ignore_errors=True)
