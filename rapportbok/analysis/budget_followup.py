"""Budgetuppföljning: budget, utfall, prognos och avvikelse per rad, ur rapportens tabell.

Data: the organisation's stated tables (:mod:`rapportbok.data.stated_tables`) of a follow-up kind
(månadsrapport, tertialrapport, delårsrapport, bokslut) with an outcome for their year, any report
date, any unit (kr, tkr, mnkr) and any row hierarchy (per verksamhet, kostnadsslag or kontogrupp, in
as many levels as the source prints). Figures stay the table's own (:class:`~decimal.Decimal`, its
unit, shown with its decimals); what the book computes is computed in that unit.

Rules (also printed in the chapter):

- **Which table:** per report date the table that names the committee's total (``total`` in
  ``tabell_begrepp.csv``), else the first in ``tabeller.csv``; the others of that date are shown and
  recomputed in Rapporternas tabeller.
- **Which rows:** the rows that sum into the table's total (its one top sum row, or the row named
  ``total``), or without a total every top row; each with the rows under it, at any depth, as its
  breakdown. Headings, differens rows and rows outside the sum are not followed up.
- **Measures:** ``budget helår`` (else ``budget``; else the row with the same text in the year's budget
  table in the same unit; else the sum of its rows), ``utfall ack`` (a bokslut: ``utfall helår`` or its
  ``nettokostnad``), ``prognos helår``; where stated ``budget ack``, ``utfall ack föregående år`` and the
  source's ``avvikelse``, shown beside the book's own. At 31 December the outcome is the full year.
- **Avvikelse** = prognos − budget (costs negative), or budget − prognos where the table states costs as
  positive and its avvikelse so (:func:`sign_of`): either way a positive avvikelse is better than budget.
  In per cent of the budget without sign ("–" where the budget is 0).
- **Utfall i procent av budget** against the share of the year elapsed (months / 12).
- **Väsentlig avvikelse:** the organisation's thresholds (organisation.yml ``vasentlig_avvikelse``,
  a value of :class:`rapportbok.data.organisations.Thresholds`); a material deviation without the
  source's comment (``tabell_kommentarer.csv``) is a warning.

Nothing here reads a file: the tables and the thresholds come in as values.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd

from rapportbok.core import fmt, periods, units
from rapportbok.core.periods import year_share_pct
from rapportbok.data import stated_tables as model
from rapportbok.data.schema import Issue
from rapportbok.data.stated_tables import StatedTable
from rapportbok.data.thresholds import DEFAULT_THRESHOLDS, Thresholds

FOLLOWUP_KINDS = ("månadsrapport", "tertialrapport", "delårsrapport", "bokslut")
# The measures the follow-up reads (first found wins), all of the report's own year except the outcome
# of the same period last year.
MEASURES = {
    "outcome": ("utfall ack", "utfall helår"),
    "forecast": ("prognos helår",),
    "budget": ("budget helår", "budget"),
    "budget_ack": ("budget ack",),
    "outcome_last_year": ("utfall ack föregående år",),
    "stated_deviation": ("avvikelse",),
}
# A bokslut (årsredovisning, verksamhetsberättelse) may state the year's outcome as its net cost.
BOKSLUT_OUTCOME = ("utfall helår", "nettokostnad", "utfall ack")


def is_full_year(d: dt.date) -> bool:
    """A report per 31 December: the year's outcome (helår)."""
    return (d.month, d.day) == (12, 31)


def measure_columns(t: StatedTable, year: int | None = None) -> dict[str, model.Column]:
    """The table's columns the follow-up reads: {'outcome': Column, ...} (absent measures left out); those of the
    report's own year, or of ``year`` (a bokslut that states the year before beside its own)."""
    year = t.per.year if year is None else int(year)
    out = {}
    for name, measures in MEASURES.items():
        if name == "outcome" and t.kind == "bokslut":
            measures = BOKSLUT_OUTCOME
        for m in measures:
            col = next(
                (c for c in t.columns if c.measure == m and (c.year == year or name == "outcome_last_year")),
                None,
            )
            if col is not None:
                out[name] = col
                break
    return out


