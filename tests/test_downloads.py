"""Table downloads (CSV, Excel), source links and chart alt texts.

The tables here are SYNTETISKA (made up for the test); the real tables are checked on the
built site in test_book.py.
"""

import csv
import io
import zipfile

import openpyxl
import pandas as pd
import pytest

from rapportbok.chapters import save_downloads
from rapportbok.core import fmt, state
from rapportbok.data import sources
from rapportbok.present import charts, downloads, tables

SYNTHETIC = pd.DataFrame(
    {
        "Post": ["Intäkter (syntetisk)", "Kostnader (syntetisk)", "Saknas"],
        "Belopp 2025": [31417.0, -158695.4, float("nan")],
        "Förändring, %": [2.94, -1.55, float("nan")],
        "Effekt, mnkr": [1.25, 0.0, 2.0],
    }
)


def _formats(df):
    return {c: tables.formatter_for(c) for c in df.columns if pd.api.types.is_numeric_dtype(df[c])}


def test_csv_has_swedish_headers_and_the_numbers_as_shown():
    data = downloads.to_csv(SYNTHETIC, _formats(SYNTHETIC))
    assert data.startswith("\ufeff".encode())  # Excel reads the BOM as UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Post", "Belopp 2025", "Förändring, %", "Effekt, mnkr"]
    # The page shows 31 417, −158 695, 2,9 %, −1,6 % (half-up) and 1,3 mnkr: the file says the same.
    assert rows[1] == ["Intäkter (syntetisk)", "31417", "2,9", "1,3"]
    assert rows[2] == ["Kostnader (syntetisk)", "-158695", "-1,6", "0,0"]
    assert rows[3] == ["Saknas", "", "", "2,0"]


def test_xlsx_holds_numbers_with_the_shown_format_and_an_about_sheet():
    data = downloads.to_xlsx(SYNTHETIC, _formats(SYNTHETIC), "Syntetisk tabell", "Källa: påhittad")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["Tabell"]
    assert [c.value for c in ws[1]] == ["Post", "Belopp 2025", "Förändring, %", "Effekt, mnkr"]
    assert [c.value for c in ws[3]] == ["Kostnader (syntetisk)", -158695, -1.6, 0]
    assert ws["B3"].number_format == "#,##0" and ws["C3"].number_format == '#,##0.0 "%"'  # shown as on the page: −1,6 %
    assert ws["B4"].value is None
    about = {r[0].value: r[1].value for r in wb["Om tabellen"].iter_rows()}
    assert about["Tabell"] == "Syntetisk tabell" and about["Källa"] == "Källa: påhittad"


def test_xlsx_is_byte_identical_between_runs():
    a = downloads.to_xlsx(SYNTHETIC, _formats(SYNTHETIC), "T", None)
    b = downloads.to_xlsx(SYNTHETIC, _formats(SYNTHETIC), "T", None)
    assert a == b
    with zipfile.ZipFile(io.BytesIO(a)) as z:
        assert {i.date_time for i in z.infolist()} == {(2000, 1, 1, 0, 0, 0)}


def test_xlsx_written_in_one_pass_is_what_openpyxl_and_the_fixed_times_gave(monkeypatch):
    """Issue #16: the xlsx is packed once, in memory, with fixed times: the same bytes as openpyxl's own
    ``save`` (with a temporary file per sheet and the current time) followed by ``_fixed_zip``. SYNTHETIC table."""
    from openpyxl.worksheet import _writer

    df = pd.DataFrame(
        {
            "Post": ["=1+1", "Ökad <b>kostnad</b>", "@x"],
            "Belopp": [1234.5, -2.0, None],
            "Text": ["+65", "mer än 4", "0180"],
        }
    )
    formats = {"Belopp": fmt.Number(1, "tkr")}
    real = downloads._save

    def two_pass(wb):
        raw = io.BytesIO()
        wb.save(raw)
        return downloads._fixed_zip(raw.getvalue())

    monkeypatch.setattr(downloads, "_save", two_pass)
    expected = downloads.to_xlsx(df, formats, "Tabell", "Källa: prov", ["¹ En not."])
    monkeypatch.setattr(downloads, "_save", real)
    monkeypatch.setattr(_writer, "create_temporary_file", lambda *a, **k: pytest.fail("a temporary file"))
    got = downloads.to_xlsx(df, formats, "Tabell", "Källa: prov", ["¹ En not."])
    assert got == expected
    with zipfile.ZipFile(io.BytesIO(got)) as z:
        assert {i.date_time for i in z.infolist()} == {(2000, 1, 1, 0, 0, 0)}
        assert b"2000-01-01T00:00:00Z</dcterms:modified>" in z.read("docProps/core.xml")


