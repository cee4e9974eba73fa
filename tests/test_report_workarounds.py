"""What four reports of other municipalities needed as workarounds (issue #25), each now part of the model.

Every table and figure here is SYNTETISK. Each test is one workaround that is gone: a report with a name of its
own, a year before Kolada's default first year, heading rows that group but do not sum, a difference stated as a
row in one table and as a column in another, a text figure set against the sum of several rows, printed
decimals through the Excel import, a source address known only as http, and a sum row without values.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from conftest import copy_data
from stated_fixture import add_source, add_table

from rapportbok.analysis import budget_followup as bf
from rapportbok.analysis import position, reconcile
from rapportbok.analysis import stated_tables as rel
from rapportbok.chapters import report_tables
from rapportbok.data import datasets, sources
from rapportbok.data import stated_tables as model
from rapportbok.data.schema import DataError

ROOT = Path(__file__).resolve().parents[1]
NBSP = "\u00a0"
SRC = "syntetisk-rapport"


@pytest.fixture
def data(tmp_path, monkeypatch) -> Path:
    """A copy of data/ with the SYNTETISK organisation 'syntetisk' (2016 and 2025) and one source."""
    d = copy_data(tmp_path / "data", [])
    org = d / "syntetisk"
    org.mkdir()
    (org / "organisation.yml").write_text(
        '# SYNTETISK\nslug: syntetisk\nnamn: Syntetiska kommun\nnamnd: Socialnämnden\nkolada_id: "9997"\n'
        "ar:\n  2016: {tertial: 3}\n  2025: {per: 2025-11-30}\n",
        encoding="utf-8",
    )
    add_source(d, SRC, "SYNTETISK rapport", "syntetisk")
    monkeypatch.setenv("RAPPORTBOK_DATA", str(d))
    return d


def load(d: Path):
    sets = datasets.load_org("syntetisk", d)
    return sets, {t.id: t for t in model.load(sets)}


# --- 1. a report kind beyond the five: its own name, read as one of the kinds --------------------------------


def test_a_report_with_its_own_name_is_read_as_its_kind(data):
    add_table(
        data / "syntetisk",
        "u2",
        "Uppföljning (SYNTETISK)",
        "månadsrapport",
        "2025-11-30",
        "tkr",
        0,
        SRC,
        "Tabell 1",
        [
            ("budget", "budget helår", 2025, "Budget"),
            ("prognos", "prognos helår", 2025, "Prognos"),
            ("utfall", "utfall ack", 2025, "Utfall"),
        ],
        [
            (1, "A", 3, "post", {"budget": "100", "prognos": "110", "utfall": "90"}),
            (2, "B", 3, "post", {"budget": "50", "prognos": "45", "utfall": "40"}),
            (3, "Summa", None, "summa", {"budget": "150", "prognos": "155", "utfall": "130"}),
        ],
        name="Uppföljningsrapport 2",
    )
    sets, tables = load(data)
    t = tables["u2"]
    assert (t.kind, t.report_name, t.title) == ("månadsrapport", "Uppföljningsrapport 2", "Uppföljningsrapport 2")
    assert report_tables.report_title(t.kind, t.per, t.report_name) == (
        "Uppföljningsrapport 2 per 30 november 2025 (månadsrapport)"
    )
    pos = position.of_data(sets, 2025)
    assert (pos.report.kind, pos.report.title, pos.report.per) == (
        "månadsrapport",
        "Uppföljningsrapport 2",
        dt.date(2025, 11, 30),
    )
    # costs stated as positive amounts (most rows positive, no avvikelse column): 5 over budget is a deficit
    assert pos.forecast.value == 155 and pos.budget.value == 150 and pos.deviation.value == -5 and pos.deficit


# --- 2. any year the source states ----------------------------------------------------------------------------


def test_a_report_year_before_koladas_default_first_year(tmp_path):
    from rapportbok.data import scaffold

    d = tmp_path / "data"
    d.mkdir()
    made = scaffold.create("1441", d, years=[2016, 2017])
    assert made.years == [2016, 2017]
    text = (made.folder / "organisation.yml").read_text(encoding="utf-8")
    assert "2016:" in text and "2017:" in text
    assert "first_year: 2016" in (made.folder / "kolada.yml").read_text(encoding="utf-8")
    with pytest.raises(scaffold.ScaffoldError) as err:
        scaffold.create("1440", d, years=[1889])
    assert str(err.value) == "--ar 1889: förväntade ett årtal från 1990 till 2100."


def test_a_table_of_2016_is_shown_for_2016(data):
    add_table(
        data / "syntetisk",
        "bs16",
        "Driftredovisning 2016 (SYNTETISK)",
        "bokslut",
        "2016-12-31",
        "mnkr",
        1,
        SRC,
        "T",
        [
            ("netto", "nettokostnad", 2016, "Nettokostnad 2016"),
            ("budget", "budget", 2016, "Budget 2016"),
            ("avv", "avvikelse", 2016, "Avvikelse", "budget - netto"),
        ],
        [(1, "Summa", None, "post", {"netto": "101,2", "budget": "100,0", "avv": "−1,2"})],
        concepts={"total": 1},
    )
    assert [i for i in datasets.validate(data) if i.file.startswith("syntetisk")] == []
    sets, _ = load(data)
    pos = position.of_data(sets, 2016)
    assert (pos.basis, pos.outcome.value, pos.deviation.value, pos.total_declared) == (
        position.CLOSED,
        Decimal("101.2"),
        Decimal("-1.2"),
        True,
    )


# --- 3. heading rows that group but do not sum ------------------------------------------------------------------

HEADINGS = [
    (1, "BÄF:", None, "rubrik", {}),
    (2, "Barn och familj", 6, "post", {"b": "40", "p": "44"}),
    (3, "Ekonomiskt bistånd", 6, "post", {"b": "30", "p": "31"}),
    (4, "IFO:", None, "rubrik", {}),
    (5, "Vuxen", 6, "post", {"b": "20", "p": "19"}),
    (6, "Summa", None, "summa", {"b": "90", "p": "94"}),
]


def _headings_table(d: Path, rows=HEADINGS) -> None:
    add_table(
        d / "syntetisk",
        "rub",
        "Per verksamhet (SYNTETISK)",
        "månadsrapport",
        "2025-11-30",
        "tkr",
        0,
        SRC,
        "T",
        [
            ("b", "budget helår", 2025, "Budget"),
            ("p", "prognos helår", 2025, "Prognos"),
            ("u", "utfall ack", 2025, "Utfall"),
        ],
        rows,
    )


def test_heading_rows_group_the_rows_under_them_without_summing(data):
    _headings_table(data)
    assert [i for i in datasets.validate(data) if i.file.startswith("syntetisk")] == []
    _, tables = load(data)
    t = tables["rub"]
    assert t.headings() == {2: 1, 3: 1, 5: 4}  # the total below the rows ends the group
    assert report_tables.depths(t) == [0, 1, 1, 0, 1, 0]
    assert t.total_row() == 6  # headings are no rows above the total that fail to sum into it
    checks = rel.sum_checks(t)
    assert [(c.finding.check, c.finding.ok) for c in checks] == [
        ("Summa, Budget = summan av raderna under", True),
        ("Summa, Prognos = summan av raderna under", True),
    ]
    fu = bf.followup(t)
    assert [i.label for i in fu.items] == ["Barn och familj", "Ekonomiskt bistånd", "Vuxen"]
    assert fu.total.deviation == -4


def test_a_heading_row_with_an_amount_or_summing_is_an_error(data):
    rows = [*HEADINGS]
    rows[0] = (1, "BÄF:", None, "rubrik", {"b": "70"})
    rows[4] = (5, "Vuxen", 4, "post", {"b": "20", "p": "19"})
    _headings_table(data, rows)
    with pytest.raises(DataError) as err:
        datasets.load_org("syntetisk", data)
    messages = [i.message() for i in err.value.issues if i.severity == "fel"]
    assert (
        "syntetisk/tabell_varden.csv, rad 2, kolumn 'varde': värdet '70' – förväntade en tom cell (en rad med rollen "
        "rubrik anger inga belopp; har raden belopp är den en summa eller en post)."
    ) in messages
    assert any(
        "kolumn 'summeras_i': värdet '4' – förväntade numret på en rad som summerar (rad 4 är en rubrikrad" in m
        for m in messages
    )


# --- 4. a difference stated as a row in one table and as a column in another --------------------------------


def _difference_tables(d: Path, stated_column: str = "−3,6") -> None:
    org = d / "syntetisk"
    add_table(
        org,
        "res",
        "Resultaträkning (SYNTETISK)",
        "bokslut",
        "2024-12-31",
        "mnkr",
        1,
        SRC,
        "R",
        [("u24", "utfall helår", 2024, "Utfall 2024")],
        [
            (1, "Nettokostnader", None, "post", {"u24": "−241,6"}),
            (2, "Budget", None, "post", {"u24": "−238,0"}),
            (3, "Budgetavvikelse", None, "differens", {"u24": "−3,6"}, "rad 1 - rad 2"),
        ],
    )
    add_table(
        org,
        "drift",
        "Driftsredovisning (SYNTETISK)",
        "bokslut",
        "2024-12-31",
        "mnkr",
        1,
        SRC,
        "D",
        [
            ("netto", "nettokostnad", 2024, "Nettokostnad"),
            ("budget", "budget", 2024, "Budget"),
            ("avv", "avvikelse", 2024, "Avvikelse mot budget", "netto - budget"),
        ],
        [(1, "Summa", None, "post", {"netto": "−241,6", "budget": "−238,0", "avv": stated_column})],
    )
    with open(org / "tabell_lankar.csv", "w", encoding="utf-8") as f:
        f.write("tabell,rad,samma_tabell,samma_rad,kolumn,samma_kolumn\nres,3,drift,1,u24,avv\n")


def test_a_difference_row_linked_to_a_difference_column(data):
    _difference_tables(data)
    sets, tables = load(data)
    links = model.links(sets)
    assert links == [model.Link("res", ((1, 3),), "drift", ((1, 1),), "u24", "avv")]
    [check] = [c for c in rel.link_checks(list(tables.values()), links)]
    assert check.finding.check == (
        "Budgetavvikelse, Utfall 2024 (Resultaträkning (SYNTETISK)) = Summa, Avvikelse mot budget "
        f"(Driftsredovisning (SYNTETISK), −3,6{NBSP}mnkr)"
    )
    assert reconcile.kind(check.finding) == reconcile.AGREES


def test_a_difference_link_finds_a_planted_mismatch(data):
    _difference_tables(data, stated_column="−3,8")
    sets, tables = load(data)
    [check] = rel.link_checks(list(tables.values()), model.links(sets))
    assert reconcile.kind(check.finding) == reconcile.MISMATCH
    assert (check.finding.stated, check.finding.computed) == (-3.6, -3.8)


def test_a_link_names_both_cells_or_neither(data):
    _difference_tables(data)
    (data / "syntetisk" / "tabell_lankar.csv").write_text(
        "tabell,rad,samma_tabell,samma_rad,kolumn,samma_kolumn\nres,3,drift,1,u24,\nres,3,drift,1,xx,avv\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError) as err:
        datasets.load_org("syntetisk", data)
    assert [i.message() for i in err.value.issues] == [
        "syntetisk/tabell_lankar.csv, rad 2, kolumn 'samma_kolumn': en tom cell – förväntade båda kolumnerna "
        "(kolumn och samma_kolumn) eller ingen av dem.",
        "syntetisk/tabell_lankar.csv, rad 3, kolumn 'kolumn': värdet 'xx' – förväntade en kolumn i "
        "tabell_kolumner.csv för tabellen res: u24.",
    ]


# --- 5. a figure in the report's text linked to the sum of several rows -------------------------------------


def _text_figure(d: Path, text_value: str) -> None:
    org = d / "syntetisk"
    add_table(
        org,
        "plac",
        "Placeringar (SYNTETISK)",
        "månadsrapport",
        "2025-11-30",
        "tkr",
        0,
        SRC,
        "Tabell 3",
        [("p", "prognos helår", 2025, "Prognos helår")],
        [
            (1, "HVB barn", 4, "post", {"p": "21 400"}),
            (2, "Familjehem", 4, "post", {"p": "13 550"}),
            (3, "HVB vuxna", 4, "post", {"p": "9 830"}),
            (4, "Summa", None, "summa", {"p": "44 780"}),
        ],
    )
    add_table(
        org,
        "text",
        "Placeringar enligt texten (SYNTETISK)",
        "månadsrapport",
        "2025-11-30",
        "mnkr",
        0,
        SRC,
        "Sammanfattning",
        [("p", "prognos helår", 2025, "Prognos, placeringar")],
        [(1, "Placeringar av barn (cirka)", None, "post", {"p": text_value})],
    )
    with open(org / "tabell_lankar.csv", "w", encoding="utf-8") as f:
        f.write("tabell,rad,samma_tabell,samma_rad\ntext,1,plac,rad 1 + rad 2\n")


def test_a_text_figure_linked_to_the_sum_of_several_rows(data):
    _text_figure(data, "35")  # 21 400 + 13 550 = 34 950 tkr; "cirka 35 miljoner"
    sets, tables = load(data)
    [check] = rel.link_checks(list(tables.values()), model.links(sets))
    f = check.finding
    assert f.check == (
        "Placeringar av barn (cirka), Prognos, placeringar (Placeringar enligt texten (SYNTETISK)) = HVB barn + "
        f"Familjehem, Prognos helår (Placeringar (SYNTETISK), 34{NBSP}950{NBSP}tkr)"
    )
    assert (f.stated, f.computed, f.unit) == (35.0, 34.95, "mnkr") and reconcile.kind(f) == reconcile.ROUNDING
    assert f.tol == pytest.approx(0.5 + 0.001)  # the text's half mnkr and the two rows' half tkr
    assert check.cells == frozenset({("text", 1, "p"), ("plac", 1, "p"), ("plac", 2, "p")})


def test_a_text_figure_beyond_the_sum_is_a_mismatch(data):
    _text_figure(data, "36")
    sets, tables = load(data)
    [check] = rel.link_checks(list(tables.values()), model.links(sets))
    assert reconcile.kind(check.finding) == reconcile.MISMATCH


def test_a_link_to_a_row_that_does_not_exist_names_it(data):
    _text_figure(data, "35")
    (data / "syntetisk" / "tabell_lankar.csv").write_text(
        "tabell,rad,samma_tabell,samma_rad\ntext,1,plac,rad 1 + rad 9\ntext,1,plac,rad ett\n", encoding="utf-8"
    )
    with pytest.raises(DataError) as err:
        datasets.load_org("syntetisk", data)
    assert [i.message() for i in err.value.issues] == [
        "syntetisk/tabell_lankar.csv, rad 2, kolumn 'samma_rad': värdet 'rad 1 + rad 9' – förväntade numret på en "
        "rad i tabellen plac (tabell_varden.csv); rad 9 finns inte.",
        "syntetisk/tabell_lankar.csv, rad 3, kolumn 'samma_rad': värdet 'rad ett' – förväntade ett radnummer, eller "
        "flera med + och − emellan (t.ex. rad 3 + rad 4).",
    ]


# --- 6. printed decimals kept through the Excel import ------------------------------------------------------


def test_printed_decimals_are_kept_through_the_excel_import(data, tmp_path):
    from rapportbok.data import tables_workbook as tw

    assert tw.printed("157", "1") == "157.0" and tw.printed("157.25", "1") == "157.25"  # too many: the checks say so
    assert tw.printed("−1 234", "2") == "-1234.00" and tw.printed("", "1") == "" and tw.printed("x", "1") == "x"
    assert tw.printed("157", "0") == "157" and tw.printed("157", "") == "157"
    book = tmp_path / "mall.xlsx"
    tw.write_template("budget", 2025, dt.date(2025, 11, 30), book)
    wb = openpyxl.load_workbook(book)
    ws = wb.worksheets[0]
    ws["B1"], ws["B2"], ws["B5"], ws["B6"] = "b25", "Budget, mnkr (SYNTETISK)", "mnkr", 1
    ws["B7"], ws["B8"] = SRC, "Tabell 1"
    comment = next(c.column for c in ws[14] if c.value == "Kommentar")
    ws.delete_cols(7, comment - 7)  # one value column (F) and the comment column
    ws["F10"], ws["F11"], ws["F12"], ws["F13"], ws["F14"] = "b", "budget", 2025, None, "Budget 2025"
    rows = [(1, "Verksamhetens kostnader", 2, "post", None, 157.0), (2, "Summa", None, "summa", None, 157.0)]
    for i, row in enumerate(rows):
        for j, v in enumerate(row, start=1):
            ws.cell(row=15 + i, column=j, value=v)  # Excel holds 157,0 as the number 157
    wb.save(book)
    tw.import_tables(book, "syntetisk", data)
    values = (data / "syntetisk" / "tabell_varden.csv").read_text(encoding="utf-8")
    assert "b25,1,Verksamhetens kostnader,2,post,,b,157.0" in values and ",157\n" not in values
    _, tables = load(data)
    assert str(tables["b25"].value(1, "b")) == "157.0"


# --- 7. a source address known only as http -----------------------------------------------------------------


def test_an_http_address_is_accepted_with_a_note_and_never_fetched(data, monkeypatch):
    from rapportbok.publish import build

    kallor = data / "kallor.csv"
    text = kallor.read_text(encoding="utf-8").replace(
        f"{SRC},SYNTETISK rapport,syntetisk,Rapport,SYNTETISK,kallor/{SRC}.txt,",
        f"{SRC},SYNTETISK rapport,syntetisk,Rapport,SYNTETISK,kallor/{SRC}.txt,http://example.invalid/rapport.pdf",
    )
    kallor.write_text(text, encoding="utf-8")
    issues = [i for i in datasets.validate(data) if "example.invalid" in i.value]
    assert [(i.severity, i.message()) for i in issues] == [
        (
            "varning",
            "kallor.csv, kolumn 'url': värdet 'http://example.invalid/rapport.pdf' – förväntade adressen är bara känd "
            "som http://, inte https://: den godtas och visas på källans sida med en anmärkning, men boken hämtar "
            f"aldrig något därifrån; ange https:// om dokumentet finns där (källan {SRC}).",
        )
    ]

    def no_fetch(*a, **kw):  # nothing in the book may fetch a source's address
        raise AssertionError("fetched")

    import urllib.request

    monkeypatch.setattr(urllib.request, "urlopen", no_fetch)
    from rapportbok.data import organisations as orgs

    pages = build.source_pages(data, orgs.load_all(data)[0])
    assert (
        '- **Originaldokumentet:** <a href="http://example.invalid/rapport.pdf" rel="nofollow">'
        "http://example.invalid/rapport.pdf</a> (adressen är bara känd som http://, utan kryptering; boken har "
        "inte hämtat något därifrån)"
    ) in pages[f"{SRC}.md"]
    assert sources.is_http_only("http://x") and not sources.is_http_only("https://x")
    bad = kallor.read_text(encoding="utf-8").replace("http://example.invalid", "ftp://example.invalid")
    kallor.write_text(bad, encoding="utf-8")
    with pytest.raises(DataError):
        sources.load(data)


# --- 8. kontrollera warns about a sum row with no values -------------------------------------------------


def test_a_sum_row_without_values_is_a_warning(data):
    add_table(
        data / "syntetisk",
        "tom",
        "Tom summa (SYNTETISK)",
        "månadsrapport",
        "2025-11-30",
        "tkr",
        0,
        SRC,
        "T",
        [("p", "prognos helår", 2025, "Prognos")],
        [
            (1, "Köp av tjänster", None, "summa", {}),
            (2, "Barn och unga", 1, "post", {"p": "17 500"}),
            (3, "Vuxna", 1, "post", {"p": "10 000"}),
        ],
    )
    warnings = [i for i in datasets.validate(data) if i.file == "syntetisk/tabell_varden.csv"]
    assert [(i.severity, i.message()) for i in warnings] == [
        (
            "varning",
            "syntetisk/tabell_varden.csv, rad 2, kolumn 'varde': en tom cell – förväntade belopp på summaraden Köp av "
            "tjänster (alla dess celler är tomma); för in källans belopp, eller ge raden rollen rubrik om den bara är en "
            "rubrik som grupperar raderna under den.",
        )
    ]
