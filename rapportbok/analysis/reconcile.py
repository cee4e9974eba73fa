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

import os
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
    dedup: bool = False  # the difference is the book's own removal of a double count
    # Stated tables (rapportbok.analysis.stated_tables): the tolerance computed from each term's printed
    # precision, and no extra one-unit leeway in kind() (beyond the tolerance is a mismatch).
    tol: float | None = None
    strict: bool = False
    # Where the compared figure comes from, in the message: the rows summed, or (a link between two
    # stated tables) the other table.
    computed_from: str = "raderna ger"

    @property
    def difference(self) -> float:
        return self.computed - self.stated

    @property
    def rounding_tolerance(self) -> float:
        if self.tol is not None:
            return self.tol + 1e-9
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
            f"{self.computed_from} {fmt.unit(self.computed, u, max(self.decimals, 0))} "
            f"(skillnad {fmt.unit(self.difference, u, max(self.decimals, 0), sign=True)}). {self.where}"
        )


# What a check found, in the reader's words (kind): the figures agree; they differ by rounding
# (within half a unit of the stated decimal, or by at most one unit of an amount, e.g. 1 tkr);
# they differ because the book counts a measure once that the source counts twice; a real mismatch.
AGREES, ROUNDING, DEDUP, MISMATCH = "stämmer", "avrundning", "dubbelräkning", "avvikelse"
KIND_LABEL = {
    AGREES: "Stämmer",
    ROUNDING: "Avrundning",
    DEDUP: "Bokens rensning av dubbelräkning",
    MISMATCH: "Avvikelse i källan",
}
AMOUNT_UNITS = ("tkr", "mnkr", "kr", "%")  # units where a difference of one unit can be rounding


def kind(f: Finding) -> str:
    if f.ok:
        return ROUNDING if f.rounding else AGREES
    if f.dedup:
        return DEDUP
    if f.unit in AMOUNT_UNITS and not f.strict and abs(f.difference) <= f.terms * 10 ** (-f.decimals) + 1e-9:
        return ROUNDING
    return MISMATCH


def real_mismatches(findings: list[Finding]) -> list[Finding]:
    """Mismatches that are neither rounding nor the book's own removal of a double count."""
    return [f for f in findings if kind(f) == MISMATCH]


def summary_text(findings: list[Finding]) -> str:
    """One line: how many checks, how many agree, round, are the book's de-duplication, differ."""
    if not findings:
        return "Inga summor att stämma av."
    n = {k: sum(1 for f in findings if kind(f) == k) for k in (AGREES, ROUNDING, DEDUP, MISMATCH)}
    parts = [f"{fmt.number(n[AGREES])} stämmer"]
    if n[ROUNDING]:
        strict = all(f.strict for f in findings if kind(f) == ROUNDING)  # stated tables: the print-precision tolerance
        note = "(inom en halv enhet i sista decimalen per tal)" if strict else "(högst en enhet)"
        parts.append(f"{fmt.number(n[ROUNDING])} avrundning{'ar' if n[ROUNDING] != 1 else ''} {note}")
    if n[DEDUP]:
        parts.append(f"{fmt.number(n[DEDUP])} där boken inte räknar samma åtgärd två gånger")
    parts.append(
        f"{fmt.number(n[MISMATCH])} verklig{'a' if n[MISMATCH] != 1 else ''} avvikelse{'r' if n[MISMATCH] != 1 else ''}"
        if n[MISMATCH]
        else "ingen verklig avvikelse"
    )
    total = len(findings)
    return (
        f"{fmt.number(total)} kontroll{'er' if total != 1 else ''}: "
        + ", ".join(parts[:-1])
        + (" och " if len(parts) > 1 else "")
        + parts[-1]
        + "."
    )


def explain(f: Finding) -> str:
    """A finding that is not plainly 'stämmer', with what it is in plain words."""
    what = {
        ROUNDING: "Avrundning",
        DEDUP: "Bokens egen rensning: källans summa räknar en åtgärd två gånger, boken en gång",
        MISMATCH: "Avvikelse i källan",
    }.get(kind(f), "Stämmer")
    return (
        f"{what}. {f.check}: källan anger {fmt.unit(f.stated, f.unit, f.decimals)}, {f.computed_from} "
        f"{fmt.unit(f.computed, f.unit, max(f.decimals, 0))} (skillnad {fmt.unit(f.difference, f.unit, max(f.decimals, 0), sign=True)})."
    )


def common_source(wheres: list[str]) -> str:
    """The part of the citations all rows share (the document, cut after a whole item), or ''."""
    wheres = [w for w in wheres if w]
    if not wheres:
        return ""
    common = os.path.commonprefix(wheres)
    if all(w == common for w in wheres):
        return common
    depth, cut = 0, 0
    for i, ch in enumerate(common):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif depth == 0 and common.startswith(", ", i):
            cut = i
    return common[:cut]


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


def _shown_decimals(f: Finding) -> int:
    """Decimals of a recomputed figure: one more than stated, except for a stated table's figures
    (sums of printed figures have the printed precision; never more precise than the source)."""
    if f.strict:
        return max(f.decimals, 0)
    return max(f.decimals, 0) + (1 if f.decimals else 0)


def table(findings: list[Finding], cited: str = "") -> pd.DataFrame:
    """The findings as a table for the book (Swedish column names, numbers formatted per finding).

    ``cited``: the citation the table's source line gives once (common_source); it is cut from
    each row's "Var i källan", and the column is left out when nothing else remains.
    """
    t = pd.DataFrame(
        {
            "Kontroll": [f.check for f in findings],
            "Enligt källan": [("omkring " if f.approx else "") + fmt.number(f.stated, f.decimals) for f in findings],
            "Omräknat": [fmt.number(f.computed, _shown_decimals(f)) for f in findings],
            "Skillnad": [fmt.number(f.difference, _shown_decimals(f), sign=True) for f in findings],
            "Enhet": [f.unit for f in findings],
            "Resultat": [KIND_LABEL[kind(f)] for f in findings],
            "Var i källan": [f.where[len(cited) :].removeprefix(", ") if cited else f.where for f in findings],
        }
    )
    if t["Var i källan"].eq("").all():
        t = t.drop(columns="Var i källan")
    return t


def mismatches(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if not f.ok]
