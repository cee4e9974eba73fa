"""The built site in a real browser (headless Debian Chromium through Playwright).

Every HTML page of ``_build/html`` is served over HTTP on 127.0.0.1 and visited once; all
checks are gathered in that one visit (``visits`` below) and reported by the tests that follow,
one test per kind of problem, each listing every page and detail at fault:

* no console error, no uncaught exception, no failed request or HTTP status >= 400, also from
  requests that start after "load";
* nothing leaves 127.0.0.1: the site must work offline (such requests are blocked and listed);
* every internal ``<a href>`` resolves to an existing file, and its ``#fragment`` to an id there;
* every chapter page (book/<org>/<year>/<chapter>.html) shows its tables (visible, with ``th``)
  and its charts (visible, loaded, with a real alt text) and has at least one of them;
* axe-core (WCAG 2.0/2.1 A and AA) finds no violation with impact "serious" or "critical", in the
  light colour mode; and, since the theme follows the reader's system setting ("auto"), no colour
  contrast violation in the dark mode either (a page that does not switch is reported, not skipped).

The pages are read once their icons are drawn (tests/site_browser.py). How the visit is made fast
(the browser's cache, reused tabs, two at a time) is told in tests/site_browser.py; that it still
finds every kind of problem is tested on a SYNTETISK site with planted faults (the last test).

With RAPPORTBOK_SCREENSHOT_DIR set (`make skarmbilder` sets it to ``_build/screenshots/``), a full-page
screenshot of every page is saved there.

Pages visited: every ``*.html`` of the site, Sphinx's search.html included (there is no genindex.html: the book has
no index entries, rapportbok.publish.sphinxext), except the theme's Jinja fragments that Sphinx copies into ``_static/``
(webpack-macros.html and the like: templates, not pages; nothing links to them).
"""

from __future__ import annotations

import asyncio
import re
import threading
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from conftest import need_chromium, screenshot_dir
from site_browser import ICONS_WAIT_MS, each_page, icons_drawn, is_offsite, offline_browser, serve

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_MISSING = (
    f"axe-core saknas ({AXE.relative_to(ROOT)}). Kör `npm ci` i {ROOT} "
    "(installerar axe-core enligt package-lock.json; `make test` gör det åt dig)."
)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_FAIL_IMPACTS = {"serious", "critical"}
# Genuine false positives, ignored for these elements only: (rule id, CSS selector).
AXE_FALSE_POSITIVES = [
    # WCAG 2.5.3 (Label in Name) is about visible *text* labels; the theme's colour mode button shows
    # only an icon (sun/moon/half circle). Font Awesome's script turns the icon's tooltip
    # (title="Light") into an SVG <title>, which axe takes for visible text and compares with the
    # button's aria-label ("Color mode").
    ("label-content-name-mismatch", ".theme-switch-button"),
]
SCREENSHOTS = screenshot_dir()

CHAPTER_PAGE = re.compile(r"^book/[^/]+/\d{4}/(?!index\.html$)[^/]+\.html$")
# Sphinx writes the image's file name as alt text when none is given: that is no alt text.
FILENAME_ALT = re.compile(r"(^|/)[^/\s]+\.(png|jpe?g|svg|gif|webp)$", re.IGNORECASE)
VIEWPORT = {"width": 1280, "height": 900}
# A page that forwards the reader at once (<meta http-equiv="Refresh" content="0; url=...">): the site's root.
REFRESH = re.compile(r"""<meta\s+http-equiv=["']refresh["']\s+content=["']\d+;\s*url=([^"']+)["']""", re.IGNORECASE)

