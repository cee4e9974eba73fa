"""Relations the book recomputes in a stated table (rapportbok.data.stated_tables), and between tables.

- **Children against their parent:** in every column, a row that other rows sum into
  (``summeras_i``, any depth) against the sum of those rows. Rows outside the sum are left out.
- **Differens rows:** a row the source computes from other rows (``rad 3 - rad 4``), per column.
- **Column identities:** a column the source computes from other columns of the same table
  (``intakter + kostnader``; ``prognos - budget`` or the table's own definition and sign), per row.
- **The same quantity in two tables** (declared in tabell_lankar.csv, or two summa rows with the
  same label and report date): every pair of columns with the same measure and year must agree
  after rounding to the coarser precision. A declared link may set a row against the sum of several
  rows of the other table (a figure in the report's text that sums a table's rows), and may name the
  two cells to compare (a difference stated as a row in one table and as a column in another).

Tolerance follows the printed precision: half a unit of the last printed decimal per term (a sum
of four rows compared with its stated total has five rounded terms). Within it the figures agree
("Stämmer (avrundning)"); beyond it the finding shows both figures and the difference. Two
figures of the same precision that state the same quantity must be equal. When one cell breaks
both its row's identity and its column's sum, it is named as the likely culprit.

All arithmetic is in :class:`~decimal.Decimal`; a finding carries floats only for display.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from rapportbok.analysis.reconcile import Finding
from rapportbok.core import fmt, units
from rapportbok.data.stated_tables import DIFF, OUTSIDE, SUM, Link, StatedTable

Cell = tuple[str, int, str]  # (table id, row number, column id)


@dataclass(frozen=True)
class Check:
    finding: Finding
    cells: frozenset[Cell]  # every stated cell the relation uses
    axis: str  # "kolumn": a relation down one column (sums, differens rows); "rad": across one row; "länk"


def where(t: StatedTable) -> str:
    return f"{t.source}, {t.avsnitt}, tabell ”{t.caption}”"


def _finding(t: StatedTable, check: str, stated: Decimal, computed: Decimal, terms: int) -> Finding:
    return Finding(
        check,
        float(stated),
        float(computed),
        t.unit,
        where(t),
        decimals=t.decimals,
        terms=terms,
        tol=float(t.half_unit * terms),
        strict=True,
    )


def _col_name(t: StatedTable, cid: str) -> str:
    return t.column(cid).header


def sum_checks(t: StatedTable) -> list[Check]:
    """Every parent row against the sum of its children, per column; every differens row against its rows."""
    out = []
    for row in t.rows:
        kids = t.children(row.number)
        for col in t.columns:
            stated = t.value(row.number, col.id)
            if stated is None:
                continue
            if kids:
                vals = [(k.number, t.value(k.number, col.id)) for k in kids]
                given = [(n, v) for n, v in vals if v is not None]
                if not given:
                    continue
                computed = sum((v for _, v in given), Decimal(0))
                check = f"{row.label}, {col.header} = summan av raderna under"
                cells = frozenset({(t.id, row.number, col.id)} | {(t.id, n, col.id) for n, _ in given})
                out.append(Check(_finding(t, check, stated, computed, len(given) + 1), cells, "kolumn"))
            if row.role == DIFF and row.formula:
                terms = [(s, n, t.value(n, col.id)) for s, n in row.formula]
                if any(v is None for _, _, v in terms):
                    continue
                computed = sum((s * v for s, _, v in terms), Decimal(0))
                words = " ".join(("+ " if s > 0 else "− ") + t.row(n).label for s, n, _ in terms).removeprefix("+ ")
                check = f"{row.label}, {col.header} = {words}"
                cells = frozenset({(t.id, row.number, col.id)} | {(t.id, n, col.id) for _, n, _ in terms})
                out.append(Check(_finding(t, check, stated, computed, len(terms) + 1), cells, "kolumn"))
    return out


def column_checks(t: StatedTable) -> list[Check]:
    """Every column the source computes from others (its ``berakning``), on every row where all terms are stated."""
    out = []
    for col in t.columns:
        if not col.formula:
            continue
        words = " ".join(("+ " if s > 0 else "− ") + _col_name(t, c) for s, c in col.formula).removeprefix("+ ")
        for row in t.rows:
            stated = t.value(row.number, col.id)
            terms = [(s, c, t.value(row.number, c)) for s, c in col.formula]
            if stated is None or any(v is None for _, _, v in terms):
                continue
            computed = sum((s * v for s, _, v in terms), Decimal(0))
            check = f"{row.label}: {col.header} = {words}"
            cells = frozenset({(t.id, row.number, col.id)} | {(t.id, row.number, c) for _, c, _ in terms})
            out.append(Check(_finding(t, check, stated, computed, len(terms) + 1), cells, "rad"))
    return out


def _norm(label: str) -> str:
    return " ".join(label.lower().split())


def link_pairs(tables: list[StatedTable], declared: list[Link]) -> list[Link]:
    """Rows stating the same quantity: declared links (to tables that exist), and summa rows with the same
    label in tables of the same report date."""
    by_id = {t.id: t for t in tables}
    pairs, seen = [], set()
    for link in declared:
        if link.table in by_id and link.other in by_id and link not in seen:
            pairs.append(link)
            seen.add(link)
            if len(link.rows) == 1 and len(link.other_rows) == 1:
                seen.add(Link(link.other, link.other_rows, link.table, link.rows, link.other_column, link.column))
    for i, a in enumerate(tables):
        for b in tables[i + 1 :]:
            if a.per != b.per:
                continue
            for ra in a.rows:
                for rb in b.rows:
                    pair = Link(a.id, ((1, ra.number),), b.id, ((1, rb.number),))
                    if ra.role == SUM and rb.role == SUM and _norm(ra.label) == _norm(rb.label) and pair not in seen:
                        pairs.append(pair)
                        seen |= {pair, Link(b.id, ((1, rb.number),), a.id, ((1, ra.number),))}
    return pairs


def _in_tkr(value: Decimal, unit: str) -> Decimal:
    return value * Decimal(str(units.factor(unit)))


def _side(t: StatedTable, rows: tuple[tuple[int, int], ...], cid: str) -> tuple[Decimal | None, str, int]:
    """One side of a link in column ``cid``: its value (a row, or the signed sum of several; None when a cell
    is empty), its words, and how many printed figures it adds up."""
    vals = [(s, t.value(n, cid)) for s, n in rows]
    if any(v is None for _, v in vals):
        return None, "", len(vals)
    words = " ".join(("+ " if s > 0 else "− ") + t.row(n).label for s, n in rows).removeprefix("+ ")
    return sum((s * v for s, v in vals), Decimal(0)), words, len(vals)


def _column_pairs(a: StatedTable, b: StatedTable, link: Link):
    if link.column and link.other_column:
        return [(a.column(link.column), b.column(link.other_column))]
    return [(ca, cb) for ca in a.columns for cb in b.columns if (ca.measure, ca.year) == (cb.measure, cb.year)]


def link_checks(tables: list[StatedTable], declared: list[Link]) -> list[Check]:
    """The same quantity in two tables (or two units): equal after rounding to the coarser precision.

    Each side's tolerance is half a unit of its last printed decimal per figure it adds up (a text figure
    set against the sum of three rows: the text's half unit and three of the table's)."""
    by_id = {t.id: t for t in tables}
    out = []
    for link in link_pairs(tables, declared):
        a, b = by_id[link.table], by_id[link.other]
        for ca, cb in _column_pairs(a, b, link):
            va, wa, na = _side(a, link.rows, ca.id)
            vb, wb, nb = _side(b, link.other_rows, cb.id)
            if va is None or vb is None:
                continue
            ha, hb = _in_tkr(a.half_unit, a.unit) * na, _in_tkr(b.half_unit, b.unit) * nb
            # The coarser side states the figure; the finer one, in the coarser unit, is compared with it.
            (coarse, vc, cc, hc, wc, rows_c), (fine, vf, cf, hf, wf, rows_f) = sorted(
                [(a, va, ca, ha, wa, link.rows), (b, vb, cb, hb, wb, link.other_rows)],
                key=lambda x: -(_in_tkr(x[0].half_unit, x[0].unit)),
            )
            f = Decimal(str(units.factor(coarse.unit)))
            tol = Decimal(0) if (hc == hf and len(rows_c) == len(rows_f) == 1) else (hc + hf) / f
            computed = _in_tkr(vf, fine.unit) / f
            check = (
                f"{wc}, {cc.header} ({coarse.caption}) = {wf}, {cf.header} "
                f"({fine.caption}, {fmt.unit(float(vf), fine.unit, fine.decimals)})"
            )
            finding = Finding(
                check,
                float(vc),
                float(computed),
                coarse.unit,
                where(coarse),
                decimals=coarse.decimals,
                terms=len(rows_c) + len(rows_f),
                tol=float(tol),
                strict=True,
                computed_from="den andra tabellen anger",
            )
            cells = {(a.id, n, ca.id) for _, n in link.rows} | {(b.id, n, cb.id) for _, n in link.other_rows}
            out.append(Check(finding, frozenset(cells), "länk"))
    return out


def culprits(checks: list[Check]) -> dict[Cell, tuple[Check, Check]]:
    """Cells that break both a relation across their row and one down their column: the likely culprit.

    A cell counts when it is the only cell a failing row relation and a failing column relation share.
    """
    bad_rows = [c for c in checks if c.axis == "rad" and not c.finding.ok]
    bad_cols = [c for c in checks if c.axis == "kolumn" and not c.finding.ok]
    out: dict[Cell, tuple[Check, Check]] = {}
    for r in bad_rows:
        for c in bad_cols:
            shared = r.cells & c.cells
            if len(shared) == 1:
                out.setdefault(next(iter(shared)), (r, c))
    return out


def culprit_text(t: StatedTable, cell: Cell) -> str:
    _, row, cid = cell
    v = t.value(row, cid)
    return (
        f"Troligen fel i cellen ”{t.row(row).label}”, ”{t.column(cid).header}” ({fmt.unit(float(v), t.unit, t.decimals)}) "
        f"i tabellen ”{t.caption}”: den ensam bryter både radens samband och kolumnens summa."
    )


def outside_notes(t: StatedTable) -> list[str]:
    """Rows the source states outside the sum, said once: they are not counted in the row they stand under."""
    out = []
    for r in t.rows:
        if r.role == OUTSIDE:
            under = f" i ”{t.row(r.parent).label}”" if r.parent is not None else ""
            out.append(f"Raden ”{r.label}” i tabellen ”{t.caption}” står utanför summan och räknas inte in{under}.")
    return out


def all_checks(tables: list[StatedTable], declared: list[Link] | None = None) -> list[Check]:
    out = []
    for t in tables:
        out += sum_checks(t) + column_checks(t)
    return out + link_checks(tables, declared or [])
