"""The PDF of one organisation and year (rapportbok.publish.pdf), printed from the built site by Chromium.

One real render (Alingsås 2025), read back with pypdf: cover, table of contents with page
numbers that are right, the footer on every page but the cover, a figure from the budget
table, the charts, and no request that left the machine.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import copy_project, need_chromium, run_cli
from pypdf import PdfReader
from test_publication import tree_hash

from rapportbok.core import fmt


@pytest.fixture(autouse=True, scope="module")
def _chromium():
    # Module scope, so it runs before the module's other fixtures (rendering a PDF needs Chromium):
    # skip without Chromium, fail in CI, which installs it.
    need_chromium()


ORG, NAMND, YEAR, PERIOD = "Alingsås kommun", "Socialnämnden", 2025, "tertial 1 (januari–april)"
BUILD_DATE = dt.date(2026, 3, 9)
ADDRESS = "https://rapportbok.example/socialnamnd/"  # a test value: the real one comes from RAPPORTBOK_ADRESS
# Chapter titles as the built pages' h1 say them, in book order.
CHAPTERS = [
    ("Sammanfattning", "book/alingsas/2025/sammanfattning.html"),
    ("Budget och ekonomiska ramar", "book/alingsas/2025/budget.html"),
    ("Risk och intern kontroll", "book/alingsas/2025/risk.html"),
    ("Åtgärdsplaner", "book/alingsas/2025/atgardsplan.html"),
    ("Genomlysning: nyckeltal jämfört med liknande kommuner", "book/alingsas/2025/genomlysning.html"),
]
# The year's Avstämning page, printed last as the appendix (rapportbok.publish.build.render_pdfs does the same).
APPENDIX = ("Bilaga: Avstämning", "book/alingsas/2025/avstamning.html")


def norm(text: str) -> str:
    """One space for any run of whitespace (NBSP and thin spaces too), '-' for U+2212, without the soft
    hyphens (U+00AD) at which the tables may break a long word (invisible unless the word breaks there)."""
    text = text.replace("\u2212", "-").replace("\u00ad", "")
    return re.sub(r"[\s\u00a0\u202f\u2009]+", " ", text).strip()


def squash(text: str) -> str:
    return re.sub(r"\s+", "", norm(text))


def page_soup(site: Path, rel: str) -> BeautifulSoup:
    return BeautifulSoup((site / rel).read_text(encoding="utf-8"), "html.parser")


def article_headings(site: Path, rel: str) -> tuple[str, list[str]]:
    """The h1 and the h2 texts of a built chapter page's article (without the '#' links)."""
    art = page_soup(site, rel).select_one("article.bd-article")
    for a in art.select("a.headerlink, .d-print-none"):  # as the PDF drops them (the H1's organisation-year)
        a.decompose()
    return norm(art.find("h1").get_text()), [norm(h.get_text()) for h in art.find_all("h2")]


@pytest.fixture(scope="module")
def rendered(built_site, tmp_path_factory):
    from rapportbok.publish import pdf

    out = tmp_path_factory.mktemp("pdf") / "alingsas-2025.pdf"
    requests: list[str] = []
    counts: dict = {}
    assert APPENDIX[0] == pdf.APPENDIX_TITLE
    result = pdf.render(
        built_site,
        ORG,
        NAMND,
        YEAR,
        PERIOD,
        [*CHAPTERS, APPENDIX],
        out,
        BUILD_DATE,
        requests=requests,
        address=ADDRESS,
        link_counts=counts,
    )
    assert result == out and out.is_file()
    reader = PdfReader(out)
    texts = [p.extract_text() or "" for p in reader.pages]
    return {"out": out, "reader": reader, "texts": texts, "requests": requests, "links": counts}


def test_chapter_titles_are_the_pages_h1(built_site):
    for title, rel in CHAPTERS:
        assert article_headings(built_site, rel)[0] == title
    assert article_headings(built_site, APPENDIX[1])[0] == "Avstämning"  # the PDF titles it "Bilaga: Avstämning"


def test_cover(rendered):
    cover = norm(rendered["texts"][0])
    for expected in (ORG, NAMND, f"Rapportbok {YEAR}", PERIOD, "Byggd 9 mars 2026"):
        assert expected in cover, (expected, cover)
    assert fmt.date(BUILD_DATE) == "9 mars 2026"
    # Alingsås 2025 shows no value from Kolada, so the cover does not credit it (issue #26)
    assert "kommunens egna dokument" in cover and "Kolada" not in cover
    assert "Webbversionen" in cover and "källan" in cover and "ladda ner" in cover
    assert "Sida" not in cover  # no footer on the cover


