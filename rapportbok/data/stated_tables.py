"""Stated tables: any table a budget, månadsrapport, tertialrapport, delårsrapport or bokslut prints.

One model for every such table, transcribed as the source states it (four CSV files per
organisation, one value per line):

- ``tabeller.csv``: one line per table: its id, caption as printed, kind of report, report date,
  unit (kr, tkr, mnkr), number of decimals as printed, source and section/page.
- ``tabell_kolumner.csv``: the table's columns: a short id, the measure from a controlled
  vocabulary (:data:`MEASURES`), the year, the header as printed, and optionally how the source
  computes the column from the others (``prognos - budget``).
- ``tabell_varden.csv``: one line per cell: row number, label as printed, the row it sums into
  (``summeras_i``, a row number, any depth), its role (post, summa, differens, utanför summan),
  for a differens row its computation (``rad 3 - rad 4``), the column id and the value exactly as
  printed (kept as :class:`~decimal.Decimal`; an empty cell stays empty).
- ``tabell_lankar.csv`` (optional): rows of two tables that state the same quantity (a row, or the
  sum of several rows: ``rad 3 + rad 4``; every column of the same measure and year, or the two
  cells named by ``kolumn`` and ``samma_kolumn``: a difference stated as a row in one table and as
  a column in another).
- ``tabell_kommentarer.csv`` (optional): the source's comment to a row (e.g. why a follow-up row
  deviates), one line per table row.
- ``tabell_begrepp.csv`` (optional): what a row means (:data:`CONCEPTS`: the committee's total, net
  cost, kommunbidrag, ram, result, investments), per table. Where a table names no ``total`` and has
  exactly one top sum row, that row is the committee's total (:meth:`StatedTable.total_row`).

A table's ``rapport`` is one of the five kinds (:data:`KINDS`); a report with a name of its own
(Uppföljningsrapport 2, Kvartalsrapport 3) gives it in ``rapportnamn`` and is read as its kind.
A row with the role ``rubrik`` is a heading without amounts: it groups the rows printed under it
(until the next heading or the row they sum into) and sums nothing.

What the book recomputes from them is :mod:`rapportbok.analysis.stated_tables`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd

from rapportbok.core import units
from rapportbok.data import citation
from rapportbok.data.schema import Col, Issue, TableSpec

KINDS = ("budget", "månadsrapport", "tertialrapport", "delårsrapport", "bokslut")
ROLES = ("post", "summa", "differens", "utanför summan", "rubrik")
POST, SUM, DIFF, OUTSIDE, HEADING = ROLES

# What a row means (tabell_begrepp.csv). ``total``: the committee's total, the row the year page's answer
# reads (budget, outcome or forecast and deviation); the others: the rows the budget chapter reads by meaning.
CONCEPTS = ("total", "nettokostnad", "kommunbidrag", "ram", "resultat", "investeringar")
TOTAL, NET_COST, GRANT, RAM, RESULT, INVESTMENTS = CONCEPTS
CONCEPT_TEXT = {
    TOTAL: "nämndens totala belopp (t.ex. Summa, Nämndens nettokostnad, Årets resultat): raden som svaret på årets sida läser",
    NET_COST: "verksamhetens nettokostnad",
    GRANT: "kommunbidraget",
    RAM: "ramen (om källan kallar kommunbidraget ram)",
    RESULT: "årets resultat (kommunbidrag minus nettokostnad)",
    INVESTMENTS: "investeringsbudgetens totalrad (tabellen är då en investeringsbudget)",
}

# The controlled vocabulary of measures (what a column states), in the words analysts use.
MEASURES = (
    "budget helår",
    "budget ack",
    "utfall ack",
    "utfall ack föregående år",
    "utfall helår",
    "utfall föregående år",
    "prognos helår",
    "avvikelse",
    "avvikelse ack",
    "intäkter",
    "kostnader",
    "nettokostnad",
    "budget",
    "plan",
    "förändring",
    "annat",
)

_ID = r"[A-Za-z0-9_ÅÄÖåäö]+"
# The most decimals a table may be printed with: more is a typing error (and beyond what the rounding of the
# book's number format can hold).
MAX_DECIMALS = 6
ID_TEXT = "ett kort id med bokstäver, siffror och _ (utan mellanslag eller bindestreck), t.ex. verksamhet"
# A computation: terms joined by + and - (or −): column ids, or for rows "rad 3" / "3".
_TERM = re.compile(r"\s*([+\-−])?\s*(" + _ID + r"(?:\s+" + _ID + r")?)\s*")
COL_FORMULA_TEXT = "kolumnernas id med + och − emellan, t.ex. prognos - budget"
ROW_FORMULA_TEXT = "radnummer med + och − emellan, t.ex. rad 5 - rad 6"

TABLES = TableSpec(
    "tabeller.csv",
    "Tabeller som källorna anger",
    (
        Col(
            "tabell",
            pattern=_ID,
            pattern_text=ID_TEXT,
            doc="Tabellens id, unikt i organisationen (t.ex. d2_verksamhet)",
        ),
        Col("rubrik", doc="Tabellens rubrik som i källan"),
        Col(
            "rapport",
            "choice",
            choices=KINDS,
            doc="Rapportens slag: budget, månadsrapport, tertialrapport, delårsrapport eller bokslut (en "
            "årsredovisning eller verksamhetsberättelse är bokslut); har rapporten ett eget namn står det i rapportnamn",
        ),
        Col(
            "per",
            "date",
            doc="Rapportdatum (ÅÅÅÅ-MM-DD): det datum som rapporten avser, för en budget beslutsdatumet. Året "
            "behöver inte stå i rapporten: skriv det år som rapporten gäller",
        ),
        Col("enhet", "choice", choices=units.UNITS, doc="Enheten i tabellhuvudet: kr, tkr eller mnkr"),
        Col(
            "decimaler",
            "int",
            sign="+",
            maximum=MAX_DECIMALS,
            doc="Antal decimaler som källan skriver (−7,8 ger 1; 7 750 ger 0)",
        ),
        Col("kalla", doc="Källans id ur data/kallor.csv"),
        Col("avsnitt", doc="Avsnitt eller sida i källan"),
        Col(
            "rapportnamn",
            required=False,
            may_omit=True,
            doc="Valfri: rapportens eget namn när det inte är slaget, t.ex. Uppföljningsrapport 2 eller "
            "Kvartalsrapport 3; sidorna visar namnet, och boken läser rapporten som slaget i rapport",
        ),
    ),
    key=("tabell",),
    doc="Tabellerna som en rapport anger (budget, månadsrapport, tertialrapport, delårsrapport, bokslut), en rad per tabell.",
)

COLUMNS = TableSpec(
    "tabell_kolumner.csv",
    "Kolumnerna i tabellerna",
    (
        Col("tabell", pattern=_ID, pattern_text=ID_TEXT, doc="Tabellens id ur tabeller.csv"),
        Col("kolumn", pattern=_ID, pattern_text=ID_TEXT, doc="Kolumnens id i tabellen"),
        Col("matt", "choice", choices=MEASURES, doc="Vad kolumnen anger, ur listan (t.ex. prognos helår)"),
        Col("ar", "year", doc="Året som kolumnen gäller"),
        Col("rubrik_i_kallan", doc="Kolumnens rubrik som i källan"),
        Col("berakning", required=False, doc="Hur källan räknar fram kolumnen ur andra, t.ex. prognos - budget"),
    ),
    key=("tabell", "kolumn"),
    doc="Kolumnerna i tabellerna i tabeller.csv, en rad per kolumn.",
)

VALUES = TableSpec(
    "tabell_varden.csv",
    "Värdena i tabellerna, ett per rad",
    (
        Col("tabell", pattern=_ID, pattern_text=ID_TEXT, doc="Tabellens id ur tabeller.csv"),
        Col("rad", "int", sign="+", minimum=1, doc="Radens nummer i källans tabell, uppifrån"),
        Col("post", doc="Radens text som i källan"),
        Col(
            "summeras_i",
            "int",
            required=False,
            sign="+",
            minimum=1,
            doc="Numret på raden som raden summeras i (hur många nivåer som helst); tom om raden inte ingår i en summa",
        ),
        Col(
            "roll",
            "choice",
            choices=ROLES,
            doc="post (en vanlig rad), summa (summan av raderna med summeras_i = dess nummer), differens (räknas "
            "fram ur andra rader, se berakning), utanför summan (står under en summa men ingår inte), rubrik (en "
            "rubrikrad utan belopp som grupperar raderna under den, t.ex. BÄF:, utan att summera dem)",
        ),
        Col("berakning", required=False, doc="För en differensrad: t.ex. rad 5 - rad 6"),
        Col("kolumn", pattern=_ID, pattern_text=ID_TEXT, doc="Kolumnens id ur tabell_kolumner.csv"),
        Col("varde", "decimal", required=False, doc="Värdet som i källan; tom cell om källan inte anger något"),
    ),
    key=("tabell", "rad", "kolumn"),
    doc="Värdena i tabellerna, en rad per cell (tabell, rad och kolumn).",
)

LINK_ROWS_TEXT = "ett radnummer, eller flera med + och − emellan (t.ex. rad 3 + rad 4)"
LINKS = TableSpec(
    "tabell_lankar.csv",
    "Rader i två tabeller som anger samma belopp",
    (
        Col("tabell", pattern=_ID, pattern_text=ID_TEXT, doc="Den ena tabellens id"),
        Col("rad", "int", sign="+", minimum=1, doc="Radens nummer i den ena tabellen"),
        Col("samma_tabell", pattern=_ID, pattern_text=ID_TEXT, doc="Den andra tabellens id"),
        Col(
            "samma_rad",
            doc="Raden i den andra tabellen som anger samma belopp, eller summan av flera rader med + och − "
            "emellan (t.ex. rad 3 + rad 4: ett tal i rapportens text som är summan av flera rader)",
        ),
        Col(
            "kolumn",
            pattern=_ID,
            pattern_text=ID_TEXT,
            required=False,
            may_omit=True,
            doc="Valfri: kolumnen i den ena tabellen (annars jämförs alla kolumner med samma mått och år); "
            "t.ex. en avvikelse som en tabell anger som rad och en annan som kolumn",
        ),
        Col(
            "samma_kolumn",
            pattern=_ID,
            pattern_text=ID_TEXT,
            required=False,
            may_omit=True,
            doc="Valfri, tillsammans med kolumn: kolumnen i den andra tabellen",
        ),
    ),
    key=("tabell", "rad", "samma_tabell", "samma_rad", "kolumn", "samma_kolumn"),
    doc="Valfri: par av rader i två tabeller som anger samma belopp, t.ex. summan per verksamhet och summan per "
    "kostnadsslag, eller en rad och summan av flera rader; en rad per par.",
)

COMMENTS = TableSpec(
    "tabell_kommentarer.csv",
    "Källans kommentarer till raderna i tabellerna",
    (
        Col("tabell", pattern=_ID, pattern_text=ID_TEXT, doc="Tabellens id ur tabeller.csv"),
        Col("rad", "int", sign="+", minimum=1, doc="Radens nummer i tabell_varden.csv"),
        Col("kommentar", doc="Kommentaren som i källan, t.ex. förklaringen till en avvikelse"),
    ),
    key=("tabell", "rad"),
    doc="Valfri: källans kommentar till en rad i en tabell, t.ex. varför en verksamhet avviker; en rad per tabellrad.",
)

ROW_CONCEPTS = TableSpec(
    "tabell_begrepp.csv",
    "Vad raderna i tabellerna betyder",
    (
        Col("tabell", pattern=_ID, pattern_text=ID_TEXT, doc="Tabellens id ur tabeller.csv"),
        Col("rad", "int", sign="+", doc="Radens nummer i tabell_varden.csv"),
        Col(
            "begrepp",
            "choice",
            choices=CONCEPTS,
            doc="Vad raden betyder: "
            + "; ".join(f"{c} = {t}" for c, t in CONCEPT_TEXT.items())
            + ". Utan total läses en tabells enda översta summarad som nämndens total",
        ),
    ),
    key=("tabell", "begrepp"),
    doc="Valfri: vilken rad i en tabell som är nämndens total, nettokostnad, kommunbidrag, ram, resultat eller "
    "investeringar; en rad per tabell och begrepp. Utan filen läses en tabells enda översta summarad som total.",
)


# --- the model ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    id: str
    measure: str
    year: int
    header: str  # as printed
    formula: tuple[tuple[int, str], ...] = ()  # (+1/-1, column id)


@dataclass(frozen=True)
class Row:
    number: int
    label: str  # as printed
    parent: int | None
    role: str
    formula: tuple[tuple[int, int], ...] = ()  # differens rows: (+1/-1, row number)
    comment: str = ""  # the source's comment to the row (tabell_kommentarer.csv)


@dataclass
class StatedTable:
    id: str
    caption: str
    kind: str
    per: dt.date
    unit: str
    decimals: int
    kalla: str
    avsnitt: str
    columns: list[Column] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    values: dict[tuple[int, str], Decimal | None] = field(default_factory=dict)
    report_name: str = ""  # the report's own name (rapportnamn), e.g. Uppföljningsrapport 2; '' for the kind's
    concepts: dict[str, int] = field(default_factory=dict)  # tabell_begrepp.csv: concept -> row number
    source: str = ""  # the source's citation label (data/kallor.csv), resolved by the data layer

    def value(self, row: int, column: str) -> Decimal | None:
        return self.values.get((row, column))

    @property
    def year(self) -> int:
        """The report year the table belongs to: a budget's own year (the latest year of its columns with the
        measure budget or budget helår: a budget for 2026 decided in November 2025 belongs to 2026), else the
        year of its report date."""
        return budget_year(self.kind, self.per, [(c.measure, c.year) for c in self.columns])

    @property
    def title(self) -> str:
        """The report's name: its own (rapportnamn) where given, else its kind's ('Månadsrapport')."""
        return self.report_name or KIND_TITLE[self.kind]

    def row(self, number: int) -> Row:
        return next(r for r in self.rows if r.number == number)

    def column(self, cid: str) -> Column:
        return next(c for c in self.columns if c.id == cid)

    def children(self, number: int) -> list[Row]:
        """The rows that sum into ``number`` (rows outside the sum excluded)."""
        return [r for r in self.rows if r.parent == number and r.role != OUTSIDE]

    def descendants(self, number: int) -> list[Row]:
        """Every row that sums into ``number`` at any depth, in the table's order."""
        out, todo = set(), [number]
        while todo:
            kids = [r.number for r in self.children(todo.pop()) if r.number not in out]
            out |= set(kids)
            todo += kids
        return [r for r in self.rows if r.number in out]

    @property
    def half_unit(self) -> Decimal:
        """Half a unit of the last printed decimal, in the table's unit."""
        return Decimal(5).scaleb(-1 - self.decimals)

    @property
    def is_investment(self) -> bool:
        """An investment budget (a row means ``investeringar``): never the committee's total."""
        return INVESTMENTS in self.concepts

    def total_row(self) -> int | None:
        """The committee's total: the row tabell_begrepp.csv names ``total``; else the table's one top sum row (a
        row with the role summa that sums into no other row) when every counted row printed above it sums into
        it (a total printed under its rows, perhaps followed by the kommunbidrag and the result; not one sum
        among other top rows, such as Köp av tjänster broken down per verksamhet). None when neither, and for
        an investment budget."""
        if TOTAL in self.concepts:
            return self.concepts[TOTAL]
        if self.is_investment:
            return None
        top = [r for r in self.rows if r.parent is None and r.role == SUM]
        if len(top) != 1:
            return None
        total = top[0].number
        for r in self.rows:
            if r.number == total:
                return total
            if r.role in (POST, SUM) and not self._sums_into(r.number, total):
                return None
        return total

    @property
    def total_declared(self) -> bool:
        return TOTAL in self.concepts

    def concept_row(self, concept: str) -> int | None:
        """The row that means ``concept`` (tabell_begrepp.csv; the total also by default, see total_row)."""
        if concept == TOTAL:
            return self.total_row()
        return self.concepts.get(concept)

    def headings(self) -> dict[int, int]:
        """Each row printed under a heading row (role rubrik) -> that heading's number.

        A heading groups the rows that follow it, up to the next heading or the first row that a grouped
        row sums into (the total below them), as a printed table reads."""
        out, current, grouped = {}, None, set()
        for r in self.rows:
            if r.role == HEADING:
                current, grouped = r.number, set()
                continue
            if current is None:
                continue
            if any(self._sums_into(g, r.number) for g in grouped):
                current = None
                continue
            out[r.number] = current
            grouped.add(r.number)
        return out

    def _sums_into(self, row: int, ancestor: int) -> bool:
        seen, p = set(), self.row(row).parent
        while p is not None and p not in seen:
            if p == ancestor:
                return True
            seen.add(p)
            p = next((r.parent for r in self.rows if r.number == p), None)
        return False


