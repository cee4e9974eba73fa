"""Budgetuppföljning: utfall, prognos och avvikelse per kontogrupp (och verksamhet) per rapportdatum.

Data: ``data/<org>/budgetuppfoljning.csv``, one row per report date and kontogrupp (or per
kontogrupp and verksamhet), written by the analyst from the ekonomisystem. The source
documents in data/ hold budgets but no outcomes, so no organisation has this file by default
and the book then says "Ingen uppföljning ännu".

Rules (also printed in the chapter):

- **Report date**: ``per_datum`` is the date the report runs to, a month end in the row's year:
  any month (månadsrapport, e.g. 31 October), a tertial end (30 April, 31 August = also the
  delårsrapport, 31 December = helår). The optional column ``tertial`` (1, 2, 3), kept for older
  files, must then agree with the date. The period is named by its date on the pages.
- **Units**: every row states its ``enhet`` (kr, tkr or mnkr); amounts are converted to tkr,
  never assumed.
- **Signs** as in budget_ramar.csv: costs negative, income positive. An outcome or forecast
  with the opposite sign to its budget line is rejected (a sign error in the export).
- **Kontogrupp** must be a row of budget_ramar.csv that is not a subtotal (no other row sums
  into it), with a budget for the row's year.
- **Verksamhet** (optional): rows with a verksamhet break a kontogrupp down. The kontogrupp's
  figure is its row without verksamhet, or the sum of its verksamhet rows; where both exist
  they must agree (within 1 tkr). A verksamhet row may carry its own ``budget``; a kontogrupp
  row may not (its budget comes from budget_ramar.csv).
- **Prognos** is the forecast for the full year; at 31 December it may be left empty (it is then
  the year's outcome) and if given must equal the outcome.
- **Avvikelse** = prognos − budget, in tkr and in per cent of the budget without sign. Since
  costs are negative and income positive, a positive avvikelse is better than budget
  (överskott) and a negative one worse (underskott), for costs and income alike. Per cent is
  undefined ("–") where the budget is 0.
- **Utfall i procent av budget** = utfall / budget (both with the same sign), set against the
  share of the year elapsed: months up to the report date / 12 (4/12 at 30 April, 10/12 at
  31 October, 12/12 at year end).
- **Väsentlig avvikelse**: thresholds per organisation in organisation.yml,
  ``vasentlig_avvikelse: {tkr: 500, procent: 2, villkor: någon}`` (the default when absent).
  A deviation is material when its absolute value reaches the tkr threshold or its per cent
  reaches the per cent threshold (``villkor: någon``), or both (``villkor: båda``). A material
  deviation without a ``kommentar`` is a validation warning.
"""


from __future__ import annotations

import math

import pandas as pd

from rapportbok.core import fmt, periods
from rapportbok.core.periods import report_end, year_share_pct
from rapportbok.data.budget_followup import (
    DEFAULT_THRESHOLDS,
    FILENAME,
    Thresholds,
    budget_for,
    is_full_year,
    normalised,
    thresholds,
)
from rapportbok.data.schema import Issue

# --- periods ---------------------------------------------------------------------------------





def pct_of(amount, base) -> float:
    """``amount`` in per cent of ``base`` without sign; NaN where the base is 0 or missing."""
    try:
        a, b = float(amount), float(base)
    except (TypeError, ValueError):
        return float("nan")
    if math.isnan(a) or math.isnan(b) or b == 0:
        return float("nan")
    return a / abs(b) * 100


def share_of_budget_pct(utfall, budget) -> float:
    """Utfall as a share of the budget (same signs give a positive share); NaN at budget 0."""
    try:
        a, b = float(utfall), float(budget)
    except (TypeError, ValueError):
        return float("nan")
    if math.isnan(a) or math.isnan(b) or b == 0:
        return float("nan")
    return a / b * 100


def kontogrupp_figures(fu: pd.DataFrame) -> pd.DataFrame:
    """One row per (ar, per_datum, kontogrupp): utfall_tkr, prognos_tkr, kommentar, kalla, avsnitt.

    The kontogrupp row where there is one, else the sum of its verksamhet rows; comments of
    verksamhet rows are carried as 'Verksamhet: kommentar'.
    """
    df = normalised(fu)
    out = []
    for (ar, per, kg), part in df.groupby(["ar", "per_datum", "kontogrupp"], sort=False):
        whole = part[part["verksamhet"] == ""]
        units = part[part["verksamhet"] != ""]
        comments = [c for c in whole["kommentar"] if c]
        comments += [f"{v}: {c}" for v, c in zip(units["verksamhet"], units["kommentar"]) if c]
        src = whole if not whole.empty else units
        out.append({
            "ar": ar, "per_datum": per, "kontogrupp": kg,
            "utfall_tkr": float(whole["utfall_tkr"].iloc[0]) if not whole.empty else float(units["utfall_tkr"].sum()),
            "prognos_tkr": float(whole["prognos_tkr"].iloc[0]) if not whole.empty else float(units["prognos_tkr"].sum()),
            "kommentar": " ".join(comments),
            "kalla": src["kalla"].iloc[0], "avsnitt": src["avsnitt"].iloc[0],
        })
    return pd.DataFrame(out, columns=["ar", "per_datum", "kontogrupp", "utfall_tkr", "prognos_tkr", "kommentar", "kalla", "avsnitt"])


