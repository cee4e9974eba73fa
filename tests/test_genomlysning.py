"""Genomlysning: computations on SYNTHETIC numbers, the chapter without Kolada data, and a fetch
from the fake Kolada server (tests/kolada_server.py, no real network) into a scratch copy of
data/ followed by executing notebooks/genomlysning.ipynb.

Every Kolada value in this file is synthetic. The savings totals are checked against the real
transcribed tables (golden values from the review's two "Möjlig förflyttning" tables).
"""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from conftest import chapter_notebook

from rapportbok.analysis import review as gl
from rapportbok.cli import main
from rapportbok.data import datasets, kolada
from rapportbok.data import review as gl_data
from rapportbok.data.schema import read_table
from tests.kolada_server import FakeKolada

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------------------
# Pure computations (synthetic numbers)
# ---------------------------------------------------------------------------


def test_change_index_ratio_synthetic():
    assert gl.change_pct(100, 165) == pytest.approx(65)
    assert gl.change_pct(200, 190) == pytest.approx(-5)
    assert gl.index_value(100, 165) == pytest.approx(165)
    assert gl.change_pct(0, 10) is None and gl.index_value(0, 10) is None
    assert gl.change_pct(math.nan, 10) is None and gl.change_pct(10, None) is None
    s = pd.Series({2018: 50.0, 2019: 55.0, 2020: 75.0})
    assert gl.index_series(s, 2018).tolist() == pytest.approx([100, 110, 150])
    assert gl.index_series(s, 2017).isna().all()
    assert gl.ratio(1350, 1200) == pytest.approx(1.125)
    assert gl.ratio(1, 0) is None and gl.ratio(None, 1) is None


def test_gap_and_change_room_follow_direction_synthetic():
    # Cost KPI, lower is better: 150 kr/inv above the comparison, 42 000 inhabitants -> 6.3 mnkr.
    assert gl.worse_by(1350, 1200, gl.LOWER) == pytest.approx(150)
    assert gl.change_room_mnkr(1350, 1200, 42000, gl.LOWER) == pytest.approx(6.3)
    # Already better than the comparison: negative room.
    assert gl.change_room_mnkr(1100, 1200, 42000, gl.LOWER) == pytest.approx(-4.2)
    # Result KPI, higher is better: 20 % against 45 % is 25 points worse.
    assert gl.worse_by(20, 45, gl.HIGHER) == pytest.approx(25)
    assert gl.worse_by(20, 45, None) is None
    assert gl.change_room_mnkr(1350, 1200, None, gl.LOWER) is None


def test_rank_only_when_all_municipalities_have_values_synthetic():
    s = pd.Series({"0001": 10.0, "0002": 20.0, "0003": 30.0, "0004": 40.0, "1489": 15.0, "G2328": 23.0})
    r = gl.rank(s, "1489", gl.LOWER, expected=5)
    assert (r.n, r.rank_low, r.rank_best) == (5, 2, 2)
    assert r.percentile == pytest.approx(40)  # 2 of 5 have the same or a lower value
    r_high = gl.rank(s, "1489", gl.HIGHER, expected=5)
    assert r_high.rank_best == 4 and r_high.rank_low == 2
    assert gl.rank(s, "1489", gl.LOWER, expected=290) is None  # only 5 of 290 had values
    assert gl.rank(s, "1489", gl.LOWER, expected=None) is None
    assert gl.rank(s.drop("1489"), "1489", gl.LOWER, expected=4) is None


def _synthetic_values(rows):
    return kolada.values_frame(
        {"kpi": k, "municipality": m, "period": p, "values": [{"gender": "T", "value": v, "count": c, "status": None}]}
        for k, m, p, v, c in rows
    )


