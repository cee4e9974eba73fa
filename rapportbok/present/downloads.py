"""Downloads for every table in the book: CSV and Excel with the same numbers as shown.

A table is downloaded as the reader sees it: the same Swedish column names, the same rows and
the same rounding. Only the columns the table declares numeric (a ``rapportbok.core.fmt.Number``
format) are numbers in the files: each value is rounded exactly as the page shows it and written
as a number directly, never formatted and read back. Every other column is text exactly as shown,
so a kommun code ``1489`` or ``0180``, a ``+65`` or a "mer än 4" from a source stays text. The CSV
is what Swedish Excel opens directly: semicolon, decimal comma, UTF-8 with BOM. The Excel file
holds numbers with a display format, plus a sheet "Om tabellen". Both say what the table is: its caption, source,
unit, organisation, report year and report date (:func:`about_lines`; in the CSV as rows under the table, after
an empty row, so the header stays the first row). Footnotes that the table's marks (¹, ²) refer to are written as
rows under the table.

This module builds the files' bytes only (:func:`files`); the page's chapter writes them next to the executed
notebook, in ``tabeller/<chapter>-<table id>.csv`` and ``.xlsx`` (rapportbok.chapters.save_downloads), and the
build copies them into the site. Both are byte-identical on every run (the xlsx has fixed timestamps), so the
committed book reproduces. The bytes are built in memory (``io.StringIO``, ``io.BytesIO``: openpyxl's sheet
writer and ``zipfile`` need a file-like object); nothing here opens a file.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from rapportbok.core import escape, fmt

FOLDER = "tabeller"
# A fixed time for the xlsx properties and zip entries, so the file does not change between runs.
FIXED_TIME = datetime(2000, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Cell:
    text: str  # as shown on the page
    value: float | None = None  # the rounded number, in a column declared numeric
    decimals: int = 0


def shown_cells(df: pd.DataFrame, formats: dict) -> list[list[Cell]]:
    """Every cell as the page shows it; a number only in a column declared with ``fmt.Number``."""
    rows = []
    for _, row in df.iterrows():
        out = []
        for col in df.columns:
            v, f = row[col], formats.get(col)
            if fmt.is_missing(v):  # a figure the source does not state: an empty cell in the file
                out.append(Cell(""))
            elif isinstance(f, fmt.Number) and not isinstance(v, str):
                out.append(Cell(f(v), f.value(v), f.decimals_for(v)))
            else:  # text exactly as shown (by the column's own formatter, if any), never read as a number
                shown = f(v) if f is not None and not isinstance(f, fmt.Number) else v
                out.append(Cell(str(shown)))
        rows.append(out)
    return rows


def _columns(df: pd.DataFrame, formats: dict) -> tuple[list[str], list[str | None]]:
    """Column names for the files; a declared column's unit moves into its name."""
    names, units = [], []
    for col in df.columns:
        f = formats.get(col)
        unit = f.unit if isinstance(f, fmt.Number) else None
        name = str(col)
        if unit and unit not in name:
            name = f"{name} ({unit})"
        names.append(name)
        units.append(unit)
    return names, units


# A unit as a column name or a caption ends with it ("Planerad 2018, tkr", "Besparing, mnkr per år"), and its words.
_UNIT_IN_NAME = re.compile(r"(?:,\s*|\(\s*)(tkr|mnkr|kr/inv|kr|%|procent)(?:\s+per år)?\s*\)?\s*$")
UNIT_WORDS = {
    "tkr": "tkr (tusental kronor)",
    "mnkr": "mnkr (miljoner kronor)",
    "kr": "kronor",
    "kr/inv": "kronor per invånare",
    "%": "procent",
    "procent": "procent",
}


def _unit_of(name: str, f, caption: str) -> str | None:
    if isinstance(f, fmt.Number) and f.unit:
        return f.unit
    for text in (name, caption):
        m = _UNIT_IN_NAME.search(str(text))
        if m:
            return m.group(1)
    return None


