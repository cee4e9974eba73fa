"""The budget chapter on the stated-table model (issue #13, "Chapters on it").

The converter (tools/budget_till_tabeller.py) turns budget_ramar.csv and investeringar.csv into
stated tables of kind budget and names the rows the chapter reads in organisation.yml (begrepp).
Each test works in a copy of data/ (RAPPORTBOK_DATA points there). The Alingsås figures are the real
ones of the source; the edits marked SYNTETISK are not figures of any source.
"""

import shutil
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import OLD_BUDGET, load_tool, old_budget_format

from rapportbok.analysis import budget as analysis
from rapportbok.analysis import consistency
from rapportbok.chapters import report_tables
from rapportbok.data import budget, datasets
from rapportbok.data.schema import read_table

ROOT = Path(__file__).resolve().parents[1]
ARGS = ["--org", "alingsas", "--per", "2024-12-10"]


tool = load_tool("budget_till_tabeller")


@pytest.fixture
def data(tmp_path, monkeypatch):
    d = tmp_path / "data"
    shutil.copytree(ROOT / "data", d)
    monkeypatch.setenv("RAPPORTBOK_DATA", str(d))
    return old_budget_format(d)  # Alingsås as before its migration: the converter's input


def convert(data: Path, *extra: str):
    res = CliRunner().invoke(tool.main, [*ARGS, "--data", str(data), *extra])
    return res


def old_frames(data: Path) -> dict[str, pd.DataFrame]:
    return {name: read_table(data / "alingsas" / spec.filename, spec)[0] for name, spec in tool.OLD.items()}


def test_converter_is_lossless(data):
    before = old_frames(data)
    res = convert(data, "--ta-bort")
    assert res.exit_code == 0, res.output
    assert "begrepp: nettokostnad, kommunbidrag, resultat, investeringar" in res.output
    org = data / "alingsas"
    assert not (org / "budget_ramar.csv").exists() and not (org / "investeringar.csv").exists()
    assert (org / "kommunbidrag_forandring.csv").exists()  # stated text figures, not a table: stays
    yml = (org / "organisation.yml").read_text(encoding="utf-8")
    assert "  kommunbidrag: {tabell: ramar, rad: 8}\n" in yml and "  nettokostnad: {tabell: ramar, rad: 7}\n" in yml
    assert (
        "  resultat: {tabell: ramar, rad: 10}\n" in yml and "  investeringar: {tabell: investeringar, rad: 11}\n" in yml
    )
    got = datasets.load_org("alingsas", data)
    for name, old in before.items():
        new = got[name]
        assert tool.same_rows(old, new)
        # every value, label, parent and citation, row by row
        cols = budget.LONG_COLUMNS
        a = old[cols].sort_values(["rad", "ar"]).reset_index(drop=True)
        b = new[cols].sort_values(["rad", "ar"]).reset_index(drop=True)
        assert list(a["post"]) == list(b["post"]) and list(a["kalla"]) == list(b["kalla"])
        assert list(a["avsnitt"]) == list(b["avsnitt"]) and list(a["version"]) == list(b["version"])
        assert [float(x) for x in a["belopp_tkr"]] == [float(x) for x in b["belopp_tkr"]]
        assert list(a["summeras_i"].fillna("")) == list(b["summeras_i"].fillna(""))
    # the model stores the values exactly, as Decimal
    v = got["tabell_varden"]
    cell = v[(v["tabell"] == "ramar") & (v["rad"] == 2) & (v["kolumn"] == "budget2024")]["varde"].iloc[0]
    assert cell == Decimal(-158695)
    t = got["tabeller"].set_index("tabell")
    assert t.loc["ramar", "rubrik"] == "Ekonomiska ramar" and t.loc["investeringar", "rubrik"] == "Investeringsbudget"
    assert set(t["rapport"]) == {"budget"} and set(t["enhet"]) == {"tkr"}
    k = got["tabell_kolumner"]
    assert list(k[k["tabell"] == "ramar"]["rubrik_i_kallan"]) == [
        "Budget 2024",
        "Budget 2025",
        "Plan 2026",
        "Plan 2027",
    ]
    assert list(k[k["tabell"] == "ramar"]["matt"]) == ["budget", "budget", "plan", "plan"]


