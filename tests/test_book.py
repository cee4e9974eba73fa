"""End to end: the table of contents follows data/, the site shows the source's figures,
a rebuild is byte-identical, and a failed build leaves book/ and the site untouched."""

import hashlib
import io
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from bs4 import BeautifulSoup

from rapportbok.core import escape
from rapportbok.publish import build, inputs

ROOT = Path(__file__).resolve().parents[1]


def test_toc_is_generated_from_data():
    all_orgs, jobs = build.plan(ROOT / "data")
    committed = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    ids = [n[:-3] for n in build.source_pages(ROOT / "data", all_orgs) if n.endswith(".md") and n != "index.md"]
    assert committed == build.toc(all_orgs, jobs, ids)
    on_disk = {p.relative_to(ROOT).as_posix() for p in (ROOT / "book").rglob("*.ipynb")}
    assert on_disk == {j.relpath for j in jobs}
    assert {(j.org, j.year) for j in jobs if j.chapter == "budget"} >= {("alingsas", 2024), ("alingsas", 2025)}


def test_committed_notebooks_carry_no_volatile_metadata():
    for path in (ROOT / "book").rglob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        assert set(nb.metadata["papermill"]) == {"parameters", "version"}, path
        assert all("papermill" not in c.metadata and "execution" not in c.metadata for c in nb.cells), path
        text = path.read_text(encoding="utf-8")
        assert "/work/" not in text and " at 0x" not in text, path


