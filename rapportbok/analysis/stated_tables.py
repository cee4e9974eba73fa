"""Relations the book recomputes in a stated table (rapportbok.data.stated_tables), and between tables.

- **Children against their parent:** in every column, a row that other rows sum into
  (``summeras_i``, any depth) against the sum of those rows. Rows outside the sum are left out.
- **Differens rows:** a row the source computes from other rows (``rad 3 - rad 4``), per column.
- **Column identities:** a column the source computes from other columns of the same table
  (``intakter + kostnader``; ``prognos - budget`` or the table's own definition and sign), per row.
- **The same quantity in two tables** (declared in tabell_lankar.csv, or two summa rows with the
  same label and report date): every pair of columns with the same measure and year must agree
  after rounding to the coarser precision.

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
from rapportbok.data import sources
from rapportbok.data.stated_tables import DIFF, OUTSIDE, SUM, StatedTable

Cell = tuple[str, int, str]  # (table id, row number, column id)


@dataclass(frozen=True)
class Check:
    finding: Finding
    cells: frozenset[Cell]  # every stated cell the relation uses
    axis: str  # "kolumn": a relation down one column (sums, differens rows); "rad": across one row; "länk"


def where(t: StatedTable) -> str:
    return f"{sources.label(t.kalla)}, {t.avsnitt}, tabell ”{t.caption}”"


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


def link_pairs(
    tables: list[StatedTable], declared: list[tuple[str, int, str, int]]
) -> list[tuple[StatedTable, int, StatedTable, int]]:
    """Rows stating the same quantity: declared links, and summa rows with the same label in tables of the same report date."""
    by_id = {t.id: t for t in tables}
    pairs, seen = [], set()
    for a, ra, b, rb in declared:
        if a in by_id and b in by_id and (a, ra, b, rb) not in seen:
            pairs.append((by_id[a], ra, by_id[b], rb))
            seen |= {(a, ra, b, rb), (b, rb, a, ra)}
    for i, a in enumerate(tables):
        for b in tables[i + 1 :]:
            if a.per != b.per:
                continue
            for ra in a.rows:
                for rb in b.rows:
                    if (
                        ra.role == SUM
                        and rb.role == SUM
                        and _norm(ra.label) == _norm(rb.label)
                        and (a.id, ra.number, b.id, rb.number) not in seen
                    ):
                        pairs.append((a, ra.number, b, rb.number))
                        seen |= {(a.id, ra.number, b.id, rb.number), (b.id, rb.number, a.id, ra.number)}
    return pairs


def _in_tkr(value: Decimal, unit: str) -> Decimal:
    return value * Decimal(str(units.factor(unit)))


def link_checks(tables: list[StatedTable], declared: list[tuple[str, int, str, int]]) -> list[Check]:
    """The same quantity in two tables (or two units): equal after rounding to the coarser precision."""
    out = []
    for a, ra, b, rb in link_pairs(tables, declared):
        for ca in a.columns:
            for cb in b.columns:
                if (ca.measure, ca.year) != (cb.measure, cb.year):
                    continue
                va, vb = a.value(ra, ca.id), b.value(rb, cb.id)
                if va is None or vb is None:
                    continue
                ha, hb = _in_tkr(a.half_unit, a.unit), _in_tkr(b.half_unit, b.unit)
                # The coarser table states the figure; the finer one, in the coarser unit, is compared with it.
                (coarse, rc, vc, cc, hc), (fine, rf, vf, cf, hf) = sorted(
                    [(a, ra, va, ca, ha), (b, rb, vb, cb, hb)], key=lambda x: -x[4]
                )
                f = Decimal(str(units.factor(coarse.unit)))
                tol = Decimal(0) if hc == hf else (hc + hf) / f
                computed = _in_tkr(vf, fine.unit) / f
                check = (
                    f"{coarse.row(rc).label}, {cc.header} ({coarse.caption}) = {fine.row(rf).label}, {cf.header} "
                    f"({fine.caption}, {fmt.unit(float(vf), fine.unit, fine.decimals)})"
                )
                finding = Finding(
                    check,
                    float(vc),
                    float(computed),
                    coarse.unit,
                    where(coarse),
                    decimals=coarse.decimals,
                    terms=2,
                    tol=float(tol),
                    strict=True,
                    computed_from="den andra tabellen anger",
                )
                out.append(Check(finding, frozenset({(a.id, ra, ca.id), (b.id, rb, cb.id)}), "länk"))
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


def all_checks(tables: list[StatedTable], declared: list[tuple[str, int, str, int]] | None = None) -> list[Check]:
    out = []
    for t in tables:
        out += sum_checks(t) + column_checks(t)
    return out + link_checks(tables, declared or [])