def followup_tables(tables: list[StatedTable]) -> tuple[list[StatedTable], list[StatedTable]]:
    """(the tables the follow-up reads, one per report date; the follow-up-kind tables it does not read).

    A table is read when it is of a follow-up kind and states an outcome of its year; of several on one
    date the one that names the committee's total (tabell_begrepp.csv), else the first in tabeller.csv.
    """
    candidates = [t for t in tables if t.kind in FOLLOWUP_KINDS]
    readable = [t for t in candidates if "outcome" in measure_columns(t)]
    read: dict[dt.date, StatedTable] = {}
    for t in readable:
        if t.per not in read or (t.total_declared and not read[t.per].total_declared):
            read[t.per] = t
    chosen = {id(t) for t in read.values()}
    return [t for t in readable if id(t) in chosen], [t for t in candidates if id(t) not in chosen]


def sign_of(t: StatedTable, cols: dict) -> int:
    """How the table signs its amounts: +1 when costs are negative (the book's convention: avvikelse =
    prognos − budget), −1 when it states costs as positive amounts (avvikelse = budget − prognos).

    Read from the avvikelse column's own definition (berakning); without one, from its stated values (the
    definition most rows agree with); without an avvikelse column, from the signs of the budget: most rows
    positive means costs stated as positive amounts (a table per verksamhet or kostnadsslag in kronor
    spent), most negative the book's convention. Either way a positive avvikelse is better than budget.
    """
    avv, prog, bud = cols.get("stated_deviation"), cols.get("forecast"), cols.get("budget")
    if prog is None and t.kind == "bokslut":
        prog = cols.get("outcome")
    if avv is not None and prog is not None and bud is not None:
        if avv.formula:
            terms = {c: s for s, c in avv.formula}
            return -1 if terms == {bud.id: 1, prog.id: -1} else 1
        votes = 0
        for r in t.rows:
            a, p, b = (t.value(r.number, c.id) for c in (avv, prog, bud))
            if None not in (a, p, b) and p != b:
                votes += 1 if abs(a - (p - b)) < abs(a - (b - p)) else -1
        if votes:
            return -1 if votes < 0 else 1
    amounts = bud or prog
    if amounts is None:
        return 1
    signs = [v for r in t.rows if r.role not in (model.DIFF, model.HEADING) and (v := t.value(r.number, amounts.id))]
    positive = sum(1 for v in signs if v > 0)
    return -1 if positive > len(signs) - positive else 1


def pct_of(amount, base) -> float:
    """``amount`` in per cent of ``base`` without sign; NaN where the base is 0 or missing."""
    if amount is None or base is None or fmt.is_missing(amount) or fmt.is_missing(base) or float(base) == 0:
        return float("nan")
    return float(amount) / abs(float(base)) * 100


def share_of_budget_pct(outcome, budget) -> float:
    """Outcome as a share of the budget (same signs give a positive share); NaN at budget 0."""
    if outcome is None or budget is None or fmt.is_missing(outcome) or fmt.is_missing(budget) or float(budget) == 0:
        return float("nan")
    return float(outcome) / float(budget) * 100


AMOUNTS = ("budget", "budget_ack", "outcome", "outcome_last_year", "forecast", "stated_deviation")


@dataclass(frozen=True)
class Line:
    """One row of the follow-up: its stated figures in the table's unit and the book's deviation."""

    number: int | None  # the row's number in the table (None: a row the book adds, e.g. its own sum)
    label: str
    depth: int = 0  # 0 for a listed row, 1, 2 … for the rows under it
    under: str = ""  # the listed row a breakdown row belongs to
    budget: Decimal | None = None
    budget_ack: Decimal | None = None
    outcome: Decimal | None = None
    outcome_last_year: Decimal | None = None
    forecast: Decimal | None = None  # at 31 December the year's outcome
    stated_deviation: Decimal | None = None
    comment: str = ""
    deviation: Decimal | None = None
    deviation_pct: float = float("nan")
    share_pct: float = float("nan")
    material: bool = False
    budget_from_table: str = ""  # the budget table's caption when the budget is its row of the same text
    summed: bool = False  # the row's figures are the book's sum of the rows under it (the source states none)
    stated: bool = True  # the row is in the table (False: listed from the budget table, not followed up)


