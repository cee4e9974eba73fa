"""A new analyst transcribes four reports shaped unlike the examples, following the handbook alone (issue #13;
handbok/gor-sa-har/ny-rapport.md).

Every figure is SYNTETISK (tests/fixtures/walkthrough_reports, see its README.md). In a copy of the
project the test does what the handbook says, with the real commands: `ny-organisation`, CSV files by
hand for a tertialrapport in kr and an årsredovisning's driftsredovisning, `mall --tabeller` filled in
Excel (openpyxl) and `importera` for a budget in mnkr and a delårsrapport (first with a typing error,
corrected with `importera --ersatt`), `kontrollera` and `bygg`. The pages must show each table as
stated and flag exactly the one planted inconsistency.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import openpyxl
import pytest
from conftest import ROOT, copy_project, invoke_cli, run_cli

FIX = ROOT / "tests" / "fixtures" / "walkthrough_reports"
NBSP = "\u00a0"
FILES = ("tabeller.csv", "tabell_kolumner.csv", "tabell_varden.csv", "tabell_lankar.csv")


def _fill_budget(book: Path, out: Path) -> None:
    """(b) Budget 2026 with plan years in mnkr with one decimal; kommunbidrag under another name (SYNTETISK)."""
    wb = openpyxl.load_workbook(book)
    ws = wb["budget"]
    ws["B1"], ws["B2"], ws["B5"], ws["B6"] = "budget26", "Budget och plan, mnkr (SYNTETISK)", "mnkr", 1
    ws["B7"], ws["B8"] = (
        "lerum-syntetisk-budget-2026",
        "3. Ekonomiska förutsättningar – Tabell 2. Budget och plan, mnkr",
    )
    rows = [
        (1, "Verksamhetens intäkter", 4, "post", None, 24.6, 25.1, 25.6),
        (2, "Personalkostnader", 4, "post", None, -112.4, -115.8, -119.3),
        (3, "Övriga kostnader", 4, "post", None, -70.7, -72.0, -73.4),
        (4, "Verksamhetens nettokostnad", None, "summa", None, -158.5, -162.7, -167.1),
        (5, "Ramtilldelning från kommunfullmäktige", None, "post", None, 158.5, 162.0, 166.2),
        (6, "Budgetens resultat", None, "differens", "rad 5 + rad 4", 0.0, -0.7, -0.9),
    ]
    for i, r in enumerate(rows, start=15):
        for j, v in enumerate(r, start=1):
            ws.cell(row=i, column=j, value=v)
    wb.save(out)


def _fill_interim(book: Path, out: Path, typo: bool) -> None:
    """(c) Delårsrapport per 31 August: per verksamhet and per kostnadsslag, tkr, costs positive (SYNTETISK).

    The planted mismatch: the kostnadsslag table states Utfall jan–aug 107 580 (its rows agree with it),
    the verksamhet table 107 850. ``typo``: the analyst first types Personalkostnader's budget 112 040."""
    wb = openpyxl.load_workbook(book)
    heads = ("Budget 2026", "Utfall jan–aug 2026", "Utfall jan–aug 2025", "Prognos 2026", "Avvikelse budget–prognos")
    ws = wb["verksamhet"]
    ws.delete_cols(7)  # this source has no Budget ack column
    ws["B1"], ws["B2"] = "d2_verksamhet", "Driftredovisning per verksamhet, tkr (SYNTETISK)"
    ws["B7"], ws["B8"] = "lerum-syntetisk-delar-2026", "4. Ekonomi – Tabell 3. Driftredovisning per verksamhet, tkr"
    for j, h in enumerate(heads, start=6):
        ws.cell(row=14, column=j, value=h)
    rows = [
        (1, "Nämnd och administration", 4, "post", None, 6300, 4050, 3890, 6200, 100),
        (2, "Individ- och familjeomsorg", 4, "post", None, 82000, 57420, 53110, 86100, -4100),
        (3, "Funktionsstöd", 4, "post", None, 70200, 46380, 45020, 69700, 500),
        (4, "Summa", None, "summa", None, 158500, 107850, 102020, 162000, -3500),
    ]
    for i, r in enumerate(rows, start=15):
        for j, v in enumerate(r, start=1):
            ws.cell(row=i, column=j, value=v)
    ws = wb["kostnadsslag"]
    ws["B1"], ws["B2"] = "d2_kostnadsslag", "Driftredovisning per kostnadsslag, tkr (SYNTETISK)"
    ws["B7"], ws["B8"] = "lerum-syntetisk-delar-2026", "4. Ekonomi – Tabell 4. Driftredovisning per kostnadsslag, tkr"
    for j, h in enumerate(heads, start=6):
        ws.cell(row=14, column=j, value=h)
    rows = [
        (1, "Intäkter", 5, "post", None, -24600, -17020, -16300, -25100, 500),
        (2, "Personalkostnader", 5, "post", None, 112040 if typo else 112400, 76530, 72900, 114800, -2400),
        (3, "Köpt verksamhet", 5, "post", None, 48300, 34660, 32100, 51900, -3600),
        (4, "Övriga kostnader", 5, "post", None, 22400, 13410, 13320, 20400, 2000),
        (5, "Summa nettokostnad", None, "summa", None, 158500, 107580, 102020, 162000, -3500),
    ]
    for i, r in enumerate(rows, start=15):
        for j, v in enumerate(r, start=1):
            ws.cell(row=i, column=j, value=v)
    wb["Länkar"].append(["d2_verksamhet", 4, "d2_kostnadsslag", 5])
    wb.save(out)


