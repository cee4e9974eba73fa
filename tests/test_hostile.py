"""The hostile fixture organisation: data text is data, never code (issue #12, items 3–5).

``tests/fixtures/hostile/`` is a SYNTETISK organisation, *fientlig*, whose texts (name, nämnd,
source title, beslut, dokumenttyp, avsnitt, posts, comments, status texts, measure titles, risk
names) carry script tags, event-handler attributes, quotes for attribute injection, MyST roles
and directives that read a local file (``hemlig.txt``, outside data/, with a unique marker),
``{raw} html`` fences, Markdown links, math and spreadsheet formulas. The project is built from
it in a temporary copy (one organisation, one year, four chapters) with the real command, and:

* no HTML page has a script, an attribute or an element that comes from the data: no ``<script>``
  and no attribute value with the hostile payload (``__pwned``), no ``<img src="x">``;
* the local file's marker appears nowhere in the site (``_downloads/`` and every xlsx included);
* the hostile texts are visible as text on the pages;
* no XLSX download holds a formula, and every CSV cell that starts like a formula is neutralised;
* in a browser (when Chromium is installed) no script from the data runs: no dialog opens and
  ``window.__pwned`` stays undefined, also after mouseover, focus, load and error events on every
  element.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
import shutil
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import ROOT, need_chromium, run_cli

FIXTURE = ROOT / "tests" / "fixtures" / "hostile"
MARKER = "MARKER-LOCAL-FILE-7f3a9c"
PAYLOAD = "__pwned"
ORG_PAGES = "book/fientlig/2030"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A number as the downloads write it (decimal comma, maybe a unit): not text, not a formula.
CSV_NUMBER = re.compile(r"^[-+]?\d+(,\d+)?( (mnkr|tkr|kr|%|åa|st))?$")


@pytest.fixture(scope="module")
def hostile_project(tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("fientlig")
    for name in ("_config.yml", "_static", "requirements.txt", "notebooks"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, copy / name)
    shutil.copytree(FIXTURE / "data", copy / "data")
    shutil.copy(FIXTURE / "hemlig.txt", copy / "hemlig.txt")  # the local file the data points at
    proc = run_cli(copy, "build", "--alla", "--workers", "1")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return copy


@pytest.fixture(scope="module")
def site(hostile_project) -> Path:
    return hostile_project / "_build" / "html"


class _Page(HTMLParser):
    """Elements, attributes, script bodies and the visible text of one page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.bad: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        # Data text inside a quoted attribute value (alt, title, aria-label) is fine: it is text.
        # Not fine: an attribute made from data (an injected name), an event handler or a
        # javascript: URL carrying the payload.
        for name, value in attrs:
            value = value or ""
            if PAYLOAD in name or "=" in name or '"' in name:
                self.bad.append(f"<{tag}> attribute made from data: {name}={value!r}")
            if name.startswith("on") and PAYLOAD in value:
                self.bad.append(f"<{tag}> event handler {name}={value!r}")
            if name in ("href", "src", "action", "formaction") and value.strip().lower().startswith("javascript:"):
                self.bad.append(f"<{tag}> {name}={value!r}")
        if tag == "img" and dict(attrs).get("src") == "x":
            self.bad.append("<img src=x> from data")
        if tag in ("iframe", "object", "embed"):
            self.bad.append(f"<{tag}>")
        self._in_script = tag in ("script", "style")

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            if PAYLOAD in data:
                self.bad.append(f"script with {data.strip()[:80]!r}")
        else:
            self.text.append(data)


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def _visible(path: Path) -> str:
    text = " ".join(_parse(path).text)
    # Quotes as in the data: no curly quotes for straight ones (Sphinx's smart quotes are off; issue #27, item 21).
    return " ".join(text.split())


def _html_pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "_static" not in p.relative_to(site).parts)


def test_the_hostile_organisation_is_built(site):
    names = {p.name for p in (site / ORG_PAGES).glob("*.html")}
    assert {"index.html", "sammanfattning.html", "budget.html", "risk.html", "atgardsplan.html"} <= names
    assert (site / "book" / "kallor" / "fientlig-kalla.html").is_file()


def test_no_markup_from_data_in_any_page(site):
    bad = []
    for path in _html_pages(site):
        raw = path.read_text(encoding="utf-8")
        page = _parse(path)
        bad += [f"{path.relative_to(site)}: {b}" for b in page.bad]
        if "<script>window.__pwned" in raw:
            bad.append(f"{path.relative_to(site)}: <script> from data as HTML")
    assert not bad, "\n".join(bad)