@dataclass(frozen=True)
class FollowUp:
    """The follow-up of one report date: the table, its rows with the book's deviation, its total."""

    table: StatedTable
    sign: int
    items: tuple[Line, ...]
    breakdown: tuple[Line, ...]
    total: Line
    total_stated: bool  # the total is the table's own row (else the book's sum of the listed rows)
    rows_are_kontogrupper: bool  # the listed rows are the budget table's rows (kontogrupper)
    budget_table: StatedTable | None = None
    columns: dict = field(default_factory=dict)

    @property
    def per(self) -> dt.date:
        return self.table.per

    @property
    def full_year(self) -> bool:
        return is_full_year(self.table.per)

    @property
    def unit(self) -> str:
        return self.table.unit

    @property
    def decimals(self) -> int:
        return self.table.decimals

    def has(self, measure: str) -> bool:
        return any(getattr(r, measure) is not None for r in (*self.items, self.total))


def _counted(t: StatedTable, rows: list[model.Row]) -> list[model.Row]:
    return [r for r in rows if r.role not in (model.DIFF, model.OUTSIDE, model.HEADING)]


def _values(t: StatedTable, row: int, cols: dict) -> dict[str, Decimal | None]:
    return {name: (t.value(row, cols[name].id) if name in cols else None) for name in AMOUNTS}


def _sum(values: list[Decimal | None]) -> Decimal | None:
    given = [v for v in values if v is not None]
    return sum(given, Decimal(0)) if given else None


def _budget_rows(budget_t: StatedTable | None, year: int) -> tuple[dict[str, Decimal], list[str]]:
    """The year's budget per row text (rows that are not sums), and their order, from the budget table."""
    if budget_t is None:
        return {}, []
    from rapportbok.analysis import budget as bu

    col = bu.year_columns(budget_t).get(year)
    if col is None:
        return {}, []
    parents = {r.parent for r in budget_t.rows}
    leaves = [r for r in budget_t.rows if r.number not in parents and r.role == model.POST]
    out = {}
    for r in leaves:
        v = budget_t.value(r.number, col.id)
        if v is not None:
            out.setdefault(r.label, v)
    return out, [r.label for r in leaves if r.label in out]


def _line(
    t: StatedTable, r: model.Row, cols: dict, sign: int, th: Thresholds, depth: int = 0, under: str = "", **over
) -> Line:
    v = {**_values(t, r.number, cols), **over}
    return _finish(t, Line(r.number, r.label, depth, under, comment=r.comment, **v), sign, th)


def _finish(t: StatedTable, line: Line, sign: int, th: Thresholds) -> Line:
    """The book's figures of a line: the full-year outcome as the forecast at 31 December, the deviation,
    its per cent, the outcome's share of the budget and whether the deviation is material."""
    forecast = line.forecast
    if forecast is None and is_full_year(t.per):
        forecast = line.outcome
    dev = None if forecast is None or line.budget is None else sign * (forecast - line.budget)
    pct = pct_of(dev, line.budget)
    material = dev is not None and th.is_material(float(dev) * units.factor(t.unit), pct)
    return Line(
        line.number,
        line.label,
        line.depth,
        line.under,
        line.budget,
        line.budget_ack,
        line.outcome,
        line.outcome_last_year,
        forecast,
        line.stated_deviation,
        line.comment,
        dev,
        pct,
        share_of_budget_pct(line.outcome, line.budget),
        material,
        line.budget_from_table,
        line.summed,
        line.stated,
    )


