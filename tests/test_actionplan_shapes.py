"""Action plans of other shapes (issue #13): proposals without any follow-up, approximate totals.

SYNTETISK: every organisation here is a copy of tests/fixtures/synthetic_actionplan/ (all
figures invented), edited per test.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import chapter_notebook

from rapportbok.analysis import actionplan as ap
from rapportbok.analysis import reconcile
from rapportbok.analysis.reconcile import Finding
from rapportbok.data import datasets
from rapportbok.data.schema import DataError

FIXTURE = Path(__file__).parent / "fixtures" / "synthetic_actionplan"
ORG = "syntetisk"


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    dst = tmp_path / "data"
    shutil.copytree(FIXTURE, dst)
    monkeypatch.setenv("RAPPORTBOK_DATA", str(dst))
    return dst


def mark_approximate(data: Path, summa_id: str, belopp: str | None = None, flag: str = "omkring") -> None:
    """Add the optional column ungefarlig (SYNTETISK) and mark one stated total."""
    f = data / ORG / "atgardsplan_summor.csv"
    header, *rows = f.read_text(encoding="utf-8").splitlines()
    out = [header + ",ungefarlig"]
    for r in rows:
        if r.split(",")[1] == summa_id:
            if belopp is not None:
                r = r.replace(",planerad,1200,tkr,", f",planerad,{belopp},tkr,", 1)
            out.append(r + "," + flag)
        else:
            out.append(r + ",")
    f.write_text("\n".join(out) + "\n", encoding="utf-8")


# --- the rule ----------------------------------------------------------------------------------


def test_approximate_figure_tolerance():
    exact = Finding("Summa", 40.0, 41.5, "mnkr", "SYNTETISK", 1)
    assert not exact.ok and exact.verdict == "Avviker"
    approx = Finding("Summa", 40.0, 41.5, "mnkr", "SYNTETISK", 1, approx="omkring")
    assert (
        approx.ok and approx.approximately and approx.verdict == "Stämmer ungefär (källan anger ett ungefärligt belopp)"
    )
    at_limit = Finding("Summa", 40.0, 44.0, "mnkr", "SYNTETISK", 1, approx="omkring")  # exactly 10 %
    assert at_limit.ok
    beyond = Finding("Summa", 40.0, 44.1, "mnkr", "SYNTETISK", 1, approx="omkring")
    assert not beyond.ok and beyond.verdict == "Avviker (mer än 10 % från ett ungefärligt belopp)"
    assert beyond.text().startswith("Summa: källan anger omkring 40,0\u00a0mnkr")
    rounding = Finding("Summa", 40.0, 40.04, "mnkr", "SYNTETISK", 1, approx="omkring")
    assert rounding.ok and not rounding.approximately and rounding.verdict == "Stämmer (avrundning)"
    assert reconcile.table([approx])["Enligt källan"].tolist() == ["omkring 40,0"]


def test_approximate_total_in_the_reconciliation(scratch):
    mark_approximate(scratch, "S1")  # "Summa, effekt 2030": 1 200 stated, the rows give 1 215 (1,25 %)
    data = datasets.load_org(ORG, scratch)
    f = next(x for x in ap.sum_checks(data) if x.check.startswith("Summa, effekt 2030: summan"))
    assert (f.stated, f.computed, f.ok, f.approx) == (1200, 1215, True, "omkring")
    assert f not in reconcile.real_mismatches(ap.sum_checks(data))
    others = [x for x in ap.sum_checks(data) if x.check.startswith("Summa, helårseffekt")]
    assert others and not any(x.is_approx for x in others)  # the column defaults to nej


def test_approximate_total_far_off_is_still_a_mismatch(scratch):
    mark_approximate(scratch, "S1", belopp="1000")  # omkring 1 000, the rows give 1 215: 21,5 %
    data = datasets.load_org(ORG, scratch)
    f = next(x for x in ap.sum_checks(data) if x.check.startswith("Summa, effekt 2030: summan"))
    assert not f.ok and f in reconcile.real_mismatches(ap.sum_checks(data))


def test_bad_ungefarlig_value(scratch):
    mark_approximate(scratch, "S1", flag="kanske")
    with pytest.raises(DataError) as err:
        datasets.load_org(ORG, scratch)
    assert [i.message() for i in err.value.issues] == [
        "syntetisk/atgardsplan_summor.csv, rad 2, kolumn 'ungefarlig': värdet 'kanske' – förväntade ett av: nej, omkring, minst, högst."
    ]


# --- proposals without follow-up ---------------------------------------------------------------


def _page(folder: Path) -> str:
    out = folder / "atgardsplan.ipynb"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "papermill",
            str(chapter_notebook("atgardsplan", folder)),
            str(out),
            "-p",
            "org",
            ORG,
            "-p",
            "year",
            "2030",
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


def test_plan_without_follow_up_shows_planned_effects_only(scratch, tmp_path):
    (scratch / ORG / "uppfoljning_atgarder.csv").unlink()
    page = _page(tmp_path)
    assert "Källorna innehåller ingen uppföljning av åtgärderna per 30 april 2030" in page
    assert "Förväntat t.o.m." not in page and "Förväntat hittills, tkr" not in page
    assert "Åtgärder 2030: planerad effekt, tkr" in page
    assert "Inga trafikljus: källorna innehåller ingen uppföljning av åtgärderna." in page


def test_plan_with_follow_up_still_shows_expected(scratch, tmp_path):
    page = _page(tmp_path)
    assert (
        "Förväntat hittills" in page
        and "förväntad (t.o.m." in page
        and "Källorna innehåller ingen uppföljning av åtgärderna" not in page
    )


# --- amounts in kr -------------------------------------------------------------------------------


def test_measures_in_kr(scratch, tmp_path):
    """SYNTETISK: the same plan with the plan and its 2030 effects stated in kronor (625 000 kr = 625 tkr)."""
    before = datasets.load_org(ORG, scratch)
    planned_tkr, _ = ap.planned_effect_for_year(before, 2030)
    d = scratch / ORG
    plan = d / "atgardsplaner.csv"
    plan.write_text(
        plan.read_text(encoding="utf-8").replace(",Syntetiskt underskott,tkr,", ",Syntetiskt underskott,kr,"),
        encoding="utf-8",
    )
    eff = d / "atgard_effekter.csv"
    text = eff.read_text(encoding="utf-8")
    for v in ("365", "600", "50", "200"):
        text = text.replace(f",2030,{v},tkr,", f",2030,{int(v) * 1000},kr,")
    text = text.replace(",2030,600000,kr,", ",2030,625000,kr,")  # 625 000 kronor instead of 600 tkr
    eff.write_text(text, encoding="utf-8")
    meas = d / "atgarder.csv"
    text = meas.read_text(encoding="utf-8")
    for v in ("365", "1200", "50"):  # helårseffekt is in the plan's unit
        text = text.replace(f",,{v},", f",,{int(v) * 1000},").replace(f"halvåret,{v},", f"halvåret,{int(v) * 1000},")
    meas.write_text(text, encoding="utf-8")
    after = datasets.load_org(ORG, scratch)
    e = ap.effects_tkr(after).set_index(["atgard_id", "ar"])["effekt_tkr"]
    assert e[("M2", 2030)] == 625 and e[("M1", 2030)] == 365 and e[("M1", 2031)] == 400
    total, _ = ap.planned_effect_for_year(after, 2030)
    assert total == planned_tkr + 25
    s1 = next(x for x in ap.sum_checks(after) if x.check.startswith("Summa, effekt 2030: summan"))
    assert (s1.stated, s1.computed, s1.unit) == (1200, 1240, "tkr")
    helar = next(x for x in ap.sum_checks(after) if x.check.startswith("Summa, helårseffekt: summan"))
    assert helar.computed == next(x for x in ap.sum_checks(before) if x.check == helar.check).computed
    page = _page(tmp_path)
    assert "Källan anger beloppen i kr; här omräknade till tkr (1 000 kr = 1 tkr, 1 mnkr = 1 000 tkr)." in page
