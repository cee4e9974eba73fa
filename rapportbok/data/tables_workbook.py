"""Excel round trip for stated tables (`rapportbok mall --tabeller`, `rapportbok importera`).

:func:`write_template` writes an empty workbook for one report kind: one sheet per table, in
the shape analysts already have. Each sheet starts with a small header block (A1:B8: tabell,
rubrik, rapport, per, enhet, decimaler, kalla, avsnitt), then four rows that describe the value
columns (row 10 kolumn id, row 11 mått, row 12 år, row 13 beräkning), then the table itself from
row 14: the columns rad, post, summeras_i, roll, berakning and one column per source column, its
header as printed in the report. An analyst may add sheets (copy one), columns and rows.

:func:`import_tables` reads every sheet except "Instruktioner" into the long CSV files of
:mod:`rapportbok.data.stated_tables`, merges them into a temporary copy of data/ and validates it
with the same checks as the CSV files. Every problem is reported with the sheet and the cell.
Only when nothing is wrong are data/<org>/tabeller.csv, tabell_kolumner.csv and tabell_varden.csv
written; otherwise data/ is left unchanged.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from rapportbok.core import files
from rapportbok.core.paths import PathError, data_dir, org_folder
from rapportbok.data import stated_tables as model
from rapportbok.data.schema import Issue
from rapportbok.data.workbook import read_sheet, sheet_names

INFO_SHEET = "Instruktioner"
HEAD = ("tabell", "rubrik", "rapport", "per", "enhet", "decimaler", "kalla", "avsnitt")  # A1:A8
DESC_ROWS = {10: "kolumn", 11: "matt", 12: "ar", 13: "berakning"}  # labels in column E
HEADER_ROW = 14
ROW_COLS = ("rad", "post", "summeras_i", "roll", "berakning")  # A..E from row 14
FIRST_VALUE_COL = len(ROW_COLS) + 1  # F
YELLOW = PatternFill("solid", fgColor="FFFF00")
GREY = PatternFill("solid", fgColor="D9D9D9")


class ExcelError(Exception):
    def __init__(self, issues: list[Issue]):
        self.issues = sorted(set(issues))
        super().__init__("\n".join(i.message() for i in self.issues))


def _columns(kind: str, year: int) -> dict[str, list[tuple[str, str, int, str, str]]]:
    """The template's tables for a report kind: sheet -> [(id, measure, year, header as printed, computation)]."""
    follow = [("budget", "budget helår", year, "Budget helår", ""), ("budgetack", "budget ack", year, "Budget ack", ""),
              ("utfall", "utfall ack", year, "Utfall ack", ""),
              ("utfallfg", "utfall ack föregående år", year - 1, f"Utfall ack {year - 1}", ""),
              ("prognos", "prognos helår", year, "Prognos helår", ""),
              ("avvikelse", "avvikelse", year, "Avvikelse", "budget - prognos")]
    if kind == "bokslut":
        cols = []
        for y in (year, year - 1):
            s = str(y)[2:]
            cols += [(f"int{s}", "intäkter", y, f"Intäkter {y}", ""), (f"kost{s}", "kostnader", y, f"Kostnader {y}", ""),
                     (f"netto{s}", "nettokostnad", y, f"Nettokostnad {y}", f"int{s} + kost{s}"),
                     (f"budget{s}", "budget", y, f"Budget {y}", ""),
                     (f"avv{s}", "avvikelse", y, f"Avvikelse mot budget {y}", f"netto{s} - budget{s}")]
        return {"drift": cols}
    if kind == "budget":
        return {"budget": [("budget", "budget", year, f"Budget {year}", ""),
                           ("plan1", "plan", year + 1, f"Plan {year + 1}", ""),
                           ("plan2", "plan", year + 2, f"Plan {year + 2}", "")]}
    return {"verksamhet": follow, "kostnadsslag": [c for c in follow if c[0] != "budgetack"]}


INSTRUCTIONS = [
    "Så fyller du i mallen för tabeller som en rapport anger",
    "",
    "Ett blad per tabell. Kopiera ett blad för fler tabeller; bladets namn spelar ingen roll, men cell B1 (tabell) ska vara unik.",
    ("A1:B8: tabellens id, rubrik som i källan, rapport (budget, månadsrapport, tertialrapport, delårsrapport, bokslut), "
     "rapportdatum (ÅÅÅÅ-MM-DD), enhet (kr, tkr, mnkr), antal decimaler som källan skriver, källans id ur data/kallor.csv "
     "och avsnitt eller sida."),
    ("Rad 10–13 (från kolumn F): kolumnens id, mått, år och (valfritt) hur källan räknar fram kolumnen ur andra, t.ex. "
     "budget - prognos. Rad 14: kolumnrubriken som i källan. Ta bort kolumner som källan inte har, lägg till fler vid behov."),
    ("Från rad 15: en rad per rad i källans tabell: rad (nummer uppifrån), post (texten som i källan), summeras_i (numret "
     "på raden den summeras i), roll (post, summa, differens, utanför summan), berakning (bara differens: rad 3 - rad 4), "
     "och talen som i källan. Lämna en cell tom om källan inte anger något."),
    "Mått: " + ", ".join(model.MEASURES) + ".",
    "Läs in: rapportbok importera FIL --org ORG. Inget skrivs förrän allt stämmer; varje fel anges med blad och cell.",
]


