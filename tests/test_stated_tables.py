"""Stated tables (issue #13): the model, its validation, the relations the book recomputes and the page.

Every table here is SYNTETISK (tests/fixtures/synthetic_tables, see its README.md): the
organisation `exempelstad` states only tables, with planted errors of each kind.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import nbformat
import pytest
from conftest import chapter_notebook, copy_data
from hypothesis import given, settings
from hypothesis import strategies as st

from rapportbok.analysis import reconcile
from rapportbok.analysis import stated_tables as rel
from rapportbok.data import datasets
from rapportbok.data import stated_tables as model
from rapportbok.data.schema import DataError

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures" / "synthetic_tables"
FILES = ("tabeller.csv", "tabell_kolumner.csv", "tabell_varden.csv", "tabell_lankar.csv", "tabell_begrepp.csv")
NBSP = "\u00a0"


def tables_data(tmp_path: Path, monkeypatch, files=FILES, edit: dict[str, tuple[str, str]] | None = None) -> Path:
    """A copy of data/ with the SYNTETISK organisation exempelstad alone (RAPPORTBOK_DATA points there)."""
    data = copy_data(tmp_path / "data", [])
    org = data / "exempelstad"
    org.mkdir()
    shutil.copy(FIX / "organisation.yml", org / "organisation.yml")
    for name in files:
        text = (FIX / name).read_text(encoding="utf-8")
        if edit and name in edit:
            old, new = edit[name]
            assert old in text
            text = text.replace(old, new)
        (org / name).write_text(text, encoding="utf-8")
    with open(data / "kallor.csv", "a", encoding="utf-8") as f:
        f.write((FIX / "SYNTETISK_kallor_rad.csv").read_text(encoding="utf-8"))
    monkeypatch.setenv("RAPPORTBOK_DATA", str(data))
    return data


def load(data: Path):
    sets = datasets.load_org("exempelstad", data)
    return sets, model.load(sets)


def messages(data: Path) -> list[str]:
    with pytest.raises(DataError) as err:
        datasets.load_org("exempelstad", data)
    return [i.message() for i in err.value.issues]


# --- the model ---------------------------------------------------------------------------------


def test_model_keeps_values_as_stated(tmp_path, monkeypatch):
    data = tables_data(tmp_path, monkeypatch)
    assert datasets.validate(data) == []
    _, tables = load(data)
    by = {t.id: t for t in tables}
    assert [t.id for t in tables] == ["drift", "resultat", "verksamhet", "kostnadsslag", "sammandrag"]
    v = by["verksamhet"]
    assert (v.kind, v.per, v.unit, v.decimals) == ("månadsrapport", dt.date(2025, 10, 31), "tkr", 0)
    assert v.value(2, "avvikelse") == Decimal(-1800)
    k = by["kostnadsslag"]
    assert (
        k.value(1, "budget") == Decimal("-30.0") and str(k.value(1, "budget")) == "-30.0"
    )  # exact, printed decimal kept
    assert all(isinstance(x, Decimal) or x is None for x in k.values.values())
    assert v.value(6, "budget") is None  # an empty cell stays empty
    assert v.row(6).role == model.OUTSIDE and v.row(6).parent == 5
    assert [c.measure for c in v.columns][:5] == [
        "budget helår",
        "budget ack",
        "utfall ack",
        "utfall ack föregående år",
        "prognos helår",
    ]
    assert v.column("avvikelse").formula == ((1, "budget"), (-1, "prognos"))
    assert v.column("utfallfg").year == 2024 and v.column("utfallfg").header == "Utfall jan–okt 2024"
    assert by["resultat"].row(5).formula == ((1, 3), (-1, 4))


@pytest.mark.parametrize(
    "text,rows,expected",
    [
        ("prognos - budget", False, [(1, "prognos"), (-1, "budget")]),
        ("int24 + kost24", False, [(1, "int24"), (1, "kost24")]),
        ("− a + b", False, [(-1, "a"), (1, "b")]),
        ("rad 3 − rad 4", True, [(1, "3"), (-1, "4")]),
        ("3 - 4 + 5", True, [(1, "3"), (-1, "4"), (1, "5")]),
        ("prognos budget", False, None),
        ("rad x - rad 4", True, None),
        ("prognos * 2", False, None),
        ("", False, None),
    ],
)
def test_parse_formula(text, rows, expected):
    assert model.parse_formula(text, rows) == expected


@pytest.mark.parametrize(
    "name,old,new,expected",
    [
        (
            "tabell_varden.csv",
            "verksamhet,1,Stab och ledning,5,post,,budget,20 000",
            'verksamhet,1,Stab och ledning,5,post,,budget,"20 000,5"',
            "exempelstad/tabell_varden.csv, rad 2, kolumn 'varde': värdet '20000,5' – förväntade högst 0 decimaler",
        ),
        (
            "tabell_varden.csv",
            'kostnadsslag,1,Intäkter,5,post,,budget,"−30,0"',
            "kostnadsslag,1,Intäkter,5,post,,budget,tretti",
            "kolumn 'varde': värdet 'tretti' – förväntade ett tal som i källan",
        ),
        (
            "tabell_varden.csv",
            "sammandrag,1,Verksamhetens nettokostnad,,post,,budget",
            "okand,1,Verksamhetens nettokostnad,,post,,budget",
            "kolumn 'tabell': värdet 'okand' – förväntade ett id ur tabeller.csv",
        ),
        (
            "tabell_varden.csv",
            "sammandrag,1,Verksamhetens nettokostnad,,post,,budget",
            "sammandrag,1,Verksamhetens nettokostnad,,post,,budgetx",
            "kolumn 'kolumn': värdet 'budgetx' – förväntade en kolumn i tabell_kolumner.csv för tabellen sammandrag: budget, prognos",
        ),
        (
            "tabell_varden.csv",
            "verksamhet,1,Stab och ledning,5,post,,utfall,",
            "verksamhet,1,Stab och ledning,4,post,,utfall,",
            "kolumn 'summeras_i': värdet '4' – förväntade '5' som på rad 2",
        ),
        (
            "tabell_varden.csv",
            "drift,5,Summa verksamheter,,summa",
            "drift,5,Summa verksamheter,1,summa",
            "kolumn 'summeras_i': värdet '1' – förväntade en rad högre upp i summeringen",
        ),
        (
            "tabell_varden.csv",
            "sammandrag,1,Verksamhetens nettokostnad,,post",
            "sammandrag,1,Verksamhetens nettokostnad,,summa",
            "kolumn 'roll': värdet 'summa' – förväntade att minst en rad har summeras_i = 1",
        ),
        (
            "tabell_varden.csv",
            "resultat,5,Budgetavvikelse,,differens,rad 3 - rad 4,u24",
            "resultat,5,Budgetavvikelse,,differens,rad 3 - rad 9,u24",
            "kolumn 'berakning': värdet 'rad 3 - rad 9' – förväntade radnummer med + och − emellan",
        ),
        (
            "tabell_varden.csv",
            "verksamhet,1,Stab och ledning,5,post,,budget",
            "verksamhet,1,Stab och ledning,5,totalt,,budget",
            "kolumn 'roll': värdet 'totalt' – förväntade ett av: post, summa, differens, utanför summan",
        ),
        (
            "tabell_kolumner.csv",
            "budget - prognos",
            "budget - prognoss",
            "kolumn 'berakning': värdet 'budget - prognoss' – förväntade kolumnernas id med + och − emellan",
        ),
        (
            "tabell_kolumner.csv",
            "verksamhet,budget,budget helår",
            "verksamhet,budget,budget helar",
            "kolumn 'matt': värdet 'budget helar' – förväntade ett av: budget helår, budget ack",
        ),
        (
            "tabeller.csv",
            "månadsrapport,2025-10-31,tkr",
            "månadsrapport,2025-10-31,Tkr",
            "kolumn 'enhet': värdet 'Tkr' – förväntade ett av: kr, tkr, mnkr",
        ),
        (
            "tabeller.csv",
            "månadsrapport,2025-10-31,tkr",
            "månadsrapport,31/10/2025,tkr",
            "kolumn 'per': värdet '31/10/2025' – förväntade ett datum som ÅÅÅÅ-MM-DD",
        ),
        (
            "tabell_lankar.csv",
            "verksamhet,5,sammandrag,1",
            "verksamhet,5,sammandrag,7",
            "exempelstad/tabell_lankar.csv, rad 3, kolumn 'samma_rad': värdet '7' – förväntade numret på en rad i tabellen sammandrag",
        ),
    ],
)
def test_bad_input_names_file_row_column_value_and_expected(tmp_path, monkeypatch, name, old, new, expected):
    data = tables_data(tmp_path, monkeypatch, edit={name: (old, new)})
    found = messages(data)
    assert any(expected in m for m in found), found
    assert all("Traceback" not in m for m in found)


def test_values_without_the_table_file(tmp_path, monkeypatch):
    data = tables_data(tmp_path, monkeypatch, files=("tabell_kolumner.csv", "tabell_varden.csv"))
    assert any(
        "exempelstad/tabell_varden.csv: inget värde" not in m and "filen tabeller.csv" in m for m in messages(data)
    )


def test_validate_command_reports_in_swedish_without_traceback(tmp_path, monkeypatch):
    data = tables_data(
        tmp_path,
        monkeypatch,
        edit={
            "tabell_varden.csv": (
                "verksamhet,1,Stab och ledning,5,post,,budget,20 000",
                'verksamhet,1,Stab och ledning,5,post,,budget,"20 000,5"',
            )
        },
    )
    proc = subprocess.run(
        [sys.executable, "-m", "rapportbok", "kontrollera"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "RAPPORTBOK_DATA": str(data)},
    )
    assert proc.returncode != 0
    assert "högst 0 decimaler" in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr


# --- relations and tolerance -----------------------------------------------------------------------


def _table(unit="tkr", decimals=0, rows=(), columns=(("a", "utfall ack", ""),), values=None) -> model.StatedTable:
    t = model.StatedTable("t", "Syntetisk tabell", "månadsrapport", dt.date(2025, 10, 31), unit, decimals, "k", "s. 1")
    for cid, measure, formula in columns:
        t.columns.append(
            model.Column(cid, measure, 2025, cid.upper(), tuple(model.parse_formula(formula, False) or ()))
        )
    t.rows.extend(rows)
    t.values.update({k: (None if v is None else Decimal(v)) for k, v in (values or {}).items()})
    return t


def _f(checks):
    return [(c.finding.check, reconcile.kind(c.finding)) for c in checks]


@pytest.fixture(autouse=True)
def _no_source_lookup(monkeypatch):
    """The unit tests' tables cite a source 'k' that is not in data/kallor.csv."""
    from rapportbok.data import sources

    real = sources.label
    monkeypatch.setattr(sources, "label", lambda sid, data=None: "Källa: syntetisk" if sid == "k" else real(sid, data))