def units_text(df: pd.DataFrame, formats: dict, caption: str) -> str:
    """The table's unit in words, for its downloads: "tkr (tusental kronor)" when every figure column has it,
    otherwise per column; columns of counts or scale values have none."""
    numeric = [c for c in df.columns if isinstance(formats.get(c), fmt.Number)]
    if not numeric:
        return "Tabellen har inga talkolumner: uppgifterna står som text, med enheten i texten eller i en egen kolumn."
    units = {c: _unit_of(str(c), formats.get(c), caption) for c in numeric}
    named = {c: u for c, u in units.items() if u}
    if not named:
        return "Talen har ingen enhet (antal eller värden på en skala)."
    if len(set(named.values())) == 1 and len(named) == len(units):
        return UNIT_WORDS.get(next(iter(named.values())), next(iter(named.values())))
    text = "; ".join(f"{c}: {UNIT_WORDS.get(u, u)}" for c, u in named.items())
    if len(named) < len(units):
        text += "; övriga talkolumner har ingen enhet (antal eller värden på en skala)"
    return text


def about_lines(
    df: pd.DataFrame, formats: dict, caption: str, source: str | None, about: tuple = ()
) -> list[tuple[str, str]]:
    """What a download states about its table: caption, source, unit, and whose and for which report (the
    page's ``about``: organisation, report year and report date)."""
    return [
        ("Tabell", caption),
        ("Källa", re.sub(r"^Källa:\s*", "", source) if source else "Egen beräkning"),
        ("Enhet", units_text(df, formats, caption)),
        *((str(k), str(v)) for k, v in about),
    ]


def _plain(cell: Cell) -> str:
    """The CSV text of a cell: the number with decimal comma and no thousands separator.

    Text is neutralised as OWASP recommends: a cell that starts like a formula gets a leading quote.
    """
    if cell.value is None:
        return escape.csv_cell(cell.text)
    return f"{cell.value:.{cell.decimals}f}".replace(".", ",")


def to_csv(
    df: pd.DataFrame,
    formats: dict,
    notes: list[str] | None = None,
    cells: list[list[Cell]] | None = None,
    about: list[tuple[str, str]] | None = None,
) -> bytes:
    """``notes``: the table's footnotes, written after an empty row under the table. ``cells``: the
    table's :func:`shown_cells`, when the caller has them already. ``about``: (label, text) rows written
    after another empty row (:func:`about_lines`: caption, source, unit, organisation, report date), so the
    header stays the file's first row."""
    cells = shown_cells(df, formats) if cells is None else cells
    names, _units = _columns(df, formats)
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow([escape.csv_cell(n) for n in names])
    for row in cells:
        writer.writerow([_plain(c) for c in row])
    if notes:
        writer.writerow([])
        for note in notes:
            writer.writerow([escape.csv_cell(str(note))])
    if about:
        writer.writerow([])
        for label, text in about:
            writer.writerow([escape.csv_cell(str(label)), escape.csv_cell(str(text))])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _excel_format(decimals: int, unit: str | None) -> str:
    base = "#,##0" + ("." + "0" * decimals if decimals else "")
    return base + (f' "{unit}"' if unit else "")