# Runs in the page: everything the checks need, read once.
PAGE_FACTS_JS = """() => {
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'
      && el.checkVisibility({opacityProperty: true, visibilityProperty: true});
  };
  const label = (el, i) => el.id ? '#' + el.id : (el.tagName.toLowerCase() + '[' + i + ']');
  return {
    ids: Array.from(document.querySelectorAll('[id]'), (e) => e.id)
      .concat(Array.from(document.querySelectorAll('a[name]'), (e) => e.getAttribute('name'))),
    links: Array.from(document.querySelectorAll('a[href]'), (a) => ({raw: a.getAttribute('href'), url: a.href})),
    tables: Array.from(document.querySelectorAll('table.rapportbok-tabell'), (t, i) => ({
      name: label(t, i), visible: visible(t), th: t.querySelectorAll('th').length,
      // A table in a folded section (the Avstämning dropdown): its summary line must show instead.
      folded: !!t.closest('details:not([open])'),
      summaryVisible: !!t.closest('details') && visible(t.closest('details').querySelector('summary')),
    })),
    charts: Array.from(document.querySelectorAll('.cell_output img'), (img, i) => ({
      name: img.getAttribute('src') || label(img, i), visible: visible(img),
      complete: img.complete, naturalWidth: img.naturalWidth, alt: img.getAttribute('alt'),
    })),
  };
}"""

AXE_RUN_JS = """async ([runOnly, ignored]) => {
  // resultTypes: every node of a violation, one node at most of the other kinds (passes and the like, which are
  // not read): axe's documented way to skip their costly selectors (axe-core doc/API.md, "Performance").
  const r = await axe.run(document, {runOnly, elementRef: true, resultTypes: ['violations']});
  const isIgnored = (rule, el) => ignored.some(([id, sel]) => id === rule && el && el.matches(sel));
  return r.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.filter((n) => !isIgnored(v.id, n.element)).map((n) => ({target: n.target.map(String).join(' ')})),
  })).filter((v) => v.nodes.length);
}"""
AXE_WCAG = {"type": "tag", "values": AXE_TAGS}
AXE_CONTRAST = {"type": "rule", "values": ["color-contrast"]}
# Switch the page to the dark colour mode the way a reader's system setting does. The theme follows that setting in
# its "auto" mode only (set in <head> before anything is drawn, from localStorage or the default); in a fixed mode
# there is no dark mode to check ("fixed"). It switches on the media query's change event, which comes with a
# rendered frame: on a busy machine that can take seconds, so the switch is awaited, and one that never comes is
# reported ("timeout", after DARK_WAIT_MS), never taken for a site without a dark mode.
DARK_WAIT_MS = 20_000
DARK_JS = """async (waitMs) => {
  const root = document.documentElement;
  if (root.dataset.mode !== 'auto') return 'fixed';
  const until = performance.now() + waitMs;
  while (root.dataset.theme !== 'dark') {
    if (performance.now() > until) return 'timeout';
    await new Promise((r) => setTimeout(r, 25));
  }
  // The theme's colours fade over 0.15 s: measure contrast once the transitions are over.
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const fading = document.getAnimations().filter((a) => a instanceof CSSTransition);
  await Promise.all(fading.map((a) => a.finished.catch(() => null)));
  return 'dark';
}"""


@dataclass
class Visit:
    page: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    offsite_requests: list[str] = field(default_factory=list)
    facts: dict = field(default_factory=dict)
    axe: list[dict] | None = None  # None: axe-core not installed
    axe_dark: list[dict] | None = None  # colour contrast in the dark mode; None: not checked
    dark: str | None = None  # DARK_JS: "dark" (checked), "fixed" (no dark mode), "timeout" (never switched)
    # site_browser.ICONS_DRAWN_JS: the theme's icons were drawn before the checks read the page
    icons_drawn: bool = True


# --- the site over HTTP -------------------------------------------------------------------


def site_pages(site: Path) -> list[str]:
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    # Sphinx's own folders, at the site's root and in the handbook beside it (handbok/_static/ …)
    return [p for p in pages if not {"_static", "_sources", "_images"} & set(p.split("/")[:-1])]


def screenshot_name(page: str) -> str:
    return page.removesuffix(".html").replace("/", "__") + ".png"


# --- one visit per page -------------------------------------------------------------------


@pytest.fixture(scope="module")
def visits(built_site, site_url) -> dict[str, Visit]:
    need_chromium()
    pages = site_pages(built_site)
    assert "index.html" in pages, f"Ingen index.html i {built_site}"
    if SCREENSHOTS is not None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for old in SCREENSHOTS.glob("*.png"):
            old.unlink()
    return visit_site(built_site, site_url, pages, SCREENSHOTS)


