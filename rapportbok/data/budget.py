"""The budget text's stated changes of the kommunbidrag (kommunbidrag_forandring.csv).

The budget's tables themselves are stated tables of the kind ``budget`` (:mod:`rapportbok.data.stated_tables`);
this file holds the figures the budget *text* states about how the kommunbidrag changes (a total, a
satsning, index, volym), which the budget chapter's bridge sets against the table's kommunbidrag row.
"""

from __future__ import annotations

from rapportbok.data.schema import Col, TableSpec

KB_FORANDRING = TableSpec(
    "kommunbidrag_forandring.csv",
    "Förändring av kommunbidraget enligt budgettexten",
    (
        Col("ar", "year", doc="Året vars kommunbidrag förändringen leder till (jämfört med året före)"),
        Col(
            "komponent",
            "choice",
            choices=("total", "satsning", "index", "volym", "övrigt"),
            doc="total (hela förändringen) eller en del av den: satsning, index, volym eller övrigt",
        ),
        Col("belopp_mnkr", "number", doc="Beloppet i mnkr, som i texten"),
        Col("procent", "number", required=False, doc="Procenten som texten anger, där den anger en"),
        Col("kalla", doc="Källans id ur data/kallor.csv"),
        Col("avsnitt", doc="Avsnitt i källan"),
        Col("citat", doc="Meningen ordagrant ur källan"),
    ),
    key=("ar", "komponent"),
    doc="Kommunbidragets förändring som budgetens text anger den, en rad per år och del (hela förändringen och dess delar).",
)


DATASETS = {"kommunbidrag": (KB_FORANDRING, None)}