def test_kpi_long_counts_members_with_values_synthetic():
    cfg = kolada.parse_config(
        {
            "kpis": ["N31001"],
            "first_year": 2020,
            "municipalities": {"1489": "Orten", "1440": "Grannen"},
            "groups": {"G2328": "Alla kommuner (ovägt medel)"},
            "own_groups": {"Egen grupp ekonomiskt bistånd": ["0001", "0002", "0003"]},
        }
    )
    comps = gl.comparisons(cfg, "1489")
    assert [c.kind for c in comps] == ["org", "kommun", "kolada", "egen"]
    assert comps[-1].source == kolada.OWN_PROCESSING_LABEL and comps[2].source == "Källa: Kolada"
    values = _synthetic_values(
        [
            ("N31001", "1489", 2022, 1000.0, 1),
            ("N31001", "1489", 2023, 1100.0, 1),
            ("N31001", "1440", 2023, 900.0, 1),
            ("N31001", "G2328", 2023, 1200.0, 287),
            ("N31001", "0001", 2023, 800.0, 1),
            ("N31001", "0002", 2023, 1000.0, 1),
            ("N31001", "0003", 2023, None, 1),
        ]
    )
    long = gl.kpi_long(values, comps, "N31001")
    at = long[long["period"] == 2023].set_index("serie")
    assert at.loc["Egen grupp ekonomiskt bistånd (egen beräkning)", "value"] == pytest.approx(900)
    assert at.loc["Egen grupp ekonomiskt bistånd (egen beräkning)", "n"] == 2  # 2 of 3 members had values
    assert at.loc["Alla kommuner (ovägt medel)", "n"] == 287  # Kolada's own count
    w = gl.wide(long, [c.label for c in comps])
    assert list(w.columns)[:2] == ["År", "Orten"]
    assert gl.latest_common_year(w, "Orten", 2025) == 2023
    assert gl.latest_common_year(w, "Orten", 2022) == 2022


def test_stated_against_fetched_synthetic():
    stated = pd.DataFrame(
        [
            # a stated change 2018-2022 and the same change computed from the values
            dict(
                id="a",
                kpi="N31814",
                amne="Andel",
                avser="Orten",
                matt="förändring",
                varde=40.0,
                varde_lag=math.nan,
                varde_hog=math.nan,
                kvalifikator=None,
                enhet="procent",
                period_fran=2018,
                period_till=2022,
                riktning="ökning",
            ),
            dict(
                id="b",
                kpi="N31814",
                amne="Andel",
                avser="Orten",
                matt="procentenheter",
                varde=10.0,
                varde_lag=math.nan,
                varde_hog=math.nan,
                kvalifikator=None,
                enhet="procentenheter",
                period_fran=2018,
                period_till=2022,
                riktning="ökning",
            ),
            dict(
                id="c",
                kpi="N40008",
                amne="Kostnad",
                avser="Orten",
                matt="förändring",
                varde=5.0,
                varde_lag=math.nan,
                varde_hog=math.nan,
                kvalifikator=None,
                enhet="procent",
                period_fran=2018,
                period_till=2023,
                riktning="minskning",
            ),
            dict(
                id="d",
                kpi="N40008",
                amne="Kostnad",
                avser="Orten",
                matt="kvot",
                varde=0.5,
                varde_lag=math.nan,
                varde_hog=math.nan,
                kvalifikator="ungefär",
                enhet="gånger",
                period_fran=pd.NA,
                period_till=pd.NA,
                riktning=None,
            ),
            dict(
                id="e",
                kpi=None,
                amne="Utan id",
                avser="Orten",
                matt="förändring",
                varde=1.0,
                varde_lag=math.nan,
                varde_hog=math.nan,
                kvalifikator=None,
                enhet="procent",
                period_fran=2018,
                period_till=2023,
                riktning=None,
            ),
        ]
    )
    values = _synthetic_values(
        [
            ("N31814", "1489", 2018, 25.0, 1),
            ("N31814", "1489", 2022, 34.0, 1),
            ("N40008", "1489", 2018, 400.0, 1),
            ("N40008", "1489", 2023, 380.0, 1),
        ]
    )
    t = gl.stated_vs_fetched(stated, values, {"Orten": "1489"}).set_index("id")
    assert list(t.index) == ["a", "b", "c", "d"]  # the row without a KPI id is not compared
    assert t.loc["a", "angivet"] == 40 and t.loc["a", "beraknat"] == pytest.approx(36)  # both shown
    assert t.loc["b", "beraknat"] == pytest.approx(9)
    assert t.loc["c", "angivet"] == -5 and t.loc["c", "beraknat"] == pytest.approx(-5)
    assert pd.isna(t.loc["d", "beraknat"]) and "inget år" in t.loc["d", "kommentar"]
    none = gl.stated_vs_fetched(stated, None, {"Orten": "1489"})
    assert none["beraknat"].isna().all() and set(none["kommentar"]) == {"Inga Kolada-värden hämtade."}


