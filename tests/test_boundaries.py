"""Boundary, tie and sign cases that a plausible bug would get wrong (issue #15, part 5).

Synthetic numbers only (SYNTETISKA), chosen so that the likely mistakes give another answer:
a percentage against a signed (negative, cost) base, materiality just below and exactly at the
thresholds, ties in a rank, and a zero budget.
"""

import datetime as dt
import math
from decimal import Decimal

import pandas as pd
import pytest

from rapportbok.analysis import budget, review
from rapportbok.analysis import budget_followup as followup
from rapportbok.core import fmt, periods, units
from rapportbok.data import stated_tables as model
from rapportbok.data.thresholds import Thresholds

GRANT, NET_COST = "Kommunbidrag", "Verksamhetens nettokostnader"


def _ramar(rows) -> model.StatedTable:
    """A SYNTETISK budget table in tkr: (row, text, year, amount); the rows named Kommunbidrag and
    Verksamhetens nettokostnader mean what they say (tabell_begrepp.csv)."""
    t = model.StatedTable("syntetisk", "Budget (SYNTETISK)", "budget", dt.date(2029, 11, 1), "tkr", 0, "x", "x")
    for y in sorted({y for _, _, y, _ in rows}):
        t.columns.append(model.Column(f"b{y}", "budget", y, f"Budget {y}"))
    for r, label, y, v in rows:
        if all(row.number != r for row in t.rows):
            t.rows.append(model.Row(r, label, None, "post"))
        t.values[(r, f"b{y}")] = Decimal(str(v))
        if label == GRANT:
            t.concepts[model.GRANT] = r
        if label == NET_COST:
            t.concepts[model.NET_COST] = r
    t.rows.sort(key=lambda row: row.number)
    return t


def test_change_of_a_cost_is_against_the_unsigned_base():
    # A cost rising from −38 013 to −46 587 tkr: 8 574 tkr more cost, 22,6 % of the base.
    df = _ramar(
        [
            (1, "Personalkostnader", 2024, -38013),
            (1, "Personalkostnader", 2025, -46587),
            (2, "Intäkter", 2024, 1000),
            (2, "Intäkter", 2025, 1100),
            (3, "Noll förra året", 2024, 0),
            (3, "Noll förra året", 2025, 50),
        ]
    )
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


@pytest.mark.parametrize(
    ("tkr", "pct", "any_", "both"),
    [
        (500.0, 0.1, True, False),  # exactly at the tkr threshold counts
        (-500.0, 0.1, True, False),  # sign does not matter
        (499.99, 1.99, False, False),  # just below both
        (10.0, 2.0, True, False),  # exactly at the per cent threshold counts
        (10.0, -2.0, True, False),
        (500.0, 2.0, True, True),  # both reached
        (499.99, 2.0, True, False),
        (600.0, float("nan"), True, True),  # budget 0: only the tkr threshold applies
        (400.0, float("nan"), False, False),
        (float("nan"), 50.0, False, False),  # no deviation, nothing material
    ],
)
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


# --- cases `make mutation` found untested (mutants that survived the first run) ----------------------------

NB = "\u00a0"


@pytest.mark.parametrize(
    ("day", "tertial"),
    [
        ((1, 1), 1),
        ((4, 30), 1),  # the first tertial ends on 30 April ...
        ((5, 1), 2),
        ((8, 31), 2),  # ... the second starts on 1 May and ends on 31 August
        ((9, 1), 3),
        ((12, 31), 3),
    ],
)
def test_tertial_containing_at_its_edges(day, tertial):
    assert periods.tertial_containing(dt.date(2030, *day)) == tertial


def test_short_period_names():
    assert periods.period_short(dt.date(2030, 4, 30)) == "tertial 1"
    assert periods.period_short(dt.date(2030, 8, 31)) == "tertial 2"
    assert periods.period_short(dt.date(2030, 12, 31)) == "helår"
    assert periods.period_short(dt.date(2030, 10, 31)) == "31 oktober"  # a month-end report: its day, no year
    assert periods.tertial_of(dt.date(2030, 5, 31)) is None


def test_month_end_in_a_leap_year():
    assert periods.month_end(2028, 2) == dt.date(2028, 2, 29) and periods.month_end(2030, 2) == dt.date(2030, 2, 28)
    assert periods.is_month_end(dt.date(2028, 2, 29)) and not periods.is_month_end(dt.date(2030, 2, 27))


