"""Charts that say their finding (issue #14): titles as sentences, full names (wrapped, never cut),
named bridge steps, the source as linked text under the chart instead of inside the image, the
risk map coloured by risk value, and byte-stable images.

The real charts are drawn from the real data/ (the chapters' own methods, with ``charts.show``
replaced by a recorder). The small tables built inside test functions are SYNTHETIC, made up for
the test; nothing is written to data/.
"""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from rapportbok.analysis import budget as budget_analysis
from rapportbok.core import state
from rapportbok.present import charts, tables


@pytest.fixture(autouse=True)
def _elsewhere(tmp_path, monkeypatch):
    """A chapter page's tables write their downloads into the working folder: a temporary one."""
    monkeypatch.chdir(tmp_path)
    yield
    tables.begin_page(None)


@pytest.fixture
def shown(monkeypatch):
    """Every chart a chapter shows: (figure, its texts, its source) instead of displaying it."""
    got: list[dict] = []

    def record(fig, alt=None, source=None):
        texts = [t.get_text() for t in fig.findobj(match=lambda o: hasattr(o, "get_text"))]
        got.append(
            {
                "fig": fig,
                "texts": texts,
                "title": fig.rapportbok_title,
                "source": source or getattr(fig, "rapportbok_source", None),
                "alt": alt or fig.rapportbok_alt,
                "yticks": [t.get_text() for t in fig.axes[0].get_yticklabels()],
                "xticks": [t.get_text() for t in fig.axes[0].get_xticklabels()],
            }
        )

    monkeypatch.setattr(charts, "show", record)
    yield got
    plt.close("all")


def capture_displays(monkeypatch, capture) -> None:
    """Every display, the glue values' too (myst_nb binds IPython's display when it is first imported)."""
    import myst_nb.ext.glue

    monkeypatch.setattr("IPython.display.display", capture)
    monkeypatch.setattr(myst_nb.ext.glue, "ipy_display", capture)


def one_line(text: str) -> str:
    return " ".join(text.split())


def png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


# -- the helpers -------------------------------------------------------------------------------------


def test_wrap_keeps_every_word_and_never_cuts_one():
    name = "Individ- och familjeomsorg - Barn och unga – Minskade medel till förebyggande arbetet"
    out = charts.wrap(name, 20)
    assert "…" not in out
    assert one_line(out) == name
    assert all(len(line) <= 20 or " " not in line for line in out.splitlines())
    assert charts.wrap("Överförmyndarförvaltningsärende", 10) == "Överförmyndarförvaltningsärende"


def test_hbars_full_names_and_values_synthetic():
    # SYNTHETIC: two measures with long names, made up for the test.
    t = pd.DataFrame(
        {
            "Åtgärd": [
                "nr 1 (rad 1): Ett mycket långt namn på en åtgärd som inte får kapas någonstans",
                "nr 1 (rad 11): Ett annat namn",
            ],
            "Planerad": [500.0, -2500.0],
        }
    )
    fig = charts.hbars(t, "Åtgärd", ["Planerad"], "Planen ger −2 000 tkr.", "Källa: prov")
    labels = [one_line(x.get_text()) for x in fig.axes[0].get_yticklabels()]
    assert labels == t["Åtgärd"].tolist()
    texts = [x.get_text() for x in fig.axes[0].texts]
    assert "500" in texts and "\u22122\u00a0500" in texts
    assert fig.rapportbok_alt.startswith("Liggande stapeldiagram: Planen ger")
    plt.close(fig)


