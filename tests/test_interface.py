"""The site's interface and words (issue #14, items 7, 10–13): Swedish throughout, titles that name the
organisation and year, a year and organisation switcher, a download menu with the PDF and the tables,
an Ordlista with abbreviations explained where they appear, no internal ids, and source links that
land on the cited line.

Unit tests use synthetic text (said so where it appears) or the real source register; the site tests
read the built site (conftest.built_site) back as plain HTML, so they run without Chromium.
"""

from __future__ import annotations

import asyncio
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from rapportbok.data import citation, sources
from rapportbok.present import glossary
from rapportbok.publish import sphinxext

# The themes' English a reader met before (issue #14, item 10), as text or in an attribute.
ENGLISH = [
    "Skip to main content",
    "Back to top",
    "Toggle primary sidebar",
    "Toggle secondary sidebar",
    "Search this book",
    "Search the docs",
    "Link to this heading",
    "Color mode",
    "System Settings",
    "Please activate JavaScript",
    "Print to PDF",
    "Download source file",
    "Download notebook file",
    "Download this page",
    "Fullscreen mode",
    "previous page",
    "next page",
    "On this page",
    "Last updated",
    "Site navigation",
    "Version warning",
    "Byggd med rapportbok",
    "By rapportbok",
    "Av rapportbok",
    'title="Light"',
    'title="Dark"',
    'aria-label="Main"',
    'aria-label="Page"',
    "Contents</",
]
# Ids of the book's own data (plan sums, Kolada KPIs and groups) and words of its data files.
INTERNAL = re.compile(r"\b(?:ALI|HAN|LIN)-S\d+\b|\b[NUG]\d{4,6}\b|kolumnen kalla|grupprader|\bDrivare\b|per år per år")


# --- sources to the line --------------------------------------------------------------------------

# Synthetic text: a contents list (with and without page numbers), then the sections.
SYNTHETIC_TEXT = [
    "Innehåll",
    "Nämndens budget.....\t4",
    "Investeringsbudget\t5",
    "Bilaga 2 – Risk och väsentlighetsanalys",
    "",
    "Nämndens budget",
    "Text om budgeten.",
    "Ekonomiska ramar",
    "Belopp i tkr\tBudget 2024\tBudget 2025",
    "Investeringsbudget",
    "Belopp i tkr\tBudget 2024",
    "## Bilaga 2 - Risk och väsentlighetsanalys:",
]


@pytest.mark.parametrize(
    "avsnitt, line",
    [
        ("Nämndens budget", 6),  # the contents line with dots is skipped
        ("Investeringsbudget", 10),  # ... and the one with a tab and a page number
        ('Nämndens budget – Ekonomiska ramar, tabell "Belopp i tkr"', 9),  # each step after the previous
        ('Investeringsbudget, tabell "Belopp i tkr"', 11),
        (
            "Nämndens budget – Ekonomiska ramar. Förändringen är egen beräkning.",
            8,
        ),  # a following sentence is not the name
        ("Bilaga 2 – Risk och väsentlighetsanalys", 12),  # listed twice: the last is the section; – and - alike
        ("Avsnitt som inte finns", None),
    ],
)
def test_section_line(avsnitt, line):
    assert citation.section_line(SYNTHETIC_TEXT, avsnitt) == line


def test_citation_links_to_the_cited_line_of_the_real_source():
    from rapportbok.core import escape
    from rapportbok.present.tables import link_titles

    texts = sources.texts(sources.load())
    cite = sources.label("alingsas-budget-2025") + ', Investeringsbudget, tabell "Belopp i tkr"'
    html = link_titles(escape.html_text(cite), texts)
    href = re.search(r'href="([^"]+)"', html).group(1)
    assert href.startswith("../../kallor/alingsas-budget-2025.html#rad-")
    n = int(href.rsplit("-", 1)[1])
    text = (sources.data_dir() / "kallor" / "alingsas-sn-budget-2025-2027.txt").read_text(encoding="utf-8").splitlines()
    assert text[n - 1].startswith("Belopp i tkr") and text[n - 2].strip() in ("Investeringsbudget", "")
    # A decision with ';' in it (Alingsås' action plan) does not cut the section off.
    cite = sources.label("alingsas-handlingsplan-2024") + ", Sammanfattning av förslagna åtgärder"
    assert "#rad-7" in link_titles(escape.html_text(cite), texts)
    # Without a section the link goes to the page's top.
    assert "#" not in re.search(
        r'href="([^"]+)"', link_titles(escape.html_text(sources.label("alingsas-budget-2025")), texts)
    ).group(1)