def to_xlsx(
    df: pd.DataFrame,
    formats: dict,
    caption: str,
    source: str | None,
    notes: list[str] | None = None,
    cells: list[list[Cell]] | None = None,
    about: list[tuple[str, str]] | None = None,
) -> bytes:
    """``about``: the lines of the sheet "Om tabellen" (:func:`about_lines`); by default caption and source."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    cells = shown_cells(df, formats) if cells is None else cells
    names, units = _columns(df, formats)
    wb = Workbook()
    ws = wb.active
    ws.title = "Tabell"
    ws.append([escape.xlsx_value(n) for n in names])
    for c in ws[1]:
        c.font = Font(bold=True)
        escape.xlsx_cell(c)
    for row in cells:
        ws.append([cell.value if cell.value is not None else escape.xlsx_value(cell.text or None) for cell in row])
        for c in ws[ws.max_row]:
            escape.xlsx_cell(c)  # text is a string cell, never a formula
        for j, cell in enumerate(row):
            if cell.value is not None:
                ws.cell(row=ws.max_row, column=j + 1).number_format = _excel_format(cell.decimals, units[j])
    if notes:
        ws.append([])
        for note in notes:
            ws.append([escape.xlsx_value(str(note))])
            escape.xlsx_cell(ws.cell(row=ws.max_row, column=1))
    for j, name in enumerate(names, start=1):
        width = max([len(name)] + [len(r[j - 1].text) for r in cells]) + 2
        ws.column_dimensions[get_column_letter(j)].width = min(max(width, 8), 60)
    ws.freeze_panes = "A2"
    sheet = wb.create_sheet("Om tabellen")
    lines = about or [("Tabell", caption), ("Källa", source or "")]
    for line in (
        *lines,
        ("Om siffrorna", "Samma siffror och avrundning som i rapportboken."),
    ):
        sheet.append([escape.xlsx_value(v) for v in line])
        for c in sheet[sheet.max_row]:
            escape.xlsx_cell(c)
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 100
    for c in sheet["A"]:
        c.font = Font(bold=True)
    wb.properties.creator = "rapportbok"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.lastModifiedBy = "rapportbok"
    return _save(wb)


class _Buffer(io.BytesIO):
    def close(self) -> None:  # the XML writer closes its output; the bytes are read after that
        pass


def _save(wb) -> bytes:
    """The workbook's xlsx bytes, as openpyxl's ``save`` followed by :func:`_fixed_zip` gives them, in one pass.

    openpyxl writes each sheet to a temporary file first and stamps every zip entry, and the
    document's modification time, with the current time, so the file used to be written and then
    unpacked and packed again with fixed times (some 30 Excel files per organisation). Here its
    writer packs straight into a zip whose entries get the fixed time, and the sheets are written in
    memory; ``wb.properties.modified`` is already the fixed time. ``tests/test_downloads.py`` checks
    that the bytes are those of the two-pass way."""
    from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
    from openpyxl.worksheet._writer import WorksheetWriter
    from openpyxl.writer.excel import ExcelWriter

    class Writer(ExcelWriter):
        def write_worksheet(self, ws):  # ExcelWriter.write_worksheet, with the sheet written in memory
            ws._drawing = SpreadsheetDrawing()
            ws._drawing.charts = ws._charts
            ws._drawing.images = ws._images
            out = _Buffer()
            writer = WorksheetWriter(ws, out)
            writer.write()
            ws._rels = writer._rels
            self._archive.writestr(ws.path[1:], out.getvalue())
            self.manifest.append(ws)

    raw = io.BytesIO()
    with _FixedZip(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        Writer(wb, archive).save()
    return raw.getvalue()


class _FixedZip(zipfile.ZipFile):
    """A zip whose entries carry :data:`FIXED_TIME` and mode 644, as :func:`_fixed_zip` writes them."""

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            info = zipfile.ZipInfo(zinfo_or_arcname, date_time=FIXED_TIME.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zinfo_or_arcname = info
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        # openpyxl adds a file from disk only for a sheet written to a temporary file, which _save's writer never
        # does: the sheets are written in memory, and no file is read here.
        raise TypeError(f"openpyxl added {filename} from disk; the sheets are to be written in memory (_save)")


def _fixed_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed entry times (openpyxl stamps them with the current time)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(
                    rb"<dcterms:modified[^>]*>[^<]*</dcterms:modified>",
                    b'<dcterms:modified xsi:type="dcterms:W3CDTF">2000-01-01T00:00:00Z</dcterms:modified>',
                    body,
                )
            dst.writestr(fixed, body)
    return out.getvalue()


def files(
    df: pd.DataFrame,
    formats: dict,
    stem: str,
    caption: str,
    source: str | None,
    notes: list[str] | None = None,
    about: tuple = (),
) -> dict[str, bytes]:
    """The table's downloads: ``{"tabeller/<stem>.csv": bytes, "tabeller/<stem>.xlsx": bytes}``, paths relative to
    the notebook, the CSV first."""
    cells = shown_cells(df, formats)  # once for both files
    lines = about_lines(df, formats, caption, source, about)
    return {
        f"{FOLDER}/{stem}.csv": to_csv(df, formats, notes, cells, lines),
        f"{FOLDER}/{stem}.xlsx": to_xlsx(df, formats, caption, source, notes, cells, lines),
    }
