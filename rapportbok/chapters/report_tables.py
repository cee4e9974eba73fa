"""The chapter of stated tables: every table a report of the year states, as stated, with its Avstämning.

Per report (kind and date) of the page's year: the share of the year the report covers, each table
in its own unit and number of decimals (never shown more precisely than the source prints it), a
follow-up table's recomputed columns beside the stated ones (outcome in per cent of budget, outcome
against the same period last year, the stated avvikelse beside the recomputed one), and the folded
Avstämning with every relation the book recomputes (rapportbok.analysis.stated_tables).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from rapportbok.analysis import budget as bu
from rapportbok.analysis import budget_followup as bf
from rapportbok.analysis import reconcile
from rapportbok.analysis import stated_tables as rel
from rapportbok.chapters import Chapter, ChapterPage, audit
from rapportbok.core import escape, fmt, periods
from rapportbok.data import stated_tables as model
from rapportbok.data.stated_tables import KIND_TITLE
from rapportbok.present import tables
from rapportbok.present.display import md

SLUG = "tabeller"


def budget_tables(all_tables: list[model.StatedTable]) -> set[str]:
    """The budget-kind tables the budget chapter shows and reconciles (the budget and the investment budget
    it reads for some year); not shown here again."""
    years = {y for t in all_tables if t.kind == "budget" for y in bu.year_columns(t)}
    out = set()
    for y in years:
        for t in (bu.budget_table(all_tables, y), bu.investment_table(all_tables, y)):
            if t is not None:
                out.add(t.id)
    return out


def has_data(data: dict, year: int) -> bool:
    all_tables = model.load(data)
    shown = budget_tables(all_tables)
    return any(t.year == int(year) and t.id not in shown for t in all_tables)


def warnings(data: dict, org: str) -> list[str]:
    all_tables = model.load(data)
    checks = rel.all_checks(all_tables, model.links(data))
    shown = budget_tables(all_tables)
    return reconcile.warning_lines(
        "Avstämning (tabeller): ",
        [c.finding for c in checks if not all(cell[0] in shown for cell in c.cells)],
    )


CHAPTER = Chapter(
    SLUG,
    "Rapporternas tabeller",
    has_data,
    ("tabeller", "tabell_kolumner", "tabell_varden", "tabell_lankar", "tabell_kommentarer", "tabell_begrepp"),
    warnings,
)


def followup_read(all_tables: list[model.StatedTable]) -> set[str]:
    """The follow-up tables the budget chapter's follow-up analyses (rapportbok.analysis.budget_followup):
    shown here as stated, with their Avstämning, but not analysed a second time."""
    return {t.id for t in bf.followup_tables(all_tables)[0]}


def reports(all_tables: list[model.StatedTable], year: int) -> list[tuple[dt.date, str, list[model.StatedTable]]]:
    """The year's reports: (date, kind, tables), by date; a report with a name of its own (rapportnamn) is one
    report of its kind."""
    out: dict[tuple[dt.date, str, str], list[model.StatedTable]] = {}
    for t in all_tables:
        if t.year == int(year):
            out.setdefault((t.per, t.kind, t.report_name), []).append(t)
    return [(d, k, ts) for (d, k, _), ts in sorted(out.items())]


def report_title(kind: str, d: dt.date, name: str = "") -> str:
    """'Månadsrapport per 31 oktober 2025'; a report with its own name: 'Uppföljningsrapport 2 per 30 november 2025
    (månadsrapport)'."""
    if name:
        return f"{name} per {fmt.date(d)} ({kind})"
    return f"{KIND_TITLE[kind]} per {fmt.date(d)}"


def share_text(kind: str, d: dt.date, year: int | None = None) -> str:
    """The period a report covers and the share of the year, in words: 10 of 12 months for 31 October.

    ``year``: a budget's own year (:attr:`StatedTable.year`), which may follow its date's year."""
    if kind == "budget":
        return f"Budgeten för {year or d.year} (rapportdatum {fmt.date(d)})."
    m = periods.months_elapsed(d)
    if m == 12:
        return f"Rapporten avser helåret {d.year}."
    return (
        f"Rapporten avser {periods.period_text(d)}: {m} av årets 12 månader, {fmt.pct(periods.share_pct(d))} av året."
    )


def _num(v) -> float:
    return float("nan") if v is None else float(v)


