"""Budget computations on the stated-table model: golden checks on the real Alingsås budget, and a budget in
mnkr with one decimal (SYNTETISK) that gets the same analyses in its own unit and precision."""

import datetime as dt
from decimal import Decimal

import pytest

from rapportbok.analysis import budget, reconcile
from rapportbok.data import datasets
from rapportbok.data import stated_tables as model


@pytest.fixture(scope="module")
def alingsas():
    sets = datasets.load_org("alingsas")
    tables = model.load(sets)
    return sets, budget.budget_table(tables, 2025), budget.investment_table(tables, 2025)


def test_the_budget_and_investment_tables_are_found_by_kind_and_concept(alingsas):
    sets, t, inv = alingsas
    assert (t.id, inv.id) == ("ramar", "investeringar")
    tables = model.load(sets)
    assert budget.budget_table(tables, 2024).id == "ramar"  # the budget per 2024-12-10 also states 2024
    assert budget.budget_table(tables, 2023) is None


def test_every_source_figure_is_present(alingsas):
    # Golden: the table "Belopp i tkr" of Ekonomiska ramar, as stated in the source.
    _, t, inv = alingsas
    w = budget.wide(t).set_index("Belopp i tkr")
    assert list(w.columns) == ["Budget 2024", "Budget 2025", "Plan 2026", "Plan 2027"]
    assert w.loc["Verksamhetens intäkter"].tolist() == [31417, 32336, 33000, 33950]
    assert w.loc["Personalkostnader"].tolist() == [-158695, -161198, -166508, -175785]
    assert w.loc["Övriga kostnader"].tolist() == [-38013, -46587, -47000, -47500]
    assert w.loc["Verksamhetens nettokostnader"].tolist() == [-245082, -256303, -263632, -272988]
    assert w.loc["Kommunbidrag"].tolist() == [245082, 256303, 263632, 272988]
    assert len(w) == 10
    iw = budget.wide(inv)
    assert len(iw) == 11 and iw.iloc[-1].tolist() == ["Totala utgifter", 1500, 800, 800, 800, 800, 800]


def test_rows_by_meaning_not_by_name(alingsas):
    _, t, _ = alingsas
    assert budget.grant(t)[2025] == Decimal(256303)
    assert budget.series(t, model.NET_COST)[2024] == Decimal(-245082)
    assert budget.series(t, model.RESULT) == {2024: 0, 2025: 0, 2026: 0, 2027: 0}


def test_change_against_previous_year(alingsas):
    _, t, _ = alingsas
    c = budget.change(t, 2025).set_index("Belopp i tkr")
    assert c.loc["Kommunbidrag", "Förändring, tkr"] == 11221
    assert c.loc["Kommunbidrag", "Förändring, %"] == pytest.approx(4.5785, abs=1e-4)
    assert c.loc["Personalkostnader", "Förändring, tkr"] == -2503
    assert c.loc["Finansnetto", "Förändring, %"] != c.loc["Finansnetto", "Förändring, %"]  # 0 base -> NaN
    assert budget.change(t, 2024) is None  # no 2023 in the source


def test_bridge_shows_remainder_honestly(alingsas):
    sets, t, _ = alingsas
    steps = budget.grant_bridge(t, sets["kommunbidrag"], 2025)
    assert [s.label for s in steps] == [
        "Kommunbidrag 2024",
        "Satsning",
        "Index (pris)",
        "Volym",
        "Övrigt/avrundning",
        "Kommunbidrag 2025",
    ]
    amounts = [s.amount for s in steps]
    assert amounts == [245082, 10000, 500, 700, 21, 256303]
    s27 = budget.grant_bridge(t, sets["kommunbidrag"], 2027)
    assert [s.amount for s in s27][-2] == pytest.approx(56)
    assert budget.grant_bridge(t, sets["kommunbidrag"], 2024) is None


def test_reconciliation_uses_the_stated_tables_one_rule(alingsas):
    sets, t, inv = alingsas
    findings = budget.all_checks(t, inv, sets["kommunbidrag"])
    assert reconcile.real_mismatches(findings) == []
    # −245 082 stated, −245 083 from the rows: three printed figures, within 1,5 tkr: a rounding, never a mismatch
    net = next(f for f in findings if f.check == "Verksamhetens nettokostnader, Budget 2024 = summan av raderna under")
    assert (net.stated, net.computed, reconcile.kind(net)) == (-245082.0, -245083.0, reconcile.ROUNDING)
    assert any(f.check == "Ökning av kommunbidraget 2025, procent" and f.rounding for f in findings)
    assert len(findings) == 12 + 30 + 8  # the budget table's sums, the investment table's; the kommunbidrag text


