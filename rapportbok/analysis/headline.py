"""The headline of an organisation-year: the deficit, the action plan's effect, what remains.

A nämnd member's first question is whether the nämnd is heading for a deficit, how large it is
and whether the action plan closes it. :func:`headline` answers it from the same functions the
action-plan chapter uses (no figure of its own): the deficit the plans state, the planned effect
for the year (without measures the source says are counted in others), the gap between them,
and how many measures are red, yellow and green with the planned effect each group holds.

Where no deficit and no forecast is stated, the budget's own answer comes first: the year's result
(the row meaning ``resultat``, or kommunbidrag minus net cost) with the kommunbidrag and the net cost,
as the budget chapter reads them (rapportbok.analysis.budget).

Its inputs are values: the year's :class:`rapportbok.analysis.position.Position` (what the latest
report states for the committee total, and the year's budget) and the plans with their stated deficits
(facts with their year and basis, rapportbok.data.stated_figures). A figure the sources do not state
stays None; its sentence is left out, never filled in. An approximate figure is compared within its
precision (rapportbok.analysis.reconcile.within_precision), as everywhere in the book.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rapportbok.analysis import actionplan as ap
from rapportbok.analysis import reconcile, wording
from rapportbok.analysis.position import Amount, Position, Report
from rapportbok.core import fmt, units

LIGHT_ORDER = (ap.RED, ap.YELLOW, ap.GREEN, ap.GREY)
LIGHT_PLURAL = {ap.RED: "röda", ap.YELLOW: "gula", ap.GREEN: "gröna", ap.GREY: "grå"}
LIGHT_SINGULAR = {ap.RED: "röd", ap.YELLOW: "gul", ap.GREEN: "grön", ap.GREY: "grå"}


@dataclass(frozen=True)
class Headline:
    year: int
    has_plan: bool
    deficit_tkr: float | None = None  # the deficit the plans state (sum over the year's plans)
    deficit_text: str = ""  # what the deficit is, as the source says (underskott_avser)
    deficit_rows: object = None  # the plan rows that state it (for the citation)
    planned_tkr: float | None = None  # the planned effect for the year
    has_followup: bool = False
    as_of: str = ""  # date of the follow-up, Swedish
    actual_tkr: float | None = None  # actual effect to date (follow-up)
    lights: dict = field(default_factory=dict)  # light -> (number of measures, planned tkr)
    stated_planned_tkr: float | None = None  # the plan's own total for the year, where it states one
    double_counted_tkr: float = 0.0  # effect of measures the source says are counted in others
    stated_actual_tkr: float | None = None  # the actual effect to date the source states as a total
    budget: BudgetAnswer | None = None  # the budget's result for the year (see budget_answer)
    has_forecast: bool = False  # a report states a forecast or outcome for the year's committee total
    position: Position | None = None  # what the latest report states for the committee total (the answer's input)
    deficits: tuple = ()  # the stated facts the plans name as their deficit (amount, year or date, basis)
    stated_total: object = None  # the plans' own stated total for the year with its precision (ap.StatedTotal)

    @property
    def budget_first(self) -> bool:
        """The budget's result answers the question: no deficit and no forecast stated, but a result."""
        return self.budget is not None and self.deficit_tkr is None and not self.has_forecast

    @property
    def dedup_explains(self) -> bool:
        """The plan's own total differs from the book's only by measures counted in others (within the stated
        total's precision, the one rule of reconcile.within_precision)."""
        if self.stated_total is None or self.planned_tkr is None or not self.double_counted_tkr:
            return False
        if self.stated_total.agrees_with(self.planned_tkr):
            return False
        return self.stated_total.agrees_with(self.planned_tkr + self.double_counted_tkr)

    @property
    def gap_tkr(self) -> float | None:
        """What remains of the deficit after the planned effect (None without both figures)."""
        if self.deficit_tkr is None or self.planned_tkr is None:
            return None
        return self.deficit_tkr - self.planned_tkr

    @property
    def gap_within_precision(self) -> bool:
        """The deficit and the planned effect agree within the precision the source states the deficit with
        (its rounding, or an approximate figure's): no remainder is stated more precisely than the source."""
        if self.gap_tkr is None:
            return False
        facts = [f for f in self.deficits if f.tkr is not None]
        approx = next((f.approx for f in facts if f.approx != reconcile.EXACT), reconcile.EXACT)
        rounding = sum(0.5 * 10 ** (-f.decimals) * units.factor(f.unit) for f in facts)
        if approx == reconcile.EXACT:
            return False  # an exact deficit: the remainder is shown as computed
        return reconcile.within_precision(self.deficit_tkr, self.planned_tkr, rounding, approx)


