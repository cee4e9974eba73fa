"""The answer of an organisation-year: what a nämnd member asks first, as statements with their figures.

:func:`answer` gives, for an organisation-year, a list of :class:`Statement` values, in the order a reader
wants them (issue #26, "Rules for the answer"):

1. **The position first**: where a report for the year states a forecast or outcome against budget for the
   committee total (rapportbok.analysis.position), that is the first statement, with its date and basis
   ("Prognosen för helåret 2030 per 31 oktober 2030 …: underskott 2 580 tkr mot budgeten"). A judgement the
   source states without an amount (the nämnd did not keep within its ram) is shown in its own words, cited.
   Without either, the year's budget answers (its result, kommunbidrag and net cost).
2. **The plans**: every plan the sources say applies to the year, each with its one effect for the year (the
   plan's own stated total, else the book's sum of its measures, marked so), the deficit it is meant to meet
   with its period and basis, and the plans' sum where more than one applies (same year, same basis).
3. **The one remainder** (:class:`Remainder`): only where the deficit the plans meet is stated for this year
   and every plan states its effect for it; otherwise what is known, and why there is no remainder. An
   approximate deficit or total is compared within its precision (reconcile.within_precision), never as exact.
   The remainder is a size in words: "kvar" when the plans do not cover the deficit, "större än" when they
   exceed it; the budget and action-plan chapters show the same remainder (:func:`remainder`).
4. **The follow-up**: the actual effect to date as the source states it, the source's own status of the
   measures where it gives one, and the book's pro-rata traffic lights, marked as the book's estimate with a
   link to their method.

Every figure is a :class:`Figure`: its text as stated (unit, decimals, "omkring"), whose it is (the source's or
the book's own estimate) and which place of the book shows where it comes from (``key``, rendered as a link by
rapportbok.present.answer). Each statement names its period, basis, whose it is and its citations. Everything is
a value: the function takes the organisation's validated input and the year's position, never a file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from rapportbok.analysis import actionplan as ap
from rapportbok.analysis import reconcile, wording
from rapportbok.analysis.position import BUDGET, CLOSED, FORECAST, OUTCOME, Amount, Position, Report
from rapportbok.core import fmt, units
from rapportbok.data import citation
from rapportbok.data import stated_figures as sf

SOURCE, BOOK = "källan", "bokens beräkning"

# The kinds of statement, in the order of the answer.
POSITION, NO_POSITION, JUDGEMENT, BUDGET_RESULT, PLAN, REMAINDER, FOLLOWUP, LIGHTS, NO_PLAN = (
    "läge",
    "inget läge",
    "bedömning",
    "budget",
    "plan",
    "kvar",
    "uppföljning",
    "trafikljus",
    "ingen plan",
)
# The statements of the landing page's line: the position and what remains.
LEAD = (POSITION, NO_POSITION, JUDGEMENT, BUDGET_RESULT, REMAINDER)

# The places a figure's link goes to (rendered by rapportbok.present.answer.ANCHORS).
FIGURE_KEYS = (
    "prognos",  # a forecast or outcome of the committee total from a report's table: the budget follow-up
    "uppgift",  # a figure the sources state in their text: the budget chapter's stated figures
    "budget_resultat",
    "budget_resultat_beraknat",
    "budget_kommunbidrag",
    "budget_nettokostnad",
    "planen_anger",  # a plan's own stated total for the year
    "planerad",  # the book's sum of a plan's measures
    "kvar",  # the remainder (the book's)
    "faktisk",  # the actual effect to date as the source states it
    "faktisk_summa",  # the book's sum of the actual effect per measure
    "kallans_status",  # the source's own status of the measures
    "trafikljus",  # the book's pro-rata traffic lights (the method)
)


@dataclass(frozen=True)
class Figure:
    """A figure of the answer: its text as stated ('2 580 tkr', 'omkring 40 mnkr'), whose it is, where it is shown."""

    text: str
    key: str
    own: bool = False  # the book's estimate (a sum, a remainder, a pro-rata light), not the source's


@dataclass(frozen=True)
class Cited:
    """Where a statement comes from: the source (kallor.csv id), its section, its label and the quoted line."""

    kalla: str
    avsnitt: str
    label: str  # 'Socialnämndens budget 2025–2027 (Socialnämnden 2024-12-10, …)', without 'Källa: '
    quote: str = ""


@dataclass(frozen=True)
class Statement:
    """One sentence of the answer: its parts (plain text and figures, in order), period, basis and whose."""

    kind: str
    parts: tuple  # str and Figure
    period: str  # 'helåret 2030', '2024', 'per 31 juli 2018'
    basis: str  # prognos, utfall, bokslut, budget, plan, bedömning, uppföljning, or BOOK
    whose: str  # SOURCE, or BOOK where the statement's figure is the book's own estimate
    cited: tuple[Cited, ...] = ()
    quote: str = ""  # a judgement in the source's own words

    @property
    def figures(self) -> tuple[Figure, ...]:
        return tuple(p for p in self.parts if isinstance(p, Figure))

    def text(self, figure=None) -> str:
        """The sentence as plain text; ``figure(Figure) -> str`` renders each figure (e.g. as a link)."""
        return "".join((figure(p) if figure else p.text) if isinstance(p, Figure) else p for p in self.parts)


@dataclass(frozen=True)
class Remainder:
    """The one remainder of the year: the deficit the plans meet minus every plan's effect for the year (tkr).

    ``gap_tkr`` is None where the sources do not support a remainder; ``why`` then says why, in Swedish."""

    gap_tkr: float | None = None
    deficit_tkr: float | None = None
    planned_tkr: float | None = None
    within_precision: bool = False  # the plans meet the deficit within the precision the source states it with
    deficit_text: str = ""  # 'underskottet i prognosen för helåret per 28 februari 2030 (3,0 mnkr)'
    why: str = ""

    @property
    def stated(self) -> bool:
        return self.gap_tkr is not None and not self.within_precision


@dataclass(frozen=True)
class Answer:
    year: int
    statements: tuple[Statement, ...]
    remainder: Remainder = field(default_factory=Remainder)
    has_plan: bool = False

    def lead(self) -> tuple[Statement, ...]:
        """The statements of the landing page's line: the position (or judgement, or budget), then the remainder
        where the sources support one, else what the plans give for the year (their sum where several apply)."""
        first = [s for s in self.statements if s.kind in LEAD and s.kind != REMAINDER]
        if self.remainder.gap_tkr is not None:
            return tuple(first + [s for s in self.statements if s.kind == REMAINDER])
        plans = [s for s in self.statements if s.kind == PLAN]
        return tuple(first + plans[-1:])

    def own_keys(self) -> set[str]:
        return {f.key for s in self.statements for f in s.figures if f.own}


# --- words ----------------------------------------------------------------------------------------------------


def basis_phrase(basis: str, year: int, per: dt.date | None) -> str:
    """'prognosen för helåret 2030 per 31 oktober 2030', 'bokslutet 2023', 'budgeten 2025', 'utfallet per …'."""
    if basis == CLOSED:
        return f"bokslutet {year}"
    if basis == FORECAST:
        return f"prognosen för helåret {year}" + (f" per {fmt.date(per)}" if per else "")
    if basis == OUTCOME:
        return f"utfallet {year}" + (f" till och med {fmt.date(per)}" if per else "")
    if basis == BUDGET:
        return f"budgeten {year}"
    if basis == "plan":
        return f"planen för {year}"
    return f"källans bedömning {year}"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _cited_report(r: Report | None) -> tuple[Cited, ...]:
    if r is None:
        return ()
    return (Cited(r.kalla, r.avsnitt, r.source.removeprefix(citation.PREFIX)),)


def _label(register, kalla: str) -> str:
    return citation.label(register, kalla).removeprefix(citation.PREFIX)


def _cited_fact(f: sf.StatedFact) -> Cited:
    return Cited(f.kalla, f.avsnitt, f.source.removeprefix(citation.PREFIX), f.quote)


def _fact_amount(f: sf.StatedFact, magnitude: bool = True) -> str:
    """A stated fact's amount as the source prints it: '12,4 mnkr', 'omkring 40 mnkr' (its size for a deficit)."""
    v = abs(f.value) if magnitude else f.value
    return reconcile.APPROX_WORD.get(f.approx, "") + fmt.unit(v, f.unit, f.decimals)