def test_rounding_tolerance_rule():
    assert reconcile.Finding("x", 11.2, 11.221, "mnkr", "", 1).verdict == "Stämmer (avrundning)"
    assert reconcile.Finding("x", 11.2, 11.26, "mnkr", "", 1).verdict == "Avviker"
    assert reconcile.Finding("x", 9.3, 9.356, "mnkr", "", 1, terms=2).ok  # sum of two rounded figures
    assert reconcile.Finding("x", 5.0, 5.0, "tkr", "").verdict == "Stämmer"


def _mnkr_budget() -> model.StatedTable:
    """SYNTETISK: a budget 2026 with plan 2027 in mnkr with one decimal; kommunbidrag under another name."""
    t = model.StatedTable("b26", "Budget och plan (SYNTETISK)", "budget", dt.date(2025, 11, 25), "mnkr", 1, "k", "s")
    t.columns = [
        model.Column("budget25", "budget", 2025, "Budget 2025"),
        model.Column("budget26", "budget", 2026, "Budget 2026"),
        model.Column("plan27", "plan", 2027, "Plan 2027"),
    ]
    rows = [
        (1, "Verksamhetens intäkter", 3, "post", ("24.0", "24.6", "25.1")),
        (2, "Verksamhetens kostnader", 3, "post", ("-178.4", "-183.1", "-187.8")),
        (3, "Verksamhetens nettokostnad", 5, "summa", ("-154.4", "-158.5", "-162.7")),
        (4, "Ramtilldelning från kommunfullmäktige", 5, "post", ("154.4", "158.5", "162.0")),
        (5, "Budgetens resultat", None, "summa", ("0.0", "0.0", "-0.7")),
    ]
    for n, label, parent, role, vals in rows:
        t.rows.append(model.Row(n, label, parent, role))
        for c, v in zip(t.columns, vals):
            t.values[(n, c.id)] = Decimal(v)
    t.concepts = {model.NET_COST: 3, model.GRANT: 4, model.RESULT: 5}
    return t


def test_a_budget_in_mnkr_with_one_decimal_gets_every_analysis_in_its_own_unit():
    t = _mnkr_budget()
    assert budget.budget_table([t], 2026) is t
    c = budget.change(t, 2026).set_index("Belopp i mnkr")
    assert list(c.columns[:3]) == ["Budget 2025", "Budget 2026", "Förändring, mnkr"]
    assert c.loc["Ramtilldelning från kommunfullmäktige", "Förändring, mnkr"] == pytest.approx(4.1)
    steps = budget.grant_bridge(t, None, 2026)
    assert [(s.label, round(s.amount, 6)) for s in steps] == [
        ("Kommunbidrag 2025", 154.4),
        ("Övrigt/avrundning", 4.1),
        ("Kommunbidrag 2026", 158.5),
    ]
    assert (
        budget.bridge_title(steps, 2026, t.unit, t.decimals)
        == "Kommunbidraget ökar med 4,1\u00a0mnkr från 2025 till 2026."
    )
    over = budget.over_the_years(t)
    assert over["Nettokostnad"].tolist() == [154.4, 158.5, 162.7]
    assert over["Resultat"].tolist() == [0.0, 0.0, -0.7]
    assert budget.over_the_years_title(over, t.unit) == (
        "Nettokostnaden ökar från 154,4\u00a0mnkr 2025 till 162,7\u00a0mnkr 2027; resultatet är mellan "
        "−0,7\u00a0mnkr och 0,0\u00a0mnkr."
    )
    findings = budget.all_checks(t, None, None)
    # 0,0 − 158,5 + 158,5: agrees; Plan 2027: −162,7 + 162,0 = −0,7, as stated
    assert reconcile.real_mismatches(findings) == [] and len(findings) == 6


def test_a_budget_table_without_named_rows_is_a_warning():
    t = _mnkr_budget()
    t.concepts = {}
    issues = budget.concept_warnings([t], "syntetisk")
    assert [i.message() for i in issues] == [
        "syntetisk/tabell_begrepp.csv, kolumn 'begrepp': en tom cell – förväntade en rad för tabellen b26 med "
        "begrepp kommunbidrag, t.ex. b26,5,kommunbidrag; utan den står 'anges inte i källorna' i kapitlet Budget.",
        "syntetisk/tabell_begrepp.csv, kolumn 'begrepp': en tom cell – förväntade en rad för tabellen b26 med "
        "begrepp nettokostnad (raden 3, 'Verksamhetens nettokostnad', liknar), t.ex. b26,3,nettokostnad; utan den "
        "står 'anges inte i källorna' i kapitlet Budget.",
    ]
    assert budget.grant(t) == {}
    assert budget.missing_row_text(model.GRANT, t, 2026) == (
        "Kommunbidraget anges inte i källorna för 2026 (ingen rad i budgettabellen är utpekad som kommunbidrag)."
    )