def write_template(kind: str, year: int, per: dt.date, out: Path) -> int:
    """An empty workbook for a report kind; returns the number of table sheets."""
    wb = openpyxl.Workbook()
    tables = _columns(kind, year)
    first = True
    for sheet, cols in tables.items():
        ws = wb.active if first else wb.create_sheet()
        first = False
        ws.title = sheet
        head = {"tabell": sheet, "rubrik": "", "rapport": kind, "per": per.isoformat(), "enhet": "tkr", "decimaler": 0,
                "kalla": "", "avsnitt": ""}
        for i, key in enumerate(HEAD, start=1):
            ws.cell(row=i, column=1, value=key).font = Font(bold=True)
            c = ws.cell(row=i, column=2, value=head[key])
            c.number_format = "@"
            c.fill = YELLOW
        for r, label in DESC_ROWS.items():
            ws.cell(row=r, column=FIRST_VALUE_COL - 1, value=label).font = Font(bold=True)
        for j, name in enumerate(ROW_COLS, start=1):
            c = ws.cell(row=HEADER_ROW, column=j, value=name)
            c.font, c.fill = Font(bold=True), GREY
        for j, (cid, measure, y, header, formula) in enumerate(cols, start=FIRST_VALUE_COL):
            for r, v in ((10, cid), (11, measure), (12, y), (13, formula or None)):
                ws.cell(row=r, column=j, value=v).fill = GREY
            c = ws.cell(row=HEADER_ROW, column=j, value=header)
            c.font, c.fill = Font(bold=True), YELLOW
        ws.cell(row=HEADER_ROW, column=2).comment = Comment("Radens text som i källan.", "rapportbok")
        ws.column_dimensions["B"].width = 34
    info = wb.create_sheet(INFO_SHEET)
    for i, line in enumerate(INSTRUCTIONS, start=1):
        info.cell(row=i, column=1, value=line)
    info["A1"].font = Font(bold=True)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return len(tables)


def is_tables_workbook(path: Path) -> bool:
    """A workbook written by :func:`write_template` (its first sheet starts with 'tabell' in A1)."""
    rows, _ = read_sheet(Path(path), Path(path).name)
    return bool(rows) and bool(rows[0]) and rows[0][0].strip() == "tabell"


# --- import -----------------------------------------------------------------------------------


@dataclass
class _Where:
    label: str  # "<file>, blad '<sheet>'"
    row: int
    cells: dict[str, str]  # CSV column -> "A1"-style cell


def _letter(j: int) -> str:
    return openpyxl.utils.get_column_letter(j)


def _cell(rows: list[list[str]], r: int, c: int) -> str:
    return rows[r - 1][c - 1].strip() if len(rows) >= r and len(rows[r - 1]) >= c else ""


def _sheet_records(rows: list[list[str]], label: str):
    """One sheet as CSV records for the three files, with where each came from; or issues."""
    issues = []
    head = {}
    for i, key in enumerate(HEAD, start=1):
        if _cell(rows, i, 1) != key:
            issues.append(Issue(label, i, f"A{i}", _cell(rows, i, 1), f"'{key}' (mallens rubrikblock A1:A8)"))
        head[key] = _cell(rows, i, 2)
    header = rows[HEADER_ROW - 1] if len(rows) >= HEADER_ROW else []
    for j, name in enumerate(ROW_COLS, start=1):
        if _cell(rows, HEADER_ROW, j) != name:
            issues.append(Issue(label, HEADER_ROW, f"{_letter(j)}{HEADER_ROW}", _cell(rows, HEADER_ROW, j),
                                f"'{name}' (mallens rubrikrad)"))
    if issues:
        return None, issues
    tid = head["tabell"]
    table = ([head[k] for k in HEAD], _Where(label, 0, {k: f"B{i}" for i, k in enumerate(HEAD, start=1)}))
    columns, col_ids = [], {}
    width = max(len(header), *(len(r) for r in rows[9:13])) if len(rows) >= 13 else len(header)
    for j in range(FIRST_VALUE_COL, width + 1):
        cid = _cell(rows, 10, j)
        hdr = _cell(rows, HEADER_ROW, j)
        if not cid and not hdr and not any(_cell(rows, r, j) for r in range(11, 14)):
            continue
        col_ids[j] = cid
        cells = {"kolumn": f"{_letter(j)}10", "matt": f"{_letter(j)}11", "ar": f"{_letter(j)}12",
                 "berakning": f"{_letter(j)}13", "rubrik_i_kallan": f"{_letter(j)}{HEADER_ROW}", "tabell": "B1"}
        columns.append(([tid, cid, _cell(rows, 11, j), _cell(rows, 12, j), hdr, _cell(rows, 13, j)],
                        _Where(label, 0, cells)))
    values = []
    for r in range(HEADER_ROW + 1, len(rows) + 1):
        if not any(c.strip() for c in rows[r - 1]):
            continue
        fixed = [_cell(rows, r, j) for j in range(1, FIRST_VALUE_COL)]
        for j, cid in col_ids.items():
            cells = {n: f"{_letter(k)}{r}" for k, n in enumerate(ROW_COLS, start=1)}
            cells.update({"varde": f"{_letter(j)}{r}", "kolumn": f"{_letter(j)}10", "tabell": "B1"})
            values.append(([tid, *fixed, cid, _cell(rows, r, j)], _Where(label, r, cells)))
    return (table, columns, values), []