def test_children_against_parent_any_depth_and_rows_outside_the_sum():
    rows = [
        model.Row(1, "A", 3, "post"),
        model.Row(2, "B", 3, "post"),
        model.Row(3, "Delsumma", 5, "summa"),
        model.Row(4, "C", 5, "post"),
        model.Row(5, "Summa", None, "summa"),
        model.Row(6, "Uttag", 5, "utanför summan"),
    ]
    t = _table(
        rows=rows,
        values={(1, "a"): "10", (2, "a"): "20", (3, "a"): "30", (4, "a"): "5", (5, "a"): "35", (6, "a"): "99"},
    )
    assert _f(rel.sum_checks(t)) == [
        ("Delsumma, A = summan av raderna under", "stämmer"),
        ("Summa, A = summan av raderna under", "stämmer"),
    ]
    assert rel.outside_notes(t) == [
        "Raden ”Uttag” i tabellen ”Syntetisk tabell” står utanför summan och räknas inte in i ”Summa”."
    ]
    t.values[(5, "a")] = Decimal(36)  # 1 tkr off, three rounded terms (Delsumma, C, Summa): within 1,5 tkr
    assert _f(rel.sum_checks(t))[1][1] == reconcile.ROUNDING
    t.values[(5, "a")] = Decimal(38)  # 3 tkr off: beyond
    assert _f(rel.sum_checks(t))[1][1] == reconcile.MISMATCH


def test_tolerance_is_half_a_unit_of_the_last_printed_decimal_per_term():
    rows = [model.Row(1, "A", 3, "post"), model.Row(2, "B", 3, "post"), model.Row(3, "Summa", None, "summa")]
    t = _table("mnkr", 1, rows, values={(1, "a"): "1.2", (2, "a"): "2.4", (3, "a"): "3.7"})
    (c,) = rel.sum_checks(t)
    assert c.finding.rounding_tolerance == pytest.approx(0.15, abs=1e-6)  # three terms x 0,05 mnkr
    assert reconcile.kind(c.finding) == reconcile.ROUNDING and c.finding.verdict == "Stämmer (avrundning)"
    t.values[(3, "a")] = Decimal("3.8")  # 0,2 off: beyond 0,15
    (c,) = rel.sum_checks(t)
    assert reconcile.kind(c.finding) == reconcile.MISMATCH
    assert f"källan anger 3,8{NBSP}mnkr, raderna ger 3,6{NBSP}mnkr (skillnad −0,2{NBSP}mnkr)" in reconcile.explain(
        c.finding
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-(10**7), 10**7), min_size=1, max_size=8), st.integers(0, 2))
def test_rounded_parts_of_a_true_total_always_agree(parts_kr, decimals):
    """Any true amounts, each printed rounded in mnkr, agree with their printed total (never a false finding)."""
    q = Decimal(1).scaleb(-decimals)
    exact = [Decimal(p) / 1000 for p in parts_kr]  # true values in mnkr (kr resolution)
    printed = [e.quantize(q, rounding=ROUND_HALF_UP) for e in exact]
    total = sum(exact, Decimal(0)).quantize(q, rounding=ROUND_HALF_UP)
    rows = [model.Row(i + 1, f"R{i}", 99, "post") for i in range(len(parts_kr))] + [
        model.Row(99, "Summa", None, "summa")
    ]
    vals = {(i + 1, "a"): str(p) for i, p in enumerate(printed)} | {(99, "a"): str(total)}
    (c,) = rel.sum_checks(_table("mnkr", decimals, rows, values=vals))
    assert c.finding.ok


