"""What the nämnd member sees first (issue #14, #26): the answer, then the evidence.

Unit tests compute the answer (rapportbok.analysis.answer) for the real data through the package's own functions;
the exact texts are fixed in tests/test_answer.py. The site tests read the built site (conftest.built_site) back.
"""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup

from rapportbok.analysis import answer as an
from rapportbok.core import fmt
from rapportbok.data import datasets
from rapportbok.present import answer as present_answer

NB = fmt.NBSP


def _head(org: str, year: int, tertial: int) -> an.Answer:
    return an.answer(datasets.load_org(org), year, tertial)


def _plain(text: str) -> str:
    return text.replace(NB, " ").replace("\u2212", "-")


def _said(a: an.Answer) -> str:
    return _plain(" ".join(s.text() for s in a.statements))


# --- the answer, computed ---------------------------------------------------------------------


def test_linkoping_says_what_is_known_without_a_remainder_across_years():
    """The 99 mnkr is the 2023 bokslut's deficit: named with its period, never a 2024 figure nor a '90,0 kvar'."""
    a = _head("linkoping", 2024, 1)
    assert a.remainder.gap_tkr is None
    text = _said(a)
    assert "underskottet i bokslutet 2023, 99 mnkr" in text and "inte är ett underskott för 2024" in text
    assert "90,0" not in text and "Kvar efter" not in text
    assert "31 mnkr" in text  # the plan of August 2023 for 2024, from uppgifter.csv


def test_haninge_remainder_and_follow_up():
    a = _head("haninge", 2018, 2)
    assert (a.remainder.deficit_tkr, a.remainder.planned_tkr, a.remainder.gap_tkr) == (12400.0, 15000.0, -2600.0)
    text = _said(a)
    assert "2,6 mnkr (2 600 tkr) större än underskottet 12,4 mnkr" in text
    # the administration's own total first, the book's sum of the measures beside it
    assert "faktisk effekt hittills 7 133 tkr enligt källan (åtgärdernas belopp summerar till 7 393 tkr)" in text
    assert "röda åtgärder med" not in text  # no longer the book's lights as the administration's verdict


def test_alingsas_not_stated_is_left_out_and_dedup_explained():
    a25 = _head("alingsas", 2025, 1)
    assert a25.remainder.gap_tkr is None
    text = _said(a25)
    assert "anger effekten 2025 till 6,0 mnkr; 0,5 mnkr av det är enligt planen redan medräknat" in text
    assert "så boken räknar 5,5 mnkr (5 500 tkr)" in text
    assert "Kvar efter" not in text  # no remainder without a stated deficit
    a24 = _head("alingsas", 2024, 3)
    assert "anger ingen effekt för 2024" in _said(a24)


# --- where no deficit is stated, the budget's result answers (Alingsås) --------------------------


def test_alingsas_lage_states_the_judgement_then_the_budget_result():
    """2024: the budget document says the nämnd did not keep within its ram: that first, in its words; then the
    budget 2025–2027's 'Årets resultat 0' with kommunbidrag and net cost."""
    a24 = _head("alingsas", 2024, 3)
    kinds = [s.kind for s in a24.statements]
    assert kinds[:2] == [an.JUDGEMENT, an.BUDGET_RESULT]
    assert _plain(a24.statements[1].text()) == (
        "Budgeten för 2024 är lagd i balans: kommunbidraget 245,1 mnkr (245 082 tkr) täcker verksamhetens "
        "nettokostnad 245,1 mnkr (245 082 tkr); årets resultat 0 tkr."
    )
    a25 = _head("alingsas", 2025, 1)
    assert a25.statements[0].kind == an.BUDGET_RESULT


