"""Sphinx fixes for the site's HTML (registered in _config.yml under sphinx.extra_extensions).

* Sphinx 7.4 writes every inline script twice (``app.add_js_file(None, body=...)`` registers it with
  filename None, and the builder adds it again with filename ""); sphinx-thebe's second
  ``const THEBE_JS_URL`` is then a JavaScript error on every page. Duplicates are dropped.
* pydata-sphinx-theme's sidebar toggles (``<details><summary>`` with only a chevron icon) have no
  accessible name (axe "summary-name", WCAG 4.1.2); each gets a Swedish aria-label.
* sphinx-book-theme puts the page title as plain text (``title.astext()``) into ``pagetitle`` and
  writes it unescaped into the print header (``<h1>{{ pagetitle }}</h1>``); a title from data
  (an organisation's name, a source document's title) would be HTML there. It is escaped.
* The year pages in book/ always link their PDF (``<p class="rapportbok-pdf">``, written by
  rapportbok.publish.build.year_page), so book/ is the same with or without ``make pdf``. When the build
  makes no PDF (``RAPPORTBOK_PDF`` is not "1"), the link is replaced, in the built site only, by
  a sentence saying that this version of the site has no PDF: no link leads nowhere. Likewise the start
  page's link to the handbook is dropped when the handbook is not placed beside the site
  (``RAPPORTBOK_HANDBOK`` is not "1"; rapportbok.publish.handbook).

A Swedish interface (issue #14):

* The themes' strings in Swedish. pydata-sphinx-theme has no Swedish catalogue, and Sphinx's and
  sphinx-book-theme's lack a few strings; :data:`SV` is a catalogue of its own in the site's
  ``locale_dirs`` (:func:`write_catalogue`: it wins over theirs), and sphinx-book-theme's button titles
  are set by label (:data:`BUTTON_SV`). Strings the templates write without translation (a button's ``title="Toggle primary
  sidebar"``, ``aria-label="Main"``) are replaced in the written pages (:data:`LITERAL_SV`), and
  the search field's text is a theme option.
* Page titles name the organisation and year: a chapter's ``<title>`` and H1 read "Budget och
  ekonomiska ramar – Alingsås kommun 2025" (the organisation-year from the year page's title),
  and every page of an organisation-year gets a switcher to the other years and organisations.
* The download menu offers this year's PDF (when the build makes PDFs) and the page's tables (CSV
  and Excel), not the notebook's source or the browser's print.
* Abbreviations a reader may not know get ``<abbr title>`` where they appear
  (rapportbok.present.glossary), in the text and in the tables.

Only public events and API are used here; what needs Sphinx's private state (reading in one process and
writing in several, releasing doctrees, the sidebar of one organisation) is in
rapportbok.publish.sphinx_private, read against one version of Sphinx.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from docutils import nodes
from sphinx import addnodes

# Imported with the extension, not when the first page is written: the site's process loads the extension ahead,
# while the notebooks run (rapportbok.publish.site.Prepared), and kolada brings pandas (0,6 s of the analyst's loop).
from rapportbok.data import kolada
from rapportbok.publish import sphinx_private

PDF_ENV = "RAPPORTBOK_PDF"  # as rapportbok.publish.build.PDF_ENV
PDF_CLASS = "rapportbok-pdf"  # as rapportbok.publish.build.PDF_CLASS
# For the reader: no build instructions on a reader's page (the handbook says how to make the PDF).
NO_PDF_TEXT = "Den här versionen av webbplatsen har ingen PDF av rapportboken."
HANDBOOK_ENV = "RAPPORTBOK_HANDBOK"  # as rapportbok.publish.handbook.ENV
HANDBOOK_CLASS = "rapportbok-handbok"  # as rapportbok.publish.handbook.LINK_CLASS


def _pdf_links(app, doctree, docname):
    pdf, manual = os.environ.get(PDF_ENV) == "1", os.environ.get(HANDBOOK_ENV) == "1"
    if pdf and manual:
        return

    for node in list(doctree.findall(nodes.raw)):
        if "html" not in node.get("format", "").split():
            continue
        if not pdf and f'class="{PDF_CLASS}"' in node.astext():
            node.replace_self(nodes.paragraph("", NO_PDF_TEXT, classes=[PDF_CLASS]))
        elif not manual and f'class="{HANDBOOK_CLASS}"' in node.astext():
            node.parent.remove(node)  # a site without the handbook beside it: no link that leads nowhere


def _unique_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for js in scripts:
        key = (js.filename or "", js.priority, tuple(sorted(js.attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(js)
    context["script_files"] = unique


def _label_nav_toggles(app, pagename, templatename, context, doctree):
    generate = context.get("generate_toctree_html")
    if generate is None:
        return

    def generate_with_labels(kind, *args, **kwargs):
        soup = generate(kind, *args, **kwargs)
        if kind == "sidebar":
            for summary in soup.select("li > details > summary"):
                if summary.get_text(strip=True) or summary.get("aria-label"):
                    continue
                link = summary.find_parent("li").find("a", recursive=False)
                title = link.get_text(" ", strip=True) if link else ""
                summary["aria-label"] = (
                    f"Visa eller dölj sidorna under {title}" if title else "Visa eller dölj undersidor"
                )
        return soup

    context["generate_toctree_html"] = generate_with_labels


# --- the sidebar of one organisation ---------------------------------------------------------------

# A source page's organisation: front matter written by rapportbok.publish.build.source_pages.
ORG_META = "rapportbok-organisation"


def page_org(env, docname: str | None) -> str | None:
    """The organisation a page belongs to (its chapters, its year pages, its source pages), or None."""
    if not docname:
        return None
    m = ORG_YEAR_PAGE.fullmatch(docname)
    if m:
        return m["org"]
    org = (env.metadata.get(docname) or {}).get(ORG_META)
    return str(org) if org else None


def _entries_of(env, org: str | None, entries) -> list:
    """A toctree's entries without the pages of organisations other than ``org``."""
    return [(title, ref) for title, ref in entries if page_org(env, ref) in (None, org)]


