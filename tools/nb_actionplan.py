"""Write notebooks/atgardsplan.ipynb, the template of the chapter "Åtgärdsplaner".

Usage (from the project root): python tools/nb_actionplan.py
"""

import sys
from pathlib import Path

from nbformat.v4 import new_markdown_cell

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import notebook_template as template  # noqa: E402  (tools/ is not a package)
code = template.code

SETUP = "from rapportbok.chapters.actionplan import ActionPlanChapter\nch = ActionPlanChapter(org, year, tertial)"

CELLS = [
    new_markdown_cell("# Åtgärdsplaner"),
    code("ch.intro()"),
    new_markdown_cell(
        "## Så räknas förväntad effekt och trafikljus\n\n"
        "**Förväntat hittills.** Årets planerade effekt fördelas jämnt per dag från effektstarten "
        "(men tidigast 1 januari) till 31 december. Förväntat hittills = planerad effekt × antal dagar från "
        "start till och med avstämningsdagen / antal dagar från start till och med 31 december. Före starten är "
        "det förväntade 0. Avstämningsdagen är uppföljningens datum, eller om uppföljning saknas tertialets "
        "slut (30 april, 31 augusti eller 31 december).\n\n"
        "**Trafikljus.** Realisering = faktisk effekt hittills / förväntad effekt hittills. "
        "🟢 grön: minst 90 %. 🟡 gul: 50 % till under 90 %. 🔴 röd: under 50 %. "
        "⚪ grå: ingen faktisk effekt angiven, ingen effekt förväntad ännu (ej startad eller 0 planerat) "
        "eller en kostnadspost (negativ planerad effekt). Trafikljuset är en egen beräkning och visas "
        "bredvid statustexten som den står i källan."
    ),
    new_markdown_cell("## Åtgärder, planerad och faktisk effekt"),
    code("ch.measures_table()"),
    code("ch.light_summary()"),
    new_markdown_cell("### Status enligt källan"),
    code("ch.status_texts()"),
    new_markdown_cell("## Summor per plan och område"),
    code("ch.totals()"),
    new_markdown_cell("## Planerad och faktisk effekt per åtgärd"),
    code("ch.planned_vs_actual_chart()"),
    new_markdown_cell("## Från underskott till kvarstående gap"),
    code("ch.bridge()"),
    new_markdown_cell(
        "## Drivare bakom effekterna\n\n"
        "Där källan anger mängder och priser (t.ex. placeringsdygn × kostnad per dygn, årsarbetare × kostnad per "
        "årsarbetare) räknas effekten om, lägst och högst. Ett tomt högsta värde betyder att källan inte anger "
        "någon övre gräns (t.ex. \"minst 365 dygn\"). Där källan anger en procentsats utan den volym den gäller "
        "kan effekten inte räknas; i stället visas den volym som den angivna effekten förutsätter."
    ),
    code("ch.drivers()"),
    new_markdown_cell("## Planen över åren"),
    code("ch.plan_overview()"),
    new_markdown_cell(
        "## Avstämning\n\n"
        "Varje summa som källan anger räknas om från sina rader, liksom åtgärdernas numrering och det antal "
        "åtgärder som texten anger. Källan ändras aldrig; en avvikelse visas med båda talen. Belopp i tkr ska "
        "stämma exakt; belopp i mnkr med en decimal stämmer om skillnaden är högst 0,05 mnkr."
    ),
    code("ch.reconciliation()"),
]

if __name__ == "__main__":
    template.write(str(ROOT / "notebooks" / "atgardsplan.ipynb"), SETUP, CELLS)