def test_kallor_url_column_checked(tmp_path):
    import shutil

    data = tmp_path / "data"
    shutil.copytree(sources.data_dir(), data)
    csv = data / "kallor.csv"
    lines = csv.read_text(encoding="utf-8").splitlines()
    assert lines[0].endswith(",url")
    assert sources.load(data)["url"].fillna("").eq("").all()  # no address is known: none is invented
    lines[1] = lines[1] + "javascript:alert(1)"
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(sources.DataError) as err:
        sources.load(data)
    message = str(err.value)
    assert "kallor.csv" in message and "url" in message and "https://" in message


# --- words a reader knows -------------------------------------------------------------------------


def test_glossary_terms_and_page():
    names = {t.term for t in glossary.TERMS}
    assert {
        "åa",
        "IK-plan",
        "EKB",
        "HVB",
        "familjehem",
        "ovägt medel",
        "liknande kommuner",
        "tkr",
        "mnkr",
        "helårseffekt",
        "tertial",
        "delårsrapport",
    } <= names
    page = glossary.page_markdown()
    assert page.startswith("# Ordlista") and "- **IK\\-plan**: Internkontrollplan\\: nämndens plan" in page


def test_abbreviations_marked_in_text_not_in_tags_or_links():
    html = (
        '<table title="tkr"><caption>Belopp, tkr</caption><tr><td>3,0 åa och HVB-placering</td>'
        '<td><a href="x">IK-plan</a></td><td>IK-planen &amp; EKB</td></tr></table>'
    )
    out = glossary.mark_html(html)
    assert '<table title="tkr">' in out and "<caption>Belopp, tkr</caption>" in out  # attribute and caption untouched
    assert '3,0 <abbr title="årsarbetare">åa</abbr>' in out
    assert "HVB-placering" in out and '<abbr title="hem för vård eller boende">HVB</abbr>-' not in out
    assert '<a href="x">IK-plan</a>' in out
    assert (
        '<abbr title="internkontrollplan">IK-planen</abbr> &amp; <abbr title="ensamkommande barn och unga">EKB</abbr>'
        in out
    )
    # The units: at their first appearance on a page only.
    seen: set = set()
    first = glossary.mark_html("<p>5 tkr och 6 tkr, IK-plan</p>", seen)
    assert first.count("<abbr") == 2 and glossary.mark_html("<td>7 tkr, IK-plan</td>", seen).count("<abbr") == 1


# --- the download menu ----------------------------------------------------------------------------


def test_download_menu_offers_pdf_and_tables_escaped():
    body = (
        '<p class="rapportbok-nedladdning">Ladda ner tabellen: <a href="tabeller/budget-ramar.csv" download '
        'aria-label="Ladda ner Ramar &lt;b&gt; &amp; mer som CSV">CSV</a> · <a href="tabeller/budget-ramar.xlsx" '
        'download aria-label="Ladda ner Ramar &lt;b&gt; &amp; mer som Excel">Excel</a></p>'
    )
    items = sphinxext.download_buttons(
        body, "../../../pdf/alingsas-2025.pdf", "Hela rapportboken för Alingsås kommun 2025 (PDF)"
    )
    assert [i["url"] for i in items] == [
        "../../../pdf/alingsas-2025.pdf",
        "tabeller/budget-ramar.csv",
        "tabeller/budget-ramar.xlsx",
    ]
    assert items[1]["text"] == "Ramar &lt;b&gt; &amp; mer (CSV)"  # escaped once, not twice, never raw
    assert not sphinxext.download_buttons("", None, "")


