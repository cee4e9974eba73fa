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
RESULT = "Årets resultat"

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


# The concept (organisation.yml: begrepp) each named row means when the budget is stated in the
# stated-table model (rapportbok.data.budget.from_model adds a column ``begrepp``).
CONCEPT_OF = {GRANT: "kommunbidrag", NET_COST: "nettokostnad", RESULT: "resultat"}


def on_model(df: pd.DataFrame | None) -> bool:
    """Whether the table comes from the stated-table model (its rows are named by begrepp, not by post)."""
    return df is not None and "begrepp" in df.columns


def series(df: pd.DataFrame, post: str) -> pd.Series:
    """A named row per year: by its name in budget_ramar.csv, or by its begrepp in the stated-table model."""
    if on_model(df):
        part = df[df["begrepp"] == CONCEPT_OF.get(post, post)]
    else:
        part = df[df["post"] == post]
    return part.set_index("ar")["belopp_tkr"].sort_index()


def over_the_years(df: pd.DataFrame) -> pd.DataFrame:
    """Net cost (as a positive cost), kommunbidrag and result per year, for every year the table holds.

    The result is the table's own row 'Årets resultat' where it states one, otherwise kommunbidrag
    minus net cost (NaN when either is missing). Columns: År, Nettokostnad, Kommunbidrag, Resultat (tkr).
    """
    net, grant, result = series(df, NET_COST), series(df, GRANT), series(df, RESULT)
    years = sorted(set(net.index) | set(grant.index) | set(result.index))
    nan = float("nan")
    rows = []
    for y in years:
        n = -float(net[y]) if y in net.index else nan
        g = float(grant[y]) if y in grant.index else nan
        r = float(result[y]) if y in result.index else (g - n if pd.notna(g) and pd.notna(n) else nan)
        rows.append({"År": int(y), "Nettokostnad": n, "Kommunbidrag": g, "Resultat": r})
    return pd.DataFrame(rows, columns=["År", "Nettokostnad", "Kommunbidrag", "Resultat"])


def over_the_years_title(over: pd.DataFrame) -> str:
    """The finding of the over-the-years chart as a sentence: how the net cost moves and whether
    the grant covers it (the result)."""
    parts = []
    n = over.dropna(subset=["Nettokostnad"])
    if len(n) >= 2:
        a, b = n.iloc[0], n.iloc[-1]
        verb = (
            "ökar"
            if b["Nettokostnad"] > a["Nettokostnad"]
            else ("minskar" if b["Nettokostnad"] < a["Nettokostnad"] else "är oförändrad")
        )
        parts.append(
            f"Nettokostnaden {verb} från {fmt.mnkr(a['Nettokostnad'])} {int(a['År'])} till "
            f"{fmt.mnkr(b['Nettokostnad'])} {int(b['År'])}"
        )
    elif len(n) == 1:
        parts.append(f"Nettokostnaden är {fmt.mnkr(n.iloc[0]['Nettokostnad'])} {int(n.iloc[0]['År'])}")
    r = over["Resultat"].dropna()
    if len(r) and (r == 0).all():
        parts.append(
            "kommunbidraget är lika stort som nettokostnaden varje år, så resultatet är 0"
            if len(r) > 1
            else f"kommunbidraget är lika stort som nettokostnaden {int(over.loc[r.index[0], 'År'])}, så resultatet är 0"
        )
    elif len(r):
        parts.append(f"resultatet är mellan {fmt.mnkr(r.min(), sign=True)} och {fmt.mnkr(r.max(), sign=True)}")
    elif over["Kommunbidrag"].notna().any() and not len(n):
        g = over.dropna(subset=["Kommunbidrag"])
        parts.append(
            f"Kommunbidraget är {fmt.mnkr(g.iloc[0]['Kommunbidrag'])} {int(g.iloc[0]['År'])}"
            + (f" och {fmt.mnkr(g.iloc[-1]['Kommunbidrag'])} {int(g.iloc[-1]['År'])}" if len(g) > 1 else "")
        )
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def investment_title(leaves: pd.DataFrame, year_cols: list[str]) -> str:
    """The investment chart's finding: the total in the first and last year and the largest kind."""
    totals = leaves[year_cols].fillna(0).sum()
    first, last = year_cols[0], year_cols[-1]
    biggest = leaves.set_index(leaves.columns[0])[year_cols].fillna(0).sum(axis=1).idxmax()
    if totals[first] == totals[last]:
        head = f"Investeringarna är {fmt.tkr(totals[first])} varje år {first.split()[-1]}–{last.split()[-1]}"
    else:
        head = (
            f"Investeringarna är {fmt.tkr(totals[first])} {first.split()[-1]} och "
            f"{fmt.tkr(totals[last])} {last.split()[-1]}"
        )
    return f"{head}; mest {str(biggest).lower()}."