def test_axis_labels_use_the_decimals_and_the_unit():
    assert fmt.axis_formatter()(1234.4, 0) == f"1{NB}234"  # 0 decimals by default
    assert fmt.axis_formatter(1, "mnkr")(-1234.56, 0) == f"\u22121{NB}234,6{NB}mnkr"
    assert fmt.axis_formatter(0, "%")(5, 0) == f"5{NB}%"


def test_unit_factor_reads_the_first_word_in_any_case():
    assert units.unit_factor("  MNKR per år ") == 1000 and units.unit_factor("Tkr") == 1
    assert units.unit_factor(None) is None and units.unit_factor(float("nan")) is None
    assert units.factor("kr") == 0.001


def test_a_missing_named_row_is_said_in_words():
    t = _ramar([(1, "Intäkter", 2030, 10)])
    assert budget.missing_row_text(model.GRANT, t, 2030) == (
        "Kommunbidraget anges inte i källorna för 2030 (ingen rad i budgettabellen är utpekad som kommunbidrag)."
    )
    assert budget.missing_row_text(model.NET_COST, t) == (
        "Verksamhetens nettokostnad anges inte i källorna (ingen rad i budgettabellen är utpekad som nettokostnad)."
    )
    named = _ramar([(1, GRANT, 2031, 10)])
    assert budget.missing_row_text(model.GRANT, named, 2030) == "Kommunbidraget anges inte i källorna för 2030."


def test_concept_warning_names_the_row_that_looks_alike():
    t = _ramar([(1, "Intäkter", 2030, 10), (2, "Kommunbidrag från KF", 2030, 100), (3, "Nettokostnad", 2030, -90)])
    issues = budget.concept_warnings([t], "syntetisk")
    assert [i.column for i in issues] == ["begrepp", "begrepp"]
    assert all(i.severity == "varning" and i.file == "syntetisk/tabell_begrepp.csv" for i in issues)
    assert "(raden 2, 'Kommunbidrag från KF', liknar), t.ex. syntetisk,2,kommunbidrag" in issues[0].message()
    assert "(raden 3, 'Nettokostnad', liknar), t.ex. syntetisk,3,nettokostnad" in issues[1].message()
    complete = _ramar([(1, GRANT, 2030, 100), (2, NET_COST, 2030, -100)])
    assert budget.concept_warnings([complete], "syntetisk") == []
    assert budget.concept_warnings([], "syntetisk") == []
    nothing_alike = budget.concept_warnings([_ramar([(1, "Intäkter", 2030, 10)])], "syntetisk")
    assert ["liknar" in i.message() for i in nothing_alike] == [False, False]
    ram = _ramar([(1, "Ram", 2030, 100), (2, NET_COST, 2030, -100)])
    ram.concepts[model.RAM] = 1
    assert budget.concept_warnings([ram], "syntetisk") == []  # a ram is the kommunbidrag under another word


def test_bridge_table_lists_every_step_in_order():
    steps = [
        budget.Step("Kommunbidrag 2029", 98000.0, "start"),
        budget.Step("Övrigt/avrundning", 2000.0, "remainder"),
        budget.Step("Kommunbidrag 2030", 100000.0, "end"),
    ]
    t = budget.bridge_table(steps)
    assert t.columns.tolist() == ["Post", "Belopp, tkr"]
    assert t.values.tolist() == [
        ["Kommunbidrag 2029", 98000.0],
        ["Övrigt/avrundning", 2000.0],
        ["Kommunbidrag 2030", 100000.0],
    ]


def _kb(rows):
    return pd.DataFrame(
        [
            {
                "ar": y,
                "komponent": k,
                "belopp_mnkr": m,
                "procent": p,
                "kalla": "x",
                "avsnitt": "x",
                "citat": "SYNTETISK",
            }
            for y, k, m, p in rows
        ]
    )


def test_grant_bridge_kinds_components_and_remainder():
    ramar = _ramar([(8, GRANT, 2029, 98000), (8, GRANT, 2030, 100000)])
    kb = _kb(
        [
            (2030, "total", 2.0, 2.0),
            (2030, "satsning", 0.7, None),
            (2030, "index", 1.1, None),
            (2029, "volym", 5.0, None),
        ]
    )  # another year's component is not this year's
    steps = budget.grant_bridge(ramar, kb, 2030)
    assert [(s.label, s.amount, s.kind) for s in steps] == [
        ("Kommunbidrag 2029", 98000.0, "start"),
        ("Satsning", 700.0, "component"),  # 0,7 mnkr = 700 tkr exactly
        ("Index (pris)", 1100.0, "component"),
        ("Övrigt/avrundning", 200.0, "remainder"),
        ("Kommunbidrag 2030", 100000.0, "end"),
    ]
    # Without kommunbidrag_forandring.csv the whole change is the remainder.
    alone = budget.grant_bridge(ramar, None, 2030)
    assert [(s.amount, s.kind) for s in alone] == [(98000.0, "start"), (2000.0, "remainder"), (100000.0, "end")]
    assert budget.grant_bridge(ramar, kb, 2029) is None  # no year before


