"""Action plans: pro rata, traffic light, drivers, reconciliation and validation on SYNTETISK
fixtures (tests/fixtures/synthetic_actionplan/), and golden checks on the real data."""

import datetime as dt
import shutil
from pathlib import Path

import pytest

from rapportbok.analysis import actionplan as ap
from rapportbok.analysis import reconcile
from rapportbok.chapters import actionplan as chapter
from rapportbok.core import periods
from rapportbok.data import datasets
from rapportbok.data.schema import DataError

FIXTURE = Path(__file__).parent / "fixtures" / "synthetic_actionplan"
ORG = "syntetisk"


@pytest.fixture
def synth(monkeypatch):
    monkeypatch.setenv("RAPPORTBOK_DATA", str(FIXTURE))
    return datasets.load_org(ORG, FIXTURE)


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """A writable copy of the synthetic data, for the validation tests."""
    dst = tmp_path / "data"
    shutil.copytree(FIXTURE, dst)
    monkeypatch.setenv("RAPPORTBOK_DATA", str(dst))
    return dst


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _issues(data: Path):
    with pytest.raises(DataError) as err:
        datasets.load_org(ORG, data)
    return err.value.issues


# --- pro rata ------------------------------------------------------------------------------


def test_pro_rata_from_1_january():
    assert ap.expected_to_date(365, 2030, dt.date(2030, 4, 30)) == pytest.approx(120)
    assert ap.expected_to_date(365, 2030, dt.date(2030, 12, 31)) == pytest.approx(365)
    assert ap.expected_to_date(365, 2030, dt.date(2031, 3, 1)) == pytest.approx(365)  # capped at year end


def test_pro_rata_from_effect_start():
    # 1 July to 31 December = 184 days; to 31 August = 62 days
    assert ap.expected_to_date(600, 2030, dt.date(2030, 8, 31), dt.date(2030, 7, 1)) == pytest.approx(600 * 62 / 184)
    assert ap.expected_to_date(600, 2030, dt.date(2030, 4, 30), dt.date(2030, 7, 1)) == 0.0
    assert ap.expected_to_date(600, 2030, dt.date(2030, 12, 31), dt.date(2031, 3, 1)) == 0.0  # starts after the year
    # a start before the year counts from 1 January
    assert ap.expected_to_date(365, 2030, dt.date(2030, 4, 30), dt.date(2029, 9, 1)) == pytest.approx(120)
    assert ap.expected_to_date(None, 2030, dt.date(2030, 4, 30)) is None


def test_tertial_end_dates():
    assert [periods.tertial_end(2030, t) for t in (1, 2, 3)] == [
        dt.date(2030, 4, 30),
        dt.date(2030, 8, 31),
        dt.date(2030, 12, 31),
    ]


@pytest.mark.parametrize(
    "actual, expected, light",
    [
        (90, 100, "grön"),
        (200, 100, "grön"),
        (89.9, 100, "gul"),
        (50, 100, "gul"),
        (49.9, 100, "röd"),
        (0, 100, "röd"),
        (None, 100, "grå"),
        (10, None, "grå"),
        (0, 0, "grå"),
        (0, -1452, "grå"),
    ],
)
def test_traffic_light_thresholds(actual, expected, light):
    assert ap.traffic_light(actual, expected)[0] == light


def test_status_table_selects_follow_ups_by_tertial(synth):
    t2 = ap.status_table(synth, 2030, 2).set_index("atgard_id")
    assert t2.at["M1", "actual_tkr"] == 250 and t2.at["M1", "as_of"] == dt.date(2030, 8, 31)
    assert t2.at["M1", "expected_tkr"] == pytest.approx(365 * 243 / 365)
    assert t2.at["M2", "light"] == "röd"  # 100 of 202 expected = 49 %
    assert not t2.at["M3", "counted"]
    t1 = ap.status_table(synth, 2030, 1).set_index("atgard_id")
    assert t1.at["M1", "actual_tkr"] == 120 and t1.at["M1", "light"] == "grön"
    assert not t1.at["M2", "has_followup"] and t1.at["M2", "reason"] == "ingen uppföljning i källorna"


def test_planned_effect_for_year(synth):
    # 365 + 600 + 200 (group row); M3 is counted in others and excluded; 2031 is given in mnkr
    assert ap.planned_effect_for_year(synth, 2030) == (1165.0, ["SYNTETISK plan"])
    assert ap.planned_effect_for_year(synth, 2031) == (400.0, ["SYNTETISK plan"])
    assert ap.planned_effect_for_year(synth, 2032) == (None, [])
    assert chapter.has_data(synth, 2031) and not chapter.has_data(synth, 2029)


# --- drivers -------------------------------------------------------------------------------