def _both(tkr: float) -> str:
    """A sum the book computes, in mnkr and tkr: '15,0 mnkr (15 000 tkr)'."""
    return f"{fmt.mnkr(tkr)} ({fmt.tkr(tkr)})"


def _date_of_plan(p) -> str:
    d = p.get("beslutsdatum")
    if isinstance(d, dt.date):
        return f"beslutad {fmt.date(d)}"
    b = p.get("beslut")
    return f"beslut: {b}" if isinstance(b, str) and b else "källan anger inget beslut"


# --- 1. the position ------------------------------------------------------------------------------------------


def _position(pos: Position) -> list[Statement]:
    """The first statement: a forecast or outcome against budget for the committee total, with its date."""
    if not pos.has_outcome_or_forecast and not (pos.report is not None and pos.report.kind == "uppgift"):
        return []
    r = pos.report
    dev = pos.deviation
    per = r.per if r is not None else None
    period = f"helåret {pos.year}" if pos.basis in (FORECAST, CLOSED, BUDGET) else f"{pos.year} till {fmt.date(per)}"
    key = "uppgift" if r is not None and r.kind == "uppgift" else "prognos"
    if r is not None and r.kind == "uppgift" and pos.basis == BUDGET:
        # a deficit stated against the year's budget (a savings need): the source's own words for what it is
        amount = dev if dev is not None else pos.result
        if amount is None:
            return []
        fig = Figure(amount.text() if amount.tkr >= 0 else _abs(amount).text(), key)
        parts = (f"{r.title}: ", fig, f" (budget {pos.year}).")
        return [Statement(POSITION, parts, period, BUDGET, SOURCE, _cited_report(r))]
    head = _cap(basis_phrase(pos.basis, pos.year, per if pos.basis != CLOSED else None))
    if pos.basis == CLOSED and r is not None and r.kind != "uppgift":
        head += f" ({r.title})"
    elif r is not None and r.kind != "uppgift" and per is not None:
        head += f" ({r.title})"
    if dev is not None:
        if dev.agrees_with(0.0):
            parts = (f"{head}: i nivå med budgeten (avvikelse ", Figure(dev.text(sign=True), key), ").")
        else:
            word = "överskott" if dev.tkr > 0 else "underskott"
            parts = (f"{head}: {word} ", Figure(_abs(dev).text(), key, own=not dev.stated), " mot budgeten.")
    elif pos.forecast is not None and pos.budget is not None:
        parts = (
            f"{head}: prognos ",
            Figure(pos.forecast.text(), key),
            " mot budget ",
            Figure(pos.budget.text(), key),
            ".",
        )
    elif pos.outcome is not None:
        parts = (f"{head}: utfall ", Figure(pos.outcome.text(), key), ".")
    else:
        return []
    out = [
        Statement(POSITION, parts, period, pos.basis, SOURCE if dev is None or dev.stated else BOOK, _cited_report(r))
    ]
    rr = pos.reported_result
    if rr is not None and pos.basis == CLOSED:
        out.append(
            Statement(
                POSITION,
                (
                    f"Årets resultat i {basis_phrase(pos.basis, pos.year, None)}: "
                    + ("överskott " if rr.tkr > 0 else "underskott " if rr.tkr < 0 else ""),
                    Figure(_abs(rr).text(), key),
                    ".",
                ),
                period,
                pos.basis,
                SOURCE,
                _cited_report(r),
            )
        )
    return out