KIND_TITLE = {
    "budget": "Budget",
    "månadsrapport": "Månadsrapport",
    "tertialrapport": "Tertialrapport",
    "delårsrapport": "Delårsrapport",
    "bokslut": "Bokslut",
}


def parse_formula(text: str, rows: bool) -> list[tuple[int, str]] | None:
    """``'prognos - budget'`` -> [(1, 'prognos'), (-1, 'budget')]; rows: ``'rad 5 − rad 6'`` -> [(1, '5'), (-1, '6')].

    None when the text is not such a computation.
    """
    text = (text or "").strip()
    if not text:
        return None
    out, pos = [], 0
    while pos < len(text):
        m = _TERM.match(text, pos)
        if not m or m.end() == pos or (out and not m.group(1)):
            return None
        term = m.group(2)
        if rows:
            words = term.split()
            if len(words) == 2 and words[0].lower() == "rad":
                term = words[1]
            if not term.isdigit():
                return None
        elif " " in term:
            return None
        out.append((-1 if m.group(1) in ("-", "−") else 1, term))
        pos = m.end()
    return out or None


# --- checks across the files -----------------------------------------------------------------------


def _label(org: str, spec: TableSpec) -> str:
    return f"{org}/{spec.filename}"


def cross_issues(data: dict, org: str) -> list[Issue]:
    """Every value belongs to a known table and column, rows agree with themselves, sums and computations refer to rows that exist."""
    t, c, v, lk = (data.get(n) for n in ("tabeller", "tabell_kolumner", "tabell_varden", "tabell_lankar"))
    km, bg = data.get("tabell_kommentarer"), data.get("tabell_begrepp")
    issues: list[Issue] = []
    if t is None:
        for df, spec in ((c, COLUMNS), (v, VALUES), (lk, LINKS), (km, COMMENTS), (bg, ROW_CONCEPTS)):
            if df is not None and not df.empty:
                issues.append(
                    Issue(
                        _label(org, spec), 0, "", "", f"filen {TABLES.filename} med tabellerna som filen hänvisar till"
                    )
                )
        return issues
    tables = dict(zip(t["tabell"], t.to_dict("records")))
    known = ", ".join(tables) or "(inga)"
    cols: dict[str, set[str]] = {}
    if c is not None:
        cl = _label(org, COLUMNS)
        for idx, r in c.iterrows():
            if r["tabell"] not in tables:
                issues.append(Issue(cl, int(idx), "tabell", r["tabell"], f"ett id ur {TABLES.filename}: {known}"))
            cols.setdefault(r["tabell"], set()).add(r["kolumn"])
        for idx, r in c.iterrows():
            if r["berakning"]:
                f = parse_formula(r["berakning"], rows=False)
                own = cols.get(r["tabell"], set()) - {r["kolumn"]}
                if f is None or any(cid not in own for _, cid in f):
                    issues.append(
                        Issue(
                            cl,
                            int(idx),
                            "berakning",
                            r["berakning"],
                            COL_FORMULA_TEXT + " – med id på andra kolumner i tabellen "
                            f"{r['tabell']}: " + ", ".join(sorted(own)),
                        )
                    )
    if v is not None:
        vl = _label(org, VALUES)
        rows_of: dict[str, dict[int, dict]] = {}
        for idx, r in v.iterrows():
            tid = r["tabell"]
            if tid not in tables:
                issues.append(Issue(vl, int(idx), "tabell", tid, f"ett id ur {TABLES.filename}: {known}"))
                continue
            if r["kolumn"] not in cols.get(tid, set()):
                issues.append(
                    Issue(
                        vl,
                        int(idx),
                        "kolumn",
                        r["kolumn"],
                        f"en kolumn i {COLUMNS.filename} för tabellen {tid}: "
                        + (", ".join(sorted(cols.get(tid, set()))) or "(inga)"),
                    )
                )
            d = int(tables[tid]["decimaler"])
            if r["varde"] is not None and -r["varde"].as_tuple().exponent > d:
                issues.append(
                    Issue(
                        vl,
                        int(idx),
                        "varde",
                        str(r["varde"]).replace(".", ","),
                        f"högst {d} decimaler, som tabellen {tid} anger i {TABLES.filename} (decimaler)",
                    )
                )
            if r["roll"] == HEADING and r["varde"] is not None:
                issues.append(
                    Issue(
                        vl,
                        int(idx),
                        "varde",
                        str(r["varde"]).replace(".", ","),
                        "en tom cell (en rad med rollen rubrik anger inga belopp; har raden belopp är den en summa "
                        "eller en post)",
                    )
                )
            row = {k: r[k] for k in ("post", "summeras_i", "roll", "berakning")}
            first = rows_of.setdefault(tid, {}).setdefault(int(r["rad"]), {**row, "_idx": idx})
            for k in ("post", "summeras_i", "roll", "berakning"):
                a, b = _norm(first[k]), _norm(row[k])
                if a != b:
                    issues.append(
                        Issue(
                            vl,
                            int(idx),
                            k,
                            b,
                            f"'{a}' som på rad {first['_idx']} (samma tabell och rad ska ha "
                            "samma post, summeras_i, roll och berakning)",
                        )
                    )
        stated = (
            {}
            if v is None
            else {(tid, int(n)) for tid, n, x in zip(v["tabell"], v["rad"], v["varde"]) if x is not None}
        )
        for tid, rows in rows_of.items():
            for num, row in rows.items():
                idx = int(row["_idx"])
                parent = row["summeras_i"]
                if row["roll"] == HEADING and parent is not None and not pd.isna(parent):
                    issues.append(
                        Issue(
                            vl,
                            idx,
                            "summeras_i",
                            str(int(parent)),
                            "en tom cell (en rubrikrad summeras inte i någon rad)",
                        )
                    )
                elif parent is not None and not pd.isna(parent) and rows.get(int(parent), {}).get("roll") == HEADING:
                    issues.append(
                        Issue(
                            vl,
                            idx,
                            "summeras_i",
                            str(int(parent)),
                            f"numret på en rad som summerar (rad {int(parent)} är en rubrikrad, som grupperar raderna "
                            "under den utan att summera dem; lämna summeras_i tom eller ange summaraden)",
                        )
                    )
                elif parent is not None and not pd.isna(parent):
                    if int(parent) not in rows or int(parent) == num:
                        issues.append(
                            Issue(vl, idx, "summeras_i", str(int(parent)), f"numret på en annan rad i tabellen {tid}")
                        )
                    elif _cycle(rows, num):
                        issues.append(
                            Issue(
                                vl,
                                idx,
                                "summeras_i",
                                str(int(parent)),
                                "en rad högre upp i summeringen (raderna summeras i varandra i en ring)",
                            )
                        )
                if row["roll"] == SUM and (tid, num) not in stated:
                    issues.append(
                        Issue(
                            vl,
                            idx,
                            "varde",
                            "",
                            f"belopp på summaraden {row['post']} (alla dess celler är tomma); för in källans belopp, "
                            "eller ge raden rollen rubrik om den bara är en rubrik som grupperar raderna under den",
                            severity="varning",
                        )
                    )
                if row["roll"] == SUM and not any(
                    not pd.isna(o["summeras_i"]) and int(o["summeras_i"]) == num and o["roll"] != OUTSIDE
                    for o in rows.values()
                ):
                    issues.append(
                        Issue(
                            vl,
                            idx,
                            "roll",
                            SUM,
                            f"att minst en rad har summeras_i = {num} (raderna som summan består av), "
                            "eller rollen post",
                        )
                    )
                if row["roll"] == DIFF:
                    f = parse_formula(row["berakning"] or "", rows=True)
                    if f is None or any(int(n) not in rows or int(n) == num for _, n in f):
                        issues.append(
                            Issue(
                                vl,
                                idx,
                                "berakning",
                                row["berakning"] or "",
                                ROW_FORMULA_TEXT + f" – med nummer på andra rader i tabellen {tid}",
                            )
                        )
                elif row["berakning"]:
                    issues.append(
                        Issue(
                            vl,
                            idx,
                            "berakning",
                            row["berakning"],
                            "en tom cell (berakning gäller bara rader med rollen differens)",
                        )
                    )
    if lk is not None:
        ll = _label(org, LINKS)
        rows_by_table = {} if v is None else {tid: set(part["rad"].astype(int)) for tid, part in v.groupby("tabell")}
        for idx, r in lk.iterrows():
            for tc, rc in (("tabell", "rad"), ("samma_tabell", "samma_rad")):
                if r[tc] not in tables:
                    issues.append(Issue(ll, int(idx), tc, r[tc], f"ett id ur {TABLES.filename}: {known}"))
                    continue
                terms = link_rows(r[rc])
                if terms is None:
                    issues.append(Issue(ll, int(idx), rc, str(r[rc]), LINK_ROWS_TEXT))
                    continue
                for _, n in terms:
                    if n not in rows_by_table.get(r[tc], set()):
                        issues.append(
                            Issue(
                                ll,
                                int(idx),
                                rc,
                                str(r[rc]),
                                f"numret på en rad i tabellen {r[tc]} ({VALUES.filename}); rad {n} finns inte",
                            )
                        )
            a, b = r.get("kolumn"), r.get("samma_kolumn")
            if bool(a) != bool(b):
                issues.append(
                    Issue(
                        ll,
                        int(idx),
                        "samma_kolumn" if a else "kolumn",
                        "",
                        "båda kolumnerna (kolumn och samma_kolumn) eller ingen av dem",
                    )
                )
            for tc, cc in (("tabell", "kolumn"), ("samma_tabell", "samma_kolumn")):
                cid = r.get(cc)
                if cid and r[tc] in tables and cid not in cols.get(r[tc], set()):
                    issues.append(
                        Issue(
                            ll,
                            int(idx),
                            cc,
                            cid,
                            f"en kolumn i {COLUMNS.filename} för tabellen {r[tc]}: "
                            + (", ".join(sorted(cols.get(r[tc], set()))) or "(inga)"),
                        )
                    )
    rows_by_table = {} if v is None else {tid: set(part["rad"].astype(int)) for tid, part in v.groupby("tabell")}
    if km is not None:
        issues += _row_reference_issues(km, _label(org, COMMENTS), tables, known, rows_by_table)
    if bg is not None:
        bl = _label(org, ROW_CONCEPTS)
        roles = {} if v is None else {(tid, int(n)): role for tid, n, role in zip(v["tabell"], v["rad"], v["roll"])}
        found = _row_reference_issues(bg, bl, tables, known, rows_by_table)
        issues += found
        wrong = {i.row for i in found}
        for idx, r in bg.iterrows():
            if int(idx) not in wrong and roles.get((r["tabell"], int(r["rad"]))) == HEADING:
                issues.append(
                    Issue(
                        bl,
                        int(idx),
                        "rad",
                        str(int(r["rad"])),
                        f"en rad med belopp (rad {int(r['rad'])} i tabellen {r['tabell']} är en rubrikrad)",
                    )
                )
    return issues


