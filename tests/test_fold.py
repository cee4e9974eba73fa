"""Empty shells folded away (rapportbok.publish.fold, issue #14 item 8).

The notebooks here are SYNTHETIC: made up for the test, in the shape the chapters' outputs have.
"""

from __future__ import annotations

import nbformat

from rapportbok.present import tables
from rapportbok.publish import fold


def html_out(html: str) -> dict:
    return nbformat.v4.new_output("display_data", data={"text/html": html, "text/plain": "<HTML>"})


def code(*outputs) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell("ch.x()")
    cell.outputs = list(outputs)
    return cell


def md(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(text)


def notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        md("# Budget"),
        md("## Ramar\n\nBeloppen står som i källan (metodtext)."),
        code(html_out('<table class="rapportbok-tabell"><tr><td>1</td></tr></table>')),
        md("## Investeringsbudget\n\nMetodtext om investeringar."),
        code(html_out(tables.note("Källorna innehåller ingen investeringsbudget för denna organisation.").data)),
        md("## Brygga"),
        code(
            html_out(tables.note("Ingen brygga: <källan> anger inget.").data),
            html_out(tables.note("Ingen brygga: <källan> anger inget.").data),
        ),
        md("## Text"),
        code(
            nbformat.v4.new_output("display_data", data={"text/markdown": "Något skrivet.", "text/plain": ""}),
            html_out(tables.note("En notis.").data),
        ),
        md("## Avstämning"),
        code(html_out(tables.note("Inga summor att stämma av.").data)),
    ]
    return nb


def test_notes_only_sections_become_one_line_each_before_the_avstamning():
    nb = notebook()
    assert fold.fold(nb) == ["Investeringsbudget", "Brygga"]
    heads = [c.source.split("\n", 1)[0] for c in nb.cells if c.cell_type == "markdown"]
    assert heads == ["# Budget", "## Ramar", "## Text", f"## {fold.TITLE}", "## Avstämning"]
    text = next(c.source for c in nb.cells if c.source.startswith(f"## {fold.TITLE}"))
    assert "Metodtext" not in text
    lines = text.split("\n\n", 1)[1].splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("- **Investeringsbudget:** Källorna innehåller ingen investeringsbudget")
    # A repeated note is said once; data text stays escaped Markdown.
    assert lines[1].count("Ingen brygga") == 1 and "\\<källan\\>" in lines[1]


def test_nothing_to_fold_leaves_the_notebook_alone():
    nb = notebook()
    nb.cells = nb.cells[:3]
    before = nbformat.writes(nb)
    assert fold.fold(nb) == []
    assert nbformat.writes(nb) == before


def test_fold_is_deterministic():
    a, b = notebook(), notebook()
    fold.fold(a)
    fold.fold(b)
    for nb in (a, b):
        for i, c in enumerate(nb.cells):
            if c.get("id") != "rapportbok-saknas":
                c["id"] = str(i)
    assert nbformat.writes(a) == nbformat.writes(b)


def test_execution_counts_run_on_after_a_fold():
    """The kept code cells are numbered 1, 2, 3 … as a run of just those cells numbers them (nbval, readers)."""
    nb = notebook()
    for n, c in enumerate((c for c in nb.cells if c.cell_type == "code"), start=1):
        c["execution_count"] = n
    nb.cells[-1].outputs.append(nbformat.v4.new_output("execute_result", data={"text/plain": "1"}, execution_count=5))
    fold.fold(nb)
    counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
    assert counts == [1, 2, 3]
    assert nb.cells[-1].outputs[-1]["execution_count"] == 3


def test_a_notes_only_subsection_is_folded_and_its_section_kept_synthetic():
    """SYNTHETIC: a section with a table and a ### subsection that only says there is no follow-up yet."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        md("# Åtgärdsplaner"),
        md("## Åtgärder"),
        code(html_out('<table class="rapportbok-tabell"><tr><td>1</td></tr></table>')),
        md("### Status enligt källan"),
        code(
            html_out(
                tables.note(
                    "Källorna innehåller ingen uppföljning av åtgärderna, så det finns inga statustexter att visa."
                ).data
            )
        ),
        md("## Summor"),
        code(html_out('<table class="rapportbok-tabell"><tr><td>2</td></tr></table>')),
        md("## Investeringar\n\n### Del\n\nMetod."),
        code(html_out(tables.note("Källorna innehåller inga investeringar.").data)),
        md("## Avstämning"),
        code(html_out(tables.note("Inga summor att stämma av.").data)),
    ]
    assert fold.fold(nb) == ["Status enligt källan", "Investeringar"]
    heads = [c.source.split("\n", 1)[0] for c in nb.cells if c.cell_type == "markdown"]
    assert heads == ["# Åtgärdsplaner", "## Åtgärder", "## Summor", f"## {fold.TITLE}", "## Avstämning"]
    line = next(c.source for c in nb.cells if c.source.startswith(f"## {fold.TITLE}"))
    assert (
        "**Status enligt källan:** Källorna innehåller ingen uppföljning av åtgärderna, så det finns inga statustexter att visa."
        in line.replace("\\", "")
    )


def test_a_table_without_a_note_is_not_parsed(monkeypatch):
    """Issue #16: an output without a note (a table, most outputs) keeps its section without being parsed
    as HTML: the build folds every notebook, and parsing each table cost more than the rest of it."""
    parsed = []
    real = fold.BeautifulSoup
    monkeypatch.setattr(fold, "BeautifulSoup", lambda *a, **k: (parsed.append(a[0]), real(*a, **k))[1])
    nb = notebook()
    assert fold.fold(nb) == ["Investeringsbudget", "Brygga"]
    assert parsed and not any("<table" in html for html in parsed)
