"""The budget follow-up file (budgetuppfoljning.csv) and the materiality thresholds in organisation.yml.

The file's columns, and the thresholds for a material deviation (``vasentlig_avvikelse``).
The rules for tertials, units, signs and deviations are in
:mod:`rapportbok.analysis.budget_followup`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from rapportbok.core import fmt, periods
from rapportbok.core.paths import data_dir
from rapportbok.core.periods import tertial_end
from rapportbok.core.units import UNITS, to_tkr_or_nan
from rapportbok.data.schema import Col, Issue, TableSpec

FILENAME = "budgetuppfoljning.csv"

UPPFOLJNING = TableSpec(
    FILENAME,
    "Budgetuppföljning per rapportdatum (månad, tertial, delår, helår)",
    (
        Col("ar", "year", doc="Budgetåret"),
        Col(
            "tertial",
            "choice",
            choices=("1", "2", "3"),
            required=False,
            may_omit=True,
            doc="Valfri: 1 = t.o.m. april, 2 = t.o.m. augusti, 3 = helår; per_datum ska då vara tertialets slutdatum",
        ),
        Col(
            "per_datum",
            "date",
            doc="Rapportdatum: ett månadsslut inom året, t.ex. ÅÅÅÅ-10-31 (månadsrapport) eller ÅÅÅÅ-08-31 (delår, tertial 2)",
        ),
        Col("kontogrupp", doc="En post ur budget_ramar.csv som inte är en summarad"),
        Col("verksamhet", required=False, doc="Tom för kontogruppen som helhet, annars verksamhetens namn"),
        Col("enhet", "choice", choices=UNITS, doc="Enheten för utfall, prognos och budget på raden"),
        Col("utfall", "number", doc="Utfall från årets början t.o.m. per_datum; kostnader negativa"),
        Col(
            "prognos",
            "number",
            required=False,
            doc="Prognos för helåret; får vara tom vid helår (per_datum 31 december)",
        ),
        Col("budget", "number", required=False, doc="Verksamhetens budget; bara på rader med verksamhet"),
        Col("kommentar", required=False, doc="Förklaring till avvikelsen"),
        Col("kalla", doc="Id ur data/kallor.csv, t.ex. organisationens utdrag ur ekonomisystemet"),
        Col("avsnitt", doc="Var i källan, t.ex. rapportens namn i ekonomisystemet"),
    ),
    key=("ar", "per_datum", "kontogrupp", "verksamhet"),
    doc="Äldre format för budgetuppföljningen, en rad per rapportdatum, kontogrupp och verksamhet (läses bara när organisationen saknar uppföljningstabeller i tabeller.csv).",
)


DATASETS = {"budgetuppfoljning": (UPPFOLJNING, None)}


# --- thresholds ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Thresholds:
    tkr: float = 500.0
    procent: float = 2.0
    villkor: str = "någon"  # "någon": either threshold; "båda": both
    from_file: bool = False

    def text(self) -> str:
        join = "eller" if self.villkor == "någon" else "och"
        return (
            f"minst {fmt.tkr(self.tkr)} {join} minst {fmt.pct(self.procent, 1 if self.procent % 1 else 0)} av budgeten"
        )

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

    Read by :mod:`rapportbok.data.config`: a boolean, ``.nan`` or ``.inf`` is refused (it would
    switch every materiality warning off), and each problem names the line.
    """
    from rapportbok.data import config

    path = (data or data_dir()) / org / "organisation.yml"
    label = f"{org}/organisation.yml"
    spec, issues = config.read_organisation(path, label)
    if spec is None:
        return DEFAULT_THRESHOLDS, [i for i in issues if i.column.startswith("vasentlig_avvikelse")]
    th = spec.vasentlig_avvikelse
    if th is None:
        return DEFAULT_THRESHOLDS, []
    return Thresholds(float(th.tkr), float(th.procent), th.villkor, True), []


TOLERANCE_TKR = 1.0  # kontogrupp row against the sum of its verksamhet rows


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