def test_reconciliation_is_the_same_on_both_paths(data):
    before = old_frames(data)
    kb = datasets.load_org("alingsas", data)["kommunbidrag"]
    old = analysis.all_checks(before["ramar"], before["investeringar"], kb)
    assert convert(data, "--ta-bort").exit_code == 0
    got = datasets.load_org("alingsas", data)
    new = analysis.all_checks(got["ramar"], got["investeringar"], got["kommunbidrag"])

    def key(fs):
        return [(f.check, f.stated, f.computed, f.unit, f.where, f.ok, f.rounding) for f in fs]

    assert key(old) == key(new)
    # the 2024 rounding row: intäkter and kostnader give −245 083, the source states −245 082
    row = next(f for f in new if f.check == "Verksamhetens nettokostnader 2024 = summan av raderna under")
    assert (row.stated, row.computed) == (-245082.0, -245083.0)
    # the named rows come from begrepp
    assert analysis.series(got["ramar"], analysis.GRANT).to_dict() == {
        2024: 245082,
        2025: 256303,
        2026: 263632,
        2027: 272988,
    }
    assert analysis.over_the_years(got["ramar"]).equals(analysis.over_the_years(before["ramar"]))
    # the tables the budget chapter shows are not a second page in Rapporternas tabeller
    assert report_tables.budget_tables(got) == {"ramar", "investeringar"}
    assert not report_tables.has_data(got, 2024)
    assert report_tables.warnings(got, "alingsas") == []


def test_concepts_not_names_on_the_model_path(data):
    """SYNTETISK: a budget row printed 'Ram från kommunfullmäktige' is the kommunbidrag because begrepp says so."""
    assert convert(data, "--ta-bort").exit_code == 0
    f = data / "alingsas" / "tabell_varden.csv"
    f.write_text(
        f.read_text(encoding="utf-8").replace(",Kommunbidrag,", ",Ram från kommunfullmäktige,"), encoding="utf-8"
    )
    got = datasets.load_org("alingsas", data)
    assert analysis.series(got["ramar"], analysis.GRANT)[2025] == 256303
    assert [i for i in consistency.validate(data) if "begrepp" in i.column] == []
    # without the begrepp line the chapter says the figure is not stated, and validation warns
    yml = data / "alingsas" / "organisation.yml"
    yml.write_text(
        yml.read_text(encoding="utf-8").replace("  kommunbidrag: {tabell: ramar, rad: 8}\n", ""), encoding="utf-8"
    )
    got = datasets.load_org("alingsas", data)
    assert analysis.series(got["ramar"], analysis.GRANT).empty
    msgs = [i.message() for i in consistency.validate(data) if i.column == "begrepp.kommunbidrag"]
    assert len(msgs) == 1 and "som kapitlet Budget läser" in msgs[0]


def test_old_file_beside_the_model_is_named(data):
    res = convert(data)  # without --ta-bort: the old files stay, and are no longer read
    assert res.exit_code == 0, res.output
    issues = [i for i in consistency.validate(data) if i.file == "alingsas/budget_ramar.csv"]
    assert [i.severity for i in issues] == ["varning"]
    assert "filen läses inte – ta bort den" in issues[0].message()
    assert "tabell" in datasets.load_org("alingsas", data)["ramar"].columns


def test_converter_refuses_what_it_cannot_keep(data):
    assert convert(data).exit_code == 0
    again = convert(data)
    assert again.exit_code != 0 and "har redan begrepp" in again.output and "Traceback" not in again.output
    # SYNTETISK: two different citations in one file cannot become one table's source
    frames = old_frames(OLD_BUDGET)
    frames["ramar"].loc[0, "avsnitt"] = "Ett annat avsnitt"
    with pytest.raises(budget.ConversionError, match="2 olika källor"):
        budget.to_model({"ramar": frames["ramar"]}, {"ramar": "Ekonomiska ramar"}, "2024-12-10")


def test_converter_writes_nothing_on_error(data):
    org = data / "alingsas"
    (org / "budget_ramar.csv").write_text(
        (org / "budget_ramar.csv").read_text(encoding="utf-8").replace(",31417,", ",trettio,"), encoding="utf-8"
    )
    names = sorted(p.name for p in org.iterdir())
    res = convert(data, "--ta-bort")
    assert res.exit_code != 0 and "belopp_tkr" in res.output and "Traceback" not in res.output
    assert sorted(p.name for p in org.iterdir()) == names


