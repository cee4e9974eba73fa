"""Replacing several files or folders in one step, and finishing what a killed process left half done.

Every write that must not be seen half done goes through here: the publication of a build (book/,
_toc.yml and the site in _build/html/) and every write to data/ (an import's CSV files, a Kolada
fetch's folders, a new organisation, a moved store) and to Kolada's metadata snapshot. The new
files are first written whole into a staging folder beside their targets (``.staging-<id>/``, on
the same file system, so that a rename is one step). Putting them in place takes several renames
(each current target out of the way into a trash folder, the staged copy in), and a process killed
between two of them would leave a mix. So the renames are first written down in a *journal*
(written to a temporary file, flushed to disk and renamed: it appears whole or not at all). Its
appearance is the one atomic step:

* killed before the journal exists: every target is untouched; the staging folder is removed by
  the next command (:func:`recover`);
* killed after: the staged generation is complete, and whoever comes next completes the renames:
  the process itself or, if it was killed, the next ``rapportbok`` command (:func:`recover`, run by
  every command under the project's lock, :mod:`rapportbok.core.lock`). Every step checks what is
  already done, so completing twice is harmless;
* a rename that fails (a file held open by another program, a folder that cannot be moved, a full
  disk): the renames made so far (by this process or by a killed one) are undone, newest first, so
  every target is as before, and the error is raised. The journal is then removed and the staged copy discarded, except for a
  publication stopped by a file held open (:class:`rapportbok.core.files.FileInUse`, Windows): a
  finished build is kept, and the next command publishes it once the file is closed
  (:attr:`Area.keep_if_in_use`);
* if undoing fails too, :class:`Unfinished` says which targets are new and which are old; the
  journal stays, and the next command tries to complete it.

Only when every rename is done is the journal removed, then the trash folder.

An :class:`Area` is a folder whose contents are replaced this way, with its journal: the project
root for the publication (:func:`publication`, journal ``_build/.rapportbok-swap.json``), data/ and
the metadata snapshot for writes (:func:`writes`, journal ``.rapportbok-journal.json`` in the
folder). :func:`write` is the one way to write files under data/.

Standard library only: it runs before every command.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from rapportbok.core import files
from rapportbok.core.paths import PathError, inside

JOURNAL = Path("_build") / ".rapportbok-swap.json"  # the publication's, under the project root
WRITE_JOURNAL = ".rapportbok-journal.json"  # a write's, in the folder written (data/)
STAGING = ".staging-"  # prefix of staging folders (and of the previous generation's, being removed)
VERSION = 1


class JournalError(Exception):
    """The journal cannot be read or completed; the message says what to do, in Swedish."""


class Unfinished(JournalError):
    """A rename failed and the renames before it could not all be undone: some targets are new, some old.

    The journal stays, so the next command tries to complete it. ``new`` and ``old`` are the targets
    (relative paths) of each kind; ``cause`` the error that stopped the renames.
    """

    def __init__(self, area: Area, cause: OSError, new: list[str], old: list[str]):
        from rapportbok.core.oserrors import describe

        self.cause, self.new, self.old = cause, new, old
        super().__init__(
            f"{area.what[:1].upper()}{area.what[1:]} kunde inte slutföras och inte heller göras ogjord "
            f"({describe(cause)}). Redan ändrat: {', '.join(new) or 'inget'}; som förut: {', '.join(old) or 'inget'}. "
            f"Journalen {area.journal} finns kvar: rätta felet och kör rapportbok igen, så slutförs det."
        )


@dataclass(frozen=True)
class Area:
    """A folder whose contents are replaced through a journal (see the module's description)."""

    base: Path  # every target, staging folder and trash folder lies inside it
    journal: Path  # the journal file
    what: str  # what is being replaced, in Swedish, for messages: "publiceringen", "skrivningen i data/"
    keep_if_in_use: bool = False  # a file held open stops a rename: keep the journal (True) or undo all (False)


def publication(root: Path) -> Area:
    """The publication of a build: book/, _toc.yml and _build/html/ under the project root."""
    return Area(Path(root), Path(root) / JOURNAL, "publiceringen av det nya bygget", keep_if_in_use=True)


def writes(base: Path) -> Area:
    """Writes into a folder of inputs (data/, the Kolada metadata snapshot)."""
    return Area(Path(base), Path(base) / WRITE_JOURNAL, f"skrivningen i {Path(base).name}/")


def new_stage(base: Path) -> Path:
    """A new, empty staging folder in ``base`` (same file system, so renames are atomic)."""
    stage = Path(base) / f"{STAGING}{os.urandom(4).hex()}"
    stage.mkdir(parents=True)
    return stage


def _write(area: Area, entry: dict) -> None:
    # Writing the journal is the single atomic step (files.write_text renames once).
    files.write_text(area.journal, json.dumps(entry, ensure_ascii=False, indent=1))


def commit(area: Area, stage: Path, names: list[str], removed: list[str] = (), tidy: bool = True) -> Path | None:
    """Replace ``base/<name>`` by ``stage/<name>`` for every name, and remove ``base/<r>`` for every
    removed name: all of it or, if killed before the journal is written, none.

    Names are relative paths, e.g. ``["book", "_toc.yml", "_build/html"]``. On a failed rename
    everything is undone and the error raised (see the module's description). The previous versions are then
    removed; with ``tidy=False`` they are left for the caller to remove after what it has to say first (the build
    says the new book is published), and their folder is returned (a staging folder: if the caller is killed
    before, the next command removes it).
    """
    trash = Path(area.base) / f"{STAGING}old-{os.urandom(4).hex()}"
    trash.mkdir()
    moves = [
        {"target": name, "new": f"{stage.name}/{name}", "old": f"{trash.name}/{i}"} for i, name in enumerate(names)
    ]
    moves += [
        {"target": name, "remove": True, "old": f"{trash.name}/{len(names) + i}"} for i, name in enumerate(removed)
    ]
    base = Path(area.base)
    # Folders the moves will create (a new organisation's data/<slug>/): removed again if the moves are undone.
    made = sorted(
        {
            parent.relative_to(base).as_posix()
            for name in names
            for parent in (base / name).parents
            if parent != base and base in parent.parents and not os.path.lexists(parent)
        },
        key=lambda rel: (-rel.count("/"), rel),
    )
    entry = {
        "version": VERSION,
        "stage": stage.name,
        "trash": trash.name,
        "keep_if_in_use": area.keep_if_in_use,
        "moves": moves,
        "made": made,
    }
    try:
        _write(area, entry)
    except BaseException:
        trash.rmdir()  # nothing has been moved: every target is untouched
        raise
    _complete(area, tidy)
    return None if tidy else trash


def _load(area: Area) -> dict | None:
    try:
        return json.loads(area.journal.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as err:
        raise JournalError(f"Journalen {area.journal} går inte att läsa ({err}). {_remove_hint(area)}") from err


def _remove_hint(area: Area) -> str:
    if area.journal.name == JOURNAL.name:
        return "Ta bort den och kör `rapportbok bygg --alla`."
    return f"Ta bort den och kontrollera {area.base.name}/ med `rapportbok kontrollera`."


def _complete(area: Area, tidy: bool = True) -> bool:
    """Carry out the journal's renames that are not done yet; False if there is no journal. ``tidy=False`` leaves the
    previous versions (the trash folder) in place (:func:`commit`)."""
    entry = _load(area)
    if entry is None:
        return False
    base = Path(area.base)
    try:
        moves = [
            (
                m["target"],
                inside(base, m["target"]),
                inside(base, m["new"]) if not m.get("remove") else None,
                inside(base, m["old"]),
            )
            for m in entry["moves"]
        ]
        trash = inside(base, entry["trash"])
        keep_if_in_use = bool(entry.get("keep_if_in_use"))
        made = [inside(base, rel) for rel in entry.get("made", [])]  # deepest first
    except (KeyError, TypeError, AttributeError, PathError) as err:
        raise JournalError(
            f"Journalen {area.journal} är inte en som rapportbok har skrivit ({err}). {_remove_hint(area)}"
        ) from err
    try:
        for _, target, new, old in moves:
            if new is None:  # a removal: the target goes to the trash
                if os.path.lexists(target):
                    old.parent.mkdir(parents=True, exist_ok=True)
                    files.replace(target, old, held=target)
            elif os.path.lexists(new):  # not moved yet
                if os.path.lexists(target):
                    if os.path.lexists(old):  # cannot happen in a normal run: keep both out of the way
                        old = old.with_name(f"{old.name}-{os.urandom(4).hex()}")
                    old.parent.mkdir(parents=True, exist_ok=True)
                    files.replace(target, old, held=target)
                target.parent.mkdir(parents=True, exist_ok=True)
                files.replace(new, target, held=target)
            elif not os.path.lexists(target) and os.path.lexists(old):
                # The staged copy is gone (removed by hand): put the previous one back rather than nothing.
                files.replace(old, target, held=old)
    except OSError as err:
        still = _undo(moves)
        if still:
            raise Unfinished(area, err, still, [n for n, *_ in moves if n not in still]) from err
        for folder in made:  # everything is as before: so are the folders (an undone new organisation leaves none)
            try:
                folder.rmdir()
            except OSError:
                pass  # not empty (something else is in it) or already gone
        if not (keep_if_in_use and isinstance(err, files.FileInUse)):
            _drop(area)  # everything is as before; the staged copy is discarded by its owner or by recover
            shutil.rmtree(trash, ignore_errors=True)
        raise
    files.fsync_dir(base)
    _drop(area)
    if tidy:
        shutil.rmtree(trash, ignore_errors=True)
    return True


def _drop(area: Area) -> None:
    area.journal.unlink(missing_ok=True)
    files.fsync_dir(area.journal.parent)


def _undo(moves: list[tuple[str, Path, Path | None, Path]]) -> list[str]:
    """Bring every target back to what it was before the journal, newest move first, whoever made the
    renames (this process or a killed one); returns the names of the targets still changed (none: all is
    as before).

    What a move has done is read from the disk: its staged copy gone means it was moved in (the target
    goes back to the staging folder, the previous copy, if any, back from the trash); for a removal, the
    target gone means it was removed (it comes back from the trash).
    """
    for _, target, new, old in reversed(moves):
        try:
            if new is not None and not os.path.lexists(new) and os.path.lexists(target):
                files.replace(target, new, held=target)
            if not os.path.lexists(target) and os.path.lexists(old):
                files.replace(old, target, held=target)
        except OSError:  # FileInUse too: what stays changed is said below, and the journal completes it later
            pass
    return [name for name, target, new, old in moves if _changed(target, new, old)]


def _changed(target: Path, new: Path | None, old: Path) -> bool:
    if new is None:
        return not os.path.lexists(target)
    return not os.path.lexists(new) or (not os.path.lexists(target) and os.path.lexists(old))


def pending(area: Area) -> bool:
    return area.journal.exists()


def leftovers(base: Path) -> list[Path]:
    return sorted(p for p in Path(base).glob(f"{STAGING}*") if p.is_dir())


def _unwritten(area: Area) -> list[Path]:
    """Temporary files of a journal that a killed process did not finish writing (rapportbok.core.files)."""
    return sorted(area.journal.parent.glob(f".{area.journal.name}.*.tmp"))


def recover_locked(area: Area, log=print, done_message: str | None = None) -> None:
    """Complete an interrupted replacement and remove staging folders; the caller holds the lock."""
    if _complete(area) and done_message:
        log(done_message)
    old = leftovers(area.base)
    for folder in old:
        shutil.rmtree(folder, ignore_errors=True)
    for tmp in _unwritten(area):
        tmp.unlink(missing_ok=True)
    if old and area.journal.name == JOURNAL.name:
        log(f"Tog bort {len(old)} mapp(ar) som avbrutna byggen lämnat kvar (.staging-*).")


def discard_stage(area: Area, stage: Path) -> None:
    """Remove a staging folder, unless a journal still needs it (then the next command completes it)."""
    entry = None
    try:
        entry = _load(area)
    except JournalError:
        pass
    if entry and entry.get("stage") == stage.name:
        return
    shutil.rmtree(stage, ignore_errors=True)


def write(area: Area, changes: Mapping[str, str | bytes | None]) -> list[Path]:
    """Write files under ``area.base`` together: each relative path gets its text (UTF-8) or bytes,
    or is removed (``None``: a file or a whole folder). All of it, or (on an error, or killed before
    the journal is written) none. Returns the paths written.

    The caller holds the project's lock (:mod:`rapportbok.core.lock`). A path that would leave the
    folder is refused (:class:`rapportbok.core.paths.PathError`) before anything is written.
    """
    base = Path(area.base)
    resolved = base.resolve()
    plan: list[tuple[str, Path, str | bytes | None]] = []
    for rel, content in changes.items():
        target = inside(base, rel)
        plan.append((target.relative_to(resolved).as_posix(), target, content))
    stage = new_stage(base)
    try:
        names, removed = [], []
        for rel, target, content in plan:
            if content is None:
                removed.append(rel)
                continue
            staged = stage / rel
            staged.parent.mkdir(parents=True, exist_ok=True)
            data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
            mode = (target.stat().st_mode & 0o777) if target.is_file() else 0o666  # umask applies to new files
            fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), mode)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            if target.is_file():
                os.chmod(staged, mode)  # an existing file keeps its own mode
            names.append(rel)
        for folder in {(stage / n).parent for n in names}:
            files.fsync_dir(folder)
        commit(area, stage, names, removed)
    finally:
        discard_stage(area, stage)
    for folder in {t.parent for _, t, c in plan if c is not None}:
        files.fsync_dir(folder)
    return [t for _, t, c in plan if c is not None]


