"""Åtgärdsplaner: plans, measures, planned effects, drivers, stated sums and follow-ups.

Data model (one file each under data/<org>/, all amounts stored in the source's own unit,
``tkr`` or ``mnkr``; this module converts to tkr for every computation):

- ``atgardsplaner.csv``: a plan (title, decision and its date, the deficit where stated,
  the years the plan covers).
- ``atgarder.csv``: a measure (number as stated, title, area, category, description, when
  the effect starts, helårseffekt, whether it needs a decision by nämnd or fullmäktige, the
  group row it belongs to, and ``medraknad_i_andra = ja`` where the source says its effect is
  counted in other measures).
- ``atgard_effekter.csv``: the planned effect per measure and calendar year.
- ``atgard_drivare.csv``: quantities behind an effect (e.g. placement days x cost per day,
  with a low and a high value); :func:`driver_effects` computes the effect range.
- ``atgardsplan_summor.csv``: every total the source states, for the Avstämning.
- ``uppfoljning_atgarder.csv``: follow-up per measure and as-of date (actual effect to date,
  the status text as stated). The status class (traffic light) is derived by
  :func:`traffic_light` from the numbers, never typed in.

Rules (also printed in the chapter):

- **Pro rata** (:func:`expected_to_date`): the planned effect for a calendar year accrues
  linearly, day by day, from ``max(effect start, the plan's decision date, 1 January)`` to 31 December
  (:func:`pro_rata_start`: a plan decided on 22 May is not expected to have saved anything in April). Expected to
  date = planned effect x (days from that start to the as-of date, inclusive) / (days from
  that start to 31 December, inclusive); 0 before the start. The as-of date is the
  follow-up's date, or without a follow-up the page's report date (a tertial's end or the
  date organisation.yml gives, e.g. 31 October).
- **Traffic light** (:func:`traffic_light`): the source's own status where the follow-up gives one
  (``kallans_bedomning``: grön, gul, röd, or "för tidigt att bedöma", shown as that and never as red);
  otherwise the book's estimate: realisation = actual to date / expected to date.
  grön >= 90 %, gul 50–90 %, röd < 50 %; grå when there is no actual figure, nothing is
  expected yet (not started or no planned effect for the year), or the planned effect is a
  cost (negative), where a share of it says nothing about success.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd

from rapportbok.analysis import reconcile
from rapportbok.analysis.reconcile import Finding
from rapportbok.core import fmt, units
from rapportbok.core.periods import report_end
from rapportbok.core.units import to_tkr
from rapportbok.data import actionplan as model
from rapportbok.data import citation
from rapportbok.data import stated_figures as stated

# --- the plans an organisation has for a year ------------------------------------------------


def plans_for_year(data: dict, year: int) -> pd.DataFrame | None:
    plans = data.get("atgardsplaner")
    if plans is None:
        return None
    part = plans[(plans["ar_fran"] <= year) & (plans["ar_till"] >= year)]
    return part if not part.empty else None


def has_plan(data: dict, year: int) -> bool:
    return plans_for_year(data, year) is not None


def plan_deficits(data: dict, plans: pd.DataFrame | None) -> dict[str, stated.StatedFact]:
    """The deficit each plan is meant to meet (atgardsplaner.csv: underskott names a stated fact in
    uppgifter.csv, with its amount, year or date and basis), by plan id; plans that name none are left out."""
    if plans is None:
        return {}
    by_id = {f.id: f for f in stated.facts(data)}
    return {pid: by_id[fid] for pid, fid in zip(plans["plan_id"], plans["underskott"]) if fid and fid in by_id}


def deficit_tkr(fact: stated.StatedFact | None) -> float | None:
    """A stated deficit's size in tkr (the source may print it with or without a minus sign: 'underskott på
    minus 99 miljoner' and 'underskott med 12,4 mnkr' are deficits of 99 and 12,4 mnkr); None without amount."""
    if fact is None or fact.tkr is None:
        return None
    return abs(fact.tkr)


