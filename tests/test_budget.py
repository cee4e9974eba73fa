"""Budget computations: golden checks on the real Alingsås budget, edge cases on synthetic rows."""

import pandas as pd
import pytest

from rapportbok.analysis import budget, reconcile
from rapportbok.data import budget as budget_data
from rapportbok.data import datasets


@pytest.fixture(scope="module")
def alingsas():
    return datasets.load_org("alingsas")


def test_every_source_figure_is_present(alingsas):
    # Golden: the table "Belopp i tkr" of Ekonomiska ramar, as stated in the source.
    w = budget.wide(alingsas["ramar"]).set_index("Belopp i tkr")
    assert list(w.columns) == ["Budget 2024", "Budget 2025", "Plan 2026", "Plan 2027"]
    assert w.loc["Verksamhetens intäkter"].tolist() == [31417, 32336, 33000, 33950]
    assert w.loc["Personalkostnader"].tolist() == [-158695, -161198, -166508, -175785]
    assert w.loc["Övriga kostnader"].tolist() == [-38013, -46587, -47000, -47500]
    assert w.loc["Verksamhetens nettokostnader"].tolist() == [-245082, -256303, -263632, -272988]
    assert w.loc["Kommunbidrag"].tolist() == [245082, 256303, 263632, 272988]
    assert len(w) == 10
    inv = budget.wide(alingsas["investeringar"])
    assert len(inv) == 11 and inv.iloc[-1].tolist() == ["Totala utgifter", 1500, 800, 800, 800, 800, 800]


def test_change_against_previous_year(alingsas):
    t = budget.change(alingsas["ramar"], 2025).set_index("Belopp i tkr")
    assert t.loc["Kommunbidrag", "Förändring, tkr"] == 11221
    assert t.loc["Kommunbidrag", "Förändring, %"] == pytest.approx(4.5785, abs=1e-4)
    assert t.loc["Personalkostnader", "Förändring, tkr"] == -2503
    assert t.loc["Finansnetto", "Förändring, %"] != t.loc["Finansnetto", "Förändring, %"]  # 0 base -> NaN
    assert budget.change(alingsas["ramar"], 2024) is None  # no 2023 in the source


def test_bridge_shows_remainder_honestly(alingsas):
    steps = budget.grant_bridge(alingsas["ramar"], alingsas["kommunbidrag"], 2025)
    labels = [s.label for s in steps]
    assert labels == [
        "Kommunbidrag 2024",
        "Satsning",
        "Index (pris)",
        "Volym",
        "Övrigt/avrundning",
        "Kommunbidrag 2025",
    ]
    amounts = [s.amount_tkr for s in steps]
    assert amounts == [245082, 10000, 500, 700, 21, 256303]
    assert sum(amounts[:-1]) == pytest.approx(amounts[-1])
    s27 = budget.grant_bridge(alingsas["ramar"], alingsas["kommunbidrag"], 2027)
    assert [s.amount_tkr for s in s27][-2] == pytest.approx(56)
    assert budget.grant_bridge(alingsas["ramar"], alingsas["kommunbidrag"], 2024) is None


def test_reconciliation_finds_the_real_mismatch(alingsas):
    findings = budget.all_checks(alingsas["ramar"], alingsas["investeringar"], alingsas["kommunbidrag"])
    bad = reconcile.mismatches(findings)
    assert [(f.check, f.stated, f.computed) for f in bad] == [
        ("Verksamhetens nettokostnader 2024 = summan av raderna under", -245082.0, -245083.0)
    ]
    rounding = [f for f in findings if f.rounding]
    assert any("Ökning av kommunbidraget 2025, procent" == f.check for f in rounding)
    assert len(findings) == 12 + 30 + 8  # tree checks ramar, investments; kommunbidrag text


def test_tree_checks_synthetic():
    # SYNTETISK: a made-up table where the stated subtotal is 1 off.
    df = pd.DataFrame(
        {
            "post": ["A", "B", "Summa", "A", "B", "Summa"],
            "summeras_i": ["Summa", "Summa", None, "Summa", "Summa", None],
            "belopp_tkr": [1.0, 2.0, 4.0, 1.0, 2.0, 3.0],
            "ar": [2030, 2030, 2030, 2031, 2031, 2031],
        }
    )
    f = reconcile.tree_checks(df, "syntetisk")
    assert [(x.stated, x.computed, x.ok) for x in f] == [(4.0, 3.0, False), (3.0, 3.0, True)]


def test_rounding_tolerance_rule():
    assert reconcile.Finding("x", 11.2, 11.221, "mnkr", "", 1).verdict == "Stämmer (avrundning)"
    assert reconcile.Finding("x", 11.2, 11.26, "mnkr", "", 1).verdict == "Avviker"
    assert reconcile.Finding("x", 9.3, 9.356, "mnkr", "", 1, terms=2).ok  # sum of two rounded figures
    assert reconcile.Finding("x", 5.0, 5.0, "tkr", "").verdict == "Stämmer"


def test_tree_structure_errors_are_reported(tmp_path):
    from rapportbok.data.schema import read_table

    p = tmp_path / "budget_ramar.csv"
    p.write_text(
        "rad,post,summeras_i,ar,version,belopp_tkr,kalla,avsnitt\n"
        "1,A,Summa,2030,Budget,1,k,s\n"
        "2,Sum,,2030,Budget,1,k,s\n",
        encoding="utf-8",
    )
    df, issues = read_table(p, budget_data.RAMAR, "x/budget_ramar.csv")
    assert issues == []
    found = budget_data.tree_issues(df, budget_data.RAMAR, "x/budget_ramar.csv")
    assert [i.message() for i in found] == [
        "x/budget_ramar.csv, rad 2, kolumn 'summeras_i': värdet 'Summa' – förväntade namnet på en post i samma fil."
    ]
