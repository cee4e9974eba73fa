"""The budget chapter: the budget table, net cost and kommunbidrag, the bridge, the follow-up, investments,
the stated figures and the Avstämning, all read from the report's stated tables in their own unit."""

from __future__ import annotations

import pandas as pd

from rapportbok.analysis import actionplan as ap_analysis
from rapportbok.analysis import answer, budget, reconcile, wording
from rapportbok.analysis import budget_followup as bf
from rapportbok.chapters import Chapter, ChapterPage
from rapportbok.core import escape, fmt, periods
from rapportbok.data import citation
from rapportbok.data import stated_figures as sf
from rapportbok.data import stated_tables as model
from rapportbok.present import answer as present_answer
from rapportbok.present import charts, tables
from rapportbok.present.display import glue, md


def has_data(data: dict, year: int) -> bool:
    all_tables = model.load(data)
    return (
        budget.budget_table(all_tables, year) is not None
        or budget.investment_table(all_tables, year) is not None
        or data.get("uppgifter") is not None
        or any(t.per.year == int(year) for t in bf.followup_tables(all_tables)[0])
    )


def warnings(data: dict, org: str) -> list[str]:
    all_tables = model.load(data)
    years = {t.year for t in all_tables} | {y for t in all_tables for y in budget.year_columns(t)}
    shown: dict[str, reconcile.Finding] = {}
    for y in sorted(years):
        bt, it = budget.budget_table(all_tables, y), budget.investment_table(all_tables, y)
        for f in budget.all_checks(bt, it, data.get("kommunbidrag"), data.get(citation.REGISTER)):
            shown.setdefault(f.check + f.where, f)
    return reconcile.warning_lines("Avstämning: ", list(shown.values()))


CHAPTER = Chapter(
    "budget",
    "Budget och ekonomiska ramar",
    has_data,
    # The budget and its follow-up are stated tables; the text's figures on the kommunbidrag, the stated facts,
    # and the action plans' planned effect for the year.
    (
        "kommunbidrag",
        "uppgifter",
        "atgardsplaner",
        "atgarder",
        "atgard_effekter",
        "tabeller",
        "tabell_kolumner",
        "tabell_varden",
        "tabell_kommentarer",
        "tabell_begrepp",
    ),
    warnings,
)


def unit_text(t: model.StatedTable) -> str:
    """'tkr', 'mnkr, 1 decimal': a table's unit as the caption names it."""
    if not t.decimals:
        return t.unit
    return f"{t.unit}, {fmt.number(t.decimals)} decimal{'er' if t.decimals != 1 else ''}"


def table_source(t: model.StatedTable) -> str:
    return f"{t.source}, {t.avsnitt}"