def frame(t: model.StatedTable) -> tuple[pd.DataFrame, dict, list[int]]:
    """The table as stated: one column per source column (its printed header), formats at the printed precision,
    bold sums and headings, and the source's comments to the rows (tabell_kommentarer.csv) where it gives any."""
    label = "Post"
    data = {label: [r.label for r in t.rows]}
    formats = {}
    for c in t.columns:
        head = c.header if c.header not in data else f"{c.header} ({c.id})"
        data[head] = [_num(t.value(r.number, c.id)) for r in t.rows]
        formats[head] = fmt.Number(t.decimals)
    if any(r.comment for r in t.rows):
        data["Kommentar"] = [r.comment for r in t.rows]
    bold = [i for i, r in enumerate(t.rows) if r.role in (model.SUM, model.DIFF, model.HEADING) or t.children(r.number)]
    return pd.DataFrame(data), formats, bold


def depths(t: model.StatedTable) -> list[int]:
    """Per row, how far its label is indented: one level per ancestor printed above it (a heading row over
    its sub-rows); a total printed below its rows indents nothing, as in the source."""
    position = {r.number: i for i, r in enumerate(t.rows)}
    parent = {r.number: r.parent for r in t.rows}
    heading = t.headings()  # rows grouped under a heading row (rubrik) are one level in under it
    out = []
    for r in t.rows:
        level, seen, p = 0, {r.number}, r.parent
        while p is not None and p in position and p not in seen:
            level += position[p] < position[r.number]
            seen.add(p)
            p = parent[p]
        if r.number in heading:
            level += 1
        out.append(level)
    return out


def _first(t: model.StatedTable, measure: str) -> model.Column | None:
    return next((c for c in t.columns if c.measure == measure), None)


def followup_frame(t: model.StatedTable, d: dt.date, analysis: bool = True) -> tuple[pd.DataFrame, dict] | None:
    """A follow-up's recomputed columns beside the stated ones; None when the table has none of the measures.

    ``analysis=False``: only the columns the source computes from others (its ``berakning``), recomputed: for a
    table the budget chapter's follow-up analyses (the shares and changes are there)."""
    outcome, budget_year = _first(t, "utfall ack"), _first(t, "budget helår")
    budget_ack, last_year = _first(t, "budget ack"), _first(t, "utfall ack föregående år")
    data = {"Post": [r.label for r in t.rows]}
    formats = {}

    def amount(v, dd=t.decimals):
        return fmt.number(v, dd)

    def pct(v):
        return fmt.pct(v, 1)

    def col(name, values, f):
        data[name] = values
        formats[name] = f

    rows = t.rows
    if not analysis:
        outcome = budget_ack = last_year = None
    if outcome and budget_year:
        col(
            f"{outcome.header} i % av {budget_year.header.lower()}",
            [_ratio(t.value(r.number, outcome.id), t.value(r.number, budget_year.id)) for r in rows],
            pct,
        )
    if outcome and budget_ack:
        col(
            f"{outcome.header} − {budget_ack.header.lower()}",
            [_diff(t.value(r.number, outcome.id), t.value(r.number, budget_ack.id)) for r in rows],
            amount,
        )
    if outcome and last_year:
        col(
            f"Förändring mot {last_year.header.lower()}",
            [_diff(t.value(r.number, outcome.id), t.value(r.number, last_year.id)) for r in rows],
            amount,
        )
        col(
            f"Förändring mot {last_year.header.lower()}, %",
            [_change_pct(t.value(r.number, outcome.id), t.value(r.number, last_year.id)) for r in rows],
            pct,
        )
    for c in t.columns:
        if c.formula:
            words = " ".join(("+ " if s > 0 else "− ") + t.column(x).header.lower() for s, x in c.formula).removeprefix(
                "+ "
            )
            col(f"{c.header} enligt källan", [_num(t.value(r.number, c.id)) for r in rows], amount)
            col(f"{c.header} omräknad ({words})", [_formula(t, r.number, c) for r in rows], amount)
    if len(data) == 1:
        return None
    return pd.DataFrame(data), formats


def _ratio(a, b) -> float:
    return float("nan") if a is None or b is None or b == 0 else float(a / b * 100)


def _diff(a, b) -> float:
    return float("nan") if a is None or b is None else float(a - b)