def visit_site(
    site: Path,
    site_url: str,
    pages: list[str],
    screenshots: Path | None = None,
    waits: tuple[int, int] = (ICONS_WAIT_MS, DARK_WAIT_MS),
) -> dict[str, Visit]:
    """Every page of ``site`` (served at ``site_url``) visited once, all checks gathered (``Visit``). ``waits``: how
    long (ms) a page may take to draw its icons and to switch to the dark mode before that is reported."""
    return asyncio.run(_visit_site(site, site_url, pages, screenshots, waits))


async def _visit_site(
    site: Path, site_url: str, pages: list[str], screenshots: Path | None, waits: tuple[int, int]
) -> dict[str, Visit]:
    ignored = [list(fp) for fp in AXE_FALSE_POSITIVES]
    current: dict = {}  # tab -> the visit its events report to (a tab is reused: the page it shows now)

    def listen(tab) -> None:
        def on_request(r):
            if is_offsite(r.url, site_url):  # refused by the context's proxy (site_browser.offline_browser)
                current[tab].offsite_requests.append(r.url)

        def on_failed(r):
            visit = current[tab]
            if r.url not in visit.offsite_requests:
                visit.failed_requests.append(f"{r.url} ({r.failure})")

        def on_response(r):
            if r.status >= 400:
                current[tab].failed_requests.append(f"{r.url} (HTTP {r.status})")

        tab.on("request", on_request)
        tab.on("requestfailed", on_failed)
        tab.on("response", on_response)
        tab.on("console", lambda m: _on_console(current[tab], m))
        tab.on("pageerror", lambda e: current[tab].page_errors.append(str(e)))

    async def visit_one(page, name: str) -> Visit:
        visit = current[page] = Visit(name)
        response = await page.goto(site_url + name, wait_until="load")
        if response is None or response.status >= 400:
            visit.failed_requests.append(f"{site_url + name} (sidan själv: {response and response.status})")
        forward = REFRESH.search((site / name).read_text(encoding="utf-8", errors="replace"))
        if forward:  # a page that only forwards (the site's root): what is checked is the page it lands on
            await page.wait_for_url(urljoin(site_url + name, forward.group(1)))
            await page.wait_for_load_state("load")
        visit.icons_drawn = await icons_drawn(page, waits[0])
        if screenshots is not None:
            await page.screenshot(path=str(screenshots / screenshot_name(name)), full_page=True)
        visit.facts = await page.evaluate(PAGE_FACTS_JS)
        if AXE.is_file():
            await page.add_script_tag(path=str(AXE))
            visit.axe = await page.evaluate(AXE_RUN_JS, [AXE_WCAG, ignored])
            await page.emulate_media(color_scheme="dark")
            visit.dark = await page.evaluate(DARK_JS, waits[1])
            if visit.dark == "dark":
                visit.axe_dark = await page.evaluate(AXE_RUN_JS, [AXE_CONTRAST, ignored])
        # Requests that start after "load" (scripts loading more) are caught too.
        await page.wait_for_load_state("networkidle")
        await page.emulate_media(color_scheme="light")  # the tab's next page loads as a reader's first one does
        return visit

    async with offline_browser(site_url, viewport=VIEWPORT, locale="sv-SE", service_workers="block") as context:
        return await each_page(context, pages, visit_one, new_page=listen)


def _on_console(visit: Visit, message) -> None:
    if message.type != "error":
        return
    loc = message.location or {}
    if loc.get("url") in visit.offsite_requests:
        return  # "Failed to load resource" for a request blocked above: reported by test_works_offline
    where = f" [{loc.get('url')}:{loc.get('lineNumber')}]" if loc.get("url") else ""
    visit.console_errors.append(message.text + where)


def _report(title: str, problems: dict[str, list[str]]) -> str:
    lines = [title]
    for page, items in problems.items():
        lines.append(f"  {page}:")
        lines.extend(f"    - {item}" for item in items)
    return "\n".join(lines)


def _check(title: str, problems: dict[str, list[str]]) -> None:
    problems = {page: items for page, items in problems.items() if items}
    if problems:
        pytest.fail(_report(title, problems), pytrace=False)


# --- the checks -----------------------------------------------------------------------------


