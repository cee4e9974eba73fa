"""The budget follow-up on the stated-table model (issue #13: one way to enter a report).

A månadsrapport, tertialrapport, delårsrapport or bokslut entered as stated tables is the follow-up the
budget chapter, the summary and the warnings show; the older budgetuppfoljning.csv is still read and is
converted by tools/uppfoljning_till_tabeller.py. Every test works in a copy of the SYNTETISK test book's
data (tests/testbook_syntetisk/data; RAPPORTBOK_DATA points there). All figures here are SYNTETISKA:
they come from no source.
"""

import datetime as dt
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import displayed, load_tool

from rapportbok.analysis import budget_followup as fu
from rapportbok.analysis import consistency
from rapportbok.data import datasets

ROOT = Path(__file__).resolve().parents[1]
TESTBOOK_DATA = ROOT / "tests" / "testbook_syntetisk" / "data"
OLD_FILE = ROOT / "tests" / "fixtures" / "uppfoljning_gammalt_format" / "testkommun" / "budgetuppfoljning.csv"
TABLE_FILES = ("tabeller.csv", "tabell_kolumner.csv", "tabell_varden.csv", "tabell_kommentarer.csv")
SOURCE = "testkommun-syntetisk-ekonomisystem"


tool = load_tool("uppfoljning_till_tabeller")


@pytest.fixture
def data(tmp_path, monkeypatch):
    """The test book's data as committed: the follow-up as stated tables."""
    d = tmp_path / "data"
    shutil.copytree(TESTBOOK_DATA, d)
    monkeypatch.setenv("RAPPORTBOK_DATA", str(d))
    monkeypatch.chdir(tmp_path)  # chapters run in this process write their downloads to tabeller/ here
    return d


def old_followup_format(d: Path) -> Path:
    """The test book's data as before its migration: budgetuppfoljning.csv (the fixture), no follow-up tables."""
    org = d / "testkommun"
    shutil.copy(OLD_FILE, org / "budgetuppfoljning.csv")
    for name in TABLE_FILES:
        (org / name).unlink(missing_ok=True)
    kallor = d / "kallor.csv"
    kallor.write_text(
        kallor.read_text(encoding="utf-8").replace("testkommun/tabell_varden.csv", "testkommun/budgetuppfoljning.csv"),
        encoding="utf-8",
    )
    return d


def convert(d: Path, *extra: str):
    return CliRunner().invoke(
        tool.main,
        [
            "--org",
            "testkommun",
            "--data",
            str(d),
            "--rubrik",
            "SYNTETISK budgetuppföljning per kontogrupp",
            "--id",
            "syntetisk_uppfoljning",
            *extra,
        ],
    )


def _warnings(d: Path) -> list[str]:
    """The follow-up's warnings (material deviations without a comment), without the file they point to."""
    return sorted(
        re.sub(r"^testkommun/[a-z_]+\.csv, rad \d+, ", "", i.message())
        for i in consistency.validate(d)
        if "väsentlig enligt gränsen" in i.message()
    )


# --- the same figures from either input ------------------------------------------------------------


def test_old_file_and_tables_give_the_same_followup(data, tmp_path):
    new = datasets.load_org("testkommun", data)
    assert fu.from_tables(new["budgetuppfoljning"])
    old_dir = tmp_path / "old"
    shutil.copytree(data, old_dir)
    old = datasets.load_org("testkommun", old_followup_format(old_dir))
    assert not fu.from_tables(old["budgetuppfoljning"])
    a, b = tool.followup_views(old, "testkommun"), tool.followup_views(new, "testkommun")
    assert tool.same_views(a, b)
    oct31 = b[6]  # the 31 October table: every kontogrupp, Köp av tjänster summed from its verksamheter
    assert oct31["Kontogrupp"].tolist()[-1] == "Summa uppföljda kontogrupper"
    row = oct31.set_index("Kontogrupp").loc["Köp av tjänster"]
    assert (row["Utfall t.o.m. 31/10, tkr"], row["Prognos helår, tkr"]) == (-23500, -27500)


