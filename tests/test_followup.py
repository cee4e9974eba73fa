"""Budgetuppföljning: computed columns, units, thresholds, validation and the built page.

Every follow-up here is SYNTETISK (tests/fixtures/synthetic_followup/): the source documents
hold budgets but no outcomes, so data/ has no follow-up and the default book says so.
"""

import math
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from conftest import chapter_notebook

from rapportbok.analysis import budget_followup as followup
from rapportbok.analysis import consistency
from rapportbok.core import escape, fmt, periods, units
from rapportbok.data import budget_followup as followup_data
from rapportbok.data import datasets
from rapportbok.data.schema import DataError

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures" / "synthetic_followup"
MAIN = "SYNTETISK_budgetuppfoljning_alingsas_2025.csv"  # T1 and helår 2025; T2 missing
T2 = "SYNTETISK_budgetuppfoljning_t2_alingsas_2025.csv"  # T2 2025 with three kontogrupper
NBSP, MINUS = "\u00a0", "\u2212"


def make_scratch(tmp_path: Path, *fixtures: str, yml_extra: str = "") -> Path:
    """A copy of data/ with the synthetic source row and the given follow-up file(s) for Alingsås."""
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    with open(data / "kallor.csv", "a", encoding="utf-8") as f:
        f.write((FIX / "SYNTETISK_kallor_rad.csv").read_text(encoding="utf-8"))
    if fixtures:
        header, *rows = (FIX / fixtures[0]).read_text(encoding="utf-8").splitlines()
        for name in fixtures[1:]:
            rows += (FIX / name).read_text(encoding="utf-8").splitlines()[1:]
        (data / "alingsas" / followup_data.FILENAME).write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    if yml_extra:
        with open(data / "alingsas" / "organisation.yml", "a", encoding="utf-8") as f:
            f.write(yml_extra)
    return data


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    count = iter(range(100))

    def _make(*fixtures, yml_extra=""):
        folder = tmp_path / f"s{next(count)}"
        folder.mkdir()
        data = make_scratch(folder, *fixtures, yml_extra=yml_extra)
        monkeypatch.setenv("RAPPORTBOK_DATA", str(data))
        return data

    return _make


def _row(s: pd.DataFrame, kg: str) -> pd.Series:
    return s.set_index("kontogrupp").loc[kg]


# --- periods, units, per cent ----------------------------------------------------------------


def test_period_end_and_share_of_year():
    assert [periods.tertial_end(2025, t).isoformat() for t in (1, 2, 3)] == ["2025-04-30", "2025-08-31", "2025-12-31"]
    assert periods.year_share_pct(1) == pytest.approx(100 / 3)
    assert periods.year_share_pct(2) == pytest.approx(200 / 3)
    assert periods.year_share_pct(3) == pytest.approx(100)


def test_units_are_converted_never_assumed():
    assert units.to_tkr(-54.5, "mnkr") == -54500
    assert units.to_tkr(120000, "kr") == 120
    assert units.to_tkr(-17111, "tkr") == -17111
    assert math.isnan(units.to_tkr_or_nan(None, "tkr"))
    with pytest.raises(KeyError):
        units.to_tkr(1, "EUR")


def test_per_cent_is_undefined_at_zero_budget():
    assert followup.pct_of(-2502, -161198) == pytest.approx(-1.5521, abs=1e-4)  # against the budget without sign
    assert followup.pct_of(1000, 32336) == pytest.approx(3.0925, abs=1e-4)
    assert math.isnan(followup.pct_of(600, 0))
    assert followup.share_of_budget_pct(-54500, -161198) == pytest.approx(33.8094, abs=1e-4)
    assert math.isnan(followup.share_of_budget_pct(120, 0))
    assert fmt.pct(followup.pct_of(600, 0)) == "–"


# --- thresholds ------------------------------------------------------------------------------


def test_thresholds_default_and_from_organisation_yml(scratch):
    data = scratch()
    th, issues = followup_data.thresholds("alingsas", data)
    assert (th.tkr, th.procent, th.villkor, th.from_file, issues) == (500, 2, "någon", False, [])
    data = scratch(yml_extra="vasentlig_avvikelse: {tkr: 3000, procent: 5, villkor: båda}\n")
    th, issues = followup_data.thresholds("alingsas", data)
    assert (th.tkr, th.procent, th.villkor, th.from_file, issues) == (3000, 5, "båda", True, [])
    assert th.text() == f"minst 3{NBSP}000{NBSP}tkr och minst 5{NBSP}% av budgeten"


