"""The action-plan input files: plans, measures, planned effects, drivers, stated sums and follow-ups of measures.

Each file's columns and what they must hold (the README has a worked example). How the files
agree with each other, and what the book computes from them, is
:mod:`rapportbok.analysis.actionplan`.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from rapportbok.core import units
from rapportbok.data.schema import Col, Issue, TableSpec

UNITS = units.UNITS  # kr, tkr, mnkr: amounts are stored in the unit the source states


PLANER = TableSpec(
    "atgardsplaner.csv",
    "Åtgärdsplaner",
    (
        Col("plan_id", doc="Kort unikt id för planen"),
        Col("titel"),
        Col("beslut", required=False, doc="Beslutsinstans och paragraf som i källan"),
        Col("beslutsdatum", "date", required=False),
        Col("underskott", "number", required=False, sign="+", doc="Underskottet som planen ska täcka, där det anges"),
        Col("underskott_enhet", "choice", required=False, choices=UNITS),
        Col("underskott_avser", required=False),
        Col("enhet", "choice", choices=UNITS, doc="Enheten för planens belopp i källan"),
        Col("ar_fran", "year"),
        Col("ar_till", "year"),
        Col("kalla"),
        Col("avsnitt"),
    ),
    key=("plan_id",),
)


ATGARDER = TableSpec(
    "atgarder.csv",
    "Åtgärder",
    (
        Col("plan_id"),
        Col("atgard_id", doc="Unikt id för åtgärden"),
        Col("rad", "int", sign="+", minimum=1, doc="Radens ordning i källans tabell"),
        Col("nr", required=False, doc="Åtgärdens nummer som det står i källan"),
        Col("titel"),
        Col("omrade", required=False),
        Col("kategori", required=False),
        Col("beskrivning", required=False),
        Col("effekt_start", "date", required=False),
        Col("effekt_start_text", required=False, doc="Källans ord för när effekten startar"),
        Col("helarseffekt", "number", required=False),
        Col("beslut_kravs", "choice", required=False, choices=("nämnd", "fullmäktige")),
        Col("grupp", required=False, doc="atgard_id för gruppraden som åtgärden hör till"),
        Col("medraknad_i_andra", "choice", choices=("ja", "nej")),
        Col("anmarkning", required=False),
        Col("kalla"),
        Col("avsnitt"),
    ),
    key=("atgard_id",),
)


EFFEKTER = TableSpec(
    "atgard_effekter.csv",
    "Planerad effekt per åtgärd och kalenderår",
    (
        Col("atgard_id"),
        Col("ar", "year"),
        Col("effekt", "number"),
        Col("enhet", "choice", choices=UNITS),
        Col("harledning", required=False),
        Col("kalla"),
        Col("avsnitt"),
    ),
    key=("atgard_id", "ar"),
)


DRIVARE = TableSpec(
    "atgard_drivare.csv",
    "Drivare bakom effekterna",
    (
        Col("atgard_id"),
        Col("drivare_id"),
        Col("beskrivning"),
        Col("ar", "year", required=False),
        Col("mangd_lag", "number", required=False),
        Col("mangd_hog", "number", required=False),
        Col("mangd_enhet", required=False),
        Col("pris_lag", "number", required=False),
        Col("pris_hog", "number", required=False),
        Col("pris_enhet", required=False, doc="t.ex. 'tkr per dygn', 'mnkr per åa', 'kr per månad'"),
        Col("angiven_effekt", "number", required=False),
        Col("angiven_effekt_enhet", required=False),
        Col("kalla"),
        Col("avsnitt"),
        Col("citat"),
    ),
    key=("atgard_id", "drivare_id"),
)


SUMMOR = TableSpec(
    "atgardsplan_summor.csv",
    "Summor som källan anger",
    (
        Col("plan_id"),
        Col("summa_id"),
        Col("beskrivning"),
        Col("ar", "year", required=False),
        Col("typ", "choice", choices=("planerad", "helar", "faktisk")),
        Col("belopp", "number"),
        Col("enhet", "choice", choices=UNITS),
        Col("kalla"),
        Col("avsnitt"),
        Col("citat"),
        Col(
            "ungefarlig",
            "choice",
            choices=("ja", "nej"),
            required=False,
            may_omit=True,
            doc="ja när källan anger summan som ungefärlig (omkring, cirka, runt); tom eller nej annars",
        ),
    ),
    key=("summa_id",),
)


UPPFOLJNING = TableSpec(
    "uppfoljning_atgarder.csv",
    "Uppföljning av åtgärder",
    (
        Col("atgard_id"),
        Col("per_datum", "date"),
        Col("faktisk_effekt", "number", required=False),
        Col("enhet", "choice", choices=UNITS),
        Col("status_text", required=False, doc="Statustexten ordagrant"),
        Col("kalla"),
        Col("avsnitt"),
    ),
    key=("atgard_id", "per_datum"),
)


DATASETS = {
    "atgardsplaner": (PLANER, None),
    "atgarder": (ATGARDER, None),
    "atgard_effekter": (EFFEKTER, None),
    "atgard_drivare": (DRIVARE, None),
    "atgardsplan_summor": (SUMMOR, None),
    "uppfoljning_atgarder": (UPPFOLJNING, None),
}


def _na(v) -> bool:
    """Missing in any of the forms a typed table holds (None, NaN, pd.NA)."""
    if v is None or isinstance(v, (str, dt.date)):
        return v is None
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


# --- validation across files -------------------------------------------------------------------


def _label(org: str, spec: TableSpec) -> str:
    return f"{org}/{spec.filename}"


def cross_check(data: dict, org: str) -> list[Issue]:
    """References between the action-plan files, and years within the plan's years."""
    issues: list[Issue] = []
    plans, meas = data.get("atgardsplaner"), data.get("atgarder")
    eff, drv, sums, fu = (
        data.get(k) for k in ("atgard_effekter", "atgard_drivare", "atgardsplan_summor", "uppfoljning_atgarder")
    )
    if all(x is None for x in (plans, meas, eff, drv, sums, fu)):
        return issues
    plan_years = {}
    if plans is not None:
        for idx, p in plans.iterrows():
            plan_years[p["plan_id"]] = (int(p["ar_fran"]), int(p["ar_till"]))
            if p["ar_fran"] > p["ar_till"]:
                issues.append(
                    Issue(
                        _label(org, PLANER),
                        int(idx),
                        "ar_till",
                        str(p["ar_till"]),
                        f"ett år som inte är före ar_fran ({p['ar_fran']})",
                    )
                )
            if not _na(p["underskott"]) and not p["underskott_enhet"]:
                issues.append(
                    Issue(
                        _label(org, PLANER),
                        int(idx),
                        "underskott_enhet",
                        "",
                        "enheten (kr, tkr eller mnkr) när ett underskott anges",
                    )
                )
    known_plans = ", ".join(sorted(plan_years)) or "(inga planer i atgardsplaner.csv)"
    measure_plan: dict[str, str] = {}
    if meas is not None:
        lab = _label(org, ATGARDER)
        for idx, m in meas.iterrows():
            if m["plan_id"] not in plan_years:
                issues.append(
                    Issue(lab, int(idx), "plan_id", m["plan_id"], "ett plan_id ur atgardsplaner.csv: " + known_plans)
                )
            measure_plan[m["atgard_id"]] = m["plan_id"]
        for idx, m in meas.iterrows():
            g = m["grupp"]
            if g and (g not in measure_plan or measure_plan[g] != m["plan_id"] or g == m["atgard_id"]):
                issues.append(
                    Issue(
                        lab,
                        int(idx),
                        "grupp",
                        g,
                        "atgard_id för en annan åtgärd (grupprad) i samma plan i atgarder.csv",
                    )
                )
            if isinstance(m["effekt_start"], dt.date) and m["plan_id"] in plan_years:
                lo, hi = plan_years[m["plan_id"]]
                if not lo <= m["effekt_start"].year <= hi:
                    issues.append(
                        Issue(
                            lab,
                            int(idx),
                            "effekt_start",
                            m["effekt_start"].isoformat(),
                            f"ett datum inom planens år {lo}–{hi}",
                        )
                    )
    known = sorted(measure_plan)
    hint = "ett atgard_id ur atgarder.csv" + (f" (t.ex. {known[0]})" if known else "")

    def years_of(aid):
        return plan_years.get(measure_plan.get(aid))

    for df, spec, year_col in ((eff, EFFEKTER, "ar"), (drv, DRIVARE, "ar"), (fu, UPPFOLJNING, "per_datum")):
        if df is None:
            continue
        lab = _label(org, spec)
        for idx, r in df.iterrows():
            aid = r["atgard_id"]
            if aid not in measure_plan:
                issues.append(Issue(lab, int(idx), "atgard_id", aid, hint))
                continue
            yrs = years_of(aid)
            v = r[year_col]
            if yrs is None or _na(v):
                continue
            y = v.year if isinstance(v, dt.date) else int(v)
            if not yrs[0] <= y <= yrs[1]:
                text = v.isoformat() if isinstance(v, dt.date) else str(y)
                what = "ett datum" if isinstance(v, dt.date) else "ett år"
                issues.append(
                    Issue(
                        lab,
                        int(idx),
                        year_col,
                        text,
                        f"{what} inom planens år {yrs[0]}–{yrs[1]} (plan {measure_plan[aid]})",
                    )
                )
    if sums is not None:
        lab = _label(org, SUMMOR)
        for idx, s in sums.iterrows():
            if s["plan_id"] not in plan_years:
                issues.append(
                    Issue(lab, int(idx), "plan_id", s["plan_id"], "ett plan_id ur atgardsplaner.csv: " + known_plans)
                )
            elif not _na(s["ar"]):
                lo, hi = plan_years[s["plan_id"]]
                if not lo <= int(s["ar"]) <= hi:
                    issues.append(Issue(lab, int(idx), "ar", str(int(s["ar"])), f"ett år inom planens år {lo}–{hi}"))
    return issues


CROSS_CHECKS = [cross_check]
