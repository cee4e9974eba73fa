"""Genomlysning: key figures against similar municipalities (Kolada) and the review's stated figures.

Two kinds of input, never mixed up:

* what the 2024 review (genomlysningen) *states*: single figures in its text
  (``genomlysning_uppgifter.csv``) and its two tables "Möjlig förflyttning"
  (``genomlysning_forflyttning.csv``);
* values *fetched* from Kolada (``data/<org>/kolada/varden.csv``, see :mod:`rapportbok.data.kolada`).

A stated change (e.g. "+65 procent 2018–2023") is shown as stated; it is never turned into a
series. Where a stated figure has a Kolada KPI id and fetched values exist for the same
period, both are shown side by side.

Everything here is a pure function of its arguments (no I/O except :func:`directions`,
which reads ``kolada.yml``). Formulas:

* change between two years, per cent: ``(v1 - v0) / v0 * 100``; index: ``v1 / v0 * 100``
  (base year = 100);
* ratio to a comparison: ``own / comparison``;
* gap: ``own - comparison`` in the KPI's unit; "worse by" is the gap in the direction that
  counts as worse (``own - comparison`` when lower is better, ``comparison - own`` when higher
  is better);
* förändringsutrymme (only for kr/inv KPIs with a direction): ``worse_by * population / 1e6``
  mnkr; negative means the organisation is already better than the comparison;
* rank among all municipalities (1 = lowest value) and percentile ``share with a value
  <= own * 100``, only when every municipality behind Kolada's all-municipality group had a
  value in the stored data.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import pandas as pd

from rapportbok.data import kolada
from rapportbok.data.review import HIGHER, LOWER

# --- KPI configuration ------------------------------------------------------------------------

POPULATION_KPI = "N01951"  # Invånare totalt, antal (Kolada; SCB)


ALL_MUNICIPALITIES_GROUP = "G2328"  # Alla kommuner (ovägt medel)


DIRECTION_WORDS = {LOWER: "lägre är bättre", HIGHER: "högre är bättre", None: "ingen riktning angiven"}


# Which Kolada group and own group fit a KPI (by the words in the group's title).
AREA_OF_KPI = {
    "N31001": "ekonomiskt bistånd",
    "N31814": "ekonomiskt bistånd",
    "N31807": "ekonomiskt bistånd",
    "N40008": "arbetsmarknad",
    "U40455": "arbetsmarknad",
    "N03937": "arbetsmarknad",
    "N03952": "arbetsmarknad",
    "N33001": "IFO",
    "N33007": "IFO",
    "N33008": "IFO",
    "N33009": "IFO",
    "U33401": "IFO",
    "N30001": "IFO",
    "N33802": "IFO",
    "N30101": "IFO",
}


def unit_of(title: str | None) -> str:
    """The KPI's unit from its Kolada title: 'kr/inv', '%', 'dagar', 'antal' or ''."""
    t = (title or "").lower()
    if "kr/inv" in t:
        return "kr/inv"
    if "(%)" in t or "andel" in t:
        return "%"
    if "dagar" in t:
        return "dagar"
    if "antal" in t:
        return "antal"
    return ""


# --- comparisons ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    key: str  # municipality id, Kolada group id or own-group name
    label: str
    kind: str  # "org", "kommun", "kolada", "egen"
    members: tuple[str, ...] = field(default=())

    @property
    def source(self) -> str:
        return kolada.OWN_PROCESSING_LABEL if self.kind == "egen" else kolada.SOURCE_LABEL


def comparisons(config: kolada.KoladaConfig, org_id: str) -> list[Comparison]:
    """The organisation, the other municipalities, Kolada's groups and the own groups, in that order."""
    out = [Comparison(org_id, config.municipalities.get(org_id, org_id), "org")]
    out += [Comparison(m, name, "kommun") for m, name in config.municipalities.items() if m != org_id]
    out += [Comparison(g, title, "kolada") for g, title in config.groups.items()]
    out += [
        Comparison(name, name + " (egen beräkning)", "egen", tuple(members))
        for name, members in config.own_groups.items()
    ]
    return out


