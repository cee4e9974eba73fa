"""Tables for the book: Swedish number format through rapportbok.core.fmt, a caption and the source.

Tables are emitted as plain HTML (``IPython.display.HTML``) with a fixed id, so their output is
byte-identical on every execution and nbval can compare it. Every cell, column name, caption and
source line is data text and is HTML-escaped (rapportbok.escape) before the table's own markup
(source links, bold subtotal rows) is added. On a chapter page (see
``begin_page``) each table also gets CSV and Excel downloads with the same numbers as shown
(rapportbok.present.downloads). A numeric column is declared with a ``fmt.Number`` format (or
gets one from its name, ``formatter_for``); only such columns are numbers in the downloads. Any
other formatter gives text. ``notes`` are the table's footnotes (the text behind a mark such as
¹): shown under the table and written into its downloads.

Nothing here reads or writes a file: the page hands in its sources with their texts (a
``citation.SourceTexts``) and a function that saves the downloads' bytes next to the notebook
(rapportbok.chapters.save_downloads); this module builds the HTML and the bytes.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

import pandas as pd
from IPython.display import HTML

from rapportbok.core import escape, fmt, state
from rapportbok.data.citation import SourceTexts, page_name

Formatter = Callable[[object], str]
# Saves a table's downloads: {path relative to the notebook ("tabeller/budget-ramar.csv"): the file's bytes}.
Save = Callable[[dict[str, bytes]], None]

_page: str | None = None  # the chapter being executed; its tables get downloads
_about: tuple[tuple[str, str], ...] = ()  # whose tables and for which report: written into each download
_sources: SourceTexts | None = None  # the page's sources: their titles in a source line link to their pages
_save: Save | None = None  # where the page's downloads go


def begin_page(
    chapter: str | None,
    about: tuple[tuple[str, str], ...] | None = None,
    sources: SourceTexts | None = None,
    save: Save | None = None,
) -> None:
    """Tables shown from now on belong to this chapter page (downloads named ``<chapter>-<id>``). ``about``:
    (label, text) lines that every download of the page states, e.g. ("Organisation", "Alingsås kommun,
    socialnämnden"), ("Rapportdatum", "30 april 2025"). ``sources``: the sources the page cites, with their
    texts (``rapportbok.data.sources.texts``): a source line links their titles. ``save``: saves each table's
    downloads (``rapportbok.chapters.save_downloads``); without it a table gets none. None keeps what the page
    before gave (the overview shows the chapters' pages of the same organisation and year)."""
    global _page, _about, _sources, _save
    _page = chapter
    if about is not None:
        _about = tuple(about)
    if sources is not None:
        _sources = sources
    if save is not None:
        _save = save


def current_page() -> str | None:
    """The chapter page whose tables are being shown (set by :func:`begin_page`)."""
    return _page


def _end_page() -> None:
    global _page, _about, _sources, _save
    _page, _about, _sources, _save = None, (), None, None


state.register(__name__, _end_page)  # a new notebook starts without a page


def formatter_for(column: str) -> fmt.Number:
    """Pick the Swedish format from the column name: '%' columns as per cent, others as numbers."""
    if "%" in column or "procent" in column.lower():
        return fmt.Number(1, unit="%")
    if "mnkr" in column:
        return fmt.Number(1)
    return fmt.Number(0)


def drop_empty_columns(df: pd.DataFrame, keep: tuple[str, ...] = ()) -> tuple[pd.DataFrame, list]:
    """The table without the columns (other than the first and ``keep``) where no row has a value;
    and those columns' names."""
    if df.empty:
        return df, []
    empty = [
        c
        for c in df.columns[1:]
        if c not in keep
        and all(fmt.is_missing(v) or (isinstance(v, str) and v.strip() in ("", fmt.MISSING)) for v in df[c])
    ]
    return (df.drop(columns=empty), empty) if empty else (df, [])


def to_html(
    df: pd.DataFrame,
    uid: str,
    caption: str,
    source: str | None = None,
    formats: dict[str, Formatter] | None = None,
    bold_rows: list[int] | None = None,
    download: bool = True,
    wrap: list[str] | None = None,
    notes: list[str] | None = None,
    keep_empty: tuple[str, ...] = (),
    indent: list[int] | None = None,
    key: list[str] | None = None,
    lights: list[str] | None = None,
) -> str:
    """``wrap``: long text columns (a description, a comment). Text breaks only between words, never
    inside one; on a phone a long text column keeps a readable width (rapportbok.css, ``td.rapportbok-lang``)
    and the table scrolls sideways in its own box instead.
    ``indent``: per row, how many levels its first cell is indented (sub-rows under a heading row).
    ``key``: the columns a reader needs to read the table: what a row is and its figures. Default: the
    first column and every numeric column. Their headings get the class ``rapportbok-nyckel``; the browser
    test (tests/test_reader.py) requires them in view at 1366 px, so a chapter puts them before long text.
    ``lights``: columns whose cells begin with a traffic light's word ("röd (0 % av förväntat)"): the page draws
    the light's dot before the word (:func:`light_dot`); the downloads keep the words.

    The table stands in its own box (``div.rapportbok-rulla``) that scrolls sideways when the table is wider
    than the screen; the box then shows a cue above the table (``p.rapportbok-svep``, shown by
    ``_static/rapportbok.js`` only when the box overflows).

    A column with no value in any row (all "–") is not shown: the source line names it instead
    (``keep_empty`` lists columns that are shown all the same)."""
    df, empty = drop_empty_columns(df, keep_empty)
    if empty:
        names = ", ".join(str(c) for c in empty)
        source = ((source + ". ") if source else "") + (
            f"Kolumnen {names} visas inte: den har inga värden."
            if len(empty) == 1
            else f"Kolumnerna {names} visas inte: de har inga värden."
        )
        source = source.replace(".. ", ". ")
    formats = {c: f for c, f in (formats or {}).items() if c in df.columns}
    for col in df.columns:
        if col not in formats and pd.api.types.is_numeric_dtype(df[col]):
            formats[col] = formatter_for(str(col))
    uid = escape.ident(uid)  # an HTML id and part of the download's file name
    styler = (
        df.style.format(formats, na_rep=fmt.MISSING, escape="html")  # data text is never markup
        .format_index(soft_hyphens, escape="html", axis=1)  # a long heading word breaks at a syllable too
        .hide(axis="index")
        .set_uuid(uid)
        .set_caption(escape.html_text(caption))
        .set_table_attributes('class="rapportbok-tabell"')
    )
    numeric = [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c])]
    if numeric:
        styler = styler.set_properties(subset=numeric, **{"text-align": "right", "white-space": "nowrap"})
    wrap = [c for c in (wrap or []) if c in df.columns]
    if wrap:
        classes = pd.DataFrame("", index=df.index, columns=df.columns)
        classes[wrap] = "rapportbok-lang"
        styler = styler.set_td_classes(classes)

        # Long Swedish words may break at a syllable, with a hyphen ("kompetens-försörjnings-strategin"), so a
        # long text column does not push the key columns out of view; never at an arbitrary letter. On the page
        # only: the downloads keep the text as it is.
        def hyphenated(f):
            return lambda v: soft_hyphens(f(v) if f else str(v))

        styler = styler.format(
            {c: hyphenated(formats.get(c)) for c in wrap},
            subset=wrap,
            na_rep=fmt.MISSING,
            escape="html",
        )
    if bold_rows:
        styler = styler.set_properties(subset=pd.IndexSlice[df.index[bold_rows], :], **{"font-weight": "bold"})
    for level in sorted(set(indent or []) - {0}):
        rows = [i for i, d in enumerate(indent) if d == level]
        styler = styler.set_properties(
            subset=pd.IndexSlice[df.index[rows], df.columns[:1]], **{"padding-left": f"{1.2 * level:g}em"}
        )
    lights = [c for c in (lights or []) if c in df.columns]
    if lights:

        def with_dot(f):
            return lambda v: light_dot(str(v)) + (f(v) if f else str(v))

        styler = styler.format({c: with_dot(formats.get(c)) for c in lights}, subset=lights, escape="html")
    keys = key_columns(df, formats, key)
    out = _boxed(_mark_key_headings(styler.to_html(), uid, [j for j, c in enumerate(df.columns) if c in keys]))
    if source:
        out += source_line(source)
    if download and _page and _save is not None:
        from rapportbok.present import downloads

        files = downloads.files(
            df, formats, f"{_page}-{uid.replace('_', '-')}", caption, source, notes=notes, about=_about
        )
        _save(files)
        csv_name, xlsx_name = files  # the CSV file's path, then the Excel file's
        what = escape.html_attr(caption)
        out += (
            '<p class="rapportbok-nedladdning">Ladda ner tabellen: '
            f'<a href="{escape.html_attr(csv_name)}" download aria-label="Ladda ner {what} som CSV">CSV</a> · '
            f'<a href="{escape.html_attr(xlsx_name)}" download aria-label="Ladda ner {what} som Excel">Excel</a></p>'
        )
    if notes:
        out += f'<p class="rapportbok-notis">{escape.html_text(" ".join(notes))}</p>'
    return out


