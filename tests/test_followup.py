"""Budgetuppföljning on the stated-table model (issue #25): any report date, any unit, any row hierarchy.

Every follow-up here is SYNTETISK, written into a copy of data/ for Alingsås 2025 (whose real budget is a
stated table in tkr): a tertialrapport per kontogrupp in tkr without a budget column (the budget is the
budget table's row of the same text), a månadsrapport per 31 October in mnkr with one decimal, costs
positive and its own avvikelse (budget − prognos) and total row, and a bokslut per 31 December.
"""

from __future__ import annotations

import datetime as dt
import math
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import nbformat
import pytest
from conftest import chapter_notebook, copy_data
from stated_fixture import add_source, add_table

from rapportbok.analysis import budget as bu
from rapportbok.analysis import budget_followup as bf
from rapportbok.analysis import position
from rapportbok.data import datasets
from rapportbok.data import stated_tables as model
from rapportbok.data.thresholds import Thresholds
from rapportbok.publish.validation import validate

ROOT = Path(__file__).resolve().parents[1]
SRC = "alingsas-uppfoljning-syntetisk"
NBSP = "\u00a0"

T1_COLUMNS = [("utfall", "utfall ack", 2025, "Utfall jan–apr"), ("prognos", "prognos helår", 2025, "Prognos helår")]
T1_ROWS = [
    (1, "Verksamhetens intäkter", None, "post", {"utfall": "11 000", "prognos": "33 336"}),
    (2, "Personalkostnader", None, "post", {"utfall": "−54 500", "prognos": "−163 700"}),
    (3, "Lokalhyror", None, "post", {"utfall": "−5 700", "prognos": "−17 111"}),
    (4, "Köp av tjänster", None, "summa", {"utfall": "−21 500", "prognos": "−65 743"}),
    (5, "Individ- och familjeomsorg", 4, "post", {"utfall": "−15 000", "prognos": "−46 000"}),
    (6, "Funktionsstöd", 4, "post", {"utfall": "−6 500", "prognos": "−19 743"}),
    (7, "Övriga kostnader", None, "post", {"utfall": "−15 200", "prognos": "−46 287"}),
    (8, "Kommunbidrag", None, "post", {"utfall": "85 434", "prognos": "256 303"}),
    (9, "Finansnetto", None, "post", {"utfall": "120", "prognos": "600"}),
]
OCT_COLUMNS = [
    ("budget", "budget helår", 2025, "Budget 2025"),
    ("utfall", "utfall ack", 2025, "Utfall jan–okt"),
    ("prognos", "prognos helår", 2025, "Prognos 2025"),
    ("avv", "avvikelse", 2025, "Avvikelse", "budget - prognos"),
]
OCT_ROWS = [
    (1, "Personalkostnader", 4, "post", {"budget": "161,2", "utfall": "135,0", "prognos": "162,7", "avv": "−1,5"}),
    (2, "Köp av tjänster", 4, "post", {"budget": "63,7", "utfall": "54,0", "prognos": "64,7", "avv": "−1,0"}),
    (3, "Övriga kostnader", 4, "post", {"budget": "14,5", "utfall": "11,0", "prognos": "14,0", "avv": "0,5"}),
    (4, "Summa", None, "summa", {"budget": "239,4", "utfall": "200,0", "prognos": "241,4", "avv": "−2,0"}),
]
YEAR_ROWS = [
    (1, "Verksamhetens intäkter", None, "post", {"utfall": "33 836"}),
    (2, "Personalkostnader", None, "post", {"utfall": "−164 000"}),
    (3, "Lokalhyror", None, "post", {"utfall": "−17 000"}),
    (4, "Köp av tjänster", None, "post", {"utfall": "−65 000"}),
    (5, "Övriga kostnader", None, "post", {"utfall": "−46 000"}),
    (6, "Kommunbidrag", None, "post", {"utfall": "256 303"}),
    (7, "Finansnetto", None, "post", {"utfall": "0"}),
]