def effects_tkr(data: dict) -> pd.DataFrame:
    """Planned effects joined with their measure, in tkr, with the flags that decide what is summed.

    ``counted``: False for a measure the source says is counted in others (medräknad_i_andra),
    and for a group member whose group row carries its own effect for the same year (the group
    row holds the amount; counting both would count it twice).
    """
    eff, meas = data.get("atgard_effekter"), data.get("atgarder")
    cols = ["atgard_id", "ar", "effekt", "enhet", "effekt_tkr", "plan_id", "grupp", "medraknad_i_andra", "counted"]
    if eff is None or meas is None or eff.empty:
        return pd.DataFrame(columns=cols)
    df = eff.merge(meas[["atgard_id", "plan_id", "grupp", "medraknad_i_andra"]], on="atgard_id", how="left")
    df["effekt_tkr"] = [round(to_tkr(v, u), 6) for v, u in zip(df["effekt"], df["enhet"])]
    own = set(zip(df["atgard_id"], df["ar"]))
    df["counted"] = [
        m != "ja" and not (isinstance(g, str) and (g, y) in own)
        for m, g, y in zip(df["medraknad_i_andra"], df["grupp"], df["ar"])
    ]
    return df[cols]


def planned_effect_for_year(datasets: dict, year: int) -> tuple[float | None, list[str]]:
    """Total planned effect in TKR for one calendar year over the organisation's plans.

    Sums the planned effect of every measure in every plan covering ``year`` (net: a cost row
    such as Haninge's omställningskostnader counts negative), excluding measures the source
    flags as counted in other measures and group members whose group row carries the amount.
    Returns ``(total_tkr, plan titles)``; the total is None when no plan covers the year or no
    effect is stated for it (never 0 for "not stated").
    """
    plans = plans_for_year(datasets, int(year))
    if plans is None:
        return None, []
    titles = plans["titel"].tolist()
    eff = effects_tkr(datasets)
    part = eff[(eff["ar"] == int(year)) & eff["plan_id"].isin(set(plans["plan_id"])) & eff["counted"]]
    if part.empty:
        return None, titles
    return float(part["effekt_tkr"].sum()), titles


@dataclass(frozen=True)
class StatedTotal:
    """A plan's own stated planned total for a year (the first each plan states; summed over the year's plans),
    in tkr, with its precision: its rounding and whether the source states it as approximate."""

    tkr: float
    rounding_tkr: float
    approx: str

    def agrees_with(self, other_tkr: float) -> bool:
        return reconcile.within_precision(self.tkr, other_tkr, self.rounding_tkr, self.approx)


def stated_total(datasets: dict, year: int) -> StatedTotal | None:
    """The plans' own stated planned total for ``year``: one per plan (the first row of atgardsplan_summor.csv
    with typ planerad for the year; a second one, e.g. the same total in the text, is checked on the
    Avstämning page, not added), summed over the plans covering the year. None when none is stated."""
    summor = datasets.get("atgardsplan_summor")
    plans = plans_for_year(datasets, int(year))
    if summor is None or plans is None:
        return None
    rows = summor[
        (summor["typ"] == "planerad") & (summor["ar"] == int(year)) & summor["plan_id"].isin(set(plans["plan_id"]))
    ].drop_duplicates("plan_id")
    if rows.empty:
        return None
    tkr = float(sum(to_tkr(v, u) for v, u in zip(rows["belopp"], rows["enhet"])))
    rounding = float(sum(0.5 * 10 ** (-_decimals(u)) * units.factor(u) for u in rows["enhet"]))
    flags = [a for a in rows.get("ungefarlig", pd.Series(dtype=object)).fillna(reconcile.EXACT) if a != reconcile.EXACT]
    return StatedTotal(tkr, rounding, flags[0] if flags else reconcile.EXACT)


def stated_versus_counted(datasets: dict, year: int) -> dict | None:
    """The plan's own stated total for ``year`` beside the book's sum, when they differ beyond the stated
    total's precision (:func:`stated_total`; the one rule of rapportbok.analysis.reconcile.within_precision).

    Returns None when the source states no total for the year or the two agree; otherwise
    ``{"stated_tkr", "counted_tkr", "left_out_tkr", "left_out": [measure titles], "explained": bool}``,
    where ``explained`` says that the measures the book leaves out (counted in others) make up the difference.
    """
    counted, _ = planned_effect_for_year(datasets, year)
    total = stated_total(datasets, year)
    if total is None or counted is None or total.agrees_with(counted):
        return None
    plans = plans_for_year(datasets, int(year))
    eff = effects_tkr(datasets)
    out = eff[(eff["ar"] == int(year)) & eff["plan_id"].isin(set(plans["plan_id"])) & ~eff["counted"]]
    titles = dict(zip(datasets["atgarder"]["atgard_id"], datasets["atgarder"]["titel"]))
    left_out = float(out["effekt_tkr"].sum())
    return {
        "stated_tkr": total.tkr,
        "counted_tkr": counted,
        "left_out_tkr": left_out,
        "left_out": [str(titles.get(a, a)) for a in out["atgard_id"]],
        "explained": bool(len(out)) and total.agrees_with(counted + left_out),
    }


