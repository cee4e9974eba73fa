"""Write a chapter notebook template from a compact list of cells (used when authoring templates).

Usage: python tools/notebook_template.py  -- rewrites notebooks/budget.ipynb.
Templates carry no outputs; a cell tagged 'parameters' holds org, year and tertial.
"""

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

PARAMS = 'org = "alingsas"\nyear = 2025\ntertial = 1'


def code(src, tags=("remove-input",)):
    return new_code_cell(src, metadata={"tags": list(tags)})


def write(path, setup, cells):
    nb = new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    nb.cells = [code(PARAMS, ("parameters", "remove-cell")), code(setup, ("remove-cell",)), *cells]
    for i, c in enumerate(nb.cells):
        c["id"] = f"cell-{i:02d}"
    nbformat.write(nb, path)


BUDGET = [
    new_markdown_cell("# Budget och ekonomiska ramar"),
    code("ch.intro()"),
    new_markdown_cell(
        "## Ekonomiska ramar per kontogrupp\n\n"
        "Beloppen står som i budgetdokumentet, i tkr: intäkter positiva, kostnader negativa. "
        "Fetstilta rader är summor som källan anger; avstämningen längst ned räknar om dem."
    ),
    code("ch.ramar_table()"),
    new_markdown_cell("### Förändring mot föregående år\n\nFörändringen i procent räknas mot föregående års belopp utan tecken."),
    code("ch.change_table()"),
    new_markdown_cell("## Nettokostnad och kommunbidrag"),
    code("ch.net_and_grant_chart()"),
    new_markdown_cell("## Från förra årets kommunbidrag till årets"),
    code("ch.bridge()"),
    new_markdown_cell(
        "## Budgetuppföljning\n\n"
        "Utfallet hittills och prognosen för helåret jämförs med budgeten per kontogrupp. Beloppen har samma tecken "
        "som i budgettabellen: kostnader negativa, intäkter positiva. Därför räknas avvikelsen som prognos minus budget "
        "för både kostnader och intäkter: en positiv avvikelse är bättre än budget (överskott), en negativ sämre "
        "(underskott). Avvikelsen i procent räknas mot budgeten utan tecken; där budgeten är 0 visas –. "
        "Utfallet i procent av budgeten ställs mot hur stor del av året som har gått (4/12, 8/12 eller 12/12)."
    ),
    code("ch.followup()"),
    new_markdown_cell("## Investeringsbudget"),
    code("ch.investments()"),
    new_markdown_cell("## Uppgifter om det ekonomiska läget"),
    code("ch.stated_figures()"),
    new_markdown_cell(
        "## Avstämning\n\n"
        "Varje summa som källan anger räknas om från sina rader. Källan ändras aldrig; en avvikelse visas med båda beloppen. "
        "Belopp i tkr-tabeller ska stämma exakt. Ett belopp som texten anger avrundat (t.ex. 11,2 mnkr eller 4,6 procent) "
        "stämmer om skillnaden är högst en halv enhet i sista angivna decimalen (0,05 mnkr respektive 0,05 procentenheter)."
    ),
    code("ch.reconciliation()"),
]

if __name__ == "__main__":
    write(
        "notebooks/budget.ipynb",
        "from rapportbok.chapters.budget import BudgetChapter\nch = BudgetChapter(org, year, tertial)",
        BUDGET,
    )