def _tree_hash(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(folder).as_posix().encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def _run(cwd: Path, *args):
    return subprocess.run([sys.executable, "-m", "rapportbok", *args], cwd=cwd, capture_output=True, text=True)


@pytest.fixture(scope="module")
def built(built_project):
    """The project copy built from scratch (tests/conftest.py); tests here restore what they change."""
    return built_project


def _source_table(header_start: str) -> dict[str, list[str]]:
    """Read a table straight from the source text: label -> cells, as printed there."""
    lines = (ROOT / "data/kallor/alingsas-sn-budget-2025-2027.txt").read_text(encoding="utf-8").splitlines()
    i = next(n for n, l in enumerate(lines) if l.startswith(header_start))
    rows = {}
    for line in lines[i + 1 :]:
        if not line.strip():
            break
        label, *cells = line.split("\t")
        rows.setdefault(label, cells)
    return rows


def _html_table(page: Path, uid: str) -> dict[str, list[str]]:
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    table = soup.find("table", id=f"T_{uid}")
    assert table is not None, f"table {uid} missing in {page}"
    out = {}
    for tr in table.find("tbody").find_all("tr"):
        cells = [c.get_text() for c in tr.find_all(["th", "td"])]
        out.setdefault(cells[0], cells[1:])
    return out


def _as_source(cell: str) -> str:
    # The book prints U+2212 and a non-breaking space; the source text uses '-' and ' '.
    return cell.replace("\u2212", "-").replace("\u00a0", " ")


@pytest.mark.parametrize("year", [2024, 2025])
def test_site_shows_every_budget_figure(built, year):
    page = built / "_build/html/book/alingsas" / str(year) / "budget.html"
    ramar = _html_table(page, "ramar")
    source = _source_table("Belopp i tkr\tBudget 2024\tBudget 2025\tPlan 2026\tPlan 2027")
    assert {k: [_as_source(c) for c in v] for k, v in ramar.items()} == source
    inv = _html_table(page, "investeringar")
    source_inv = _source_table("Belopp i tkr\tBudget 2024\tBudget 2025\tPlan 2026\tPlan 2027\tPlan 2028")
    # The source's rows that are only a dash with 0 every year (no project under a heading) are said in
    # words under the table, not shown as rows of their own (#14).
    assert source_inv.pop("-") == ["0"] * 6
    assert {k: [_as_source(c) for c in v] for k, v in inv.items()} == source_inv
    text = __import__("re").sub(r"<[^>]+>", "", page.read_text(encoding="utf-8"))  # the title is a link
    assert "anger budgeten inget projekt" in text
    assert "Källa: Socialnämndens budget 2025–2027" in text
    assert "Avstämning" in text


def test_site_has_landing_page_and_navigation(built):
    index = (built / "_build/html/book/index.html").read_text(encoding="utf-8")
    for name in ("Alingsås kommun", "Linköpings kommun", "Haninge kommun"):
        assert name in index
    assert '<html lang="sv"' in index


def test_the_site_has_only_the_books_pages(built):
    """The chapter templates converted for papermill (staging's .templates/) are not pages of the site, and neither
    is Sphinx's general index, which would be empty (the book has no index entries; rapportbok.publish.sphinxext)."""
    site = built / "_build/html"
    pages = {p.relative_to(site).as_posix() for p in site.rglob("*.html")}
    assert not [p for p in pages if p.startswith(".") or "/." in p]
    assert not [p for p in pages if p.split("/")[0] not in ("book", "_static", "index.html", "search.html", "handbok")]
    assert not any(p.endswith("genindex.html") for p in pages)
    assert 'rel="index"' not in (site / "book" / "index.html").read_text(encoding="utf-8")


def test_every_page_declares_the_sites_icon_and_the_root_forwards_in_swedish(built):
    """Every page of the site and of the handbook names the icon it has (a page without one makes the browser ask for
    /favicon.ico, which the site does not have: a 404 for every reader); the root forwards to the start page as a
    whole page in Swedish, with a link for a browser that does not forward."""
    import html
    import re
    from urllib.parse import unquote

    site = built / "_build/html"
    icon = re.compile(r'<link rel="icon" href="([^"]+)"\s*/?>')
    pages = sorted(p for p in site.rglob("*.html") if "_static" not in p.relative_to(site).parts)
    assert len(pages) > 30 and any(p.relative_to(site).parts[0] == "handbok" for p in pages)
    svg = (site / "_static" / "favicon.svg").read_text(encoding="utf-8")
    for page in pages:
        found = icon.findall(page.read_text(encoding="utf-8"))
        assert len(found) == 1, f"{page.relative_to(site)}: {found}"
        if page == site / "index.html":  # it forwards at once: the icon is in the page, not a file to fetch
            assert unquote(html.unescape(found[0])) == "data:image/svg+xml," + svg
            continue
        target = (page.parent / found[0]).resolve()
        assert target.is_file() and target.name == "favicon.svg", (page.relative_to(site), found)
    root = (site / "index.html").read_text(encoding="utf-8")
    assert root.startswith("<!DOCTYPE html>") and '<html lang="sv">' in root
    assert '<meta http-equiv="Refresh" content="0; url=book/index.html" />' in root
    assert "<title>Rapportbok – socialnämndens ekonomi</title>" in root
    assert '<a href="book/index.html">Till rapportboken</a>' in root


def test_bridge_and_mismatch_on_site(built):
    page = built / "_build/html/book/alingsas/2025/budget.html"
    bridge = _html_table(page, "brygga")
    assert bridge["Övrigt/avrundning"] == ["+21"] or bridge["Övrigt/avrundning"] == ["21"]
    # Both figures of the 2024 mismatch, on the year's Avstämning page (the chapter links there).
    text = (built / "_build/html/book/alingsas/2025/avstamning.html").read_text(encoding="utf-8")
    assert "−245\u00a0082" in text and "−245\u00a0083" in text
    assert 'href="avstamning.html#avstamning-budget"' in page.read_text(encoding="utf-8")


def test_rebuild_is_byte_identical(built):
    before = _tree_hash(built / "book")
    proc = _run(built, "build", "--no-site", "--alla")
    assert proc.returncode == 0, proc.stderr
    assert _tree_hash(built / "book") == before


def test_committed_book_reproduces(built):
    # The fixture rebuilt the book from scratch; it must equal what is committed.
    for path in (ROOT / "book").rglob("*"):
        if path.is_file():
            assert (built / path.relative_to(ROOT)).read_bytes() == path.read_bytes(), path


def test_bad_data_changes_nothing(built):
    book, site = _tree_hash(built / "book"), _tree_hash(built / "_build/html")
    data = built / "data/alingsas/tabell_varden.csv"
    original = data.read_text(encoding="utf-8")
    try:
        data.write_text(original.replace(",budget2024,31417", ",budget2024,31 417 kr", 1), encoding="utf-8")
        proc = _run(built, "build")
        assert proc.returncode == 1
        assert "alingsas/tabell_varden.csv, rad 2, kolumn 'varde': värdet '31 417 kr' – förväntade" in proc.stderr
        assert _tree_hash(built / "book") == book and _tree_hash(built / "_build/html") == site
        assert not list(built.glob(".staging-*"))
    finally:
        data.write_text(original, encoding="utf-8")


def test_failing_cell_changes_nothing(built):
    book, site = _tree_hash(built / "book"), _tree_hash(built / "_build/html")
    template = built / "notebooks/budget.md"
    original = template.read_text(encoding="utf-8")
    try:
        template.write_text(original + "\n```{code-cell}\nraise ValueError('avsiktligt fel')\n```\n", encoding="utf-8")
        proc = _run(built, "build")
        assert proc.returncode == 1
        assert "Notebooken budget.ipynb" in proc.stderr and "ValueError: avsiktligt fel" in proc.stderr
        assert "orörda" in proc.stderr
        assert _tree_hash(built / "book") == book and _tree_hash(built / "_build/html") == site
        assert not list(built.glob(".staging-*"))
    finally:
        template.write_text(original, encoding="utf-8")


def test_no_change_rebuild_stops_at_the_stamp(built):
    assert _run(built, "build").returncode == 0  # records the stamp (earlier tests built without the site)
    proc = _run(built, "build")
    assert proc.returncode == 0, proc.stderr
    assert "Inget har ändrats sedan förra bygget" in proc.stdout
    assert "Varning (haninge, Åtgärdsplaner)" in proc.stdout  # the last build's warnings are repeated
    # An output changed by hand (here a notebook deleted from book/) defeats the stamp: the build runs and repairs it.
    nb = built / "book/linkoping/2024/budget.ipynb"
    original = nb.read_bytes()
    nb.unlink()
    proc = _run(built, "build", "--no-site")
    assert proc.returncode == 0, proc.stderr
    assert "Inget har ändrats" not in proc.stdout and "Kör 1 notebooks" in proc.stdout
    assert nb.read_bytes() == original


def test_incremental_rebuild_runs_only_what_changed(built):
    (built / "_build/.rapportbok-stamp.json").unlink(missing_ok=True)  # past the stamp: the per-notebook hashes
    proc = _run(built, "build")
    assert proc.returncode == 0, proc.stderr
    assert "Kör 0 notebooks" in proc.stdout and "Webbplatsen är oförändrad" in proc.stdout
    changed = built / "data/linkoping/uppgifter.csv"
    original = changed.read_bytes()
    try:
        changed.write_bytes(original + b"\n")  # same figures, new bytes: the hash changes
        proc = _run(built, "build", "--no-site")
        assert proc.returncode == 0, proc.stderr
        executed = sorted(re.findall(r"\] (book/\S+\.ipynb)", proc.stdout))
        assert executed and all(p.startswith("book/linkoping/2024/") for p in executed)
    finally:
        # The shared built project as it was, book/ included: its notebooks now carry the edited file's input hash,
        # and a later test's copy of it (tests/test_publication.py) would rebuild them and find book/ changed.
        changed.write_bytes(original)
        assert _run(built, "build", "--no-site").returncode == 0


def test_overview_page_glues_the_chapters_key_numbers(built):
    page = built / "_build/html/book/alingsas/2025/sammanfattning.html"
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    text = soup.find("article").get_text(" ", strip=True)
    # "I korthet" (issue #26): three to five plain sentences from the one answer and the chapters' own figures
    # (source: budget 2025–2027 tables), each figure a link.
    assert "Budgeten för 2025 är lagd i balans: kommunbidraget 256,3\u00a0mnkr (256\u00a0303\u00a0tkr)" in text
    assert "Kommunbidraget 2025 jämfört med 2024: en ökning med 11,2\u00a0mnkr (4,6\u00a0%)" in text
    assert "Riskanalysen tar upp 9 risker, varav 2 med högsta riskvärdet 12 av 16" in text
    # a figure the sources lack is neither a sentence nor filled in: Läget says the deficit is not stated
    assert "Underskott som åtgärdsplanerna ska möta" not in text and "Anges inte i källorna för" not in text
    assert "Underskottet som planen ska hantera anges inte med belopp" in text
    links = {a["href"] for a in soup.find("article").find_all("a", href=True)}
    assert {"budget.html", "risk.html", "atgardsplan.html", "genomlysning.html"} <= links
    # Every organisation and year has an overview, first in its chapter list.
    for org, year in (("haninge", 2018), ("linkoping", 2024), ("alingsas", 2024)):
        assert (built / f"_build/html/book/{org}/{year}/sammanfattning.html").is_file()


def test_in_brief_is_three_to_five_sentences_each_with_a_linked_figure(built):
    """Rule 7 of issue #26, on every organisation-year of the book."""
    for page in sorted((built / "_build/html/book").glob("*/*/sammanfattning.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        section = soup.find(id="i-korthet")
        items = section.find("ul").find_all("li", recursive=False)
        assert 3 <= len(items) <= 5, (page, len(items))
        for li in items:
            assert li.find("a", href=True) is not None, (page, li.get_text())
            assert li.get_text(" ", strip=True).endswith("."), (page, li.get_text())


def test_source_documents_are_pages_of_the_site(built):
    page = built / "_build/html/book/kallor/alingsas-budget-2025.html"
    text = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").find("article").get_text()
    source = (ROOT / "data/kallor/alingsas-sn-budget-2025-2027.txt").read_text(encoding="utf-8")
    for line in source.splitlines()[:60]:
        assert line.strip() in text
    budget = (built / "_build/html/book/alingsas/2025/budget.html").read_text(encoding="utf-8")
    assert 'href="../../kallor/alingsas-budget-2025.html"' in budget
    assert (built / "_build/html/book/kallor/index.html").is_file()


_SHOWN_NUMBER = re.compile(
    r"^(?P<sign>[+\u2212]?)(?P<int>\d{1,3}(?:\u00a0\d{3})*)(?:,(?P<dec>\d+))?(?:\u00a0(?:%|tkr|mnkr))?$"
)


def test_every_table_download_has_the_numbers_shown(built):
    import csv as csvmod

    html_dir = built / "_build/html"
    pages = sorted(html_dir.glob("book/*/*/*.html"))
    checked = 0
    for page in pages:
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for p in soup.find_all("p", class_="rapportbok-nedladdning"):
            hrefs = [a["href"] for a in p.find_all("a")]
            assert [h.rsplit(".", 1)[1] for h in hrefs] == ["csv", "xlsx"], page
            for h in hrefs:
                assert (page.parent / h).is_file(), (page, h)
            table = p.find_previous("table")
            # (the page hyphenates long words softly, U+00AD; the download has the words whole)
            shown = [
                [c.get_text().replace("\u00ad", "").strip() for c in tr.find_all(["td", "th"])]
                for tr in table.find("tbody").find_all("tr")
            ]
            rows = list(
                csvmod.reader(io.StringIO((page.parent / hrefs[0]).read_text(encoding="utf-8-sig")), delimiter=";")
            )
            # Blocks after empty rows: the table's footnotes (if any), then what the table is (source, unit,
            # report period: rapportbok.present.downloads).
            blocks = [[]]
            for r in rows:
                if r == []:
                    blocks.append([])
                else:
                    blocks[-1].append(r)
            rows, *notes, about = blocks
            assert [a[0] for a in about][:3] == ["Tabell", "Källa", "Enhet"], (page, hrefs[0], about)
            assert "Rapportperiod" in [a[0] for a in about], (page, hrefs[0], about)
            for block in notes:
                assert block and all(n[0].startswith(("¹", "²")) for n in block), (page, hrefs[0], block)
            header = [th.get_text().replace("\u00ad", "") for th in table.find("thead").find_all("th")]
            assert len(rows) - 1 == len(shown), (page, hrefs[0])
            assert [h.split(" (")[0] for h in rows[0]] == [h.split(" (")[0] for h in header], (page, hrefs[0])
            for r_csv, r_html in zip(rows[1:], shown):
                for a, b in zip(r_csv, r_html):
                    if b == "–":  # a missing figure is an empty cell; a source's own "–" text stays text
                        assert a in ("", "–"), (page, hrefs[0], a, b)
                    elif a != escape.csv_cell(b):  # not text as shown: a number with the decimals shown
                        m = _SHOWN_NUMBER.match(b)
                        assert m, (page, hrefs[0], a, b)
                        number = m["sign"].replace("\u2212", "-").replace("+", "") + m["int"].replace("\u00a0", "")
                        assert a == number + ("," + m["dec"] if m["dec"] else ""), (page, hrefs[0], a, b)
            checked += 1
    assert checked > 40


def test_every_chart_has_swedish_alt_text(built):
    n = 0
    for page in sorted((built / "_build/html/book").glob("*/*/*.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for img in soup.find("article").find_all("img"):
            alt = img.get("alt", "")
            assert alt.split(":")[0] in {
                "Stapeldiagram",
                "Staplat stapeldiagram",
                "Linjediagram",
                "Liggande stapeldiagram",
                "Vattenfallsdiagram",
                "Riskkarta, 4 × 4 rutor med sannolikhet lodrätt och väsentlighet vågrätt",
            }, (page, alt)
            n += 1
    assert n >= 15


def test_a_chapter_depends_on_every_file_it_reads():
    """The incremental build re-executes a chapter when one of these files changes (or appears)."""
    files = {p.name for p in inputs.chapter_files("budget", ROOT / "data/alingsas")}
    assert {"tabeller.csv", "tabell_varden.csv", "tabell_begrepp.csv", "uppgifter.csv", "atgard_effekter.csv"} <= files
    everything = {p.name for p in inputs.chapter_files("sammanfattning", ROOT / "data/alingsas")}
    assert {"tabell_varden.csv", "risker.csv", "genomlysning_uppgifter.csv", "organisation.yml"} <= everything
