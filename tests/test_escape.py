"""The escaping rules (rapportbok/core/escape.py) and a guard that no new path goes around them.

Unit tests: each function against the hostile strings of issue #12 (MyST roles, fences, HTML,
links, math, block starts; attribute injection; formula prefixes), and the table, source-link
and download code that uses them.

The guard (``test_guard_*``) reads the package's source with ``ast``. Its rules:

1. ``html.escape`` (or ``import html``) appears only in rapportbok/core/escape.py: all HTML escaping
   goes through ``escape.html_text`` / ``escape.html_attr``.
2. The pandas Styler (``.style``, ``Styler``, ``.to_html``) and IPython's ``HTML``/``Markdown``
   objects appear only in rapportbok/present/tables.py and rapportbok/present/display.py, and the Styler is
   given ``escape="html"`` for the cells and for the column names.
3. Markdown: in every function that calls ``md(...)`` (the chapters' Markdown output) and in the
   functions of rapportbok/publish/build.py that write MyST pages, every ``{value}`` in an f-string must
   be *safe*: a call of ``escape.*`` or ``fmt.*`` (numbers and dates), a constant, a conditional
   between constants, or one of the expressions in ``SAFE_VALUES`` below, each of which is known
   not to hold data text (a year, a count, a chapter link, a validated slug). An f-string that is
   an argument of ``tables.show``/``tables.note`` (HTML-escaped there), ``glue`` (pasted as plain
   text), ``charts.*`` (drawn into a PNG) or an exception is exempt. A new ``{value}`` that is none
   of these fails the test: wrap it in ``escape.md_text`` (or add it to ``SAFE_VALUES`` with the
   reason, if it really cannot hold data text). The argument of ``md(...)`` itself may only be
   concatenated or joined from literal text, f-strings, local variables and safe calls (so
   ``md(row["kommentar"])`` fails).
"""

from __future__ import annotations

import ast
import io
import re
from pathlib import Path

import pandas as pd
import pytest

from rapportbok.core import escape
from rapportbok.present import downloads

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "rapportbok"

HOSTILE = [
    "{download}`../../../hemlig.txt`",
    "{include} ../../../hemlig.txt",
    "```{raw} html\n<script>alert(1)</script>\n```",
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[x](../../../hemlig.txt)",
    "<https://example.invalid>",
    "www.example.invalid",
    "$x^2$ och $$y$$",
    "# rubrik",
    "- lista",
    "> citat",
    "1. lista",
    "    indragen kod",
    "text\n===",
    "::: {note}\nx\n:::",
    "| a | b |\n|---|---|",
    "*kursiv* **fet** _x_ ~~y~~",
    "&lt; &amp; &#60;",
    "![bild](x.png)",
    "(x)[y] {z} \\ ` ' \" ^ ~",
]


# --- escape.md_text --------------------------------------------------------------------------


def _myst_tokens(text: str):
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    config = MdParserConfig(enable_extensions={"colon_fence", "dollarmath", "linkify"})
    return create_md_parser(config, RendererHTML).parse(text)