def bridge_title(steps: list, year: int) -> str:
    """The bridge's finding: how much the grant changes and its largest named part."""
    start = next(s for s in steps if s.kind == "start")
    end = next(s for s in steps if s.kind == "end")
    diff = end.amount_tkr - start.amount_tkr
    verb = "ökar" if diff > 0 else ("minskar" if diff < 0 else "är oförändrat")
    text = f"Kommunbidraget {verb}" + (f" med {fmt.tkr(abs(diff))}" if diff else "") + f" från {year - 1} till {year}"
    parts = [s for s in steps if s.kind not in ("start", "end") and s.amount_tkr]
    named = [s for s in parts if s.label != REMAINDER_LABEL]
    if named:
        top = max(named, key=lambda s: abs(s.amount_tkr))
        text += f", mest genom {top.label.lower()} ({fmt.tkr(top.amount_tkr, sign=True)})"
    return text + "."


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
                findings.append(
                    Finding(
                        f"Ökning av kommunbidraget {year}, mnkr",
                        float(t["belopp_mnkr"]),
                        delta / 1000,
                        "mnkr",
                        where,
                        1,
                    )
                )
                if pd.notna(t["procent"]):
                    findings.append(
                        Finding(
                            f"Ökning av kommunbidraget {year}, procent",
                            float(t["procent"]),
                            delta / prev * 100,
                            "%",
                            where,
                            1,
                        )
                    )
            elif not comps.empty:
                findings.append(
                    Finding(
                        f"Ökning av kommunbidraget {year}: summan av angivna delar mot tabellen, mnkr",
                        float(comps["belopp_mnkr"].sum()),
                        delta / 1000,
                        "mnkr",
                        where,
                        1,
                        len(comps),
                    )
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
                Finding(
                    f"Ökning {year}: summan av delarna mot angiven ökning, mnkr",
                    float(total.iloc[0]["belopp_mnkr"]),
                    float(comps["belopp_mnkr"].sum()),
                    "mnkr",
                    where,
                    1,
                )
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
    if on_model(ramar):
        stated = set(ramar["begrepp"])
        return [
            Issue(
                f"{org}/organisation.yml",
                0,
                f"begrepp.{CONCEPT_OF[name]}",
                "",
                f"en rad i tabellen {ramar['tabell'].iloc[0]} som betyder {name.lower()}, som kapitlet Budget "
                f"läser (t.ex. begrepp: {{{CONCEPT_OF[name]}: {{tabell: {ramar['tabell'].iloc[0]}, rad: 5}}}}); "
                f"utan den står '{NOT_STATED}' på sidan",
                severity="varning",
            )
            for name in NAMED_ROWS
            if CONCEPT_OF[name] not in stated
        ]
    posts = list(dict.fromkeys(ramar.sort_values("rad")["post"]))
    issues = []
    for name in NAMED_ROWS:
        if name in posts:
            continue
        key = name.split()[-1].lower()[:9]  # the stem: kommunbid, nettokost
        alike = [p for p in posts if key in p.lower()]
        row = int(ramar.index[ramar["post"] == alike[0]][0]) if alike else 0
        hint = f" (raden '{alike[0]}' liknar; byt namn på den om den avses)" if alike else ""
        issues.append(
            Issue(
                f"{org}/budget_ramar.csv",
                row,
                "post",
                alike[0] if alike else "",
                f"en rad med post '{name}', som kapitlet Budget läser{hint}; utan den står "
                f"'{NOT_STATED}' på sidan för {name.lower()}",
                severity="varning",
            )
        )
    return issues


CONSISTENCY_CHECKS = [named_row_warnings]
