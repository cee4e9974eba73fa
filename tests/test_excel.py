"""Excel round trip: `rapportbok mall` writes a template, `rapportbok import` reads it back.

Every value typed into a template here is SYNTETISK (synthetic test data): it lives only in
tmp_path and in a scratch copy of data/, never in the real data/.
"""

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import copy_data

from rapportbok.cli import main
from rapportbok.data import datasets
from rapportbok.data.actionplan import UPPFOLJNING
from rapportbok.data.schema import Col, TableSpec, cell_text, read_table

ROOT = Path(__file__).resolve().parents[1]
SYNT = "SYNTETISK testvärde"
SOURCE = "haninge-delredovisning-2018"


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """A copy of data/ with Haninge, the organisation most tests here import into (an import validates the whole
    folder: each organisation more is time, and none can change what is said about Haninge's follow-up)."""
    data = copy_data(tmp_path / "data", ["haninge"])
    monkeypatch.setenv("RAPPORTBOK_DATA", str(data))
    monkeypatch.chdir(tmp_path)
    return data


def with_org(data: Path, org: str) -> None:
    """Another organisation of data/ added to the scratch copy."""
    shutil.copytree(ROOT / "data" / org, data / org)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def run(*args):
    return CliRunner().invoke(main, list(args))


def make_template(tmp_path, org="haninge", year="2018", tertial="3"):
    result = run("mall", "--org", org, "--ar", year, "--tertial", tertial)
    assert result.exit_code == 0, result.output
    path = tmp_path / f"uppfoljning_{org}_{year}_T{tertial}.xlsx"
    assert path.is_file()
    return path


def fill(path, rows: dict[str, dict]):
    """Fill rows of the template by atgard_id (SYNTETISK values)."""
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        aid = row[0].value
        for name, value in rows.get(aid, {}).items():
            row[header.index(name)].value = value
    wb.save(path)


def filled(**over):
    base = {"faktisk_effekt": 100, "status_text": SYNT, "kalla": SOURCE, "avsnitt": "SYNTETISK avsnitt"}
    return {**base, **over}


# --- reading .xlsx -------------------------------------------------------------------------------

SPEC = TableSpec("t.xlsx", "Test", (Col("post"), Col("belopp", "number"), Col("datum", "date", required=False)))


def write_xlsx(path, rows):
    wb = openpyxl.Workbook()
    for r in rows:
        wb.active.append(r)
    wb.save(path)
    return path


@pytest.mark.parametrize(
    "value, text",
    [
        (1234.5, "1234.5"),
        (1234.0, "1234"),
        (3, "3"),
        (0.1, "0.1"),
        (1e-05, "0.00001"),
        (-245082, "-245082"),
        (None, ""),
        (dt.datetime(2025, 4, 30), "2025-04-30"),
        (dt.date(2025, 8, 31), "2025-08-31"),
        ("1,5", "1,5"),
    ],
)
def test_cell_text(value, text):
    assert cell_text(value) == text


def test_xlsx_real_number_and_text_decimal_comma(tmp_path):
    p = write_xlsx(
        tmp_path / "t.xlsx",
        [
            ["post", "belopp", "datum"],
            ["A", 1.5, dt.datetime(2025, 4, 30)],
            ["B", "1,5", None],
            ["C", "1 234,5", "2025-08-31"],
        ],
    )
    df, issues = read_table(p, SPEC, "t.xlsx")
    assert issues == []
    assert df.loc[2, "belopp"] == 1.5  # a real Excel number
    assert df.loc[3, "belopp"] == 1.5  # "1,5" typed as text: one and a half, not 15
    assert df.loc[4, "belopp"] == 1234.5
    assert df.loc[2, "datum"] == dt.date(2025, 4, 30) and df.loc[4, "datum"] == dt.date(2025, 8, 31)


def test_xlsx_issues_use_excel_row_numbers(tmp_path):
    p = write_xlsx(
        tmp_path / "t.xlsx", [["post", "belopp", "datum"], ["A", 1, None], [None, None, None], ["B", "1,5 tkr", "30/4"]]
    )
    df, issues = read_table(p, SPEC, "t.xlsx")
    assert df is None
    assert [i.message() for i in issues] == [
        "t.xlsx, rad 4, kolumn 'belopp': värdet '1,5 tkr' – förväntade ett tal, t.ex. 1234 eller −1 234,5.",
        "t.xlsx, rad 4, kolumn 'datum': värdet '30/4' – förväntade ett datum som ÅÅÅÅ-MM-DD, t.ex. 2025-04-30.",
    ]


