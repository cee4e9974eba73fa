"""What the browser tests share: a built site served over HTTP on 127.0.0.1, Debian's Chromium driven by
Playwright's async API, a browser context that reaches nothing but that server, and pages visited a few at a time.

Why so (measured on the built book, 74 pages; the history in issue #28):

* Over HTTP with the browser's cache on, a page loads the theme's scripts (Font Awesome alone is 1,5 MB) from the
  cache after the first page: a third less time per page than from ``file://`` or with the cache off.
* Nothing leaves the machine: the context's proxy is a port on 127.0.0.1 that refuses every connection, and only
  the site's own address (host and port) bypasses it. Playwright's request interception (``context.route``) does
  the same but turns the browser's cache off for the whole context (Playwright's Chromium network manager sends
  ``Network.setCacheDisabled`` while any route is set).
* A page (a tab) is reused from one visit to the next instead of a new one each time, and ``PAGES`` tabs are
  visited in turn: while one waits (for a script, a transition, the network to fall silent), the other works.
"""

from __future__ import annotations

import asyncio
import functools
import socket
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# Tabs visited in turn (measured on 2 cores: 2 tabs take a quarter less time than 1 for the same CPU time; 3 gain
# little more and cost more CPU).
PAGES = 2


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # e.g. the browser closing a page while a file is still being sent


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """``folder`` served over HTTP on 127.0.0.1 (a free port) while the block runs; yields its address, ending in /."""
    server = _QuietServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, name="rapportbok-site", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def _refusing_port() -> Iterator[int]:
    """A port on 127.0.0.1 that is bound but never listens: every connection to it is refused at once."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]
    finally:
        sock.close()


@asynccontextmanager
async def offline_browser(site_url: str, **context_options: Any) -> AsyncIterator[Any]:
    """A browser context (Playwright, async) of a headless Debian Chromium that can reach ``site_url``'s host and
    port only: every other request, whatever its host (a name, an IP address, localhost, another port), goes to a
    proxy that refuses it and fails with net::ERR_PROXY_CONNECTION_FAILED. The browser's cache stays on."""
    from playwright.async_api import async_playwright

    from rapportbok.publish import chromium

    exe = chromium.find()
    if exe is None:
        raise chromium.ChromiumMissing(chromium.INSTALL_HINT)
    own = urlsplit(site_url).netloc
    with _refusing_port() as port:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=str(exe), args=chromium.FLAGS, headless=True)
            try:
                proxy = {"server": f"http://127.0.0.1:{port}", "bypass": own}
                context = await browser.new_context(proxy=proxy, **context_options)
                context.set_default_timeout(30_000)
                try:
                    yield context
                finally:
                    await context.close()
            finally:
                await browser.close()


def is_offsite(url: str, site_url: str) -> bool:
    """Whether a request leaves the site: another host or port (``data:``, ``blob:`` and ``about:`` stay home)."""
    return not url.startswith(("data:", "blob:", "about:")) and urlsplit(url).netloc != urlsplit(site_url).netloc


# The theme's icons (Font Awesome) are drawn as SVG by a script, in a frame after "load" on a busy machine: until then
# an icon is an empty <i>, without the title the SVG gets ("Ljust", "Mörkt"). Whatever reads a page's text, labels or
# accessibility waits for them, or a check would depend on the machine's speed. Drawn: no <i class="fa-…"> left and
# no drawing under way (the class Font Awesome puts on <html> meanwhile).
ICONS_DRAWN_JS = """async (waitMs) => {
  const root = document.documentElement;
  const drawn = () => !root.classList.contains('fontawesome-i2svg-pending') && !document.querySelector('i[class*="fa-"]');
  const until = performance.now() + waitMs;
  while (!drawn()) {
    if (performance.now() > until) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}"""
ICONS_WAIT_MS = 10_000


async def icons_drawn(page: Any, wait_ms: int = ICONS_WAIT_MS) -> bool:
    """Whether the page's icons were drawn (ICONS_DRAWN_JS) within ``wait_ms``; waits for them until then."""
    return await page.evaluate(ICONS_DRAWN_JS, wait_ms)


async def each_page(
    context: Any,
    names: list[str],
    visit: Callable[[Any, str], Awaitable[Any]],
    *,
    pages: int = PAGES,
    new_page: Callable[[Any], None] | None = None,
) -> dict[str, Any]:
    """``visit(page, name)`` for every name, ``pages`` tabs of ``context`` in turn, each tab reused; the results by
    name, in the order of ``names``. ``new_page(page)`` is called once for each tab (to attach listeners)."""
    pool: asyncio.Queue = asyncio.Queue()
    tabs = []
    for _ in range(min(pages, len(names)) or 1):
        tab = await context.new_page()
        if new_page is not None:
            new_page(tab)
        tabs.append(tab)
        pool.put_nowait(tab)

    async def one(name: str) -> Any:
        tab = await pool.get()
        try:
            return await visit(tab, name)
        finally:
            pool.put_nowait(tab)

    try:
        async with asyncio.TaskGroup() as group:  # the first visit that fails cancels the others
            tasks = [group.create_task(one(name)) for name in names]
    finally:
        for tab in tabs:
            await tab.close()
    return {name: task.result() for name, task in zip(names, tasks)}
