"""Writing a file so that it is either the old one or the new one, never half of each.

:func:`write_bytes` and :func:`write_text` write to a temporary file beside the target, flush
it to disk, give it the target's permissions (an existing file's mode, else the usual 0666
minus umask, so a web server can read what the book publishes) and rename it over the
target in one step. A crash leaves at most a hidden ``.<name>.*.tmp`` beside it, which the
next write does not trip over. :func:`fsync_dir` makes a rename itself durable.

:func:`copy_tree` copies a folder and stops at the first error with that error (a full disk stays
a full disk). Several files replaced together (an import's CSV files, a Kolada fetch) go through
the journal instead, :mod:`rapportbok.core.journal`.

On Windows a file held open by another program (a download or data file open in Excel) cannot
be replaced or moved, nor can a folder holding it: the rename fails with PermissionError.
:func:`replace` (used here and by the journal, rapportbok.core.journal) tries again a few
times briefly, then raises :class:`FileInUse`, whose message names the file in Swedish.
"""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path

# Windows errors of a rename over or of a file another program holds open: ERROR_ACCESS_DENIED,
# ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION.
IN_USE_WINERRORS = (5, 32, 33)
RETRY_PAUSES = (0.1, 0.2, 0.4, 0.8)  # seconds between tries: about 1.5 s in all
_sleep = time.sleep


class FileInUse(PermissionError):
    """A file or folder cannot be replaced because another program holds it open (Windows).

    A PermissionError, so every handler of file errors catches it; its text is the Swedish message.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        what = f"En fil i mappen {self.path}" if self.path.is_dir() else f"Filen {self.path}"
        self.message = f"{what} är öppen i ett annat program, t.ex. Excel. Stäng den och kör kommandot igen."
        super().__init__(errno.EACCES, self.message, str(self.path))

    def __str__(self) -> str:
        return self.message


def in_use(err: OSError) -> bool:
    """Whether ``err`` is Windows refusing a rename because another program holds the file open."""
    return isinstance(err, PermissionError) and getattr(err, "winerror", None) in IN_USE_WINERRORS


def replace(src: Path, dst: Path, held: Path | None = None) -> None:
    """``os.replace(src, dst)``, tried again briefly while the file is held open by another program.

    ``held``: the path to name when it stays held (default ``dst``, the file being replaced).
    Raises :class:`FileInUse` after the last try; other errors at once.
    """
    for pause in (*RETRY_PAUSES, None):
        try:
            os.replace(src, dst)
            return
        except PermissionError as err:
            if not in_use(err):
                raise
            if pause is None:
                raise FileInUse(held if held is not None else dst) from err
            _sleep(pause)


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (a rename in it) to disk, where the platform allows it."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # not supported for folders (e.g. on Windows)
    finally:
        os.close(fd)


def write_bytes(path: Path, data: bytes, durable: bool = True) -> Path:
    """Replace ``path`` with ``data`` in one step; returns ``path``.

    ``durable=False`` skips the flushes to disk (fsync): for a cache that is started over when a build did not
    finish (the site's workspace), where thousands of files are written and a crash loses nothing."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp_beside(path)
    mode = (path.stat().st_mode & 0o777) if path.exists() else 0o666
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        if path.exists():
            os.chmod(tmp, mode)  # os.open applied the umask; an existing file keeps its own mode
        replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if durable:
        fsync_dir(path.parent)
    return path


def write_text(path: Path, text: str) -> Path:
    """Replace ``path`` with ``text`` in UTF-8, line endings exactly as given."""
    return write_bytes(path, text.encode("utf-8"))


def _tmp_beside(path: Path) -> Path:
    return path.parent / f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"


def copy_tree(src: Path, dst: Path, hidden: bool = True) -> None:
    """Copy the folder ``src`` into ``dst`` (merging with what is there), stopping at the first error.

    ``hidden=False`` leaves out files and folders whose names start with a dot (a journal's staging
    folders in data/, an editor's files).

    Unlike ``shutil.copytree``, which goes on and gathers every failure into one ``shutil.Error``
    without an error number, the first failure is raised as it is: a full disk stays ``ENOSPC``, with
    the file it happened to, so the message can say what happened (rapportbok.core.oserrors).
    """
    import shutil

    src, dst = Path(src), Path(dst)
    for folder, subfolders, names in os.walk(src):
        if not hidden:
            subfolders[:] = [n for n in subfolders if not n.startswith(".")]
            names = [n for n in names if not n.startswith(".")]
        subfolders.sort()
        here = dst / Path(folder).relative_to(src)
        here.mkdir(parents=True, exist_ok=True)
        for name in sorted(names):
            shutil.copy2(Path(folder) / name, here / name)
