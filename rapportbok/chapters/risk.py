"""The chapter "Risk och intern kontroll": the risk register, a risk map on the source's scales (4 × 4 when
riskskalor.csv does not say otherwise), the internal control plan, the scales and the Avstämning of the stated
risk values."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import pandas as pd

from rapportbok.analysis import reconcile, risk
from rapportbok.chapters import Chapter, ChapterPage
from rapportbok.core import escape, fmt
from rapportbok.data import risk as risk_data
from rapportbok.data import sources
from rapportbok.present import charts, tables
from rapportbok.present.display import glue, md

REGISTER, PLAN, SCALES = "risker", "internkontroll", "riskskalor"


def _first_year(df: pd.DataFrame | None) -> int | None:
    """The first year the source covers, from its title (e.g. 'Socialnämndens budget 2025–2027' -> 2025)."""
    if df is None or df.empty:
        return None
    years = []
    for kalla in df["kalla"].unique():
        try:
            title = sources.label(kalla).split(" (")[0]
        except KeyError:
            continue
        m = re.search(r"(19|20)\d\d", title)
        if m:
            years.append(int(m.group(0)))
    return min(years) if years else None


def has_data(data: dict, year: int) -> bool:
    """Shown for the years the source's budget period covers, from its first year on."""
    register = data.get(REGISTER)
    if register is None or register.empty:
        return False
    first = _first_year(register)
    return first is None or int(year) >= first


def finding_text(f: reconcile.Finding) -> str:
    return (
        f"{f.check}: källan anger {fmt.number(f.stated)}, omräknat {fmt.number(f.computed)} "
        f"(skillnad {fmt.number(f.difference, sign=True)}). {f.where}"
    )


def warnings(data: dict, org: str) -> list[str]:
    reg, ik = data.get(REGISTER), data.get(PLAN)
    lines = ["Avstämning: " + finding_text(f) for f in reconcile.real_mismatches(risk.all_checks(reg, ik))]
    lines += [
        f"Avstämning: internkontrollplanens risk '{n}' finns inte i risk- och väsentlighetsanalysen."
        for n in risk.ik_unmatched(reg, ik)
    ]
    lines += (
        [
            f"Avstämning: risken '{n}' ska enligt riskanalysen hanteras i IK-planen men finns inte i internkontrollplanen."
            for n in risk.ik_plan_missing(reg, ik)
        ]
        if ik is not None
        else []
    )
    return lines


CHAPTER = Chapter("risk", "Risk och intern kontroll", has_data, (REGISTER, PLAN, SCALES), warnings)


