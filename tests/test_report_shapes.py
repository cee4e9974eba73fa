"""Four report shapes on one model (issue #25): each builds, each chapter shows it, and the answer inputs of each
organisation-year (rapportbok.analysis.position) are exactly what the report states.

Every figure is SYNTETISK (tests/fixtures/report_shapes, see its README.md): a monthly follow-up per 31 October
in tkr with a kostnadsslag table in mnkr, an årsredovisning's driftsredovisning for two years, a savings
programme of "omkring 40 miljoner" whose six measures sum to 40,225, and a monthly report per 30 November whose
year is not printed; with planted errors and planted rounding. The real data in data/ is not touched.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from decimal import Decimal as D
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT, copy_project, run_cli

from rapportbok.analysis import position as pos_mod
from rapportbok.analysis.position import Amount, Position, Report

FIX = ROOT / "tests" / "fixtures" / "report_shapes"
ORGS = ("syntetisk-manad", "syntetisk-bokslut", "syntetisk-spar", "syntetisk-november")
NBSP = "\u00a0"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    root = copy_project(tmp_path_factory.mktemp("shapes"))
    data = root / "data"
    for org in ORGS:
        shutil.copytree(FIX / org, data / org)
    for p in (FIX / "kallor").iterdir():
        shutil.copy(p, data / "kallor" / p.name)
    with open(data / "kallor.csv", "a", encoding="utf-8") as f:
        f.write((FIX / "SYNTETISK_kallor_rader.csv").read_text(encoding="utf-8"))
    check = run_cli(root, "kontrollera")
    args = [a for org in ORGS for a in ("--org", org)]
    build = run_cli(root, "bygg", *args, "--utan-webbplats", "--parallella", "2")
    return {"root": root, "data": data, "check": check, "build": build}


def _page(root: Path, org: str, year: int, chapter: str) -> str:
    nb = nbformat.read(root / "book" / org / str(year) / f"{chapter}.ipynb", as_version=4)
    text = "".join(
        o.get("data", {}).get("text/markdown", "") + o.get("data", {}).get("text/html", "")
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
    )
    text = re.sub(r"<style.*?</style>", "", text, flags=re.DOTALL)
    return re.sub(r"\\(.)", r"\1", text)


def _position(data: Path, org: str, year: int) -> Position:
    from rapportbok.data import datasets

    return pos_mod.of_data(datasets.load_org(org, data), year)


def test_each_shape_validates_and_builds(built):
    assert built["check"].returncode == 0, built["check"].stderr
    assert "Traceback" not in built["build"].stderr
    assert built["build"].returncode == 0, built["build"].stdout + built["build"].stderr
    pages = {org: sorted(p.stem for p in (built["root"] / "book" / org).rglob("*.ipynb")) for org in ORGS}
    assert pages == {
        "syntetisk-manad": ["avstamning", "budget", "sammanfattning", "tabeller"],
        "syntetisk-bokslut": ["avstamning", "budget", "sammanfattning", "tabeller"],
        "syntetisk-spar": ["atgardsplan", "avstamning", "budget", "sammanfattning"],
        "syntetisk-november": ["avstamning", "budget", "sammanfattning", "tabeller"],
    }


def _report(kind, title, per, caption, table, kalla, avsnitt, source) -> Report:
    return Report(kind, title, per, caption, table, kalla, avsnitt, "Källa: " + source)


def _a(value: str, unit: str, decimals: int, approx: str = "nej", stated: bool = True) -> Amount:
    return Amount(D(value), unit, decimals, approx, stated)


def test_the_answer_inputs_of_each_organisation_year_exactly(built):
    data = built["data"]
    manad = _report(
        "månadsrapport",
        "Månadsrapport",
        dt.date(2025, 10, 31),
        "Driftredovisning per verksamhet, tkr (SYNTETISK)",
        "okt_verksamhet",
        "syntetisk-manad-okt-2025",
        "Ekonomi – Tabell 1. Driftredovisning per verksamhet, tkr",
        "SYNTETISK Månadsrapport oktober 2025 (SYNTETISK, Socialnämnden 2025-11-18)",
    )
    assert _position(data, "syntetisk-manad", 2025) == Position(
        2025,
        manad,
        pos_mod.FORECAST,
        "Summa",
        True,
        budget=_a("-179100", "tkr", 0),
        outcome=_a("-154700", "tkr", 0),
        forecast=_a("-186850", "tkr", 0),
        deviation=_a("-7750", "tkr", 0),
    )
    annual = _report(
        "bokslut",
        "Årsredovisning 2025",
        dt.date(2025, 12, 31),
        "Driftsredovisning per verksamhet, mnkr (SYNTETISK)",
        "ar_drift",
        "syntetisk-bokslut-ar-2025",
        "Driftsredovisning – Driftsredovisning per verksamhet, mnkr",
        "SYNTETISK Årsredovisning 2025 (SYNTETISK, Kommunfullmäktige 2026-04-20)",
    )
    assert _position(data, "syntetisk-bokslut", 2025) == Position(
        2025,
        annual,
        pos_mod.CLOSED,
        "Summa socialnämnden",
        True,
        budget=_a("438.1", "mnkr", 1),
        outcome=_a("423.8", "mnkr", 1),
        deviation=_a("14.3", "mnkr", 1),
        reported_result=_a("-13.9", "mnkr", 1),
    )
    # The year before, as the årsredovisning 2025 restates it (its 2024 columns).
    assert _position(data, "syntetisk-bokslut", 2024) == Position(
        2024,
        annual,
        pos_mod.CLOSED,
        "Summa socialnämnden",
        True,
        budget=_a("406.1", "mnkr", 1),
        outcome=_a("414.0", "mnkr", 1),
        deviation=_a("-7.9", "mnkr", 1),
        reported_result=_a("-13.4", "mnkr", 1),
    )
    spar = _position(data, "syntetisk-spar", 2026)
    (need,) = spar.statements
    assert spar == Position(
        2026,
        _report(
            "uppgift",
            "Besparingsbehov 2026 för en budget i balans (SYNTETISK)",
            None,
            "",
            None,
            "syntetisk-spar-2026",
            "Bakgrund",
            "SYNTETISK Besparingsprogram 2026 (SYNTETISK, Socialnämnden 2025-11-18 § 90)",
        ),
        pos_mod.BUDGET,
        deviation=_a("-40", "mnkr", 0, "omkring"),
        statements=(need,),
    )
    assert (need.id, need.approx, need.basis, need.year) == ("spar-behov-2026", "omkring", "budget", 2026)
    november = _report(
        "månadsrapport",
        "Månadsuppföljning november",
        dt.date(2025, 11, 30),
        "Ekonomisk uppföljning per verksamhet, tkr (SYNTETISK)",
        "nov",
        "syntetisk-november-2025",
        "Ekonomisk uppföljning per november",
        "SYNTETISK Månadsuppföljning november (SYNTETISK, Socialnämnden (utan årtal i rapporten))",
    )
    assert _position(data, "syntetisk-november", 2025) == Position(
        2025,
        november,
        pos_mod.FORECAST,
        "Summa",
        False,  # the table's one top sum row, not named in tabell_begrepp.csv
        budget=_a("194500", "tkr", 0),
        outcome=_a("179990", "tkr", 0),  # as stated, the planted error included
        forecast=_a("197000", "tkr", 0),
        deviation=_a("-2500", "tkr", 0),  # the source's own avvikelse (budget − prognos, costs positive)
    )


def test_the_build_warns_of_exactly_the_planted_errors(built):
    lines = [line for line in built["build"].stdout.splitlines() if line.startswith("Varning (syntetisk")]
    mismatches = [line.split("): ", 1)[1] for line in lines if "Avstämning" in line]
    short = [re.sub(r"\. Källa: .*|\. SYNTETISK .*", "", m).replace(NBSP, " ") for m in mismatches]
    assert sorted(short) == sorted(
        [
            # syntetisk-manad: the one wrong cell breaks its row and its column
            "Avstämning (tabeller): Individ- och familjeomsorg, Prognos 2025 = summan av raderna under: källan anger "
            "−102 350 tkr, raderna ger −102 620 tkr (skillnad −270 tkr)",
            "Avstämning (tabeller): Vuxna: Avvikelse = Prognos 2025 − Budget 2025: källan anger −1 150 tkr, raderna "
            "ger −1 420 tkr (skillnad −270 tkr)",
            # syntetisk-bokslut: the same
            "Avstämning (tabeller): Summa socialnämnden, Budget 2024 = summan av raderna under: källan anger 406,1 "
            "mnkr, raderna ger 408,8 mnkr (skillnad +2,7 mnkr)",
            "Avstämning (tabeller): Funktionsstöd: Avvikelse 2024 = Budget 2024 − Nettokostnad 2024: källan anger "
            "−3,5 mnkr, raderna ger −0,8 mnkr (skillnad +2,7 mnkr)",
            # syntetisk-november and syntetisk-spar
            "Avstämning (tabeller): Summa, Utfall jan–nov = summan av raderna under: källan anger 179 990 tkr, "
            "raderna ger 179 900 tkr (skillnad −90 tkr)",
            "Avstämning (åtgärdsplan): Summa helårseffekt, tabellen: summan av åtgärdernas helårseffekt: källan "
            "anger 42,5 mnkr, raderna ger 42,0 mnkr (skillnad −0,5 mnkr)",
        ]
    )  # and no rounding among them: −186 850 tkr against −186,9 mnkr, 61,9 against 61,8, 40,2 against 40,225


def test_monthly_report_in_tkr_with_a_kostnadsslag_table_in_mnkr(built):
    root = built["root"]
    budget = _page(root, "syntetisk-manad", 2025, "budget")
    assert "**Uppföljning perioden t.o.m. 31 oktober 2025** (Månadsrapport per 31 oktober 2025)." in budget
    assert f"Prognosen för helåret avviker från budgeten med −7{NBSP}750{NBSP}tkr (underskott)." in budget
    assert "Uppföljning per del av posten" in budget and "Barn och unga" in budget
    assert "SYNTETISKT: fler placeringar av barn och unga än budgeterat." in budget  # the row's comment
    assert "”Nettokostnad per kostnadsslag, mnkr (SYNTETISK)” (mnkr, per 31 oktober 2025)" in budget
    tables = _page(root, "syntetisk-manad", 2025, "tabeller")
    assert "Nettokostnad per kostnadsslag, mnkr (SYNTETISK), mnkr, 1 decimal" in tables and "−186,9" in tables
    audit = _page(root, "syntetisk-manad", 2025, "avstamning")
    assert "Troligen fel i cellen ”Vuxna”, ”Prognos 2025”" in audit
    assert "Avrundning" in audit  # −186 850 tkr against −186,9 mnkr


def test_annual_report_for_two_years(built):
    root = built["root"]
    budget = _page(root, "syntetisk-bokslut", 2025, "budget")
    assert "**Uppföljning helåret 2025** (Årsredovisning 2025 per 31 december 2025)." in budget
    assert f"Utfallet för helåret avviker från budgeten med +14,3{NBSP}mnkr (överskott)." in budget
    tables = _page(root, "syntetisk-bokslut", 2025, "tabeller")
    assert "Årsredovisning 2025 per 31 december 2025 (bokslut)" in tables
    assert "Nettokostnad 2024 omräknad (kostnader 2024 − intäkter 2024)" in tables
    assert "Årets resultat" in tables and "−13,9" in tables
    audit = _page(root, "syntetisk-bokslut", 2025, "avstamning")
    assert "Troligen fel i cellen ”Funktionsstöd”, ”Budget 2024”" in audit


def test_savings_programme_of_about_40_million(built):
    root = built["root"]
    summary = _page(root, "syntetisk-spar", 2026, "sammanfattning")
    # No false precision: the plan's 40,225 agrees with "omkring 40" within its precision, on every page.
    assert f"omkring 40{NBSP}mnkr" in summary
    assert "inom den precision som källan anger beloppen med, så boken anger ingen återstod" in summary
    assert "överstiger underskottet" not in summary and "inte förklarad" not in summary
    assert "större än underskottet" not in summary and "Kvar efter" not in summary
    assert f"0,2{NBSP}mnkr" not in summary and "225" not in summary  # one stated total: "omkring 40", once
    audit = _page(root, "syntetisk-spar", 2026, "avstamning")
    # "omkring 40" against the measures' 40,225: within its precision, shown as the source gives it
    assert "omkring 40<" in audit and "omkring 40,0" not in audit
    assert "Avvikelse i källan" in audit  # the helårseffekt 42,5 against 42,0


# Läget of each report shape, exactly (issue #26): the position first with its date and basis, the plans, the one
# remainder or why there is none. SYNTETISK figures.
SHAPES_LAGE = {
    ("syntetisk-manad", 2025): (
        "Prognosen för helåret 2025 per 31 oktober 2025 (Månadsrapport): underskott 7 750 tkr mot budgeten. "
        "Ingen åtgärdsplan i källorna gäller 2025."
    ),
    ("syntetisk-bokslut", 2025): (
        "Bokslutet 2025 (Årsredovisning 2025): överskott 14,3 mnkr mot budgeten. "
        "Årets resultat i bokslutet 2025: underskott 13,9 mnkr. "
        "Ingen åtgärdsplan i källorna gäller 2025."
    ),
    ("syntetisk-spar", 2026): (
        "Besparingsbehov 2026 för en budget i balans (SYNTETISK): omkring 40 mnkr (budget 2026). "
        "”Besparingsprogram 2026 (SYNTETISK)” (beslutad 18 november 2025) anger effekten 2026 till omkring 40 mnkr. "
        "Planens effekt 2026 motsvarar underskottet omkring 40 mnkr i budgeten 2026 inom den precision som källan "
        "anger beloppen med, så boken anger ingen återstod."
    ),
    ("syntetisk-november", 2025): (
        "Prognosen för helåret 2025 per 30 november 2025 (Månadsuppföljning november): underskott 2 500 tkr mot "
        "budgeten. Ingen åtgärdsplan i källorna gäller 2025."
    ),
}


def test_lage_of_each_report_shape_exactly(built):
    from rapportbok.analysis import answer as an
    from rapportbok.data import datasets, organisations

    for (org, year), expected in SHAPES_LAGE.items():
        period = organisations.get(org, built["data"]).years[year]
        a = an.answer(datasets.load_org(org, built["data"]), year, period)
        said = " ".join(s.text() for s in a.statements).replace(NBSP, " ")
        assert said == expected, org
        # and the built year's summary shows it, first
        page = _page(built["root"], org, year, "sammanfattning").replace(NBSP, " ")
        plain = re.sub(r"<[^>]+>", "", page)
        assert plain.index("Läget " + str(year)) < plain.index(expected.split(":")[0]) < plain.index("Sidan samlar")


def test_monthly_report_whose_year_is_not_printed(built):
    root = built["root"]
    budget = _page(root, "syntetisk-november", 2025, "budget")
    assert (
        "**Uppföljning perioden t.o.m. 30 november 2025** (Månadsuppföljning november per 30 november 2025)." in budget
    )
    assert f"avviker från budgeten med −2{NBSP}500{NBSP}tkr (underskott)" in budget
    assert "Tabellen anger kostnaderna som positiva belopp och avvikelsen som budget − prognos." in budget
    tables = _page(root, "syntetisk-november", 2025, "tabeller")
    assert "Månadsuppföljning november per 30 november 2025 (månadsrapport)" in tables
    assert "Rapporten avser perioden t.o.m. 30 november 2025: 11 av årets 12 månader" in tables
    audit = _page(root, "syntetisk-november", 2025, "avstamning")
    assert "Underskott för helåret (cirka), Prognostiserat underskott, helår" in audit  # cell against cell


def test_the_answer_inputs_of_the_real_organisation_years():
    """data/ as the sources state it: Alingsås's budget (both years), Linköping's plan of August 2023 for 2024 and
    its 2023 deficit (another year: not 2024's), Haninge's forecast deficit per February 2018."""
    from rapportbok.data import datasets

    def of(org, year):
        return pos_mod.of_data(datasets.load_org(org), year)

    budget = _report(
        "budget",
        "Budget",
        dt.date(2024, 12, 10),
        "Ekonomiska ramar",
        "ramar",
        "alingsas-budget-2025",
        'Nämndens budget – Ekonomiska ramar, tabell "Belopp i tkr"',
        "Socialnämndens budget 2025–2027 (Socialnämnden 2024-12-10, dnr 2024.085 SN)",
    )
    a25 = of("alingsas", 2025)
    assert (a25.report, a25.basis, a25.row, a25.total_declared, a25.budget) == (
        budget,
        pos_mod.BUDGET,
        "Årets resultat",
        False,
        _a("0", "tkr", 0),
    )
    assert (a25.grant, a25.net_cost, a25.result) == (_a("256303", "tkr", 0), _a("-256303", "tkr", 0), _a("0", "tkr", 0))
    assert a25.statements == () and a25.plan_effects == ()
    a24 = of("alingsas", 2024)
    assert (a24.report, a24.basis, a24.grant, a24.net_cost) == (
        budget,
        pos_mod.BUDGET,
        _a("245082", "tkr", 0),
        _a("-245082", "tkr", 0),
    )
    # Two statements without an amount, each with its citation: the structural deficit the plan is to meet, and
    # that the nämnd did not keep within its ram in 2024.
    assert [(f.id, f.value, f.basis, f.per) for f in a24.statements] == [
        ("alingsas-strukturellt-underskott-2024", None, "bedömning", dt.date(2024, 9, 17)),
        ("alingsas-inte-inom-ram-2024", None, "bedömning", dt.date(2024, 12, 10)),
    ]
    assert a24.statements[1].quote.startswith("Under 2024 har Socialnämnden inte klarat av att bedriva verksamheten")
    l24 = of("linkoping", 2024)
    assert (l24.report, l24.basis, l24.statements) == (None, None, ())  # the −99 mnkr is the 2023 bokslut's
    assert [(f.id, f.value, f.unit, f.basis) for f in l24.plan_effects] == [
        ("linkoping-atgardsplan-aug2023-2024", D("31"), "mnkr", "plan")
    ]
    h18 = of("haninge", 2018)
    assert (h18.basis, h18.report.kind, h18.report.per, h18.deviation) == (
        pos_mod.FORECAST,
        "uppgift",
        dt.date(2018, 2, 28),
        _a("-12.4", "mnkr", 1),
    )
