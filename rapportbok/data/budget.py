"""The budget input files: ramar per kontogrupp, the investment budget and the stated changes of the kommunbidrag.

Tables are stored long, one row per post and year, exactly as the source states them,
subtotals included; ``summeras_i`` names the row each row sums into. What the book computes
from them is :mod:`rapportbok.analysis.budget`.
"""

from __future__ import annotations

import pandas as pd

from rapportbok.data.schema import Col, Issue, TableSpec

_TABLE_COLS = (
    Col("rad", "int", sign="+", doc="Radens ordning i källans tabell"),
    Col("post", doc="Radens namn som i källan"),
    Col("summeras_i", required=False, doc="Posten som raden summeras i (tom för slutsumman)"),
    Col("ar", "year", doc="Året som beloppet gäller"),
    Col("version", "choice", choices=("Budget", "Plan", "Utfall", "Prognos"), doc="Som kolumnrubriken i källan"),
    Col("belopp_tkr", "number", doc="Belopp i tkr, tecken som i källan"),
    Col("kalla"),
    Col("avsnitt"),
)


RAMAR = TableSpec(
    "budget_ramar.csv",
    "Ekonomiska ramar per kontogrupp",
    _TABLE_COLS,
    key=("rad", "ar"),
    doc="Äldre format för budgetens ramar, en rad per post och år (det nya formatet är tabeller.csv).",
)


INVESTERINGAR = TableSpec(
    "investeringar.csv",
    "Investeringsbudget",
    _TABLE_COLS,
    key=("rad", "ar"),
    doc="Äldre format för investeringsbudgeten, en rad per post och år (det nya formatet är tabeller.csv).",
)


KB_FORANDRING = TableSpec(
    "kommunbidrag_forandring.csv",
    "Förändring av kommunbidraget enligt budgettexten",
    (
        Col("ar", "year", doc="Året som förändringen gäller (mot året före)"),
        Col(
            "komponent",
            "choice",
            choices=("total", "satsning", "index", "volym", "övrigt"),
            doc="Vilken del: total (hela förändringen), satsning, index, volym eller övrigt",
        ),
        Col("belopp_mnkr", "number", doc="Förändringen i mnkr som i texten"),
        Col("procent", "number", required=False, doc="Förändringen i procent där texten anger den"),
        Col("kalla"),
        Col("avsnitt"),
        Col("citat"),
    ),
    key=("ar", "komponent"),
    doc="Kommunbidragets förändring som budgetens text anger den, en rad per år och del (hela förändringen och dess delar).",
)


DATASETS = {
    "ramar": (RAMAR, lambda df, spec, label: tree_issues(df, spec, label)),
    "investeringar": (INVESTERINGAR, lambda df, spec, label: tree_issues(df, spec, label)),
    "kommunbidrag": (KB_FORANDRING, None),
}


def tree_issues(df: pd.DataFrame, spec: TableSpec, label: str) -> list[Issue]:
    """Structure checks beyond the cell level: parents exist, one name and parent per row number."""
    issues = []
    names = set(df["post"])
    for idx, row in df.iterrows():
        if row["summeras_i"] and row["summeras_i"] not in names:
            issues.append(Issue(label, int(idx), "summeras_i", row["summeras_i"], "namnet på en post i samma fil"))
    for rad, part in df.groupby("rad"):
        for col in ("post", "summeras_i"):
            values = part[col].fillna("")
            usual = values.mode().iloc[0]
            for idx, value in values[values != usual].items():
                issues.append(
                    Issue(
                        label,
                        int(idx),
                        col,
                        value,
                        f"'{usual}' som på rad {rad} de andra åren (samma post och summeras_i alla år)",
                    )
                )
    return issues


# --- the budget on the stated-table model ------------------------------------------------------
#
# An organisation may state its budget tables in the model of rapportbok.data.stated_tables
# (tables of kind ``budget``) instead of budget_ramar.csv / investeringar.csv. organisation.yml's
# ``begrepp`` names the rows the budget chapter reads (kommunbidrag, nettokostnad, resultat) and the
# investment table's total (investeringar). The tables are then presented to the chapter in the old
# long shape (:func:`from_model`), so the chapter, its reconciliation and the follow-up read one shape.
# :func:`to_model` is the converter the other way (old files -> model files), lossless.

