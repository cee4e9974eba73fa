"""The budget chapter: ramar, net cost and kommunbidrag, the bridge, investments, Avstämning."""

from __future__ import annotations

import pandas as pd

from rapportbok.analysis import budget, reconcile, wording
from rapportbok.chapters import Chapter, ChapterPage
from rapportbok.core import escape, fmt, periods
from rapportbok.data import sources, stated_tables
from rapportbok.present import charts, tables
from rapportbok.present.display import glue, md


def has_data(data: dict, year: int) -> bool:
    ramar = data.get("ramar")
    fu = data.get("budgetuppfoljning")
    return (
        (ramar is not None and year in set(ramar["ar"]))
        or data.get("uppgifter") is not None
        or (fu is not None and int(year) in {int(a) for a in fu["ar"]})
    )


def warnings(data: dict, org: str) -> list[str]:
    findings = budget.all_checks(data.get("ramar"), data.get("investeringar"), data.get("kommunbidrag"))
    return ["Avstämning: " + f.text() for f in reconcile.mismatches(findings)]


CHAPTER = Chapter(
    "budget",
    "Budget och ekonomiska ramar",
    has_data,
    # The tertial follow-up reads budgetuppfoljning, and the action plans' planned effect for the year.
    # The ramar and investments may instead be stated tables of kind budget (organisation.yml: begrepp),
    # and the follow-up stated tables of a follow-up kind (rapportbok.data.budget_followup.from_model).
    (
        "ramar",
        "investeringar",
        "kommunbidrag",
        "uppgifter",
        "budgetuppfoljning",
        "atgardsplaner",
        "atgarder",
        "atgard_effekter",
        "tabeller",
        "tabell_kolumner",
        "tabell_varden",
        "tabell_kommentarer",
    ),
    warnings,
)