def _abs(a: Amount) -> Amount:
    return Amount(abs(a.value), a.unit, a.decimals, a.approx, a.stated)


def _judgements(pos: Position, plan_deficits: set[str]) -> list[Statement]:
    """Statements the source makes about the year's result without an amount, in its own words."""
    out = []
    for f in pos.statements:
        if f.has_amount or f.id in plan_deficits:
            continue
        when = f" ({fmt.date(f.per)})" if f.per else ""
        parts = (f"Enligt {_source_title(f)}{when}: ”{f.quote}” Källan anger inget belopp.",)
        out.append(Statement(JUDGEMENT, parts, str(f.period_year), "bedömning", SOURCE, (_cited_fact(f),), f.quote))
    return out


def _source_title(f: sf.StatedFact) -> str:
    """The source's title without its decision ('Socialnämndens budget 2025–2027'), else 'källan'."""
    label = f.source.removeprefix(citation.PREFIX)
    return label.split(" (", 1)[0] if label else "källan"


def _budget(pos: Position) -> list[Statement]:
    """The year's budget result as the budget table states it, signs in words."""
    if pos.result is None or pos.budget_report is None:
        return []
    r, y = pos.result, pos.year
    key = "budget_resultat" if r.stated else "budget_resultat_beraknat"
    balanced = r.agrees_with(0.0)
    if balanced:
        parts = [f"Budgeten för {y} är lagd i balans"]
    else:
        word = "överskott" if r.value > 0 else "underskott"
        parts = [f"Budgeten för {y} visar ett {word} på ", Figure(_money(_abs(r)), key, own=not r.stated)]
    g, n = pos.grant, pos.net_cost
    if g is not None and n is not None and n.value <= 0:
        verb = "täcker" if g.value >= -n.value else "täcker inte"
        parts += [
            ": kommunbidraget ",
            Figure(_money(g), "budget_kommunbidrag"),
            f" {verb} verksamhetens nettokostnad ",
            Figure(_money(_abs(n)), "budget_nettokostnad"),
        ]
        if balanced:
            parts += ["; årets resultat ", Figure(fmt.unit(0, r.unit, r.decimals), key, own=not r.stated)]
    elif balanced:
        parts += [": årets resultat ", Figure(fmt.unit(0, r.unit, r.decimals), key, own=not r.stated)]
    if not r.stated:
        parts.append(" (resultatet är bokens beräkning: kommunbidrag minus nettokostnad)")
    parts.append(".")
    return [
        Statement(
            BUDGET_RESULT, tuple(parts), str(y), BUDGET, SOURCE if r.stated else BOOK, _cited_report(pos.budget_report)
        )
    ]