def test_no_local_file_reaches_the_site(site):
    found = []
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        data = path.read_bytes()
        blobs = [data]
        if path.suffix in (".xlsx", ".zip"):
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                blobs += [z.read(n) for n in z.namelist()]
        if any(MARKER.encode() in b for b in blobs):
            found.append(str(path.relative_to(site)))
    assert not found, "Den lokala filens innehåll finns på webbplatsen: " + ", ".join(found)
    assert not (site / "_downloads").exists() or all(p.name != "hemlig.txt" for p in (site / "_downloads").rglob("*"))


@pytest.mark.parametrize(
    "page, shown",
    [
        # the year page: name (heading, title) and nämnd
        (
            f"{ORG_PAGES}/index.html",
            'Fientliga kommun <script>window.__pwned=1</script> <img src=x onerror="window.__pwned=1"> 2030',
        ),
        (f"{ORG_PAGES}/index.html", "Socialnämnden [länk](../../../hemlig.txt) {download}`../../../hemlig.txt`"),
        # the budget chapter: a post in tables and Markdown, the analyst's comment (Markdown), the source line
        (f"{ORG_PAGES}/budget.html", 'Personalkostnader <img src=x onerror="window.__pwned=1">'),
        (
            f"{ORG_PAGES}/budget.html",
            "SYNTETISK <script>window.__pwned=1</script> # Rubrik från data - lista > citat "
            "```{include} ../../../hemlig.txt ``` ```{raw} html",
        ),
        (f"{ORG_PAGES}/budget.html", "$\\alert$ [länk](../../../hemlig.txt) {download}`../../../hemlig.txt`"),
        (f"{ORG_PAGES}/budget.html", '=HYPERLINK("http://example.invalid/","klicka") $\\alert$'),  # also a chart label
        (
            f"{ORG_PAGES}/budget.html",
            "Källa: SYNTETISK budget <script>window.__pwned=1</script> [länk](../../../hemlig.txt)",
        ),
        # the action plans: plan title and beslut (Markdown), a status text (table)
        (f"{ORG_PAGES}/atgardsplan.html", "SYNTETISK plan <script>window.__pwned=1</script>"),
        (f"{ORG_PAGES}/atgardsplan.html", 'beslut: {download}`../../../hemlig.txt` "onmouseover="window.__pwned=1"'),
        (f"{ORG_PAGES}/atgardsplan.html", "SYNTETISK <script>window.__pwned=1</script> ```{raw} html"),
        (f"{ORG_PAGES}/atgardsplan.html", "+cmd|' /C calc'!A0"),
        # risk names (Markdown list and table)
        (f"{ORG_PAGES}/risk.html", "Risk <script>window.__pwned=1</script>"),
        (f"{ORG_PAGES}/risk.html", "[länk](../../../hemlig.txt) $x$"),
        # the source pages: title, dokumenttyp, beslut
        ("book/kallor/fientlig-kalla.html", "{literalinclude} /hemlig.txt"),
        (
            "book/kallor/fientlig-kalla.html",
            "SYNTETISK budget <script>window.__pwned=1</script> [länk](../../../hemlig.txt)",
        ),
        ("book/kallor/index.html", 'SYNTETISK "onmouseover="window.__pwned=1" x=\'y\' ```{raw} html'),
        # the source's text, one HTML line per text line (id rad-N), and the chapter's H1 with the organisation
        ("book/kallor/fientlig-kalla.html", '<img src=x onerror="window.__pwned=1">'),
        ("book/kallor/fientlig-kalla.html", "```{raw} html <script>window.__pwned=1</script> ```"),
        (
            f"{ORG_PAGES}/budget.html",
            "Budget och ekonomiska ramar – Fientliga kommun <script>window.__pwned=1</script> "
            '<img src=x onerror="window.__pwned=1"> 2030',
        ),
    ],
)
def test_hostile_text_is_shown_as_text(site, page, shown):
    assert shown in _visible(site / page)


