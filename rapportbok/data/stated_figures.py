"""Stated figures: single numbers a source document states in its text (uppgifter.csv)."""

from __future__ import annotations

import pandas as pd

from rapportbok.data.schema import Col, TableSpec

UPPGIFTER = TableSpec(
    "uppgifter.csv",
    "Uppgifter som källorna anger i text",
    (
        Col("id", doc="Kort unikt id"),
        Col("beskrivning"),
        Col("varde", "number"),
        Col("enhet"),
        Col("period", required=False),
        Col("avser", required=False),
        Col("kalla"),
        Col("avsnitt"),
        Col("citat", doc="Meningen ordagrant ur källan"),
    ),
    key=("id",),
)

DATASETS = {"uppgifter": (UPPGIFTER, None)}


def get(df: pd.DataFrame | None, ident: str) -> pd.Series | None:
    if df is None:
        return None
    rows = df[df["id"] == ident]
    return None if rows.empty else rows.iloc[0]
