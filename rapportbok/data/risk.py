"""The risk input files: the risk and materiality analysis, the internal control plan and their scales.

Levels are whole numbers from 1 to 4 on both scales. What the book recomputes and checks is
:mod:`rapportbok.analysis.risk`.
"""

from __future__ import annotations

import pandas as pd

from rapportbok.data.schema import Col, Issue, TableSpec

LEVELS = (1, 2, 3, 4)


LIKELIHOOD, MATERIALITY = "Sannolikhet", "Väsentlighet"


RISKER = TableSpec(
    "risker.csv",
    "Risk- och väsentlighetsanalys",
    (
        Col("rad", "int", sign="+", doc="Radens nummer i källans tabell"),
        Col("risk", doc="Riskens namn som i källan"),
        Col("riskbeskrivning", doc="Riskens beskrivning som i källan"),
        Col("sannolikhet", "int", doc="Nivå 1–4 enligt skalan Sannolikhet"),
        Col("vasentlighet", "int", doc="Nivå 1–4 enligt skalan Väsentlighet"),
        Col("riskvarde", "int", sign="+", doc="Riskvärdet som källan anger"),
        Col("hantering", doc="Hur risken hanteras enligt källan"),
        Col("kalla"),
        Col("avsnitt"),
    ),
    key=("rad",),
    doc="Risk- och väsentlighetsanalysen, en rad per risk i källans ordning.",
)


INTERNKONTROLL = TableSpec(
    "internkontroll.csv",
    "Internkontrollplan",
    (
        Col("rad", "int", sign="+", doc="Radens nummer i källans tabell"),
        Col("risk", doc="Riskens namn som i källan"),
        Col("riskbeskrivning", doc="Riskens beskrivning som i källan"),
        Col("riskvarde", "int", sign="+", doc="Riskvärdet som internkontrollplanen anger"),
        Col("metod", doc="Kontrollmetod"),
        Col("ansvarig", doc="Vem som är ansvarig för kontrollen enligt källan"),
        Col("kalla"),
        Col("avsnitt"),
    ),
    key=("rad",),
    doc="Internkontrollplanen, en rad per kontroll i källans ordning.",
)


RISKSKALOR = TableSpec(
    "riskskalor.csv",
    "Skalor för sannolikhet och väsentlighet",
    (
        Col("skala", "choice", choices=(LIKELIHOOD, MATERIALITY), doc="Vilken skala: Sannolikhet eller Väsentlighet"),
        Col("niva", "int", doc="Nivå 1–4"),
        Col("namn", doc="Nivåns namn som i källan, t.ex. Möjlig"),
        Col("beskrivning", doc="Nivåns beskrivning som i källan"),
        Col("kalla"),
        Col("avsnitt"),
    ),
    key=("skala", "niva"),
    doc="Skalorna för sannolikhet och väsentlighet som risk- och väsentlighetsanalysen använder, en rad per nivå.",
)


LEVEL_EXPECTED = "ett heltal från 1 till 4 (nivåerna i skalan)"


def _level_issues(df: pd.DataFrame, columns: tuple[str, ...], label: str) -> list[Issue]:
    issues = []
    for idx, row in df.iterrows():
        for col in columns:
            v = row[col]
            if pd.isna(v) or int(v) not in LEVELS:
                issues.append(Issue(label, int(idx), col, "" if pd.isna(v) else str(int(v)), LEVEL_EXPECTED))
    return issues


def _risker_issues(df: pd.DataFrame, spec: TableSpec, label: str) -> list[Issue]:
    """Sannolikhet and väsentlighet are levels 1–4 of the source's scales."""
    return _level_issues(df, ("sannolikhet", "vasentlighet"), label)


def _skalor_issues(df: pd.DataFrame, spec: TableSpec, label: str) -> list[Issue]:
    return _level_issues(df, ("niva",), label)


DATASETS = {
    "risker": (RISKER, _risker_issues),
    "internkontroll": (INTERNKONTROLL, None),
    "riskskalor": (RISKSKALOR, _skalor_issues),
}