def _money(a: Amount) -> str:
    return wording.money(a.value, a.unit, a.decimals)


# --- 2. the plans and 3. the remainder -------------------------------------------------------------------------


@dataclass(frozen=True)
class _PlanEffect:
    """One plan's effect for the year: the amount counted (tkr), its precision, and how the answer says it."""

    tkr: float | None
    rounding_tkr: float
    approx: str
    statement: Statement
    decimals_mnkr: int = 1  # the decimals the effect is stated with, in mnkr (a sum is printed no finer)


def _plan_statements(data: dict, plans, year: int, facts: dict) -> list[_PlanEffect]:
    out = []
    eff = ap.effects_tkr(data)
    summor = data.get("atgardsplan_summor")
    register = data.get(citation.REGISTER)
    for _, p in plans.iterrows():
        pid = p["plan_id"]
        part = eff[(eff["ar"] == year) & (eff["plan_id"] == pid)]
        counted = float(part.loc[part["counted"], "effekt_tkr"].sum()) if part["counted"].any() else None
        left_out = part[~part["counted"] & (part["medraknad_i_andra"] == "ja")]
        stated = _stated_total(summor, pid, year)
        head = f"{_plan_name(p['titel'])} ({_date_of_plan(p)})"
        cited = (Cited(p["kalla"], p["avsnitt"], _label(register, p["kalla"])),)
        parts: list = []
        tkr, rounding, approx = None, 0.0, reconcile.EXACT
        if stated is not None:
            st_tkr, st_round, st_approx, st_text, _ = stated
            parts += [f"{head} anger effekten {year} till ", Figure(st_text, "planen_anger")]
            tkr, rounding, approx = st_tkr, st_round, st_approx
            if counted is not None and not reconcile.within_precision(st_tkr, counted, st_round, st_approx):
                if not left_out.empty and reconcile.within_precision(
                    st_tkr, counted + float(left_out["effekt_tkr"].sum()), st_round, st_approx
                ):
                    parts += [
                        "; ",
                        fmt.mnkr(float(left_out["effekt_tkr"].sum())),
                        " av det är enligt planen redan medräknat i andra åtgärder, så boken räknar ",
                        Figure(_both(counted), "planerad", own=True),
                    ]
                else:
                    parts += [
                        "; åtgärdernas summa är ",
                        Figure(_both(counted), "planerad", own=True),
                        ", en skillnad som källan inte förklarar (se sidan Avstämning)",
                    ]
                tkr, rounding, approx = counted, 0.0, reconcile.EXACT
        elif counted is not None:
            parts += [f"{head} har en planerad effekt {year} på ", Figure(_both(counted), "planerad", own=True)]
            parts.append(", summan av åtgärderna (bokens beräkning)")
            tkr = counted
        else:
            parts += [f"{head} anger ingen effekt för {year}"]
        fact = facts.get(pid)
        if fact is not None and fact.has_amount and fact.period_year != year:
            parts += [
                f"; planen utgår från underskottet i {basis_phrase(_fact_basis(fact), fact.period_year, fact.per)}, ",
                Figure(_fact_amount(fact), "uppgift"),
                f", som inte är ett underskott för {year}",
            ]
        parts.append(".")
        whose = BOOK if stated is None and counted is not None else SOURCE
        dec = 1 if stated is None or stated[2] != reconcile.EXACT else max(0, min(1, stated[4]))
        out.append(
            _PlanEffect(tkr, rounding, approx, Statement(PLAN, tuple(parts), str(year), "plan", whose, cited), dec)
        )
    return out


