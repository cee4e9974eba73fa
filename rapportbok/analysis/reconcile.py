"""Avstämning: recompute every stated subtotal and total and list each mismatch with both figures.

The source is never corrected. A check compares a figure the source states with the same
figure recomputed from the rows the source gives. Amounts in tkr tables are whole numbers and
must agree exactly. A figure stated rounded (``11,2 mnkr``, ``4,6 procent``) agrees when the
difference is within half a unit of its last stated decimal (0,05 mnkr, 0,05 procentenheter),
or for a sum of k such figures k half units: such differences are shown as rounding, not as errors.

A figure the source states as approximate is never compared as if exact. The one flag for it is
``ungefarlig`` in the input (:data:`rapportbok.data.stated_figures.APPROX`), and its one rule is
:func:`within_precision`, used by the Avstämning, the summary and the answer on the year page alike:
``omkring`` (omkring, cirka, runt) agrees within ``APPROX_SHARE`` (10 %) of the stated figure (or its
rounding, if wider); ``minst`` agrees with any figure not below it, ``högst`` with any not above it (each
within its rounding). Beyond that it is a mismatch.

**One meaning of avvikelse.** :func:`kind` is what a finding is (agrees, rounding, the book's removal
of a double count, a real mismatch); the build's warnings, the chapters' counts, the summary and the
Avstämning all use it (:func:`real_mismatches`), so a rounding within the printed precision is never
counted as a mismatch anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from rapportbok.core import fmt

# An approximate ("omkring") stated figure agrees when the recomputed one is within this share of it.
APPROX_SHARE = 0.10
EXACT, ABOUT, AT_LEAST, AT_MOST = "nej", "omkring", "minst", "högst"
APPROX_WORD = {EXACT: "", ABOUT: "omkring ", AT_LEAST: "minst ", AT_MOST: "högst "}


def precision(stated: float, rounding: float, approx: str = EXACT) -> float:
    """How far a figure may be from ``stated`` and still agree with it: its rounding (half a unit of the last
    printed decimal, per rounded figure), or for ``omkring`` 10 % of it where that is wider."""
    if approx == ABOUT:
        return max(rounding, APPROX_SHARE * abs(stated))
    return rounding


def within_precision(stated: float, other: float, rounding: float, approx: str = EXACT) -> bool:
    """Whether ``other`` agrees with the stated figure within its precision (:func:`precision`); ``minst``
    and ``högst`` are bounds: any figure on their side agrees."""
    diff = other - stated
    tol = precision(stated, rounding, approx) + 1e-9
    if approx == AT_LEAST:
        return diff >= -tol
    if approx == AT_MOST:
        return diff <= tol
    return abs(diff) <= tol


@dataclass(frozen=True)
class Finding:
    check: str  # what is checked, in Swedish
    stated: float
    computed: float
    unit: str  # "tkr", "mnkr", "%", "st"
    where: str  # source document and table or section
    decimals: int = 0  # decimals of the stated figure(s); sets the rounding tolerance
    terms: int = 1  # how many rounded stated figures the compared value adds up
    approx: str = EXACT  # how the source states the figure: nej (exact), omkring, minst, högst
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
    def is_approx(self) -> bool:
        return self.approx not in (EXACT, "", None)

    @property
    def tolerance(self) -> float:
        return precision(self.stated, self.rounding_tolerance, self.approx) + (1e-9 if self.approx == ABOUT else 0)

    @property
    def ok(self) -> bool:
        return within_precision(self.stated, self.computed, self.rounding_tolerance, self.approx)

    @property
    def rounding(self) -> bool:
        return self.ok and abs(self.difference) > 1e-9

    @property
    def approximately(self) -> bool:
        """Agrees only because the stated figure is approximate (beyond its rounding)."""
        return self.is_approx and self.ok and abs(self.difference) > self.rounding_tolerance

    @property
    def verdict(self) -> str:
        if not self.ok:
            return "Avviker" + (
                {
                    ABOUT: " (mer än 10 % från ett ungefärligt belopp)",
                    AT_LEAST: " (under det lägsta belopp som källan anger)",
                    AT_MOST: " (över det högsta belopp som källan anger)",
                }.get(self.approx, "")
            )
        if self.approximately:
            return "Stämmer ungefär (källan anger ett ungefärligt belopp)"
        return "Stämmer (avrundning)" if self.rounding else "Stämmer"

    def text(self) -> str:
        u = self.unit
        return (
            f"{self.check}: källan anger {APPROX_WORD.get(self.approx, '')}{fmt.unit(self.stated, u, self.decimals)}, "
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


def _common_prefix(texts: list[str]) -> str:
    first, last = min(texts), max(texts)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    return first[:n]


def common_source(wheres: list[str]) -> str:
    """The part of the citations all rows share (the document, cut after a whole item), or ''."""
    wheres = [w for w in wheres if w]
    if not wheres:
        return ""
    common = _common_prefix(wheres)
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
            "Enligt källan": [APPROX_WORD.get(f.approx, "") + fmt.number(f.stated, f.decimals) for f in findings],
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


def not_exact(findings: list[Finding]) -> list[Finding]:
    """Findings whose figures are not exactly equal within the stated precision (roundings of one unit,
    the book's de-duplication and real mismatches): what the Avstämning lists with both figures."""
    return [f for f in findings if not f.ok]


def warning_lines(prefix: str, findings: list[Finding]) -> list[str]:
    """The build's warnings for a chapter's findings: its real mismatches only (:func:`kind`), the same that
    the summary counts and the Avstämning labels "Avvikelse i källan"."""
    return [prefix + f.text() for f in real_mismatches(findings)]