# --- the built site, as plain HTML ----------------------------------------------------------------


def _pages(site: Path) -> dict[str, str]:
    return {
        p.relative_to(site).as_posix(): p.read_text(encoding="utf-8")
        for p in site.rglob("*.html")
        if not p.relative_to(site).as_posix().startswith(("_static/", "_sources/", "_images/"))
    }


def _article_text(html: str) -> str:
    m = re.search(r"<article.*?</article>", html, flags=re.DOTALL)
    html = m.group(0) if m else html
    html = re.sub(r"<script.*?</script>|<style.*?</style>", " ", html, flags=re.DOTALL)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\xa0", " ")


def test_site_has_no_english_interface(built_site):
    pages = _pages(built_site)
    found = {name: [e for e in ENGLISH if e in html] for name, html in pages.items()}
    found = {k: v for k, v in found.items() if v}
    assert not found, found
    budget = pages["book/alingsas/2025/budget.html"]
    assert "Senast uppdaterad" in budget and re.search(
        r"Senast uppdaterad \d{1,2} (januari|februari|mars|april|maj|juni|"
        r"juli|augusti|september|oktober|november|december) \d{4}\.",
        budget,
    )
    assert 'placeholder="Sök i boken …"' in budget
    assert 'lang="sv"' in budget


class _Head(HTMLParser):
    def __init__(self):
        super().__init__()
        self.title, self.h1, self._in = "", [], None

    def handle_starttag(self, tag, attrs):
        if tag in ("title", "h1"):
            self._in = tag
            if tag == "h1":
                self.h1.append("")

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        if self._in == "title":
            self.title += data
        elif self._in == "h1":
            self.h1[-1] += data


ORG_YEAR = re.compile(r"^book/([^/]+)/(\d{4})/([^/]+)\.html$")


def test_titles_name_the_organisation_and_year(built_site):
    pages = _pages(built_site)
    org_year = {n: m for n in pages if (m := ORG_YEAR.match(n))}
    assert len(org_year) >= 15
    for name, m in org_year.items():
        head = _Head()
        head.feed(pages[name])
        year_head = _Head()
        year_head.feed(pages[f"book/{m[1]}/{m[2]}/index.html"])
        org_and_year = year_head.title.strip()
        assert re.fullmatch(r".+ kommun \d{4}", org_and_year), org_and_year
        if m[3] == "index":
            assert head.title.strip() == org_and_year, name
        else:
            assert head.title.strip().endswith(" – " + org_and_year), (name, head.title)
            h1 = [h.replace("#", "").strip() for h in head.h1]
            assert head.title.strip() in h1, (name, h1)  # the page's H1 (the print header is another)
            # the organisation-year part of the H1 is screen-only: the PDF names it on its cover and footers
            assert re.search(r'<h1>[^<]+<span class="rapportbok-orgar d-print-none"> – ', pages[name]), name
    head = _Head()
    head.feed(pages["book/alingsas/2025/budget.html"])
    assert head.title.strip() == "Budget och ekonomiska ramar – Alingsås kommun 2025"


def test_switcher_on_every_organisation_year_page(built_site):
    pages = _pages(built_site)
    for name, html in pages.items():
        m = ORG_YEAR.match(name)
        if not m:
            continue
        nav = re.search(r'<nav class="rapportbok-vaxlare".*?</nav>', html, flags=re.DOTALL)
        assert nav, name
        links = re.findall(r'href="([^"]+)"', nav.group(0))
        assert len(links) >= 3, name  # three organisations at least
        for href in links:
            assert (built_site / name).parent.joinpath(href).resolve().is_file(), (name, href)
        assert f'aria-current="page" href="../../{m[1]}/{m[2]}/{m[3]}.html"' in nav.group(0), name
    alingsas = pages["book/alingsas/2025/budget.html"]
    assert 'href="../../alingsas/2024/budget.html">2024</a>' in alingsas  # the same chapter, another year
    assert ">Haninge kommun</a>" in alingsas and ">Linköpings kommun</a>" in alingsas
    # Alingsås 2024 has no risk chapter: the switcher goes to that year's page.
    assert 'href="../../alingsas/2024/index.html">2024</a>' in pages["book/alingsas/2025/risk.html"]


