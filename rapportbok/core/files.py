"""Writing a file so that it is either the old one or the new one, never half of each.

:func:`write_bytes` and :func:`write_text` write to a temporary file beside the target, flush
it to disk, give it the target's permissions (an existing file's mode, else the usual 0666
minus umask, so a web server can read what the book publishes) and rename it over the
target in one step. A crash leaves at most a hidden ``.<name>.*.tmp`` beside it, which the
next write does not trip over. :func:`fsync_dir` makes a rename itself durable.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path


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
    tmp = path.parent / f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    mode = (path.stat().st_mode & 0o777) if path.exists() else 0o666
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if path.exists():
            os.chmod(tmp, mode)  # os.open applied the umask; an existing file keeps its own mode
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)
    return path


def write_text(path: Path, text: str) -> Path:
    """Replace ``path`` with ``text`` in UTF-8, line endings exactly as given."""
    return write_bytes(path, text.encode("utf-8"))
