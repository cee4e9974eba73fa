"""Words a reader may not know: the book's Ordlista page and ``<abbr title>`` where they appear.

:data:`TERMS` is the single list: the Ordlista page (``book/ordlista.md``, written by
rapportbok.publish.build) shows every entry; the abbreviations among them (``abbr`` set) are explained
where they appear on the site (rapportbok.publish.sphinxext marks them in the text and in the tables'
HTML with :func:`mark_html` / :func:`mark_doctree`). The explanations are the book's own words, not
data; they still reach HTML only through rapportbok.core.escape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DOCNAME = "book/ordlista"  # the page's document name (book/ordlista.md)
TITLE = "Ordlista"


@dataclass(frozen=True)
class Term:
    term: str
    explanation: str
    abbr: str = ""  # the abbreviation's expansion, for <abbr title>; empty for words that are not abbreviations
    forms: tuple[str, ...] = ()  # other written forms to mark (inflections), abbreviations only


TERMS: tuple[Term, ...] = (
    Term("tkr", "Tusental kronor. 1 000 tkr är 1 miljon kronor.", "tusen kronor"),
    Term("mnkr", "Miljoner kronor. 1 mnkr är 1 000 tkr.", "miljoner kronor"),
    Term(
        "åa",
        "Årsarbetare: en heltidstjänst under ett helt år. Två halvtidsanställda är tillsammans en årsarbetare.",
        "årsarbetare",
    ),
    Term("årsarbetare", "Se åa: en heltidstjänst under ett helt år."),
    Term(
        "IK-plan",
        "Internkontrollplan: nämndens plan för vilka rutiner och risker som ska kontrolleras under året, "
        "hur och av vem.",
        "internkontrollplan",
        ("IK-planen", "IK-planer"),
    ),
    Term(
        "EKB",
        "Ensamkommande barn och unga: barn som kommit till Sverige utan vårdnadshavare.",
        "ensamkommande barn och unga",
    ),
    Term(
        "HVB",
        "Hem för vård eller boende: en placering utanför det egna hemmet, ofta för barn och unga, "
        "som kommunen köper eller driver. En av de dyraste insatserna.",
        "hem för vård eller boende",
    ),
    Term(
        "familjehem",
        "Ett privat hem som tar emot ett barn eller en ung person för vård på uppdrag av "
        "socialnämnden. Oftast billigare än HVB.",
    ),
    Term(
        "LSS",
        "Lagen om stöd och service till vissa funktionshindrade.",
        "lagen om stöd och service till vissa funktionshindrade",
    ),
    Term("SoL", "Socialtjänstlagen.", "socialtjänstlagen"),
    Term(
        "LVU",
        "Lagen med särskilda bestämmelser om vård av unga: vård utan samtycke.",
        "lagen med särskilda bestämmelser om vård av unga",
    ),
    Term(
        "IFO",
        "Individ- och familjeomsorg: socialtjänstens arbete med barn och unga, vuxna med missbruk och "
        "ekonomiskt bistånd.",
        "individ- och familjeomsorg",
    ),
    Term("ovägt medel", "Ett medelvärde där varje kommun räknas lika mycket, oavsett hur många invånare den har."),
    Term(
        "liknande kommuner",
        "En grupp kommuner som Kolada (Rådet för främjande av kommunala analyser) räknar "
        "som lika den här i t.ex. storlek, befolkning och ekonomi. Jämförelsen med dem är ett mått på om "
        "kostnaden är hög eller låg.",
    ),
    Term("Kolada", "Den öppna databasen med nyckeltal för kommuner och regioner (kolada.se)."),
    Term("nyckeltal", "Ett mått som gör kommuner jämförbara, t.ex. kostnad per invånare."),
    Term(
        "kommunbidrag", "Den summa som kommunfullmäktige ger nämnden för året. Nämndens nettokostnad ska rymmas i den."
    ),
    Term("nettokostnad", "Kostnaderna minus intäkterna (t.ex. avgifter och statsbidrag)."),
    Term("underskott", "När nettokostnaden blir större än kommunbidraget. Kallas också negativ budgetavvikelse."),
    Term(
        "åtgärdsplan",
        "Nämndens plan med åtgärder som ska minska kostnaderna så att budgeten håller; kallas också handlingsplan.",
    ),
    Term(
        "helårseffekt",
        "Vad en åtgärd sparar under ett helt år när den är fullt genomförd. Det första året blir "
        "effekten ofta mindre, eftersom åtgärden börjar mitt i året.",
    ),
    Term(
        "trafikljus",
        "Hur en åtgärd går: grön (enligt plan), gul (osäker), röd (ger inte den effekt som planerades). Där källan "
        "själv bedömer åtgärden visar boken källans bedömning, också när källan säger att det är för tidigt att "
        "bedöma. Annars är trafikljuset bokens beräkning, inte förvaltningens: den faktiska effekten hittills "
        "jämförd med en jämn fördelning av årets planerade effekt från planens beslut (eller åtgärdens start), "
        "grön från 90 procent, gul från 50 procent, röd under det.",
    ),
    Term(
        "bokens beräkning",
        "Ett belopp som boken räknar fram ur källornas siffror (en summa, det som återstår efter en plan, ett "
        "trafikljus), inte ett belopp som källan anger. Det är markerat och länkar till hur det räknas.",
    ),
    Term("tertial", "En tredjedel av året: tertial 1 är januari–april, tertial 2 januari–augusti, tertial 3 helåret."),
    Term(
        "delårsrapport",
        "Nämndens rapport om ekonomin under året, oftast efter tertial 1 eller 2, med prognos för helåret.",
    ),
    Term("prognos", "Förvaltningens bedömning av hur året slutar ekonomiskt."),
    Term("genomlysning", "En extern granskning av nämndens verksamhet och kostnader jämfört med andra kommuner."),
    Term("avstämning", "Bokens kontroll att de summor källan anger stämmer med summan av raderna."),
)

ABBREVIATIONS: dict[str, str] = {}
for _t in TERMS:
    if _t.abbr:
        for _form in (_t.term, *_t.forms):
            ABBREVIATIONS[_form] = _t.abbr

# A whole word: not inside a longer word or a hyphenated compound ("HVB-placering" is left alone).
_WORDS = re.compile(
    r"(?<![\w-])(" + "|".join(re.escape(w) for w in sorted(ABBREVIATIONS, key=len, reverse=True)) + r")(?![\w-])"
)
# Where abbreviations are not marked in HTML: inside these elements (text is between tags only).
_SKIP = ("abbr", "script", "style", "pre", "code", "caption", "title", "button", "summary", "a")
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*?(/?)>")


def abbr_html(word: str) -> str:
    from rapportbok.core import escape

    return f'<abbr title="{escape.html_attr(ABBREVIATIONS[word])}">{escape.html_text(word)}</abbr>'


# The units stand in almost every table: explained at their first appearance on a page only.
ONCE_PER_PAGE = frozenset({"tkr", "mnkr"})


def _wanted(word: str, seen: set | None) -> bool:
    if seen is None or word not in ONCE_PER_PAGE:
        return True
    if word in seen:
        return False
    seen.add(word)
    return True


def mark_text(escaped: str, seen: set | None = None) -> str:
    """Wrap the abbreviations in an already escaped text (no tags) in ``<abbr title>``; ``seen`` collects the
    units already explained on the page (:data:`ONCE_PER_PAGE`)."""
    return _WORDS.sub(lambda m: abbr_html(m.group(1)) if _wanted(m.group(1), seen) else m.group(0), escaped)


def mark_html(html: str, seen: set | None = None) -> str:
    """Mark the abbreviations in the text of an HTML fragment; tags, attributes and skipped elements stay."""
    out, depth, pos = [], 0, 0
    for m in _TAG.finditer(html):
        text = html[pos : m.start()]
        out.append(text if depth else mark_text(text, seen))
        out.append(m.group(0))
        name = m.group(2).lower()
        if name in _SKIP and not m.group(3):
            depth = max(0, depth - 1) if m.group(1) else depth + 1
        pos = m.end()
    tail = html[pos:]
    out.append(tail if depth else mark_text(tail, seen))
    return "".join(out)


def mark_doctree(doctree) -> None:
    """Mark abbreviations in a resolved Sphinx doctree: text nodes become ``abbreviation`` nodes (``<abbr>``),
    raw HTML (the tables, notes) goes through :func:`mark_html`. Headings, links, code and literal text stay."""
    from docutils import nodes

    skip = (
        nodes.title,
        nodes.literal_block,
        nodes.literal,
        nodes.reference,
        nodes.abbreviation,
        nodes.raw,
        nodes.FixedTextElement,
    )
    seen: set = set()
    for node in list(doctree.findall(lambda n: isinstance(n, (nodes.raw, nodes.Text)))):  # in reading order
        if isinstance(node, nodes.raw):
            if "html" in node.get("format", "").split():
                new_html = mark_html(node.astext(), seen)
                if new_html != node.astext():
                    node.replace_self(nodes.raw("", new_html, format=node["format"]))
            continue
        text, parent = node, node.parent
        if parent is None or any(isinstance(a, skip) for a in _ancestors(parent)):
            continue
        parts = _WORDS.split(str(text))
        if len(parts) == 1:
            continue
        new, plain = [], ""
        for i, part in enumerate(parts):
            if i % 2 and _wanted(part, seen):
                if plain:
                    new.append(nodes.Text(plain))
                plain = ""
                new.append(nodes.abbreviation(part, part, explanation=ABBREVIATIONS[part]))
            else:
                plain += part
        if plain:
            new.append(nodes.Text(plain))
        if len(new) == 1 and isinstance(new[0], nodes.Text):
            continue
        idx = parent.index(text)
        parent.remove(text)
        for j, node in enumerate(new):
            parent.insert(idx + j, node)


def _ancestors(node):
    while node is not None:
        yield node
        node = node.parent


def page_markdown() -> str:
    """The Ordlista page (MyST)."""
    from rapportbok.core import escape

    intro = (
        "Ord och förkortningar som boken och källorna använder. Förkortningarna förklaras också där de står: "
        "håll muspekaren över en understruken förkortning."
    )
    lines = [f"# {TITLE}", "", intro, ""]
    for t in sorted(TERMS, key=lambda t: t.term.casefold()):
        lines.append(f"- **{escape.md_text(t.term)}**: {escape.md_text(t.explanation)}")
    return "\n".join(lines) + "\n"