def _sidebar_targets(site: Path, name: str, html: str) -> set[str]:
    """The pages the primary sidebar (the book's table of contents) links, relative to the site."""
    nav = re.search(r'<nav class="bd-links bd-docs-nav".*?</nav>', html, flags=re.DOTALL)
    assert nav, name
    out = {name} if 'href="#"' in nav.group(0) else set()  # the page itself
    for href in re.findall(r'href="([^"#]*)(?:#[^"]*)?"', nav.group(0)):
        if href:
            out.add((site / name).parent.joinpath(unquote(href)).resolve().relative_to(site.resolve()).as_posix())
    return out


def test_sidebar_shows_the_pages_own_organisation(built_site):
    """A page of an organisation lists its own years, chapters and sources, and the book's common pages; not the
    other organisations' (at 290 organisations every page would carry some 3 000 links, and building them is
    quadratic). The start page, the glossary and the source index list every organisation."""
    pages = _pages(built_site)
    register = sources.load(Path("data"))
    orgs = sorted({m[1] for n in pages if (m := ORG_YEAR.match(n))})
    assert len(orgs) >= 3
    source_org = {f"book/kallor/{kalla}.html": row["organisation"] for kalla, row in register.iterrows()}

    def owner(target: str) -> str | None:
        m = ORG_YEAR.match(target)
        return m[1] if m else source_org.get(target)

    checked = 0
    for name, html in pages.items():
        org = owner(name)
        if org is None:
            continue
        targets = _sidebar_targets(built_site, name, html)
        assert {owner(t) for t in targets} - {None} == {org}, name
        assert "book/ordlista.html" in targets and "book/kallor/index.html" in targets, name
        assert {f"book/kallor/{k}.html" for k, row in register.iterrows() if row["organisation"] == org} <= targets, (
            name
        )
        checked += 1
    assert checked >= 20
    own = _sidebar_targets(built_site, "book/alingsas/2025/budget.html", pages["book/alingsas/2025/budget.html"])
    assert {"book/alingsas/2024/index.html", "book/alingsas/2024/budget.html", "book/alingsas/2025/risk.html"} <= own
    for common in ("book/index.html", "book/ordlista.html", "book/kallor/index.html"):
        targets = _sidebar_targets(built_site, common, pages[common])
        assert {owner(t) for t in targets} >= set(orgs), common


class _Env:
    """A stand-in for Sphinx's build environment: the documents and titles switcher_html reads."""

    def __init__(self, n: int):
        self.found_docs, self.titles = set(), {}
        for i in range(1, n + 1):  # SYNTHETIC organisation names
            doc = f"book/org{i:03d}/2025/index"
            self.found_docs |= {doc, f"book/org{i:03d}/2025/budget"}
            self.titles[doc] = _Text(f"Syntetisk kommun {i:03d} 2025")


class _Text(str):
    def astext(self) -> str:
        return str(self)


def test_switcher_in_a_national_edition_links_the_start_page():
    few = sphinxext.switcher_html(_Env(sphinxext.SWITCHER_MAX_ORGS), "book/org002/2025/budget")
    assert few.count("Syntetisk kommun") == sphinxext.SWITCHER_MAX_ORGS and "alla" not in few
    many = sphinxext.switcher_html(_Env(290), "book/org002/2025/budget")
    assert re.findall(r">(Syntetisk kommun \d+)</a>", many) == ["Syntetisk kommun 002"]
    assert 'aria-current="page" href="../../org002/2025/budget.html">Syntetisk kommun 002</a>' in many
    assert '<a href="../../index.html">alla 290 kommuner</a>' in many


