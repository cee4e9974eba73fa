"""The overview page (Sammanfattning) of one organisation and year.

It computes nothing of its own: every figure comes from the chapter pages' own objects (the
same functions as the chapters), is glued as an inline number for the page's "I korthet" list,
and each section links to the chapter where the figure is worked out with its source.
"""

from __future__ import annotations

import importlib

import pandas as pd
from IPython.display import display

from rapportbok.analysis import actionplan as ap
from rapportbok.analysis import budget, reconcile, wording
from rapportbok.analysis import headline as hl
from rapportbok.chapters import Chapter, ChapterPage, registry
from rapportbok.core import escape, fmt, periods
from rapportbok.data import citation
from rapportbok.data import stated_tables as model
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
# Keys glued for the template's "I korthet" list (every key always gets a value).
KEYS = (
    "sf_ar",
    "sf_kommunbidrag",
    "sf_nettokostnad",
    "sf_kb_forandring",
    "sf_investeringar",
    "sf_prognos",
    "sf_underskott",
    "sf_planerad",
    "sf_faktisk",
    "sf_risker",
    "sf_besparing",
    "sf_avvikelser",
)


# The "I korthet" list: (key, label) in order. A figure the sources do not state is left out of the list;
# one line after it names them all (issue #14: no list half filled with "anges inte i källorna").
IN_BRIEF = (
    ("sf_kommunbidrag", "Kommunbidrag"),
    ("sf_nettokostnad", "Verksamhetens nettokostnad"),
    ("sf_kb_forandring", "Kommunbidragets förändring mot föregående år"),
    ("sf_investeringar", "Investeringsbudget"),
    ("sf_prognos", "Budgetuppföljning, avvikelse mot budget"),
    ("sf_underskott", "Underskott som åtgärdsplanerna ska möta"),
    ("sf_planerad", "Åtgärdernas planerade effekt under året"),
    ("sf_faktisk", "Åtgärdernas faktiska effekt"),
    ("sf_risker", "Risker"),
    ("sf_besparing", "Möjlig besparing enligt genomlysningen"),
    ("sf_avvikelser", "Avvikelser i avstämningarna"),
)


def _others(data: dict, year: int) -> list[Chapter]:
    return [c for c in registry() if c.slug not in (SLUG, AUDIT) and c.has_data(data, year)]


def has_data(data: dict, year: int) -> bool:
    """An overview for every organisation and year that has at least one chapter."""
    return bool(_others(data, year))


CHAPTER = Chapter(SLUG, "Sammanfattning", has_data)  # reads every file of the organisation


