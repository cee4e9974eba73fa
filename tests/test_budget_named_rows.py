"""The budget chapter on budgets shaped differently from Alingsås (issues #13 and #25).

SYNTETISK: each test edits a copy of data/ (RAPPORTBOK_DATA points there): a budget table whose rows
mean kommunbidrag and net cost but are not named so in tabell_begrepp.csv (the chapter reads rows by
meaning, never by their text), and two years of kommunbidrag without kommunbidrag_forandring.csv.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import chapter_notebook

from rapportbok.publish.validation import validate

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def data(tmp_path, monkeypatch):
    d = tmp_path / "data"
    shutil.copytree(ROOT / "data", d)
    monkeypatch.setenv("RAPPORTBOK_DATA", str(d))
    return d


def rename_rows(data: Path) -> None:
    """SYNTETISK: the same budget with the rows named as another municipality might, and not yet pointed out in
    tabell_begrepp.csv."""
    f = data / "alingsas" / "tabell_varden.csv"
    text = f.read_text(encoding="utf-8")
    text = text.replace(",Kommunbidrag,", ",Ram från kommunfullmäktige,").replace(
        "Verksamhetens nettokostnader", "Nettokostnad"
    )
    f.write_text(text, encoding="utf-8")
    concepts = data / "alingsas" / "tabell_begrepp.csv"
    lines = concepts.read_text(encoding="utf-8").splitlines()
    concepts.write_text(
        "\n".join(x for x in lines if not x.startswith(("ramar,7,", "ramar,8,"))) + "\n", encoding="utf-8"
    )


def run(chapter: str, folder: Path, year: int = 2025) -> str:
    out = folder / f"{chapter}.ipynb"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "papermill",
            str(chapter_notebook(chapter, folder)),
            str(out),
            "-p",
            "org",
            "alingsas",
            "-p",
            "year",
            str(year),
            "-p",
            "tertial",
            "1",
            "--cwd",
            str(folder),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    nb = nbformat.read(out, as_version=4)
    return "".join(
        o.get("data", {}).get("text/markdown", "") + o.get("data", {}).get("text/html", "")
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
    )


def test_validation_names_the_rows_the_chapter_reads(data):
    rename_rows(data)
    issues = [i for i in validate(data) if i.file == "alingsas/tabell_begrepp.csv"]
    assert [i.severity for i in issues] == ["varning", "varning"]
    msgs = [i.message() for i in issues]
    assert msgs == [
        "alingsas/tabell_begrepp.csv, kolumn 'begrepp': en tom cell – förväntade en rad för tabellen ramar med "
        "begrepp kommunbidrag, t.ex. ramar,5,kommunbidrag; utan den står 'anges inte i källorna' i kapitlet Budget.",
        "alingsas/tabell_begrepp.csv, kolumn 'begrepp': en tom cell – förväntade en rad för tabellen ramar med "
        "begrepp nettokostnad (raden 7, 'Nettokostnad', liknar), t.ex. ramar,7,nettokostnad; utan den står "
        "'anges inte i källorna' i kapitlet Budget.",
    ]


def test_chapter_without_the_named_rows_shows_what_exists(data, tmp_path):
    rename_rows(data)
    page = run("budget", tmp_path)
    assert "Kommunbidraget anges inte i k" in page  # Markdown-escaped punctuation follows
    assert "Ram från kommunfullmäktige" in page  # the table as stated is still shown
    summary = run("sammanfattning", tmp_path).replace("\\", "")
    assert "Anges inte i källorna för 2025: kommunbidrag" in summary, summary[-3000:]


def test_bridge_without_kommunbidrag_forandring(data, tmp_path):
    (data / "alingsas" / "kommunbidrag_forandring.csv").unlink()
    assert [i for i in validate(data) if i.severity == "fel"] == []
    page = run("budget", tmp_path)
    assert "Källorna anger inte hur kommunbidragets förändring 2025 fördelas på delar" in page
    assert "11\u00a0221" in page  # the whole change 256 303 − 245 082 as Övrigt/avrundning
