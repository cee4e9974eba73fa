"""Any report date (issue #13): månadsrapport per 31 October, tertial ends, delårsrapport per 31 August.

All follow-ups here are SYNTETISK stated tables (tests/stated_fixture.py) in a copy of data/.
"""

import datetime as dt
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import chapter_notebook, copy_data
from stated_fixture import add_source, add_table

from rapportbok.analysis import actionplan as ap
from rapportbok.analysis import budget as bu
from rapportbok.analysis import budget_followup as followup
from rapportbok.core import periods
from rapportbok.data import datasets
from rapportbok.data import organisations as orgs
from rapportbok.data import stated_tables as model
from rapportbok.publish.validation import validate

ROOT = Path(__file__).resolve().parents[1]
NBSP = "\u00a0"
OCT31 = dt.date(2025, 10, 31)
SRC = "alingsas-ekonomisystem-syntetisk"
COLUMNS = [("utfall", "utfall ack", 2025, "Utfall"), ("prognos", "prognos helår", 2025, "Prognos helår")]
# (date, kind, rows: text -> (utfall, prognos)), SYNTETISK
REPORTS = {
    "aug": (
        "2025-08-31",
        "delårsrapport",
        {
            "Verksamhetens intäkter": ("22 000", "32 836"),
            "Personalkostnader": ("−108 000", "−162 198"),
            "Köp av tjänster": ("−42 000", "−64 743"),
        },
    ),
    "okt": (
        "2025-10-31",
        "månadsrapport",
        {
            "Verksamhetens intäkter": ("27 000", "32 836"),
            "Personalkostnader": ("−135 000", "−162 698"),
            "Köp av tjänster": ("−54 000", "−64 743"),
        },
    ),
}


def scratch_data(tmp_path: Path, reports: tuple[str, ...] = (), year_spec: str | None = None) -> Path:
    """A copy of data/ with Alingsås (RAPPORTBOK_DATA points there), SYNTETISK follow-up tables and a report date."""
    data = copy_data(tmp_path / "data", ["alingsas"])
    if reports:
        add_source(data, SRC, "SYNTETISK testkälla: utdrag ur ekonomisystemet", "alingsas", "Ekonomisystem")
    for key in reports:
        per, kind, rows = REPORTS[key]
        add_table(
            data / "alingsas",
            key,
            "SYNTETISK uppföljning per kontogrupp",
            kind,
            per,
            "tkr",
            0,
            SRC,
            f"SYNTETISK {kind}",
            COLUMNS,
            [
                (n, label, None, "post", {"utfall": u, "prognos": f})
                for n, (label, (u, f)) in enumerate(rows.items(), 1)
            ],
            comments={2: "SYNTETISKT: vikarier i oktober."} if key == "okt" else None,
        )
    if year_spec is not None:
        yml = data / "alingsas" / "organisation.yml"
        yml.write_text(yml.read_text(encoding="utf-8").replace("2025: {tertial: 1}", year_spec), encoding="utf-8")
    _MP.setenv("RAPPORTBOK_DATA", str(data))
    return data


@pytest.fixture(autouse=True)
def _env(monkeypatch):
    global _MP
    _MP = monkeypatch


@pytest.fixture
def october(tmp_path, monkeypatch):
    data = scratch_data(tmp_path, ("okt",), "2025: {per: 2025-10-31}")
    monkeypatch.setenv("RAPPORTBOK_DATA", str(data))
    return data


# --- periods ---------------------------------------------------------------------------------


def test_report_dates_and_share_of_year():
    assert periods.tertial_of(dt.date(2025, 8, 31)) == 2 and periods.tertial_of(OCT31) is None
    assert periods.is_month_end(dt.date(2024, 2, 29)) and not periods.is_month_end(
        dt.date(2025, 2, 28) - dt.timedelta(1)
    )
    assert periods.share_pct(OCT31) == pytest.approx(250 / 3)  # 10/12 = 83,3 %, not 66,7 %
    assert periods.year_share_pct(OCT31) == pytest.approx(250 / 3)
    assert periods.year_share_pct(dt.date(2025, 8, 31)) == periods.year_share_pct(2)
    assert periods.report_end(2025, 2) == dt.date(2025, 8, 31) and periods.report_end(2025, OCT31) == OCT31
    assert periods.period_text(OCT31) == "perioden t.o.m. 31 oktober 2025"
    assert periods.period_text(dt.date(2025, 8, 31)) == "tertial 2 2025 (t.o.m. 31 augusti 2025)"
    assert periods.period_text(dt.date(2025, 12, 31)) == "helåret 2025"
    assert [periods.period_label(d) for d in (dt.date(2025, 4, 30), OCT31, dt.date(2025, 12, 31))] == [
        "T1 (30 april)",
        "31 oktober",
        "Helår",
    ]
    assert periods.report_text(OCT31) == "januari–oktober (t.o.m. 31 oktober 2025)"
    assert periods.report_text(dt.date(2025, 8, 31)) == periods.TERTIAL_TEXT[2]