def _titles_only(toc):
    """``toc`` as Sphinx's ``titles_only`` leaves it: each top-level entry's title and the toctrees listed under
    it, without the page's own headings (which it would copy, then drop, on every page). The same tree comes out
    of Sphinx either way; a table of contents of another shape (a toctree deeper in the headings, an ``only``
    node) is returned as it is."""
    items = []
    for item in toc.children:
        if not isinstance(item, nodes.list_item) or not isinstance(item[0], addnodes.compact_paragraph):
            return toc
        subtrees = list(item.findall(addnodes.toctree))
        if len(item) > 2 or any(t.parent is not item[1] for t in subtrees):
            return toc
        new = item.copy()
        new.append(item[0].deepcopy())
        if subtrees:
            sub = item[1].copy()
            sub.extend(t.deepcopy() for t in subtrees)
            new.append(sub)
        items.append(new)
    out = toc.copy()
    out.extend(items)
    return out


def _reachable(env, org: str | None, docs: list[str]) -> list[str]:
    """``docs`` and every page their tables of contents include, except other organisations' pages."""
    seen: dict[str, None] = {}
    todo = list(docs)
    while todo:
        doc = todo.pop()
        if doc in seen:
            continue
        seen[doc] = None
        todo.extend(r for r in env.toctree_includes.get(doc, ()) if org is None or page_org(env, r) in (None, org))
    return list(seen)


def _scoped_tocs(env, org: str | None, docs: list[str], titles_only: bool) -> dict:
    """{doc: its table of contents as the sidebar of ``org``'s pages uses it} for those of ``docs`` (and the pages
    they include) where that differs from Sphinx's own: only ``org``'s pages and pages of no organisation listed
    (the source index keeps this organisation's sources), and with ``titles_only`` without the page's headings."""
    out = {}
    for doc in _reachable(env, org, docs):
        toc = env.tocs.get(doc)
        if toc is None:
            continue
        subtrees = list(toc.findall(addnodes.toctree))
        if org is not None and any(len(_entries_of(env, org, t["entries"])) != len(t["entries"]) for t in subtrees):
            toc = toc.deepcopy()
            for t in toc.findall(addnodes.toctree):
                t["entries"] = _entries_of(env, org, t["entries"])
                t["includefiles"] = [ref for _, ref in t["entries"] if ref in t.get("includefiles", [])]
        if titles_only:
            toc = _titles_only(toc)
        if toc is not env.tocs[doc]:
            out[doc] = toc
    return out