def _snapshot(org: Path) -> dict[str, bytes]:
    return {name: (org / name).read_bytes() for name in FILES if (org / name).exists()}


@pytest.fixture(scope="module")
def walked(tmp_path_factory) -> dict:
    """The walk-through in a copy of the project; every command's output kept for the tests."""
    root = copy_project(tmp_path_factory.mktemp("walk"))
    out: dict = {"root": root}

    def cli(*args: str):
        """`bygg` in a process of its own (kernels), the other commands in this process (conftest.invoke_cli)."""
        proc = run_cli(root, *args) if args[0] == "bygg" else invoke_cli(root, *args)
        assert "Traceback" not in proc.stderr, proc.stderr
        return proc

    out["new"] = cli("ny-organisation", "--kommun", "1441", "--ar", "2025", "--ar", "2026")
    data, org = root / "data", root / "data" / "lerum"
    with open(data / "kallor.csv", "a", encoding="utf-8") as f:
        f.write((FIX / "SYNTETISK_kallor_rader.csv").read_text(encoding="utf-8"))
    for p in (FIX / "kallor").iterdir():
        shutil.copy(p, data / "kallor" / p.name)
    # (a) by hand: four new files; (d) by hand: lines added at the end of three of them.
    for name in FILES:
        shutil.copy(FIX / f"a_{name}", org / name)
    for name in FILES[:3]:
        with open(org / name, "a", encoding="utf-8") as f:
            f.write((FIX / f"d_{name[:-4]}_rader.csv").read_text(encoding="utf-8"))
    yml = (org / "organisation.yml").read_text(encoding="utf-8")
    assert "  2026: {tertial: 3}\n" in yml
    yml = yml.replace("  2026: {tertial: 3}\n", "  2026: {per: 2026-08-31, tertial: 2}\n") + (
        "rapporter:\n"
        "  - {rapport: budget, per: 2025-11-25}\n"
        "  - {rapport: bokslut, per: 2025-12-31}\n"
        "  - {rapport: tertialrapport, per: 2026-04-30}\n"
        "  - {rapport: delårsrapport, per: 2026-08-31}\n"
        "  - {rapport: bokslut, per: 2026-12-31}\n"
    )
    (org / "organisation.yml").write_text(yml, encoding="utf-8")
    # What the budget's rows mean (tabell_begrepp.csv), written before the budget is imported: kontrollera says
    # that the table does not exist yet (checked below), then the budget comes.
    (org / "tabell_begrepp.csv").write_text(
        "tabell,rad,begrepp\nbudget26,5,kommunbidrag\nbudget26,4,nettokostnad\nbudget26,6,resultat\n", encoding="utf-8"
    )
    out["check_before_budget"] = cli("kontrollera")
    # (b) in Excel.
    work = root / "arbete"
    work.mkdir()
    out["mall_budget"] = cli(
        "mall",
        "--org",
        "lerum",
        "--ar",
        "2026",
        "--per",
        "2025-11-25",
        "--tabeller",
        "budget",
        "--ut",
        str(work / "budget.xlsx"),
    )
    _fill_budget(work / "budget.xlsx", work / "budget.xlsx")
    out["import_budget"] = cli("importera", str(work / "budget.xlsx"), "--org", "lerum")
    # (c) in Excel, first with a typing error, then corrected and replaced.
    out["mall_interim"] = cli(
        "mall",
        "--org",
        "lerum",
        "--ar",
        "2026",
        "--per",
        "2026-08-31",
        "--tabeller",
        "delårsrapport",
        "--ut",
        str(work / "delar.xlsx"),
    )
    _fill_interim(work / "delar.xlsx", work / "delar_fel.xlsx", typo=True)
    _fill_interim(work / "delar.xlsx", work / "delar.xlsx", typo=False)
    out["import_typo"] = cli("importera", str(work / "delar_fel.xlsx"), "--org", "lerum")
    out["check_typo"] = cli("kontrollera")
    out["before_refusal"] = _snapshot(org)
    out["import_again"] = cli("importera", str(work / "delar.xlsx"), "--org", "lerum")
    out["after_refusal"] = _snapshot(org)
    out["import_replace"] = cli("importera", str(work / "delar.xlsx"), "--org", "lerum", "--ersatt")
    out["check"] = cli("kontrollera")
    out["build"] = cli("bygg", "--org", "lerum", "--utan-webbplats")
    return out


