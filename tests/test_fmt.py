from rapportbok.core import fmt

NB = "\u00a0"
M = "\u2212"


def test_numbers_swedish():
    assert fmt.number(1234.5, 1) == f"1{NB}234,5"
    assert fmt.number(-245082) == f"{M}245{NB}082"
    assert fmt.number(1234567) == f"1{NB}234{NB}567"
    assert fmt.number(0.25, 1) == "0,3"  # half away from zero, as in Excel
    assert fmt.number(-0.25, 1) == f"{M}0,3"
    assert fmt.number(-0.01) == "0"  # never "−0"
    assert fmt.number(5, sign=True) == "+5"
    assert fmt.number(None) == fmt.MISSING
    assert fmt.number(float("nan")) == fmt.MISSING


def test_units():
    assert fmt.tkr(245082) == f"245{NB}082{NB}tkr"
    assert fmt.mnkr(256303) == f"256,3{NB}mnkr"
    assert fmt.mnkr(11221, sign=True) == f"+11,2{NB}mnkr"
    assert fmt.pct(4.578) == f"4,6{NB}%"
    assert fmt.unit(3, "åa") == f"3{NB}åa"


def test_dates_and_months():
    assert fmt.date("2018-07-31") == "31 juli 2018"
    assert [fmt.month_name(m) for m in (1, 4, 8, 12)] == ["januari", "april", "augusti", "december"]


def test_axis_formatter_uses_same_helper():
    f = fmt.axis_formatter(0)
    assert f(-1234, 0) == fmt.number(-1234)


def test_pandas_missing_values_show_as_missing():
    import pandas as pd

    assert fmt.is_missing(pd.NA) and fmt.number(pd.NA) == fmt.MISSING and fmt.tkr(pd.NA) == fmt.MISSING
