"""Opening an input: the one way the package reads a file an analyst gives it.

Every file the book reads from data/ (the CSV files, organisation.yml and kolada.yml, data/kallor.csv and
the source texts, the national Kolada store) and the workbook given to ``rapportbok importera`` is read by
:func:`read_bytes`, or by :func:`read_text`, which also decodes it. Before a byte is read:

* **confined**: the file lies inside its folder (``base``, e.g. data/): no absolute path or ``..`` out of it;
* **no link**: no symbolic link (nor a Windows junction) on the way from ``base`` down to the file, also
  none that points to another place inside data/ (one file, one name: a file must not be published twice
  under two names), and no hard link (a regular file with a single name);
* **a regular file**: a folder, a named pipe (FIFO), a device or a socket is refused without being read
  (a pipe is not even opened);
* **bounded**: at most ``limit`` bytes (:data:`CSV_LIMIT`, :data:`YAML_LIMIT`, :data:`TEXT_LIMIT`,
  :data:`WORKBOOK_LIMIT`), checked before reading and again while reading.

On POSIX each folder on the way is opened relative to the one before without following a link
(``O_NOFOLLOW``), and the file itself without blocking; the open file is checked again (``fstat``), so
nothing can be swapped in between the check and the read. ``base`` itself may be a link (a data folder
given with ``RAPPORTBOK_DATA``, a project on a linked drive); nothing below it may.

:func:`read_text` is strict UTF-8 (a byte order mark at the start is dropped): the first byte that is not
UTF-8 is named with its line. Characters nobody types and that change what a reader sees or what a
program does (control characters, the bidirectional overrides such as U+202E, Unicode's line and paragraph
separators, a byte order mark in the middle, the replacement character left by an earlier lossy save) are
refused with their line: :func:`forbidden_character` is the one definition (the CSV reader names the cell).

A refusal is an :class:`InputError`: the file, the line (0 for the whole file), what was found and what was
expected, in Swedish. Its message never quotes the content of the file it refuses.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path

MB = 1024 * 1024
CSV_LIMIT = 64 * MB  # a data/ CSV file (the national Kolada store's largest KPI is a few MB)
YAML_LIMIT = 1 * MB  # organisation.yml, kolada.yml, the store's fetch notes (a real one is a few kB)
TEXT_LIMIT = 16 * MB  # a source document's text (an annual report is some hundred kB)
WORKBOOK_LIMIT = 64 * MB  # an .xlsx workbook to import

_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_BINARY = getattr(os, "O_BINARY", 0)
# POSIX: walk down folder by folder, each opened relative to the one before (no race with a swapped link).
_RELATIVE = bool(_O_NOFOLLOW and _O_DIRECTORY) and os.open in os.supports_dir_fd and os.stat in os.supports_dir_fd
# Windows: reparse points that lead elsewhere (a symbolic link, a junction). Cloud placeholders (OneDrive)
# are reparse points too and are ordinary files for us.
_LINK_TAGS = {
    getattr(stat, "IO_REPARSE_TAG_SYMLINK", 0xA000000C),
    getattr(stat, "IO_REPARSE_TAG_MOUNT_POINT", 0xA0000003),
}

COPY_INSTEAD = "kopiera hit filen (eller mappen) i stället för att länka till den"


class InputError(ValueError):
    """An input refused before (or while) it was read: ``file`` (as the analyst knows it), ``line``
    (1-based, 0 for the whole file), ``found`` and ``expected`` (Swedish). Never the file's content."""

    def __init__(self, file: str, found: str, expected: str, line: int = 0):
        self.file, self.found, self.expected, self.line = file, found, expected, line
        where = f"{file}, rad {line}" if line else file
        super().__init__(f"{where}: {found} – förväntade {expected}.")


class InputMissing(InputError):
    """The file (or a folder on its way) does not exist."""

    def __init__(self, file: str):
        super().__init__(file, "filen finns inte", "att filen finns")


def _size_text(n: int) -> str:
    from rapportbok.core import fmt

    if n >= MB / 10:
        return f"{fmt.number(n / MB, 0 if n % MB == 0 or n >= 10 * MB else 1)} MB"
    return f"{fmt.number(n / 1024, 0)} kB"


def _kind_of(st: os.stat_result) -> str:
    mode = st.st_mode
    if stat.S_ISDIR(mode):
        return "en mapp"
    if stat.S_ISFIFO(mode):
        return "en namngiven pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "en socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "en enhetsfil"
    return "inte en vanlig fil"


