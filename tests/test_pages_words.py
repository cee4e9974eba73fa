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
