"""The overview page (Sammanfattning) of one organisation and year.

It computes nothing of its own: every figure comes from the chapter pages' own objects (the
same functions as the chapters), is glued as an inline number for the page's "I korthet" list,
and each section links to the chapter where the figure is worked out with its source.
"""

from __future__ import annotations

import importlib

import pandas as pd
from IPython.display import display

from rapportbok.analysis import answer as an
from rapportbok.analysis import budget, reconcile, wording
from rapportbok.chapters import Chapter, ChapterPage, registry
from rapportbok.core import escape, fmt, periods
from rapportbok.data import citation, sources
from rapportbok.data import stated_tables as model
from rapportbok.present import answer as present_answer
from rapportbok.present import charts, tables
from rapportbok.present.display import glue, md

SLUG = "sammanfattning"
AUDIT = "avstamning"  # the Avstämning page (rapportbok.chapters.audit) is not a chapter the overview sums up
NOT_STATED = "anges inte i källorna"
# The chapter page classes the overview draws on, by chapter slug.
PAGE_CLASSES = {
    "budget": ("rapportbok.chapters.budget", "BudgetChapter"),
    "tabeller": ("rapportbok.chapters.report_tables", "TablesChapter"),
    "risk": ("rapportbok.chapters.risk", "RiskChapter"),
    "atgardsplan": ("rapportbok.chapters.actionplan", "ActionPlanChapter"),
    "genomlysning": ("rapportbok.chapters.review", "GenomlysningChapter"),
}
# Keys glued for the summary's own figures (every key always gets a value); the answer's figures are glued by
# "I korthet" (sf_kort_<n>), from the one answer (rapportbok.analysis.answer).
KEYS = (
    "sf_ar",
    "sf_kommunbidrag",
    "sf_nettokostnad",
    "sf_kb_forandring",
    "sf_investeringar",
    "sf_risker",
    "sf_besparing",
    "sf_avvikelser",
)
# "I korthet": at most this many sentences, at least IN_BRIEF_MIN where the sources give as many figures.
IN_BRIEF_MAX, IN_BRIEF_MIN = 5, 3
# The summary's own figures a line after "I korthet" names when the sources do not state them.
NOT_STATED_LABELS = (
    ("sf_kommunbidrag", "kommunbidrag"),
    ("sf_nettokostnad", "verksamhetens nettokostnad"),
    ("sf_investeringar", "investeringsbudget"),
    ("sf_risker", "risker"),
    ("sf_besparing", "genomlysningens möjliga besparing"),
)


def _others(data: dict, year: int) -> list[Chapter]:
    return [c for c in registry() if c.slug not in (SLUG, AUDIT) and c.has_data(data, year)]


def has_data(data: dict, year: int) -> bool:
    """An overview for every organisation and year that has at least one chapter."""
    return bool(_others(data, year))


CHAPTER = Chapter(SLUG, "Sammanfattning", has_data)  # reads every file of the organisation


