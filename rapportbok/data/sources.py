"""The source documents: every row in data/ names one of them in its ``kalla`` column."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from rapportbok.core import ids, inputs, state
from rapportbok.core.paths import PathError, data_dir
from rapportbok.data import citation
from rapportbok.data.schema import Col, DataError, Issue, TableSpec, read_table

KALLOR = TableSpec(
    "kallor.csv",
    "Källdokument",
    (
        # The id names the source's page (book/kallor/<kalla>.md), so it is checked against a pattern.
        Col(
            "kalla",
            doc="Kort id som datafilernas kolumn kalla hänvisar till; visas inte för läsaren",
            pattern=ids.SOURCE_ID,
        ),
        Col("titel", doc="Dokumentets titel; boken citerar dokumentet som Källa: titel (beslut), avsnitt"),
        Col("organisation", doc="Organisationens mapp under data/ som dokumentet hör till, t.ex. alingsas"),
        Col("dokumenttyp", doc="Slaget av dokument, t.ex. Budget, Månadsrapport, Åtgärdsplan, Genomlysning"),
        Col(
            "beslut",
            required=False,
            doc="Beslutet som i källan, t.ex. Socialnämnden 2025-11-20 § 42, dnr …; tom om dokumentet inte anger något",
        ),
        Col(
            "fil",
            doc="Sökväg under data/ till dokumentets text i UTF-8 (relativ, inom data/); källsidan visar den rad för rad",
        ),
        # The original document's public address, where known (the source page links it). Left empty
        # when no real address is known: never a guessed one.
        Col(
            "url",
            required=False,
            may_omit=True,
            doc="Originaldokumentets offentliga adress (https://…); lämna tom om du inte vet den säkert, boken "
            "hittar aldrig på en adress. En adress som bara är känd som http:// godtas; källans sida säger det, och "
            "boken hämtar aldrig något från adressen",
            pattern=r"https?://[^\s<>\"'`]+",
            pattern_text="en adress som börjar med https:// (eller http:// om bara den är känd), utan mellanslag, "
            "eller en tom cell",
        ),
    ),
    key=("kalla",),
    doc="Källdokumenten, en rad per dokument. Varje rad i varje annan datafil anger sitt dokument i kolumnen kalla.",
)

KOLADA_SOURCE = citation.KOLADA_SOURCE
HTTP_ONLY = (
    "adressen är bara känd som http://, inte https://: den godtas och visas på källans sida med en anmärkning, "
    "men boken hämtar aldrig något därifrån; ange https:// om dokumentet finns där"
)


def is_http_only(url) -> bool:
    """A source address known only as http:// (accepted with a note, never fetched)."""
    return isinstance(url, str) and url.strip().lower().startswith("http://")


def address_notes(df) -> list[Issue]:
    """A warning for each source whose address is only known as http:// (the register as read by :func:`load`)."""
    if "url" not in df.columns:
        return []
    return [
        Issue("kallor.csv", 0, "url", str(url).strip(), HTTP_ONLY + f" (källan {kalla})", severity="varning")
        for kalla, url in df["url"].items()
        if is_http_only(url)
    ]


FIL_EXPECTED = "en relativ sökväg som stannar inom data/ (en fil under data/)"


def _file_issues(df, data: Path) -> list[Issue]:
    """Each source's text file must be a path inside data/ as written (no '..' out, no absolute path); a link on
    the way is refused, by its name, where the text is read (rapportbok.core.inputs)."""
    issues = []
    for row, fil in df["fil"].items():
        try:
            inputs.confined(data / fil, data, str(fil))
        except inputs.InputError:
            issues.append(Issue("kallor.csv", int(row), "fil", str(fil), FIL_EXPECTED))
    return issues


def load(data: Path | None = None):
    """data/kallor.csv, indexed by ``kalla``; ids and file paths checked (DataError names file, row, column)."""
    data = data or data_dir()
    df, issues = read_table(data / KALLOR.filename, KALLOR, "kallor.csv", base=data)
    if not issues:
        issues = _file_issues(df, data)
    if issues:
        raise DataError(issues)
    return df.set_index("kalla")


