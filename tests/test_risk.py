"""Risk och intern kontroll: golden checks on the real transcribed data (Alingsås, Socialnämndens
budget 2025–2027, Bilaga 1 and 2) and SYNTHETIC cases for a mismatch and an out-of-range level.

Every table built inside a test function marked "synthetic" is invented for the test; nothing here
is written to data/.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from rapportbok.analysis import risk
from rapportbok.chapters import MODULES
from rapportbok.chapters import risk as chapter
from rapportbok.data import datasets
from rapportbok.data import risk as risk_data
from rapportbok.data.schema import read_table
from rapportbok.publish import templates

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def real():
    return datasets.load_org("alingsas")


# ---------------------------------------------------------------------------
# Golden: the real data
# ---------------------------------------------------------------------------


def test_real_register_values_agree(real):
    reg = real["risker"]
    assert len(reg) == 9
    assert reg["rad"].tolist() == list(range(1, 10))
    findings = risk.riskvalue_checks(reg)
    assert len(findings) == 9
    assert all(f.ok and f.difference == 0 for f in findings)
    assert risk.recomputed(reg).tolist() == [12, 12, 9, 9, 9, 6, 6, 6, 6]
    assert reg["riskvarde"].tolist() == [12, 12, 9, 9, 9, 6, 6, 6, 6]


def test_real_control_plan_agrees_with_register(real):
    reg, ik = real["risker"], real["internkontroll"]
    assert len(ik) == 5
    findings = risk.ik_checks(reg, ik)
    assert len(findings) == 5 and all(f.ok for f in findings)
    match = risk.register_match(reg, ik)
    assert [int(reg.at[match[i], "rad"]) for i in ik.index] == [1, 3, 4, 5, 9]
    assert risk.ik_unmatched(reg, ik) == []
    assert risk.ik_plan_missing(reg, ik) == []
    assert chapter.warnings(real, "alingsas") == []


def test_real_matrix_counts(real):
    m = risk.matrix(real["risker"])
    assert m.index.tolist() == [4, 3, 2, 1] and m.columns.tolist() == [1, 2, 3, 4]
    assert int(m.values.sum()) == 9
    assert int(m.loc[4, 3]) == 2 and int(m.loc[3, 3]) == 3 and int(m.loc[3, 2]) == 2 and int(m.loc[2, 3]) == 2
    assert int((m > 0).values.sum()) == 4
    cells = risk.cell_risks(real["risker"])
    assert [nr for nr, _ in cells[(3, 3)]] == [3, 4, 5]
    assert [nr for nr, _ in cells[(2, 3)]] == [8, 9]
    assert cells[(1, 1)] == []


def test_real_scales(real):
    assert risk.level_names(real["riskskalor"], "Sannolikhet") == {
        1: "Osannolik",
        2: "Mindre sannolik",
        3: "Möjlig",
        4: "Sannolik",
    }
    assert risk.level_names(real["riskskalor"], "Väsentlighet") == {
        1: "Försumbar",
        2: "Lindrig",
        3: "Kännbar",
        4: "Allvarlig",
    }


def test_chapter_registered_and_shown_from_2025(real):
    assert MODULES.index("rapportbok.chapters.risk") == MODULES.index("rapportbok.chapters.budget") + 1
    assert chapter.has_data(real, 2025) and not chapter.has_data(real, 2024)
    assert not chapter.has_data({"risker": None}, 2025)


def test_template_headings():
    nb = templates.to_notebook(templates.template_path(ROOT, "risk"))
    headings = [
        line for c in nb.cells if c.cell_type == "markdown" for line in c.source.splitlines() if line.startswith("#")
    ]
    assert headings == [
        "# Risk och intern kontroll",
        "## Risk- och väsentlighetsanalys",
        "## Riskkarta",
        "## Internkontrollplan",
        "## Skalor",
        "## Avstämning",
    ]
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


# ---------------------------------------------------------------------------
# Synthetic cases
# ---------------------------------------------------------------------------


def _synthetic_register(rows):
    """SYNTHETIC register rows: (rad, risk, sannolikhet, vasentlighet, riskvarde)."""
    return pd.DataFrame(
        [
            {
                "rad": r,
                "risk": n,
                "riskbeskrivning": "syntetisk",
                "sannolikhet": s,
                "vasentlighet": v,
                "riskvarde": rv,
                "hantering": h,
                "kalla": "syntetisk",
                "avsnitt": "Syntetisk tabell",
            }
            for r, n, s, v, rv, h in rows
        ],
        index=range(2, 2 + len(rows)),
    ).astype({"rad": "Int64", "sannolikhet": "Int64", "vasentlighet": "Int64", "riskvarde": "Int64"})


def test_synthetic_mismatches_are_found():
    reg = _synthetic_register(
        [
            (1, "Risk A", 3, 4, 12, "Hanteras, IK-plan"),
            (2, "Risk B", 2, 3, 8, "Accepteras"),  # 2 × 3 = 6, stated 8
            (3, "Risk C", 1, 1, 1, "Hanteras, IK-plan"),  # not in the plan below
        ]
    )
    ik = pd.DataFrame(
        [
            {
                "rad": 1,
                "risk": " risk  a ",
                "riskbeskrivning": "syntetisk",
                "riskvarde": 9,
                "metod": "m",
                "ansvarig": "a",
                "kalla": "syntetisk",
                "avsnitt": "Syntetisk plan",
            },
            {
                "rad": 2,
                "risk": "Risk Z",
                "riskbeskrivning": "syntetisk",
                "riskvarde": 4,
                "metod": "m",
                "ansvarig": "a",
                "kalla": "syntetisk",
                "avsnitt": "Syntetisk plan",
            },
        ],
        index=[2, 3],
    )
    bad = [f for f in risk.riskvalue_checks(reg) if not f.ok]
    assert len(bad) == 1 and bad[0].stated == 8 and bad[0].computed == 6 and bad[0].verdict == "Avviker"
    ikf = risk.ik_checks(reg, ik)
    assert len(ikf) == 1 and ikf[0].stated == 9 and ikf[0].computed == 12 and not ikf[0].ok
    assert risk.ik_unmatched(reg, ik) == ["Risk Z"]
    assert risk.ik_plan_missing(reg, ik) == ["Risk C"]
    lines = chapter.warnings({"risker": reg, "internkontroll": ik}, "syntetisk")
    assert len(lines) == 4
    assert any("källan anger 8, omräknat 6" in line for line in lines)
    assert any("'Risk Z' finns inte" in line for line in lines)
    m = risk.matrix(reg)
    assert int(m.loc[3, 4]) == 1 and int(m.loc[2, 3]) == 1 and int(m.loc[1, 1]) == 1 and int(m.values.sum()) == 3


def test_synthetic_out_of_range_level_is_an_issue(tmp_path):
    path = tmp_path / "risker_syntetisk.csv"  # synthetic file
    path.write_text(
        "rad,risk,riskbeskrivning,sannolikhet,vasentlighet,riskvarde,hantering,kalla,avsnitt\n"
        "1,Syntetisk risk,syntetisk,5,3,15,Accepteras,syntetisk,Syntetisk\n"
        "2,Syntetisk risk 2,syntetisk,2,0,0,Accepteras,syntetisk,Syntetisk\n"
        "3,Syntetisk risk 3,syntetisk,2,2,4,Accepteras,syntetisk,Syntetisk\n",
        encoding="utf-8",
    )
    spec, extra = risk_data.DATASETS["risker"]
    df, issues = read_table(path, spec, "syntetisk/risker.csv")
    assert issues == [] and df is not None
    found = extra(df, spec, "syntetisk/risker.csv")
    assert [(i.row, i.column, i.value) for i in found] == [(2, "sannolikhet", "5"), (3, "vasentlighet", "0")]
    assert all("från 1 till 4" in i.message() and i.severity == "fel" for i in found)


def test_synthetic_non_integer_level_rejected_by_spec(tmp_path):
    path = tmp_path / "risker_syntetisk.csv"  # synthetic file
    path.write_text(
        "rad,risk,riskbeskrivning,sannolikhet,vasentlighet,riskvarde,hantering,kalla,avsnitt\n"
        "1,Syntetisk risk,syntetisk,2.5,3,7,Accepteras,syntetisk,Syntetisk\n",
        encoding="utf-8",
    )
    df, issues = read_table(path, risk_data.RISKER, "syntetisk/risker.csv")
    assert df is None and [(i.row, i.column) for i in issues] == [(2, "sannolikhet")]
