"""Budget och ekonomiska ramar: the budget document's stated tables, in their own unit and precision.

The budget is a stated table of the kind ``budget`` (:mod:`rapportbok.data.stated_tables`): rows as the
source prints them, one column per year (budget or plan), in kr, tkr or mnkr with the printed decimals.
The rows the chapter reads by meaning are named per table in ``tabell_begrepp.csv`` (kommunbidrag or
ram, nettokostnad, resultat; the investment budget's total is ``investeringar``). Every figure is the
table's own (a :class:`~decimal.Decimal` in the table's unit); what the book computes (the change per
row, the bridge's remainder, a result as kommunbidrag minus net cost) is computed in that unit and shown
with the table's decimals, never more precisely than the source prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from rapportbok.analysis import stated_tables as rel
from rapportbok.analysis.reconcile import Finding
from rapportbok.core import fmt, units
from rapportbok.data import citation
from rapportbok.data import stated_tables as model
from rapportbok.data.stated_tables import StatedTable

NOT_STATED = "anges inte i källorna"

# The measures of a budget table's year columns, in the order a year's column is chosen (one per year).
YEAR_MEASURES = ("budget", "budget helår", "plan", "utfall helår", "prognos helår")
# What each concept is called in a reader's sentence.
CONCEPT_WORDS = {
    model.GRANT: "Kommunbidraget",
    model.RAM: "Ramen",
    model.NET_COST: "Verksamhetens nettokostnad",
    model.RESULT: "Årets resultat",
}

COMPONENT_LABELS = {
    "satsning": "Satsning",
    "index": "Index (pris)",
    "volym": "Volym",
    "övrigt": "Övrigt",
}
REMAINDER_LABEL = "Övrigt/avrundning"


# --- which tables ---------------------------------------------------------------------------------


def year_columns(t: StatedTable) -> dict[int, model.Column]:
    """One column per year that the chapter reads (the first with a budget, plan or full-year measure)."""
    out: dict[int, model.Column] = {}
    for measure in YEAR_MEASURES:
        for c in t.columns:
            if c.measure == measure and c.year not in out:
                out[c.year] = c
    return {y: out[y] for y in sorted(out)}


def other_columns(t: StatedTable) -> list[model.Column]:
    """The table's columns the chapter does not read as a year (a second column for a year, other measures)."""
    read = {c.id for c in year_columns(t).values()}
    return [c for c in t.columns if c.id not in read]


def _budget_tables(tables: list[StatedTable], year: int, investment: bool) -> list[StatedTable]:
    return [t for t in tables if t.kind == "budget" and t.is_investment == investment and int(year) in year_columns(t)]


def _names_a_concept(t: StatedTable) -> bool:
    return any(c in t.concepts for c in (model.GRANT, model.RAM, model.NET_COST, model.RESULT, model.TOTAL))


def budget_table(tables: list[StatedTable], year: int) -> StatedTable | None:
    """The operating budget the chapter reads for ``year``: a table of the kind budget with a column for the
    year that is not an investment budget; the latest by report date, and of those the first that names a
    concept in tabell_begrepp.csv (else the first in tabeller.csv)."""
    found = _budget_tables(tables, year, investment=False)
    if not found:
        return None
    latest = max(t.per for t in found)
    found = [t for t in found if t.per == latest]
    return next((t for t in found if _names_a_concept(t)), found[0])


def investment_table(tables: list[StatedTable], year: int) -> StatedTable | None:
    """The investment budget for ``year`` (a budget table whose total row means ``investeringar``), the latest."""
    found = _budget_tables(tables, year, investment=True)
    return max(found, key=lambda t: t.per) if found else None


def grant_concept(t: StatedTable) -> str:
    """The concept the table's kommunbidrag row is named by: kommunbidrag, or ram where only that is named."""
    return model.GRANT if model.GRANT in t.concepts or model.RAM not in t.concepts else model.RAM


def series(t: StatedTable, concept: str) -> dict[int, Decimal]:
    """The row meaning ``concept`` per year (only the years the table states a value for); {} without the row."""
    row = t.concept_row(concept)
    if row is None:
        return {}
    out = {}
    for y, c in year_columns(t).items():
        v = t.value(row, c.id)
        if v is not None:
            out[y] = v
    return out


