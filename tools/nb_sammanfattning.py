"""Write notebooks/sammanfattning.ipynb, the template of the overview page "Sammanfattning".

Usage (from the project root): python tools/nb_sammanfattning.py
"""

import sys
from pathlib import Path

from nbformat.v4 import new_markdown_cell

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import notebook_template as template  # noqa: E402  (tools/ is not a package)
code = template.code

SETUP = "from rapportbok.chapters.summary import SummaryChapter\nch = SummaryChapter(org, year, tertial)"

CELLS = [
    new_markdown_cell("# Sammanfattning"),
    code("ch.intro()"),
    code("ch.compute()", ("remove-cell",)),
    new_markdown_cell(
        "## I korthet\n\n"
        "Rapportår {glue:text}`sf_ar`. Siffrorna nedan (i fetstil) räknas fram i kapitlen, med källa.\n\n"
        "- Kommunbidrag: {glue:text}`sf_kommunbidrag`\n"
        "- Verksamhetens nettokostnader: {glue:text}`sf_nettokostnad`\n"
        "- Kommunbidragets förändring mot föregående år: {glue:text}`sf_kb_forandring`\n"
        "- Investeringsbudget: {glue:text}`sf_investeringar`\n"
        "- Budgetuppföljning, avvikelse mot budget: {glue:text}`sf_prognos`\n"
        "- Underskott som åtgärdsplanerna ska möta: {glue:text}`sf_underskott`\n"
        "- Åtgärdernas planerade effekt under året: {glue:text}`sf_planerad`\n"
        "- Åtgärdernas faktiska effekt: {glue:text}`sf_faktisk`\n"
        "- Risker: {glue:text}`sf_risker`\n"
        "- Möjlig besparing enligt genomlysningen: {glue:text}`sf_besparing`\n"
        "- Avvikelser i avstämningarna: {glue:text}`sf_avvikelser`"
    ),
    new_markdown_cell("## Budgeten"),
    code("ch.budget_section()"),
    new_markdown_cell("## Åtgärdsplanerna"),
    code("ch.actionplan_section()"),
    new_markdown_cell("## Riskerna"),
    code("ch.risk_section()"),
    new_markdown_cell("## Genomlysningen"),
    code("ch.genomlysning_section()"),
    new_markdown_cell("## Avstämningarna"),
    code("ch.reconciliation_section()"),
]

if __name__ == "__main__":
    template.write(str(ROOT / "notebooks" / "sammanfattning.ipynb"), SETUP, CELLS)
