"""Reading and validating the CSV files in data/, with pandera, in words an analyst understands.

Each data file has a :class:`TableSpec`: its columns (named in Swedish, as in the file),
what each column must hold, and its key. :func:`read_table` reads a file as text, checks
every cell with a pandera schema built from the spec (all problems at once, not only the
first), and only then converts the columns to numbers, years and dates. Each problem becomes
an :class:`Issue` naming the file, the row (as Excel numbers it: the header is row 1), the
column, the value found and what was expected.

Inputs as Swedish offices produce them are read correctly: comma- or semicolon-separated,
decimal comma or point, spaces or non-breaking spaces as thousands separators, the Unicode
minus sign, UTF-8 with or without BOM, or Windows-1252. A value that could be read two ways
is rejected with a message that says what to change; nothing is guessed.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

# --- cell parsing ----------------------------------------------------------------------

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]")
_MINUSES = ("\u2212", "\u2013", "\u2012")
_GROUPED = re.compile(r"^[+-]?\d{1,3}([ \u00a0\u202f\u2009]\d{3})+([.,]\d+)?$")
_PLAIN = re.compile(r"^[+-]?(\d+([.,]\d+)?|[.,]\d+)$")


def parse_number(text: str) -> float | None:
    """Parse a number as a Swedish office writes it; ``None`` when it is not one.

    ``'1 234,5'``, ``'1234.5'``, ``'−245 082'`` and ``'1,5'`` are numbers (1,5 is one and a
    half, never 15). ``'1.234,5'`` and ``'1,234.5'`` are rejected: they mix separators.
    """
    s = _number_text(text)
    return None if s is None else float(s)


def parse_decimal(text: str) -> Decimal | None:
    """As :func:`parse_number`, but exact: ``'−7,75'`` -> ``Decimal('-7.75')`` (its printed decimals kept)."""
    s = _number_text(text)
    return None if s is None else Decimal(s)


def decimals_of(text: str) -> int:
    """How many decimals a number is written with: ``'1 234,50'`` -> 2, ``'7'`` -> 0."""
    s = _number_text(text) or ""
    return len(s.split(".", 1)[1]) if "." in s else 0


def _number_text(text: str) -> str | None:
    """A number as Python reads it ('-1234.5'), or None when the text is not a number."""
    s = text.strip()
    for m in _MINUSES:
        if s.startswith(m):
            s = "-" + s[1:]
    if not s:
        return None
    if _GROUPED.match(s):
        s = _SPACES.sub("", s)
    elif not _PLAIN.match(s):
        return None
    return s.replace(",", ".")


# Amounts at or above this are typing or export errors (and beyond what rounding in fmt can hold).
MAX_MAGNITUDE = 1e15
TOO_LARGE = "ett tal mindre än 1 000 000 000 000 000 till beloppet (högst 15 siffror före decimaltecknet)"


def parse_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


# --- specs -------------------------------------------------------------------------------

KINDS = {
    "text": "text",
    "number": "ett tal, t.ex. 1234 eller −1 234,5",
    "decimal": "ett tal som i källan, t.ex. 1234 eller −1 234,5",
    "int": "ett heltal, t.ex. 3",
    "year": "ett årtal med fyra siffror, t.ex. 2025",
    "date": "ett datum som ÅÅÅÅ-MM-DD, t.ex. 2025-04-30",
    "choice": "ett av värdena",
}


# What the columns that many files share mean, where a column gives no description of its own.
SHARED_DOCS = {
    "kalla": "Källdokumentets id i data/kallor.csv",
    "avsnitt": "Var i källan: avsnittets rubrik, tabellen eller sidan som i dokumentet (källraden länkar dit)",
    "citat": "Meningen ordagrant ur källan",
}


@dataclass(frozen=True)
class Col:
    name: str
    kind: str = "text"
    required: bool = True
    choices: tuple[str, ...] = ()
    sign: str | None = None  # "+" (never negative) or "-" (never positive)
    doc: str = ""
    pattern: str | None = None  # text columns: a regular expression the (stripped) value must match
    pattern_text: str = ""  # what the pattern allows, in Swedish (the message's "förväntade ...")
    may_omit: bool = False  # the header may leave the column out (read as empty cells); for columns added later

    @property
    def description(self) -> str:
        """What the column holds, in Swedish (its own ``doc``, else the shared one for its name)."""
        return self.doc or SHARED_DOCS.get(self.name, "")

    def expected(self) -> str:
        if self.pattern:
            return self.pattern_text or f"en text som matchar {self.pattern}"
        if self.kind == "choice":
            return "ett av: " + ", ".join(self.choices)
        return KINDS[self.kind]


@dataclass(frozen=True)
class TableSpec:
    filename: str
    title: str
    columns: tuple[Col, ...]
    key: tuple[str, ...] = ()
    doc: str = ""

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def col(self, name: str) -> Col:
        return next(c for c in self.columns if c.name == name)


@dataclass(frozen=True, order=True)
class Issue:
    file: str
    row: int  # Excel-style: the header is row 1, the first data row is row 2
    column: str
    value: str
    expected: str
    severity: str = "fel"  # "fel" stops the build; "varning" is reported

    def message(self) -> str:
        where = f"{self.file}, rad {self.row}" if self.row else self.file
        yml = self.file.endswith((".yml", ".yaml"))
        if self.column:
            where += f", {'nyckel' if yml else 'kolumn'} '{self.column}'"
        found = f"värdet '{self.value}'" if self.value != "" else "inget värde" if yml else "en tom cell"
        return f"{where}: {found} – förväntade {self.expected}."


class DataError(Exception):
    """Raised when data/ does not pass validation; carries every issue of the run."""

    def __init__(self, issues: list[Issue]):
        self.issues = sorted(set(issues))
        super().__init__(self.report())

    def report(self) -> str:
        errors = [i for i in self.issues if i.severity == "fel"]
        head = f"{len(errors)} fel i indata. Inget har byggts om; den förra boken och webbplatsen är orörda."
        return "\n".join([head, *("  - " + i.message() for i in self.issues)])


# --- reading --------------------------------------------------------------------------------


def _decode(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


SAVE_AS_CSV = "spara filen i Excel som CSV UTF-8 (kommaavgränsad) (.csv)"


def _looks_utf16(raw: bytes) -> bool:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    head = raw[:400]
    if len(head) < 4:
        return False
    odd, even = head[1::2], head[0::2]
    return odd.count(0) > 0.8 * len(odd) or even.count(0) > 0.8 * len(even)


def text_problem(raw: bytes) -> tuple[str, str] | None:
    """Why ``raw`` is not a text file rapportbok reads: (what was found, what was expected); else None."""
    if raw.startswith(b"PK\x03\x04"):
        return (
            "en Excel-arbetsbok (eller zip-fil)",
            "en textfil (CSV), inte en arbetsbok med ändelsen .csv – " + SAVE_AS_CSV,
        )
    if _looks_utf16(raw):
        return "en fil i UTF-16 (Unicode-text)", "en textfil i UTF-8 – " + SAVE_AS_CSV
    if b"\x00" in raw:
        return "binärt innehåll (nolltecken)", "en textfil (CSV) – " + SAVE_AS_CSV
    body = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    try:
        body.decode("utf-8")
        return None
    except UnicodeDecodeError:
        pass
    try:
        body.decode("cp1252")
        return None
    except UnicodeDecodeError as err:
        line = body[: err.start].count(b"\n") + 1
        return (
            f"byten 0x{body[err.start]:02X} på rad {line}",
            "en textfil i UTF-8 eller Windows-1252 – " + SAVE_AS_CSV,
        )


def _delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _check_for(c: Col) -> list[pa.Check]:
    blank = r"^\s*$"

    def ok(series: pd.Series, test) -> pd.Series:
        empty = series.str.match(blank)
        return (empty & (not c.required)) | (~empty & series.map(test).astype(bool))

    checks: list[pa.Check] = []
    if c.kind == "text":
        if c.required:
            checks.append(pa.Check(lambda s: ~s.str.match(blank), error="en ifylld cell (text)"))
        if c.pattern:
            rx = re.compile(c.pattern)
            # An empty cell is the "ifylld" check's to report (or allowed).
            checks.append(
                pa.Check(
                    lambda s: s.str.match(blank) | s.map(lambda v: rx.fullmatch(v.strip()) is not None),
                    error=c.expected(),
                )
            )
        return checks
    if c.kind in ("number", "decimal"):
        test = lambda v: parse_number(v) is not None  # noqa: E731
    elif c.kind == "int":
        test = lambda v: (n := parse_number(v)) is not None and float(n).is_integer()  # noqa: E731
    elif c.kind == "year":
        test = lambda v: re.fullmatch(r"\s*(19|20)\d\d\s*", v) is not None  # noqa: E731
    elif c.kind == "date":
        test = lambda v: parse_date(v) is not None  # noqa: E731
    elif c.kind == "choice":
        test = lambda v: v.strip() in c.choices  # noqa: E731
    else:  # pragma: no cover - a programming error in a spec
        raise ValueError(c.kind)
    checks.append(pa.Check(lambda s, t=test: ok(s, t), error=c.expected()))
    if c.kind in ("number", "int", "decimal"):
        checks.append(
            pa.Check(
                lambda s: s.map(lambda v: (n := parse_number(v)) is None or abs(n) < MAX_MAGNITUDE), error=TOO_LARGE
            )
        )
    if c.sign and c.kind in ("number", "int", "decimal"):
        if c.sign == "+":
            sign_ok, words = (lambda n: n >= 0), "ett tal som inte är negativt"
        else:
            sign_ok, words = (lambda n: n <= 0), "ett tal som inte är positivt"
        checks.append(
            pa.Check(
                lambda s, f=sign_ok: s.map(lambda v: (n := parse_number(v)) is None or f(n)),
                error=words,
            )
        )
    return checks


def _convert(df: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    out = pd.DataFrame(index=df.index)
    for c in spec.columns:
        s = df[c.name].str.strip()
        if c.kind == "number":
            out[c.name] = s.map(lambda v: parse_number(v) if v else None).astype("float64")
        elif c.kind == "decimal":  # exact, as stated (never a binary float); empty stays None
            out[c.name] = s.map(lambda v: parse_decimal(v) if v else None).astype("object")
        elif c.kind in ("int", "year"):
            out[c.name] = s.map(lambda v: int(parse_number(v)) if v else None).astype("Int64")
        elif c.kind == "date":
            out[c.name] = s.map(lambda v: parse_date(v) if v else None).astype("object")
        else:
            out[c.name] = s.astype("object").where(s != "", None)
    return out


def cell_text(value) -> str:
    """An Excel cell as the text a CSV file would hold.

    Numbers stored as numbers become their exact text with a decimal point (1234.5 ->
    '1234.5', 3.0 -> '3', never scientific notation); dates become 'YYYY-MM-DD'; empty -> ''.
    Text stays as typed (so '1,5' typed as text is read by :func:`parse_number` as 1.5).
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "SANT" if value else "FALSKT"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