def test_driver_calculations(synth):
    res = {(r.atgard_id, r.drivare_id): r for r in ap.driver_effects(synth["atgard_drivare"])}
    days = res[("M1", "D1")]
    assert (days.low_tkr, days.high_tkr, days.stated_tkr) == (300, 480, 365) and days.verdict == "Inom intervallet"
    staff = res[("M2", "D1")]  # 3 åa x 0,65 mnkr = 1 950 tkr against 2,0 mnkr
    assert (staff.low_tkr, staff.high_tkr, staff.stated_tkr) == (1950, 1950, 2000) and staff.outside
    pct = res[("M2", "D2")]
    assert pct.low_tkr is None and pct.verdict.startswith("Kan inte beräknas")
    assert "2\u00a0500\u00a0tkr–5\u00a0000\u00a0tkr" in pct.implied
    open_ended = res[("M3", "D1")]  # "minst": no upper bound
    assert open_ended.low_tkr == 10 and open_ended.high_tkr is None and not open_ended.outside


# --- reconciliation ------------------------------------------------------------------------


def _by_check(findings, text):
    hits = [f for f in findings if text in f.check]
    assert hits, text
    return hits


def test_stated_sum_against_rows(synth):
    f = _by_check(ap.sum_checks(synth), "Summa, effekt 2030: summan")[0]
    assert (f.stated, f.computed, f.ok) == (1200, 1215, False)


def test_double_count_flagged_with_both_figures(synth):
    f = _by_check(ap.sum_checks(synth), "utan dubbelräkning")
    assert [(x.stated, x.computed) for x in f] == [(1200, 1165), (1615, 1565)]
    assert all("Åtgärd tre" in x.check for x in f)


def test_actual_sum_converts_units(synth):
    f = _by_check(ap.sum_checks(synth), "Faktisk effekt 2030")[0]
    assert f.unit == "mnkr" and f.stated == 0.2 and f.computed == pytest.approx(0.35) and not f.ok


def test_group_rows(synth):
    f = _by_check(ap.group_checks(synth), "Grupp fyra 2030")[0]
    assert f.ok and "fördelas inte" in f.check


def test_numbering_duplicates_and_gaps(synth):
    checks = [(f.check, f.stated, f.computed) for f in ap.numbering_checks(synth)]
    assert ("Åtgärdsnummer 2 ska förekomma en gång; det står på rad 2 och 3", 1, 2) in checks
    assert ("Åtgärdsnummer 3 saknas i numreringen 1–5", 1, 0) in checks


def test_stated_count_against_rows(synth):
    f = ap.count_checks(synth, ORG)[0]
    assert (f.stated, f.computed, f.ok) == (4, 5, False)


def test_chapter_warnings_list_mismatches(synth):
    lines = chapter.warnings(synth, ORG)
    findings = ap.all_checks(synth, ORG)
    # One meaning of avvikelse (issue #28): a rounding or the book's de-duplication is never a warning.
    assert len(lines) == len(reconcile.real_mismatches(findings)) == 5
    assert len(reconcile.not_exact(findings)) == 7
    assert all(line.startswith("Avstämning (åtgärdsplan): ") for line in lines)


# --- validation ----------------------------------------------------------------------------


def test_follow_up_naming_unknown_measure(scratch):
    _replace(scratch / ORG / "uppfoljning_atgarder.csv", "M2,2030-08-31", "M9,2030-08-31")
    [i] = _issues(scratch)
    assert (i.file, i.row, i.column, i.value) == (f"{ORG}/uppfoljning_atgarder.csv", 3, "atgard_id", "M9")
    assert "atgard_id ur atgarder.csv" in i.message()


def test_follow_up_date_outside_plan_years(scratch):
    _replace(scratch / ORG / "uppfoljning_atgarder.csv", "M2,2030-08-31", "M2,2033-08-31")
    [i] = _issues(scratch)
    assert (i.row, i.column, i.value) == (3, "per_datum", "2033-08-31")
    assert "inom planens år 2030–2031" in i.expected


def test_non_numeric_effect(scratch):
    _replace(scratch / ORG / "uppfoljning_atgarder.csv", "M2,2030-08-31,100,", "M2,2030-08-31,ca 100,")
    [i] = _issues(scratch)
    assert (i.file, i.row, i.column, i.value) == (f"{ORG}/uppfoljning_atgarder.csv", 3, "faktisk_effekt", "ca 100")
    assert "ett tal" in i.expected


def test_effect_year_outside_plan_years(scratch):
    _replace(scratch / ORG / "atgard_effekter.csv", "M1,2031,", "M1,2035,")
    [i] = _issues(scratch)
    assert (i.file, i.row, i.column, i.value) == (f"{ORG}/atgard_effekter.csv", 6, "ar", "2035")


def test_duplicate_measure_id(scratch):
    _replace(scratch / ORG / "atgarder.csv", "SYN-P,M5,", "SYN-P,M4,")
    issues = _issues(scratch)
    assert any(i.column == "atgard_id" and i.row == 6 and "unik" in i.expected for i in issues)


