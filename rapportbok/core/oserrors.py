"""File-system errors (full disk, read-only folder, impossible path) in words an analyst understands."""

from __future__ import annotations

import errno
import shutil

REASONS = {
    errno.ENOSPC: "disken är full; frigör utrymme och försök igen",
    errno.EDQUOT: "diskkvoten är slut; frigör utrymme och försök igen",
    errno.EACCES: "behörighet saknas att skriva eller läsa där (mappen eller filen är skrivskyddad)",
    errno.EPERM: "åtgärden är inte tillåten (mappen eller filen är skrivskyddad)",
    errno.EROFS: "filsystemet är skrivskyddat",
    errno.ENOENT: "filen eller mappen finns inte",
    errno.ENOTDIR: "en del av sökvägen är en fil, inte en mapp",
    errno.EISDIR: "sökvägen är en mapp, inte en fil",
    errno.EEXIST: "det finns redan en fil med det namnet där en mapp behövs",
    errno.ENAMETOOLONG: "sökvägen är för lång",
    errno.EIO: "läs- eller skrivfel på disken",
}

DISK_FULL_MARKERS = ("No space left on device", "Disk quota exceeded", "[Errno 28]")


def describe(err: OSError) -> str:
    """'<reason> (<file>)' in Swedish; the file when the error names one."""
    from rapportbok.core.files import FileInUse

    if isinstance(err, FileInUse):  # names the file and says what to do
        return str(err).rstrip(".")
    if isinstance(err, shutil.Error) and err.args and isinstance(err.args[0], list) and err.args[0]:
        # shutil.copytree gathers its failures as (source, target, text) without an error number
        first = err.args[0][0]
        text = str(first[2]) if isinstance(first, tuple) and len(first) == 3 else str(first)
        where = first[1] if isinstance(first, tuple) and len(first) == 3 else None
        reason = REASONS[errno.ENOSPC] if disk_full_in(text) else f"filfel: {text}"
        return f"{reason} ({where})" if where else reason
    reason = REASONS.get(err.errno or -1) or (
        f"filfel: {err.strerror}" if err.strerror else f"filfel ({type(err).__name__})"
    )
    where = err.filename if err.filename is not None else None
    return f"{reason} ({where})" if where else reason


def disk_full_in(text: str) -> bool:
    """Whether a child process's output says the disk is full."""
    return any(m in text for m in DISK_FULL_MARKERS)
