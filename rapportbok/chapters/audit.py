"""Avstämning: the reconciliation of an organisation-year on a page of its own.

A chapter shows one line where its reconciliation used to be: what the checks found (how many
agree, how many differ only by rounding, how many are the book's own removal of a double count,
how many are real mismatches; rapportbok.analysis.reconcile.summary_text) and a link to its
section on the Avstämning page (``avstamning.ipynb#avstamning-<chapter>``).

The Avstämning page (template ``notebooks/avstamning.md``, one per organisation-year, after the
chapters) asks every chapter of the year for its reconciliation, in book order, and shows it in
full: the method, each finding that is not plainly "stämmer" in plain words, and the table with
the citation once in its source line instead of on every row. The PDF prints the same page as
its appendix "Bilaga: Avstämning" (rapportbok.publish.pdf).

Both are the same call: a chapter's ``reconciliation()`` calls :func:`show`; which of the two it
prints depends on whether the Avstämning page is asking (:class:`AuditChapter`).
"""

from __future__ import annotations

import contextlib
import importlib

from rapportbok.analysis import reconcile
from rapportbok.chapters import Chapter, ChapterPage, registry
from rapportbok.core import escape, state
from rapportbok.present import display, tables

SLUG = "avstamning"
PAGE_TITLE = "Avstämning"
# The chapter page classes whose reconciliation the page shows, by chapter slug (book order is registry()).
PAGE_CLASSES = {
    "budget": ("rapportbok.chapters.budget", "BudgetChapter"),
    "risk": ("rapportbok.chapters.risk", "RiskChapter"),
    "tabeller": ("rapportbok.chapters.report_tables", "TablesChapter"),
    "atgardsplan": ("rapportbok.chapters.actionplan", "ActionPlanChapter"),
    "genomlysning": ("rapportbok.chapters.review", "GenomlysningChapter"),
}
# The method of each chapter's checks (text that does not depend on the data).
METHODS = {
    "budget": (
        "Varje summa som budgettabellen anger räknas om från sina rader, i tabellens enhet. Källan ändras "
        "aldrig; en avvikelse visas med båda beloppen. Toleransen är en halv enhet i sista tryckta decimalen "
        "per tal som ingår (en summa av fyra rader i tkr utan decimaler: 5 × 0,5 = 2,5 tkr); inom den är "
        "skillnaden en avrundning. Ett belopp som texten anger avrundat (t.ex. 11,2 mnkr eller 4,6 procent) "
        "stämmer om skillnaden är högst en halv enhet i sista angivna decimalen (0,05 mnkr respektive 0,05 "
        "procentenheter)."
    ),
    "risk": (
        "Två regler kontrolleras. 1) Varje riskvärde i riskanalysen ska vara sannolikhet × "
        "väsentlighet. 2) Riskvärdet i internkontrollplanen ska vara detsamma som riskanalysens "
        "riskvärde för risken med samma namn. Riskvärden är heltal och ska stämma exakt. Källan "
        "ändras aldrig; en avvikelse visas med båda värdena. Dessutom visas om någon risk som "
        "enligt riskanalysen hanteras i internkontrollplanen saknas i den."
    ),
    "atgardsplan": (
        "Varje summa som källan anger räknas om från sina rader, liksom åtgärdernas numrering och "
        "det antal åtgärder som texten anger. Källan ändras aldrig; en avvikelse visas med båda "
        "talen. Belopp i tkr ska stämma exakt; belopp i mnkr med en decimal stämmer om skillnaden "
        "är högst 0,05 mnkr. Ett belopp som källan anger som ungefärligt (”omkring”, ”cirka”, ”runt”) "
        "stämmer ungefär om skillnaden är högst 10 % av det angivna beloppet; ett belopp som källan anger "
        "som ”minst” eller ”högst” stämmer med varje summa på rätt sida om det. "
        "Samma regel gäller i sammanfattningen och på årets sida. "
        "En skillnad på högst en enhet (t.ex. 1 tkr) räknas som avrundning, inte som fel."
    ),
    "genomlysning": (
        "En summa som källan anger räknas om från sina rader. Genomlysningen anger inga summor för "
        "dessa tabeller; boken visar därför sina egna summor och säger att de är egen beräkning."
    ),
}

# Set while the Avstämning page asks a chapter for its reconciliation: (chapter slug, title).
_asking: tuple[str, str] | None = None


@contextlib.contextmanager
def in_full(chapter: str, title: str = ""):
    """While inside, a chapter's reconciliation is shown in full (the Avstämning page asks for it)."""
    global _asking
    before, _asking = _asking, (chapter, title)
    try:
        yield
    finally:
        _asking = before


def _not_asking() -> None:
    global _asking
    _asking = None


state.register(__name__, _not_asking)  # a new notebook starts with no chapter asked


def asking() -> bool:
    """True while the Avstämning page asks a chapter for its reconciliation in full."""
    return _asking is not None


def anchor(chapter: str) -> str:
    """The id of a chapter's section on the Avstämning page."""
    return f"{SLUG}-{chapter}"


def link(chapter: str, text: str = "Avstämningen i detalj") -> str:
    """A MyST link from a chapter page to its section on the Avstämning page (same folder)."""
    return f"[{text}]({SLUG}.ipynb#{anchor(chapter)})"


def status_line(findings: list[reconcile.Finding], chapter: str | None) -> str:
    """The one line a chapter keeps: what its checks found, and where they are shown."""
    line = "**Avstämning:** " + escape.md_text(reconcile.summary_text(findings))
    return line + (" " + link(chapter) + "." if chapter else "")