def _words(text: str) -> str:
    return text.replace(NB, " ").replace("\u2212", "-")


@pytest.mark.parametrize(
    ("post", "prev", "cur", "expected"),
    [
        ("Personalkostnader", -1000, -1100, "Kostnaden ökar med 100 tkr (10,0 %)"),  # more negative = more cost
        ("Personalkostnader", -1100, -1000, "Kostnaden minskar med 100 tkr (9,1 %)"),  # against the unsigned base
        ("Verksamhetens nettokostnader", -1000, -900, "Nettokostnaden minskar med 100 tkr (10,0 %)"),
        ("Verksamhetens intäkter", 1000, 900, "Intäkterna minskar med 100 tkr (10,0 %)"),
        ("Kommunbidrag", 1000, 1200, "Kommunbidraget ökar med 200 tkr (20,0 %)"),
        ("Finansnetto", 1000, 1010, "Beloppet ökar med 10 tkr (1,0 %)"),
        ("Finansnetto", 0, 50, "Beloppet ökar med 50 tkr"),  # from 0: no per cent
        ("Övriga kostnader", 0, -50, "Kostnaden ökar med 50 tkr"),
        ("Finansnetto", -20, 30, "Ändras från -20 tkr till 30 tkr"),  # the sign changes: both amounts, no verb
        ("Finansnetto", 30, -20, "Ändras från 30 tkr till -20 tkr"),
        ("Finansnetto", 1, 2, "Beloppet ökar med 1 tkr (100,0 %)"),  # a base of 1 is a base
        ("Finansnetto", 1, -5, "Ändras från 1 tkr till -5 tkr"),  # from +1 to a cost: not a cost change
        ("Övriga kostnader", -5, 0, "Kostnaden minskar med 5 tkr (100,0 %)"),  # a cost down to 0 is still a cost
        ("Verksamhetens intäkter", 5, 0, "Intäkterna minskar med 5 tkr (100,0 %)"),
        ("Finansnetto", 5, 5, "Oförändrad"),
        ("Finansnetto", 5, float("nan"), ""),
    ],
)
def test_change_in_words_for_every_sign(post, prev, cur, expected):
    from rapportbok.analysis import wording

    assert _words(wording.change_words(post, prev, cur)) == expected


def test_net_cost_in_words_at_zero_and_above():
    from rapportbok.analysis import wording

    assert _words(wording.net_cost(-1500)) == "1,5 mnkr (1 500 tkr)"
    assert _words(wording.net_cost(0)) == "0,0 mnkr (0 tkr)"
    assert _words(wording.net_cost(2500)) == "ett överskott på 2,5 mnkr (2 500 tkr)"
    assert _words(wording.net_cost(0.5)) == "ett överskott på 0,0 mnkr (1 tkr)"  # any amount above 0
    assert wording.net_cost(None) == fmt.MISSING


def test_change_compares_the_year_before_when_more_years_are_stated():
    df = _ramar(
        [
            (1, "Kommunbidrag", 2028, 90),
            (1, "Kommunbidrag", 2029, 100),
            (1, "Kommunbidrag", 2030, 120),
            (1, "Kommunbidrag", 2031, 500),
        ]
    )
    t = budget.change(df, 2030)
    assert t.columns.tolist() == ["Belopp i tkr", "Budget 2029", "Budget 2030", "Förändring, tkr", "Förändring, %"]
    assert t.iloc[0].tolist() == ["Kommunbidrag", 100, 120, 20, pytest.approx(20.0)]


REGISTER = pd.DataFrame({"titel": ["SYNTETISK källa"], "beslut": [None]}, index=pd.Index(["x"], name="kalla"))
WHERE = "Källa: SYNTETISK källa, x"


