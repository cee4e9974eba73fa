"""Write notebooks/risk.ipynb, the template of the chapter "Risk och intern kontroll".

Usage (from the project root): python tools/nb_risk.py
"""

import sys
from pathlib import Path

from nbformat.v4 import new_markdown_cell

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import notebook_template as template  # noqa: E402  (tools/ is not a package)
code = template.code

SETUP = "from rapportbok.chapters.risk import RiskChapter\nch = RiskChapter(org, year, tertial)"

CELLS = [
    new_markdown_cell("# Risk och intern kontroll"),
    code("ch.intro()"),
    new_markdown_cell(
        "## Risk- och väsentlighetsanalys\n\n"
        "Nämnden bedömer varje risk på två skalor från 1 till 4: **sannolikhet** (hur troligt det är att felet uppstår) "
        "och **väsentlighet** (hur allvarligt det är om det uppstår). **Riskvärdet** är sannolikhet × väsentlighet och "
        "ligger därför mellan 1 och 16. Tabellen står som i källan; kolumnen *Omräknat riskvärde* är bokens egen "
        "beräkning av produkten."
    ),
    code("ch.register_table()"),
    new_markdown_cell(
        "## Riskkarta\n\n"
        "Kartan placerar riskerna efter sannolikhet (lodrätt, högst upp = mest sannolik) och väsentlighet "
        "(vågrätt, längst till höger = allvarligast). Rutans färg och det stora talet visar hur många risker som "
        "ligger där; *nr* anger riskernas nummer i tabellen ovan. Ljusare färg betyder fler risker."
    ),
    code("ch.heatmap()"),
    new_markdown_cell(
        "## Internkontrollplan\n\n"
        "Internkontrollplanen anger för de risker som ska hanteras genom intern kontroll hur kontrollen görs och vem "
        "som ansvarar. Risknumret i riskanalysen är bokens koppling på riskens namn."
    ),
    code("ch.control_plan()"),
    new_markdown_cell("## Skalor\n\nNivåerna som källan förklarar för sannolikhet och väsentlighet."),
    code("ch.scales_table()"),
    new_markdown_cell(
        "## Avstämning\n\n"
        "Två regler kontrolleras. 1) Varje riskvärde i riskanalysen ska vara sannolikhet × väsentlighet. "
        "2) Riskvärdet i internkontrollplanen ska vara detsamma som riskanalysens riskvärde för risken med samma namn. "
        "Riskvärden är heltal och ska stämma exakt. Källan ändras aldrig; en avvikelse visas med båda värdena. "
        "Dessutom visas om någon risk som enligt riskanalysen hanteras i IK-planen saknas i internkontrollplanen."
    ),
    code("ch.reconciliation()"),
]

if __name__ == "__main__":
    template.write(str(ROOT / "notebooks" / "risk.ipynb"), SETUP, CELLS)
