"""Stated figures: single numbers a source document states in its text (uppgifter.csv)."""

from __future__ import annotations

import pandas as pd

from rapportbok.data.schema import Col, TableSpec

UPPGIFTER = TableSpec(
    "uppgifter.csv",
    "Uppgifter som källorna anger i text",
    (
        Col("id", doc="Kort unikt id"),
        Col("beskrivning", doc="Vad talet är, med källans ord"),
        Col("varde", "number", doc="Talet som i källan, med tecken (ett underskott negativt som i källan)"),
        Col("enhet", doc="Talets enhet som i källan, t.ex. mnkr, tkr eller procent"),
        Col("period", required=False, doc="Perioden talet gäller, t.ex. 2023"),
        Col("avser", required=False, doc="Vem eller vad talet gäller, t.ex. nämnden eller en verksamhet"),
        Col("kalla"),
        Col("avsnitt"),
        Col("citat", doc="Meningen ordagrant ur källan"),
    ),
    key=("id",),
    doc="Enstaka tal som källorna anger i löptext, t.ex. ett underskott i bokslutet, en rad per uppgift.",
)

DATASETS = {"uppgifter": (UPPGIFTER, None)}


def get(df: pd.DataFrame | None, ident: str) -> pd.Series | None:
    if df is None:
        return None
    rows = df[df["id"] == ident]
    return None if rows.empty else rows.iloc[0]