def followup(
    t: StatedTable, budget_t: StatedTable | None = None, th: Thresholds = DEFAULT_THRESHOLDS, year: int | None = None
) -> FollowUp:
    """The follow-up of table ``t`` (see the module's rules); ``budget_t`` is the year's budget table, whose
    row of the same text gives a row's budget where ``t`` states none (in the same unit only). ``year``: an
    earlier year a bokslut states beside its own (its columns of that year)."""
    year = t.per.year if year is None else int(year)
    cols = measure_columns(t, year)
    sign = sign_of(t, cols)
    total_row = t.total_row()
    if total_row is not None:
        tops = _counted(t, t.children(total_row))
    else:
        tops = _counted(t, [r for r in t.rows if r.parent is None])
    same_unit = budget_t is not None and budget_t.unit == t.unit
    by_name, order = _budget_rows(budget_t if same_unit else None, year)
    items, breakdown = [], []
    for r in tops:
        kids = _counted(t, t.descendants(r.number))
        own = _values(t, r.number, cols)
        over: dict = {}
        summed = False
        if all(own[n] is None for n in ("outcome", "forecast")) and kids:
            direct = _counted(t, t.children(r.number))
            for n in ("outcome", "forecast", "budget_ack", "outcome_last_year", "stated_deviation"):
                over[n] = _sum([t.value(k.number, cols[n].id) for k in direct]) if n in cols else None
            summed = any(over[n] is not None for n in ("outcome", "forecast"))
        budget, from_table = own["budget"], ""
        if budget is None and r.label in by_name:
            budget, from_table = by_name[r.label], budget_t.caption
        if budget is None and kids:
            direct = _counted(t, t.children(r.number))
            kid_budgets = [t.value(k.number, cols["budget"].id) for k in direct] if "budget" in cols else []
            if kid_budgets and all(b is not None for b in kid_budgets):
                budget = _sum(kid_budgets)
        line = _line(t, r, cols, sign, th, budget=budget, **over)
        items.append(_replace(line, budget_from_table=from_table, summed=summed))
        depth_of = {r.number: 0}
        for k in kids:
            depth_of[k.number] = depth_of.get(k.parent, 0) + 1
            breakdown.append(_line(t, k, cols, sign, th, depth_of[k.number], r.label))
    # Rows of the budget table: when the followed rows are its rows, every one of them is listed in its order.
    listed = {i.label for i in items}
    kontogrupper = bool(order) and listed <= set(order)
    if kontogrupper:
        by_label = {i.label: i for i in items}
        items = [
            by_label.get(name)
            or _finish(
                t, Line(None, name, budget=by_name[name], budget_from_table=budget_t.caption, stated=False), sign, th
            )
            for name in order
        ]
    if total_row is not None:
        total = _line(t, t.row(total_row), cols, sign, th)
        total_stated = True
    else:
        total = _own_total(t, items, sign, th, kontogrupper)
        total_stated = False
    return FollowUp(t, sign, tuple(items), tuple(breakdown), total, total_stated, kontogrupper, budget_t, cols)


def _replace(line: Line, **kw) -> Line:
    from dataclasses import replace

    return replace(line, **kw)


def _own_total(t: StatedTable, items: list[Line], sign: int, th: Thresholds, kontogrupper: bool) -> Line:
    """The book's sum over the rows that are followed up (budget of the same rows), where the table states
    no total. Without any forecast the rows with an outcome are summed and the avvikelse is left out."""
    has_forecast = any(i.forecast is not None for i in items)
    done = [i for i in items if (i.forecast if has_forecast else i.outcome) is not None]
    name = "Summa uppföljda kontogrupper" if kontogrupper else "Summa uppföljda rader"
    line = Line(
        None,
        name,
        budget=_sum([i.budget for i in done]),
        budget_ack=_sum([i.budget_ack for i in done]) if all(i.budget_ack is not None for i in done) else None,
        outcome=_sum([i.outcome for i in done]),
        outcome_last_year=(
            _sum([i.outcome_last_year for i in done]) if all(i.outcome_last_year is not None for i in done) else None
        ),
        forecast=_sum([i.forecast for i in done]) if has_forecast else None,
        stated_deviation=(
            _sum([i.stated_deviation for i in done]) if all(i.stated_deviation is not None for i in done) else None
        ),
        summed=True,
    )
    out = _finish(t, line, sign, th)
    return _replace(out, material=False)


# --- the reader's tables ----------------------------------------------------------------------------


def headers(fu: FollowUp) -> tuple[str, str]:
    """The headings of the followed rows and of their breakdown: ('Kontogrupp', 'Verksamhet') where the rows
    are the budget table's rows, else ('Post', 'Del av posten')."""
    return ("Kontogrupp", "Verksamhet") if fu.rows_are_kontogrupper else ("Post", "Del av posten")


def _f(v) -> float:
    return float("nan") if v is None else float(v)