def _page(root: Path, year: int, chapter: str) -> str:
    nb = nbformat.read(root / "book" / "lerum" / str(year) / f"{chapter}.ipynb", as_version=4)
    text = "".join(
        o.get("data", {}).get("text/markdown", "") + o.get("data", {}).get("text/html", "")
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
    )
    return re.sub(r"\\(.)", r"\1", text)


def test_commands_as_the_readme_says(walked):
    assert walked["new"].returncode == 0 and "Skapade" in walked["new"].stdout
    assert walked["check_before_budget"].returncode == 1
    assert (
        "lerum/tabell_begrepp.csv, rad 2, kolumn 'tabell': värdet 'budget26' – förväntade ett id ur tabeller.csv: "
        "t1_verksamhet, t1_text, ar_drift"
    ) in walked["check_before_budget"].stderr
    assert walked["mall_budget"].returncode == 0 and walked["mall_interim"].returncode == 0
    assert walked["import_budget"].returncode == 0, walked["import_budget"].stderr
    assert walked["import_budget"].stdout.strip() == "Importerade 1 tabell till data/lerum/: budget26 (ny, 6 rader)."
    assert walked["import_typo"].returncode == 0, walked["import_typo"].stderr
    assert walked["import_typo"].stdout.strip() == (
        "Importerade 2 tabeller till data/lerum/: d2_verksamhet (ny, 4 rader), d2_kostnadsslag (ny, 5 rader). "
        "1 länk (samma belopp i två tabeller) lades till i tabell_lankar.csv."
    )
    # The typing error is a finding (a sum that does not add up), not an error: kontrollera passes and warns.
    assert walked["check_typo"].returncode == 0
    assert "Personalkostnader" not in walked["check_typo"].stdout  # findings are the build's and the pages' to show