# Per organisation, made once per build (the writing phase), kept on the builder: the book's parts a page of it
# shows, its tables of contents and its includes as the sidebar uses them. Made per page, they were work in
# proportion to the whole book. (The parts are read once: Sphinx unpickles the start page at every access.)
SCOPE_CACHE_ATTR = "rapportbok_sidebar_scopes"


def _scope(builder, org: str | None, titles_only: bool) -> tuple[list, dict, dict | None]:
    env = builder.env
    scopes = builder.__dict__.setdefault(SCOPE_CACHE_ATTR, {})
    if "parts" not in scopes:
        scopes["parts"] = list(env.master_doctree.findall(addnodes.toctree))
    if (org, titles_only) not in scopes:
        parts = []
        for node in scopes["parts"]:
            if org is not None and any(page_org(env, ref) not in (None, org) for _, ref in node["entries"]):
                continue  # another organisation's part
            parts.append(node)
        docs = [ref for node in parts for _, ref in node["entries"] if ref]
        includes = None
        if org is not None:
            mine = [env.config.root_doc, *_reachable(env, org, docs)]
            includes = {
                doc: [r for r in env.toctree_includes[doc] if page_org(env, r) in (None, org)]
                for doc in mine
                if doc in env.toctree_includes
            }
        scopes[org, titles_only] = (parts, _scoped_tocs(env, org, docs, titles_only), includes)
    return scopes[org, titles_only]


def scoped_toctree(builder, docname: str, collapse: bool = True, **kwargs):
    """The book's table of contents as a page's sidebar shows it, as a docutils tree (or None).

    Sphinx's own (``global_toctree_for_doc``) resolves every part of the book for every page: at 290
    organisations (some 2 600 pages) that is quadratic in time, and every page would carry some 3 000 links.
    A page of an organisation shows that organisation's part (its years and chapters), the parts of no
    organisation (Om boken, Källor) and, under Källor, only its own sources; the other organisations are one
    click away (the switcher under the H1, the start page). Pages of no organisation (the start page, the
    glossary, the source index) show every part. Otherwise as Sphinx's own: same arguments, same HTML.
    """
    from sphinx.environment.adapters.toctree import TocTree

    env = builder.env
    kwargs.setdefault("includehidden", False)
    if kwargs.get("maxdepth") == "":
        kwargs.pop("maxdepth")
    parts, tocs, includes = _scope(builder, page_org(env, docname), bool(kwargs.get("titles_only", False)))
    with sphinx_private.swapped_tocs(env, tocs, includes):
        resolved = [
            TocTree(env).resolve(
                docname,
                builder,
                node,
                prune=True,
                maxdepth=int(kwargs.get("maxdepth", 0)),
                titles_only=kwargs.get("titles_only", False),
                collapse=collapse,
                includehidden=kwargs["includehidden"],
            )
            for node in parts
        ]
    trees = [t for t in resolved if t is not None]
    if not trees:
        return None
    result = trees[0]
    for tree in trees[1:]:
        result.extend(tree.children)
    return result


def _scoped_sidebar(app, pagename, templatename, context, doctree):
    """The template's ``toctree()`` (the sidebar's source, via pydata-sphinx-theme) scoped to the page's organisation."""
    if "toctree" not in context or app.builder.format != "html" or not sphinx_private.ACTIVE:
        return  # (without Sphinx's private state, Sphinx's own sidebar: the whole book)
    builder = app.builder
    made: dict[tuple, str] = {}  # the theme asks more than once per page (pydata-sphinx-theme checks it is not empty)

    def toctree(collapse: bool = True, **kwargs) -> str:
        key = (collapse, tuple(sorted((k, str(v)) for k, v in kwargs.items())))
        if key not in made:
            tree = scoped_toctree(builder, pagename, collapse=collapse, **kwargs)
            made[key] = builder.render_partial(tree)["fragment"] if tree is not None else ""
        return made[key]

    context["toctree"] = toctree


def _escape_pagetitle(app, pagename, templatename, context, doctree):
    from rapportbok.core import escape

    if isinstance(context.get("pagetitle"), str):
        context["pagetitle"] = escape.html_text(context["pagetitle"])


# --- a Swedish interface ------------------------------------------------------------------------