@dataclass(frozen=True)
class BudgetAnswer:
    """The year's budget result as the budget table states it (in the table's unit, with its signs)."""

    result: Amount
    result_stated: bool  # the table's own result row; False: kommunbidrag minus net cost (own computation)
    grant: Amount | None = None
    net: Amount | None = None  # stated negative (a cost)
    report: Report | None = None  # the budget table (for the citation)

    @property
    def result_tkr(self) -> float:
        return self.result.tkr

    @property
    def balanced(self) -> bool:
        """The result is 0 within its printed precision."""
        return self.result.agrees_with(0.0)


def budget_answer(pos: Position | None) -> BudgetAnswer | None:
    """The budget's result for the position's year: the row meaning resultat, else kommunbidrag minus net cost
    (None when the budget states neither)."""
    if pos is None or pos.result is None or pos.budget_report is None:
        return None
    return BudgetAnswer(pos.result, pos.result.stated, pos.grant, pos.net_cost, pos.budget_report)


def headline(data: dict, year: int, tertial: int, pos: Position | None = None) -> Headline:
    """The headline of ``year``: ``pos`` is the year's position (rapportbok.analysis.position; worked out from
    ``data`` when not given)."""
    if pos is None:
        from rapportbok.analysis import position as position_of

        pos = position_of.of_data(data, int(year))
    plans = ap.plans_for_year(data, int(year))
    budget = budget_answer(pos)
    forecast = pos is not None and pos.has_outcome_or_forecast
    if plans is None:
        return Headline(int(year), False, budget=budget, has_forecast=forecast, position=pos)
    facts = ap.plan_deficits(data, plans)
    stated = plans[[pid in facts and facts[pid].tkr is not None for pid in plans["plan_id"]]]
    deficits = tuple(facts[pid] for pid in stated["plan_id"])
    deficit = sum(ap.deficit_tkr(f) for f in deficits) if deficits else None
    deficit_text = "; ".join(str(t) for t in stated["underskott_avser"] if isinstance(t, str))
    planned, _ = ap.planned_effect_for_year(data, int(year))
    st = ap.status_table(data, int(year), int(tertial))
    has_fu = st is not None and bool(st["has_followup"].any())
    lights, as_of, actual = {}, "", None
    if has_fu:
        for light in LIGHT_ORDER:
            part = st[st["light"] == light]
            if part.empty:
                continue
            lights[light] = (
                len(part),
                float(part.loc[part["counted"], "planned_tkr"].sum(min_count=1)) if part["counted"].any() else None,
            )
        dates = sorted(set(st.loc[st["has_followup"], "as_of"]))
        as_of = ", ".join(fmt.date(d) for d in dates)
        actual = float(st["actual_tkr"].sum(min_count=1)) if st["actual_tkr"].notna().any() else None
    stated_total, dbl = _stated_total(data, plans, int(year))
    return Headline(
        int(year),
        True,
        deficit,
        deficit_text,
        stated if not stated.empty else None,
        planned,
        has_fu,
        as_of,
        actual,
        lights,
        stated_total,
        dbl,
        _stated_actual(data, plans, int(year)),
        budget,
        forecast,
        pos,
        deficits,
        ap.stated_total(data, int(year)),
    )


def _stated_actual(data: dict, plans, year: int) -> float | None:
    """The source's own total of the actual effect for ``year`` (tkr; a total in tkr preferred)."""
    sums = data.get("atgardsplan_summor")
    if sums is None:
        return None
    part = sums[(sums["typ"] == "faktisk") & (sums["ar"] == year) & sums["plan_id"].isin(set(plans["plan_id"]))]
    if part.empty:
        return None
    part = part.sort_values("enhet", key=lambda e: e != "tkr", kind="stable")
    return units.to_tkr(part["belopp"].iloc[0], part["enhet"].iloc[0])


def _stated_total(data: dict, plans, year: int) -> tuple[float | None, float]:
    """The plans' own stated planned total for ``year`` (tkr, ap.stated_total) and the effect of measures
    flagged as counted in others (which the book leaves out of its sum)."""
    total = ap.stated_total(data, year)
    stated = None if total is None else total.tkr
    eff = ap.effects_tkr(data)
    flagged = eff[(eff["ar"] == year) & eff["plan_id"].isin(set(plans["plan_id"])) & (eff["medraknad_i_andra"] == "ja")]
    return stated, float(flagged["effekt_tkr"].sum())


# The figures of the headline, by key, for :func:`sentences`' ``figure`` (a page links each to where it
# is worked out: rapportbok.chapters.actionplan.HEADLINE_ANCHORS).
FIGURES = (
    "underskott",
    "planerad",
    "planen_anger",
    "kvar",
    "trafikljus",
    "faktisk",
    "forvaltningen_anger",
    "budget_resultat",
    "budget_resultat_beraknat",
    "budget_kommunbidrag",
    "budget_nettokostnad",
)