# --- pro rata and traffic light ---------------------------------------------------------------


def expected_to_date(planned_tkr, year: int, as_of: dt.date, effect_start: dt.date | None = None) -> float | None:
    """Planned effect for ``year`` accrued linearly from max(effect start, 1 Jan) to ``as_of``.

    Expected = planned x days(start..as_of) / days(start..31 Dec), both inclusive; 0 before the
    start or when the effect starts after the year; the full amount from 31 December on.
    """
    if fmt.is_missing(planned_tkr):
        return None
    jan1, dec31 = dt.date(year, 1, 1), dt.date(year, 12, 31)
    start = max(effect_start, jan1) if effect_start else jan1
    if start > dec31 or as_of < start:
        return 0.0
    as_of = min(as_of, dec31)
    share = ((as_of - start).days + 1) / ((dec31 - start).days + 1)
    return float(planned_tkr) * share


# The traffic lights, as the words a table shows; the page draws each light's dot beside its word
# (rapportbok.present.tables, ``lights``): a drawing, not an emoji, so it prints without any emoji font.
GREEN, YELLOW, RED, GREY = "grön", "gul", "röd", "grå"
LIGHTS = (GREEN, YELLOW, RED, GREY)


GREEN_FROM, YELLOW_FROM = 90.0, 50.0


def realisation_pct(actual_tkr, expected_tkr) -> float | None:
    if fmt.is_missing(actual_tkr) or fmt.is_missing(expected_tkr) or float(expected_tkr) <= 0:
        return None
    return float(actual_tkr) / float(expected_tkr) * 100


def traffic_light(actual_tkr, expected_tkr) -> tuple[str, str]:
    """(class, reason). grön >= 90 %, gul 50–90 %, röd < 50 % of expected; grå without figures."""
    if fmt.is_missing(actual_tkr):
        return GREY, "ingen faktisk effekt angiven"
    if fmt.is_missing(expected_tkr):
        return GREY, "ingen planerad effekt för året"
    if float(expected_tkr) < 0:
        return GREY, "kostnadspost (negativ planerad effekt)"
    if float(expected_tkr) == 0:
        return GREY, "ingen effekt förväntad ännu"
    r = float(actual_tkr) / float(expected_tkr) * 100
    if r >= GREEN_FROM:
        return GREEN, f"{fmt.pct(r, 0)} av förväntat"
    if r >= YELLOW_FROM:
        return YELLOW, f"{fmt.pct(r, 0)} av förväntat"
    return RED, f"{fmt.pct(r, 0)} av förväntat"


def pro_rata_start(plans: pd.DataFrame | None, year: int) -> dt.date:
    """The first day the book expects a plan's effect for ``year``: the latest decision date among the plans
    decided within the year, else 1 January (a plan decided the year before counts from 1 January)."""
    jan1 = dt.date(int(year), 1, 1)
    if plans is None or "beslutsdatum" not in plans:
        return jan1
    dates = [d for d in plans["beslutsdatum"] if isinstance(d, dt.date) and d.year == int(year)]
    return max([jan1, *dates])


def _decided(plans: pd.DataFrame, plan_id: str) -> dt.date | None:
    d = plans.loc[plans["plan_id"] == plan_id, "beslutsdatum"]
    return d.iloc[0] if not d.empty and isinstance(d.iloc[0], dt.date) else None


# The source's own status of a measure (uppfoljning_atgarder.csv, kallans_bedomning): its colour, or that it is
# too early to assess. "För tidigt att bedöma" is shown as that, grey, never as red.
SOURCE_STATUSES = model.SOURCE_STATUSES
TOO_EARLY = SOURCE_STATUSES[-1]