def test_every_page_was_visited(built_site, visits):
    assert list(visits) == site_pages(built_site)
    if SCREENSHOTS is not None:  # `make skarmbilder`
        missing = [p for p in visits if not (SCREENSHOTS / screenshot_name(p)).is_file()]
        assert not missing, f"Skärmbild saknas för: {missing}"
    assert any(CHAPTER_PAGE.match(p) for p in visits), "Inga kapitelsidor (book/<org>/<år>/<kapitel>.html) hittades"


def console_problems(visits: dict[str, Visit]) -> dict[str, list[str]]:
    return {
        p: [f"konsol: {e}" for e in v.console_errors] + [f"sidfel: {e}" for e in v.page_errors]
        for p, v in visits.items()
    }


def test_no_console_errors_or_page_errors(visits):
    _check("Fel i webbläsarens konsol eller oväntade JavaScript-fel:", console_problems(visits))


def test_no_failed_requests(visits):
    _check("Anrop som misslyckades eller gav HTTP-status >= 400:", {p: v.failed_requests for p, v in visits.items()})


def test_works_offline(visits):
    _check(
        "Sidan hämtar något utanför webbplatsen (blockerat; webbplatsen måste fungera utan nät):",
        {p: v.offsite_requests for p, v in visits.items()},
    )


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if value and (key == "id" or (tag == "a" and key == "name")):
                self.ids.add(value)


def _ids_in_file(path: Path) -> set[str]:
    parser = _Ids()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return parser.ids


def link_problems(site: Path, site_url: str, visits: dict[str, Visit]) -> dict[str, list[str]]:
    base = urlsplit(site_url)
    ids = {page: set(v.facts["ids"]) for page, v in visits.items()}
    problems: dict[str, list[str]] = {}
    for page, visit in visits.items():
        bad = problems.setdefault(page, [])
        for link in visit.facts["links"]:
            url = urlsplit(link["url"])
            if url.scheme not in ("http", "https") or url.netloc != base.netloc:
                continue  # an external address or mailto: and the like; not followed offline
            target = unquote(url.path).lstrip("/")
            if target == "" or target.endswith("/"):
                target += "index.html"
            file = site / target
            if not file.is_file():
                bad.append(f"{link['raw']!r}: filen {target} finns inte")
                continue
            fragment = unquote(url.fragment)
            if not fragment or not target.endswith(".html"):
                continue
            if target not in ids:
                ids[target] = _ids_in_file(file)
            if fragment not in ids[target]:
                bad.append(f'{link["raw"]!r}: id "{fragment}" finns inte på {target}')
    return {page: sorted(set(items)) for page, items in problems.items()}


def test_internal_links_resolve(built_site, site_url, visits):
    _check("Trasiga interna länkar:", link_problems(built_site, site_url, visits))


def _chapter_visits(visits) -> dict[str, Visit]:
    chapters = {p: v for p, v in visits.items() if CHAPTER_PAGE.match(p)}
    assert chapters, "Inga kapitelsidor hittades"
    return chapters


def chapter_problems(visits: dict[str, Visit]) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    for page, visit in _chapter_visits(visits).items():
        bad = problems.setdefault(page, [])
        tables, charts = visit.facts["tables"], visit.facts["charts"]
        if not tables and not charts:
            bad.append("sidan visar varken tabell eller diagram")
        for t in tables:
            if t["folded"]:
                if not t["summaryVisible"]:
                    bad.append(f"den hopfällda tabellen {t['name']} har ingen synlig sammanfattningsrad")
            elif not t["visible"]:
                bad.append(f"tabell {t['name']} syns inte")
            if not t["th"]:
                bad.append(f"tabell {t['name']} saknar rubrikceller (th)")
        for c in charts:
            if not c["visible"]:
                bad.append(f"diagram {c['name']} syns inte")
            if not (c["complete"] and c["naturalWidth"] > 0):
                bad.append(f"diagram {c['name']} har inte laddats")
    return problems


def test_chapter_pages_show_tables_and_charts(visits):
    _check("Kapitelsidor som inte visar sina tabeller och diagram:", chapter_problems(visits))


