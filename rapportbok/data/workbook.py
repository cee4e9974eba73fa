"""Reading a sheet of an .xlsx workbook as text rows, streaming and bounded: the one place a workbook is opened.

The workbook is opened read-only (openpyxl streams the sheet's XML instead of building every
cell in memory), so a large or padded file costs little. The size a sheet claims for itself (its
``dimension``, written by whatever program saved it) is not trusted: a stale one would drop the rows
and columns outside it, and one claiming a million rows and 16 384 columns would make openpyxl pad
every row to that size. So every sheet is read as its rows actually are (``reset_dimensions``).
A sheet with more than :data:`MAX_ROWS` filled rows, content below row :data:`MAX_ROW` or beyond
column :data:`MAX_COLUMNS` is refused with a message; a formula whose result Excel has not saved (a
workbook written by another program, or saved without recalculation) is refused with its cell
address, since its value cannot be known.

Which sheet: only sheets Excel shows are read. A workbook of one table (the follow-up template, an
.xlsx data file) is read from its sheet with the template's name if there is one, else from the first
visible sheet; a hidden sheet is never read in its place, and a hidden sheet with the template's name
is refused with a message (:func:`read_sheet`). The tables template reads every visible sheet and
refuses a hidden one (rapportbok.data.tables_workbook).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rapportbok.data.schema import XLSX_HELP, Issue, cell_text

MAX_ROWS = 10_000  # filled rows on the sheet, header included
MAX_ROW = 100_000  # the last row that may hold anything
MAX_COLUMNS = 100
HIDDEN_HELP = (
    "ett blad som syns i Excel: bladet är dolt; visa det (högerklicka på en bladflik och välj Ta fram) om det ska "
    "läsas in, annars ta bort det"
)

FORMULA_HELP = (
    "ett värde, inte en formel utan sparat resultat: skriv in talet eller texten, "
    "eller öppna filen i Excel och spara den igen så att formelns resultat sparas"
)


def _letter(j: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(j)


@dataclass(frozen=True)
class Sheet:
    name: str
    visible: bool  # Excel shows it (not hidden, not "very hidden")


def open_workbook(path: Path, data_only: bool = True):
    """The workbook, read-only and streaming, every sheet sized as its rows are (not as it claims).

    Raises what openpyxl raises for a file that is not a workbook; the caller says so in Swedish.
    """
    import openpyxl

    wb = openpyxl.load_workbook(Path(path), read_only=True, data_only=data_only)
    for ws in wb.worksheets:
        ws.reset_dimensions()
    return wb


def sheets(path: Path) -> list[Sheet] | None:
    """The workbook's worksheets in order with whether Excel shows them, or None when it cannot be opened."""
    try:
        wb = open_workbook(path)
    except Exception:  # noqa: BLE001 - the caller reports an unreadable workbook
        return None
    try:
        return [Sheet(ws.title, ws.sheet_state == "visible") for ws in wb.worksheets]
    finally:
        wb.close()


def sheet_names(path: Path) -> list[str] | None:
    """The names of the workbook's worksheets in order, or None when it cannot be opened."""
    found = sheets(path)
    return None if found is None else [s.name for s in found]


def _choose(found: list[Sheet], label: str, prefer: str | None) -> tuple[str | None, list[Issue]]:
    """The sheet a one-table workbook is read from: ``prefer`` if it is there, else the first visible sheet."""
    named = next((s for s in found if prefer and s.name.strip().lower() == prefer.lower()), None)
    if named is not None:
        return (
            (named.name, []) if named.visible else (None, [Issue(label, 0, "", f"bladet '{named.name}'", HIDDEN_HELP)])
        )
    visible = [s for s in found if s.visible]
    return (visible[0].name if visible else None), []


def read_sheet(
    path: Path, label: str, sheet: str | None = None, prefer: str | None = None
) -> tuple[list[list[str]] | None, list[Issue]]:
    """Sheet ``sheet`` (by name; default: the template's sheet ``prefer`` or the first visible one) as rows of
    text (row 1 is the header; empty rows kept as empty), or the issues."""
    try:
        values = open_workbook(path, data_only=True)
        formulas = open_workbook(path, data_only=False)
    except FileNotFoundError:
        return None, [Issue(label, 0, "", "", "att filen finns")]
    except Exception:  # noqa: BLE001 - any unreadable workbook gets the same advice
        return None, [Issue(label, 0, "", path.name, XLSX_HELP)]
    filled: list[tuple[int, list[str]]] = []
    issues: list[Issue] = []
    header: list[str] = []
    try:
        if sheet is None:
            sheet, issues = _choose(
                [Sheet(ws.title, ws.sheet_state == "visible") for ws in values.worksheets], label, prefer
            )
            if issues:
                return None, issues
        names = [ws.title for ws in values.worksheets]
        if sheet is None or sheet not in names:
            return [], []
        ws_v, ws_f = values.worksheets[names.index(sheet)], formulas.worksheets[names.index(sheet)]
        for i, (row_v, row_f) in enumerate(zip(ws_v.iter_rows(), ws_f.iter_rows()), start=1):
            if not row_v and not row_f:  # a missing row (cheap: no cells to look at)
                continue
            texts = [cell_text(c.value) for c in row_v]
            for j, (cv, cf) in enumerate(zip(row_v, row_f), start=1):
                if getattr(cf, "data_type", None) == "f" and cv.value is None:
                    name = header[j - 1] if j <= len(header) and header[j - 1] else _letter(j)
                    issues.append(Issue(label, i, f"{name} (cell {_letter(j)}{i})", str(cf.value), FORMULA_HELP))
            if not any(t.strip() for t in texts):
                continue
            last = max(j for j, t in enumerate(texts, start=1) if t.strip())
            if last > MAX_COLUMNS:
                return None, [
                    Issue(
                        label,
                        i,
                        _letter(last),
                        texts[last - 1][:40],
                        f"högst {MAX_COLUMNS} kolumner på bladet; ta bort innehållet till höger om tabellen",
                    )
                ]
            if i > MAX_ROW:
                return None, [
                    Issue(
                        label,
                        i,
                        _letter(last),
                        texts[last - 1][:40],
                        f"inget innehåll nedanför rad {MAX_ROW:_}; ta bort det som står längre ned på bladet".replace(
                            "_", " "
                        ),
                    )
                ]
            if len(filled) >= MAX_ROWS:
                return None, [
                    Issue(
                        label,
                        i,
                        "",
                        "",
                        f"högst {MAX_ROWS:_} ifyllda rader på bladet ".replace("_", " ")
                        + "(mallen har en rad per åtgärd); ta bort raderna under tabellen",
                    )
                ]
            if not filled:
                header = [t.strip() for t in texts]
            filled.append((i, texts[:last]))
            if len(issues) > 50:
                break
    except Exception:  # noqa: BLE001 - a damaged sheet
        return None, [Issue(label, 0, "", path.name, XLSX_HELP)]
    finally:
        values.close()
        formulas.close()
    if issues:
        return None, issues
    if not filled:
        return [], []
    rows: list[list[str]] = [[] for _ in range(filled[-1][0])]
    for i, texts in filled:
        rows[i - 1] = texts
    return rows, []
