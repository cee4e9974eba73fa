"""The genomlysning chapter: key figures against similar municipalities (Kolada), the review's
stated figures, its "Möjlig förflyttning" tables and the Avstämning of their totals."""

from __future__ import annotations

import re

import pandas as pd
from IPython.display import display

from rapportbok.analysis import review as gl
from rapportbok.chapters import Chapter, ChapterPage
from rapportbok.core import escape, fmt, paths
from rapportbok.data import kolada, sources
from rapportbok.data import review as gl_data
from rapportbok.data.datasets import KOLADA
from rapportbok.present import charts, tables
from rapportbok.present.display import glue, md

STATED = "genomlysning_uppgifter"


def _stated_period(y0, y1) -> str:
    """A stated figure's period: '2018–2022', '2023', or '–' when the review gives none."""
    if pd.isna(y1):
        return "–" if pd.isna(y0) else str(int(y0))
    if pd.isna(y0) or y0 == y1:
        return str(int(y1))
    return f"{int(y0)}–{int(y1)}"


def _stated_value(r) -> str:
    """A stated figure as the review states it: qualifier ('drygt', 'runt'), the value or range, signed."""
    q = r["kvalifikator"] if isinstance(r["kvalifikator"], str) else ""
    v = (
        gl.fmt_range(r)
        if pd.isna(r["varde"])
        else fmt.number(
            gl.signed(r), 0 if float(r["varde"]).is_integer() else 1, sign=r["matt"] in ("förändring", "procentenheter")
        )
    )
    return (q + " " if q else "") + v


MOVES = "genomlysning_forflyttning"
# Said on reader pages when no Kolada values are in the data: how to fetch them is for the analyst
# (handbok/gor-sa-har/kolada.md), never on a reader page.
NO_KOLADA = "Den här utgåvan av boken innehåller inga värden från Kolada"


def _source_year(df: pd.DataFrame | None) -> int | None:
    """The year the review was decided, from its citation (e.g. 'Socialnämnden 2024-06-11')."""
    if df is None or df.empty:
        return None
    years = []
    for kalla in df["kalla"].unique():
        try:
            m = re.search(r"(19|20)\d\d", sources.label(kalla))
        except KeyError:
            m = None
        if m:
            years.append(int(m.group(0)))
    return min(years) if years else None


def has_data(data: dict, year: int) -> bool:
    """Shown from the year of the review on, for an organisation with the review's figures;
    for an organisation without a review but with a Kolada configuration, every report year
    (the genomlysning then stands on Kolada alone and says so when nothing is fetched yet).
    """
    frames = [data.get(STATED), data.get(MOVES)]
    present = [f for f in frames if f is not None]
    if not present:
        return data.get(KOLADA) is not None
    first = min((y for y in (_source_year(f) for f in present) if y), default=None)
    return first is None or int(year) >= first


# Besides the review's two files, the chapter reads kolada.yml and the fetched values (its KPIs' folders of
# the national store data/kolada/, or an old data/<org>/kolada/), so a `kolada fetch` of its KPIs or a changed
# configuration re-runs it (rapportbok.publish.inputs.chapter_files).
CHAPTER = Chapter(
    "genomlysning",
    "Genomlysning: nyckeltal jämfört med liknande kommuner",
    has_data,
    (STATED, MOVES, kolada.CONFIG_FILE, kolada.STORE_DIR),
)


_REPEATED = re.compile(r"\b([^\W\d]+(?: [^\W\d]+){0,2}) \1\b")


def _once(text: str) -> str:
    """A source's words written twice in a row by mistake, once: '1,0 mnkr per år per år' -> '1,0 mnkr per år'."""
    return _REPEATED.sub(r"\1", text)