def scratch(tmp_path: Path, monkeypatch, *reports: str, year_spec: str = "2025: {tertial: 1}") -> Path:
    """A copy of data/ with the SYNTETISK follow-up tables ``reports`` (t1, okt, helar) for Alingsås 2025."""
    data = copy_data(tmp_path / "data", ["alingsas"])
    add_source(data, SRC, "SYNTETISK testkälla: uppföljning 2025", "alingsas", "Ekonomisystem")
    org = data / "alingsas"
    if "t1" in reports:
        add_table(
            org,
            "t1",
            "Uppföljning per kontogrupp (SYNTETISK)",
            "tertialrapport",
            "2025-04-30",
            "tkr",
            0,
            SRC,
            "T1",
            T1_COLUMNS,
            T1_ROWS,
            comments={2: "SYNTETISKT: ökade vikariekostnader.", 5: "SYNTETISKT: fler externa placeringar."},
        )
    if "okt" in reports:
        add_table(
            org,
            "okt",
            "Uppföljning per kostnadsslag, mnkr (SYNTETISK)",
            "månadsrapport",
            "2025-10-31",
            "mnkr",
            1,
            SRC,
            "Oktober",
            OCT_COLUMNS,
            OCT_ROWS,
            comments={2: "SYNTETISKT: placeringar."},
            name="Uppföljningsrapport 3",
        )
    if "helar" in reports:
        add_table(
            org,
            "helar",
            "Utfall per kontogrupp (SYNTETISK)",
            "bokslut",
            "2025-12-31",
            "tkr",
            0,
            SRC,
            "Helår",
            [("utfall", "utfall helår", 2025, "Utfall 2025")],
            YEAR_ROWS,
        )
    yml = org / "organisation.yml"
    yml.write_text(yml.read_text(encoding="utf-8").replace("2025: {tertial: 1}", year_spec), encoding="utf-8")
    monkeypatch.setenv("RAPPORTBOK_DATA", str(data))
    return data


def tables_of(data: Path):
    sets = datasets.load_org("alingsas", data)
    tables = model.load(sets)
    return sets, tables, bu.budget_table(tables, 2025)


def line(fu: bf.FollowUp, label: str) -> bf.Line:
    return next(i for i in fu.items if i.label == label)


def test_tertial_report_per_kontogrupp_every_computed_figure(tmp_path, monkeypatch):
    data = scratch(tmp_path, monkeypatch, "t1")
    assert [i for i in validate(data) if i.severity == "fel"] == []
    _, tables, budget_t = tables_of(data)
    fu = bf.followup(next(t for t in tables if t.id == "t1"), budget_t)
    assert [i.label for i in fu.items] == [
        "Verksamhetens intäkter",
        "Personalkostnader",
        "Lokalhyror",
        "Köp av tjänster",
        "Övriga kostnader",
        "Kommunbidrag",
        "Finansnetto",
    ]
    assert fu.rows_are_kontogrupper and bf.headers(fu) == ("Kontogrupp", "Verksamhet")
    p = line(fu, "Personalkostnader")  # overspending a cost: negative, worse than budget
    assert (p.budget, p.outcome, p.forecast, p.deviation) == (-161198, -54500, -163700, -2502)
    assert p.budget_from_table == "Ekonomiska ramar"  # the table states no budget: the budget table's row
    assert p.share_pct == pytest.approx(33.8094, abs=1e-4) and p.deviation_pct == pytest.approx(-1.5521, abs=1e-4)
    assert p.material and p.comment == "SYNTETISKT: ökade vikariekostnader."
    o = line(fu, "Övriga kostnader")
    assert (o.deviation, o.material) == (300, False)
    f = line(fu, "Finansnetto")  # budget 0: no per cent, material by tkr
    assert (f.budget, f.deviation, f.material) == (0, 600, True) and math.isnan(f.deviation_pct)
    k = line(fu, "Köp av tjänster")
    assert (k.outcome, k.forecast, k.deviation, k.summed) == (-21500, -65743, -2000, False)
    assert bf.comments(fu, k) == "Individ- och familjeomsorg: SYNTETISKT: fler externa placeringar."
    assert [(b.label, b.depth, b.budget, b.deviation) for b in fu.breakdown] == [
        ("Individ- och familjeomsorg", 1, None, None),
        ("Funktionsstöd", 1, None, None),
    ]
    assert not fu.total_stated and fu.total.label == "Summa uppföljda kontogrupper"
    assert (fu.total.budget, fu.total.forecast, fu.total.deviation) == (0, -2602, -2602)
    assert all(isinstance(i.outcome, Decimal) for i in fu.items if i.outcome is not None)


