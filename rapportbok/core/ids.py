"""Every kind of id the book accepts, each one pattern, always checked against the whole text.

An id names a folder, a page or a Kolada record, so a value that only *starts* like an id must never
pass: ``re.match`` with ``$`` lets a trailing newline through (``"alingsas\\n"``), ``\\d`` lets other
scripts' digits through (``"١٤٨٩"``). The patterns here have no anchors and are ASCII only; they are
used through :meth:`IdKind.valid` (``fullmatch`` on a ``str``), never with ``match`` or ``search``
(``tests/test_ids.py`` fails on a new use that is not ``fullmatch``).

* :data:`SLUG`: an organisation's folder under data/ and its pages under book/ (``alingsas``); the
  book's own folders (``kallor``, ``kolada``) and names Windows reserves for devices (``con``, ``nul``,
  ``com1``, …) are refused.
* :data:`SOURCE_ID`: a source in data/kallor.csv (``kalla``) and its page under book/kallor/ (never
  ``index``, the list of sources there).
* :data:`KPI`, :data:`MUNICIPALITY`, :data:`GROUP`, :data:`KOLADA_ID`: Kolada's ids.
* :data:`YEAR`: a report year as written in a file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class IdKind:
    """One kind of id: its pattern (matched against the whole text), what it is in Swedish, names it may not take."""

    pattern: re.Pattern[str]
    text: str  # what is allowed, in Swedish: the "förväntade …" of a message
    reserved: frozenset[str] = field(default_factory=frozenset)

    def valid(self, value: object) -> bool:
        """Whether ``value`` is a text that is exactly such an id (and not a reserved name)."""
        return isinstance(value, str) and self.pattern.fullmatch(value) is not None and value not in self.reserved


def _ascii(pattern: str) -> re.Pattern[str]:
    if pattern.startswith("^") or pattern.endswith("$"):  # pragma: no cover - a programming error
        raise ValueError("an id pattern has no anchors: it is only ever used with fullmatch")
    return re.compile(pattern, re.ASCII)


# The book's own folders in data/ and book/: data/kallor/ (the source texts; book/kallor/ their pages) and
# data/kolada/ (the national Kolada store).
BOOK_FOLDERS = frozenset({"kallor", "kolada"})
# Names Windows gives to devices: a folder named so cannot be created or read there (also with an extension).
WINDOWS_DEVICES = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
)

SLUG = IdKind(
    _ascii(r"[a-z][a-z0-9-]{1,40}"),
    "små bokstäver a–z, siffror och bindestreck, 2–41 tecken, som börjar med en bokstav, t.ex. alingsas "
    "(inte kallor eller kolada, som boken själv använder, och inte ett namn som Windows reserverar, som con eller nul)",
    BOOK_FOLDERS | WINDOWS_DEVICES,
)
SOURCE_ID = IdKind(
    _ascii(r"[a-z0-9][a-z0-9-]{0,80}"),
    "ett id av små bokstäver a–z, siffror och bindestreck, högst 81 tecken, som inte börjar med bindestreck, "
    "t.ex. alingsas-budget-2025 (inte index, källsidornas förteckning)",
    WINDOWS_DEVICES | {"index"},
)
KPI = IdKind(_ascii(r"[A-Z][0-9]{5}"), 'ett nyckeltals-id som "N31001" (en versal och fem siffror)')
MUNICIPALITY = IdKind(_ascii(r"[0-9]{4}"), 'ett kommun-id med fyra siffror, t.ex. "1489"')
GROUP = IdKind(_ascii(r"G[0-9]{1,9}"), 'ett Kolada-grupp-id, t.ex. "G2328"')
# Any id in a Kolada record or request (a municipality's or a group's).
KOLADA_ID = IdKind(_ascii(r"[A-Za-z0-9_-]{1,40}"), "ett id som 1489 eller G2328")
YEAR = IdKind(_ascii(r"(19|20)[0-9]{2}"), "ett årtal med fyra siffror, t.ex. 2025")
