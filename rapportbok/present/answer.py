"""The answer of an organisation-year (rapportbok.analysis.answer) as MyST text: Läget, the landing page's line,
"I korthet" and the summary's text all render from the one model here.

Each figure is a link to the place of the book that shows where it comes from (:data:`ANCHORS`); a figure that
is the book's own estimate (a sum, the remainder, a pro-rata traffic light) carries the class
``rapportbok-lage-egen`` and links to its method. The sentences are data text: they reach MyST only through
rapportbok.core.escape. The citation line names each source once; a judgement in the source's own words is cited
to its line (``line_link``, given by the caller, which may read the source's text).
"""

from __future__ import annotations

import re

from rapportbok.analysis import answer as an
from rapportbok.core import escape

# Where each figure of the answer (rapportbok.analysis.answer.FIGURE_KEYS) is shown: (page, anchor). The anchors
# are the chapters' tables (``T_<id>`` of present.tables) and sections, and the Avstämning page.
ANCHORS = {
    "prognos": ("budget", "budgetuppfoljning"),
    "uppgift": ("budget", "uppgifter-om-det-ekonomiska-laget"),
    "budget_resultat": ("budget", "T_ramar"),
    "budget_resultat_beraknat": ("budget", "nettokostnad-och-kommunbidrag"),
    "budget_kommunbidrag": ("budget", "T_ramar"),
    "budget_nettokostnad": ("budget", "T_ramar"),
    "planen_anger": ("avstamning", "avstamning-atgardsplan"),
    "planerad": ("atgardsplan", "T_summa_plan"),
    "kvar": ("atgardsplan", "fran-underskott-till-kvarstaende-gap"),
    "faktisk": ("avstamning", "avstamning-atgardsplan"),
    "faktisk_summa": ("atgardsplan", "T_summa_plan"),
    "kallans_status": ("atgardsplan", "status-enligt-kallan"),
    "trafikljus": ("atgardsplan", "sa-raknas-forvantad-effekt-och-trafikljus"),
}
assert set(ANCHORS) == set(an.FIGURE_KEYS)
LINK_CLASS = "rapportbok-lage-tal"
OWN_CLASS = "rapportbok-lage-egen"


def figure_link(f: an.Figure, prefix: str = "") -> str:
    """A figure as a link (HTML inside MyST) to where it is shown; its text escaped."""
    page, anchor = ANCHORS[f.key]
    href = escape.html_attr(f"{prefix}{page}.html#{anchor}")
    cls = LINK_CLASS + (f" {OWN_CLASS}" if f.own else "")
    title = ' title="Bokens beräkning"' if f.own else ""
    # inside inline HTML the text is still MyST: escaped as MyST text, as every sentence
    return f'<a class="{cls}" href="{href}"{title}>{escape.md_text(f.text)}</a>'


_MARK = re.compile("\ue000(\\d+)\ue001")


def statement_md(s: an.Statement, prefix: str = "") -> str:
    """One statement as MyST: its text escaped, each figure a link."""
    figures = s.figures
    text = escape.md_text(s.text(lambda f: f"\ue000{figures.index(f)}\ue001"))
    return _MARK.sub(lambda m: figure_link(figures[int(m.group(1))], prefix), text)


def sentences_md(statements, prefix: str = "") -> str:
    return " ".join(statement_md(s, prefix) for s in statements)


def sources_md(a: an.Answer, line_link=None) -> str:
    """'Källa: …' naming each source and section once; a quoted judgement linked to its line
    (``line_link(cited) -> href or ''``). Then which figures are the book's own estimates."""
    sections: dict[str, list[str]] = {}  # a document's label -> its sections, each once, in order
    for s in a.statements:
        for c in s.cited:
            text = escape.md_text(c.avsnitt)
            href = line_link(c) if (line_link is not None and c.quote) else ""
            if href:
                text = f'<a href="{escape.html_attr(href)}">{text}</a>'
            got = sections.setdefault(c.label, [])
            if text not in got and not (href and escape.md_text(c.avsnitt) in got):
                got.append(text)
    parts = [escape.md_text(label) + ", " + "; ".join(secs) for label, secs in sections.items()]
    out = ("Källa: " + "; ".join(parts) + ".") if parts else ""
    if a.own_keys():
        out += (" " if out else "") + (
            "Belopp med streckad understrykning är bokens beräkning, inte källans; länken visar hur de räknas."
        )
    return out


def lage_md(a: an.Answer, prefix: str = "", line_link=None, more: str = "") -> str:
    """The Läget box: every statement, then the sources; ``more`` is MyST added after the sources."""
    text = sentences_md(a.statements, prefix)
    src = sources_md(a, line_link)
    body = text + ("\n\n" + src if src else "") + (" " + more if more else "")
    return f"```{{admonition}} Läget {int(a.year)}\n:class: rapportbok-lage\n{body}\n```"


def line_md(a: an.Answer, prefix: str = "") -> str:
    """The landing page's line for the organisation-year: the position and the remainder."""
    return sentences_md(a.lead(), prefix)
