"""Swedish number, unit and date formatting: the one helper for tables, charts and text.

Everything a reader sees goes through here: ``1 234`` and ``1 234,5`` with a non-breaking
space as thousands separator, a decimal comma and the real minus sign (U+2212); units
``tkr``, ``mnkr`` and ``%``; Swedish month names. Rounding is half away from zero, as in
Excel and municipal reports (Babel's default would round half to even).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from babel.dates import format_date
from babel.numbers import format_decimal

LOCALE = "sv_SE"
MINUS = "\u2212"
NBSP = "\u00a0"
MISSING = "–"  # shown where a figure is not stated


def is_missing(x) -> bool:
    if x is None or type(x).__name__ == "NAType":  # pandas.NA: float() refuses it
        return True
    try:
        return math.isnan(float(x))
    except (TypeError, ValueError):
        return False


def number(x, decimals: int = 0, sign: bool = False) -> str:
    """``1234.5`` -> ``'1 234,5'`` (decimals=1); ``sign=True`` adds ``+`` to positive values."""
    if is_missing(x):
        return MISSING
    d = rounded(x, decimals)
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    text = format_decimal(d, format=pattern, locale=LOCALE, decimal_quantization=True)
    text = text.replace("-", MINUS).replace("\u202f", NBSP).replace(" ", NBSP)
    if sign and d > 0:
        text = "+" + text
    return text


def rounded(x, decimals: int = 0) -> Decimal:
    """``x`` rounded half away from zero to ``decimals`` places, as every shown number is (never −0)."""
    q = Decimal(1).scaleb(-decimals)
    d = Decimal(str(float(x))).quantize(q, rounding=ROUND_HALF_UP)
    return abs(d) if d == 0 else d


@dataclass(frozen=True)
class Number:
    """A declared number format for a table column: how the page shows it and what a download holds.

    Calling it gives the page's text (``Number(1, unit="%")(4.56)`` -> ``'4,6 %'``); ``value``
    gives the same number, rounded the same way, for CSV and Excel (``4.6``). ``fraction_decimals``
    shows whole numbers without decimals and other values with that many (``1 000`` and ``2,25``).
    Only columns declared with a ``Number`` are numbers in the downloads; every other column is
    text exactly as shown (a kommun code ``0180`` or a text "mer än 4" stays text).
    """

    decimals: int = 0
    sign: bool = False
    unit: str | None = None
    fraction_decimals: int | None = None

    def decimals_for(self, x) -> int:
        if self.fraction_decimals is not None and abs(float(x) - round(float(x))) >= 1e-9:
            return self.fraction_decimals
        return self.decimals

    def value(self, x) -> float:
        """The number as shown, as a float (rounded half away from zero)."""
        return float(rounded(x, self.decimals_for(x)))

    def __call__(self, x) -> str:
        if is_missing(x):
            return MISSING
        text = number(x, self.decimals_for(x), self.sign)
        return f"{text}{NBSP}{self.unit}" if self.unit else text


def tkr(x, decimals: int = 0, sign: bool = False) -> str:
    """An amount in tkr: ``'1 234 tkr'``."""
    if is_missing(x):
        return MISSING
    return f"{number(x, decimals, sign)}{NBSP}tkr"


def mnkr(x_tkr, decimals: int = 1, sign: bool = False) -> str:
    """An amount given in tkr, shown in mnkr: ``256303`` -> ``'256,3 mnkr'``."""
    if is_missing(x_tkr):
        return MISSING
    return f"{number(float(x_tkr) / 1000, decimals, sign)}{NBSP}mnkr"


def pct(x, decimals: int = 1, sign: bool = False) -> str:
    """A percentage given in per cent units: ``4.578`` -> ``'4,6 %'``."""
    if is_missing(x):
        return MISSING
    return f"{number(x, decimals, sign)}{NBSP}%"


def unit(x, unit_name: str, decimals: int = 0, sign: bool = False) -> str:
    if is_missing(x):
        return MISSING
    return f"{number(x, decimals, sign)}{NBSP}{unit_name}"


def date(d: dt.date | str) -> str:
    """``2018-07-31`` -> ``'31 juli 2018'``."""
    if isinstance(d, str):
        d = dt.date.fromisoformat(d)
    return format_date(d, "d MMMM y", locale=LOCALE)


def month_name(month: int) -> str:
    return format_date(dt.date(2000, month, 1), "MMMM", locale=LOCALE)


def axis_formatter(decimals: int = 0, suffix: str = ""):
    """A matplotlib tick formatter over :func:`number`, so charts match the tables."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: number(v, decimals) + (NBSP + suffix if suffix else ""))