@pytest.mark.parametrize("text", HOSTILE)
def test_md_text_is_one_paragraph_of_plain_text(text):
    tokens = _myst_tokens(escape.md_text(text))
    assert [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"]
    kinds = {c.type for c in tokens[1].children}
    assert kinds <= {"text", "text_special", "softbreak"}, kinds
    shown = "".join(c.content for c in tokens[1].children)
    assert shown == " ".join(re.split(r"[\r\n\t]+", text)).strip(" ")


def test_md_text_inside_the_projects_own_markup():
    tokens = _myst_tokens(f"- **{escape.md_text('<b>x</b> `y`')}:** *{escape.md_text('[a](b)')}*")
    inline = [t for t in tokens if t.type == "inline"][0]
    kinds = [c.type for c in inline.children]
    assert "html_inline" not in kinds and "link_open" not in kinds and "code_inline" not in kinds
    assert kinds.count("strong_open") == 1 and kinds.count("em_open") == 1


def test_md_code_and_role_text():
    tokens = _myst_tokens(f"x {escape.md_code('a ``b`` c')} y")
    code = [c for c in tokens[1].children if c.type == "code_inline"]
    assert [c.content for c in code] == ["a ``b`` c"]
    assert escape.md_role_text("x` <../../y>\\") == "x_ _../../y__"


def test_html_text_and_attr():
    assert escape.html_text("<script>\"x\" 'y' &") == "&lt;script&gt;&quot;x&quot; &#x27;y&#x27; &amp;"
    assert escape.html_attr('x" onmouseover="alert(1)') == "x&quot; onmouseover=&quot;alert(1)"
    assert escape.ident('brygga_../../x y"') == "brygga_------x-y-"


# --- spreadsheets --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1+x", "@SUM(A1)", "\t=1", "\r=1", "\uff1d1"])
def test_csv_cell_neutralises_formulas(text):
    assert escape.csv_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["Personal", "-", "", "'=x", "1-2", "Källa: x"])
def test_csv_cell_leaves_text(text):
    assert escape.csv_cell(text) == text


