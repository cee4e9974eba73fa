"""Budgetuppföljning: utfall, prognos och avvikelse per kontogrupp (och verksamhet) per tertial.

Data: ``data/<org>/budgetuppfoljning.csv``, one row per tertial and kontogrupp (or per
kontogrupp and verksamhet), written by the analyst from the ekonomisystem. The source
documents in data/ hold budgets but no outcomes, so no organisation has this file by default
and the book then says "Ingen uppföljning ännu".

Rules (also printed in the chapter):

- **Tertial and date**: tertial 1 runs to 30 April, tertial 2 to 31 August, tertial 3 (helår)
  to 31 December; ``per_datum`` must be that date in the row's year.
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
- **Prognos** is the forecast for the full year; at tertial 3 it may be left empty (it is then
  the year's outcome) and if given must equal the outcome.
- **Avvikelse** = prognos − budget, in tkr and in per cent of the budget without sign. Since
  costs are negative and income positive, a positive avvikelse is better than budget
  (överskott) and a negative one worse (underskott), for costs and income alike. Per cent is
  undefined ("–") where the budget is 0.
- **Utfall i procent av budget** = utfall / budget (both with the same sign), set against the
  share of the year elapsed: 4/12, 8/12, 12/12.
- **Väsentlig avvikelse**: thresholds per organisation in organisation.yml,
  ``vasentlig_avvikelse: {tkr: 500, procent: 2, villkor: någon}`` (the default when absent).
  A deviation is material when its absolute value reaches the tkr threshold or its per cent
  reaches the per cent threshold (``villkor: någon``), or both (``villkor: båda``). A material
  deviation without a ``kommentar`` is a validation warning.
"""


from __future__ import annotations

import math

import pandas as pd