def display_table(fu: FollowUp) -> pd.DataFrame:
    """The reader's table: Swedish headings in the table's unit, the total last; the stated extras only where
    stated."""
    rows = [*fu.items, fu.total]
    end, year, u = fu.per, fu.per.year, fu.unit
    to = f"t.o.m. {end.day}/{end.month}"
    has = {m: any(getattr(r, m) is not None for r in rows) for m in AMOUNTS}
    cols = {headers(fu)[0]: [r.label for r in rows], f"Budget {year}, {u}": [_f(r.budget) for r in rows]}
    if has["budget_ack"]:
        cols[f"Budget {to}, {u}"] = [_f(r.budget_ack) for r in rows]
    # At 31 December the outcome is the year's: shown once, as "Utfall helår", without the share of the year.
    if not fu.full_year:
        cols[f"Utfall {to}, {u}"] = [_f(r.outcome) for r in rows]
    if has["budget_ack"]:
        cols[f"Utfall − budget {to}, {u}"] = [
            _f(None if r.outcome is None or r.budget_ack is None else r.outcome - r.budget_ack) for r in rows
        ]
    if has["outcome_last_year"]:
        cols[f"Utfall {to} {year - 1}, {u}"] = [_f(r.outcome_last_year) for r in rows]
        cols[f"Förändring mot {year - 1}, %"] = [
            pct_of(
                None if r.outcome is None or r.outcome_last_year is None else r.outcome - r.outcome_last_year,
                r.outcome_last_year,
            )
            for r in rows
        ]
    cols["Utfall, % av budget"] = [r.share_pct for r in rows]
    if not fu.full_year:
        cols["Andel av året, %"] = [year_share_pct(end)] * len(rows)
    cols[f"Prognos helår, {u}" if not fu.full_year else f"Utfall helår, {u}"] = [_f(r.forecast) for r in rows]
    cols[f"Avvikelse, {u}"] = [_f(r.deviation) for r in rows]
    cols["Avvikelse, %"] = [r.deviation_pct for r in rows]
    if has["stated_deviation"]:
        cols[f"Avvikelse enligt källan, {u}"] = [_f(r.stated_deviation) for r in rows]
    if any(r.comment for r in rows):  # the source's comment to a row, wherever it is shown
        cols["Kommentar"] = [r.comment for r in rows]
    return pd.DataFrame(cols)


def breakdown_table(fu: FollowUp) -> pd.DataFrame | None:
    """The rows under the listed rows (any depth), or None when there are none."""
    if not fu.breakdown:
        return None
    head, sub = headers(fu)
    u = fu.unit
    rows = fu.breakdown
    return pd.DataFrame(
        {
            head: [r.under for r in rows],
            sub: [r.label for r in rows],
            f"Budget, {u}": [_f(r.budget) for r in rows],
            f"Utfall, {u}": [_f(r.outcome) for r in rows],
            (f"Prognos helår, {u}" if not fu.full_year else f"Utfall helår, {u}"): [_f(r.forecast) for r in rows],
            f"Avvikelse, {u}": [_f(r.deviation) for r in rows],
            "Avvikelse, %": [r.deviation_pct for r in rows],
            "Kommentar": [r.comment for r in rows],
        }
    )


def comments(fu: FollowUp, line: Line) -> str:
    """A listed row's comment and those of the rows under it ('Verksamhet: kommentar')."""
    out = [line.comment] if line.comment else []
    out += [f"{b.label}: {b.comment}" for b in fu.breakdown if b.under == line.label and b.comment]
    return " ".join(out)


def materials(fu: FollowUp) -> list[Line]:
    return [i for i in fu.items if i.material]


def missing_text(fu: FollowUp) -> str:
    """One sentence per measure the follow-up lacks at the date (no forecast, no budget), or ''."""
    out = []
    items = [i for i in fu.items if i.stated]
    if all(i.forecast is None for i in items) and not fu.full_year:
        out.append(
            "Rapporten anger ingen prognos för helåret, så avvikelsen mot budgeten kan inte räknas; "
            "budget och utfall visas."
        )
    if all(i.budget is None for i in fu.items):
        out.append(
            "Rapporten anger ingen budget för helåret och budgettabellen har inga rader med samma namn och enhet, "
            "så utfallet kan inte ställas mot budgeten."
        )
    elif any(i.budget is None for i in fu.items):
        out.append("Budget saknas för " + ", ".join(i.label for i in fu.items if i.budget is None) + " ('–').")
    return " ".join(out)


