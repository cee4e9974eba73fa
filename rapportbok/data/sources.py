"""The source documents: every row in data/ names one of them in its ``kalla`` column."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from rapportbok.core.paths import SOURCE_ID, SOURCE_ID_TEXT, PathError, data_dir, inside
from rapportbok.data.schema import Col, DataError, Issue, TableSpec, read_table

KALLOR = TableSpec(
    "kallor.csv",
    "Källdokument",
    (
        # The id names the source's page (book/kallor/<kalla>.md), so it is checked against a pattern.
        Col("kalla", doc="Kort id som datafilerna hänvisar till", pattern=SOURCE_ID.pattern, pattern_text=SOURCE_ID_TEXT),
        Col("titel"),
        Col("organisation"),
        Col("dokumenttyp"),
        Col("beslut", required=False),
        Col("fil", doc="Sökväg under data/ till dokumentets text (relativ, inom data/)"),
    ),
    key=("kalla",),
)

KOLADA_SOURCE = "kolada"


def _file_issues(df, data: Path) -> list[Issue]:
    """Each source's text file must be a path inside data/ (resolved: no '..', no absolute path, no link out)."""
    issues = []
    for row, fil in df["fil"].items():
        try:
            inside(data, fil)
        except PathError as err:
            issues.append(Issue("kallor.csv", int(row), "fil", str(fil), err.expected + " (en fil under data/)"))
    return issues


def load(data: Path | None = None):
    """data/kallor.csv, indexed by ``kalla``; ids and file paths checked (DataError names file, row, column)."""
    data = data or data_dir()
    df, issues = read_table(data / KALLOR.filename, KALLOR, "kallor.csv")
    if not issues:
        issues = _file_issues(df, data)
    if issues:
        raise DataError(issues)
    return df.set_index("kalla")


def text_file(row, data: Path | None = None) -> Path:
    """The resolved path of a source's text (a row of :func:`load`), confined to data/."""
    return inside(data or data_dir(), row["fil"])


@lru_cache(maxsize=8)
def _cached(data: str):
    return load(Path(data))


def label(source_id: str, data: Path | None = None) -> str:
    """A reader's citation: 'Källa: Socialnämndens budget 2025–2027 (Socialnämnden 2024-12-10, ...)'."""
    if source_id == KOLADA_SOURCE:
        return "Källa: Kolada"
    row = _cached(str(data or data_dir())).loc[source_id]
    extra = f" ({row['beslut']})" if row["beslut"] else ""
    return f"Källa: {row['titel']}{extra}"


def cite(df, data: Path | None = None) -> str:
    """The citation for a table built from rows with ``kalla`` and ``avsnitt`` columns."""
    parts = []
    for (kalla, avsnitt), _ in df.groupby(["kalla", "avsnitt"], sort=False):
        parts.append(f"{label(kalla, data)}, {avsnitt}")
    return "; ".join(dict.fromkeys(parts))


PAGES = "kallor"  # the source documents' pages on the site: book/kallor/<kalla>.md


def page_name(source_id: str) -> str:
    return f"{source_id}.html"


def link_titles(escaped: str, prefix: str = "../../kallor/", data: Path | None = None) -> str:
    """Make each source document's title in an (HTML-escaped) citation a link to its page on the site.

    Chapter pages live at book/<org>/<year>/, the source pages at book/kallor/, hence the prefix.
    """
    import re

    from rapportbok.core import escape

    try:
        df = _cached(str(data or data_dir()))
    except (DataError, OSError):
        return escaped
    titles = {escape.html_text(t): str(k) for k, t in df["titel"].items()}
    if not titles:
        return escaped
    pattern = re.compile("|".join(re.escape(t) for t in sorted(titles, key=len, reverse=True)))
    return pattern.sub(
        lambda m: f'<a href="{escape.html_attr(prefix + page_name(titles[m.group(0)]))}">{m.group(0)}</a>', escaped)
