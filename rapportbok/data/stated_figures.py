"""Stated figures: single facts a source document states in its text (uppgifter.csv).

Each fact says what it is (``begrepp``: a deficit, a deviation, a plan's effect, a kommunbidrag …), the
year or date it is about (``ar``, ``per``) and its basis (``grund``: bokslut, budget, prognos, utfall,
plan or the source's own assessment), so that no page compares figures of different periods or bases.
An amount may be approximate (``ungefarlig``: omkring, minst, högst; :data:`APPROX`), the one flag every
stated amount of the book uses; and a statement may have no amount at all (the nämnd did not keep within
its ram), recorded with its citation. :func:`facts` gives them as :class:`StatedFact` values.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from rapportbok.core import units
from rapportbok.data import citation
from rapportbok.data.schema import Col, Issue, TableSpec

# The basis of a figure: a closed year (bokslut), a budget, a forecast for the year, an outcome to a date,
# a plan's intention, or the source's own assessment in words.
BASES = ("bokslut", "budget", "prognos", "utfall", "plan", "bedömning")
BASIS_TEXT = {
    "bokslut": "bokslut (utfallet för ett avslutat år)",
    "budget": "budget",
    "prognos": "prognos för helåret",
    "utfall": "utfall hittills under året",
    "plan": "en plans avsikt (t.ex. en åtgärdsplans effekt)",
    "bedömning": "källans bedömning i ord, utan belopp",
}

# How exactly a source states an amount: the one flag for every stated amount (uppgifter.csv,
# atgardsplan_summor.csv). "omkring" covers omkring, cirka, runt, ungefär; "minst" and "högst" are bounds.
APPROX = ("nej", "omkring", "minst", "högst")
APPROX_DOC = (
    "Valfri: hur källan anger beloppet: nej (exakt, eller tom), omkring (omkring, cirka, runt, ungefär), "
    "minst eller högst. Ett ungefärligt belopp jämförs inom sin precision, på varje sida på samma sätt"
)

# What a stated fact is.
CONCEPTS = (
    "underskott",
    "avvikelse",
    "resultat",
    "planerad effekt",
    "helårseffekt",
    "faktisk effekt",
    "kommunbidrag",
    "nettokostnad",
    "antal åtgärder",
    "annat",
)
DEFICIT, DEVIATION, RESULT, PLANNED, FULL_YEAR, ACTUAL = CONCEPTS[:6]
COUNT_OF_MEASURES = "antal åtgärder"
# Facts about the committee's economic position in the year (the answer's inputs, analysis.position).
POSITION_CONCEPTS = (DEFICIT, DEVIATION, RESULT)

UPPGIFTER = TableSpec(
    "uppgifter.csv",
    "Uppgifter som källorna anger i text",
    (
        Col("id", doc="Kort unikt id för uppgiften"),
        Col("beskrivning", doc="Vad uppgiften är, med källans ord"),
        Col(
            "begrepp",
            "choice",
            choices=CONCEPTS,
            doc="Vad uppgiften anger: underskott, avvikelse (mot budget eller ram), resultat, planerad effekt "
            "(en plans effekt ett år), helårseffekt, faktisk effekt, kommunbidrag, nettokostnad, antal åtgärder "
            "eller annat",
        ),
        Col(
            "varde",
            "decimal",
            required=False,
            doc="Beloppet som i källan, med källans tecken och decimaler (−99, 12,4); tom när källan säger något "
            "utan belopp (t.ex. att nämnden inte höll sin ram)",
        ),
        Col("enhet", required=False, doc="Beloppets enhet: kr, tkr, mnkr eller t.ex. st; tom utan belopp"),
        Col("ungefarlig", "choice", choices=APPROX, required=False, may_omit=True, doc=APPROX_DOC),
        Col("ar", "year", required=False, doc="Året som uppgiften gäller (t.ex. 2023 för bokslutet 2023)"),
        Col(
            "per",
            "date",
            required=False,
            doc="Datumet som uppgiften gäller, ÅÅÅÅ-MM-DD (t.ex. prognosen i februarirapporten: 2018-02-28); "
            "ar eller per, eller båda, anges för varje uppgift utom en helårseffekt",
        ),
        Col(
            "grund",
            "choice",
            choices=BASES,
            doc="Vad uppgiften bygger på: " + "; ".join(f"{k} = {v}" for k, v in BASIS_TEXT.items()),
        ),
        Col("avser", required=False, doc="Vems uppgiften är, t.ex. nämnden eller en plan (som i källan)"),
        Col("kalla", doc="Källans id ur data/kallor.csv"),
        Col("avsnitt", doc="Avsnitt i källan"),
        Col("citat", doc="Meningen ordagrant ur källan"),
    ),
    key=("id",),
    doc="Enstaka uppgifter som källorna anger i löptext, med eller utan belopp, t.ex. ett underskott i "
    "bokslutet eller att nämnden inte håller sin ram; en rad per uppgift.",
)


def cross_check(data: dict, org: str) -> list[Issue]:
    """An amount has a unit; a fact names its year or date (a helårseffekt may name neither)."""
    up = data.get("uppgifter")
    if up is None:
        return []
    label = f"{org}/{UPPGIFTER.filename}"
    issues = []
    for idx, r in up.iterrows():
        if r["varde"] is not None and not r["enhet"]:
            issues.append(Issue(label, int(idx), "enhet", "", "enheten (t.ex. mnkr, tkr eller st) när ett värde anges"))
        if r["varde"] is None and r["enhet"]:
            issues.append(
                Issue(label, int(idx), "varde", "", f"ett värde i enheten {r['enhet']}, eller en tom cell i enhet")
            )
        if r["varde"] is None and r["ungefarlig"] not in (None, "nej"):
            issues.append(
                Issue(label, int(idx), "ungefarlig", r["ungefarlig"], "en tom cell (ungefärlig gäller ett belopp)")
            )
        if pd.isna(r["ar"]) and r["per"] is None and r["begrepp"] != FULL_YEAR:
            issues.append(
                Issue(
                    label,
                    int(idx),
                    "ar",
                    "",
                    "året (ar) eller datumet (per) som uppgiften gäller, t.ex. 2023 för bokslutet 2023",
                )
            )
    return issues


DATASETS = {"uppgifter": (UPPGIFTER, None)}
CROSS_CHECKS = [cross_check]


@dataclass(frozen=True)
class StatedFact:
    """One fact a source states: what it is, its amount as stated (or none), its year or date and basis."""

    id: str
    description: str
    concept: str
    value: Decimal | None
    unit: str
    approx: str  # "nej", "omkring", "minst", "högst"
    year: int | None
    per: dt.date | None
    basis: str
    whose: str
    kalla: str
    avsnitt: str
    quote: str
    source: str = ""  # the source's citation label (Källa: …)

    @property
    def has_amount(self) -> bool:
        return self.value is not None

    @property
    def is_money(self) -> bool:
        return self.unit in units.UNITS

    @property
    def tkr(self) -> float | None:
        """The amount in tkr (None without an amount or in another unit than kr, tkr, mnkr)."""
        return units.to_tkr(float(self.value), self.unit) if self.has_amount and self.is_money else None

    @property
    def decimals(self) -> int:
        """The decimals the source prints the amount with (12,4 -> 1; 99 -> 0)."""
        return max(0, -self.value.as_tuple().exponent) if self.has_amount else 0

    @property
    def period_year(self) -> int | None:
        """The year the fact is about: ``ar``, else the year of ``per``."""
        return self.year if self.year is not None else (self.per.year if self.per is not None else None)


def facts(data: dict) -> list[StatedFact]:
    """The organisation's stated facts (validated uppgifter.csv) as values, in the file's order."""
    up = data.get("uppgifter")
    if up is None:
        return []
    register = data.get(citation.REGISTER)
    return [
        StatedFact(
            r["id"],
            r["beskrivning"],
            r["begrepp"],
            r["varde"],
            r["enhet"] or "",
            r["ungefarlig"] or "nej",
            None if pd.isna(r["ar"]) else int(r["ar"]),
            r["per"],
            r["grund"],
            r["avser"] or "",
            r["kalla"],
            r["avsnitt"],
            r["citat"],
            citation.label(register, r["kalla"]),
        )
        for r in up.to_dict("records")
    ]