# Amount columns of the follow-up: the old file's three, and those only a stated table can give
# (budget to date, outcome to date last year, the source's own avvikelse).
AMOUNTS = ("utfall", "prognos", "budget")
EXTRA_AMOUNTS = ("budget_ack", "utfall_fg", "avvikelse_kalla")


def normalised(fu: pd.DataFrame) -> pd.DataFrame:
    """The follow-up with amounts in tkr: utfall_tkr, prognos_tkr (helår: = utfall), budget_tkr
    (and budget_ack_tkr, utfall_fg_tkr, avvikelse_kalla_tkr, NaN for the old file).

    The period of a row is its report date ``per_datum``; ``full_year`` marks 31 December.
    """
    df = fu.copy()
    df["ar"] = df["ar"].astype(int)
    df["full_year"] = [is_full_year(d) for d in df["per_datum"]]
    for col in AMOUNTS + EXTRA_AMOUNTS:
        values = df[col] if col in df.columns else [None] * len(df)
        df[f"{col}_tkr"] = [to_tkr_or_nan(v, u) for v, u in zip(values, df["enhet"])]
    full_year = df["full_year"] & df["prognos_tkr"].isna()
    df.loc[full_year, "prognos_tkr"] = df.loc[full_year, "utfall_tkr"]
    df["verksamhet"] = df["verksamhet"].fillna("")
    df["kommentar"] = df["kommentar"].fillna("")
    return df


def is_full_year(d) -> bool:
    """A report per 31 December: the year's outcome (helår)."""
    return (d.month, d.day) == (12, 31)


# --- validation ------------------------------------------------------------------------------


def _label(org: str) -> str:
    return f"{org}/{FILENAME}"