def test_bad_thresholds_are_reported(scratch):
    data = scratch(yml_extra="vasentlig_avvikelse: {tkr: mycket, procent: -1, villkor: ibland}\n")
    th, issues = followup_data.thresholds("alingsas", data)
    assert (th.tkr, th.procent, th.villkor) == (500, 2, "någon")  # the defaults stand in
    assert {(i.file, i.column, i.value) for i in issues} == {
        ("alingsas/organisation.yml", "vasentlig_avvikelse.tkr", "mycket"),
        ("alingsas/organisation.yml", "vasentlig_avvikelse.procent", "-1"),
        ("alingsas/organisation.yml", "vasentlig_avvikelse.villkor", "ibland"),
    }
    assert any(i.file == "alingsas/organisation.yml" for i in consistency.validate(data))


def test_materiality_rule():
    any_ = followup_data.Thresholds(500, 2, "någon")
    both = followup_data.Thresholds(500, 2, "båda")
    assert any_.is_material(-2502, -1.55) and not both.is_material(-2502, -1.55)  # tkr only
    assert any_.is_material(100, 2.5) and not both.is_material(100, 2.5)  # per cent only
    assert both.is_material(-2000, -3.1)
    assert not any_.is_material(300, 0.6)
    assert any_.is_material(600, float("nan")) and both.is_material(600, float("nan"))  # zero budget: tkr alone
    assert not any_.is_material(float("nan"), float("nan"))  # not followed up


# --- the computed table ----------------------------------------------------------------------


@pytest.fixture
def main_data(scratch):
    scratch(MAIN)
    return datasets.load_org("alingsas")


def test_t1_every_computed_column(main_data):
    s = followup.summary(main_data["budgetuppfoljning"], main_data["ramar"], 2025, 1)
    assert s["kontogrupp"].tolist() == [
        "Verksamhetens intäkter",
        "Personalkostnader",
        "Lokalhyror",
        "Köp av tjänster",
        "Övriga kostnader",
        "Kommunbidrag",
        "Finansnetto",
    ]
    # Overspending on a cost (mnkr in the file): worse than budget, negative.
    p = _row(s, "Personalkostnader")
    assert (p["budget_tkr"], p["utfall_tkr"], p["prognos_tkr"], p["avvikelse_tkr"]) == (-161198, -54500, -163700, -2502)
    assert p["utfall_andel_pct"] == pytest.approx(33.8094, abs=1e-4)
    assert p["ar_andel_pct"] == pytest.approx(33.3333, abs=1e-4)
    assert p["avvikelse_pct"] == pytest.approx(-1.5521, abs=1e-4)
    assert p["vasentlig"] and p["kommentar"] == "SYNTETISKT: ökade vikariekostnader."
    # Underspending on a cost: better than budget, positive, not material.
    o = _row(s, "Övriga kostnader")
    assert (o["avvikelse_tkr"], bool(o["vasentlig"])) == (300, False)
    assert o["avvikelse_pct"] == pytest.approx(0.6440, abs=1e-4)
    # Income above budget: better, positive.
    i = _row(s, "Verksamhetens intäkter")
    assert (i["avvikelse_tkr"], bool(i["vasentlig"])) == (1000, True)
    # Zero budget, amounts in kr: per cent undefined, material by tkr.
    f = _row(s, "Finansnetto")
    assert (f["budget_tkr"], f["utfall_tkr"], f["prognos_tkr"], f["avvikelse_tkr"]) == (0, 120, 600, 600)
    assert math.isnan(f["avvikelse_pct"]) and math.isnan(f["utfall_andel_pct"]) and f["vasentlig"]
    # Verksamhet rows sum to the kontogrupp; their comments are carried with the verksamhet's name.
    k = _row(s, "Köp av tjänster")
    assert (k["utfall_tkr"], k["prognos_tkr"], k["avvikelse_tkr"]) == (-21500, -65743, -2000)
    assert k["kommentar"] == "Individ- och familjeomsorg: SYNTETISKT: fler externa placeringar."
    tot = followup.total(s, followup.root_post(main_data["ramar"]))
    assert tot["kontogrupp"] == "Summa (Årets resultat)"
    assert (tot["budget_tkr"], tot["avvikelse_tkr"]) == (0, -2602)
    assert math.isnan(tot["avvikelse_pct"])