from rapportbok.core import fmt
from rapportbok.core.periods import tertial_end, year_share_pct
from rapportbok.data.budget_followup import (
    DEFAULT_THRESHOLDS,
    FILENAME,
    Thresholds,
    budget_for,
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
    """One row per (ar, tertial, kontogrupp): utfall_tkr, prognos_tkr, kommentar, kalla, avsnitt.

    The kontogrupp row where there is one, else the sum of its verksamhet rows; comments of
    verksamhet rows are carried as 'Verksamhet: kommentar'.
    """
    df = normalised(fu)
    out = []
    for (ar, tertial, kg), part in df.groupby(["ar", "tertial", "kontogrupp"], sort=False):
        whole = part[part["verksamhet"] == ""]
        units = part[part["verksamhet"] != ""]
        comments = [c for c in whole["kommentar"] if c]
        comments += [f"{v}: {c}" for v, c in zip(units["verksamhet"], units["kommentar"]) if c]
        src = whole if not whole.empty else units
        out.append({
            "ar": ar, "tertial": tertial, "kontogrupp": kg,
            "utfall_tkr": float(whole["utfall_tkr"].iloc[0]) if not whole.empty else float(units["utfall_tkr"].sum()),
            "prognos_tkr": float(whole["prognos_tkr"].iloc[0]) if not whole.empty else float(units["prognos_tkr"].sum()),
            "kommentar": " ".join(comments),
            "kalla": src["kalla"].iloc[0], "avsnitt": src["avsnitt"].iloc[0],
        })
    return pd.DataFrame(out, columns=["ar", "tertial", "kontogrupp", "utfall_tkr", "prognos_tkr", "kommentar", "kalla", "avsnitt"])


def tertials_present(fu: pd.DataFrame | None, year: int) -> list[int]:
    if fu is None:
        return []
    return sorted({int(t) for t, a in zip(fu["tertial"], fu["ar"]) if int(a) == int(year)})


# --- the follow-up table --------------------------------------------------------------------

COLUMNS = ["kontogrupp", "budget_tkr", "utfall_tkr", "utfall_andel_pct", "ar_andel_pct", "prognos_tkr",
           "avvikelse_tkr", "avvikelse_pct", "vasentlig", "kommentar"]


def summary(fu: pd.DataFrame | None, ramar: pd.DataFrame | None, year: int, tertial: int,
            th: Thresholds = DEFAULT_THRESHOLDS) -> pd.DataFrame | None:
    """Per kontogrupp of the year's budget: budget, utfall, shares, prognos, avvikelse, material.

    Every kontogrupp of budget_ramar.csv for the year is listed; one without a follow-up row
    has NaN figures (shown '–'). None when there is no follow-up for (year, tertial).
    """
    if fu is None or int(tertial) not in tertials_present(fu, year):
        return None
    figs = kontogrupp_figures(fu)
    figs = figs[(figs["ar"] == int(year)) & (figs["tertial"] == int(tertial))].set_index("kontogrupp")
    budget = budget_for(ramar, year)
    rows = []
    for kg, b in budget.items():
        u = figs["utfall_tkr"].get(kg, float("nan"))
        p = figs["prognos_tkr"].get(kg, float("nan"))
        avv = p - b
        avv_pct = pct_of(avv, b)
        rows.append({
            "kontogrupp": kg, "budget_tkr": b, "utfall_tkr": u,
            "utfall_andel_pct": share_of_budget_pct(u, b), "ar_andel_pct": year_share_pct(tertial),
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


def display_table(s: pd.DataFrame, year: int, tertial: int, root: str | None = None) -> pd.DataFrame:
    """The reader's table: Swedish headings, a total row last."""
    t = pd.concat([s, pd.DataFrame([total(s, root)])], ignore_index=True)
    end = tertial_end(year, tertial)
    return pd.DataFrame({
        "Kontogrupp": t["kontogrupp"],
        f"Budget {year}, tkr": t["budget_tkr"],
        f"Utfall t.o.m. {end.day}/{end.month}, tkr": t["utfall_tkr"],
        "Utfall, % av budget": t["utfall_andel_pct"],
        "Andel av året, %": t["ar_andel_pct"],
        "Prognos helår, tkr" if tertial < 3 else "Utfall helår, tkr": t["prognos_tkr"],
        "Avvikelse, tkr": t["avvikelse_tkr"],
        "Avvikelse, %": t["avvikelse_pct"],
    })


def verksamhet_table(fu: pd.DataFrame | None, year: int, tertial: int) -> pd.DataFrame | None:
    """Rows broken down per verksamhet for (year, tertial), or None when there are none."""
    if fu is None:
        return None
    df = normalised(fu)
    df = df[(df["ar"] == int(year)) & (df["tertial"] == int(tertial)) & (df["verksamhet"] != "")]
    if df.empty:
        return None
    avv = df["prognos_tkr"] - df["budget_tkr"]
    return pd.DataFrame({
        "Kontogrupp": df["kontogrupp"].values,
        "Verksamhet": df["verksamhet"].values,
        "Budget, tkr": df["budget_tkr"].values,
        "Utfall, tkr": df["utfall_tkr"].values,
        "Prognos helår, tkr" if tertial < 3 else "Utfall helår, tkr": df["prognos_tkr"].values,
        "Avvikelse, tkr": avv.values,
        "Avvikelse, %": [pct_of(a, b) for a, b in zip(avv, df["budget_tkr"])],
        "Kommentar": df["kommentar"].values,
    })


def over_tertials(fu: pd.DataFrame | None, ramar: pd.DataFrame | None, year: int, upto: int) -> pd.DataFrame:
    """Per kontogrupp: the budget and the forecast at each tertial up to ``upto`` (NaN if missing)."""
    budget = budget_for(ramar, year)
    t = pd.DataFrame({"Kontogrupp": budget.index, "Budget": budget.values})
    figs = kontogrupp_figures(fu) if fu is not None else None
    for tertial in range(1, int(upto) + 1):
        name = "Utfall helår" if tertial == 3 else f"Prognos T{tertial}"
        if figs is None:
            t[name] = float("nan")
            continue
        part = figs[(figs["ar"] == int(year)) & (figs["tertial"] == tertial)].set_index("kontogrupp")["prognos_tkr"]
        t[name] = [part.get(k, float("nan")) for k in budget.index]
    return t


def deviation_over_tertials(fu: pd.DataFrame | None, ramar: pd.DataFrame | None, year: int, upto: int) -> pd.DataFrame:
    """Prognos − budget per kontogrupp (columns) at each tertial up to ``upto`` (rows: Period)."""
    t = over_tertials(fu, ramar, year, upto).set_index("Kontogrupp")
    periods = [c for c in t.columns if c != "Budget"]
    dev = t[periods].sub(t["Budget"], axis=0).T
    dev.index = ["T1 (30 april)", "T2 (31 augusti)", "Helår"][: len(periods)]
    dev = dev.rename_axis("Period").reset_index()
    dev.columns.name = None
    return dev


def materials(s: pd.DataFrame) -> pd.DataFrame:
    return s[s["vasentlig"]]


def comment_warnings(data: dict, org: str) -> list[Issue]:
    """A warning for every material deviation without a kommentar (the build and `kontrollera` show them)."""
    fu = data.get("budgetuppfoljning")
    th, found = thresholds(org)
    if fu is None or found:  # problems in the thresholds are reported by the data checks
        return []
    issues: list[Issue] = []
    ramar, label = data.get("ramar"), f"{org}/{FILENAME}"
    for year in sorted({int(a) for a in fu["ar"]}):
        for tertial in tertials_present(fu, year):
            s = summary(fu, ramar, year, tertial, th)
            for _, m in materials(s).iterrows():
                if m["kommentar"]:
                    continue
                rows = fu[(fu["ar"] == year) & (fu["tertial"].astype(int) == tertial) & (fu["kontogrupp"] == m["kontogrupp"])]
                issues.append(Issue(
                    label, int(rows.index[0]), "kommentar", "",
                    f"en kommentar: avvikelsen för {m['kontogrupp']} tertial {tertial} {year} är {fmt.tkr(m['avvikelse_tkr'], sign=True)}, "
                    f"väsentlig enligt gränsen {th.text()}",
                    severity="varning",
                ))
    return issues


# Checks across one organisation's files that need this module's computations.
CONSISTENCY_CHECKS = [comment_warnings]