def grant(t: StatedTable) -> dict[int, Decimal]:
    return series(t, grant_concept(t))


def missing_row_text(concept: str, table: StatedTable, year: int | None = None) -> str:
    """The reader's sentence for a concept the budget table does not state (for ``year``, or at all)."""
    what = CONCEPT_WORDS.get(concept, concept)
    when = f" för {year}" if year is not None else ""
    if table.concept_row(concept) is None:
        return f"{what} anges inte i källorna{when} (ingen rad i budgettabellen är utpekad som {concept})."
    return f"{what} anges inte i källorna{when}."


# --- the tables as the page shows them ------------------------------------------------------------


def amount_decimals(t: StatedTable) -> fmt.Number:
    return fmt.Number(t.decimals)


def first_column(t: StatedTable) -> str:
    """The heading of the rows' column: 'Belopp i tkr' (the budget documents' own heading)."""
    return f"Belopp i {t.unit}"


def _f(v) -> float:
    return float("nan") if v is None else float(v)


def wide(t: StatedTable, years: list[int] | None = None, rows: list[model.Row] | None = None) -> pd.DataFrame:
    """Rows as in the source and its columns headed as the source heads them ('Budget 2025'): every column,
    or with ``years`` the year columns of those years."""
    if years is None:
        columns = list(t.columns)
    else:
        by_year = year_columns(t)
        columns = [by_year[y] for y in years if y in by_year]
    rows = t.rows if rows is None else rows
    data = {first_column(t): [r.label for r in rows]}
    for c in columns:
        head = c.header if c.header not in data else f"{c.header} ({c.id})"
        data[head] = [_f(t.value(r.number, c.id)) for r in rows]
    if years is None and any(r.comment for r in rows):  # the source's comment to a row, wherever it is shown
        data["Kommentar"] = [r.comment for r in rows]
    return pd.DataFrame(data)


def bold_rows(t: StatedTable, rows: list[model.Row] | None = None) -> list[int]:
    """Positions of the rows the source states as sums (and headings), shown in bold."""
    rows = t.rows if rows is None else rows
    return [i for i, r in enumerate(rows) if r.role in (model.SUM, model.DIFF, model.HEADING) or t.children(r.number)]


def change(t: StatedTable, year: int) -> pd.DataFrame | None:
    """Each row for ``year`` against the year before, in the table's unit: the change and per cent (None
    without both years)."""
    cols = year_columns(t)
    if year not in cols or year - 1 not in cols:
        return None
    out = wide(t, [year - 1, year])
    prev, cur = out.columns[1], out.columns[2]
    out[f"Förändring, {t.unit}"] = out[cur] - out[prev]
    base = out[prev].abs()
    out["Förändring, %"] = (out[f"Förändring, {t.unit}"] / base.where(base != 0)) * 100
    return out


def over_the_years(t: StatedTable) -> pd.DataFrame:
    """Net cost (as a positive cost), kommunbidrag and result per year, for every year the table holds, in
    the table's unit.

    The result is the row meaning resultat where the table states it, otherwise kommunbidrag minus net
    cost (NaN when either is missing). Columns: År, Nettokostnad, Kommunbidrag, Resultat.
    """
    net, gr, res = series(t, model.NET_COST), grant(t), series(t, model.RESULT)
    years = sorted(set(net) | set(gr) | set(res))
    nan = float("nan")
    rows = []
    for y in years:
        n = -float(net[y]) if y in net else nan
        g = float(gr[y]) if y in gr else nan
        r = float(res[y]) if y in res else (g - n if pd.notna(g) and pd.notna(n) else nan)
        rows.append({"År": int(y), "Nettokostnad": n, "Kommunbidrag": g, "Resultat": r})
    return pd.DataFrame(rows, columns=["År", "Nettokostnad", "Kommunbidrag", "Resultat"])


def _tkr(v, unit: str) -> float:
    return float(v) * units.factor(unit)