# Concepts whose row lies in the ramar table, and the concept naming the investment table's total.
RAMAR_CONCEPTS = ("kommunbidrag", "nettokostnad", "resultat")
INVESTMENT_CONCEPT = "investeringar"
# The old format's versions and the model's measures.
VERSION_MEASURE = {"Budget": "budget", "Plan": "plan", "Utfall": "utfall helår", "Prognos": "prognos helår"}
MEASURE_VERSION = {
    "budget": "Budget",
    "budget helår": "Budget",
    "plan": "Plan",
    "utfall helår": "Utfall",
    "prognos helår": "Prognos",
}
LONG_COLUMNS = ["rad", "post", "summeras_i", "ar", "version", "belopp_tkr", "kalla", "avsnitt"]


def model_tables(data: dict, concepts: dict[str, tuple[str, int]]) -> dict[str, str]:
    """The budget-kind stated tables the budget chapter reads: {'ramar': table id, 'investeringar': table id}.

    The ramar table is the one the concepts kommunbidrag/nettokostnad/resultat point into; the
    investment table the one the concept investeringar points into. Only tables of kind budget.
    """
    t = data.get("tabeller")
    if t is None or not concepts:
        return {}
    kinds = dict(zip(t["tabell"], t["rapport"]))
    out = {}
    for name, names in (("ramar", RAMAR_CONCEPTS), ("investeringar", (INVESTMENT_CONCEPT,))):
        for concept in names:
            if concept in concepts and kinds.get(concepts[concept][0]) == "budget":
                out[name] = concepts[concept][0]
                break
    return out


def _plain(v) -> float | int:
    """A stated Decimal as the old format's number (whole numbers as int)."""
    return int(v) if v == v.to_integral_value() else float(v)


def from_model(data: dict, concepts: dict[str, tuple[str, int]], org: str) -> tuple[dict, list[Issue]]:
    """The budget-kind stated tables in the old long shape (columns of budget_ramar.csv, plus
    ``begrepp`` naming the concept of a row and ``tabell``): {'ramar': df, 'investeringar': df}.

    Only tables in tkr without decimals are read this way (the chapter shows tkr as exact figures);
    any other unit is a warning and the table is shown only in Rapporternas tabeller.
    """
    from rapportbok.data import stated_tables as model

    chosen = model_tables(data, concepts)
    if not chosen:
        return {}, []
    by_id = {t.id: t for t in model.load(data)}
    out, issues = {}, []
    for name, tid in chosen.items():
        t = by_id[tid]
        if t.unit != "tkr" or t.decimals != 0:
            issues.append(
                Issue(
                    f"{org}/{model.TABLES.filename}",
                    0,
                    "enhet",
                    f"{t.unit}, {t.decimals} decimaler",
                    f"tkr utan decimaler för tabellen {tid}, som kapitlet Budget läser (begrepp i "
                    "organisation.yml); tabellen visas bara i Rapporternas tabeller",
                    severity="varning",
                )
            )
            continue
        concept_of = {rad: c for c, (ct, rad) in concepts.items() if ct == tid}
        labels = {r.number: r.label for r in t.rows}
        # One column per year (the chapter shows a year once); the others are named in a warning.
        read, skipped = {}, []
        for c in t.columns:
            if c.measure in MEASURE_VERSION and c.year not in read:
                read[c.year] = c
            else:
                skipped.append(c)
        if skipped:
            issues.append(
                Issue(
                    f"{org}/{model.COLUMNS.filename}",
                    0,
                    "kolumn",
                    ", ".join(c.id for c in skipped),
                    f"kolumner som kapitlet Budget läser i tabellen {tid}: en per år med måttet "
                    + ", ".join(MEASURE_VERSION)
                    + " – de andra kolumnerna visas inte",
                    severity="varning",
                )
            )
        rows = []
        for r in t.rows:
            parent = None if r.parent is None or r.role == model.OUTSIDE else labels[r.parent]
            for c in read.values():
                v = t.value(r.number, c.id)
                if v is None:
                    continue
                rows.append(
                    {
                        "rad": r.number,
                        "post": r.label,
                        "summeras_i": parent,
                        "ar": c.year,
                        "version": MEASURE_VERSION[c.measure],
                        "belopp_tkr": _plain(v),
                        "kalla": t.kalla,
                        "avsnitt": t.avsnitt,
                        "begrepp": concept_of.get(r.number, ""),
                        "tabell": tid,
                    }
                )
        if rows:
            out[name] = pd.DataFrame(rows)
    return out, issues


