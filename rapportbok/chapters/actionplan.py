"""The action-plan chapter ("Åtgärdsplaner"): measures, follow-up with traffic lights, totals,
planned vs actual, the bridge from the deficit, drivers and the Avstämning."""

from __future__ import annotations

import pandas as pd

from rapportbok.analysis import actionplan as ap
from rapportbok.analysis import answer, reconcile
from rapportbok.chapters import Chapter, ChapterPage
from rapportbok.core import escape, fmt, periods, units
from rapportbok.data import sources
from rapportbok.present import charts, tables
from rapportbok.present.display import glue, md

BESLUT = {"nämnd": "Nämnd", "fullmäktige": "Fullmäktige"}


def has_data(data: dict, year: int) -> bool:
    return ap.has_plan(data, int(year))


def warnings(data: dict, org: str) -> list[str]:
    return ap.reconciliation_warnings(data, org)


CHAPTER = Chapter(
    "atgardsplan",
    "Åtgärdsplaner",
    has_data,
    (
        "atgardsplaner",
        "atgarder",
        "atgard_effekter",
        "atgard_drivare",
        "atgardsplan_summor",
        "uppfoljning_atgarder",
        "uppgifter",
    ),
    warnings,
)


def _tkr0(v) -> str:
    return fmt.number(v, 0)


def _without_area(title: str, area) -> str:
    """A measure's title without the area it begins with ("Ledning – Minskning med en enhetschef" in the area
    "Ledning"), where the table shows the area in its own column: the title once, shorter rows (issue #26)."""
    if isinstance(area, str) and area:
        for dash in (" – ", " - "):
            if title.startswith(area + dash) and len(title) > len(area + dash):
                return title[len(area + dash) :]
    return title


def _measure_names(st: pd.DataFrame) -> list[str]:
    """A reader's name for each measure: its number (with the row when a number repeats) and its title,
    in full (the charts wrap it, never cut it)."""
    nrs = [ap.short_label(r) for _, r in st.iterrows()]
    repeated = {n for n in nrs if nrs.count(n) > 1}
    names = []
    for (_, r), nr in zip(st.iterrows(), nrs):
        if nr in repeated:
            nr = f"{nr} (rad {int(r['rad'])})"
        names.append(f"{nr}: {r['titel']}" if isinstance(r["nr"], str) and r["nr"] else str(r["titel"]))
    return names


def _deficit_text(fact) -> str:
    """A stated deficit's size in its own unit ('99,0 mnkr'; kr without decimals, else one), 'omkring' where approximate."""
    approx = {"omkring": "omkring ", "minst": "minst ", "högst": "högst "}.get(fact.approx, "")
    return approx + fmt.unit(abs(float(fact.value)), fact.unit, 0 if fact.unit == "kr" else 1)


def _period_name(end) -> str:
    """'tertial 1', 'helår (tertial 3)', or by the report date: 't.o.m. 31 oktober'."""
    t = periods.tertial_of(end)
    return periods.TERTIAL_NAME[t] if t else "t.o.m. " + fmt.date(end).rsplit(" ", 1)[0]