def test_differens_row_and_column_identity_with_own_sign():
    rows = [
        model.Row(1, "Nettokostnader", None, "post"),
        model.Row(2, "Budget", None, "post"),
        model.Row(3, "Budgetavvikelse", None, "differens", ((1, 1), (-1, 2))),
    ]
    t = _table(
        "mnkr",
        1,
        rows,
        columns=(("i", "intäkter", ""), ("k", "kostnader", ""), ("n", "nettokostnad", "i + k")),
        values={(1, "i"): "5.0", (1, "k"): "-20.0", (1, "n"): "-15.0", (2, "n"): "-14.0", (3, "n"): "-1.0"},
    )
    assert _f(rel.sum_checks(t)) == [("Budgetavvikelse, N = Nettokostnader − Budget", "stämmer")]
    assert _f(rel.column_checks(t)) == [("Nettokostnader: N = I + K", "stämmer")]
    t.values[(3, "n")] = Decimal("1.0")  # the sign turned: a real finding
    assert _f(rel.sum_checks(t))[0][1] == reconcile.MISMATCH


def test_avvikelse_defined_as_budget_minus_prognos():
    rows = [model.Row(1, "A", None, "post")]
    t = _table(
        rows=rows,
        columns=(("b", "budget helår", ""), ("p", "prognos helår", ""), ("v", "avvikelse", "b - p")),
        values={(1, "b"): "100", (1, "p"): "120", (1, "v"): "-20"},
    )
    assert _f(rel.column_checks(t)) == [("A: V = B − P", "stämmer")]


def test_same_quantity_in_two_units_agrees_after_rounding_to_the_coarser():
    a = _table("tkr", 0, [model.Row(1, "Summa", None, "post")], values={(1, "a"): "-7750"})
    b = _table("mnkr", 1, [model.Row(1, "Totalt", None, "post")], values={(1, "a"): "-7.8"})
    b.id = "u"
    (c,) = rel.link_checks([a, b], [model.Link("t", ((1, 1),), "u", ((1, 1),))])
    assert reconcile.kind(c.finding) == reconcile.ROUNDING and c.finding.unit == "mnkr"
    b.values[(1, "a")] = Decimal(
        "-7.7"
    )  # 7 750 tkr is 7,8 mnkr rounded half up, never 7,7... but within half units of both
    (c,) = rel.link_checks([a, b], [model.Link("t", ((1, 1),), "u", ((1, 1),))])
    assert c.finding.ok  # −7,75 lies on the boundary of −7,7's interval plus 7 750's own half tkr
    b.values[(1, "a")] = Decimal("-7.6")
    (c,) = rel.link_checks([a, b], [model.Link("t", ((1, 1),), "u", ((1, 1),))])
    assert reconcile.kind(c.finding) == reconcile.MISMATCH


def test_same_precision_must_be_equal_and_summa_labels_match_without_a_link():
    a = _table(
        "mnkr",
        1,
        [model.Row(1, "X", 2, "post"), model.Row(2, "Summa", None, "summa")],
        values={(1, "a"): "85.3", (2, "a"): "85.3"},
    )
    b = _table(
        "mnkr",
        1,
        [model.Row(1, "Y", 2, "post"), model.Row(2, " summa ", None, "summa")],
        values={(1, "a"): "85.4", (2, "a"): "85.4"},
    )
    b.id = "u"
    (c,) = rel.link_checks([a, b], [])
    assert reconcile.kind(c.finding) == reconcile.MISMATCH and c.finding.difference == pytest.approx(0.1)


def test_culprit_is_the_one_cell_breaking_its_row_and_its_column():
    rows = [model.Row(1, "A", 3, "post"), model.Row(2, "B", 3, "post"), model.Row(3, "Summa", None, "summa")]
    t = _table(
        rows=rows,
        columns=(("b", "budget helår", ""), ("p", "prognos helår", ""), ("v", "avvikelse", "b - p")),
        values={
            (1, "b"): "10",
            (1, "p"): "12",
            (1, "v"): "-2",
            (2, "b"): "20",
            (2, "p"): "25",
            (2, "v"): "-3",
            (3, "b"): "30",
            (3, "p"): "35",
            (3, "v"): "-5",
        },
    )
    checks = rel.all_checks([t])
    bad = [c.finding.check for c in checks if not c.finding.ok]
    assert bad == ["Summa, P = summan av raderna under", "B: V = B − P"]
    assert list(rel.culprits(checks)) == [("t", 2, "p")]
    assert f"”B”, ”P” (25{NBSP}tkr)" in rel.culprit_text(t, ("t", 2, "p"))


# --- the synthetic organisation ------------------------------------------------------------------


EXPECTED_MISMATCHES = {
    "Summa, Prognos helår = summan av raderna under",
    "Socialt stöd: Avvikelse = Budget helår − Prognos helår",
    (
        "Verksamhetens nettokostnad, Prognos 2025 (Ekonomi i sammandrag (SYNTETISK)) = Summa, Prognos helår "
        f"(Driftredovisning per verksamhet (SYNTETISK), 253{NBSP}600{NBSP}tkr)"
    ),
    "Budgetavvikelse, Utfall 2024 = Nettokostnader − Budget",
}
EXPECTED_ROUNDING = {
    "Övriga kostnader: Avvikelse mot budget = Budget − Prognos",
    "Summa nettokostnad, Avvikelse mot budget = summan av raderna under",
}


