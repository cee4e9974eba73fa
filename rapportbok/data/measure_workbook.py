"""Excel round trip for the follow-up of action-plan measures (`rapportbok mall` / `import`).

:func:`write_template` writes a workbook for one tertial's follow-up: the first sheet
("Uppföljning") has exactly the columns of ``uppfoljning_atgarder.csv`` (so an import sees
nothing else), one row per measure with the known columns filled in; the columns the analyst
fills are marked yellow (faktisk_effekt, status_text) or orange (kalla, avsnitt) and carry a
comment. Titles and instructions are on the second sheet "Instruktioner" and in comments.

:func:`import_followup` reads a filled workbook with :func:`rapportbok.data.schema.read_table`
(the same checks as a CSV file), skips rows where faktisk_effekt and status_text are both
empty ("ej ifylld"), merges the rows into a temporary copy of data/ and runs
:func:`rapportbok.data.datasets.validate` on it (unknown measure, date outside the plan, unknown
source, ...). Only when nothing is wrong are the rows written to
data/<org>/uppfoljning_atgarder.csv; otherwise data/ is left byte-identical.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill

from rapportbok.core import escape, files, fmt, journal, periods
from rapportbok.core.paths import PathError, check_slug, data_dir, org_folder
from rapportbok.core.periods import tertial_end
from rapportbok.data import actionplan
from rapportbok.data.actionplan import UPPFOLJNING
from rapportbok.data.schema import Issue, formula_text_issues, read_table

SHEET = "Uppföljning"
INFO_SHEET = "Instruktioner"
FILL_COLUMNS = ("faktisk_effekt", "status_text", "kallans_bedomning")
SOURCE_COLUMNS = ("kalla", "avsnitt")
YELLOW = PatternFill("solid", fgColor="FFFF00")
ORANGE = PatternFill("solid", fgColor="FFD966")
GREY = PatternFill("solid", fgColor="D9D9D9")
AUTHOR = "rapportbok"

HEADER_COMMENTS = {
    "atgard_id": "Åtgärdens id ur atgarder.csv. Ändra inte. Titeln står i cellkommentaren och på bladet Instruktioner.",
    "per_datum": "Uppföljningens datum (tertialets sista dag), ÅÅÅÅ-MM-DD. Ändra bara om källan följer upp per ett annat datum.",
    "faktisk_effekt": "FYLL I: faktisk effekt hittills i år, som ett tal i enheten i kolumnen enhet (t.ex. 1500 eller 1,5). "
    "Skriv inte 'tkr' i cellen. Lämna tomt om källan inte anger något belopp.",
    "enhet": "Enheten för faktisk_effekt: kr, tkr eller mnkr (planens enhet).",
    "status_text": "FYLL I: statustexten ordagrant som i källan.",
    "kallans_bedomning": "FYLL I BARA OM KÄLLAN SJÄLV BEDÖMER ÅTGÄRDEN: grön, gul, röd (källans eget trafikljus) eller "
    "för tidigt att bedöma. Lämna tomt annars: då räknar boken trafikljuset själv.",
    "kalla": "FYLL I: källans id ur data/kallor.csv (lägg först till källan där).",
    "avsnitt": "FYLL I: avsnittet i källan där uppgiften står.",
}

INSTRUCTIONS = [
    "Så fyller du i mallen",
    "1. Fyll i bladet Uppföljning: en rad per åtgärd. Ändra inte rubrikraden och lägg inte till kolumner.",
    "2. Gula kolumner: faktisk_effekt (ett tal i enheten i kolumnen enhet, t.ex. 1500 eller 1,5 – utan 'tkr') "
    "och status_text (statustexten ordagrant ur källan).",
    "3. Orange kolumner: kalla (källans id ur data/kallor.csv) och avsnitt (var i källan uppgiften står).",
    "4. Rader där både faktisk_effekt och status_text är tomma hoppas över vid importen (ej ifylld).",
    "   kallans_bedomning fylls bara i där källan själv bedömer åtgärden (grön, gul, röd eller för tidigt att bedöma).",
    "5. Skriv bara siffror som källan anger. Gissa inte och fyll inte i uppskattningar.",
    "6. Spara som Excel-arbetsbok (.xlsx) och kör: rapportbok import FILEN --org ORGANISATION",
    "7. Vid fel listas varje problem med rad, kolumn och värde; inget importeras förrän allt är rätt.",
    "   Finns redan en rad för samma åtgärd och datum krävs --ersatt för att ersätta den.",
]


class ExcelError(Exception):
    """A problem that stops `mall` or `import`; carries the issues (Swedish messages)."""

    def __init__(self, issues: list[Issue]):
        self.issues = list(issues)
        super().__init__("\n".join(i.message() for i in self.issues))


def default_name(org: str, year: int, tertial: int | None, per: dt.date | None = None) -> str:
    """The template's file name; ``org`` must be a slug (rapportbok.core.ids.SLUG), so the name has no path in it.

    Per tertial ``uppfoljning_ORG_ÅR_TT.xlsx``; per report date ``uppfoljning_ORG_ÅÅÅÅ-MM-DD.xlsx``.
    """
    if per is not None:
        return f"uppfoljning_{check_slug(org)}_{per.isoformat()}.xlsx"
    return f"uppfoljning_{check_slug(org)}_{int(year)}_T{int(tertial)}.xlsx"


def _org_issue(org: str, data: Path) -> Issue | None:
    """An Issue if ``org`` is not a slug naming a folder inside data/ with organisation.yml."""
    try:
        folder = org_folder(org, data)
    except PathError as err:
        return Issue("--org", 0, "", str(org), err.expected)
    if not (folder / "organisation.yml").is_file():
        return Issue(f"{org}/", 0, "", org, "en organisation under data/ (en mapp med organisation.yml)")
    return None


# --- template ---------------------------------------------------------------------------------


def _measures(org: str, year: int, data: Path) -> list[dict]:
    """The measures to follow up in ``year``: plans covering the year, minus group members
    whose figures are on the group row (the group row carries planned effects, the member none)."""
    folder = data / org
    plans, issues = read_table(
        folder / actionplan.PLANER.filename, actionplan.PLANER, f"{org}/{actionplan.PLANER.filename}", base=data
    )
    meas, more = read_table(
        folder / actionplan.ATGARDER.filename, actionplan.ATGARDER, f"{org}/{actionplan.ATGARDER.filename}", base=data
    )
    issues += more
    if issues:
        raise ExcelError(issues)
    eff_path = folder / actionplan.EFFEKTER.filename
    with_effect: set[str] = set()
    if eff_path.exists():
        eff, more = read_table(eff_path, actionplan.EFFEKTER, f"{org}/{actionplan.EFFEKTER.filename}", base=data)
        if more:
            raise ExcelError(more)
        with_effect = set(eff["atgard_id"])
    covering = {p["plan_id"]: p for _, p in plans.iterrows() if int(p["ar_fran"]) <= year <= int(p["ar_till"])}
    if not covering:
        spans = ", ".join(f"{p['plan_id']} ({p['ar_fran']}–{p['ar_till']})" for _, p in plans.iterrows())
        raise ExcelError(
            [
                Issue(
                    f"{org}/{actionplan.PLANER.filename}",
                    0,
                    "ar_fran",
                    str(year),
                    f"en åtgärdsplan som omfattar år {year}; planerna är: {spans}",
                )
            ]
        )
    out = []
    for _, m in meas.sort_values(["plan_id", "rad"], kind="stable").iterrows():
        if m["plan_id"] not in covering:
            continue
        g = m["grupp"]
        if isinstance(g, str) and g and g in with_effect and m["atgard_id"] not in with_effect:
            continue  # the group row holds this member's figures
        out.append(
            {
                "atgard_id": m["atgard_id"],
                "nr": m["nr"] or "",
                "titel": m["titel"],
                "plan_id": m["plan_id"],
                "enhet": covering[m["plan_id"]]["enhet"],
            }
        )
    return out


def write_template(
    org: str, year: int, tertial: int | None, out: Path, data: Path | None = None, per: dt.date | None = None
) -> int:
    """Write the follow-up template for a tertial, or for a report date ``per`` (a month end in ``year``);
    returns the number of measure rows."""
    data = data or data_dir()
    if issue := _org_issue(org, data):
        raise ExcelError([issue])
    if per is not None:
        if per.year != int(year) or not periods.is_month_end(per):
            raise ExcelError(
                [Issue("--per", 0, "", per.isoformat(), f"ett månadsslut i {int(year)}, t.ex. {int(year)}-10-31")]
            )
    elif tertial is None or int(tertial) not in periods.TERTIAL_END:
        raise ExcelError([Issue("--tertial", 0, "", str(tertial), "1, 2 eller 3")])
    measures = _measures(org, int(year), data)
    as_of = per if per is not None else tertial_end(int(year), int(tertial))
    period = f"tertial {tertial} {year}" if per is None else f"t.o.m. {fmt.date(as_of)}"

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    names = UPPFOLJNING.names
    bold = Font(bold=True)
    for j, name in enumerate(names, start=1):
        c = ws.cell(row=1, column=j, value=name)
        c.font = bold
        c.fill = YELLOW if name in FILL_COLUMNS else ORANGE if name in SOURCE_COLUMNS else GREY
        c.comment = Comment(HEADER_COMMENTS[name], AUTHOR, width=300, height=120)
    for i, m in enumerate(measures, start=2):
        values = {"atgard_id": m["atgard_id"], "per_datum": dt.datetime.combine(as_of, dt.time()), "enhet": m["enhet"]}
        for j, name in enumerate(names, start=1):
            c = ws.cell(row=i, column=j, value=values.get(name))
            escape.xlsx_cell(c)  # an id from data is text, never a formula
            if name == "per_datum":
                c.number_format = "yyyy-mm-dd"
            if name in FILL_COLUMNS:
                c.fill = YELLOW
            elif name in SOURCE_COLUMNS:
                c.fill = ORANGE
            if name == "status_text":
                c.alignment = Alignment(wrap_text=True, vertical="top")
        nr = f"nr {m['nr']}: " if m["nr"] else ""
        ws.cell(row=i, column=1).comment = Comment(f"{nr}{m['titel']}", AUTHOR, width=300, height=80)
    widths = {
        "atgard_id": 12,
        "per_datum": 12,
        "faktisk_effekt": 16,
        "enhet": 8,
        "status_text": 60,
        "kalla": 28,
        "avsnitt": 40,
    }
    for j, name in enumerate(names, start=1):
        ws.column_dimensions[openpyxl.utils.get_column_letter(j)].width = widths.get(name, 14)
    ws.freeze_panes = "B2"

    info = wb.create_sheet(INFO_SHEET)
    info.column_dimensions["A"].width = 14
    info.column_dimensions["B"].width = 8
    info.column_dimensions["C"].width = 80
    info.column_dimensions["D"].width = 10
    info["A1"] = f"Uppföljning av åtgärder – {org}, {period} (per {as_of.isoformat()})"
    info["A1"].font = Font(bold=True, size=13)
    row = 3
    for k, line in enumerate(INSTRUCTIONS):
        c = info.cell(row=row, column=1, value=line)
        if k == 0:
            c.font = bold
        row += 1
    row += 1
    for j, h in enumerate(("atgard_id", "nr", "titel", "enhet"), start=1):
        info.cell(row=row, column=j, value=h).font = bold
    for m in measures:
        row += 1
        for j, h in enumerate(("atgard_id", "nr", "titel", "enhet"), start=1):
            escape.xlsx_cell(info.cell(row=row, column=j, value=m[h]))  # a title from data is text, never a formula
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return len(measures)


# --- import -----------------------------------------------------------------------------------


@dataclass
class ImportResult:
    target: str
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "HAN-05 (rad 6)"
    skipped_rows: list[int] = field(default_factory=list)

    def summary(self) -> str:
        lines = [
            f"Importerade {len(self.added) + len(self.replaced)} rader till {self.target}"
            + (f" ({len(self.replaced)} ersatta)." if self.replaced else ".")
        ]
        if len(self.skipped) > 30:  # a long list is summarised: count and row ranges
            lines.append(f"{len(self.skipped)} ej ifyllda rader hoppades över ({_ranges(self.skipped_rows)}).")
        elif self.skipped:
            lines.append(f"Ej ifyllda, överhoppade ({len(self.skipped)}): " + ", ".join(self.skipped))
        return "\n".join(lines)


def _number_text(v) -> str:
    if v is None or v != v:
        return ""
    v = float(v)
    if v.is_integer():
        return str(int(v))
    return format(Decimal(repr(v)), "f")


def _csv_values(r) -> dict[str, str]:
    out = {}
    for c in UPPFOLJNING.columns:
        v = r[c.name]
        if c.kind == "number":
            out[c.name] = _number_text(v)
        elif c.kind == "date":
            out[c.name] = v.isoformat() if isinstance(v, dt.date) else ""
        else:
            out[c.name] = "" if v is None or (not isinstance(v, str) and v != v) else str(v)
    return out


def _blank_unfilled(rows: list[list[str]]) -> list[tuple[int, str]]:
    """Empty the rows that have neither faktisk_effekt nor status_text (so read_table skips them,
    keeping Excel's row numbers); returns (row, atgard_id) of each."""
    if not rows:
        return []
    header = [h.strip() for h in rows[0]]
    if not all(n in header for n in FILL_COLUMNS):
        return []
    cols = [header.index(n) for n in FILL_COLUMNS]
    aid = header.index("atgard_id") if "atgard_id" in header else None
    skipped = []
    for i, r in enumerate(rows[1:], start=2):
        texts = [c.strip() for c in r]
        if not any(texts):
            continue
        if all(not texts[k] for k in cols if k < len(texts)):
            skipped.append((i, texts[aid] if aid is not None and aid < len(texts) else ""))
            rows[i - 1] = [""] * len(r)
    return skipped


def _ranges(numbers: list[int]) -> str:
    """[5, 6, 7, 9] -> 'rad 5–7, 9' (at most ten ranges, then '…')."""
    parts: list[str] = []
    start = prev = None
    for n in sorted(numbers):
        if prev is not None and n == prev + 1:
            prev = n
            continue
        if start is not None:
            parts.append(f"{start}–{prev}" if prev != start else str(start))
        start = prev = n
    if start is not None:
        parts.append(f"{start}–{prev}" if prev != start else str(start))
    shown = ", ".join(parts[:10]) + (", …" if len(parts) > 10 else "")
    return "rad " + shown


def existing_records(
    target: Path,
    target_label: str,
    required: tuple[str, ...] = ("atgard_id", "per_datum"),
    names: tuple[str, ...] | None = None,
) -> tuple[str, list[list[str]], bool]:
    """A data file an import adds to (the follow-up file; the stated tables' files): its text, its
    records and whether it must be rewritten as UTF-8 with commas (it was saved by Excel with
    semicolons or in Windows-1252). ``required``: the columns the header must have."""
    from rapportbok.core import inputs
    from rapportbok.data.schema import _delimiter, csv_text, input_issue

    try:  # data/<org>/<file>: data/ is two levels up
        raw = inputs.read_bytes(target, target.parent.parent, limit=inputs.CSV_LIMIT, label=target_label)
    except inputs.InputError as err:
        raise ExcelError([input_issue(err)]) from None
    text, problems = csv_text(raw, target_label)
    if text is None:
        raise ExcelError(problems)
    if not text.strip():
        return "", [list(names or UPPFOLJNING.names)], True
    delim = _delimiter(text.splitlines()[0])
    try:
        records = list(csv.reader(io.StringIO(text), delimiter=delim))
    except csv.Error:
        raise ExcelError([Issue(target_label, 0, "", "", "en CSV-fil som går att läsa")]) from None
    records[0] = [h.strip() for h in records[0]]
    missing = [n for n in required if n not in records[0]]
    if missing:
        raise ExcelError([Issue(target_label, 1, n, "", f"kolumnen '{n}' i rubrikraden") for n in missing])
    try:
        plain = raw.decode("utf-8") == text
    except UnicodeDecodeError:
        plain = False
    return text, records, not plain or delim != ","


def import_followup(path: Path, org: str, replace: bool = False, data: Path | None = None) -> ImportResult:
    """Validate a filled template and write its rows to data/<org>/uppfoljning_atgarder.csv.

    Raises :class:`ExcelError` with every issue; then nothing under data/ has changed.
    """
    data = data or data_dir()
    path = Path(path)
    label = path.name
    target_label = f"{org}/{UPPFOLJNING.filename}"
    if issue := _org_issue(org, data):
        raise ExcelError([issue])
    if not path.name.lower().endswith(".xlsx"):
        raise ExcelError([Issue(label, 0, "", path.name, "en Excel-arbetsbok (.xlsx) skapad med rapportbok mall")])
    from rapportbok.data.schema import xlsx_rows

    with tempfile.TemporaryDirectory(prefix="rapportbok-import-") as tmp:
        tmp = Path(tmp)
        rows, issues = xlsx_rows(path, label, prefer=SHEET)  # the sheet Uppföljning (or the first one shown)
        if rows is None:
            raise ExcelError(issues)
        skipped = _blank_unfilled(rows)
        header = [h.strip() for h in rows[0]] if rows else []
        # a row ends where its last filled cell is: empty cells up to the header's width (kallans_bedomning is last)
        rows[1:] = [list(r) + [""] * (len(header) - len(r)) for r in rows[1:]]
        where = {c.name: header.index(c.name) for c in UPPFOLJNING.columns if c.name in header}
        records = (
            (
                [r[where[c.name]] if where.get(c.name, len(r)) < len(r) else "" for c in UPPFOLJNING.columns],
                label,
                i,
                None,
            )
            for i, r in enumerate(rows[1:], start=2)
        )
        issues = formula_text_issues(UPPFOLJNING, records)  # written to data/, which the analyst opens in Excel
        if issues:
            raise ExcelError(issues)
        filtered = tmp / "uppfoljning.csv"  # the sheet as text, Excel's row numbers kept
        with open(filtered, "w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerows(rows)
        df, issues = read_table(filtered, UPPFOLJNING, label)
        if issues:
            raise ExcelError(issues)
        if df.empty:
            raise ExcelError(
                [Issue(label, 0, "faktisk_effekt", "", "minst en rad med faktisk_effekt eller status_text ifylld")]
            )

        target = data / org / UPPFOLJNING.filename
        rewrite = not target.exists()
        if target.exists():
            old_text, records, rewrite = existing_records(target, target_label)
            header = records[0]
        else:
            base = [c.name for c in UPPFOLJNING.columns if not c.may_omit]  # an optional column only when filled
            old_text, records, header = "", [list(base)], list(base)
        # An optional column the file does not have yet (kallans_bedomning) is added when the import fills it in:
        # nothing the analyst typed is dropped.
        for name in UPPFOLJNING.names:
            if name not in header and any(_csv_values(r).get(name) for _, r in df.iterrows()):
                for rec in records:
                    rec.append(name if rec is records[0] else "")
                rewrite = True
        header = records[0]
        key_pos = {}
        ai, pi = header.index("atgard_id"), header.index("per_datum")
        for n, rec in enumerate(records[1:], start=2):
            if len(rec) > max(ai, pi):
                key_pos[(rec[ai].strip(), rec[pi].strip())] = n
        result = ImportResult(
            target_label, skipped=[f"{a or '?'} (rad {i})" for i, a in skipped], skipped_rows=[i for i, _ in skipped]
        )
        new_records = [list(r) for r in records]
        appended = []
        row_map: dict[int, int] = {}  # row in the merged CSV -> row in the workbook
        dup_issues = []
        for excel_row, r in df.iterrows():
            vals = _csv_values(r)
            rec = [vals.get(h, "") for h in header]
            key = (vals["atgard_id"], vals["per_datum"])
            if key in key_pos:
                if not replace:
                    dup_issues.append(
                        Issue(
                            label,
                            int(excel_row),
                            "atgard_id+per_datum",
                            f"{key[0]} / {key[1]}",
                            f"en rad som inte redan finns i {target_label} (där på rad {key_pos[key]}); "
                            "ange --ersatt för att ersätta den raden",
                        )
                    )
                    continue
                new_records[key_pos[key] - 1] = rec
                row_map[key_pos[key]] = int(excel_row)
                result.replaced.append(key[0])
            else:
                appended.append(rec)
                row_map[len(new_records) + len(appended)] = int(excel_row)
                result.added.append(key[0])
        if dup_issues:
            raise ExcelError(dup_issues)

        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        if result.replaced or rewrite:
            w.writerows(new_records + appended)
            new_text = buf.getvalue()
        else:
            w.writerows(appended)
            new_text = old_text + ("" if old_text.endswith("\n") or not old_text else "\n") + buf.getvalue()

        scratch = tmp / "data"
        files.copy_tree(data, scratch, hidden=False)
        (scratch / org / UPPFOLJNING.filename).write_text(new_text, encoding="utf-8")
        from rapportbok.data import datasets

        errors = []
        for i in datasets.validate(scratch):
            if i.severity != "fel":
                continue
            if i.file == target_label and i.row in row_map:
                i = Issue(label, row_map[i.row], i.column, i.value, i.expected, i.severity)
            errors.append(i)
        if errors:
            raise ExcelError(sorted(set(errors)))

        journal.write(journal.writes(data), {f"{org}/{UPPFOLJNING.filename}": new_text})  # all or nothing
    return result
