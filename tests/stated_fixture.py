"""Writing SYNTETISK stated tables into an organisation's folder, for tests (not a test module itself).

A table is given compactly: its header (id, caption, kind, date, unit, decimals, source, section), its
columns ``(id, measure, year, header[, formula])`` and its rows ``(number, text, sums into, role, {column:
value})`` with the values as the source prints them (text: ``"−7,8"``). Comments and concepts per row are
optional. Files that exist are appended to, so several calls add several tables.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

HEADERS = {
    "tabeller.csv": ["tabell", "rubrik", "rapport", "per", "enhet", "decimaler", "kalla", "avsnitt", "rapportnamn"],
    "tabell_kolumner.csv": ["tabell", "kolumn", "matt", "ar", "rubrik_i_kallan", "berakning"],
    "tabell_varden.csv": ["tabell", "rad", "post", "summeras_i", "roll", "berakning", "kolumn", "varde"],
    "tabell_kommentarer.csv": ["tabell", "rad", "kommentar"],
    "tabell_begrepp.csv": ["tabell", "rad", "begrepp"],
    "tabell_lankar.csv": ["tabell", "rad", "samma_tabell", "samma_rad", "kolumn", "samma_kolumn"],
}


def _append(path: Path, rows: list[dict]) -> None:
    """Add ``rows`` to the file (created with the full header; an existing file gets the columns it lacks)."""
    if not rows:
        return
    old = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))) if path.exists() else []
    cols = HEADERS[path.name]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    for r in [*old, *rows]:
        w.writerow({k: "" if r.get(k) is None else r.get(k) for k in cols})
    path.write_text(buf.getvalue(), encoding="utf-8")


def add_table(
    org: Path,
    tid: str,
    caption: str,
    kind: str,
    per: str,
    unit: str,
    decimals: int,
    kalla: str,
    avsnitt: str,
    columns: list[tuple],
    rows: list[tuple],
    comments: dict[int, str] | None = None,
    concepts: dict[str, int] | None = None,
    name: str = "",
) -> None:
    _append(
        org / "tabeller.csv",
        [
            dict(
                tabell=tid,
                rubrik=caption,
                rapport=kind,
                per=per,
                enhet=unit,
                decimaler=decimals,
                kalla=kalla,
                avsnitt=avsnitt,
                rapportnamn=name,
            )
        ],
    )
    _append(
        org / "tabell_kolumner.csv",
        [
            dict(
                tabell=tid, kolumn=c[0], matt=c[1], ar=c[2], rubrik_i_kallan=c[3], berakning=c[4] if len(c) > 4 else ""
            )
            for c in columns
        ],
    )
    values = []
    for number, label, parent, role, cells, *rest in rows:
        formula = rest[0] if rest else ""
        for c in columns:
            values.append(
                dict(
                    tabell=tid,
                    rad=number,
                    post=label,
                    summeras_i="" if parent is None else parent,
                    roll=role,
                    berakning=formula,
                    kolumn=c[0],
                    varde=cells.get(c[0], ""),
                )
            )
    _append(org / "tabell_varden.csv", values)
    _append(org / "tabell_kommentarer.csv", [dict(tabell=tid, rad=n, kommentar=t) for n, t in (comments or {}).items()])
    _append(org / "tabell_begrepp.csv", [dict(tabell=tid, rad=n, begrepp=c) for c, n in (concepts or {}).items()])


def add_source(data: Path, kalla: str, title: str, org: str, kind: str = "Rapport", beslut: str = "SYNTETISK") -> None:
    """A SYNTETISK source document in data/kallor.csv, with a text file under data/kallor/."""
    text = data / "kallor" / f"{kalla}.txt"
    text.write_text(f"SYNTETISK källtext för ett test: {title}.\n", encoding="utf-8")
    with open(data / "kallor.csv", "a", encoding="utf-8") as f:
        f.write(f"{kalla},{title},{org},{kind},{beslut},kallor/{kalla}.txt,\n")