def followups_until(data: dict, until: dt.date) -> pd.DataFrame | None:
    """The latest follow-up per measure dated on or before ``until`` (None when there is none)."""
    fu = data.get("uppfoljning_atgarder")
    if fu is None:
        return None
    part = fu[fu["per_datum"] <= until]
    if part.empty:
        return None
    part = part.sort_values(["atgard_id", "per_datum"]).groupby("atgard_id", sort=False).tail(1).copy()
    part["faktisk_tkr"] = [to_tkr(v, u) for v, u in zip(part["faktisk_effekt"], part["enhet"])]
    return part


def short_label(row) -> str:
    nr = row.get("nr")
    return f"nr {nr}" if isinstance(nr, str) and nr else f"rad {int(row['rad'])}"


def status_table(data: dict, year: int, period) -> pd.DataFrame | None:
    """One row per measure of the plans covering ``year``: planned, expected, actual, light.

    ``period`` is the report date (any date; or a tertial, meaning its end): follow-ups up to it count.

    Columns (English, for computation): plan_id, atgard_id, rad, nr, label, titel, omrade,
    beslut_kravs, medraknad_i_andra, grupp, effekt_start, planned_tkr, as_of, expected_tkr,
    actual_tkr, realisation, light, reason, source_status (the source's own status, or None: the light is
    then the book's estimate), status_text, counted.
    """
    plans = plans_for_year(data, year)
    meas = data.get("atgarder")
    if plans is None or meas is None:
        return None
    end = report_end(year, period)
    fu = followups_until(data, end)
    fu = fu[[d.year == year for d in fu["per_datum"]]] if fu is not None else None
    eff = effects_tkr(data)
    eff = eff[eff["ar"] == year].set_index("atgard_id")
    rows = []
    part = meas[meas["plan_id"].isin(set(plans["plan_id"]))].sort_values(["plan_id", "rad"])
    for _, m in part.iterrows():
        aid = m["atgard_id"]
        planned = float(eff.at[aid, "effekt_tkr"]) if aid in eff.index else None
        counted = bool(eff.at[aid, "counted"]) if aid in eff.index else m["medraknad_i_andra"] != "ja"
        f = fu[fu["atgard_id"] == aid] if fu is not None else None
        has_fu = f is not None and not f.empty
        as_of = f["per_datum"].iloc[0] if has_fu else end
        actual = f["faktisk_tkr"].iloc[0] if has_fu else None
        actual = None if fmt.is_missing(actual) else float(actual)
        start = m["effekt_start"] if isinstance(m["effekt_start"], dt.date) else None
        decided = _decided(plans, m["plan_id"])
        begins = max([d for d in (start, decided) if d is not None], default=None)
        expected = expected_to_date(planned, year, as_of, begins)
        light, reason = traffic_light(actual, expected)
        status = f["kallans_bedomning"].iloc[0] if has_fu and "kallans_bedomning" in f else None
        status = status if isinstance(status, str) and status else None
        if not has_fu:
            reason = "ingen uppföljning i källorna"
        elif status == TOO_EARLY:
            light, reason = GREY, "för tidigt att bedöma, enligt källan"
        elif status is not None:
            light, reason = status, "källans bedömning"
        elif planned == 0:
            reason = "planerad effekt för året är 0"
        rows.append(
            {
                "plan_id": m["plan_id"],
                "atgard_id": aid,
                "rad": int(m["rad"]),
                "nr": m["nr"],
                "label": short_label(m),
                "titel": m["titel"],
                "omrade": m["omrade"],
                "beslut_kravs": m["beslut_kravs"],
                "medraknad_i_andra": m["medraknad_i_andra"],
                "grupp": m["grupp"],
                "effekt_start": start,
                "planned_tkr": planned,
                "as_of": as_of,
                "expected_tkr": expected,
                "actual_tkr": actual,
                "realisation": realisation_pct(actual, expected),
                "light": light,
                "reason": reason,
                "source_status": status,
                "status_text": f["status_text"].iloc[0] if has_fu else None,
                "counted": counted,
                "has_followup": has_fu,
            }
        )
    return pd.DataFrame(rows)