class SummaryChapter(ChapterPage):
    shared = False  # it shows the chapters' pages; constructing it is cheap once they are computed

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
    def headline(self) -> None:
        """Läget: the budget's result where no deficit is stated, the deficit, the plan's effect for the
        year and what remains, with the source."""
        h = hl.headline(self.data, self.year, self.tertial)
        self.headline_figures = h
        from rapportbok.chapters.actionplan import headline_md

        said = hl.sentences(h)
        if not h.has_plan and not said:
            md(
                f"```{{admonition}} Läget {self.year}\n:class: rapportbok-lage\n"
                f"Ingen åtgärdsplan i källorna gäller {self.year}. Se kapitlen nedan.\n```"
            )
            return
        text = (
            headline_md(h)
            if said  # each figure links to the table or section that computes it
            else f"Källorna anger inget underskott och inget budgetresultat för {int(self.year)}. Se kapitlen nedan."
        )
        if said and not h.has_plan:
            text += f" Ingen åtgärdsplan i källorna gäller {int(self.year)}."
        cited = {}
        register = self.data.get(citation.REGISTER)
        if h.budget_first:
            r = h.budget.report
            cited["budgeten"] = f"{r.source}, {r.avsnitt}".removeprefix(citation.PREFIX)
        if h.deficit_rows is not None:
            cited["underskottet"] = citation.cite(register, h.deficit_rows).removeprefix(citation.PREFIX)
        page = self.pages.get("atgardsplan")
        if (
            page is not None
            and page.plans is not None
            and (h.deficit_tkr is not None or h.planned_tkr is not None or h.has_followup)
        ):  # a figure of the plan is shown
            cited["planen"] = page._cite_plan().removeprefix("Källa: ")
        doc = reconcile.common_source(list(cited.values())) if len(cited) > 1 else ""
        if doc and doc not in cited.values():  # one document: name it once, then where in it
            source = (
                "Källa: "
                + doc
                + ", "
                + "; ".join(k + ": " + v[len(doc) :].removeprefix(", ") for k, v in cited.items())
                + "."
            )
        else:
            source = "Källa: " + "; ".join(k + ": " + v for k, v in cited.items()) + "." if cited else ""
        # what the page works out itself, then the chapters that show it
        own = [
            w
            for w, shown in (
                ("budgetens resultat", h.budget_first and not h.budget.result_stated),
                ("kvar efter planen", h.gap_tkr is not None and not h.gap_within_precision),
                ("trafikljusen", h.has_followup),
            )
            if shown
        ]
        own_text = (" och ".join(own) + " är egen beräkning, se") if own else "se"
        lead = escape.md_text(own_text[0].upper() + own_text[1:]) + " "
        more = ""
        for slug in ("budget", "atgardsplan"):
            if slug in self.pages and (h.budget_first if slug == "budget" else h.has_plan):
                more += (" och " if more else " " + lead) + self._link(slug)
        if more:
            more += "."
        md(
            f"```{{admonition}} Läget {self.year}\n:class: rapportbok-lage\n{text}\n\n"
            f"{escape.md_text(source)}{more}\n```"
        )

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
        if t is not None or page.followups:
            self._followup_figure(page)
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

    def _followup_figure(self, page) -> None:
        """The follow-up's forecast deviation (from the one follow-up analysis, as the budget chapter shows it)."""
        fu = page.fu
        if fu is None:
            self.values["sf_prognos"] = f"ingen uppföljning i källorna ({fu_period(self.year, self.end)})"
            return
        dev = fu.total.deviation
        if dev is None:
            self.values["sf_prognos"] = f"ingen prognos eller budget i uppföljningen ({fu_period(self.year, self.end)})"
            return
        word = "överskott" if dev > 0 else ("underskott" if dev < 0 else "ingen avvikelse")
        self.values["sf_prognos"] = f"{fmt.unit(dev, fu.unit, fu.decimals, sign=True)} ({word})"

    def _actionplan_figures(self) -> None:
        page = self.pages.get("atgardsplan")
        if page is None or page.plans is None:
            return
        deficits = [ap.deficit_tkr(f) for f in page.deficits.values() if f.tkr is not None]
        if deficits:
            self.values["sf_underskott"] = hl.deficit_amount(self._headline())  # as stated: "omkring 40 mnkr"
        total, _ = ap.planned_effect_for_year(page.data, self.year)
        if total is not None:
            self.values["sf_planerad"] = f"{fmt.mnkr(total)} ({fmt.tkr(total)})"
            both = ap.stated_versus_counted(page.data, self.year)
            if both is not None:
                # Both figures and why, in one place: the adopted plan's own total and the book's sum.
                left = ", ".join(both["left_out"])
                self.values["sf_planerad"] += (
                    f"; den antagna planen anger {fmt.mnkr(both['stated_tkr'])}. Skillnaden är "
                    + (
                        f"{left} ({fmt.tkr(both['left_out_tkr'])}), som enligt källan redan ingår i andra åtgärder "
                        "och därför inte räknas två gånger"
                        if left and both["explained"]
                        else "inte förklarad av åtgärdernas rader; se sidan Avstämning"
                    )
                    + "."
                )
        if page.has_followup:
            st = page.status
            self.values["sf_faktisk"] = (
                f"{fmt.tkr(st['actual_tkr'].sum(min_count=1))} per {page._as_of_text()} "
                f"(förväntat {fmt.tkr(st.loc[st['counted'], 'expected_tkr'].sum(min_count=1))})"
            )
        else:
            self.values["sf_faktisk"] = f"ingen uppföljning i källorna (per {fmt.date(page.end)})"
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
        """The "I korthet" list: the figures the sources state (in bold), then one line naming those they do not."""
        shown = [
            f"- {label}: **{escape.md_text(self.values[key])}**"
            for key, label in IN_BRIEF
            if self.values[key] != NOT_STATED
        ]
        missing = [label[0].lower() + label[1:] for key, label in IN_BRIEF if self.values[key] == NOT_STATED]
        text = "\n".join(shown)
        if missing:
            text += ("\n\n" if shown else "") + escape.md_text(
                f"Anges inte i källorna för {self.year}: "
                + ", ".join(missing[:-1])
                + (" och " if len(missing) > 1 else "")
                + missing[-1]
                + "."
            )
        md(text)

    # -- sections ---------------------------------------------------------------------------
    def budget_section(self) -> None:
        page = self.pages.get("budget")
        if page is None:
            display(tables.note("Inget budgetkapitel för detta år."))  # folded into "Det som källorna inte innehåller"
            return
        v = self.values
        if v["sf_kommunbidrag"] == NOT_STATED:
            md(
                f"Källorna innehåller ingen budgettabell för {self.year}; {self._link('budget')} visar de uppgifter "
                f"om det ekonomiska läget som källorna anger."
            )
            return
        md(
            f"Kommunbidraget {self.year} är {escape.md_text(v['sf_kommunbidrag'])}; verksamhetens nettokostnad är {escape.md_text(v['sf_nettokostnad'])}. "
            f"Mer i {self._link('budget')}."
        )
        page.net_and_grant_chart()

    def actionplan_section(self) -> None:
        page = self.pages.get("atgardsplan")
        if page is None or page.plans is None:
            md(f"Ingen åtgärdsplan i källorna gäller {self.year}.")
            return
        rows, labels = [], []
        v = self.values
        for f in page.deficits.values():
            if f.tkr is not None:
                labels.append("Underskott")
                rows.append(ap.deficit_tkr(f))
        total, _ = ap.planned_effect_for_year(page.data, self.year)
        if total is not None:
            labels.append(f"Planerad effekt {self.year}")
            rows.append(total)
        st = page.status
        if page.has_followup:
            labels.append("Förväntat hittills")
            rows.append(float(st.loc[st["counted"], "expected_tkr"].sum()))
            labels.append("Faktiskt hittills")
            rows.append(float(st["actual_tkr"].sum()))
        counts = st["light"].value_counts()
        light_text = ", ".join(
            f"{int(counts.get(k, 0))} {name}"
            for k, name in ((ap.GREEN, "gröna"), (ap.YELLOW, "gula"), (ap.RED, "röda"), (ap.GREY, "grå"))
        )
        md(
            f"Underskott: {escape.md_text(v['sf_underskott'])}. Planerad effekt {self.year}: {escape.md_text(v['sf_planerad'].rstrip('.'))}. "
            f"Faktisk effekt: {escape.md_text(v['sf_faktisk'])}. Trafikljus per åtgärd: {light_text}. Mer i {self._link('atgardsplan')}."
        )
        if len(rows) >= 2:
            t = pd.DataFrame({"Post": labels, "Belopp": rows})
            fig = charts.grouped_bars(
                t,
                "Post",
                ["Belopp"],
                self._plan_chart_title(labels, rows),
                page._cite_plan() + ". Förväntat hittills är egen beräkning.",
                values=True,
            )
            fig.axes[0].get_legend().remove()
            charts.show(fig)

    def _headline(self) -> hl.Headline:
        h = getattr(self, "headline_figures", None)
        if h is None:
            h = self.headline_figures = hl.headline(self.data, self.year, self.tertial)
        return h

    def _plan_chart_title(self, labels: list[str], rows: list[float]) -> str:
        """The finding of the deficit-and-plan chart: what remains after the plan, or how far the
        follow-up is from what was expected."""
        v = dict(zip(labels, rows))
        planned = v.get(f"Planerad effekt {self.year}")
        h = self._headline()
        if "Underskott" in v and planned is not None and h.gap_within_precision:
            text = (
                f"Planen ger {fmt.tkr(planned)} mot ett underskott på {hl.deficit_amount(h, short=True)}, "
                "vilket stämmer inom den precision som källan anger underskottet med"
            )
        elif "Underskott" in v and planned is not None:
            gap = v["Underskott"] - planned
            text = f"Planen ger {fmt.tkr(planned)} mot ett underskott på {fmt.tkr(v['Underskott'])}; " + (
                f"{fmt.tkr(gap)} återstår" if gap > 0 else f"planen är {fmt.tkr(-gap)} större än underskottet"
            )
        elif planned is not None:
            text = f"Planen ger {fmt.tkr(planned)} {self.year}"
        else:
            text = f"Underskottet är {fmt.tkr(v['Underskott'])}"
        if "Faktiskt hittills" in v:
            text += f". Hittills {fmt.tkr(v['Faktiskt hittills'])} faktiskt mot {fmt.tkr(v['Förväntat hittills'])} förväntat"
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
