"""Report periods: tertial ends, month ends and the share of the year elapsed.

A Swedish municipality follows up its budget per month, per tertial (30 April, 31 August,
31 December) and at year end; the delårsrapport is per 31 August. Every date rule of the
book lives here, so that a page, a check and the Excel template agree on what "tertial 2"
means.
"""

from __future__ import annotations

import calendar
import datetime as dt

from rapportbok.core import fmt

TERTIALS = (1, 2, 3)
# Month and day on which each tertial ends.
TERTIAL_END = {1: (4, 30), 2: (8, 31), 3: (12, 31)}
# The reader's words for a tertial: a label for tables and the phrases pages use.
TERTIAL_LABEL = {1: "Tertial 1", 2: "Tertial 2", 3: "Helår"}
TERTIAL_NAME = {1: "tertial 1", 2: "tertial 2", 3: "helår (tertial 3)"}
TERTIAL_TEXT = {1: "tertial 1 (januari–april)", 2: "tertial 2 (januari–augusti)", 3: "helår (tertial 3)"}


def tertial_end(year: int, tertial: int) -> dt.date:
    """The last day of a tertial: 30 April, 31 August or 31 December of ``year``."""
    month, day = TERTIAL_END[int(tertial)]
    return dt.date(int(year), month, day)


def month_end(year: int, month: int) -> dt.date:
    """The last day of a month (29 February in a leap year)."""
    return dt.date(int(year), int(month), calendar.monthrange(int(year), int(month))[1])


def year_share_pct(period) -> float:
    """Share of the year elapsed at a tertial's end (4/12, 8/12, 12/12) or at a report date
    (months / 12), in per cent."""
    if isinstance(period, dt.date):
        return share_pct(period)
    return int(period) * 4 / 12 * 100


# --- any report date ---------------------------------------------------------------------------
# A report is made up to a date: a month end (månadsrapport), a tertial end (tertialrapport), 31
# August (delårsrapport) or 31 December (bokslut). The date names the period; the share of the
# year elapsed is the number of whole months up to it. A tertial is only a name for some dates.


def is_month_end(d: dt.date) -> bool:
    return d == month_end(d.year, d.month)


def tertial_of(d: dt.date) -> int | None:
    """The tertial that ends on ``d`` (1, 2 or 3), or None when ``d`` is not a tertial end."""
    for t in TERTIALS:
        if d == tertial_end(d.year, t):
            return t
    return None


def tertial_containing(d: dt.date) -> int:
    """The tertial a date falls in: January–April 1, May–August 2, September–December 3."""
    return (d.month - 1) // 4 + 1


def report_end(year: int, period) -> dt.date:
    """The report date of ``period`` in ``year``: a date as given, or a tertial's end."""
    if isinstance(period, dt.date):
        return period
    return tertial_end(year, int(period))


def months_elapsed(d: dt.date) -> int:
    """Whole months of the year up to a month end: 10 for 31 October."""
    return d.month


def share_pct(d: dt.date) -> float:
    """Share of the year elapsed at a report date, in per cent: months / 12 (31 October: 83,3 %)."""
    return months_elapsed(d) / 12 * 100


def period_text(d: dt.date) -> str:
    """The reader's name for a report period: 'tertial 1 2025 (t.o.m. 30 april 2025)',
    'helåret 2025', or by its date, 'perioden t.o.m. 31 oktober 2025'."""
    t = tertial_of(d)
    if t == 3:
        return f"helåret {d.year}"
    if t is not None:
        return f"tertial {t} {d.year} (t.o.m. {fmt.date(d)})"
    return f"perioden t.o.m. {fmt.date(d)}"


def period_short(d: dt.date) -> str:
    """A short period name without the year: 'tertial 2', 'helår', '31 oktober'."""
    t = tertial_of(d)
    if t == 3:
        return "helår"
    if t is not None:
        return f"tertial {t}"
    return fmt.date(d).rsplit(" ", 1)[0]


def period_label(d: dt.date) -> str:
    """A column or axis label for a period: 'T1 (30 april)', 'T2 (31 augusti)', 'Helår', '31 oktober'."""
    t = tertial_of(d)
    day = fmt.date(d).rsplit(" ", 1)[0]
    if t == 3:
        return "Helår"
    return f"T{t} ({day})" if t else day


def report_text(d: dt.date) -> str:
    """A report's period for the year page and the PDF: 'tertial 2 (januari–augusti)', 'helår (tertial 3)',
    or 'januari–oktober (t.o.m. 31 oktober 2025)'."""
    t = tertial_of(d)
    if t is not None:
        return TERTIAL_TEXT[t]
    return f"januari–{fmt.month_name(d.month)} (t.o.m. {fmt.date(d)})"