def cross_check(data: dict, org: str) -> list[Issue]:
    """The follow-up against budget_ramar.csv, the tertial dates, units, signs and comments.

    Only the old file is checked here: a follow-up read from stated tables (:func:`from_model`) has
    been checked by the stated tables' own checks, and its budget is the table's.
    """
    fu = data.get("budgetuppfoljning")
    issues = thresholds(org)[1]
    if fu is None or from_tables(fu):
        return issues
    label = _label(org)
    ramar = data.get("ramar")
    leaves = kontogrupper(ramar)
    subtotals = set(ramar["summeras_i"].dropna()) if ramar is not None else set()
    try:
        from rapportbok.data import sources

        src = sources.load()
        org_sources = set(src.index[src["organisation"] == org])
    except Exception:  # noqa: BLE001 - kallor.csv problems are reported by validate()
        org_sources = None
    for idx, r in fu.iterrows():
        row = int(idx)
        year, kg = int(r["ar"]), r["kontogrupp"]
        tertial = None if r["tertial"] is None or pd.isna(r["tertial"]) else int(r["tertial"])
        d = r["per_datum"]
        full_year = is_full_year(d)
        if d.year != year:
            issues.append(Issue(label, row, "per_datum", d.isoformat(), f"ett datum i året {year} (kolumnen ar)"))
        elif tertial is not None and d != tertial_end(year, tertial):
            end = tertial_end(year, tertial)
            issues.append(
                Issue(
                    label,
                    row,
                    "per_datum",
                    d.isoformat(),
                    f"{end.isoformat()}, slutdatum för "
                    + (f"tertial {tertial}" if tertial < 3 else "helåret (tertial 3)"),
                )
            )
        elif not periods.is_month_end(d):
            issues.append(
                Issue(
                    label,
                    row,
                    "per_datum",
                    d.isoformat(),
                    f"ett månadsslut, t.ex. {periods.month_end(year, d.month).isoformat()} (rapportdatum för en månadsrapport)",
                )
            )
        if ramar is None:
            issues.append(
                Issue(label, row, "kontogrupp", kg, f"en budget per kontogrupp i {org}/budget_ramar.csv (filen saknas)")
            )
            continue
        if kg in subtotals:
            issues.append(
                Issue(
                    label,
                    row,
                    "kontogrupp",
                    kg,
                    "en kontogrupp som inte är en summarad i budget_ramar.csv: " + ", ".join(leaves),
                )
            )
            continue
        if kg not in leaves:
            issues.append(
                Issue(label, row, "kontogrupp", kg, "en kontogrupp ur budget_ramar.csv: " + ", ".join(leaves))
            )
            continue
        budget = budget_for(ramar, year)
        if kg not in budget.index:
            years = sorted(int(y) for y in ramar.loc[ramar["post"] == kg, "ar"])
            issues.append(
                Issue(
                    label,
                    row,
                    "ar",
                    str(year),
                    f"ett år med budget för {kg} i budget_ramar.csv: " + ", ".join(map(str, years)),
                )
            )
            continue
        b = float(budget[kg])
        if r["verksamhet"] is None and not pd.isna(r["budget"]):
            issues.append(
                Issue(
                    label,
                    row,
                    "budget",
                    _as_typed(r["budget"]),
                    "en tom cell: kontogruppens budget hämtas ur budget_ramar.csv (budget anges bara på rader med verksamhet)",
                )
            )
        if pd.isna(r["prognos"]) and not full_year:
            issues.append(
                Issue(
                    label,
                    row,
                    "prognos",
                    "",
                    "en prognos för helåret (får vara tom bara vid helår, per_datum 31 december)",
                )
            )
        if full_year and not pd.isna(r["prognos"]) and abs(float(r["prognos"]) - float(r["utfall"])) > 1e-9:
            issues.append(
                Issue(
                    label,
                    row,
                    "prognos",
                    _as_typed(r["prognos"]),
                    f"samma värde som utfallet ({_as_typed(r['utfall'])}) eller en tom cell vid helår",
                )
            )
        for col in ("utfall", "prognos"):
            v = r[col]
            if not pd.isna(v) and b != 0 and v != 0 and (v > 0) != (b > 0):
                want = (
                    "negativt (en kostnad, som i budget_ramar.csv)"
                    if b < 0
                    else "positivt (en intäkt, som i budget_ramar.csv)"
                )
                issues.append(
                    Issue(
                        label,
                        row,
                        col,
                        _as_typed(v),
                        f"ett tal med samma tecken som budgeten för {kg} ({fmt.tkr(b)}): {want}",
                    )
                )
        if org_sources is not None and r["kalla"] not in org_sources:
            issues.append(
                Issue(label, row, "kalla", r["kalla"], f"en källa i data/kallor.csv med organisation '{org}'")
            )
    if any(i.severity == "fel" for i in issues):
        return issues
    issues += _consistency(fu, ramar, label)
    if any(i.severity == "fel" for i in issues):
        return issues
    return issues


def _as_typed(v) -> str:
    """A number as the analyst typed it, for messages: 1234 or 12.5."""
    f = float(v)
    return str(int(f)) if f.is_integer() else str(f)


def _consistency(fu: pd.DataFrame, ramar: pd.DataFrame, label: str) -> list[Issue]:
    """Kontogrupp rows against the sum of their verksamhet rows; verksamhet budgets against ramar."""
    issues = []
    df = normalised(fu)
    for (ar, _per, kg), part in df.groupby(["ar", "per_datum", "kontogrupp"], sort=False):
        whole = part[part["verksamhet"] == ""]
        units = part[part["verksamhet"] != ""]
        if units.empty:
            continue
        if not whole.empty:
            w = whole.iloc[0]
            for col in ("utfall", "prognos"):
                total_units = units[f"{col}_tkr"].sum()
                if abs(total_units - w[f"{col}_tkr"]) > TOLERANCE_TKR:
                    issues.append(
                        Issue(
                            label,
                            int(whole.index[0]),
                            col,
                            _as_typed(w[col]),
                            f"summan av verksamhetsraderna för {kg} ({fmt.tkr(total_units)}), högst {fmt.tkr(TOLERANCE_TKR)} ifrån",
                        )
                    )
        if units["budget_tkr"].notna().all():
            b = float(budget_for(ramar, int(ar))[kg])
            s = float(units["budget_tkr"].sum())
            if abs(s - b) > TOLERANCE_TKR:
                issues.append(
                    Issue(
                        label,
                        int(units.index[0]),
                        "budget",
                        _as_typed(units["budget"].iloc[0]),
                        f"verksamheternas budgetar för {kg} summerade ({fmt.tkr(s)}) lika med budget_ramar.csv ({fmt.tkr(b)})",
                        severity="varning",
                    )
                )
    return issues