def test_title_above_and_source_under_the_chart_not_in_the_image_synthetic(monkeypatch):
    # SYNTHETIC: a hostile title and source text; they must reach the page escaped, as text above and under
    # the image, and not be drawn in it (issue #14: a title in the image is cut on a phone).
    t = pd.DataFrame({"År": ["2024", "2025"], "Belopp": [1.0, 2.0]})
    source = 'Källa: <script>alert(1)</script> & "x"'
    title = 'Beloppet fördubblas <b>&</b> "ökar".'
    fig = charts.grouped_bars(t, "År", ["Belopp"], title, source)
    drawn = [x.get_text() for x in fig.findobj(match=lambda o: hasattr(o, "get_text"))]
    assert not any("Källa" in d or "fördubblas" in d for d in drawn)
    assert not fig._suptitle
    shown = []
    capture_displays(monkeypatch, lambda obj, **kw: shown.append((obj, kw)))
    charts.show(fig)
    assert len(shown) == 4  # title, image, values record (a glue value, shown nowhere), source
    assert shown[2][1]["metadata"]["scrapbook"]["name"].startswith("diagram_")
    head = shown[0][0].data
    assert head == (
        '<p class="rapportbok-diagramrubrik">Beloppet fördubblas &lt;b&gt;&amp;&lt;/b&gt; &quot;ökar&quot;.</p>'
    )
    assert shown[1][1]["metadata"]["image/png"]["alt"].startswith("Stapeldiagram: Beloppet fördubblas")
    html = shown[3][0].data
    assert html.startswith('<p class="rapportbok-kalla rapportbok-diagramkalla">')
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_every_chart_kind_keeps_its_title_out_of_the_image_synthetic():
    # SYNTHETIC values: each kind of chart carries its title for the page and draws no title itself.
    t = pd.DataFrame({"Namn": ["A", "B"], "Belopp": [1.0, -2.0], "År": [2024, 2025]})
    figs = [
        charts.hbars(t, "Namn", ["Belopp"], "Titel ett."),
        charts.grouped_bars(t, "Namn", ["Belopp"], "Titel två."),
        charts.lines(t, "År", ["Belopp"], "Titel tre.", legend_below=True),
        charts.waterfall([("Start", 10.0, "start"), ("Steg", -2.0, "step"), ("Slut", 8.0, "end")], "Titel fyra."),
    ]
    try:
        for fig, want in zip(figs, ("Titel ett.", "Titel två.", "Titel tre.", "Titel fyra.")):
            assert fig.rapportbok_title == want
            drawn = [x.get_text() for x in fig.findobj(match=lambda o: hasattr(o, "get_text"))]
            assert not any("Titel" in d for d in drawn), drawn
    finally:
        plt.close("all")


def test_chart_source_links_the_document_on_a_chapter_page():
    from rapportbok.data import sources

    register = sources.load()
    title = register.loc["alingsas-budget-2025", "titel"]
    tables.begin_page("budget", sources=sources.texts(register))
    try:
        html = tables.chart_source(f"Källa: {title}, Nämndens budget").data
    finally:
        state.reset()
    assert '<a href="../../kallor/alingsas-budget-2025.html#rad-' in html  # the cited section's line


def test_charts_are_byte_stable():
    # SYNTHETIC values.
    def draw():
        t = pd.DataFrame({"Åtgärd": ["A", "B"], "Planerad": [1.0, 2.0]})
        return png(charts.hbars(t, "Åtgärd", ["Planerad"], "Prov.", "Källa: prov"))

    assert draw() == draw()


# -- the real charts ---------------------------------------------------------------------------------


def test_haninge_one_chart_largest_shortfall_first(shown):
    """Haninge 2018 (28 measures): one chart, not four under one title (issue #26); each measure behind the
    book's expected effect once, the largest shortfall first; named, never numbered only."""
    from rapportbok.chapters.actionplan import ActionPlanChapter

    ch = ActionPlanChapter("haninge", 2018, 2)
    ch.planned_vs_actual_chart()
    assert len(shown) == 1
    (c,) = shown
    names = [one_line(x) for x in c["yticks"]]
    st = ch.status[ch.status["counted"] & (ch.status["planned_tkr"].notna() | ch.status["actual_tkr"].notna())]
    reported = st[st["actual_tkr"].notna()]  # an unstated actual effect is not read as 0
    gap = (reported["expected_tkr"] - reported["actual_tkr"]).astype(float)
    behind = reported.assign(gap=gap)[gap > 0].sort_values("gap", ascending=False, kind="stable")
    assert len(names) == len(behind) and len(set(names)) == len(names)
    # largest shortfall first: the first name is the measure with the largest gap, in reading order (top down)
    assert any(t in names[0] for t in behind["titel"].iloc[:1]), (names[0], behind["titel"].iloc[0])
    assert not any("…" in n for n in names)
    assert (
        f"{len(behind)} av {len(reported)} åtgärder med angiven faktisk effekt ligger efter bokens förväntade effekt"
        in one_line(c["title"])
    )
    assert "bokens egen beräkning" in c["source"]
    # The chart excludes what the tables exclude (measures counted in others) and says so.
    for title in ch.status[~ch.status["counted"]]["titel"]:
        assert not any(title in n for n in names)
        assert title in c["source"]
    assert not any("Källa" in t for t in c["texts"])