# --- every area of the project -------------------------------------------------------------------

PUBLISHED = (
    "Ett avbrutet bygge hade redan lyckats men inte hunnit publiceras färdigt; det är nu publicerat "
    "(book/, _toc.yml och webbplatsen kommer från samma bygge)."
)
WRITTEN = (
    "En skrivning i {folder}/ som avbröts efter att allt hade sparats är nu slutförd (alla filer från samma skrivning)."
)


def areas(root: Path, data: Path) -> list[Area]:
    """The project's areas: its publication, data/ and the Kolada metadata snapshot in the package."""
    from rapportbok.core.paths import KOLADA_METADATA_DIR

    out = [publication(root), writes(data)]
    if KOLADA_METADATA_DIR.is_dir():
        out.append(writes(KOLADA_METADATA_DIR))
    return out


def recover_all_locked(root: Path, data: Path, log=print, building: bool = False) -> None:
    """Complete or undo what killed commands left in every area; the caller holds the lock.

    A write to data/ that can be neither completed nor undone raises :class:`JournalError`: nothing
    may read data/ then. A publication that cannot be completed is undone (or, for a file held open,
    kept for later) and only said with ``log``, so that commands other than the build go on;
    ``building`` raises a publication kept for later or one that could not be undone instead (a new
    build could not be published either).
    """
    from rapportbok.core.oserrors import describe

    for area in areas(root, data):
        is_publication = area.journal == Path(root) / JOURNAL
        done = PUBLISHED if is_publication else WRITTEN.format(folder=area.base.name)
        try:
            recover_locked(area, log, done)
        except (JournalError, OSError) as err:
            if not is_publication:
                if isinstance(err, JournalError):
                    raise
                log(
                    f"Obs: en avbruten skrivning i {area.base.name}/ kunde inte slutföras ({describe(err)}); "
                    f"den har gjorts ogjord, så {area.base.name}/ är som före den."
                )
                continue
            if building and isinstance(err, JournalError | files.FileInUse):
                raise
            if isinstance(err, files.FileInUse):
                log(
                    f"Obs: {err} Ett nytt bygge är klart men inte publicerat; den förra boken och webbplatsen är "
                    "hela. Det publiceras av nästa kommando när filen är stängd."
                )
            elif isinstance(err, JournalError):
                log(f"Obs: {err}")
            else:
                log(
                    f"Obs: ett avbrutet bygge kunde inte publiceras färdigt ({describe(err)}); publiceringen har "
                    "gjorts ogjord, så den förra boken, _toc.yml och webbplatsen är hela. Kör bygget igen."
                )


def needs_recovery(root: Path, data: Path) -> bool:
    """Whether a killed command left a journal or staging folders in any area (cheap: a few ``stat``)."""
    return any(pending(a) or leftovers(a.base) or _unwritten(a) for a in areas(root, data))


def recover(root: Path, data: Path | None = None, log=print, command: str = "rapportbok") -> None:
    """At the start of a command: :func:`recover_all_locked`, unless another command holds the lock
    (then that one has done it, or is writing and owns its staging folders)."""
    from rapportbok.core import lock

    data = Path(data) if data is not None else Path(root) / "data"
    if not needs_recovery(root, data):
        return
    try:
        with lock.held(root, command, wait=False):
            recover_all_locked(root, data, log)
    except lock.Busy:
        return
