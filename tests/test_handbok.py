"""The handbook (handbok/, issue #29): it builds with strict warnings, and it is published beside the site.

The handbook is a separate small Jupyter Book in Swedish (rapportbok.publish.handbook). ``make handbok``
builds it with ``-W``; the book's build places it in the site's ``handbok/`` folder, and the start page
links to it. A site built without it (a project with no handbok/) drops the link, as it drops a PDF link.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT, load_tool
from docutils import nodes

from rapportbok.publish import build, handbook, sphinxext


def test_the_handbook_builds_with_strict_warnings(tmp_path):
    proc = load_tool("handbok").build(ROOT, out=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    html = handbook.html(tmp_path)
    for page in ("index", "kom-igang/index", "referens/tabeller", "historik/byggtider"):
        assert (html / f"{page}.html").is_file(), page


def test_every_page_of_the_handbook_is_in_its_table_of_contents():
    import yaml

    toc = yaml.safe_load((ROOT / "handbok" / "_toc.yml").read_text(encoding="utf-8"))
    listed = {toc["root"]} | {c["file"] for part in toc["parts"] for c in part["chapters"]}
    pages = {p.relative_to(ROOT / "handbok").with_suffix("").as_posix() for p in (ROOT / "handbok").rglob("*.md")}
    assert pages == listed


def test_the_start_page_links_the_handbook_beside_the_site():
    page = build.landing_page([], [])
    assert f'<p class="{handbook.LINK_CLASS}">' in page and 'href="../handbok/index.html"' in page


def _start_page_link() -> nodes.document:
    doc = nodes.document(None, None)
    doc += nodes.paragraph("", "Organisationer och år")
    raw = f'<p class="{handbook.LINK_CLASS}">Hur boken görs: <a href="../handbok/index.html">Handbok</a>.</p>'
    doc += nodes.raw("", raw, format="html")
    return doc


@pytest.mark.parametrize(("placed", "kept"), [("1", True), ("0", False), (None, False)])
def test_a_site_without_the_handbook_has_no_link_to_it(monkeypatch, placed, kept):
    if placed is None:
        monkeypatch.delenv(handbook.ENV, raising=False)
    else:
        monkeypatch.setenv(handbook.ENV, placed)
    monkeypatch.setenv(sphinxext.PDF_ENV, "1")
    doc = _start_page_link()
    sphinxext._pdf_links(None, doc, "book/index")
    assert ("handbok/index.html" in doc.astext()) == kept
    assert "Organisationer och år" in doc.astext()  # nothing else is dropped
    assert (sphinxext.HANDBOOK_ENV, sphinxext.HANDBOOK_CLASS) == (handbook.ENV, handbook.LINK_CLASS)


def test_the_built_site_has_the_handbook_and_its_link_resolves(built_site: Path):
    start = (built_site / "book" / "index.html").read_text(encoding="utf-8")
    assert 'href="../handbok/index.html"' in start
    assert (built_site / "book" / "../handbok/index.html").resolve().is_file()
    assert "Handbok för rapportbok" in (built_site / "handbok" / "index.html").read_text(encoding="utf-8")


# --- the generated reference -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def tool():
    return load_tool("handbok")


def test_the_generated_reference_is_current(tool):
    stale = [
        name
        for name, text in tool.generated().items()
        if not (tool.REFERENCE / name).is_file() or (tool.REFERENCE / name).read_text(encoding="utf-8") != text
    ]
    assert not stale, f"Handbokens referens är inaktuell; kör `make handbok` och checka in: {stale}"


def test_every_column_key_command_target_and_variable_is_described(tool):
    pages = tool.generated()
    for name, text in pages.items():
        assert tool.MISSING_TEXT not in text, name
    files = pages["indatafiler.md"]
    from rapportbok.data import datasets, sources

    for spec in [sources.KALLOR, *(s for s, _ in datasets.ORG_DATASETS.values())]:
        assert f"### {spec.filename}\n" in files
        for col in spec.columns:
            assert f"| `{col.name}` | {col.description}" in files, (spec.filename, col.name)
    commands = pages["kommandon.md"]
    for target in tool._make_targets():
        assert f"`make {target}`" in commands
    for heading in ("rapportbok bygg (build)", "rapportbok kontrollera (validate)", "rapportbok kolada hamta (fetch)"):
        assert f"### {heading}" in commands or f"#### {heading}" in commands
    assert "`--utan-webbplats`, `--no-site`" in commands
    keys = pages["yaml.md"]
    for key in ("`ar.<år>.per`", "`vasentlig_avvikelse.villkor`", "`begrepp.<begrepp>.rad`", "`own_groups`"):
        assert key in keys


def test_an_undescribed_column_or_variable_is_caught(tool, monkeypatch, tmp_path):
    """The generator marks what the code does not describe, so the test above fails on it."""
    from rapportbok.data import sources
    from rapportbok.data.schema import Col

    bare = sources.KALLOR.__class__(
        sources.KALLOR.filename, sources.KALLOR.title, (*sources.KALLOR.columns, Col("ny_kolumn")), sources.KALLOR.key
    )
    monkeypatch.setattr(sources, "KALLOR", bare)
    assert f"| `ny_kolumn` | {tool.MISSING_TEXT}" in tool.input_files()
    new = "RAPPORTBOK" + "_NY_INSTALLNING"  # split, so that the search of the real code does not find it here
    (tmp_path / "x.py").write_text(f'os.environ.get("{new}")\n', encoding="utf-8")
    monkeypatch.setattr(tool, "ROOT", tmp_path)
    monkeypatch.setattr(tool, "ENV_SEARCHED", ("x.py",))
    text = tool.environment()
    assert f"`{new}` | {tool.MISSING_TEXT}" in text
    assert "används inte längre: RAPPORTBOK_ADRESS" in text  # described, no longer in the code


def test_every_environment_variable_in_the_code_is_documented(tool):
    found = tool.env_vars_in_code() - tool.TEST_ONLY_NAMES
    assert found == set(tool.ENV_VARS) | set(tool.INTERNAL_ENV_VARS)
    assert {"RAPPORTBOK_DATA", "RAPPORTBOK_SITE_JOBS", "RAPPORTBOK_HANDBOK"} <= found