def periods_present(fu: pd.DataFrame | None, year: int) -> list:
    """The report dates of ``year`` that have a follow-up, in order."""
    if fu is None:
        return []
    return sorted({d for d, a in zip(fu["per_datum"], fu["ar"]) if int(a) == int(year)})


def tertials_present(fu: pd.DataFrame | None, year: int) -> list[int]:
    """The tertials of ``year`` whose end has a follow-up."""
    return [t for t in (periods.tertial_of(d) for d in periods_present(fu, year)) if t is not None]


# --- the follow-up table --------------------------------------------------------------------

COLUMNS = ["kontogrupp", "budget_tkr", "utfall_tkr", "utfall_andel_pct", "ar_andel_pct", "prognos_tkr",
           "avvikelse_tkr", "avvikelse_pct", "vasentlig", "kommentar"]


def summary(fu: pd.DataFrame | None, ramar: pd.DataFrame | None, year: int, period,
            th: Thresholds = DEFAULT_THRESHOLDS) -> pd.DataFrame | None:
    """Per kontogrupp of the year's budget: budget, utfall, shares, prognos, avvikelse, material.

    ``period`` is the report date (or a tertial, meaning its end). Every kontogrupp of
    budget_ramar.csv for the year is listed; one without a follow-up row has NaN figures
    (shown '–'). None when there is no follow-up for that date.
    """
    end = report_end(year, period)
    if fu is None or end not in periods_present(fu, year):
        return None
    figs = kontogrupp_figures(fu)
    figs = figs[(figs["ar"] == int(year)) & (figs["per_datum"] == end)].set_index("kontogrupp")
    budget = budget_for(ramar, year)
    rows = []
    for kg, b in budget.items():
        u = figs["utfall_tkr"].get(kg, float("nan"))
        p = figs["prognos_tkr"].get(kg, float("nan"))
        avv = p - b
        avv_pct = pct_of(avv, b)
        rows.append({
            "kontogrupp": kg, "budget_tkr": b, "utfall_tkr": u,
            "utfall_andel_pct": share_of_budget_pct(u, b), "ar_andel_pct": year_share_pct(end),
            "prognos_tkr": p, "avvikelse_tkr": avv, "avvikelse_pct": avv_pct,
            "vasentlig": th.is_material(avv, avv_pct), "kommentar": figs["kommentar"].get(kg, ""),
        })
    return pd.DataFrame(rows, columns=COLUMNS)


def total(s: pd.DataFrame, root: str | None = None) -> dict:
    """The sum over the kontogrupper that are followed up (budget of the same rows).

    With every kontogrupp followed up the sum is the table's root (e.g. Årets resultat), named
    ``root`` when given.
    """
    done = s[s["prognos_tkr"].notna()]
    b, u, p = done["budget_tkr"].sum(), done["utfall_tkr"].sum(), done["prognos_tkr"].sum()
    avv = p - b
    complete = len(done) == len(s)
    return {
        "kontogrupp": (f"Summa ({root})" if root else "Summa") if complete else "Summa uppföljda kontogrupper",
        "budget_tkr": b, "utfall_tkr": u, "utfall_andel_pct": share_of_budget_pct(u, b),
        "ar_andel_pct": s["ar_andel_pct"].iloc[0] if len(s) else float("nan"), "prognos_tkr": p,
        "avvikelse_tkr": avv, "avvikelse_pct": pct_of(avv, b), "vasentlig": False, "kommentar": "",
    }


def root_post(ramar: pd.DataFrame | None) -> str | None:
    """The row of budget_ramar.csv that sums into nothing (e.g. Årets resultat)."""
    if ramar is None:
        return None
    roots = ramar.loc[ramar["summeras_i"].isna(), "post"].drop_duplicates().tolist()
    return roots[0] if len(roots) == 1 else None


def display_table(s: pd.DataFrame, year: int, period, root: str | None = None) -> pd.DataFrame:
    """The reader's table: Swedish headings, a total row last."""
    t = pd.concat([s, pd.DataFrame([total(s, root)])], ignore_index=True)
    end = report_end(year, period)
    full = is_full_year(end)
    return pd.DataFrame({
        "Kontogrupp": t["kontogrupp"],
        f"Budget {year}, tkr": t["budget_tkr"],
        f"Utfall t.o.m. {end.day}/{end.month}, tkr": t["utfall_tkr"],
        "Utfall, % av budget": t["utfall_andel_pct"],
        "Andel av året, %": t["ar_andel_pct"],
        "Prognos helår, tkr" if not full else "Utfall helår, tkr": t["prognos_tkr"],
        "Avvikelse, tkr": t["avvikelse_tkr"],
        "Avvikelse, %": t["avvikelse_pct"],
    })


