"""The genomlysning's input files: the review's stated figures and its "Möjlig förflyttning" tables.

Also which direction counts as better per key figure (``battre`` in kolada.yml, else the
defaults here). Values fetched from Kolada are :mod:`rapportbok.data.kolada`; the comparisons
are :mod:`rapportbok.analysis.review`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from rapportbok.data import kolada
from rapportbok.data.schema import Col, Issue, TableSpec

# --- datasets -------------------------------------------------------------------------------

MATT = ("förändring", "kvot", "procentenheter", "andel", "percentil", "nivå", "antal")


UPPGIFTER = TableSpec(
    "genomlysning_uppgifter.csv",
    "Nyckeltal som genomlysningen anger i text",
    (
        Col("id", doc="Kort unikt id"),
        Col("avsnitt", doc="Avsnitt i genomlysningen"),
        Col("amne", doc="Vad uppgiften gäller"),
        Col("kpi", required=False, doc="Koladas nyckeltals-id när uppgiften motsvarar ett nyckeltal"),
        Col(
            "matt",
            "choice",
            choices=MATT,
            doc="Vad talet är: förändring, kvot, procentenheter, andel, percentil, nivå eller antal",
        ),
        Col("varde", "number", required=False, doc="Värdet som i källan (utan tecken; se riktning)"),
        Col("kvalifikator", required=False, doc="T.ex. 'ungefär', 'drygt', 'mer än'"),
        Col("varde_lag", "number", required=False, doc="Lägsta värdet när källan anger ett intervall"),
        Col("varde_hog", "number", required=False, doc="Högsta värdet när källan anger ett intervall"),
        Col("enhet", doc="Talets enhet som i källan, t.ex. procent, kr per invånare eller gånger"),
        Col("avser", doc="Kommun eller grupp som uppgiften avser"),
        Col("period_fran", "year", required=False, doc="Första året i perioden som uppgiften gäller"),
        Col("period_till", "year", required=False, doc="Sista året i perioden som uppgiften gäller"),
        Col(
            "riktning",
            "choice",
            required=False,
            choices=("ökning", "minskning"),
            doc="ökning eller minskning när källan anger talet utan tecken men säger åt vilket håll",
        ),
        Col("kalla", doc="Genomlysningens id i data/kallor.csv"),
        Col("citat", doc="Meningen ordagrant ur källan"),
    ),
    key=("id",),
    doc="Nyckeltal och jämförelser som genomlysningen anger i text, en rad per uppgift.",
)


FORFLYTTNING = TableSpec(
    "genomlysning_forflyttning.csv",
    "Möjlig förflyttning enligt genomlysningen",
    (
        Col("tabell", doc="Tabellens rubrik i källan"),
        Col("rad", "int", sign="+", doc="Radens nummer i källans tabell"),
        Col("mojlighet", doc="Möjligheten som i tabellen"),
        Col("beskrivning", doc="Beskrivningen som i tabellen"),
        Col("genomforbarhet", doc="Genomförbarheten som i tabellen"),
        Col("kategori", doc="Kategorin som i tabellen"),
        Col(
            "besparing_mnkr_per_ar",
            "number",
            sign="+",
            doc="Besparingen i mnkr per år, samma belopp som i besparing_text",
        ),
        Col("besparing_text", doc="Besparingsmöjligheten ordagrant ur tabellen"),
        Col(
            "ackumuleras",
            "choice",
            choices=("ja", "nej"),
            doc="ja när tabellen säger att besparingen ackumuleras (växer för varje år), annars nej",
        ),
        Col("omrade", doc="Området som tabellen gäller, t.ex. Ekonomiskt bistånd och arbetsmarknad"),
        Col("sikt", doc="Tidsperspektivet som i tabellen, t.ex. vidare lokal utredning"),
        Col("grund", doc="Meningen i texten som beloppet bygger på"),
        Col("kalla"),
        Col("avsnitt"),
    ),
    key=("tabell", "rad"),
    doc="Genomlysningens tabeller ”Möjlig förflyttning”, en rad per möjlighet.",
)


def _uppgifter_issues(df: pd.DataFrame, spec: TableSpec, label: str) -> list[Issue]:
    issues = []
    for idx, row in df.iterrows():
        single = not pd.isna(row["varde"])
        lo, hi = row["varde_lag"], row["varde_hog"]
        ranged = not pd.isna(lo) and not pd.isna(hi)
        if single == ranged:
            issues.append(
                Issue(
                    label,
                    int(idx),
                    "varde",
                    "" if not single else str(row["varde"]),
                    "antingen varde eller både varde_lag och varde_hog",
                )
            )
        elif ranged and lo > hi:
            issues.append(Issue(label, int(idx), "varde_lag", str(lo), "ett tal som inte är större än varde_hog"))
        if row["kpi"] and not re.fullmatch(r"[A-Z][0-9]{5}", str(row["kpi"])):
            issues.append(Issue(label, int(idx), "kpi", str(row["kpi"]), "ett Kolada-id som N31001"))
        if (
            not pd.isna(row["period_fran"])
            and not pd.isna(row["period_till"])
            and row["period_fran"] > row["period_till"]
        ):
            issues.append(
                Issue(
                    label, int(idx), "period_fran", str(row["period_fran"]), "ett år som inte är senare än period_till"
                )
            )
    return issues


def _forflyttning_issues(df: pd.DataFrame, spec: TableSpec, label: str) -> list[Issue]:
    issues = []
    for idx, row in df.iterrows():
        stated = text_amount_mnkr(row["besparing_text"])
        if stated is None:
            issues.append(Issue(label, int(idx), "besparing_text", row["besparing_text"], "ett belopp som '1,0 mnkr'"))
        elif abs(stated - row["besparing_mnkr_per_ar"]) > 1e-9:
            issues.append(
                Issue(
                    label,
                    int(idx),
                    "besparing_mnkr_per_ar",
                    str(row["besparing_mnkr_per_ar"]),
                    f"samma belopp som i besparing_text ({row['besparing_text']})",
                )
            )
    return issues


DATASETS = {
    "genomlysning_uppgifter": (UPPGIFTER, _uppgifter_issues),
    "genomlysning_forflyttning": (FORFLYTTNING, _forflyttning_issues),
}


LOWER, HIGHER = "lagre", "hogre"


# Used when kolada.yml has no 'battre' mapping. Costs, shares of recipients, unemployment,
# investigation time: lower counts as better; results of labour-market measures: higher.
DEFAULT_DIRECTIONS: dict[str, str] = {
    "N31001": LOWER,
    "N31814": LOWER,
    "N31807": LOWER,
    "N40008": LOWER,
    "U40455": HIGHER,
    "N03937": LOWER,
    "N03952": LOWER,
    "N33001": LOWER,
    "N33007": LOWER,
    "N33008": LOWER,
    "N33009": LOWER,
    "U33401": LOWER,
    "N30001": LOWER,
    "N33802": LOWER,
}


def directions(org_dir: Path | str, kpis: list[str]) -> dict[str, str | None]:
    """Direction that counts as better per KPI: ``kolada.yml``'s ``battre`` mapping, else the defaults."""
    path = Path(org_dir) / kolada.CONFIG_FILE
    configured: dict[str, Any] = {}
    if path.exists():
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        configured = raw.get("battre") or {}
    out: dict[str, str | None] = {}
    for k in kpis:
        d = configured.get(k, DEFAULT_DIRECTIONS.get(k))
        if d not in (LOWER, HIGHER, None):
            raise kolada.KoladaConfigError(f"{path}: 'battre' för {k} måste vara 'lagre' eller 'hogre', inte {d!r}.")
        out[k] = d
    return out


def text_amount_mnkr(text: str) -> float | None:
    """The first amount in mnkr in a text: '1,0 mnkr per år' -> 1.0."""
    m = re.search(r"(\d+(?:[,.]\d+)?)\s*mnkr", text or "")
    return float(m.group(1).replace(",", ".")) if m else None