CROSS_CHECKS = [cross_check]


# --- the follow-up on the stated-table model ---------------------------------------------------
#
# A månadsrapport, tertialrapport, delårsrapport or bokslut entered as stated tables
# (rapportbok.data.stated_tables) is the follow-up: :func:`from_model` presents its table to the
# follow-up analysis in the old file's long shape (one row per report date and row, amounts with
# their unit), so the budget chapter, the summary and the warnings read ONE shape from either input.
# The old file is converted to the model by tools/uppfoljning_till_tabeller.py, losslessly.

FOLLOWUP_KINDS = ("månadsrapport", "tertialrapport", "delårsrapport", "bokslut")
# The measures the follow-up reads (first found wins), all of the report's own year except the outcome
# of the same period last year.
MEASURES = {
    "utfall": ("utfall ack", "utfall helår"),
    "prognos": ("prognos helår",),
    "budget": ("budget helår", "budget"),
    "budget_ack": ("budget ack",),
    "utfall_fg": ("utfall ack föregående år",),
    "avvikelse_kalla": ("avvikelse",),
}
# Units the follow-up shows (in tkr, whole numbers): a table in mnkr is coarser than that and would be
# shown with false precision, so it is analysed only in Rapporternas tabeller.
READ_UNITS = ("kr", "tkr")
MODEL_COLUMNS = [
    "ar",
    "tertial",
    "per_datum",
    "kontogrupp",
    "verksamhet",
    "enhet",
    *AMOUNTS,
    "kommentar",
    "kalla",
    "avsnitt",
    *EXTRA_AMOUNTS,
    "tabell",
    "rad",
    "rot",
    "tecken",
]


def from_tables(fu: pd.DataFrame | None) -> bool:
    """The follow-up was read from stated tables (not from budgetuppfoljning.csv)."""
    return fu is not None and "tabell" in fu.columns


def measure_columns(t) -> dict:
    """The table's columns the follow-up reads: {'utfall': Column, ...} (absent measures left out)."""
    out = {}
    for name, measures in MEASURES.items():
        for m in measures:
            col = next((c for c in t.columns if c.measure == m and (c.year == t.per.year or name == "utfall_fg")), None)
            if col is not None:
                out[name] = col
                break
    return out


def followup_tables(tables: list) -> tuple[list, list]:
    """(the tables the follow-up reads, at most one per report date; the follow-up-kind tables it does not read).

    A table is read when it is of a follow-up kind, states an outcome of its year and is in kr or tkr;
    of several on one date the first in tabeller.csv is read.
    """
    read, other, dates = [], [], set()
    for t in tables:
        if t.kind not in FOLLOWUP_KINDS:
            continue
        if t.unit in READ_UNITS and "utfall" in measure_columns(t) and t.per not in dates:
            read.append(t)
            dates.add(t.per)
        else:
            other.append(t)
    return read, other


def _items(t, kontogrupp_names=frozenset()) -> tuple[list, str | None]:
    """The rows the follow-up lists, each with the rows under it, and the name of the table's total.

    The total is a single row without a parent that every other counted row sums into (e.g.
    Summa, Årets resultat) and that is not a kontogrupp of the budget table (``kontogrupp_names``:
    a single kontogrupp broken down per verksamhet is listed, not taken as the total); its
    figures are recomputed by the analysis. Its children are the listed
    rows, and theirs the breakdown. Differens rows and rows outside the sum are not listed.
    """
    from rapportbok.data import stated_tables as model

    counted = [r for r in t.rows if r.role not in (model.DIFF, model.OUTSIDE)]
    top = [r for r in counted if r.parent is None]
    root = None
    if len(top) == 1 and t.children(top[0].number) and top[0].label not in kontogrupp_names:
        root = top[0]
        top = t.children(root.number)
        top = [r for r in top if r.role not in (model.DIFF, model.OUTSIDE)]
    out = []
    for r in top:
        kids = [k for k in t.children(r.number) if k.role != model.DIFF]
        out.append((r, kids))
    return out, (root.label if root is not None else None)


