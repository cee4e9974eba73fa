"""Data text is data, never code: the project's escaping rules, one function per target.

Every string that comes from data/, an import or the Kolada API (names, titles, comments,
status texts, source citations, KPI titles) reaches the published site and the downloads only
through these functions:

* ``html_text`` / ``html_attr``: text in HTML and in a quoted HTML attribute (tables, captions,
  source lines, links, notes, the PDF's cover).
* ``md_text``: literal text in Markdown/MyST (``rapportbok.present.display.md`` in the chapters, the pages
  that ``rapportbok.publish.build`` writes). Every ASCII punctuation character is backslash-escaped, as
  CommonMark allows, so MyST cannot see a role (``{download}``), a directive or fence, a link,
  inline HTML, an entity, math (``$``) or emphasis; line breaks become spaces, so no data text
  can start a block (heading, list, quote, table, indented code).
* ``md_code``: text shown as an inline code span (the fence is longer than any backtick run).
* ``md_role_text``: text inside a MyST role's content (``{download}`title <target>```), where
  backslash escapes do not work: the characters that end the role or its target are replaced.
* ``ident``: an HTML id or file-name part built from data (a table's id).
* ``csv_cell`` / ``xlsx_cell``: spreadsheet cells. A text cell that Excel or LibreOffice would
  read as a formula (starts with ``=``, ``+``, ``-``, ``@``, tab or carriage return, as OWASP
  lists) gets a leading single quote in the CSV, and an XLSX text cell is always written as a
  string, never as a formula.

Every one of them first drops the characters no input may hold (:func:`visible`: control characters, the
bidirectional overrides such as U+202E that would make a text read backwards, …). Files in data/ are refused
with such a character (rapportbok.core.inputs); text from the Kolada API is not a file, and is cleaned here.

``tests/test_escape.py`` fails if a new path around these functions appears; the hostile fixture
organisation (``tests/fixtures/hostile/``) is built by ``tests/test_hostile.py``.
"""

from __future__ import annotations

import html
import re

from rapportbok.core.inputs import FORBIDDEN


def visible(value: object) -> str:
    """``value`` as text without the characters no input may hold (rapportbok.core.inputs.FORBIDDEN)."""
    return FORBIDDEN.sub("", str(value))


# --- HTML -------------------------------------------------------------------------------------


def html_text(value: object) -> str:
    """Text inside an HTML element: ``<``, ``>``, ``&`` and both quotes become entities."""
    return html.escape(visible(value), quote=True)


def html_plain(escaped: str) -> str:
    """Back from escaped HTML text to plain text (to read a citation that is already escaped); the result
    is data again and goes through :func:`html_text` / :func:`html_attr` before it reaches HTML."""
    return html.unescape(escaped)


def html_attr(value: object) -> str:
    """A value for a double-quoted HTML attribute (``href="..."``, ``aria-label="..."``)."""
    return html.escape(visible(value), quote=True)


# --- Markdown / MyST --------------------------------------------------------------------------

# CommonMark: "Any ASCII punctuation character may be backslash-escaped."
_MD_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")
_MD_BREAKS = re.compile(r"[\r\n\t\v\f]+")


def md_text(value: object) -> str:
    """Data text as literal Markdown/MyST text: shown as is, never interpreted."""
    text = _MD_BREAKS.sub(" ", visible(value)).strip(" ")
    return _MD_PUNCT.sub(r"\\\1", text)


def md_code(value: object) -> str:
    """Data text as an inline code span: a backtick fence longer than any run of backticks in it."""
    text = _MD_BREAKS.sub(" ", visible(value))
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    return f"{fence} {text} {fence}"


_ROLE_UNSAFE = re.compile(r"[`<>\\\r\n\t\v\f]")


def md_role_text(value: object) -> str:
    """Data text inside a role's content, where backslash escapes do not apply.

    The characters that would end the role (backtick), open or close its target (``<``, ``>``),
    escape (backslash) or break the line are replaced by ``_``.
    """
    return _ROLE_UNSAFE.sub("_", visible(value))


# --- identifiers ------------------------------------------------------------------------------

_IDENT_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def ident(value: object) -> str:
    """An HTML id or file-name part from data: only ASCII letters, digits, ``_`` and ``-`` remain."""
    return _IDENT_UNSAFE.sub("-", str(value))


# --- spreadsheets -----------------------------------------------------------------------------

# OWASP "CSV Injection": cells starting with these are formulas in Excel and LibreOffice. The
# full-width forms are included because some spreadsheet programs fold them to ASCII.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def is_formula_like(text: str) -> bool:
    """True for a cell a spreadsheet would run; a lone "-" (the sources' dash for nothing) is text."""
    return bool(text) and text != "-" and text.startswith(FORMULA_START)


def csv_cell(text: str) -> str:
    """A CSV text cell that no spreadsheet program runs: a formula-like cell gets a leading ``'``."""
    text = visible(text)
    return "'" + text if is_formula_like(text) else text


def xlsx_value(value):
    """A value for an openpyxl cell: text without the characters no input may hold (openpyxl refuses control
    characters with an English IllegalCharacterError); numbers and None as they are. Pair with :func:`xlsx_cell`."""
    return visible(value) if isinstance(value, str) else value


def xlsx_cell(cell) -> None:
    """Make an openpyxl cell that holds text a string cell (openpyxl makes ``=...`` a formula)."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
