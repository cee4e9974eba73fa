"""Write notebooks/genomlysning.ipynb, the template of the chapter "Genomlysning".

Usage (from the project root): python tools/nb_genomlysning.py
"""

import sys
from pathlib import Path

from nbformat.v4 import new_markdown_cell

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import notebook_template as template  # noqa: E402  (tools/ is not a package)
code = template.code

SETUP = "from rapportbok.chapters.review import GenomlysningChapter\nch = GenomlysningChapter(org, year, tertial)"

CELLS = [
    new_markdown_cell("# Genomlysning: nyckeltal jämfört med liknande kommuner"),
    code("ch.intro()"),
    new_markdown_cell(
        "## Jämförelser\n\n"
        "Genomlysningen jämför med enskilda kommuner, med Koladas grupper av liknande kommuner och med ett "
        "genomsnitt för alla kommuner. Ett gruppvärde som Kolada själv publicerar anges med *Källa: Kolada*. "
        "För genomlysningens egna grupper beräknar boken ett ovägt medelvärde av medlemmarnas värden; det är "
        "egen bearbetning av data från Kolada, och det anges hur många medlemmar som hade värden. Koladas grupper "
        "med samma namn kan i dag ha andra medlemmar än de som genomlysningen använde."
    ),
    code("ch.groups_table()"),
    new_markdown_cell(
        "## Nyckeltalen i sammandrag\n\n"
        "För varje nyckeltal visas organisationens värde det senaste året med värde, jämförelsevärdet, "
        "**kvoten** (organisationens värde / jämförelsevärdet) och **skillnaden** i nyckeltalets enhet, räknad så "
        "att ett positivt tal betyder sämre än jämförelsen (för kostnader: högre kostnad; för resultat där högre "
        "är bättre: lägre resultat). **Förändringsutrymme** i mnkr = skillnaden i kr per invånare × antal invånare "
        "(Kolada N01951) / 1 000 000. Det visas bara för nyckeltal i kr/inv och när befolkningen är hämtad; ett "
        "negativt tal betyder att organisationen redan ligger bättre än jämförelsen."
    ),
    code("ch.summary_table()"),
    new_markdown_cell("## Utveckling över tid\n\nVarje diagram visar organisationen och jämförelserna år för år så som de hämtats från Kolada."),
    code("ch.charts()"),
    new_markdown_cell(
        "### Förändring\n\n"
        "Förändring i procent = (värde senaste år − värde första år) / värde första år × 100. "
        "Index = värde senaste år / värde första år × 100 (första året = 100)."
    ),
    code("ch.change_table()"),
    new_markdown_cell(
        "### Plats bland alla kommuner\n\n"
        "Plats räknas bara när alla kommuner bakom Koladas värde för *Alla kommuner* har ett värde i hämtningen. "
        "Plats 1 är det lägsta värdet; percentilen är andelen kommuner med samma eller lägre värde."
    ),
    code("ch.rank_table()"),
    new_markdown_cell("## Uppgifter som genomlysningen anger"),
    code("ch.stated_table()"),
    new_markdown_cell(
        "### Angivet mot beräknat\n\n"
        "För uppgifter med ett Kolada-id räknar boken om samma mått från de hämtade värdena. Båda talen visas; "
        "källan ändras aldrig. Skillnader kan bero på att Kolada har reviderat värden efter genomlysningen eller "
        "på att genomlysningen avrundar."
    ),
    code("ch.stated_vs_fetched()"),
    new_markdown_cell(
        "## Möjlig förflyttning\n\n"
        "Tabellerna står som i genomlysningen. Beloppen är bedömda besparingsmöjligheter per år, inte beslutade åtgärder."
    ),
    code("ch.savings_tables()"),
    new_markdown_cell(
        "## Avstämning\n\n"
        "En summa som källan anger räknas om från sina rader. Genomlysningen anger inga summor för dessa tabeller; "
        "boken visar därför sina egna summor och säger att de är egen beräkning."
    ),
    code("ch.reconciliation()"),
]

if __name__ == "__main__":
    template.write(str(ROOT / "notebooks" / "genomlysning.ipynb"), SETUP, CELLS)