def alt_problems(visits: dict[str, Visit]) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    for page, visit in _chapter_visits(visits).items():
        for c in visit.facts["charts"]:
            alt = (c["alt"] or "").strip()
            if not alt or FILENAME_ALT.search(alt):
                problems.setdefault(page, []).append(f"diagram {c['name']} saknar alt-text (alt={c['alt']!r})")
    return problems


def test_charts_have_alt_text(visits):
    _check("Diagram utan beskrivande alt-text:", alt_problems(visits))


def axe_problems(visits: dict[str, Visit]) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    for page, visit in visits.items():
        if not visit.icons_drawn:
            problems.setdefault(page, []).append(
                "ikonerna (Font Awesome) var inte ritade i tid: axe granskade en ofärdig sida"
            )
        if visit.dark == "timeout":
            problems.setdefault(page, []).append(
                "[mörkt läge]: sidan bytte inte till mörkt läge (systemets inställning); kontrasten i mörkt läge "
                "kunde inte kontrolleras"
            )
        for mode, violations in (("", visit.axe), (" [mörkt läge]", visit.axe_dark)):
            for v in violations or []:
                if v["impact"] not in AXE_FAIL_IMPACTS:
                    continue
                targets = [n["target"] for n in v["nodes"]]
                shown = ", ".join(targets[:8]) + (f" … (+{len(targets) - 8})" if len(targets) > 8 else "")
                problems.setdefault(page, []).append(f"{v['id']} ({v['impact']}){mode}: {v['help']} — {shown}")
    return problems


def test_accessibility_axe(visits):
    if not AXE.is_file():
        pytest.fail(AXE_MISSING, pytrace=False)
    _check(
        f"Tillgänglighetsfel (axe-core, {', '.join(AXE_TAGS)}; allvarlighet serious/critical):", axe_problems(visits)
    )


# --- the visit finds what it looks for (a SYNTETISK site with planted faults) ------------------------------------

# A theme in miniature, as the site's does it: "auto" mode, dark when the system says so (the media query's change).
_AUTO_THEME = """<script>
  document.documentElement.dataset.mode = 'auto';
  const m = matchMedia('(prefers-color-scheme: dark)');
  const apply = () => { document.documentElement.dataset.theme = m.matches ? 'dark' : 'light'; };
  apply(); m.addEventListener('change', apply);
</script>"""
_PLANTED = {
    # Nothing wrong: no finding may name it.
    "ren.html": f"""<p id="stycke">Ren sida (SYNTETISK).</p>
<p><a href="fel.html">Till felsidan</a> <a href="ren.html#stycke">Till stycket</a></p>{_AUTO_THEME}""",
    "fel.html": """<p>Felsida (SYNTETISK).</p>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<img src="saknas.png" alt="En bild som saknas">
<img src="http://example.invalid/extern.png" alt="Extern bild">
<img src="http://{SPY}/spion.png" alt="Bild från en annan port på samma dator">
<p><a href="finns-inte.html">Trasig länk</a> <a href="ren.html#inget-sadant-id">Trasigt ankare</a></p>
<script>
  console.error('planterat konsolfel');
  fetch('http://192.0.2.1/adress.json').catch(() => null);
  window.addEventListener('load', () => {
    setTimeout(() => { throw new Error('planterat sidfel'); }, 10);
    setTimeout(() => fetch('efter-load.json').catch(() => null), 200);
  });
</script>""",
    # Fine in the light mode, too little contrast in the dark one.
    "mork.html": f"""<style>
  html[data-theme=dark] body {{ background: #000; }}
  html[data-theme=dark] p {{ color: #111; }}
</style><p>Svart på svart i mörkt läge (SYNTETISK).</p>{_AUTO_THEME}""",
    # Says it follows the system setting but never switches; an icon that no script draws.
    "fast.html": """<p>Byter aldrig läge (SYNTETISK). <i class="fa-solid fa-sun"></i></p>
<script>document.documentElement.dataset.mode = 'auto';</script>""",
    "book/syntetisk/2030/kapitel.html": """<div class="cell_output">
<table class="rapportbok-tabell" style="display: none"><tr><td>1</td></tr></table>
<img src="finns-ej.png" alt="finns-ej.png">
</div>""",
}