def test_xlsx_missing_and_unknown_columns_and_stray_cells(tmp_path):
    p = write_xlsx(tmp_path / "t.xlsx", [["post", "belopp", "extra"], ["A", 1, "x"]])
    _, issues = read_table(p, SPEC, "t.xlsx")
    assert [i.message() for i in issues] == [
        "t.xlsx, rad 1, kolumn 'datum': en tom cell – förväntade kolumnen 'datum' i rubrikraden.",
        "t.xlsx, rad 1, kolumn 'extra': värdet 'extra' – förväntade bara kända kolumner: post, belopp, datum.",
    ]
    p = write_xlsx(tmp_path / "u.xlsx", [["post", "belopp", "datum"], ["A", 1, None, "anteckning"]])
    _, issues = read_table(p, SPEC, "u.xlsx")
    assert [i.message() for i in issues] == [
        "u.xlsx, rad 2, kolumn 'D': värdet 'anteckning' – förväntade inga värden utanför kolumnerna med rubrik (kolumn A–C)."
    ]


def test_unreadable_workbook_gives_advice(tmp_path):
    p = tmp_path / "gammal.xlsx"
    p.write_bytes(b"\xd0\xcf\x11\xe0 not a zip: an old .xls renamed")
    df, issues = read_table(p, SPEC, "gammal.xlsx")
    assert df is None
    assert [i.message() for i in issues] == [
        "gammal.xlsx: värdet 'gammal.xlsx' – förväntade en arbetsbok som går att öppna: öppna filen i Excel och spara den "
        "som Excel-arbetsbok (.xlsx) eller som CSV UTF-8 (kommaavgränsad) (.csv)."
    ]