def test_planted_errors_are_found_and_nothing_else(tmp_path, monkeypatch):
    data = tables_data(tmp_path, monkeypatch)
    sets, tables = load(data)
    checks = rel.all_checks(tables, model.links(sets))
    kinds = {c.finding.check: reconcile.kind(c.finding) for c in checks}
    assert {k for k, v in kinds.items() if v == reconcile.MISMATCH} == EXPECTED_MISMATCHES
    assert {k for k, v in kinds.items() if v == reconcile.ROUNDING} == EXPECTED_ROUNDING
    assert list(rel.culprits(checks)) == [("verksamhet", 3, "prognos")]
    # The row outside the sum is not counted: Summa, Utfall jan–okt agrees.
    assert kinds["Summa, Utfall jan–okt = summan av raderna under"] == reconcile.AGREES
    # Two units: 7 750-type comparisons across tkr and mnkr agree where they should.
    assert (
        kinds[
            "Summa nettokostnad, Utfall ack (Nettokostnad per kostnadsslag (SYNTETISK)) = Summa, Utfall jan–okt "
            f"(Driftredovisning per verksamhet (SYNTETISK), 211{NBSP}400{NBSP}tkr)"
        ]
        == reconcile.AGREES
    )


def _run(chapter: str, tmp_path: Path, year: int, tertial: int) -> nbformat.NotebookNode:
    out = tmp_path / f"{chapter}-{year}.ipynb"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "papermill",
            str(chapter_notebook(chapter, tmp_path)),
            str(out),
            "-p",
            "org",
            "exempelstad",
            "-p",
            "year",
            str(year),
            "-p",
            "tertial",
            str(tertial),
            "--cwd",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return nbformat.read(out, as_version=4)


def _text(nb) -> str:
    """Every output of the page as text, with MyST's backslash escapes removed."""
    return re.sub(
        r"\\(.)",
        r"\1",
        "".join(
            o.get("data", {}).get("text/markdown", "") + o.get("data", {}).get("text/html", "")
            for c in nb.cells
            if c.cell_type == "code"
            for o in c.get("outputs", [])
        ),
    )


def test_page_shows_tables_as_stated_and_each_finding(tmp_path, monkeypatch):
    tables_data(tmp_path, monkeypatch)
    text = _text(_run("tabeller", tmp_path, 2025, 3))
    assert f"Rapporten avser perioden t.o.m. 31 oktober 2025: 10 av årets 12 månader, 83,3{NBSP}% av året." in text
    assert "66,7" not in text
    assert "Månadsrapport per 31 oktober 2025" in text
    # Each table in its own unit and precision: tkr whole, mnkr with one decimal (never more).
    assert f"253{NBSP}600" in text and "253,6" in text and "−30,0" in text
    assert "253,60" not in text and "Driftredovisning per verksamhet (SYNTETISK), tkr" in text
    assert "Nettokostnad per kostnadsslag (SYNTETISK), mnkr, 1 decimal" in text
    # The tkr table per verksamhet is the follow-up the budget chapter analyses (one analysis, not two):
    # here it is shown as stated with a link. The mnkr table gets its computations here, in its own unit.
    assert "Utfall jan–okt i % av budget helår" not in text
    assert "finns i [kapitlet Budget](budget.ipynb)" in text
    assert "Utfall ack i % av budget" in text and "Avvikelse mot budget omräknad (budget − prognos)" in text
    assert "Avvikelse mot budget enligt källan" in text
    # The chapter keeps one line per report with a link to the Avstämning page; the detail is there.
    assert "Det som inte stämmer exakt" not in text
    assert "**Avstämning:** " in text and "3 verkliga avvikelser" in text
    assert "](avstamning.ipynb#avstamning-tabeller)" in text
    text = _text(_run("avstamning", tmp_path, 2025, 3))
    assert "## Rapporternas tabeller" in text and '<div id="avstamning-tabeller"></div>' in text
    # The Avstämning: each planted finding, the culprit, the row outside the sum; nothing else not exact.
    listed = text.split("Det som inte stämmer exakt", 1)[1].split("</", 1)[0]
    items = [line for line in listed.splitlines() if line.startswith("- ")]
    assert len(items) == 3, items  # the 2024 difference row belongs to the 2024 page
    for name in ("Summa, Prognos helår", "Socialt stöd: Avvikelse", "Verksamhetens nettokostnad, Prognos 2025"):
        assert any(name in i for i in items), (name, items)
    assert "Troligen fel i cellen ”Socialt stöd”, ”Prognos helår”" in text
    assert (
        "Raden ”Uttag ur resultatfond” i tabellen ”Driftredovisning per verksamhet (SYNTETISK)” står utanför summan"
        in text
    )
    assert "2 avrundningar (inom en halv enhet i sista decimalen per tal)" in text and "3 verkliga avvikelser" in text


def test_bokslut_page_two_years_and_the_difference_row(tmp_path, monkeypatch):
    tables_data(tmp_path, monkeypatch)
    text = _text(_run("tabeller", tmp_path, 2024, 3)) + _text(_run("avstamning", tmp_path, 2024, 3))
    assert "Bokslut per 31 december 2024" in text and "Rapporten avser helåret 2024." in text
    for head in (
        "Intäkter 2024",
        "Kostnader 2024",
        "Nettokostnad 2024",
        "Budget 2024",
        "Avvikelse mot budget 2024",
        "Intäkter 2023",
        "Nettokostnad 2023",
        "Avvikelse mot budget 2023",
    ):
        assert head in text
    assert "Nettokostnad 2024 omräknad (intäkter 2024 + kostnader 2024)" in text
    assert "1 verklig avvikelse" in text
    assert "Budgetavvikelse, Utfall 2024 = Nettokostnader − Budget: källan anger −3,8" in text


def test_minimal_organisation_builds_plan_and_overview(tmp_path, monkeypatch):
    from rapportbok.publish import build

    data = tables_data(tmp_path, monkeypatch)
    _, jobs = build.plan(data)
    mine = sorted((j.year, j.chapter) for j in jobs if j.org == "exempelstad")
    assert mine == [
        (2024, "avstamning"),
        (2024, "budget"),  # the bokslut's driftsredovisning is the year's follow-up (issue #25)
        (2024, "sammanfattning"),
        (2024, "tabeller"),
        (2025, "avstamning"),
        (2025, "budget"),
        (2025, "sammanfattning"),
        (2025, "tabeller"),
    ]
    text = _text(_run("sammanfattning", tmp_path, 2025, 3))
    assert "Rapporternas tabeller" in text
    # The månadsrapport's table per verksamhet is the follow-up: the budget page analyses it, with the
    # source's own sign (costs positive, avvikelse = budget − prognos).
    text = _text(_run("budget", tmp_path, 2025, 3))
    assert "Budgetuppföljning per post" in text and "avvikelsen som budget − prognos" in text
    # the table's own total row, as stated (the planted error in Socialt stöd's forecast is the Avstämning's)
    assert f"−8{NBSP}600{NBSP}tkr (underskott)" in text and "Förändring mot 2024, %" in text