# --- drivers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DriverResult:
    atgard_id: str
    drivare_id: str
    description: str
    low_tkr: float | None
    high_tkr: float | None  # None: no upper bound stated ("minst ...")
    stated_tkr: float | None
    verdict: str  # Swedish: within, outside, cannot compute
    implied: str  # Swedish: the implied volume where the effect cannot be computed, else ""

    @property
    def outside(self) -> bool:
        return self.verdict.startswith("Utanför")


def _is_percent(unit_text) -> bool:
    return isinstance(unit_text, str) and "procent" in unit_text.lower()


def driver_effects(drivers: pd.DataFrame | None) -> list[DriverResult]:
    """Quantity x price per driver row, low and high, against the effect the source states.

    - quantity x price: low = mängd_låg x pris_låg, high = mängd_hög x pris_hög (an empty high
      value means the source gives no upper bound, e.g. "minst 365 dygn");
    - a quantity in per cent (shorter placements) with no stated base volume cannot be
      computed; the implied base volume = stated effect / per cent is shown instead;
    - a quantity or a price that is not stated: the effect cannot be computed.
    """
    out: list[DriverResult] = []
    if drivers is None:
        return out
    for _, d in drivers.iterrows():
        stated_f = units.unit_factor(d["angiven_effekt_enhet"])
        stated = (
            None if fmt.is_missing(d["angiven_effekt"]) or stated_f is None else float(d["angiven_effekt"]) * stated_f
        )
        price_f = units.unit_factor(d["pris_enhet"])
        qlo, qhi, plo, phi = (
            None if fmt.is_missing(d[c]) else float(d[c]) for c in ("mangd_lag", "mangd_hog", "pris_lag", "pris_hog")
        )
        low = high = None
        implied = ""
        if _is_percent(d["mangd_enhet"]) and plo is None:
            verdict = "Kan inte beräknas: källan anger inte den volym som procentsatsen gäller"
            if stated is not None and qlo:
                hi_base = stated / (qlo / 100)
                lo_base = stated / ((qhi or qlo) / 100)
                implied = (
                    f"Angiven effekt {fmt.tkr(stated)} motsvarar en volym på {fmt.tkr(lo_base)}"
                    + (f"–{fmt.tkr(hi_base)}" if abs(hi_base - lo_base) > 1e-9 else "")
                    + f" ({fmt.number(qlo)}{'–' + fmt.number(qhi) if qhi and qhi != qlo else ''} %)"
                )
        elif qlo is None or plo is None or price_f is None:
            missing = "mängd" if qlo is None else "pris"
            verdict = f"Kan inte beräknas: källan anger inte {missing}"
            if stated is None and qlo is None and plo is not None and price_f is not None:
                implied = f"Pris {fmt.number(plo)} {d['pris_enhet']}; antal anges inte"
        else:
            low = round(qlo * plo * price_f, 6)
            high = round(qhi * phi * price_f, 6) if qhi is not None and phi is not None else None
            if stated is None:
                verdict = "Ingen angiven effekt att jämföra med"
            elif stated < low - 1e-9 or (high is not None and stated > high + 1e-9):
                verdict = "Utanför intervallet"
            else:
                verdict = "Inom intervallet"
        out.append(DriverResult(d["atgard_id"], d["drivare_id"], d["beskrivning"], low, high, stated, verdict, implied))
    return out


# --- reconciliation --------------------------------------------------------------------------

_FROM_ON = re.compile(r"från och med", re.IGNORECASE)


def _decimals(unit: str) -> int:
    """Decimals a stated amount is compared and shown with: mnkr one, kr and tkr none."""
    return 1 if unit == "mnkr" else 0


def _where(data: dict, row) -> str:
    return citation.where(data.get(citation.REGISTER), row["kalla"], row["avsnitt"])