def sign_of(t, cols: dict) -> int:
    """How the table signs its amounts: +1 when costs are negative (the book's convention: avvikelse =
    prognos − budget), −1 when it states costs as positive amounts and its avvikelse as budget − prognos.

    Read from the avvikelse column's own definition (berakning); without one, from its stated values
    (the definition most rows agree with); else the book's convention.
    """
    avv, prog, bud = cols.get("avvikelse_kalla"), cols.get("prognos"), cols.get("budget")
    if avv is None or prog is None or bud is None:
        return 1
    if avv.formula:
        terms = {c: s for s, c in avv.formula}
        if terms == {bud.id: 1, prog.id: -1}:
            return -1
        return 1
    votes = 0
    for r in t.rows:
        a, p, b = (t.value(r.number, c.id) for c in (avv, prog, bud))
        if None not in (a, p, b) and p != b:
            votes += 1 if abs(a - (p - b)) < abs(a - (b - p)) else -1
    return -1 if votes < 0 else 1


def _number(v):
    return None if v is None else (int(v) if v == v.to_integral_value() else float(v))


def from_model(data: dict) -> tuple[pd.DataFrame | None, list]:
    """The follow-up stated tables in the old file's long shape (plus ``tabell``, ``rad`` and ``rot``,
    the table's total), and the tables of a follow-up kind it does not read."""
    from rapportbok.data import stated_tables as model

    read, other = followup_tables(model.load(data))
    names = frozenset(kontogrupper(data.get("ramar")))
    v = data.get("tabell_varden")
    line_of: dict[tuple[str, int], int] = {}
    if v is not None:
        for idx, tid, rad in zip(v.index, v["tabell"], v["rad"]):
            line_of.setdefault((tid, int(rad)), int(idx))
    rows = []
    for t in read:
        cols = measure_columns(t)
        items, root = _items(t, names)
        sign = sign_of(t, cols)

        def rec(r, kg, unit_name, t=t, cols=cols, root=root, sign=sign):
            out = {
                "ar": t.per.year,
                "tertial": None,
                "per_datum": t.per,
                "kontogrupp": kg,
                "verksamhet": unit_name,
                "enhet": t.unit,
                "kommentar": r.comment or None,
                "kalla": t.kalla,
                "avsnitt": t.avsnitt,
                "tabell": t.id,
                "rad": r.number,
                "rot": root,
                "tecken": sign,
            }
            for name in (*AMOUNTS, *EXTRA_AMOUNTS):
                out[name] = _number(t.value(r.number, cols[name].id)) if name in cols else None
            return out

        for r, kids in items:
            own = rec(r, r.label, None)
            stated = any(own[n] is not None for n in AMOUNTS)
            if stated or not kids:
                rows.append(own)
            for k in kids:
                rows.append(rec(k, r.label, k.label))
    if not rows:
        return None, other
    df = pd.DataFrame(rows, columns=MODEL_COLUMNS)
    df.index = [line_of.get((tid, rad), 0) for tid, rad in zip(df["tabell"], df["rad"])]
    for col in (*AMOUNTS, *EXTRA_AMOUNTS):
        df[col] = df[col].astype("float64")
    return df, other


# --- the old file to the model (tools/uppfoljning_till_tabeller.py) -------------------------------


REPORT_KIND = {1: "tertialrapport", 2: "delårsrapport", 3: "bokslut"}  # by tertial end


def report_kind(d) -> str:
    """The kind of report a date of the old file is: at a tertial's end tertialrapport, delårsrapport
    (31 August) or bokslut (31 December); any other month end månadsrapport."""
    return REPORT_KIND.get(periods.tertial_of(d), "månadsrapport")


def _decimals(text: str) -> int:
    return len(text.split(".", 1)[1]) if "." in text else 0


