"""Avstämning: recompute every stated subtotal and total and list each mismatch with both figures.

The source is never corrected. A check compares a figure the source states with the same
figure recomputed from the rows the source gives. Amounts in tkr tables are whole numbers and
must agree exactly. A figure stated rounded (``11,2 mnkr``, ``4,6 procent``) agrees when the
difference is within half a unit of its last stated decimal (0,05 mnkr, 0,05 procentenheter),
or for a sum of k such figures k half units: such differences are shown as rounding, not as errors.

A figure the source states as approximate ("omkring 40 miljoner", "cirka", "runt"; marked
``ungefarlig = ja`` in the input) is not compared as if exact: it agrees "ungefär" when the
recomputed figure is within ``APPROX_SHARE`` (10 %) of the stated one, and is a mismatch only
beyond that.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from rapportbok.core import fmt

# An approximate stated figure agrees when the recomputed one is within this share of it.
APPROX_SHARE = 0.10


@dataclass(frozen=True)
class Finding:
    check: str  # what is checked, in Swedish
    stated: float
    computed: float
    unit: str  # "tkr", "mnkr", "%", "st"
    where: str  # source document and table or section
    decimals: int = 0  # decimals of the stated figure(s); sets the rounding tolerance
    terms: int = 1  # how many rounded stated figures the compared value adds up
    approx: bool = False  # the source states the figure as approximate ("omkring", "cirka", "runt")

    @property
    def difference(self) -> float:
        return self.computed - self.stated

    @property
    def rounding_tolerance(self) -> float:
        return self.terms * 0.5 * 10 ** (-self.decimals) + 1e-9

    @property
    def tolerance(self) -> float:
        if self.approx:
            return max(self.rounding_tolerance, APPROX_SHARE * abs(self.stated) + 1e-9)
        return self.rounding_tolerance

    @property
    def ok(self) -> bool:
        return abs(self.difference) <= self.tolerance

    @property
    def rounding(self) -> bool:
        return self.ok and abs(self.difference) > 1e-9

    @property
    def approximately(self) -> bool:
        """Agrees only because the stated figure is approximate (beyond rounding, within APPROX_SHARE)."""
        return self.approx and self.ok and abs(self.difference) > self.rounding_tolerance

    @property
    def verdict(self) -> str:
        if not self.ok:
            return "Avviker" + (" (mer än 10 % från ett ungefärligt belopp)" if self.approx else "")
        if self.approximately:
            return "Stämmer ungefär (källan anger ett ungefärligt belopp)"
        return "Stämmer (avrundning)" if self.rounding else "Stämmer"

    def text(self) -> str:
        u = self.unit
        return (
            f"{self.check}: källan anger {'omkring ' if self.approx else ''}{fmt.unit(self.stated, u, self.decimals)}, "
            f"raderna ger {fmt.unit(self.computed, u, max(self.decimals, 0))} "
            f"(skillnad {fmt.unit(self.difference, u, max(self.decimals, 0), sign=True)}). {self.where}"
        )


def tree_checks(
    df: pd.DataFrame,
    where: str,
    label: str = "post",
    parent: str = "summeras_i",
    value: str = "belopp_tkr",
    by: str = "ar",
    unit: str = "tkr",
) -> list[Finding]:
    """For each row that other rows sum into, per ``by`` value: stated against the sum of its rows."""
    findings = []
    for key, part in df.groupby(by, sort=True):
        stated = part.groupby(label, sort=False)[value].sum()
        children = part[part[parent].notna()].groupby(parent, sort=False)[value].sum(min_count=1)
        order = part.drop_duplicates(label)[label].tolist()
        for name in [n for n in order if n in children.index]:
            findings.append(
                Finding(
                    f"{name} {key} = summan av raderna under",
                    float(stated[name]),
                    float(children[name]),
                    unit,
                    where,
                )
            )
    return findings


def table(findings: list[Finding]) -> pd.DataFrame:
    """The findings as a table for the book (Swedish column names, numbers formatted per finding)."""
    return pd.DataFrame(
        {
            "Kontroll": [f.check for f in findings],
            "Enligt källan": [("omkring " if f.approx else "") + fmt.number(f.stated, f.decimals) for f in findings],
            "Omräknat": [fmt.number(f.computed, max(f.decimals, 0) + (1 if f.decimals else 0)) for f in findings],
            "Skillnad": [fmt.number(f.difference, max(f.decimals, 0) + (1 if f.decimals else 0), sign=True) for f in findings],
            "Enhet": [f.unit for f in findings],
            "Resultat": [f.verdict for f in findings],
            "Var i källan": [f.where for f in findings],
        }
    )


def mismatches(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if not f.ok]