def test_warnings_are_the_same_and_point_to_the_table(data, tmp_path):
    new = _warnings(data)
    old_dir = tmp_path / "old"
    shutil.copytree(data, old_dir)
    old = _warnings(old_followup_format(old_dir))
    assert len(new) == len(old) >= 2
    assert sorted(re.sub(r" i tabell_kommentarer\.csv \(tabell \w+, rad \d+\)", "", w) for w in new) == old
    assert all(
        re.search(r"tabell_kommentarer\.csv \(tabell syntetisk_uppfoljning_\d{4}_\d\d_\d\d, rad \d+\)", w) for w in new
    )
    where = [i.message() for i in consistency.validate(data) if "väsentlig enligt gränsen" in i.message()]
    assert all(w.startswith("testkommun/tabell_varden.csv, rad ") for w in where)


def test_converter_writes_the_committed_tables(data):
    """Converting the old file gives, byte for byte, the test book's committed tables (lossless, stable)."""
    old_followup_format(data)
    kallor = data / "kallor.csv"
    kallor.write_text(
        kallor.read_text(encoding="utf-8").replace("testkommun/budgetuppfoljning.csv", "testkommun/tabell_varden.csv"),
        encoding="utf-8",
    )
    res = convert(data, "--ta-bort")
    assert res.exit_code == 0, res.output
    assert "3 rapportdatum, 19 rader" in res.output
    assert not (data / "testkommun" / "budgetuppfoljning.csv").exists()
    for name in TABLE_FILES:
        assert (data / "testkommun" / name).read_text(encoding="utf-8") == (
            TESTBOOK_DATA / "testkommun" / name
        ).read_text(encoding="utf-8"), name
    kinds = (data / "testkommun" / "tabeller.csv").read_text(encoding="utf-8")
    assert (
        ",tertialrapport,2030-04-30," in kinds
        and ",delårsrapport,2030-08-31," in kinds
        and ",månadsrapport,2030-10-31," in kinds
    )


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(
    "case",
    [
        "mixed_units",
        "two_sources",
        "source_file_removed",
        "already_tables",
    ],
)
def test_converter_refuses_what_it_cannot_keep(data, case):
    old_followup_format(data)
    path = data / "testkommun" / "budgetuppfoljning.csv"
    text = path.read_text(encoding="utf-8")
    extra = ()
    if case == "mixed_units":  # SYNTETISK: one row of 30 April in kr (the same amount)
        path.write_text(
            text.replace("Lokalhyror,,tkr,-3300,-10000", "Lokalhyror,,kr,-3300000,-10000000", 1), encoding="utf-8"
        )
        want = "olika enheter"
    elif case == "two_sources":
        path.write_text(
            text.replace(f"{SOURCE},SYNTETISK tertialrapport april", f"{SOURCE},SYNTETISK annat avsnitt", 1),
            encoding="utf-8",
        )
        want = "2 olika källor"
    elif case == "source_file_removed":  # kallor.csv still names the old file as the source's text
        extra = ("--ta-bort",)
        want = "ändra fil"
    else:
        shutil.copy(TESTBOOK_DATA / "testkommun" / "tabeller.csv", data / "testkommun" / "tabeller.csv")
        for name in TABLE_FILES[1:]:
            shutil.copy(TESTBOOK_DATA / "testkommun" / name, data / "testkommun" / name)
        want = "har redan uppföljningstabeller"
    before = _snapshot(data)
    res = convert(data, *extra)
    assert res.exit_code != 0 and want in res.output, res.output
    assert "Traceback" not in res.output
    assert _snapshot(data) == before  # nothing written


def test_old_file_beside_the_tables_is_named_not_read(data):
    shutil.copy(OLD_FILE, data / "testkommun" / "budgetuppfoljning.csv")
    warnings = []
    d = datasets.load_org("testkommun", data, warnings)
    assert fu.from_tables(d["budgetuppfoljning"])
    assert any(w.file == "testkommun/budgetuppfoljning.csv" and "bara ett sätt" in w.message() for w in warnings)


def _page(chapter: str, folder: Path, org: str = "testkommun", year: int = 2030) -> tuple[str, dict[str, bytes]]:
    """An executed chapter page (markdown and HTML outputs) and the downloads it wrote."""
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
            org,
            "-p",
            "year",
            str(year),
            "-p",
            "tertial",
            "3",
            "--cwd",
            str(folder),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    nb = nbformat.read(out, as_version=4)
    text = "".join(
        o.get("data", {}).get("text/markdown", "") + o.get("data", {}).get("text/html", "")
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
    )
    downloads = folder / "tabeller"
    return text, (_snapshot(downloads) if downloads.exists() else {})


