"""The sidebar's scoped table of contents (rapportbok.publish.sphinxext.scoped_toctree) against Sphinx's own.

A small SYNTHETIC book (reStructuredText, no theme) laid out as rapportbok's: a start page whose toctrees are
the parts (one per organisation, "Om boken", "Källor"), year pages with their chapters, chapters with headings,
and a source index with a heading per organisation. The scoped sidebar drops other organisations' pages and,
with ``titles_only`` (as the theme asks), the pages' own headings before Sphinx copies them: the HTML must be
the one Sphinx makes from its own tables of contents.
"""

from __future__ import annotations

import pytest

sphinx_app = pytest.importorskip("sphinx.application")

from sphinx.environment.adapters.toctree import global_toctree_for_doc  # noqa: E402

from rapportbok.publish import sphinxext  # noqa: E402

ORGS = ("orga", "orgb", "orgc")  # SYNTHETIC organisations


def _write(path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _heading(title: str, mark: str = "=") -> str:
    return f"{title}\n{mark * len(title)}\n\n"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    src = tmp_path_factory.mktemp("sidebar")
    _write(src / "conf.py", "root_doc = 'book/index'\nexclude_patterns = ['_build']\n")
    parts = []
    for org in ORGS:
        parts.append(f".. toctree::\n   :caption: Kommun {org}\n\n   {org}/2025/index\n   {org}/2024/index\n")
        for year in (2025, 2024):
            chapters = ("budget", "risk") if year == 2025 else ("budget",)
            _write(
                src / "book" / org / str(year) / "index.rst",
                _heading(f"Kommun {org} {year}")
                + "Text.\n\n.. toctree::\n   :hidden:\n\n"
                + "".join(f"   {c}\n" for c in chapters),
            )
            for c in chapters:
                _write(
                    src / "book" / org / str(year) / f"{c}.rst",
                    _heading(f"{c} {org} {year}")
                    + "".join(
                        _heading(f"Avsnitt {i}", "-") + "Text.\n\n" + _heading(f"Underavsnitt {i}", "~") + "Text.\n\n"
                        for i in range(3)
                    ),
                )
        _write(
            src / "book" / "kallor" / f"{org}-budget.rst",
            f":{sphinxext.ORG_META}: {org}\n\n" + _heading(f"Budget {org}") + "Källa.\n",
        )
    parts.append(".. toctree::\n   :caption: Om boken\n\n   ordlista\n")
    parts.append(".. toctree::\n   :caption: Källor\n\n   kallor/index\n")
    _write(src / "book" / "index.rst", _heading("Rapportbok") + "\n".join(parts))
    _write(src / "book" / "ordlista.rst", _heading("Ordlista") + _heading("tkr", "-") + "Tusen kronor.\n")
    _write(
        src / "book" / "kallor" / "index.rst",
        _heading("Källor")
        + ".. toctree::\n   :hidden:\n\n"
        + "".join(f"   {o}-budget\n" for o in ORGS)
        + "\n"
        + "".join(_heading(f"Kommun {o}", "-") + "Källor.\n\n" for o in ORGS),
    )
    out = tmp_path_factory.mktemp("sidebar-out")
    app = sphinx_app.Sphinx(
        str(src), str(src), str(out / "html"), str(out / "doctrees"), "html", status=None, warning=None, freshenv=True
    )
    app.build()
    return app


def _html(app, tree) -> str:
    return app.builder.render_partial(tree)["fragment"] if tree is not None else ""


KWARGS = [dict(collapse=c, maxdepth=m, includehidden=True, titles_only=True) for c in (True, False) for m in (0, 2, 4)]


def _docs(app) -> list[str]:
    return sorted(app.env.found_docs)


def test_the_book_is_laid_out_as_rapportbok(app):
    env = app.env
    assert sphinxext.page_org(env, "book/orga/2025/budget") == "orga"
    assert sphinxext.page_org(env, "book/kallor/orgb-budget") == "orgb"
    assert sphinxext.page_org(env, "book/kallor/index") is None
    assert len(list(env.tocs["book/orga/2025/budget"].findall())) > 20  # headings the titles-only sidebar drops


@pytest.mark.parametrize("kwargs", KWARGS)
def test_pages_of_no_organisation_get_sphinx_own_sidebar(app, kwargs):
    """The start page, the glossary and the source index list every part: exactly Sphinx's table of contents,
    although the scoped one is made from the tables of contents without the pages' headings."""
    app.builder.__dict__.pop(sphinxext.SCOPE_CACHE_ATTR, None)
    for doc in ("book/index", "book/ordlista", "book/kallor/index"):
        ours = _html(app, sphinxext.scoped_toctree(app.builder, doc, **kwargs))
        theirs = _html(app, global_toctree_for_doc(app.env, doc, app.builder, **kwargs))
        assert ours == theirs, (doc, kwargs)
        assert all(f"Kommun {o}" in ours for o in ORGS)


@pytest.mark.parametrize("kwargs", KWARGS)
def test_titles_only_reduction_changes_no_page(app, kwargs, monkeypatch):
    """Every page's sidebar is the same with the headings dropped beforehand as with Sphinx dropping them."""
    app.builder.__dict__.pop(sphinxext.SCOPE_CACHE_ATTR, None)
    reduced = {doc: _html(app, sphinxext.scoped_toctree(app.builder, doc, **kwargs)) for doc in _docs(app)}
    app.builder.__dict__.pop(sphinxext.SCOPE_CACHE_ATTR, None)
    monkeypatch.setattr(sphinxext, "_titles_only", lambda toc: toc)
    full = {doc: _html(app, sphinxext.scoped_toctree(app.builder, doc, **kwargs)) for doc in _docs(app)}
    assert reduced == full
    assert "Avsnitt" not in "".join(reduced.values())  # titles only: no page's headings


def test_an_organisation_page_lists_only_its_own_pages(app):
    app.builder.__dict__.pop(sphinxext.SCOPE_CACHE_ATTR, None)
    for org in ORGS:
        for doc in (f"book/{org}/2025/risk", f"book/kallor/{org}-budget"):
            html = _html(
                app, sphinxext.scoped_toctree(app.builder, doc, collapse=False, includehidden=True, titles_only=True)
            )
            others = [o for o in ORGS if o != org]
            assert f"Kommun {org} 2025" in html and f"Budget {org}" in html and "Ordlista" in html, doc
            assert not any(f"Kommun {o} " in html or f"Budget {o}" in html for o in others), doc


def test_the_environment_is_left_as_it_was(app):
    """The swapped tables of contents and includes are Sphinx's own again after every page."""
    env = app.env
    tocs, includes = dict(env.tocs), env.toctree_includes
    app.builder.__dict__.pop(sphinxext.SCOPE_CACHE_ATTR, None)
    for doc in _docs(app):
        sphinxext.scoped_toctree(app.builder, doc, collapse=True, includehidden=True, titles_only=True)
    assert env.toctree_includes is includes
    assert all(env.tocs[d] is t for d, t in tocs.items())


def test_titles_only_keeps_a_table_of_contents_of_another_shape():
    """A toctree deeper in a page's headings (not directly under its title) is left to Sphinx."""
    from docutils import nodes
    from sphinx import addnodes

    deep = nodes.bullet_list(
        "",
        nodes.list_item(
            "",
            addnodes.compact_paragraph("", "", nodes.reference("", "T")),
            nodes.bullet_list(
                "",
                nodes.list_item(
                    "",
                    addnodes.compact_paragraph("", "", nodes.reference("", "H")),
                    nodes.bullet_list("", addnodes.toctree(entries=[])),
                ),
            ),
        ),
    )
    assert sphinxext._titles_only(deep) is deep
    flat = nodes.bullet_list(
        "",
        nodes.list_item(
            "",
            addnodes.compact_paragraph("", "", nodes.reference("", "T")),
            nodes.bullet_list(
                "",
                addnodes.toctree(entries=[]),
                nodes.list_item("", addnodes.compact_paragraph("", "", nodes.reference("", "H"))),
            ),
        ),
    )
    out = sphinxext._titles_only(flat)
    assert out is not flat and [n.tagname for n in out.findall()] == [
        "bullet_list",
        "list_item",
        "compact_paragraph",
        "reference",
        "#text",
        "bullet_list",
        "toctree",
    ]