def test_alingsas_budget_figures_link_to_the_budget_table():
    a = _head("alingsas", 2025, 1)
    for text in (present_answer.lage_md(a, prefix="alingsas/2025/"), present_answer.line_md(a, "alingsas/2025/")):
        links = re.findall(r'<a class="rapportbok-lage-tal" href="([^"]+)"[^>]*>(.*?)</a>', text)
        budget_links = [(href, _plain(t.replace("\\", ""))) for href, t in links if "budget.html" in href]
        assert [href for href, _ in budget_links] == ["alingsas/2025/budget.html#T_ramar"] * 3
        assert budget_links[0][1] == "256,3 mnkr (256 303 tkr)"
        assert budget_links[-1][1] == "0 tkr"  # the result, stated in the table's row Årets resultat
        assert "anges inte i källorna" not in text


def test_budget_sentence_signs_in_words_and_own_computation():
    """SYNTHETIC budgets (no real figures): a deficit and a surplus in words, a computed result marked."""
    import datetime as dt
    from decimal import Decimal

    from rapportbok.analysis import position
    from rapportbok.data import stated_tables as model

    def budget(grant, net, result=None):
        t = model.StatedTable("b", "Budget (SYNTETISK)", "budget", dt.date(2029, 11, 1), "tkr", 0, "k", "s")
        t.columns = [model.Column("b30", "budget", 2030, "Budget 2030")]
        t.rows = [model.Row(1, "Nettokostnad", None, "post"), model.Row(2, "Ram från KF", None, "post")]
        t.values[(1, "b30")], t.values[(2, "b30")] = Decimal(net), Decimal(grant)
        t.concepts = {model.NET_COST: 1, model.GRANT: 2}
        if result is not None:
            t.rows.append(model.Row(3, "Årets resultat", None, "post"))
            t.values[(3, "b30")] = Decimal(result)
            t.concepts[model.RESULT] = 3
        return an._budget(position.position([t], [], 2030))

    (deficit,) = budget(100000, -102500)
    assert _plain(deficit.text()) == (
        "Budgeten för 2030 visar ett underskott på 2,5 mnkr (2 500 tkr): kommunbidraget 100,0 mnkr "
        "(100 000 tkr) täcker inte verksamhetens nettokostnad 102,5 mnkr (102 500 tkr) (resultatet är bokens "
        "beräkning: kommunbidrag minus nettokostnad)."
    )
    assert "−" not in deficit.text() and deficit.whose == an.BOOK
    assert "budget.html#nettokostnad-och-kommunbidrag" in present_answer.statement_md(deficit)
    (surplus,) = budget(10300, -10000, 300)
    assert _plain(surplus.text()).startswith("Budgeten för 2030 visar ett överskott på 300 tkr: kommunbidraget 10,3")
    assert "budget.html#T_ramar" in present_answer.statement_md(surplus)
    assert an._budget(position.position([], [], 2030)) == []


def test_no_plan_says_so():
    """SYNTHETIC: an organisation-year without plan or figures says what is not stated, fills nothing in."""
    a = an.answer({}, 2030)
    assert [s.kind for s in a.statements] == [an.NO_POSITION, an.NO_PLAN]
    assert not a.has_plan and a.remainder.gap_tkr is None


# --- the built site ----------------------------------------------------------------------------