def verksamhet_table(fu: pd.DataFrame | None, year: int, period) -> pd.DataFrame | None:
    """Rows broken down per verksamhet for the report date, or None when there are none."""
    if fu is None:
        return None
    end = report_end(year, period)
    df = normalised(fu)
    df = df[(df["ar"] == int(year)) & (df["per_datum"] == end) & (df["verksamhet"] != "")]
    if df.empty:
        return None
    avv = df["prognos_tkr"] - df["budget_tkr"]
    return pd.DataFrame({
        "Kontogrupp": df["kontogrupp"].values,
        "Verksamhet": df["verksamhet"].values,
        "Budget, tkr": df["budget_tkr"].values,
        "Utfall, tkr": df["utfall_tkr"].values,
        "Prognos helår, tkr" if not is_full_year(end) else "Utfall helår, tkr": df["prognos_tkr"].values,
        "Avvikelse, tkr": avv.values,
        "Avvikelse, %": [pct_of(a, b) for a, b in zip(avv, df["budget_tkr"])],
        "Kommentar": df["kommentar"].values,
    })


def chart_periods(fu: pd.DataFrame | None, year: int, upto) -> list:
    """The report dates a chart over the year shows up to ``upto``: every tertial end (a missing one
    shows as a gap) and every other report date with a follow-up."""
    end = report_end(year, upto)
    dates = {periods.tertial_end(year, t) for t in periods.TERTIALS} | set(periods_present(fu, year))
    return sorted(d for d in dates if d <= end)


def _period_column(d) -> str:
    t = periods.tertial_of(d)
    if t == 3:
        return "Utfall helår"
    return f"Prognos T{t}" if t else f"Prognos {periods.period_label(d)}"


def over_tertials(fu: pd.DataFrame | None, ramar: pd.DataFrame | None, year: int, upto) -> pd.DataFrame:
    """Per kontogrupp: the budget and the forecast at each report date up to ``upto`` (a tertial or a
    date; NaN where a tertial end has no follow-up)."""
    budget = budget_for(ramar, year)
    t = pd.DataFrame({"Kontogrupp": budget.index, "Budget": budget.values})
    figs = kontogrupp_figures(fu) if fu is not None else None
    for d in chart_periods(fu, year, upto):
        name = _period_column(d)
        if figs is None:
            t[name] = float("nan")
            continue
        part = figs[(figs["ar"] == int(year)) & (figs["per_datum"] == d)].set_index("kontogrupp")["prognos_tkr"]
        t[name] = [part.get(k, float("nan")) for k in budget.index]
    return t


def deviation_over_tertials(fu: pd.DataFrame | None, ramar: pd.DataFrame | None, year: int, upto) -> pd.DataFrame:
    """Prognos − budget per kontogrupp (columns) at each report date up to ``upto`` (rows: Period)."""
    t = over_tertials(fu, ramar, year, upto).set_index("Kontogrupp")
    cols = [c for c in t.columns if c != "Budget"]
    dev = t[cols].sub(t["Budget"], axis=0).T
    dev.index = [periods.period_label(d) for d in chart_periods(fu, year, upto)]
    dev = dev.rename_axis("Period").reset_index()
    dev.columns.name = None
    return dev


def materials(s: pd.DataFrame) -> pd.DataFrame:
    return s[s["vasentlig"]]


def _period_words(end) -> str:
    """'tertial 1 2025', 'helår 2025' or 't.o.m. 31 oktober 2025' for messages."""
    t = periods.tertial_of(end)
    if t == 3:
        return f"helår {end.year}"
    return f"tertial {t} {end.year}" if t else f"t.o.m. {fmt.date(end)}"


def comment_warnings(data: dict, org: str) -> list[Issue]:
    """A warning for every material deviation without a kommentar (the build and `kontrollera` show them)."""
    fu = data.get("budgetuppfoljning")
    th, found = thresholds(org)
    if fu is None or found:  # problems in the thresholds are reported by the data checks
        return []
    issues: list[Issue] = []
    ramar, label = data.get("ramar"), f"{org}/{FILENAME}"
    for year in sorted({int(a) for a in fu["ar"]}):
        for end in periods_present(fu, year):
            s = summary(fu, ramar, year, end, th)
            for _, m in materials(s).iterrows():
                if m["kommentar"]:
                    continue
                rows = fu[(fu["ar"] == year) & (fu["per_datum"] == end) & (fu["kontogrupp"] == m["kontogrupp"])]
                issues.append(Issue(
                    label, int(rows.index[0]), "kommentar", "",
                    f"en kommentar: avvikelsen för {m['kontogrupp']} {_period_words(end)} är {fmt.tkr(m['avvikelse_tkr'], sign=True)}, "
                    f"väsentlig enligt gränsen {th.text()}",
                    severity="varning",
                ))
    return issues


# Checks across one organisation's files that need this module's computations.
CONSISTENCY_CHECKS = [comment_warnings]
