"""The answer of an organisation-year (issue #26, "Rules for the answer"): one model (rapportbok.analysis.answer)
that Läget, the landing page's line, "I korthet" and the summary render from.

Golden tests fix the exact Läget text of every organisation-year in data/ and of the SYNTHETIC test book's year
(the report shapes of tests/fixtures/report_shapes are fixed in tests/test_report_shapes.py). The unit tests
check each rule on SYNTHETIC values (SYNTETISK: no real figures).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal as D
from pathlib import Path

import pytest
from conftest import ROOT

from rapportbok.analysis import actionplan as ap
from rapportbok.analysis import answer as an
from rapportbok.core import fmt
from rapportbok.data import datasets
from rapportbok.data import stated_figures as sf
from rapportbok.present import answer as present_answer

NB = fmt.NBSP


def _plain(text: str) -> str:
    return text.replace(NB, " ")


def _answer(org: str, year: int, period, data: Path | None = None) -> an.Answer:
    return an.answer(datasets.load_org(org, data), year, period)


def lage_text(a: an.Answer) -> str:
    """Läget as a reader reads it: every statement, in order, plain text."""
    return _plain(" ".join(s.text() for s in a.statements))


# --- golden: every seed organisation-year ---------------------------------------------------------------------

GOLDEN = {
    ("alingsas", 2024, 3): (
        "Enligt Socialnämndens budget 2025–2027 (10 december 2024): ”Under 2024 har Socialnämnden inte klarat av att "
        "bedriva verksamheten inom ram, i september antog nämnden därför en handlingsplan (SN 2024-09-17, §42) för att "
        "hantera underskottet och säkerställa en ekonomi i balans till 2025.” Källan anger inget belopp. "
        "Budgeten för 2024 är lagd i balans: kommunbidraget 245,1 mnkr (245 082 tkr) täcker verksamhetens "
        "nettokostnad 245,1 mnkr (245 082 tkr); årets resultat 0 tkr. "
        "Åtgärdsplanen ”Bilaga 2. Ekonomisk handlingsplan” (beslutad 17 september 2024) anger ingen effekt för 2024. "
        "Underskottet som planen ska hantera anges inte med belopp, så boken räknar inte ut något som återstår."
    ),
    ("alingsas", 2025, 1): (
        "Budgeten för 2025 är lagd i balans: kommunbidraget 256,3 mnkr (256 303 tkr) täcker verksamhetens "
        "nettokostnad 256,3 mnkr (256 303 tkr); årets resultat 0 tkr. "
        "Åtgärdsplanen ”Bilaga 2. Ekonomisk handlingsplan” (beslutad 17 september 2024) anger effekten 2025 till "
        "6,0 mnkr; 0,5 mnkr av det är enligt planen redan medräknat i andra åtgärder, så boken räknar 5,5 mnkr "
        "(5 500 tkr). "
        "Underskottet som planen ska hantera anges inte med belopp, så boken räknar inte ut något som återstår."
    ),
    ("haninge", 2018, 2): (
        "Prognosen för helåret 2018 per 28 februari 2018: underskott 12,4 mnkr mot budgeten. "
        "”Åtgärdsplanen (lista med åtgärder och dess förväntade ekonomiska effekt)” (beslutad 22 maj 2018) har en "
        "planerad effekt 2018 på 15,0 mnkr (15 000 tkr), summan av åtgärderna (bokens beräkning). "
        "Planens effekt 2018 är 2,6 mnkr (2 600 tkr) större än underskottet 12,4 mnkr i prognosen för helåret 2018 "
        "per 28 februari 2018 (bokens beräkning). "
        "Uppföljningen per 31 juli 2018: faktisk effekt hittills 7 133 tkr enligt källan (åtgärdernas belopp "
        "summerar till 7 393 tkr). "
        "Källans egen bedömning per 31 juli 2018: för 8 åtgärder är det för tidigt att bedöma effekten. "
        "Övriga åtgärder jämförda med en jämn fördelning av årets planerade effekt från beslutet 22 maj 2018: "
        "3 röda, 12 gröna och 5 grå (bokens beräkning, inte källans bedömning)."
    ),
    ("linkoping", 2024, 1): (
        "Källorna anger ingen prognos, inget utfall och ingen budget för nämndens total 2024. "
        "Åtgärdsplanen ”Utökad åtgärdsplan 2024 (SON Internbudget 2024, Bilaga 2)” (källan anger inget beslut) anger "
        "effekten 2024 till 9,0 mnkr; planen utgår från underskottet i bokslutet 2023, 99 mnkr, som inte är ett "
        "underskott för 2024. "
        "Kostnadsreduktion 2024 enligt åtgärdsplan beslutad av nämnden i augusti 2023: 31 mnkr (plan för 2024). "
        "Sammanlagt ska de två planerna ge 40 mnkr 2024 (bokens beräkning). "
        "Boken räknar inte ut något som återstår för 2024: underskottet som planen utgår från gäller bokslutet 2023, "
        "och källorna anger inget underskott för 2024."
    ),
}

GOLDEN_LINE = {
    ("alingsas", 2025, 1): (
        "Budgeten för 2025 är lagd i balans: kommunbidraget 256,3 mnkr (256 303 tkr) täcker verksamhetens "
        "nettokostnad 256,3 mnkr (256 303 tkr); årets resultat 0 tkr. "
        "Åtgärdsplanen ”Bilaga 2. Ekonomisk handlingsplan” (beslutad 17 september 2024) anger effekten 2025 till "
        "6,0 mnkr; 0,5 mnkr av det är enligt planen redan medräknat i andra åtgärder, så boken räknar 5,5 mnkr "
        "(5 500 tkr)."
    ),
    ("haninge", 2018, 2): (
        "Prognosen för helåret 2018 per 28 februari 2018: underskott 12,4 mnkr mot budgeten. "
        "Planens effekt 2018 är 2,6 mnkr (2 600 tkr) större än underskottet 12,4 mnkr i prognosen för helåret 2018 "
        "per 28 februari 2018 (bokens beräkning)."
    ),
    ("linkoping", 2024, 1): (
        "Källorna anger ingen prognos, inget utfall och ingen budget för nämndens total 2024. "
        "Sammanlagt ska de två planerna ge 40 mnkr 2024 (bokens beräkning)."
    ),
}


@pytest.mark.parametrize("key", sorted(GOLDEN))
def test_lage_of_every_seed_organisation_year_exactly(key):
    org, year, period = key
    assert lage_text(_answer(org, year, period)) == GOLDEN[key]


@pytest.mark.parametrize("key", sorted(GOLDEN_LINE))
def test_landing_line_exactly(key):
    org, year, period = key
    a = _answer(org, year, period)
    assert _plain(" ".join(s.text() for s in a.lead())) == GOLDEN_LINE[key]


TESTBOOK = ROOT / "tests" / "testbook_syntetisk"
TESTBOOK_2030 = (
    "Prognosen för helåret 2030 per 31 oktober 2030 (Månadsrapport): underskott 2 580 tkr mot budgeten. "
    "Åtgärdsplanen ”SYNTETISK åtgärdsplan 2030” (beslutad 18 mars 2030) anger effekten 2030 till 2 400 tkr. "
    "Kvar efter planen: 0,6 mnkr (600 tkr) av underskottet 3,0 mnkr i prognosen för helåret 2030 per 28 februari "
    "2030 (bokens beräkning). Den senare prognosen per 31 oktober 2030 kan redan räkna med planens effekt; källan "
    "anger inte om den gör det, så boken drar inte planens effekt från den. "
    "Uppföljningen per 31 oktober 2030: faktisk effekt hittills 1 100 tkr (summan av åtgärdernas belopp, bokens "
    "beräkning). "
    "Åtgärderna jämförda med en jämn fördelning av årets planerade effekt från beslutet 18 mars 2030: 1 röd, "
    "1 grön och 1 grå (bokens beräkning, inte källans bedömning)."
)


def test_lage_of_the_test_books_follow_up_year_exactly():
    """SYNTETISK: the forecast per 31 October comes first; one remainder (0,6 mnkr against the plan's deficit),
    never the forecast minus the plan (the budget chapter's old '−180 tkr')."""
    a = _answer("testkommun", 2030, dt.date(2030, 10, 31), TESTBOOK / "data")
    assert lage_text(a) == TESTBOOK_2030
    assert a.statements[0].kind == an.POSITION and a.statements[0].basis == "prognos"
    assert (a.remainder.gap_tkr, a.remainder.deficit_tkr, a.remainder.planned_tkr) == (600.0, 3000.0, 2400.0)
    assert "180" not in lage_text(a)


def test_the_test_books_pages_say_one_remainder():
    """The built test book: Läget, the budget chapter and the action-plan chapter give the same remainder, and the
    forecast minus the plan (−180 tkr) appears nowhere."""
    import nbformat

    book = TESTBOOK / "book" / "testkommun" / "2030"
    texts = {}
    for name in ("sammanfattning", "budget", "atgardsplan"):
        nb = nbformat.read(book / f"{name}.ipynb", as_version=4)
        texts[name] = _plain(
            re.sub(
                r"<[^>]+>|\\",
                "",
                "".join(
                    o.get("data", {}).get("text/markdown", "")
                    for c in nb.cells
                    if c.cell_type == "code"
                    for o in c.get("outputs", [])
                ),
            )
        )
    assert "Kvar efter planen: 0,6 mnkr (600 tkr)" in texts["sammanfattning"]
    assert "Kvar efter planen: 0,6 mnkr (600 tkr)" in texts["budget"]
    assert "kvar efter planen: 600 tkr" in texts["atgardsplan"]
    for text in texts.values():
        assert "−180" not in text and "återstår −" not in text
    index = _plain((book / "index.md").read_text(encoding="utf-8").replace("\\", ""))
    assert index.index("Prognosen för helåret 2030 per 31 oktober 2030") < index.index("Kvar efter planen")


# --- the rules, each on its own -------------------------------------------------------------------------------


def test_linkoping_no_remainder_across_years_and_every_plan_counted():
    """Rule 2: the 2023 bokslut deficit is not a 2024 figure; the August-2023 plan's 31 mnkr counts for 2024."""
    a = _answer("linkoping", 2024, 1)
    assert a.remainder.gap_tkr is None and "bokslutet 2023" in a.remainder.why
    text = lage_text(a)
    assert "90,0" not in text and "kvar" not in text.lower().replace("kvarstå", "")
    figures = [f.text for s in a.statements for f in s.figures]
    assert _plain(figures[-1]) == "40 mnkr"  # 9,0 + 31, same year and basis (plan 2024)


def test_a_plan_total_is_counted_once():
    """Rule 6: Linköping states the 2024 total twice (the table's 9,0 and the text's 9): one total, 9,0."""
    a = _answer("linkoping", 2024, 1)
    plan = next(s for s in a.statements if s.kind == an.PLAN)
    assert [_plain(f.text) for f in plan.figures] == ["9,0 mnkr", "99 mnkr"]
    assert "18,0" not in lage_text(a)


def test_a_judgement_without_amount_in_the_sources_own_words_cited_to_its_line():
    """Rule 4: Alingsås 2024, the nämnd did not keep within its ram: the quote, first, cited to its line."""
    a = _answer("alingsas", 2024, 3)
    first = a.statements[0]
    assert first.kind == an.JUDGEMENT and not first.figures
    assert first.quote.startswith("Under 2024 har Socialnämnden inte klarat av att bedriva verksamheten inom ram")
    from rapportbok.chapters.summary import line_link

    (cited,) = first.cited
    href = line_link(cited)
    assert href.startswith("../../kallor/alingsas-budget-2025.html#rad-")
    n = int(href.rsplit("-", 1)[1])
    lines = (ROOT / "data" / "kallor" / "alingsas-sn-budget-2025-2027.txt").read_text(encoding="utf-8").splitlines()
    assert "inte klarat av att bedriva verksamheten inom ram" in lines[n - 1]
    src = present_answer.sources_md(a, line_link)
    assert f'<a href="{href}">' in src


def test_forecast_first_then_plans_then_follow_up():
    """Rule 3: Haninge's forecast per 28 February is the first statement, then the plan, the remainder, the
    follow-up and the traffic lights."""
    a = _answer("haninge", 2018, 2)
    assert [s.kind for s in a.statements] == [
        an.POSITION,
        an.PLAN,
        an.REMAINDER,
        an.FOLLOWUP,
        an.LIGHTS,
        an.LIGHTS,
    ]
    assert a.statements[0].period == "helåret 2018" and a.statements[0].basis == "prognos"


def test_the_books_estimates_are_marked_and_link_to_their_method():
    """Rule 5: a sum, the remainder and the pro-rata lights are the book's; each links to where it is worked out."""
    a = _answer("haninge", 2018, 2)
    own = {f.key for s in a.statements for f in s.figures if f.own}
    assert own == {"planerad", "kvar", "faktisk_summa", "trafikljus"}
    text = present_answer.lage_md(a)
    links = re.findall(r'<a class="([^"]+)" href="([^"]+)"[^>]*>', text)
    assert (
        "rapportbok-lage-tal rapportbok-lage-egen",
        "atgardsplan.html#sa-raknas-forvantad-effekt-och-trafikljus",
    ) in links
    assert ("rapportbok-lage-tal", "atgardsplan.html#status-enligt-kallan") in links
    assert "bokens beräkning" in text


def test_traffic_lights_show_the_sources_status_and_count_from_the_decision():
    """Rule 5: 'för tidigt att bedöma' is the source's status, grey, never red; the book's expectation counts from
    the plan's decision on 22 May 2018, not from 1 January."""
    data = datasets.load_org("haninge")
    st = ap.status_table(data, 2018, 2)
    early = st[st["source_status"] == ap.TOO_EARLY]
    assert len(early) == 8 and set(early["light"]) == {ap.GREY}
    assert set(early["reason"]) == {"för tidigt att bedöma, enligt källan"}
    assert ap.pro_rata_start(ap.plans_for_year(data, 2018), 2018) == dt.date(2018, 5, 22)
    r = st[st["atgard_id"] == "HAN-02"].iloc[0]  # no effect start of its own: from the decision
    days = (dt.date(2018, 7, 31) - dt.date(2018, 5, 22)).days + 1
    assert r["expected_tkr"] == pytest.approx(
        r["planned_tkr"] * days / ((dt.date(2018, 12, 31) - dt.date(2018, 5, 22)).days + 1)
    )
    # a plan decided the year before counts from 1 January
    import pandas as pd

    plans = pd.DataFrame({"plan_id": ["x"], "beslutsdatum": [dt.date(2017, 11, 1)]})
    assert ap.pro_rata_start(plans, 2018) == dt.date(2018, 1, 1)


def test_the_glossary_says_whose_judgement_a_traffic_light_is():
    from rapportbok.present import glossary

    light = next(t for t in glossary.TERMS if t.term == "trafikljus")
    assert "Förvaltningens bedömning" not in light.explanation
    assert "källans bedömning" in light.explanation and "bokens beräkning" in light.explanation
    assert "planens beslut" in light.explanation


def _fact(value, unit="mnkr", approx="nej", year=2030, per=None, basis="prognos", fid="u") -> sf.StatedFact:
    """A SYNTHETIC stated deficit."""
    return sf.StatedFact(
        fid,
        "SYNTETISKT underskott",
        sf.DEFICIT,
        None if value is None else D(value),
        unit if value else "",
        approx,
        year,
        per,
        basis,
        "",
        "k",
        "s",
        "SYNTETISK",
        "Källa: SYNTETISK",
    )


def _effect(tkr, rounding=0.0, approx="nej") -> an._PlanEffect:
    return an._PlanEffect(tkr, rounding, approx, an.Statement(an.PLAN, ("SYNTETISK plan.",), "2030", "plan", an.SOURCE))


def test_remainder_only_for_the_years_stated_deficit_and_every_plans_effect():
    """Rule 2 on SYNTHETIC values: the deficit of another year, one without amount, or a plan without its effect for
    the year: no remainder, and why."""
    assert an._remainder(2030, [_effect(2400.0)], [_fact("3.0")], 1).gap_tkr == pytest.approx(600.0)
    assert an._remainder(2030, [_effect(2400.0)], [_fact("3.0", year=2029, basis="bokslut")], 1).gap_tkr is None
    assert an._remainder(2030, [_effect(2400.0)], [_fact(None)], 1).gap_tkr is None
    assert an._remainder(2030, [_effect(2400.0), _effect(None)], [_fact("3.0")], 2).gap_tkr is None
    assert an._remainder(2030, [_effect(2400.0)], [], 1).gap_tkr is None
    # two plans for the year: both counted
    assert an._remainder(2030, [_effect(2400.0), _effect(500.0)], [_fact("3.0")], 2).gap_tkr == pytest.approx(100.0)


def test_an_approximate_deficit_is_compared_within_its_precision():
    """Rule 6 on SYNTHETIC values: 'omkring 40' against 40 225 tkr: no 'överstiger med 0,2 mnkr'."""
    rem = an._remainder(2030, [_effect(40225.0)], [_fact("40", approx="omkring", basis="budget")], 1)
    assert rem.within_precision and not rem.stated
    said = _plain(an._remainder_statement(rem, 2030, 1).text())
    assert "0,2" not in said and "inom den precision" in said
    exact = an._remainder(2030, [_effect(40225.0)], [_fact("40")], 1)
    assert exact.stated and exact.gap_tkr == pytest.approx(-225.0)


def test_hostile_text_in_the_answer_is_escaped():
    """Data text is data: a plan title or fact with markup reaches MyST only escaped; a figure's link is the book's."""
    hostile = "<script>alert(1)</script> {eval}`x` [l](javascript:x) **b**"
    st = an.Statement(an.PLAN, (hostile + ": ", an.Figure(hostile, "planerad", own=True), "."), "2030", "plan", an.BOOK)
    text = present_answer.statement_md(st)
    assert "<script>" not in text and "](javascript" not in text and "{eval}`" not in text
    assert text.count('<a class="rapportbok-lage-tal rapportbok-lage-egen"') == 1
    assert "\\<script\\>" in text  # the figure's text, escaped inside its link


def test_no_position_says_what_the_sources_lack():
    """SYNTHETIC: a budget table without a result for the year is not 'ingen budget'."""
    import datetime as dt

    from rapportbok.analysis import position
    from rapportbok.data import stated_tables as model

    t = model.StatedTable("b", "Budget (SYNTETISK)", "budget", dt.date(2029, 11, 1), "tkr", 0, "k", "s")
    t.columns = [model.Column("b30", "budget", 2030, "Budget 2030")]
    t.rows = [model.Row(1, "Ram från KF", None, "post")]
    t.values[(1, "b30")] = D(1000)
    t.concepts = {model.GRANT: 1}
    with_budget = an.answer({}, 2030, None, position.position([t], [], 2030))
    assert with_budget.statements[0].text() == (
        "Källorna anger ingen prognos och inget utfall för nämndens total 2030, och budgeten anger inget resultat för "
        "året."
    )
    without = an.answer({}, 2030, None, position.position([], [], 2030))
    assert (
        without.statements[0].text()
        == "Källorna anger ingen prognos, inget utfall och ingen budget för nämndens total 2030."
    )


def test_the_plan_chart_title_names_the_deficits_period_and_basis():
    """The summary's chart of deficit and plan says whose deficit it is (Haninge 2018: the forecast per 28
    February), not "ett underskott"; the difference is marked as the book's (SYNTETISK values)."""
    from rapportbok.analysis.answer import Remainder
    from rapportbok.chapters.summary import SummaryChapter

    chapter = SummaryChapter.__new__(SummaryChapter)
    chapter.year = 2018
    rem = Remainder(
        gap_tkr=-2600.0,
        deficit_tkr=12400.0,
        planned_tkr=15000.0,
        deficit_text="underskottet 12,4\u00a0mnkr i prognosen för helåret 2018 per 28 februari 2018",
    )
    title = chapter._plan_chart_title(rem, ["Underskott", "Planerad effekt 2018"], [12400.0, 15000.0])
    assert title == (
        "Planen ger 15\u00a0000\u00a0tkr 2018 mot underskottet 12,4\u00a0mnkr i prognosen för helåret 2018 per "
        "28 februari 2018; 2\u00a0600\u00a0tkr mer än underskottet (bokens beräkning)."
    )


def test_a_budget_table_without_a_named_grant_row_is_not_called_missing(monkeypatch):
    """The summary's budget section: a budget table exists but tabell_begrepp.csv names no grant row. The page must
    not say that the sources hold no budget table (SYNTETISK chapter objects)."""
    from types import SimpleNamespace

    from rapportbok.chapters import summary as summary_module
    from rapportbok.chapters.summary import NOT_STATED, SummaryChapter

    said = []
    monkeypatch.setattr(summary_module, "md", said.append)
    chapter = SummaryChapter.__new__(SummaryChapter)
    chapter.year = 2030
    chapter.values = {"sf_kommunbidrag": NOT_STATED}
    chapter.chapters = [SimpleNamespace(slug="budget", title="Budget och ekonomiska ramar")]
    chapter.pages = {"budget": SimpleNamespace(bt=object())}
    chapter.budget_section()
    assert said == [
        "Budgettabellen för 2030 står i [Budget och ekonomiska ramar](budget.ipynb); vilken av dess rader som är "
        "kommunbidraget är inte angivet, så sammanfattningen nämner inget belopp därifrån."
    ]
    said.clear()
    chapter.pages = {"budget": SimpleNamespace(bt=None)}
    chapter.budget_section()
    assert said[0].startswith("Källorna innehåller ingen budgettabell för 2030;")