def _is_link(st: os.stat_result) -> bool:
    return stat.S_ISLNK(st.st_mode) or getattr(st, "st_reparse_tag", 0) in _LINK_TAGS


def confined(path: Path | str, base: Path | str, label: str) -> None:
    """InputError unless ``path`` lies inside ``base`` as written (no absolute path elsewhere, no '..' out of it,
    no NUL); the links on the way are for :func:`read_bytes` to refuse, by name."""
    _parts(Path(path), Path(base), label)


def _parts(path: Path, base: Path, label: str) -> tuple[str, list[str]]:
    """The real folder of ``base`` and the names from it down to ``path`` (lexically: no link followed)."""
    outside = InputError(label, "en sökväg utanför sin mapp", f"en fil inom {Path(base).name}/")
    if "\0" in str(path):
        raise outside
    base_real = os.path.realpath(base)
    target = os.path.abspath(path)
    for top in (os.path.abspath(base), base_real):
        try:
            rel = os.path.relpath(target, top)
        except ValueError:  # another drive (Windows)
            continue
        parts = Path(rel).parts
        if parts and parts[0] != os.pardir and not os.path.isabs(rel) and rel != os.curdir:
            return base_real, list(parts)
    raise outside


def _check_entry(st: os.stat_result, label: str, shown: str, last: bool) -> None:
    """Refuse a link on the way, a non-folder on the way, and anything but a regular file with one name at the end."""
    if _is_link(st):
        what = f"en symbolisk länk ({shown})" if not last else "en symbolisk länk"
        raise InputError(label, what, "en vanlig fil i mappen, inte en länk: " + COPY_INSTEAD)
    if not last:
        if not stat.S_ISDIR(st.st_mode):
            raise InputError(label, f"{shown} är ingen mapp", "en mapp på vägen till filen")
        return
    if not stat.S_ISREG(st.st_mode):
        raise InputError(label, _kind_of(st), "en vanlig fil")
    if st.st_nlink > 1:
        raise InputError(
            label,
            f"en fil med {st.st_nlink} namn (en hård länk)",
            "en vanlig fil med ett enda namn: " + COPY_INSTEAD,
        )


def _open_checked(base_real: str, parts: list[str], label: str, follow: bool) -> tuple[int, os.stat_result]:
    """Open the file below ``base_real`` after the checks; returns (descriptor, stat of the open file)."""
    flags = os.O_RDONLY | _O_CLOEXEC | _O_BINARY
    if follow:  # a file the analyst named on the command line: links followed, still only a regular file
        path = os.path.join(base_real, *parts)
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            raise InputError(label, _kind_of(st), "en vanlig fil")
        return os.open(path, flags | _O_NONBLOCK), st
    if _RELATIVE:
        fd = os.open(base_real, os.O_RDONLY | _O_DIRECTORY | _O_CLOEXEC)
        try:
            for i, name in enumerate(parts):
                last = i == len(parts) - 1
                st = os.stat(name, dir_fd=fd, follow_symlinks=False)
                _check_entry(st, label, "/".join(parts[: i + 1]) + ("" if last else "/"), last)
                if last:
                    return os.open(name, flags | _O_NOFOLLOW | _O_NONBLOCK, dir_fd=fd), st
                inner = os.open(name, os.O_RDONLY | _O_DIRECTORY | _O_NOFOLLOW | _O_CLOEXEC, dir_fd=fd)
                os.close(fd)
                fd = inner
        finally:
            os.close(fd)
    path = base_real
    for i, name in enumerate(parts):
        path = os.path.join(path, name)
        last = i == len(parts) - 1
        st = os.lstat(path)
        _check_entry(st, label, "/".join(parts[: i + 1]) + ("" if last else "/"), last)
    return os.open(path, flags), st