def _row_reference_issues(df, label: str, tables, known: str, rows_by_table: dict) -> list[Issue]:
    """A file's (tabell, rad) that name no table of tabeller.csv or no row of that table in tabell_varden.csv."""
    issues = []
    for idx, r in df.iterrows():
        if r["tabell"] not in tables:
            issues.append(Issue(label, int(idx), "tabell", r["tabell"], f"ett id ur {TABLES.filename}: {known}"))
        elif int(r["rad"]) not in rows_by_table.get(r["tabell"], set()):
            issues.append(
                Issue(
                    label,
                    int(idx),
                    "rad",
                    str(int(r["rad"])),
                    f"numret på en rad i tabellen {r['tabell']} ({VALUES.filename})",
                )
            )
    return issues


def link_rows(text) -> list[tuple[int, int]] | None:
    """``'7'`` -> [(1, 7)]; ``'rad 3 + rad 4'`` -> [(1, 3), (1, 4)]: the rows of a link's side, None when not rows."""
    if text is None:
        return None
    f = parse_formula(str(text), rows=True)
    return None if f is None else [(sgn, int(n)) for sgn, n in f]


def _norm(x) -> str:
    """A cell as comparable text: empty for None/NA, whole numbers without decimals."""
    if x is None or (not isinstance(x, str) and pd.isna(x)):
        return ""
    return str(int(x)) if not isinstance(x, str) else x