def _text(path: Path) -> str:
    html = path.read_text(encoding="utf-8")
    html = re.sub(r"<script.*?</script>|<style.*?</style>", " ", html, flags=re.S)
    return _plain(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def _article(path: Path) -> str:
    html = path.read_text(encoding="utf-8")
    m = re.search(r"<article.*?</article>", html, flags=re.S)
    return m.group(0) if m else html


def test_site_headline_first_on_summary_year_and_landing(built_site):
    summary = _article(built_site / "book" / "linkoping" / "2024" / "sammanfattning.html")
    lage = summary.find("Läget 2024")
    assert 0 <= lage < summary.find("Sidan samlar")  # the answer comes before the introduction
    text = _plain(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", summary)))
    assert "underskottet i bokslutet 2023, 99 mnkr, som inte är ett underskott för 2024" in text
    assert "90,0" not in text  # no remainder across years, anywhere on the summary
    year = _plain(re.sub(r"<[^>]+>", " ", _article(built_site / "book" / "haninge" / "2018" / "index.html")))
    year = re.sub(r"\s+", " ", year)
    assert 0 <= year.find("Läget 2018") < year.find("Prognosen för helåret 2018") < year.find("Kapitel")
    assert "för 8 åtgärder är det för tidigt att bedöma effekten" in year
    landing = _plain(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", _article(built_site / "book" / "index.html"))))
    assert "Sammanlagt ska de två planerna ge 40 mnkr 2024 (bokens beräkning)." in landing  # the figures are links
    assert "kvar 90" not in landing


def test_site_alingsas_lage_answers_with_the_budget(built_site):
    """Alingsås states no deficit: Läget on the summary and the year's page, and the landing card, state the
    budget's result with its numbers and links to the budget's table; no 'anges inte' in Läget."""
    book = built_site / "book"
    for page in (book / "alingsas" / "2025" / "sammanfattning.html", book / "alingsas" / "2025" / "index.html"):
        box = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").select_one(".rapportbok-lage")
        text = _plain(re.sub(r"\s+", " ", box.get_text()))
        assert "Budgeten för 2025 är lagd i balans: kommunbidraget 256,3 mnkr (256 303 tkr)" in text, page
        assert "anges inte i källorna" not in text, page
        hrefs = [a["href"] for a in box.select("a.rapportbok-lage-tal")]
        assert hrefs[:3] == ["budget.html#T_ramar"] * 3, page
    # a result computed as kommunbidrag minus net cost would link to the section whose chart works it out
    anchors = present_answer.ANCHORS
    budget = BeautifulSoup((book / "alingsas" / "2025" / "budget.html").read_text(encoding="utf-8"), "html.parser")
    assert all(budget.find(id=anchors[k][1]) is not None for k in anchors if k.startswith("budget_"))
    for year in (2024, 2025):
        box = BeautifulSoup(
            (book / "alingsas" / str(year) / "sammanfattning.html").read_text(encoding="utf-8"), "html.parser"
        ).select_one(".rapportbok-lage")
        assert "anges inte i källorna" not in box.get_text(), year
    landing = BeautifulSoup((book / "index.html").read_text(encoding="utf-8"), "html.parser")
    cards = [li for li in landing.select("article li") if li.find("a", href=re.compile(r"^alingsas/\d{4}/index\.html"))]
    assert len(cards) == 2
    for li in cards:
        text = _plain(re.sub(r"\s+", " ", li.get_text()))
        assert "lagd i balans: kommunbidraget" in text and "anges inte i källorna" not in text
        assert any(a["href"].endswith("/budget.html#T_ramar") for a in li.select("a.rapportbok-lage-tal"))


def test_no_developer_commands_on_reader_pages(built_site):
    pages = [p for p in (built_site / "book").rglob("*.html")]
    assert pages
    found = [str(p.relative_to(built_site)) for p in pages if "rapportbok kolada" in _text(p)]
    assert not found, found
    # the project's own files are the analyst's business, not a reader's (the source pages quote documents)
    files = [
        str(p.relative_to(built_site))
        for p in pages
        if "kallor" not in p.parts and re.search(r"organisation\.yml|\w+\.csv\b|data/", _text(p))
    ]
    assert not files, files
    genomlysning = _text(built_site / "book" / "alingsas" / "2025" / "genomlysning.html")
    assert "innehåller inga värden från Kolada" in genomlysning


# --- Avstämning: folded away, one line that tells rounding, de-duplication and mismatch apart ---


def test_reconcile_kinds_and_summary_line():
    from rapportbok.analysis import reconcile as rc

    exact = rc.Finding("a", 5, 5, "tkr", "Källa: Dok, avsnitt A")
    rounded = rc.Finding("b", -245082, -245083, "tkr", "Källa: Dok, avsnitt B")  # 1 tkr: rounding
    dedup = rc.Finding("c", 6.0, 5.5, "mnkr", "Källa: Dok, avsnitt C", 1, dedup=True)
    real = rc.Finding("d", 7.1, 7.4, "mnkr", "Källa: Dok, avsnitt C", 1)
    count = rc.Finding("e", 27, 28, "st", "Källa: Dok, avsnitt D")  # one unit of a count is not rounding
    assert [rc.kind(f) for f in (exact, rounded, dedup, real, count)] == [
        rc.AGREES,
        rc.ROUNDING,
        rc.DEDUP,
        rc.MISMATCH,
        rc.MISMATCH,
    ]
    line = rc.summary_text([exact, rounded, dedup, real, count]).replace(NB, " ")
    assert line == (
        "5 kontroller: 1 stämmer, 1 avrundning (högst en enhet), 1 där boken inte räknar samma "
        "åtgärd två gånger och 2 verkliga avvikelser."
    )
    assert rc.summary_text([exact]) == "1 kontroll: 1 stämmer och ingen verklig avvikelse."
    # the citation once per table: the common document is cut from every row
    cited = rc.common_source([f.where for f in (exact, rounded, dedup)])
    assert cited == "Källa: Dok"
    assert rc.table([exact, rounded, dedup], cited)["Var i källan"].tolist() == ["avsnitt A", "avsnitt B", "avsnitt C"]
    assert "Var i källan" not in rc.table([exact], rc.common_source([exact.where]))


def test_real_data_alingsas_has_no_real_mismatch():
    """Issue #14: 'three deviations' were one 1 tkr rounding and two de-duplications by the book."""
    from rapportbok.analysis import actionplan as ap
    from rapportbok.analysis import budget
    from rapportbok.analysis import reconcile as rc
    from rapportbok.data import stated_tables as model

    d = datasets.load_org("alingsas")
    tables = model.load(d)
    budget_checks = budget.all_checks(
        budget.budget_table(tables, 2025), budget.investment_table(tables, 2025), d["kommunbidrag"]
    )
    plan_checks = ap.all_checks(d, "alingsas")
    assert not rc.real_mismatches(budget_checks) and not rc.real_mismatches(plan_checks)
    # the 1 tkr rounding of the budget table is within its printed precision: a rounding, never a mismatch
    assert [f.check for f in budget_checks if rc.kind(f) == rc.ROUNDING and f.strict] == [
        "Verksamhetens nettokostnader, Budget 2024 = summan av raderna under"
    ]
    assert [rc.kind(f) for f in rc.not_exact(plan_checks)] == [rc.DEDUP, rc.DEDUP]


def test_dropdown_markup_holds_the_table(monkeypatch):
    from rapportbok.present import display

    said = []
    monkeypatch.setattr(display, "md", said.append)

    class Out:
        data = "<table><tr><td>```x```</td></tr></table>"

    display.dropdown("2 kontroller", "Metod.", Out())
    text = said[0]
    first = text.splitlines()[0]
    assert first.endswith("{dropdown} 2 kontroller") and set(first.split("{")[0]) == {"`"}
    assert len(first.split("{")[0]) > 4  # longer than the raw block's fence, which is longer than ```
    assert "{raw} html" in text and Out.data in text and text.rstrip().endswith(first.split("{")[0])


def test_audit_tables_cite_each_place_once():
    """The Avstämning page: one table per cited table or section, its citation in the source line only."""
    from rapportbok.analysis import reconcile as rc
    from rapportbok.chapters import audit

    a1 = rc.Finding("a", 5, 5, "tkr", "Källa: Dok, avsnitt A")
    a2 = rc.Finding("b", 7, 7, "tkr", "Källa: Dok, avsnitt A")
    b1 = rc.Finding("c", 1, 2, "tkr", "Källa: Dok, avsnitt B")
    parts = audit.parts([a1, b1, a2], "Avstämning")
    assert [(len(p), title, cited) for p, title, cited in parts] == [
        (2, "Avstämning: avsnitt A", "Källa: Dok, avsnitt A"),
        (1, "Avstämning: avsnitt B", "Källa: Dok, avsnitt B"),
    ]
    assert "Var i källan" not in rc.table(parts[0][0], parts[0][2])
    # Many places: one table, the shared document cited once and the place on each row.
    many = [rc.Finding(str(i), 1, 1, "tkr", f"Källa: Dok, avsnitt {i}") for i in range(audit.MAX_PARTS + 1)]
    [(rows, title, cited)] = audit.parts(many, "Avstämning")
    assert len(rows) == len(many) and title == "Avstämning" and cited == "Källa: Dok"
    assert audit.parts([], "Avstämning") == []
    # On a chapter page: one line with the link to the chapter's section of the Avstämning page.
    line = audit.status_line([a1, b1], "budget").replace(NB, " ")
    assert line.startswith("**Avstämning:** 2 kontroller") and line.endswith(
        "[Avstämningen i detalj](avstamning.ipynb#avstamning-budget)."
    )


def test_site_reconciliation_has_its_own_page(built_site):
    """Issue #14: the Avstämning of an organisation-year is a page of its own; a chapter keeps one line and a link."""
    pages = {
        p.relative_to(built_site).as_posix(): p.read_text(encoding="utf-8")
        for p in (built_site / "book").rglob("*.html")
    }
    audit_pages = sorted(n for n in pages if n.endswith("/avstamning.html"))
    assert audit_pages == [
        "book/alingsas/2024/avstamning.html",
        "book/alingsas/2025/avstamning.html",
        "book/haninge/2018/avstamning.html",
        "book/linkoping/2024/avstamning.html",
    ]
    with_audit = [
        n
        for n, h in pages.items()
        if 'id="avstamning"' in h and "kallor" not in n and not n.endswith("/avstamning.html")
    ]
    assert len(with_audit) >= 10
    for name in with_audit:
        html = pages[name]
        section = html[html.index('id="avstamning"') :].split("</section>", 1)[0]
        assert "<table" not in section and "<details" not in section, name  # no folded tables left in the chapter
        if "rapportbok-notis" in section:
            continue  # "Inga summor att stämma av"
        chapter = name.rsplit("/", 1)[1].removesuffix(".html")
        assert f'href="avstamning.html#avstamning-{chapter}"' in section, name
        target = pages[name.rsplit("/", 1)[0] + "/avstamning.html"]
        assert f'id="avstamning-{chapter}"' in target, name  # the link lands on the chapter's section
    budget = pages["book/alingsas/2025/budget.html"]
    line = _plain(re.sub(r"<[^>]+>", "", budget[budget.index('id="avstamning"') :].split("</section>", 1)[0]))
    assert "50 kontroller" in line and "ingen verklig avvikelse" in line and "Avstämningen i detalj" in line
    page = pages["book/alingsas/2025/avstamning.html"]
    soup = BeautifulSoup(page, "html.parser")
    assert _plain(soup.title.get_text()) == "Avstämning – Alingsås kommun 2025"
    text = " ".join(_plain(soup.select_one("article.bd-article").get_text(" ")).split())
    # grouped by chapter, in book order
    heads = [_plain(h.get_text(" ")).rstrip(" #") for h in soup.select("article.bd-article h2")]
    assert heads == [
        "Budget och ekonomiska ramar",
        "Risk och intern kontroll",
        "Åtgärdsplaner",
        "Genomlysning: nyckeltal jämfört med liknande kommuner",
    ]
    # each finding in plain words: the 1 tkr rounding (within the printed precision of three figures: a rounding,
    # by the one rule of the stated tables) and the book's own de-duplication are told apart
    assert (
        "Verksamhetens nettokostnader, Budget 2024 = summan av raderna under -245 082 -245 083 -1 tkr Avrundning"
        in text
    )
    assert "Bokens egen rensning: källans summa räknar en åtgärd två gånger, boken en gång" in text
    # citations once per table: no column repeats the place in the source on every row
    assert "Var i källan" not in text
    assert text.count("Omräkningen är egen beräkning") >= 2  # ramar and investeringar, each cited once
    assert text.count('tabell "Belopp i tkr", tabell ”Ekonomiska ramar”. Omräkningen är egen beräkning') == 1
    # after the chapters in the table of contents
    index = pages["book/alingsas/2025/index.html"]
    links = re.findall(r'href="(\w+)\.html"', index[index.index('id="kapitel"') : index.index('id="som-pdf"')])
    assert links[-1] == "avstamning" and links[0] == "sammanfattning", links


# --- signs in words ----------------------------------------------------------------------------


def test_change_in_words():
    from rapportbok.analysis import wording

    assert _plain(wording.change_words("Övriga kostnader", -38013, -46587)) == "Kostnaden ökar med 8 574 tkr (22,6 %)"
    assert _plain(wording.change_words("Lokalhyror", -17416, -17111)) == "Kostnaden minskar med 305 tkr (1,8 %)"
    assert _plain(wording.change_words("Verksamhetens nettokostnader", -245082, -256303)).startswith(
        "Nettokostnaden ökar med 11 221 tkr"
    )
    assert _plain(wording.change_words("Verksamhetens intäkter", 31417, 32336)).startswith(
        "Intäkterna ökar med 919 tkr"
    )
    assert wording.change_words("Årets resultat", 0, 0) == "Oförändrad"
    assert wording.change_words("x", None, 1) == ""
    assert _plain(wording.net_cost(-256303)) == "256,3 mnkr (256 303 tkr)"
    # a grant's change: the direction as a word, the size without a sign (Alingsås 2024 -> 2025)
    assert [_plain(x) for x in wording.grant_change(245082, 256303)] == ["ökar", "11,2 mnkr (4,6 %)"]
    assert [_plain(x) for x in wording.grant_change(256303, 245082)] == ["minskar", "11,2 mnkr (4,4 %)"]
    assert wording.grant_change(100, 100) == ("", "")


def test_site_signs_in_words(built_site):
    pages = {p.relative_to(built_site).as_posix(): _text(p) for p in (built_site / "book").rglob("*.html")}
    assert not [n for n, t in pages.items() if "utan minustecken" in t]
    budget = pages["book/alingsas/2025/budget.html"]
    assert "Kostnaden ökar med 8 574 tkr (22,6 %)" in budget
    assert "Jämfört med 2024 ökar kommunbidraget med 11,2 mnkr (4,6 %)." in budget
    summary = pages["book/alingsas/2025/sammanfattning.html"]
    assert "Kommunbidraget 2025 jämfört med 2024: en ökning med 11,2 mnkr (4,6 %) (budget)." in summary
    assert "+11,2" not in budget + summary
    assert "verksamhetens nettokostnad 256,3 mnkr" in budget
    summary = pages["book/alingsas/2025/sammanfattning.html"]
    assert "täcker verksamhetens nettokostnad 256,3 mnkr (256 303 tkr)" in summary
    assert "nettokostnader: -256,3" not in summary and "nettokostnader är -256" not in summary


# Key columns in view at 1366 px and a cue for a wide table on a phone (issue #26): in tests/test_interface.py
# (test_key_columns_in_view_and_a_cue_for_wide_tables), which reads each page at both widths once for both checks.


def test_site_intros_tell_rounding_and_dedup_from_mismatch(built_site):
    budget = _article(built_site / "book" / "alingsas" / "2025" / "budget.html")
    intro = _plain(re.sub(r"<[^>]+>", " ", budget[: budget.find("Ekonomiska ramar")]))
    assert "ingen verklig avvikelse" in intro and "avvikelser mellan" not in intro
    plan = _article(built_site / "book" / "alingsas" / "2025" / "atgardsplan.html")
    intro = _plain(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", plan[: plan.find("Så räknas")])))
    assert "2 där boken inte räknar samma åtgärd två gånger och ingen verklig avvikelse" in intro


# --- Läget: each figure links to where it is computed ----------------------------------------


def test_answer_figures_link_to_where_they_are_computed():
    a = _head("haninge", 2018, 2)
    text = present_answer.sentences_md(a.statements, prefix="../")
    links = re.findall(r'<a class="([^"]+)" href="([^"]+)"[^>]*>(.*?)</a>', text)
    assert [(cls.endswith("egen"), href) for cls, href, _ in links] == [
        (False, "../budget.html#uppgifter-om-det-ekonomiska-laget"),  # the forecast deficit, stated in the text
        (True, "../atgardsplan.html#T_summa_plan"),  # the plan's effect: the book's sum of the measures
        (True, "../atgardsplan.html#fran-underskott-till-kvarstaende-gap"),  # the remainder
        (False, "../avstamning.html#avstamning-atgardsplan"),  # the administration's own total of the actual effect
        (True, "../atgardsplan.html#T_summa_plan"),  # the book's sum of the measures' actual effect
        (False, "../atgardsplan.html#status-enligt-kallan"),  # the source's own status
        (True, "../atgardsplan.html#sa-raknas-forvantad-effekt-och-trafikljus"),  # the book's lights: the method
    ]
    assert _plain(links[0][2].replace("\\", "")) == "12,4 mnkr"
    # The same sentences as the plain text, only with the links around the figures.
    unlinked = re.sub(r"<a [^>]*>(.*?)</a>", r"\1", text).replace("\\", "")
    assert unlinked == " ".join(s.text() for s in a.statements)
    assert set(present_answer.ANCHORS) == set(an.FIGURE_KEYS)
    # An answer without the figure links nothing: Alingsås 2025 states no deficit.
    text = present_answer.lage_md(_head("alingsas", 2025, 1))
    assert "fran-underskott" not in text and 'href="avstamning.html#avstamning-atgardsplan"' in text


def test_landing_card_figures_link_to_where_they_are_computed():
    """The landing page's line per organisation-year is the answer's lead, linked as the year's Läget."""
    a = _head("haninge", 2018, 2)
    text = present_answer.line_md(a, prefix="haninge/2018/")
    hrefs = re.findall(r'href="([^"]+)"', text)
    assert hrefs == [
        "haninge/2018/budget.html#uppgifter-om-det-ekonomiska-laget",
        "haninge/2018/atgardsplan.html#fran-underskott-till-kvarstaende-gap",
    ]
    unlinked = re.sub(r"<a [^>]*>(.*?)</a>", r"\1", text).replace("\\", "")
    assert unlinked == " ".join(s.text() for s in a.lead())


def test_landing_page_cards_link_their_figures():
    """landing_page writes each card with its figures linked into the organisation-year's folder."""
    from rapportbok.data import organisations
    from rapportbok.publish import build

    all_orgs, _ = organisations.load_all()
    linkoping = next(o for o in all_orgs if o.slug == "linkoping")
    jobs = [build.Job("linkoping", 2024, 1, "atgardsplan")]
    page = build.landing_page([linkoping], jobs, {("linkoping", 2024): _head("linkoping", 2024, 1)})
    card = next(line for line in page.splitlines() if line.startswith("- **[2024]"))
    assert card.startswith("- **[2024](linkoping/2024/index.md)**: ")
    assert re.findall(r'href="([^"]+)"', card) == ["linkoping/2024/atgardsplan.html#T_summa_plan"]
    assert "90" not in card and "kvar" not in card


def test_site_headline_links_land_on_their_table(built_site):
    from bs4 import BeautifulSoup as Soup

    pages = (
        sorted(built_site.glob("book/*/*/index.html"))
        + sorted(built_site.glob("book/*/*/sammanfattning.html"))
        + [built_site / "book" / "index.html"]
    )
    checked, landing = 0, 0
    for page in pages:
        for a in Soup(page.read_text(encoding="utf-8"), "html.parser").select("a.rapportbok-lage-tal"):
            target, _, anchor = a["href"].partition("#")
            html = (page.parent / target).read_text(encoding="utf-8")
            assert Soup(html, "html.parser").find(id=anchor) is not None, (page, a["href"])
            checked += 1
            landing += page == built_site / "book" / "index.html"
    assert checked >= 20
    assert landing >= 6  # the landing page's cards link their figures too