XLSX_HELP = (
    "en arbetsbok som går att öppna: öppna filen i Excel och spara den som Excel-arbetsbok (.xlsx) "
    "eller som CSV UTF-8 (kommaavgränsad) (.csv)"
)


def xlsx_rows(path: Path, label: str) -> tuple[list[list[str]] | None, list[Issue]]:
    """The first sheet of an .xlsx workbook as rows of text (row 1 is the header), or the issues.

    Streamed and bounded by :func:`rapportbok.data.workbook.read_sheet` (formula cells without a
    saved result are refused with their address).
    """
    import openpyxl

    from rapportbok.data.workbook import read_sheet

    rows, problems = read_sheet(Path(path), label)
    if rows is None:
        return None, problems
    if not rows:
        return [], []
    width = len(rows[0])
    while width and not rows[0][width - 1].strip():
        width -= 1
    issues = []
    for i, r in enumerate(rows[1:], start=2):
        for j in range(width, len(r)):
            if r[j].strip():
                letter = openpyxl.utils.get_column_letter(j + 1)
                issues.append(
                    Issue(
                        label,
                        i,
                        letter,
                        r[j],
                        "inga värden utanför kolumnerna med rubrik (kolumn A–"
                        + (openpyxl.utils.get_column_letter(width) if width else "A")
                        + ")",
                    )
                )
    if issues:
        return None, issues
    return [(r + [""] * width)[:width] for r in rows], []