def test_plan_without_follow_up_largest_planned_effect_first(shown):
    from rapportbok.chapters.actionplan import ActionPlanChapter

    ActionPlanChapter("linkoping", 2024, 1).planned_vs_actual_chart()
    (c,) = shown
    assert c["title"].startswith("Planen ger") and "ingen uppföljning" in c["source"]


def test_haninge_bridge_steps_are_named(shown):
    from rapportbok.chapters.actionplan import ActionPlanChapter

    ActionPlanChapter("haninge", 2018, 2).bridge()
    bridge = [c for c in shown if c["alt"].startswith("Vattenfallsdiagram")]
    assert bridge
    steps = [one_line(x) for x in bridge[0]["yticks"]]
    assert steps[0].startswith("Underskott") and steps[-1] == "Kvar efter planen"
    assert all(": " in s for s in steps[1:-2]), steps  # "nr 28: <title>", not just "nr 28"
    assert "Planen" in bridge[0]["title"] and bridge[0]["title"].rstrip().endswith(".")


def test_no_bridge_from_another_years_deficit(shown, monkeypatch):
    """Linköping 2024's plan names the 2023 bokslut's deficit: no bridge from it to a 2024 remainder (issue #26, the
    one remainder's rule), a note why instead."""
    from rapportbok.chapters import actionplan
    from rapportbok.chapters.actionplan import ActionPlanChapter

    notes = []
    monkeypatch.setattr(actionplan.tables, "note", lambda text: notes.append(text))
    ActionPlanChapter("linkoping", 2024, 1).bridge()
    assert not [c for c in shown if c["alt"].startswith("Vattenfallsdiagram")]
    assert any("underskottet som planen utgår från gäller bokslutet 2023" in n for n in notes), notes


def test_net_cost_grant_and_result_over_the_years(shown):
    from rapportbok.chapters.budget import BudgetChapter

    ch = BudgetChapter("alingsas", 2025, 1)
    over = budget_analysis.over_the_years(ch.bt)
    assert over["År"].tolist() == [c.year for c in ch.bt.columns]  # every year the budget table holds
    assert (over["Resultat"] == 0).all()
    ch.net_and_grant_chart()
    (c,) = shown
    assert one_line(c["title"]).startswith("Nettokostnaden ökar från 245,1 mnkr 2024 till 273,0 mnkr 2027")
    # The grant grows with the net cost (245 -> 273 mnkr): it equals the net cost each year, it is not the same
    # every year (issue #26); the result of 0 is said in the title, not drawn as an empty series.
    assert "kommunbidraget är lika stort som nettokostnaden varje år, så resultatet är 0" in one_line(c["title"])
    assert "lika stort varje år" not in c["title"]
    assert [one_line(x) for x in c["xticks"]] == [str(y) for y in over["År"]]
    assert "Kommunbidrag" in c["alt"] and "Resultat" not in c["alt"]


def test_over_the_years_title_names_what_the_grant_equals():
    one = pd.DataFrame({"År": [2030], "Nettokostnad": [100.0], "Kommunbidrag": [100.0], "Resultat": [0.0]})
    assert "kommunbidraget är lika stort som nettokostnaden 2030, så resultatet är 0" in one_line(
        budget_analysis.over_the_years_title(one)
    )


def test_investment_placeholder_rows_are_not_rows(shown, monkeypatch):
    from rapportbok.chapters import budget as chapter

    said = []
    monkeypatch.setattr(chapter, "md", lambda text: said.append(text))
    monkeypatch.setattr("IPython.display.display", lambda obj, **kw: said.append(getattr(obj, "data", "")))
    chapter.BudgetChapter("alingsas", 2025, 1).investments()
    table = next(s for s in said if "rapportbok-tabell" in s)
    assert "<td" in table and ">-</td>" not in table
    assert any("inget projekt" in s for s in said)
    (c,) = shown
    assert c["title"].startswith("Investeringarna är")