def test_budget_page_and_summary_are_the_same_on_both_paths(data, tmp_path, monkeypatch):
    """The executed budget chapter and summary from the tables and from the old file: the same outputs and downloads."""
    new = {p: _page(p, tmp_path / "ny" / p) for p in ("budget", "sammanfattning")}
    old_dir = tmp_path / "old"
    shutil.copytree(data, old_dir)
    monkeypatch.setenv("RAPPORTBOK_DATA", str(old_followup_format(old_dir)))
    old = {p: _page(p, tmp_path / "gammal" / p) for p in ("budget", "sammanfattning")}
    assert "Budgetuppföljning per kontogrupp" in new["budget"][0] and "−2\u00a0580\u00a0tkr" in new["budget"][0]
    assert any("uppfoljning" in name for name in new["budget"][1])
    assert new["budget"] == old["budget"]  # the chapter, figure for figure, and its downloads
    # The summary: the same figures; the model adds only the chapter of the stated tables (as stated) to
    # its list of chapters and to its count of checks (0 for the follow-up tables, which agree).
    assert _without_tables_chapter(new["sammanfattning"][0]) == _without_tables_chapter(old["sammanfattning"][0])
    assert "[Rapporternas tabeller](tabeller.ipynb)" in new["sammanfattning"][0]


def _without_tables_chapter(text: str) -> str:
    text = text.replace("[Rapporternas tabeller](tabeller.ipynb), ", "")
    text = re.sub(
        r"\s*<tr>\s*<td id=\"T_avstamning_row\d_col0\"[^>]*>Rapporternas tabeller</td>.*?</tr>",
        "",
        text,
        flags=re.DOTALL,
    )
    return re.sub(r"^#T_avstamning_row0_col1.*$", "", text, flags=re.MULTILINE)


# --- one analysis: Rapporternas tabeller shows the followed tables, it does not analyse them again ---


def test_report_tables_do_not_analyse_the_followup_twice(data):
    from rapportbok.chapters import report_tables

    d = datasets.load_org("testkommun", data)
    assert report_tables.followup_read(d) == {
        f"syntetisk_uppfoljning_2030_{day}" for day in ("04_30", "08_31", "10_31")
    }
    out = _run(lambda: report_tables.TablesChapter("testkommun", 2030, 3).show_reports())
    # The budget chapter follows up the page's report (31 October) row by row: here only a pointer to it.
    assert out.count("finns i [kapitlet Budget](budget.ipynb)") == 1
    assert "tabell_1_0_syntetisk_uppfoljning_2030_10_31_omraknad" not in out
    # The year's earlier reports appear in the budget chapter only in its chart over the year: their tables
    # are shown here as stated (with own computations where they state a budget; these state only outcome
    # and forecast, so they have none) and without a pointer to a row-by-row follow-up that is not there.
    for day in ("04_30", "08_31"):
        assert f"_syntetisk_uppfoljning_2030_{day}_row0_col1" in out


# --- minimal organisations: what kontrollera accepts, the build shows ------------------------------

MINIMAL_SOURCE = "minimal-syntetisk-rapport"