class GenomlysningChapter(ChapterPage):
    def __init__(self, org: str, year: int, tertial: int):
        super().__init__(org, year, tertial)
        self.stated = self.data.get(STATED)
        self.moves = self.data.get(MOVES)
        folder = paths.org_dir(org)
        self.config = kolada.load_config(folder) if (folder / kolada.CONFIG_FILE).exists() else None
        self.values, self.meta = kolada.load_stored(folder)
        self.org_id = self.org.kolada_id
        self.comps = gl.comparisons(self.config, self.org_id) if self.config else []
        self.org_label = self.comps[0].label if self.comps else self.org.name
        kpis = list(self.config.kpis) if self.config else []
        self.kpis = [k for k in kpis if k != gl.POPULATION_KPI]
        self.directions = gl_data.directions(folder, self.kpis)
        self.titles = dict((self.meta or {}).get("kpi_titles") or {})
        self.fetched = self._fetched_date()

    # -- helpers --------------------------------------------------------------------------
    @property
    def has_kolada(self) -> bool:
        return self.values is not None and not self.values.empty

    def _fetched_date(self) -> str | None:
        """When the values were fetched: one date, or the first and last date when the organisation's KPIs were
        fetched on different days (each KPI's folder of the national store has its own fetch date)."""
        meta = self.meta or {}
        each = sorted({str(v)[:10] for v in (meta.get("kpi_fetched_at") or {}).values() if v})
        if len(each) > 1:
            return f"{fmt.date(each[0])}–{fmt.date(each[-1])}"
        raw = meta.get("fetched_at")
        if not raw:
            return None
        return fmt.date(str(raw)[:10])

    def _title(self, kpi: str) -> str:
        return self.titles.get(kpi) or kpi

    def _kolada_source(self, own: bool = True) -> str:
        text = kolada.fetched_citation(self.fetched)
        if own:
            text += f". Egna grupper: {kolada.OWN_PROCESSING_LABEL}"
        return text + "."

    def _wide(self, kpi: str, comps: list[gl.Comparison]) -> tuple[pd.DataFrame, pd.DataFrame]:
        long = gl.kpi_long(self.values, comps, kpi)
        return long, gl.wide(long, [c.label for c in comps])

    def _population(self, year: int) -> float | None:
        if not self.has_kolada:
            return None
        v = self.values
        s = v[(v["kpi"] == gl.POPULATION_KPI) & (v["municipality"] == self.org_id) & (v["gender"] == "T")]
        s = s[s["period"] == year]["value"].dropna()
        return float(s.iloc[0]) if len(s) else None

    def _no_kolada(self):
        return tables.note(
            f"{NO_KOLADA} för {self.org.name}, så här visas inga tidsserier eller jämförelser från Kolada."
        )

    @property
    def has_review(self) -> bool:
        return self.stated is not None or self.moves is not None

    # -- introduction ---------------------------------------------------------------------
    def intro(self) -> None:
        if not self.has_review:
            return self._intro_kolada_only()
        o = self.org
        text = (
            f"**{escape.md_text(o.name)}, {escape.md_text(o.namnd.lower())}.** Genomlysningen från 2024 jämför nyckeltal för ekonomiskt bistånd, "
            "arbetsmarknadsverksamhet och barn- och ungdomsvård med Ale, Kungälv, liknande kommuner och genomsnittet "
            "för Sveriges kommuner, och anger möjliga besparingar."
        )
        if self.moves is not None:
            total = float(self.moves["besparing_mnkr_per_ar"].sum())
            text += (
                f" De sex möjligheterna i tabellerna *Möjlig förflyttning* summerar till {fmt.number(total, 1)} mnkr per år "
                "(egen beräkning; genomlysningen anger ingen summa)."
            )
            glue("genomlysning_besparing_total", fmt.number(total, 1) + fmt.NBSP + "mnkr")
        if self.has_kolada:
            years = sorted(self.values["period"].unique())
            text += (
                f"\n\nVärdena från Kolada hämtades {escape.md_text(self.fetched)} "
                f"({fmt.number(len(self.values), 0)} värden, {len(self.kpis)} nyckeltal, åren {years[0]}–{years[-1]}). "
                "Kolada reviderar ibland äldre värden; boken visar det som hämtades då."
            )
        else:
            text += (
                f"\n\n**{escape.md_text(NO_KOLADA)} för {escape.md_text(o.name)}.** Kapitlet visar därför de uppgifter och "
                "besparingsmöjligheter som genomlysningen själv anger, med genomlysningens egna jämförelser. "
                "Tidsserier, förändringsutrymme och rangordning ur Kolada ingår inte. "
                "En förändring som genomlysningen anger görs aldrig om till en tidsserie."
            )
        md(text)

    def _intro_kolada_only(self) -> None:
        """The genomlysning of an organisation without a review document: Kolada's key figures alone."""
        o = self.org
        groups = [c.label for c in self.comps if c.kind == "kolada"]
        text = (
            f"**{escape.md_text(o.name)}, {escape.md_text(o.namnd.lower())}.** Det finns ingen genomlysning i källorna för "
            f"{escape.md_text(o.name)}. Kapitlet bygger därför bara på Kolada: nyckeltal för individ- och familjeomsorg, "
            "ekonomiskt bistånd, barn och unga och arbetsmarknad jämförs med kommunens liknande kommuner enligt Kolada och "
            "med alla kommuner, med plats och percentil, förändring över tid och förändringsutrymme i kronor."
        )
        if groups:
            text += " Jämförelsegrupper: " + "; ".join(escape.md_text(g) for g in groups) + "."
        if self.has_kolada:
            years = sorted(self.values["period"].unique())
            text += (
                f"\n\nVärdena från Kolada hämtades {escape.md_text(self.fetched)} "
                f"({fmt.number(len(self.values), 0)} värden, {len(self.kpis)} nyckeltal, åren {years[0]}–{years[-1]}). "
                "Kolada reviderar ibland äldre värden; boken visar det som hämtades då. Kvoter, skillnader, plats, "
                "percentil och förändringsutrymme är egen beräkning."
            )
        else:
            text += (
                f"\n\n**{escape.md_text(NO_KOLADA)} för {escape.md_text(o.name)}**, så kapitlet har ännu inga "
                "nyckeltal att visa."
            )
        md(text)

    # -- comparison groups ----------------------------------------------------------------
    def groups_table(self):
        if not self.comps:
            return tables.note("Organisationen har ingen Kolada-konfiguration (kolada.yml).")
        kinds = {
            "org": "Organisationen",
            "kommun": "Kommun",
            "kolada": "Koladas grupp (ovägt medel)",
            "egen": "Genomlysningens grupp (ovägt medel, egen beräkning)",
        }
        rows = []
        for c in self.comps:
            rows.append(
                {
                    "Jämförelse": c.label,
                    "Slag": kinds[c.kind],
                    "Medlemmar": len(c.members) if c.kind == "egen" else None,
                    "Värdet kommer från": "Kolada" if c.kind != "egen" else "Egen bearbetning av data från Kolada",
                }
            )
        t = pd.DataFrame(rows)
        t["Medlemmar"] = t["Medlemmar"].astype("Float64")
        return tables.show(
            t,
            "jamforelsegrupper",
            "Jämförelser som kapitlet använder",
            "Koladas grupper: Koladas ovägda medelvärde för gruppen (Källa: Kolada). Genomlysningens grupper: "
            + kolada.OWN_PROCESSING_LABEL
            + " över de listade kommunerna; antalet kommuner med värde anges per nyckeltal.",
            formats={"Medlemmar": fmt.Number(0)},
        )

    # -- summary --------------------------------------------------------------------------
    def summary_table(self):
        if not self.has_kolada:
            return self._no_kolada()
        rows = []
        for kpi in self.kpis:
            comps = gl.relevant(self.comps, kpi)
            long, w = self._wide(kpi, comps)
            y = gl.latest_common_year(w, self.org_label, self.year)
            title, unit = self._title(kpi), gl.unit_of(self._title(kpi))
            if y is None:
                rows.append(
                    {
                        "Nyckeltal": title,
                        "Jämförelse": "–",
                        "År": None,
                        self.org_label: None,
                        "Jämförelsevärde": None,
                        "Kvot": None,
                        "Skillnad": None,
                        "Förändringsutrymme, mnkr": None,
                        "Kommuner med värde": "",
                        "Källa": "Inget värde för " + self.org_label,
                    }
                )
                continue
            at = long[long["period"] == y].set_index("serie")
            own = at["value"].get(self.org_label)
            d = self.directions.get(kpi)
            pop = self._population(y)
            for c in comps[1:]:
                comp = at["value"].get(c.label)
                n = at["n"].get(c.label)
                if c.kind == "egen":
                    members = f"{int(n) if n is not None and n == n else 0} av {len(c.members)}"
                elif c.kind == "kolada":
                    members = f"{int(n)} enligt Kolada" if n is not None and n == n else "uppgift saknas"
                else:
                    members = ""
                w_by = gl.worse_by(own, comp, d)
                room = gl.change_room_mnkr(own, comp, pop, d) if unit == "kr/inv" else None
                rows.append(
                    {
                        "Nyckeltal": title,
                        "Jämförelse": c.label,
                        "År": y,
                        self.org_label: own,
                        "Jämförelsevärde": comp,
                        "Kvot": gl.ratio(own, comp),
                        "Skillnad": w_by,
                        "Förändringsutrymme, mnkr": room,
                        "Kommuner med värde": members,
                        "Källa": "Egen bearbetning" if c.kind == "egen" else "Kolada",
                    }
                )
        t = pd.DataFrame(rows)
        t["År"] = t["År"].astype("Int64")
        for col in (self.org_label, "Jämförelsevärde", "Kvot", "Skillnad", "Förändringsutrymme, mnkr"):
            t[col] = t[col].astype("float64")
        display(
            tables.show(
                t,
                "sammanfattning",
                f"Nyckeltal jämfört med jämförelserna, senaste år till och med {self.year}",
                self._kolada_source() + " Kvot, skillnad och förändringsutrymme: egen beräkning.",
                formats={
                    "År": lambda v: "–" if pd.isna(v) else str(int(v)),
                    "Kvot": fmt.Number(2),
                    self.org_label: fmt.Number(1),
                    "Jämförelsevärde": fmt.Number(1),
                    "Skillnad": fmt.Number(1, sign=True),
                    "Förändringsutrymme, mnkr": fmt.Number(1, sign=True),
                },
                wrap=["Nyckeltal", "Jämförelse"],
            )
        )
        rooms = t["Förändringsutrymme, mnkr"].dropna()
        if rooms.empty:
            md(
                "Förändringsutrymme i mnkr kan inte beräknas: befolkningen (Koladas nyckeltal Invånare totalt) finns inte "
                "bland de hämtade värdena eller inget nyckeltal är i kr/inv."
            )
        return None

    # -- charts ---------------------------------------------------------------------------
    def _kpi_finding(self, w: pd.DataFrame, cols: list[str], title: str, unit: str | None, decimals: int) -> str:
        """A KPI chart's title as its finding: the organisation's latest value against the first comparison."""
        own = w[w[self.org_label].notna()]
        if own.empty:
            return title
        last = own.iloc[-1]
        year = int(last["År"])
        text = (
            f"{title}: {self.org_label} {fmt.number(last[self.org_label], decimals)}{' ' + unit if unit else ''} {year}"
        )
        others = [c for c in cols if c != self.org_label and last.get(c) == last.get(c) and last.get(c) is not None]
        if others:
            comp = float(last[others[0]])
            own_v = float(last[self.org_label])
            rel = "högre än" if own_v > comp else ("lägre än" if own_v < comp else "lika med")
            text += f", {rel} {others[0]} ({fmt.number(comp, decimals)})"
        return text + "."

    def charts(self):
        if not self.has_kolada:
            return self._no_kolada()
        shown = 0
        for kpi in self.kpis:
            comps = gl.relevant(self.comps, kpi)
            long, w = self._wide(kpi, comps)
            cols = [c for c in w.columns if c != "År" and w[c].notna().any()]
            if self.org_label not in cols:
                continue
            title = self._title(kpi)
            unit = gl.unit_of(title)
            decimals = 0 if unit in ("kr/inv", "antal") else 1
            fig = charts.lines(
                w,
                "År",
                cols,
                self._kpi_finding(w, cols, title, unit, decimals),
                self._kolada_source(),
                unit=unit or None,
                decimals=decimals,
                legend_below=True,
            )
            charts.show(fig)
            shown += 1
        gone = set((self.meta or {}).get("missing_kpis") or [])  # Kolada answered 404 or has no metadata
        missing = [k for k in self.kpis if k not in set(self.values["kpi"]) and k not in gone]
        if missing:
            md(
                "Inga hämtade värden för: "
                + ", ".join(f"{escape.md_text(self._title(k))} ({escape.md_text(k)})" for k in missing)
                + "."
            )
        unknown = [k for k in self.kpis if k in gone]
        if unknown:
            md("Finns inte (längre) i Kolada, inga värden: " + ", ".join(escape.md_text(k) for k in unknown) + ".")
        return None if shown else tables.note("Inget av nyckeltalen har värden för organisationen.")

    def change_table(self):
        if not self.has_kolada:
            return self._no_kolada()
        first = self.config.first_year
        rows = []
        for kpi in self.kpis:
            comps = gl.relevant(self.comps, kpi)
            _, w = self._wide(kpi, comps)
            y1 = gl.latest_common_year(w, self.org_label, self.year)
            if y1 is None:
                continue
            present = w[w[self.org_label].notna() & (w["År"] >= first)]
            y0 = int(present["År"].min())
            if y0 == y1:
                continue
            w = w.set_index("År")
            for c in comps:
                if c.label not in w.columns:
                    continue
                v0, v1 = w[c.label].get(y0), w[c.label].get(y1)
                rows.append(
                    {
                        "Nyckeltal": self._title(kpi),
                        "Serie": c.label,
                        "Från år": y0,
                        "Till år": y1,
                        "Värde från": v0,
                        "Värde till": v1,
                        "Förändring, %": gl.change_pct(v0, v1),
                        "Index (basår = 100)": gl.index_value(v0, v1),
                    }
                )
        if not rows:
            return tables.note("Inget nyckeltal har värden för två olika år.")
        t = pd.DataFrame(rows)
        for col in ("Värde från", "Värde till", "Förändring, %", "Index (basår = 100)"):
            t[col] = t[col].astype("float64")
        return tables.show(
            t,
            "forandring",
            "Förändring mellan första och senaste år med värde för organisationen",
            self._kolada_source() + " Förändring och index: egen beräkning.",
            formats={
                "Från år": str,
                "Till år": str,
                "Värde från": fmt.Number(1),
                "Värde till": fmt.Number(1),
                "Förändring, %": fmt.Number(1, sign=True, unit="%"),
                "Index (basår = 100)": fmt.Number(0),
            },
            wrap=["Nyckeltal", "Serie"],
        )

    # -- rank -----------------------------------------------------------------------------
    def rank_table(self):
        if not self.has_kolada:
            return self._no_kolada()
        v = self.values[self.values["gender"] == "T"]
        rows = []
        for kpi in self.kpis:
            part = v[v["kpi"] == kpi]
            own = part[(part["municipality"] == self.org_id) & part["value"].notna() & (part["period"] <= self.year)]
            if own.empty:
                continue
            y = int(own["period"].max())
            at = part[part["period"] == y]
            allgrp = at[at["municipality"] == gl.ALL_MUNICIPALITIES_GROUP]
            expected = int(allgrp["count"].iloc[0]) if len(allgrp) and pd.notna(allgrp["count"].iloc[0]) else None
            by = at.set_index("municipality")["value"]
            n = int(by[[bool(re.fullmatch(r"\d{4}", str(i))) for i in by.index]].notna().sum())
            r = gl.rank(by, self.org_id, self.directions.get(kpi), expected)
            rows.append(
                {
                    "Nyckeltal": self._title(kpi),
                    "År": str(y),
                    "Kommuner med värde i hämtningen": n,
                    "Kommuner med värde enligt Kolada": expected,
                    "Plats (1 = lägst värde)": None if r is None else r.rank_low,
                    "Percentil": None if r is None else r.percentile,
                    "Bättre är": gl.DIRECTION_WORDS[self.directions.get(kpi)],
                }
            )
        t = pd.DataFrame(rows)
        for col in ("Kommuner med värde enligt Kolada", "Plats (1 = lägst värde)", "Percentil"):
            t[col] = t[col].astype("Float64")
        complete = t["Plats (1 = lägst värde)"].notna().any()
        if not complete:
            md(
                "Rangordning och percentil kräver värden för alla kommuner. Hämtningen omfattar bara organisationen, "
                "jämförelsekommunerna och gruppernas medlemmar, så ingen plats beräknas; tabellen visar hur många "
                "kommuner som har värden."
            )
        return tables.show(
            t,
            "rangordning",
            "Plats bland alla kommuner",
            self._kolada_source(own=False)
            + " Plats och percentil (andel kommuner med samma eller lägre värde): egen beräkning.",
            formats={
                "Kommuner med värde enligt Kolada": fmt.Number(0),
                "Plats (1 = lägst värde)": fmt.Number(0),
                "Percentil": fmt.Number(0),
            },
        )

    # -- stated figures -------------------------------------------------------------------
    def stated_table(self):
        """The figures the review states that the comparisons above do not show: each stated figure once."""
        if self.stated is None:
            return tables.note("Genomlysningens nyckeltal finns inte för denna organisation.")
        shown = {i for part in gl.stated_comparisons(self.stated) for i in part.index}
        s = self.stated[~self.stated.index.isin(shown)]
        if s.empty:
            return tables.note("Genomlysningen anger inga andra nyckeltal än jämförelserna ovan.")
        values = []
        for _, r in s.iterrows():
            v = (
                gl.fmt_range(r)
                if pd.isna(r["varde"])
                else fmt.number(
                    gl.signed(r),
                    0 if float(r["varde"]).is_integer() else 1,
                    sign=r["matt"] in ("förändring", "procentenheter"),
                )
            )
            values.append(((r["kvalifikator"] + " ") if r["kvalifikator"] else "") + v)
        periods = []
        for y0, y1 in zip(s["period_fran"], s["period_till"]):
            if pd.isna(y1):
                periods.append("–" if pd.isna(y0) else str(int(y0)))
            elif pd.isna(y0) or y0 == y1:
                periods.append(str(int(y1)))
            else:
                periods.append(f"{int(y0)}–{int(y1)}")
        # The key columns first (what, for whom, when, the value); the section of the review last, so a
        # phone shows the value without scrolling past a citation that the source line also gives.
        t = pd.DataFrame(
            {
                "Uppgift": s["amne"],
                "Avser": s["avser"],
                "Period": periods,
                "Värde": values,
                "Enhet": s["enhet"],
                "Avsnitt": s["avsnitt"],
            }
        )
        return tables.show(
            t,
            "uppgifter_genomlysning",
            "Nyckeltal som genomlysningen anger i text"
            if not shown
            else "Övriga nyckeltal som genomlysningen anger i text",
            sources.cite(s) + ". Värdena står som i källan; en minskning visas med minustecken.",
            wrap=["Avsnitt", "Uppgift", "Avser"],
        )

    def stated_vs_fetched(self):
        """The review's figures beside the same measure computed from Kolada: only where Kolada values are
        in the book and a figure could be computed (the stated figures alone stand above, once)."""
        if self.stated is None:
            return tables.note("Genomlysningens nyckeltal finns inte för denna organisation.")
        if not self.has_kolada:
            return tables.note(
                "Värden från Kolada ingår inte i den här utgåvan, så genomlysningens uppgifter räknas inte om."
            )
        names = {}
        if self.config:
            names = {name: mid for mid, name in self.config.municipalities.items()}
            if gl.ALL_MUNICIPALITIES_GROUP in self.config.groups:
                names["Genomsnittskommunen (ovägt medel)"] = gl.ALL_MUNICIPALITIES_GROUP
        t = gl.stated_vs_fetched(self.stated, self.values, names)
        if t.empty:
            return tables.note("Inga uppgifter i genomlysningen har ett Kolada-id.")
        t = t[t["beraknat"].notna()]
        if t.empty:
            return tables.note(
                "Ingen av genomlysningens uppgifter med Kolada-id kunde räknas om från de hämtade värdena."
            )
        out = pd.DataFrame(
            {
                "Uppgift": list(t["amne"]),
                "Avser": t["avser"],
                "Mått": t["matt"],
                "Period": t["period"],
                "Enligt genomlysningen": [
                    (q + " " if q else "")
                    + (
                        a
                        if isinstance(a, str)
                        else fmt.number(
                            a, 0 if float(a).is_integer() else 1, sign=m in ("förändring", "procentenheter")
                        )
                    )
                    for q, a, m in zip(t["kvalifikator"], t["angivet"], t["matt"])
                ],
                "Beräknat från Kolada": [
                    fmt.number(v, 1, sign=m in ("förändring", "procentenheter"))
                    for v, m in zip(t["beraknat"], t["matt"])
                ],
                "Enhet": t["enhet"],
                "Kommentar": t["kommentar"],
            }
        )
        source = sources.cite(self.stated[self.stated["kpi"].notna()]) + "; " + self._kolada_source(own=False)
        return tables.show(
            out,
            "angivet_mot_kolada",
            "Genomlysningens uppgifter och samma mått beräknat från Kolada",
            source + " Beräkningen är egen; båda talen visas när de skiljer sig.",
            wrap=["Uppgift", "Avser", "Mått", "Kommentar"],
        )

    # -- the comparisons the review itself states (no Kolada fetch needed) -------------------
    def stated_comparisons(self) -> None:
        """Each comparison the review states in its text (rapportbok.analysis.review.stated_comparisons), shown
        once: a chart where every figure is a single value, otherwise (a range among them) a table."""
        if self.stated is None:
            display(tables.note("Genomlysningens nyckeltal finns inte för denna organisation."))
            return
        comps = gl.stated_comparisons(self.stated)
        if not comps:
            display(tables.note("Genomlysningen anger inga jämförelser mellan kommuner i sin text."))
            return
        for k, part in enumerate(comps):
            first = part.iloc[0]
            unit = str(first["enhet"])
            what = f"{first['amne']}, {first['matt']} ({unit})"
            rows = [
                {
                    "Avser": r["avser"],
                    "Period": _stated_period(r["period_fran"], r["period_till"]),
                    "Enligt genomlysningen": _stated_value(r),
                }
                for _, r in part.iterrows()
            ]
            source = sources.cite(part) + ". Värdena står som i källan; en minskning visas med minustecken."
            single = part[part["varde"].notna()]
            if len(single) < 2 or len(single) < len(part):  # a range cannot be a bar: the table shows all
                display(
                    tables.show(
                        pd.DataFrame(rows),
                        f"jamforelse_{k + 1}",
                        f"{what}, enligt genomlysningen",
                        source,
                        wrap=["Avser"],
                    )
                )
                continue
            labels = [
                f"{a} ({p})" if p != "–" else str(a)
                for a, p in zip(
                    single["avser"],
                    (_stated_period(a, b) for a, b in zip(single["period_fran"], single["period_till"])),
                )
            ]
            # A figure the review states loosely ("strax över 7") is drawn at the number it names; its
            # label says the review's words, so the bar is not read as exact.
            loose = [isinstance(q, str) and q.strip() != "" for q in single["kvalifikator"]]
            labels = [
                f"{lab}: {_stated_value(r)}" if lo else lab for lab, lo, (_, r) in zip(labels, loose, single.iterrows())
            ]
            if any(loose):
                source += (
                    ' Ett värde som genomlysningen anger ungefär (t.ex. "strax över") ritas vid '
                    "talet den nämner; stapelns namn har genomlysningens ord."
                )
            values = [gl.signed(r) for _, r in single.iterrows()]
            chart = pd.DataFrame({"Avser": labels, "Enligt genomlysningen": values})
            decimals = 0 if all(float(v).is_integer() for v in values) else 1
            said = [_stated_value(r) for _, r in single.iterrows()]  # with the review's own "drygt", "runt"
            title = f"Enligt genomlysningen: {first['amne'].lower()} ({first['matt']}) " + _highest_and_lowest(
                single, values, said, unit
            )
            charts.show(
                charts.hbars(
                    chart, "Avser", ["Enligt genomlysningen"], title + ".", source, unit=unit, decimals=decimals
                )
            )

    # -- savings --------------------------------------------------------------------------
    def savings_tables(self):
        if self.moves is None:
            return tables.note("Genomlysningen har inga tabeller Möjlig förflyttning för denna organisation.")
        for i, (tabell, part) in enumerate(self.moves.groupby("tabell", sort=False)):
            # The savings first after the name; the long description last.
            quoted = [_once(str(b)) for b in part["besparing_text"]]
            doubled = sorted({m.group(1) for b in part["besparing_text"] for m in _REPEATED.finditer(str(b))})
            t = pd.DataFrame(
                {
                    "Möjlighet": part["mojlighet"],
                    "Besparing, mnkr per år": part["besparing_mnkr_per_ar"],
                    "Besparing enligt källan": quoted,
                    "Genomförbarhet": part["genomforbarhet"],
                    "Kategori": part["kategori"],
                    "Beskrivning": part["beskrivning"],
                }
            )
            total = pd.DataFrame(
                [
                    {
                        "Möjlighet": "Summa (egen beräkning)",
                        "Besparing, mnkr per år": float(part["besparing_mnkr_per_ar"].sum()),
                        "Besparing enligt källan": "anges inte i källan",
                        "Genomförbarhet": "",
                        "Kategori": "",
                        "Beskrivning": "",
                    }
                ]
            )
            t = pd.concat([t, total], ignore_index=True)
            display(
                tables.show(
                    t,
                    f"forflyttning_{i + 1}",
                    f"Möjlig förflyttning: {tabell}",
                    sources.cite(part)
                    + ". Summaraden är egen beräkning."
                    + (
                        " Källans text står ordagrant, utom att ord som källan av misstag skriver två gånger "
                        "i rad visas en gång (" + ", ".join(f'"{b}"' for b in doubled) + ")."
                        if doubled
                        else ""
                    ),
                    bold_rows=[len(t) - 1],
                    wrap=["Möjlighet", "Besparing enligt källan", "Kategori", "Beskrivning"],
                    key=["Möjlighet", "Besparing, mnkr per år", "Besparing enligt källan", "Genomförbarhet"],
                )
            )
        acc = self.moves[self.moves["ackumuleras"] == "ja"]
        if len(acc):
            md(
                "Obs: "
                + "; ".join(
                    f"*{escape.md_text(m)}* ({escape.md_text(_once(str(b)))})"
                    for m, b in zip(acc["mojlighet"], acc["besparing_text"])
                )
                + ". Effekten växer enligt källan år för år; summorna räknar bara med beloppet för ett år."
            )
        totals = gl.savings_totals(self.moves)
        areas = totals[totals["tabell"] != "Totalt"].assign(
            Område=lambda d: d["omrade"], **{"Möjlig besparing": lambda d: d["summa_mnkr"]}
        )
        areas = areas.sort_values("summa_mnkr", ascending=False, kind="stable")
        top = areas.iloc[0]
        whole = float(totals.loc[totals["tabell"] == "Totalt", "summa_mnkr"].iloc[0])
        fig = charts.hbars(
            areas,
            "Område",
            ["Möjlig besparing"],
            # The review states each possibility, never a sum: both sums are the book's own (issue #26).
            f"Störst möjlig besparing enligt genomlysningens tabeller finns inom {str(top['Område']).lower()}: "
            f"{fmt.number(top['summa_mnkr'], 1)} av totalt {fmt.number(whole, 1)} mnkr per år (bokens summor av "
            "raderna; genomlysningen anger ingen summa).",
            sources.cite(self.moves) + ". Summorna är egen beräkning (summa av tabellens rader).",
            unit="mnkr",
        )
        charts.show(fig)
        return None

    def reconciliation(self, method: str = ""):
        from rapportbok.chapters import audit

        if self.moves is None:
            return tables.note("Inga summor att stämma av för denna organisation.")
        summary = "Genomlysningen anger ingen summa att stämma av; boken summerar raderna själv."
        if not audit.asking():
            md("**Avstämning:** " + summary + " " + audit.link(CHAPTER.slug) + ".")
            return None
        checks = gl.savings_checks(self.moves)
        total = sum(c["summa_rader"] for c in checks)
        text = (
            "Genomlysningen anger **ingen summa** för tabellerna *Möjlig förflyttning*, så det finns ingen angiven summa "
            "att stämma av mot. Summorna nedan är egen beräkning av raderna; varje rads belopp i mnkr är dessutom "
            "kontrollerat mot beloppet i tabellens text vid inläsningen."
        )
        rows = [
            {
                "Tabell": c["tabell"],
                "Rader": c["rader"],
                "Summa enligt källan": "anges inte",
                "Summa av raderna, mnkr per år (egen beräkning)": c["summa_rader"],
            }
            for c in checks
        ]
        rows.append(
            {
                "Tabell": "Båda tabellerna",
                "Rader": sum(c["rader"] for c in checks),
                "Summa enligt källan": "anges inte",
                "Summa av raderna, mnkr per år (egen beräkning)": total,
            }
        )
        t = pd.DataFrame(rows)
        body = ["**Avstämning av tabellerna Möjlig förflyttning.** " + summary, method, text]
        md("\n\n".join(b for b in body if b))
        return tables.show(
            t,
            "genomlysning_avstamning_genomlysning",
            "Avstämning av tabellerna Möjlig förflyttning",
            sources.cite(self.moves) + ". Summorna är egen beräkning.",
            formats={"Summa av raderna, mnkr per år (egen beräkning)": fmt.Number(1)},
            bold_rows=[len(t) - 1],
        )


def _highest_and_lowest(single: pd.DataFrame, values: list, said: list, unit: str) -> str:
    """'är högst för Alingsås (+22 procent) och lägst för Kungälv (−8 procent)': every name that holds the
    highest or the lowest value (a tie names both); when one name stands for both ends (the same kommun in
    two periods), each end names its period, so the title does not say 'högst … och lägst för Alingsås'."""
    names = [str(a) for a in single["avser"]]
    periods = [_stated_period(a, b) for a, b in zip(single["period_fran"], single["period_till"])]

    def who(value) -> tuple[list[int], str]:
        at = [i for i, v in enumerate(values) if v == value]
        return at, " och ".join(dict.fromkeys(names[i] for i in at))

    top, top_names = who(max(values))
    low, low_names = who(min(values))
    if top_names == low_names or {names[i] for i in top} & {names[i] for i in low}:

        def dated(at):
            return " och ".join(
                dict.fromkeys(f"{names[i]} {periods[i]}" if periods[i] != "–" else names[i] for i in at)
            )

        top_names, low_names = dated(top), dated(low)
    return f"är högst för {top_names} ({said[top[0]]} {unit}) och lägst för {low_names} ({said[low[0]]} {unit})"