def test_footer_on_every_page_but_the_cover(rendered):
    texts = rendered["texts"]
    n = len(texts)
    assert n > 5
    for k, text in enumerate(texts[1:], start=2):
        t = norm(text)
        assert re.findall(r"Sida (\d+) av (\d+)", t) == [(str(k), str(n))], (k, t[-200:])
        assert f"{ORG} · Rapportbok {YEAR}" in t
        assert "Byggd 9 mars 2026" in t


def test_table_of_contents_page_numbers_are_right(built_site, rendered):
    texts = rendered["texts"]
    assert norm(texts[1]).count("Innehåll") >= 1

    def number_in(toc: str, text: str) -> int:
        m = re.search(r"(?:^|\n)" + re.escape(text) + r" ?(\d+)\s*(?:\n|$)", toc)
        assert m, (text, toc)
        return int(m.group(1))

    first_chapter = number_in("\n".join(norm(x) for x in texts[1].splitlines()), CHAPTERS[0][0])
    toc = "\n".join(norm(line) for t in texts[1 : first_chapter - 1] for line in t.splitlines())
    previous = first_chapter
    for title, rel in CHAPTERS:
        heading, sections = article_headings(built_site, rel)
        start = number_in(toc, title)
        assert start >= previous
        assert squash(heading) in squash(texts[start - 1]), (title, start)
        # A chapter starts on a new page, after the page where the previous chapter's last section is.
        # (Not "its heading is absent from the page before": the overview names every chapter.)
        if title != CHAPTERS[0][0]:
            assert start > previous, (title, start, previous)
        assert sections, rel
        last = start
        # The Avstämning is not in the chapter: it is in the appendix at the end (test_avstamning_is_an_appendix).
        for h2 in [h for h in sections if not h.startswith("Avstämning")]:
            here = re.search(
                r"(?:^|\n)" + re.escape(title) + r" ?\d+\s*(?:\n|$)", toc
            ).start()  # the chapter's own line
            p = number_in(toc[here:], h2)
            assert last <= p <= len(texts)
            assert squash(h2) in squash(texts[p - 1]), (h2, p)
            last = p
        previous = last


def test_budget_figure_is_in_the_pdf(built_site, rendered):
    # The net cost for the budget year, as the budget table on the site shows it.
    soup = page_soup(built_site, "book/alingsas/2025/budget.html")
    table = next(t for t in soup.select("table") if t.caption and t.caption.get_text().startswith("Ekonomiska ramar"))
    header = [norm(th.get_text()) for th in table.select("thead th")]
    col = header.index(f"Budget {YEAR}")
    row = next(
        tr for tr in table.select("tbody tr") if norm(tr.find("td").get_text()) == "Verksamhetens nettokostnader"
    )
    shown = row.find_all("td")[col].get_text()
    assert "\u2212" in shown and "\u00a0" in shown  # the site's real minus and NBSP separator
    figure = norm(shown)
    assert re.fullmatch(r"-\d{1,3}( \d{3})+", figure), figure
    line = norm(" ".join(td.get_text() for td in row.find_all("td")[: col + 1]))
    assert line.endswith(figure)
    assert line in norm(" ".join(rendered["texts"]))


def test_charts_are_in_the_pdf(built_site, rendered):
    # Distinct images: the overview repeats the budget chapter's chart, and the PDF embeds it once.
    charts = len(
        {
            Path(img["src"]).name
            for _, rel in CHAPTERS
            for img in page_soup(built_site, rel).select("article.bd-article img")
        }
    )
    assert charts >= 4

    def images(obj, seen) -> int:
        obj = obj.get_object()
        if id(obj) in seen:
            return 0
        seen.add(id(obj))
        count = 0
        for x in (obj.get("/Resources") or {}).get_object().get("/XObject", {}).values():
            x = x.get_object()
            if x.get("/Subtype") == "/Image":
                count += 1
            elif x.get("/Subtype") == "/Form":
                count += images(x, seen)
        return count

    seen: set[int] = set()
    assert sum(images(p, seen) for p in rendered["reader"].pages) >= charts
    # ...and they came from the built site's own image folder.
    assert sum("/_images/" in u for u in rendered["requests"]) >= charts


def test_nothing_left_the_machine(rendered):
    requests = rendered["requests"]
    assert requests
    assert all(u.startswith(("file:", "data:")) for u in requests), [u for u in requests if not u.startswith("file:")]


