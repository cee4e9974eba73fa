"""One PDF per organisation and year, printed by Chromium from the built site, offline.

The PDF is what a socialnämnd reads before its meeting: a cover, a table of contents with
page numbers, then every chapter's article (text, tables and charts) as the site shows it,
without the theme's navigation, buttons and search. Every page but the cover has a footer
with the organisation and year, the build date and "Sida k av n".

How it works:

1. A print document is written to a temporary folder: the cover and an empty table of
   contents, styled by ``pdf.css`` beside this file.
2. Each chapter page of the built site is read from disk and parsed in the browser with
   ``DOMParser`` (so none of the theme's scripts run); its ``article.bd-article`` is cleaned
   and appended as a chapter. Image addresses are resolved against the chapter page's own
   ``file://`` address, so the charts load from the site's ``_images``.
   Web-only text (the tables' CSV/Excel download links) is removed. The year's Avstämning page
   (rapportbok.chapters.audit), given last with the title "Bilaga: Avstämning", is the appendix;
   each chapter's one-line Avstämning status becomes a sentence pointing to it.
   The cover names the web site's address (RAPPORTBOK_ADRESS or html.baseurl, see
   :func:`site_address`).
3. Wide tables get a smaller font until they fit the page width; a table at most half a page
   tall is kept whole on one page, and a caption never ends a page without its first row
   (pdf.css); the browser waits until every image has loaded.
4. Pass 1 prints pages 2–n with the page numbers of the contents still blank. Chromium
   makes a PDF bookmark for every heading; pypdf reads on which page each of our headings
   begins. Pass 2 prints the same pages with the numbers filled in. The number column has a
   fixed width, so the layout cannot move; pass 2 is checked all the same (same page count,
   same bookmark pages, every heading's text on the page the contents give).
5. Chromium prints its footer on every page, so the cover is printed on its own without
   one, and pypdf puts it in front of pages 2–n (which Chromium still numbers "Sida 2 av n").
   The file is written to a temporary name and moved into place.

Nothing is fetched from the network: every request is routed, only ``file:``, ``data:``,
``blob:`` and ``about:`` addresses pass, and a page that asked for anything else stops the
build with a Swedish error naming the address.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import tempfile
from pathlib import Path

from rapportbok.core import files, fmt
from rapportbok.publish import chromium

CSS_FILE = Path(__file__).with_name("pdf.css")

# Page margins (must match @page in pdf.css; the footer is printed inside the bottom one).
MARGIN = {"top": "16mm", "bottom": "20mm", "left": "18mm", "right": "18mm"}
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")
TIMEOUT_MS = 60_000


class PdfError(RuntimeError):
    """The PDF could not be made; the message is in Swedish, for the person running the build."""


# --- JavaScript run in the print document --------------------------------------------------

# Parse one chapter page, clean its article and append it as <section class="kapitel">.
# Returns the chapter heading and its h2 sections, or null when the page has no article.
_ADD_CHAPTER_JS = r"""
({html, url, index, title, appendix}) => {
  const src = new DOMParser().parseFromString(html, "text/html");
  const art = src.querySelector("article.bd-article") || src.querySelector("main article")
           || src.querySelector("main");
  if (!art) return null;

  const drop = [
    "script", "noscript", "link", "meta", "button", "form", "input", "select", "textarea",
    "dialog", "iframe", "nav", "footer", "a.headerlink", ".headerlink", ".cell_input",
    "details.above-input", ".tag_parameters", ".tag_injected-parameters", ".tag_remove-cell",
    ".tag_hide-cell", ".d-print-none", "#searchbox", ".bd-search", ".search-button",
    ".search-button-field", ".copybtn", ".thebe-launch-button", ".dropdown-download-buttons",
    ".prev-next-footer", ".bd-header-article", ".toc-entry", "#jb-print-docs-body",
    // Web-only text: the tables' CSV/Excel downloads are links that do nothing on paper, and the cue
    // for a table wider than the screen (on paper a wide table is shrunk to the page).
    ".rapportbok-nedladdning", ".rapportbok-svep",
  ];
  art.querySelectorAll(drop.join(",")).forEach((e) => e.remove());

  // The soft hyphens at which the site's tables may break a long word (rapportbok.present.tables): not on
  // paper, where a wide table is shrunk to the page instead; the PDF's text stays whole words to search.
  const texts = src.createTreeWalker(art, NodeFilter.SHOW_TEXT);
  for (let t = texts.nextNode(); t; t = texts.nextNode()) {
    if (t.nodeValue.includes("\u00ad")) t.nodeValue = t.nodeValue.replaceAll("\u00ad", "");
  }

  // What was folded away on the web is shown open on paper, without its "show" line.
  art.querySelectorAll("details").forEach((d) => {
    d.querySelectorAll(":scope > summary").forEach((s) => s.remove());
    d.replaceWith(...d.childNodes);
  });

  // Links: addresses on the web stay links. A link inside the site is resolved against the page's
  // address and kept aside (data-rb-href); once every chapter is in, _LINKS_JS points it into the PDF.
  art.querySelectorAll("a").forEach((a) => {
    const href = a.getAttribute("href") || "";
    if (/^(https?:|mailto:)/i.test(href)) return;
    if (!href || /^[a-z][a-z0-9+.-]*:/i.test(href) && !/^file:/i.test(href)) { a.replaceWith(...a.childNodes); return; }
    a.setAttribute("data-rb-href", new URL(href, url).href);
    a.removeAttribute("href");
  });

  // Images and other embedded files load from the built site, next to the chapter page.
  const abs = (v) => new URL(v, url).href;
  art.querySelectorAll("img").forEach((img) => {
    const s = img.getAttribute("src");
    if (s) img.setAttribute("src", abs(s));
    img.removeAttribute("srcset");
    img.removeAttribute("loading");
    img.setAttribute("loading", "eager");
  });
  art.querySelectorAll("source[src], video[src], audio[src], embed[src]").forEach((e) =>
    e.setAttribute("src", abs(e.getAttribute("src"))));
  art.querySelectorAll("source[srcset]").forEach((e) => e.removeAttribute("srcset"));
  art.querySelectorAll("object[data]").forEach((e) => e.setAttribute("data", abs(e.getAttribute("data"))));
  // The site's anchors repeat from chapter to chapter ("avstamning"): each gets the chapter's prefix, so a
  // link to "atgardsplan.html#T_summa_plan" can land on it inside the PDF (_LINKS_JS). A table's cells keep
  // their ids (the table's own style rules name them).
  art.querySelectorAll("[id]").forEach((e) => {
    if (e.parentElement && e.parentElement.closest("table")) return;
    e.id = `rb-k${index}-a-${e.id}`;
  });

  const clean = (t) => t.replace(/\s+/g, " ").trim();

  // The reconciliation ("Avstämning") is printed in full in the appendix at the end of the PDF (the
  // Avstämning page of the site, the last chapter); the chapter's one-line status with its link to
  // that page becomes one sentence that says where it is.
  art.querySelectorAll("h2").forEach((h2) => {
    if (!/^Avstämning( ?#)?$/.test(clean(h2.textContent))) return;  // not the overview's "Avstämningarna"
    const parent = h2.parentElement;
    const own = parent && parent.tagName === "SECTION" && parent.firstElementChild === h2 ? parent : null;
    const pointer = document.createElement("p");
    pointer.className = "bilaga-hanvisning";
    pointer.textContent = "Avstämningen står i bilagan i slutet av PDF:en.";
    if (own) {
      own.replaceWith(pointer);
    } else {
      // No section of its own around the heading: the heading and what follows it up to the next h1/h2.
      let n = h2.nextSibling;
      h2.replaceWith(pointer);
      while (n && !(n.nodeType === 1 && /^H[12]$/.test(n.tagName))) { const next = n.nextSibling; n.remove(); n = next; }
    }
  });

  let h1 = art.querySelector("h1");
  if (h1 && appendix) h1.textContent = title;
  if (!h1) {
    h1 = document.createElement("h1");
    h1.textContent = title;
    art.prepend(h1);
  }
  const heading = clean(h1.textContent);
  h1.id = `rb-k${index}`;
  // One h1 per chapter: a further h1 in the page becomes a section heading.
  art.querySelectorAll("h1").forEach((h) => {
    if (h === h1) return;
    const h2 = document.createElement("h2");
    h2.append(...h.childNodes);
    h.replaceWith(h2);
  });
  const sections = [];
  art.querySelectorAll("h2").forEach((h2, j) => {
    sections.push(clean(h2.textContent));
    h2.id = `rb-k${index}-s${j + 1}`;
  });

  const chapter = document.createElement("section");
  chapter.className = "kapitel";
  chapter.setAttribute("aria-label", title);
  chapter.append(...Array.from(art.childNodes).map((n) => document.adoptNode(n)));
  document.getElementById("kapitel").appendChild(chapter);
  return {heading, sections};
}
"""

# Links inside the site, once every chapter is in the print document. A link to a page that is a chapter
# of this PDF goes to the place inside the PDF: the anchor it names (prefixed as _ADD_CHAPTER_JS does),
# else the chapter's start. A link to any other page of the site (a source document, another year) goes to
# that page on the web site when its public address is known, and is plain text otherwise: no link on
# paper points to an .html file or to nothing. Returns how many links went each way.
_LINKS_JS = r"""
({pages, site, address}) => {
  const counts = {inside: 0, web: 0, text: 0};
  const bare = (u) => u.split("#")[0].split("?")[0];
  for (const a of document.querySelectorAll("#kapitel a[data-rb-href]")) {
    const target = a.getAttribute("data-rb-href");
    a.removeAttribute("data-rb-href");
    const hash = target.includes("#") ? decodeURIComponent(target.slice(target.indexOf("#") + 1)) : "";
    const j = pages.indexOf(bare(target));
    if (j >= 0) {
      const id = hash && document.getElementById(`rb-k${j}-a-${hash}`) ? `rb-k${j}-a-${hash}` : `rb-k${j}`;
      a.setAttribute("href", "#" + id);
      counts.inside += 1;
    } else if (address && target.startsWith(site)) {
      a.setAttribute("href", address.replace(/\/*$/, "/") + target.slice(site.length));
      counts.web += 1;
    } else {
      a.replaceWith(...a.childNodes);
      counts.text += 1;
    }
  }
  return counts;
}
"""

# The Avstämning page (rapportbok.chapters.audit) is printed last, under this title: the same content
# as on the site.
APPENDIX_TITLE = "Bilaga: Avstämning"

# Shrink the font of tables wider than the text column, step by step down to 6 pt; a table
# still too wide after that may break its words anywhere. Returns how many tables shrank.
_FIT_TABLES_JS = r"""
() => {
  const pt = 96 / 72;
  const avail = document.getElementById("kapitel").getBoundingClientRect().width;
  let shrunk = 0;
  // A table no taller than half a page is kept whole on one page (pdf.css: table.rb-hel).
  const halfPage = (297 - 36) / 2 * 96 / 25.4;
  for (const t of document.querySelectorAll("#kapitel table")) {
    if (t.getBoundingClientRect().height <= halfPage) t.classList.add("rb-hel");
  }
  for (const t of document.querySelectorAll("#kapitel table")) {
    const width = () => Math.max(t.getBoundingClientRect().width, t.scrollWidth);
    let size = parseFloat(getComputedStyle(t).fontSize);
    if (width() <= avail + 0.5) continue;
    shrunk += 1;
    while (width() > avail + 0.5 && size > 6 * pt) {
      size = Math.max(6 * pt, size - 0.25 * pt);
      t.style.fontSize = size + "px";
    }
    if (width() > avail + 0.5) t.classList.add("rb-smal");
  }
  return shrunk;
}
"""

# Wait until fonts and every image have loaded (or failed); returns the images that failed.
_WAIT_IMAGES_JS = r"""
async (timeoutMs) => {
  await document.fonts.ready;
  const imgs = Array.from(document.images);
  const settle = (img) => img.complete ? Promise.resolve() : new Promise((r) => {
    img.addEventListener("load", r, {once: true});
    img.addEventListener("error", r, {once: true});
  });
  const timeout = new Promise((r) => setTimeout(r, timeoutMs));
  await Promise.race([Promise.all(imgs.map(settle)), timeout]);
  await Promise.all(imgs.map((img) => img.decode ? img.decode().catch(() => null) : null));
  return imgs.filter((img) => !(img.complete && img.naturalWidth > 0))
             .map((img) => img.getAttribute("src") || "");
}
"""

# Put the page numbers into the table of contents.
_FILL_TOC_JS = r"""
(numbers) => {
  for (const [id, n] of Object.entries(numbers)) {
    const cell = document.querySelector(`[data-mal="${id}"] .sida`);
    if (cell) cell.textContent = String(n);
  }
}
"""


# --- Python side ----------------------------------------------------------------------------


def _esc(text: str) -> str:
    from rapportbok.core import escape

    return escape.html_text(text)


def _attr(text: str) -> str:
    from rapportbok.core import escape

    return escape.html_attr(text)


ADDRESS_ENV = "RAPPORTBOK_ADRESS"


def site_address(root: Path | None = None) -> str | None:
    """The web site's public address for the PDF's cover: the environment variable RAPPORTBOK_ADRESS,
    else ``html.baseurl`` in _config.yml; None when neither is set (the cover then names none)."""
    import os

    env = os.environ.get(ADDRESS_ENV, "").strip()
    if env:
        return env
    try:
        import yaml

        from rapportbok.core.paths import project_root

        config = yaml.safe_load(((root or project_root()) / "_config.yml").read_text(encoding="utf-8")) or {}
    except (OSError, ValueError, ImportError):
        return None
    value = str(((config.get("html") or {}).get("baseurl")) or "").strip()
    return value or None


def _document(
    org_name: str,
    namnd: str,
    year: int,
    period_text: str,
    build_date: dt.date,
    address: str | None = None,
    kolada: bool = False,
) -> str:
    """The print document before the chapters: cover, empty table of contents, the CSS. ``kolada``: the
    chapters show values from Kolada, so the cover credits it."""
    origin = "kommunens egna dokument och från Kolada" if kolada else "kommunens egna dokument"
    css = CSS_FILE.read_text(encoding="utf-8")
    where = f'<p class="adress">Webbversionen: <a href="{_attr(address)}">{_esc(address)}</a></p>' if address else ""
    return f"""<!DOCTYPE html>
<html lang="sv">
<head>
<meta charset="utf-8">
<title>{_esc(org_name)} – Rapportbok {year}</title>
<style>{css}</style>
</head>
<body>
<section class="omslag" aria-label="Omslag">
  <p class="org">{_esc(org_name)}</p>
  <p class="namnd">{_esc(namnd)}</p>
  <p class="titel">Rapportbok {year}</p>
  <p class="period">Period: {_esc(period_text)}</p>
  <p class="byggd">Byggd {_esc(fmt.date(build_date))}</p>
  {where}
  <p class="om">Siffrorna kommer från {origin}. Webbversionen av
  rapportboken visar källan till varje uppgift och har tabellerna och underlagen att ladda ner.</p>
</section>
<section class="innehall" aria-label="Innehåll">
  <h1>Innehåll</h1>
  <ol id="toc"></ol>
</section>
<main id="kapitel"></main>
</body>
</html>
"""


def _toc_html(entries: list[dict]) -> str:
    """The table of contents: one entry per chapter, its h2 sections beneath it."""

    def row(target: str, text: str) -> str:
        return (
            f'<div class="rad" data-mal="{target}"><a class="text" href="#{target}">{_esc(text)}</a>'
            f'<span class="fyll"></span><span class="sida"></span></div>'
        )

    parts = []
    for i, e in enumerate(entries):
        subs = "".join(f'<li class="avs">{row(f"rb-k{i}-s{j + 1}", s)}</li>' for j, s in enumerate(e["sections"]))
        parts.append(f'<li class="kap">{row(f"rb-k{i}", e["title"])}' + (f"<ol>{subs}</ol>" if subs else "") + "</li>")
    return "".join(parts)


def _footer(org_name: str, year: int, build_date: dt.date) -> str:
    """Chromium's footer template (pages 2–n): organisation and year, build date, page k of n."""
    outer = "box-sizing:border-box;width:100%;padding:0 18mm 7mm 18mm;"
    inner = (
        "display:flex;justify-content:space-between;border-top:0.5pt solid #bbb;padding-top:1.5mm;"
        "font-family:'DejaVu Sans','Liberation Sans',sans-serif;font-size:7.5pt;color:#444;"
    )
    return (
        f'<div style="{outer}"><div style="{inner}">'
        f"<span>{_esc(org_name)} · Rapportbok {year}</span>"
        f"<span>Byggd {_esc(fmt.date(build_date))}</span>"
        '<span>Sida <span class="pageNumber"></span> av <span class="totalPages"></span></span>'
        "</div></div>"
    )


def _squash(text: str) -> str:
    """Text compared without whitespace and with U+2212 as '-' (PDF text extraction varies)."""
    return re.sub(r"\s+", "", text.replace("\u2212", "-"))


def _outline(pdf: bytes) -> list[tuple[str, int]]:
    """The PDF's bookmarks (Chromium makes one per heading) in document order: (title, 0-based page)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    flat: list[tuple[str, int]] = []

    def walk(items) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                flat.append((str(item.title or ""), reader.get_destination_page_number(item)))

    walk(reader.outline)
    return flat


def _heading_pages(pdf: bytes, headings: list[tuple[str, str]], first_page: int) -> dict[str, int]:
    """Target id -> printed page number of each heading, from the bookmarks of ``pdf``.

    ``headings`` are (target id, heading text) in document order; ``pdf`` starts at page
    ``first_page``. The bookmarks are walked in order, skipping the ones that are not ours
    (the table of contents' own heading, h3 and below).
    """
    outline = _outline(pdf)
    found: dict[str, int] = {}
    k = 0
    for target, text in headings:
        want = _squash(text)
        while k < len(outline) and want not in _squash(outline[k][0]):
            k += 1
        if k == len(outline):
            raise PdfError(
                f"Rubriken ”{text}” hittades inte bland PDF:ens bokmärken, så innehållsförteckningen "
                "kan inte få sidnummer (internt fel i rapportbok.publish.pdf)."
            )
        found[target] = outline[k][1] + first_page
        k += 1
    return found


def _page_count(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def _page_texts(pdf: bytes) -> list[str]:
    from pypdf import PdfReader

    return [p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages]


def _outline_items(root) -> list:
    """The bookmark dictionaries of a PDF writer's outline, in document order (preorder)."""
    items = []

    def walk(node) -> None:
        while node is not None:
            node = node.get_object()
            items.append(node)
            if "/First" in node:
                walk(node["/First"])
            node = node.get("/Next")

    outlines = root.get("/Outlines")
    if outlines is not None and "/First" in outlines.get_object():
        walk(outlines.get_object()["/First"])
    return items


def _join(cover: bytes, body: bytes, headings: list[str], title: str, subject: str) -> bytes:
    """The cover page (printed without footer) in front of the body (pages 2–n, with footer).

    The bookmarks of our headings get the heading text as it reads (Chromium's own title can
    lose the space at a line break).
    """
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, TextStringObject

    quiet = logging.getLogger("pypdf")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # pypdf warns that Skia's trailer size is one short; harmless
    try:
        writer = PdfWriter(clone_from=io.BytesIO(body))
        writer.insert_page(PdfReader(io.BytesIO(cover)).pages[0], 0)
        # The cover's structure-tree key belongs to the cover's own PDF; here it would point
        # into the body's tree, so it goes (the cover is then plain, untagged content).
        first = writer.pages[0]
        if NameObject("/StructParents") in first:
            del first[NameObject("/StructParents")]
        items = _outline_items(writer.root_object)
        k = 0
        for text in headings:
            want = _squash(text)
            while k < len(items) and want not in _squash(str(items[k].get("/Title", ""))):
                k += 1
            if k == len(items):
                break
            items[k][NameObject("/Title")] = TextStringObject(text)
            k += 1
        writer.add_metadata({"/Title": title, "/Subject": subject, "/Creator": "rapportbok"})
        writer.page_mode = "/UseOutlines"
        buf = io.BytesIO()
        writer.write(buf)
    finally:
        quiet.setLevel(level)
    return buf.getvalue()


def render(
    site: Path,
    org_name: str,
    namnd: str,
    year: int,
    period_text: str,
    chapters: list[tuple[str, str]],
    out: Path,
    build_date: dt.date,
    *,
    requests: list[str] | None = None,
    address: str | None = None,
    link_counts: dict | None = None,
) -> Path:
    """Print one organisation's year of the built ``site`` to the PDF ``out``; returns ``out``.

    ``chapters`` are (chapter title, page path relative to ``site``) in book order. Every
    address the browser asked for is appended to ``requests`` when a list is given. ``address`` is the
    web site's public address, printed on the cover (:func:`site_address`); a link to a page of the site
    that is not a chapter of this PDF goes there (without an address it is plain text), a link to a
    chapter goes to its place inside the PDF. ``link_counts`` (a dict) gets how many links went each way
    ('inside', 'web', 'text'). A chapter titled
    :data:`APPENDIX_TITLE` (the Avstämning page) is the appendix; the other chapters' Avstämning
    status becomes a sentence pointing to it.
    Raises :class:`PdfError` (Swedish message) and ``chromium.ChromiumMissing``.
    """
    site = Path(site).resolve()
    out = Path(out)
    if not chapters:
        raise PdfError(f"Inga kapitel att skriva ut för {org_name} {year}.")
    pages = []
    for title, rel in chapters:
        path = site / rel
        if not path.is_file():
            raise PdfError(
                f"Sidan {rel} finns inte i den byggda webbplatsen {site}. Bygg boken först "
                "(python -m rapportbok build)."
            )
        pages.append((title, rel, path.as_uri(), path.read_text(encoding="utf-8")))

    seen: list[str] = requests if requests is not None else []
    blocked: list[str] = []

    def route(r) -> None:
        url = r.request.url
        if url.lower().startswith(LOCAL_SCHEMES):
            r.continue_()
        else:
            blocked.append(url)
            r.abort("blockedbyclient")

    def check_offline() -> None:
        remote = blocked + [u for u in seen if not u.lower().startswith(LOCAL_SCHEMES)]
        if remote:
            listed = "\n  ".join(dict.fromkeys(remote))
            raise PdfError(
                "PDF:en byggs utan nätverk, men sidorna behövde något från internet som inte "
                f"finns i den byggda webbplatsen:\n  {listed}\nSe till att bilder, typsnitt och "
                "skript ligger i webbplatsen själv."
            )

    base = dict(format="A4", margin=MARGIN, print_background=True, outline=True, tagged=True)
    body_options = dict(
        base,
        page_ranges="2-",  # Chromium still numbers these pages 2..n of n
        display_header_footer=True,
        header_template="<span></span>",
        footer_template=_footer(org_name, year, build_date),
    )
    cover_options = dict(base, page_ranges="1", display_header_footer=False)

    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rapportbok-pdf-") as tmp:
        doc = Path(tmp) / "rapportbok.html"
        from rapportbok.data import kolada

        uses_kolada = any(kolada.FETCHED_LABEL in html for _, _, _, html in pages)
        doc.write_text(
            _document(org_name, namnd, year, period_text, build_date, address, uses_kolada), encoding="utf-8"
        )

        with chromium.browser() as browser:
            context = browser.new_context(viewport={"width": 1000, "height": 1400}, locale="sv-SE")
            context.set_default_timeout(TIMEOUT_MS)
            context.route("**/*", route)
            page = context.new_page()
            page.on("request", lambda r: seen.append(r.url))
            page.on("websocket", lambda ws: blocked.append(ws.url))
            page.goto(doc.as_uri(), wait_until="load")

            entries = []
            for i, (title, rel, url, text) in enumerate(pages):
                info = page.evaluate(
                    _ADD_CHAPTER_JS,
                    {"html": text, "url": url, "index": i, "title": title, "appendix": title == APPENDIX_TITLE},
                )
                if info is None:
                    raise PdfError(f"Sidan {rel} har inget kapitelinnehåll (ingen artikel) att skriva ut.")
                entries.append({"title": title, "heading": info["heading"], "sections": info["sections"]})
            page.evaluate("(h) => { document.getElementById('toc').innerHTML = h; }", _toc_html(entries))
            links = page.evaluate(
                _LINKS_JS,
                {
                    "pages": [url for _, _, url, _ in pages],
                    "site": site.as_uri().rstrip("/") + "/",
                    "address": address or "",
                },
            )
            if link_counts is not None:
                link_counts.update(links)
            page.evaluate(_FIT_TABLES_JS)
            broken = page.evaluate(_WAIT_IMAGES_JS, TIMEOUT_MS // 2)
            check_offline()
            if broken:
                raise PdfError("Bilderna kunde inte läsas från den byggda webbplatsen:\n  " + "\n  ".join(broken))

            headings = []
            for i, e in enumerate(entries):
                headings.append((f"rb-k{i}", e["heading"]))
                headings += [(f"rb-k{i}-s{j + 1}", s) for j, s in enumerate(e["sections"])]

            # Pass 1: on which page does each heading begin? (the numbers are still blank)
            first = page.pdf(**body_options)
            numbers = _heading_pages(first, headings, first_page=2)
            # Pass 2: the same document with the numbers filled in; the cover on its own.
            page.evaluate(_FILL_TOC_JS, numbers)
            body = page.pdf(**body_options)
            cover = page.pdf(**cover_options)
            check_offline()
            context.close()

    # The numbers sit in a fixed-width column, so pass 2 must have laid out the same pages.
    texts = _page_texts(body)
    if len(texts) != _page_count(first) or _heading_pages(body, headings, 2) != numbers:
        raise PdfError(
            "Sidnumren i innehållsförteckningen ändrade sidbrytningarna (internt fel i rapportbok.publish.pdf)."
        )
    for target, text in headings:
        if _squash(text) not in _squash(texts[numbers[target] - 2]):
            raise PdfError(
                f"Rubriken ”{text}” står inte på sidan {numbers[target]} som innehållsförteckningen "
                "anger (internt fel i rapportbok.publish.pdf)."
            )

    data = _join(cover, body, [t for _, t in headings], f"{org_name} – Rapportbok {year}", f"{namnd}, {period_text}")
    return files.write_bytes(out, data)