def test_download_menu_on_the_site(built_site):
    pages = _pages(built_site)
    for name, html in pages.items():
        # no download of the notebook and no browser print button (a page may name a notebook in its text:
        # the handbook's build-time records do)
        assert not re.search(r'href="[^"]*\.ipynb"', html) and "window.print()" not in html, name
    budget = pages["book/alingsas/2025/budget.html"]
    menu = re.search(r'<div class="dropdown dropdown-download-buttons">.*?</ul>', budget, flags=re.DOTALL).group(0)
    assert 'href="tabeller/budget-ramar.csv"' in menu and 'href="tabeller/budget-ramar.xlsx"' in menu
    assert "Ekonomiska ramar, tkr (CSV)" in menu


def test_ordlista_and_abbreviations_on_the_site(built_site):
    pages = _pages(built_site)
    ordlista = _article_text(pages["book/ordlista.html"])
    for term in (
        "åa",
        "IK-plan",
        "EKB",
        "HVB",
        "familjehem",
        "ovägt medel",
        "liknande kommuner",
        "helårseffekt",
        "tertial",
        "delårsrapport",
        "tkr",
        "mnkr",
    ):
        assert f" {term} " in ordlista or f" {term} (" in ordlista, term
    assert 'href="../ordlista.html"' in pages["book/index.html"] or 'href="ordlista.html"' in pages["book/index.html"]
    risk = pages["book/alingsas/2025/risk.html"]
    assert '<abbr title="internkontrollplan">IK-plan' in risk
    plan = pages["book/alingsas/2025/atgardsplan.html"]
    assert '<abbr title="årsarbetare">åa</abbr>' in plan


def test_no_internal_ids_on_reader_pages(built_site):
    pages = _pages(built_site)
    found = {}
    for name, html in pages.items():
        if not name.startswith("book/") or name.startswith("book/kallor/") and not name.endswith("index.html"):
            continue
        hits = sorted(set(INTERNAL.findall(_article_text(html))))
        if hits:
            found[name] = hits
    assert not found, found
    source = _article_text(pages["book/kallor/alingsas-budget-2025.html"])
    assert "kolumnen kalla" not in source and "Originaldokumentet: adressen är inte känd" in source
    assert not re.search(r'href="(nan|None|)"', pages["book/kallor/alingsas-budget-2025.html"])


def test_source_links_land_on_existing_lines(built_site):
    pages = _pages(built_site)
    anchored = 0
    for name, html in pages.items():
        if not name.startswith("book/") or name.startswith("book/kallor/"):
            continue
        for href in re.findall(r'href="(\.\./\.\./kallor/[^"]+)"', html):
            url = urlsplit(href)
            target = (built_site / name).parent.joinpath(unquote(url.path)).resolve()
            assert target.is_file(), (name, href)
            if url.fragment:
                anchored += 1
                assert f'id="{url.fragment}"' in target.read_text(encoding="utf-8"), (name, href)
    assert anchored >= 30
    page = pages["book/kallor/alingsas-budget-2025.html"]
    assert page.count('class="rapportbok-rad" id="rad-') > 100


# --- in the browser: both widths, the interface as the reader sees it, screenshots -------------------