def _cycle(rows: dict[int, dict], start: int) -> bool:
    seen, cur = set(), start
    while True:
        p = rows[cur]["summeras_i"]
        if p is None or pd.isna(p) or int(p) not in rows:
            return False
        cur = int(p)
        if cur == start or cur in seen:
            return True
        seen.add(cur)


BUDGET_MEASURES = ("budget", "budget helår")


def budget_year(kind: str, per: dt.date, columns: list[tuple[str, int]]) -> int:
    """See :attr:`StatedTable.year`; ``columns``: (measure, year) of the table's columns."""
    if kind == "budget":
        years = [y for m, y in columns if m in BUDGET_MEASURES]
        if years:
            return max(years)
    return per.year


def table_years(data: dict) -> dict[str, int]:
    """Each table id's report year (:attr:`StatedTable.year`), from the validated frames."""
    t, c = data.get("tabeller"), data.get("tabell_kolumner")
    if t is None:
        return {}
    cols: dict[str, list[tuple[str, int]]] = {}
    if c is not None:
        for tid, m, y in zip(c["tabell"], c["matt"], c["ar"]):
            cols.setdefault(tid, []).append((m, int(y)))
    return {
        tid: budget_year(kind, per, cols.get(tid, []))
        for tid, kind, per in zip(t["tabell"], t["rapport"], t["per"])
        if per is not None
    }


