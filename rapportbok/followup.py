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

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from rapportbok import fmt
from rapportbok.paths import data_dir
from rapportbok.schema import Col, Issue, TableSpec

FILENAME = "budgetuppfoljning.csv"
UNITS = ("kr", "tkr", "mnkr")
TO_TKR = {"kr": 0.001, "tkr": 1.0, "mnkr": 1000.0}
TERTIAL_END = {1: (4, 30), 2: (8, 31), 3: (12, 31)}
TERTIAL_LABEL = {1: "Tertial 1", 2: "Tertial 2", 3: "Helår"}
TOLERANCE_TKR = 1.0  # kontogrupp row against the sum of its verksamhet rows

UPPFOLJNING = TableSpec(
    FILENAME,
    "Budgetuppföljning per tertial",
    (
        Col("ar", "year", doc="Budgetåret"),
        Col("tertial", "choice", choices=("1", "2", "3"), doc="1 = t.o.m. april, 2 = t.o.m. augusti, 3 = helår"),
        Col("per_datum", "date", doc="Tertialets slutdatum: ÅÅÅÅ-04-30, ÅÅÅÅ-08-31 eller ÅÅÅÅ-12-31"),
        Col("kontogrupp", doc="En post ur budget_ramar.csv som inte är en summarad"),
        Col("verksamhet", required=False, doc="Tom för kontogruppen som helhet, annars verksamhetens namn"),
        Col("enhet", "choice", choices=UNITS, doc="Enheten för utfall, prognos och budget på raden"),
        Col("utfall", "number", doc="Utfall från årets början t.o.m. per_datum; kostnader negativa"),
        Col("prognos", "number", required=False, doc="Prognos för helåret; får vara tom vid tertial 3"),
        Col("budget", "number", required=False, doc="Verksamhetens budget; bara på rader med verksamhet"),
        Col("kommentar", required=False, doc="Förklaring till avvikelsen"),
        Col("kalla", doc="Id ur data/kallor.csv, t.ex. organisationens utdrag ur ekonomisystemet"),
        Col("avsnitt", doc="Var i källan, t.ex. rapportens namn i ekonomisystemet"),
    ),
    key=("ar", "tertial", "kontogrupp", "verksamhet"),
)

DATASETS = {"budgetuppfoljning": (UPPFOLJNING, None)}


# --- periods ---------------------------------------------------------------------------------


def period_end(year: int, tertial: int) -> dt.date:
    month, day = TERTIAL_END[int(tertial)]
    return dt.date(int(year), month, day)


def year_share_pct(tertial: int) -> float:
    """Share of the year elapsed at the tertial's end: 4/12, 8/12, 12/12, in per cent."""
    return int(tertial) * 4 / 12 * 100


def to_tkr(value, unit: str) -> float:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return float("nan")
    return round(float(value) * TO_TKR[unit], 6)


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


# --- thresholds ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Thresholds:
    tkr: float = 500.0
    procent: float = 2.0
    villkor: str = "någon"  # "någon": either threshold; "båda": both
    from_file: bool = False

    def text(self) -> str:
        join = "eller" if self.villkor == "någon" else "och"
        return f"minst {fmt.tkr(self.tkr)} {join} minst {fmt.pct(self.procent, 1 if self.procent % 1 else 0)} av budgeten"

    def is_material(self, avvikelse_tkr, avvikelse_pct) -> bool:
        a = float(avvikelse_tkr)
        if math.isnan(a):
            return False
        by_tkr = abs(a) >= self.tkr
        p = float(avvikelse_pct)
        if math.isnan(p):  # budget 0: only the tkr threshold can apply
            return by_tkr
        by_pct = abs(p) >= self.procent
        return (by_tkr or by_pct) if self.villkor == "någon" else (by_tkr and by_pct)


DEFAULT_THRESHOLDS = Thresholds()