def test_mixed_units_in_a_column_stay_text():
    df = pd.DataFrame({"Effekt": ["1,0 mnkr".replace(" ", fmt.NBSP), "500 tkr".replace(" ", fmt.NBSP)]})
    rows = list(csv.reader(io.StringIO(downloads.to_csv(df, {"Effekt": str}).decode("utf-8-sig")), delimiter=";"))
    assert rows == [["Effekt"], ["1,0\u00a0mnkr"], ["500\u00a0tkr"]]


# SYNTETISK: codes, signed text and ranges as a source may state them, next to declared numbers.
TEXTY = pd.DataFrame(
    {
        "Kommun": ["Alingsås (syntetisk)", "Stockholm (syntetisk)", "Påhittad"],
        "Kod": ["1489", "0180", "1440"],
        "Värde": ["+65", "mer än 4", "\u22125 till \u221220"],
        "Belopp, tkr": [1234.5, -0.4, 2.5],
        "Andel, %": [4.55, -1.25, float("nan")],
        "Drivare, tkr": [1000.0, 2.255, float("nan")],
    }
)
TEXTY_FORMATS = {
    "Belopp, tkr": fmt.Number(0),
    "Andel, %": fmt.Number(1, sign=True, unit="%"),
    "Drivare, tkr": fmt.Number(0, fraction_decimals=2),
}


def test_declared_number_format_shows_and_rounds_like_fmt():
    n = fmt.Number(1, sign=True, unit="%")
    assert n(4.55) == "+4,6\u00a0%" and n.value(4.55) == 4.6  # half away from zero, as on the page
    assert n(-1.25) == "\u22121,3\u00a0%" and n.value(-1.25) == -1.3
    assert n(float("nan")) == fmt.MISSING
    assert fmt.Number(0)(-0.4) == "0" and str(fmt.Number(0).value(-0.4)) == "0.0"  # never −0
    auto = fmt.Number(0, fraction_decimals=2)
    assert (auto(1000.0), auto.value(1000.0), auto(2.255), auto.value(2.255)) == ("1\u00a0000", 1000.0, "2,26", 2.26)