def test_directions_default_and_configured(tmp_path):
    d = gl_data.directions(tmp_path, ["N31001", "U40455", "X99999"])
    assert d == {"N31001": "lagre", "U40455": "hogre", "X99999": None}
    (tmp_path / "kolada.yml").write_text("battre:\n  N31001: hogre\n", encoding="utf-8")
    assert gl_data.directions(tmp_path, ["N31001"]) == {"N31001": "hogre"}
    (tmp_path / "kolada.yml").write_text("battre:\n  N31001: bra\n", encoding="utf-8")
    with pytest.raises(kolada.KoladaConfigError):
        gl_data.directions(tmp_path, ["N31001"])
    assert gl.unit_of("Kostnad ekonomiskt bistånd, kr/inv") == "kr/inv"
    assert gl.unit_of("Öppet arbetslösa av befolkningen, 18-65 år, andel (%)") == "%"


# ---------------------------------------------------------------------------
# The review's tables (real transcriptions, golden totals)
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def alingsas():
    return datasets.load_org("alingsas")


def test_datasets_load_and_savings_totals(alingsas):
    stated, moves = alingsas["genomlysning_uppgifter"], alingsas["genomlysning_forflyttning"]
    assert len(stated) == 38 and len(moves) == 6
    totals = gl.savings_totals(moves).set_index("omrade")
    assert totals.loc["Ekonomiskt bistånd och arbetsmarknad", "summa_mnkr"] == pytest.approx(4.6)
    assert totals.loc["Barn- och ungdomsvård", "summa_mnkr"] == pytest.approx(4.0)
    assert totals.loc["Båda områdena", "summa_mnkr"] == pytest.approx(8.6)
    checks = gl.savings_checks(moves)
    assert [c["angiven_summa"] for c in checks] == [None, None]  # the review states no totals
    assert sum(c["ackumuleras"] for c in checks) == 1
    assert gl_data.text_amount_mnkr("1,0 mnkr per år per år, ackumuleras") == 1.0
    assert gl.signed(stated.set_index("id").loc["ab_kostnad_forandring_2018_2023_alingsas"]) == -5


def test_savings_amount_must_match_its_text(tmp_path):
    src = (ROOT / "data/alingsas/genomlysning_forflyttning.csv").read_text(encoding="utf-8")
    bad = src.replace(
        "Robotisera fler arbetsmoment,Vidare lokal utredning,Verksamhetsförändring,0.6,",
        "Robotisera fler arbetsmoment,Vidare lokal utredning,Verksamhetsförändring,0.7,",
    )
    assert bad != src
    path = tmp_path / "genomlysning_forflyttning.csv"
    path.write_text(bad, encoding="utf-8")
    df, issues = read_table(path, gl_data.FORFLYTTNING)
    spec, extra = gl_data.DATASETS["genomlysning_forflyttning"]
    found = extra(df, spec, "x")
    assert len(found) == 1 and found[0].column == "besparing_mnkr_per_ar" and "0,6 mnkr" in found[0].expected


def test_chapter_years(alingsas):
    from rapportbok.chapters import review as chapter

    assert chapter.has_data(alingsas, 2024) and chapter.has_data(alingsas, 2025)
    assert not chapter.has_data(alingsas, 2023)
    assert not chapter.has_data(datasets.load_org("haninge"), 2018)