def test_risk_map_coloured_by_risk_value(shown):
    from rapportbok.chapters.risk import RiskChapter

    RiskChapter("alingsas", 2025, 1).heatmap()
    (c,) = shown
    image = c["fig"].axes[0].images[0]
    values = image.get_array()
    # Row i is sannolikhet 4..1, column j väsentlighet 1..4: the colour is their product.
    assert [[int(x) for x in row] for row in values] == [[s * v for v in range(1, 5)] for s in range(4, 0, -1)]
    assert "Riskvärde" in c["fig"].axes[1].get_ylabel()
    assert "riskvärdet" in c["title"] and c["title"].endswith(".")


def test_summary_states_both_plan_figures_and_why():
    from rapportbok.analysis import actionplan as ap
    from rapportbok.data import datasets

    data = datasets.load_org("alingsas")
    both = ap.stated_versus_counted(data, 2025)
    assert both is not None
    assert both["stated_tkr"] == 6000 and both["counted_tkr"] == pytest.approx(
        both["stated_tkr"] - both["left_out_tkr"]
    )
    assert both["left_out"]


# -- figures that agree on the page ------------------------------------------------------------------


def test_rows_said_in_the_intro_agree_with_the_totals(monkeypatch):
    from rapportbok.chapters import actionplan as chapter

    said = []
    monkeypatch.setattr(chapter, "md", lambda text: said.append(text))
    ch = chapter.ActionPlanChapter("alingsas", 2025, 1)
    ch.intro()
    n, counted = len(ch.status), int(ch.status["counted"].sum())
    assert counted < n  # the real plan has a measure counted in another
    text = " ".join(said)
    assert f"Planen har {n} rader" in text and f"{counted} av dem räknas i summorna" in text
    assert int(ch._totals("plan_id", "Plan")["Antal rader som räknas"].iloc[-1]) == counted


def test_plan_over_the_years_has_a_total_per_year():
    from bs4 import BeautifulSoup

    from rapportbok.analysis import actionplan as ap
    from rapportbok.chapters.actionplan import ActionPlanChapter

    ch = ActionPlanChapter("alingsas", 2025, 1)
    soup = BeautifulSoup(ch.plan_overview().data, "html.parser")
    head = [th.get_text(" ", strip=True) for th in soup.select("thead th")]
    last = [td.get_text(" ", strip=True) for td in soup.select("tbody tr")[-1].find_all("td")]
    assert last[0].startswith("Summa per år")
    total_2025, _ = ap.planned_effect_for_year(ch.data, 2025)
    assert last[head.index("2025, tkr")].replace("\u00a0", " ") == "5 500" == f"{total_2025:,.0f}".replace(",", " ")


def test_a_column_without_values_is_named_not_shown_synthetic():
    # SYNTHETIC table: an outcome column with no value in any row, as before any follow-up.
    t = pd.DataFrame(
        {
            "Åtgärd": ["A", "B"],
            "Planerad, tkr": [100.0, 200.0],
            "Faktiskt hittills, tkr": [float("nan"), None],
            "Kommentar": ["", "–"],
        }
    )
    html = tables.to_html(t, "prov", "Prov", "Egen beräkning.", formats={"Faktiskt hittills, tkr": str})
    assert "Faktiskt hittills" not in html.split("</table>")[0]
    assert "Kommentar" not in html.split("</table>")[0]
    assert "Kolumnerna Faktiskt hittills, tkr, Kommentar visas inte: de har inga värden." in html
    kept = tables.to_html(t, "prov2", "Prov", None, keep_empty=("Kommentar",))
    assert "Kommentar" in kept and "Kolumnen Faktiskt hittills, tkr visas inte" in kept


def test_line_chart_with_legend_below_is_laid_out_once_synthetic(monkeypatch):
    """Issue #16: a Kolada key-figure chart (legend under the plot) is measured and laid out once, not
    laid out, resized and laid out again. SYNTHETIC values."""
    from matplotlib.figure import Figure

    calls = []
    real = Figure.tight_layout
    monkeypatch.setattr(Figure, "tight_layout", lambda self, **kw: (calls.append(kw), real(self, **kw))[1])
    t = pd.DataFrame(
        {"År": [2021, 2022, 2023], "Kommunen": [1.0, 2.0, 3.0], "Liknande": [1.5, 1.5, 2.5], "Alla": [2.0, 2.1, 2.2]}
    )
    fig = charts.lines(
        t, "År", ["Kommunen", "Liknande", "Alla"], "Kommunen ökar.", "Källa: Kolada", unit="kr/inv", legend_below=True
    )
    try:
        assert len(calls) == 1 and calls[0]["rect"] == (0, 0.05, 1, 1)
        assert tuple(fig.get_size_inches()) == pytest.approx((8, 4.2 + 0.22 * 2))
        legend = fig.axes[0].get_legend()
        assert legend._ncols == 2 and [x.get_text() for x in legend.get_texts()] == ["Kommunen", "Liknande", "Alla"]
        fig.canvas.draw()
        assert legend.get_window_extent().y1 < fig.axes[0].get_window_extent().y0  # under the plot
    finally:
        plt.close(fig)