def test_csv_path_unchanged(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("post;belopp;datum\nA;1,5;\n", encoding="utf-8")
    df, issues = read_table(p, SPEC, "t.csv")
    assert issues == [] and df.loc[2, "belopp"] == 1.5


# --- mall --------------------------------------------------------------------------------------------


def test_mall_writes_spec_columns_one_row_per_measure(scratch, tmp_path):
    path = make_template(tmp_path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Uppföljning", "Instruktioner"]
    ws = wb["Uppföljning"]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == UPPFOLJNING.names  # the data sheet holds only the spec's columns
    ids = [r[0] for r in rows[1:]]
    assert ids == [f"HAN-{n:02d}" for n in range(1, 29)]
    assert {r[1] for r in rows[1:]} == {dt.datetime(2018, 12, 31)}
    assert {r[3] for r in rows[1:]} == {"tkr"}
    assert all(r[2] is None and r[4] is None and r[5] is None and r[6] is None for r in rows[1:])
    header = {c.value: c for c in ws[1]}
    for name in ("faktisk_effekt", "status_text"):
        assert header[name].fill.fgColor.rgb.endswith("FFFF00")
        assert header[name].comment is not None and header[name].comment.text.startswith("FYLL I")
        assert ws.cell(row=2, column=UPPFOLJNING.names.index(name) + 1).fill.fgColor.rgb.endswith("FFFF00")
    assert "Minskat föreningsbidrag" in ws["A2"].comment.text
    info = [r for r in wb["Instruktioner"].iter_rows(values_only=True)]
    assert any(r[0] == "HAN-01" and "Minskat föreningsbidrag" in r[2] for r in info)
    assert any(isinstance(r[0], str) and r[0].startswith("Så fyller du i") for r in info)


def test_mall_leaves_out_group_members_whose_figures_are_on_the_group_row(scratch, tmp_path):
    with_org(scratch, "linkoping")
    path = make_template(tmp_path, "linkoping", "2024", "2")
    ws = openpyxl.load_workbook(path).worksheets[0]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == ["LIN-01", "LIN-02"]  # LIN-03..05 are members of group LIN-02
    assert {r[1] for r in rows} == {dt.datetime(2024, 8, 31)} and {r[3] for r in rows} == {"mnkr"}


def test_mall_default_name_and_year_outside_plans(scratch, tmp_path):
    with_org(scratch, "alingsas")
    make_template(tmp_path, "alingsas", "2025", "1")
    again = run("mall", "--org", "alingsas", "--ar", "2025", "--tertial", "1")
    assert again.exit_code == 1 and "finns redan" in again.output
    result = run("mall", "--org", "alingsas", "--ar", "2030", "--tertial", "1", "--ut", str(tmp_path / "x.xlsx"))
    assert result.exit_code == 1
    assert "förväntade en åtgärdsplan som omfattar år 2030; planerna är: alingsas-hp-2024 (2024–2025)." in result.output
    assert not (tmp_path / "x.xlsx").exists()


# --- import ------------------------------------------------------------------------------------------


def test_import_appends_filled_rows_and_skips_empty(scratch, tmp_path):
    path = make_template(tmp_path)
    fill(
        path,
        {
            "HAN-01": filled(faktisk_effekt=1.5),
            "HAN-02": filled(faktisk_effekt="1 234,5"),
            "HAN-03": filled(faktisk_effekt=None),
            "HAN-04": filled(faktisk_effekt="1,5"),
        },
    )  # decimal comma typed as text
    target = scratch / "haninge" / "uppfoljning_atgarder.csv"
    before = target.read_bytes()
    others = {k: v for k, v in snapshot(scratch).items() if k != "haninge/uppfoljning_atgarder.csv"}
    result = run("import", str(path), "--org", "haninge")
    assert result.exit_code == 0, result.output
    assert "Importerade 4 rader till haninge/uppfoljning_atgarder.csv." in result.output
    assert "Ej ifyllda, överhoppade (24): HAN-05 (rad 6)" in result.output
    after = target.read_bytes()
    assert after.startswith(before)
    assert after[len(before) :].decode("utf-8") == (
        # Haninge's file has the optional column kallans_bedomning: left empty (the book's own traffic light)
        f"HAN-01,2018-12-31,1.5,tkr,{SYNT},{SOURCE},SYNTETISK avsnitt,\n"
        f"HAN-02,2018-12-31,1234.5,tkr,{SYNT},{SOURCE},SYNTETISK avsnitt,\n"
        f"HAN-03,2018-12-31,,tkr,{SYNT},{SOURCE},SYNTETISK avsnitt,\n"
        f"HAN-04,2018-12-31,1.5,tkr,{SYNT},{SOURCE},SYNTETISK avsnitt,\n"  # 1,5 is 1.5, not 15
    )
    assert {k: v for k, v in snapshot(scratch).items() if k != "haninge/uppfoljning_atgarder.csv"} == others
    assert [i for i in datasets.validate(scratch) if i.severity == "fel"] == []

    # the same rows again: an error unless --ersatt
    snap = snapshot(scratch)
    again = run("import", str(path), "--org", "haninge")
    assert again.exit_code == 1
    assert (
        "  - uppfoljning_haninge_2018_T3.xlsx, rad 2, kolumn 'atgard_id+per_datum': värdet 'HAN-01 / 2018-12-31' – "
        "förväntade en rad som inte redan finns i haninge/uppfoljning_atgarder.csv (där på rad 30); "
        "ange --ersatt för att ersätta den raden."
    ) in again.output
    assert snapshot(scratch) == snap
    fill(path, {"HAN-01": filled(faktisk_effekt=2)})
    replaced = run("import", str(path), "--org", "haninge", "--ersatt")
    assert replaced.exit_code == 0, replaced.output
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[29] == f"HAN-01,2018-12-31,2,tkr,{SYNT},{SOURCE},SYNTETISK avsnitt,"
    assert len([ln for ln in lines if ",2018-12-31," in ln]) == 4


def test_import_creates_file_with_spec_columns(scratch, tmp_path):
    with_org(scratch, "alingsas")
    path = make_template(tmp_path, "alingsas", "2025", "1")
    fill(path, {"ALI-02": filled(faktisk_effekt=0.4, kalla="alingsas-handlingsplan-2024", enhet="mnkr")})
    result = run("import", str(path), "--org", "alingsas")
    assert result.exit_code == 0, result.output
    assert (scratch / "alingsas" / "uppfoljning_atgarder.csv").read_text(encoding="utf-8") == (
        "atgard_id,per_datum,faktisk_effekt,enhet,status_text,kalla,avsnitt\n"
        f"ALI-02,2025-04-30,0.4,mnkr,{SYNT},alingsas-handlingsplan-2024,SYNTETISK avsnitt\n"
    )


def test_import_adds_the_sources_own_status_when_filled_in(scratch, tmp_path):
    """kallans_bedomning (the source's own status of a measure, issue #26) is a column of the template; a file
    without it gets it when the import fills it in: nothing the analyst typed is dropped (SYNTETISK values)."""
    with_org(scratch, "alingsas")
    path = make_template(tmp_path, "alingsas", "2025", "1")
    header = [c.value for c in openpyxl.load_workbook(path).worksheets[0][1]]
    assert "kallans_bedomning" in header
    fill(
        path,
        {
            "ALI-02": filled(
                kalla="alingsas-handlingsplan-2024", enhet="mnkr", kallans_bedomning="för tidigt att bedöma"
            )
        },
    )
    result = run("import", str(path), "--org", "alingsas")
    assert result.exit_code == 0, result.output
    assert (scratch / "alingsas" / "uppfoljning_atgarder.csv").read_text(encoding="utf-8") == (
        "atgard_id,per_datum,faktisk_effekt,enhet,status_text,kalla,avsnitt,kallans_bedomning\n"
        f"ALI-02,2025-04-30,100,mnkr,{SYNT},alingsas-handlingsplan-2024,SYNTETISK avsnitt,för tidigt att bedöma\n"
    )
    fill(path, {"ALI-02": filled(kallans_bedomning="kanske")})
    bad = run("import", str(path), "--org", "alingsas", "--ersatt")
    assert bad.exit_code == 1 and "kallans_bedomning" in bad.output and "för tidigt att bedöma" in bad.output


def test_bad_template_is_rejected_with_exact_messages(scratch, tmp_path):
    path = make_template(tmp_path)
    fill(path, {"HAN-01": filled(faktisk_effekt="1,5 tkr"), "HAN-05": filled()})
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    ws["A3"] = "HAN-99"  # unknown measure on the HAN-02 row
    ws.cell(row=3, column=3, value=5)
    ws.cell(row=3, column=5, value=SYNT)
    ws.cell(row=3, column=6, value=SOURCE)
    ws.cell(row=3, column=7, value="SYNTETISK avsnitt")
    wb.save(path)
    snap = snapshot(scratch)
    result = run("import", str(path), "--org", "haninge")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "1 fel i uppfoljning_haninge_2018_T3.xlsx. Inget har importerats; data/ är oförändrad.",
        "  - uppfoljning_haninge_2018_T3.xlsx, rad 2, kolumn 'faktisk_effekt': värdet '1,5 tkr' – förväntade ett tal, "
        "t.ex. 1234 eller −1 234,5.",
    ]
    assert snapshot(scratch) == snap

    # the effect fixed: now the cross-checks speak (unknown measure, date outside the plan)
    fill(path, {"HAN-01": filled(faktisk_effekt=1.5)})
    wb = openpyxl.load_workbook(path)
    wb.worksheets[0]["B6"] = dt.datetime(2020, 4, 30)  # HAN-05's row
    wb.save(path)
    result = run("import", str(path), "--org", "haninge")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "2 fel i uppfoljning_haninge_2018_T3.xlsx. Inget har importerats; data/ är oförändrad.",
        "  - uppfoljning_haninge_2018_T3.xlsx, rad 3, kolumn 'atgard_id': värdet 'HAN-99' – förväntade ett atgard_id ur "
        "atgarder.csv (t.ex. HAN-01).",
        "  - uppfoljning_haninge_2018_T3.xlsx, rad 6, kolumn 'per_datum': värdet '2020-04-30' – förväntade ett datum inom "
        "planens år 2018–2019 (plan haninge-ap-2018).",
    ]
    assert snapshot(scratch) == snap