@pytest.mark.parametrize(
    "files",
    [
        ("tabeller.csv",),
        ("tabeller.csv", "tabell_kolumner.csv"),
        ("tabeller.csv", "tabell_kolumner.csv", "tabell_varden.csv"),
    ],
)
def test_each_optional_file_absent(tmp_path, monkeypatch, files):
    from rapportbok.chapters.report_tables import TablesChapter

    data = tables_data(tmp_path, monkeypatch, files=files)
    assert datasets.validate(data) == []
    monkeypatch.chdir(tmp_path)
    page = TablesChapter("exempelstad", 2025, 3)
    page.intro()
    page.show_reports()
    assert page.year_findings() == [] or "tabell_varden.csv" in files


HOSTILE = "<script>window.__pwned=1</script><img src=x onerror=alert(1)> ```{raw} html [x](javascript:y) =1+1"


def test_hostile_texts_are_text_on_the_page(tmp_path, monkeypatch):
    """Caption, row label and column header from data reach the page only through core/escape."""
    tables_data(
        tmp_path,
        monkeypatch,
        edit={
            "tabeller.csv": ("Driftredovisning per verksamhet (SYNTETISK)", f'"{HOSTILE}"'),
            "tabell_varden.csv": ("Mottagning och utredning", f'"{HOSTILE}"'),
            "tabell_kolumner.csv": ("Utfall jan–okt,", f'"{HOSTILE}",'),
        },
    )
    # The chapter page and the Avstämning page (rapportbok.chapters.audit: the culprit notes name the data's texts).
    nbs = [_run("tabeller", tmp_path, 2025, 3), _run("avstamning", tmp_path, 2025, 3)]
    outs = [o.get("data", {}) for nb in nbs for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    raw = "".join(d.get("text/markdown", "") + d.get("text/html", "") for d in outs)
    # HTML (tables, and the dropdown's own {raw} html block): entities, never an element from the data.
    assert not re.search(r"(?<!\\)<(script|img)", raw)
    # Markdown outside the project's own raw blocks: every markup character of the data escaped.
    prose = "".join(
        re.sub(r"`{3,}\{raw\} html\n.*?\n`{3,}\n", "", d.get("text/markdown", ""), flags=re.DOTALL) for d in outs
    )
    assert "](javascript" not in prose and "```{raw} html [x]" not in prose and "\\]\\(javascript" in prose
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in raw  # shown as text in the tables
    downloads = list((tmp_path / "_downloads").glob("*.csv")) if (tmp_path / "_downloads").exists() else []
    for f in downloads:
        assert ",=1+1" not in f.read_text(encoding="utf-8")


def test_handbook_tables_example_is_valid_and_agrees(tmp_path, monkeypatch):
    """The worked CSV example in the handbook validates as written and every relation in it agrees."""
    section = (ROOT / "handbok" / "referens" / "tabeller.md").read_text(encoding="utf-8")
    data = copy_data(tmp_path / "data", [])
    org = data / "minkommun"
    org.mkdir()
    (org / "organisation.yml").write_text(
        "slug: minkommun\nnamn: Minkommun (SYNTETISK)\nnamnd: Socialnämnden\n"
        'kolada_id: "9998"\nar:\n  2025: {per: 2025-10-31}\n',
        encoding="utf-8",
    )
    with open(data / "kallor.csv", "a", encoding="utf-8") as f:
        f.write(
            "minkommun-manadsrapport-okt-2025,SYNTETISK README-exempel,minkommun,Månadsrapport,,minkommun/organisation.yml,\n"
        )
    for name in ("tabeller.csv", "tabell_kolumner.csv", "tabell_varden.csv", "tabell_lankar.csv"):
        block = re.search(r"`" + re.escape(name) + r"`[^\n]*\n```\n(.*?)```", section, re.DOTALL)
        assert block, name
        (org / name).write_text(block.group(1), encoding="utf-8")
    monkeypatch.setenv("RAPPORTBOK_DATA", str(data))
    assert datasets.validate(data) == []
    sets = datasets.load_org("minkommun", data)
    checks = rel.all_checks(model.load(sets), model.links(sets))
    assert len(checks) == 7 and all(reconcile.kind(c.finding) == reconcile.AGREES for c in checks)


def test_calendar_from_organisation_yml_and_concepts_per_table(tmp_path, monkeypatch):
    tables_data(tmp_path, monkeypatch)
    text = _text(_run("tabeller", tmp_path, 2024, 3))
    assert "Rapporteringskalendern för 2024: bokslut per 31 december 2024 (tabellerna visas nedan)." in text
    assert (
        "I tabellen ”Driftsredovisning (SYNTETISK)”: nämndens total och nettokostnaden är raden ”Summa verksamheter” "
        f"(tabellens enda översta summarad): Intäkter 2024 27,0{NBSP}mnkr"
    ) in text
    text = _text(_run("tabeller", tmp_path, 2025, 3))
    assert (
        "Rapporteringskalendern för 2025: månadsrapport per 31 oktober 2025 (tabellerna visas nedan) och "
        "månadsrapport per 30 november 2025 (inga tabeller inlagda)."
    ) in text
    assert (
        "I tabellen ”Nettokostnad per kostnadsslag (SYNTETISK)”: nämndens total är raden ”Summa nettokostnad” (tabellens "
        f"enda översta summarad): Budget 245,0{NBSP}mnkr"
    ) in text


@pytest.mark.parametrize(
    "yml,column,expected",
    [
        (
            "rapporter:\n  - {rapport: kvartalsrapport, per: 2025-03-31}\n",
            "rapporter.0.rapport",
            "ett av: budget, månadsrapport",
        ),
        ("rapporter:\n  - {rapport: bokslut, per: 31 december 2024}\n", "rapporter.0.per", "ett datum ÅÅÅÅ-MM-DD"),
        ("begrepp:\n  nettokostnad: {tabell: drift, rad: 5}\n", "begrepp", "per tabell, i tabell_begrepp.csv"),
    ],
)
def test_bad_calendar_or_concept(tmp_path, monkeypatch, yml, column, expected):
    data = tables_data(tmp_path, monkeypatch)
    path = data / "exempelstad" / "organisation.yml"
    text = path.read_text(encoding="utf-8").split("# The reporting calendar")[0]
    path.write_text(text + yml, encoding="utf-8")
    found = [i for i in datasets.validate(data) if i.file == "exempelstad/organisation.yml"]
    assert any(i.column.startswith(column) and expected in i.expected for i in found), [i.message() for i in found]


@pytest.mark.parametrize(
    "line,column,expected",
    [
        ("drift,9,resultat", "rad", "numret på en rad i tabellen drift (tabell_varden.csv)"),
        ("drift,5,netto", "begrepp", "ett av: total, nettokostnad, kommunbidrag, ram, resultat, investeringar"),
        ("dirft,5,total", "tabell", "ett id ur tabeller.csv"),
        ("drift,4,nettokostnad", "tabell+begrepp", "en unik kombination av tabell, begrepp"),
    ],
)
def test_bad_concept_row(tmp_path, monkeypatch, line, column, expected):
    data = tables_data(tmp_path, monkeypatch)
    with open(data / "exempelstad" / "tabell_begrepp.csv", "a", encoding="utf-8") as f:
        f.write(line + "\n")
    found = [i for i in datasets.validate(data) if i.file == "exempelstad/tabell_begrepp.csv"]
    assert [(i.row, i.column) for i in found] == [(3, column)] and expected in found[0].expected, [
        i.message() for i in found
    ]


# --- Excel: rapportbok mall --tabeller / rapportbok importera -----------------------------------


def _filled_workbook(tmp_path: Path, data: Path, bad: dict[str, object] | None = None) -> Path:
    """The månadsrapport template, written with the real command (in this process: what is tested is the template,
    not the process) and filled like an analyst (SYNTETISK figures)."""
    import openpyxl
    from click.testing import CliRunner

    from rapportbok.cli import main

    out = tmp_path / "mall.xlsx"
    args = ["mall", "--org", "exempelstad", "--ar", "2025", "--per", "2025-10-31", "--tabeller", "månadsrapport"]
    result = CliRunner().invoke(main, [*args, "--ut", str(out)], env={"RAPPORTBOK_DATA": str(data)})
    assert result.exit_code == 0, result.output
    assert "2 tabellblad" in result.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["verksamhet", "kostnadsslag", "Länkar", "Instruktioner"]
    assert [c.value for c in wb["Länkar"][1]] == [
        "tabell",
        "rad",
        "samma_tabell",
        "samma_rad",
        "kolumn",
        "samma_kolumn",
    ]
    ws = wb["verksamhet"]
    assert [ws.cell(row=i, column=1).value for i in range(1, 9)] == [
        "tabell",
        "rubrik",
        "rapport",
        "per",
        "enhet",
        "decimaler",
        "kalla",
        "avsnitt",
    ]
    assert ws["B3"].value == "månadsrapport" and ws["B4"].value == "2025-10-31"
    assert ws["B1"].value == "verksamhet_2025_10_31"  # the next report's template suggests another id
    assert [ws.cell(row=14, column=j).value for j in range(1, 12)] == [
        "rad",
        "post",
        "summeras_i",
        "roll",
        "berakning",
        "Budget helår",
        "Budget ack",
        "Utfall ack",
        "Utfall ack 2024",
        "Prognos helår",
        "Avvikelse",
    ]
    ws["B1"], ws["B2"], ws["B7"], ws["B8"] = (
        "verks_xl",
        "Driftredovisning per verksamhet (SYNTETISK, Excel)",
        "exempelstad-syntetisk",
        "Tabell 1",
    )
    rows = [
        (1, "Stab och ledning", 3, "post", None, 20000, 16667, 16100, 15800, 19500, 500),
        (2, "Vård och omsorg", 3, "post", None, 120000, 100000, 104100, 98000, 124600, -4600),
        (3, "Summa två verksamheter", None, "summa", None, 140000, 116667, 120200, 113800, 144100, -4100),
    ]
    for i, r in enumerate(rows, start=15):
        for j, v in enumerate(r, start=1):
            ws.cell(row=i, column=j, value=v)
    for cell, value in (bad or {}).items():
        ws[cell] = value
    del wb["kostnadsslag"]  # this report has only one table
    wb.save(out)
    return out


def test_excel_template_round_trip(tmp_path, monkeypatch):
    data = tables_data(tmp_path, monkeypatch)
    before = {p.name: p.read_bytes() for p in (data / "exempelstad").iterdir()}
    book = _filled_workbook(tmp_path, data)
    proc = subprocess.run(
        [sys.executable, "-m", "rapportbok", "importera", str(book), "--org", "exempelstad"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "RAPPORTBOK_DATA": str(data)},
    )
    assert proc.returncode == 0, proc.stderr
    assert "Importerade 1 tabell till data/exempelstad/: verks_xl (ny, 3 rader)." in proc.stdout
    sets, tables = load(data)
    t = next(x for x in tables if x.id == "verks_xl")
    assert (t.kind, t.per, t.unit, t.decimals) == ("månadsrapport", dt.date(2025, 10, 31), "tkr", 0)
    assert t.value(2, "avvikelse") == Decimal(-4600) and t.row(3).role == "summa" and t.row(1).parent == 3
    assert t.column("avvikelse").formula == ((1, "budget"), (-1, "prognos"))
    checks = [c for c in rel.all_checks(tables, model.links(sets)) if any(cell[0] == "verks_xl" for cell in c.cells)]
    assert checks and all(c.finding.ok for c in checks)
    assert (data / "exempelstad" / "tabeller.csv").read_bytes().startswith(before["tabeller.csv"])  # appended


@pytest.mark.parametrize(
    "bad,expected",
    [
        (
            {"H16": "mycket"},
            "mall.xlsx, blad 'verksamhet', rad 16, kolumn 'varde (cell H16)': värdet 'mycket' – förväntade ett tal",
        ),
        (
            {"B5": "Mkr"},
            "mall.xlsx, blad 'verksamhet', rad 5, kolumn 'enhet (cell B5)': värdet 'Mkr' – förväntade ett av: kr, tkr, mnkr",
        ),
        ({"D17": "total"}, "mall.xlsx, blad 'verksamhet', rad 17, kolumn 'roll (cell D17)': värdet 'total'"),
        ({"H11": "utfall"}, "mall.xlsx, blad 'verksamhet', rad 11, kolumn 'matt (cell H11)': värdet 'utfall'"),
        ({"A14": "nr"}, "mall.xlsx, blad 'verksamhet', rad 14, kolumn 'A14': värdet 'nr' – förväntade 'rad'"),
        (
            {"F17": "=SUM(F15:F16)"},
            (
                "mall.xlsx, blad 'verksamhet', rad 17, kolumn 'cell F17': värdet '=SUM(F15:F16)' – "
                "förväntade talet som det står i källan, inte en formel"
            ),
        ),
    ],
)
def test_excel_import_errors_name_sheet_and_cell_and_write_nothing(tmp_path, monkeypatch, bad, expected):
    data = tables_data(tmp_path, monkeypatch)
    before = {p.name: p.read_bytes() for p in (data / "exempelstad").iterdir()}
    book = _filled_workbook(tmp_path, data, bad)
    proc = subprocess.run(
        [sys.executable, "-m", "rapportbok", "importera", str(book), "--org", "exempelstad"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "RAPPORTBOK_DATA": str(data)},
    )
    assert proc.returncode == 1
    assert "Inget har importerats; data/ är oförändrad." in proc.stderr
    assert expected in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert {p.name: p.read_bytes() for p in (data / "exempelstad").iterdir()} == before


def _import(book: Path, data: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rapportbok", "importera", str(book), "--org", "exempelstad", *extra],
        cwd=book.parent,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "RAPPORTBOK_DATA": str(data)},
    )


