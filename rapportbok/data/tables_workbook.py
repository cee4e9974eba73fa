"""Excel round trip for stated tables (`rapportbok mall --tabeller`, `rapportbok importera`).

:func:`write_template` writes an empty workbook for one report kind: one sheet per table, in
the shape analysts already have. Each sheet starts with a small header block (A1:B8: tabell,
rubrik, rapport, per, enhet, decimaler, kalla, avsnitt), then four rows that describe the value
columns (row 10 kolumn id, row 11 mått, row 12 år, row 13 beräkning), then the table itself from
row 14: the columns rad, post, summeras_i, roll, berakning and one column per source column, its
header as printed in the report, and last a column "Kommentar" (optional to fill: the source's comment to
the row, e.g. why it deviates; a hint in A9). An analyst may add sheets (copy one), columns and rows.

:func:`import_tables` reads every sheet except "Instruktioner" into the long CSV files of
:mod:`rapportbok.data.stated_tables`, merges them into a temporary copy of data/ and validates it
with the same checks as the CSV files. Every problem is reported with the sheet and the cell.
An optional sheet "Länkar" (tabell, rad, samma_tabell, samma_rad from row 1) adds to
tabell_lankar.csv. The column "Kommentar" (found by its header in row 14, anywhere after E; rows 10–13
empty) adds to tabell_kommentarer.csv. Only when nothing is wrong are data/<org>/tabeller.csv,
tabell_kolumner.csv, tabell_varden.csv, tabell_lankar.csv and tabell_kommentarer.csv written, together;
otherwise data/ is left unchanged. With ``replace`` (`importera --ersatt`) a table id that already exists
is replaced, its comments too.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from rapportbok.core import files, journal
from rapportbok.core.paths import PathError, data_dir, org_folder
from rapportbok.data import stated_tables as model
from rapportbok.data.schema import Issue, formula_text_issues
from rapportbok.data.workbook import HIDDEN_HELP, open_workbook, read_sheet, sheets

INFO_SHEET = "Instruktioner"
LINKS_SHEET = "Länkar"  # optional: rows stating the same amount in two tables (tabell_lankar.csv)
HEAD = ("tabell", "rubrik", "rapport", "per", "enhet", "decimaler", "kalla", "avsnitt")  # A1:A8
DESC_ROWS = {10: "kolumn", 11: "matt", 12: "ar", 13: "berakning"}  # labels in column E
HEADER_ROW = 14
ROW_COLS = ("rad", "post", "summeras_i", "roll", "berakning")  # A..E from row 14
FIRST_VALUE_COL = len(ROW_COLS) + 1  # F
COMMENT_HEADER = "Kommentar"  # the last column of a table sheet: the source's comment to the row (optional)
COMMENT_HINT = (
    "Kommentar (sista kolumnen, valfri): källans kommentar till raden, t.ex. förklaringen till en "
    "väsentlig avvikelse. Skriv texten, inte en formel; den läses in till tabell_kommentarer.csv."
)
HINT_CELL = "A9"
YELLOW = PatternFill("solid", fgColor="FFFF00")
GREY = PatternFill("solid", fgColor="D9D9D9")


class ExcelError(Exception):
    def __init__(self, issues: list[Issue]):
        self.issues = sorted(set(issues))
        super().__init__("\n".join(i.message() for i in self.issues))


def _columns(kind: str, year: int) -> dict[str, list[tuple[str, str, int, str, str]]]:
    """The template's tables for a report kind: sheet -> [(id, measure, year, header as printed, computation)]."""
    follow = [
        ("budget", "budget helår", year, "Budget helår", ""),
        ("budgetack", "budget ack", year, "Budget ack", ""),
        ("utfall", "utfall ack", year, "Utfall ack", ""),
        ("utfallfg", "utfall ack föregående år", year - 1, f"Utfall ack {year - 1}", ""),
        ("prognos", "prognos helår", year, "Prognos helår", ""),
        ("avvikelse", "avvikelse", year, "Avvikelse", "budget - prognos"),
    ]
    if kind == "bokslut":
        cols = []
        for y in (year, year - 1):
            s = str(y)[2:]
            cols += [
                (f"int{s}", "intäkter", y, f"Intäkter {y}", ""),
                (f"kost{s}", "kostnader", y, f"Kostnader {y}", ""),
                (f"netto{s}", "nettokostnad", y, f"Nettokostnad {y}", f"int{s} + kost{s}"),
                (f"budget{s}", "budget", y, f"Budget {y}", ""),
                (f"avv{s}", "avvikelse", y, f"Avvikelse mot budget {y}", f"netto{s} - budget{s}"),
            ]
        return {"drift": cols}
    if kind == "budget":
        return {
            "budget": [
                ("budget", "budget", year, f"Budget {year}", ""),
                ("plan1", "plan", year + 1, f"Plan {year + 1}", ""),
                ("plan2", "plan", year + 2, f"Plan {year + 2}", ""),
            ]
        }
    return {"verksamhet": follow, "kostnadsslag": [c for c in follow if c[0] != "budgetack"]}