def test_verksamhet_table(main_data):
    v = followup.verksamhet_table(main_data["budgetuppfoljning"], 2025, 1)
    assert v["Verksamhet"].tolist() == ["Individ- och familjeomsorg", "Funktionsstöd"]
    assert v["Avvikelse, tkr"].tolist() == [-2000, 0]
    assert v["Avvikelse, %"].tolist()[0] == pytest.approx(-4.5455, abs=1e-4)
    assert followup.verksamhet_table(main_data["budgetuppfoljning"], 2025, 3) is None


def test_year_end_prognos_is_the_outcome(main_data):
    s = followup.summary(main_data["budgetuppfoljning"], main_data["ramar"], 2025, 3)
    k = _row(s, "Köp av tjänster")  # "-65,0" mnkr, prognos empty
    assert (k["utfall_tkr"], k["prognos_tkr"], k["avvikelse_tkr"]) == (-65000, -65000, -743 - 514)
    assert k["utfall_andel_pct"] == pytest.approx(101.9720, abs=1e-4) and k["ar_andel_pct"] == 100
    o = _row(s, "Övriga kostnader")
    assert (o["avvikelse_tkr"], bool(o["vasentlig"]), o["kommentar"]) == (587, True, "")
    assert followup.total(s)["avvikelse_tkr"] == 1500 - 2802 + 111 - 1257 + 587


def test_missing_tertial(main_data):
    fu, ramar = main_data["budgetuppfoljning"], main_data["ramar"]
    assert followup.tertials_present(fu, 2025) == [1, 3]
    assert followup.summary(fu, ramar, 2025, 2) is None
    assert followup.summary(fu, ramar, 2024, 1) is None
    over = followup.over_tertials(fu, ramar, 2025, 3).set_index("Kontogrupp")
    assert list(over.columns) == ["Budget", "Prognos T1", "Prognos T2", "Utfall helår"]
    assert over.loc["Personalkostnader"].tolist()[:2] == [-161198, -163700]
    assert over["Prognos T2"].isna().all()
    dev = followup.deviation_over_tertials(fu, ramar, 2025, 3).set_index("Period")
    assert dev.loc["T1 (30 april)", "Personalkostnader"] == -2502
    assert dev.loc["Helår", "Personalkostnader"] == -2802
    assert math.isnan(dev.loc["T2 (31 augusti)", "Personalkostnader"])
    assert list(followup.over_tertials(fu, ramar, 2025, 1).columns) == ["Kontogrupp", "Budget", "Prognos T1"]


def test_partial_follow_up_lists_every_kontogrupp(scratch):
    scratch(MAIN, T2)
    d = datasets.load_org("alingsas")
    s = followup.summary(d["budgetuppfoljning"], d["ramar"], 2025, 2)
    assert s["prognos_tkr"].notna().sum() == 3 and math.isnan(_row(s, "Lokalhyror")["utfall_tkr"])
    assert _row(s, "Verksamhetens intäkter")["utfall_andel_pct"] == pytest.approx(22000 / 32336 * 100)
    tot = followup.total(s)
    assert tot["kontogrupp"] == "Summa uppföljda kontogrupper"
    assert (tot["budget_tkr"], tot["prognos_tkr"], tot["avvikelse_tkr"]) == (
        32336 - 161198 - 63743,
        32836 - 162198 - 64743,
        -1500,
    )
    t = followup.display_table(s, 2025, 2)
    assert list(t.columns) == [
        "Kontogrupp",
        "Budget 2025, tkr",
        "Utfall t.o.m. 31/8, tkr",
        "Utfall, % av budget",
        "Andel av året, %",
        "Prognos helår, tkr",
        "Avvikelse, tkr",
        "Avvikelse, %",
    ]
    assert t["Andel av året, %"].iloc[0] == pytest.approx(200 / 3)


def test_default_data_has_no_follow_up():
    d = datasets.load_org("alingsas")
    assert d["budgetuppfoljning"] is None
    assert followup.summary(None, d["ramar"], 2025, 1) is None
    assert not any(p.name == followup_data.FILENAME for p in (ROOT / "data").rglob("*.csv"))


# --- validation ------------------------------------------------------------------------------


def _issues(data: Path) -> list:
    return [i for i in consistency.validate(data) if i.file == "alingsas/budgetuppfoljning.csv"]


def test_cell_errors_name_file_row_column_value(scratch):
    data = scratch("SYNTETISK_fel_celler.csv")
    got = {(i.row, i.column, i.value): i.expected for i in _issues(data)}
    assert set(got) == {(2, "utfall", "ca 20000"), (3, "enhet", "EUR"), (4, "per_datum", "30/4 2025")}
    assert got[(3, "enhet", "EUR")] == "ett av: kr, tkr, mnkr"
    assert "tal" in got[(2, "utfall", "ca 20000")] and "ÅÅÅÅ-MM-DD" in got[(4, "per_datum", "30/4 2025")]
    with pytest.raises(DataError):
        datasets.load_org("alingsas")


