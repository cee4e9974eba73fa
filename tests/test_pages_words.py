"""Wrong words found in the walk-through of issue #26, each fixed at its cause."""

from __future__ import annotations

import datetime as dt
import re

from bs4 import BeautifulSoup


def _text(path) -> str:
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    return " ".join(soup.get_text(" ").replace("\u00a0", " ").replace("\u00ad", "").split())


def test_risk_map_legend_says_the_colour_is_the_risk_value(built_site):
    text = _text(built_site / "book" / "alingsas" / "2025" / "risk.html")
    assert "Ljusare färg betyder fler risker" not in text
    assert "Rutans färg visar rutans riskvärde (sannolikhet × väsentlighet)" in text
    assert "Det stora talet visar hur många risker som ligger i rutan" in text


def test_no_follow_up_is_never_said_to_come_later(built_site):
    """'ingen uppföljning ännu' on a 2018 year built in 2026: the book says what the sources hold, not what
    may come."""
    pages = {p: _text(p) for p in (built_site / "book").rglob("*.html")}
    said = [
        p.relative_to(built_site).as_posix() for p, t in pages.items() if re.search(r"uppföljning[^.]{0,30} ännu", t)
    ]
    assert not said, said
    assert (
        "Källorna innehåller ingen budgetuppföljning för"
        in pages[built_site / "book" / "haninge" / "2018" / "budget.html"]
    )


def test_savings_total_is_the_books_own_sum(built_site):
    text = _text(built_site / "book" / "alingsas" / "2025" / "genomlysning.html")
    assert "mnkr per år enligt genomlysningen." not in text
    assert "8,6 mnkr per år (bokens summor av raderna; genomlysningen anger ingen summa)" in text


def test_footer_credits_kolada_only_where_a_page_shows_its_values(built_site):
    from rapportbok.publish import sphinxext

    for page in (built_site / "book").rglob("*.html"):  # the default book fetches nothing from Kolada
        footer = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").select_one(".extra_footer")
        assert footer is not None and footer.get_text(" ", strip=True) == sphinxext.FOOTER, page
    context = {"body": "<p>Källa: Kolada, hämtat 3 mars 2030.</p>"}
    sphinxext._footer(None, "x", "page.html", context, None)
    assert context["theme_extra_footer"] == sphinxext.FOOTER_KOLADA
    context = {"body": "<p>Koladas grupper (Källa: Kolada). Inga värden från Kolada.</p>"}
    sphinxext._footer(None, "x", "page.html", context, None)
    assert context["theme_extra_footer"] == sphinxext.FOOTER


def test_pdf_cover_credits_kolada_only_when_the_chapters_use_it():
    from rapportbok.publish import pdf

    without = pdf._document("Testkommun (SYNTETISK)", "Socialnämnden", 2030, "2030", dt.date(2030, 3, 1))
    with_kolada = pdf._document(
        "Testkommun (SYNTETISK)", "Socialnämnden", 2030, "2030", dt.date(2030, 3, 1), None, True
    )
    assert "Kolada" not in without and "kommunens egna dokument och från Kolada" in with_kolada


# --- sections with nothing to show are folded (issue #26) ------------------------------------------


def _headings(path) -> list[str]:
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    return [" ".join(h.get_text(" ").split()).rstrip(" #") for h in soup.select("article h2, article h3")]


def test_method_of_lights_not_shown_without_a_follow_up(built_site):
    page = built_site / "book" / "linkoping" / "2024" / "atgardsplan.html"
    assert "Så räknas förväntad effekt och trafikljus" not in _headings(page)
    assert "Så räknas förväntad effekt och trafikljus: Källorna innehåller ingen uppföljning" in _text(page)
    haninge = built_site / "book" / "haninge" / "2018" / "atgardsplan.html"  # with a follow-up it stays
    assert "Så räknas förväntad effekt och trafikljus" in _headings(haninge)


def test_planned_effects_without_amounts_not_shown(built_site):
    page = built_site / "book" / "alingsas" / "2024" / "atgardsplan.html"
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    captions = [c.get_text(" ", strip=True) for c in soup.select("table caption")]
    assert not [c for c in captions if c.startswith(("Åtgärder 2024", "Summa per plan 2024", "Summa per område 2024"))]
    assert "Åtgärdsplanen anger ingen effekt för 2024 per åtgärd" in _text(page)
    assert "Planen över åren" in _headings(page)  # the plan's effects year by year are still shown


def test_no_rows_of_missing_kolada_values(built_site):
    for page in (built_site / "book").rglob("*.html"):
        assert "Inga Kolada-värden hämtade" not in page.read_text(encoding="utf-8"), page