# Runs in the page after its scripts: the title, the H1, and every text and label a reader or a screen
# reader meets (tooltips the scripts add included).
UI_JS = """() => {
  const attrs = ['title', 'aria-label', 'placeholder', 'alt', 'data-bs-title', 'data-bs-original-title'];
  const said = [];
  document.querySelectorAll('*').forEach(el => attrs.forEach(a => { if (el.hasAttribute(a)) said.push(el.getAttribute(a)); }));
  return {title: document.title, h1: [...document.querySelectorAll('article h1')].map(h => h.textContent.replace('#', '').trim()),
          text: document.body.innerText, attrs: said, docW: document.documentElement.scrollWidth, winW: window.innerWidth,
          charts: [...document.querySelectorAll('article .cell_output img')].map(img => ({
            w: img.getBoundingClientRect().width, natural: img.naturalWidth,
            box: img.parentElement.classList.contains('rapportbok-diagram')})),
          // A chart's title: text above the image, outside its sideways-scrolling box, wholly in the window.
          titles: [...document.querySelectorAll('article p.rapportbok-diagramrubrik')].map(p => {
            const r = p.getBoundingClientRect();
            const out = p.closest('.output'), next = out && out.nextElementSibling;
            return {text: p.textContent, left: r.left, right: r.right, winW: window.innerWidth,
                    inBox: !!p.closest('.rapportbok-diagram'), over: p.scrollWidth - p.clientWidth,
                    beforeImage: !!next && (next.matches('.rapportbok-diagram') || !!next.querySelector('.rapportbok-diagram img'))};
          }),
          // Tables start at the text's left edge (the theme centres every table).
          tables: [...document.querySelectorAll('article table')].filter(t => t.offsetParent).map(t => ({
            caption: (t.caption ? t.caption.textContent : t.className).slice(0, 60),
            margin: parseFloat(getComputedStyle(t).marginLeft)}))};
}"""
# Issue #14: a chart keeps a readable size on a phone. The images are 800 px wide with 10 pt text (about
# 14 px); at least 600 px on screen keeps that text at 10 px or more. At 1366 px the content column
# (757 px) shows it nearly whole.
CHART_MIN_PX = {390: 600, 1366: 700}


# --- key columns in view at 1366 px, a cue for a wide table on a phone (issue #26) ----------------

# Every table's key columns are marked in its markup (th.rapportbok-nyckel, rapportbok.present.tables.key_columns):
# its name column and its figures unless the chapter names them. In its own box (div.rapportbok-rulla) the table
# scrolls sideways; a box that overflows shows the cue (p.rapportbok-svep), one that does not, none.
LAYOUT_JS = """async () => {
  document.querySelectorAll('details').forEach(d => d.open = true);
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const out = {docW: document.documentElement.scrollWidth, winW: window.innerWidth, tables: []};
  document.querySelectorAll('table.rapportbok-tabell').forEach(t => {
    const box = t.closest('div.rapportbok-rulla');
    const cue = box && box.querySelector(':scope > p.rapportbok-svep');
    const edge = box ? box.getBoundingClientRect().right : 0;
    const cueBox = cue && cue.getBoundingClientRect();
    out.tables.push({
      id: t.id, boxed: !!box, cue: !!cue,
      keys: [...t.querySelectorAll('thead th.rapportbok-nyckel')].map(th => th.textContent.replace(/\u00ad/g, '').trim()),
      hidden: [...t.querySelectorAll('thead th.rapportbok-nyckel')]
        .filter(th => th.getBoundingClientRect().right > edge + 1).map(th => th.textContent.replace(/\u00ad/g, '').trim()),
      wide: !!box && box.scrollWidth > box.clientWidth + 1,
      cueShown: !!cue && cue.checkVisibility() && cueBox.left >= 0 && cueBox.right <= window.innerWidth + 1,
      focusable: !!box && box.tabIndex === 0,
    });
  });
  return out;
}"""

# The columns the walk-through of issue #26 found out of view at 1366 px, by page and table: each must be a key
# column and in view.
ONCE_HIDDEN = {
    "book/alingsas/2025/risk.html": {"T_risker": ["Omräknat riskvärde", "Hantering"]},
    "book/haninge/2018/atgardsplan.html": {"T_atgarder": ["Område", "Trafikljus", "Faktiskt hittills, tkr"]},
    "book/alingsas/2025/genomlysning.html": {"T_forflyttning_1": ["Besparing, mnkr per år", "Genomförbarhet"]},
}


WIDTHS = ((1366, 900), (390, 844))


def _book_pages(site: Path) -> set[str]:
    """The book's pages with tables (its source pages excepted): LAYOUT_JS reads them."""
    return {p.relative_to(site).as_posix() for p in (site / "book").rglob("*.html") if "kallor" not in p.parts}


