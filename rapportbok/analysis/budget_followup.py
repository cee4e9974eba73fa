"""Budgetuppföljning: utfall, prognos och avvikelse per kontogrupp (och verksamhet) per rapportdatum.

Data: the organisation's follow-up stated tables (a månadsrapport, tertialrapport, delårsrapport or
bokslut in ``tabeller.csv`` and the other stated-table files, rows per kostnadsslag/kontogrupp or per
verksamhet), presented in the old file's long shape by
:func:`rapportbok.data.budget_followup.from_model`; or the older ``data/<org>/budgetuppfoljning.csv``,
one row per report date and kontogrupp (or per kontogrupp and verksamhet). Either way this module is
the one analysis. Without either the book says "Källorna innehåller ingen budgetuppföljning".

From stated tables, a row's budget is the table's ``budget helår`` where it states one, else the
budget of the kontogrupp with the same name in the budget table; ``budget ack``, ``utfall ack
föregående år`` and the source's ``avvikelse`` are shown beside the recomputed figures where the
table has them. A measure the table lacks is said in a sentence (:func:`missing_text`).

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
    EXTRA_AMOUNTS,
    FILENAME,
    Thresholds,
    budget_for,
    from_tables,
    is_full_year,
    kontogrupper,
    normalised,
    thresholds,
)
from rapportbok.data.schema import Issue


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
        rec = {
            "ar": ar,
            "per_datum": per,
            "kontogrupp": kg,
            "kommentar": " ".join(comments),
            "kalla": src["kalla"].iloc[0],
            "avsnitt": src["avsnitt"].iloc[0],
        }
        for col in ("utfall", "prognos", "budget") + EXTRA_AMOUNTS:
            c = f"{col}_tkr"
            # The row's own figure where stated, else the sum of its breakdown (NaN if none is stated);
            # the budget only the row's own (budget_at falls back to the budget table, then to the sum).
            own = float(whole[c].iloc[0]) if not whole.empty else float("nan")
            rec[c] = own if not math.isnan(own) or units.empty or col == "budget" else float(units[c].sum(min_count=1))
        out.append(rec)
    return pd.DataFrame(
        out,
        columns=[
            "ar",
            "per_datum",
            "kontogrupp",
            "utfall_tkr",
            "prognos_tkr",
            "kommentar",
            "kalla",
            "avsnitt",
            "budget_tkr",
            *(f"{c}_tkr" for c in EXTRA_AMOUNTS),
        ],
    )


def periods_present(fu: pd.DataFrame | None, year: int) -> list:
    """The report dates of ``year`` that have a follow-up, in order."""
    if fu is None:
        return []
    return sorted({d for d, a in zip(fu["per_datum"], fu["ar"]) if int(a) == int(year)})


def tertials_present(fu: pd.DataFrame | None, year: int) -> list[int]:
    """The tertials of ``year`` whose end has a follow-up."""
    return [t for t in (periods.tertial_of(d) for d in periods_present(fu, year)) if t is not None]


# --- the follow-up table --------------------------------------------------------------------

COLUMNS = [
    "kontogrupp",
    "budget_tkr",
    "utfall_tkr",
    "utfall_andel_pct",
    "ar_andel_pct",
    "prognos_tkr",
    "avvikelse_tkr",
    "avvikelse_pct",
    "vasentlig",
    "kommentar",
    *(f"{c}_tkr" for c in EXTRA_AMOUNTS),
]


def sign(fu: pd.DataFrame | None, year: int, period) -> int:
    """+1: avvikelse = prognos − budget (costs negative, the old file's rule); −1: a stated table that
    states costs as positive and its avvikelse as budget − prognos (rapportbok.data.budget_followup.sign_of).
    Either way a positive avvikelse is better than budget (överskott)."""
    if not from_tables(fu):
        return 1
    end = report_end(year, period)
    part = fu.loc[(fu["ar"].astype(int) == int(year)) & (fu["per_datum"] == end), "tecken"]
    return int(part.iloc[0]) if len(part) else 1


def _figures_at(fu: pd.DataFrame, year: int, end) -> pd.DataFrame:
    figs = kontogrupp_figures(fu)
    return figs[(figs["ar"] == int(year)) & (figs["per_datum"] == end)].set_index("kontogrupp")


def budget_at(fu: pd.DataFrame | None, ramar: pd.DataFrame | None, year: int, period) -> pd.Series:
    """The budget per followed row at a report date, in tkr (index: kontogrupp, in the order shown).

    The old file: every kontogrupp of budget_ramar.csv for the year. Stated tables: the table's rows
    in its order, each with the table's own budget (budget helår) or else the budget table's for a
    kontogrupp of the same name; when the rows are kontogrupper of the budget table, every kontogrupp
    of it is listed in its order (one without a row shows '–').
    """
    ramar_budget = budget_for(ramar, year)
    if not from_tables(fu):
        return ramar_budget
    end = report_end(year, period)
    if end not in periods_present(fu, year):
        return ramar_budget
    figs = _figures_at(fu, year, end)
    df = normalised(fu)
    units = df[(df["ar"] == int(year)) & (df["per_datum"] == end) & (df["verksamhet"] != "")]
    out = {}
    for kg, b in figs["budget_tkr"].items():
        if pd.isna(b):
            b = ramar_budget.get(kg, float("nan"))
        mine = units.loc[units["kontogrupp"] == kg, "budget_tkr"]
        if pd.isna(b) and not mine.empty and mine.notna().all():
            b = mine.sum()
        out[kg] = float(b)
    if set(out) <= set(ramar_budget.index):
        return pd.Series({kg: out.get(kg, float(b)) for kg, b in ramar_budget.items()}, dtype="float64")
    return pd.Series(out, dtype="float64")


def row_header(fu: pd.DataFrame | None, ramar: pd.DataFrame | None) -> tuple[str, str]:
    """The headings of the followed rows and of their breakdown: ('Kontogrupp', 'Verksamhet') for the old
    file and for stated rows that are kontogrupper of the budget table; else ('Post', 'Del av posten')."""
    if not from_tables(fu) or set(fu["kontogrupp"]) <= set(kontogrupper(ramar)):
        return "Kontogrupp", "Verksamhet"
    return "Post", "Del av posten"


def summary(
    fu: pd.DataFrame | None, ramar: pd.DataFrame | None, year: int, period, th: Thresholds = DEFAULT_THRESHOLDS
) -> pd.DataFrame | None:
    """Per followed row: budget, utfall, shares, prognos, avvikelse, material (and the stated extras).

    ``period`` is the report date (or a tertial, meaning its end). See :func:`budget_at` for the rows
    listed; a row without a follow-up has NaN figures (shown '–'). None when there is no follow-up
    for that date.
    """
    end = report_end(year, period)
    if fu is None or end not in periods_present(fu, year):
        return None
    figs = _figures_at(fu, year, end)
    budget = budget_at(fu, ramar, year, end)
    k = sign(fu, year, end)
    rows = []
    for kg, b in budget.items():
        u = figs["utfall_tkr"].get(kg, float("nan"))
        p = figs["prognos_tkr"].get(kg, float("nan"))
        avv = k * (p - b)
        avv_pct = pct_of(avv, b)
        rec = {
            "kontogrupp": kg,
            "budget_tkr": b,
            "utfall_tkr": u,
            "utfall_andel_pct": share_of_budget_pct(u, b),
            "ar_andel_pct": year_share_pct(end),
            "prognos_tkr": p,
            "avvikelse_tkr": avv,
            "avvikelse_pct": avv_pct,
            "vasentlig": th.is_material(avv, avv_pct),
            "kommentar": figs["kommentar"].get(kg, ""),
        }
        for c in EXTRA_AMOUNTS:
            rec[f"{c}_tkr"] = figs[f"{c}_tkr"].get(kg, float("nan"))
        rows.append(rec)
    return pd.DataFrame(rows, columns=COLUMNS)


def total(s: pd.DataFrame, root: str | None = None) -> dict:
    """The sum over the rows that are followed up (budget of the same rows).

    With every row followed up the sum is the table's root (e.g. Årets resultat), named ``root``
    when given. Without any forecast (a report that states none) the rows with an outcome are
    summed and the avvikelse is NaN.
    """
    has_forecast = s["prognos_tkr"].notna().any()
    done = s[s["prognos_tkr"].notna()] if has_forecast else s[s["utfall_tkr"].notna()]
    b, u = done["budget_tkr"].sum(min_count=1), done["utfall_tkr"].sum(min_count=1)
    p = done["prognos_tkr"].sum() if has_forecast else float("nan")
    if has_forecast and done["budget_tkr"].isna().all():
        b = float("nan")
    # The same sign as the rows' avvikelse (their sum): prognos − budget, or budget − prognos.
    k = -1 if len(done) and (done["avvikelse_tkr"] * (done["prognos_tkr"] - done["budget_tkr"]) < 0).any() else 1
    avv = k * (p - b)
    complete = len(done) == len(s)
    out = {
        "kontogrupp": _total_name(root) if complete else "Summa uppföljda kontogrupper",
        "budget_tkr": b,
        "utfall_tkr": u,
        "utfall_andel_pct": share_of_budget_pct(u, b),
        "ar_andel_pct": s["ar_andel_pct"].iloc[0] if len(s) else float("nan"),
        "prognos_tkr": p,
        "avvikelse_tkr": avv,
        "avvikelse_pct": pct_of(avv, b),
        "vasentlig": False,
        "kommentar": "",
    }
    for c in EXTRA_AMOUNTS:
        col = f"{c}_tkr"
        out[col] = done[col].sum(min_count=1) if col in done.columns and done[col].notna().all() else float("nan")
    return out


def _total_name(root: str | None) -> str:
    """'Summa (Årets resultat)'; a total the table itself names Summa keeps its name."""
    if not root:
        return "Summa"
    return root if root.lower().startswith("summa") else f"Summa ({root})"


def root_post(ramar: pd.DataFrame | None, fu: pd.DataFrame | None = None) -> str | None:
    """The name of the total: the stated table's total row (e.g. Summa), or else the row of
    budget_ramar.csv that sums into nothing (e.g. Årets resultat)."""
    if from_tables(fu):
        roots = fu["rot"].dropna().drop_duplicates().tolist()
        if len(roots) == 1:
            return roots[0]
        if not set(fu["kontogrupp"]) <= set(kontogrupper(ramar)):
            return None
    if ramar is None:
        return None
    roots = ramar.loc[ramar["summeras_i"].isna(), "post"].drop_duplicates().tolist()
    return roots[0] if len(roots) == 1 else None


def display_table(
    s: pd.DataFrame, year: int, period, root: str | None = None, header: str = "Kontogrupp"
) -> pd.DataFrame:
    """The reader's table: Swedish headings, a total row last; the stated extras only where stated."""
    t = pd.concat([s, pd.DataFrame([total(s, root)])], ignore_index=True)
    end = report_end(year, period)
    full = is_full_year(end)
    has = {c: f"{c}_tkr" in t.columns and t[f"{c}_tkr"].notna().any() for c in EXTRA_AMOUNTS}
    to = f"t.o.m. {end.day}/{end.month}"
    cols = {header: t["kontogrupp"], f"Budget {year}, tkr": t["budget_tkr"]}
    if has["budget_ack"]:
        cols[f"Budget {to}, tkr"] = t["budget_ack_tkr"]
    cols[f"Utfall {to}, tkr"] = t["utfall_tkr"]
    if has["budget_ack"]:
        cols[f"Utfall − budget {to}, tkr"] = t["utfall_tkr"] - t["budget_ack_tkr"]
    if has["utfall_fg"]:
        cols[f"Utfall {to} {year - 1}, tkr"] = t["utfall_fg_tkr"]
        cols[f"Förändring mot {year - 1}, %"] = [pct_of(a - b, b) for a, b in zip(t["utfall_tkr"], t["utfall_fg_tkr"])]
    cols["Utfall, % av budget"] = t["utfall_andel_pct"]
    cols["Andel av året, %"] = t["ar_andel_pct"]
    cols["Prognos helår, tkr" if not full else "Utfall helår, tkr"] = t["prognos_tkr"]
    cols["Avvikelse, tkr"] = t["avvikelse_tkr"]
    cols["Avvikelse, %"] = t["avvikelse_pct"]
    if has["avvikelse_kalla"]:
        cols["Avvikelse enligt källan, tkr"] = t["avvikelse_kalla_tkr"]
    return pd.DataFrame(cols)


def verksamhet_table(
    fu: pd.DataFrame | None, year: int, period, headers: tuple[str, str] = ("Kontogrupp", "Verksamhet")
) -> pd.DataFrame | None:
    """Rows broken down per verksamhet for the report date, or None when there are none."""
    if fu is None:
        return None
    end = report_end(year, period)
    df = normalised(fu)
    df = df[(df["ar"] == int(year)) & (df["per_datum"] == end) & (df["verksamhet"] != "")]
    if df.empty:
        return None
    avv = sign(fu, year, end) * (df["prognos_tkr"] - df["budget_tkr"])
    return pd.DataFrame(
        {
            headers[0]: df["kontogrupp"].values,
            headers[1]: df["verksamhet"].values,
            "Budget, tkr": df["budget_tkr"].values,
            "Utfall, tkr": df["utfall_tkr"].values,
            "Prognos helår, tkr" if not is_full_year(end) else "Utfall helår, tkr": df["prognos_tkr"].values,
            "Avvikelse, tkr": avv.values,
            "Avvikelse, %": [pct_of(a, b) for a, b in zip(avv, df["budget_tkr"])],
            "Kommentar": df["kommentar"].values,
        }
    )


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


def _budget_over(fu, ramar, year: int, dates: list) -> dict:
    """The budget each report date's forecast is compared with: the stated table's own at that date."""
    return {d: budget_at(fu, ramar, year, d) for d in dates}


def over_tertials(fu: pd.DataFrame | None, ramar: pd.DataFrame | None, year: int, upto) -> pd.DataFrame:
    """Per followed row: the budget and the forecast at each report date up to ``upto`` (a tertial or a
    date; NaN where a tertial end has no follow-up)."""
    dates = chart_periods(fu, year, upto)
    present = [d for d in dates if fu is not None and d in periods_present(fu, year)]
    budget = budget_at(fu, ramar, year, present[-1]) if present else budget_for(ramar, year)
    names = list(budget.index)
    for d in present:
        names += [k for k in budget_at(fu, ramar, year, d).index if k not in names]
    t = pd.DataFrame({"Kontogrupp": names, "Budget": [budget.get(k, float("nan")) for k in names]})
    figs = kontogrupp_figures(fu) if fu is not None else None
    for d in dates:
        name = _period_column(d)
        if figs is None:
            t[name] = float("nan")
            continue
        part = figs[(figs["ar"] == int(year)) & (figs["per_datum"] == d)].set_index("kontogrupp")["prognos_tkr"]
        t[name] = [part.get(k, float("nan")) for k in names]
    return t


def deviation_over_tertials(fu: pd.DataFrame | None, ramar: pd.DataFrame | None, year: int, upto) -> pd.DataFrame:
    """Prognos − budget per followed row (columns) at each report date up to ``upto`` (rows: Period);
    budget − prognos for a table that states costs as positive (:func:`sign`).

    Each date's forecast is set against the budget of that date's report (the same budget table for
    the old file)."""
    t = over_tertials(fu, ramar, year, upto).set_index("Kontogrupp")
    dates = chart_periods(fu, year, upto)
    budgets = _budget_over(fu, ramar, year, dates)
    cols = [c for c in t.columns if c != "Budget"]
    dev = pd.DataFrame(
        {
            c: [sign(fu, year, d) * (t.at[k, c] - budgets[d].get(k, t.at[k, "Budget"])) for k in t.index]
            for c, d in zip(cols, dates)
        },
        index=t.index,
    ).T
    dev.index = [periods.period_label(d) for d in dates]
    dev = dev.rename_axis("Period").reset_index()
    dev.columns.name = None
    return dev


def missing_text(fu: pd.DataFrame | None, s: pd.DataFrame, year: int, period) -> str:
    """One sentence per measure the follow-up lacks at the date (no forecast, no budget), or ''."""
    end = report_end(year, period)
    out = []
    if s["prognos_tkr"].isna().all() and not is_full_year(end):
        out.append(
            "Rapporten anger ingen prognos för helåret, så avvikelsen mot budgeten kan inte räknas; "
            "budget och utfall visas."
        )
    if s["budget_tkr"].isna().all():
        out.append(
            "Rapporten anger ingen budget för helåret och budgettabellen har inga rader med samma namn, "
            "så utfallet kan inte ställas mot budgeten."
        )
    elif s["budget_tkr"].isna().any():
        out.append("Budget saknas för " + ", ".join(s.loc[s["budget_tkr"].isna(), "kontogrupp"]) + " ('–').")
    return " ".join(out)


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
    ramar = data.get("ramar")
    model = from_tables(fu)
    label = f"{org}/tabell_varden.csv" if model else f"{org}/{FILENAME}"
    for year in sorted({int(a) for a in fu["ar"]}):
        for end in periods_present(fu, year):
            s = summary(fu, ramar, year, end, th)
            for _, m in materials(s).iterrows():
                if m["kommentar"]:
                    continue
                rows = fu[(fu["ar"] == year) & (fu["per_datum"] == end) & (fu["kontogrupp"] == m["kontogrupp"])]
                if rows.empty:
                    continue
                where = (
                    f" i tabell_kommentarer.csv (tabell {rows['tabell'].iloc[0]}, rad {int(rows['rad'].iloc[0])})"
                    if model
                    else ""
                )
                issues.append(
                    Issue(
                        label,
                        int(rows.index[0]),
                        "kommentar",
                        "",
                        f"en kommentar{where}: avvikelsen för {m['kontogrupp']} {_period_words(end)} är {fmt.tkr(m['avvikelse_tkr'], sign=True)}, "
                        f"väsentlig enligt gränsen {th.text()}",
                        severity="varning",
                    )
                )
    return issues


# Checks across one organisation's files that need this module's computations.
CONSISTENCY_CHECKS = [comment_warnings]