def year_issues(org, data: dict) -> list[Issue]:
    """A table outside the report years of organisation.yml is a warning (it is not shown)."""
    issues = []
    t = data.get("tabeller")
    if t is not None:
        years = sorted(org.years)
        year_of = table_years(data)
        for idx, (tid, per) in t[["tabell", "per"]].iterrows():
            y = year_of.get(tid)
            if y is not None and y not in org.years:
                issues.append(
                    Issue(
                        f"{org.slug}/{TABLES.filename}",
                        int(idx),
                        "per",
                        per.isoformat(),
                        "ett datum i ett av rapportåren i organisation.yml ("
                        + ", ".join(map(str, years))
                        + f"; en budget hör till året i sin kolumn budget) – lägg till {y} under ar, annars "
                        "visas tabellen inte",
                        severity="varning",
                    )
                )
    return issues


DATASETS = {
    "tabeller": (TABLES, None),
    "tabell_kolumner": (COLUMNS, None),
    "tabell_varden": (VALUES, None),
    "tabell_lankar": (LINKS, None),
    "tabell_kommentarer": (COMMENTS, None),
    "tabell_begrepp": (ROW_CONCEPTS, None),
}
CROSS_CHECKS = [cross_issues]


# --- building the model -------------------------------------------------------------------------