def sum_checks(data: dict) -> list[Finding]:
    """Every total the source states against the sum of its rows (in the stated unit)."""
    sums, meas, plans = data.get("atgardsplan_summor"), data.get("atgarder"), data.get("atgardsplaner")
    if sums is None or meas is None or plans is None:
        return []
    eff = effects_tkr(data)
    findings: list[Finding] = []
    for _, s in sums.iterrows():
        unit, f = s["enhet"], units.factor(s["enhet"])
        where = _where(data, s)  # the row's id (summa_id) is the book's own, not shown to readers
        approx = s.get("ungefarlig") or reconcile.EXACT
        # Decimals a stated total is shown and compared with (mnkr one, kr and tkr none); an approximate whole
        # figure ("omkring 40 miljoner") is not shown more precisely than the source gives it.
        dec = 0 if approx != reconcile.EXACT and float(s["belopp"]).is_integer() else _decimals(unit)
        in_plan = meas[meas["plan_id"] == s["plan_id"]]
        ids = set(in_plan["atgard_id"])
        flagged = in_plan[in_plan["medraknad_i_andra"] == "ja"]
        if s["typ"] == "planerad":
            plan = plans[plans["plan_id"] == s["plan_id"]].iloc[0]
            years = [int(s["ar"])]
            if _FROM_ON.search(str(s["beskrivning"])) and "årligen" in str(s["beskrivning"]):
                years = list(range(int(s["ar"]), int(plan["ar_till"]) + 1))
            for y in years:
                part = eff[eff["atgard_id"].isin(ids) & (eff["ar"] == y)]
                rows = part[~(part["grupp"].notna() & ~part["counted"] & (part["medraknad_i_andra"] != "ja"))]
                findings.append(
                    Finding(
                        f"{s['beskrivning']}: summan av åtgärdernas effekt {y}",
                        float(s["belopp"]),
                        float(rows["effekt_tkr"].sum()) / f,
                        unit,
                        where,
                        dec,
                        approx=approx,
                    )
                )
                dbl = rows[rows["atgard_id"].isin(set(flagged["atgard_id"]))]
                if not dbl.empty:
                    names = ", ".join(
                        f"{t} ({fmt.unit(v / f, unit, _decimals(unit))})"
                        for t, v in zip(
                            in_plan.set_index("atgard_id").loc[dbl["atgard_id"], "titel"], dbl["effekt_tkr"]
                        )
                    )
                    findings.append(
                        Finding(
                            f"{s['beskrivning']}{'' if str(y) in str(s['beskrivning']) else ' ' + str(y)} utan dubbelräkning: summan inkluderar {names}, som enligt källan är "
                            f"medräknad i respektive åtgärd",
                            float(s["belopp"]),
                            float(rows.loc[~rows["atgard_id"].isin(set(flagged["atgard_id"])), "effekt_tkr"].sum()) / f,
                            unit,
                            where,
                            dec,
                            approx=approx,
                            dedup=True,
                        )
                    )
        elif s["typ"] == "helar":
            vals = in_plan["helarseffekt"]
            # helårseffekt is stored in the plan's unit
            pf = units.factor(plans.loc[plans["plan_id"] == s["plan_id"], "enhet"].iloc[0])
            findings.append(
                Finding(
                    f"{s['beskrivning']}: summan av åtgärdernas helårseffekt",
                    float(s["belopp"]),
                    float(vals.sum()) * pf / f,
                    unit,
                    where,
                    dec,
                    approx=approx,
                )
            )
            if not flagged.empty and flagged["helarseffekt"].notna().any():
                names = ", ".join(
                    f"{t} ({fmt.unit(v * pf / f, unit, _decimals(unit))})"
                    for t, v in zip(flagged["titel"], flagged["helarseffekt"])
                    if v == v
                )
                findings.append(
                    Finding(
                        f"{s['beskrivning']} utan dubbelräkning: summan inkluderar {names}, som enligt källan är medräknad i respektive åtgärd",
                        float(s["belopp"]),
                        float(in_plan.loc[in_plan["medraknad_i_andra"] != "ja", "helarseffekt"].sum()) * pf / f,
                        unit,
                        where,
                        dec,
                        approx=approx,
                        dedup=True,
                    )
                )
        elif s["typ"] == "faktisk":
            fu = data.get("uppfoljning_atgarder")
            if fu is None:
                continue
            year = int(s["ar"])
            part = fu[fu["atgard_id"].isin(ids) & fu["per_datum"].map(lambda d, y=year: d.year == y)]
            part = part.sort_values("per_datum").groupby("atgard_id").tail(1)
            total = sum(to_tkr(v, u) for v, u in zip(part["faktisk_effekt"], part["enhet"]) if not fmt.is_missing(v))
            n = int(part["faktisk_effekt"].notna().sum())
            findings.append(
                Finding(
                    f"{s['beskrivning']}: summan av faktisk effekt på de {n} rader som anger belopp",
                    float(s["belopp"]),
                    total / f,
                    unit,
                    where,
                    dec,
                    approx=approx,
                )
            )
    return findings


