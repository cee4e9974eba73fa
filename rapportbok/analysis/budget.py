"""Budget och ekonomiska ramar: ramar per kontogrupp, kommunbidrag, investeringar.

Tables are stored long (one row per post and year) exactly as the budget document states
them, subtotals included; ``summeras_i`` names the row a row sums into, so the Avstämning can
recompute every subtotal. Amounts are tkr with the document's signs (costs negative).
"""


from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from rapportbok.analysis import reconcile
from rapportbok.analysis.reconcile import Finding
from rapportbok.core import fmt
from rapportbok.data import sources

GRANT = "Kommunbidrag"


NET_COST = "Verksamhetens nettokostnader"

# The rows of budget_ramar.csv the chapter reads by name, and what a page says when one is absent.
NAMED_ROWS = (GRANT, NET_COST)
NOT_STATED = "anges inte i källorna"


def missing_row_text(post: str, year: int | None = None) -> str:
    """The reader's sentence for a named row the source does not state (for ``year``, or at all)."""
    what = {GRANT: "Kommunbidraget", NET_COST: "Verksamhetens nettokostnader"}.get(post, post)
    when = f" för {year}" if year is not None else ""
    return f"{what} anges inte i källorna{when} (ingen rad '{post}' i budgettabellen)."


COMPONENT_LABELS = {
    "satsning": "Satsning",
    "index": "Index (pris)",
    "volym": "Volym",
    "övrigt": "Övrigt",
}


REMAINDER_LABEL = "Övrigt/avrundning"


def wide(df: pd.DataFrame, years: list[int] | None = None) -> pd.DataFrame:
    """Rows as in the source, one column per year headed like the source ('Budget 2025')."""
    df = df.sort_values(["rad", "ar"])
    heads = df.drop_duplicates("ar").set_index("ar")["version"]
    years = years or sorted(heads.index)
    table = df.pivot(index=["rad", "post"], columns="ar", values="belopp_tkr")[years]
    table.columns = [f"{heads[y]} {y}" for y in years]
    return table.reset_index(level="rad", drop=True).rename_axis("Belopp i tkr").reset_index()


def change(df: pd.DataFrame, year: int) -> pd.DataFrame | None:
    """Each post for ``year`` against the year before: tkr and per cent (None when no year before)."""
    years = set(df["ar"])
    if year not in years or year - 1 not in years:
        return None
    t = wide(df, [year - 1, year])
    prev, cur = t.columns[1], t.columns[2]
    t["Förändring, tkr"] = t[cur] - t[prev]
    base = t[prev].abs()
    t["Förändring, %"] = (t["Förändring, tkr"] / base.where(base != 0)) * 100
    return t


def series(df: pd.DataFrame, post: str) -> pd.Series:
    part = df[df["post"] == post].set_index("ar")["belopp_tkr"].sort_index()
    return part


@dataclass(frozen=True)
class Step:
    label: str
    amount_tkr: float
    kind: str  # "start", "component", "remainder", "end"


def grant_bridge(ramar: pd.DataFrame, kb: pd.DataFrame | None, year: int) -> list[Step] | None:
    """From last year's kommunbidrag to this year's: the stated components, and what remains.

    The components are the amounts the budget text states (mnkr, converted to tkr); the
    remainder is the table's change minus their sum, shown honestly as 'Övrigt/avrundning'.
    """
    grant = series(ramar, GRANT)
    if year not in grant.index or year - 1 not in grant.index:
        return None
    start, end = float(grant[year - 1]), float(grant[year])
    steps = [Step(f"Kommunbidrag {year - 1}", start, "start")]
    parts = kb[(kb["ar"] == year) & (kb["komponent"] != "total")] if kb is not None else kb
    total = 0.0
    if parts is not None:
        for _, row in parts.iterrows():
            amount = round(float(row["belopp_mnkr"]) * 1000, 6)
            total += amount
            steps.append(Step(COMPONENT_LABELS[row["komponent"]], amount, "component"))
    steps.append(Step(REMAINDER_LABEL, round(end - start - total, 6), "remainder"))
    steps.append(Step(f"Kommunbidrag {year}", end, "end"))
    return steps