def _plan_name(title: str) -> str:
    """'Åtgärdsplanen ”Bilaga 2. Ekonomisk handlingsplan”'; a title that names itself a plan or programme alone."""
    import re

    first = title.split()[0] if title.split() else ""
    return f"”{title}”" if re.search(r"plan|program", first, re.IGNORECASE) else f"Åtgärdsplanen ”{title}”"


def _fact_basis(f: sf.StatedFact) -> str:
    return {"bokslut": CLOSED, "prognos": FORECAST, "utfall": OUTCOME, "budget": BUDGET}.get(f.basis, f.basis)


def _stated_total(summor, pid: str, year: int) -> tuple[float, float, str, str, int] | None:
    """A plan's own stated planned total for ``year``: the first row of atgardsplan_summor.csv (tkr, rounding in
    tkr, approx flag, its text as stated). One per plan and year: a second (the same in the text) is the
    Avstämning's."""
    if summor is None:
        return None
    rows = summor[(summor["typ"] == "planerad") & (summor["ar"] == year) & (summor["plan_id"] == pid)]
    if rows.empty:
        return None
    r = rows.iloc[0]
    from decimal import Decimal

    value = Decimal(str(r["belopp"]))
    decimals = max(0, -value.normalize().as_tuple().exponent) if "." in str(r["belopp"]) else 0
    decimals = max(decimals, _printed_decimals(r.get("citat"), r["belopp"]))
    approx = r.get("ungefarlig") if isinstance(r.get("ungefarlig"), str) and r.get("ungefarlig") else reconcile.EXACT
    rounding = 0.5 * 10 ** (-decimals) * units.factor(r["enhet"])
    text = reconcile.APPROX_WORD.get(approx, "") + fmt.unit(float(value), r["enhet"], decimals)
    dec_mnkr = decimals - {"kr": 6, "tkr": 3, "mnkr": 0}.get(r["enhet"], 0)
    return units.to_tkr(float(value), r["enhet"]), rounding, approx, text, dec_mnkr


def _printed_decimals(quote, value) -> int:
    """The decimals the source prints a total with ('Totalt 9,0' -> 1), from its quoted line where it shows."""
    if not isinstance(quote, str):
        return 0
    import re

    for m in re.finditer(r"\d[\d\s]*,(\d+)", quote):
        try:
            if abs(float(m.group(0).replace(" ", "").replace(",", ".")) - float(value)) < 1e-9:
                return len(m.group(1))
        except ValueError:
            continue
    return 0


def _text_plans(pos: Position) -> list[_PlanEffect]:
    """Plans the sources state in their text only (uppgifter.csv: planerad effekt for the year)."""
    out = []
    for f in pos.plan_effects:
        if not f.has_amount or not f.is_money:
            continue
        parts = (f"{f.description}: ", Figure(_fact_amount(f, magnitude=False), "uppgift"), f" (plan för {pos.year}).")
        st = Statement(PLAN, parts, str(pos.year), "plan", SOURCE, (_cited_fact(f),))
        dec = f.decimals - {"kr": 6, "tkr": 3, "mnkr": 0}.get(f.unit, 0)
        out.append(_PlanEffect(f.tkr, 0.5 * 10 ** (-f.decimals) * units.factor(f.unit), f.approx, st, dec))
    return out