# The themes' translatable strings a reader can meet, in Swedish.
SV = {
    # pydata-sphinx-theme (no Swedish catalogue)
    "Skip to main content": "Hoppa till sidans innehåll",
    "Back to top": "Till början av sidan",
    "Search": "Sök",
    "Error": "Fel",
    "Please activate JavaScript to enable the search functionality.": "Sökningen kräver JavaScript. Slå på JavaScript i webbläsaren för att söka.",
    "Breadcrumb": "Var du är",
    "Home": "Startsida",
    "Click to expand": "Klicka för att visa",
    "Click to collapse": "Klicka för att dölja",
    "Copyright %(copyright)s": "Upphovsrätt %(copyright)s",
    "© Copyright %(copyright)s.": "© %(copyright)s.",
    "Edit": "Redigera",
    "Indices": "Register",
    "General Index": "Register",
    "Last updated on %(last_updated)s.": "Senast uppdaterad %(last_updated)s.",
    "On this page": "På den här sidan",
    "previous page": "föregående sida",
    "previous": "föregående",
    "next page": "nästa sida",
    "next": "nästa",
    "Collapse Sidebar": "Dölj sidomenyn",
    "Expand Sidebar": "Visa sidomenyn",
    "Section Navigation": "Avsnittets sidor",
    "Show Source": "Visa källtext",
    "Color mode": "Färgläge",
    "Light": "Ljust",
    "Dark": "Mörkt",
    "System Settings": "Som datorns inställning",
    "Version warning": "Versionsvarning",
    "Announcement": "Meddelande",
    "Site navigation": "Bokens sidor",
    # Sphinx (its Swedish catalogue lacks these)
    "Link to this heading": "Länk till den här rubriken",
    "Link to this table": "Länk till den här tabellen",
    "Link to this image": "Länk till den här bilden",
    "Link to this code": "Länk till den här koden",
    "Link to this definition": "Länk till den här förklaringen",
    "Link to this equation": "Länk till den här formeln",
    "Index": "Register",
    "Contents": "Innehåll",  # (sphinx-book-theme's has it too)
}
# sphinx-book-theme's header buttons translate with a domain of their own, whose Swedish catalogue has these
# otherwise: set on the page's buttons by their label (_download_menu). (Its download menu is replaced.)
BUTTON_SV = {"fullscreen-button": "Helskärm"}

# Strings the templates write as they are (no translation call): replaced in the written pages.
LITERAL_SV = {
    'title="Toggle primary sidebar"': 'title="Visa eller dölj sidomenyn"',
    'title="Toggle secondary sidebar"': 'title="Visa eller dölj sidans innehållsförteckning"',
    'aria-label="Main"': 'aria-label="Bokens kapitel"',
    '<nav aria-label="Page">': '<nav aria-label="Sidan">',
    'aria-label="Version switcher list"': 'aria-label="Versioner"',
}
SEARCH_TEXT = "Sök i boken …"
TITLE_SEP = " – "
# book/<org>/<year>/<page>: a page of one organisation-year.
ORG_YEAR_PAGE = re.compile(r"book/(?P<org>[^/]+)/(?P<year>[0-9]{4})/(?P<page>[^/]+)")  # fullmatch only


LOCALE_DIR = "_locale"  # in the site's source folder: :data:`SV` as a compiled catalogue (write_catalogue)


def write_catalogue(srcdir: Path) -> Path:
    """:data:`SV` as a compiled message catalogue of the domain Sphinx and pydata-sphinx-theme translate with, in
    ``srcdir/_locale/sv/LC_MESSAGES/sphinx.mo``. Given in ``locale_dirs`` (rapportbok.publish.site), it comes
    before Sphinx's own Swedish catalogue and the themes' (Sphinx's documented way to change its messages), and
    falls back to them for every other string."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    catalogue = Catalog(locale="sv", domain="sphinx")
    for english, swedish in SV.items():
        catalogue.add(english, swedish)
    target = srcdir / LOCALE_DIR / "sv" / "LC_MESSAGES" / "sphinx.mo"
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as f:
        write_mo(f, catalogue)
    return target


def _swedish_configuration(app, config):
    """The theme options and formats of a Swedish interface, and the templates that set the tab's title."""
    opts = dict(config.html_theme_options or {})
    opts["search_bar_text"] = SEARCH_TEXT
    opts["toc_title"] = "Innehåll"
    config.html_theme_options = opts
    config.html_last_updated_fmt = "%-d %B %Y"  # "25 november 2026" (Babel, language sv)
    templates = str(Path(__file__).with_name("html_templates"))  # layout.html: the tab's title
    if templates not in config.templates_path:
        config.templates_path = [templates, *config.templates_path]


