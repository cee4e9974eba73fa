"""Citations as values: the source register's rows turned into a reader's label, and a cited section found in
a source's text, without reading a file.

The data layer reads ``data/kallor.csv`` (:mod:`rapportbok.data.sources`) and hands each organisation's
validated input its register rows (``datasets.load_org(...)["kallor"]``); analysis and chapters build their
citations from those rows with these functions, so the analysis never reads the register itself. A chapter page
hands the presentation its sources with their texts (:class:`SourceTexts`, read by ``sources.texts``), so that a
table's source line links each document's title to the line where the cited section starts on its page.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

KOLADA_SOURCE = "kolada"
# The key of an organisation's validated input that holds its rows of the register (datasets.load_org).
REGISTER = "kallor"
PREFIX = "Källa: "


def label(register: pd.DataFrame | None, source_id: str) -> str:
    """'Källa: Socialnämndens budget 2025–2027 (Socialnämnden 2024-12-10, ...)' for a row of the register
    (indexed by ``kalla``); the id itself when the register does not hold it."""
    if source_id == KOLADA_SOURCE:
        return PREFIX + "Kolada"
    if register is None or source_id not in register.index:
        return PREFIX + str(source_id)
    row = register.loc[source_id]
    extra = f" ({row['beslut']})" if row["beslut"] else ""
    return f"{PREFIX}{row['titel']}{extra}"


def cite(register: pd.DataFrame | None, df: pd.DataFrame) -> str:
    """The citation for rows with ``kalla`` and ``avsnitt`` columns: each document and section once."""
    parts = []
    for (kalla, avsnitt), _ in df.groupby(["kalla", "avsnitt"], sort=False):
        parts.append(f"{label(register, kalla)}, {avsnitt}")
    return "; ".join(dict.fromkeys(parts))


def where(register: pd.DataFrame | None, kalla: str, avsnitt: str) -> str:
    """'Socialnämndens budget 2025–2027 (…), Nämndens budget' (the label without 'Källa: ', then the section)."""
    return f"{label(register, kalla).removeprefix(PREFIX)}, {avsnitt}"


def page_name(source_id: str) -> str:
    """A source's page on the site: book/kallor/<kalla>.html."""
    return f"{source_id}.html"


# --- sources to the line: a citation's section as a line of the source's text -----------------------

LINE_ID = "rad-{}"  # the id of a line on a source's page (book/kallor/<kalla>.md), 1-based


def line_id(number: int) -> str:
    return LINE_ID.format(number)


def _heading(line: str) -> str:
    """A text line as a possible heading: without Markdown '#', surrounding space and a final colon; dashes alike."""
    return line.strip().lstrip("#").strip().rstrip(":").strip().replace("–", "-").casefold()


def _component(part: str) -> str:
    """One step of a section path ('tabell "Belopp i tkr"' -> 'belopp i tkr'), without a following sentence."""
    part = re.split(r"\.\s", part, maxsplit=1)[0]
    part = part.strip().rstrip(").").strip()
    part = re.sub(r"^tabell\s+", "", part, flags=re.IGNORECASE)
    return part.strip("\"'”“ ").replace("–", "-").casefold()


_TOC_LINE = re.compile(r"\.{3,}|…|\t\s*\d+\s*$")  # 'Ekonomiska ramar.....\t4', 'Investeringsbudget\t5'


def _starts(line: str, wanted: str) -> bool:
    if not wanted or _TOC_LINE.search(line):  # a table of contents' line is no section
        return False
    head = _heading(line)
    return head == wanted or (head.startswith(wanted) and not head[len(wanted)].isalnum())


def section_line(lines: list[str], avsnitt: str) -> int | None:
    """The 1-based line of ``lines`` where the cited section ``avsnitt`` starts, or None.

    A citation names a section the way the document does ('2.1.2 Möjlig förflyttning',
    'Nämndens budget – Ekonomiska ramar, tabell "Belopp i tkr"'): the whole name is looked for as a
    heading line first; else each step of it (split at ' – ' and ', ') in turn, each after the
    previous one, and the line of the last step found is the answer. Lines of a table of contents
    ('Ekonomiska ramar.....\t4') are skipped.
    """
    whole = _component(avsnitt)
    hits = [i + 1 for i, line in enumerate(lines) if _starts(line, whole)]
    if hits:  # a heading listed again in a table of contents without page numbers: the last is the section
        return hits[-1]
    found, start = None, 0
    for part in re.split(r" [–-] |, ", avsnitt):
        wanted = _component(part)
        hit = next((i for i in range(start, len(lines)) if _starts(lines[i], wanted)), None)
        if hit is None:
            break
        found, start = hit + 1, hit + 1
    return found


@dataclass(frozen=True)
class SourceTexts:
    """Sources as values for a page: their rows of the register (indexed by ``kalla``, with ``titel`` and
    ``beslut``) and each one's text, line by line (a source whose text is missing has no entry)."""

    rows: pd.DataFrame
    lines: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def section_anchor(self, source_id: str, avsnitt: str) -> str:
        """'#rad-92' for the line where the cited section starts on the source's page, or '' if not found."""
        lines = self.lines.get(source_id)
        n = section_line(list(lines), avsnitt) if lines else None
        return "#" + line_id(n) if n else ""