def test_cross_file_errors(scratch):
    data = scratch("SYNTETISK_fel_korskontroll.csv")
    issues = _issues(data)
    assert all(i.severity == "fel" for i in issues)
    got = {(i.row, i.column, i.value): i.expected for i in issues}
    assert set(got) == {
        (2, "kontogrupp", "Personalkostnad"),  # unknown kontogrupp
        (3, "kontogrupp", "Verksamhetens kostnader"),  # a subtotal
        (4, "ar", "2030"),  # no budget line that year
        (5, "per_datum", "2024-08-31"),  # outside the year
        (6, "per_datum", "2025-04-30"),  # not the tertial's end
        (7, "utfall", "50000"),  # a cost with the sign of an income
        (8, "prognos", ""),  # no forecast before year end
        (9, "prognos", "-17500"),  # year end: forecast must be the outcome
        (10, "budget", "256303"),  # budget on a kontogrupp row
        (11, "kalla", "linkoping-atgardsplan-2024"),  # another organisation's source
    }
    assert got[(2, "kontogrupp", "Personalkostnad")].startswith(
        "en kontogrupp ur budget_ramar.csv: Verksamhetens intäkter, Personalkostnader"
    )
    assert "summarad" in got[(3, "kontogrupp", "Verksamhetens kostnader")]
    assert got[(4, "ar", "2030")] == "ett år med budget för Lokalhyror i budget_ramar.csv: 2024, 2025, 2026, 2027"
    assert got[(5, "per_datum", "2024-08-31")] == "ett datum i året 2025 (kolumnen ar)"
    assert got[(6, "per_datum", "2025-04-30")] == "2025-08-31, slutdatum för tertial 2"
    assert "negativt" in got[(7, "utfall", "50000")]
    msg = next(i for i in issues if i.row == 2).message()
    assert msg.startswith(
        "alingsas/budgetuppfoljning.csv, rad 2, kolumn 'kontogrupp': värdet 'Personalkostnad' – förväntade"
    )


def test_missing_ramar_is_an_error(scratch):
    from conftest import old_budget_format

    data = old_budget_format(scratch(MAIN))
    (data / "alingsas" / "budget_ramar.csv").unlink()
    issues = _issues(data)
    assert issues and all(i.column == "kontogrupp" and "budget_ramar.csv" in i.expected for i in issues)


def test_material_deviation_without_comment_is_a_warning(scratch):
    data = scratch(MAIN)
    issues = _issues(data)
    assert [(i.severity, i.row, i.column) for i in issues] == [("varning", 14, "kommentar")]
    assert "Övriga kostnader" in issues[0].expected and "väsentlig" in issues[0].expected
    datasets.load_org("alingsas")  # a warning does not stop the book
    data = scratch(MAIN, yml_extra="vasentlig_avvikelse: {tkr: 3000, procent: 5}\n")
    assert _issues(data) == []


def test_verksamhet_rows_must_agree_with_the_kontogrupp(scratch):
    data = scratch(MAIN)
    path = data / "alingsas" / followup_data.FILENAME
    text = path.read_text(encoding="utf-8")
    extra = (
        "2025,1,2025-04-30,Köp av tjänster,,tkr,-21500,-66000,,SYNTETISKT,alingsas-ekonomisystem-syntetisk,SYNTETISK\n"
    )
    path.write_text(text + extra, encoding="utf-8")
    issues = _issues(data)
    assert [(i.severity, i.row, i.column, i.value) for i in issues if i.severity == "fel"] == [
        ("fel", 17, "prognos", "-66000")
    ]
    # Verksamhet budgets that do not add up to the ramar are a warning.
    path.write_text(text.replace("-46000,-44000", "-46000,-43000"), encoding="utf-8")
    warn = [i for i in _issues(data) if i.column == "budget"]
    assert [(i.severity, i.row) for i in warn] == [("varning", 5)]


# --- the built page --------------------------------------------------------------------------


def _run_budget(out: Path, tertial: int, year: int = 2025) -> list:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "papermill",
            str(chapter_notebook("budget", out.parent)),
            str(out),
            "-p",
            "org",
            "alingsas",
            "-p",
            "year",
            str(year),
            "-p",
            "tertial",
            str(tertial),
            "--cwd",
            str(out.parent),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    nb = nbformat.read(out, as_version=4)
    cell = next(c for c in nb.cells if c.source.strip() == "ch.followup()")
    return [o for o in cell.outputs if o.output_type == "display_data"]


