"""The action-plan input files: plans, measures, planned effects, drivers, stated sums and follow-ups of measures.

Each file's columns and what they must hold (the handbook's reference, handbok/referens/, is generated
from them; a worked example is in handbok/gor-sa-har/atgarder.md). How the files agree with each other,
and what the book computes from them, is :mod:`rapportbok.analysis.actionplan`.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from rapportbok.core import units
from rapportbok.data import stated_figures as stated
from rapportbok.data.schema import Col, Issue, TableSpec
from rapportbok.data.stated_figures import APPROX, APPROX_DOC

UNITS = units.UNITS  # kr, tkr, mnkr: amounts are stored in the unit the source states


PLANER = TableSpec(
    "atgardsplaner.csv",
    "Åtgärdsplaner",
    (
        Col("plan_id", doc="Kort unikt id för planen"),
        Col("titel", doc="Planens titel som i källan"),
        Col("beslut", required=False, doc="Beslutsinstans och paragraf som i källan"),
        Col(
            "beslutsdatum", "date", required=False, doc="Dagen då planen beslutades (ÅÅÅÅ-MM-DD), där källan anger den"
        ),
        Col(
            "underskott",
            required=False,
            doc="Underskottet som planen ska möta: id för en uppgift i uppgifter.csv med begrepp underskott "
            "(där står beloppet, året eller datumet och grunden, t.ex. bokslut 2023); tom om källan inte nämner något",
        ),
        Col("underskott_avser", required=False, doc="Vad underskottet är, med planens ord"),
        Col("enhet", "choice", choices=UNITS, doc="Enheten för planens belopp i källan (kr, tkr eller mnkr)"),
        Col("ar_fran", "year", doc="Första året som planen gäller"),
        Col("ar_till", "year", doc="Sista året som planen gäller"),
        Col("kalla", doc="Källans id ur data/kallor.csv"),
        Col("avsnitt", doc="Avsnitt i källan"),
    ),
    key=("plan_id",),
    doc="Åtgärdsplanerna, en rad per plan.",
)


ATGARDER = TableSpec(
    "atgarder.csv",
    "Åtgärder",
    (
        Col("plan_id", doc="Planens id i atgardsplaner.csv"),
        Col("atgard_id", doc="Unikt id för åtgärden"),
        Col("rad", "int", sign="+", minimum=1, doc="Radens ordning i källans tabell"),
        Col("nr", required=False, doc="Åtgärdens nummer som det står i källan"),
        Col("titel", doc="Åtgärdens titel som i källan"),
        Col("omrade", required=False, doc="Verksamhetsområdet som källan anger för åtgärden"),
        Col("kategori", required=False, doc="Kategorin som källan anger, t.ex. intäkt eller kostnadsminskning"),
        Col("beskrivning", required=False, doc="Åtgärdens beskrivning ordagrant"),
        Col(
            "effekt_start",
            "date",
            required=False,
            doc="Dagen då effekten startar (ÅÅÅÅ-MM-DD) där källan anger den; förväntad effekt räknas från den",
        ),
        Col("effekt_start_text", required=False, doc="Källans ord för när effekten startar"),
        Col(
            "helarseffekt",
            "number",
            required=False,
            doc="Effekten för ett helt år, i planens enhet (enhet i atgardsplaner.csv)",
        ),
        Col(
            "beslut_kravs",
            "choice",
            required=False,
            choices=("nämnd", "fullmäktige"),
            doc="Om åtgärden kräver beslut av nämnd eller fullmäktige enligt källan",
        ),
        Col("grupp", required=False, doc="atgard_id för gruppraden som åtgärden hör till"),
        Col(
            "medraknad_i_andra",
            "choice",
            choices=("ja", "nej"),
            doc="ja när källan säger att åtgärdens effekt redan är medräknad i andra åtgärder (den räknas då bara en gång), annars nej",
        ),
        Col(
            "anmarkning",
            required=False,
            doc="Transkriberingens anmärkning, t.ex. text som är sammanfogad över en sidbrytning",
        ),
        Col("kalla"),
        Col("avsnitt"),
    ),
    key=("atgard_id",),
    doc="Åtgärderna i planerna, en rad per åtgärd (eller grupprad) i källans ordning.",
)


EFFEKTER = TableSpec(
    "atgard_effekter.csv",
    "Planerad effekt per åtgärd och kalenderår",
    (
        Col("atgard_id", doc="Åtgärdens id i atgarder.csv"),
        Col("ar", "year", doc="Kalenderåret som effekten gäller"),
        Col("effekt", "number", doc="Planerad effekt för året, som i källan (en besparing positiv)"),
        Col("enhet", "choice", choices=UNITS, doc="Effektens enhet som i källan: kr, tkr eller mnkr"),
        Col("harledning", required=False, doc="Hur talet framgår av källan, t.ex. Enligt tabellen eller Enligt texten"),
        Col("kalla"),
        Col("avsnitt"),
    ),
    key=("atgard_id", "ar"),
    doc="Planerad effekt per åtgärd och kalenderår som källan anger den, en rad per åtgärd och år.",
)


DRIVARE = TableSpec(
    "atgard_drivare.csv",
    "Drivare bakom effekterna",
    (
        Col("atgard_id", doc="Åtgärdens id i atgarder.csv"),
        Col("drivare_id", doc="Drivarens id inom åtgärden, t.ex. D1"),
        Col("beskrivning", doc="Vad drivaren är, med källans ord"),
        Col("ar", "year", required=False, doc="Året som drivaren gäller; tom för helårseffekten"),
        Col(
            "mangd_lag", "number", required=False, doc="Mängden, eller det lägsta värdet när källan anger ett intervall"
        ),
        Col(
            "mangd_hog",
            "number",
            required=False,
            doc="Det högsta värdet när källan anger ett intervall; tom när källan inte anger någon övre gräns (t.ex. minst 365)",
        ),
        Col(
            "mangd_enhet",
            required=False,
            doc="Mängdens enhet som i källan, t.ex. placeringsdygn eller procent kortare placeringar",
        ),
        Col("pris_lag", "number", required=False, doc="Priset, eller det lägsta priset när källan anger ett intervall"),
        Col("pris_hog", "number", required=False, doc="Det högsta priset när källan anger ett intervall"),
        Col("pris_enhet", required=False, doc="t.ex. 'tkr per dygn', 'mnkr per åa', 'kr per månad'"),
        Col("angiven_effekt", "number", required=False, doc="Effekten som källan själv anger för drivaren"),
        Col("angiven_effekt_enhet", required=False, doc="Enheten för angiven_effekt, t.ex. mnkr eller mnkr per år"),
        Col("kalla"),
        Col("avsnitt"),
        Col("citat"),
    ),
    key=("atgard_id", "drivare_id"),
    doc="Mängder och priser bakom en åtgärds effekt som källan anger dem (t.ex. placeringsdygn gånger kostnad per dygn), en rad per drivare.",
)


SUMMOR = TableSpec(
    "atgardsplan_summor.csv",
    "Summor som källan anger",
    (
        Col("plan_id", doc="Planens id ur atgardsplaner.csv"),
        Col("summa_id", doc="Kort unikt id för summan"),
        Col("beskrivning", doc="Vad summan är, som i källan"),
        Col("ar", "year", required=False, doc="Året som summan gäller; tom för en helårseffekt"),
        Col(
            "typ",
            "choice",
            choices=("planerad", "helar", "faktisk"),
            doc="planerad (summan av årets planerade effekter), helar (summan av helårseffekterna) eller "
            "faktisk (summan av faktisk effekt i uppföljningen)",
        ),
        Col("belopp", "number", doc="Summan som källan anger"),
        Col("enhet", "choice", choices=UNITS, doc="kr, tkr eller mnkr, som i källan"),
        Col("kalla", doc="Källans id ur data/kallor.csv"),
        Col("avsnitt", doc="Avsnitt i källan"),
        Col("citat", doc="Meningen ordagrant ur källan"),
        Col("ungefarlig", "choice", choices=APPROX, required=False, may_omit=True, doc=APPROX_DOC),
    ),
    key=("summa_id",),
    doc="Varje summa som en åtgärdsplan anger (en summarad eller en total i texten), en rad per summa, så att Avstämningen kan räkna om den ur åtgärdernas rader.",
)


# The source's own status of a measure (kallans_bedomning); as rapportbok.analysis.actionplan.SOURCE_STATUSES.
SOURCE_STATUSES = ("grön", "gul", "röd", "för tidigt att bedöma")

UPPFOLJNING = TableSpec(
    "uppfoljning_atgarder.csv",
    "Uppföljning av åtgärder",
    (
        Col("atgard_id", doc="Åtgärdens id i atgarder.csv"),
        Col("per_datum", "date", doc="Uppföljningens datum (ÅÅÅÅ-MM-DD), inom planens år"),
        Col(
            "faktisk_effekt",
            "number",
            required=False,
            doc="Effekten hittills som källan anger den; tom om källan inte anger något tal",
        ),
        Col("enhet", "choice", choices=UNITS, doc="Effektens enhet som i källan: kr, tkr eller mnkr"),
        Col("status_text", required=False, doc="Statustexten ordagrant"),
        Col("kalla", doc="Källans id ur data/kallor.csv"),
        Col("avsnitt", doc="Avsnitt i källan"),
        Col(
            "kallans_bedomning",
            "choice",
            choices=SOURCE_STATUSES,
            required=False,
            may_omit=True,
            doc="Valfri: källans egen bedömning av åtgärden, där källan ger en: grön, gul, röd (källans eget "
            "trafikljus) eller för tidigt att bedöma (t.ex. ”för tidigt att se den ekonomiska effekten”). Visas i "
            "stället för bokens trafikljus; tom: boken räknar trafikljuset själv",
        ),
    ),
    key=("atgard_id", "per_datum"),
    doc="Uppföljningen av åtgärderna, en rad per åtgärd och rapportdatum (från Excel-mallen eller för hand).",
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
    up = data.get("uppgifter")
    deficits = set() if up is None else set(up.loc[up["begrepp"] == stated.DEFICIT, "id"])
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
            if p["underskott"] and p["underskott"] not in deficits:
                issues.append(
                    Issue(
                        _label(org, PLANER),
                        int(idx),
                        "underskott",
                        p["underskott"],
                        "id för en uppgift i uppgifter.csv med begrepp underskott: "
                        + (", ".join(sorted(deficits)) or "(inga sådana uppgifter)"),
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