def test_import_checks_source_and_required_columns(scratch, tmp_path):
    path = make_template(tmp_path)
    fill(path, {"HAN-01": filled(kalla="okand-kalla"), "HAN-02": filled(avsnitt=None)})
    snap = snapshot(scratch)
    result = run("import", str(path), "--org", "haninge")
    assert result.exit_code == 1
    assert (
        "  - uppfoljning_haninge_2018_T3.xlsx, rad 3, kolumn 'avsnitt': en tom cell – förväntade en ifylld cell (text)."
        in result.output
    )
    fill(path, {"HAN-02": filled()})
    result = run("import", str(path), "--org", "haninge")
    assert result.exit_code == 1
    assert (
        "uppfoljning_haninge_2018_T3.xlsx, rad 2, kolumn 'kalla': värdet 'okand-kalla' – förväntade ett id ur data/kallor.csv"
        in result.output
    )
    assert snapshot(scratch) == snap


def test_import_nothing_filled_and_unreadable(scratch, tmp_path):
    path = make_template(tmp_path)
    snap = snapshot(scratch)
    result = run("import", str(path), "--org", "haninge")
    assert result.exit_code == 1
    assert "förväntade minst en rad med faktisk_effekt eller status_text ifylld." in result.output
    bad = tmp_path / "trasig.xlsx"
    bad.write_bytes(b"inte en arbetsbok")
    result = run("import", str(bad), "--org", "haninge")
    assert result.exit_code == 1
    assert "spara den som Excel-arbetsbok (.xlsx) eller som CSV UTF-8" in result.output
    assert snapshot(scratch) == snap
