"""Risk och intern kontroll: the risk and materiality analysis (risk register), the internal
control plan and the scales they use, as the budget document states them.

Three datasets, transcribed from the source (never corrected):

* ``risker.csv``: the risk register ("Risk- och väsentlighetsanalys"): each risk with its
  likelihood (sannolikhet, 1–4), materiality (väsentlighet, 1–4), stated risk value and handling;
* ``internkontroll.csv``: the internal control plan: the risks the plan controls, with the
  risk value the plan states, the control method and who is responsible;
* ``riskskalor.csv``: the names and descriptions of the levels 1–4 of both scales.

Rules checked here (Avstämning; a mismatch is shown with both figures, the source is unchanged):

* riskvärde = sannolikhet × väsentlighet, per risk in the register;
* the risk value in the internal control plan equals the register's risk value for the risk with
  the same name (names compared after trimming spaces and ignoring case).

Everything is a pure function of its arguments.
"""

from __future__ import annotations

import pandas as pd

from rapportbok.analysis.reconcile import Finding
from rapportbok.data.risk import LEVELS, LIKELIHOOD, MATERIALITY

# --- computations ------------------------------------------------------------------------------


def recomputed(risker: pd.DataFrame) -> pd.Series:
    """Riskvärde recomputed as sannolikhet × väsentlighet, per row."""
    return (risker["sannolikhet"].astype(int) * risker["vasentlighet"].astype(int)).astype("Int64")


def _where(df: pd.DataFrame, idx) -> str:
    return str(df.at[idx, "avsnitt"])


def riskvalue_checks(risker: pd.DataFrame | None) -> list[Finding]:
    """One finding per risk: stated riskvärde against sannolikhet × väsentlighet."""
    if risker is None or risker.empty:
        return []
    calc = recomputed(risker)
    return [
        Finding(
            f"Risk {int(r['rad'])} {r['risk']}: riskvärde = sannolikhet × väsentlighet "
            f"({int(r['sannolikhet'])} × {int(r['vasentlighet'])})",
            float(r["riskvarde"]),
            float(calc[idx]),
            "",
            _where(risker, idx),
        )
        for idx, r in risker.iterrows()
    ]


def _key(name: str) -> str:
    return " ".join(str(name).split()).casefold()


def register_match(risker: pd.DataFrame | None, ik: pd.DataFrame | None) -> dict:
    """For each row of the control plan (index), the register's row index with the same risk name, or None."""
    if ik is None:
        return {}
    by_name = {} if risker is None else {_key(n): i for i, n in risker["risk"].items()}
    return {idx: by_name.get(_key(r)) for idx, r in ik["risk"].items()}


def ik_checks(risker: pd.DataFrame | None, ik: pd.DataFrame | None) -> list[Finding]:
    """One finding per control-plan risk found in the register: the plan's riskvärde against the register's."""
    if risker is None or ik is None:
        return []
    out = []
    for idx, reg in register_match(risker, ik).items():
        if reg is None:
            continue
        r = ik.loc[idx]
        out.append(
            Finding(
                f"Internkontrollplanen rad {int(r['rad'])} {r['risk']}: riskvärde = riskanalysens riskvärde (risk {int(risker.at[reg, 'rad'])})",
                float(r["riskvarde"]),
                float(risker.at[reg, "riskvarde"]),
                "",
                f"{r['avsnitt']}; {risker.at[reg, 'avsnitt']}",
            )
        )
    return out


def ik_unmatched(risker: pd.DataFrame | None, ik: pd.DataFrame | None) -> list[str]:
    """Control-plan risks whose name does not occur in the register."""
    return [str(ik.at[idx, "risk"]) for idx, reg in register_match(risker, ik).items() if reg is None]


def ik_plan_missing(risker: pd.DataFrame | None, ik: pd.DataFrame | None) -> list[str]:
    """Register risks whose handling names the control plan ('IK-plan') but that the plan does not contain."""
    if risker is None:
        return []
    in_plan = set() if ik is None else {_key(n) for n in ik["risk"]}
    return [
        str(r["risk"])
        for _, r in risker.iterrows()
        if "ik-plan" in str(r["hantering"]).casefold() and _key(r["risk"]) not in in_plan
    ]


def all_checks(risker: pd.DataFrame | None, ik: pd.DataFrame | None) -> list[Finding]:
    return riskvalue_checks(risker) + ik_checks(risker, ik)


def cell_risks(
    risker: pd.DataFrame | None, levels: dict[str, list[int]] | None = None
) -> dict[tuple[int, int], list[tuple[int, str]]]:
    """(sannolikhet, väsentlighet) -> [(rad, risk), ...] for every cell of the matrix (empty lists included): the
    levels of the source's scales (``rapportbok.data.risk.scale_levels``), 1–4 on both by default."""
    s_levels, v_levels = _levels(levels)
    cells: dict[tuple[int, int], list[tuple[int, str]]] = {(s, v): [] for s in s_levels for v in v_levels}
    if risker is None:
        return cells
    for _, r in risker.sort_values("rad").iterrows():
        key = (int(r["sannolikhet"]), int(r["vasentlighet"]))
        if key in cells:  # levels outside the scales are stopped by validation
            cells[key].append((int(r["rad"]), str(r["risk"])))
    return cells


def matrix(risker: pd.DataFrame | None, levels: dict[str, list[int]] | None = None) -> pd.DataFrame:
    """Number of risks per cell: rows sannolikhet from the highest level (top) down, columns väsentlighet from 1."""
    cells = cell_risks(risker, levels)
    s_levels, v_levels = _levels(levels)
    m = pd.DataFrame(
        [[len(cells[(s, v)]) for v in v_levels] for s in reversed(s_levels)],
        index=pd.Index(list(reversed(s_levels)), name="sannolikhet"),
        columns=pd.Index(list(v_levels), name="vasentlighet"),
    )
    return m


def _levels(levels: dict[str, list[int]] | None) -> tuple[list[int], list[int]]:
    if levels is None:
        return list(LEVELS), list(LEVELS)
    return list(levels[LIKELIHOOD]), list(levels[MATERIALITY])


def level_names(skalor: pd.DataFrame | None, scale: str) -> dict[int, str]:
    """Level -> name for one scale ('Sannolikhet' or 'Väsentlighet'); empty without the scales."""
    if skalor is None:
        return {}
    part = skalor[skalor["skala"] == scale]
    return {int(n): str(name) for n, name in zip(part["niva"], part["namn"])}
