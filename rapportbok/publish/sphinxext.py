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
  a sentence saying that this version of the site has no PDF: no link leads nowhere.
"""

from __future__ import annotations

import os

PDF_ENV = "RAPPORTBOK_PDF"  # as rapportbok.publish.build.PDF_ENV
PDF_CLASS = "rapportbok-pdf"  # as rapportbok.publish.build.PDF_CLASS
# For the reader: no build instructions on a reader's page (the README says how to make the PDF).
NO_PDF_TEXT = "Den här versionen av webbplatsen har ingen PDF av rapportboken."


def _pdf_links(app, doctree, docname):
    if os.environ.get(PDF_ENV) == "1":
        return
    from docutils import nodes

    for node in list(doctree.findall(nodes.raw)):
        if f'class="{PDF_CLASS}"' in node.astext() and "html" in node.get("format", "").split():
            node.replace_self(nodes.paragraph("", NO_PDF_TEXT, classes=[PDF_CLASS]))


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
                summary["aria-label"] = f"Visa eller dölj sidorna under {title}" if title else "Visa eller dölj undersidor"
        return soup

    context["generate_toctree_html"] = generate_with_labels


def _escape_pagetitle(app, pagename, templatename, context, doctree):
    from rapportbok.core import escape

    if isinstance(context.get("pagetitle"), str):
        context["pagetitle"] = escape.html_text(context["pagetitle"])


def setup(app):
    # After the theme's own html-page-context handlers (priority 500).
    app.connect("html-page-context", _unique_scripts, priority=900)
    app.connect("html-page-context", _label_nav_toggles, priority=900)
    app.connect("html-page-context", _escape_pagetitle, priority=900)
    app.connect("doctree-resolved", _pdf_links)
    _multitoc_is_parallel_safe(app)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


def _multitoc_is_parallel_safe(app) -> None:
    """Let Sphinx read pages in parallel (rapportbok bygg with RAPPORTBOK_SITE_JOBS > 1).

    sphinx_external_toc always loads sphinx_multitoc_numbering (0.1.3), which does not declare
    whether it is parallel-safe, so Sphinx reads every page in one process. All it does is replace
    TocTreeCollector.assign_section_numbers, which Sphinx calls in the main process on the merged
    environment after reading; it keeps no state of its own. Declared safe here for that version
    only; `make bench` checks that the HTML is the same with one and two processes.
    """
    ext = app.extensions.get("sphinx_multitoc_numbering")
    if ext is not None and getattr(ext.module, "__version__", None) == "0.1.3" and ext.parallel_read_safe is None:
        ext.parallel_read_safe = True