def _html(outputs) -> str:
    return "".join(o["data"].get("text/html", "") for o in outputs)


def _markdown(outputs) -> str:
    return "".join(o["data"].get("text/markdown", "") for o in outputs)


def _rows(html: str, uid: str) -> list[list[str]]:
    table = BeautifulSoup(html, "html.parser").find("table", id=f"T_{uid}")
    assert table is not None, uid
    return [[c.get_text() for c in tr.find_all(["th", "td"])] for tr in table.tbody.find_all("tr")]


def _table(html: str, uid: str) -> dict[str, list[str]]:
    return {cells[0]: cells[1:] for cells in _rows(html, uid)}


def _n(text: str) -> str:
    return text.replace(" ", NBSP).replace("-", MINUS)


def test_page_shows_the_follow_up(tmp_path, monkeypatch):
    data = make_scratch(tmp_path, MAIN)
    monkeypatch.setenv("RAPPORTBOK_DATA", str(data))
    t1 = _run_budget(tmp_path / "t1.ipynb", 1)
    rows = _table(_html(t1), "uppfoljning")
    assert rows["Personalkostnader"] == [
        _n(x) for x in ["-161 198", "-54 500", "33,8 %", "33,3 %", "-163 700", "-2 502", "-1,6 %"]
    ]
    assert rows["Verksamhetens intäkter"] == [
        _n(x) for x in ["32 336", "11 000", "34,0 %", "33,3 %", "33 336", "+1 000", "+3,1 %"]
    ]
    assert rows["Finansnetto"] == ["0", "120", "–", _n("33,3 %"), "600", "+600", "–"]
    assert rows["Summa (Årets resultat)"][-2:] == [_n("-2 602"), "–"]
    v = _rows(_html(t1), "uppfoljning_verksamhet")
    assert v[0] == ["Köp av tjänster", "Individ- och familjeomsorg"] + [
        _n(x) for x in ["-44 000", "-15 000", "-46 000", "-2 000", "-4,5 %"]
    ] + ["SYNTETISKT: fler externa placeringar."]
    assert v[1][:2] == ["Köp av tjänster", "Funktionsstöd"] and v[1][-1] == ""
    md = _markdown(t1)
    assert f"avviker från budgeten med {_n('-2 602')}{NBSP}tkr (underskott)" in md
    comment = escape.md_text("SYNTETISKT: ökade vikariekostnader.")  # data text is literal Markdown
    assert "**Personalkostnader:** " + _n("-2 502") + f"{NBSP}tkr, {_n('-1,6')}{NBSP}%. {comment}" in md
    assert "[åtgärdsplanen](atgardsplan.ipynb)" in md and f"+5{NBSP}500{NBSP}tkr" in md
    assert sum("image/png" in o["data"] for o in t1) == 2

    t2 = _run_budget(tmp_path / "t2.ipynb", 2)
    assert "Källorna innehåller ingen budgetuppföljning för tertial 2 2025" in _html(t2)
    assert _table(_html(t2), "uppfoljning_budget")["Personalkostnader"] == [_n("-161 198")]
    assert "Senaste uppföljning för 2025: tertial 1 2025" in _markdown(t2)

    t3 = _run_budget(tmp_path / "t3.ipynb", 3)
    rows = _table(_html(t3), "uppfoljning")
    assert rows["Köp av tjänster"] == [
        _n(x) for x in ["-63 743", "-65 000", "102,0 %", "100,0 %", "-65 000", "-1 257", "-2,0 %"]
    ]
    md = _markdown(t3)
    assert "**Övriga kostnader:** +587" in md and "*Kommentar saknas i uppföljningen.*" in md
    assert "Uppföljning saknas för tertial 2 2025" in md


def test_default_page_says_no_follow_up_yet(tmp_path, monkeypatch):
    monkeypatch.delenv("RAPPORTBOK_DATA", raising=False)
    out = _run_budget(tmp_path / "default.ipynb", 1)
    html = _html(out)
    assert "Källorna innehåller ingen budgetuppföljning för tertial 1 2025 (t.o.m. 30 april 2025)." in html
    assert _table(html, "uppfoljning_budget")["Kommunbidrag"] == [f"256{NBSP}303"]
    assert 'uppfoljning"' not in html and _markdown(out) == ""
