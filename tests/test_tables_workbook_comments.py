"""Comments on a follow-up table through the Excel workbook (issue #13).

`rapportbok mall --tabeller månadsrapport` writes a column "Kommentar" last on each table sheet;
`rapportbok importera` writes its cells to tabell_kommentarer.csv with the other files (all or nothing),
`--ersatt` replaces a table's comments too. Every figure and text here is SYNTETISK: the organisation
`excelkommun` is added to a copy of the synthetic test book's data (tests/testbook_syntetisk/data) and
comes from no source.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import displayed

from rapportbok import cli
from rapportbok.core import escape
from rapportbok.data import datasets
from rapportbok.data import stated_tables as model
from rapportbok.publish import validation

ROOT = Path(__file__).resolve().parents[1]
TESTBOOK_DATA = ROOT / "tests" / "testbook_syntetisk" / "data"
SLUG = "excelkommun"
SOURCE = "excelkommun-syntetisk-manadsrapport"
TID = "verksamhet_xl"
COMMENT_COL = "L"  # after F..K: Budget helår, Budget ack, Utfall ack, Utfall ack 2029, Prognos helår, Avvikelse

# SYNTETISKA belopp, tkr, kostnader positiva (mallens avvikelse = budget - prognos). Väsentligt (500 tkr eller 2 %):
# rad 2 (−1 500), rad 3 (−800) och rad 4 (−1 200); rad 1 (300 tkr, 1,5 %) är det inte.
ROWS = [
    (1, "Stab och ledning", 5, "post", None, 20000, 16667, 16100, 15800, 19700, 300),
    (2, "Mottagning och utredning", 5, "post", None, 30000, 25000, 26000, 24000, 31500, -1500),
    (3, "Socialt stöd", 5, "post", None, 40000, 33333, 33000, 32000, 40800, -800),
    (4, "Vård och omsorg", 5, "post", None, 50000, 41667, 42500, 40000, 51200, -1200),
    (5, "Summa", None, "summa", None, 140000, 116667, 117600, 111800, 143200, -3200),
]
COMMENTS = {2: "SYNTETISKT: fler utredningar än planerat.", 4: "SYNTETISKT: fler placeringar på HVB."}


@pytest.fixture
def data(tmp_path, monkeypatch):
    """A copy of the test book's data with the SYNTETISK organisation excelkommun (no tables yet)."""
    d = tmp_path / "data"
    shutil.copytree(TESTBOOK_DATA, d)
    org = d / SLUG
    org.mkdir()
    (org / "organisation.yml").write_text(
        f"# SYNTETISK organisation för tester.\nslug: {SLUG}\nnamn: Excelkommun (syntetisk)\nnamnd: Socialnämnden\n"
        'kolada_id: "9999"\nar:\n  2030: {per: 2030-10-31}\nvasentlig_avvikelse: {tkr: 500, procent: 2, villkor: någon}\n',
        encoding="utf-8",
    )
    with (d / "kallor.csv").open("a", encoding="utf-8") as f:
        f.write(
            f"{SOURCE},SYNTETISK månadsrapport oktober 2030 (testdata),{SLUG},Månadsrapport,SYNTETISK 2030-11-20,"
            "kallor/testkommun-syntetisk.txt\n"
        )
    monkeypatch.setenv("RAPPORTBOK_DATA", str(d))
    monkeypatch.chdir(tmp_path)  # chapters run in this process write their downloads to tabeller/ here
    return d


def _invoke(*args: str):
    return CliRunner().invoke(cli.main, list(args), catch_exceptions=False)


def _template(tmp_path: Path) -> Path:
    out = tmp_path / "oktober.xlsx"
    res = _invoke(
        "mall", "--org", SLUG, "--ar", "2030", "--per", "2030-10-31", "--tabeller", "månadsrapport", "--ut", str(out)
    )
    assert res.exit_code == 0, res.output
    assert "kolumnen Kommentar" in res.output
    return out