def test_csv_keeps_text_as_text_and_only_declared_columns_are_numbers():
    rows = list(csv.reader(io.StringIO(downloads.to_csv(TEXTY, TEXTY_FORMATS).decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Kommun", "Kod", "Värde", "Belopp, tkr", "Andel, %", "Drivare, tkr"]
    # 1489 is not 1 489, 0180 keeps its zero, "+65" keeps its sign (and, like any cell starting
    # with "+", is neutralised with a quote), the text ranges stay text.
    assert rows[1] == ["Alingsås (syntetisk)", "1489", "'+65", "1235", "4,6", "1000"]
    assert rows[2] == ["Stockholm (syntetisk)", "0180", "mer än 4", "0", "-1,3", "2,26"]
    assert rows[3] == ["Påhittad", "1440", "\u22125 till \u221220", "3", "", ""]


def test_xlsx_keeps_text_as_text_and_writes_declared_columns_as_typed_numbers():
    data = downloads.to_xlsx(TEXTY, TEXTY_FORMATS, "Syntetisk", None)
    ws = openpyxl.load_workbook(io.BytesIO(data))["Tabell"]
    assert [c.value for c in ws[1]] == ["Kommun", "Kod", "Värde", "Belopp, tkr", "Andel, %", "Drivare, tkr"]
    assert [c.value for c in ws[2]] == ["Alingsås (syntetisk)", "1489", "+65", 1235, 4.6, 1000]
    assert [c.value for c in ws[3]] == ["Stockholm (syntetisk)", "0180", "mer än 4", 0, -1.3, 2.26]
    assert ws["C4"].value == "\u22125 till \u221220" and ws["E4"].value is None
    for row in ws.iter_rows(min_row=2):
        assert [c.data_type for c in row[:3]] == ["s", "s", "s"]  # text cells, never numbers or formulas
        assert all(c.data_type == "n" for c in row[3:])
    assert ws["D2"].number_format == "#,##0" and ws["E3"].number_format == '#,##0.0 "%"'
    assert ws["F2"].number_format == "#,##0" and ws["F3"].number_format == "#,##0.00"
    assert ws["D3"].value == 0 and str(ws["D3"].value) != "-0.0"


def test_an_undeclared_numeric_column_is_the_text_its_formatter_shows():
    df = pd.DataFrame({"År": [2024, 2025]})
    rows = list(csv.reader(io.StringIO(downloads.to_csv(df, {"År": str}).decode("utf-8-sig")), delimiter=";"))
    assert rows == [["År"], ["2024"], ["2025"]]
    ws = openpyxl.load_workbook(io.BytesIO(downloads.to_xlsx(df, {"År": str}, "T", None)))["Tabell"]
    assert [ws["A2"].value, ws["A2"].data_type] == ["2024", "s"]


NOTES = ["¹ Enligt källan medräknad i andra åtgärder (syntetisk fotnot).", '=HYPERLINK("http://x") ² påhittad']


def test_footnotes_go_into_the_files_under_the_table():
    df = pd.DataFrame({"Åtgärd": ["Åtgärd A ¹", "Åtgärd B"], "Belopp, tkr": [1.0, 2.0]})
    formats = {"Belopp, tkr": fmt.Number(0)}
    rows = list(csv.reader(io.StringIO(downloads.to_csv(df, formats, NOTES).decode("utf-8-sig")), delimiter=";"))
    assert rows[:3] == [["Åtgärd", "Belopp, tkr"], ["Åtgärd A ¹", "1"], ["Åtgärd B", "2"]]
    assert rows[3] == [] and rows[4] == [NOTES[0]]
    assert rows[5] == ["'" + NOTES[1]]  # a note is data text: a formula-like note is neutralised
    ws = openpyxl.load_workbook(io.BytesIO(downloads.to_xlsx(df, formats, "T", None, NOTES)))["Tabell"]
    assert ws["A4"].value is None and ws["A5"].value == NOTES[0]
    assert ws["A6"].value == NOTES[1] and ws["A6"].data_type == "s"  # a string, not a formula


def test_a_table_with_notes_shows_them_and_writes_them_into_its_downloads(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    df = pd.DataFrame({"Åtgärd": ["A <b> ¹"], "Belopp, tkr": [1.0]})
    tables.begin_page("syntetisk", save=save_downloads)
    try:
        out = tables.to_html(df, "med_fotnot", "Syntetisk", notes=["¹ <i>fotnot</i>"])
    finally:
        tables.begin_page(None)
    assert '<p class="rapportbok-notis">¹ &lt;i&gt;fotnot&lt;/i&gt;</p>' in out
    assert "¹ <i>fotnot</i>" in (tmp_path / "tabeller/syntetisk-med-fotnot.csv").read_text(encoding="utf-8-sig")


def test_tables_on_a_chapter_page_get_download_links(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    tables.begin_page("syntetisk", save=save_downloads)
    try:
        out = tables.to_html(SYNTHETIC, "prov_tabell", "Syntetisk tabell", "Källa: påhittad")
    finally:
        tables.begin_page(None)
    assert 'href="tabeller/syntetisk-prov-tabell.csv"' in out and 'href="tabeller/syntetisk-prov-tabell.xlsx"' in out
    lines = downloads.about_lines(SYNTHETIC, _formats(SYNTHETIC), "Syntetisk tabell", "Källa: påhittad")
    assert (tmp_path / "tabeller/syntetisk-prov-tabell.csv").read_bytes() == downloads.to_csv(
        SYNTHETIC, _formats(SYNTHETIC), about=lines
    )
    # Outside a chapter page (e.g. in a test or a script), no files are written.
    tables.begin_page(None)
    out = tables.to_html(SYNTHETIC, "annan", "Syntetisk tabell")
    assert "tabeller/" not in out


def test_present_hands_the_downloads_to_the_page_and_writes_nothing(tmp_path, monkeypatch):
    """The table's files are bytes handed to the page's ``save`` (rapportbok.chapters writes them); present writes
    nothing itself, and a page that gives no ``save`` gets no download links. SYNTHETIC table."""
    monkeypatch.chdir(tmp_path)
    saved = []
    state.reset()
    try:
        tables.begin_page("syntetisk", save=saved.append)
        out = tables.to_html(SYNTHETIC, "prov_tabell", "Syntetisk tabell", "Källa: påhittad", notes=["¹ not"])
        assert list(tmp_path.iterdir()) == []  # nothing written by present
        assert [list(files) for files in saved] == [
            ["tabeller/syntetisk-prov-tabell.csv", "tabeller/syntetisk-prov-tabell.xlsx"]
        ]
        assert saved[0] == downloads.files(
            SYNTHETIC, _formats(SYNTHETIC), "syntetisk-prov-tabell", "Syntetisk tabell", "Källa: påhittad", ["¹ not"]
        )
        assert 'href="tabeller/syntetisk-prov-tabell.csv"' in out
        state.reset()  # a new notebook: no page, no save
        tables.begin_page("syntetisk")
        assert "tabeller/" not in tables.to_html(SYNTHETIC, "prov_tabell", "Syntetisk tabell")
    finally:
        state.reset()


def test_save_downloads_writes_next_to_the_notebook_and_stays_there(tmp_path, monkeypatch):
    from rapportbok.core.paths import PathError

    monkeypatch.chdir(tmp_path)
    save_downloads({"tabeller/a.csv": b"\xef\xbb\xbfA;B\r\n", "tabeller/a.xlsx": b"PK"})
    assert (tmp_path / "tabeller/a.csv").read_bytes() == b"\xef\xbb\xbfA;B\r\n"
    assert (tmp_path / "tabeller/a.xlsx").read_bytes() == b"PK"
    with pytest.raises(PathError):
        save_downloads({"../utanfor.csv": b"x"})
    assert not (tmp_path.parent / "utanfor.csv").exists()


def test_source_titles_link_to_the_source_pages():
    text = "Källa: Socialnämndens budget 2025–2027 (Socialnämnden 2024-12-10), Ekonomiska ramar"
    texts = sources.texts(sources.load())
    linked = tables.link_titles(text, texts)
    assert '<a href="../../kallor/alingsas-budget-2025.html">Socialnämndens budget 2025–2027</a>' in linked
    assert tables.link_titles("Källa: Kolada", texts) == "Källa: Kolada"


def test_alt_text_lists_few_values_and_summarises_many():
    alt = charts.describe_series(
        "Stapeldiagram", "Kommunbidrag per år, tkr", [2024, 2025], {"Kommunbidrag": [245082.0, 256303.0]}
    )
    assert alt == (
        "Stapeldiagram: Kommunbidrag per år, tkr. Kommunbidrag: 2024 245\u00a0082 tkr, 2025 256\u00a0303 tkr."
    )
    many = charts.describe_series(
        "Stapeldiagram", "Effekt per åtgärd", [f"Å{i}" for i in range(20)], {"Planerad": [float(i) for i in range(20)]}
    )
    assert "20 värden, högst Å19 19 tkr, lägst Å0 0 tkr" in many and "tabellen" in many
    bridge = charts.describe_bridge(
        "Brygga", [("Start", 100.0, "start"), ("Steg", -5.0, "step"), ("Slut", 95.0, "end")]
    )
    assert bridge == "Vattenfallsdiagram: Brygga. Från Start 100 tkr, Steg \u22125 tkr, till Slut 95 tkr."


def test_a_chart_without_alt_text_is_refused():
    import matplotlib.pyplot as plt

    fig, _ = plt.subplots()
    with pytest.raises(ValueError, match="alt-text"):
        charts.show(fig)


def test_files_reads_the_cells_once_for_both_files(monkeypatch):
    """Issue #16: ``files`` works out the shown cells once for the CSV and the Excel file; the files are
    what ``to_csv`` and ``to_xlsx`` give on their own. SYNTHETIC table."""
    formats = _formats(SYNTHETIC)
    lines = downloads.about_lines(SYNTHETIC, formats, "T", "K")
    csv_bytes = downloads.to_csv(SYNTHETIC, formats, ["¹ not"], about=lines)
    xlsx_bytes = downloads.to_xlsx(SYNTHETIC, formats, "T", "K", ["¹ not"], about=lines)
    calls = []
    real = downloads.shown_cells
    monkeypatch.setattr(downloads, "shown_cells", lambda *a: (calls.append(1), real(*a))[1])
    files = downloads.files(SYNTHETIC, formats, "prov", "T", "K", ["¹ not"])
    assert len(calls) == 1
    assert files == {"tabeller/prov.csv": csv_bytes, "tabeller/prov.xlsx": xlsx_bytes}


# --- each download says what it is (issue #26) ----------------------------------------------------------------


def test_each_download_states_source_unit_and_report_date(tmp_path, monkeypatch):
    """SYNTHETIC table on a synthetic page: the CSV keeps its header on the first row and states, under the
    table, the caption, the source, the unit, the organisation and the report period; the Excel file's sheet
    "Om tabellen" the same. Text from data stays text: a source or caption beginning with "=" is no formula."""
    monkeypatch.chdir(tmp_path)
    df = pd.DataFrame({"Åtgärd": ["A (SYNTETISK)"], "Planerad 2030, tkr": [1200.0], "Realisering, %": [50.0]})
    about = (("Organisation", "Testkommun (SYNTETISK), socialnämnden"), ("Rapportperiod", "tertial 1 2030"))
    tables.begin_page("syntetisk", about, save=save_downloads)
    try:
        tables.to_html(
            df,
            "prov",
            '=HYPERLINK("http://x") Åtgärder 2030, tkr',
            "=1+1 Källa: påhittad",
            formats={"Realisering, %": fmt.Number(0, unit="%")},
        )
    finally:
        tables.begin_page(None, ())
    rows = list(
        csv.reader(io.StringIO((tmp_path / "tabeller/syntetisk-prov.csv").read_text("utf-8-sig")), delimiter=";")
    )
    assert rows[0] == ["Åtgärd", "Planerad 2030, tkr", "Realisering, %"] and rows[2] == []
    said = {r[0]: r[1] for r in rows[3:]}
    assert said["Tabell"] == "'" + '=HYPERLINK("http://x") Åtgärder 2030, tkr'  # neutralised: text, not a formula
    assert said["Källa"] == "'=1+1 Källa: påhittad"
    assert said["Enhet"] == "Planerad 2030, tkr: tkr (tusental kronor); Realisering, %: procent"
    assert said["Organisation"] == "Testkommun (SYNTETISK), socialnämnden" and said["Rapportperiod"] == "tertial 1 2030"
    wb = openpyxl.load_workbook(tmp_path / "tabeller/syntetisk-prov.xlsx")
    sheet = {r[0].value: r[1] for r in wb["Om tabellen"].iter_rows()}
    assert sheet["Tabell"].value.startswith("=HYPERLINK") and sheet["Tabell"].data_type == "s"
    assert sheet["Enhet"].value == said["Enhet"] and sheet["Rapportperiod"].value == "tertial 1 2030"


def test_units_in_words():
    one = pd.DataFrame({"Post": ["x"], "Belopp 2025, tkr": [1.0], "Plan 2026, tkr": [2.0]})
    formats = {"Belopp 2025, tkr": fmt.Number(0), "Plan 2026, tkr": fmt.Number(0)}
    assert downloads.units_text(one, formats, "Ramar") == "tkr (tusental kronor)"
    assert downloads.units_text(one, formats, "") == "tkr (tusental kronor)"
    counts = pd.DataFrame({"Risk": ["x"], "Riskvärde": [12]})
    assert "ingen enhet" in downloads.units_text(counts, {"Riskvärde": fmt.Number(0)}, "Risker")
    text = pd.DataFrame({"Uppgift": ["x"], "Värde": ["+65"]})
    assert "inga talkolumner" in downloads.units_text(text, {}, "Nyckeltal")
    mnkr = pd.DataFrame({"Möjlighet": ["x"], "Besparing, mnkr per år": [1.0]})
    assert downloads.units_text(mnkr, {"Besparing, mnkr per år": fmt.Number(1)}, "") == "mnkr (miljoner kronor)"
