"""The budget chapter: ramar, net cost and kommunbidrag, the bridge, investments, Avstämning."""

from __future__ import annotations

import pandas as pd

from rapportbok import budget, charts, datasets, fmt, orgs, reconcile, sources, tables
from rapportbok.chapters import Chapter
from rapportbok.display import glue, md


def has_data(data: dict, year: int) -> bool:
    ramar = data.get("ramar")
    return (ramar is not None and year in set(ramar["ar"])) or data.get("uppgifter") is not None


def warnings(data: dict, org: str) -> list[str]:
    findings = budget.all_checks(data.get("ramar"), data.get("investeringar"), data.get("kommunbidrag"))
    return ["Avstämning: " + f.text() for f in reconcile.mismatches(findings)]


CHAPTER = Chapter(
    "budget", "Budget och ekonomiska ramar", has_data, ("ramar", "investeringar", "kommunbidrag", "uppgifter"), warnings
)


class BudgetChapter:
    def __init__(self, org: str, year: int, tertial: int):
        self.org = orgs.get(org)
        self.year = int(year)
        self.tertial = int(tertial)
        self.data = datasets.load_org(org)
        self.ramar = self.data["ramar"]
        self.inv = self.data["investeringar"]
        self.kb = self.data["kommunbidrag"]
        self.stated = self.data["uppgifter"]
        self.findings = budget.all_checks(self.ramar, self.inv, self.kb)

    # -- introduction ---------------------------------------------------------------------
    def intro(self) -> None:
        o = self.org
        if self.ramar is None or self.year not in set(self.ramar["ar"]):
            md(
                f"**{o.name}, {o.namnd.lower()}.** Källdokumenten innehåller ingen budgettabell för "
                f"{self.year}. Kapitlet visar de uppgifter om det ekonomiska läget som källorna anger."
            )
            return
        net = budget.series(self.ramar, budget.NET_COST)
        grant = budget.series(self.ramar, budget.GRANT)
        y = self.year
        text = (
            f"**{o.name}, {o.namnd.lower()}, {y}.** Kommunbidraget är {fmt.mnkr(grant[y])} "
            f"({fmt.tkr(grant[y])}) och verksamhetens nettokostnader {fmt.mnkr(net[y])}."
        )
        if y - 1 in grant.index:
            d = grant[y] - grant[y - 1]
            text += (
                f" Jämfört med {y - 1} ändras kommunbidraget med {fmt.mnkr(d, sign=True)} "
                f"({fmt.pct(d / grant[y - 1] * 100, sign=True)})."
            )
        else:
            text += f" Källan redovisar inget kommunbidrag för {y - 1}, så ingen förändring kan visas."
        bad = reconcile.mismatches(self.findings)
        text += (
            f" Avstämningen hittar {len(bad)} avvikelse{'r' if len(bad) != 1 else ''} mellan angivna summor och raderna."
            if bad else " Avstämningen hittar inga avvikelser mellan angivna summor och raderna."
        )
        glue("budget_kommunbidrag", fmt.mnkr(grant[y]))
        glue("budget_nettokostnad", fmt.mnkr(net[y]))
        glue("budget_avvikelser", str(len(bad)))
        md(text)

    # -- ramar ----------------------------------------------------------------------------
    def ramar_table(self):
        if self.ramar is None:
            return tables.note("Källorna innehåller inga ekonomiska ramar per kontogrupp för denna organisation.")
        t = budget.wide(self.ramar)
        return tables.show(t, "ramar", "Ekonomiska ramar per kontogrupp, tkr", sources.cite(self.ramar),
                           bold_rows=self._subtotal_rows(t))

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
        return tables.show(t, "ramar_forandring", f"Förändring {self.year - 1}–{self.year} per kontogrupp",
                           sources.cite(self.ramar) + ". Förändringen är egen beräkning.",
                           bold_rows=self._subtotal_rows(t))

    # -- net cost and grant ---------------------------------------------------------------
    def net_and_grant_chart(self):
        if self.ramar is None:
            return tables.note("Inga uppgifter om nettokostnad och kommunbidrag i källorna.")
        net = budget.series(self.ramar, budget.NET_COST)
        grant = budget.series(self.ramar, budget.GRANT)
        t = pd.DataFrame({"År": net.index, "Kommunbidrag": grant.values, "Nettokostnad (belopp utan minustecken)": -net.values})
        fig = charts.lines(t, "År", ["Kommunbidrag", "Nettokostnad (belopp utan minustecken)"],
                           "Kommunbidrag och verksamhetens nettokostnader, tkr", sources.cite(self.ramar))
        charts.show(fig)
        return None

    # -- bridge ---------------------------------------------------------------------------
    def bridge(self):
        steps = budget.grant_bridge(self.ramar, self.kb, self.year) if self.ramar is not None else None
        if steps is None:
            return tables.note(
                f"Ingen brygga för {self.year}: källan anger inget kommunbidrag för {self.year - 1}."
            )
        source = sources.cite(self.ramar) + "; delarna enligt budgettexten (" + sources.cite(self.kb[self.kb["ar"] == self.year]) + ")"
        remainder = next(s for s in steps if s.kind == "remainder")
        md(
            f"Delarna är de belopp som budgettexten anger i mnkr med en decimal, omräknade till tkr. "
            f"Det som återstår av tabellens förändring visas som *{budget.REMAINDER_LABEL}*: "
            f"{fmt.tkr(remainder.amount_tkr, sign=True)}."
        )
        from IPython.display import display

        display(tables.show(budget.bridge_table(steps), "brygga", f"Från kommunbidrag {self.year - 1} till {self.year}, tkr", source))
        charts.show(charts.waterfall(steps, f"Kommunbidrag {self.year - 1} till {self.year}, tkr", source))
        return None

    # -- investments ----------------------------------------------------------------------
    def investments(self):
        if self.inv is None:
            return tables.note("Källorna innehåller ingen investeringsbudget för denna organisation.")
        from IPython.display import display

        t = budget.wide(self.inv)
        parents = set(self.inv["summeras_i"].dropna())
        display(tables.show(t, "investeringar", "Investeringsbudget, tkr", sources.cite(self.inv),
                            bold_rows=[i for i, p in enumerate(t["Belopp i tkr"]) if p in parents]))
        leaves = t[~t["Belopp i tkr"].isin(parents) & (t["Belopp i tkr"] != "-")]
        years = [c for c in t.columns if c != "Belopp i tkr"]
        long = leaves.set_index("Belopp i tkr")[years].T.reset_index().rename(columns={"index": "År"})
        fig = charts.grouped_bars(long, "År", [c for c in long.columns if c != "År"],
                                  "Investeringsutgifter per slag och år, tkr", sources.cite(self.inv), stacked=True)
        charts.show(fig)
        return None

    # -- stated context -------------------------------------------------------------------
    def stated_figures(self):
        if self.stated is None:
            return tables.note("Inga ytterligare uppgifter i källorna.")
        s = self.stated
        t = pd.DataFrame({
            "Uppgift": s["beskrivning"], "Värde": s["varde"], "Enhet": s["enhet"],
            "Period": s["period"].fillna(""), "Källa": [f"{sources.label(k)[7:]}, {a}" for k, a in zip(s["kalla"], s["avsnitt"])],
        })
        return tables.show(t, "uppgifter", "Uppgifter som källorna anger i text", "Värdena står som i källan; se kolumnen Källa.",
                           formats={"Värde": lambda v: fmt.number(v, 0 if float(v).is_integer() else 1)})

    # -- Avstämning -----------------------------------------------------------------------
    def reconciliation(self):
        from IPython.display import display

        if not self.findings:
            return tables.note("Inga summor att stämma av för denna organisation.")
        bad = reconcile.mismatches(self.findings)
        if bad:
            md("**Avvikelser** (källan är inte ändrad; båda beloppen visas):\n\n" + "\n".join(f"- {f.text()}" for f in bad))
        else:
            md("Alla angivna summor stämmer med raderna.")
        t = reconcile.table(self.findings)
        display(tables.show(t, "avstamning", "Avstämning av angivna summor", "Egen beräkning utifrån källornas tabeller och text."))
        return None