def _fill(book: Path, comments: dict[int, object] = COMMENTS) -> None:
    """Fill the verksamhet sheet like an analyst: values as printed and comments in the Kommentar column."""
    wb = openpyxl.load_workbook(book)
    ws = wb["verksamhet"]
    assert ws[f"{COMMENT_COL}14"].value == "Kommentar"
    ws["B1"], ws["B2"], ws["B7"], ws["B8"] = (
        TID,
        "Driftredovisning per verksamhet (SYNTETISK)",
        SOURCE,
        "SYNTETISK tabell 1",
    )
    for i, r in enumerate(ROWS, start=15):
        for j, v in enumerate(r, start=1):
            ws.cell(row=i, column=j, value=v)
    for rad, text in comments.items():
        ws[f"{COMMENT_COL}{14 + rad}"] = text
    del wb["kostnadsslag"]  # this report has one table
    wb.save(book)


def _files(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((d / SLUG).iterdir())}


_run = displayed


def _followup_page() -> str:
    from rapportbok.chapters.budget import BudgetChapter

    return _run(lambda: BudgetChapter(SLUG, 2030, 3).followup())


def _comment_warnings(d: Path) -> list[str]:
    return [
        i.message()
        for i in validation.validate(d)
        if i.file.startswith(f"{SLUG}/") and "förväntade en kommentar" in i.message()
    ]


def test_template_has_a_kommentar_column_and_a_hint(tmp_path, data):
    wb = openpyxl.load_workbook(_template(tmp_path))
    for sheet in ("verksamhet", "kostnadsslag"):
        ws = wb[sheet]
        header = [c.value for c in ws[14] if c.value is not None]
        assert header[-1] == "Kommentar" and header[:5] == ["rad", "post", "summeras_i", "roll", "berakning"]
        j = len(header)
        assert all(ws.cell(row=r, column=j).value is None for r in range(10, 14))  # no id, measure, year, computation
        assert "Kommentar" in ws["A9"].value and "valfri" in ws["A9"].value
    assert any("Kolumnen Kommentar" in (c.value or "") for c in wb["Instruktioner"]["A"])


def test_round_trip_comments_reach_the_followup_and_silence_their_warnings(tmp_path, data):
    book = _template(tmp_path)
    _fill(book)
    res = _invoke("importera", str(book), "--org", SLUG)
    assert res.exit_code == 0, res.output
    assert (
        f"Importerade 1 tabell till data/{SLUG}/: {TID} (ny, 5 rader). 2 kommentarer skrevs till tabell_kommentarer.csv."
        in res.output
    )
    assert (data / SLUG / "tabell_kommentarer.csv").read_text(encoding="utf-8") == (
        "tabell,rad,kommentar\n" + "".join(f"{TID},{rad},{text}\n" for rad, text in COMMENTS.items())
    )
    t = next(x for x in model.load(datasets.load_org(SLUG, data)) if x.id == TID)
    assert {r.number: r.comment for r in t.rows if r.comment} == COMMENTS
    # kontrollera: the two commented material rows give no warning; the uncommented one still does
    res = _invoke("kontrollera")
    assert res.exit_code == 0, res.output
    warnings = _comment_warnings(data)
    assert len(warnings) == 1 and "Socialt stöd" in warnings[0], warnings
    assert f"tabell_kommentarer.csv (tabell {TID}, rad 3)" in warnings[0]
    assert not any(
        w
        for w in res.output.splitlines()
        if SLUG in w and re.search("Mottagning|Vård och omsorg", w) and "förväntade en kommentar" in w
    )
    # the budget chapter's follow-up shows each comment beside its deviation
    page = _followup_page()
    assert "**Mottagning och utredning:** −1\u00a0500\u00a0tkr" in page
    for rad, text in COMMENTS.items():  # as Markdown text (escape.md_text), beside its row's deviation
        line = next(x for x in page.splitlines() if f"**{ROWS[rad - 1][1]}:**" in x)
        assert line.endswith(escape.md_text(text)), line
    social = next(line for line in page.splitlines() if "**Socialt stöd:**" in line)
    assert "Kommentar saknas i uppföljningen." in social