class ActionPlanChapter(ChapterPage):
    def __init__(self, org: str, year: int, tertial: int):
        super().__init__(org, year, tertial)
        self.plans = ap.plans_for_year(self.data, self.year)
        self.deficits = ap.plan_deficits(self.data, self.plans)  # plan id -> the stated deficit it is to meet
        self.meas = self.data["atgarder"]
        self.status = ap.status_table(self.data, self.year, self.end)
        self.has_followup = self.status is not None and bool(self.status["has_followup"].any())
        self.findings = ap.all_checks(self.data, org)

    # -- helpers -----------------------------------------------------------------------------
    def _cite_plan(self) -> str:
        return sources.cite(self.meas[self.meas["plan_id"].isin(set(self.plans["plan_id"]))].iloc[:1])

    def _as_of_text(self) -> str:
        if self.has_followup:
            dates = sorted(set(self.status.loc[self.status["has_followup"], "as_of"]))
            return ", ".join(fmt.date(d) for d in dates)
        return fmt.date(self.end)

    def _unit_note(self) -> str:
        units = set(self.plans["enhet"])
        if units == {"tkr"}:
            return ""
        if units == {"mnkr"}:
            return " Källan anger beloppen i mnkr; här omräknade till tkr (1 mnkr = 1 000 tkr)."
        return (
            " Källan anger beloppen i "
            + " och ".join(u for u in ("kr", "mnkr", "tkr") if u in units)
            + "; här omräknade till tkr (1 000 kr = 1 tkr, 1 mnkr = 1 000 tkr)."
        )

    # -- introduction --------------------------------------------------------------------------
    def intro(self) -> None:
        o = self.org
        if self.plans is None:
            md(f"**{escape.md_text(o.name)}.** Ingen åtgärdsplan i källorna gäller {self.year}.")
            return
        parts = []
        for _, p in self.plans.iterrows():
            text = f"*{escape.md_text(p['titel'])}* gäller {p['ar_fran']}–{p['ar_till']}"
            if p["beslut"]:
                text += f"; beslut: {escape.md_text(p['beslut'])}"
            else:
                text += "; källan anger inget beslut (paragraf eller datum)"
            deficit = self.deficits.get(p["plan_id"])
            if deficit is not None and deficit.tkr is not None:
                text += (
                    f". Underskottet som planen ska möta: {_deficit_text(deficit)} "
                    f"({fmt.tkr(ap.deficit_tkr(deficit))}), {escape.md_text(p['underskott_avser'] or '')}"
                )
            else:
                text += ". Källan anger inte underskottets belopp"
            parts.append(text + ".")
        total, _ = ap.planned_effect_for_year(self.data, self.year)
        n = len(self.status)
        s = (
            f"**{escape.md_text(o.name)}, {escape.md_text(o.namnd.lower())}, {self.year}, {_period_name(self.end)}.** "
            + " ".join(parts)
        )
        counted = int(self.status["counted"].sum())
        s += f" Planen har {n} rader (åtgärder och rader som summerar en grupp av åtgärder)"
        s += (
            "."
            if counted == n
            else f"; {counted} av dem räknas i summorna nedan och {n - counted} är enligt källan medräknade i andra "
            "åtgärder eller i raden som summerar dem, så de räknas inte två gånger."
        )
        if total is None:
            s += f" Källan anger ingen planerad effekt för {self.year}."
        else:
            s += (
                f" Planerad effekt {self.year}: {fmt.tkr(total)} ({fmt.mnkr(total)}), utan åtgärder som enligt källan "
                f"är medräknade i andra."
            )
        if self.has_followup:
            st = self.status
            s += (
                f" Uppföljning per {self._as_of_text()}: faktisk effekt hittills {fmt.tkr(st['actual_tkr'].sum(min_count=1))} "
                f"mot förväntat {fmt.tkr(st.loc[st['counted'], 'expected_tkr'].sum(min_count=1))}."
            )
        else:
            s += (
                f" Källorna innehåller ingen uppföljning av åtgärderna per {fmt.date(self.end)}; kapitlet visar planerad effekt, "
                f"inte förväntad effekt hittills."
            )
        bad = reconcile.real_mismatches(self.findings)
        s += " Avstämning: " + escape.md_text(reconcile.summary_text(self.findings))
        glue("atgard_planerad", fmt.tkr(total))
        glue("atgard_avvikelser", str(len(bad)))
        md(s)

    # -- method -----------------------------------------------------------------------------------
    def method_note(self):
        """Under the method of the expected effect and the lights: nothing where they are computed; where the
        sources hold no follow-up, a note, so the method's section is folded into "Det som källorna inte
        innehåller" (rapportbok.publish.fold) instead of explaining figures the page does not show."""
        if self.status is None or self.has_followup:
            return None
        return tables.note(
            f"Källorna innehåller ingen uppföljning av åtgärderna för {self.year}, så boken räknar ingen förväntad "
            "effekt och inga trafikljus."
        )

    @property
    def has_amounts(self) -> bool:
        """Whether the page has an amount for a measure this year: a planned effect or a follow-up."""
        return self.status is not None and (self.has_followup or self.status["planned_tkr"].notna().any())

    # -- measures ---------------------------------------------------------------------------------
    def measures_table(self):
        from IPython.display import display

        if self.status is None:
            return tables.note("Ingen åtgärdsplan gäller detta år.")
        if not self.has_amounts:  # a table of names under "planerad effekt" without one amount: not shown
            return tables.note(
                f"Åtgärdsplanen anger ingen effekt för {self.year} per åtgärd; planens effekter år för år står "
                "under Planen över åren."
            )
        st = self.status
        if not self.has_followup:
            display(
                tables.note(
                    f"Källorna innehåller ingen uppföljning av åtgärderna per {fmt.date(self.end)}. Tabellen visar "
                    f"den planerade effekten; förväntad och faktisk effekt visas när en uppföljning finns."
                )
            )
        date = self._as_of_text()
        t = pd.DataFrame(
            {
                "Nr": st["nr"].fillna("").tolist(),
                "Åtgärd": [
                    _without_area(t, a) + (" ¹" if m == "ja" else "") + (" ²" if isinstance(g, str) else "")
                    for t, a, m, g in zip(st["titel"], st["omrade"], st["medraknad_i_andra"], st["grupp"])
                ],
                "Område": st["omrade"].fillna("").tolist(),
                "Beslut krävs": [BESLUT.get(b, "") for b in st["beslut_kravs"]],
                "Effekt från": [fmt.date(d) if d else "" for d in st["effekt_start"]],
                f"Planerad {self.year}, tkr": st["planned_tkr"].astype(float),
                "Förväntat hittills, tkr": st["expected_tkr"].astype(float),
                "Faktiskt hittills, tkr": st["actual_tkr"].astype(float),
                "Realisering, %": st["realisation"].astype(float),
                # the source's own status says so beside its light ("grå (för tidigt att bedöma, enligt källan)")
                "Trafikljus": [
                    f"{x} ({r})" if isinstance(src, str) else x
                    for x, r, src in zip(st["light"], st["reason"], st["source_status"])
                ],
            }
        )
        # The key columns first after the name (the area last among them), so a laptop shows them without scrolling.
        key = [
            "Nr",
            "Åtgärd",
            "Trafikljus",
            "Realisering, %",
            "Faktiskt hittills, tkr",
            "Förväntat hittills, tkr",
            f"Planerad {self.year}, tkr",
            "Område",
        ]
        t = t[key + [c for c in t.columns if c not in key]]
        if t["Nr"].eq("").all():
            t = t.drop(columns="Nr")
        if t["Effekt från"].eq("").all():
            t = t.drop(columns="Effekt från")
        if not self.has_followup:  # nothing is reported yet: no expected-so-far figure to compare with
            t = t.drop(columns=["Förväntat hittills, tkr", "Faktiskt hittills, tkr", "Realisering, %", "Trafikljus"])
        src = sources.cite(self.meas[self.meas["atgard_id"].isin(set(st["atgard_id"]))].iloc[:1])
        fu = self.data["uppfoljning_atgarder"]
        if self.has_followup:
            src += "; uppföljning: " + sources.cite(fu[fu["atgard_id"].isin(set(st["atgard_id"]))].iloc[:1])
        src += (
            ". Förväntat och realisering är bokens beräkning; trafikljuset likaså, utom där källan själv bedömer "
            "åtgärden."
            if self.has_followup
            else "."
        )
        title = (
            f"Åtgärder {self.year}: planerad, förväntad (t.o.m. {date}) och faktisk effekt, tkr"
            if self.has_followup
            else f"Åtgärder {self.year}: planerad effekt, tkr"
        )
        notes = []  # the footnotes behind the marks ¹ and ² in the Åtgärd column: on the page and in the downloads
        if (st["medraknad_i_andra"] == "ja").any():
            notes.append(
                '¹ Enligt källan medräknad i andra åtgärder ("effekt medräknad i respektive åtgärd"); '
                "räknas inte i bokens summor."
            )
        if st["grupp"].notna().any():
            notes.append("² Ingår i en grupprad; källan anger beloppet för gruppen, inte per åtgärd.")
        display(
            tables.show(
                t,
                "atgarder",
                title,
                src,
                formats={"Realisering, %": fmt.Number(0, unit="%")},
                wrap=["Åtgärd", "Område"],
                notes=notes,
                key=key,
                lights=["Trafikljus"],
            )
        )
        return None

    def status_texts(self):
        if not self.has_followup:
            return tables.note(
                "Källorna innehåller ingen uppföljning av åtgärderna, så det finns inga statustexter att visa."
            )
        st = self.status
        t = pd.DataFrame(
            {
                "Nr": st["nr"].fillna("").tolist() if st["nr"].notna().any() else st["rad"].tolist(),
                "Åtgärd": st["titel"].tolist(),
                "Trafikljus": [f"{x} ({r})" for x, r in zip(st["light"], st["reason"])],
                "Status enligt källan": st["status_text"].fillna("").tolist(),
            }
        )
        fu = self.data["uppfoljning_atgarder"]
        return tables.show(
            t,
            "status",
            f"Status per åtgärd, per {self._as_of_text()}",
            sources.cite(fu[fu["atgard_id"].isin(set(st["atgard_id"]))].iloc[:1])
            + ". Statustexten står ordagrant; trafikljuset är källans bedömning där källan ger en (det står inom "
            "parentes), annars bokens beräkning.",
            formats={"Nr": str},
            lights=["Trafikljus"],
        )

    def light_summary(self):
        if self.status is None:
            return None
        if not self.has_followup:
            return tables.note("Inga trafikljus: källorna innehåller ingen uppföljning av åtgärderna.")
        st = self.status
        counts = st["light"].value_counts()
        t = pd.DataFrame(
            {
                "Trafikljus": list(ap.LIGHTS),
                "Antal åtgärder": [int(counts.get(k, 0)) for k in (ap.GREEN, ap.YELLOW, ap.RED, ap.GREY)],
                "Planerad, tkr": [
                    st.loc[(st["light"] == k) & st["counted"], "planned_tkr"].sum(min_count=1)
                    for k in (ap.GREEN, ap.YELLOW, ap.RED, ap.GREY)
                ],
                "Faktiskt hittills, tkr": [
                    st.loc[st["light"] == k, "actual_tkr"].sum(min_count=1)
                    for k in (ap.GREEN, ap.YELLOW, ap.RED, ap.GREY)
                ],
            }
        )
        return tables.show(
            t,
            "trafikljus",
            "Åtgärder per trafikljus",
            "Bokens beräkning utifrån källans belopp; där källan själv bedömer en åtgärd räknas källans bedömning "
            "(för tidigt att bedöma: grå).",
            lights=["Trafikljus"],
        )

    # -- totals -------------------------------------------------------------------------------------
    def _totals(self, by: str, label: str):
        st = self.status[self.status["counted"]].copy()
        st[by] = st[by].fillna("(inget område angivet)")
        g = st.groupby(by, sort=False)
        t = pd.DataFrame(
            {
                label: list(g.groups.keys()),
                "Antal rader som räknas": g.size().values,
                f"Planerad {self.year}, tkr": g["planned_tkr"].sum(min_count=1).values,
                "Förväntat hittills, tkr": g["expected_tkr"].sum(min_count=1).values,
                "Faktiskt hittills, tkr": g["actual_tkr"].sum(min_count=1).values,
            }
        )
        total = pd.DataFrame(
            {
                label: ["Summa"],
                "Antal rader som räknas": [int(t["Antal rader som räknas"].sum())],
                f"Planerad {self.year}, tkr": [t[f"Planerad {self.year}, tkr"].sum(min_count=1)],
                "Förväntat hittills, tkr": [t["Förväntat hittills, tkr"].sum(min_count=1)],
                "Faktiskt hittills, tkr": [t["Faktiskt hittills, tkr"].sum(min_count=1)],
            }
        )
        t = pd.concat([t, total], ignore_index=True)
        t["Realisering, %"] = [
            ap.realisation_pct(a, e) for a, e in zip(t["Faktiskt hittills, tkr"], t["Förväntat hittills, tkr"])
        ]
        if not self.has_followup:
            t = t.drop(columns=["Förväntat hittills, tkr", "Faktiskt hittills, tkr", "Realisering, %"])
        return t

    def totals(self):
        from IPython.display import display

        if self.status is None:
            return None
        if not self.has_amounts:
            return tables.note(
                f"Källorna anger ingen effekt för {self.year}, så det finns inga summor per plan och område."
            )
        excluded = self.status[~self.status["counted"]]
        per_plan = self._totals("plan_id", "Plan")
        titles = dict(zip(self.plans["plan_id"], self.plans["titel"]))
        per_plan["Plan"] = [titles.get(p, p) for p in per_plan["Plan"]]
        note = " Rader som enligt källan är medräknade i andra åtgärder ingår inte." if not excluded.empty else ""
        pf = {"Realisering, %": fmt.Number(0, unit="%")}
        display(
            tables.show(
                per_plan,
                "summa_plan",
                f"Summa per plan {self.year}, tkr",
                "Egen beräkning." + note,
                formats=pf,
                bold_rows=[len(per_plan) - 1],
            )
        )
        per_area = self._totals("omrade", "Område")
        display(
            tables.show(
                per_area,
                "summa_omrade",
                f"Summa per område {self.year}, tkr",
                "Egen beräkning." + note,
                formats=pf,
                bold_rows=[len(per_area) - 1],
            )
        )
        return None

    # -- charts -------------------------------------------------------------------------------------
    def planned_vs_actual_chart(self):
        """One chart, each measure once (issue #26). With a follow-up: the measures that are behind the book's
        expected effect so far, the largest shortfall first (every measure's figures are in the table above).
        Without one: each measure's planned effect, the largest first."""
        if self.status is None:
            return None
        st = self.status
        st = st[st["planned_tkr"].notna() | st["actual_tkr"].notna()]
        if st.empty:
            return tables.note(f"Källan anger inga belopp för {self.year}; inget diagram.")
        excluded = st[~st["counted"]]
        st = st[st["counted"]]
        src = self._cite_plan()
        if not excluded.empty:
            src += (
                ". Utan "
                + ", ".join(_measure_names(excluded))
                + ", som enligt källan är medräknad i andra åtgärder (som i tabellerna)"
            )
        if not self.has_followup:
            st = st[st["planned_tkr"].notna()].sort_values("planned_tkr", ascending=False, kind="stable")
            planned = float(st["planned_tkr"].sum())
            t = pd.DataFrame({"Åtgärd": _measure_names(st), f"Planerad {self.year}": st["planned_tkr"].tolist()})
            top = st.iloc[0]
            title = (
                f"Planen ger {fmt.tkr(planned)} {self.year}; störst är {_measure_names(st.iloc[:1])[0]} "
                f"({fmt.tkr(top['planned_tkr'])})."
            )
            charts.show(
                charts.hbars(t, "Åtgärd", list(t.columns[1:]), title, src + ". Källorna innehåller ingen uppföljning.")
            )
            return None
        # Only measures whose actual effect the follow-up states: an unstated one is not read as 0 (it is grey).
        reported = st[st["actual_tkr"].notna()]
        gap = reported["expected_tkr"].astype(float) - reported["actual_tkr"].astype(float)
        behind = reported.assign(gap=gap)[gap > 0].sort_values("gap", ascending=False, kind="stable")
        src += (
            ". Förväntat hittills är bokens egen beräkning: årets planerade effekt fördelad jämnt per dag från "
            "effektstarten"
        )
        if len(reported) < len(st):
            src += f". {len(st) - len(reported)} åtgärder utan angiven faktisk effekt ingår inte (grå i tabellen)"
        if behind.empty:
            return tables.note(
                f"Ingen åtgärd ligger efter bokens förväntade effekt hittills (per {self._as_of_text()})."
            )
        t = pd.DataFrame(
            {
                "Åtgärd": _measure_names(behind),
                "Förväntat hittills": behind["expected_tkr"].astype(float).tolist(),
                "Faktiskt hittills": behind["actual_tkr"].astype(float).tolist(),
            }
        )
        first = behind.iloc[0]
        title = (
            f"{len(behind)} av {len(reported)} åtgärder med angiven faktisk effekt ligger efter bokens förväntade "
            f"effekt hittills (per "
            f"{self._as_of_text()}), tillsammans {fmt.tkr(float(behind['gap'].sum()))}; störst eftersläpning har "
            f"{_measure_names(behind.iloc[:1])[0]} ({fmt.tkr(float(first['gap']))})."
        )
        charts.show(charts.hbars(t, "Åtgärd", ["Förväntat hittills", "Faktiskt hittills"], title, src + "."))
        return None

    def bridge(self):
        from IPython.display import display

        if self.plans is None:
            return None
        for _, p in self.plans.iterrows():
            fact = self.deficits.get(p["plan_id"])
            if fact is None or fact.tkr is None:
                display(
                    tables.note(
                        f"{p['titel']}: källan anger inte underskottets belopp, så ingen brygga från "
                        f"underskottet kan visas."
                    )
                )
                continue
            if fact.period_year != self.year:
                # the one remainder's rule (rapportbok.analysis.answer): no bridge across years
                display(tables.note(f"{p['titel']}: {answer.remainder(self.data, self.year).why}"))
                continue
            deficit = ap.deficit_tkr(fact)
            st = self.status[
                (self.status["plan_id"] == p["plan_id"]) & self.status["counted"] & self.status["planned_tkr"].notna()
            ]
            st = st[st["planned_tkr"] != 0]
            if st.empty:
                display(tables.note(f"{p['titel']}: ingen planerad effekt för {self.year}; ingen brygga."))
                continue
            st = st.reindex(st["planned_tkr"].abs().sort_values(ascending=False).index)
            steps = [
                (
                    f"Underskott ({_deficit_text(fact)})",
                    deficit,
                    "start",
                )
            ]
            top, rest = st.iloc[:7], st.iloc[7:]
            for (_, r), name in zip(top.iterrows(), _measure_names(top)):
                steps.append((name, -float(r["planned_tkr"]), "step"))
            if not rest.empty:
                steps.append((f"Övriga {len(rest)} åtgärder", -float(rest["planned_tkr"].sum()), "step"))
            gap = deficit - float(st["planned_tkr"].sum())
            steps.append(("Kvar efter planen", gap, "end"))
            t = pd.DataFrame({"Post": [s[0] for s in steps], "Belopp, tkr": [s[1] for s in steps]})
            src = (
                sources.cite(self.plans[self.plans["plan_id"] == p["plan_id"]])
                + "; "
                + self._cite_plan().removeprefix("Källa: ")
                + ". Egen beräkning."
            )
            md(
                f"Underskottet ({escape.md_text(p['underskott_avser'])}) är {_deficit_text(fact)} = "
                f"{fmt.tkr(deficit)}. Planerad effekt {self.year} minskar det; "
                + (
                    f"kvar efter planen: {fmt.tkr(gap)}."
                    if gap >= 0
                    else f"planen överstiger underskottet med {fmt.tkr(-gap)}."
                )
                + (
                    f" Faktisk effekt hittills: {fmt.tkr(st['actual_tkr'].sum(min_count=1))}, "
                    f"så underskottet minus faktisk effekt är {fmt.tkr(deficit - st['actual_tkr'].sum())}."
                    if self.has_followup
                    else ""
                )
            )
            display(
                tables.show(
                    t,
                    f"brygga_{p['plan_id']}",
                    f"Från underskott till kvarstående gap {self.year}, tkr",
                    src,
                    formats={"Belopp, tkr": fmt.Number(0)},
                )
            )
            title = (
                f"Planen minskar underskottet {fmt.tkr(deficit)} till {fmt.tkr(gap)} kvar {self.year}."
                if gap > 0
                else f"Planen täcker underskottet {fmt.tkr(deficit)} {self.year}"
                + (f" med {fmt.tkr(-gap)} över." if gap else ".")
            )
            charts.show(charts.waterfall(steps, title, src, good="down"))
        return None

    # -- drivers -------------------------------------------------------------------------------------
    def drivers(self):
        drv = self.data["atgard_drivare"]
        if drv is None or self.status is None:
            return tables.note("Källorna anger inga mängder och priser bakom effekterna.")
        ids = set(self.status["atgard_id"])
        drv = drv[drv["atgard_id"].isin(ids)]
        if drv.empty:
            return tables.note("Källorna anger inga mängder och priser bakom effekterna.")
        res = ap.driver_effects(drv)
        titles = dict(zip(self.meas["atgard_id"], self.meas["titel"]))
        t = pd.DataFrame(
            {
                "Åtgärd": [titles[r.atgard_id] for r in res],
                "Mängd och pris": [r.description for r in res],
                "Beräknad effekt, lägst, tkr": [r.low_tkr for r in res],
                "Beräknad effekt, högst, tkr": [r.high_tkr for r in res],
                "Angiven effekt, tkr": [r.stated_tkr for r in res],
                "Bedömning": [r.verdict + (f". {r.implied}" if r.implied else "") for r in res],
            }
        )
        fm = {
            c: fmt.Number(0, fraction_decimals=2)
            for c in ("Beräknad effekt, lägst, tkr", "Beräknad effekt, högst, tkr", "Angiven effekt, tkr")
        }
        from IPython.display import display

        display(
            tables.show(
                t,
                "drivare",
                "Effekt räknad från mängd och pris bredvid angiven effekt, tkr",
                sources.cite(drv) + ". Beräkningen mängd × pris är egen.",
                formats=fm,
            )
        )
        out = [r for r in res if r.outside]
        if out:
            md(
                "**Angiven effekt utanför det intervall som mängd och pris ger:**\n\n"
                + "\n".join(
                    f"- {escape.md_text(titles[r.atgard_id])}: mängd och pris ger {fmt.tkr(r.low_tkr, 2 if r.low_tkr % 1 else 0)}"
                    + (
                        f"–{fmt.tkr(r.high_tkr, 2 if r.high_tkr % 1 else 0)}"
                        if r.high_tkr is not None and r.high_tkr != r.low_tkr
                        else ("" if r.high_tkr is not None else " eller mer")
                    )
                    + f", källan anger {fmt.tkr(r.stated_tkr)}."
                    for r in out
                )
            )
        return None

    # -- the plan over its years ------------------------------------------------------------------
    def plan_overview(self):
        if self.plans is None:
            return None
        eff = ap.effects_tkr(self.data)
        eff = eff[eff["plan_id"].isin(set(self.plans["plan_id"]))]
        part = self.meas[self.meas["plan_id"].isin(set(self.plans["plan_id"]))].sort_values(["plan_id", "rad"])
        years = sorted(set(eff["ar"]))
        t = pd.DataFrame({"Åtgärd": part["titel"].tolist()})
        for y in years:
            e = eff[eff["ar"] == y].set_index("atgard_id")["effekt_tkr"]
            t[f"{y}, tkr"] = [e.get(a) for a in part["atgard_id"]]
        pf = {pid: units.factor(u) for pid, u in zip(self.plans["plan_id"], self.plans["enhet"])}
        t["Helårseffekt, tkr"] = [
            None if fmt.is_missing(h) else h * pf[pid] for h, pid in zip(part["helarseffekt"], part["plan_id"])
        ]
        t["Effekten startar (källans ord)"] = part["effekt_start_text"].fillna("").tolist()
        t["Beslut krävs"] = [BESLUT.get(b, "") for b in part["beslut_kravs"]]
        t["Anmärkning"] = [
            "Medräknad i andra åtgärder enligt källan"
            if m == "ja"
            else ("Ingår i grupprad" if isinstance(g, str) else "")
            for m, g in zip(part["medraknad_i_andra"], part["grupp"])
        ]
        t = t.loc[:, [c for c in t.columns if not (t[c].astype(str).isin(["", "None", "nan"]).all())] or ["Åtgärd"]]
        # The total per year: the rows the book counts (not those the source counts in other measures
        # or in their group row), so it agrees with the chapter's other totals.
        counted = ~t["Anmärkning"].astype(bool) if "Anmärkning" in t.columns else pd.Series(True, index=t.index)
        sums = {c: t.loc[counted, c].astype(float).sum(min_count=1) for c in t.columns if c.endswith(", tkr")}
        if sums:
            total = {c: "" for c in t.columns}
            total.update(sums)
            total["Åtgärd"] = "Summa per år (egen beräkning" + (
                ", utan rader med anmärkning)" if not counted.all() else ")"
            )
            t = pd.concat([t, pd.DataFrame([total])], ignore_index=True)
            for c in sums:
                t[c] = t[c].astype(float)
        return tables.show(
            t,
            "plan",
            "Planerad effekt per kalenderår" + (", helårseffekt" if "Helårseffekt, tkr" in t.columns else "") + ", tkr",
            self._cite_plan() + "." + self._unit_note() + (" Summaraden är egen beräkning." if sums else ""),
            bold_rows=[len(t) - 1] if sums else None,
        )

    # -- Avstämning ---------------------------------------------------------------------------------
    def reconciliation(self, method: str = ""):
        from rapportbok.chapters import audit

        if not self.findings:
            return tables.note("Källan anger inga summor att stämma av.")
        audit.show(self.findings, "avstamning", "Avstämning av åtgärdsplanen", method)
        return None
