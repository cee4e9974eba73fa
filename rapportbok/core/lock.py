"""The project's one lock: one command at a time writes to data/ or publishes the book.

Every command that writes (``importera``, ``ny-organisation``, ``kolada hamta``, ``kolada flytta``,
``kolada metadata``, ``bygg``) holds it while it runs, from before it reads what it will change
until its journal (:mod:`rapportbok.core.journal`) is done. A second such command waits, and says
once which command it waits for; Ctrl-C stops the wait.

The lock is the operating system's lock on a file, ``_build/.rapportbok-lock``: ``flock`` on Linux
and macOS, ``msvcrt.locking`` on Windows. The system releases it when its process ends, however it
ends, so a lock left by a killed process is never in the way: the next command takes it at once.
The file itself stays and is never written. Beside it, ``_build/.rapportbok-lock.json`` says who
holds the lock (the command, its process id, when it started), for the message of whoever waits;
it is only a description (a stale one, left by a killed process, is overwritten by the next holder).

Standard library only: it runs before every command.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

from rapportbok.core import files

LOCK = Path("_build") / ".rapportbok-lock"
HOLDER = Path("_build") / ".rapportbok-lock.json"
POLL = 0.1  # seconds between tries where the system cannot wait for the lock itself (Windows)


class Unavailable(OSError):
    """The lock file cannot be made or opened (a read-only project folder): nobody can write here."""


class Busy(Exception):
    """Another command holds the lock; ``holder`` describes it (or is None if unknown)."""

    def __init__(self, holder: dict | None):
        self.holder = holder
        super().__init__(f"{describe(holder)} arbetar i den här mappen.")


def describe(holder: dict | None) -> str:
    """'rapportbok importera (process 1234, startat 14:03:12)' in Swedish, or a general phrase."""
    if not holder:
        return "Ett annat rapportbok-kommando"
    started = str(holder.get("started", ""))[11:19]
    return (
        f"rapportbok {holder.get('command', '?')} (process {holder.get('pid', '?')}"
        + (f", startat {started}" if started else "")
        + ")"
    )


def holder(root: Path) -> dict | None:
    """Who holds (or last held) the lock, as it wrote itself down; None if unknown."""
    try:
        found = json.loads((Path(root) / HOLDER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


if os.name == "nt":  # pragma: no cover - exercised on Windows
    import msvcrt

    def _try(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _wait(fd: int) -> None:
        while not _try(fd):
            time.sleep(POLL)

    def _release(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _wait(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX)  # Ctrl-C interrupts the wait

    def _release(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


@contextlib.contextmanager
def held(root: Path, command: str, wait: bool = True, waiting: Callable[[str], object] | None = None):
    """Hold the project's lock while the block runs.

    ``wait``: wait for another holder (calling ``waiting`` once with a Swedish line saying whom for),
    else raise :class:`Busy` at once. ``command`` names this holder in the others' messages.
    """
    root = Path(root)
    path = root / LOCK
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)  # not inherited by child processes (PEP 446)
    except OSError as err:
        raise Unavailable(err.errno, err.strerror, err.filename or str(path)) from err
    try:
        if not _try(fd):
            if not wait:
                raise Busy(holder(root))
            if waiting is not None:
                waiting(
                    f"Väntar på att {describe(holder(root))} blir klart; ett kommando i taget skriver i data/ "
                    "eller publicerar boken. Avbryt med Ctrl-C."
                )
            _wait(fd)
        for tmp in (root / HOLDER).parent.glob(f".{HOLDER.name}.*.tmp"):  # left by a holder killed while writing
            tmp.unlink(missing_ok=True)
        token = os.urandom(8).hex()
        me = {
            "command": command,
            "pid": os.getpid(),
            "started": dt.datetime.now().isoformat(timespec="seconds"),
            "token": token,
        }
        try:
            files.write_text(root / HOLDER, json.dumps(me, ensure_ascii=False))
        except OSError:
            pass  # only a description for others' messages
        try:
            yield me
        finally:
            if (holder(root) or {}).get("token") == token:
                with contextlib.suppress(OSError):
                    (root / HOLDER).unlink()
            _release(fd)
    finally:
        os.close(fd)  # releases the lock in any case


def still_held(root: Path, by: dict) -> bool:
    """Whether the holder ``by`` (as :func:`holder` returned it) holds the lock now, without a break since.

    True only if the lock is taken and the description is still the one with ``by``'s token: every
    holder writes a new token.
    """
    if not by or not by.get("token"):
        return False
    path = Path(root) / LOCK
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return False
    try:
        if _try(fd):
            _release(fd)
            return False
    finally:
        os.close(fd)
    return (holder(root) or {}).get("token") == by["token"]
