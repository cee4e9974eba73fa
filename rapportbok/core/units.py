"""Money units: kronor, tusen kronor (tkr) and miljoner kronor (mnkr).

Sources state amounts in any of the three; the data files keep the unit as stated and every
computation converts to tkr here. Two forms, for the two kinds of caller: :func:`to_tkr`
for single values (``None`` when the value is missing) and :func:`to_tkr_or_nan` for
table columns, where a missing value stays NaN.
"""

from __future__ import annotations

import math

TO_TKR = {"kr": 0.001, "tkr": 1.0, "mnkr": 1000.0}
UNITS = tuple(TO_TKR)


def _missing(value) -> bool:
    if value is None or type(value).__name__ == "NAType":
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def factor(unit: str) -> float:
    """How many tkr one unit is: kr 0,001, tkr 1, mnkr 1 000. KeyError for an unknown unit."""
    return TO_TKR[unit]


def to_tkr(value, unit: str) -> float | None:
    """An amount in ``unit`` as tkr; ``None`` when the amount is missing."""
    if _missing(value):
        return None
    return round(float(value) * TO_TKR[unit], 6)


def to_tkr_or_nan(value, unit: str) -> float:
    """As :func:`to_tkr`, with NaN for a missing amount (for table columns)."""
    converted = to_tkr(value, unit)
    return float("nan") if converted is None else converted


def unit_factor(text) -> float | None:
    """The factor of a unit phrase: 'tkr per dygn' 1, 'mnkr per år' 1 000, 'kr per månad' 0,001; None if unknown."""
    if text is None or _missing(text) or not str(text).strip():
        return None
    return TO_TKR.get(str(text).strip().split()[0].lower())