class BudgetChapter(ChapterPage):
    def __init__(self, org: str, year: int, tertial: int):
        super().__init__(org, year, tertial)
        self.ramar = self.data["ramar"]
        self.inv = self.data["investeringar"]
        self.kb = self.data["kommunbidrag"]
        self.stated = self.data["uppgifter"]
        self.findings = budget.all_checks(self.ramar, self.inv, self.kb)

    # -- introduction ---------------------------------------------------------------------
    def intro(self) -> None:
        o = self.org
        if self.ramar is None or self.year not in set(self.ramar["ar"]):
            fu = self.data.get("budgetuppfoljning")
            shows = (
                "budgetuppföljningen ur rapportens tabeller"
                if fu is not None and self.year in {int(a) for a in fu["ar"]}
                else "de uppgifter om det ekonomiska läget som källorna anger"
            )
            elsewhere = [t for t in stated_tables.load(self.data) if t.kind == "budget" and t.year == self.year]
            lead = f"**{escape.md_text(o.name)}, {escape.md_text(o.namnd.lower())}.** "
            if elsewhere:  # a budget in mnkr (or with decimals): shown as stated, never as exact tkr
                md(
                    lead
                    + f"Budgeten för {self.year} står i "
                    + ", ".join(f"”{escape.md_text(t.caption)}” ({escape.md_text(t.unit)})" for t in elsewhere)
                    + ", som visas som den är angiven i [Rapporternas tabeller](tabeller.ipynb); det här kapitlet läser "
                    f"budgetar i tkr utan decimaler och räknar inte om den, så att inga tal visas som mer exakta än källan. "
                    f"Kapitlet visar {shows}."
                )
            else:
                md(lead + f"Källdokumenten innehåller ingen budgettabell för {self.year}. Kapitlet visar {shows}.")
            return
        net = budget.series(self.ramar, budget.NET_COST)
        grant = budget.series(self.ramar, budget.GRANT)
        y = self.year
        text = f"**{escape.md_text(o.name)}, {escape.md_text(o.namnd.lower())}, {y}.** "
        if y in grant.index and y in net.index:
            text += (
                f"Kommunbidraget är {fmt.mnkr(grant[y])} "
                f"({fmt.tkr(grant[y])}) och verksamhetens nettokostnad {wording.net_cost(net[y])}."
            )
        elif y in grant.index:
            text += (
                f"Kommunbidraget är {fmt.mnkr(grant[y])} ({fmt.tkr(grant[y])}). "
                f"{escape.md_text(budget.missing_row_text(budget.NET_COST, y))}"
            )
        elif y in net.index:
            text += (
                f"Verksamhetens nettokostnad är {wording.net_cost(net[y])}. "
                f"{escape.md_text(budget.missing_row_text(budget.GRANT, y))}"
            )
        else:
            text += (
                escape.md_text(budget.missing_row_text(budget.GRANT, y))
                + " "
                + escape.md_text(budget.missing_row_text(budget.NET_COST, y))
            )
        if y not in grant.index:
            pass  # said above
        elif y - 1 in grant.index:
            verb, size = wording.grant_change(grant[y - 1], grant[y])  # in words, not "+11,2 mnkr"
            text += (
                f" Jämfört med {y - 1} {verb} kommunbidraget med {size}."
                if verb
                else f" Kommunbidraget är detsamma som {y - 1}."
            )
        else:
            text += f" Källan redovisar inget kommunbidrag för {y - 1}, så ingen förändring kan visas."
        bad = reconcile.mismatches(self.findings)
        text += " Avstämning av angivna summor mot raderna: " + escape.md_text(reconcile.summary_text(self.findings))
        glue("budget_kommunbidrag", fmt.mnkr(grant[y]) if y in grant.index else budget.NOT_STATED)
        glue("budget_nettokostnad", wording.net_cost(net[y]) if y in net.index else budget.NOT_STATED)
        glue("budget_avvikelser", str(len(bad)))
        md(text)

    # -- ramar ----------------------------------------------------------------------------
    def ramar_table(self):
        if self.ramar is None:
            return tables.note("Källorna innehåller inga ekonomiska ramar per kontogrupp för denna organisation.")
        t = budget.wide(self.ramar)
        return tables.show(
            t,
            "ramar",
            "Ekonomiska ramar per kontogrupp, tkr",
            sources.cite(self.ramar),
            bold_rows=self._subtotal_rows(t),
        )

    def _subtotal_rows(self, t: pd.DataFrame) -> list[int]:
        parents = set(self.ramar["summeras_i"].dropna())
        return [i for i, post in enumerate(t["Belopp i tkr"]) if post in parents]

    def change_table(self):
        if self.ramar is None:
            return tables.note("Ingen jämförelse mot föregående år: källorna saknar ramar.")
        t = budget.change(self.ramar, self.year)
        if t is None:
            return tables.note(
                f"Källan redovisar inga ramar för {self.year - 1}; förändringen mot föregående år kan inte beräknas för {self.year}."
            )
        prev, cur = t.columns[1], t.columns[2]
        t["Vad som händer"] = [wording.change_words(p, a, b) for p, a, b in zip(t[t.columns[0]], t[prev], t[cur])]
        t = t.drop(columns=["Förändring, %"])
        return tables.show(
            t,
            "ramar_forandring",
            f"Förändring {self.year - 1}–{self.year} per kontogrupp",
            sources.cite(self.ramar) + ". Förändringen är egen beräkning.",
            bold_rows=self._subtotal_rows(t),
        )

    # -- net cost and grant ---------------------------------------------------------------
    def net_and_grant_chart(self):
        """Over the years: net cost, kommunbidrag and the result for every year the budget table holds,
        in one chart whose title says what happens."""
        if self.ramar is None:
            return tables.note(
                "Källorna innehåller ingen budgettabell, så nettokostnad, kommunbidrag och resultat "
                "över åren kan inte visas."
            )
        net = budget.series(self.ramar, budget.NET_COST)
        grant = budget.series(self.ramar, budget.GRANT)
        if net.empty and grant.empty:
            return tables.note(
                f"{budget.missing_row_text(budget.GRANT)} {budget.missing_row_text(budget.NET_COST)} "
                "Därför visas inget diagram över dem."
            )
        over = budget.over_the_years(self.ramar)
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
            budget.over_the_years_title(over),
            sources.cite(self.ramar),
            values=True,
        )
        charts.show(fig)
        if net.empty or grant.empty:
            md(escape.md_text(budget.missing_row_text(budget.NET_COST if net.empty else budget.GRANT)))
        return None

    # -- bridge ---------------------------------------------------------------------------
    def bridge(self):
        steps = budget.grant_bridge(self.ramar, self.kb, self.year) if self.ramar is not None else None
        if steps is None:
            grant = budget.series(self.ramar, budget.GRANT) if self.ramar is not None else pd.Series(dtype=float)
            missing = self.year if self.year not in grant.index and self.year - 1 in grant.index else self.year - 1
            return tables.note(f"Ingen brygga för {self.year}: källan anger inget kommunbidrag för {missing}.")
        parts = self.kb[self.kb["ar"] == self.year] if self.kb is not None else None
        remainder = next(s for s in steps if s.kind == "remainder")
        if parts is not None and not parts.empty:
            source = sources.cite(self.ramar) + "; delarna enligt budgettexten (" + sources.cite(parts) + ")"
            md(
                f"Delarna är de belopp som budgettexten anger i mnkr med en decimal, omräknade till tkr. "
                f"Det som återstår av tabellens förändring visas som *{escape.md_text(budget.REMAINDER_LABEL)}*: "
                f"{fmt.tkr(remainder.amount_tkr, sign=True)}."
            )
        else:
            source = sources.cite(self.ramar) + ". Källorna anger inga delar av förändringen"
            md(
                f"Källorna anger inte hur kommunbidragets förändring {self.year} fördelas på delar (satsning, index, volym). "
                f"Hela förändringen, {fmt.tkr(remainder.amount_tkr, sign=True)}, visas därför som "
                f"*{escape.md_text(budget.REMAINDER_LABEL)}*."
            )
        from IPython.display import display

        display(
            tables.show(
                budget.bridge_table(steps), "brygga", f"Från kommunbidrag {self.year - 1} till {self.year}, tkr", source
            )
        )
        charts.show(charts.waterfall(steps, budget.bridge_title(steps, self.year), source))
        return None

    # -- investments ----------------------------------------------------------------------
    def investments(self):
        if self.inv is None:
            return tables.note("Källorna innehåller ingen investeringsbudget för denna organisation.")
        from IPython.display import display

        t = budget.wide(self.inv)
        parents = set(self.inv["summeras_i"].dropna())
        # A row the source names "-" (no project under a heading, 0 every year) is not a row of its own:
        # it is said in words under the table, as the source states it.
        placeholders = self.inv[self.inv["post"].astype(str).str.strip() == "-"]
        t = t[t["Belopp i tkr"].astype(str).str.strip() != "-"].reset_index(drop=True)
        display(
            tables.show(
                t,
                "investeringar",
                "Investeringsbudget, tkr",
                sources.cite(self.inv),
                bold_rows=[i for i, p in enumerate(t["Belopp i tkr"]) if p in parents],
            )
        )
        if not placeholders.empty:
            heads = list(dict.fromkeys(placeholders["summeras_i"].dropna().astype(str)))
            md(
                "Under "
                + " och ".join(f"*{escape.md_text(h)}*" for h in heads)
                + " anger budgeten inget projekt: tabellen har där en rad med bara ett streck och 0 tkr alla år."
            )
        leaves = t[~t["Belopp i tkr"].isin(parents)]
        years = [c for c in t.columns if c != "Belopp i tkr"]
        leaves = leaves[(leaves[years].fillna(0) != 0).any(axis=1)]
        if leaves.empty:
            return None
        long = leaves.set_index("Belopp i tkr")[years].T.reset_index().rename(columns={"index": "År"})
        fig = charts.grouped_bars(
            long,
            "År",
            [c for c in long.columns if c != "År"],
            budget.investment_title(leaves, years),
            sources.cite(self.inv),
            stacked=True,
        )
        charts.show(fig)
        return None

    # -- stated context -------------------------------------------------------------------
    def stated_figures(self):
        if self.stated is None:
            return tables.note("Inga ytterligare uppgifter i källorna.")
        s = self.stated
        t = pd.DataFrame(
            {
                "Uppgift": s["beskrivning"],
                "Värde": s["varde"],
                "Enhet": s["enhet"],
                "Period": s["period"].fillna(""),
                "Källa": [f"{sources.label(k)[7:]}, {a}" for k, a in zip(s["kalla"], s["avsnitt"])],
            }
        )
        return tables.show(
            t,
            "uppgifter",
            "Uppgifter som källorna anger i text",
            "Värdena står som i källan; se kolumnen Källa.",
            formats={"Värde": fmt.Number(0, fraction_decimals=1)},
        )

    # -- Avstämning -----------------------------------------------------------------------
    def reconciliation(self, method: str = ""):
        from rapportbok.chapters import audit

        if not self.findings:
            return tables.note("Inga summor att stämma av för denna organisation.")
        audit.show(self.findings, "avstamning", "Avstämning av angivna summor", method)
        return None

    # -- Budgetuppföljning (utfall, prognos, avvikelse) -------------------------------------
    def followup(self):
        """The follow-up: table, charts, material deviations, the action plan's effect."""
        from IPython.display import display

        from rapportbok.analysis import budget_followup as fu

        data, y, t = self.data.get("budgetuppfoljning"), self.year, self.end
        th, _ = fu.thresholds(self.org.slug)
        s = fu.summary(data, self.ramar, y, t, th)
        self._followup_not_read()
        if s is None:
            display(tables.note(f"Källorna innehåller ingen budgetuppföljning för {self._period_text(y, t)}."))
            display(self._followup_budget_only())
            earlier = [x for x in fu.periods_present(data, y) if x < t]
            if earlier:
                md(f"Senaste uppföljning för {y}: {self._period_text(y, earlier[-1])}.")
                self._followup_over_tertials(data, t)
            return
        tot = fu.total(s, fu.root_post(self.ramar, data))
        n_material = int(s["vasentlig"].sum())
        what = "de kontogrupper" if fu.row_header(data, self.ramar)[0] == "Kontogrupp" else "de poster"
        if fmt.is_missing(tot["avvikelse_tkr"]):
            lead = f"**Uppföljning {self._period_text(y, t)}.** "
        else:
            word = (
                "överskott"
                if tot["avvikelse_tkr"] > 0
                else ("underskott" if tot["avvikelse_tkr"] < 0 else "ingen avvikelse")
            )
            forecast = "Prognosen för helåret" if not fu.is_full_year(t) else "Utfallet för helåret"
            lead = (
                f"**Uppföljning {self._period_text(y, t)}.** {forecast} avviker från budgeten med "
                f"{fmt.tkr(tot['avvikelse_tkr'], sign=True)} ({word}) för {what} som följs upp. "
            )
        md(
            lead + f"Andel av året som har gått: {fmt.pct(periods.year_share_pct(t), 1)}. "
            f"{n_material} väsentlig{'a' if n_material != 1 else ''} avvikelse{'r' if n_material != 1 else ''} "
            f"(gräns: {th.text()}{'' if th.from_file else ', bokens standard'})."
        )
        if fu.sign(data, y, t) < 0:
            md(
                "Tabellen anger kostnaderna som positiva belopp och avvikelsen som budget − prognos. Boken räknar "
                "avvikelsen på samma sätt, så även här är en positiv avvikelse ett överskott och en negativ ett underskott."
            )
        missing_measures = fu.missing_text(data, s, y, t)
        if missing_measures:
            md(escape.md_text(missing_measures))
        glue("uppfoljning_avvikelse", fmt.tkr(tot["avvikelse_tkr"], sign=True))
        glue("uppfoljning_vasentliga", str(n_material))
        display(self.followup_table(s))
        missing = s.loc[s["prognos_tkr"].isna() & s["utfall_tkr"].isna(), "kontogrupp"].tolist()
        if missing:
            display(
                tables.note(
                    "Uppföljningen saknar kontogrupperna "
                    + ", ".join(missing)
                    + "; de visas med budget men utan utfall ('–')."
                )
            )
        headers = fu.row_header(data, self.ramar)
        vt = fu.verksamhet_table(data, y, t, headers)
        if vt is not None:
            display(
                tables.show(
                    vt,
                    "uppfoljning_verksamhet",
                    f"Uppföljning per {headers[1].lower()}, {self._period_text(y, t)}, tkr",
                    self._followup_source(data, t),
                    formats={
                        "Avvikelse, tkr": fmt.Number(0, sign=True),
                        "Avvikelse, %": fmt.Number(1, sign=True, unit="%"),
                    },
                )
            )
        if s["avvikelse_tkr"].notna().any():
            self._followup_deviation_chart(s)
            self._followup_over_tertials(data, t)
        self._followup_material(s, th)
        self._followup_action_plan(tot["avvikelse_tkr"])

    def _followup_not_read(self) -> None:
        """One sentence for report tables of a follow-up kind the follow-up does not read (mnkr, a second
        table on the same date, no outcome): they are analysed in Rapporternas tabeller."""
        from rapportbok.data import budget_followup as data_fu
        from rapportbok.data import stated_tables as model

        _, other = data_fu.followup_tables(model.load(self.data))
        text = not_read_text([t for t in other if t.per.year == self.year])
        if text:
            md(escape.md_text(text))

    @staticmethod
    def _period_text(y: int, t) -> str:
        """'tertial 1 2025 (t.o.m. 30 april 2025)', 'helåret 2025', 'perioden t.o.m. 31 oktober 2025'."""
        return periods.period_text(periods.report_end(y, t))

    def _budget_cite(self) -> str:
        if self.ramar is None or self.year not in set(self.ramar["ar"]):
            return ""
        return sources.cite(self.ramar[self.ramar["ar"] == self.year])[7:]

    @staticmethod
    def _budget_stated(data) -> bool:
        """The follow-up's rows state their own budget (a stated table with budget helår)."""
        from rapportbok.analysis import budget_followup as fu

        return fu.from_tables(data) and bool(data.loc[data["verksamhet"].isna(), "budget"].notna().any())

    def _followup_source(self, data, t) -> str:
        part = data[(data["ar"] == self.year) & (data["per_datum"] == periods.report_end(self.year, t))]
        stated = self._budget_stated(part)
        budget_cite = self._budget_cite()
        if stated or not budget_cite:
            return f"Budget, utfall och prognos: {sources.cite(part)[7:]}. Andelar och avvikelser är egen beräkning."
        return (
            f"Utfall och prognos: {sources.cite(part)[7:]}. Budget: {budget_cite}. "
            "Andelar och avvikelser är egen beräkning."
        )

    def _followup_budget_only(self):
        from rapportbok.analysis import budget_followup as fu

        budget = fu.budget_for(self.ramar, self.year)
        if budget.empty:
            return tables.note(f"Källorna innehåller ingen budget per kontogrupp för {self.year}.")
        t = pd.DataFrame({"Kontogrupp": budget.index, f"Budget {self.year}, tkr": budget.values})
        return tables.show(
            t,
            "uppfoljning_budget",
            f"Budget {self.year} per kontogrupp, tkr",
            sources.cite(self.ramar[self.ramar["ar"] == self.year]),
        )

    def followup_table(self, s: pd.DataFrame):
        from rapportbok.analysis import budget_followup as fu

        data = self.data["budgetuppfoljning"]
        header = fu.row_header(data, self.ramar)[0]
        t = fu.display_table(s, self.year, self.end, fu.root_post(self.ramar, data), header)
        signed = {"Avvikelse, tkr": fmt.Number(0, sign=True), "Avvikelse, %": fmt.Number(1, sign=True, unit="%")}
        for c in t.columns:
            if c.startswith(("Utfall − budget", "Förändring mot", "Avvikelse enligt")):
                signed[c] = fmt.Number(1, sign=True, unit="%") if c.endswith("%") else fmt.Number(0, sign=True)
        return tables.show(
            t,
            "uppfoljning",
            f"Budgetuppföljning per {header.lower()}, {self._period_text(self.year, self.end)}",
            self._followup_source(data, self.end),
            formats=signed,
            bold_rows=[len(t) - 1],
        )

    def _followup_deviation_chart(self, s: pd.DataFrame) -> None:
        done = s[s["avvikelse_tkr"].notna()]
        t = pd.DataFrame({"Kontogrupp": done["kontogrupp"], "Avvikelse": done["avvikelse_tkr"]})
        fig = charts.grouped_bars(
            t,
            "Kontogrupp",
            ["Avvikelse"],
            f"Avvikelse mot budget per kontogrupp, {self._period_text(self.year, self.end)}, tkr",
            "Positiv avvikelse = överskott, negativ = underskott. Egen beräkning.",
        )
        ax = fig.axes[0]
        for bar, v in zip(ax.patches, t["Avvikelse"]):
            bar.set_color(charts.POSITIVE if v >= 0 else charts.NEGATIVE)
            bar.set_edgecolor("black")
            bar.set_hatch("//" if v >= 0 else "xx")
            ax.annotate(
                fmt.number(v, 0, sign=True),
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

    def _followup_over_tertials(self, data, upto) -> None:
        from rapportbok.analysis import budget_followup as fu

        t = fu.deviation_over_tertials(data, self.ramar, self.year, upto)
        series = [c for c in t.columns if c != "Period" and t[c].notna().any()]
        if not series:
            return
        present = fu.periods_present(data, self.year)
        gaps = [d for d in fu.chart_periods(data, self.year, upto) if d not in present]
        fig = charts.lines(
            t,
            "Period",
            series,
            f"Prognos mot budget under {self.year}: prognos minus budget per kontogrupp, tkr",
            (
                "Budget: " + self._budget_cite() + ". "
                if self._budget_cite() and not self._budget_stated(data)
                else "Budget: uppföljningens egen. "
            )
            + "Prognos (vid helår utfall): organisationens uppföljning. 0 = som budget; "
            "över 0 = överskott, under 0 = underskott.",
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

    def _followup_material(self, s: pd.DataFrame, th) -> None:
        from rapportbok.analysis import budget_followup as fu

        m = fu.materials(s)
        if m.empty:
            md(f"**Väsentliga avvikelser:** inga (gräns: {th.text()}).")
            return
        lines = []
        for _, r in m.iterrows():
            share = "" if fmt.is_missing(r["avvikelse_pct"]) else f", {fmt.pct(r['avvikelse_pct'], 1, sign=True)}"
            reason = escape.md_text(r["kommentar"]) if r["kommentar"] else "*Kommentar saknas i uppföljningen.*"
            lines.append(
                f"- **{escape.md_text(r['kontogrupp'])}:** {fmt.tkr(r['avvikelse_tkr'], sign=True)}{share}. {reason}"
            )
        md(f"**Väsentliga avvikelser** (gräns: {th.text()}) med analytikerns förklaring:\n\n" + "\n".join(lines))

    def _followup_action_plan(self, deviation_tkr: float) -> None:
        """The action plan's expected effect for the year next to a forecast deficit."""
        if fmt.is_missing(deviation_tkr) or deviation_tkr >= 0:
            return
        effect, titles = followup_plan_effect(self.data, self.year)
        if not titles:
            md(f"Ingen åtgärdsplan i källorna täcker {self.year}.")
            return
        link = "[åtgärdsplanen](atgardsplan.ipynb)"
        if effect is None:
            md(
                f"Åtgärdsplanen ({escape.md_text(', '.join(titles))}) anger ingen planerad effekt för {self.year}; se {link}."
            )
            return
        rest = deviation_tkr + effect
        verdict = (
            "täcker den planerade effekten underskottet"
            if rest >= 0
            else f"återstår {fmt.tkr(rest)} efter den planerade effekten"
        )
        md(
            f"**Åtgärdsplan:** {'prognostiserat ' if self.end.month < 12 else ''}underskott {fmt.tkr(deviation_tkr)}; {link} "
            f"({escape.md_text(', '.join(titles))}) anger en planerad effekt på {fmt.tkr(effect, sign=True)} för {self.year}. "
            f"Om effekten inte redan ingår i prognosen {verdict}."
        )


def not_read_text(other: list) -> str:
    """The sentence naming the follow-up-kind tables the follow-up does not read (plain text, escaped by the caller)."""
    if not other:
        return ""
    names = ", ".join(f"”{t.caption}” ({t.unit}, per {fmt.date(t.per)})" for t in other)
    return (
        f"Uppföljningen nedan läser en tabell per rapportdatum i kr eller tkr med utfall; {names} "
        "visas och räknas om i kapitlet Rapporternas tabeller."
    )


def followup_plan_effect(data: dict, year: int) -> tuple[float | None, list[str]]:
    """The action plan's planned effect for ``year`` (tkr, plan titles); (None, []) without plans."""
    try:
        from rapportbok.analysis import actionplan
    except ImportError:  # pragma: no cover - the action-plan module is part of the package
        return None, []
    if not actionplan.has_plan(data, int(year)):
        return None, []
    return actionplan.planned_effect_for_year(data, int(year))