# --- organisation.yml ------------------------------------------------------------------------


def test_organisation_chooses_the_report_date(october):
    org = orgs.get("alingsas")
    assert org.ends[2025] == OCT31 and org.years[2025] == 3  # the tertial the date falls in
    assert org.report_end(2025, 3) == OCT31
    assert org.report_end(2025, 1) == dt.date(2025, 4, 30)  # another tertial asked for explicitly
    assert org.ends[2024] == dt.date(2024, 12, 31)  # the tertial form stays valid


@pytest.mark.parametrize(
    "spec, column, value, expected",
    [
        (
            "2025: {per: 2025-10-15}",
            "ar.2025.per",
            "2025-10-15",
            "ett månadsslut i 2025 som ÅÅÅÅ-MM-DD, t.ex. per: 2025-10-31",
        ),
        (
            "2025: {per: 2024-10-31}",
            "ar.2025.per",
            "2024-10-31",
            "ett månadsslut i 2025 som ÅÅÅÅ-MM-DD, t.ex. per: 2025-10-31",
        ),
        (
            "2025: {per: oktober}",
            "ar.2025.per",
            "oktober",
            "ett datum ÅÅÅÅ-MM-DD som är ett månadsslut, t.ex. per: 2025-10-31",
        ),
        (
            "2025: {per: 2025-10-31, tertial: 2}",
            "ar.2025.tertial",
            "2",
            "ingen tertial, eller den tertial som slutar 2025-10-31 (per)",
        ),
    ],
)
def test_bad_report_date_in_organisation_yml(tmp_path, spec, column, value, expected):
    data = scratch_data(tmp_path, (), spec)
    issues = [i for i in validate(data) if i.severity == "fel"]
    assert [i.message() for i in issues] == [
        f"alingsas/organisation.yml, rad 10, nyckel '{column}': värdet '{value}' – förväntade {expected}."
    ]


def test_delarsrapport_per_31_august_as_a_date(tmp_path):
    data = scratch_data(tmp_path, (), "2025: {per: 2025-08-31, tertial: 2}")
    org = orgs.get("alingsas", data)
    assert org.years[2025] == 2 and org.ends[2025] == dt.date(2025, 8, 31)


# --- the follow-up tables -----------------------------------------------------------------------


def _followups(data: Path):
    tables = model.load(datasets.load_org("alingsas", data))
    return followup.for_year(tables, 2025, bu.budget_table(tables, 2025))


def test_monthly_report_per_31_october(october):
    assert [i for i in validate(october) if i.severity == "fel"] == []
    fus = _followups(october)
    assert [f.per for f in fus] == [OCT31]
    fu = followup.at(fus, OCT31)
    p = next(i for i in fu.items if i.label == "Personalkostnader")
    assert (p.forecast, p.deviation) == (-162698, -162698 + 161198)
    t = followup.display_table(fu)
    assert t["Andel av året, %"].iloc[0] == pytest.approx(250 / 3)
    assert "Utfall t.o.m. 31/10, tkr" in t.columns and "Prognos helår, tkr" in t.columns
    assert followup.at(fus, dt.date(2025, 8, 31)) is None  # nothing per 31 August


def test_monthly_reports_beside_tertials_over_the_year(tmp_path, monkeypatch):
    data = scratch_data(tmp_path, ("aug", "okt"))
    monkeypatch.setenv("RAPPORTBOK_DATA", str(data))
    assert [i for i in validate(data) if i.severity == "fel"] == []
    dev = followup.deviation_over_the_year(_followups(data), 2025, OCT31).set_index("Period")
    assert list(dev.index) == ["T1 (30 april)", "T2 (31 augusti)", "31 oktober"]
    assert dev.loc["31 oktober", "Personalkostnader"] == -162698 - (-161198)
    assert dev.loc["T2 (31 augusti)", "Personalkostnader"] == -162198 - (-161198)


# --- the action plans use the same date -------------------------------------------------------


def test_action_plan_status_uses_the_report_date(monkeypatch):
    monkeypatch.delenv("RAPPORTBOK_DATA", raising=False)
    data = datasets.load_org("haninge")
    after = ap.status_table(data, 2018, dt.date(2018, 10, 31))  # the follow-up per 31 July counts
    assert after["has_followup"].any() and set(after.loc[after["has_followup"], "as_of"]) == {dt.date(2018, 7, 31)}
    before = ap.status_table(data, 2018, dt.date(2018, 6, 30))  # a monthly report before it: none yet
    assert not before["has_followup"].any() and set(before["as_of"]) == {dt.date(2018, 6, 30)}