def _remainder(year: int, effects: list[_PlanEffect], deficits: list[sf.StatedFact], plan_count: int) -> Remainder:
    """The one remainder (see the module): the deficit for ``year`` minus every plan's effect for it."""
    if not deficits:
        return Remainder(
            why=f"Källorna anger inget underskott för {year} som planerna ska möta, så boken räknar "
            f"inte ut något som återstår."
        )
    amounts = [f for f in deficits if f.has_amount and f.is_money]
    if len(amounts) < len(deficits):
        return Remainder(
            why="Underskottet som planen ska hantera anges inte med belopp, så boken räknar inte ut något som återstår."
        )
    other = [f for f in amounts if f.period_year != year]
    if other:
        f = other[0]
        return Remainder(
            why=f"Boken räknar inte ut något som återstår för {year}: underskottet som planen utgår från gäller "
            f"{basis_phrase(_fact_basis(f), f.period_year, None)}, och källorna anger inget underskott för {year}."
        )
    missing = [e for e in effects if e.tkr is None]
    if missing or not effects:
        return Remainder(why=f"Boken räknar inte ut något som återstår: inte varje plan anger sin effekt för {year}.")
    deficit = sum(abs(f.tkr) for f in amounts)
    planned = sum(e.tkr for e in effects)
    rounding = sum(0.5 * 10 ** (-f.decimals) * units.factor(f.unit) for f in amounts)
    rounding += sum(e.rounding_tkr for e in effects)
    approx = next(
        (a for a in [f.approx for f in amounts] + [e.approx for e in effects] if a != reconcile.EXACT), reconcile.EXACT
    )
    within = approx != reconcile.EXACT and reconcile.within_precision(deficit, planned, rounding, approx)
    f = amounts[0]
    text = f"underskottet {' + '.join(_fact_amount(x) for x in amounts)} i "
    text += basis_phrase(_fact_basis(f), year, f.per if _fact_basis(f) == FORECAST else None)
    return Remainder(deficit - planned, deficit, planned, within, text)


def _later_forecast(pos: Position, deficits: list[sf.StatedFact]) -> str:
    """Where the year's position is a forecast dated after the deficit the plans meet: that it may already count
    the plans' effect (the book never subtracts a plan's effect from such a forecast)."""
    r = pos.report
    if pos.basis not in (FORECAST, OUTCOME) or r is None or r.per is None:
        return ""
    dates = [f.per for f in deficits if f.per is not None]
    if not dates or r.per <= max(dates):
        return ""
    return (
        f" Den senare prognosen per {fmt.date(r.per)} kan redan räkna med planens effekt; källan anger inte om den "
        "gör det, så boken drar inte planens effekt från den."
    )


def remainder(data: dict, year: int, pos: Position | None = None) -> Remainder:
    """The year's one remainder (the answer's), for the budget and action-plan chapters."""
    return answer(data, year, None, pos).remainder


def _remainder_statement(rem: Remainder, year: int, n_plans: int) -> Statement:
    plans = "planerna" if n_plans > 1 else "planen"
    if rem.gap_tkr is None:
        return Statement(REMAINDER, (rem.why,), str(year), BOOK, BOOK)
    if rem.within_precision:
        parts = (
            f"{_cap(plans)}s effekt {year} motsvarar {rem.deficit_text} inom den precision som källan anger "
            "beloppen med, så boken anger ingen återstod.",
        )
        return Statement(REMAINDER, parts, str(year), BOOK, BOOK)
    gap = rem.gap_tkr
    if abs(gap) < 0.5:
        parts = (f"{_cap(plans)}s effekt {year} täcker {rem.deficit_text} precis (bokens beräkning).",)
    elif gap > 0:
        parts = (
            f"Kvar efter {plans}: ",
            Figure(_both(gap), "kvar", own=True),
            f" av {rem.deficit_text} (bokens beräkning).",
        )
    else:
        parts = (
            f"{_cap(plans)}s effekt {year} är ",
            Figure(_both(-gap), "kvar", own=True),
            f" större än {rem.deficit_text} (bokens beräkning).",
        )
    return Statement(REMAINDER, parts, str(year), BOOK, BOOK)