def thresholds(org: str, data: Path | None = None) -> tuple[Thresholds, list[Issue]]:
    """The organisation's materiality thresholds from organisation.yml (default when absent).

    Read by :mod:`rapportbok.config`: a boolean, ``.nan`` or ``.inf`` is refused (it would
    switch every materiality warning off), and each problem names the line.
    """
    from rapportbok import config

    path = (data or data_dir()) / org / "organisation.yml"
    label = f"{org}/organisation.yml"
    spec, issues = config.read_organisation(path, label)
    if spec is None:
        return DEFAULT_THRESHOLDS, [i for i in issues if i.column.startswith("vasentlig_avvikelse")]
    th = spec.vasentlig_avvikelse
    if th is None:
        return DEFAULT_THRESHOLDS, []
    return Thresholds(float(th.tkr), float(th.procent), th.villkor, True), []


# --- budget lines ----------------------------------------------------------------------------


def kontogrupper(ramar: pd.DataFrame | None) -> list[str]:
    """Posts of budget_ramar.csv that are not subtotals, in the source's order."""
    if ramar is None:
        return []
    parents = set(ramar["summeras_i"].dropna())
    rows = ramar.sort_values("rad").drop_duplicates("post")
    return [p for p in rows["post"] if p not in parents]


def budget_for(ramar: pd.DataFrame | None, year: int) -> pd.Series:
    """Budget per kontogrupp for ``year`` in tkr (index: post)."""
    if ramar is None:
        return pd.Series(dtype="float64")
    part = ramar[(ramar["ar"] == int(year)) & ramar["post"].isin(kontogrupper(ramar))]
    return part.sort_values("rad").set_index("post")["belopp_tkr"].astype(float)


# --- normalising the analyst's rows -----------------------------------------------------------


def normalised(fu: pd.DataFrame) -> pd.DataFrame:
    """The follow-up with amounts in tkr: utfall_tkr, prognos_tkr (helår: = utfall), budget_tkr."""
    df = fu.copy()
    df["tertial"] = df["tertial"].astype(int)
    df["ar"] = df["ar"].astype(int)
    for col in ("utfall", "prognos", "budget"):
        df[f"{col}_tkr"] = [to_tkr(v, u) for v, u in zip(df[col], df["enhet"])]
    full_year = (df["tertial"] == 3) & df["prognos_tkr"].isna()
    df.loc[full_year, "prognos_tkr"] = df.loc[full_year, "utfall_tkr"]
    df["verksamhet"] = df["verksamhet"].fillna("")
    df["kommentar"] = df["kommentar"].fillna("")
    return df


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
    end = period_end(year, tertial)
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


# --- validation ------------------------------------------------------------------------------


def _label(org: str) -> str:
    return f"{org}/{FILENAME}"