def _plain(key: str, text: str) -> str:
    return text


def light_counts_text(h: Headline) -> str:
    """'8 röda åtgärder med 10 240 av 15 000 tkr planerat, 1 gul med 1 000 tkr, …' ('' without a follow-up)."""
    if not h.lights:
        return ""
    parts = []
    for light, (n, planned) in h.lights.items():
        word = LIGHT_PLURAL[light] if n != 1 else LIGHT_SINGULAR[light]
        text = f"{fmt.number(n)} {word}"
        if not parts:
            text += " åtgärder" if n != 1 else " åtgärd"
        if light == ap.GREY:
            text += " (kan inte bedömas)"
        elif planned is not None and h.planned_tkr:
            text += (
                f" med {fmt.number(planned)} av {fmt.tkr(h.planned_tkr)} planerat"
                if not parts
                else f" med {fmt.tkr(planned)}"
            )
        parts.append(text)
    return ", ".join(parts[:-1]) + (" och " if len(parts) > 1 else "") + parts[-1]


def deficit_amount(h: Headline, short: bool = False) -> str:
    """The deficit as the text states it: '99,0 mnkr (99 000 tkr)'; an approximate one with its word and no more
    decimals than the source prints ('omkring 40 mnkr'), never as a precise figure."""
    approx = [f for f in h.deficits if f.tkr is not None and f.approx != reconcile.EXACT]
    if len(h.deficits) == 1 and approx:
        f = approx[0]
        return reconcile.APPROX_WORD[f.approx] + fmt.unit(abs(float(f.value)), f.unit, f.decimals)
    return fmt.mnkr(h.deficit_tkr) if short else f"{fmt.mnkr(h.deficit_tkr)} ({fmt.tkr(h.deficit_tkr)})"


def gap_text(h: Headline, figure=_plain) -> str:
    """What remains after the plan, as a clause ('' when the deficit or the effect is not stated). Where the
    deficit is approximate and the plan agrees with it within that precision, no remainder is given."""
    gap = h.gap_tkr
    if gap is None:
        return ""
    if h.gap_within_precision:
        return "Planens effekt motsvarar underskottet inom den precision som källan anger underskottet med."
    if gap > 0:
        return f"Kvar efter planen: {figure('kvar', f'{fmt.mnkr(gap)} ({fmt.tkr(gap)})')}."
    if gap < 0:
        return f"Planen överstiger underskottet med {figure('kvar', f'{fmt.mnkr(-gap)} ({fmt.tkr(-gap)})')}."
    return "Planen täcker underskottet precis."


def _money(a: Amount | None, negate: bool = False) -> str:
    """'256,3 mnkr (256 303 tkr)' for a table in tkr; '158,5 mnkr' for one in mnkr (its own precision)."""
    v = -a.value if negate else a.value
    return wording.money(v, a.unit, a.decimals)


def _zero(a: Amount) -> str:
    return fmt.unit(0, a.unit, a.decimals)


def budget_text(h: Headline, figure=_plain) -> str:
    """The budget's answer for the year as one sentence, signs in words ('' when it does not answer):
    'Budgeten för 2025 är lagd i balans: kommunbidraget 256,3 mnkr (256 303 tkr) täcker verksamhetens
    nettokostnad 256,3 mnkr (256 303 tkr); årets resultat 0 tkr.'"""
    if not h.budget_first:
        return ""
    b = h.budget
    key = "budget_resultat" if b.result_stated else "budget_resultat_beraknat"
    r = b.result
    if b.balanced:
        head = f"Budgeten för {h.year} är lagd i balans"
    else:
        word = "överskott" if r.value > 0 else "underskott"
        head = f"Budgeten för {h.year} visar ett {word} på {figure(key, _money(r, negate=r.value < 0))}"
    own = "" if b.result_stated else ", egen beräkning"
    if b.grant is not None and b.net is not None and b.net.value <= 0:
        verb = "täcker" if b.grant.value >= -b.net.value else "täcker inte"
        text = (
            f"{head}: kommunbidraget {figure('budget_kommunbidrag', _money(b.grant))} {verb} "
            f"verksamhetens nettokostnad {figure('budget_nettokostnad', _money(b.net, negate=True))}"
        )
        if b.balanced:
            text += f"; årets resultat {figure(key, _zero(r))}{own}"
        elif own:
            text += "; resultatet är egen beräkning"
        return text + "."
    if b.balanced:
        return f"{head}: årets resultat {figure(key, _zero(r))}{own}."
    return head + (f" ({own[2:]})" if own else "") + "."


