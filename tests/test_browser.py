"""The built site in a real browser (headless Debian Chromium through Playwright).

Every HTML page of ``_build/html`` is served over HTTP on 127.0.0.1 and visited once; all
checks are gathered in that one visit (``visits`` below) and reported by the tests that follow,
one test per kind of problem, each listing every page and detail at fault:

* no console error, no uncaught exception, no failed request or HTTP status >= 400;
* nothing leaves 127.0.0.1: the site must work offline (such requests are blocked and listed);
* every internal ``<a href>`` resolves to an existing file, and its ``#fragment`` to an id there;
* every chapter page (book/<org>/<year>/<chapter>.html) shows its tables (visible, with ``th``)
  and its charts (visible, loaded, with a real alt text) and has at least one of them;
* axe-core (WCAG 2.0/2.1 A and AA) finds no violation with impact "serious" or "critical", in the
  light colour mode; and, since the theme follows the reader's system setting ("auto"), no colour
  contrast violation in the dark mode either.

With RAPPORTBOK_SCREENSHOT_DIR set (`make skarmbilder` sets it to ``_build/screenshots/``), a full-page
screenshot of every page is saved there.

Pages visited: every ``*.html`` of the site, Sphinx's genindex.html and search.html included,
except the theme's Jinja fragments that Sphinx copies into ``_static/`` (webpack-macros.html and
the like: templates, not pages; nothing links to them).
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from conftest import need_chromium, screenshot_dir

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
  const r = await axe.run(document, {runOnly, elementRef: true});
  const isIgnored = (rule, el) => ignored.some(([id, sel]) => id === rule && el && el.matches(sel));
  return r.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.filter((n) => !isIgnored(v.id, n.element)).map((n) => ({target: n.target.map(String).join(' ')})),
  })).filter((v) => v.nodes.length);
}"""
AXE_WCAG = {"type": "tag", "values": AXE_TAGS}
AXE_CONTRAST = {"type": "rule", "values": ["color-contrast"]}
# Switch the page to the dark colour mode the way a reader's system setting does; false when the
# site does not follow it (the theme's mode is then fixed and there is no dark mode to check).
DARK_JS = """async () => {
  const dark = () => document.documentElement.dataset.theme === 'dark';
  for (let i = 0; i < 40 && !dark(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!dark()) return false;
  // The theme's colours fade over 0.15 s: measure contrast once the transitions are over.
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const fading = document.getAnimations().filter((a) => a instanceof CSSTransition);
  await Promise.all(fading.map((a) => a.finished.catch(() => null)));
  return true;
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


# --- the site over HTTP -------------------------------------------------------------------


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # e.g. the browser closing a page while a file is still being sent


@pytest.fixture(scope="module")
def site_url(built_site):
    handler = functools.partial(_QuietHandler, directory=str(built_site))
    server = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="rapportbok-site", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


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
    from rapportbok.publish import chromium

    pages = site_pages(built_site)
    assert "index.html" in pages, f"Ingen index.html i {built_site}"
    if SCREENSHOTS is not None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for old in SCREENSHOTS.glob("*.png"):
            old.unlink()
    host = urlsplit(site_url).netloc
    results: dict[str, Visit] = {}
    with chromium.browser() as browser:
        context = browser.new_context(viewport=VIEWPORT, locale="sv-SE", service_workers="block")
        context.set_default_timeout(30_000)
        current: list[Visit] = []  # the visit the route handler reports to

        def route(r):
            url = r.request.url
            if urlsplit(url).netloc == host or url.startswith(("data:", "blob:", "about:")):
                r.continue_()
            else:
                current[-1].offsite_requests.append(url)
                r.abort("blockedbyclient")

        context.route("**/*", route)
        for name in pages:
            visit = Visit(name)
            current.append(visit)
            page = context.new_page()
            page.on("console", lambda m, v=visit: _on_console(v, m))
            page.on("pageerror", lambda e, v=visit: v.page_errors.append(str(e)))
            page.on(
                "requestfailed",
                lambda r, v=visit: (
                    r.url not in v.offsite_requests and v.failed_requests.append(f"{r.url} ({r.failure})")
                ),
            )
            page.on(
                "response",
                lambda r, v=visit: r.status >= 400 and v.failed_requests.append(f"{r.url} (HTTP {r.status})"),
            )
            response = page.goto(site_url + name, wait_until="load")
            if response is None or response.status >= 400:
                visit.failed_requests.append(f"{site_url + name} (sidan själv: {response and response.status})")
            forward = REFRESH.search((built_site / name).read_text(encoding="utf-8", errors="replace"))
            if forward:  # a page that only forwards (the site's root): what is checked is the page it lands on
                target = urljoin(site_url + name, forward.group(1))
                page.wait_for_url(target)
                page.wait_for_load_state("load")
            if SCREENSHOTS is not None:
                page.screenshot(path=str(SCREENSHOTS / screenshot_name(name)), full_page=True)
            visit.facts = page.evaluate(PAGE_FACTS_JS)
            if AXE.is_file():
                ignored = [list(fp) for fp in AXE_FALSE_POSITIVES]
                page.add_script_tag(path=str(AXE))
                visit.axe = page.evaluate(AXE_RUN_JS, [AXE_WCAG, ignored])
                page.emulate_media(color_scheme="dark")
                if page.evaluate(DARK_JS):
                    visit.axe_dark = page.evaluate(AXE_RUN_JS, [AXE_CONTRAST, ignored])
            # Requests that start after "load" (scripts loading more) are caught too.
            page.wait_for_load_state("networkidle")
            page.close()
            results[name] = visit
        context.close()
    return results


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


def test_no_console_errors_or_page_errors(visits):
    _check(
        "Fel i webbläsarens konsol eller oväntade JavaScript-fel:",
        {
            p: [f"konsol: {e}" for e in v.console_errors] + [f"sidfel: {e}" for e in v.page_errors]
            for p, v in visits.items()
        },
    )


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


def test_internal_links_resolve(built_site, site_url, visits):
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
            file = built_site / target
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
    for page, items in problems.items():
        problems[page] = sorted(set(items))
    _check("Trasiga interna länkar:", problems)


def _chapter_visits(visits) -> dict[str, Visit]:
    chapters = {p: v for p, v in visits.items() if CHAPTER_PAGE.match(p)}
    assert chapters, "Inga kapitelsidor hittades"
    return chapters


def test_chapter_pages_show_tables_and_charts(visits):
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
    _check("Kapitelsidor som inte visar sina tabeller och diagram:", problems)


def test_charts_have_alt_text(visits):
    problems: dict[str, list[str]] = {}
    for page, visit in _chapter_visits(visits).items():
        for c in visit.facts["charts"]:
            alt = (c["alt"] or "").strip()
            if not alt or FILENAME_ALT.search(alt):
                problems.setdefault(page, []).append(f"diagram {c['name']} saknar alt-text (alt={c['alt']!r})")
    _check("Diagram utan beskrivande alt-text:", problems)


def test_accessibility_axe(visits):
    if not AXE.is_file():
        pytest.fail(AXE_MISSING, pytrace=False)
    problems: dict[str, list[str]] = {}
    for page, visit in visits.items():
        for mode, violations in (("", visit.axe), (" [mörkt läge]", visit.axe_dark)):
            for v in violations or []:
                if v["impact"] not in AXE_FAIL_IMPACTS:
                    continue
                targets = [n["target"] for n in v["nodes"]]
                shown = ", ".join(targets[:8]) + (f" … (+{len(targets) - 8})" if len(targets) > 8 else "")
                problems.setdefault(page, []).append(f"{v['id']} ({v['impact']}){mode}: {v['help']} — {shown}")
    _check(f"Tillgänglighetsfel (axe-core, {', '.join(AXE_TAGS)}; allvarlighet serious/critical):", problems)