def test_written_atomically(rendered):
    out: Path = rendered["out"]
    assert out.read_bytes().startswith(b"%PDF-")
    assert [p.name for p in out.parent.iterdir()] == [out.name]


def test_remote_content_fails_in_swedish(tmp_path):
    from rapportbok.publish import pdf

    page = tmp_path / "site" / "book" / "x" / "2025" / "a.html"
    page.parent.mkdir(parents=True)
    page.write_text(
        '<html><body><article class="bd-article"><h1>Prov</h1>'
        '<img src="https://example.invalid/diagram.png"></article></body></html>',
        encoding="utf-8",
    )
    out = tmp_path / "out.pdf"
    with pytest.raises(pdf.PdfError, match="utan nätverk") as err:
        pdf.render(tmp_path / "site", ORG, NAMND, YEAR, PERIOD, [("Prov", "book/x/2025/a.html")], out, BUILD_DATE)
    assert "https://example.invalid/diagram.png" in str(err.value)
    assert not out.exists()


def test_missing_page_fails_in_swedish(tmp_path):
    from rapportbok.publish import pdf

    with pytest.raises(pdf.PdfError, match="finns inte i den byggda webbplatsen"):
        pdf.render(tmp_path, ORG, NAMND, YEAR, PERIOD, [("X", "book/x.html")], tmp_path / "o.pdf", BUILD_DATE)


def test_make_pdf_builds_one_pdf_per_organisation_and_year_and_the_site_links_them(built_project, tmp_path):
    """`make pdf` is `rapportbok build --pdf`: the PDFs go into the site with it, atomically. And book/ and _toc.yml
    stay byte-identical whether or not PDFs were made: `make book`, then `make pdf`, then `make book` (issue 17).

    In a copy of the shared build: the shared one stays without PDFs for the tests that look at it. One PDF build
    for both claims: the PDFs of every organisation and year are most of this test's time."""
    need_chromium()
    project = copy_project(tmp_path, built_project)
    shutil.copytree(built_project / "_build" / "html", project / "_build" / "html")
    book = tree_hash(project / "book", project / "_toc.yml")
    proc = run_cli(project, "build", "--workers", "1")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert tree_hash(project / "book", project / "_toc.yml") == book
    proc = run_cli(project, "build", "--pdf")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert tree_hash(project / "book", project / "_toc.yml") == book
    html = project / "_build" / "html"
    for org, year in (("alingsas", 2025), ("alingsas", 2024), ("haninge", 2018), ("linkoping", 2024)):
        pdf = html / "pdf" / f"{org}-{year}.pdf"
        reader = PdfReader(str(pdf))
        assert len(reader.pages) >= 3, pdf
        assert "Sammanfattning" in reader.pages[1].extract_text(), pdf  # the contents page lists the overview
        page = (html / "book" / org / str(year) / "index.html").read_text(encoding="utf-8")
        link = BeautifulSoup(page, "html.parser").find("a", href=f"../../../pdf/{org}-{year}.pdf")
        assert link is not None, page
    assert "Inget har ändrats" in run_cli(project, "build", "--pdf").stdout
    assert run_cli(project, "build", "--workers", "1").returncode == 0
    assert tree_hash(project / "book", project / "_toc.yml") == book


# -- a clean PDF (issue #14) --------------------------------------------------------------------------


def _body(text: str) -> str:
    """A page's text without its footer line."""
    t = norm(text)
    return re.sub(rf"{re.escape(ORG)} · Rapportbok {YEAR}.*?Sida \d+ av \d+", "", t).strip()


def test_no_web_only_text(rendered):
    every = norm(" ".join(rendered["texts"]))
    assert "Ladda ner tabellen" not in every
    assert "CSV · Excel" not in every


def test_address_of_the_site_on_the_cover(rendered):
    assert ADDRESS in norm(rendered["texts"][0])
    links = [a.get_object()["/A"].get("/URI") for a in rendered["reader"].pages[0].get("/Annots") or []]
    assert ADDRESS in links


def test_site_address_from_environment_or_config(tmp_path, monkeypatch):
    from rapportbok.publish import pdf

    (tmp_path / "_config.yml").write_text("html:\n  baseurl: https://config.example/bok/\n", encoding="utf-8")
    monkeypatch.delenv(pdf.ADDRESS_ENV, raising=False)
    assert pdf.site_address(tmp_path) == "https://config.example/bok/"
    monkeypatch.setenv(pdf.ADDRESS_ENV, "https://env.example/")
    assert pdf.site_address(tmp_path) == "https://env.example/"
    monkeypatch.delenv(pdf.ADDRESS_ENV)
    (tmp_path / "_config.yml").write_text("title: x\n", encoding="utf-8")
    assert pdf.site_address(tmp_path) is None