def sentences(h: Headline, figure=_plain) -> list[str]:
    """The headline as short Swedish sentences (plain text, numbers through fmt).

    A sentence whose figure the sources do not state is left out (not filled with 'anges inte');
    where no deficit or forecast is stated, the budget's result comes first (:func:`budget_text`).
    ``figure(key, text)`` is applied to each figure's text (key one of :data:`FIGURES`), e.g. to mark
    it for a link.
    """
    out = [budget_text(h, figure)] if h.budget_first else []
    if not h.has_plan:
        return out
    if h.deficit_tkr is not None:
        out.append(f"Underskott: {figure('underskott', deficit_amount(h, short=False))}.")
    if h.planned_tkr is not None:
        text = f"Åtgärdsplanens planerade effekt {h.year}: " + figure(
            "planerad", f"{fmt.mnkr(h.planned_tkr)} ({fmt.tkr(h.planned_tkr)})"
        )
        if h.dedup_explains:
            text += (
                f"; planen själv anger {figure('planen_anger', fmt.mnkr(h.stated_planned_tkr))}, men "
                f"{fmt.mnkr(h.double_counted_tkr)} av det "
                f"är enligt planen redan medräknat i andra åtgärder och räknas här bara en gång"
            )
        out.append(text + ".")
    if gap_text(h):
        out.append(gap_text(h, figure))
    if h.has_followup:
        text = f"Uppföljning per {h.as_of}: {figure('trafikljus', light_counts_text(h))}."
        if h.actual_tkr is not None:
            text += f" Faktisk effekt hittills, summerad per åtgärd: {figure('faktisk', fmt.tkr(h.actual_tkr))}"
            if h.stated_actual_tkr is not None and abs(h.stated_actual_tkr - h.actual_tkr) >= 0.5:
                text += f" (förvaltningen anger summan {figure('forvaltningen_anger', fmt.tkr(h.stated_actual_tkr))})"
            text += "."
        out.append(text)
    return out


def short_text(h: Headline, figure=_plain) -> str:
    """One line for the landing page: the budget's result where it answers, deficit, plan, gap (figures
    not stated are left out). ``figure(key, text)`` is applied to each figure's text as in
    :func:`sentences`, e.g. to mark it for a link."""
    parts = [short_budget_text(h, figure)] if h.budget_first else []
    if not h.has_plan and not parts:
        return ""
    if h.deficit_tkr is not None:
        parts.append(f"underskott {figure('underskott', deficit_amount(h, short=True))}")
    if h.planned_tkr is not None:
        parts.append(f"planerad effekt {h.year} {figure('planerad', fmt.mnkr(h.planned_tkr))}")
    gap = h.gap_tkr
    if gap is not None and h.gap_within_precision:
        parts.append("planen motsvarar underskottet inom källans precision")
    elif gap is not None:
        parts.append(
            f"kvar {figure('kvar', fmt.mnkr(gap))}"
            if gap >= 0
            else f"planen överstiger underskottet med {figure('kvar', fmt.mnkr(-gap))}"
        )
    if h.lights.get(ap.RED):
        n, planned = h.lights[ap.RED]
        red = f"{fmt.number(n)} röda åtgärder" + (
            f" med {fmt.number(planned)} av {fmt.tkr(h.planned_tkr)} planerat"
            if planned is not None and h.planned_tkr
            else ""
        )
        parts.append(figure("trafikljus", red))
    if not parts:
        return ""
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def short_budget_text(h: Headline, figure=_plain) -> str:
    """The budget's answer in the landing page's line: 'budgeten 2025 lagd i balans: kommunbidraget 256,3 mnkr
    täcker nettokostnaden 256,3 mnkr' ('' when it does not answer)."""
    if not h.budget_first:
        return ""
    b = h.budget
    key = "budget_resultat" if b.result_stated else "budget_resultat_beraknat"
    r = b.result

    def short(a: Amount, negate: bool = False) -> str:
        return wording.money_short(-a.value if negate else a.value, a.unit, a.decimals)

    head = (
        f"budgeten {h.year} lagd i balans"
        if b.balanced
        else f"budgeten {h.year} visar ett {'överskott' if r.value > 0 else 'underskott'} på "
        f"{figure(key, short(r, negate=r.value < 0))}"
    )
    if b.grant is not None and b.net is not None and b.net.value <= 0:
        verb = "täcker" if b.grant.value >= -b.net.value else "täcker inte"
        return (
            f"{head}: kommunbidraget {figure('budget_kommunbidrag', short(b.grant))} {verb} "
            f"nettokostnaden {figure('budget_nettokostnad', short(b.net, negate=True))}"
        )
    return head + (f" (resultat {figure(key, _zero(r))})" if b.balanced else "")
