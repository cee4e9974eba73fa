"""Writing a file so that it is either the old one or the new one, never half of each.

:func:`write_bytes` and :func:`write_text` write to a temporary file beside the target, flush
it to disk, give it the target's permissions (an existing file's mode, else the usual 0666
minus umask, so a web server can read what the book publishes) and rename it over the
target in one step. A crash leaves at most a hidden ``.<name>.*.tmp`` beside it, which the
next write does not trip over. :func:`fsync_dir` makes a rename itself durable.

:func:`write_texts` replaces several files together (the four CSV files of one stated-tables
import): every new file is written and flushed before the first rename, the renames follow one
another, and if one fails (a file open in Excel, a full disk) the files already replaced get their
old content back, so the set is either all old or all new. Only a crash of the machine in the
moment between two renames can leave a mix.

On Windows a file held open by another program (a download or data file open in Excel) cannot
be replaced or moved, nor can a folder holding it: the rename fails with PermissionError.
:func:`replace` (used here and by the publication, rapportbok.publish.journal) tries again a few
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


def write_bytes(path: Path, data: bytes) -> Path:
    """Replace ``path`` with ``data`` in one step; returns ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp_beside(path)
    mode = (path.stat().st_mode & 0o777) if path.exists() else 0o666
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if path.exists():
            os.chmod(tmp, mode)  # os.open applied the umask; an existing file keeps its own mode
        replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)
    return path


def write_text(path: Path, text: str) -> Path:
    """Replace ``path`` with ``text`` in UTF-8, line endings exactly as given."""
    return write_bytes(path, text.encode("utf-8"))


def _tmp_beside(path: Path) -> Path:
    return path.parent / f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"


def write_texts(texts: dict[Path, str]) -> list[Path]:
    """Replace every file in ``texts`` with its text (UTF-8), all of them or none; returns the paths.

    New content is written and flushed beside each target first; then the targets are replaced one
    after the other. When a step fails, the targets already replaced are restored and new files
    already created are removed, and the error is raised.
    """
    staged: list[tuple[Path, Path, bytes | None]] = []  # (target, temporary file, old content or None)
    try:
        for path, text in texts.items():
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            old = path.read_bytes() if path.exists() else None
            tmp = _tmp_beside(path)
            mode = (path.stat().st_mode & 0o777) if old is not None else 0o666
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), mode)
            staged.append((path, tmp, old))
            with os.fdopen(fd, "wb") as fh:
                fh.write(text.encode("utf-8"))
                fh.flush()
                os.fsync(fh.fileno())
            if old is not None:
                os.chmod(tmp, mode)
    except BaseException:
        for _, tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    done: list[tuple[Path, bytes | None]] = []
    try:
        for path, tmp, old in staged:
            replace(tmp, path)
            done.append((path, old))
    except BaseException:
        for _, tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        for path, old in reversed(done):
            try:
                if old is None:
                    path.unlink(missing_ok=True)
                else:
                    write_bytes(path, old)
            except OSError:
                pass  # the original error says what went wrong; this file stays new
        raise
    for folder in {p.parent for p, _, _ in staged}:
        fsync_dir(folder)
    return [p for p, _, _ in staged]