def test_a_budget_in_mnkr_is_not_read_as_exact_tkr(data):
    """SYNTETISK: the same table declared in mnkr: the budget chapter does not read it (a warning says so)."""
    assert convert(data, "--ta-bort").exit_code == 0
    f = data / "alingsas" / "tabeller.csv"
    f.write_text(
        f.read_text(encoding="utf-8").replace(
            "ramar,Ekonomiska ramar,budget,2024-12-10,tkr", "ramar,Ekonomiska ramar,budget,2024-12-10,mnkr"
        ),
        encoding="utf-8",
    )
    warnings = []
    got = datasets.load_org("alingsas", data, warnings)
    assert got["ramar"] is None and got["investeringar"] is not None
    assert any("tkr utan decimaler för tabellen ramar" in i.message() for i in warnings)
    # shown in Rapporternas tabeller instead, for the budget year 2025 (the budget 2025 was decided 2024-12-10)
    assert report_tables.has_data(got, 2025) and not report_tables.has_data(got, 2024)


def _page(chapter: str, folder: Path, year: int) -> str:
    import subprocess
    import sys

    import nbformat
    from conftest import chapter_notebook

    folder.mkdir(parents=True, exist_ok=True)
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
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    nb = nbformat.read(out, as_version=4)
    return "".join(
        o.get("data", {}).get("text/markdown", "") + o.get("data", {}).get("text/html", "")
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
    )


@pytest.mark.parametrize("year", [2024, 2025])
def test_budget_page_is_the_same_on_both_paths(data, tmp_path, year):
    """The budget chapter from the old files and from the converted tables: the same page, figure for figure."""
    pages = ("budget", "avstamning")  # the chapter, and the year's Avstämning page with its findings
    old = {p: _page(p, tmp_path / "gammal", year) for p in pages}
    assert convert(data, "--ta-bort").exit_code == 0
    new = {p: _page(p, tmp_path / "ny", year) for p in pages}
    assert "−245\u00a0082" in new["avstamning"] and "−245\u00a0083" in new["avstamning"]  # the 2024 rounding row
    assert ("Övrigt/avrundning" in new["budget"]) == (year == 2025)  # the bridge from 2024 to 2025
    assert new == old


def test_a_second_column_for_a_year_is_named_not_a_crash(data):
    """SYNTETISK: a budget table with two columns for 2025 (budget and a change column): the chapter reads one
    per year and the warning names the others; the page still builds."""
    assert convert(data, "--ta-bort").exit_code == 0
    org = data / "alingsas"
    with open(org / "tabell_kolumner.csv", "a", encoding="utf-8") as f:
        f.write("ramar,forandring2025,förändring,2025,Förändring 2025,\n")
        f.write("ramar,helar2025,budget helår,2025,Budget helår 2025,\n")
    with open(org / "tabell_varden.csv", "a", encoding="utf-8") as f:
        f.write("ramar,8,Kommunbidrag,10,post,,forandring2025,11221\n")
        f.write("ramar,8,Kommunbidrag,10,post,,helar2025,256303\n")
    warnings = []
    got = datasets.load_org("alingsas", data, warnings)
    assert any("forandring2025, helar2025" in i.message() and i.severity == "varning" for i in warnings)
    assert not got["ramar"].duplicated(["rad", "ar"]).any()
    page = _page("budget", data.parent / "sida", 2025)
    assert "256,3" in page


def test_a_hostile_label_from_the_model_is_text(data):
    """SYNTETISK: a row label from tabell_varden.csv reaches the budget page only as escaped text, exactly as
    the same label in budget_ramar.csv does (tests/test_hostile.py covers that path on the whole site)."""
    hostile = "<script>window.__pwned=1</script><img src=x onerror=alert(1)> {download}`../../hemlig.txt`"
    f = data / "alingsas" / "budget_ramar.csv"
    f.write_text(f.read_text(encoding="utf-8").replace(",Lokalhyror,", ',"' + hostile + '",'), encoding="utf-8")
    old = _page("budget", data.parent / "gammal", 2025)
    assert convert(data, "--ta-bort").exit_code == 0
    new = _page("budget", data.parent / "ny", 2025)
    assert "<script>window" not in new and "<img src=x" not in new
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in new
    assert new == old