def read_bytes(path: Path | str, base: Path | str | None, *, limit: int, label: str | None = None) -> bytes:
    """The content of ``path``, a regular file inside ``base`` reached without a link, at most ``limit`` bytes.

    ``base`` None: a file named on the command line (a workbook to import), which may be anywhere and may be
    reached through a link, but is still only read if it is a regular file within the limit.
    Raises :class:`InputMissing` when it does not exist, :class:`InputError` when it is refused, and
    ``OSError`` for other file-system errors (no permission, a disk error).
    """
    label = label or Path(path).name
    if base is None:
        base_real, parts = os.path.dirname(os.path.abspath(path)), [os.path.basename(os.path.abspath(path))]
    else:
        base_real, parts = _parts(Path(path), Path(base), label)
    try:
        fd, st = _open_checked(base_real, parts, label, follow=base is None)
    except FileNotFoundError:
        raise InputMissing(label) from None
    except OSError as err:
        if err.errno == errno.ELOOP:  # O_NOFOLLOW met a link swapped in after the check
            raise InputError(
                label, "en symbolisk länk", "en vanlig fil i mappen, inte en länk: " + COPY_INSTEAD
            ) from None
        if err.errno == errno.ENOTDIR:
            raise InputError(label, "en fil där en mapp väntades", "en mapp på vägen till filen") from None
        raise
    try:
        now = os.fstat(fd)
        # The same file as checked (POSIX; Windows may number a file differently in its two kinds of stat).
        swapped = os.name == "posix" and (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino)
        if swapped or not stat.S_ISREG(now.st_mode):
            raise InputError(label, "en fil som byttes ut medan den lästes", "en fil som inte ändras under läsningen")
        if now.st_size > limit:
            raise InputError(
                label, f"en fil på {_size_text(now.st_size)}", f"högst {_size_text(limit)} för den här sortens fil"
            )
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(MB, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:  # it grew while it was read
                raise InputError(
                    label, f"en fil på mer än {_size_text(limit)}", f"högst {_size_text(limit)} för den här sortens fil"
                )
        return b"".join(chunks)
    finally:
        os.close(fd)


# --- text -------------------------------------------------------------------------------------

# C0 controls but tab, line feed and carriage return; DEL and the C1 controls; the bidirectional marks,
# embeddings, overrides and isolates; the line and paragraph separators; a byte order mark (or zero-width
# no-break space) after the start; the interlinear annotation characters; the replacement character; and
# the two non-characters U+FFFE and U+FFFF.
FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
    "\u2028\u2029\ufeff\ufff9-\ufffb\ufffd\ufffe\uffff]"
)
FORBIDDEN_EXPECTED = (
    "text utan osynliga styrtecken – ta bort tecknet (det syns oftast inte; sök efter det i en textredigerare)"
)


def character_name(ch: str) -> str:
    """A forbidden character as the message names it: 'tecknet U+202E (ändrar skrivriktningen)'."""
    code = ord(ch)
    if code == 0xFFFD:
        what = "ersättningstecken: ett tecken gick förlorat när filen sparades"
    elif code == 0xFEFF:
        what = "ett osynligt byte-ordningsmärke mitt i texten"
    elif code in (0x85, 0x2028, 0x2029):  # line breaks to YAML, invisible in an editor
        what = {0x85: "nästa rad", 0x2028: "radavgränsare", 0x2029: "styckeavgränsare"}[code]
    elif 0x200E <= code <= 0x200F or 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069 or code == 0x061C:
        what = "ändrar skrivriktningen"
    else:
        what = "ett styrtecken"
    return f"tecknet U+{code:04X} ({what})"


def forbidden_character(text: str) -> tuple[int, str] | None:
    """(position, character) of the first character no input may hold, or None."""
    m = FORBIDDEN.search(text)
    return (m.start(), m.group()) if m else None


def decode(raw: bytes, label: str, *, characters: bool = True) -> str:
    """``raw`` as strict UTF-8 (a leading byte order mark dropped), or :class:`InputError` naming the first
    byte that is not UTF-8 and its line. ``characters``: also refuse :func:`forbidden_character` (with its
    line); a caller that names the cell instead (the CSV reader) checks them itself."""
    body = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as err:
        line = body[: err.start].count(b"\n") + 1
        raise InputError(label, f"byten 0x{body[err.start]:02X}, som inte är UTF-8", UTF8_EXPECTED, line) from None
    if characters and (hit := forbidden_character(text)):
        pos, ch = hit
        raise InputError(label, character_name(ch), FORBIDDEN_EXPECTED, text.count("\n", 0, pos) + 1)
    return text


UTF8_EXPECTED = "en textfil i UTF-8 – spara filen med kodningen UTF-8 (i Excel: CSV UTF-8; i Anteckningar: Spara som, Kodning: UTF-8)"


def read_text(
    path: Path | str, base: Path | str | None, *, limit: int, label: str | None = None, characters: bool = True
) -> str:
    """:func:`read_bytes` decoded by :func:`decode`, line endings as LF (as a file opened in text mode reads them:
    a checkout on Windows with CRLF gives the same text, and the same book, as one on Linux)."""
    label = label or Path(path).name
    text = decode(read_bytes(path, base, limit=limit, label=label), label, characters=characters)
    return text.replace("\r\n", "\n").replace("\r", "\n")