STARTED_ATTR = "rapportbok_started_ns"  # on the Sphinx application: when this build began (builder-inited)


def _remember_start(app):
    setattr(app, STARTED_ATTR, time.time_ns())


def _literal_strings(app, exception):
    """Replace :data:`LITERAL_SV` in every page this build wrote (an incremental build leaves the others, which
    had theirs replaced when they were written)."""
    if exception is not None or app.builder.format != "html":
        return
    started = getattr(app, STARTED_ATTR, 0) - 2_000_000_000  # a coarse clock: a file written in the same 2 s
    for page in Path(app.outdir).rglob("*.html"):
        if page.stat().st_mtime_ns < started:
            continue
        text = page.read_text(encoding="utf-8")
        new = text
        for en, sv in LITERAL_SV.items():
            new = new.replace(en, sv)
        if new != text:
            page.write_text(new, encoding="utf-8")


def _root_page(app, exception):
    """The site's root (index.html) forwards the reader to the start page (sphinx-external-toc writes it as one
    ``<meta>`` line when the start page is not ``index``). Written here as a whole page in Swedish: the site's title
    and icon (without a declared icon a browser asks for /favicon.ico, which the site does not have) and a link for
    a reader whose browser does not forward."""
    from urllib.parse import quote

    from rapportbok.core import escape

    if exception is not None or app.builder.format != "html" or app.config.master_doc == "index":
        return
    start = escape.html_attr(f"{app.config.master_doc}.html")
    title = escape.html_text(app.config.html_title or app.config.project)
    # The icon inside the page: a page that forwards at once would abort the browser's request for the file.
    head = ""
    icon = Path(app.outdir) / "_static" / Path(app.config.html_favicon).name if app.config.html_favicon else None
    if icon is not None and icon.suffix == ".svg" and icon.is_file():
        data = "data:image/svg+xml," + quote(icon.read_text(encoding="utf-8"), safe="")
        head = f'<link rel="icon" href="{escape.html_attr(data)}"/>\n'
    page = (
        '<!DOCTYPE html>\n<html lang="sv">\n<head>\n<meta charset="utf-8"/>\n'
        f'<meta http-equiv="Refresh" content="0; url={start}" />\n<title>{title}</title>\n{head}</head>\n'
        f'<body>\n<p><a href="{start}">Till rapportboken</a></p>\n</body>\n</html>\n'
    )
    path = Path(app.outdir) / "index.html"
    if not path.is_file() or path.read_text(encoding="utf-8") != page:
        path.write_text(page, encoding="utf-8")


NAVIGATION_ATTR = "rapportbok_navigation"  # on the build environment, pickled with it: _navigation of its last build


def _navigation(env) -> str:
    """A hash of what each page shows of the other pages: every page's title and table of contents (its sections),
    what each table of contents includes, and the targets of references (labels)."""
    from rapportbok.core.hashing import sha256_hex

    parts = []
    for doc in sorted(env.found_docs):
        title = env.titles.get(doc)
        toc = env.tocs.get(doc)
        parts.append(doc.encode() + b"\0" + (title.astext() if title is not None else "").encode() + b"\0")
        parts.append((toc.astext() if toc is not None else "").encode() + b"\0")
        parts.append("\1".join(env.toctree_includes.get(doc, ())).encode() + b"\0")
    for name, target in sorted(env.get_domain("std").labels.items()):
        parts.append(f"{name}\0{target}\0".encode())
    return sha256_hex(b"".join(parts))


def _write_all_when_navigation_changed(app, env):
    """env-get-updated: an incremental build writes the pages it read again; every page when what pages show of
    each other changed (a title in the sidebar or the switcher, a table of contents, a link's target). The first
    build in an environment writes every page anyway."""
    now = _navigation(env)
    before = getattr(env, NAVIGATION_ATTR, None)
    setattr(env, NAVIGATION_ATTR, now)
    return sorted(env.found_docs) if before is not None and before != now else []