def summed_text(fu: FollowUp) -> str:
    """The rows whose figures are the book's sum of the rows under them (the source states none), or ''."""
    names = [i.label for i in fu.items if i.summed]
    if not names:
        return ""
    return (
        "Källan anger inga egna belopp för "
        + ", ".join(names)
        + "; tabellen visar summan av raderna under (egen beräkning)."
    )


# --- over the year ---------------------------------------------------------------------------------


def for_year(
    tables: list[StatedTable], year: int, budget_t: StatedTable | None = None, th: Thresholds = DEFAULT_THRESHOLDS
) -> list[FollowUp]:
    """The follow-ups of ``year`` in date order (one per report date)."""
    read, _ = followup_tables(tables)
    return [followup(t, budget_t, th) for t in read if t.per.year == int(year)]


def at(followups: list[FollowUp], end: dt.date) -> FollowUp | None:
    return next((f for f in followups if f.per == end), None)


def chart_periods(followups: list[FollowUp], year: int, upto: dt.date) -> list[dt.date]:
    """The report dates a chart over the year shows up to ``upto``: every tertial end (a missing one
    shows as a gap) and every other report date with a follow-up."""
    dates = {periods.tertial_end(year, t) for t in periods.TERTIALS} | {f.per for f in followups}
    return sorted(d for d in dates if d <= upto)


def chart_unit(followups: list[FollowUp], upto: dt.date) -> tuple[str, int]:
    """The unit and decimals of a chart over the year: the reports' own when they share one, else tkr."""
    shown = [f for f in followups if f.per <= upto]
    found = {f.unit for f in shown}
    if len(found) == 1:
        return found.pop(), max(f.decimals for f in shown)
    return "tkr", 0


def deviation_over_the_year(followups: list[FollowUp], year: int, upto: dt.date) -> pd.DataFrame:
    """The deviation per followed row (columns) at each report date up to ``upto`` (rows: Period); NaN where
    a date has no follow-up. Each date's forecast is set against that date's own budget. In the reports' unit
    (:func:`chart_unit`: in tkr when two reports of the year are in different units)."""
    dates = chart_periods(followups, year, upto)
    unit, _ = chart_unit(followups, upto)
    names: list[str] = []
    for f in followups:
        if f.per <= upto:
            names += [i.label for i in f.items if i.label not in names]
    data = {}
    for name in names:
        col = []
        for d in dates:
            f = at(followups, d)
            line = next((i for i in f.items if i.label == name), None) if f is not None else None
            if line is None or line.deviation is None:
                col.append(float("nan"))
            else:
                col.append(float(line.deviation) * units.factor(f.unit) / units.factor(unit))
        data[name] = col
    out = pd.DataFrame(data, index=[periods.period_label(d) for d in dates])
    return out.rename_axis("Period").reset_index()


# --- warnings --------------------------------------------------------------------------------------


def _period_words(end: dt.date) -> str:
    """'tertial 1 2025', 'helår 2025' or 't.o.m. 31 oktober 2025' for messages."""
    t = periods.tertial_of(end)
    if t == 3:
        return f"helår {end.year}"
    return f"tertial {t} {end.year}" if t else f"t.o.m. {fmt.date(end)}"


def comment_warnings(
    tables: list[StatedTable], budget_of, th: Thresholds, org: str, line_of: dict | None = None
) -> list[Issue]:
    """A warning for every material deviation without the source's comment (the build and `kontrollera`
    show them). ``budget_of(year)``: the year's budget table (or None); ``line_of``: (table, row) -> the line
    in tabell_varden.csv that the warning names."""
    line_of = line_of or {}
    issues: list[Issue] = []
    read, _ = followup_tables(tables)
    for t in read:
        fu = followup(t, budget_of(t.per.year), th)
        for m in materials(fu):
            if comments(fu, m) or m.number is None:
                continue
            issues.append(
                Issue(
                    f"{org}/{model.VALUES.filename}",
                    line_of.get((t.id, m.number), 0),
                    "kommentar",
                    "",
                    f"en kommentar i {model.COMMENTS.filename} (tabell {t.id}, rad {m.number}): avvikelsen för "
                    f"{m.label} {_period_words(t.per)} är {fmt.unit(m.deviation, t.unit, t.decimals, sign=True)}, "
                    f"väsentlig enligt gränsen {th.text()}",
                    severity="varning",
                )
            )
    return issues