def over_the_years_title(over: pd.DataFrame, unit: str = "tkr") -> str:
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
            f"Nettokostnaden {verb} från {fmt.mnkr(_tkr(a['Nettokostnad'], unit))} {int(a['År'])} till "
            f"{fmt.mnkr(_tkr(b['Nettokostnad'], unit))} {int(b['År'])}"
        )
    elif len(n) == 1:
        parts.append(f"Nettokostnaden är {fmt.mnkr(_tkr(n.iloc[0]['Nettokostnad'], unit))} {int(n.iloc[0]['År'])}")
    r = over["Resultat"].dropna()
    if len(r) and (r == 0).all():
        parts.append(
            "kommunbidraget är lika stort som nettokostnaden varje år, så resultatet är 0"
            if len(r) > 1
            else f"kommunbidraget är lika stort som nettokostnaden {int(over.loc[r.index[0], 'År'])}, så resultatet är 0"
        )
    elif len(r):
        parts.append(
            f"resultatet är mellan {fmt.mnkr(_tkr(r.min(), unit), sign=True)} och "
            f"{fmt.mnkr(_tkr(r.max(), unit), sign=True)}"
        )
    elif over["Kommunbidrag"].notna().any() and not len(n):
        g = over.dropna(subset=["Kommunbidrag"])
        parts.append(
            f"Kommunbidraget är {fmt.mnkr(_tkr(g.iloc[0]['Kommunbidrag'], unit))} {int(g.iloc[0]['År'])}"
            + (f" och {fmt.mnkr(_tkr(g.iloc[-1]['Kommunbidrag'], unit))} {int(g.iloc[-1]['År'])}" if len(g) > 1 else "")
        )
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def investment_title(leaves: pd.DataFrame, year_cols: list[str], unit: str = "tkr", decimals: int = 0) -> str:
    """The investment chart's finding: the total in the first and last year and the largest kind."""
    totals = leaves[year_cols].fillna(0).sum()
    first, last = year_cols[0], year_cols[-1]
    biggest = leaves.set_index(leaves.columns[0])[year_cols].fillna(0).sum(axis=1).idxmax()

    def amount(v):
        return fmt.unit(v, unit, decimals)

    if totals[first] == totals[last]:
        head = f"Investeringarna är {amount(totals[first])} varje år {first.split()[-1]}–{last.split()[-1]}"
    else:
        head = (
            f"Investeringarna är {amount(totals[first])} {first.split()[-1]} och "
            f"{amount(totals[last])} {last.split()[-1]}"
        )
    return f"{head}; mest {str(biggest).lower()}."


# --- the bridge from last year's kommunbidrag -------------------------------------------------------


@dataclass(frozen=True)
class Step:
    label: str
    amount: float  # in the budget table's unit
    kind: str  # "start", "component", "remainder", "end"


def grant_bridge(t: StatedTable, kb: pd.DataFrame | None, year: int) -> list[Step] | None:
    """From last year's kommunbidrag to this year's, in the table's unit: the stated components, and what
    remains.

    The components are the amounts the budget text states (mnkr, converted to the table's unit); the
    remainder is the table's change minus their sum, shown honestly as 'Övrigt/avrundning'.
    """
    g = grant(t)
    if year not in g or year - 1 not in g:
        return None
    per_mnkr = Decimal(str(units.factor("mnkr"))) / Decimal(str(units.factor(t.unit)))
    start, end = g[year - 1], g[year]
    steps = [Step(f"Kommunbidrag {year - 1}", float(start), "start")]
    parts = kb[(kb["ar"] == year) & (kb["komponent"] != "total")] if kb is not None else None
    total = Decimal(0)
    if parts is not None:
        for _, row in parts.iterrows():
            amount = Decimal(str(row["belopp_mnkr"])) * per_mnkr
            total += amount
            steps.append(Step(COMPONENT_LABELS[row["komponent"]], float(amount), "component"))
    steps.append(Step(REMAINDER_LABEL, float(end - start - total), "remainder"))
    steps.append(Step(f"Kommunbidrag {year}", float(end), "end"))
    return steps


def bridge_table(steps: list[Step], unit: str = "tkr") -> pd.DataFrame:
    return pd.DataFrame({"Post": [s.label for s in steps], f"Belopp, {unit}": [s.amount for s in steps]})