# --- 4. the follow-up ------------------------------------------------------------------------------------------

NUMBER_WORDS = {2: "två", 3: "tre", 4: "fyra", 5: "fem"}
LIGHT_PLURAL = {ap.RED: "röda", ap.YELLOW: "gula", ap.GREEN: "gröna", ap.GREY: "grå"}
LIGHT_SINGULAR = {ap.RED: "röd", ap.YELLOW: "gul", ap.GREEN: "grön", ap.GREY: "grå"}


def _followup(data: dict, plans, year: int, period) -> list[Statement]:
    st = ap.status_table(data, year, period)
    if st is None or not st["has_followup"].any():
        return []
    dates = sorted(set(st.loc[st["has_followup"], "as_of"]))
    as_of = ", ".join(fmt.date(d) for d in dates)
    fu = data.get("uppfoljning_atgarder")
    cited = ()
    if fu is not None:
        rows = fu[fu["atgard_id"].isin(set(st["atgard_id"])) & fu["per_datum"].isin(set(dates))]
        if not rows.empty:
            r = rows.iloc[0]
            cited = (Cited(r["kalla"], r["avsnitt"], _label(data.get(citation.REGISTER), r["kalla"])),)
    out = []
    actual = float(st["actual_tkr"].sum(min_count=1)) if st["actual_tkr"].notna().any() else None
    stated = _stated_actual(data, plans, year)
    if stated is not None:
        parts = [f"Uppföljningen per {as_of}: faktisk effekt hittills ", Figure(stated[1], "faktisk"), " enligt källan"]
        if actual is not None and abs(stated[0] - actual) >= 0.5:
            parts += [" (åtgärdernas belopp summerar till ", Figure(fmt.tkr(actual), "faktisk_summa", own=True), ")"]
        parts.append(".")
        out.append(Statement(FOLLOWUP, tuple(parts), f"per {as_of}", "uppföljning", SOURCE, cited))
    elif actual is not None:
        parts = (
            f"Uppföljningen per {as_of}: faktisk effekt hittills ",
            Figure(fmt.tkr(actual), "faktisk_summa", own=True),
            " (summan av åtgärdernas belopp, bokens beräkning).",
        )
        out.append(Statement(FOLLOWUP, parts, f"per {as_of}", "uppföljning", BOOK, cited))
    # the source's own status, where it gives one
    source = st[st["source_status"].notna()]
    if not source.empty:
        counts = source["source_status"].value_counts()
        words = []
        for status in ap.SOURCE_STATUSES[::-1]:
            n = int(counts.get(status, 0))
            if not n:
                continue
            if status == ap.TOO_EARLY:
                words.append(
                    f"för {fmt.number(n)} {'åtgärd' if n == 1 else 'åtgärder'} är det för tidigt att bedöma effekten"
                )
            else:
                words.append(f"{fmt.number(n)} {LIGHT_SINGULAR[status] if n == 1 else LIGHT_PLURAL[status]}")
        parts = ("Källans egen bedömning per " + as_of + ": ", Figure(_join(words), "kallans_status"), ".")
        out.append(Statement(LIGHTS, parts, f"per {as_of}", "bedömning", SOURCE, cited))
    book = st[st["source_status"].isna()]
    if not book.empty:
        words = []
        for light in (ap.RED, ap.YELLOW, ap.GREEN, ap.GREY):
            n = int((book["light"] == light).sum())
            if n:
                words.append(f"{fmt.number(n)} {LIGHT_SINGULAR[light] if n == 1 else LIGHT_PLURAL[light]}")
        start = _start_text(plans, year)
        lead = "Övriga åtgärder" if not source.empty else "Åtgärderna"
        parts = (
            f"{lead} jämförda med en jämn fördelning av årets planerade effekt från {start}: ",
            Figure(_join(words), "trafikljus", own=True),
            " (bokens beräkning, inte källans bedömning).",
        )
        out.append(Statement(LIGHTS, parts, f"per {as_of}", BOOK, BOOK, cited))
    return out