class RiskChapter(ChapterPage):
    def __init__(self, org: str, year: int, tertial: int):
        super().__init__(org, year, tertial)
        self.reg = self.data.get(REGISTER)
        self.ik = self.data.get(PLAN)
        self.scales = self.data.get(SCALES)
        self.findings = risk.all_checks(self.reg, self.ik)
        self.s_names = risk.level_names(self.scales, risk_data.LIKELIHOOD)
        self.v_names = risk.level_names(self.scales, risk_data.MATERIALITY)
        self.levels = risk_data.scale_levels(self.scales)
        self.highest = risk_data.highest_value(self.scales)  # None: the source's scales are not stated

    # -- introduction ---------------------------------------------------------------------
    def intro(self) -> None:
        o = self.org
        if self.reg is None:
            md(
                f"**{escape.md_text(o.name)}, {escape.md_text(o.namnd.lower())}.** "
                "Källorna innehåller ingen risk- och väsentlighetsanalys."
            )
            return
        n = len(self.reg)
        top = int(self.reg["riskvarde"].max())
        top_names = self.reg.loc[self.reg["riskvarde"] == top].sort_values("rad")
        n_ik = 0 if self.ik is None else len(self.ik)
        bad = reconcile.real_mismatches(self.findings)
        period = sources.label(self.reg["kalla"].iloc[0])[len("Källa: ") :]
        text = (
            f"**{escape.md_text(o.name)}, {escape.md_text(o.namnd.lower())}.** Risk- och väsentlighetsanalysen i "
            f"{escape.md_text(period)} tar upp "
            f"{fmt.number(n)} risker. Högst riskvärde, {fmt.number(top)}{self._of_highest()}, har "
            + self._name_list(top_names["risk"].tolist())
            + f". Internkontrollplanen innehåller {fmt.number(n_ik)} av riskerna med kontrollmetod och ansvarig."
        )
        text += (
            f" Avstämningen hittar {len(bad)} avvikelse{'r' if len(bad) != 1 else ''} i riskvärdena."
            if bad
            else " Alla angivna riskvärden stämmer i avstämningen."
        )
        glue("risk_antal", fmt.number(n))
        glue("risk_ik_antal", fmt.number(n_ik))
        glue("risk_avvikelser", str(len(bad)))
        md(text)

    def _of_highest(self) -> str:
        """' av högst 16': the highest value the source's scales allow (riskskalor.csv), or nothing without them."""
        return f" av högst {fmt.number(self.highest)}" if self.highest is not None else ""

    def scales_text(self) -> None:
        """The scales the risks are judged on and the range of the risk value, as the source's scales state them."""
        s, v = self.levels[risk_data.LIKELIHOOD], self.levels[risk_data.MATERIALITY]
        if self.highest is None:
            md(
                "Källorna anger inte skalorna; boken godtar nivåerna 1 till 4 på båda, så riskvärdet ligger mellan "
                f"1 och {fmt.number(16)}."
            )
            return
        span = f"mellan {fmt.number(min(s) * min(v))} och {fmt.number(self.highest)}"
        if (min(s), max(s)) == (min(v), max(v)):
            md(f"Båda skalorna går från {fmt.number(min(s))} till {fmt.number(max(s))}, så riskvärdet ligger {span}.")
            return
        md(
            f"Skalorna går från {fmt.number(min(s))} till {fmt.number(max(s))} (sannolikhet) och från "
            f"{fmt.number(min(v))} till {fmt.number(max(v))} (väsentlighet), så riskvärdet ligger {span}."
        )

    @staticmethod
    def _name_list(names: list[str]) -> str:
        quoted = [f"*{escape.md_text(n)}*" for n in names]
        return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " och " + quoted[-1]

    # -- the register ---------------------------------------------------------------------
    def register_table(self):
        if self.reg is None:
            return tables.note("Källorna innehåller ingen risk- och väsentlighetsanalys för denna organisation.")
        r = self.reg.sort_values("rad")
        t = pd.DataFrame(
            {
                "Nr": r["rad"].astype(int),
                "Risk": r["risk"],
                "Riskbeskrivning": r["riskbeskrivning"],
                "Sannolikhet": r["sannolikhet"].astype(int),
                "Väsentlighet": r["vasentlighet"].astype(int),
                "Riskvärde": r["riskvarde"].astype(int),
                "Omräknat riskvärde": risk.recomputed(r).astype(int),
                "Hantering": r["hantering"],
            }
        )
        # The key columns first after the risk's name: its value, the book's recomputation of it that the
        # text points to, the two scales it is the product of, and how it is handled; the description last.
        key = ["Nr", "Risk", "Riskvärde", "Omräknat riskvärde", "Sannolikhet", "Väsentlighet", "Hantering"]
        t = t[key + [c for c in t.columns if c not in key]]
        return tables.show(
            t,
            "risker",
            "Risk- och väsentlighetsanalys",
            sources.cite(r) + ". Omräknat riskvärde = sannolikhet × väsentlighet, egen beräkning.",
            wrap=["Risk", "Riskbeskrivning"],
            key=key,
        )

    # -- the map --------------------------------------------------------------------------
    def _axis_label(self, names: dict[int, str], level: int) -> str:
        return f"{level} {names[level]}" if level in names else str(level)

    def _heatmap_alt(self, cells: dict) -> str:
        """Say in words what the map shows: how many risks lie where, highest risk value first."""
        n = sum(len(v) for v in cells.values())
        occupied = sorted(((s, v) for s, v in cells if cells[(s, v)]), key=lambda k: (-k[0] * k[1], -k[0], -k[1]))
        size = f"{len(self.levels[risk_data.LIKELIHOOD])} × {len(self.levels[risk_data.MATERIALITY])}"
        parts = [f"Riskkarta, {size} rutor med sannolikhet lodrätt och väsentlighet vågrätt: {fmt.number(n)} risker."]
        for s, v in occupied:
            nrs = ", ".join(str(nr) for nr, _ in cells[(s, v)])
            parts.append(f"Sannolikhet {s}, väsentlighet {v} (riskvärde {s * v}): {len(cells[(s, v)])} st (nr {nrs}).")
        return " ".join(parts)

    def _heatmap_title(self, cells: dict) -> str:
        """The map's finding: how many risks have the highest risk value present."""
        n = sum(len(v) for v in cells.values())
        occupied = [(s * v, len(r)) for (s, v), r in cells.items() if r]
        if not occupied:
            return "Riskanalysen tar inte upp några risker."
        top = max(val for val, _ in occupied)
        n_top = sum(k for val, k in occupied if val == top)
        return (
            f"{fmt.number(n_top)} av {fmt.number(n)} risker har det högsta riskvärdet i analysen, "
            f"{fmt.number(top)}{self._of_highest()}."
        )

    def heatmap(self):
        if self.reg is None:
            return tables.note("Ingen riskkarta: källorna saknar risk- och väsentlighetsanalys.")
        cells = risk.cell_risks(self.reg, self.levels)
        m = risk.matrix(self.reg, self.levels)  # rows sannolikhet highest..1, columns väsentlighet 1..highest
        # Coloured by risk value (sannolikhet × väsentlighet), not by how many risks a cell holds:
        # the colour says how serious a cell is, the big number how many risks lie there.
        values = [[int(sv) * int(vv) for vv in m.columns] for sv in m.index]
        vmax = max(int(max(m.index)) * int(max(m.columns)), 1)
        fig, ax = plt.subplots(figsize=(8, 6))
        cmap = plt.get_cmap("YlOrRd")
        image = ax.imshow(values, cmap=cmap, vmin=0, vmax=vmax, aspect="auto")
        ax.grid(False)
        for i, s in enumerate(m.index):
            for j, v in enumerate(m.columns):
                count = int(m.iat[i, j])
                r, g, b, _ = cmap(values[i][j] / vmax)
                ink = "black" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.45 else "white"
                ax.text(
                    j - 0.45, i - 0.38, f"riskvärde {fmt.number(s * v)}", ha="left", va="top", fontsize=7, color=ink
                )
                ax.text(
                    j,
                    i - 0.05,
                    fmt.number(count) if count else "",
                    ha="center",
                    va="center",
                    fontsize=15,
                    fontweight="bold",
                    color=ink,
                )
                numbers = [str(nr) for nr, _ in cells[(int(s), int(v))]]
                if numbers:
                    ax.text(j, i + 0.28, "nr " + ", ".join(numbers), ha="center", va="center", fontsize=8.5, color=ink)
        ax.set_xticks(range(len(m.columns)), [self._axis_label(self.v_names, v) for v in m.columns])
        ax.set_yticks(range(len(m.index)), [self._axis_label(self.s_names, s) for s in m.index])
        ax.set_xlabel("Väsentlighet (konsekvens om risken inträffar)")
        ax.set_ylabel("Sannolikhet")
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set_xticks([x - 0.5 for x in range(1, len(m.columns))], minor=True)
        ax.set_yticks([y - 0.5 for y in range(1, len(m.index))], minor=True)
        ax.grid(which="minor", color="white", linewidth=2)
        ax.tick_params(which="minor", length=0)
        bar = fig.colorbar(image, ax=ax, ticks=range(0, vmax + 1, 2), fraction=0.04)
        bar.ax.yaxis.set_major_formatter(fmt.axis_formatter(0))
        bar.set_label("Riskvärde (sannolikhet × väsentlighet)")
        source = (
            sources.cite(self.reg) + ". Färgen = riskvärdet (sannolikhet × väsentlighet); stort tal = antal "
            "risker i rutan; nr = riskens nummer i tabellen ovan."
        )
        charts._finish(fig, ax, self._heatmap_title(cells), source, None)
        charts.show(fig, self._heatmap_alt(cells))
        lines = []
        for s, v in sorted(cells, key=lambda k: (-k[0] * k[1], -k[0])):
            for nr, name in cells[(s, v)]:
                lines.append(
                    f"- **{escape.md_text(nr)}** {escape.md_text(name)} (sannolikhet {s}, väsentlighet {v}, riskvärde {fmt.number(s * v)})"
                )
        md("Riskerna i kartan, från högst riskvärde:\n\n" + "\n".join(lines))
        return None

    # -- the internal control plan --------------------------------------------------------
    def control_plan(self):
        if self.ik is None:
            return tables.note("Källorna innehåller ingen internkontrollplan för denna organisation.")
        r = self.ik.sort_values("rad")
        match = risk.register_match(self.reg, r)
        t = pd.DataFrame(
            {
                "Nr": r["rad"].astype(int),
                "Risk": r["risk"],
                "Risknr i riskanalysen": [
                    fmt.MISSING if match[i] is None else fmt.number(self.reg.at[match[i], "rad"]) for i in r.index
                ],
                "Riskvärde": r["riskvarde"].astype(int),
                "Metod": r["metod"],
                "Ansvarig": r["ansvarig"],
                # last: the key columns (what is checked, how, by whom) stay in view on a 1366 px laptop
                "Riskbeskrivning": r["riskbeskrivning"],
            }
        )
        return tables.show(
            t,
            "internkontroll",
            "Internkontrollplan",
            sources.cite(r) + ". Risknr i riskanalysen: egen koppling på riskens namn.",
            wrap=["Risk", "Riskbeskrivning", "Metod", "Ansvarig"],
            key=["Nr", "Risk", "Risknr i riskanalysen", "Riskvärde", "Metod", "Ansvarig"],
        )

    # -- the scales -----------------------------------------------------------------------
    def scales_table(self):
        if self.scales is None:
            return tables.note("Källorna förklarar inte skalorna för sannolikhet och väsentlighet.")
        s = self.scales.sort_values(
            ["skala", "niva"],
            key=lambda c: c.map({risk_data.LIKELIHOOD: 0, risk_data.MATERIALITY: 1}) if c.name == "skala" else c,
        )
        t = pd.DataFrame(
            {
                "Skala": s["skala"],
                "Nivå": s["niva"].astype(int),
                "Namn": s["namn"],
                "Beskrivning": s["beskrivning"],
            }
        )
        return tables.show(t, "riskskalor", "Skalor för sannolikhet och väsentlighet", sources.cite(s))

    # -- Avstämning -----------------------------------------------------------------------
    def reconciliation(self, method: str = ""):
        from rapportbok.chapters import audit

        if not self.findings and self.reg is None:
            return tables.note("Inga riskvärden att stämma av för denna organisation.")
        notes = []
        unmatched = risk.ik_unmatched(self.reg, self.ik)
        missing = risk.ik_plan_missing(self.reg, self.ik) if self.ik is not None else []
        if unmatched:
            notes.append(
                "Internkontrollplanens risker som inte finns i riskanalysen (inget riskvärde att jämföra med): "
                + ", ".join(f"*{escape.md_text(n)}*" for n in unmatched)
                + "."
            )
        if missing:
            notes.append(
                "Risker som enligt riskanalysen hanteras i IK-planen men saknas i internkontrollplanen: "
                + ", ".join(f"*{escape.md_text(n)}*" for n in missing)
                + "."
            )
        elif self.ik is not None and self.reg is not None:
            n_ik = int(self.reg["hantering"].str.casefold().str.contains("ik-plan").sum())
            notes.append(
                f"Alla {fmt.number(n_ik)} risker som enligt riskanalysen hanteras i IK-planen finns i internkontrollplanen."
            )
        audit.show(self.findings, "risk_avstamning", "Avstämning av riskvärden", method, notes, drop=("Enhet",))
        return None
