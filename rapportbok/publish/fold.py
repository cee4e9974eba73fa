"""Empty shells folded away (issue #14): a chapter section whose only content is a note saying the
sources do not have it ("Källorna innehåller ingen investeringsbudget …") is not printed as a
heading, a method paragraph and that note. The section is taken out of the executed notebook and
its note becomes one line in a single section at the end of the page (before the Avstämning):
"Det som källorna inte innehåller".

A section is a level-2 heading cell (``## ...``) and the cells after it up to the next heading
of level 1 or 2; a subsection (``### ...``) likewise up to the next heading of level 1 to 3, folded
the same way when its section stays (e.g. "Status enligt källan" before any follow-up). It is empty when it shows at least one note (``p.rapportbok-notis``, from
``rapportbok.present.tables.note``) and nothing else from the data: no table, no chart, no text
written by the chapter (``text/markdown`` output). Its own Markdown cells (the method) go with it.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

from rapportbok.core import escape

TITLE = "Det som källorna inte innehåller"
_HEADING = re.compile(r"(#{1,3})\s+(.*\S)\s*")
_KEEP_LAST = "Avstämning"  # the Avstämning section stays last on the page


def _heading(cell) -> tuple[int, str] | None:
    if cell.get("cell_type") != "markdown":
        return None
    first = "".join(cell.get("source", "")).lstrip("\n").split("\n", 1)[0]
    m = _HEADING.fullmatch(first)
    return (len(m.group(1)), m.group(2)) if m else None


def _notes(cells) -> list[str] | None:
    """The notes a section shows, or None when it shows anything else (a table, chart or text)."""
    notes: list[str] = []
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") not in ("display_data", "execute_result"):
                if out.get("output_type") == "stream":
                    continue
                return None
            data = out.get("data", {})
            if set(data) - {"text/html", "text/plain"} or "text/html" not in data:
                return None
            html = "".join(data["text/html"])
            if "rapportbok-notis" not in html:  # no note in it (without parsing a whole table to see that)
                return None
            soup = BeautifulSoup(html, "html.parser")
            found = soup.select("p.rapportbok-notis")
            top = [el for el in soup.find_all(recursive=False) if el.name]
            if not found or soup.find(["table", "img"]) or len(top) != len(found):
                return None
            notes += [" ".join(p.get_text(" ").split()) for p in found]
    return notes or None


def fold(nb) -> list[str]:
    """Fold the empty sections of an executed notebook in place; returns their headings."""
    import nbformat

    cells = nb.cells
    starts = [i for i, c in enumerate(cells) if _heading(c)]
    sections = []
    for k, i in enumerate(starts):
        level, text = _heading(cells[i])
        if level in (2, 3):  # a section, or a subsection (### Status enligt källan) up to the next of its level
            end = next((j for j in starts[k + 1 :] if _heading(cells[j])[0] <= level), len(cells))
            sections.append((i, end, text))
    empty = []
    for i, end, text in sections:
        if text.startswith(_KEEP_LAST) or any(a <= i < b for a, b, _, _ in empty):  # inside a folded section
            continue
        notes = _notes(cells[i + 1 : end])
        if notes:
            empty.append((i, end, text, notes))
    if not empty:
        return []
    lines = [
        f"- **{escape.md_text(text)}:** " + " ".join(escape.md_text(n) for n in dict.fromkeys(notes))
        for _, _, text, notes in empty
    ]
    drop = {j for i, end, _, _ in empty for j in range(i, end)}
    kept = [c for j, c in enumerate(cells) if j not in drop]
    where = next(
        (j for j, c in enumerate(kept) if (h := _heading(c)) and h[0] == 2 and h[1].startswith(_KEEP_LAST)), len(kept)
    )
    cell = nbformat.v4.new_markdown_cell(f"## {TITLE}\n\n" + "\n".join(lines))
    cell["id"] = "rapportbok-saknas"  # fixed: the same notebook every run
    nb.cells = kept[:where] + [cell] + kept[where:]
    _renumber(nb)
    return [text for _, _, text, _ in empty]


def _renumber(nb) -> None:
    """Execution counts 1, 2, 3 … again after cells were dropped, as a plain run of the kept cells gives."""
    count = 0
    for c in nb.cells:
        if c.cell_type != "code" or c.get("execution_count") is None:
            continue
        count += 1
        c["execution_count"] = count
        for out in c.get("outputs", []):
            if out.get("output_type") == "execute_result":
                out["execution_count"] = count