def test_the_organisation_name_is_text_in_the_navigation(site):
    raw = (site / ORG_PAGES / "index.html").read_text(encoding="utf-8")
    assert "Fientliga kommun &lt;script&gt;window.__pwned=1&lt;/script&gt;" in raw
    assert "<title>Fientliga kommun &lt;script&gt;" in raw
    # A chapter's tab title and the organisation-year switcher (issue #14) name it as text, too.
    budget = (site / ORG_PAGES / "budget.html").read_text(encoding="utf-8")
    assert "<title>Budget och ekonomiska ramar – Fientliga kommun &lt;script&gt;" in budget
    switcher = re.search(r'<nav class="rapportbok-vaxlare".*?</nav>', budget, flags=re.DOTALL).group(0)
    assert "Fientliga kommun &lt;script&gt;window.__pwned=1&lt;/script&gt;" in switcher and "<script" not in switcher


def _downloads(site: Path, suffix: str) -> list[Path]:
    files = sorted(site.rglob(f"tabeller/*{suffix}"))
    assert files, f"inga {suffix}-filer"
    return files


def test_no_formula_in_any_xlsx_download(site):
    from openpyxl import load_workbook

    formulas = []
    for path in _downloads(site, ".xlsx"):
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                if name.startswith("xl/worksheets/") and b"<f>" in z.read(name):
                    formulas.append(f"{path.name}: {name} har <f>")
        wb = load_workbook(path)
        for ws in wb:
            for row in ws.iter_rows():
                formulas += [f"{path.name}: {ws.title}!{c.coordinate} {c.value!r}" for c in row if c.data_type == "f"]
    assert not formulas, "\n".join(formulas)
    # The hostile formula texts are there, as text.
    texts = [
        c.value
        for path in _downloads(site, ".xlsx")
        for ws in load_workbook(path)
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str)
    ]
    assert any(t.startswith("=HYPERLINK(") for t in texts)
    assert any(t.startswith("@SUM(") for t in texts)


def test_every_formula_like_csv_cell_is_neutralised(site):
    live, neutralised = [], []
    for path in _downloads(site, ".csv"):
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")), delimiter=";"))
        for i, row in enumerate(rows, start=1):
            for cell in row:
                if cell.startswith("'"):
                    neutralised.append(cell)
                elif cell.startswith(FORMULA_START) and not CSV_NUMBER.match(cell) and cell != "-":
                    live.append(f"{path.name} rad {i}: {cell!r}")
    assert not live, "\n".join(live)
    for start in ("'=HYPERLINK(", "'+cmd|", "'@SUM(", "'-2+3"):
        assert any(c.startswith(start) for c in neutralised), start


def test_no_script_from_data_runs_in_a_browser(site):
    need_chromium()
    from site_browser import serve

    pages = [p.relative_to(site).as_posix() for p in sorted((site / ORG_PAGES).glob("*.html"))]
    # book/index.html is the landing page (the root index.html only redirects there)
    pages += ["book/index.html", "book/kallor/index.html", "book/kallor/fientlig-kalla.html"]
    with serve(site) as base:
        ran = asyncio.run(_scripts_that_ran(base, pages))
    assert not any(ran.values()), "\n".join(f"{page}: {what}" for page, what in ran.items() if what)


async def _scripts_that_ran(base: str, pages: list[str]) -> dict[str, str]:
    """Each page visited (nothing but the local server reachable), the events injected handlers would fire on
    dispatched: what ran from data (a dialog, ``window.__pwned`` defined), by page; "" where nothing did."""
    from site_browser import each_page, offline_browser

    dialogs: dict = {}  # tab -> the dialogs of the page it shows now

    def listen(tab) -> None:
        async def on_dialog(dialog):
            dialogs[tab].append(dialog.message)
            await dialog.dismiss()

        tab.on("dialog", on_dialog)

    async def visit(page, rel: str) -> str:
        seen = dialogs[page] = []
        await page.goto(base + rel, wait_until="load")
        # Injected handlers would fire on these (a click could navigate away: not dispatched;
        # an onclick from data fails test_no_markup_from_data_in_any_page anyway).
        await page.evaluate("""() => document.querySelectorAll('*').forEach((e) => {
            for (const type of ['mouseover', 'mouseenter', 'focus', 'load', 'error']) {
              e.dispatchEvent(new Event(type, {bubbles: false}));
            }
        })""")
        await page.wait_for_timeout(300)
        pwned = await page.evaluate("() => typeof window.__pwned")
        return f"dialog {seen}, window.__pwned {pwned}" if seen or pwned != "undefined" else ""

    async with offline_browser(base) as context:
        return await each_page(context, pages, visit, new_page=listen)