class BudgetChapter(ChapterPage):
    def __init__(self, org: str, year: int, tertial: int):
        super().__init__(org, year, tertial)
        self.tables = model.load(self.data)
        self.bt = budget.budget_table(self.tables, self.year)  # the operating budget of the year
        self.it = budget.investment_table(self.tables, self.year)
        self.kb = self.data["kommunbidrag"]
        self.register = self.data.get(citation.REGISTER)
        self.facts = sf.facts(self.data)
        self.findings = budget.all_checks(self.bt, self.it, self.kb, self.register)
        self.followups = bf.for_year(self.tables, self.year, self.bt, self.org.thresholds)
        self.fu = bf.at(self.followups, self.end)

    # -- introduction ---------------------------------------------------------------------
    def intro(self) -> None:
        o = self.org
        t = self.bt
        if t is None:
            shows = (
                "budgetuppföljningen ur rapportens tabeller"
                if self.followups
                else "de uppgifter om det ekonomiska läget som källorna anger"
            )
            md(
                f"**{escape.md_text(o.name)}, {escape.md_text(o.namnd.lower())}.** "
                f"Källdokumenten innehåller ingen budgettabell för {self.year}. Kapitlet visar {shows}."
            )
            return
        net = budget.series(t, model.NET_COST)
        grant = budget.grant(t)
        y = self.year
        text = f"**{escape.md_text(o.name)}, {escape.md_text(o.namnd.lower())}, {y}.** "
        if y in grant and y in net:
            text += (
                f"Kommunbidraget är {wording.money(grant[y], t.unit, t.decimals, always_both=True)} och verksamhetens nettokostnad "
                f"{wording.net_cost(net[y], t.unit, t.decimals)}."
            )
        elif y in grant:
            text += (
                f"Kommunbidraget är {wording.money(grant[y], t.unit, t.decimals, always_both=True)}. "
                f"{escape.md_text(budget.missing_row_text(model.NET_COST, t, y))}"
            )
        elif y in net:
            text += (
                f"Verksamhetens nettokostnad är {wording.net_cost(net[y], t.unit, t.decimals)}. "
                f"{escape.md_text(budget.missing_row_text(model.GRANT, t, y))}"
            )
        else:
            text += (
                escape.md_text(budget.missing_row_text(model.GRANT, t, y))
                + " "
                + escape.md_text(budget.missing_row_text(model.NET_COST, t, y))
            )
        if y not in grant:
            pass  # said above
        elif y - 1 in grant:
            verb, size = wording.grant_change(grant[y - 1], grant[y], t.unit, t.decimals)  # in words
            text += (
                f" Jämfört med {y - 1} {verb} kommunbidraget med {size}."
                if verb
                else f" Kommunbidraget är detsamma som {y - 1}."
            )
        else:
            text += f" Källan redovisar inget kommunbidrag för {y - 1}, så ingen förändring kan visas."
        bad = reconcile.real_mismatches(self.findings)
        text += " Avstämning av angivna summor mot raderna: " + escape.md_text(reconcile.summary_text(self.findings))
        glue(
            "budget_kommunbidrag",
            wording.money_short(grant[y], t.unit, t.decimals) if y in grant else budget.NOT_STATED,
        )
        glue("budget_nettokostnad", wording.net_cost(net[y], t.unit, t.decimals) if y in net else budget.NOT_STATED)
        glue("budget_avvikelser", str(len(bad)))
        md(text)

    # -- the budget table -----------------------------------------------------------------------
    def ramar_table(self):
        t = self.bt
        if t is None:
            return tables.note("Källorna innehåller inga ekonomiska ramar per kontogrupp för denna organisation.")
        df = budget.wide(t)
        number = fmt.Number(t.decimals)
        return tables.show(
            df,
            "ramar",
            f"{t.caption}, {unit_text(t)}",
            table_source(t),
            formats={c: number for c in df.columns[1:] if c != "Kommentar"},
            bold_rows=budget.bold_rows(t),
            indent=_depths(t),
        )

    def change_table(self):
        t = self.bt
        if t is None:
            return tables.note("Ingen jämförelse mot föregående år: källorna saknar ramar.")
        df = budget.change(t, self.year)
        if df is None:
            return tables.note(
                f"Källan redovisar inga ramar för {self.year - 1}; förändringen mot föregående år kan inte beräknas "
                f"för {self.year}."
            )
        prev, cur = df.columns[1], df.columns[2]
        df["Vad som händer"] = [
            wording.change_words(p, a, b, t.unit, t.decimals) for p, a, b in zip(df[df.columns[0]], df[prev], df[cur])
        ]
        df = df.drop(columns=["Förändring, %"])
        number = fmt.Number(t.decimals)
        return tables.show(
            df,
            "ramar_forandring",
            f"Förändring {self.year - 1}–{self.year} per rad",
            table_source(t) + ". Förändringen är egen beräkning.",
            formats={c: number for c in df.columns[1:4]},
            bold_rows=budget.bold_rows(t),
            indent=_depths(t),
        )

    # -- net cost and grant ---------------------------------------------------------------
    def net_and_grant_chart(self):
        """Over the years: net cost, kommunbidrag and the result for every year the budget table holds,
        in one chart whose title says what happens."""
        t = self.bt
        if t is None:
            return tables.note(
                "Källorna innehåller ingen budgettabell, så nettokostnad, kommunbidrag och resultat "
                "över åren kan inte visas."
            )
        net, grant = budget.series(t, model.NET_COST), budget.grant(t)
        if not net and not grant:
            return tables.note(
                f"{budget.missing_row_text(model.GRANT, t)} {budget.missing_row_text(model.NET_COST, t)} "
                "Därför visas inget diagram över dem."
            )
        over = budget.over_the_years(t)
        # A result of 0 every year is said in the title; bars of height 0 would only draw an empty series.
        cols = [
            c
            for c in ("Nettokostnad", "Kommunbidrag", "Resultat")
            if over[c].notna().any() and not (c == "Resultat" and over[c].dropna().eq(0).all())
        ]
        fig = charts.grouped_bars(
            over.assign(År=over["År"].astype(str)),
            "År",
            cols,
            budget.over_the_years_title(over, t.unit),
            table_source(t),
            unit=t.unit,
            decimals=t.decimals,
            values=True,
        )
        charts.show(fig)
        if not net or not grant:
            md(escape.md_text(budget.missing_row_text(model.NET_COST if not net else model.GRANT, t)))
        return None

    # -- bridge ---------------------------------------------------------------------------
    def bridge(self):
        t = self.bt
        steps = budget.grant_bridge(t, self.kb, self.year) if t is not None else None
        if steps is None:
            grant = budget.grant(t) if t is not None else {}
            missing = self.year if self.year not in grant and self.year - 1 in grant else self.year - 1
            return tables.note(f"Ingen brygga för {self.year}: källan anger inget kommunbidrag för {missing}.")
        parts = self.kb[self.kb["ar"] == self.year] if self.kb is not None else None
        remainder = next(s for s in steps if s.kind == "remainder")
        amount = fmt.unit(remainder.amount, t.unit, t.decimals, sign=True)
        if parts is not None and not parts.empty:
            source = table_source(t) + "; delarna enligt budgettexten (" + citation.cite(self.register, parts) + ")"
            converted = "" if t.unit == "mnkr" else f", omräknade till {t.unit}"
            md(
                f"Delarna är de belopp som budgettexten anger i mnkr med en decimal{converted}. "
                f"Det som återstår av tabellens förändring visas som *{escape.md_text(budget.REMAINDER_LABEL)}*: "
                f"{amount}."
            )
        else:
            source = table_source(t) + ". Källorna anger inga delar av förändringen"
            md(
                f"Källorna anger inte hur kommunbidragets förändring {self.year} fördelas på delar (satsning, index, volym). "
                f"Hela förändringen, {amount}, visas därför som "
                f"*{escape.md_text(budget.REMAINDER_LABEL)}*."
            )
        from IPython.display import display

        table = budget.bridge_table(steps, t.unit)
        display(
            tables.show(
                table,
                "brygga",
                f"Från kommunbidrag {self.year - 1} till {self.year}, {t.unit}",
                source,
                formats={table.columns[1]: fmt.Number(t.decimals)},
            )
        )
        charts.show(
            charts.waterfall(
                steps, budget.bridge_title(steps, self.year, t.unit, t.decimals), source, t.unit, t.decimals
            )
        )
        return None

    # -- investments ----------------------------------------------------------------------
    def investments(self):
        t = self.it
        if t is None:
            return tables.note("Källorna innehåller ingen investeringsbudget för denna organisation.")
        from IPython.display import display

        # A row the source names "-" (no project under a heading, 0 every year) is not a row of its own:
        # it is said in words under the table, as the source states it.
        placeholders = [r for r in t.rows if r.label.strip() == "-"]
        rows = [r for r in t.rows if r.label.strip() != "-"]
        df = budget.wide(t, rows=rows)
        number = fmt.Number(t.decimals)
        display(
            tables.show(
                df,
                "investeringar",
                f"{t.caption}, {unit_text(t)}",
                table_source(t),
                formats={c: number for c in df.columns[1:] if c != "Kommentar"},
                bold_rows=budget.bold_rows(t, rows),
            )
        )
        if placeholders:
            heads = list(dict.fromkeys(t.row(r.parent).label for r in placeholders if r.parent is not None))
            md(
                "Under "
                + " och ".join(f"*{escape.md_text(h)}*" for h in heads)
                + f" anger budgeten inget projekt: tabellen har där en rad med bara ett streck och 0 {t.unit} alla år."
            )
        parents = {r.parent for r in t.rows}
        leaf_labels = [r.label for r in rows if r.number not in parents and r.role == model.POST]
        years = [c for c in df.columns if c not in (df.columns[0], "Kommentar")]
        leaves = df[df[df.columns[0]].isin(leaf_labels)]
        leaves = leaves[(leaves[years].fillna(0) != 0).any(axis=1)]
        if leaves.empty:
            return None
        long = leaves.set_index(df.columns[0])[years].T.reset_index().rename(columns={"index": "År"})
        fig = charts.grouped_bars(
            long,
            "År",
            [c for c in long.columns if c != "År"],
            budget.investment_title(leaves, years, t.unit, t.decimals),
            table_source(t),
            unit=t.unit,
            decimals=t.decimals,
            stacked=True,
        )
        charts.show(fig)
        return None

    # -- stated context -------------------------------------------------------------------
    def stated_figures(self):
        if not self.facts:
            return tables.note("Inga ytterligare uppgifter i källorna.")
        from IPython.display import display

        df = pd.DataFrame(
            {
                "Uppgift": [f.description for f in self.facts],
                "Värde": [float(f.value) if f.has_amount else float("nan") for f in self.facts],
                "Enhet": [f.unit for f in self.facts],
                "Period": [fact_period(f) for f in self.facts],
                "Grund": [f.basis for f in self.facts],
                "Källa": [f"{f.source.removeprefix(citation.PREFIX)}, {f.avsnitt}" for f in self.facts],
            }
        )
        display(
            tables.show(
                df,
                "uppgifter",
                "Uppgifter som källorna anger i text",
                "Värdena står som i källan; se kolumnen Källa. Grund: bokslut, budget, prognos, utfall, plan "
                "eller källans bedömning i ord.",
                formats={"Värde": fmt.Number(0, fraction_decimals=1)},
            )
        )
        without = [f for f in self.facts if not f.has_amount]
        if without:
            md(
                "Utan belopp anger källorna:\n\n"
                + "\n".join(
                    f"- {escape.md_text(f.description)}: ”{escape.md_text(f.quote)}” "
                    f"({escape.md_text(f.source.removeprefix(citation.PREFIX))}, {escape.md_text(f.avsnitt)})"
                    for f in without
                )
            )
        return None

    # -- Avstämning -----------------------------------------------------------------------
    def reconciliation(self, method: str = ""):
        from rapportbok.chapters import audit

        if not self.findings:
            return tables.note("Inga summor att stämma av för denna organisation.")
        audit.show(self.findings, "avstamning", "Avstämning av angivna summor", method)
        return None

    # -- Budgetuppföljning (utfall, prognos, avvikelse) -------------------------------------
    def followup(self):
        """The follow-up: table, breakdown, charts, material deviations, the action plan's effect."""
        from IPython.display import display

        y, end, th = self.year, self.end, self.org.thresholds
        self._followup_not_read()
        fu = self.fu
        if fu is None:
            display(tables.note(f"Källorna innehåller ingen budgetuppföljning för {self._period_text(end)}."))
            display(self._followup_budget_only())
            earlier = [f.per for f in self.followups if f.per < end]
            if earlier:
                md(f"Senaste uppföljning för {y}: {self._period_text(earlier[-1])}.")
                self._followup_over_the_year(end)
            return
        u, d = fu.unit, fu.decimals
        tot = fu.total
        n_material = len(bf.materials(fu))
        head, _ = bf.headers(fu)
        what = "de kontogrupper" if head == "Kontogrupp" else "de poster"
        report = f"{escape.md_text(fu.table.title)} per {fmt.date(fu.per)}"
        if tot.deviation is None:
            lead = f"**Uppföljning {self._period_text(end)}** ({report}). "
        else:
            word = "överskott" if tot.deviation > 0 else ("underskott" if tot.deviation < 0 else "ingen avvikelse")
            forecast = "Prognosen för helåret" if not fu.full_year else "Utfallet för helåret"
            whose = "" if fu.total_stated else f" för {what} som följs upp"
            lead = (
                f"**Uppföljning {self._period_text(end)}** ({report}). {forecast} avviker från budgeten med "
                f"{fmt.unit(tot.deviation, u, d, sign=True)} ({word}){whose}. "
            )
        md(
            lead + f"Andel av året som har gått: {fmt.pct(periods.year_share_pct(end), 1)}. "
            f"{n_material} väsentlig{'a' if n_material != 1 else ''} avvikelse{'r' if n_material != 1 else ''} "
            f"(gräns: {th.text()}{'' if th.from_file else ', bokens standard'})."
        )
        if fu.sign < 0:
            md(
                "Tabellen anger kostnaderna som positiva belopp och avvikelsen som budget − prognos. Boken räknar "
                "avvikelsen på samma sätt, så även här är en positiv avvikelse ett överskott och en negativ ett underskott."
            )
        for text in (bf.missing_text(fu), bf.summed_text(fu)):
            if text:
                md(escape.md_text(text))
        glue("uppfoljning_avvikelse", fmt.unit(tot.deviation, u, d, sign=True))
        glue("uppfoljning_vasentliga", str(n_material))
        display(self.followup_table(fu))
        missing = [i.label for i in fu.items if not i.stated]
        if missing:
            display(
                tables.note(
                    "Uppföljningen saknar kontogrupperna "
                    + ", ".join(missing)
                    + "; de visas med budget men utan utfall ('–')."
                )
            )
        bt = bf.breakdown_table(fu)
        if bt is not None:
            headers = bf.headers(fu)
            number = fmt.Number(d)
            display(
                tables.show(
                    bt,
                    "uppfoljning_verksamhet",
                    f"Uppföljning per {headers[1].lower()}, {self._period_text(end)}, {u}",
                    self._followup_source(fu),
                    formats={
                        **{c: number for c in bt.columns if c.endswith(f", {u}")},
                        f"Avvikelse, {u}": fmt.Number(d, sign=True),
                        "Avvikelse, %": fmt.Number(1, sign=True, unit="%"),
                    },
                    indent=[r.depth - 1 for r in fu.breakdown],
                )
            )
        if any(i.deviation is not None for i in fu.items):
            self._followup_deviation_chart(fu)
            self._followup_over_the_year(end)
        self._followup_material(fu, th)
        self._followup_action_plan(fu)

    def _followup_not_read(self) -> None:
        """One sentence for report tables of a follow-up kind the follow-up does not read (a second table on
        the same date, no outcome): they are analysed in Rapporternas tabeller."""
        _, other = bf.followup_tables(self.tables)
        text = not_read_text([t for t in other if t.per.year == self.year])
        if text:
            md(escape.md_text(text))

    @staticmethod
    def _period_text(end) -> str:
        """'tertial 1 2025 (t.o.m. 30 april 2025)', 'helåret 2025', 'perioden t.o.m. 31 oktober 2025'."""
        return periods.period_text(end)

    def _followup_source(self, fu: bf.FollowUp) -> str:
        borrowed = any(i.budget_from_table for i in fu.items)
        stated = table_source(fu.table).removeprefix(citation.PREFIX)
        if not borrowed or fu.budget_table is None:
            return f"Budget, utfall och prognos: {stated}. Andelar och avvikelser är egen beräkning."
        return (
            f"Utfall och prognos: {stated}. Budget: {table_source(fu.budget_table).removeprefix(citation.PREFIX)}. "
            "Andelar och avvikelser är egen beräkning."
        )

    def _followup_budget_only(self):
        t = self.bt
        col = budget.year_columns(t).get(self.year) if t is not None else None
        if col is None:
            return tables.note(f"Källorna innehåller ingen budget per kontogrupp för {self.year}.")
        # The rows a follow-up sets its outcome against: those that are not sums of other rows.
        parents = {r.parent for r in t.rows}
        rows = [
            r
            for r in t.rows
            if r.number not in parents and r.role == model.POST and t.value(r.number, col.id) is not None
        ]
        df = pd.DataFrame(
            {
                "Post": [r.label for r in rows],
                f"Budget {self.year}, {t.unit}": [float(t.value(r.number, col.id)) for r in rows],
            }
        )
        return tables.show(
            df,
            "uppfoljning_budget",
            f"Budget {self.year} per rad, {unit_text(t)}",
            table_source(t),
            formats={df.columns[1]: fmt.Number(t.decimals)},
        )

    def followup_table(self, fu: bf.FollowUp):
        t = bf.display_table(fu)
        u, d = fu.unit, fu.decimals
        formats = {c: fmt.Number(d) for c in t.columns if c.endswith(f", {u}")}
        formats.update(
            {"Avvikelse, %": fmt.Number(1, sign=True, unit="%"), f"Avvikelse, {u}": fmt.Number(d, sign=True)}
        )
        for c in t.columns:
            if c.startswith(("Utfall − budget", "Förändring mot", "Avvikelse enligt")):
                formats[c] = fmt.Number(1, sign=True, unit="%") if c.endswith("%") else fmt.Number(d, sign=True)
        header = bf.headers(fu)[0]
        return tables.show(
            t,
            "uppfoljning",
            f"Budgetuppföljning per {header.lower()}, {self._period_text(fu.per)}",
            self._followup_source(fu),
            formats=formats,
            bold_rows=[len(t) - 1],
        )

    def _followup_deviation_chart(self, fu: bf.FollowUp) -> None:
        done = [i for i in fu.items if i.deviation is not None]
        u, d = fu.unit, fu.decimals
        t = pd.DataFrame({"Kontogrupp": [i.label for i in done], "Avvikelse": [float(i.deviation) for i in done]})
        head = bf.headers(fu)[0].lower()
        fig = charts.grouped_bars(
            t,
            "Kontogrupp",
            ["Avvikelse"],
            f"Avvikelse mot budget per {head}, {self._period_text(fu.per)}, {u}",
            "Positiv avvikelse = överskott, negativ = underskott. Egen beräkning.",
            unit=u,
            decimals=d,
        )
        ax = fig.axes[0]
        for bar, v in zip(ax.patches, t["Avvikelse"]):
            bar.set_color(charts.POSITIVE if v >= 0 else charts.NEGATIVE)
            bar.set_edgecolor("black")
            bar.set_hatch("//" if v >= 0 else "xx")
            ax.annotate(
                fmt.number(v, d, sign=True),
                (bar.get_x() + bar.get_width() / 2, v),
                ha="center",
                va="bottom" if v >= 0 else "top",
                fontsize=8,
                xytext=(0, 2 if v >= 0 else -2),
                textcoords="offset points",
            )
        ax.axhline(0, color="black", linewidth=0.8)
        legend = ax.get_legend()
        if legend:
            legend.remove()
        self._rotate_labels(fig)
        charts.show(fig)

    @staticmethod
    def _rotate_labels(fig) -> None:
        ax = fig.axes[0]
        for label in ax.get_xticklabels():
            label.set_rotation(20)
            label.set_horizontalalignment("right")
        fig.tight_layout(rect=(0, 0.06, 1, 1))

    def _followup_over_the_year(self, upto) -> None:
        t = bf.deviation_over_the_year(self.followups, self.year, upto)
        series = [c for c in t.columns if c != "Period" and t[c].notna().any()]
        if not series:
            return
        u, decimals = bf.chart_unit(self.followups, upto)
        present = [f.per for f in self.followups]
        gaps = [d for d in bf.chart_periods(self.followups, self.year, upto) if d not in present]
        borrowed = any(i.budget_from_table for f in self.followups for i in f.items)
        head = bf.headers(self.followups[-1])[0].lower() if self.followups else "kontogrupp"
        fig = charts.lines(
            t,
            "Period",
            series,
            f"Prognos mot budget under {self.year}: prognos minus budget per {head}, {u}",
            (
                "Budget: " + table_source(self.bt).removeprefix(citation.PREFIX) + ". "
                if borrowed and self.bt is not None
                else "Budget: uppföljningens egen. "
            )
            + "Prognos (vid helår utfall): organisationens uppföljning. 0 = som budget; "
            "över 0 = överskott, under 0 = underskott.",
            unit=u,
            decimals=decimals,
        )
        ax = fig.axes[0]
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_xlim(-0.3, len(t) - 0.7)
        legend = ax.get_legend()
        if legend:
            legend.remove()
        ax.legend(frameon=False, fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5))
        fig.tight_layout(rect=(0, 0.08, 1, 1))
        charts.show(fig)
        if gaps:
            display_names = ", ".join(periods.period_short(d) for d in gaps)
            md(f"Uppföljning saknas för {display_names} {self.year}; i diagrammet saknas staplar för den perioden.")

    def _followup_material(self, fu: bf.FollowUp, th) -> None:
        m = bf.materials(fu)
        if not m:
            md(f"**Väsentliga avvikelser:** inga (gräns: {th.text()}).")
            return
        lines = []
        for r in m:
            share = "" if fmt.is_missing(r.deviation_pct) else f", {fmt.pct(r.deviation_pct, 1, sign=True)}"
            comment = bf.comments(fu, r)
            reason = escape.md_text(comment) if comment else "*Kommentar saknas i uppföljningen.*"
            lines.append(
                f"- **{escape.md_text(r.label)}:** {fmt.unit(r.deviation, fu.unit, fu.decimals, sign=True)}{share}. {reason}"
            )
        md(f"**Väsentliga avvikelser** (gräns: {th.text()}) med källans förklaring:\n\n" + "\n".join(lines))

    def _followup_action_plan(self, fu: bf.FollowUp) -> None:
        """The action plans beside a forecast deficit: what the answer of the year says about them (the one
        remainder, rapportbok.analysis.answer), never the forecast minus the plans' effect: a forecast may
        already count the effect, and the plans meet the deficit they name."""
        deviation = fu.total.deviation
        if deviation is None or deviation >= 0:
            return
        if not ap_analysis.has_plan(self.data, self.year):
            md(f"Ingen åtgärdsplan i källorna täcker {self.year}.")
            return
        a = answer.answer(self.data, self.year, self.tertial)
        said = [s for s in a.statements if s.kind in (answer.PLAN, answer.REMAINDER)]
        md("**Åtgärdsplan:** " + present_answer.sentences_md(said) + " Mer i [åtgärdsplanen](atgardsplan.ipynb).")