def warm_up() -> None:
    """A first table's libraries loaded ahead (rapportbok.present.warm_up): pandas' Styler with its templates, and the
    Swedish hyphenation dictionary. Nothing is shown or kept (no page state)."""
    pd.DataFrame({"Belopp": [-1234.5]}).style.format({"Belopp": lambda v: fmt.number(v, 1)}, escape="html").to_html()
    soft_hyphens("Verksamhetsområdesövergripande")


SOFT_HYPHEN = "\u00ad"
_LONG_WORD = re.compile(r"[^\W\d_]{14,}")  # letters only: never inside an HTML entity such as &amp;


@functools.lru_cache(maxsize=1)
def _dictionary():
    import pyphen

    return pyphen.Pyphen(lang="sv_SE", left=4, right=4)


def soft_hyphens(text: str) -> str:
    """Soft hyphens (U+00AD) at the syllables of long words (14 letters or more), by Swedish hyphenation rules
    (pyphen, LibreOffice's dictionary): the browser breaks such a word there, with a hyphen, only where it must."""
    return _LONG_WORD.sub(lambda m: _dictionary().inserted(m.group(0), hyphen=SOFT_HYPHEN), text)


# Each traffic light's colour (with a darker rim, so the yellow and grey dots stand out on white and on the
# dark mode's grey) and its name for a screen reader.
_LIGHT = {
    "grön": ("#2e7d32", "#1b5e20"),
    "gul": ("#f2c200", "#8a6d00"),
    "röd": ("#c62828", "#7f1d1d"),
    "grå": ("#bdbdbd", "#616161"),
}