def test_downloads_write_text_never_as_formula():
    from openpyxl import load_workbook

    from rapportbok.core import fmt

    df = pd.DataFrame(
        {
            "Post": ['=HYPERLINK("http://example.invalid","x")', "+1+1", "@A1", "-", "\u22121\u00a0234"],
            "Belopp": [1.0, -2.0, 3.0, 4.0, 5.0],
        }
    )
    formats = {"Belopp": fmt.Number(0)}  # as rapportbok.present.tables gives every numeric column
    notes = ["=1+1 ¹ fotnot", "@SUM(A1)"]
    text = downloads.to_csv(df, formats, notes).decode("utf-8-sig").splitlines()
    assert text[1].startswith("\"'=HYPERLINK(") and text[2] == "'+1+1;-2" and text[3] == "'@A1;3"
    assert text[4] == "-;4"  # the sources' dash for nothing stays a dash
    assert text[5] == "\u22121\u00a0234;5"  # text in a text column stays text, never read as a number
    assert text[7:] == ["'=1+1 ¹ fotnot", "'@SUM(A1)"]  # footnotes are data text too
    wb = load_workbook(io.BytesIO(downloads.to_xlsx(df, formats, "=caption", "=source", notes)))
    cells = [c for ws in wb for row in ws.iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"]
    assert wb["Tabell"]["A2"].value.startswith("=HYPERLINK(") and wb["Tabell"]["A6"].value == "\u22121\u00a0234"
    assert wb["Tabell"]["A8"].value == "=1+1 ¹ fotnot" and wb["Tabell"]["A8"].data_type == "s"


# --- tables and source links ---------------------------------------------------------------------


def test_table_escapes_data_but_keeps_its_own_markup():
    from rapportbok.present import tables

    tables.begin_page(None)
    df = pd.DataFrame({"Post <b>": ["<script>alert(1)</script>", "Summa"], "Belopp, tkr": [1.0, 2.0]})
    out = tables.to_html(
        df, 'x" onload="alert(1)', "Rubrik <i>", "Källa: <img src=x onerror=alert(1)>", bold_rows=[1], download=False
    )
    assert "<script>" not in out and "<img" not in out and "<i>" not in out and "<b>" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out and "Post &lt;b&gt;" in out
    assert 'onload="' not in out and "font-weight: bold" in out


def test_source_links_escape_the_id(tmp_path):
    """An id with quotes is refused by validation (data.sources); the link escapes it all the same."""
    import pandas as pd

    from rapportbok.data import sources
    from rapportbok.data.citation import SourceTexts
    from rapportbok.data.schema import DataError
    from rapportbok.present.tables import link_titles

    (tmp_path / "kallor").mkdir()
    (tmp_path / "kallor" / "a.txt").write_text("x", encoding="utf-8")
    (tmp_path / "kallor.csv").write_text(
        "kalla,titel,organisation,dokumenttyp,beslut,fil\n"
        '"x"" onmouseover=""alert(1)",Titel <b>,org,Typ,,kallor/a.txt\n',
        encoding="utf-8",
    )
    with pytest.raises(DataError):
        sources.load(tmp_path)
    # Defence in depth: were such an id to reach the link, it is still an attribute value, not markup.
    register = pd.DataFrame({"titel": ["Titel <b>"]}, index=pd.Index(['x" onmouseover="alert(1)'], name="kalla"))
    cited = escape.html_text("Källa: Titel <b>, avsnitt")
    out = link_titles(cited, SourceTexts(register))
    assert '<a href="../../kallor/x&quot; onmouseover=&quot;alert(1).html">Titel &lt;b&gt;</a>' in out


# --- the guard -----------------------------------------------------------------------------------

# Values known not to hold data text, with the reason. Keyed by (module path suffix, source of the value).
SAFE_VALUES = {
    # years, tertials and counts: integers
    **{
        (m, v): "ett heltal"
        for m in (
            "chapters/actionplan.py",
            "chapters/budget.py",
            "chapters/risk.py",
            "chapters/report_tables.py",
            "chapters/review.py",
            "chapters/summary.py",
            "build.py",
            "chapters/audit.py",
        )
        for v in ("self.year", "self.tertial", "p['ar_fran']", "p['ar_till']", "years[0]", "years[-1]")
    },
    # the book's own texts
    ("chapters/actionplan.py", "periods.TERTIAL_NAME[self.tertial]"): "konstant text",
    ("chapters/actionplan.py", "_period_name(self.end)"): "tertialens namn eller ett datum (core.periods, core.fmt)",
    ("build.py", "period"): "periods.report_text: tertialens namn eller ett datum",
    ("chapters/budget.py", "x"): "tertialets nummer",
    ("chapters/budget.py", "y"): "self.year (data, y, t = ..., self.year, self.tertial)",
    ("build.py", "y"): "ett årtal (Job.year)",
    ("build.py", "year"): "ett årtal (parametern year: int)",
    ("chapters/risk.py", "s"): "nivå för sannolikhet, ett heltal",
    ("chapters/risk.py", "self._of_highest()"): "skalornas högsta riskvärde genom fmt, eller inget",
    ("chapters/risk.py", "v"): "nivå för väsentlighet, ett heltal",
    ("chapters/summary.py", "name"): "trafikljusets namn, konstant",
    ("chapters/budget.py", "forecast"): "konstant text",
    ("chapters/budget.py", "wording.net_cost(net[y], t.unit, t.decimals)"): "belopp genom fmt med konstanta ord",
    (
        "chapters/budget.py",
        "wording.money(grant[y], t.unit, t.decimals, always_both=True)",
    ): "belopp genom fmt med konstanta ord (analysis/wording.py)",
    ("chapters/budget.py", "t.unit"): "tabellens enhet, kontrollerad mot kr, tkr och mnkr (stated_tables.TABLES)",
    ("chapters/budget.py", "converted"): "konstant text och tabellens kontrollerade enhet",
    ("chapters/actionplan.py", "_deficit_text(deficit)"): "ett belopp genom fmt med konstanta ord",
    ("chapters/actionplan.py", "_deficit_text(fact)"): "ett belopp genom fmt med konstanta ord",
    ("chapters/summary.py", "r.source"): "källraden, som skrivs genom escape.md_text (source i headline)",
    ("chapters/summary.py", "r.avsnitt"): "källraden, som skrivs genom escape.md_text (source i headline)",
    ("chapters/budget.py", "word"): "konstant text",
    ("chapters/budget.py", "verdict"): "konstant text och fmt",
    ("chapters/budget.py", "link"): "länk till ett kapitel, konstant",
    ("chapters/budget.py", "display_names"): "tertialens namn, konstanter",
    ("chapters/budget.py", "th.text()"): "gränsen för väsentlig avvikelse: tal från fmt",
    ("chapters/budget.py", "self._period_text(end)"): "tertial och datum (fmt)",
    ("chapters/budget.py", "self._period_text(earlier[-1])"): "tertial och datum (fmt)",
    ("chapters/actionplan.py", "self._as_of_text()"): "datum (fmt)",
    ("chapters/summary.py", "names"): "länkar till kapitlen (kapitlens titlar är konstanter)",
    ("chapters/summary.py", "light_text"): "antal per trafikljus, konstanta namn",
    ("build.py", "org.slug"): "slug kontrollerad mot ids.SLUG",
    ("build.py", "links"): "länkar till åren: årtal och slug",
    ("build.py", "titles[j.chapter]"): "kapitlets titel, konstant i koden",
    ("build.py", "j.chapter"): "kapitlets slug, konstant i koden",
    ("build.py", "TERTIAL_TEXT[tertial]"): "konstant text",
    ("build.py", "fence"): "backticks som koden räknar fram",
    ("build.py", "PDF_CLASS"): "konstant klassnamn",
    ("build.py", "handbook.LINK_CLASS"): "konstant klassnamn (publish/handbook.py)",
    ("build.py", "pdf_name(org.slug, year)"): "filnamn av slug (kontrollerad mot SLUG) och årtal",
    # the Avstämning page (chapters/audit.py) and the chapters' one line that links to it
    ("chapters/audit.py", "PAGE_TITLE"): "konstant text",
    (
        "chapters/audit.py",
        "names",
    ): "länkar till sidans avsnitt: kapitlens titlar genom escape.html_text, id genom escape.html_attr",
    ("chapters/audit.py", "anchor(c.slug)"): "avsnittets id av kapitlets slug, konstant i koden",
    ("chapters/audit.py", "anchor(ch.slug)"): "avsnittets id av kapitlets slug, konstant i koden",
    ("chapters/audit.py", "ch.slug"): "kapitlets slug, konstant i koden",
    (
        "chapters/audit.py",
        "status_line(findings, tables.current_page())",
    ): "summeringen genom escape.md_text och en länk av kapitlets slug (konstant)",
    ("chapters/review.py", "audit.link(CHAPTER.slug)"): "länk av kapitlets slug, konstant",
    # "I korthet": a link to the chapter that works a figure out (its slug a constant of the code)
    ("chapters/summary.py", "slug"): "kapitlets slug, konstant i koden",
    # a grant's change in words (analysis.wording.grant_change): "ökar"/"minskar" and a size from fmt
    ("chapters/budget.py", "verb"): "konstant ord: ökar eller minskar",
    ("chapters/budget.py", "size"): "fmt.mnkr och fmt.pct",
    # the landing page's card per organisation-year: the answer's lead (present.answer.line_md)
    (
        "build.py",
        "short",
    ): "present_answer.line_md: escape.md_text av meningarna; länkarna av slug, årtal och konstanta id",
}
# present_answer: the answer (rapportbok.present.answer) writes every sentence through escape.md_text and its
# links from constant pages and ids.
SAFE_CALL_PREFIXES = ("escape.", "fmt.", "self._link(", "int(", "len(", "present_answer.")
# Calls whose f-string arguments are escaped elsewhere (HTML tables, plain-text glue) or drawn in a PNG.
# pd.DataFrame and rows.append build table cells, which the Styler escapes.
EXEMPT_CALLS = (
    "tables.show",
    "tables.note",
    "tables.to_html",
    "glue",
    "charts.",
    "_waterfall",
    "Issue",
    "DataError",
    "BuildError",
    "ValueError",
    "log",
    "warn",
    "steps.append",
    "labels.append",
    "pd.DataFrame",
    "rows.append",
)
PAGE_FUNCTIONS = {"landing_page", "source_pages", "year_page"}  # build.py: the MyST pages it writes


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path.relative_to(PACKAGE).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def _is_safe(module: str, node: ast.expr, func: ast.AST | None = None, seen: frozenset = frozenset()) -> bool:
    """Safe: escaped, a number or date from fmt, a constant, or known (SAFE_VALUES); a local
    variable is safe when every assignment to it in the function is."""
    src = ast.unparse(node)
    if isinstance(node, ast.Constant) or any(module.endswith(m) and src == v for m, v in SAFE_VALUES):
        return True
    if isinstance(node, ast.Call) and src.startswith(SAFE_CALL_PREFIXES):
        return True
    if isinstance(node, ast.IfExp):
        return _is_safe(module, node.body, func, seen) and _is_safe(module, node.orelse, func, seen)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
        return _is_safe(module, node.left, func, seen) and _is_safe(module, node.right, func, seen)
    if isinstance(node, ast.JoinedStr):
        return all(_is_safe(module, v.value, func, seen) for v in node.values if isinstance(v, ast.FormattedValue))
    if isinstance(node, ast.Name) and func is not None and node.id not in seen:
        values = [
            a.value
            for a in ast.walk(func)
            if isinstance(a, (ast.Assign, ast.AnnAssign, ast.AugAssign))
            and any(
                isinstance(t, ast.Name) and t.id == node.id
                for t in (a.targets if isinstance(a, ast.Assign) else [a.target])
            )
        ]
        return bool(values) and all(v is not None and _is_safe(module, v, func, seen | {node.id}) for v in values)
    return False


def _exempt_fstrings(func: ast.AST) -> set[int]:
    exempt = set()
    for call in ast.walk(func):
        if isinstance(call, ast.Call) and ast.unparse(call.func).startswith(EXEMPT_CALLS):
            for arg in [*call.args, *(k.value for k in call.keywords)]:
                exempt |= {id(n) for n in ast.walk(arg) if isinstance(n, ast.JoinedStr)}
        if isinstance(call, ast.Subscript):  # a key (a page's file name), not text
            exempt |= {id(n) for n in ast.walk(call.slice) if isinstance(n, ast.JoinedStr)}
    return exempt


def _unsafe_markdown_values() -> list[str]:
    found = []
    for module, tree in _modules():
        for func in ast.walk(tree):
            if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            calls_md = any(
                isinstance(c, ast.Call) and ast.unparse(c.func) in ("md", "display.md") for c in ast.walk(func)
            )
            if not (calls_md or (Path(module).name == "build.py" and func.name in PAGE_FUNCTIONS)):
                continue
            exempt = _exempt_fstrings(func)
            for js in ast.walk(func):
                if isinstance(js, ast.JoinedStr) and id(js) not in exempt:
                    for part in js.values:
                        if isinstance(part, ast.FormattedValue) and not _is_safe(module, part.value, func):
                            found.append(
                                f"rapportbok/{module}:{part.lineno} {func.name}: {{{ast.unparse(part.value)}}}"
                            )
    return found


def _md_leaves(node: ast.expr) -> list[ast.expr]:
    """The pieces an md() argument is concatenated or joined from."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _md_leaves(node.left) + _md_leaves(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "join" and node.args:
        arg = node.args[0]
        return _md_leaves(arg.elt) if isinstance(arg, (ast.GeneratorExp, ast.ListComp)) else _md_leaves(arg)
    return [node]


def _unsafe_md_arguments() -> list[str]:
    """md(x) with a piece that is neither text written here, an f-string (checked above), a local
    variable (its f-strings are checked above) nor safe: e.g. md(row["kommentar"])."""
    found = []
    for module, tree in _modules():
        for func in ast.walk(tree):
            if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for call in ast.walk(func):
                if isinstance(call, ast.Call) and ast.unparse(call.func) in ("md", "display.md") and call.args:
                    for leaf in _md_leaves(call.args[0]):
                        if not (
                            isinstance(leaf, (ast.Constant, ast.JoinedStr, ast.Name)) or _is_safe(module, leaf, func)
                        ):
                            found.append(
                                f"rapportbok/{module}:{leaf.lineno} {func.name}: md(... {ast.unparse(leaf)} ...)"
                            )
    return found


def test_guard_md_arguments_are_built_here():
    unsafe = _unsafe_md_arguments()
    assert not unsafe, "Data direkt i md() utan escape.md_text:\n" + "\n".join(unsafe)


def test_guard_markdown_values_go_through_escape():
    unsafe = _unsafe_markdown_values()
    assert not unsafe, "Data i Markdown utan escape.md_text (eller lägg värdet i SAFE_VALUES med skäl):\n" + "\n".join(
        unsafe
    )


def test_guard_finds_an_unescaped_value(tmp_path, monkeypatch):
    """The guard itself: a chapter that pastes a name into md() unescaped is caught."""
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "x.py").write_text(
        "def intro(self):\n    md(f'**{self.org.name}** {fmt.tkr(1)} {escape.md_text(self.org.namnd)} {len(x)}')\n"
    )
    monkeypatch.setattr(__import__(__name__), "PACKAGE", tmp_path)
    assert [u.split(" ", 1)[1] for u in _unsafe_markdown_values()] == ["intro: {self.org.name}"]
    (tmp_path / "chapters" / "x.py").write_text(
        "def intro(self, r):\n    md('**Kommentar:** ' + r['kommentar'] + escape.md_text(r['x']))\n"
    )
    assert [u.split(" ", 1)[1] for u in _unsafe_md_arguments()] == ["intro: md(... r['kommentar'] ...)"]


def test_guard_html_escape_only_in_the_escape_module():
    found = []
    for module, tree in _modules():
        if Path(module).name == "escape.py":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import) and any(a.name == "html" for a in node.names):
                found.append(f"{module}:{node.lineno} import html")
            if isinstance(node, ast.ImportFrom) and node.module == "html":
                found.append(f"{module}:{node.lineno} from html import")
            if isinstance(node, ast.Attribute) and ast.unparse(node) in ("html.escape", "html.unescape"):
                found.append(f"{module}:{node.lineno} {ast.unparse(node)}")
    assert not found, "HTML-escape utanför rapportbok/core/escape.py:\n" + "\n".join(found)


def test_guard_styler_and_raw_output_only_in_tables_and_display():
    found = []
    allowed = {"tables.py", "display.py"}
    for module, tree in _modules():
        for node in ast.walk(tree):
            here = Path(module).name in allowed
            if isinstance(node, ast.Attribute) and node.attr in ("style", "to_html", "Styler") and not here:
                if not (isinstance(node.value, ast.Name) and node.value.id in ("ax", "fig", "plt", "t", "el")):
                    found.append(f"{module}:{node.lineno} .{node.attr}")
            if isinstance(node, ast.Name) and node.id in ("HTML", "Markdown", "Styler") and not here:
                found.append(f"{module}:{node.lineno} {node.id}")
    assert not found, "\n".join(found)
    (tables_py,) = PACKAGE.rglob("tables.py")  # wherever the package keeps it
    tree = ast.parse(tables_py.read_text(encoding="utf-8"))
    formats = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in ("format", "format_index")
    ]
    assert {n.func.attr for n in formats} == {"format", "format_index"}
    for call in formats:
        kw = {k.arg: ast.unparse(k.value) for k in call.keywords}
        assert kw.get("escape") == "'html'", f"tables.py:{call.lineno}: {call.func.attr} utan escape='html'"


def test_excel_template_writes_titles_as_text(tmp_path):
    """The follow-up template (rapportbok mall) for the hostile organisation: no formula cells."""
    from openpyxl import load_workbook

    from rapportbok.data import measure_workbook as excel

    out = tmp_path / "mall.xlsx"
    excel.write_template("fientlig", 2030, 2, out, data=ROOT / "tests" / "fixtures" / "hostile" / "data")
    wb = load_workbook(out)
    cells = [c for ws in wb for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert any(isinstance(c.value, str) and c.value.startswith("=HYPERLINK(") for c in cells)