def show(
    findings: list[reconcile.Finding],
    uid: str,
    caption: str,
    method: str = "",
    notes: list[str] | None = None,
    drop: tuple[str, ...] = (),
) -> None:
    """A chapter's reconciliation: one status line on the chapter page, in full on the Avstämning page.

    ``method`` and ``notes`` are MyST text written by the book (data text already escaped).
    """
    if _asking is None:
        display.md(status_line(findings, tables.current_page()))
        return
    chapter, _ = _asking
    body = ["**" + escape.md_text(caption) + ".** " + escape.md_text(reconcile.summary_text(findings))]
    if method:
        body.append(method)
    items = ["- " + escape.md_text(reconcile.explain(f)) for f in reconcile.not_exact(findings)]
    if items:
        body.append("**Det som inte stämmer exakt** (källan är inte ändrad; båda talen visas):\n\n" + "\n".join(items))
    body += list(notes or [])
    display.md("\n\n".join(body))
    from IPython.display import display as ipy_display

    for k, (part, title, cited) in enumerate(parts(findings, caption)):
        t = reconcile.table(part, cited).drop(
            columns=[c for c in drop if c in ("Enhet", "Var i källan")], errors="ignore"
        )
        source = ("Källa: " + cited.removeprefix("Källa: ") + ". " if cited else "") + "Omräkningen är egen beräkning."
        ipy_display(tables.show(t, f"{chapter}_{uid}" + (f"_{k + 1}" if k else ""), title, source))


# At most this many tables per reconciliation, one per cited table or section; beyond it one table
# with the place in the source on every row.
MAX_PARTS = 6


def parts(findings: list[reconcile.Finding], caption: str) -> list[tuple[list[reconcile.Finding], str, str]]:
    """The findings as tables that each cite one place in the source once: (findings, caption, citation).

    Findings are grouped by where in the source they are (in the order they come); each group is a
    table whose caption names the place and whose source line cites it, so no row repeats it.
    More than :data:`MAX_PARTS` places: one table, citing what all rows share and the rest per row.
    """
    if not findings:
        return []
    groups: dict[str, list[reconcile.Finding]] = {}
    for f in findings:
        groups.setdefault(f.where, []).append(f)
    if len(groups) == 1 or len(groups) > MAX_PARTS:
        return [(findings, caption, reconcile.common_source([f.where for f in findings]))]
    doc = reconcile.common_source(list(groups))
    out = []
    for where, group in groups.items():
        place = where[len(doc) :].removeprefix(", ").strip() if doc else ""
        out.append((group, f"{caption}: {place}" if place else caption, where))
    return out


def has_data(data: dict, year: int) -> bool:
    """A page for every organisation-year where a chapter with a reconciliation has data."""
    return any(c.slug in PAGE_CLASSES and c.has_data(data, year) for c in registry())


CHAPTER = Chapter(SLUG, PAGE_TITLE, has_data)  # reads every file of the organisation


class AuditChapter(ChapterPage):
    """The Avstämning page of one organisation-year: every chapter's reconciliation, in book order."""

    def __init__(self, org: str, year: int, tertial: int):
        super().__init__(org, year, tertial)
        self.chapters = [c for c in registry() if c.slug in PAGE_CLASSES and c.has_data(self.data, self.year)]
        self.pages = {}
        for ch in self.chapters:
            module, cls = PAGE_CLASSES[ch.slug]
            self.pages[ch.slug] = getattr(importlib.import_module(module), cls)(org, year, tertial)
        tables.begin_page(SLUG)  # the chapter objects above set their own page; tables here are ours

    def intro(self) -> None:
        # HTML links: the sections' ids are HTML anchors (see sections), which MyST's links do not know
        names = ", ".join(
            f'<a href="#{escape.html_attr(anchor(c.slug))}">{escape.html_text(c.title)}</a>' for c in self.chapters
        )
        display.md(
            f"Här stäms källornas egna summor av mot raderna de summerar, kapitel för kapitel ({names}). "
            "Källorna är inte ändrade; där talen skiljer sig visas båda. Varje avvikelse förklaras: en "
            "**avrundning** (högst en enhet, källan har avrundat sina tal), **bokens egen rensning av "
            "dubbelräkning** (boken räknar en åtgärd som planen själv säger ingår i en annan bara en gång) "
            "eller en **verklig avvikelse** (källans summa går inte ihop med dess rader). Källan nämns en "
            "gång per tabell, i raden under tabellen."
        )

    def sections(self) -> None:
        """One section per chapter: its heading (with the anchor the chapter links to) and its reconciliation."""
        if not self.chapters:
            display.md("Kapitlen har inga summor att stämma av för detta år.")
            return
        for ch in self.chapters:
            page = self.pages[ch.slug]
            # The section's id as an HTML anchor, not a MyST label: labels are global in Sphinx, and every
            # organisation-year's Avstämning page has the same five, so the site's inventory named whichever
            # page was read last (with two Sphinx processes, a different one from build to build).
            display.md(
                f'<div id="{escape.html_attr(anchor(ch.slug))}"></div>\n\n## {escape.md_text(ch.title)}\n\n'
                f"Kapitlet: [{escape.md_text(ch.title)}]({ch.slug}.ipynb)."
            )
            with in_full(ch.slug, ch.title):
                if ch.slug == "tabeller":
                    shown = page.reconciliations()
                else:
                    shown = page.reconciliation(method=METHODS.get(ch.slug, ""))
            if shown is not None:
                from IPython.display import display as ipy_display

                ipy_display(shown)