def bridge_table(steps: list[Step]) -> pd.DataFrame:
    return pd.DataFrame({"Post": [s.label for s in steps], "Belopp, tkr": [s.amount_tkr for s in steps]})


def grant_checks(ramar: pd.DataFrame, kb: pd.DataFrame | None) -> list[Finding]:
    """The kommunbidrag figures stated in the text against the ramar table."""
    if kb is None:
        return []
    grant = series(ramar, GRANT)
    findings = []
    for year, part in kb.groupby("ar", sort=True):
        where = sources.cite(part.iloc[:1])
        comps = part[part["komponent"] != "total"]
        total = part[part["komponent"] == "total"]
        if year in grant.index and year - 1 in grant.index:
            delta = float(grant[year] - grant[year - 1])
            prev = float(grant[year - 1])
            if not total.empty:
                t = total.iloc[0]
                findings.append(Finding(f"Ökning av kommunbidraget {year}, mnkr", float(t["belopp_mnkr"]), delta / 1000, "mnkr", where, 1))
                if pd.notna(t["procent"]):
                    findings.append(Finding(f"Ökning av kommunbidraget {year}, procent", float(t["procent"]), delta / prev * 100, "%", where, 1))
            elif not comps.empty:
                findings.append(
                    Finding(f"Ökning av kommunbidraget {year}: summan av angivna delar mot tabellen, mnkr", float(comps["belopp_mnkr"].sum()), delta / 1000, "mnkr", where, 1, len(comps))
                )
            for _, c in comps[comps["procent"].notna()].iterrows():
                findings.append(
                    Finding(
                        f"{COMPONENT_LABELS[c['komponent']]} {year}: {fmt.pct(c['procent'])} av kommunbidraget {year - 1}, mnkr",
                        float(c["belopp_mnkr"]),
                        float(c["procent"]) / 100 * prev / 1000,
                        "mnkr",
                        where,
                        1,
                    )
                )
        if not total.empty and not comps.empty:
            findings.append(
                Finding(f"Ökning {year}: summan av delarna mot angiven ökning, mnkr", float(total.iloc[0]["belopp_mnkr"]), float(comps["belopp_mnkr"].sum()), "mnkr", where, 1)
            )
    return findings


def all_checks(ramar: pd.DataFrame | None, inv: pd.DataFrame | None, kb: pd.DataFrame | None) -> list[Finding]:
    findings: list[Finding] = []
    if ramar is not None:
        findings += reconcile.tree_checks(ramar, sources.cite(ramar))
        findings += grant_checks(ramar, kb)
    if inv is not None:
        findings += reconcile.tree_checks(inv, sources.cite(inv))
    return findings


def named_row_warnings(data: dict, org: str) -> list:
    """A warning for each row the budget chapter reads by name that budget_ramar.csv lacks.

    The chapter still builds (it says the source does not state the figure); the warning tells
    the analyst which row name the chapter looks for, and names a row that looks like it.
    """
    from rapportbok.data.schema import Issue

    ramar = data.get("ramar")
    if ramar is None:
        return []
    posts = list(dict.fromkeys(ramar.sort_values("rad")["post"]))
    issues = []
    for name in NAMED_ROWS:
        if name in posts:
            continue
        key = name.split()[-1].lower()[:9]  # the stem: kommunbid, nettokost
        alike = [p for p in posts if key in p.lower()]
        row = int(ramar.index[ramar["post"] == alike[0]][0]) if alike else 0
        hint = f" (raden '{alike[0]}' liknar; byt namn på den om den avses)" if alike else ""
        issues.append(Issue(
            f"{org}/budget_ramar.csv", row, "post", alike[0] if alike else "",
            f"en rad med post '{name}', som kapitlet Budget läser{hint}; utan den står "
            f"'{NOT_STATED}' på sidan för {name.lower()}",
            severity="varning",
        ))
    return issues


CONSISTENCY_CHECKS = [named_row_warnings]