def test_unknown_group_reference(scratch):
    _replace(scratch / ORG / "atgarder.csv", ",M4,nej", ",M7,nej")
    [i] = _issues(scratch)
    assert (i.row, i.column, i.value) == (6, "grupp", "M7") and "grupprad" in i.expected


def test_unknown_plan_in_sums(scratch):
    _replace(scratch / ORG / "atgardsplan_summor.csv", "SYN-P,S3", "SYN-X,S3")
    [i] = _issues(scratch)
    assert (i.file, i.row, i.column) == (f"{ORG}/atgardsplan_summor.csv", 4, "plan_id")


# --- golden: the real data -----------------------------------------------------------------


@pytest.fixture(scope="module")
def real():
    return {org: datasets.load_org(org) for org in ("alingsas", "linkoping", "haninge")}


def test_golden_haninge_actual_sum(real):
    bad = reconcile.not_exact(ap.all_checks(real["haninge"], "haninge"))
    sums = [(f.stated, round(f.computed, 3), f.unit) for f in bad if "faktisk effekt" in f.check]
    assert sums == [(7.1, 7.393, "mnkr"), (7133, 7393, "tkr")]
    checks = [f.check for f in bad]
    assert "Åtgärdsnummer 1 ska förekomma en gång; det står på rad 1 och 11" in checks
    assert "Åtgärdsnummer 11 saknas i numreringen 1–28" in checks
    count = next(f for f in bad if f.unit == "st" and "Antal" in f.check)
    assert (count.stated, count.computed) == (27, 28)
    assert len(bad) == 5


def test_golden_haninge_follow_up(real):
    st = ap.status_table(real["haninge"], 2018, 2)
    assert len(st) == 28 and st["actual_tkr"].sum() == 7393 and st["actual_tkr"].notna().sum() == 25
    assert set(st["as_of"]) == {dt.date(2018, 7, 31)}
    assert st.set_index("rad").at[25, "light"] == "grön"
    assert ap.status_table(real["haninge"], 2018, 1)["has_followup"].sum() == 0  # none by 30 April
    assert ap.planned_effect_for_year(real["haninge"], 2018)[0] == 15000
    assert ap.planned_effect_for_year(real["haninge"], 2019)[0] == 20000


def test_golden_alingsas_double_count(real):
    findings = ap.all_checks(real["alingsas"], "alingsas")
    plain = [(f.stated, f.computed) for f in findings if "utan dubbelräkning" not in f.check]
    assert [f.ok for f in findings if "utan dubbelräkning" not in f.check] == [True, True]
    assert plain == [(6.0, pytest.approx(6.0)), (8.5, pytest.approx(8.5))]
    dbl = [(f.stated, round(f.computed, 3)) for f in findings if "utan dubbelräkning" in f.check]
    assert dbl == [(6.0, 5.5), (8.5, 8.0)]
    assert all("Förändrad delegationsnivå" in f.check for f in findings if "utan dubbelräkning" in f.check)
    assert ap.planned_effect_for_year(real["alingsas"], 2025) == (5500.0, ["Bilaga 2. Ekonomisk handlingsplan"])
    assert ap.planned_effect_for_year(real["alingsas"], 2024) == (None, ["Bilaga 2. Ekonomisk handlingsplan"])


def test_golden_alingsas_drivers(real):
    res = {(r.atgard_id, r.drivare_id): r for r in ap.driver_effects(real["alingsas"]["atgard_drivare"])}
    assert (res[("ALI-01", "D1")].low_tkr, res[("ALI-01", "D1")].high_tkr) == (840, 1120)
    assert res[("ALI-01", "D2")].low_tkr == 2190 and res[("ALI-01", "D2")].high_tkr is None
    assert res[("ALI-04", "D1")].outside and res[("ALI-04", "D1")].low_tkr == 1950
    assert res[("ALI-02", "D1")].implied and res[("ALI-05", "D1")].low_tkr is None


def test_golden_linkoping_totals_agree(real):
    findings = ap.all_checks(real["linkoping"], "linkoping")
    assert findings and not reconcile.not_exact(findings)
    assert [ap.planned_effect_for_year(real["linkoping"], y)[0] for y in (2024, 2025, 2026, 2027)] == [
        9000,
        18000,
        18000,
        18000,
    ]
    assert chapter.warnings(real["linkoping"], "linkoping") == []


def test_has_data_follows_plan_years(real):
    assert [y for y in range(2017, 2029) if chapter.has_data(real["alingsas"], y)] == [2024, 2025]
    assert [y for y in range(2017, 2029) if chapter.has_data(real["linkoping"], y)] == [2024, 2025, 2026, 2027]
    assert [y for y in range(2017, 2029) if chapter.has_data(real["haninge"], y)] == [2018, 2019]