def light_dot(text: str) -> str:
    """The dot of the traffic light that ``text`` begins with ("röd (0 % av förväntat)"), as inline SVG followed
    by a space; "" for any other text. A drawing prints on every machine: an emoji needs a colour-emoji font,
    and without one Chromium printed an empty box."""
    word = text.split(" ", 1)[0].strip().casefold()
    if word not in _LIGHT:
        return ""
    fill, rim = _LIGHT[word]
    return (
        '<svg class="rapportbok-ljus" width="0.85em" height="0.85em" viewBox="0 0 10 10" aria-hidden="true" '
        f'focusable="false"><circle cx="5" cy="5" r="4.3" fill="{fill}" stroke="{rim}" stroke-width="1"/></svg> '
    )


def key_columns(df: pd.DataFrame, formats: dict, key: list[str] | None = None) -> list:
    """A table's key columns (see :func:`to_html`): ``key`` where given (those still shown), else the first
    column and every column with a number format."""
    if key is not None:
        return [c for c in key if c in df.columns]
    return [c for j, c in enumerate(df.columns) if j == 0 or isinstance(formats.get(c), fmt.Number)]


def _mark_key_headings(html: str, uid: str, positions: list[int]) -> str:
    """The key columns' headings get the class ``rapportbok-nyckel`` (pandas' Styler names each heading
    ``T_<uid>_level0_col<j>``)."""
    for j in positions:
        head = f'id="T_{uid}_level0_col{j}" class="col_heading level0 col{j}"'
        html = html.replace(head, head[:-1] + ' rapportbok-nyckel"', 1)
    return html