def _snapshot(data: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (data / "exempelstad").iterdir()}


def test_excel_import_replaces_a_table_with_ersatt(tmp_path, monkeypatch):
    """An edited workbook replaces its table with --ersatt; without it the refusal names the option."""
    import openpyxl

    data = tables_data(tmp_path, monkeypatch)
    book = _filled_workbook(tmp_path, data)
    assert _import(book, data).returncode == 0
    before = _snapshot(data)
    wb = openpyxl.load_workbook(book)  # the analyst corrects a figure and adds a row (SYNTETISK)
    ws = wb["verksamhet"]
    ws["J16"], ws["K16"] = 124700, -4700
    ws["A18"], ws["B18"], ws["C18"], ws["D18"] = 4, "Därav placeringar", 2, "utanför summan"
    ws["F18"] = 30000
    ws["J17"], ws["K17"] = 144200, -4200
    wb.save(book)
    proc = _import(book, data)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert (
        "mall.xlsx, blad 'verksamhet', rad 1, kolumn 'tabell (cell B1)': värdet 'verks_xl' – förväntade ett "
        "tabell-id som inte redan finns i exempelstad/tabeller.csv; ange --ersatt"
    ) in proc.stderr, proc.stderr
    assert _snapshot(data) == before
    proc = _import(book, data, "--ersatt")
    assert proc.returncode == 0, proc.stderr
    assert (
        "Importerade 1 tabell till data/exempelstad/: verks_xl (ersatte tabellen: 3 rader före, 4 rader nu)."
        in proc.stdout
    )
    after = _snapshot(data)
    assert after["tabell_lankar.csv"] == before["tabell_lankar.csv"]
    tabeller = after["tabeller.csv"].decode()
    assert tabeller.count("verks_xl,") == 1
    # Every other table's lines are kept, byte for byte and in order.
    for name in ("tabeller.csv", "tabell_kolumner.csv", "tabell_varden.csv"):
        old = [line for line in before[name].decode().splitlines() if not line.startswith("verks_xl,")]
        new = [line for line in after[name].decode().splitlines() if not line.startswith("verks_xl,")]
        assert old == new, name
    sets, tables = load(data)
    t = next(x for x in tables if x.id == "verks_xl")
    assert t.value(2, "prognos") == Decimal(124700) and t.row(4).role == "utanför summan"
    assert len([x for x in tables if x.id == "verks_xl"]) == 1
    checks = [c for c in rel.all_checks(tables, model.links(sets)) if any(cell[0] == "verks_xl" for cell in c.cells)]
    assert checks and all(c.finding.ok for c in checks)