def test_no_blank_pages(rendered):
    reader = rendered["reader"]
    for k, text in enumerate(rendered["texts"][1:], start=2):
        body = _body(text)
        has_image = bool((reader.pages[k - 1].get("/Resources") or {}).get_object().get("/XObject"))
        assert len(body) >= 120 or has_image, (k, body)


def test_no_table_caption_or_header_alone_at_a_page_end(built_site, rendered):
    pages = [squash(t) for t in rendered["texts"]]
    checked = 0
    for _, rel in [*CHAPTERS, APPENDIX]:
        for table in page_soup(built_site, rel).select("article.bd-article table"):
            if not table.caption or not table.select("tbody tr td"):
                continue
            # The caption as printed: followed by the first column's name (the caption's words can also
            # stand in the running text, e.g. the Avstämning's one-line summary).
            head = table.select("thead th")
            caption = squash(table.caption.get_text()) + (squash(head[0].get_text()) if head else "")
            first = squash(table.select("tbody tr")[0].find("td").get_text())
            where = [p for p in pages if caption in p]
            assert where, caption
            for p in where:
                # The table's first row is on the caption's page, after it.
                assert first in p[p.index(caption) :], (caption, first)
            checked += 1
    assert checked >= 10


def test_avstamning_is_an_appendix_at_the_end(built_site, rendered):
    """The appendix is the site's Avstämning page: the same sections and tables, after the chapters."""
    texts = [norm(t) for t in rendered["texts"]]
    toc = " ".join(texts[1:3])
    assert "Bilaga: Avstämning" in toc
    start = next(
        k
        for k, t in enumerate(texts)
        if k > 2 and "Bilaga: Avstämning" in t and "Här stäms källornas egna summor av" in t
    )
    appendix = squash(" ".join(texts[start:]))
    page = page_soup(built_site, APPENDIX[1]).select_one("article.bd-article")
    # The page's sections, one per chapter, in the same order in the appendix.
    heads = [squash(h.get_text().rstrip("#")) for h in page.select("h2")]
    assert len(heads) == 4 and heads[0] == squash("Budget och ekonomiska ramar")
    where = [appendix.index(h) for h in heads]
    assert where == sorted(where)
    # Every table of the page is in the appendix and not before it.
    checked = 0
    for table in page.select("table"):
        if not table.caption:
            continue
        head = table.select("thead th")  # the caption as printed, followed by the first column's name
        c = squash(table.caption.get_text()) + (squash(head[0].get_text()) if head else "")
        assert not any(c in squash(t) for t in texts[:start]), c
        assert c in appendix, c
        checked += 1
    assert checked >= 5
    # The chapters keep one sentence where their Avstämning was; no Avstämning table in them.
    for _, rel in CHAPTERS:
        h2 = next(
            (
                h
                for h in page_soup(built_site, rel).select("article.bd-article h2")
                if norm(h.get_text()).rstrip("#").strip() == "Avstämning"
            ),
            None,
        )
        assert h2 is None or not h2.find_parent("section").select("table"), rel
    chapters_text = " ".join(texts[2:start])
    assert "Avstämningen står i bilagan i slutet av PDF:en." in chapters_text
    assert "Avstämningen i detalj" not in chapters_text  # the web link is not printed


# -- links on paper (issue #14): inside the PDF, to the web site, or plain text; never to an .html file ----


def _links(reader) -> list[tuple[int, str | None, str | None]]:
    """Every link annotation of the PDF: (0-based page, named destination or None, URI or None)."""
    out = []
    for k, page in enumerate(reader.pages):
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if annot.get("/Subtype") != "/Link":
                continue
            action = annot.get("/A")
            uri = action.get_object().get("/URI") if action is not None else None
            dest = annot.get("/Dest")
            out.append((k, str(dest) if dest is not None else None, str(uri) if uri is not None else None))
    return out


def _target_text(site: Path, rel: str, anchor: str) -> str:
    """What a reader finds at ``rel#anchor`` on the site: a table's caption or a section's heading."""
    el = page_soup(site, rel).find(id=anchor)
    assert el is not None, (rel, anchor)
    if el.name == "table":
        return norm(el.caption.get_text())
    # a section, a target inside a heading, or a target before one
    heading = el.find(["h1", "h2", "h3"]) or el.find_parent(["h1", "h2", "h3"]) or el.find_next(["h1", "h2", "h3"])
    return norm(heading.get_text()).rstrip("#").strip()