def cross_check(data: dict, org: str) -> list[Issue]:
    """The follow-up against budget_ramar.csv, the tertial dates, units, signs and comments."""
    fu = data.get("budgetuppfoljning")
    th, issues = thresholds(org)
    if fu is None:
        return issues
    label = _label(org)
    ramar = data.get("ramar")
    leaves = kontogrupper(ramar)
    subtotals = set(ramar["summeras_i"].dropna()) if ramar is not None else set()
    try:
        from rapportbok import sources

        src = sources.load()
        org_sources = set(src.index[src["organisation"] == org])
    except Exception:  # noqa: BLE001 - kallor.csv problems are reported by validate()
        org_sources = None
    for idx, r in fu.iterrows():
        row = int(idx)
        year, tertial, kg = int(r["ar"]), int(r["tertial"]), r["kontogrupp"]
        end = period_end(year, tertial)
        d = r["per_datum"]
        if d.year != year:
            issues.append(Issue(label, row, "per_datum", d.isoformat(), f"ett datum i året {year} (kolumnen ar)"))
        elif d != end:
            issues.append(Issue(label, row, "per_datum", d.isoformat(),
                                f"{end.isoformat()}, slutdatum för " + (f"tertial {tertial}" if tertial < 3 else "helåret (tertial 3)")))
        if ramar is None:
            issues.append(Issue(label, row, "kontogrupp", kg, f"en budget per kontogrupp i {org}/budget_ramar.csv (filen saknas)"))
            continue
        if kg in subtotals:
            issues.append(Issue(label, row, "kontogrupp", kg,
                                "en kontogrupp som inte är en summarad i budget_ramar.csv: " + ", ".join(leaves)))
            continue
        if kg not in leaves:
            issues.append(Issue(label, row, "kontogrupp", kg, "en kontogrupp ur budget_ramar.csv: " + ", ".join(leaves)))
            continue
        budget = budget_for(ramar, year)
        if kg not in budget.index:
            years = sorted(int(y) for y in ramar.loc[ramar["post"] == kg, "ar"])
            issues.append(Issue(label, row, "ar", str(year),
                                f"ett år med budget för {kg} i budget_ramar.csv: " + ", ".join(map(str, years))))
            continue
        b = float(budget[kg])
        if r["verksamhet"] is None and not pd.isna(r["budget"]):
            issues.append(Issue(label, row, "budget", _num(r["budget"]),
                                "en tom cell: kontogruppens budget hämtas ur budget_ramar.csv (budget anges bara på rader med verksamhet)"))
        if pd.isna(r["prognos"]) and tertial != 3:
            issues.append(Issue(label, row, "prognos", "", "en prognos för helåret (får vara tom bara vid tertial 3)"))
        if tertial == 3 and not pd.isna(r["prognos"]) and abs(float(r["prognos"]) - float(r["utfall"])) > 1e-9:
            issues.append(Issue(label, row, "prognos", _num(r["prognos"]), f"samma värde som utfallet ({_num(r['utfall'])}) eller en tom cell vid helår"))
        for col in ("utfall", "prognos"):
            v = r[col]
            if not pd.isna(v) and b != 0 and v != 0 and (v > 0) != (b > 0):
                want = "negativt (en kostnad, som i budget_ramar.csv)" if b < 0 else "positivt (en intäkt, som i budget_ramar.csv)"
                issues.append(Issue(label, row, col, _num(v), f"ett tal med samma tecken som budgeten för {kg} ({fmt.tkr(b)}): {want}"))
        if org_sources is not None and r["kalla"] not in org_sources:
            issues.append(Issue(label, row, "kalla", r["kalla"], f"en källa i data/kallor.csv med organisation '{org}'"))
    if any(i.severity == "fel" for i in issues):
        return issues
    issues += _consistency(fu, ramar, label)
    if any(i.severity == "fel" for i in issues):
        return issues
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


def _num(v) -> str:
    f = float(v)
    return str(int(f)) if f.is_integer() else str(f)


def _consistency(fu: pd.DataFrame, ramar: pd.DataFrame, label: str) -> list[Issue]:
    """Kontogrupp rows against the sum of their verksamhet rows; verksamhet budgets against ramar."""
    issues = []
    df = normalised(fu)
    for (ar, tertial, kg), part in df.groupby(["ar", "tertial", "kontogrupp"], sort=False):
        whole = part[part["verksamhet"] == ""]
        units = part[part["verksamhet"] != ""]
        if units.empty:
            continue
        if not whole.empty:
            w = whole.iloc[0]
            for col in ("utfall", "prognos"):
                total_units = units[f"{col}_tkr"].sum()
                if abs(total_units - w[f"{col}_tkr"]) > TOLERANCE_TKR:
                    issues.append(Issue(label, int(whole.index[0]), col, _num(w[col]),
                                        f"summan av verksamhetsraderna för {kg} ({fmt.tkr(total_units)}), högst {fmt.tkr(TOLERANCE_TKR)} ifrån"))
        if units["budget_tkr"].notna().all():
            b = float(budget_for(ramar, int(ar))[kg])
            s = float(units["budget_tkr"].sum())
            if abs(s - b) > TOLERANCE_TKR:
                issues.append(Issue(label, int(units.index[0]), "budget", _num(units["budget"].iloc[0]),
                                    f"verksamheternas budgetar för {kg} summerade ({fmt.tkr(s)}) lika med budget_ramar.csv ({fmt.tkr(b)})",
                                    severity="varning"))
    return issues


CROSS_CHECKS = [cross_check]