def test_excel_replace_with_an_error_or_a_broken_link_writes_nothing(tmp_path, monkeypatch):
    import openpyxl

    data = tables_data(tmp_path, monkeypatch)
    before = _snapshot(data)
    book = _filled_workbook(tmp_path, data)
    wb = openpyxl.load_workbook(book)
    wb["verksamhet"]["B1"] = "verksamhet"  # replaces the fixture's table, whose row 5 tabell_lankar.csv links
    wb.save(book)
    proc = _import(book, data, "--ersatt")
    assert proc.returncode == 1 and "Inget har importerats; data/ är oförändrad." in proc.stderr
    assert "exempelstad/tabell_lankar.csv, rad 2, kolumn 'rad': värdet '5'" in proc.stderr, proc.stderr
    assert "(efter att tabellen verksamhet ersatts med arbetsbokens)" in proc.stderr
    assert _snapshot(data) == before
    wb["verksamhet"]["H16"] = "mycket"
    wb.save(book)
    proc = _import(book, data, "--ersatt")
    assert proc.returncode == 1 and "cell H16" in proc.stderr
    assert _snapshot(data) == before


def test_excel_links_sheet_adds_a_link_and_its_mismatch_is_found(tmp_path, monkeypatch):
    import openpyxl

    data = tables_data(tmp_path, monkeypatch)
    book = _filled_workbook(tmp_path, data)
    wb = openpyxl.load_workbook(book)
    ws = wb.copy_worksheet(wb["verksamhet"])  # a second table stating the same total, one unit off (SYNTETISK)
    ws.title = "kostnadsslag"
    ws["B1"], ws["B2"] = "ks_xl", "Nettokostnad per kostnadsslag (SYNTETISK, Excel)"
    ws["B15"], ws["B16"], ws["B17"] = "Personal", "Övrigt", "Summa kostnadsslag"
    ws["F17"] = 140001
    ws["F15"] = 20001
    links = wb["Länkar"]
    links.append(["verks_xl", 3, "ks_xl", 3])
    wb.move_sheet("Instruktioner", offset=1)
    wb.save(book)
    proc = _import(book, data)
    assert proc.returncode == 0, proc.stderr
    assert "1 länk (samma belopp i två tabeller) lades till i tabell_lankar.csv." in proc.stdout
    assert (data / "exempelstad" / "tabell_lankar.csv").read_text().splitlines()[-1] == "verks_xl,3,ks_xl,3"
    sets, tables = load(data)
    bad = [
        c
        for c in rel.all_checks(tables, model.links(sets))
        if {cell[0] for cell in c.cells} == {"verks_xl", "ks_xl"} and reconcile.kind(c.finding) == reconcile.MISMATCH
    ]
    assert len(bad) == 1 and "Budget helår" in bad[0].finding.check, [c.finding.check for c in bad]
    assert _import(book, data, "--ersatt").returncode == 0  # the same link again is not added twice
    assert (data / "exempelstad" / "tabell_lankar.csv").read_text().count("verks_xl,3,ks_xl,3") == 1


def test_excel_import_into_files_saved_by_excel_with_semicolons(tmp_path, monkeypatch):
    """CSV files the analyst saved from Excel (semicolons, decimal comma, Windows-1252) take the import too."""
    import csv
    import io

    data = tables_data(tmp_path, monkeypatch)
    org = data / "exempelstad"
    for name in ("tabeller.csv", "tabell_varden.csv"):
        rows = list(csv.reader(io.StringIO((org / name).read_text(encoding="utf-8"))))
        buf = io.StringIO()
        csv.writer(buf, delimiter=";", lineterminator="\r\n").writerows([[c.replace('"', "") for c in r] for r in rows])
        (org / name).write_bytes(buf.getvalue().replace("−", "-").encode("cp1252"))
    _, before = load(data)
    book = _filled_workbook(tmp_path, data)
    proc = _import(book, data)
    assert proc.returncode == 0, proc.stderr
    text = (org / "tabell_varden.csv").read_text(encoding="utf-8")  # rewritten as UTF-8 with commas
    assert text.startswith("tabell,rad,post,") and "verks_xl,2,Vård och omsorg,3,post,,avvikelse,-4600" in text
    _, after = load(data)
    old = {t.id: t.values for t in before}
    assert {t.id: t.values for t in after if t.id != "verks_xl"} == old  # every stated value kept exactly