def read_text(row, data: Path | None = None) -> str:
    """A source's text (a row of :func:`load`), as it is published: a regular UTF-8 file under data/ (no '..'
    out, no absolute path), reached without a link (a link inside data/ would publish another file under this
    source's name), at most :data:`rapportbok.core.inputs.TEXT_LIMIT`. InputError (file, line, found,
    expected) else."""
    data = data or data_dir()
    return inputs.read_text(data / row["fil"], data, limit=inputs.TEXT_LIMIT, label=str(row["fil"]))


# The register as read and checked, kept across notebooks on a reused kernel, keyed by its path and
# whole content: every page cites sources, and reading and checking the register for each notebook cost
# more than a small chapter's own work (and grows with the number of organisations). A source's text is
# still read, and its path checked, once per notebook (_lines). ``_seen``: this notebook's entry per data
# folder, so that a citation does not read the register again; reset before each notebook.
_registers: dict[tuple[str, bytes], dict] = {}
_seen: dict[str, dict] = {}


def _register(data: str) -> dict:
    hit = _seen.get(data)
    if hit is None:
        try:
            raw = inputs.read_bytes(Path(data) / KALLOR.filename, Path(data), limit=inputs.CSV_LIMIT)
            key = (data, raw)
        except (OSError, inputs.InputError):
            key = None  # load() says what is wrong
        hit = _registers.get(key) if key is not None else None
        if hit is None:
            hit = {"df": load(Path(data))}
            if key is not None:
                _registers.clear()  # one register: the project's
                _registers[key] = hit
        _seen[data] = hit
    return hit


def _cached(data: str):
    return _register(data)["df"].copy()  # a caller's change stays in its copy


def label(source_id: str, data: Path | None = None) -> str:
    """A reader's citation: 'Källa: Socialnämndens budget 2025–2027 (Socialnämnden 2024-12-10, ...)'."""
    if source_id == KOLADA_SOURCE:
        return citation.label(None, source_id)
    return citation.label(_cached(str(data or data_dir())), source_id)


def cite(df, data: Path | None = None) -> str:
    """The citation for a table built from rows with ``kalla`` and ``avsnitt`` columns."""
    return citation.cite(_cached(str(data or data_dir())), df)


PAGES = "kallor"  # the source documents' pages on the site: book/kallor/<kalla>.md


# --- sources to the line: a citation's section as a line of the source's text (rapportbok.data.citation) ---------


# Every source an organisation cites is read for each of its pages (texts), once per notebook: room for all of
# them (the cache is emptied before each notebook, so it holds one organisation's texts at most).
@lru_cache(maxsize=512)
def _lines(data: str, source_id: str) -> tuple[str, ...]:
    row = _cached(data).loc[source_id]
    return tuple(read_text(row, Path(data)).splitlines())


def _forget() -> None:
    _seen.clear()
    _lines.cache_clear()


# The texts (_lines) are keyed by the data folder, not by content: a new notebook reads them again, and
# looks the register up again by its content (_registers is kept: its key is the register's whole content).
state.register(__name__, _forget)


def texts(rows, data: Path | None = None) -> citation.SourceTexts:
    """The sources of ``rows`` (rows of the register, indexed by ``kalla``: an organisation's, as
    ``datasets.load_org(...)["kallor"]`` holds them) with each one's text line by line, as a value for the pages
    (rapportbok.present.tables links a citation's titles and sections with it). A text that cannot be read is left
    out: its title still links, to the top of its page (the check of data/ names what is wrong with it)."""
    folder = str(data or data_dir())
    lines = {}
    for kalla in rows.index:
        try:
            lines[str(kalla)] = _lines(folder, str(kalla))
        except (KeyError, OSError, DataError, PathError, inputs.InputError):
            continue
    return citation.SourceTexts(rows.copy(), lines)


def quote_anchor(source_id: str, quote: str, data: Path | None = None) -> str:
    """'#rad-41' for the line of the source's text where a quoted sentence begins (its first words, whitespace
    alike), or '' if not found."""
    words = " ".join(str(quote).split()[:8]).casefold()
    if not words:
        return ""
    try:
        lines = _lines(str(data or data_dir()), source_id)
    except (KeyError, OSError, DataError, PathError, inputs.InputError):
        return ""
    for n, line in enumerate(lines, start=1):
        if words in " ".join(line.split()).casefold():
            return "#" + citation.line_id(n)
    return ""