def bridge_title(steps: list[Step], year: int, unit: str = "tkr", decimals: int = 0) -> str:
    """The bridge's finding: how much the grant changes and its largest named part."""
    start = next(s for s in steps if s.kind == "start")
    end = next(s for s in steps if s.kind == "end")
    diff = end.amount - start.amount
    verb = "ökar" if diff > 0 else ("minskar" if diff < 0 else "är oförändrat")
    text = (
        f"Kommunbidraget {verb}"
        + (f" med {fmt.unit(abs(diff), unit, decimals)}" if diff else "")
        + f" från {year - 1} till {year}"
    )
    parts = [s for s in steps if s.kind not in ("start", "end") and s.amount]
    named = [s for s in parts if s.label != REMAINDER_LABEL]
    if named:
        top = max(named, key=lambda s: abs(s.amount))
        text += f", mest genom {top.label.lower()} ({fmt.unit(top.amount, unit, decimals, sign=True)})"
    return text + "."


# --- Avstämning -----------------------------------------------------------------------------------


def grant_checks(t: StatedTable, kb: pd.DataFrame | None, register: pd.DataFrame | None = None) -> list[Finding]:
    """The kommunbidrag figures stated in the text (mnkr) against the budget table's kommunbidrag row."""
    if kb is None:
        return []
    g = grant(t)
    to_mnkr = units.factor(t.unit) / units.factor("mnkr")
    findings = []
    for year, part in kb.groupby("ar", sort=True):
        where = citation.cite(register, part.iloc[:1])
        comps = part[part["komponent"] != "total"]
        total = part[part["komponent"] == "total"]
        if year in g and year - 1 in g:
            delta = float(g[year] - g[year - 1])
            prev = float(g[year - 1])
            if not total.empty:
                tot = total.iloc[0]
                findings.append(
                    Finding(
                        f"Ökning av kommunbidraget {year}, mnkr",
                        float(tot["belopp_mnkr"]),
                        delta * to_mnkr,
                        "mnkr",
                        where,
                        1,
                    )
                )
                if pd.notna(tot["procent"]):
                    findings.append(
                        Finding(
                            f"Ökning av kommunbidraget {year}, procent",
                            float(tot["procent"]),
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
                        delta * to_mnkr,
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
                        float(c["procent"]) / 100 * prev * to_mnkr,
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


def all_checks(
    budget_t: StatedTable | None,
    investment_t: StatedTable | None,
    kb: pd.DataFrame | None,
    register: pd.DataFrame | None = None,
) -> list[Finding]:
    """The budget's Avstämning: every sum and computation of the budget tables (the stated tables' one rule,
    rapportbok.analysis.stated_tables), and the text's kommunbidrag figures against the table."""
    findings: list[Finding] = []
    for t in (budget_t, investment_t):
        if t is not None:
            findings += [c.finding for c in rel.sum_checks(t) + rel.column_checks(t)]
    if budget_t is not None:
        findings += grant_checks(budget_t, kb, register)
    return findings


def concept_warnings(tables: list[StatedTable], org: str) -> list:
    """A warning for a budget table that names neither its kommunbidrag (or ram) nor its net cost: the budget
    chapter then says 'anges inte i källorna' for them (tabell_begrepp.csv names the rows)."""
    from rapportbok.data.schema import Issue

    out = []
    for t in tables:
        if t.kind != "budget" or t.is_investment:
            continue
        for concept in (model.GRANT, model.NET_COST):
            if concept == model.GRANT and model.RAM in t.concepts:
                continue
            if concept in t.concepts:
                continue
            alike = [r for r in t.rows if concept[:9] in r.label.lower()]
            hint = f" (raden {alike[0].number}, '{alike[0].label}', liknar)" if alike else ""
            out.append(
                Issue(
                    f"{org}/{model.ROW_CONCEPTS.filename}",
                    0,
                    "begrepp",
                    "",
                    f"en rad för tabellen {t.id} med begrepp {concept}{hint}, t.ex. "
                    f"{t.id},{alike[0].number if alike else 5},{concept}; utan den står '{NOT_STATED}' i kapitlet "
                    "Budget",
                    severity="varning",
                )
            )
    return out