def test_a_report_in_mnkr_with_costs_positive_and_its_own_total(tmp_path, monkeypatch):
    data = scratch(tmp_path, monkeypatch, "okt", year_spec="2025: {per: 2025-10-31}")
    _, tables, budget_t = tables_of(data)
    t = next(t for t in tables if t.id == "okt")
    fu = bf.followup(t, budget_t, Thresholds(500, 2, "någon"))
    assert (fu.unit, fu.decimals, fu.sign) == ("mnkr", 1, -1)  # avvikelse = budget − prognos
    assert fu.total_stated and fu.total.label == "Summa" and not fu.rows_are_kontogrupper
    assert [(i.label, i.deviation, i.stated_deviation) for i in fu.items] == [
        ("Personalkostnader", Decimal("-1.5"), Decimal("-1.5")),
        ("Köp av tjänster", Decimal("-1.0"), Decimal("-1.0")),
        ("Övriga kostnader", Decimal("0.5"), Decimal("0.5")),
    ]
    assert (fu.total.deviation, fu.total.stated_deviation) == (Decimal("-2.0"), Decimal("-2.0"))
    # materiality in tkr: −1,5 mnkr = −1 500 tkr; 0,5 mnkr = 500 tkr reaches the threshold
    assert [i.material for i in fu.items] == [True, True, True]
    table = bf.display_table(fu)
    assert list(table.columns) == [
        "Post",
        "Budget 2025, mnkr",
        "Utfall t.o.m. 31/10, mnkr",
        "Utfall, % av budget",
        "Andel av året, %",
        "Prognos helår, mnkr",
        "Avvikelse, mnkr",
        "Avvikelse, %",
        "Avvikelse enligt källan, mnkr",
        "Kommentar",  # the source's comment to Köp av tjänster, beside its row
    ]
    assert table.iloc[-1, 0] == "Summa" and table["Andel av året, %"].iloc[0] == pytest.approx(250 / 3)
    # A material deviation without the source's comment is a warning naming the table and row.
    warnings = [i.message() for i in validate(data) if i.severity == "varning" and "okt" in i.expected]
    assert warnings == [
        "alingsas/tabell_varden.csv, rad 108, kolumn 'kommentar': en tom cell – förväntade en kommentar i "
        "tabell_kommentarer.csv (tabell okt, rad 1): avvikelsen för Personalkostnader t.o.m. 31 oktober 2025 är "
        f"−1,5{NBSP}mnkr, väsentlig enligt gränsen minst 500{NBSP}tkr eller minst 2{NBSP}% av budgeten.",
        "alingsas/tabell_varden.csv, rad 116, kolumn 'kommentar': en tom cell – förväntade en kommentar i "
        "tabell_kommentarer.csv (tabell okt, rad 3): avvikelsen för Övriga kostnader t.o.m. 31 oktober 2025 är "
        f"+0,5{NBSP}mnkr, väsentlig enligt gränsen minst 500{NBSP}tkr eller minst 2{NBSP}% av budgeten.",
    ]


def test_year_end_outcome_is_the_forecast_and_the_year_reads_each_report_date(tmp_path, monkeypatch):
    data = scratch(tmp_path, monkeypatch, "t1", "helar")
    _, tables, budget_t = tables_of(data)
    fus = bf.for_year(tables, 2025, budget_t)
    assert [f.per for f in fus] == [dt.date(2025, 4, 30), dt.date(2025, 12, 31)]
    year = fus[-1]
    assert year.full_year and [i.deviation for i in year.items] == [1500, -2802, 111, -1257, 587, 0, 0]
    assert year.total.deviation == 1500 - 2802 + 111 - 1257 + 587
    # The year's outcome once, as Utfall helår; no share of the year at 31 December.
    assert list(bf.display_table(year).columns) == [
        "Kontogrupp",
        "Budget 2025, tkr",
        "Utfall, % av budget",
        "Utfall helår, tkr",
        "Avvikelse, tkr",
        "Avvikelse, %",
    ]
    dev = bf.deviation_over_the_year(fus, 2025, dt.date(2025, 12, 31)).set_index("Period")
    assert list(dev.index) == ["T1 (30 april)", "T2 (31 augusti)", "Helår"]
    assert dev.loc["T1 (30 april)", "Personalkostnader"] == -2502 and dev.loc["Helår", "Personalkostnader"] == -2802
    assert math.isnan(dev.loc["T2 (31 augusti)", "Personalkostnader"])
    assert bf.at(fus, dt.date(2025, 8, 31)) is None


def test_the_position_reads_the_latest_report(tmp_path, monkeypatch):
    data = scratch(tmp_path, monkeypatch, "t1", "okt")
    sets, tables, _ = tables_of(data)
    pos = position.of_data(sets, 2025)
    assert (pos.report.table, pos.report.kind, pos.report.title, pos.report.per) == (
        "okt",
        "månadsrapport",
        "Uppföljningsrapport 3",
        dt.date(2025, 10, 31),
    )
    assert (pos.basis, pos.row, pos.total_declared) == (position.FORECAST, "Summa", False)
    assert (pos.budget.value, pos.forecast.value, pos.deviation.value) == (
        Decimal("239.4"),
        Decimal("241.4"),
        Decimal("-2.0"),
    )
    assert pos.deviation.stated and pos.deviation.unit == "mnkr" and pos.deficit
    # the year's budget as the budget table states it, beside the latest report
    assert (pos.grant.value, pos.net_cost.value, pos.result.value) == (256303, -256303, 0)