class ConversionError(ValueError):
    """The old budget files cannot be converted without loss (a Swedish message)."""


def to_model(
    frames: dict[str, pd.DataFrame], captions: dict[str, str], per, ids: dict[str, str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, dict]]:
    """Old budget files (validated frames 'ramar' and/or 'investeringar') as the model's files.

    Returns (tabeller, tabell_kolumner, tabell_varden, begrepp): every value, label, row order,
    parent and source citation is kept; ``begrepp`` names the rows the budget chapter reads.
    """
    ids = ids or {"ramar": "ramar", "investeringar": "investeringar"}
    tables, columns, values, concepts = [], [], [], {}
    named = {
        "Kommunbidrag": "kommunbidrag",
        "Verksamhetens nettokostnader": "nettokostnad",
        "Årets resultat": "resultat",
    }
    for name in ("ramar", "investeringar"):
        df = frames.get(name)
        if df is None:
            continue
        tid, filename = ids[name], (RAMAR if name == "ramar" else INVESTERINGAR).filename
        cites = df[["kalla", "avsnitt"]].drop_duplicates()
        if len(cites) != 1:
            raise ConversionError(
                f"{filename}: raderna anger {len(cites)} olika källor (kalla, avsnitt); en tabell i "
                "tabeller.csv har en källa. Dela upp filen per källa först."
            )
        heads = df.drop_duplicates("ar").set_index("ar")["version"]
        for y, version in sorted(heads.items()):
            if (df.loc[df["ar"] == y, "version"] != version).any():
                raise ConversionError(f"{filename}: år {y} har flera versioner; en kolumn per år och version krävs.")
        kalla, avsnitt = cites.iloc[0]
        tables.append(
            {
                "tabell": tid,
                "rubrik": captions[name],
                "rapport": "budget",
                "per": per,
                "enhet": "tkr",
                "decimaler": 0,
                "kalla": kalla,
                "avsnitt": avsnitt,
            }
        )
        for y, version in sorted(heads.items()):
            columns.append(
                {
                    "tabell": tid,
                    "kolumn": f"{version.lower()}{y}",
                    "matt": VERSION_MEASURE[version],
                    "ar": int(y),
                    "rubrik_i_kallan": f"{version} {y}",
                    "berakning": "",
                }
            )
        first = df.sort_values(["rad", "ar"]).drop_duplicates("rad")
        number_of: dict[str, list[int]] = {}
        for rad, post in zip(first["rad"], first["post"]):
            number_of.setdefault(post, []).append(int(rad))
        parents = set(first["summeras_i"].dropna()) - {""}
        for p in parents:
            if len(number_of.get(p, [])) != 1:
                raise ConversionError(
                    f"{filename}: summeras_i '{p}' pekar på {len(number_of.get(p, []))} rader; "
                    "den ska peka på exakt en rad."
                )
        for rec in df.sort_values(["rad", "ar"]).to_dict("records"):
            parent = rec["summeras_i"] if isinstance(rec["summeras_i"], str) and rec["summeras_i"] else None
            v = rec["belopp_tkr"]
            values.append(
                {
                    "tabell": tid,
                    "rad": int(rec["rad"]),
                    "post": rec["post"],
                    "summeras_i": "" if parent is None else str(number_of[parent][0]),
                    "roll": "summa" if rec["post"] in parents else "post",
                    "berakning": "",
                    "kolumn": f"{rec['version'].lower()}{int(rec['ar'])}",
                    "varde": _text(v),
                }
            )
        for rad, post in zip(first["rad"], first["post"]):
            if name == "ramar" and post in named and named[post] not in concepts:
                concepts[named[post]] = {"tabell": tid, "rad": int(rad)}
        if name == "investeringar":
            roots = first[first["summeras_i"].isna() | (first["summeras_i"] == "")]
            if len(roots) == 1:
                concepts[INVESTMENT_CONCEPT] = {"tabell": tid, "rad": int(roots["rad"].iloc[0])}
    return (pd.DataFrame(tables), pd.DataFrame(columns), pd.DataFrame(values), concepts)


def _text(v) -> str:
    """A number of the old files as the model's value text, exactly (no binary-float digits)."""
    from decimal import Decimal

    d = Decimal(repr(float(v)))
    return str(int(d)) if d == d.to_integral_value() else format(d.normalize(), "f")