def _minimal(
    d: Path,
    slug: str,
    columns: list[tuple],
    rows: list[tuple],
    unit: str = "tkr",
    decimals: int = 0,
    per: str = "2030-10-31",
    kind: str = "månadsrapport",
) -> None:
    """A SYNTETISK organisation with only one follow-up table (columns: id, measure, header, formula; rows:
    number, label, parent, role, values by column id)."""
    org = d / slug
    org.mkdir()
    (org / "organisation.yml").write_text(
        f"# SYNTETISK organisation för tester.\nslug: {slug}\nnamn: Minimal {slug} (syntetisk)\nnamnd: Socialnämnden\n"
        f'kolada_id: "9999"\nar:\n  2030: {{per: {per}}}\n',
        encoding="utf-8",
    )
    with (d / "kallor.csv").open("a", encoding="utf-8") as f:
        f.write(
            f"{MINIMAL_SOURCE}-{slug},SYNTETISK månadsrapport (testdata),{slug},Månadsrapport,SYNTETISK 2030-11-05,"
            "kallor/testkommun-syntetisk.txt\n"
        )
    (org / "tabeller.csv").write_text(
        "tabell,rubrik,rapport,per,enhet,decimaler,kalla,avsnitt\n"
        f"uppf,SYNTETISK uppföljning,{kind},{per},{unit},{decimals},{MINIMAL_SOURCE}-{slug},SYNTETISK sida 3\n",
        encoding="utf-8",
    )
    (org / "tabell_kolumner.csv").write_text(
        "tabell,kolumn,matt,ar,rubrik_i_kallan,berakning\n"
        + "".join(f"uppf,{cid},{m},{2029 if 'föregående' in m else 2030},{h},{f}\n" for cid, m, h, f in columns),
        encoding="utf-8",
    )
    lines = ["tabell,rad,post,summeras_i,roll,berakning,kolumn,varde"]
    for number, label, parent, role, vals in rows:
        for cid, *_ in columns:
            lines.append(f"uppf,{number},{label},{parent},{role},,{cid},{vals.get(cid, '')}")
    (org / "tabell_varden.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


_run = displayed


FULL = [
    ("budget", "budget helår", "Budget helår", ""),
    ("budget_ack", "budget ack", "Budget ack", ""),
    ("utfall", "utfall ack", "Utfall ack", ""),
    ("utfall_fg", "utfall ack föregående år", "Utfall ack fg år", ""),
    ("prognos", "prognos helår", "Prognos helår", ""),
    ("avv", "avvikelse", "Avvikelse", "prognos - budget"),
]
VERKSAMHET_ROWS = [  # SYNTETISKA belopp, tkr (netto, kostnader negativa)
    (
        1,
        "Stab och ledning",
        5,
        "post",
        {"budget": -12000, "budget_ack": -10000, "utfall": -9800, "utfall_fg": -9500, "prognos": -11900, "avv": 100},
    ),
    (
        2,
        "Mottagning och utredning",
        5,
        "post",
        {
            "budget": -30000,
            "budget_ack": -25000,
            "utfall": -26000,
            "utfall_fg": -24000,
            "prognos": -31500,
            "avv": -1500,
        },
    ),
    (
        3,
        "Socialt stöd",
        5,
        "post",
        {"budget": -40000, "budget_ack": -33333, "utfall": -33000, "utfall_fg": -32000, "prognos": -39800, "avv": 200},
    ),
    (
        4,
        "Vård och omsorg",
        5,
        "post",
        {
            "budget": -18000,
            "budget_ack": -15000,
            "utfall": -16500,
            "utfall_fg": -14000,
            "prognos": -19200,
            "avv": -1200,
        },
    ),
    (
        5,
        "Summa",
        "",
        "summa",
        {
            "budget": -100000,
            "budget_ack": -83333,
            "utfall": -85300,
            "utfall_fg": -79500,
            "prognos": -102400,
            "avv": -2400,
        },
    ),
]


def _minimal_case(d: Path, case: str) -> None:
    if case == "verksamhet":
        _minimal(d, "minverk", FULL, VERKSAMHET_ROWS)
    elif case == "kostnadsslag_utan_budget_ack":
        cols = [c for c in FULL if c[0] not in ("budget_ack", "utfall_fg", "avv")]
        rows = [
            (1, "Intäkter", "", "post", {"budget": 20000, "utfall": 17000, "prognos": 20500}),
            (2, "Personalkostnader", "", "post", {"budget": -80000, "utfall": -68000, "prognos": -82000}),
            (3, "Köp av verksamhet", "", "post", {"budget": -40000, "utfall": -35000, "prognos": -41000}),
        ]
        _minimal(d, "minkost", cols, rows)
    elif case == "utan_prognos":
        cols = [c for c in FULL if c[0] in ("budget", "utfall")]
        _minimal(
            d,
            "minprog",
            cols,
            [(r[0], r[1], r[2], r[3], {k: r[4][k] for k in ("budget", "utfall")}) for r in VERKSAMHET_ROWS],
        )
    elif case == "utan_budget":
        cols = [c for c in FULL if c[0] in ("utfall", "prognos")]
        _minimal(
            d,
            "minbudg",
            cols,
            [(r[0], r[1], r[2], r[3], {k: r[4][k] for k in ("utfall", "prognos")}) for r in VERKSAMHET_ROWS],
        )
    else:  # a table in mnkr with one decimal: not read as exact tkr
        cols = [c for c in FULL if c[0] in ("budget", "utfall", "prognos")]
        _minimal(
            d,
            "minmnkr",
            cols,
            [(1, "Socialnämnden", "", "post", {"budget": "-100.0", "utfall": "-85.3", "prognos": "-102.4"})],
            unit="mnkr",
            decimals=1,
        )


SLUGS = {
    "verksamhet": "minverk",
    "kostnadsslag_utan_budget_ack": "minkost",
    "utan_prognos": "minprog",
    "utan_budget": "minbudg",
    "mnkr": "minmnkr",
}


@pytest.mark.parametrize("case", list(SLUGS))
def test_minimal_organisation_with_only_a_followup_table(data, case):
    from rapportbok.chapters import report_tables
    from rapportbok.chapters.budget import CHAPTER, BudgetChapter
    from rapportbok.chapters.summary import SummaryChapter

    _minimal_case(data, case)
    slug = SLUGS[case]
    errors = [i.message() for i in datasets.validate(data) if i.severity == "fel"]
    assert errors == []  # kontrollera accepts it ...
    d = datasets.load_org(slug, data)
    # ... and every page that shows it runs (in this process; the notebooks call the same methods)
    page = BudgetChapter(slug, 2030, 3)
    budget_text = _run(lambda: (page.intro(), page.ramar_table(), page.followup(), page.reconciliation()))
    summary = SummaryChapter(slug, 2030, 3)
    summary_text = _run(lambda: (summary.headline(), summary.intro(), summary.compute(), summary.budget_section()))
    tables_text = _run(lambda: report_tables.TablesChapter(slug, 2030, 3).show_reports())
    plain = re.sub(r"<[^>]+>", " ", budget_text)
    if case == "mnkr":
        assert d["budgetuppfoljning"] is None and not CHAPTER.has_data(d, 2030)
        assert "_omraknad" in tables_text  # analysed once, in Rapporternas tabeller, in its own unit
        return
    assert CHAPTER.has_data(d, 2030) and fu.from_tables(d["budgetuppfoljning"])
    assert "Budgetuppföljning per" in plain and "Kapitlet visar budgetuppföljningen ur rapportens tabeller." in plain
    if case == "verksamhet":
        assert "Budgetuppföljning per post" in plain and ">Summa<" in budget_text
        for head in (
            "Budget t.o.m. 31/10, tkr",
            "Utfall − budget t.o.m. 31/10, tkr",
            "Utfall t.o.m. 31/10 2029, tkr",
            "Förändring mot 2029, %",
            "Avvikelse enligt källan, tkr",
        ):
            assert head in plain, head
        assert "−2\u00a0400\u00a0tkr (underskott)" in plain  # Σ prognos − Σ budget = −102 400 − −100 000
        assert summary.values["sf_prognos"] == "−2\u00a0400\u00a0tkr (underskott)"  # Läget: the same figure
        assert "finns i [kapitlet Budget]" in tables_text
    if case == "kostnadsslag_utan_budget_ack":
        assert "Budget t.o.m." not in plain and "−2\u00a0500\u00a0tkr (underskott)" in plain
    if case == "utan_prognos":
        assert "ingen prognos för helåret" in plain and "avviker från budgeten med" not in plain
    if case == "utan_budget":
        assert "ingen budget för helåret" in plain
    assert "Traceback" not in summary_text


def test_hostile_comment_from_the_tables_is_text(data):
    comments = data / "testkommun" / "tabell_kommentarer.csv"
    text = comments.read_text(encoding="utf-8").replace(
        "SYNTETISKT: vikarier och övertid.", "<script>alert(1)</script> *x* [l](javascript:x)"
    )
    comments.write_text(text, encoding="utf-8")
    page_text = _run(
        lambda: (
            __import__("rapportbok.chapters.budget", fromlist=["BudgetChapter"])
            .BudgetChapter("testkommun", 2030, 3)
            .followup()
        )
    )
    assert "<script>alert" not in page_text
    assert "](javascript:" not in page_text


def test_handbook_followup_example(tmp_path, monkeypatch):
    """The worked follow-up example in the handbook validates as written and the chapter shows its figures."""
    from rapportbok.chapters.budget import BudgetChapter

    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    monkeypatch.setenv("RAPPORTBOK_DATA", str(data))
    monkeypatch.chdir(tmp_path)
    section = (ROOT / "handbok" / "gor-sa-har" / "budgetuppfoljning.md").read_text(encoding="utf-8")
    org = data / "minkommun"
    org.mkdir()
    (org / "organisation.yml").write_text(
        "slug: minkommun\nnamn: Minkommun (SYNTETISK)\nnamnd: Socialnämnden\n"
        'kolada_id: "9998"\nar:\n  2025: {per: 2025-10-31}\n',
        encoding="utf-8",
    )
    source = re.search(r"```\n(minkommun-manadsrapport-okt-2025,[^\n]*)\n```", section).group(1)
    with open(data / "kallor.csv", "a", encoding="utf-8") as f:
        f.write(source + "\n")  # the handbook's source line as written (a copy; no real source is added)
    for name in TABLE_FILES:
        block = re.search(r"`" + re.escape(name) + r"`\n```\n(.*?)```", section, re.DOTALL)
        assert block, name
        (org / name).write_text(block.group(1), encoding="utf-8")
    assert [i.message() for i in datasets.validate(data) if i.severity == "fel"] == []
    plain = re.sub(r"<[^>]+>", " ", _run(lambda: BudgetChapter("minkommun", 2025, 3).followup()))
    assert "Uppföljning perioden t.o.m. 31 oktober 2025" in plain and "83,3\u00a0%" in plain
    assert "−1\u00a0862\u00a0tkr (underskott)" in plain and "Avvikelse enligt källan, tkr" in plain
    assert "Vikarier under hösten\\." in plain  # the comment, escaped as Markdown text


@pytest.mark.parametrize(
    ("formula", "want"),
    [
        ("prognos - budget", 1),
        ("budget - prognos", -1),  # the table's own definition
        ("", 1),
        ("", -1),  # without one: the definition its stated values follow
    ],
)
def test_the_tables_own_sign_of_avvikelse(data, formula, want):
    """A table that states costs as positive and avvikelse as budget − prognos keeps its sign: a positive
    avvikelse is an överskott on both conventions (SYNTETISKA belopp)."""
    from rapportbok.chapters.budget import BudgetChapter

    cols = [
        ("budget", "budget helår", "Budget", ""),
        ("utfall", "utfall ack", "Utfall", ""),
        ("prognos", "prognos helår", "Prognos", ""),
        ("avv", "avvikelse", "Avvikelse", formula),
    ]
    costs = -1 if want == 1 else 1  # the book's convention (costs negative), or costs stated positive
    avv = -1200  # 1 200 tkr over budget: the source's avvikelse is negative on both conventions
    _minimal(
        data,
        "mintecken",
        cols,
        [
            (
                1,
                "Vård och omsorg",
                "",
                "post",
                {"budget": costs * 18000, "utfall": costs * 16500, "prognos": costs * 19200, "avv": avv},
            )
        ],
    )
    assert [i.message() for i in datasets.validate(data) if i.severity == "fel"] == []
    d = datasets.load_org("mintecken", data)
    oct31 = dt.date(2030, 10, 31)
    assert fu.sign(d["budgetuppfoljning"], 2030, oct31) == want
    s = fu.summary(d["budgetuppfoljning"], None, 2030, oct31)
    assert s["avvikelse_tkr"].tolist() == [-1200]  # 1 200 tkr over budget: an underskott either way
    assert fu.total(s)["avvikelse_tkr"] == -1200
    plain = re.sub(r"<[^>]+>", " ", _run(lambda: BudgetChapter("mintecken", 2030, 3).followup()))
    assert "−1\u00a0200\u00a0tkr (underskott)" in plain
    assert ("avvikelsen som budget − prognos" in plain) == (want == -1)