def test_chapter_without_kolada_data_says_so(tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    shutil.rmtree(data / "alingsas" / "kolada", ignore_errors=True)
    monkeypatch.setenv("RAPPORTBOK_DATA", str(data))
    monkeypatch.chdir(tmp_path)  # downloads are written next to the page, here in tmp_path
    from rapportbok.chapters import review as chapter

    said = []
    monkeypatch.setattr(chapter, "md", said.append)
    monkeypatch.setattr(chapter, "glue", lambda *a: None)
    monkeypatch.setattr(chapter, "display", lambda obj: said.append(obj.data))
    ch = chapter.GenomlysningChapter("alingsas", 2025, 1)
    assert not ch.has_kolada
    ch.intro()
    assert "innehåller inga värden från Kolada för Alingsås kommun" in said[0]
    assert "rapportbok kolada" not in said[0]  # how to fetch is for the analyst, not the reader
    assert "8,6 mnkr per år" in said[0] and "anger ingen summa" in said[0]
    for method in (ch.summary_table, ch.charts, ch.change_table, ch.rank_table):
        assert chapter.NO_KOLADA in method().data and "rapportbok kolada" not in method().data
    # The stated figures and the savings tables are still shown; the figures of a comparison only there.
    others = ch.stated_table().data
    assert "+65" in others and "Övriga nyckeltal" in others and ">Kungälv<" not in others
    # Nothing to compare with Kolada: said once, in the list of what is not there (no column of empty values).
    assert "räknas inte om" in ch.stated_vs_fetched().data
    ch.savings_tables()
    assert any("Summa (egen beräkning)" in s for s in said if isinstance(s, str))
    from rapportbok.present import display as present_display

    monkeypatch.setattr(present_display, "md", said.append)
    # Without a fetch the review's own comparisons are shown, each once (issue #26): a chart where every figure
    # is a single value, a table where a range is among them; marked "enligt genomlysningen" (issue #14).
    from rapportbok.present import charts as present_charts

    drawn = []
    monkeypatch.setattr(present_charts, "show", lambda fig, *a, **kw: drawn.append(fig))
    said.clear()
    ch.stated_comparisons()
    shown = [s for s in said if isinstance(s, str) and "enligt genomlysningen" in s]
    assert len(shown) == 2 and len(drawn) == 4, (len(shown), len(drawn))
    assert "Volym biståndshushåll" in shown[0] and "−5 till −20" in shown[0].replace("\u00a0", " ")
    chart = next(
        f for f in drawn if "offentliga utbetalningar" in f.rapportbok_alt and "förändring" in f.rapportbok_alt
    )
    for who, value in (("Alingsås", "22"), ("Kungälv", "−8"), ("Ale", "3"), ("Liknande kommuner", "8")):
        assert re.search(re.escape(who) + r".*?" + re.escape(value), chart.rapportbok_alt), (who, value)
    assert not any("offentliga utbetalningar" in s for s in shown)  # shown as a chart, not a second time
    assert "rapportbok kolada" not in "".join(shown)
    # On the chapter page: one line and a link to the chapter's section on the Avstämning page.
    assert ch.reconciliation() is None
    assert said[-1].startswith("**Avstämning:** Genomlysningen anger ingen summa")
    assert "](avstamning.ipynb#avstamning-genomlysning)" in said[-1]
    # On the Avstämning page (rapportbok.chapters.audit): the method and the table.
    from rapportbok.chapters import audit

    with audit.in_full("genomlysning"):
        table = ch.reconciliation(method="Metoden.")
    assert "Metoden." in said[-1] and "ingen summa" in said[-1]
    assert "anges inte" in table.data and "Båda tabellerna" in table.data


# ---------------------------------------------------------------------------
# Fetch from the fake server into a scratch copy, then execute the notebook
# ---------------------------------------------------------------------------

POP = 42000.0  # synthetic


def _seed(fake: FakeKolada, cfg: kolada.KoladaConfig) -> None:
    """Synthetic values for every configured KPI, 2018-2025."""
    for k in cfg.kpis:
        fake.add_kpi(
            k, f"Syntetiskt nyckeltal {k}, kr/inv" if k.startswith("N3") else f"Syntetiskt nyckeltal {k}, andel (%)"
        )
    fake.kpi_meta = [m for m in fake.kpi_meta if m["id"] != gl.POPULATION_KPI]
    fake.add_kpi(gl.POPULATION_KPI, "Invånare totalt, antal")
    eb_members = cfg.own_groups["Liknande kommuner ekonomiskt bistånd enligt genomlysningen 2024"]
    for k in cfg.kpis:
        if k == gl.POPULATION_KPI:
            continue
        for y in range(2018, 2026):
            fake.add_value(k, "1489", y, 1000.0 + 50 * (y - 2018))
            fake.add_value(k, "1440", y, 1100.0)
            fake.add_value(k, "1482", y, 900.0)
            fake.add_value(k, "G2328", y, 1200.0, count=290)
            for g in ("G36450", "G175906", "G216096"):
                fake.add_value(k, g, y, 1150.0, count=7)
            for i, m in enumerate(eb_members):
                fake.add_value(k, m, y, 1300.0 if i < 5 else None)  # 5 of 7 members have values
    for y in range(2018, 2026):
        fake.add_value(gl.POPULATION_KPI, "1489", y, POP)


def _scratch(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    shutil.rmtree(data / "alingsas" / "kolada", ignore_errors=True)
    cfg_path = data / "alingsas" / "kolada.yml"
    raw = yaml.safe_load(cfg_path.read_text(encoding="utf-8"))
    if gl.POPULATION_KPI not in raw["kpis"]:
        raw["kpis"].append(gl.POPULATION_KPI)
    cfg_path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return data


def test_cli_fetch_errors_are_swedish_and_nonzero(tmp_path, monkeypatch):
    data = _scratch(tmp_path)
    monkeypatch.setenv("RAPPORTBOK_DATA", str(data))
    runner = CliRunner()
    res = runner.invoke(main, ["kolada", "fetch", "--org", "finns-inte"])
    assert res.exit_code != 0 and "hittar ingen organisation" in res.output
    with FakeKolada() as fake:
        fake.fail(404, times=None)
        res = runner.invoke(main, ["kolada", "fetch", "--org", "alingsas", "--base-url", fake.base_url])
    assert res.exit_code == 1
    assert "Hämtningen från Kolada misslyckades" in res.output and "HTTP 404" in res.output
    assert not (data / "alingsas" / "kolada" / "varden.csv").exists()


def test_fetch_then_notebook_shows_charts_and_gaps(tmp_path, monkeypatch):
    import papermill

    data = _scratch(tmp_path)
    monkeypatch.setenv("RAPPORTBOK_DATA", str(data))
    cfg = kolada.load_config(data / "alingsas")
    runner = CliRunner()
    with FakeKolada() as fake:
        base_url = fake.base_url
        _seed(fake, cfg)
        res = runner.invoke(main, ["kolada", "fetch", "--org", "alingsas", "--base-url", fake.base_url])
        assert res.exit_code == 0, res.output
        assert "Hämtade" in res.output and "Ingen tidigare hämtning" in res.output
        fake.set_value("N31001", "1489", 2020, 1234.0)  # Kolada revises a value
        res = runner.invoke(main, ["kolada", "fetch", "--org", "alingsas", "--base-url", fake.base_url])
        assert res.exit_code == 0, res.output
        assert "1 reviderade värden" in res.output and "N31001 1489 2020 T: 1100 → 1234" in res.output
    values, meta = kolada.load_stored(data / "alingsas")
    assert meta["base_url"] == base_url and meta["kpi_titles"]["N01951"] == "Invånare totalt, antal"

    out = tmp_path / "genomlysning.ipynb"
    papermill.execute_notebook(
        str(chapter_notebook("genomlysning", tmp_path)),
        str(out),
        parameters={"org": "alingsas", "year": 2025, "tertial": 1},
        cwd=str(tmp_path),
        progress_bar=False,
    )
    nb = nbformat.read(out, as_version=4)
    pngs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})]
    n_kpis = len([k for k in cfg.kpis if k != gl.POPULATION_KPI])
    kolada_pngs = [
        o
        for o in pngs
        if not o.get("metadata", {})
        .get("image/png", {})
        .get("alt", "")
        .startswith("Liggande stapeldiagram: Enligt genomlysningen:")
    ]
    # the review's own comparisons (stated_comparisons): a chart each where every figure is a single value
    assert len(pngs) - len(kolada_pngs) == 4
    assert len(kolada_pngs) == n_kpis + 1  # one time series per KPI, plus the savings chart
    # The output HTML: every text/html and text/markdown output of the executed notebook.
    html = "\n".join(
        o["data"][k]
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        for k in ("text/html", "text/markdown")
        if k in o.get("data", {})
    )
    text = html.replace("\u00a0", " ")
    assert "innehåller inga värden från Kolada" not in text
    # 2025: Alingsås 1 350 kr/inv (synthetic), all municipalities 1 200: gap +150 kr/inv,
    # times 42 000 inhabitants = +6,3 mnkr; the own group (5 of 7 members, 1 300): +50 -> +2,1 mnkr.
    assert "+150,0" in text and "+6,3" in text
    assert "+50,0" in text and "+2,1" in text and "5 av 7" in text
    assert "290 enligt Kolada" in text
    assert kolada.OWN_PROCESSING_LABEL in text and "Källa: Kolada, hämtat" in text
    # Change 2018-2025 for Alingsås: 1 000 -> 1 350 = +35 %, index 135.
    assert "+35,0 %" in text and re.search(r">135<", text)
    # The stated figure and the computed one side by side (N31814, 2018-2022: +40 stated, +20 computed).
    assert "+40" in text and "+20,0" in text
    # Rank: only part of the municipalities had values, so no rank.
    assert "kräver värden för alla kommuner" in text


