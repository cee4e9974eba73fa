"""Report periods: tertial ends, month ends and the share of the year elapsed.

A Swedish municipality follows up its budget per month, per tertial (30 April, 31 August,
31 December) and at year end; the delårsrapport is per 31 August. Every date rule of the
book lives here, so that a page, a check and the Excel template agree on what "tertial 2"
means.
"""

from __future__ import annotations

import calendar
import datetime as dt

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


def year_share_pct(tertial: int) -> float:
    """Share of the year elapsed at a tertial's end: 4/12, 8/12, 12/12, in per cent."""
    return int(tertial) * 4 / 12 * 100
