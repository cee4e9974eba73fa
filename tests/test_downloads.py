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

from rapportbok.present import charts
from rapportbok.present import downloads
from rapportbok.core import fmt
from rapportbok.data import sources
from rapportbok.present import tables


def test_parse_shown_reads_swedish_numbers_with_their_decimals():
    c = downloads.parse_shown("\u2212245\u00a0082")
    assert (c.value, c.decimals, c.unit) == (-245082.0, 0, None)
    c = downloads.parse_shown("+4,6\u00a0%")
    assert (c.value, c.decimals, c.unit) == (4.6, 1, "%")
    c = downloads.parse_shown("1,5\u00a0mnkr")
    assert (c.value, c.decimals, c.unit) == (1.5, 1, "mnkr")
    assert downloads.parse_shown("12").value == 12.0
    for text in ("Personalkostnader", "2024-12-10", "1.5", "–", "nr 1, 2", "12 av 16"):
        assert downloads.parse_shown(text).value is None, text


SYNTHETIC = pd.DataFrame({
    "Post": ["Intäkter (syntetisk)", "Kostnader (syntetisk)", "Saknas"],
    "Belopp 2025": [31417.0, -158695.4, float("nan")],
    "Förändring, %": [2.94, -1.55, float("nan")],
    "Effekt, mnkr": [1.25, 0.0, 2.0],
})


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


def test_mixed_units_in_a_column_stay_text():
    df = pd.DataFrame({"Effekt": ["1,0 mnkr".replace(" ", fmt.NBSP), "500 tkr".replace(" ", fmt.NBSP)]})
    rows = list(csv.reader(io.StringIO(downloads.to_csv(df, {"Effekt": str}).decode("utf-8-sig")), delimiter=";"))
    assert rows == [["Effekt"], ["1,0 mnkr"], ["500 tkr"]]


def test_tables_on_a_chapter_page_get_download_links(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    tables.begin_page("syntetisk")
    try:
        out = tables.to_html(SYNTHETIC, "prov_tabell", "Syntetisk tabell", "Källa: påhittad")
    finally:
        tables.begin_page(None)
    assert 'href="tabeller/syntetisk-prov-tabell.csv"' in out and 'href="tabeller/syntetisk-prov-tabell.xlsx"' in out
    assert (tmp_path / "tabeller/syntetisk-prov-tabell.csv").read_bytes() == downloads.to_csv(SYNTHETIC, _formats(SYNTHETIC))
    # Outside a chapter page (e.g. in a test or a script), no files are written.
    out = tables.to_html(SYNTHETIC, "annan", "Syntetisk tabell")
    assert "tabeller/" not in out


def test_source_titles_link_to_the_source_pages():
    text = "Källa: Socialnämndens budget 2025–2027 (Socialnämnden 2024-12-10), Ekonomiska ramar"
    linked = sources.link_titles(text)
    assert '<a href="../../kallor/alingsas-budget-2025.html">Socialnämndens budget 2025–2027</a>' in linked
    assert sources.link_titles("Källa: Kolada") == "Källa: Kolada"


def test_alt_text_lists_few_values_and_summarises_many():
    alt = charts.describe_series("Stapeldiagram", "Kommunbidrag per år, tkr", [2024, 2025],
                                 {"Kommunbidrag": [245082.0, 256303.0]})
    assert alt == ("Stapeldiagram: Kommunbidrag per år, tkr. Kommunbidrag: 2024 245\u00a0082 tkr, "
                   "2025 256\u00a0303 tkr.")
    many = charts.describe_series("Stapeldiagram", "Effekt per åtgärd", [f"Å{i}" for i in range(20)],
                                  {"Planerad": [float(i) for i in range(20)]})
    assert "20 värden, högst Å19 19 tkr, lägst Å0 0 tkr" in many and "tabellen" in many
    bridge = charts.describe_bridge("Brygga", [("Start", 100.0, "start"), ("Steg", -5.0, "step"), ("Slut", 95.0, "end")])
    assert bridge == "Vattenfallsdiagram: Brygga. Från Start 100 tkr, Steg \u22125 tkr, till Slut 95 tkr."


def test_a_chart_without_alt_text_is_refused():
    import matplotlib.pyplot as plt

    fig, _ = plt.subplots()
    with pytest.raises(ValueError, match="alt-text"):
        charts.show(fig)