def test_the_same_workbook_again_is_refused_then_replaced_with_ersatt(walked):
    refused = walked["import_again"]
    assert refused.returncode == 1 and "Inget har importerats; data/ är oförändrad." in refused.stderr
    assert "delar.xlsx, blad 'verksamhet', rad 1, kolumn 'tabell (cell B1)': värdet 'd2_verksamhet'" in refused.stderr
    assert "ange --ersatt för att ersätta den befintliga tabellen med bladets" in refused.stderr
    assert walked["after_refusal"] == walked["before_refusal"]
    done = walked["import_replace"]
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        "Importerade 2 tabeller till data/lerum/: d2_verksamhet (ersatte tabellen: 4 rader före, 4 rader nu), "
        "d2_kostnadsslag (ersatte tabellen: 5 rader före, 5 rader nu)."
    )  # the link is there already: not added twice
    org = walked["root"] / "data" / "lerum"
    assert (org / "tabell_lankar.csv").read_text(encoding="utf-8").count("d2_verksamhet,4,d2_kostnadsslag,5") == 1
    values = (org / "tabell_varden.csv").read_text(encoding="utf-8")
    assert "112040" not in values and "d2_kostnadsslag,2,Personalkostnader,5,post,,budget,112400" in values


def test_kontrollera_warns_of_missing_comments_only(walked):
    check = walked["check"]
    assert check.returncode == 0 and "data/ är i ordning." in check.stdout
    warnings = [line for line in check.stdout.splitlines() if line.startswith("Varning")]
    # Every follow-up table, in kr, tkr or (the budget) mnkr, is read (issue #25): no warning about a unit. Each
    # material deviation without a comment is named (the synthetic reports have no comments), in its table's unit.
    missing = [w for w in warnings if "förväntade en kommentar i tabell_kommentarer.csv" in w]
    assert len(missing) == len(warnings) == 6
    assert any("(tabell t1_verksamhet, rad 2)" in w and f"−3{NBSP}500{NBSP}000{NBSP}kr" in w for w in missing)
    assert any("(tabell ar_drift, rad 2)" in w and f"−2{NBSP}806{NBSP}tkr" in w for w in missing)
    assert any("(tabell d2_verksamhet, rad 2)" in w and f"−4{NBSP}100{NBSP}tkr" in w for w in missing)


def test_the_build_flags_exactly_the_planted_mismatch(walked):
    build = walked["build"]
    assert build.returncode == 0, build.stdout + build.stderr
    ours = [line for line in build.stdout.splitlines() if line.startswith("Varning (lerum")]
    assert len(ours) == 1, ours
    assert "Utfall jan–aug 2026" in ours[0] and f"107{NBSP}850" in ours[0] and f"107{NBSP}580" in ours[0]
    assert f"källan anger 107{NBSP}850{NBSP}tkr, den andra tabellen anger 107{NBSP}580{NBSP}tkr" in ours[0]
    for year in (2025, 2026):
        assert (walked["root"] / "book" / "lerum" / str(year) / "tabeller.ipynb").is_file()
    # The budget in mnkr is the budget chapter's, in its own unit and precision, beside the follow-up.
    budget_page = _page(walked["root"], 2026, "budget")
    assert f"Kommunbidraget är 158,5{NBSP}mnkr och verksamhetens nettokostnad 158,5{NBSP}mnkr." in budget_page
    assert "Budgetuppföljning per post, tertial 2 2026 (t.o.m. 31 augusti 2026)" in budget_page