@pytest.fixture(scope="module")
def at_widths(built_site, site_url) -> dict[int, dict[str, dict]]:
    """Every page of the site in a browser at 1366 and 390 px, each read once for the two tests below: UI_JS, the
    screenshot (with RAPPORTBOK_SCREENSHOT_DIR set, `make skarmbilder`: <folder>/<width>/), then on the book's pages
    LAYOUT_JS, last because it opens the folded sections. By width, then page: {"ui": …, "layout": … or None}."""
    from conftest import need_chromium, screenshot_dir

    need_chromium()

    shots = screenshot_dir()
    # The site's root index.html only forwards to book/index.html.
    pages = sorted(n for n in _pages(built_site) if n != "index.html")
    book = _book_pages(built_site)
    seen = {}
    for width, height in WIDTHS:
        folder = None if shots is None else shots / str(width)
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            for old in folder.glob("*.png"):
                old.unlink()
        seen[width] = asyncio.run(_read_pages(site_url, pages, book, {"width": width, "height": height}, folder))
    return seen


async def _read_pages(
    site_url: str, pages: list[str], book: set[str], viewport: dict, folder: Path | None
) -> dict[str, dict]:
    from site_browser import each_page, icons_drawn, offline_browser

    async def visit(page, name: str) -> dict:
        await page.goto(site_url + name, wait_until="load")
        drawn = await icons_drawn(page)
        facts = {"ui": await page.evaluate(UI_JS), "layout": None, "icons_drawn": drawn}
        if folder is not None:
            shot = folder / (name.removesuffix(".html").replace("/", "__") + ".png")
            await page.screenshot(path=str(shot), full_page=True)
        if name in book:
            facts["layout"] = await page.evaluate(LAYOUT_JS)
        return facts

    async with offline_browser(site_url, viewport=viewport, locale="sv-SE") as context:
        return await each_page(context, pages, visit)


def test_browser_interface_titles_and_screenshots(built_site, at_widths):
    """Every page at 1366 and 390 px: Swedish interface, nothing wider than the window, the page's title in
    the tab and the H1, each chart's title as text wholly in the window (not in the image, which scrolls
    sideways on a phone), tables at the text's left edge. With RAPPORTBOK_SCREENSHOT_DIR set (`make skarmbilder`), a
    full-page screenshot of each lands in <folder>/<width>/."""
    from conftest import screenshot_dir

    shots = screenshot_dir()
    pages = sorted(n for n in _pages(built_site) if n != "index.html")
    problems = []
    charts = {1366: 0, 390: 0}
    titles = {1366: 0, 390: 0}
    for width, _ in WIDTHS:
        assert list(at_widths[width]) == pages
        for name, read in at_widths[width].items():
            if not read["icons_drawn"]:
                problems.append(
                    f"{name} @ {width}: ikonerna (Font Awesome) ritades inte: deras texter gick inte att läsa"
                )
            facts = read["ui"]
            said = facts["text"] + "\n" + "\n".join(facts["attrs"])
            english = [e for e in ENGLISH if "=" not in e and "<" not in e and e in said]
            english += [a for a in ("Light", "Dark", "Main", "Page", "Copy", "Copied!") if a in facts["attrs"]]
            if english:
                problems.append(f"{name} @ {width}: engelska {english}")
            if facts["docW"] > facts["winW"]:
                problems.append(f"{name} @ {width}: sidan är {facts['docW']} px bred")
            for title in facts["titles"]:
                titles[width] += 1
                if (
                    title["inBox"]
                    or title["left"] < 0
                    or title["right"] > title["winW"] + 0.5
                    or title["over"] > 0
                    or not title["beforeImage"]
                ):
                    problems.append(f"{name} @ {width}: diagramrubriken syns inte hel: {title}")
            for table in facts["tables"]:
                if table["margin"] > 1:
                    problems.append(
                        f"{name} @ {width}: tabellen {table['caption']!r} är centrerad "
                        f"({table['margin']:.0f} px marginal till vänster)"
                    )
            for chart in facts["charts"]:
                charts[width] += 1
                if not chart["box"] or chart["w"] < min(CHART_MIN_PX[width], chart["natural"]):
                    problems.append(f"{name} @ {width}: diagram {chart['w']:.0f} px brett (bild {chart['natural']} px)")
            m = ORG_YEAR.match(name)
            if m and m[3] != "index" and (" – " not in facts["title"] or facts["title"] not in facts["h1"]):
                problems.append(f"{name}: titel {facts['title']!r}, H1 {facts['h1']}")
    assert not problems, "\n".join(problems)
    assert charts[390] == charts[1366] >= 20  # the charts were measured at both widths
    assert titles[390] == titles[1366] == charts[390]  # every chart's title, as text, measured at both widths
    if shots is not None:
        assert len(list((shots / "390").glob("*.png"))) == len(pages)


