"""Citations as values: the source register's rows turned into a reader's label, without reading a file.

The data layer reads ``data/kallor.csv`` (:mod:`rapportbok.data.sources`) and hands each organisation's
validated input its register rows (``datasets.load_org(...)["kallor"]``); analysis and chapters build their
citations from those rows with these functions, so the analysis never reads the register itself.
"""

from __future__ import annotations

import pandas as pd

KOLADA_SOURCE = "kolada"
# The key of an organisation's validated input that holds its rows of the register (datasets.load_org).
REGISTER = "kallor"
PREFIX = "Källa: "


def label(register: pd.DataFrame | None, source_id: str) -> str:
    """'Källa: Socialnämndens budget 2025–2027 (Socialnämnden 2024-12-10, ...)' for a row of the register
    (indexed by ``kalla``); the id itself when the register does not hold it."""
    if source_id == KOLADA_SOURCE:
        return PREFIX + "Kolada"
    if register is None or source_id not in register.index:
        return PREFIX + str(source_id)
    row = register.loc[source_id]
    extra = f" ({row['beslut']})" if row["beslut"] else ""
    return f"{PREFIX}{row['titel']}{extra}"


def cite(register: pd.DataFrame | None, df: pd.DataFrame) -> str:
    """The citation for rows with ``kalla`` and ``avsnitt`` columns: each document and section once."""
    parts = []
    for (kalla, avsnitt), _ in df.groupby(["kalla", "avsnitt"], sort=False):
        parts.append(f"{label(register, kalla)}, {avsnitt}")
    return "; ".join(dict.fromkeys(parts))


def where(register: pd.DataFrame | None, kalla: str, avsnitt: str) -> str:
    """'Socialnämndens budget 2025–2027 (…), Nämndens budget' (the label without 'Källa: ', then the section)."""
    return f"{label(register, kalla).removeprefix(PREFIX)}, {avsnitt}"
