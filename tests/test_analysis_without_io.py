"""Issue #28: analysis and present do no file I/O, the data folder is passed explicitly, and "avvikelse" has one
meaning.

The analysis takes its input as values (the organisation's validated frames, the stated tables, the thresholds
of organisation.yml, the citations of data/kallor.csv) and never reads a file itself; the one function that
reads a data folder for the checks (rapportbok.publish.validation.validate) reads the folder it is given. The
presentation gets the page's sources with their texts as a value and hands the downloads' bytes to the page
(rapportbok.chapters writes them): it neither reads nor writes a file either.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest
from conftest import copy_data
from stated_fixture import add_source, add_table

from rapportbok.analysis import reconcile
from rapportbok.publish.validation import validate

ROOT = Path(__file__).resolve().parents[1]
ANALYSIS = ROOT / "rapportbok" / "analysis"
PRESENT = ROOT / "rapportbok" / "present"
# The data modules the analysis may import: models, specs and pure helpers (none of their functions the analysis
# calls reads a file). datasets, sources, organisations, config and scaffold read files: never from analysis.
ALLOWED_DATA = {
    "rapportbok.data.stated_tables",
    "rapportbok.data.stated_figures",
    "rapportbok.data.citation",
    "rapportbok.data.thresholds",
    "rapportbok.data.schema",
    "rapportbok.data.review",
    "rapportbok.data.risk",
    "rapportbok.data.actionplan",  # actionplan.py: the specs' list of the source's own statuses (SOURCE_STATUSES)
    "rapportbok.data.kolada",  # review.py: the pure helpers own_group_mean and the labels
}
IO_CALLS = {"open", "read_text", "read_bytes", "write_text", "write_bytes", "read_csv", "data_dir", "getenv", "glob"}


def _modules():
    return sorted(ANALYSIS.glob("*.py")) + sorted(PRESENT.glob("*.py"))


@pytest.mark.parametrize("path", _modules(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_an_analysis_or_present_module_reads_no_file(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            data = [n for n in names if n.startswith("rapportbok.data.") and n.count(".") == 2]
            if node.module == "rapportbok.data":
                data = [f"rapportbok.data.{a.name}" for a in node.names]
            bad += [f"{path.name}:{node.lineno} imports {n}" for n in data if n not in ALLOWED_DATA]
            if node.module in ("rapportbok.core.paths", "os", "pathlib", "urllib.request", "requests"):
                bad.append(f"{path.name}:{node.lineno} imports {node.module}")
        elif isinstance(node, ast.Import):
            bad += [f"{path.name}:{node.lineno} imports {a.name}" for a in node.names if a.name in ("os", "pathlib")]
        elif isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
            if name in IO_CALLS:
                bad.append(f"{path.name}:{node.lineno} calls {name}()")
    assert not bad, "analysis or present reads files; pass the values in instead:\n" + "\n".join(bad)


def test_the_contract_catches_a_file_read(tmp_path):
    """The check itself works: a module that reads the source register is refused."""
    bad = tmp_path / "bad.py"
    bad.write_text("from rapportbok.data import sources\n\ndef f(p):\n    return p.read_text()\n", encoding="utf-8")
    with pytest.raises(AssertionError) as err:
        test_an_analysis_or_present_module_reads_no_file(bad)
    assert "imports rapportbok.data.sources" in str(err.value) and "calls read_text()" in str(err.value)


# --- present at work opens no file ----------------------------------------------------------------------------

# File events of Python's audit hooks (PEP 578): open (the builtin, io.open, os.open) and what changes a folder.
FILE_EVENTS = {"open", "os.mkdir", "os.rename", "os.replace", "os.remove", "os.rmdir", "shutil.copyfile"}
_watching: list[list] = []  # while a list is here, the hook records each file event into it


def _hook(event, args):
    if _watching and event in FILE_EVENTS:
        _watching[-1].append((event, str(args[0]) if args else ""))


sys.addaudithook(_hook)  # a hook cannot be removed; it records only while a test watches


def _page_sources():
    """What a chapter page reads before present runs: the sources with their texts (rapportbok.chapters)."""
    from rapportbok.data import sources

    return sources.texts(sources.load(ROOT / "data"), ROOT / "data")


def _present_a_page(texts, save) -> str:
    """A chapter page's table with notes, source line and downloads, and a chart's source line, as present makes
    them: the sources and ``save`` come from the page. SYNTETISK table."""
    import pandas as pd

    from rapportbok.core import state
    from rapportbok.present import tables

    title = texts.rows.loc["alingsas-budget-2025", "titel"]
    df = pd.DataFrame(
        {"Post (SYNTETISK)": ["Långtidsförsörjningsstödsmottagare ¹", "Summa"], "Belopp, tkr": [1.5, 2.0]}
    )
    state.reset()
    try:
        tables.begin_page("syntetisk", (("Organisation", "Testkommun (SYNTETISK)"),), texts, save)
        html = tables.to_html(df, "prov", "Prov", f"Källa: {title}, Nämndens budget", notes=["¹ SYNTETISK not"])
        html += tables.chart_source(f"Källa: {title}, Nämndens budget").data
    finally:
        state.reset()
    return html


def _watched(save) -> tuple[str, list]:
    texts = _page_sources()
    _present_a_page(texts, lambda files: None)  # once first: imports, openpyxl's and pyphen's own files (library)
    events: list = []
    _watching.append(events)
    try:
        html = _present_a_page(texts, save)
    finally:
        _watching.remove(events)
    return html, events


def test_present_opens_no_file_while_it_makes_a_page(tmp_path, monkeypatch):
    """The tables, their source links and their downloads (CSV and Excel bytes) are made without a file opened,
    read or written: the page's sources come in as a value, the downloads go out as bytes to the page's save."""
    monkeypatch.chdir(tmp_path)
    saved: list = []
    html, events = _watched(saved.append)
    assert events == [], f"present touched files: {events}"
    assert list(tmp_path.iterdir()) == []
    assert [list(f) for f in saved] == [["tabeller/syntetisk-prov.csv", "tabeller/syntetisk-prov.xlsx"]]
    assert html.count('href="../../kallor/alingsas-budget-2025.html#rad-') == 2  # linked to the cited section


def test_the_watch_sees_a_file_written_while_present_makes_a_page(tmp_path, monkeypatch):
    """The check itself works: had present written the downloads (here: the page's save that does, called from
    present), the watch sees the files opened."""
    from rapportbok.chapters import save_downloads

    monkeypatch.chdir(tmp_path)
    _html, events = _watched(save_downloads)
    opened = [path for event, path in events if event == "open"]
    assert any(p.endswith("syntetisk-prov.csv") for p in opened) and any(p.endswith(".xlsx") for p in opened)


# --- validate(path) reads the folder it is given ---------------------------------------------------------


def _followup_copy(folder: Path, threshold: str) -> Path:
    """A copy of data/ with a SYNTETISK follow-up for Alingsås 2025 whose Personalkostnader deviate by 1 500 tkr
    without a comment, and the materiality threshold ``threshold`` in organisation.yml."""
    data = copy_data(folder / "data", ["alingsas"])
    add_source(data, "alingsas-syntetisk", "SYNTETISK uppföljning", "alingsas", "Ekonomisystem")
    add_table(
        data / "alingsas",
        "okt",
        "Uppföljning (SYNTETISK)",
        "månadsrapport",
        "2025-10-31",
        "tkr",
        0,
        "alingsas-syntetisk",
        "T",
        [("u", "utfall ack", 2025, "Utfall"), ("p", "prognos helår", 2025, "Prognos")],
        [(1, "Personalkostnader", None, "post", {"u": "−135 000", "p": "−162 698"})],
    )
    yml = data / "alingsas" / "organisation.yml"
    yml.write_text(yml.read_text(encoding="utf-8") + f"vasentlig_avvikelse: {threshold}\n", encoding="utf-8")
    return data


def _comment_warnings(issues) -> list[str]:
    return [i.message() for i in issues if i.column == "kommentar"]


def test_validate_reads_the_thresholds_of_the_folder_it_is_given(tmp_path, monkeypatch):
    """The bug: the checks read organisation.yml's thresholds from RAPPORTBOK_DATA (or the project's data/), not
    from the folder validate(path) was given, so one folder gave different warnings by the environment."""
    strict = _followup_copy(tmp_path / "strict", "{tkr: 500, procent: 2}")  # 1 500 tkr is material
    lenient = _followup_copy(tmp_path / "lenient", "{tkr: 5000, procent: 50, villkor: båda}")  # it is not
    monkeypatch.delenv("RAPPORTBOK_DATA", raising=False)
    assert len(_comment_warnings(validate(strict))) == 1
    assert _comment_warnings(validate(lenient)) == []
    for elsewhere in (strict, lenient, ROOT / "data"):  # wherever the environment points, the folder decides
        monkeypatch.setenv("RAPPORTBOK_DATA", str(elsewhere))
        assert len(_comment_warnings(validate(strict))) == 1
        assert _comment_warnings(validate(lenient)) == []


# --- one meaning of avvikelse -----------------------------------------------------------------------------


def test_a_rounding_is_never_counted_as_a_mismatch_anywhere():
    """A −1 tkr rounding of an action plan's total: Avstämning says Avrundning, the summary counts no real mismatch,
    and the build's warnings name nothing (all three through reconcile.kind)."""
    rounding = reconcile.Finding("Summa", 1200.0, 1199.0, "tkr", "SYNTETISK", 0, terms=1)
    real = reconcile.Finding("Summa", 1200.0, 1215.0, "tkr", "SYNTETISK", 0)
    dedup = reconcile.Finding("Summa utan dubbelräkning", 1200.0, 1100.0, "tkr", "SYNTETISK", 0, dedup=True)
    assert not rounding.ok and reconcile.kind(rounding) == reconcile.ROUNDING  # beyond half a unit, within one
    assert reconcile.table([rounding])["Resultat"].tolist() == ["Avrundning"]
    assert reconcile.real_mismatches([rounding, real, dedup]) == [real]
    assert reconcile.warning_lines("Avstämning: ", [rounding, real, dedup]) == ["Avstämning: " + real.text()]
    assert reconcile.summary_text([rounding, real, dedup]).endswith("och 1 verklig avvikelse.")
    assert reconcile.not_exact([rounding, real, dedup]) == [rounding, real, dedup]  # the Avstämning lists them all