def load(data: dict) -> list[StatedTable]:
    """The organisation's stated tables (validated data from :func:`rapportbok.data.datasets.load_org`), by date."""
    t, c, v = data.get("tabeller"), data.get("tabell_kolumner"), data.get("tabell_varden")
    if t is None:
        return []
    km, bg = data.get("tabell_kommentarer"), data.get("tabell_begrepp")
    comments = {} if km is None else {(r["tabell"], int(r["rad"])): r["kommentar"] for r in km.to_dict("records")}
    concepts: dict[str, dict[str, int]] = {}
    if bg is not None:
        for r in bg.to_dict("records"):
            concepts.setdefault(r["tabell"], {})[r["begrepp"]] = int(r["rad"])
    register = data.get(citation.REGISTER)
    out = []
    for rec in t.to_dict("records"):
        st = StatedTable(
            rec["tabell"],
            rec["rubrik"],
            rec["rapport"],
            rec["per"],
            rec["enhet"],
            int(rec["decimaler"]),
            rec["kalla"],
            rec["avsnitt"],
            report_name=rec.get("rapportnamn") or "",
            concepts=concepts.get(rec["tabell"], {}),
            source=citation.label(register, rec["kalla"]),
        )
        if c is not None:
            for r in c[c["tabell"] == st.id].to_dict("records"):
                f = parse_formula(r["berakning"] or "", rows=False) or []
                st.columns.append(Column(r["kolumn"], r["matt"], int(r["ar"]), r["rubrik_i_kallan"], tuple(f)))
        if v is not None:
            part = v[v["tabell"] == st.id]
            for num, rows in part.groupby("rad", sort=True):
                r = rows.iloc[0]
                parent = None if pd.isna(r["summeras_i"]) else int(r["summeras_i"])
                f = parse_formula(r["berakning"] or "", rows=True) if r["roll"] == DIFF else None
                st.rows.append(
                    Row(
                        int(num),
                        r["post"],
                        parent,
                        r["roll"],
                        tuple((s, int(n)) for s, n in (f or [])),
                        comments.get((st.id, int(num)), ""),
                    )
                )
                for cid, val in zip(rows["kolumn"], rows["varde"]):
                    st.values[(int(num), cid)] = val
        out.append(st)
    return sorted(out, key=lambda s: s.per)  # by date; within a date in the file's order


@dataclass(frozen=True)
class Link:
    """Two tables state the same quantity: a row of one (``rows``: one row, or the sum of several with their
    signs) against a row of the other; every column pair of the same measure and year, or the two cells
    named by ``column`` and ``other_column``."""

    table: str
    rows: tuple[tuple[int, int], ...]
    other: str
    other_rows: tuple[tuple[int, int], ...]
    column: str | None = None
    other_column: str | None = None


def links(data: dict) -> list[Link]:
    lk = data.get("tabell_lankar")
    if lk is None:
        return []
    return [
        Link(
            r["tabell"],
            ((1, int(r["rad"])),),
            r["samma_tabell"],
            tuple(link_rows(r["samma_rad"]) or ()),
            r.get("kolumn") or None,
            r.get("samma_kolumn") or None,
        )
        for r in lk.to_dict("records")
    ]