# -- every value a chart shows is also text that nbval compares (issue #28) ---------------------------


def test_every_chart_records_every_value_it_shows_synthetic(monkeypatch):
    # SYNTHETIC values: 15 bars, more than the alt text lists one by one; the values record lists all 15.
    names = [f"Åtgärd {i}" for i in range(15)]
    t = pd.DataFrame({"Namn": names, "Belopp": [1000.0 + i for i in range(15)], "År": list(range(2010, 2025))})
    recorded = []
    monkeypatch.setattr(charts.display_mod, "glue", lambda key, text: recorded.append((key, text)))
    monkeypatch.setattr("IPython.display.display", lambda *a, **kw: None)
    figs = [
        charts.hbars(t, "Namn", ["Belopp"], "Titel ett."),
        charts.grouped_bars(t, "Namn", ["Belopp"], "Titel två."),
        charts.lines(t, "År", ["Belopp"], "Titel tre."),
        charts.waterfall([("Start", 10.0, "start"), ("Steg", -2.0, "step"), ("Slut", 8.0, "end")], "Titel fyra."),
    ]
    assert "Alla värden finns i tabellen" in figs[0].rapportbok_alt  # the alt text summarises 15 values
    for fig in figs:
        charts.show(fig)
    assert [text.splitlines()[0] for _, text in recorded] == ["Titel ett.", "Titel två.", "Titel tre.", "Titel fyra."]
    for _, text in recorded[:3]:
        for i in range(15):
            assert f"{1000 + i}" in text.replace("\u00a0", "").replace(" ", "")
    assert "Från Start 10 tkr, Steg −2 tkr, till Slut 8 tkr." in recorded[3][1]
    keys = [key for key, _ in recorded]
    assert len(set(keys)) == 4 and all(k.startswith("diagram_") for k in keys)
    # The same chart gets the same name on every build; another value another name.
    assert (
        charts.values_key("Titel ett.", "a")
        == charts.values_key("Titel ett.", "a")
        != charts.values_key("Titel ett.", "b")
    )


def test_a_chart_drawn_by_hand_records_its_alt_text(monkeypatch):
    # SYNTHETIC: a figure made without the chart helpers (as the risk map is) records the alt text it is shown with.
    recorded = []
    monkeypatch.setattr(charts.display_mod, "glue", lambda key, text: recorded.append(text))
    monkeypatch.setattr("IPython.display.display", lambda *a, **kw: None)
    fig, ax = plt.subplots()
    charts._finish(fig, ax, "Karta.", None, None)
    charts.show(fig, "Riskkarta: 3 risker. Sannolikhet 4, väsentlighet 4 (riskvärde 16): 1 st (nr 7).")
    assert recorded == ["Karta.\nRiskkarta: 3 risker. Sannolikhet 4, väsentlighet 4 (riskvärde 16): 1 st (nr 7)."]


def test_the_values_record_reaches_the_notebook_as_a_text_output(monkeypatch):
    """The record is a glue value: a text output (``text/plain`` under papermill's record prefix) that nbval
    compares, with the glue metadata that keeps it off the page."""
    outputs = []
    capture_displays(monkeypatch, lambda obj, **kw: outputs.append((obj, kw)))
    charts.record_values("Titel.", "Stapeldiagram: Titel. Belopp: A 1 tkr, B 2 tkr.")
    ((data, kw),) = outputs
    assert kw["raw"] is True
    assert data == {
        "application/papermill.record/text/plain": "Titel.\nStapeldiagram: Titel. Belopp: A 1 tkr, B 2 tkr."
    }
    assert kw["metadata"]["scrapbook"]["name"].startswith("diagram_")