def relevant(comps: list[Comparison], kpi: str) -> list[Comparison]:
    """For a chart: the organisation, single municipalities, the all-municipality group and the groups of the KPI's area."""
    area = AREA_OF_KPI.get(kpi)
    out = []
    for c in comps:
        if c.kind in ("org", "kommun") or c.key == ALL_MUNICIPALITIES_GROUP:
            out.append(c)
        elif area and area.lower() in c.label.lower():
            out.append(c)
    return out


def kpi_long(values: pd.DataFrame, comps: list[Comparison], kpi: str, gender: str = "T") -> pd.DataFrame:
    """Values per comparison and year: columns serie, kind, period, value, n (members with values), n_total.

    For a municipality ``n`` is 1 with a value, else 0; for a Kolada group it is Kolada's
    ``count`` (members behind the mean); for an own group, the members with a value.
    """
    v = values[(values["kpi"] == kpi) & (values["gender"] == gender)]
    rows = []
    for c in comps:
        if c.kind == "egen":
            g = kolada.own_group_mean(v, c.members)
            for r in g.itertuples(index=False):
                rows.append((c.label, c.kind, int(r.period), float(r.value), int(r.n_members), len(c.members)))
        else:
            part = v[v["municipality"] == c.key]
            for r in part.itertuples(index=False):
                has = not pd.isna(r.value)
                if c.kind == "kolada":
                    n = int(r.count) if r.count is not None and not pd.isna(r.count) else None
                else:
                    n = 1 if has else 0
                rows.append((c.label, c.kind, int(r.period), float(r.value), n, None if c.kind == "kolada" else 1))
    out = pd.DataFrame(rows, columns=["serie", "kind", "period", "value", "n", "n_total"])
    return out.sort_values(["period", "serie"], kind="mergesort").reset_index(drop=True)