class SummaryChapter(ChapterPage):
    def __init__(self, org: str, year: int, tertial: int):
        super().__init__(org, year, tertial)
        self.chapters = _others(self.data, self.year)
        self.pages = {}
        for ch in self.chapters:
            module, cls = PAGE_CLASSES[ch.slug]
            self.pages[ch.slug] = getattr(importlib.import_module(module), cls)(org, year, tertial)
        from rapportbok.present import tables as _tables

        _tables.begin_page(SLUG)  # the chapter objects above set their own page; tables here are ours
        self.values = {k: NOT_STATED for k in KEYS}
        self.values["sf_ar"] = str(self.year)
        self.findings: dict[str, list[reconcile.Finding]] = {}

    def _link(self, slug: str) -> str:
        title = next(c.title for c in self.chapters if c.slug == slug)
        return f"[{title}]({slug}.ipynb)"

    # -- the answer first --------------------------------------------------------------------
    @property
    def answer(self) -> an.Answer:
        a = getattr(self, "_answer", None)
        if a is None:
            a = self._answer = an.answer(self.data, self.year, self.tertial)
        return a

    def headline(self) -> None:
        """Läget: the answer of the year (rapportbok.analysis.answer), each figure linked, with its sources."""
        links = [self._link(slug) for slug in ("budget", "atgardsplan") if slug in self.pages]
        more = "Mer i " + " och ".join(links) + "." if links else ""
        md(present_answer.lage_md(self.answer, line_link=line_link, more=more))

    # -- introduction ---------------------------------------------------------------------
    def intro(self) -> None:
        o = self.org
        names = ", ".join(self._link(c.slug) for c in self.chapters)
        md(
            f"**{escape.md_text(o.name)}, {escape.md_text(o.namnd.lower())}, {self.year}.** Sidan samlar de viktigaste siffrorna ur bokens kapitel "
            f"för året: {names}. Varje siffra räknas fram i sitt kapitel, där också källan står. "
            f"Där en uppgift saknas i källorna står det så; ingen siffra fylls i."
        )

    # -- figures ----------------------------------------------------------------------------
    def compute(self) -> None:
        """Work out every key figure, then glue them all (each key gets a value, also when missing)."""
        self._budget_figures()
        self._actionplan_figures()
        self._risk_figures()
        self._genomlysning_figures()
        if "tabeller" in self.pages:  # the stated tables' Avstämning counts with the others
            self.findings["tabeller"] = self.pages["tabeller"].year_findings()
        bad = {slug: reconcile.real_mismatches(f) for slug, f in self.findings.items()}
        n = sum(len(b) for b in bad.values())
        self.values["sf_avvikelser"] = (
            f"{fmt.number(n)} verklig{'a' if n != 1 else ''} i {', '.join(next(c.title for c in self.chapters if c.slug == s).lower() for s, b in bad.items() if b)}"
            if n
            else "inga verkliga avvikelser (avrundningar och bokens rensning av dubbelräkning visas på sidan Avstämning)"
        )
        for key in KEYS:
            glue(key, self.values[key])

    def _budget_figures(self) -> None:
        page = self.pages.get("budget")
        if page is None:
            return
        t = page.bt
        if t is not None or page.it is not None:
            self.findings["budget"] = page.findings
        y = self.year
        if t is not None:
            net = budget.series(t, model.NET_COST)
            grant = budget.grant(t)
            if y in grant:
                self.values["sf_kommunbidrag"] = wording.money(grant[y], t.unit, t.decimals, always_both=True)
            if y in net:
                self.values["sf_nettokostnad"] = wording.net_cost(net[y], t.unit, t.decimals)
            if y in grant and y - 1 in grant:
                verb, size = wording.grant_change(grant[y - 1], grant[y], t.unit, t.decimals)  # in words
                self.values["sf_kb_forandring"] = (
                    {"ökar": "en ökning med ", "minskar": "en minskning med "}[verb] + size if verb else "oförändrat"
                )
        it = page.it
        if it is not None:
            row = it.concept_row(model.INVESTMENTS)
            col = budget.year_columns(it).get(y)
            v = it.value(row, col.id) if row is not None and col is not None else None
            if v is not None:
                self.values["sf_investeringar"] = f"{fmt.unit(v, it.unit, it.decimals)} ({it.row(row).label.lower()})"

    def _actionplan_figures(self) -> None:
        page = self.pages.get("atgardsplan")
        if page is not None and page.plans is not None:
            self.findings["atgardsplan"] = page.findings

    def _risk_figures(self) -> None:
        page = self.pages.get("risk")
        if page is None or page.reg is None:
            return
        top = int(page.reg["riskvarde"].max())
        n_top = int((page.reg["riskvarde"] == top).sum())
        self.values["sf_risker"] = (
            f"{fmt.number(len(page.reg))} risker, varav {fmt.number(n_top)} med högsta "
            f"riskvärdet {fmt.number(top)} av 16"
        )
        self.findings["risk"] = page.findings

    def _genomlysning_figures(self) -> None:
        page = self.pages.get("genomlysning")
        if page is None or page.moves is None:
            return
        from rapportbok.analysis import review as gl

        totals = gl.savings_totals(page.moves)
        total = float(totals.loc[totals["tabell"] == "Totalt", "summa_mnkr"].iloc[0])
        self.values["sf_besparing"] = (
            f"{fmt.number(total, 1)} mnkr per år (summa av genomlysningens "
            f"tabeller, egen beräkning; källan anger ingen summa)"
        )

    def in_brief(self) -> None:
        """ "I korthet": three to five plain sentences, each with a linked figure (glued as sf_kort_<n>): the
        answer's statements that carry a figure (rapportbok.analysis.answer), then the budget's change, the
        risks, the review's savings and the Avstämning, as far as the sources give them."""
        out: list[tuple[str, str]] = []  # (MyST sentence, the figure's text)
        for st in self.answer.statements:
            if st.figures and st.kind != an.LIGHTS and len(out) < IN_BRIEF_MAX - 1:
                out.append((present_answer.statement_md(st), st.figures[0].text))
        extra = self._in_brief_extra()
        for head, fig, slug, tail in extra:
            if len(out) >= IN_BRIEF_MAX:
                break
            # a link to the chapter that works the figure out (a MyST link: the site and the PDF resolve it)
            # the text before the figure ends with a word: the space is written here (escaping trims it)
            gap = " " if tail.startswith(" ") else ""
            out.append(
                (f"{escape.md_text(head)} [{escape.md_text(fig)}]({slug}.ipynb){gap}{escape.md_text(tail)}", fig)
            )
        for i, (_, fig) in enumerate(out, start=1):
            glue(f"sf_kort_{i}", fig)
        lines = ["- " + sentence for sentence, _ in out] or [f"Källorna anger inga belopp för {self.year}."]
        missing = [label for key, label in NOT_STATED_LABELS if self.values[key] == NOT_STATED]
        if missing:  # one line after the sentences names what the sources lack (never filled in)
            lines.append(
                "\n"
                + escape.md_text(
                    f"Anges inte i källorna för {self.year}: "
                    + ", ".join(missing[:-1])
                    + (" och " if len(missing) > 1 else "")
                    + missing[-1]
                    + "."
                )
            )
        md("\n".join(lines))

    def _in_brief_extra(self) -> list[tuple[str, str, str, str]]:
        """The summary's own sentences for "I korthet" as plain text (escaped by in_brief): (text before the figure,
        without its last space; the figure; the chapter that works it out; text after it)."""
        v, y = self.values, self.year
        extra = []
        if v["sf_kb_forandring"] != NOT_STATED and "budget" in self.pages:
            if any(st.kind == an.BUDGET_RESULT for st in self.answer.statements):  # the grant is said there
                extra.append(
                    (f"Kommunbidraget {y} jämfört med {y - 1}:", v["sf_kb_forandring"], "budget", " (budget).")
                )
            else:
                extra.append(
                    (
                        f"Kommunbidraget {y} är",
                        v["sf_kommunbidrag"],
                        "budget",
                        f", {v['sf_kb_forandring']} mot {y - 1}.",
                    )
                )
        if v["sf_risker"] != NOT_STATED and "risk" in self.pages:
            extra.append(("Riskanalysen tar upp", v["sf_risker"], "risk", "."))
        if v["sf_besparing"] != NOT_STATED and "genomlysning" in self.pages:
            extra.append(
                ("Genomlysningens tabeller ger en möjlig besparing på", v["sf_besparing"], "genomlysning", ".")
            )
        if self.findings:
            extra.append(("Avstämningen av källornas summor:", v["sf_avvikelser"], AUDIT, "."))
        return extra

    # -- sections ---------------------------------------------------------------------------
    def budget_section(self) -> None:
        page = self.pages.get("budget")
        if page is None:
            display(tables.note("Inget budgetkapitel för detta år."))  # folded into "Det som källorna inte innehåller"
            return
        v = self.values
        if v["sf_kommunbidrag"] == NOT_STATED:
            if page.bt is None:
                md(
                    f"Källorna innehåller ingen budgettabell för {self.year}; {self._link('budget')} visar de "
                    f"uppgifter om det ekonomiska läget som källorna anger."
                )
            else:  # a budget table whose rows tabell_begrepp.csv does not name: no figure is read as the grant
                md(
                    f"Budgettabellen för {self.year} står i {self._link('budget')}; vilken av dess rader som är "
                    f"kommunbidraget är inte angivet, så sammanfattningen nämner inget belopp därifrån."
                )
            return
        md(
            f"Kommunbidraget {self.year} är {escape.md_text(v['sf_kommunbidrag'])}; verksamhetens nettokostnad är {escape.md_text(v['sf_nettokostnad'])}. "
            f"Mer i {self._link('budget')}."
        )
        page.net_and_grant_chart()

    def actionplan_section(self) -> None:
        """The plans, the one remainder and the follow-up, as the answer states them; a chart of the deficit, the
        plans' effect and the follow-up where the answer has a remainder."""
        page = self.pages.get("atgardsplan")
        if page is None or page.plans is None:
            md(f"Ingen åtgärdsplan i källorna gäller {self.year}.")
            return
        a = self.answer
        said = [st for st in a.statements if st.kind in (an.PLAN, an.REMAINDER, an.FOLLOWUP, an.LIGHTS)]
        md(present_answer.sentences_md(said) + f" Mer i {self._link('atgardsplan')}.")
        rem = a.remainder
        labels, rows = [], []
        if rem.gap_tkr is not None:
            labels += ["Underskott", f"Planerad effekt {self.year}"]
            rows += [rem.deficit_tkr, rem.planned_tkr]
        if page.has_followup:
            st = page.status
            labels += ["Förväntat hittills (bokens beräkning)", "Faktiskt hittills"]
            rows += [float(st.loc[st["counted"], "expected_tkr"].sum()), float(st["actual_tkr"].sum())]
        if len(rows) >= 2:
            t = pd.DataFrame({"Post": labels, "Belopp": rows})
            fig = charts.grouped_bars(
                t,
                "Post",
                ["Belopp"],
                self._plan_chart_title(rem, labels, rows),
                page._cite_plan() + ". Underskottet minus planens effekt och förväntat hittills är bokens beräkning.",
                values=True,
            )
            fig.axes[0].get_legend().remove()
            charts.show(fig)

    def _plan_chart_title(self, rem: an.Remainder, labels: list[str], rows: list[float]) -> str:
        """The finding of the deficit-and-plan chart, with the one remainder of the answer."""
        v = dict(zip(labels, rows))
        text = ""
        if rem.gap_tkr is not None and rem.within_precision:
            text = "Planens effekt motsvarar underskottet inom den precision som källan anger"
        elif rem.gap_tkr is not None and rem.gap_tkr > 0:
            text = (
                f"Planen ger {fmt.tkr(rem.planned_tkr)} {self.year} mot {rem.deficit_text}; "
                f"{fmt.tkr(rem.gap_tkr)} kvar (bokens beräkning)"
            )
        elif rem.gap_tkr is not None:
            text = (
                f"Planen ger {fmt.tkr(rem.planned_tkr)} {self.year} mot {rem.deficit_text}; "
                f"{fmt.tkr(-rem.gap_tkr)} mer än underskottet (bokens beräkning)"
            )
        if "Faktiskt hittills" in v:
            key = next(k for k in v if k.startswith("Förväntat"))
            text += (
                (". " if text else "")
                + f"Hittills {fmt.tkr(v['Faktiskt hittills'])} faktiskt mot {fmt.tkr(v[key])} förväntat (bokens beräkning)"
            )
        return text + "."

    def risk_section(self) -> None:
        page = self.pages.get("risk")
        if page is None or page.reg is None:
            display(tables.note("Källorna innehåller ingen risk- och väsentlighetsanalys för detta år."))  # folded
            return
        md(
            f"Riskanalysen tar upp {escape.md_text(self.values['sf_risker'])}. Mer i {self._link('risk')}, med riskkarta och "
            f"internkontrollplan."
        )

    def genomlysning_section(self) -> None:
        page = self.pages.get("genomlysning")
        if page is None:
            display(
                tables.note("Ingen genomlysning gäller detta år.")
            )  # folded into "Det som källorna inte innehåller"
            return
        if not page.has_review:
            text = "Det finns ingen genomlysning i källorna; kapitlet jämför nyckeltal från Kolada med liknande kommuner och alla kommuner."
            text += "" if page.has_kolada else " Värden från Kolada ingår inte i den här utgåvan av boken."
            md(text + f" Mer i {self._link('genomlysning')}.")
            return
        n = 0 if page.stated is None else len(page.stated)
        text = f"Genomlysningen anger {fmt.number(n)} nyckeltal i text. Möjlig besparing: {escape.md_text(self.values['sf_besparing'])}."
        text += (
            " Nyckeltal från Kolada ingår."
            if page.has_kolada
            else " Värden från Kolada ingår inte i den här utgåvan av boken."
        )
        md(text + f" Mer i {self._link('genomlysning')}.")

    def reconciliation_section(self, method: str = ""):
        from rapportbok.present import display

        rows, every = [], []
        for slug, found in self.findings.items():
            title = next(c.title for c in self.chapters if c.slug == slug)
            kinds = [reconcile.kind(f) for f in found]
            rows.append(
                {
                    "Kapitel": title,
                    "Kontroller": len(found),
                    "Stämmer": kinds.count(reconcile.AGREES),
                    "Avrundning": kinds.count(reconcile.ROUNDING),
                    "Bokens rensning av dubbelräkning": kinds.count(reconcile.DEDUP),
                    "Verkliga avvikelser": kinds.count(reconcile.MISMATCH),
                }
            )
            every += found
        if not rows:
            return tables.note("Inga summor att stämma av.")
        html = tables.show(
            pd.DataFrame(rows),
            "avstamning",
            "Avstämningar per kapitel",
            "Egen beräkning utifrån källornas tabeller och text.",
        )
        display.dropdown(escape.md_text(reconcile.summary_text(every)), method, html)
        return None


def fu_period(year: int, period) -> str:
    """'tertial 1 2025', 'helår 2025', or by the report date: 't.o.m. 31 oktober 2025'."""
    end = periods.report_end(year, period)
    t = periods.tertial_of(end)
    if t is None:
        return f"t.o.m. {fmt.date(end)}"
    return {1: f"tertial 1 {year}", 2: f"tertial 2 {year}", 3: f"helår {year}"}[t]


def line_link(c: an.Cited) -> str:
    """The link from a year's page to the line of the source where a quoted judgement stands."""
    return f"../../kallor/{citation.page_name(c.kalla)}{sources.quote_anchor(c.kalla, c.quote)}"