def _change_pct(a, b) -> float:
    return float("nan") if a is None or b is None or b == 0 else float((a - b) / abs(b) * 100)


def _formula(t: model.StatedTable, row: int, c: model.Column) -> float:
    vals = [(s, t.value(row, x)) for s, x in c.formula]
    if any(v is None for _, v in vals):
        return float("nan")
    return float(sum(s * v for s, v in vals))


class TablesChapter(ChapterPage):
    def __init__(self, org: str, year: int, tertial: int):
        super().__init__(org, year, tertial)
        self.tables = model.load(self.data)
        self.checks = rel.all_checks(self.tables, model.links(self.data))
        shown = budget_tables(self.tables)  # shown in the budget chapter
        self.reports = reports([t for t in self.tables if t.id not in shown], self.year)
        self.followed = followup_read(self.tables)  # analysed in the budget chapter's follow-up

    def year_findings(self) -> list:
        """The findings of the tables of this page's year (for the overview page)."""
        ids = {t.id for _, _, ts in self.reports for t in ts}
        return [c.finding for c in self.checks if any(cell[0] in ids for cell in c.cells)]

    def intro(self) -> None:
        o = self.org
        if not self.reports:
            md(
                f"**{escape.md_text(o.name)}, {escape.md_text(o.namnd.lower())}.** Källorna innehåller inga tabeller för {self.year}."
            )
            return
        names = [report_title(k, d, ts[0].report_name).lower() for d, k, ts in self.reports]
        n = sum(len(ts) for _, _, ts in self.reports)
        md(
            f"**{escape.md_text(o.name)}, {escape.md_text(o.namnd.lower())}, {self.year}.** Kapitlet visar "
            f"{fmt.number(n)} tabell{'er' if n != 1 else ''} ur {escape.md_text(_join(names))}, som källan anger dem, "
            "och stämmer av deras summor och samband."
        )
        year_of = {(t.kind, t.per): t.year for t in self.tables}
        md(
            escape.md_text(
                " ".join(
                    [
                        calendar_text(
                            self.org.reports,
                            self.reports,
                            self.year,
                            year_of,
                            {(t.kind, t.per) for t in self.tables if t.id in budget_tables(self.tables)},
                        ),
                        concepts_text([t for _, _, ts in self.reports for t in ts], self.year),
                    ]
                )
            )
        )

    def show_reports(self) -> None:
        for i, (d, kind, ts) in enumerate(self.reports):
            title = report_title(kind, d, ts[0].report_name)
            md(f"**{escape.md_text(title)}.** {escape.md_text(share_text(kind, d, self.year))}")
            for j, t in enumerate(ts):
                self._table(t, d, i, j)
            self._audit(ts, i)

    def reconciliations(self) -> None:
        """Every report's reconciliation (for the Avstämning page, rapportbok.chapters.audit)."""
        if not self.reports:
            md("Källorna innehåller inga tabeller att stämma av för detta år.")
        for i, (d, kind, ts) in enumerate(self.reports):
            md(f"**{escape.md_text(report_title(kind, d, ts[0].report_name))}.**")
            self._audit(ts, i)

    def _table(self, t: model.StatedTable, d: dt.date, i: int, j: int) -> None:
        df, formats, bold = frame(t)
        unit = f"{t.unit}, {fmt.number(t.decimals)} decimal{'er' if t.decimals != 1 else ''}" if t.decimals else t.unit
        source = f"{rel.where(t).removesuffix(f', tabell ”{t.caption}”')}."
        from IPython.display import display

        indent = depths(t)
        display(
            tables.show(
                df,
                f"tabell_{i}_{j}_{t.id}",
                f"{t.caption}, {unit}",
                source,
                formats=formats,
                bold_rows=bold,
                indent=indent,
            )
        )
        followed = t.id in self.followed and t.per == self.end  # other dates: the budget chapter shows only this one
        if followed:
            self._followed_note()
        if t.kind != "budget":
            extra = followup_frame(t, d, analysis=not followed)
            if extra is not None:
                df2, f2 = extra
                display(
                    tables.show(
                        df2,
                        f"tabell_{i}_{j}_{t.id}_omraknad",
                        f"{t.caption}: egna beräkningar, {t.unit}",
                        source + " Beräkningarna är egna.",
                        formats=f2,
                        bold_rows=bold,
                        indent=indent,
                    )
                )

    @staticmethod
    def _followed_note() -> None:
        md(
            "Budgetuppföljningen av tabellen (budget, utfall, prognos och avvikelse per rad) finns i "
            "[kapitlet Budget](budget.ipynb), avsnittet Budgetuppföljning."
        )

    def _audit(self, ts: list[model.StatedTable], i: int) -> None:
        ids = {t.id for t in ts}
        by_id = {t.id: t for t in self.tables}
        checks = [c for c in self.checks if any(cell[0] in ids for cell in c.cells)]
        notes = [escape.md_text(rel.culprit_text(by_id[cell[0]], cell)) for cell in rel.culprits(checks)]
        for t in ts:
            notes += [escape.md_text(n) for n in rel.outside_notes(t)]
        method = (
            "Boken räknar om varje summa ur raderna under den, varje differensrad, varje kolumn som källan "
            "räknar fram ur andra och samma belopp i två tabeller. Toleransen är en halv enhet i sista "
            "angivna decimalen per tal som ingår; inom den stämmer talen (avrundning)."
        )
        audit.show([c.finding for c in checks], "avstamning_" + str(i), "Avstämning av tabellerna", method, notes)