ORG_YEARS_ATTR = "rapportbok_org_years"  # on the build environment, set once after reading (_remember_org_years)


def _scan_org_years(env) -> dict[str, dict[int, str]]:
    out: dict[str, dict[int, str]] = {}
    for doc in env.found_docs:
        m = ORG_YEAR_PAGE.fullmatch(doc)
        if m and m["page"] == "index" and doc in env.titles:
            out.setdefault(m["org"], {})[int(m["year"])] = env.titles[doc].astext()
    return out


def _org_years(env) -> dict[str, dict[int, str]]:
    """{org: {year: the year page's title ('Alingsås kommun 2025')}} of the documents found."""
    known = getattr(env, ORG_YEARS_ATTR, None)
    if known is not None and known[0] == len(env.found_docs):
        return known[1]
    return _scan_org_years(env)


def _remember_org_years(app, env):
    """Every page's switcher reads the same table: made once, not once per page (at 290 organisations
    some 3 200 pages would each scan some 3 200 documents)."""
    setattr(env, ORG_YEARS_ATTR, (len(env.found_docs), _scan_org_years(env)))


def _org_name(title: str, year: int) -> str:
    return title[: -len(str(year))].rstrip() if title.endswith(str(year)) else title


def page_title(env, docname: str) -> str | None:
    """'Budget och ekonomiska ramar – Alingsås kommun 2025' for a chapter page; the year page's own title
    for a year page; None for other pages (plain text)."""
    m = ORG_YEAR_PAGE.fullmatch(docname)
    if not m:
        return None
    year_doc = f"book/{m['org']}/{m['year']}/index"
    if year_doc not in env.titles:
        return None
    org_year = env.titles[year_doc].astext()
    if m["page"] == "index":
        return org_year
    own = env.titles[docname].astext() if docname in env.titles else ""
    return f"{own}{TITLE_SEP}{org_year}" if own else org_year


# Up to this many organisations the switcher links each; a larger book (a national edition, 290) links
# the organisation itself and the start page, which lists them all: not 290 links above every page.
SWITCHER_MAX_ORGS = 12


def switcher_html(env, docname: str) -> str:
    """Links to the same page for the organisation's other years and to the other organisations."""
    from rapportbok.core import escape

    m = ORG_YEAR_PAGE.fullmatch(docname)
    if not m:
        return ""
    org, year, page = m["org"], int(m["year"]), m["page"]
    found = _org_years(env)
    if org not in found:
        return ""

    def href(o: str, y: int) -> str:
        target = page if f"book/{o}/{y}/{page}" in env.found_docs else "index"
        return escape.html_attr(f"../../{o}/{y}/{target}.html")

    years = []
    for y in sorted(found[org], reverse=True):
        if y == year:
            years.append(f'<a aria-current="page" href="{href(org, y)}">{y}</a>')
        else:
            years.append(f'<a href="{href(org, y)}">{y}</a>')
    orgs = []
    listed = sorted(found, key=lambda o: _org_name(found[o][max(found[o])], max(found[o])))
    if len(listed) > SWITCHER_MAX_ORGS:  # a national edition: this one, and the start page lists them all
        listed = [org]
    for o in listed:
        latest = year if year in found[o] else max(found[o])
        name = escape.html_text(_org_name(found[o][latest], latest))
        current = ' aria-current="page"' if o == org else ""
        orgs.append(f'<a{current} href="{href(o, latest)}">{name}</a>')
    if len(found) > SWITCHER_MAX_ORGS:
        orgs.append(f'· <a href="../../index.html">alla {len(found)} kommuner</a>')
    return (
        '<nav class="rapportbok-vaxlare" aria-label="Välj år och kommun">'
        '<span class="rapportbok-vaxlare-del"><span class="rapportbok-vaxlare-rubrik">År:</span> '
        + " ".join(years)
        + '</span> <span class="rapportbok-vaxlare-del">'
        '<span class="rapportbok-vaxlare-rubrik">Kommun:</span> ' + " ".join(orgs) + "</span></nav>"
    )


