"""The budget input files: ramar per kontogrupp, the investment budget and the stated changes of the kommunbidrag.

Tables are stored long, one row per post and year, exactly as the source states them,
subtotals included; ``summeras_i`` names the row each row sums into. What the book computes
from them is :mod:`rapportbok.analysis.budget`.
"""

from __future__ import annotations

import pandas as pd

from rapportbok.data.schema import Col, Issue, TableSpec

_TABLE_COLS = (
    Col("rad", "int", sign="+", doc="Radens ordning i källans tabell"),
    Col("post", doc="Radens namn som i källan"),
    Col("summeras_i", required=False, doc="Posten som raden summeras i (tom för slutsumman)"),
    Col("ar", "year"),
    Col("version", "choice", choices=("Budget", "Plan", "Utfall", "Prognos")),
    Col("belopp_tkr", "number", doc="Belopp i tkr, tecken som i källan"),
    Col("kalla"),
    Col("avsnitt"),
)


RAMAR = TableSpec("budget_ramar.csv", "Ekonomiska ramar per kontogrupp", _TABLE_COLS, key=("rad", "ar"))


INVESTERINGAR = TableSpec("investeringar.csv", "Investeringsbudget", _TABLE_COLS, key=("rad", "ar"))


KB_FORANDRING = TableSpec(
    "kommunbidrag_forandring.csv",
    "Förändring av kommunbidraget enligt budgettexten",
    (
        Col("ar", "year"),
        Col("komponent", "choice", choices=("total", "satsning", "index", "volym", "övrigt")),
        Col("belopp_mnkr", "number"),
        Col("procent", "number", required=False),
        Col("kalla"),
        Col("avsnitt"),
        Col("citat"),
    ),
    key=("ar", "komponent"),
)


DATASETS = {
    "ramar": (RAMAR, lambda df, spec, label: tree_issues(df, spec, label)),
    "investeringar": (INVESTERINGAR, lambda df, spec, label: tree_issues(df, spec, label)),
    "kommunbidrag": (KB_FORANDRING, None),
}


def tree_issues(df: pd.DataFrame, spec: TableSpec, label: str) -> list[Issue]:
    """Structure checks beyond the cell level: parents exist, one name and parent per row number."""
    issues = []
    names = set(df["post"])
    for idx, row in df.iterrows():
        if row["summeras_i"] and row["summeras_i"] not in names:
            issues.append(Issue(label, int(idx), "summeras_i", row["summeras_i"], "namnet på en post i samma fil"))
    for rad, part in df.groupby("rad"):
        for col in ("post", "summeras_i"):
            values = part[col].fillna("")
            usual = values.mode().iloc[0]
            for idx, value in values[values != usual].items():
                issues.append(Issue(label, int(idx), col, value, f"'{usual}' som på rad {rad} de andra åren (samma post och summeras_i alla år)"))
    return issues