def wide(long: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """Years as rows, one column per series (in ``order``); NaN where no value."""
    if long.empty:
        return pd.DataFrame(columns=["År", *order])
    t = long.pivot(index="period", columns="serie", values="value")
    t = t.reindex(columns=[o for o in order if o in t.columns])
    return t.rename_axis("År").reset_index().rename_axis(None, axis=1)


# --- pure computations ------------------------------------------------------------------------


def _float_or_none(x) -> float | None:
    if x is None:
        return None
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def change_pct(v0, v1) -> float | None:
    """``(v1 - v0) / v0 * 100``; None when a value is missing or the base is 0."""
    a, b = _float_or_none(v0), _float_or_none(v1)
    if a is None or b is None or a == 0:
        return None
    return (b - a) / a * 100


def index_value(v0, v1) -> float | None:
    """``v1 / v0 * 100`` (base year = 100)."""
    a, b = _float_or_none(v0), _float_or_none(v1)
    if a is None or b is None or a == 0:
        return None
    return b / a * 100


def index_series(s: pd.Series, base) -> pd.Series:
    """A series as an index with ``s[base] == 100``; all NaN when the base value is missing or 0."""
    b = _float_or_none(s.get(base))
    if b is None or b == 0:
        return s * math.nan
    return s / b * 100


def ratio(own, comp) -> float | None:
    a, b = _float_or_none(own), _float_or_none(comp)
    if a is None or b is None or b == 0:
        return None
    return a / b


def worse_by(own, comp, direction: str | None) -> float | None:
    """How much worse the organisation is than the comparison, in the KPI's unit (negative = better)."""
    a, b = _float_or_none(own), _float_or_none(comp)
    if a is None or b is None or direction not in (LOWER, HIGHER):
        return None
    return a - b if direction == LOWER else b - a


def change_room_mnkr(own, comp, population, direction: str | None) -> float | None:
    """Förändringsutrymme in mnkr for a kr/inv KPI: ``worse_by * population / 1e6``."""
    w, p = worse_by(own, comp, direction), _float_or_none(population)
    if w is None or p is None:
        return None
    return w * p / 1e6


@dataclass(frozen=True)
class Rank:
    n: int  # municipalities with a value
    expected: int  # municipalities that should have one
    rank_low: int  # 1 = the lowest value
    percentile: float  # share of municipalities with a value <= the organisation's, per cent
    rank_best: int  # 1 = the best given the direction (= rank_low when lower is better)


def rank(by_municipality: pd.Series, org_id: str, direction: str | None, expected: int | None) -> Rank | None:
    """Rank and percentile among all municipalities, or None unless all ``expected`` had values.

    ``by_municipality`` holds values indexed by municipality id (groups G... are ignored).
    """
    s = by_municipality[[bool(re.fullmatch(r"\d{4}", str(i))) for i in by_municipality.index]].dropna()
    own = _float_or_none(s.get(org_id))
    if own is None or not expected or len(s) < expected:
        return None
    n = len(s)
    rank_low = int((s < own).sum()) + 1
    rank_high = int((s > own).sum()) + 1
    pct = float((s <= own).sum()) / n * 100
    return Rank(n, int(expected), rank_low, pct, rank_high if direction == HIGHER else rank_low)


def latest_common_year(wide_table: pd.DataFrame, org_label: str, max_year: int | None = None) -> int | None:
    """The latest year (<= ``max_year``) with a value for the organisation."""
    if org_label not in wide_table.columns:
        return None
    t = wide_table[wide_table[org_label].notna()]
    if max_year is not None:
        t = t[t["År"] <= max_year]
    return None if t.empty else int(t["År"].max())


# --- stated figures ---------------------------------------------------------------------------


def signed(row) -> float | None:
    """The stated value with the sign of its direction (a stated 'minskning' of 5 -> -5)."""
    v = _float_or_none(row["varde"])
    if v is None:
        return None
    return -v if row.get("riktning") == "minskning" else v


def stated_vs_fetched(stated: pd.DataFrame, values: pd.DataFrame | None, names: dict[str, str]) -> pd.DataFrame:
    """Rows with a KPI id, their stated figure and the same figure computed from fetched values.

    ``names`` maps the ``avser`` text of a stated row to a municipality or group id (e.g.
    'Alingsås' -> '1489', 'Genomsnittskommunen (ovägt medel)' -> 'G2328'). Handled measures:
    'förändring' (per cent between period_fran and period_till), 'procentenheter' (difference)
    and 'nivå'/'andel' for one year. Everything else gets a reason instead of a number.
    Columns: id, kpi, amne, avser, matt, period, angivet, beraknat, enhet, kommentar.
    """
    rows = []
    for _, r in stated[stated["kpi"].notna()].iterrows():
        y0, y1 = r["period_fran"], r["period_till"]
        period = "" if pd.isna(y1) else (str(int(y1)) if pd.isna(y0) or y0 == y1 else f"{int(y0)}–{int(y1)}")
        if _float_or_none(r["varde"]) is None:
            angivet = f"{fmt_range(r)}"
        else:
            angivet = signed(r)
        computed, note = None, ""
        mid = names.get(r["avser"])
        if values is None:
            note = "Inga Kolada-värden hämtade."
        elif r["kpi"] not in set(values["kpi"]):
            note = "Nyckeltalet finns inte bland de hämtade värdena (lägg till det i kolada.yml)."
        elif mid is None:
            note = "Avser flera kommuner eller en grupp som inte kan återskapas."
        elif pd.isna(y1):
            note = "Källan anger inget år."
        else:
            s = values[(values["kpi"] == r["kpi"]) & (values["municipality"] == mid) & (values["gender"] == "T")]
            s = s.set_index("period")["value"]
            v1 = s.get(int(y1))
            if r["matt"] in ("förändring", "procentenheter"):
                v0 = None if pd.isna(y0) else s.get(int(y0))
                if r["matt"] == "förändring":
                    computed = change_pct(v0, v1)
                else:
                    computed = (
                        None if _float_or_none(v0) is None or _float_or_none(v1) is None else float(v1) - float(v0)
                    )
            elif r["matt"] in ("nivå", "andel") and (pd.isna(y0) or y0 == y1):
                computed = _float_or_none(v1)
            else:
                note = "Måttet jämförs inte automatiskt."
            if computed is None and not note:
                note = "Kolada-värde saknas för perioden."
        rows.append(
            {
                "id": r["id"],
                "kpi": r["kpi"],
                "amne": r["amne"],
                "avser": r["avser"],
                "matt": r["matt"],
                "period": period,
                "angivet": angivet,
                "kvalifikator": r["kvalifikator"] or "",
                "beraknat": computed,
                "enhet": r["enhet"],
                "kommentar": note,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "id",
            "kpi",
            "amne",
            "avser",
            "matt",
            "period",
            "angivet",
            "kvalifikator",
            "beraknat",
            "enhet",
            "kommentar",
        ],
    )


def fmt_range(row) -> str:
    from rapportbok.core import fmt

    lo, hi = row["varde_lag"], row["varde_hog"]
    sign = "−" if row.get("riktning") == "minskning" else ""
    return f"{sign}{fmt.number(lo, 0)} till {sign}{fmt.number(hi, 0)}"


# --- savings tables ---------------------------------------------------------------------------


def savings_totals(df: pd.DataFrame) -> pd.DataFrame:
    """Sum of besparing_mnkr_per_ar per table (area) and in all: columns tabell, omrade, rader, summa_mnkr.

    The review states no totals; these are own calculations.
    """
    g = (
        df.groupby(["tabell", "omrade"], sort=False)["besparing_mnkr_per_ar"]
        .agg(rader="count", summa_mnkr="sum")
        .reset_index()
    )
    total = pd.DataFrame(
        [
            {
                "tabell": "Totalt",
                "omrade": "Båda områdena",
                "rader": int(g["rader"].sum()),
                "summa_mnkr": float(df["besparing_mnkr_per_ar"].sum()),
            }
        ]
    )
    return pd.concat([g, total], ignore_index=True)


def savings_checks(df: pd.DataFrame) -> list[dict]:
    """Per table: whether the review states a total, and the total computed from the rows."""
    out = []
    for tabell, part in df.groupby("tabell", sort=False):
        out.append(
            {
                "tabell": tabell,
                "angiven_summa": None,  # the review's tables have no total row
                "summa_rader": float(part["besparing_mnkr_per_ar"].sum()),
                "rader": len(part),
                "ackumuleras": int((part["ackumuleras"] == "ja").sum()),
            }
        )
    return out


# --- comparisons the review itself states -----------------------------------------------------------


def stated_comparisons(stated: pd.DataFrame) -> list[pd.DataFrame]:
    """The comparisons the review states in its text, without anything fetched from Kolada.

    A comparison is the stated figures of one subject and measure (``amne``, ``matt``, ``enhet``)
    for at least two different organisations or groups (``avser``): e.g. the change 2018–2022 in the
    share receiving ekonomiskt bistånd for Alingsås, Kungälv, Ale, liknande kommuner and the
    genomsnittskommun. Each is the review's rows in their order; figures are the stated ones
    (``signed``: a stated decrease is negative), a stated range keeps ``varde_lag``/``varde_hog``.
    """
    if stated is None or stated.empty:
        return []
    out = []
    keys = ["amne", "matt", "enhet"]
    for _, part in stated.groupby(keys, sort=False, dropna=False):
        if len(part) >= 2 and part["avser"].nunique() >= 2:
            out.append(part.copy())
    return out