def _source_search_title(env, docname: str) -> None:
    """A source page's search result names its organisation: "Genomlysning Socialnämnden 2024 – Alingsås
    kommun" (the name from one of the organisation's year pages)."""
    org = page_org(env, docname)
    own = env.titles[docname].astext() if docname in env.titles else ""
    if not org or not own:
        return
    prefix = f"book/{org}/"
    for doc, title in env.titles.items():
        m = ORG_YEAR_PAGE.fullmatch(doc)
        if doc.startswith(prefix) and m and m["page"] == "index":
            name = _org_name(title.astext(), int(m["year"]))
            if name and name not in own:
                env.longtitles[docname] = nodes.title("", f"{own}{TITLE_SEP}{name}")
            return


def _title_and_switcher(app, doctree, docname):
    """The H1 of an organisation-year's page names it; a switcher follows the H1."""
    m = ORG_YEAR_PAGE.fullmatch(docname)
    if not m:
        _source_search_title(app.env, docname)
        return
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None or not section.children or not isinstance(section[0], nodes.title):
        return
    title = page_title(app.env, docname)
    own = app.env.titles[docname].astext() if docname in app.env.titles else ""
    if title and own and m["page"] != "index" and title.startswith(own):
        # The organisation-year in the H1 on the site; not in print or the PDF (whose cover and footer name
        # it; rapportbok.publish.pdf drops .d-print-none), so the PDF's chapter titles stay the chapters'.
        section[0].children = [
            nodes.Text(own),
            nodes.inline("", title[len(own) :], classes=["rapportbok-orgar", "d-print-none"]),
        ]
    if title and m["page"] != "index":
        # The title a search result gives for the page (Sphinx indexes env.longtitles): "Budget och ekonomiska
        # ramar – Alingsås kommun 2025", not four results titled "Budget och ekonomiska ramar" (issue #26).
        app.env.longtitles[docname] = nodes.title("", title)
    nav = switcher_html(app.env, docname)
    if nav:
        section.insert(1, nodes.raw("", nav, format="html"))


def _page_titles(app, pagename, templatename, context, doctree):
    """The tab's title: 'Budget och ekonomiska ramar – Alingsås kommun 2025' (no generic suffix);
    other pages '<title> – <book title>' with an en dash, as Swedish writes it."""
    from rapportbok.core import escape

    title = page_title(app.env, pagename)
    if title:
        context["rapportbok_title"] = escape.html_text(title)  # html_templates/layout.html
        context["pagetitle"] = title  # plain text; _escape_pagetitle escapes it
    context["author"] = None  # "Av rapportbok": the book names its sources, not a tool, as author


DOWNLOAD = re.compile(r'<a href="([^"]+)" download aria-label="Ladda ner (.*?) som (CSV|Excel)">')


def download_buttons(body: str, pdf_url: str | None, pdf_text: str) -> list[dict]:
    """The download menu's entries: the year's PDF, then each table of the page as CSV and Excel."""
    from rapportbok.core import escape

    buttons = []
    if pdf_url:
        buttons.append(
            {
                "type": "link",
                "url": escape.html_attr(pdf_url),
                "text": escape.html_text(pdf_text),
                "icon": "fas fa-file-pdf",
                "label": "download-pdf-button",
            }
        )
    for url, what, kind in DOWNLOAD.findall(body or ""):
        name = escape.html_text(escape.html_plain(what))
        buttons.append(
            {
                "type": "link",
                "url": escape.html_attr(escape.html_plain(url)),
                "text": f"{name} ({kind})",
                "icon": "fas fa-file-excel" if kind == "Excel" else "fas fa-file-csv",
                "label": f"download-{kind.lower()}-button",
            }
        )
    return buttons


def _download_menu(app, pagename, templatename, context, doctree):
    """Replace the theme's download menu (.ipynb, source, browser print) by the PDF and the tables."""
    buttons = context.get("header_buttons")
    if buttons is None:
        return
    kept = [b for b in buttons if b.get("label") != "download-buttons"]
    for button in kept:
        if button.get("label") in BUTTON_SV:
            button["tooltip"] = BUTTON_SV[button["label"]]
    m = ORG_YEAR_PAGE.fullmatch(pagename)
    pdf_url = pdf_text = None
    if m and os.environ.get(PDF_ENV) == "1":
        year_doc = f"book/{m['org']}/{m['year']}/index"
        org_year = app.env.titles[year_doc].astext() if year_doc in app.env.titles else f"{m['org']} {m['year']}"
        pdf_url = context["pathto"](f"pdf/{m['org']}-{m['year']}.pdf", 1)
        pdf_text = f"Hela rapportboken för {org_year} (PDF)"
    items = download_buttons(context.get("body", ""), pdf_url, pdf_text or "")
    if items:
        kept.insert(
            0,
            {
                "type": "group",
                "tooltip": "Ladda ner PDF och tabeller",
                "icon": "fas fa-download",
                "buttons": items,
                "label": "download-buttons",
            },
        )
    context["header_buttons"] = kept