def calendar_text(calendar, shown, year: int, year_of: dict | None = None, elsewhere: set | None = None) -> str:
    """The year's reporting calendar (organisation.yml: rapporter) against the reports whose tables exist.

    ``year_of``: (kind, date) -> the year a report's tables belong to (a budget decided the year before
    belongs to its budget year); other reports belong to their date's year. ``elsewhere``: (kind, date) of the
    reports whose tables the budget chapter shows."""
    year_of = year_of or {}
    elsewhere = elsewhere or set()
    planned = [(k, d) for k, d in calendar if year_of.get((k, d), d.year) == int(year)]
    if not planned:
        return (
            "organisation.yml anger ingen rapporteringskalender för året (rapporter); kapitlet visar de "
            "rapporter vars tabeller finns."
        )
    have = {(k, d) for d, k, _ in shown}

    def where(k, d) -> str:
        if (k, d) in have:
            return "tabellerna visas nedan"
        return "tabellerna visas i kapitlet Budget" if (k, d) in elsewhere else "inga tabeller inlagda"

    parts = [f"{report_title(k, d).lower()} ({where(k, d)})" for k, d in planned]
    extra = [report_title(k, d).lower() for d, k, _ in shown if (k, d) not in set(planned)]
    text = f"Rapporteringskalendern för {year}: {_join(parts)}."
    if extra:
        text += f" Utanför kalendern finns tabeller ur {_join(extra)}."
    return text


CONCEPT_WORDS = {
    model.TOTAL: "nämndens total",
    model.NET_COST: "nettokostnaden",
    model.GRANT: "kommunbidraget",
    model.RAM: "ramen",
    model.RESULT: "resultatet",
}


def concepts_text(shown: list[model.StatedTable], year: int) -> str:
    """Which row of each table means the committee's total, net cost, kommunbidrag, ram and result
    (tabell_begrepp.csv; the total also as a table's one top sum row), with its figures; or that none is named."""
    out = []
    for t in shown:
        by_row: dict[int, list[str]] = {}
        for concept, word in CONCEPT_WORDS.items():
            rad = t.concept_row(concept)
            if rad is not None and rad in {r.number for r in t.rows}:
                by_row.setdefault(rad, []).append(word)
        parts = []
        for rad, words in by_row.items():
            how = " (tabellens enda översta summarad)" if rad == t.total_row() and not t.total_declared else ""
            figures = [
                f"{c.header} {fmt.unit(_num(t.value(rad, c.id)), t.unit, t.decimals)}"
                for c in t.columns
                if t.value(rad, c.id) is not None
            ]
            parts.append(
                f"{_join(words)} är raden ”{t.row(rad).label}”{how}" + (": " + ", ".join(figures) if figures else "")
            )
        if parts:
            out.append(f"I tabellen ”{t.caption}”: " + "; ".join(parts) + ".")
    if not out:
        return (
            "Ingen tabell pekar ut raderna för nämndens total, nettokostnad, kommunbidrag eller resultat "
            "(tabell_begrepp.csv); tabellerna visas som de står."
        )
    return " ".join(out)


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " och " + words[-1]
