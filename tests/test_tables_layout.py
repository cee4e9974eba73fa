"""Tables on a screen (issue #26): key columns marked, own scrolling box with its cue, Swedish words broken
only at a syllable with a hyphen, never in the downloads. SYNTETISK data."""

from __future__ import annotations

import pandas as pd
from bs4 import BeautifulSoup

from rapportbok.core import fmt
from rapportbok.present import downloads, tables

SYNTETISK = pd.DataFrame(
    {
        "Åtgärd": ["Höjd egenavgift för Familjerådgivning (SYNTETISK)", "Kompetensförsörjningsstrategin"],
        "Område": ["Omställningskostnader", "Ledning"],
        "Planerad, tkr": [500.0, 1200.0],
        "Beskrivning": ["Lång text", "Annan text"],
    }
)


def _soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def test_key_columns_default_to_the_name_and_the_figures():
    soup = _soup(tables.to_html(SYNTETISK, "prov", "Syntetisk", download=False))
    keys = [th.get_text() for th in soup.select("thead th.rapportbok-nyckel")]
    assert keys == ["Åtgärd", "Planerad, tkr"]


def test_key_columns_as_the_chapter_names_them():
    soup = _soup(
        tables.to_html(SYNTETISK, "prov", "Syntetisk", download=False, key=["Åtgärd", "Område", "Planerad, tkr"])
    )
    assert [th.get_text() for th in soup.select("thead th.rapportbok-nyckel")] == ["Åtgärd", "Område", "Planerad, tkr"]


def test_table_in_its_own_box_with_the_cue_first():
    soup = _soup(tables.to_html(SYNTETISK, "prov", "Syntetisk", download=False))
    box = soup.select_one("div.rapportbok-rulla")
    assert box is not None and box.find("table", id="T_prov") is not None
    first = box.find(recursive=False)
    assert first.name == "p" and "rapportbok-svep" in first["class"] and "svep" in first.get_text()


def test_long_words_break_at_a_syllable_never_anywhere():
    html = tables.to_html(SYNTETISK, "prov", "Syntetisk", download=False, wrap=["Åtgärd", "Område"])
    assert "overflow-wrap: anywhere" not in html and "anywhere" not in html
    soup = _soup(html)
    cells = [td.get_text() for td in soup.select("td.rapportbok-lang")]
    assert "Famil\u00adje\u00adråd\u00adgiv\u00adning" in cells[0]
    assert "Omställ\u00adnings\u00adkost\u00adnader" in cells
    # the words read the same without the soft hyphens; short words and other columns are untouched
    assert cells[0].replace(tables.SOFT_HYPHEN, "") == SYNTETISK["Åtgärd"][0]
    assert "Beskrivning" in html and "Lång text" in html and tables.SOFT_HYPHEN not in tables.soft_hyphens("Ledning")


def test_soft_hyphens_never_inside_an_entity_or_markup():
    assert tables.soft_hyphens("a &amp; b") == "a &amp; b"
    escaped = "&lt;script&gt;Kompetensförsörjningsstrategin&lt;/script&gt;"
    assert tables.soft_hyphens(escaped).replace(tables.SOFT_HYPHEN, "") == escaped
    assert tables.soft_hyphens(escaped).startswith("&lt;script&gt;Kompe")


def test_downloads_keep_the_words_whole():
    formats = {"Planerad, tkr": fmt.Number(0)}
    data = downloads.to_csv(SYNTETISK, formats).decode("utf-8-sig")
    assert tables.SOFT_HYPHEN not in data and "Familjerådgivning" in data


def test_long_heading_words_break_at_a_syllable_too():
    df = pd.DataFrame({"Jämförelse": ["x"], "Förändringsutrymme, mnkr": [1.0]})
    soup = _soup(tables.to_html(df, "prov", "Syntetisk", download=False))
    heads = [th.get_text() for th in soup.select("thead th")]
    assert heads[1] == "Föränd\u00adrings\u00adut\u00adrymme, mnkr"
    assert [h.replace(tables.SOFT_HYPHEN, "") for h in heads] == list(df.columns)
    data = downloads.to_csv(df, {"Förändringsutrymme, mnkr": fmt.Number(1)}).decode("utf-8-sig")
    assert data.startswith("Jämförelse;Förändringsutrymme, mnkr")  # the downloads keep the heading whole