def test_grant_checks_every_finding_with_its_figures():
    ramar = _ramar([(8, GRANT, 2029, 98000), (8, GRANT, 2030, 100000), (8, GRANT, 2031, 103000)])
    kb = _kb(
        [
            (2030, "total", 2.0, 2.0),
            (2030, "satsning", 0.7, None),
            (2030, "index", 1.1, 1.1),
            (2031, "volym", 3.0, None),  # parts only: their sum against the table
            (2032, "total", 1.0, None),
        ]
    )  # no kommunbidrag 2032 in the table: nothing to compare
    got = [
        (f.check, f.stated, pytest.approx(f.computed), f.unit, f.where, f.decimals, f.terms)
        for f in budget.grant_checks(ramar, kb, REGISTER)
    ]
    assert got == [
        ("Ökning av kommunbidraget 2030, mnkr", 2.0, 2.0, "mnkr", WHERE, 1, 1),
        ("Ökning av kommunbidraget 2030, procent", 2.0, 2000 / 98000 * 100, "%", WHERE, 1, 1),
        (
            f"Index (pris) 2030: 1,1{NB}% av kommunbidraget 2029, mnkr",
            1.1,
            1.1 / 100 * 98000 / 1000,
            "mnkr",
            WHERE,
            1,
            1,
        ),
        ("Ökning 2030: summan av delarna mot angiven ökning, mnkr", 2.0, 1.8, "mnkr", WHERE, 1, 1),
        (
            "Ökning av kommunbidraget 2031: summan av angivna delar mot tabellen, mnkr",
            3.0,
            3.0,
            "mnkr",
            WHERE,
            1,
            1,
        ),
    ]
    assert budget.grant_checks(ramar, None) == []
    # A total without a per cent gives no per-cent finding.
    no_pct = budget.grant_checks(ramar, _kb([(2030, "total", 2.0, None)]))
    assert [f.check for f in no_pct] == ["Ökning av kommunbidraget 2030, mnkr"]


def test_signs_and_decimals_reach_every_unit():
    assert fmt.tkr(5, sign=True) == f"+5{NB}tkr" and fmt.tkr(-5, sign=True) == f"\u22125{NB}tkr"
    assert fmt.tkr(1234.56, 1) == f"1{NB}234,6{NB}tkr"
    assert fmt.pct(2, sign=True) == f"+2,0{NB}%" and fmt.unit(3, "st", sign=True) == f"+3{NB}st"
    assert fmt.unit(2.25, "åa", 1) == f"2,3{NB}åa"
    assert fmt.number(0, sign=True) == "0" and fmt.number(0.04, 1, sign=True) == "0,0"  # no "+0"
    assert fmt.number(12345, sign=True) == f"+12{NB}345"
    assert fmt.number(1, sign=True) == "+1" and fmt.number(0.5, 1, sign=True) == "+0,5"  # every amount above 0
    assert not fmt.is_missing("text") and not fmt.is_missing(0)


def test_pandas_na_is_a_missing_amount():
    assert units.to_tkr(pd.NA, "tkr") is None and units.to_tkr(None, "kr") is None
    assert units.to_tkr(0, "mnkr") == 0.0
    assert units.to_tkr(1.5, "tkr") == 1.5 and units.to_tkr(1234.5678, "kr") == 1.234568  # 6 decimals, not whole tkr


def test_concept_warning_for_the_second_row_only():
    t = _ramar([(1, GRANT, 2030, 100), (2, "Nettokostnad", 2030, -100)])
    issues = budget.concept_warnings([t], "syntetisk")
    assert len(issues) == 1 and "begrepp nettokostnad" in issues[0].message()  # Kommunbidrag is there; on it goes
    lonely = budget.concept_warnings([_ramar([(1, "Intäkter", 2030, 10)])], "syntetisk")
    assert "utan den står 'anges inte i källorna' i kapitlet Budget" in lonely[0].message()


def test_grant_checks_in_year_order_and_every_check_cites_its_source():
    ramar = _ramar([(8, GRANT, 2029, 98000), (8, GRANT, 2030, 100000), (8, GRANT, 2031, 103000)])
    kb = _kb([(2031, "total", 3.0, None), (2030, "total", 2.0, None)])  # later year first in the file
    assert [f.check for f in budget.grant_checks(ramar, kb, REGISTER)] == [
        "Ökning av kommunbidraget 2030, mnkr",
        "Ökning av kommunbidraget 2031, mnkr",
    ]
    findings = budget.all_checks(ramar, None, kb, REGISTER)
    assert findings and {f.where for f in findings} == {WHERE}