def _csv_text(header: tuple[str, ...], records: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([list(header), *records])
    return buf.getvalue()


def _merge(target: Path, header: tuple[str, ...], records: list[list[str]]) -> tuple[str, int]:
    """The file's text with the records appended, and the CSV row number of the first new record."""
    if not target.exists():
        return _csv_text(header, records), 2
    old = target.read_text(encoding="utf-8-sig")
    n = len(list(csv.reader(io.StringIO(old))))
    body = _csv_text(header, records).split("\n", 1)[1]
    return old + ("" if old.endswith("\n") or not old else "\n") + body, n + 1


def import_tables(path: Path, org: str, data: Path | None = None) -> list[str]:
    """Validate a filled workbook and add its tables to data/<org>/; returns the imported table ids.

    Raises :class:`ExcelError` with every issue (sheet and cell); then nothing under data/ has changed.
    """
    data = data or data_dir()
    path = Path(path)
    try:
        folder = org_folder(org, data)
    except PathError as err:
        raise ExcelError([Issue("--org", 0, "", str(org), err.expected)]) from None
    if not (folder / "organisation.yml").is_file():
        raise ExcelError([Issue(f"{org}/", 0, "", org, "en organisation under data/ (en mapp med organisation.yml)")])
    names = sheet_names(path)
    if names is None:
        raise ExcelError([Issue(path.name, 0, "", path.name, "en Excel-arbetsbok (.xlsx) skapad med rapportbok mall --tabeller")])
    tables, columns, values, issues = [], [], [], []
    for index, sheet in enumerate(names):
        if sheet == INFO_SHEET:
            continue
        label = f"{path.name}, blad '{sheet}'"
        rows, found = read_sheet(path, label, index)
        if rows is None or found:
            issues += found
            continue
        if not rows:
            continue
        got, found = _sheet_records(rows, label)
        issues += found
        if got:
            tables.append(got[0])
            columns += got[1]
            values += got[2]
    if issues:
        raise ExcelError(issues)
    if not tables:
        raise ExcelError([Issue(path.name, 0, "", "", "minst ett blad med en tabell (mallen från rapportbok mall --tabeller)")])
    existing = set()
    t_path = folder / model.TABLES.filename
    if t_path.exists():
        existing = {r[0].strip() for r in list(csv.reader(io.StringIO(t_path.read_text(encoding="utf-8-sig"))))[1:] if r}
    dup = [Issue(w.label, 1, "tabell (cell B1)", rec[0], f"ett tabell-id som inte redan finns i {org}/{model.TABLES.filename}")
           for rec, w in tables if rec[0] in existing]
    if dup:
        raise ExcelError(dup)

    plan = [(model.TABLES, tables), (model.COLUMNS, columns), (model.VALUES, values)]
    with tempfile.TemporaryDirectory(prefix="rapportbok-import-") as tmp:
        scratch = Path(tmp) / "data"
        shutil.copytree(data, scratch, ignore=shutil.ignore_patterns(".*"))
        texts, where_of = {}, {}
        for spec, recs in plan:
            text, first = _merge(folder / spec.filename, tuple(spec.names), [r for r, _ in recs])
            texts[spec.filename] = text
            (scratch / org / spec.filename).write_text(text, encoding="utf-8")
            for n, (_, w) in enumerate(recs):
                where_of[(f"{org}/{spec.filename}", first + n)] = w
        from rapportbok.data import datasets

        errors = []
        for i in datasets.validate(scratch):
            if i.severity != "fel":
                continue
            w = where_of.get((i.file, i.row))
            if w is not None:
                cell = w.cells.get(i.column, "")
                row = w.row or int("".join(ch for ch in cell if ch.isdigit()) or 0)
                i = Issue(w.label, row, f"{i.column} (cell {cell})" if cell else i.column, i.value, i.expected, i.severity)
            errors.append(i)
        if errors:
            raise ExcelError(errors)
        for spec, _ in plan:
            files.write_text(folder / spec.filename, texts[spec.filename])
    return [rec[0] for rec, _ in tables]