def test_the_build_warns_of_no_rounding_in_the_real_data():
    """Every chapter's warnings are its real mismatches only: Alingsås's 1 tkr rounding in the budget and the
    plan's two de-duplications are not warned of (the chapters and the summary say 'ingen verklig avvikelse')."""
    from rapportbok.chapters import actionplan, budget, report_tables
    from rapportbok.data import datasets

    d = datasets.load_org("alingsas")
    assert budget.warnings(d, "alingsas") == []
    assert actionplan.warnings(d, "alingsas") == []
    assert report_tables.warnings(d, "alingsas") == []


@pytest.mark.parametrize(
    ("approx", "computed", "ok"),
    [
        ("omkring", 40.225, True),  # within its precision (10 %)
        ("omkring", 44.0, True),
        ("omkring", 44.1, False),
        ("minst", 45.0, True),  # a lower bound: any figure above it agrees
        ("minst", 39.96, True),  # within its rounding
        ("minst", 39.8, False),
        ("högst", 35.0, True),
        ("högst", 40.2, False),
        ("nej", 40.225, False),  # an exact figure: only its rounding
    ],
)
def test_one_rule_for_an_approximate_figure(approx, computed, ok):
    f = reconcile.Finding("Summa", 40.0, computed, "mnkr", "SYNTETISK", 1, approx=approx)
    assert f.ok is ok
    assert reconcile.within_precision(40.0, computed, 0.05 + 1e-9, approx) is ok
    if not ok and approx != "nej":
        assert reconcile.kind(f) == reconcile.MISMATCH