def _join(words: list[str]) -> str:
    return ", ".join(words[:-1]) + (" och " if len(words) > 1 else "") + words[-1]


def _start_text(plans, year: int) -> str:
    """Where the book's pro-rata expectation starts: the plan's decision date in the year, else 1 January."""
    start = ap.pro_rata_start(plans, year)
    if start == dt.date(year, 1, 1):
        return f"1 januari {year}"
    return f"beslutet {fmt.date(start)}"


def _stated_actual(data: dict, plans, year: int) -> tuple[float, str] | None:
    """The source's own total of the actual effect for ``year`` (tkr and its text; a total in tkr preferred)."""
    sums = data.get("atgardsplan_summor")
    if sums is None:
        return None
    part = sums[(sums["typ"] == "faktisk") & (sums["ar"] == year) & sums["plan_id"].isin(set(plans["plan_id"]))]
    if part.empty:
        return None
    part = part.sort_values("enhet", key=lambda e: e != "tkr", kind="stable")
    r = part.iloc[0]
    return units.to_tkr(r["belopp"], r["enhet"]), fmt.unit(r["belopp"], r["enhet"], 0 if r["enhet"] == "tkr" else 1)


# --- the answer -------------------------------------------------------------------------------------------------


def answer(data: dict, year: int, period=None, pos: Position | None = None) -> Answer:
    """The answer of ``year`` for an organisation's validated input (datasets.load_org's frames, as values).

    ``period`` is the page's report date (a tertial or a date: the follow-ups up to it count; None: the year's
    end); ``pos`` the year's position (rapportbok.analysis.position), worked out from ``data`` when not given."""
    year = int(year)
    if pos is None:
        from rapportbok.analysis import position as position_of

        pos = position_of.of_data(data, year)
    plans = ap.plans_for_year(data, year)
    facts = ap.plan_deficits(data, plans)
    out = _position(pos)
    out += _judgements(pos, {f.id for f in facts.values()})
    if not any(s.kind == POSITION for s in out):
        out += _budget(pos)
    if not out:
        out.append(
            Statement(
                NO_POSITION,
                (
                    f"Källorna anger ingen prognos, inget utfall och ingen budget för nämndens total {year}."
                    if pos.budget_report is None
                    else f"Källorna anger ingen prognos och inget utfall för nämndens total {year}, och budgeten "
                    "anger inget resultat för året.",
                ),
                str(year),
                "",
                SOURCE,
            )
        )
    effects = _text_plans(pos)
    if plans is None and not effects:
        out.append(Statement(NO_PLAN, (f"Ingen åtgärdsplan i källorna gäller {year}.",), str(year), "plan", SOURCE))
        return Answer(year, tuple(out), Remainder(why=f"Ingen åtgärdsplan i källorna gäller {year}."), False)
    if plans is not None:
        effects = _plan_statements(data, plans, year, facts) + effects
    out += [e.statement for e in effects]
    if len(effects) > 1 and all(e.tkr is not None for e in effects):
        total = sum(e.tkr for e in effects)
        dec = max(0, min(1, min(e.decimals_mnkr for e in effects)))
        out.append(
            Statement(
                PLAN,
                (
                    f"Sammanlagt ska de {NUMBER_WORDS.get(len(effects), str(len(effects)))} planerna ge ",
                    Figure(fmt.unit(total / 1000, "mnkr", dec), "planerad", own=True),
                    f" {year} (bokens beräkning).",
                ),
                str(year),
                "plan",
                BOOK,
            )
        )
    deficits = list(dict.fromkeys(facts.values()))
    rem = _remainder(year, effects, deficits, len(effects))
    said = _remainder_statement(rem, year, len(effects))
    later = _later_forecast(pos, deficits)
    if rem.stated and later:
        said = Statement(said.kind, (*said.parts, later), said.period, said.basis, said.whose, said.cited)
    out.append(said)
    if plans is not None:
        out += _followup(data, plans, year, period if period is not None else dt.date(year, 12, 31))
    return Answer(year, tuple(out), rem, True)
