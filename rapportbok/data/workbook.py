"""Reading the first sheet of an .xlsx workbook as text rows, streaming and bounded.

The workbook is opened read-only (openpyxl streams the sheet's XML instead of building every
cell in memory), so a large or padded file costs little. A sheet with more than
:data:`MAX_ROWS` filled rows or content beyond column :data:`MAX_COLUMNS` is refused with a
message; a formula whose result Excel has not saved (a workbook written by another program, or
saved without recalculation) is refused with its cell address, since its value cannot be known.

The file itself is read once by :func:`rapportbok.core.inputs.read_bytes` (a regular file, not a
pipe, at most :data:`rapportbok.core.inputs.WORKBOOK_LIMIT`) and opened from memory: openpyxl never
opens a path itself.
"""

from __future__ import annotations

import io
from pathlib import Path

from rapportbok.core import inputs
from rapportbok.data.schema import XLSX_HELP, Issue, cell_text, input_issue

MAX_ROWS = 10_000  # filled rows on the sheet, header included
MAX_COLUMNS = 100

FORMULA_HELP = (
    "ett värde, inte en formel utan sparat resultat: skriv in talet eller texten, "
    "eller öppna filen i Excel och spara den igen så att formelns resultat sparas"
)


def _letter(j: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(j)


def workbook_bytes(path: Path, label: str) -> bytes:
    """The workbook file's content (rapportbok.core.inputs: a regular file within the limit); InputError else."""
    return inputs.read_bytes(path, None, limit=inputs.WORKBOOK_LIMIT, label=label)


def open_workbook(path: Path, label: str | None = None, data_only: bool = True, raw: bytes | None = None):
    """The workbook at ``path`` (or its content ``raw``), read-only, opened from memory; InputError or
    openpyxl's error when it cannot be read."""
    import openpyxl

    if raw is None:
        raw = workbook_bytes(path, label or Path(path).name)
    return openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=data_only)


def read_sheet(path: Path, label: str, index: int = 0) -> tuple[list[list[str]] | None, list[Issue]]:
    """The first sheet (or sheet ``index``) as rows of text (row 1 is the header; empty rows kept as empty), or the issues."""
    try:
        raw = workbook_bytes(path, label)
    except inputs.InputMissing:
        return None, [Issue(label, 0, "", "", "att filen finns")]
    except inputs.InputError as err:
        return None, [input_issue(err)]
    try:
        values = open_workbook(path, label, data_only=True, raw=raw)
        formulas = open_workbook(path, label, data_only=False, raw=raw)
    except Exception:  # noqa: BLE001 - any unreadable workbook gets the same advice
        return None, [Issue(label, 0, "", path.name, XLSX_HELP)]
    filled: list[tuple[int, list[str]]] = []
    issues: list[Issue] = []
    header: list[str] = []
    try:
        if len(values.worksheets) <= index:
            return [], []
        ws_v, ws_f = values.worksheets[index], formulas.worksheets[index]
        for i, (row_v, row_f) in enumerate(zip(ws_v.iter_rows(), ws_f.iter_rows()), start=1):
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


def sheet_names(path: Path) -> list[str] | None:
    """The workbook's sheet names in order, or None when it cannot be opened."""
    try:
        wb = open_workbook(path)
    except Exception:  # noqa: BLE001 - the caller reports an unreadable workbook
        return None
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()