def test_journaled_write_is_all_or_nothing(tmp_path, monkeypatch):
    from rapportbok.core import files, journal

    a, b, c = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    a.write_text("gammal a\n")
    b.write_text("gammal b\n")
    area = journal.writes(tmp_path)
    real, calls = files.replace, []

    def fail_third(src, dst, held=None):
        if Path(src).parent.name.startswith(".staging-") and not Path(src).parent.name.startswith(".staging-old"):
            calls.append(dst)  # a staged file going in
            if len(calls) == 3:
                raise files.FileInUse(dst)
        real(src, dst, held)

    monkeypatch.setattr(files, "replace", fail_third)
    with pytest.raises(files.FileInUse):
        journal.write(area, {"a.csv": "ny a\n", "b.csv": "ny b\n", "c.csv": "ny c\n"})
    assert (a.read_text(), b.read_text(), c.exists()) == ("gammal a\n", "gammal b\n", False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.csv"]  # no staging folder or journal left
    monkeypatch.setattr(files, "replace", real)
    journal.write(area, {"a.csv": "ny a\n", "c.csv": "ny c\n"})
    assert (a.read_text(), b.read_text(), c.read_text()) == ("ny a\n", "gammal b\n", "ny c\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.csv", "c.csv"]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 6),
            st.sampled_from(model.ROLES),
            st.lists(
                st.one_of(st.none(), st.decimals(-(10**9), 10**9, places=1, allow_nan=False)), min_size=3, max_size=3
            ),
        ),
        min_size=1,
        max_size=7,
    ),
    st.sampled_from(["", "a + b", "a - b", "b - a"]),
)
def test_any_table_that_validates_never_crashes_the_relations_or_the_page_frames(rows, formula):
    """Random shapes (parents at any depth, empty cells, every role): relations, culprits and frames work."""
    from rapportbok.chapters import report_tables as page

    n = len(rows)
    made = []
    for i, (parent, role, _) in enumerate(rows, start=1):
        p = parent if 0 < parent <= n and parent != i else None
        f = ((1, 1), (-1, 2)) if role == model.DIFF and n >= 2 and i > 2 else ()
        made.append(model.Row(i, f"R{i}", p, role if (role != model.DIFF or f) else model.POST, f))
    t = _table(
        "mnkr",
        1,
        made,
        columns=(("a", "budget helår", ""), ("b", "prognos helår", ""), ("c", "avvikelse", formula)),
        values={(i, c): v for i, (_, _, vals) in enumerate(rows, start=1) for c, v in zip("abc", vals)},
    )
    checks = rel.all_checks([t])
    rel.culprits(checks)
    for c in checks:
        reconcile.explain(c.finding)
    page.frame(t)
    page.followup_frame(t, t.per)
    reconcile.table([c.finding for c in checks])


def test_a_table_outside_the_report_years_is_a_warning(tmp_path, monkeypatch):
    data = tables_data(
        tmp_path,
        monkeypatch,
        edit={
            "tabeller.csv": (
                "bokslut,2024-12-31,mnkr,1,exempelstad-syntetisk,Resultat",
                "bokslut,2023-12-31,mnkr,1,exempelstad-syntetisk,Resultat",
            )
        },
    )
    found = datasets.validate(data)
    assert [(i.severity, i.row, i.column, i.value) for i in found] == [("varning", 6, "per", "2023-12-31")]
    assert "lägg till 2023 under ar, annars visas tabellen inte" in found[0].message()


def test_a_budget_belongs_to_its_budget_year_other_reports_to_their_date():
    def table(kind, per, cols):
        t = model.StatedTable("t", "Syntetisk", kind, per, "tkr", 0, "k", "s. 1")
        t.columns.extend(model.Column(f"c{i}", m, y, f"{m} {y}") for i, (m, y) in enumerate(cols))
        return t

    decided = dt.date(2024, 12, 10)  # a budget 2025 decided in December 2024, with last year's budget beside it
    assert table("budget", decided, [("budget", 2024), ("budget", 2025), ("plan", 2026), ("plan", 2027)]).year == 2025
    assert table("budget", decided, [("budget helår", 2025)]).year == 2025
    assert table("budget", decided, [("plan", 2026)]).year == 2024  # no budget column: its date decides
    assert table("bokslut", dt.date(2025, 12, 31), [("budget", 2025), ("nettokostnad", 2024)]).year == 2025
    assert table("månadsrapport", dt.date(2025, 10, 31), [("budget helår", 2026)]).year == 2025


def test_rows_under_a_heading_row_are_indented_totals_below_are_not():
    from rapportbok.chapters.report_tables import depths

    rows = [
        model.Row(1, "Individ- och familjeomsorg", 7, "summa"),
        model.Row(2, "Barn och unga", 1, "summa"),
        model.Row(3, "Familjehem", 2, "post"),
        model.Row(4, "Därav placeringar", 3, model.OUTSIDE),
        model.Row(5, "Vuxna", 1, "post"),
        model.Row(6, "Funktionsstöd", 7, "post"),
        model.Row(7, "Summa", None, "summa"),
        model.Row(8, "Kommunbidrag", None, "post"),
    ]
    assert depths(_table(rows=rows)) == [0, 1, 2, 3, 1, 0, 0, 0]
    # Parents given in a ring (refused by kontrollera) do not hang the page.
    ring = [model.Row(1, "A", 2, "summa"), model.Row(2, "B", 1, "summa")]
    assert depths(_table(rows=ring)) == [0, 1]


@pytest.mark.parametrize(
    "line,column,expected",
    [
        ("drift,9,Förklaringen", "rad", "numret på en rad i tabellen drift (tabell_varden.csv)"),
        ("dirft,5,Förklaringen", "tabell", "ett id ur tabeller.csv"),
    ],
)
def test_a_comment_names_a_row_that_exists(tmp_path, monkeypatch, line, column, expected):
    """tabell_kommentarer.csv points at a row of a stated table, checked as tabell_begrepp.csv's rows are."""
    data = tables_data(tmp_path, monkeypatch)
    (data / "exempelstad" / "tabell_kommentarer.csv").write_text(
        "tabell,rad,kommentar\ndrift,5,Förklaringen\n" + line + "\n", encoding="utf-8"
    )
    found = [i for i in datasets.validate(data) if i.file == "exempelstad/tabell_kommentarer.csv"]
    assert [(i.row, i.column) for i in found] == [(3, column)] and expected in found[0].expected, [
        i.message() for i in found
    ]