INSTRUCTIONS = [
    "Så fyller du i mallen för tabeller som en rapport anger",
    "",
    "Ett blad per tabell. Kopiera ett blad för fler tabeller; bladets namn spelar ingen roll, men cell B1 (tabell) ska vara unik.",
    (
        "A1:B8: tabellens id, rubrik som i källan, rapport (budget, månadsrapport, tertialrapport, delårsrapport, bokslut), "
        "rapportdatum (ÅÅÅÅ-MM-DD), enhet (kr, tkr, mnkr), antal decimaler som källan skriver, källans id ur data/kallor.csv "
        "och avsnitt eller sida."
    ),
    (
        "Rad 10–13 (från kolumn F): kolumnens id, mått, år och (valfritt) hur källan räknar fram kolumnen ur andra, t.ex. "
        "budget - prognos. Rad 14: kolumnrubriken som i källan. Ta bort kolumner som källan inte har, lägg till fler vid behov."
    ),
    (
        "Från rad 15: en rad per rad i källans tabell: rad (nummer uppifrån), post (texten som i källan), summeras_i (numret "
        "på raden den summeras i), roll (post, summa, differens, utanför summan, rubrik: en rubrikrad utan belopp som "
        "grupperar raderna under den), berakning (bara differens: rad 3 - rad 4), och talen som i källan. Lämna en cell "
        "tom om källan inte anger något."
    ),
    (
        "Kolumnen Kommentar (sist, valfri): källans kommentar till raden, t.ex. varför den avviker från budgeten. "
        "Den läses in till tabell_kommentarer.csv; en väsentlig avvikelse utan kommentar ger en varning vid kontrollen. "
        "Låt rad 10–13 vara tomma i den kolumnen."
    ),
    (
        "Bladet Länkar (valfritt): samma belopp i två tabeller, t.ex. totalen per verksamhet och per kostnadsslag: "
        "tabell, rad, samma_tabell, samma_rad (en rad, eller summan av flera: rad 3 + rad 4), och valfritt kolumn och "
        "samma_kolumn (de två celler som ska jämföras, t.ex. en avvikelse som en tabell anger som rad och en annan "
        "som kolumn). Summarader med samma text och samma rapportdatum jämförs ändå."
    ),
    "Mått: " + ", ".join(model.MEASURES) + ".",
    (
        "Läs in: rapportbok importera FIL --org ORG. Inget skrivs förrän allt stämmer; varje fel anges med blad och cell. "
        "Har du rättat en tabell som redan är inläst: rapportbok importera FIL --org ORG --ersatt (ersätter tabellerna "
        "med samma id)."
    ),
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
        # The suggested id carries the report date, so the next report's template does not suggest the same id.
        head = {
            "tabell": f"{sheet}_{per:%Y_%m_%d}",
            "rubrik": "",
            "rapport": kind,
            "per": per.isoformat(),
            "enhet": "tkr",
            "decimaler": 0,
            "kalla": "",
            "avsnitt": "",
        }
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
        c = ws.cell(row=HEADER_ROW, column=FIRST_VALUE_COL + len(cols), value=COMMENT_HEADER)
        c.font, c.fill = Font(bold=True), GREY
        c.comment = Comment(
            "Valfritt: källans kommentar till raden, t.ex. förklaringen till en avvikelse.", "rapportbok"
        )
        ws.column_dimensions[_letter(FIRST_VALUE_COL + len(cols))].width = 50
        ws[HINT_CELL] = COMMENT_HINT
        ws[HINT_CELL].font = Font(italic=True)
        ws.cell(row=HEADER_ROW, column=2).comment = Comment("Radens text som i källan.", "rapportbok")
        ws.column_dimensions["B"].width = 34
    links = wb.create_sheet(LINKS_SHEET)
    for j, name in enumerate(model.LINKS.names, start=1):
        c = links.cell(row=1, column=j, value=name)
        c.font, c.fill = Font(bold=True), GREY
    links["A1"].comment = Comment(
        "Valfritt: en rad per par av rader som anger samma belopp i två tabeller "
        "(tabellernas id i B1 och radernas nummer). Lämna bladet tomt annars.",
        "rapportbok",
    )
    info = wb.create_sheet(INFO_SHEET)
    for i, line in enumerate(INSTRUCTIONS, start=1):
        info.cell(row=i, column=1, value=line)
    info["A1"].font = Font(bold=True)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return len(tables)


TABLES, FOLLOWUP = "tabeller", "uppfoljning"


def workbook_kind(path: Path) -> str | None:
    """Which template a workbook was made from, by what it holds wherever the analyst moved its sheets:
    :data:`TABLES` (a sheet with 'tabell' in A1, or the sheet Länkar, or its instructions: a tables workbook whose
    table sheets are gone is still one, and its import says so), :data:`FOLLOWUP` (the sheet Uppföljning, or
    'atgard_id' in A1 of the first sheet), or None (neither, or not a workbook: the caller says what was expected).
    Only the sheets Excel shows count."""
    from rapportbok.data.measure_workbook import SHEET as FOLLOWUP_SHEET

    try:  # only A1 of each sheet: a problem further down is the import's to report, with its cell
        wb = open_workbook(Path(path))
    except Exception:  # noqa: BLE001 - not a workbook
        return None
    try:
        shown = [ws for ws in wb.worksheets if ws.sheet_state == "visible"]  # a hidden sheet is never read
        names = [ws.title for ws in shown]
        corners = {}
        for name, ws in zip(names, shown):
            first = next(ws.iter_rows(min_row=1, max_row=1, max_col=1, values_only=True), (None,))
            corners[name] = first[0].strip() if first and isinstance(first[0], str) else ""
    finally:
        wb.close()
    if any(corners[n] == "tabell" for n in names if n not in (INFO_SHEET, LINKS_SHEET)):
        return TABLES
    if FOLLOWUP_SHEET in names:
        return FOLLOWUP
    if any(n.strip().lower() in (LINKS_SHEET.lower(), "lankar") for n in names):
        return TABLES
    if corners.get(INFO_SHEET) == INSTRUCTIONS[0]:  # only the instructions of a tables template are left
        return TABLES
    if names and corners[names[0]] == "atgard_id":
        return FOLLOWUP
    return None


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


def _is_comment_header(text) -> bool:
    return isinstance(text, str) and text.strip().lower() == COMMENT_HEADER.lower()


def _sheet_records(rows: list[list[str]], label: str):
    """One sheet as CSV records for the four files (tables, columns, values, comments), with where each came
    from; or issues."""
    issues = []
    head = {}
    for i, key in enumerate(HEAD, start=1):
        if _cell(rows, i, 1) != key:
            issues.append(Issue(label, i, f"A{i}", _cell(rows, i, 1), f"'{key}' (mallens rubrikblock A1:A8)"))
        head[key] = _cell(rows, i, 2)
    header = rows[HEADER_ROW - 1] if len(rows) >= HEADER_ROW else []
    for j, name in enumerate(ROW_COLS, start=1):
        if _cell(rows, HEADER_ROW, j) != name:
            issues.append(
                Issue(
                    label,
                    HEADER_ROW,
                    f"{_letter(j)}{HEADER_ROW}",
                    _cell(rows, HEADER_ROW, j),
                    f"'{name}' (mallens rubrikrad)",
                )
            )
    if issues:
        return None, issues
    tid = head["tabell"]
    table = ([head[k] for k in HEAD], _Where(label, 0, {k: f"B{i}" for i, k in enumerate(HEAD, start=1)}))
    columns, col_ids, comment_col = [], {}, None
    width = max(len(header), *(len(r) for r in rows[9:13])) if len(rows) >= 13 else len(header)
    for j in range(FIRST_VALUE_COL, width + 1):
        cid = _cell(rows, 10, j)
        hdr = _cell(rows, HEADER_ROW, j)
        if _is_comment_header(hdr):
            if comment_col is not None:
                issues.append(
                    Issue(
                        label,
                        HEADER_ROW,
                        f"{_letter(j)}{HEADER_ROW}",
                        hdr,
                        f"en enda kolumn {COMMENT_HEADER} (den finns redan i kolumn {_letter(comment_col)})",
                    )
                )
            comment_col = comment_col or j
            issues += [
                Issue(
                    label,
                    r,
                    f"{_letter(j)}{r}",
                    _cell(rows, r, j),
                    f"en tom cell: kolumnen {COMMENT_HEADER} håller radernas kommentarer och har inget "
                    "id, mått, år eller beräkning",
                )
                for r in DESC_ROWS
                if _cell(rows, r, j)
            ]
            continue
        if not cid and not hdr and not any(_cell(rows, r, j) for r in range(11, 14)):
            continue
        col_ids[j] = cid
        cells = {
            "kolumn": f"{_letter(j)}10",
            "matt": f"{_letter(j)}11",
            "ar": f"{_letter(j)}12",
            "berakning": f"{_letter(j)}13",
            "rubrik_i_kallan": f"{_letter(j)}{HEADER_ROW}",
            "tabell": "B1",
        }
        columns.append(
            ([tid, cid, _cell(rows, 11, j), _cell(rows, 12, j), hdr, _cell(rows, 13, j)], _Where(label, 0, cells))
        )
    if issues:
        return None, issues
    values, comments = [], []
    for r in range(HEADER_ROW + 1, len(rows) + 1):
        if not any(c.strip() for c in rows[r - 1]):
            continue
        fixed = [_cell(rows, r, j) for j in range(1, FIRST_VALUE_COL)]
        for j, cid in col_ids.items():
            cells = {n: f"{_letter(k)}{r}" for k, n in enumerate(ROW_COLS, start=1)}
            cells.update({"varde": f"{_letter(j)}{r}", "kolumn": f"{_letter(j)}10", "tabell": "B1"})
            values.append(([tid, *fixed, cid, printed(_cell(rows, r, j), head["decimaler"])], _Where(label, r, cells)))
        if comment_col is not None and (text := _cell(rows, r, comment_col)):
            comments.append(
                (
                    [tid, fixed[0], text],
                    _Where(label, r, {"tabell": "B1", "rad": f"A{r}", "kommentar": f"{_letter(comment_col)}{r}"}),
                )
            )
    return (table, columns, values, comments), []


def printed(text: str, decimals: str) -> str:
    """A number as the table prints it: Excel keeps 157,0 as the number 157, so a value with fewer decimals than the
    table states (``decimaler``) gets them back (157 -> 157.0 in a table with one decimal). Text that is not a number,
    or has more decimals than stated (an error the checks report), is left as it is."""
    from rapportbok.data.schema import decimals_of, parse_decimal

    try:
        wanted = int(str(decimals).strip())
    except ValueError:
        return text
    value = parse_decimal(text) if text else None
    if value is None or wanted <= 0 or decimals_of(text) >= wanted:
        return text
    return format(value.quantize(Decimal(1).scaleb(-wanted)), "f")


FORMULA_IN_TABLE = (
    "talet som det står i källan, inte en formel: en formel (t.ex. =SUMMA(F15:F17)) räknar om källans "
    "summa och döljer just de fel som boken ska hitta – skriv in talet"
)
FORMULA_IN_COMMENT = f"texten som den står i källan, inte en formel, i kolumnen {COMMENT_HEADER} – skriv in texten"


def _formula_issues(path: Path, label: str, sheet: str) -> list[Issue]:
    """Formulas among a sheet's table cells (from row 15): a stated table holds the source's figures and
    comments, never Excel's."""
    try:
        wb = open_workbook(path, data_only=False)
    except Exception:  # noqa: BLE001 - read_sheet has already reported an unreadable workbook
        return []
    try:
        ws = wb[sheet]
        header = next(ws.iter_rows(min_row=HEADER_ROW, max_row=HEADER_ROW, values_only=True), ())
        comment_cols = {j for j, v in enumerate(header, start=1) if _is_comment_header(v)}
        return [
            Issue(
                label,
                cell.row,
                f"cell {cell.coordinate}",
                str(cell.value),
                FORMULA_IN_COMMENT if cell.column in comment_cols else FORMULA_IN_TABLE,
            )
            for row in ws.iter_rows(min_row=HEADER_ROW + 1)
            for cell in row
            if getattr(cell, "data_type", None) == "f"
        ]
    finally:
        wb.close()


def _csv_text(header: tuple[str, ...], records: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([list(header), *records])
    return buf.getvalue()


def _links_records(rows: list[list[str]], label: str):
    """The optional sheet 'Länkar' (A1:D1 tabell, rad, samma_tabell, samma_rad; E1:F1 kolumn, samma_kolumn, which
    older workbooks lack) as CSV records with their cells."""
    names = tuple(model.LINKS.names)
    required = [c.name for c in model.LINKS.columns if not c.may_omit]
    if all(not _cell(rows, 1, j) for j in range(len(required) + 1, len(names) + 1)):
        names = tuple(required)  # a sheet without the optional columns
    issues = [
        Issue(label, 1, f"{_letter(j)}1", _cell(rows, 1, j), f"'{n}' (bladet {LINKS_SHEET}s rubrikrad)")
        for j, n in enumerate(names, start=1)
        if _cell(rows, 1, j) != n
    ]
    if issues:
        return [], issues
    out = []
    for r in range(2, len(rows) + 1):
        rec = [_cell(rows, r, j) for j in range(1, len(names) + 1)]
        if any(rec):
            out.append((rec, _Where(label, r, {n: f"{_letter(j)}{r}" for j, n in enumerate(names, start=1)})))
    return out, []


@dataclass
class TableImport:
    """What one import did to data/<org>/ (the command prints :meth:`summary`)."""

    org: str
    tables: list[tuple[str, int | None, int]]  # (id, rows before when replaced else None, rows now)
    links_added: int = 0
    comments: int = 0  # comments read from the workbook's Kommentar columns

    @property
    def ids(self) -> list[str]:
        return [t for t, _, _ in self.tables]

    def summary(self) -> str:
        def rader(n: int) -> str:
            return f"{n} rad{'er' if n != 1 else ''}"

        n = len(self.tables)
        parts = [
            f"{tid} (ersatte tabellen: {rader(before)} före, {rader(after)} nu)"
            if before is not None
            else f"{tid} (ny, {rader(after)})"
            for tid, before, after in self.tables
        ]
        text = f"Importerade {n} tabell{'er' if n != 1 else ''} till data/{self.org}/: " + ", ".join(parts) + "."
        if self.links_added:
            text += (
                f" {self.links_added} länk{'ar' if self.links_added != 1 else ''} (samma belopp i två tabeller) "
                f"lades till i {model.LINKS.filename}."
            )
        if self.comments:
            text += (
                f" {self.comments} kommentar{'er' if self.comments != 1 else ''} skrevs till {model.COMMENTS.filename}."
            )
        return text


def _existing(folder: Path, org: str, spec) -> tuple[str, list[list[str]], bool]:
    """A stated-tables file as it is: text, records (header first), and whether it must be rewritten."""
    from rapportbok.data import measure_workbook

    target = folder / spec.filename
    if not target.exists():
        return "", [list(spec.names)], True
    try:
        return measure_workbook.existing_records(
            target, f"{org}/{spec.filename}", required=("tabell",), names=tuple(spec.names)
        )
    except measure_workbook.ExcelError as err:
        raise ExcelError(err.issues) from None


def _table_rows(records: list[list[str]], tid: str) -> int:
    """How many rows (distinct `rad`) table ``tid`` has in tabell_varden.csv's records."""
    head = [h.strip() for h in records[0]]
    if "tabell" not in head or "rad" not in head:
        return 0
    ti, ri = head.index("tabell"), head.index("rad")
    return len({r[ri].strip() for r in records[1:] if len(r) > max(ti, ri) and r[ti].strip() == tid})


def import_tables(path: Path, org: str, data: Path | None = None, replace: bool = False) -> TableImport:
    """Validate a filled workbook and add its tables to data/<org>/; returns what was done.

    With ``replace``, a table whose id already exists is replaced: its old lines in tabeller.csv,
    tabell_kolumner.csv, tabell_varden.csv and tabell_kommentarer.csv go and the workbook's take their place,
    where the old ones stood (links in tabell_lankar.csv are kept and must still point at existing rows). All files are written together
    (:func:`rapportbok.core.journal.write`: all of them, or none even if the process is killed). Raises :class:`ExcelError` with every issue (sheet and
    cell); then nothing under data/ has changed.
    """
    data = data or data_dir()
    path = Path(path)
    try:
        folder = org_folder(org, data)
    except PathError as err:
        raise ExcelError([Issue("--org", 0, "", str(org), err.expected)]) from None
    if not (folder / "organisation.yml").is_file():
        raise ExcelError([Issue(f"{org}/", 0, "", org, "en organisation under data/ (en mapp med organisation.yml)")])
    book = sheets(path)
    if book is None:
        raise ExcelError(
            [Issue(path.name, 0, "", path.name, "en Excel-arbetsbok (.xlsx) skapad med rapportbok mall --tabeller")]
        )
    tables, columns, values, comments, links, issues = [], [], [], [], [], []
    for sheet, visible in ((s.name, s.visible) for s in book if s.name != INFO_SHEET):
        label = f"{path.name}, blad '{sheet}'"
        if not visible:  # never imported unseen: shown in Excel, or removed
            issues.append(Issue(label, 0, "", f"bladet '{sheet}'", HIDDEN_HELP))
            continue
        if sheet.strip().lower() not in (LINKS_SHEET.lower(), "lankar") and (
            formulas := _formula_issues(path, label, sheet)
        ):
            issues += (
                formulas  # said before read_sheet's advice to save the results in Excel, which would not help here
            )
            continue
        rows, problems = read_sheet(path, label, sheet)
        if rows is None or problems:
            issues += problems
            continue
        if not rows:
            continue
        if sheet.strip().lower() in (LINKS_SHEET.lower(), "lankar"):
            got, found = _links_records(rows, label)
            links += got
            issues += found
            continue
        got, found = _sheet_records(rows, label)
        issues += found
        if got:
            tables.append(got[0])
            columns += got[1]
            values += got[2]
            comments += got[3]
    if issues:
        raise ExcelError(issues)
    if not tables:
        raise ExcelError(
            [Issue(path.name, 0, "", "", "minst ett blad med en tabell (mallen från rapportbok mall --tabeller)")]
        )
    # Text written to data/, which the analyst opens in Excel: nothing that Excel would read as a formula.
    for spec, items in (
        (model.TABLES, tables),
        (model.COLUMNS, columns),
        (model.VALUES, values),
        (model.COMMENTS, comments),
    ):
        issues += formula_text_issues(spec, ((rec, w.label, w.row, w.cells) for rec, w in items))
    if issues:
        raise ExcelError(issues)

    current = {
        spec.filename: _existing(folder, org, spec)
        for spec in (model.TABLES, model.COLUMNS, model.VALUES, model.LINKS, model.COMMENTS)
    }
    t_records = current[model.TABLES.filename][1]
    existing = {r[0].strip() for r in t_records[1:] if r and r[0].strip()}
    incoming = [rec[0] for rec, _ in tables]
    if not replace:
        dup = [
            Issue(
                w.label,
                1,
                "tabell (cell B1)",
                rec[0],
                f"ett tabell-id som inte redan finns i {org}/{model.TABLES.filename}; ange --ersatt för att "
                "ersätta den befintliga tabellen med bladets",
            )
            for rec, w in tables
            if rec[0] in existing
        ]
        if dup:
            raise ExcelError(dup)
    replaced = {t for t in incoming if t in existing}
    old_rows = {t: _table_rows(current[model.VALUES.filename][1], t) for t in replaced}

    plan = [
        (model.TABLES, tables),
        (model.COLUMNS, columns),
        (model.VALUES, values),
        (model.LINKS, links),
        (model.COMMENTS, comments),
    ]
    texts, where_of, links_added = {}, {}, 0
    for spec, recs in plan:
        old_text, records, rewrite = current[spec.filename]
        head = [h.strip() for h in records[0]]
        new = [r for r, _ in recs]
        if spec is model.LINKS:  # a link already in the file (whichever optional columns either side has) is not added
            have = {tuple(dict(zip(head, (c.strip() for c in r))).get(n, "") for n in spec.names) for r in records[1:]}
            recs = [
                (r, w) for r, w in recs if tuple(dict(zip(spec.names, r)).get(n, "") for n in spec.names) not in have
            ]
            new = [r for r, _ in recs]
            links_added = len(new)
            if not new:
                continue
        if spec is model.LINKS and any(
            any(dict(zip(spec.names, r)).get(n) for r in new) for n in spec.names if n not in head
        ):  # an older tabell_lankar.csv without the optional columns a new link uses: the file gets them
            records = [list(spec.names), *[[dict(zip(head, r)).get(n, "") for n in spec.names] for r in records[1:]]]
            head, rewrite = list(spec.names), True
        # place ours by name (the file's columns may be in another order, have more, or lack optional ones)
        new = [[dict(zip(spec.names, r)).get(h, "") for h in head] for r in new]
        ti = head.index("tabell")
        kept = [r for r in records[1:] if not (spec is not model.LINKS and len(r) > ti and r[ti].strip() in replaced)]
        if spec is model.COMMENTS and not new and len(kept) == len(records) - 1:
            continue  # no comments in the workbook and none replaced: the file is not touched (nor created)
        # A replaced table's lines take the place of its old ones (the first table in tabeller.csv on a date is the
        # one the follow-up reads, so a correction must not move it); new tables go last.
        pending: dict[str, list] = {}
        for r, (_, w) in zip(new, recs):
            pending.setdefault(r[ti], []).append((r, w))
        body, lines = [], []
        for r in records[1:]:
            tid = r[ti].strip() if len(r) > ti else ""
            if spec is not model.LINKS and tid in replaced:
                for nr, w in pending.pop(tid, []):
                    body.append(nr)
                    lines.append((len(body) + 1, w))
                continue
            body.append(r)
        for items in pending.values():
            for nr, w in items:
                body.append(nr)
                lines.append((len(body) + 1, w))
        if rewrite or len(kept) != len(records) - 1:
            buf = io.StringIO()
            csv.writer(buf, lineterminator="\n").writerows([records[0], *body])
            text = buf.getvalue()
        else:
            buf = io.StringIO()
            csv.writer(buf, lineterminator="\n").writerows(new)
            text = old_text + ("" if old_text.endswith("\n") or not old_text else "\n") + buf.getvalue()
        texts[spec.filename] = text
        for line, w in lines:
            where_of[(f"{org}/{spec.filename}", line)] = w

    with tempfile.TemporaryDirectory(prefix="rapportbok-import-") as tmp:
        scratch = Path(tmp) / "data"
        files.copy_tree(data, scratch, hidden=False)
        for name, text in texts.items():
            (scratch / org / name).write_text(text, encoding="utf-8")
        from rapportbok.data import datasets

        errors = []
        for i in datasets.validate(scratch):
            if i.severity != "fel":
                continue
            w = where_of.get((i.file, i.row))
            if w is not None:
                cell = w.cells.get(i.column, "")
                row = w.row or int("".join(ch for ch in cell if ch.isdigit()) or 0)
                i = Issue(
                    w.label, row, f"{i.column} (cell {cell})" if cell else i.column, i.value, i.expected, i.severity
                )
            elif replaced and i.file.startswith(f"{org}/"):
                i = Issue(
                    i.file,
                    i.row,
                    i.column,
                    i.value,
                    f"{i.expected} (efter att tabellen {', '.join(sorted(replaced))} ersatts med arbetsbokens)",
                    i.severity,
                )
            errors.append(i)
        if errors:
            raise ExcelError(errors)
    journal.write(journal.writes(data), {f"{folder.name}/{name}": text for name, text in texts.items()})
    new_rows = {rec[0]: len({w.row for r, w in values if r[0] == rec[0]}) for rec, _ in tables}
    return TableImport(
        org, [(t, old_rows.get(t), new_rows[t]) for t in incoming], links_added=links_added, comments=len(comments)
    )
