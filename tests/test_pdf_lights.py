"""The traffic lights print on any machine (issue #26): a PDF made where no colour-emoji font is installed.

Chromium is started with a fontconfig that rejects every emoji font (checked with fc-list), and the Haninge
2018 action plan, which has lights of all four colours, is printed. Each light is a drawn dot (inline SVG,
rapportbok.present.tables.light_dot), so the PDF's pages fill circles in the lights' colours, and its text holds
the words ("röd", "grön") and no emoji, which would print as an empty box without the font.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess

import pytest
from conftest import need_chromium
from pypdf import PdfReader

FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <selectfont><rejectfont><glob>*Emoji*</glob><glob>*emoji*</glob></rejectfont></selectfont>
</fontconfig>
"""
EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf\u2b55]")
# The dots' fill colours (rapportbok.present.tables._LIGHT), as PDF rgb in 0..1.
FILLS = {"grön": "#2e7d32", "gul": "#f2c200", "röd": "#c62828", "grå": "#bdbdbd"}


def _rgb(hex_colour: str) -> tuple[float, float, float]:
    return tuple(int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))


def _fills(page) -> list[tuple[float, float, float]]:
    data = page.get_contents().get_data().decode("latin-1")
    return [tuple(float(x) for x in m) for m in re.findall(r"([\d.]+) ([\d.]+) ([\d.]+) rg", data)]


@pytest.fixture(scope="module")
def printed(built_site, tmp_path_factory):
    need_chromium()
    from rapportbok.publish import pdf

    folder = tmp_path_factory.mktemp("utan-emoji")
    conf = folder / "fonts.conf"
    conf.write_text(FONTS_CONF, encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FONTCONFIG_FILE", str(conf))  # Chromium, started below, inherits it
        if shutil.which("fc-list"):
            fonts = subprocess.run(["fc-list"], capture_output=True, text=True, check=True).stdout
            assert fonts.strip() and "emoji" not in fonts.lower(), "fontconfig visar fortfarande ett emoji-typsnitt"
        out = folder / "haninge-2018.pdf"
        pdf.render(
            built_site,
            "Haninge kommun",
            "Socialnämnden",
            2018,
            "2018",
            [("Åtgärdsplaner", "book/haninge/2018/atgardsplan.html")],
            out,
            dt.date(2026, 3, 9),
        )
    return PdfReader(out)


def test_lights_print_as_drawn_dots_without_an_emoji_font(printed):
    text = "\n".join(p.extract_text() or "" for p in printed.pages)
    assert not EMOJI.findall(text), sorted(set(EMOJI.findall(text)))
    assert "röd" in text and "grön" in text and "gul" in text and "grå" in text
    fills = [f for p in printed.pages for f in _fills(p)]
    for word, colour in FILLS.items():
        want = _rgb(colour)
        hits = [f for f in fills if all(abs(a - b) < 0.01 for a, b in zip(f, want))]
        assert hits, f"ingen {word} prick i PDF:en"


def test_no_emoji_anywhere_in_the_books_pages(built_site):
    """Nothing on a page needs a colour-emoji font to print (the lights were the only emoji)."""
    found = {}
    for page in (built_site / "book").rglob("*.html"):
        hits = EMOJI.findall(page.read_text(encoding="utf-8"))
        if hits:
            found[page.relative_to(built_site).as_posix()] = sorted(set(hits))
    assert not found, found