def test_the_page_shows_a_report_in_mnkr_with_its_name(tmp_path, monkeypatch):
    scratch(tmp_path, monkeypatch, "okt", year_spec="2025: {per: 2025-10-31}")
    out = tmp_path / "budget.ipynb"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "papermill",
            str(chapter_notebook("budget", tmp_path)),
            str(out),
            "-p",
            "org",
            "alingsas",
            "-p",
            "year",
            "2025",
            "-p",
            "tertial",
            "3",
            "--cwd",
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    nb = nbformat.read(out, as_version=4)
    cell = next(c for c in nb.cells if c.source.strip() == "ch.followup()")
    text = "".join(
        o["data"].get("text/markdown", "") + o["data"].get("text/html", "")
        for o in cell.outputs
        if o.output_type == "display_data"
    )
    assert "**Uppföljning perioden t.o.m. 31 oktober 2025** (Uppföljningsrapport 3 per 31 oktober 2025)." in text
    assert f"Prognosen för helåret avviker från budgeten med −2,0{NBSP}mnkr (underskott)." in text
    assert "Budgetuppföljning per post, perioden t.o.m. 31 oktober 2025" in text
    assert "Tabellen anger kostnaderna som positiva belopp och avvikelsen som budget − prognos." in text
    assert "<td" in text and "162,7" in text and "−1,5" in text  # the table's own unit and decimals
    assert "Köp av tjänster:** −1,0" in text and "SYNTETISKT\\: placeringar\\." in text


def test_a_chart_over_the_year_of_reports_in_two_units_is_in_tkr(tmp_path, monkeypatch):
    data = scratch(tmp_path, monkeypatch, "t1", "okt", year_spec="2025: {per: 2025-10-31}")
    _, tables, budget_t = tables_of(data)
    fus = bf.for_year(tables, 2025, budget_t)
    assert [f.unit for f in fus] == ["tkr", "mnkr"]
    assert bf.chart_unit(fus, dt.date(2025, 10, 31)) == ("tkr", 0)
    assert bf.chart_unit(fus, dt.date(2025, 4, 30)) == ("tkr", 0)
    dev = bf.deviation_over_the_year(fus, 2025, dt.date(2025, 10, 31)).set_index("Period")
    assert dev.loc["T1 (30 april)", "Personalkostnader"] == -2502
    assert dev.loc["31 oktober", "Personalkostnader"] == pytest.approx(-1500)  # −1,5 mnkr, in tkr
    only_october = [f for f in fus if f.unit == "mnkr"]
    assert bf.chart_unit(only_october, dt.date(2025, 10, 31)) == ("mnkr", 1)


HANDBOOK_FILES = ("tabeller.csv", "tabell_kolumner.csv", "tabell_varden.csv", "tabell_kommentarer.csv")


def test_handbook_followup_example(tmp_path, monkeypatch):
    """The worked follow-up example in the handbook validates as written and the chapter shows its figures."""
    import re

    from conftest import displayed

    from rapportbok.chapters.budget import BudgetChapter

    data = copy_data(tmp_path / "data", [])
    monkeypatch.setenv("RAPPORTBOK_DATA", str(data))
    monkeypatch.chdir(tmp_path)
    section = (ROOT / "handbok" / "gor-sa-har" / "budgetuppfoljning.md").read_text(encoding="utf-8")
    org = data / "minkommun"
    org.mkdir()
    (org / "organisation.yml").write_text(
        "slug: minkommun\nnamn: Minkommun (SYNTETISK)\nnamnd: Socialnämnden\n"
        'kolada_id: "9998"\nar:\n  2025: {per: 2025-10-31}\n',
        encoding="utf-8",
    )
    source = re.search(r"```\n(minkommun-manadsrapport-okt-2025,[^\n]*)\n```", section).group(1)
    with open(data / "kallor.csv", "a", encoding="utf-8") as f:
        f.write(source + "\n")  # the handbook's source line as written (a copy; no real source is added)
    for name in HANDBOOK_FILES:
        block = re.search(r"`" + re.escape(name) + r"`\n```\n(.*?)```", section, re.DOTALL)
        assert block, name
        (org / name).write_text(block.group(1), encoding="utf-8")
    assert [i.message() for i in validate(data) if i.severity == "fel"] == []
    plain = re.sub(r"<[^>]+>", " ", displayed(lambda: BudgetChapter("minkommun", 2025, 3).followup()))
    assert "Uppföljning perioden t.o.m. 31 oktober 2025" in plain and f"83,3{NBSP}%" in plain
    assert f"−1{NBSP}862{NBSP}tkr (underskott)" in plain and "Avvikelse enligt källan" in plain
    assert "Vikarier under hösten\\." in plain  # the comment, escaped as Markdown text