def _abbreviations(app, doctree, docname):
    """Explain abbreviations where they appear (rapportbok.present.glossary), except on the glossary itself."""
    from rapportbok.present import glossary

    if docname == glossary.DOCNAME or docname.startswith("book/kallor/"):
        return  # the glossary explains them itself; a source's text stays exactly as read
    glossary.mark_doctree(doctree)


def _verbatim_quotes(app, config):
    """No "smart quotes": docutils would turn the straight quotes of a quotation from data into curly ones, and
    the book quotes its sources verbatim. The templates and the chapters write Swedish quotation marks (” ’)
    themselves where they mean them."""
    config.smartquotes = False


# The footer credits what a page's figures come from: Kolada only on a page that shows values fetched from it
# (cited "Källa: Kolada, hämtat …", rapportbok.data.kolada.fetched_citation). _config.yml's extra_footer is the
# text without Kolada.
FOOTER = "Siffrorna kommer från kommunernas egna dokument."
FOOTER_KOLADA = "Siffrorna kommer från kommunernas egna dokument och från Kolada."


def _footer(app, pagename, templatename, context, doctree):
    uses_kolada = kolada.FETCHED_LABEL in (context.get("body") or "")
    context["theme_extra_footer"] = FOOTER_KOLADA if uses_kolada else FOOTER


def _swedish_search():
    """Sphinx's Swedish search language, reading a word that the tables hyphenate softly (U+00AD,
    rapportbok.present.tables.soft_hyphens) as the one word it is, not as its syllables."""
    from sphinx.search.sv import SearchSwedish

    class Search(SearchSwedish):
        def split(self, input: str) -> list[str]:  # noqa: A002 - the base class's signature
            return super().split(input.replace("\u00ad", ""))

    return Search


def _no_general_index(app, config):
    """No general index (Sphinx's genindex.html, "Register"): the book's pages and the handbook have no index entries,
    so it would be an empty page that nothing but a ``<link rel="index">`` leads to, written again by every build
    (one page of the analyst's loop). Search (search.html) and the tables of contents are how a reader finds things."""
    config.html_use_index = False


def setup(app):
    app.add_search_language(_swedish_search())
    app.connect("config-inited", _no_general_index)
    app.connect("config-inited", _verbatim_quotes)
    app.connect("builder-inited", sphinx_private.read_serially)
    app.connect("env-updated", sphinx_private.write_in_parallel)
    app.connect("config-inited", _swedish_configuration)
    app.connect("builder-inited", _remember_start)
    app.connect("build-finished", _literal_strings)
    app.connect("build-finished", _root_page, priority=600)  # after sphinx-external-toc's redirect (500)
    app.connect("env-get-updated", _write_all_when_navigation_changed)
    app.connect("env-updated", _remember_org_years)
    app.connect("source-read", sphinx_private.release_doctrees)
    app.connect("env-updated", sphinx_private.release_doctrees)
    app.connect("doctree-resolved", _title_and_switcher)
    app.connect("doctree-resolved", _abbreviations)
    # After the theme's own html-page-context handlers (priority 500).
    app.connect("html-page-context", _page_titles, priority=890)
    app.connect("html-page-context", _download_menu, priority=900)
    app.connect("html-page-context", _unique_scripts, priority=900)
    app.connect("html-page-context", _label_nav_toggles, priority=900)
    # Before pydata-sphinx-theme's handlers (priority 500), which already render the sidebar.
    app.connect("html-page-context", _scoped_sidebar, priority=400)
    app.connect("html-page-context", _escape_pagetitle, priority=900)
    app.connect("html-page-context", _footer, priority=900)
    app.connect("doctree-resolved", _pdf_links)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
