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
        Col("rad", "int", sign="+", minimum=1, doc="Radens nummer i källans tabell"),
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
        Col("rad", "int", sign="+", minimum=1, doc="Radens nummer i källans tabell"),
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


def scale_levels(scales: pd.DataFrame | None) -> dict[str, list[int]]:
    """The levels of each scale (Sannolikhet, Väsentlighet) as riskskalor.csv states them; 1–4 for a scale it
    does not state (the levels the book accepts)."""
    out = {LIKELIHOOD: list(LEVELS), MATERIALITY: list(LEVELS)}
    if scales is not None and not scales.empty:
        for name in out:
            stated = sorted(int(v) for v in scales.loc[scales["skala"] == name, "niva"])
            if stated:
                out[name] = stated
    return out


def highest_value(scales: pd.DataFrame | None) -> int | None:
    """The highest risk value the source's scales allow (highest sannolikhet × highest väsentlighet), or None
    when riskskalor.csv does not state both scales (then the book does not know the source's highest value)."""
    if scales is None or scales.empty or set(scales["skala"]) != {LIKELIHOOD, MATERIALITY}:
        return None
    levels = scale_levels(scales)
    return max(levels[LIKELIHOOD]) * max(levels[MATERIALITY])


def cross_check(data: dict, org: str) -> list[Issue]:
    """The levels of the register are levels of the scales in riskskalor.csv, and no stated risk value (register or
    internal control plan) exceeds the highest the scales allow: a risk value of 99 on a 4 × 3 scale is a typing
    error, not a figure the book can show."""
    scales = data.get("riskskalor")
    levels = scale_levels(scales)
    top = max(levels[LIKELIHOOD]) * max(levels[MATERIALITY])
    where = f"(högsta sannolikhet {max(levels[LIKELIHOOD])} × högsta väsentlighet {max(levels[MATERIALITY])}"
    where += " i riskskalor.csv)" if highest_value(scales) is not None else ", nivåerna 1–4)"
    issues = []
    reg = data.get("risker")
    if reg is not None and scales is not None and not scales.empty:
        for col, name in (("sannolikhet", LIKELIHOOD), ("vasentlighet", MATERIALITY)):
            allowed = levels[name]
            for idx, v in reg[col].items():
                if not pd.isna(v) and int(v) not in allowed:
                    issues.append(
                        Issue(
                            f"{org}/{RISKER.filename}",
                            int(idx),
                            col,
                            str(int(v)),
                            f"en nivå på skalan {name} i riskskalor.csv: " + ", ".join(map(str, allowed)),
                        )
                    )
    for key, spec in (("risker", RISKER), ("internkontroll", INTERNKONTROLL)):
        df = data.get(key)
        if df is None:
            continue
        for idx, v in df["riskvarde"].items():
            if not pd.isna(v) and int(v) > top:
                issues.append(
                    Issue(
                        f"{org}/{spec.filename}",
                        int(idx),
                        "riskvarde",
                        str(int(v)),
                        f"ett riskvärde från 1 till {top} {where}",
                    )
                )
    return issues


CROSS_CHECKS = [cross_check]