def test_stated_comparisons_are_the_reviews_own_figures():
    """Issue #14: the comparisons the review states (real data, data/alingsas/genomlysning_uppgifter.csv)."""
    from rapportbok.analysis import review as gl_analysis
    from rapportbok.data import datasets as ds

    stated = ds.load_org("alingsas")["genomlysning_uppgifter"]
    comps = gl_analysis.stated_comparisons(stated)
    subjects = [(c["amne"].iloc[0], c["matt"].iloc[0]) for c in comps]
    assert len(comps) == 6
    assert (
        "Andel av personer med ersättning genom offentliga utbetalningar som uppbär ekonomiskt bistånd",
        "förändring",
    ) in subjects
    assert all(c["avser"].nunique() >= 2 for c in comps)
    five = next(c for c in comps if len(c) == 5)
    assert list(five["avser"]) == [
        "Alingsås",
        "Kungälv",
        "Genomsnittskommunen (ovägt medel)",
        "Ale",
        "Liknande kommuner",
    ]
    assert [gl_analysis.signed(r) for _, r in five.iterrows()][:2] == [22.0, -8.0]
    assert gl_analysis.stated_comparisons(stated.iloc[:1]) == []


def test_a_loosely_stated_figure_is_not_drawn_as_exact(tmp_path, monkeypatch):
    """Issue #13/#14: "strax över sju procent" (real data) is drawn at 7, and its bar is named with the
    review's words so that it is not read as exactly 7; the source line says how such values are drawn."""
    monkeypatch.setenv("RAPPORTBOK_DATA", str(ROOT / "data"))
    monkeypatch.chdir(tmp_path)
    from rapportbok.chapters import review as chapter

    drawn = []
    monkeypatch.setattr(chapter, "display", lambda obj: None)
    monkeypatch.setattr(chapter.charts, "show", lambda fig: None)
    monkeypatch.setattr(chapter.charts, "hbars", lambda df, col, cols, title, source, **kw: drawn.append((df, source)))
    chapter.GenomlysningChapter("alingsas", 2025, 1).stated_comparisons()
    share = next((df, src) for df, src in drawn if any("strax över" in str(a) for a in df["Avser"]))
    labels = list(share[0]["Avser"])
    assert labels == ["Alingsås: strax över 7", "Genomsnittskommunen (ovägt medel)"]
    assert "anger ungefär (" in share[1]
    exact = [src for df, src in drawn if not any(":" in str(a) for a in df["Avser"])]
    assert exact and all("anger ungefär (" not in src for src in exact)


def test_comparison_title_names_the_period_when_one_kommun_is_both_ends_synthetic():
    """SYNTHETIC rows: the same kommun highest in one period and lowest in another, and a tie at the bottom.
    The title says which period is which and names every kommun that holds an end."""
    import pandas as pd

    from rapportbok.chapters.review import _highest_and_lowest

    rows = pd.DataFrame(
        {
            "avser": ["Alingsås", "Kungälv", "Alingsås", "Snitt"],
            "period_fran": [2022, 2022, 2018, 2020],
            "period_till": [2022, 2022, 2018, 2022],
        }
    )
    values = [0.9, 0.9, 2.0, 1.7]
    said = ["0,9", "0,9", "2", "1,7"]
    text = _highest_and_lowest(rows, values, said, "procent")
    assert text == "är högst för Alingsås 2018 (2 procent) och lägst för Alingsås 2022 och Kungälv 2022 (0,9 procent)"
    plain = _highest_and_lowest(rows.iloc[1:], values[1:], said[1:], "procent")
    assert plain == "är högst för Alingsås (2 procent) och lägst för Kungälv (0,9 procent)"