def group_checks(data: dict) -> list[Finding]:
    """A group row against its members: equal where members carry amounts, else noted as not split."""
    meas = data.get("atgarder")
    if meas is None:
        return []
    eff = effects_tkr(data)
    findings = []
    for gid, members in meas[meas["grupp"].notna()].groupby("grupp", sort=True):
        g_eff = eff[eff["atgard_id"] == gid]
        m_eff = eff[eff["atgard_id"].isin(set(members["atgard_id"]))]
        grow = meas[meas["atgard_id"] == gid].iloc[0]
        for y in sorted(set(g_eff["ar"]) | set(m_eff["ar"])):
            g = g_eff[g_eff["ar"] == y]
            m = m_eff[m_eff["ar"] == y]
            unit = g["enhet"].iloc[0] if not g.empty else m["enhet"].iloc[0]
            f = units.factor(unit)
            if m.empty:
                findings.append(
                    Finding(
                        f"Grupp {grow['titel']} {y}: gruppens belopp fördelas inte på åtgärderna i gruppen "
                        f"({', '.join(members['titel'])}); summan räknar gruppraden en gång",
                        float(g["effekt_tkr"].sum()) / f,
                        float(g["effekt_tkr"].sum()) / f,
                        unit,
                        _where(data, grow),
                        _decimals(unit),
                    )
                )
            elif not g.empty:
                findings.append(
                    Finding(
                        f"Grupp {grow['titel']} {y} = summan av åtgärderna i gruppen",
                        float(g["effekt_tkr"].sum()) / f,
                        float(m["effekt_tkr"].sum()) / f,
                        unit,
                        _where(data, grow),
                        _decimals(unit),
                    )
                )
    return findings


def numbering_checks(data: dict) -> list[Finding]:
    """Duplicate and missing measure numbers (as stated), and the stated count against the rows."""
    meas = data.get("atgarder")
    if meas is None:
        return []
    findings = []
    for _pid, part in meas.groupby("plan_id", sort=True):
        where = _where(data, part.iloc[0])
        nrs = part[part["nr"].notna()]
        if nrs.empty:
            continue
        for nr, rows in nrs.groupby("nr", sort=False):
            if len(rows) > 1:
                findings.append(
                    Finding(
                        f"Åtgärdsnummer {nr} ska förekomma en gång; det står på rad "
                        + " och ".join(str(int(r)) for r in rows["rad"]),
                        1,
                        len(rows),
                        "st",
                        where,
                    )
                )
        ints = [int(n) for n in nrs["nr"] if str(n).strip().isdigit()]
        if ints:
            missing = sorted(set(range(1, max(ints) + 1)) - set(ints))
            for n in missing:
                findings.append(Finding(f"Åtgärdsnummer {n} saknas i numreringen 1–{max(ints)}", 1, 0, "st", where))
    return findings


def count_checks(data: dict, org: str) -> list[Finding]:
    """A number of measures the source states in its text (uppgifter.csv) against the table's rows."""
    meas = data.get("atgarder")
    if meas is None:
        return []
    findings = []
    for u in stated.facts(data):
        if u.concept != stated.COUNT_OF_MEASURES or not u.has_amount:
            continue
        findings.append(
            Finding(
                "Antal åtgärder enligt texten mot antal rader i åtgärdstabellen",
                float(u.value),
                float(len(meas)),
                u.unit,
                f"{u.source.removeprefix(citation.PREFIX)}, {u.avsnitt}" + f' ("{u.quote[:120]}")',
                approx=u.approx,
            )
        )
    return findings


def all_checks(data: dict, org: str = "") -> list[Finding]:
    return sum_checks(data) + group_checks(data) + numbering_checks(data) + count_checks(data, org)


def reconciliation_warnings(data: dict, org: str) -> list[str]:
    return reconcile.warning_lines("Avstämning (åtgärdsplan): ", all_checks(data, org))
