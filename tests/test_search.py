"""The site's search in a real browser (issue #26): each result names its municipality and year, not only the
chapter ("Budget och ekonomiska ramar" four times), and its text is the page's own text: no "(CSV)" from the
download menu and no line numbers of a source page."""

from __future__ import annotations

import functools
import re
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote

import pytest
from conftest import need_chromium

RESULTS_JS = """async () => {
  // While it fetches each result's page, Sphinx titles the results "Söker"; "Sökresultat" once all are shown.
  for (let i = 0; i < 300; i++) {
    const head = document.querySelector('#search-results h2');
    if (head && head.textContent.trim() === 'Sökresultat') break;
    await new Promise(r => setTimeout(r, 100));
  }
  return [...document.querySelectorAll('#search-results ul.search li')].map(li => ({
    title: li.querySelector('a').textContent.trim(),
    text: (li.querySelector('p.context') || {textContent: ''}).textContent,
  }));
}"""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass


@pytest.fixture(scope="module")
def site_url(built_site):
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(built_site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def _search(site_url: str, words: str) -> list[dict]:
    need_chromium()
    from rapportbok.publish import chromium

    with chromium.browser() as browser:
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.goto(f"{site_url}search.html?q={quote(words)}", wait_until="load")
        return page.evaluate(RESULTS_JS)


def test_results_name_municipality_and_year(site_url):
    results = _search(site_url, "kommunbidrag")
    budget = [r["title"] for r in results if r["title"].startswith("Budget och ekonomiska ramar")]
    assert len(budget) >= 2, results
    assert len(set(budget)) == len(budget), budget  # told apart
    for title in budget:
        assert re.search(r" – \w.* kommun \d{4}$", title), title


def test_result_text_is_the_pages_own(site_url):
    results = _search(site_url, "budget")
    assert results and any(r["text"].strip() for r in results)
    for r in results:
        assert "(CSV)" not in r["text"] and "(Excel)" not in r["text"], r
        assert "Ladda ner tabellen" not in r["text"], r
        assert not r["text"].lstrip(". \n").startswith("Innehåll"), r  # the page's table of contents is not text
    sources = _search(site_url, "socialnämnden")
    source_pages = [r for r in sources if r["text"].strip() and "Källdokument" not in r["title"]]
    assert source_pages
    assert "Genomlysning Socialnämnden 2024 – Alingsås kommun" in [r["title"] for r in sources]
    for r in source_pages:  # a source page's lines are numbered in the margin: the numbers are not text
        assert not re.search(r"(?:^|\s)\d{1,4}(?=[A-ZÅÄÖ])", r["text"]), r["text"][:300]