def test_a_workbook_without_comments_leaves_the_comment_file_alone(tmp_path, data):
    book = _template(tmp_path)
    _fill(book, comments={})
    wb = openpyxl.load_workbook(book)
    wb["verksamhet"].delete_cols(12)  # an older workbook, without the column, imports too
    wb.save(book)
    res = _invoke("importera", str(book), "--org", SLUG)
    assert res.exit_code == 0, res.output
    assert "kommentar" not in res.output
    assert not (data / SLUG / "tabell_kommentarer.csv").exists()
    assert len(_comment_warnings(data)) == 3


def test_ersatt_replaces_the_tables_comments_and_keeps_others(tmp_path, data):
    book = _template(tmp_path)
    _fill(book)
    wb = openpyxl.load_workbook(book)
    other = wb.copy_worksheet(wb["verksamhet"])  # a second table of the same report, with its own comment
    other.title = "andra"
    other["B1"], other[f"{COMMENT_COL}15"], other[f"{COMMENT_COL}16"] = "andra_xl", "SYNTETISKT: rör inte.", None
    other[f"{COMMENT_COL}18"] = None
    wb.save(book)
    assert _invoke("importera", str(book), "--org", SLUG).exit_code == 0
    comments = data / SLUG / "tabell_kommentarer.csv"
    assert comments.read_text(encoding="utf-8").count("\n") == 4  # header, two for verksamhet_xl, one for andra_xl

    del wb["andra"]  # the analyst corrects the first table only: row 3 gets a comment, row 2 loses its one
    ws = wb["verksamhet"]
    ws[f"{COMMENT_COL}16"] = None
    ws[f"{COMMENT_COL}17"] = "SYNTETISKT: ekonomiskt bistånd över budget."
    wb.save(book)
    before = _files(data)
    res = _invoke("importera", str(book), "--org", SLUG)
    assert res.exit_code == 1 and "ange --ersatt" in res.output
    assert _files(data) == before
    res = _invoke("importera", str(book), "--org", SLUG, "--ersatt")
    assert res.exit_code == 0, res.output
    assert "ersatte tabellen: 5 rader före, 5 rader nu" in res.output
    assert comments.read_text(encoding="utf-8") == (
        "tabell,rad,kommentar\n"  # the replaced table's comments where its old ones stood, the other table's kept
        f"{TID},3,SYNTETISKT: ekonomiskt bistånd över budget.\n"
        f"{TID},4,{COMMENTS[4]}\n"
        "andra_xl,1,SYNTETISKT: rör inte.\n"
    )
    # the corrected table keeps its place, so the follow-up still reads it (the first table on a date)
    assert (data / SLUG / "tabeller.csv").read_text(encoding="utf-8").splitlines()[1].startswith(f"{TID},")
    warnings = _comment_warnings(data)
    assert any("Mottagning och utredning" in w and TID in w for w in warnings), warnings
    assert not any(TID in w and ("Socialt stöd" in w or "Vård och omsorg" in w) for w in warnings), warnings


def _refused(tmp_path: Path, data: Path, edit) -> str:
    book = _template(tmp_path)
    _fill(book)
    wb = openpyxl.load_workbook(book)
    edit(wb["verksamhet"])
    wb.save(book)
    before = _files(data)
    res = _invoke("importera", str(book), "--org", SLUG)
    assert res.exit_code == 1, res.output
    assert "Inget har importerats; data/ är oförändrad." in res.output and "Traceback" not in res.output
    assert _files(data) == before
    return res.output


def test_a_formula_in_a_comment_cell_is_refused_with_its_cell(tmp_path, data):
    out = _refused(
        tmp_path, data, lambda ws: ws.__setitem__(f"{COMMENT_COL}16", '=HYPERLINK("http://example.invalid","x")')
    )
    assert (
        f"oktober.xlsx, blad 'verksamhet', rad 16, kolumn 'cell {COMMENT_COL}16': värdet "
        '\'=HYPERLINK("http://example.invalid","x")\' – förväntade texten som den står i källan, inte en formel, '
        "i kolumnen Kommentar"
    ) in out, out


