"""End to end: the table of contents follows data/, the site shows the source's figures,
a rebuild is byte-identical, and a failed build leaves book/ and the site untouched."""

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from bs4 import BeautifulSoup

from rapportbok import build

ROOT = Path(__file__).resolve().parents[1]


def test_toc_is_generated_from_data():
    all_orgs, jobs = build.plan(ROOT / "data")
    committed = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    assert committed == build.toc(all_orgs, jobs)
    on_disk = {p.relative_to(ROOT).as_posix() for p in (ROOT / "book").rglob("*.ipynb")}
    assert on_disk == {j.relpath for j in jobs}
    assert {(j.org, j.year) for j in jobs if j.chapter == "budget"} >= {("alingsas", 2024), ("alingsas", 2025)}


def test_committed_notebooks_carry_no_volatile_metadata():
    for path in (ROOT / "book").rglob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        assert set(nb.metadata["papermill"]) == {"parameters", "version"}, path
        assert all("papermill" not in c.metadata and "execution" not in c.metadata for c in nb.cells), path
        text = path.read_text(encoding="utf-8")
        assert "/work/" not in text and " at 0x" not in text, path


def _tree_hash(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(folder).as_posix().encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def _run(cwd: Path, *args):
    return subprocess.run([sys.executable, "-m", "rapportbok", *args], cwd=cwd, capture_output=True, text=True)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A copy of the project, built from scratch with the real command."""
    copy = tmp_path_factory.mktemp("proj")
    for name in ("_config.yml", "_static", "_toc.yml", "requirements.txt", "data", "notebooks", "book"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, copy / name)
    proc = _run(copy, "build", "--alla")  # execute every notebook, reuse nothing
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Kör 0 notebooks" not in proc.stdout
    return copy


def _source_table(header_start: str) -> dict[str, list[str]]:
    """Read a table straight from the source text: label -> cells, as printed there."""
    lines = (ROOT / "data/kallor/alingsas-sn-budget-2025-2027.txt").read_text(encoding="utf-8").splitlines()
    i = next(n for n, l in enumerate(lines) if l.startswith(header_start))
    rows = {}
    for line in lines[i + 1 :]:
        if not line.strip():
            break
        label, *cells = line.split("\t")
        rows.setdefault(label, cells)
    return rows


def _html_table(page: Path, uid: str) -> dict[str, list[str]]:
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    table = soup.find("table", id=f"T_{uid}")
    assert table is not None, f"table {uid} missing in {page}"
    out = {}
    for tr in table.find("tbody").find_all("tr"):
        cells = [c.get_text() for c in tr.find_all(["th", "td"])]
        out.setdefault(cells[0], cells[1:])
    return out


def _as_source(cell: str) -> str:
    # The book prints U+2212 and a non-breaking space; the source text uses '-' and ' '.
    return cell.replace("\u2212", "-").replace("\u00a0", " ")


@pytest.mark.parametrize("year", [2024, 2025])
def test_site_shows_every_budget_figure(built, year):
    page = built / "_build/html/book/alingsas" / str(year) / "budget.html"
    ramar = _html_table(page, "ramar")
    source = _source_table("Belopp i tkr\tBudget 2024\tBudget 2025\tPlan 2026\tPlan 2027")
    assert {k: [_as_source(c) for c in v] for k, v in ramar.items()} == source
    inv = _html_table(page, "investeringar")
    source_inv = _source_table("Belopp i tkr\tBudget 2024\tBudget 2025\tPlan 2026\tPlan 2027\tPlan 2028")
    assert {k: [_as_source(c) for c in v] for k, v in inv.items()} == source_inv
    text = page.read_text(encoding="utf-8")
    assert "Källa: Socialnämndens budget 2025–2027" in text
    assert "Avstämning" in text


def test_site_has_landing_page_and_navigation(built):
    index = (built / "_build/html/book/index.html").read_text(encoding="utf-8")
    for name in ("Alingsås kommun", "Linköpings kommun", "Haninge kommun"):
        assert name in index
    assert '<html lang="sv"' in index


def test_bridge_and_mismatch_on_site(built):
    page = built / "_build/html/book/alingsas/2025/budget.html"
    bridge = _html_table(page, "brygga")
    assert bridge["Övrigt/avrundning"] == ["+21"] or bridge["Övrigt/avrundning"] == ["21"]
    text = page.read_text(encoding="utf-8")
    assert "−245\u00a0082" in text and "−245\u00a0083" in text  # both figures of the 2024 mismatch


def test_rebuild_is_byte_identical(built):
    before = _tree_hash(built / "book")
    proc = _run(built, "build", "--no-site", "--alla")
    assert proc.returncode == 0, proc.stderr
    assert _tree_hash(built / "book") == before


def test_committed_book_reproduces(built):
    # The fixture rebuilt the book from scratch; it must equal what is committed.
    for path in (ROOT / "book").rglob("*"):
        if path.is_file():
            assert (built / path.relative_to(ROOT)).read_bytes() == path.read_bytes(), path


def test_bad_data_changes_nothing(built):
    book, site = _tree_hash(built / "book"), _tree_hash(built / "_build/html")
    data = built / "data/alingsas/budget_ramar.csv"
    original = data.read_text(encoding="utf-8")
    try:
        data.write_text(original.replace(",31417,", ",31 417 kr,", 1), encoding="utf-8")
        proc = _run(built, "build")
        assert proc.returncode == 1
        assert "alingsas/budget_ramar.csv, rad 2, kolumn 'belopp_tkr': värdet '31 417 kr' – förväntade ett tal" in proc.stderr
        assert _tree_hash(built / "book") == book and _tree_hash(built / "_build/html") == site
        assert not list(built.glob(".staging-*"))
    finally:
        data.write_text(original, encoding="utf-8")


def test_failing_cell_changes_nothing(built):
    book, site = _tree_hash(built / "book"), _tree_hash(built / "_build/html")
    template = built / "notebooks/budget.ipynb"
    original = template.read_text(encoding="utf-8")
    try:
        nb = nbformat.reads(original, as_version=4)
        nb.cells.append(nbformat.v4.new_code_cell("raise ValueError('avsiktligt fel')"))
        nbformat.write(nb, template)
        proc = _run(built, "build")
        assert proc.returncode == 1
        assert "Notebooken budget.ipynb" in proc.stderr and "ValueError: avsiktligt fel" in proc.stderr
        assert "orörda" in proc.stderr
        assert _tree_hash(built / "book") == book and _tree_hash(built / "_build/html") == site
        assert not list(built.glob(".staging-*"))
    finally:
        template.write_text(original, encoding="utf-8")


def test_incremental_rebuild_runs_only_what_changed(built):
    proc = _run(built, "build")
    assert proc.returncode == 0, proc.stderr
    assert "Kör 0 notebooks" in proc.stdout and "Webbplatsen är oförändrad" in proc.stdout
    changed = built / "data/linkoping/uppgifter.csv"
    original = changed.read_bytes()
    try:
        changed.write_bytes(original + b"\n")  # same figures, new bytes: the hash changes
        proc = _run(built, "build", "--no-site")
        assert proc.returncode == 0, proc.stderr
        executed = sorted(re.findall(r"\] (book/\S+\.ipynb)", proc.stdout))
        assert executed and all(p.startswith("book/linkoping/2024/") for p in executed)
    finally:
        changed.write_bytes(original)