def test_tertial_in_kr_with_three_levels_and_the_cirka_total(walked):
    text = _page(walked["root"], 2026, "tabeller")
    assert f"Rapporten avser tertial 1 2026 (t.o.m. 30 april 2026): 4 av årets 12 månader, 33,3{NBSP}% av året." in text
    assert "Driftredovisning per verksamhet, kronor (SYNTETISK), kr" in text
    assert f"−158{NBSP}500{NBSP}000" in text and f"−6{NBSP}412{NBSP}345" in text and f"−825{NBSP}316" in text
    # Sub-rows under a heading row are indented one level per heading (Familjehem: two), totals below are not.
    assert "padding-left: 2.4em" in text and "padding-left: 1.2em" in text
    assert "Avvikelse helår omräknad (prognos helår − budget 2026)" in text
    assert (
        "Prognostiserat underskott helår (cirka)" in text
        and "Prognos enligt sammanfattningen (SYNTETISK), mnkr" in text
    )
    audit = _page(walked["root"], 2026, "avstamning")
    assert "Resultat, Prognos helår = Kommunbidrag + Summa nettokostnad" in audit
    assert "Prognostiserat underskott helår (cirka), Prognos, resultat" in audit  # −3 mnkr against −3 000 000 kr


def test_budget_in_mnkr_is_the_budget_chapters_in_its_own_unit(walked):
    """Issue #25: a budget in mnkr with one decimal gets the budget chapter's analyses, read by meaning
    (tabell_begrepp.csv: the kommunbidrag is 'Ramtilldelning från kommunfullmäktige')."""
    text = _page(walked["root"], 2026, "budget")
    assert "Budget och plan, mnkr (SYNTETISK), mnkr, 1 decimal" in text
    assert "−158,5" in text and "−0,7" in text and "−158,50" not in text
    assert (
        f"Nettokostnaden ökar från 158,5{NBSP}mnkr 2026 till 167,1{NBSP}mnkr 2028; resultatet är mellan "
        f"−0,9{NBSP}mnkr och 0,0{NBSP}mnkr."
    ) in text
    assert "Källan redovisar inget kommunbidrag för 2025, så ingen förändring kan visas." in text
    tables_2026 = _page(walked["root"], 2026, "tabeller")
    assert "Budget per 25 november 2025" not in tables_2026  # shown once: in the budget chapter
    assert "budget per 25 november 2025 (tabellerna visas i kapitlet Budget)" in tables_2026


def test_interim_report_two_tables_and_the_link(walked):
    text = _page(walked["root"], 2026, "tabeller")
    assert (
        f"Rapporten avser tertial 2 2026 (t.o.m. 31 augusti 2026): 8 av årets 12 månader, 66,7{NBSP}% av året." in text
    )
    assert "Budget ack" not in text  # the column removed from the template is not there
    assert "Avvikelse budget–prognos omräknad (budget 2026 − prognos 2026)" in text
    assert "Förändring mot utfall jan–aug 2025" in text
    audit = _page(walked["root"], 2026, "avstamning")
    listed = audit.split("Det som inte stämmer exakt", 1)[1].split("</", 1)[0]
    items = [line for line in listed.splitlines() if line.startswith("- ")]
    assert len(items) == 1 and "Utfall jan–aug 2026" in items[0], items
    assert audit.count("Det som inte stämmer exakt") == 1
    assert "23 stämmer och 1 verklig avvikelse" in text and "39 stämmer och ingen verklig avvikelse" in text


def test_annual_report_with_the_sources_own_sign(walked):
    text = _page(walked["root"], 2025, "tabeller")
    assert "Bokslut per 31 december 2025" in text and "Rapporten avser helåret 2025." in text
    for head in (
        "Intäkter 2025",
        "Kostnader 2025",
        "Nettokostnad 2025",
        "Budget 2025",
        "Avvikelse 2025",
        "Intäkter 2024",
        "Avvikelse 2024",
    ):
        assert head in text
    assert "Avvikelse 2025 omräknad (budget 2025 − nettokostnad 2025)" in text
    assert "Nettokostnad 2024 omräknad (kostnader 2024 − intäkter 2024)" in text
    assert f"−2{NBSP}157" in text and f"−1{NBSP}171" in text
    assert "26 kontroller: 26 stämmer och ingen verklig avvikelse" in text
    assert "Det som inte stämmer exakt" not in _page(walked["root"], 2025, "avstamning")
