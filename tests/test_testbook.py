"""The SYNTHETIC test book (tests/testbook_syntetisk): what it holds, and that a rebuild reproduces it.

It covers what the default book lacks: a budget follow-up per report date with material deviations
with and without comment, an action plan with a follow-up, and a Kolada store fetched with the real
`rapportbok kolada hamta` from the tests' fake server. Its executed notebooks are committed and run
with strict nbval in `make test`; after a change to the package, `make testbook` rebuilds them.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest
import yaml

from rapportbok.data import kolada

ROOT = Path(__file__).resolve().parents[1]
TESTBOOK = ROOT / "tests" / "testbook_syntetisk"
ORG = TESTBOOK / "data" / "testkommun"
PAGES = TESTBOOK / "book" / "testkommun" / "2030"


def _tool():
    spec = importlib.util.spec_from_file_location("testbook_tool", ROOT / "tools" / "testbook.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _text(notebook: Path) -> str:
    """What a reader sees of a notebook: its Markdown and every text output (HTML without tags)."""
    nb = nbformat.read(notebook, as_version=4)
    parts = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            parts.append(cell.source)
        for out in cell.get("outputs", []):
            assert out.get("output_type") != "error", notebook
            data = out.get("data", {})
            if "text/markdown" in data:
                parts.append(data["text/markdown"])
            elif "text/html" in data:
                parts.append(re.sub(r"<[^>]+>", " ", data["text/html"]))
    return re.sub(r"\s+", " ", "\n".join(parts).replace("\\", ""))


def test_the_test_book_says_it_is_synthetic():
    assert "SYNTETISK" in (TESTBOOK / "README.md").read_text(encoding="utf-8")
    org = yaml.safe_load((ORG / "organisation.yml").read_text(encoding="utf-8"))
    assert org["namn"] == "Testkommun (syntetisk)"
    sources = (TESTBOOK / "data" / "kallor.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert sources and all("SYNTETISK" in line for line in sources)
    for csv in ORG.glob("*.csv"):
        assert "syntetisk" in csv.read_text(encoding="utf-8").lower(), csv
    assert "Testkommun (syntetisk)" in _text(PAGES / "sammanfattning.ipynb")


def test_the_default_book_lacks_what_the_test_book_covers():
    # Why the test book exists: no follow-up and no fetched Kolada store in data/.
    assert not list((ROOT / "data").glob("*/budgetuppfoljning.csv"))
    follow_up_kinds = ("månadsrapport", "tertialrapport", "delårsrapport", "bokslut")
    assert not [
        p
        for p in (ROOT / "data").glob("*/tabeller.csv")
        if any(f",{kind}," in p.read_text(encoding="utf-8") for kind in follow_up_kinds)
    ]
    assert not list((ROOT / "data").glob(f"*/{kolada.STORE_DIR}/{kolada.VALUES_FILE}"))
    assert not (ROOT / "data" / kolada.STORE_DIR).exists()
    # The follow-up is entered as stated tables, so the test book also has their page, Rapporternas tabeller.
    assert {p.name for p in PAGES.glob("*.ipynb")} == {
        "sammanfattning.ipynb",
        "budget.ipynb",
        "atgardsplan.ipynb",
        "genomlysning.ipynb",
        "avstamning.ipynb",
        "tabeller.ipynb",
    }


def test_kolada_store_was_written_by_the_real_fetch():
    values, meta = kolada.load_stored(ORG)
    # The national store (data/kolada/<KPI>/), moved from the test book's old own store by `kolada flytta`.
    assert meta["store"] == "nationell" and not (ORG / kolada.STORE_DIR).exists()
    config = kolada.load_config(ORG)
    metas = [kolada.read_kpi(ORG.parent, k)[1] for k in config.kpis]
    assert values is not None and len(values) == sum(m["n_values"] for m in metas) == 120
    assert meta["source"] == kolada.SOURCE_LABEL and meta["fetched_at"]
    assert meta["base_url"].startswith("http://127.0.0.1:")  # the fake server, never the real API
    assert all(r.startswith(meta["base_url"]) for m in metas for r in m["requests"])
    assert all(set(m["ids"]) == set(config.all_ids()) and m["fetched_at"] == meta["fetched_at"] for m in metas)
    assert values["value"].isna().sum() == 1  # the null Kolada gives for a missing value is kept as missing
    # The second fetch revised one value (tools/testbook.py): the store holds the revised figure.
    row = values[(values["kpi"] == "N31001") & (values["municipality"] == "9999") & (values["period"] == 2025)]
    assert row["value"].tolist() == [1687.0]


def test_follow_up_page_shows_the_month_end_report_and_material_deviations():
    text = _text(PAGES / "budget.ipynb")
    assert "31 oktober 2030" in text
    assert "Kommentar saknas" in text  # material without comment (Verksamhetens intäkter, +400 tkr)
    assert "SYNTETISKT: vikarier och övertid." in text  # material with comment (Personalkostnader, exactly 2 %)
    assert "−1 440" in text.replace("\u00a0", " ")  # Personalkostnader: prognos −73 440 against budget −72 000


def test_action_plan_page_shows_the_follow_up():
    text = _text(PAGES / "atgardsplan.ipynb").replace("\u00a0", " ")
    assert "Uppföljning per 31 oktober 2030: faktisk effekt hittills 1 100 tkr" in text
    assert "Försenad (SYNTETISK)" in text


def test_review_page_compares_with_the_fetched_kolada_values():
    text = _text(PAGES / "genomlysning.ipynb")
    assert "Värdena från Kolada hämtades 26 november 2026" in text
    assert kolada.OWN_PROCESSING_LABEL in text
    assert "Kostnad ekonomiskt bistånd, kr/inv (SYNTETISK)" in text


def test_rebuilding_the_test_book_reproduces_the_committed_one(tmp_path):
    tool = _tool()
    dest = tool.assemble(tmp_path / "testbok")
    proc = tool.build(dest)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Kör 6 notebooks" in proc.stdout  # the follow-up's stated tables have their page, Rapporternas tabeller
    committed = sorted(p.relative_to(TESTBOOK).as_posix() for p in (TESTBOOK / "book").rglob("*") if p.is_file())
    rebuilt = sorted(p.relative_to(dest).as_posix() for p in (dest / "book").rglob("*") if p.is_file())
    assert rebuilt == committed
    stale = [name for name in committed + ["_toc.yml"] if (dest / name).read_bytes() != (TESTBOOK / name).read_bytes()]
    assert not stale, f"Testboken är inaktuell; kör `make testbook` och checka in: {stale}"


@pytest.mark.parametrize("name", ["handbok/gor-sa-har/testboken.md", "CONTRIBUTING.md", "ARCHITECTURE.md"])
def test_the_rebuild_command_is_documented(name):
    assert "make testbook" in (ROOT / name).read_text(encoding="utf-8")