# Shown above a table that is wider than its box (rapportbok.js decides; CSS hides it otherwise).
SWIPE_CUE = "Tabellen är bredare än skärmen: svep eller rulla i sidled för att se alla kolumner →"


def _boxed(table_html: str) -> str:
    """The table in its own sideways-scrolling box, with the cue that says so (shown only when it overflows)."""
    return (
        f'<div class="rapportbok-rulla"><p class="rapportbok-svep">{escape.html_text(SWIPE_CUE)}</p>{table_html}</div>'
    )


def source_line(source: str, css_class: str = "rapportbok-kalla") -> str:
    """A source line in HTML: the citation escaped, each source document's title a link to its page
    (on a chapter page that gave its sources)."""
    escaped = escape.html_text(source)
    linked = link_titles(escaped, _sources) if _page and _sources is not None else escaped
    return f'<p class="{escape.html_attr(css_class)}">{linked}</p>'


def link_titles(escaped: str, sources: SourceTexts, prefix: str = "../../kallor/") -> str:
    """Make each source document's title in an (HTML-escaped) citation a link to its page on the site.

    Chapter pages live at book/<org>/<year>/, the source pages at book/kallor/, hence the prefix.
    The link goes to the line where the cited section starts (the text after the title and the
    decision, up to the next ';'), or to the page's top if the section is not found.
    """
    rows = sources.rows
    titles = {escape.html_text(t): str(k) for k, t in rows["titel"].items()} if "titel" in rows.columns else {}
    # Only the titles in the text can match: a pattern of every title tried every title at every position.
    found = [t for t in titles if t in escaped]
    if not found:
        return escaped
    pattern = re.compile("|".join(re.escape(t) for t in sorted(found, key=len, reverse=True)))

    def link(m) -> str:
        kalla = titles[m.group(0)]
        rest = escape.html_plain(escaped[m.end() :])  # plain text: '&quot;' holds a ';'
        beslut = rows.loc[kalla, "beslut"] if "beslut" in rows.columns else ""
        if beslut:
            rest = rest.removeprefix(f" ({beslut})")
        rest = rest.split(";", 1)[0]
        anchor = sources.section_anchor(kalla, rest.removeprefix(", ")) if rest.startswith(", ") else ""
        return f'<a href="{escape.html_attr(prefix + page_name(kalla) + anchor)}">{m.group(0)}</a>'

    return pattern.sub(link, escaped)


def show(df: pd.DataFrame, uid: str, caption: str, source: str | None = None, **kw) -> HTML:
    return HTML(to_html(df, uid, caption, source, **kw))


def chart_title(title: str) -> HTML:
    """A chart's title as text above the image: the sentence that states the finding, escaped. Text, not
    pixels in the image, so it wraps to the screen's width (a phone needs no sideways scrolling to read
    it) and is printed once in the PDF."""
    return HTML(f'<p class="rapportbok-diagramrubrik">{escape.html_text(title)}</p>')


def chart_source(source: str) -> HTML:
    """A chart's source as text under the image: escaped, selectable, the documents' titles linked."""
    return HTML(source_line(source, "rapportbok-kalla rapportbok-diagramkalla"))


def note(text: str) -> HTML:
    """A plain sentence in the book, e.g. 'Källorna innehåller ingen uppföljning …'."""
    return HTML(f'<p class="rapportbok-notis">{escape.html_text(text)}</p>')