@pytest.mark.parametrize(
    "cell,value,expected",
    [
        (
            f"{COMMENT_COL}10",
            "kommentar",
            (
                f"rad 10, kolumn '{COMMENT_COL}10': värdet 'kommentar' – förväntade en tom "
                "cell: kolumnen Kommentar håller radernas kommentarer"
            ),
        ),
        (
            "M14",
            "kommentar",
            (
                "rad 14, kolumn 'M14': värdet 'kommentar' – förväntade en enda kolumn Kommentar (den finns "
                f"redan i kolumn {COMMENT_COL})"
            ),
        ),
        ("A16", "två", "rad 16, kolumn 'rad (cell A16)': värdet 'två'"),
    ],
)
def test_bad_comment_column_names_sheet_cell_value_and_expected(tmp_path, data, cell, value, expected):
    out = _refused(tmp_path, data, lambda ws: ws.__setitem__(cell, value))
    assert "oktober.xlsx, blad 'verksamhet', " + expected in out, out


def test_hostile_comments_stay_text(tmp_path, data):
    """A comment with HTML and a Markdown link is data: stored as stated, shown as text."""
    book = _template(tmp_path)
    _fill(book, comments={2: "<script>alert(1)</script> [x](javascript:alert(1)) *fet*", 4: "HYPERLINK(x) [y](z)"})
    res = _invoke("importera", str(book), "--org", SLUG)
    assert res.exit_code == 0, res.output
    t = next(x for x in model.load(datasets.load_org(SLUG, data)) if x.id == TID)
    assert t.row(4).comment == "HYPERLINK(x) [y](z)" and t.row(2).comment.startswith("<script>")  # as stated
    page = _followup_page()
    # HTML tables (the comment beside its row) escape every markup character; outside them nothing is Markdown
    prose = re.sub(r"<table.*?</table>", "", page, flags=re.DOTALL)
    assert "<script>alert" not in page and "](javascript:" not in prose, page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; [x](javascript:alert(1)) *fet*</td>" in page
    line = next(x for x in page.splitlines() if "**Vård och omsorg:**" in x)
    assert "HYPERLINK" in line  # shown as its text
    assert _comment_warnings(data) == [w for w in _comment_warnings(data) if "Socialt stöd" in w]


def test_a_comment_excel_would_read_as_a_formula_is_refused(tmp_path, data):
    """Issue #27, item 21: a comment typed as text that starts with = (Excel: '=HYPERLINK…) is not written to
    data/, where the analyst's Excel would run it when opening tabell_kommentarer.csv; the cell is named."""
    hyperlink = '=HYPERLINK("http://example.invalid","klicka")'
    book = _template(tmp_path)
    _fill(book, comments={2: COMMENTS[2], 4: hyperlink})
    wb = openpyxl.load_workbook(book)
    wb["verksamhet"][f"{COMMENT_COL}18"].data_type = "s"  # typed as text in Excel ('=HYPERLINK…), not a formula
    wb.save(book)
    before = _files(data)
    res = _invoke("importera", str(book), "--org", SLUG)
    assert res.exit_code == 1, res.output
    assert (
        f"oktober.xlsx, blad 'verksamhet', rad 18, kolumn '{COMMENT_COL}18': värdet '{hyperlink}' – förväntade en text "
        "som inte börjar med =, +, - eller @"
    ) in res.output
    assert _files(data) == before


def test_a_comment_over_two_lines_alt_enter_is_kept(tmp_path, data):
    """A line break inside a cell (Alt+Enter in Excel) stays in the comment; the page shows it on one line."""
    book = _template(tmp_path)
    _fill(book, comments={2: "SYNTETISKT: fler utredningar.\nSärskilt under hösten.", 4: COMMENTS[4]})
    res = _invoke("importera", str(book), "--org", SLUG)
    assert res.exit_code == 0, res.output
    t = next(x for x in model.load(datasets.load_org(SLUG, data)) if x.id == TID)
    assert t.row(2).comment == "SYNTETISKT: fler utredningar.\nSärskilt under hösten."
    line = next(x for x in _followup_page().splitlines() if "**Mottagning och utredning:**" in x)
    assert "Särskilt under hösten" in line
    assert len(_comment_warnings(data)) == 1