def _depths(t: model.StatedTable) -> list[int]:
    """Each row's indent, as Rapporternas tabeller shows the same table (rows under a row printed above them,
    and under a heading row)."""
    from rapportbok.chapters.report_tables import depths

    return depths(t)


def fact_period(f: sf.StatedFact) -> str:
    """A stated fact's period for a table: '2023', '28 februari 2018', '2018 (per 28 februari 2018)', or 'helårsnivå'."""
    if f.year is not None and f.per is not None and f.per.year == f.year:
        return f"{f.year} (per {fmt.date(f.per)})"
    if f.year is not None:
        return str(f.year)
    if f.per is not None:
        return fmt.date(f.per)
    return "helårsnivå" if f.concept == sf.FULL_YEAR else ""


def not_read_text(other: list) -> str:
    """The sentence naming the follow-up-kind tables the follow-up does not read (plain text, escaped by the caller)."""
    if not other:
        return ""
    names = ", ".join(f"”{t.caption}” ({t.unit}, per {fmt.date(t.per)})" for t in other)
    return (
        f"Uppföljningen nedan läser en tabell per rapportdatum (den som tabell_begrepp.csv pekar ut som nämndens "
        f"total, annars den första); {names} visas och räknas om i kapitlet Rapporternas tabeller."
    )