def to_model(
    fu: pd.DataFrame, ramar: pd.DataFrame | None, caption: str, prefix: str = "uppfoljning"
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The old follow-up file (validated) as the model's files: (tabeller, tabell_kolumner, tabell_varden,
    tabell_kommentarer), one table per report date.

    Every value, unit, comment, kontogrupp, verksamhet and citation is kept; the optional ``tertial``
    column is the report date's name (validated to agree with it) and is not stored. Rows are in the
    budget table's order of kontogrupper, each followed by its verksamheter. Raises
    :class:`rapportbok.data.budget.ConversionError` for what a table cannot hold.
    """
    from rapportbok.data.budget import ConversionError, _text

    order = {kg: i for i, kg in enumerate(kontogrupper(ramar))}
    tables, columns, values, comments = [], [], [], []
    for (year, per), part in fu.groupby(["ar", "per_datum"], sort=True):
        where = f"{FILENAME}, {per.isoformat()}"
        cites = part[["kalla", "avsnitt"]].drop_duplicates()
        if len(cites) != 1:
            raise ConversionError(
                f"{where}: raderna anger {len(cites)} olika källor (kalla, avsnitt); en tabell i "
                "tabeller.csv har en källa. Dela upp filen per källa först."
            )
        unit = part["enhet"].drop_duplicates()
        if len(unit) != 1:
            raise ConversionError(
                f"{where}: raderna har olika enheter ({', '.join(unit)}); en tabell har en enhet. "
                "Skriv om raderna i en enhet först."
            )
        tid = f"{prefix}_{per.isoformat().replace('-', '_')}"
        texts = {
            (idx, c): _text(part.at[idx, c]) for idx in part.index for c in AMOUNTS if not pd.isna(part.at[idx, c])
        }
        tables.append(
            {
                "tabell": tid,
                "rubrik": caption,
                "rapport": report_kind(per),
                "per": per,
                "enhet": unit.iloc[0],
                "decimaler": max((_decimals(v) for v in texts.values()), default=0),
                "kalla": cites.iloc[0]["kalla"],
                "avsnitt": cites.iloc[0]["avsnitt"],
            }
        )
        measures = {
            "utfall": ("utfall helår" if is_full_year(per) else "utfall ack", "Utfall"),
            "prognos": ("prognos helår", "Prognos helår"),
            "budget": ("budget helår", "Budget"),
        }
        used = [c for c in AMOUNTS if c == "utfall" or part[c].notna().any()]
        for c in used:
            columns.append(
                {
                    "tabell": tid,
                    "kolumn": c,
                    "matt": measures[c][0],
                    "ar": int(year),
                    "rubrik_i_kallan": measures[c][1],
                    "berakning": "",
                }
            )
        rad = 0
        groups = sorted(part.groupby("kontogrupp", sort=False), key=lambda g: order.get(g[0], len(order)))
        for kg, rows in groups:
            whole = rows[rows["verksamhet"].isna()]
            units_ = rows[rows["verksamhet"].notna()]
            rad += 1
            parent = rad
            lines = [(whole.index[0] if not whole.empty else None, kg, "", "summa" if not units_.empty else "post")]
            lines += [(idx, v, str(parent), "post") for idx, v in zip(units_.index, units_["verksamhet"])]
            for n, (idx, label, under, role) in enumerate(lines):
                number = parent + n
                for c in used:
                    values.append(
                        {
                            "tabell": tid,
                            "rad": number,
                            "post": label,
                            "summeras_i": under,
                            "roll": role,
                            "berakning": "",
                            "kolumn": c,
                            "varde": "" if idx is None else texts.get((idx, c), ""),
                        }
                    )
                if idx is not None and isinstance(part.at[idx, "kommentar"], str) and part.at[idx, "kommentar"]:
                    comments.append({"tabell": tid, "rad": number, "kommentar": part.at[idx, "kommentar"]})
            rad = parent + len(lines) - 1
    return (
        pd.DataFrame(tables),
        pd.DataFrame(columns),
        pd.DataFrame(values),
        pd.DataFrame(comments, columns=["tabell", "rad", "kommentar"]),
    )