def _planted_site(folder: Path, spy: str) -> list[str]:
    for name, body in _PLANTED.items():
        page = folder / name
        page.parent.mkdir(parents=True, exist_ok=True)
        html = (
            '<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8"><title>Planterade fel</title>'
            '<link rel="icon" href="data:,"></head>'
            f"<body><main>{body.replace('{SPY}', spy)}</main></body></html>"
        )
        page.write_text(html, encoding="utf-8")
    return sorted(_PLANTED)


def test_the_visit_reports_every_planted_fault(tmp_path):
    """The visit and its checks, on a SYNTETISK site of five pages with faults planted: each kind of fault is
    reported for its page, a request from a script after "load" included, and requests that leave the site are
    blocked (a server on another port of this machine receives nothing); the clean page is reported for nothing."""
    need_chromium()
    if not AXE.is_file():
        pytest.fail(AXE_MISSING, pytrace=False)
    spied = []

    class Spy(SimpleHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - name of the base class's method
            spied.append(self.path)
            self.send_error(404)

        def log_message(self, *args):
            pass

    spy = ThreadingHTTPServer(("127.0.0.1", 0), Spy)
    threading.Thread(target=spy.serve_forever, daemon=True).start()
    try:
        site = tmp_path / "webbplats"
        pages = _planted_site(site, f"127.0.0.1:{spy.server_address[1]}")
        with serve(site) as url:
            visits = visit_site(site, url, pages, waits=(1_000, 2_500))
            links = link_problems(site, url, visits)
    finally:
        spy.shutdown()
        spy.server_close()
    assert list(visits) == pages

    def found(problems: dict[str, list[str]]) -> dict[str, str]:
        return {page: "\n".join(items) for page, items in problems.items() if items}

    console = found(console_problems(visits))
    assert set(console) == {"fel.html", "book/syntetisk/2030/kapitel.html"}, console
    assert "planterat konsolfel" in console["fel.html"] and "sidfel: planterat sidfel" in console["fel.html"]
    failed = found({p: v.failed_requests for p, v in visits.items()})
    assert set(failed) == {"fel.html", "book/syntetisk/2030/kapitel.html"}, failed
    assert "saknas.png (HTTP 404)" in failed["fel.html"]
    assert "efter-load.json (HTTP 404)" in failed["fel.html"]  # started 0,2 s after "load"
    offsite = found({p: v.offsite_requests for p, v in visits.items()})
    assert set(offsite) == {"fel.html"}, offsite
    for address in ("example.invalid/extern.png", "192.0.2.1/adress.json", "/spion.png"):
        assert address in offsite["fel.html"], (address, offsite)
    assert spied == [], f"En begäran utanför webbplatsen nådde fram: {spied}"
    assert set(found(links)) == {"fel.html"}, links
    assert "filen finns-inte.html finns inte" in "\n".join(links["fel.html"])
    assert 'id "inget-sadant-id" finns inte på ren.html' in "\n".join(links["fel.html"])
    chapters = found(chapter_problems(visits))
    assert set(chapters) == {"book/syntetisk/2030/kapitel.html"}
    for fault in ("syns inte", "saknar rubrikceller (th)", "har inte laddats"):
        assert fault in chapters["book/syntetisk/2030/kapitel.html"], (fault, chapters)
    assert "saknar alt-text" in found(alt_problems(visits))["book/syntetisk/2030/kapitel.html"]
    axe = found(axe_problems(visits))
    assert set(axe) == {"fel.html", "mork.html", "fast.html"}, axe
    assert "image-alt (critical):" in axe["fel.html"]
    assert "color-contrast (serious) [mörkt läge]:" in axe["mork.html"]
    assert "color-contrast" not in axe["mork.html"].replace("color-contrast (serious) [mörkt läge]", "")
    assert "bytte inte till mörkt läge" in axe["fast.html"]
    assert "ikonerna (Font Awesome) var inte ritade" in axe["fast.html"]
    assert {p: v.dark for p, v in visits.items()} == {
        "book/syntetisk/2030/kapitel.html": "fixed",
        "fast.html": "timeout",
        "fel.html": "fixed",
        "mork.html": "dark",
        "ren.html": "dark",
    }
