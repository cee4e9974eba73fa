"""The committee's economic position in a year: the input of the answer on the year page.

For an organisation-year, :func:`position` reads, from the latest report by date that states figures for
the year's committee total: its budget, its outcome (to date, or for the full year) or forecast, and its
deviation against budget, with the report, its date and its kind. The committee total is the row of a
stated table that ``tabell_begrepp.csv`` names ``total``, else a table's one top sum row
(:meth:`rapportbok.data.stated_tables.StatedTable.total_row`). A deficit, deviation or result the
sources state in their text (``uppgifter.csv``, :mod:`rapportbok.data.stated_figures`) counts as such a
report too, at its date; a statement without an amount (the nämnd did not keep within its ram) is kept
with its citation in :attr:`Position.statements`.

Every figure keeps its period and basis (budget, prognos, utfall, bokslut) and whose it is (the source's,
``stated``; or the book's computation); figures are never combined across periods or bases here. The
year's budget (kommunbidrag, net cost, result) is read from the year's budget table, as the budget chapter
reads it. Everything is a value: the function takes the stated tables and facts, never a file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from rapportbok.analysis import budget as bu
from rapportbok.analysis import budget_followup as bf
from rapportbok.analysis import reconcile
from rapportbok.core import fmt, units
from rapportbok.data import stated_figures as sf
from rapportbok.data import stated_tables as model
from rapportbok.data.stated_tables import StatedTable

BUDGET, FORECAST, OUTCOME, CLOSED = "budget", "prognos", "utfall", "bokslut"
BASES = (BUDGET, FORECAST, OUTCOME, CLOSED)


@dataclass(frozen=True)
class Amount:
    """A figure as a source states it (or as the book computes it from such figures): its value in its unit,
    the decimals it is printed with, and whether it is approximate (the one flag, reconcile.within_precision)."""

    value: Decimal
    unit: str
    decimals: int = 0
    approx: str = reconcile.EXACT
    stated: bool = True  # the source states it; False: the book computes it

    @property
    def tkr(self) -> float:
        return float(self.value) * units.factor(self.unit)

    @property
    def rounding_tkr(self) -> float:
        """Half a unit of the last printed decimal, in tkr: how precise the figure is."""
        return 0.5 * 10 ** (-self.decimals) * units.factor(self.unit)

    def text(self, sign: bool = False) -> str:
        """'−7 750 tkr', 'omkring 40 mnkr': as stated, with its unit and decimals."""
        return reconcile.APPROX_WORD.get(self.approx, "") + fmt.unit(self.value, self.unit, self.decimals, sign=sign)

    def agrees_with(self, other_tkr: float, terms: int = 1) -> bool:
        """Whether a figure in tkr agrees with this one within its precision (rounding, or approximate)."""
        return reconcile.within_precision(self.tkr, other_tkr, self.rounding_tkr * terms, self.approx)


@dataclass(frozen=True)
class Report:
    """Which report states the figures: its kind (one of the five), its own name, date and source."""

    kind: str  # budget, månadsrapport, tertialrapport, delårsrapport, bokslut; "uppgift" for a text figure
    title: str  # the report's name: 'Månadsrapport', 'Uppföljningsrapport 2', or the stated fact's description
    per: dt.date | None
    caption: str  # the table's caption ('' for a text figure)
    table: str | None  # the table id (None for a text figure)
    kalla: str
    avsnitt: str
    source: str  # the citation label ('Källa: …')


@dataclass(frozen=True)
class Position:
    """What the sources state about the committee total of one organisation-year (the answer's input)."""

    year: int
    report: Report | None  # None: no report states figures for the year's total
    basis: str | None  # budget, prognos (forecast during the year), utfall (outcome to date, no forecast), bokslut
    row: str = ""  # the total's row text, as printed ('Summa', 'Årets resultat')
    total_declared: bool = False  # tabell_begrepp.csv names the row (else: the table's one top sum row)
    budget: Amount | None = None
    outcome: Amount | None = None  # to the report date (a bokslut: the full year)
    forecast: Amount | None = None  # for the full year
    deviation: Amount | None = None  # against budget; positive = better than budget (överskott)
    # The year's budget as its budget table states it (the budget chapter's figures), whatever the latest report:
    budget_report: Report | None = None
    grant: Amount | None = None
    net_cost: Amount | None = None  # as stated (a cost, negative)
    result: Amount | None = None  # the row meaning resultat, or kommunbidrag minus net cost (stated=False)
    # The year's result as the latest report states it (a bokslut's or a forecast's row meaning resultat, of any
    # table of that report), beside the budget's: e.g. Årets resultat −13,9 mnkr in an årsredovisning.
    reported_result: Amount | None = None
    statements: tuple[sf.StatedFact, ...] = ()  # the year's stated facts about its result, with or without amount
    # Plan effects for the year the sources state in their text (uppgifter.csv: planerad effekt), e.g. a plan
    # decided the year before that is not in atgardsplaner.csv; with the plans' own, every plan for the year.
    plan_effects: tuple[sf.StatedFact, ...] = ()

    @property
    def has_outcome_or_forecast(self) -> bool:
        return self.basis in (FORECAST, OUTCOME, CLOSED)

    @property
    def deviation_stated(self) -> bool:
        return self.deviation is not None and self.deviation.stated

    @property
    def deficit(self) -> bool | None:
        """Whether the deviation is a deficit (None without a deviation; within its precision of 0: False)."""
        if self.deviation is None:
            return None
        return self.deviation.tkr < 0 and not self.deviation.agrees_with(0.0)


def _amount(t: StatedTable, v: Decimal | None, stated: bool = True) -> Amount | None:
    return None if v is None else Amount(v, t.unit, t.decimals, stated=stated)


def _report(t: StatedTable) -> Report:
    return Report(t.kind, t.title, t.per, t.caption, t.id, t.kalla, t.avsnitt, t.source)


def _basis(t: StatedTable, cols: dict) -> str:
    if t.kind == "budget":
        return BUDGET
    if t.kind == "bokslut" or bf.is_full_year(t.per):
        return CLOSED
    return FORECAST if "forecast" in cols else OUTCOME


@dataclass(frozen=True)
class _Candidate:
    per: dt.date
    rank: int  # same date: a closed year before a forecast before an outcome to date before a budget
    order: int
    position: Position


RANK = {CLOSED: 3, FORECAST: 2, OUTCOME: 1, BUDGET: 0}


def _from_table(t: StatedTable, year: int, order: int, budget_t: StatedTable | None) -> _Candidate | None:
    if t.kind == "budget":
        row = t.total_row()
        col = bu.year_columns(t).get(year)
        if row is None or col is None or t.value(row, col.id) is None:
            return None
        pos = Position(
            year, _report(t), BUDGET, t.row(row).label, t.total_declared, budget=_amount(t, t.value(row, col.id))
        )
        return _Candidate(t.per, RANK[BUDGET], order, pos)
    if t.kind not in bf.FOLLOWUP_KINDS:
        return None
    # A report of the year; or a bokslut that states an earlier year beside its own (an årsredovisning's
    # driftsredovisning for two years): that year's closed figures as the later report restates them.
    restated = t.kind == "bokslut" and t.per.year > year
    if (t.per.year != year and not restated) or "outcome" not in bf.measure_columns(t, year):
        return None
    # The follow-up's own total (rapportbok.analysis.budget_followup): the table's total row, or, where the
    # table states none, the book's sum of the rows it follows up (its figures then not the source's).
    fu = bf.followup(t, budget_t, year=year)
    tot = fu.total
    if tot.outcome is None and tot.forecast is None:
        return None
    basis = _basis(t, fu.columns)
    own = fu.total_stated
    deviation = None
    if tot.stated_deviation is not None:
        deviation = _amount(t, tot.stated_deviation, stated=own)
    elif tot.deviation is not None:
        deviation = _amount(t, tot.deviation, stated=False)
    pos = Position(
        year,
        _report(t),
        basis,
        tot.label,
        t.total_declared,
        budget=_amount(t, tot.budget, stated=own and not tot.budget_from_table),
        outcome=_amount(t, tot.outcome, stated=own),
        forecast=_amount(t, tot.forecast if basis != CLOSED or fu.columns.get("forecast") else None, stated=own),
        deviation=deviation,
    )
    return _Candidate(t.per, RANK[basis], order, pos)


FACT_BASIS = {"bokslut": CLOSED, "prognos": FORECAST, "utfall": OUTCOME, "budget": BUDGET}


def _from_fact(f: sf.StatedFact, year: int, order: int) -> _Candidate | None:
    """A deficit, deviation or result the source states in its text, with an amount, for the year."""
    if f.concept not in sf.POSITION_CONCEPTS or not f.has_amount or not f.is_money:
        return None
    if f.period_year != year or f.basis not in FACT_BASIS:
        return None
    basis = FACT_BASIS[f.basis]
    # A deficit is a negative deviation whether or not the source prints a minus sign ('underskott med 12,4').
    value = -abs(f.value) if f.concept == sf.DEFICIT else f.value
    amount = Amount(value, f.unit, f.decimals, f.approx)
    per = f.per or (dt.date(year, 12, 31) if basis == CLOSED else None)
    report = Report("uppgift", f.description, per, "", None, f.kalla, f.avsnitt, f.source)
    fields = {"result": amount} if f.concept == sf.RESULT else {"deviation": amount}
    pos = Position(year, report, basis, **fields)
    return _Candidate(per or dt.date.min, RANK[basis], order, pos)


def _budget_figures(tables: list[StatedTable], year: int) -> dict:
    t = bu.budget_table(tables, year)
    if t is None:
        return {}
    g = bu.grant(t).get(year)
    n = bu.series(t, model.NET_COST).get(year)
    r = bu.series(t, model.RESULT).get(year)
    if r is not None:
        result = _amount(t, r)
    elif g is not None and n is not None:
        result = _amount(t, g + n, stated=False)  # the net cost is stated negative
    else:
        result = None
    return {
        "budget_report": _report(t),
        "grant": _amount(t, g),
        "net_cost": _amount(t, n),
        "result": result,
    }


def position(tables: list[StatedTable], facts: list[sf.StatedFact], year: int) -> Position:
    """The position of ``year``: the latest report's figures for the committee total (see the module)."""
    year = int(year)
    cands = []
    budget_t = bu.budget_table(tables, year)
    read, other = bf.followup_tables(tables)
    chosen = {t.id for t in read}
    # A bokslut of a later year may state this year only in a table the follow-up does not read on its date.
    chosen |= {
        t.id for t in other if t.kind == "bokslut" and t.per.year > year and "outcome" in bf.measure_columns(t, year)
    }
    for i, t in enumerate(tables):
        if t.kind != "budget" and t.id not in chosen:
            continue  # a second table of a report date: the follow-up reads one per date
        c = _from_table(t, year, i, budget_t)
        if c is not None:
            cands.append(c)
    for i, f in enumerate(facts):
        c = _from_fact(f, year, len(tables) + i)
        if c is not None:
            cands.append(c)
    statements = tuple(
        sorted(
            (f for f in facts if f.concept in sf.POSITION_CONCEPTS and f.period_year == year),
            key=lambda f: (f.per or dt.date(year, 12, 31), f.id),
        )
    )
    plan_effects = tuple(f for f in facts if f.concept == sf.PLANNED and f.period_year == year)
    budget = _budget_figures(tables, year)
    if not cands:
        return Position(year, None, None, statements=statements, plan_effects=plan_effects, **budget)
    # The latest date; on one date a closed year before a forecast before an outcome before a budget;
    # then the first in the files.
    best = max(cands, key=lambda c: (c.per, c.rank, -c.order)).position
    from dataclasses import replace

    keep = {k: v for k, v in budget.items() if not (k == "result" and best.result is not None)}
    return replace(
        best,
        statements=statements,
        plan_effects=plan_effects,
        reported_result=_reported_result(tables, best, year),
        **keep,
    )


def _reported_result(tables: list[StatedTable], best: Position, year: int) -> Amount | None:
    """The result for ``year`` that the latest report states in any of its tables (a row meaning resultat, in
    its outcome or forecast column for the year)."""
    r = best.report
    if r is None or r.table is None or r.kind == "budget":
        return None
    for t in tables:
        if t.per != r.per or t.kind != r.kind or (row := t.concept_row(model.RESULT)) is None:
            continue
        cols = bf.measure_columns(t, year)
        for name in ("forecast", "outcome"):
            if name in cols and (v := t.value(row, cols[name].id)) is not None:
                return _amount(t, v)
    return None


def of_data(data: dict, year: int) -> Position:
    """The position of ``year`` from an organisation's validated input (the frames of datasets.load_org)."""
    return position(model.load(data), sf.facts(data), year)