def test_key_columns_in_view_and_a_cue_for_wide_tables(built_site, at_widths):
    problems, wide_on_phone, tables_seen = [], 0, 0
    for width, _ in WIDTHS:
        layouts = {name: read["layout"] for name, read in at_widths[width].items() if read["layout"] is not None}
        assert sorted(layouts) == sorted(_book_pages(built_site))
        for name, facts in layouts.items():
            if facts["docW"] > facts["winW"]:
                problems.append(f"{name} @ {width}: sidan är {facts['docW']} px bred")
            for t in facts["tables"]:
                tables_seen += 1
                if not t["boxed"] or not t["cue"]:
                    problems.append(f"{name}: {t['id']} står inte i en egen rullbar ruta med hänvisning")
                    continue
                if not t["keys"]:
                    problems.append(f"{name}: {t['id']} har inga nyckelkolumner")
                if width == 1366 and t["hidden"]:
                    problems.append(f"{name} @ 1366: {t['id']} döljer nyckelkolumnerna {t['hidden']}")
                if t["wide"] != t["cueShown"]:
                    problems.append(
                        f"{name} @ {width}: {t['id']} bred={t['wide']} men hänvisningen syns={t['cueShown']}"
                    )
                if t["wide"] != t["focusable"]:
                    problems.append(
                        f"{name} @ {width}: {t['id']} bred={t['wide']}, nåbar med tangentbordet={t['focusable']}"
                    )
                wide_on_phone += width == 390 and t["wide"]
            if width == 1366:
                for tid, cols in ONCE_HIDDEN.get(name, {}).items():
                    t = next((x for x in facts["tables"] if x["id"] == tid), None)
                    assert t is not None, f"{name}: ingen tabell {tid}"
                    assert set(cols) <= set(t["keys"]), (name, tid, t["keys"])
    assert not problems, "\n".join(problems)
    assert tables_seen > 100 and wide_on_phone > 20  # the check has tables to look at, and wide ones on a phone


def test_source_page_links_the_original_when_known(tmp_path):
    """Synthetic address in a temporary copy of data/ (data/ itself holds no address it cannot trace)."""
    import shutil

    from rapportbok.data import organisations
    from rapportbok.publish import build

    data = tmp_path / "data"
    shutil.copytree(sources.data_dir(), data)
    csv = data / "kallor.csv"
    lines = csv.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1] + 'https://example.invalid/syntetisk?a=1&b="2"'.replace('"', "")
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    orgs, _ = organisations.load_all(data)
    pages = build.source_pages(data, orgs)
    kalla = lines[1].split(",")[0]
    assert '**Originaldokumentet:** <a href="https://example.invalid/syntetisk?a=1&amp;b=2">' in pages[f"{kalla}.md"]
    other = lines[2].split(",")[0]
    assert "adressen är inte känd" in pages[f"{other}.md"] and "nan" not in pages[f"{other}.md"].split("```")[0]
    # every line of the text has its id, in order
    ids = re.findall(r'id="rad-(\d+)"', pages[f"{kalla}.md"])
    assert ids == [str(i) for i in range(1, len(ids) + 1)] and len(ids) > 1