# --- the built page --------------------------------------------------------------------------


def test_page_names_the_period_by_its_date(october, tmp_path):
    out = tmp_path / "budget.ipynb"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "papermill",
            str(chapter_notebook("budget", tmp_path)),
            str(out),
            "-p",
            "org",
            "alingsas",
            "-p",
            "year",
            "2025",
            "-p",
            "tertial",
            "3",
            "--cwd",
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    nb = nbformat.read(out, as_version=4)
    cell = next(c for c in nb.cells if c.source.strip() == "ch.followup()")
    text = "".join(
        o["data"].get("text/markdown", "") + o["data"].get("text/html", "")
        for o in cell.outputs
        if o.output_type == "display_data"
    )
    assert "**Uppföljning perioden t.o.m. 31 oktober 2025** (Månadsrapport per 31 oktober 2025)." in text
    assert f"Andel av året som har gått: 83,3{NBSP}%" in text
    assert "Budgetuppföljning per kontogrupp, perioden t.o.m. 31 oktober 2025" in text
    assert "66,7" not in text
    assert "Uppföljning saknas för tertial 1, tertial 2 2025" in text


def test_year_page_and_summary_name_the_period(october):
    from rapportbok.chapters.summary import fu_period
    from rapportbok.publish import build

    org = orgs.get("alingsas")
    assert "Socialnämnden, rapportår 2025, januari–oktober (t.o.m. 31 oktober 2025)." in build.year_page(org, 2025, [])
    # 2024 gives only a tertial (the pages are built for it); its sources are a budget and an action plan, so the
    # page names no period it has no report of (issue #26: "tertial 1" on pages without tertial data).
    page_2024 = build.year_page(org, 2024, [])
    assert "Socialnämnden, rapportår 2024.\n" in page_2024 and "tertial" not in page_2024.split("\n")[2]
    assert fu_period(2025, OCT31) == "t.o.m. 31 oktober 2025" and fu_period(2025, 2) == "tertial 2 2025"


def test_excel_template_for_a_report_date(tmp_path, monkeypatch):
    import openpyxl

    from rapportbok.data import measure_workbook as excel
    from rapportbok.data.measure_workbook import ExcelError

    monkeypatch.delenv("RAPPORTBOK_DATA", raising=False)
    assert excel.default_name("haninge", 2018, None, dt.date(2018, 10, 31)) == "uppfoljning_haninge_2018-10-31.xlsx"
    out = tmp_path / "mall.xlsx"
    n = excel.write_template("haninge", 2018, None, out, per=dt.date(2018, 10, 31))
    wb = openpyxl.load_workbook(out)
    ws = wb.worksheets[0]
    col = [c.value for c in ws[1]].index("per_datum")
    assert n > 0 and {ws.cell(row=i, column=col + 1).value.date() for i in range(2, n + 2)} == {dt.date(2018, 10, 31)}
    assert wb.worksheets[1]["A1"].value == "Uppföljning av åtgärder – haninge, t.o.m. 31 oktober 2018 (per 2018-10-31)"
    with pytest.raises(ExcelError) as err:
        excel.write_template("haninge", 2018, None, tmp_path / "x.xlsx", per=dt.date(2018, 10, 30))
    assert [i.message() for i in err.value.issues] == [
        "--per: värdet '2018-10-30' – förväntade ett månadsslut i 2018, t.ex. 2018-10-31."
    ]


def test_the_period_comes_from_a_stated_report_date_or_the_calendar_never_from_a_bare_tertial():
    """SYNTETISK organisation values: `per` names the period; a calendar's latest report in the year does too;
    a tertial alone (the default of ny-organisation) names none."""

    org = orgs.Org(
        "prov",
        "Provkommun",
        "Socialnämnden",
        "9999",
        {2030: 2, 2031: 1, 2032: 1},
        Path("."),
        {2030: dt.date(2030, 7, 31), 2031: dt.date(2031, 4, 30), 2032: dt.date(2032, 4, 30)},
        (("månadsrapport", dt.date(2031, 3, 31)), ("tertialrapport", dt.date(2031, 4, 30))),
        dated=frozenset({2030}),
    )
    assert org.stated_period(2030) == "januari–juli (t.o.m. 31 juli 2030)"
    assert org.stated_period(2031) == "tertial 1 (januari–april)"
    assert org.stated_period(2032) is None
