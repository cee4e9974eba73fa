"""Boundary, tie and sign cases that a plausible bug would get wrong (issue #15, part 5).

Synthetic numbers only (SYNTETISKA), chosen so that the likely mistakes give another answer:
a percentage against a signed (negative, cost) base, materiality just below and exactly at the
thresholds, ties in a rank, and a zero budget.
"""

import math

import pandas as pd
import pytest

from rapportbok.analysis import budget, review
from rapportbok.analysis import budget_followup as followup
from rapportbok.data.budget_followup import Thresholds


def _ramar(rows):
    return pd.DataFrame([{"rad": r, "post": p, "summeras_i": None, "ar": y, "version": "Budget", "belopp_tkr": v,
                          "kalla": "x", "avsnitt": "x"} for r, p, y, v in rows])


def test_change_of_a_cost_is_against_the_unsigned_base():
    # A cost rising from −38 013 to −46 587 tkr: 8 574 tkr more cost, 22,6 % of the base.
    df = _ramar([(1, "Personalkostnader", 2024, -38013), (1, "Personalkostnader", 2025, -46587),
                 (2, "Intäkter", 2024, 1000), (2, "Intäkter", 2025, 1100),
                 (3, "Noll förra året", 2024, 0), (3, "Noll förra året", 2025, 50)])
    t = budget.change(df, 2025).set_index("Belopp i tkr")
    assert t.loc["Personalkostnader", "Förändring, tkr"] == -8574
    assert t.loc["Personalkostnader", "Förändring, %"] == pytest.approx(-8574 / 38013 * 100)  # −22,6, not +22,6
    assert t.loc["Intäkter", "Förändring, %"] == pytest.approx(10.0)
    assert math.isnan(t.loc["Noll förra året", "Förändring, %"])  # no per cent against 0
    assert budget.change(df, 2024) is None  # no year before


def test_per_cent_of_a_negative_budget():
    assert followup.pct_of(-100, -1000) == pytest.approx(-10.0)  # 100 tkr worse than a cost budget of 1 000
    assert followup.pct_of(100, -1000) == pytest.approx(10.0)
    assert math.isnan(followup.pct_of(5, 0)) and math.isnan(followup.pct_of(None, 5))
    assert followup.share_of_budget_pct(-400, -1200) == pytest.approx(100 / 3)


@pytest.mark.parametrize(("tkr", "pct", "any_", "both"), [
    (500.0, 0.1, True, False),     # exactly at the tkr threshold counts
    (-500.0, 0.1, True, False),    # sign does not matter
    (499.99, 1.99, False, False),  # just below both
    (10.0, 2.0, True, False),      # exactly at the per cent threshold counts
    (10.0, -2.0, True, False),
    (500.0, 2.0, True, True),      # both reached
    (499.99, 2.0, True, False),
    (600.0, float("nan"), True, True),   # budget 0: only the tkr threshold applies
    (400.0, float("nan"), False, False),
    (float("nan"), 50.0, False, False),  # no deviation, nothing material
])
def test_materiality_at_the_thresholds(tkr, pct, any_, both):
    assert Thresholds(500, 2, "någon").is_material(tkr, pct) is any_
    assert Thresholds(500, 2, "båda").is_material(tkr, pct) is both


def test_ties_in_a_rank_share_the_rank():
    values = pd.Series({"1489": 10.0, "1440": 10.0, "1401": 20.0, "1402": 5.0, "G2328": 99.0})
    low = review.rank(values, "1489", review.LOWER, expected=4)
    assert (low.n, low.rank_low, low.rank_best) == (4, 2, 2)  # 5 is lower; the two 10s share rank 2
    assert review.rank(values, "1440", review.LOWER, expected=4).rank_low == 2
    assert low.percentile == pytest.approx(75.0)  # 3 of 4 have a value <= 10
    high = review.rank(values, "1489", review.HIGHER, expected=4)
    assert high.rank_best == 2  # only 20 is higher
    assert review.rank(values, "1489", review.LOWER, expected=5) is None  # not every municipality has a value