def test_laget_links_go_to_their_place_inside_the_pdf(built_site, rendered):
    """Each linked figure of the summary's Läget box lands on the PDF page where it is computed."""
    reader = rendered["reader"]
    rels = [rel for _, rel in [*CHAPTERS, APPENDIX]]
    names = reader.named_destinations
    links = _links(reader)
    laget = page_soup(built_site, CHAPTERS[0][1]).select("a.rapportbok-lage-tal")
    assert len(laget) >= 2
    # Alingsås states no deficit: Läget answers with the budget's result, linked to the budget's table
    assert [a["href"] for a in laget][:3] == ["budget.html#T_ramar"] * 3
    texts = [squash(t) for t in rendered["texts"]]
    assert any(squash("Budgeten för 2025 är lagd i balans: kommunbidraget") in t for t in texts)
    assert not any(squash("Underskottets belopp anges inte") in t for t in texts)
    for a in laget:
        page, _, anchor = a["href"].partition("#")
        rel = str(Path(CHAPTERS[0][1]).parent / page)
        dest = f"/rb-k{rels.index(rel)}-a-{anchor}"
        assert any(d == dest for _, d, _ in links), (dest, sorted({d for _, d, _ in links if d}))
        where = reader.get_destination_page_number(names[dest])
        assert squash(_target_text(built_site, rel, anchor)) in texts[where], (dest, where)


def test_no_link_points_to_a_site_file_or_nowhere(rendered):
    """With the site's address known, a link to a page outside the PDF goes to the web site; every link
    inside the PDF has its destination; nothing points to a local .html file or a notebook."""
    reader = rendered["reader"]
    names = reader.named_destinations
    links = _links(reader)
    assert rendered["links"]["inside"] >= 5 and rendered["links"]["web"] >= 5 and rendered["links"]["text"] == 0
    for k, dest, uri in links:
        if dest is not None:
            assert dest in names, (k, dest)
        else:
            assert uri and uri.startswith(("https://", "http://", "mailto:")), (k, uri)
            assert not re.search(r"\.(ipynb|md)\b", uri), (k, uri)
            assert uri.startswith(ADDRESS) or ".html" not in uri, (k, uri)
    web = [uri for _, _, uri in links if uri and uri.startswith(ADDRESS + "book/")]
    assert any("/kallor/" in u and "#rad-" in u for u in web)  # a source link lands on the cited line


@pytest.fixture(scope="module")
def rendered_without_address(built_site, tmp_path_factory):
    from rapportbok.publish import pdf

    out = tmp_path_factory.mktemp("pdf") / "utan-adress.pdf"
    counts: dict = {}
    pdf.render(
        built_site,
        ORG,
        NAMND,
        YEAR,
        PERIOD,
        [CHAPTERS[0], CHAPTERS[3], APPENDIX],
        out,
        BUILD_DATE,
        address=None,
        link_counts=counts,
    )
    return {"reader": PdfReader(out), "links": counts}


def test_without_an_address_links_out_of_the_pdf_are_plain_text(rendered_without_address):
    reader = rendered_without_address["reader"]
    links = _links(reader)
    counts = rendered_without_address["links"]
    assert counts["web"] == 0 and counts["text"] >= 5 and counts["inside"] >= 2
    assert [u for _, _, u in links if u] == []  # no address: no link leaves the PDF
    names = reader.named_destinations
    assert all(d in names for _, d, _ in links)
    assert any("-a-T_summa_plan" in d for _, d, _ in links)  # Läget's planned effect, in the chapter


def test_chart_titles_printed_once_per_chart(built_site, rendered):
    """A chart's title is text above its image (not in it): the PDF prints it as often as the pages show
    the chart, i.e. once per chart (the summary repeats one budget chart, so that title twice)."""
    shown: dict[str, int] = {}
    for _, rel in [*CHAPTERS, APPENDIX]:
        for p in page_soup(built_site, rel).select("article.bd-article p.rapportbok-diagramrubrik"):
            shown[squash(p.get_text())] = shown.get(squash(p.get_text()), 0) + 1
    assert len(shown) >= 4
    every = squash(" ".join(_body(t) for t in rendered["texts"][2:]))
    for title, n in shown.items():
        assert every.count(title) == n, (title, every.count(title), n)