def read_table(path: Path, spec: TableSpec, label: str | None = None) -> tuple[pd.DataFrame | None, list[Issue]]:
    """Read and validate one data file (CSV, or the first sheet of an .xlsx workbook).

    Returns the typed table (or None) and every issue.
    """
    label = label or str(path)
    if str(path).lower().endswith(".xlsx"):
        rows, problems = xlsx_rows(Path(path), label)
        if rows is None:
            return None, problems
        if not any(c.strip() for c in (rows[0] if rows else [])):
            return None, [Issue(label, 0, "", "", "en rubrikrad med kolumnerna " + ", ".join(spec.names))]
        delim = ","
    else:
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None, [Issue(label, 0, "", "", "att filen finns")]
        except IsADirectoryError:
            return None, [Issue(label, 0, "", "", "en fil, inte en mapp")]
        problem = text_problem(raw)
        if problem:
            return None, [Issue(label, 0, "", *problem)]
        text = _decode(raw)
        if not text.strip():
            return None, [Issue(label, 0, "", "", "en rubrikrad med kolumnerna " + ", ".join(spec.names))]
        first = text.splitlines()[0]
        delim = _delimiter(first)
        reader = csv.reader(io.StringIO(text), delimiter=delim)
        try:
            rows = list(reader)
        except csv.Error:
            return None, [
                Issue(
                    label,
                    reader.line_num + 1,
                    "",
                    "",
                    "en CSV-fil där varje cell med citattecken "
                    "avslutas och ingen cell är orimligt lång – " + SAVE_AS_CSV,
                )
            ]
    header = [h.strip() for h in rows[0]]
    issues: list[Issue] = []
    for j, name in enumerate(header):
        if name and name in header[:j]:
            issues.append(Issue(label, 1, name, name, "varje kolumnnamn bara en gång i rubrikraden"))
    for c in spec.columns:
        if c.name not in header and not c.may_omit:
            issues.append(Issue(label, 1, c.name, "", "kolumnen '" + c.name + "' i rubrikraden"))
    for name in header:
        if name not in spec.names:
            issues.append(Issue(label, 1, name, name, "bara kända kolumner: " + ", ".join(spec.names)))
    body = []
    for i, r in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in r):
            continue
        if len(r) != len(header):
            issues.append(
                Issue(label, i, "", delim.join(r), f"{len(header)} fält avgränsade med '{delim}', fann {len(r)}")
            )
            continue
        body.append((i, r))
    if issues:
        return None, issues
    df = pd.DataFrame([r for _, r in body], columns=header, index=[i for i, _ in body], dtype="object")
    for name in spec.names:
        if name not in df.columns:  # a column the spec lets the header leave out
            df[name] = ""
    df = df[spec.names].fillna("").astype(str)
    # Every cell is a string by now, so the columns carry no dtype check: pandera's check of ``str`` on an
    # object column tests each cell and then formats an empty table of failure cases into a message it
    # throws away, for every column of every table (13 % of the checks before the kernels at 290
    # organisations; handbok/historik/byggtider.md).
    schema = pa.DataFrameSchema({c.name: pa.Column(None, _check_for(c), nullable=False) for c in spec.columns})
    try:
        schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as err:
        for fc in err.failure_cases.itertuples():
            row = int(fc.index) if fc.index is not None and not pd.isna(fc.index) else 0
            issues.append(Issue(label, row, str(fc.column), str(fc.failure_case), str(fc.check)))
    issues += _duplicate_keys(df, spec, label)
    if issues:
        return None, sorted(set(issues))
    return _convert(df, spec), []


def _key_value(c: Col, text: str):
    """A key cell as the value the book uses: ' 2024' and '2024', '2' and '2,0' are the same key."""
    s = text.strip()
    if c.kind in ("number", "int", "year", "decimal"):
        n = parse_number(s)
        return n if n is not None else s
    if c.kind == "date":
        return parse_date(s) or s
    return s


def _duplicate_keys(df: pd.DataFrame, spec: TableSpec, label: str) -> list[Issue]:
    if not spec.key or df.empty:
        return []
    keys = pd.DataFrame({k: df[k].map(functools.partial(_key_value, spec.col(k))) for k in spec.key}, index=df.index)
    return [
        Issue(
            label,
            int(row),
            "+".join(spec.key),
            " / ".join(df.at[row, k].strip() for k in spec.key),
            "en unik kombination av " + ", ".join(spec.key) + " (raden finns redan)",
        )
        for row in keys.index[keys.duplicated(keep="first")]
    ]
