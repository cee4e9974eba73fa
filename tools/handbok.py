"""The handbook (handbok/): its generated reference pages, its strict build, and its place beside the site.

    python tools/handbok.py referens   # write the generated pages under handbok/referens/ from the code
    python tools/handbok.py bygg       # make handbok: the reference pages, then a strict build (-W) into
                                       # _build/handbok/ and, when the book's site is built, a copy in
                                       # _build/html/handbok/

The generated pages say so at the top and are written only from the code:

- ``indatafiler.md``: every input file, column by column, from the TableSpecs (``Col(doc=...)``);
- ``yaml.md``: every key of organisation.yml and kolada.yml, from the pydantic models' field descriptions
  and the expected values their messages name (rapportbok.data.config);
- ``kommandon.md``: every command and option of the command line (click) and every make target;
- ``miljovariabler.md``: every environment variable the code reads (found by searching it for
  ``RAPPORTBOK_``), each described below;
- ``talformat.md``: the number and date formats, as the formatting helper and the CSV reader give them.

``tests/test_handbok.py`` fails when a committed page differs from what this writes (run ``make handbok``
and commit), when a column, key, option, make target or variable has no description, and when the
handbook does not build with strict warnings. The book's own build (``rapportbok bygg``) places the
handbook beside the site too, without strict warnings (rapportbok.publish.handbook).
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rapportbok.publish import handbook  # noqa: E402

REFERENCE = ROOT / handbook.FOLDER / "referens"
GENERATED = "% Genererad av `python tools/handbok.py referens` ur koden; ändra inte för hand (tests/test_handbok.py)."
NOTE = "Sidan är genererad ur koden och kontrolleras av ett test, så den stämmer med programmet."
MISSING_TEXT = "(beskrivning saknas)"  # the test fails on it


def cell(text: str) -> str:
    """Text for a Markdown table cell: one line, a literal |."""
    return " ".join(str(text).split()).replace("|", "\\|")


def code(text: str) -> str:
    return f"`{text}`"


def table(head: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "|".join(" --- " for _ in head) + "|"]
    out += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return out + [""]


def page(title: str, intro: list[str], body: list[str]) -> str:
    lines = [GENERATED, "", f"# {title}", "", *intro, "", f"*{NOTE}*", "", *body]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).rstrip() + "\n"


# --- input files ------------------------------------------------------------------------------------

# Each data module's files under one heading, in the analyst's order (a new module must be placed here).
FILE_GROUPS = {
    "rapportbok.data.sources": ("Källorna", "data/"),
    "rapportbok.data.stated_tables": ("Tabeller som en rapport anger", "data/<org>/"),
    "rapportbok.data.stated_figures": ("Uppgifter i löptext", "data/<org>/"),
    "rapportbok.data.budget": ("Budgeten", "data/<org>/"),
    "rapportbok.data.actionplan": ("Åtgärdsplaner", "data/<org>/"),
    "rapportbok.data.review": ("Genomlysning", "data/<org>/"),
    "rapportbok.data.risk": ("Risk och intern kontroll", "data/<org>/"),
}


def _value_text(col) -> str:
    if col.kind == "choice":
        text = "ett av: " + ", ".join(code(c) for c in col.choices)
    else:
        text = col.expected()
    if col.minimum is not None or col.maximum is not None:
        lo = col.minimum if col.minimum is not None else (0 if col.sign == "+" else None)
        if lo is not None and col.maximum is not None:
            text += f"; från {lo} till {col.maximum}"
        else:
            text += f"; från {lo}" if lo is not None else f"; högst {col.maximum}"
    elif col.sign == "+":
        text += "; aldrig negativt"
    elif col.sign == "-":
        text += "; aldrig positivt"
    return text


def _required_text(col) -> str:
    text = "ja" if col.required else "nej, får vara tom"
    return text + ("; kolumnen får saknas" if col.may_omit else "")


def input_files() -> str:
    import importlib

    from rapportbok.data import datasets, sources

    specs = [("rapportbok.data.sources", sources.KALLOR)]
    modules = {name: importlib.import_module(name) for name in FILE_GROUPS}
    for spec, _ in datasets.ORG_DATASETS.values():
        owner = next((n for n, m in modules.items() if spec in vars(m).values()), None)
        if owner is None:
            raise SystemExit(f"Fel: {spec.filename} hör till en modul som FILE_GROUPS i tools/handbok.py saknar.")
        specs.append((owner, spec))
    body = []
    for group, (title, folder) in FILE_GROUPS.items():
        mine = [s for g, s in specs if g == group]
        if not mine:
            continue
        body += [f"## {title}", ""]
        for spec in mine:
            body += [f"### {spec.filename}", ""]
            body += [f"**{cell(spec.title)}.** {cell(spec.doc) if spec.doc else MISSING_TEXT}", ""]
            key = " och ".join(code(k) for k in spec.key)
            unique = f" Två rader får inte ha samma {key}." if key else ""
            body += [f"Filen: `{folder}{spec.filename}`.{unique}", ""]
            rows = [
                [code(c.name), c.description or MISSING_TEXT, _value_text(c), _required_text(c)] for c in spec.columns
            ]
            body += table(["Kolumn", "Innehåll", "Värde", "Krävs"], rows)
    intro = [
        "Alla indatafiler, kolumn för kolumn. Filerna är CSV med en rubrikrad med kolumnernas namn som här, "
        "i vilken ordning som helst; en okänd kolumn är ett fel. Komma eller semikolon som avgränsare, "
        "decimalkomma eller decimalpunkt, UTF-8 (med eller utan BOM) eller Excels Windows-1252 går bra, se "
        "[Talformat](talformat.md). Ett värde som inte är vad kolumnen förväntar sig ger ett fel med fil, rad "
        "(rubrikraden är rad 1, som i Excel), kolumn, värde och vad som förväntades (`rapportbok kontrollera`). "
        "En fil som organisationen inte har utelämnas.",
        "",
        "Varje rad anger sin källa: `kalla` (dokumentets id i `data/kallor.csv`) och `avsnitt` (var i "
        "dokumentet). Hur tabellerna i en rapport förs in, med exempel, står i "
        "[Tabeller som en rapport anger](tabeller.md).",
    ]
    return page("Indatafilerna", intro, body)


# --- YAML ------------------------------------------------------------------------------------------


def _yaml_rows(model, prefix: str, expected: dict[str, str], pattern: str) -> list[list[str]]:
    """One row per key of ``model`` (and of the models under it), with its path as written in the file."""
    from pydantic import BaseModel

    rows = []
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        key = f"{pattern}{name}"
        value = expected.get(key) or expected.get(key + ".*") or ""
        required = "ja" if field.is_required() else "nej"
        rows.append([code(path), field.description or MISSING_TEXT, value, required])
        nested = [a for a in _walk_args(field.annotation) if isinstance(a, type) and issubclass(a, BaseModel)]
        for sub in dict.fromkeys(nested):
            if _is_mapping_or_list(field.annotation):  # ar: {2025: {...}}, rapporter: [{...}]
                rows += _yaml_rows(sub, f"{path}.<…>.", expected, f"{key}.*.")
            else:
                rows += _yaml_rows(sub, f"{path}.", expected, f"{key}.")
    return rows


def _walk_args(annotation):
    from typing import get_args

    yield annotation
    for a in get_args(annotation):
        yield from _walk_args(a)


def _is_mapping_or_list(annotation) -> bool:
    from typing import get_origin

    return any(get_origin(a) in (dict, list) for a in _walk_args(annotation))


YAML_PLACEHOLDERS = {
    "ar.<…>.": "ar.<år>.",
    "rapporter.<…>.": "rapporter.<n>.",
}


def yaml_keys() -> str:
    from rapportbok.data import config

    body = [
        "## organisation.yml",
        "",
        f"{config.Organisation.__doc__.strip()}: organisationens namn, nämnd, "
        "kommunkod och rapportår, och valfritt gränserna för väsentlig avvikelse och rapporteringskalendern. "
        "Vilken tabellrad som är nämndens total, nettokostnad, kommunbidrag och så vidare står inte här utan i "
        "`tabell_begrepp.csv` ([Indatafilerna](indatafiler.md)). `rapportbok ny-organisation` skriver den.",
        "",
    ]
    rows = _yaml_rows(config.Organisation, "", config.ORG_EXPECTED, "")
    for row in rows:
        for a, b in YAML_PLACEHOLDERS.items():
            row[0] = row[0].replace(a, b)
    body += table(["Nyckel", "Innehåll", "Värde", "Krävs"], rows)
    body += [
        "Rapportens slag under `rapporter` är samma som kolumnen `rapport` i `tabeller.csv`.",
        "",
        "## kolada.yml",
        "",
        f"{config.KoladaSpec.__doc__.strip()}: vilka nyckeltal som hämtas från Kolada och vilka kommuner och "
        "grupper de jämförs med. `rapportbok ny-organisation` skriver den; `rapportbok kolada hamta` läser den.",
        "",
    ]
    rows = _yaml_rows(config.KoladaSpec, "", config.KOLADA_EXPECTED, "")
    for row in rows:
        row[0] = row[0].replace("<…>", "<id>")
    body += table(["Nyckel", "Innehåll", "Värde", "Krävs"], rows)
    intro = [
        "Varje nyckel i organisationens två YAML-filer, `data/<org>/organisation.yml` och "
        "`data/<org>/kolada.yml`. Filerna är UTF-8. Ett fel anges med filen, raden, nyckeln, värdet och vad som "
        "förväntades; `true`, `.nan` och `.inf` godtas aldrig som tal, och en okänd nyckel är ett fel.",
        "",
        "`<år>` står för ett årtal med fyra siffror, t.ex. `2025`; `<n>` för en rad i en lista; `<id>` för ett "
        "kommun-, grupp- eller nyckeltals-id.",
    ]
    return page("organisation.yml och kolada.yml", intro, body)


# --- commands --------------------------------------------------------------------------------------

# Every make target (.PHONY in the Makefile), in Swedish.
MAKE_TARGETS = {
    "book": "Kontrollerar data/, kör kapitlen till book/ och bygger webbplatsen i _build/html/ med handboken bredvid "
    "(`rapportbok bygg`). Skapar .venv från requirements.txt första gången.",
    "test": "Kör allt som CI kör: `make lint`, sedan alla tester (enhetstester, byggtester, webbplatsen läst "
    "tillbaka, webbläsar- och tillgänglighetstester, PDF, handbokens strikta bygge) i två processer och i "
    "slumpad ordning (fröet skrivs ut), och sist strikt nbval på book/ och på testboken.",
    "test-snabb": "Arbetsloopen: `make lint` och enhetstesterna (markerade unit: inga notebooks, byggen eller "
    "webbläsare), ungefär en minut på en ledig maskin med två kärnor.",
    "lint": "Kontrollerar koden: ruff (fel och format) och importkontrakten (import-linter: stegen importerar åt ett "
    "håll, analysis och present läser och skriver inga filer).",
    "lock": "Låser om beroendena ur pyproject.toml med uv till requirements.txt (med hashar, för Linux, Windows och "
    "macOS) och requirements-mutation.txt, och skriver environment.yml ur låsningen. "
    "`make lock LOCK_FLAGS=--upgrade` flyttar till nyare versioner.",
    "pdf": "Som `make book` och dessutom en PDF per organisation och år i _build/html/pdf/ (Debians chromium).",
    "validate": "Kontrollerar alla filer i data/ (`rapportbok kontrollera`).",
    "skarmbilder": "Tar en helsidesbild av varje sida på webbplatsen i datorns och mobilens bredd (1280, 1366 och "
    "390 px) med webbläsartesterna och lägger dem i _build/screenshots/ (`make test` tar inga).",
    "handbok": "Skriver handbokens genererade referenssidor och bygger handboken med strikta varningar; lägger den i "
    "_build/html/handbok/ när webbplatsen finns.",
    "testbook": "Bygger om den syntetiska testboken (tests/testbook_syntetisk/book och _toc.yml) efter en ändring i "
    "paketet, mallarna eller testbokens data.",
    "testbook-kolada": "Hämtar om testbokens Kolada-lagring från testernas falska Kolada-server och bygger om testboken.",
    "mutation": "Mutationstest av beräkningsmodulerna med mutmut (installeras bara här).",
    "bench": "Mäter byggtiderna (tools/bench.py).",
    "clean": "Tar bort _build/.",
}


def _make_targets() -> list[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    phony = re.search(r"^\.PHONY:(.*)$", text, re.MULTILINE)
    return phony.group(1).split() if phony else []


def _option_value(param) -> str:
    import click

    parts = []
    if isinstance(param, click.Option) and param.is_flag:
        parts.append("flagga, inget värde")
    elif isinstance(param.type, click.Choice):
        parts.append("ett av: " + ", ".join(code(c) for c in param.type.choices))
    elif getattr(param.type, "expected", None):  # the command line's own Swedish types (rapportbok.cli)
        parts.append(param.type.expected)
    elif isinstance(param.type, click.IntRange):
        parts.append(f"ett heltal från {param.type.min} till {param.type.max}")
    elif param.type.name == "integer":
        parts.append("ett heltal")
    elif isinstance(param.type, click.Path):
        parts.append("en fil")
    else:
        parts.append("text")
    if param.required:
        parts.append("krävs")
    if getattr(param, "multiple", False):
        parts.append("kan anges flera gånger")
    return "; ".join(parts)


# The placeholder shown for an option's value in a usage line, by the option's (Swedish) name.
METAVARS = {
    "ar": "ÅR",
    "per": "ÅÅÅÅ-MM-DD",
    "ut": "FIL",
    "tabeller": "SLAG",
    "kommun": "KOD-ELLER-NAMN",
    "parallella": "N",
    "api-adress": "ADRESS",
    "tertial": "T",
}


def _usage(cmd, path: str) -> str:
    """The command's usage line in Swedish: required options first, optional ones in brackets."""
    import click

    parts = []
    for p in cmd.params:
        if isinstance(p, click.Argument):
            parts.append("FIL")
            continue
        flag = p.opts[0]
        word = flag.lstrip("-")
        value = "" if p.is_flag else " " + METAVARS.get(word, word.upper())
        text = flag + value
        parts.append(text if p.required else f"[{text}]")
    return " ".join([path, *parts])


def _command_section(cmd, path: str, aliases: dict[str, str], level: int) -> list[str]:
    import click

    english = {v: k for k, v in aliases.items()}
    name = path.split()[-1]
    head = f"{'#' * level} {path}" + (f" ({english[name]})" if name in english else "")
    out = [head, "", cell(cmd.help or MISSING_TEXT), ""]
    if not isinstance(cmd, click.Group):
        out += ["```text", _usage(cmd, path), "```", ""]
        rows = []
        for p in cmd.params:
            if isinstance(p, click.Argument):
                rows.append([code("FIL"), "Filen att läsa in (en ifylld mall, .xlsx)", "en fil; krävs"])
            else:
                flags = ", ".join(code(o) for o in p.opts + p.secondary_opts)
                rows.append([flags, p.help or MISSING_TEXT, _option_value(p)])
        rows.append([", ".join(code(o) for o in ("-h", "--help", "--hjalp")), "Visa hjälpen och avsluta.", "flagga"])
        out += table(["Argument eller flagga", "Gör", "Värde"], rows)
    return out


def commands() -> str:
    import click

    from rapportbok import cli

    ctx = click.Context(cli.main, info_name="rapportbok")
    body = ["## rapportbok", "", cell(cli.main.help), ""]
    body += [
        "Kommandona i arbetsgångens ordning. Inom parentes står det engelska namnet, som också fungerar. "
        "`rapportbok --help` (eller `-h`, `--hjalp`) visar listan, och `rapportbok KOMMANDO --help` ett "
        "kommandos flaggor.",
        "",
    ]
    for name in cli.main.list_commands(ctx):
        cmd = cli.main.get_command(ctx, name)
        body += _command_section(cmd, f"rapportbok {name}", cli.main.aliases, 3)
        if isinstance(cmd, click.Group):
            for sub in cmd.list_commands(ctx):
                body += _command_section(cmd.get_command(ctx, sub), f"rapportbok {name} {sub}", cmd.aliases, 4)
    body += [
        "## make",
        "",
        "Målen i `Makefile`. Vart och ett skapar `.venv` från de låsta versionerna när den saknas.",
        "",
    ]
    rows = [[code(f"make {t}"), MAKE_TARGETS.get(t, MISSING_TEXT)] for t in _make_targets()]
    body += table(["Mål", "Gör"], rows)
    intro = [
        "Kommandoraden heter `rapportbok` i `.venv` (eller `python -m rapportbok …` i en conda-miljö). "
        "Kommandona och flaggorna är svenska. Ett fel ger ett meddelande på svenska och slutkoden 1; den förra "
        "boken och webbplatsen är då orörda."
    ]
    return page("Kommandon", intro, body)


# --- environment variables -------------------------------------------------------------------------

# Every environment variable the code reads or sets: (what it does, who reads it). None is needed in normal work.
ENV_VARS = {
    "RAPPORTBOK_DATA": (
        "Läser data från en annan mapp än `data/`, t.ex. en kopia att prova på.",
        "paketet, bygget",
    ),
    "RAPPORTBOK_ROOT": ("Projektets rotmapp, när den inte hittas från arbetskatalogen.", "paketet"),
    "RAPPORTBOK_CHROMIUM": (
        "Sökvägen till Chromium (för PDF och webbläsartester), om den inte är `/usr/bin/chromium`.",
        "`make pdf`, testerna",
    ),
    "RAPPORTBOK_ADRESS": (
        "Webbplatsens publika adress, som står (med länk) på PDF:ernas försättsblad, t.ex. "
        "`https://kommun.se/rapportbok/`. Utan den används `html: baseurl:` i `_config.yml`; saknas båda får "
        "försättsbladet ingen adress (bygget säger det).",
        "`make pdf`",
    ),
    "RAPPORTBOK_SITE_JOBS": (
        "Hur många processer Sphinx får när webbplatsen byggs: sidorna läses i en och skrivs i de övriga "
        "(standard 3 för en webbplats med 200 sidor eller fler på en maskin med flera kärnor, annars 1; `1` "
        "stänger av det).",
        "bygget",
    ),
    "RAPPORTBOK_REQUIRE_BROWSER": (
        "`1`: webbläsar-, tillgänglighets- och PDF-testerna misslyckas i stället för att hoppas över när "
        "Chromium saknas (sätts av CI).",
        "testerna",
    ),
    "RAPPORTBOK_SCREENSHOT_DIR": (
        "Mapp där webbläsartesterna sparar en helsidesbild av varje sida (i 1280, 1366 och 390 px bredd); "
        "utan den tas inga skärmbilder. `make skarmbilder` sätter den till `_build/screenshots/`.",
        "testerna",
    ),
    "RAPPORTBOK_KOLADA_LIVE": (
        "`1`: kör `tests/test_kolada_live.py` mot riktiga Kolada (adresser och fältnamn i API v3); utan den, "
        "eller utan nätverk, hoppas testet över.",
        "testerna",
    ),
    "RAPPORTBOK_DELNYCKEL": (
        "Nyckeln som den nationella utgåvans delar signeras med (`.github/workflows/nationell-utgava.yml`, "
        "`python -m rapportbok.publish.shards`): samma hemlighet i varje jobb i samma körning. I GitHub Actions en "
        "hemlighet i repots inställningar.",
        "den nationella utgåvans arbetsflöde",
    ),
    "RAPPORTBOK_UTAN": (
        "Byggets snabbhetsmekanismer som ska stängas av, kommaseparerade (`statsignatur`, "
        "`forvalidering`, `karnor`; se `rapportbok/core/switches.py`). Bara för "
        "mätningen av vad var och en sparar (`make bench`); boken blir densamma.",
        "`make bench`",
    ),
    "RAPPORTBOK_TEST_SITE": (
        "En redan byggd webbplats som webbläsartesterna använder i stället för att bygga (bara vid utveckling).",
        "testerna",
    ),
    "RAPPORTBOK_TEST_HTTP_LOKAL": (
        "**Bara för tester.** `1`: `--api-adress` får vara http (i stället för https), men bara till den egna "
        "datorn (127.0.0.1, ::1, localhost), för testernas låtsade Kolada-server. Sätt den aldrig annars.",
        "testerna, `make testbook-kolada`",
    ),
}
# Set by the build for its own child processes; never set them yourself.
INTERNAL_ENV_VARS = {
    "RAPPORTBOK_PDF": "`1` när bygget gör PDF:er: webbplatsen behåller årens PDF-länkar.",
    "RAPPORTBOK_HANDBOK": "`1` när handboken läggs bredvid webbplatsen: startsidan behåller länken dit.",
}
# Names that only a test uses, as a value of its own (not a setting).
TEST_ONLY_NAMES = {"RAPPORTBOK_LEAK"}
ENV_SEARCHED = ("rapportbok", "tools", "tests", "Makefile", ".ci", ".github", "_config.yml")


def env_vars_in_code() -> set[str]:
    """Every RAPPORTBOK_… name in the code, the tests, the Makefile and CI (not in book/ or data/)."""
    found: set[str] = set()
    for name in ENV_SEARCHED:
        base = ROOT / name
        files = [base] if base.is_file() else [p for p in base.rglob("*") if p.is_file()]
        for p in files:
            if "testbook_syntetisk" in p.parts or "fixtures" in p.parts or p.suffix in (".png", ".xlsx", ".pdf"):
                continue
            try:
                text = p.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            found |= set(re.findall(r"\bRAPPORTBOK_[A-Z][A-Z_]*[A-Z]\b", text))
    return found


def environment() -> str:
    found = env_vars_in_code() - TEST_ONLY_NAMES
    rows = [[code(n), *ENV_VARS[n]] for n in ENV_VARS if n in found]
    rows += [[code(n), MISSING_TEXT, ""] for n in sorted(found - set(ENV_VARS) - set(INTERNAL_ENV_VARS))]
    body = table(["Variabel", "Gör", "Används av"], rows)
    body += [
        "## Som bygget sätter själv",
        "",
        "Bygget sätter dem för sina egna barnprocesser; sätt dem inte själv.",
        "",
    ]
    body += table(["Variabel", "Betyder"], [[code(n), t] for n, t in INTERNAL_ENV_VARS.items() if n in found])
    gone = sorted((set(ENV_VARS) | set(INTERNAL_ENV_VARS)) - found)
    if gone:
        body += [f"{MISSING_TEXT}: beskrivna men används inte längre: {', '.join(gone)}", ""]
    intro = ["Ingen behövs i vanligt arbete. Det här är alla som rapportbok läser, och de som bygget sätter."]
    return page("Miljövariabler", intro, body)


# --- number and date formats -----------------------------------------------------------------------


def formats() -> str:
    from rapportbok.core import fmt, periods
    from rapportbok.data import schema

    def shown(text: str) -> str:
        return code(text.replace(fmt.NBSP, " "))

    out_rows = [
        ["Heltal", "fmt.number(1234567)", shown(fmt.number(1234567))],
        ["En decimal", "fmt.number(1234.56, 1)", shown(fmt.number(1234.56, 1))],
        ["Negativt (riktigt minustecken)", "fmt.number(-245082)", shown(fmt.number(-245082))],
        [
            "Avrundning halva uppåt, som i Excel",
            "fmt.number(2.5) och fmt.number(-2.5)",
            f"{shown(fmt.number(2.5))} och {shown(fmt.number(-2.5))}",
        ],
        ["Aldrig −0", "fmt.number(-0.4)", shown(fmt.number(-0.4))],
        ["Med tecken (en förändring)", "fmt.number(1234, sign=True)", shown(fmt.number(1234, sign=True))],
        ["Tusental kronor", "fmt.tkr(5500)", shown(fmt.tkr(5500))],
        ["Miljoner kronor (ur tkr)", "fmt.mnkr(256303)", shown(fmt.mnkr(256303))],
        ["Procent", "fmt.pct(4.578)", shown(fmt.pct(4.578))],
        ["Ett tal som källan inte anger", "fmt.number(None)", shown(fmt.number(None))],
        ["Datum", "fmt.date('2018-07-31')", shown(fmt.date("2018-07-31"))],
    ]
    d = dt.date(2025, 10, 31)
    period_rows = [
        ["Perioden t.o.m. ett rapportdatum", "periods.period_text(2025-10-31)", shown(periods.period_text(d))],
        ["Helåret", "periods.period_text(2025-12-31)", shown(periods.period_text(dt.date(2025, 12, 31)))],
        ["Rapportens period", "periods.report_text(2025-10-31)", shown(periods.report_text(d))],
        ["Andel av året", "periods.share_pct(2025-10-31)", shown(fmt.pct(periods.share_pct(d)))],
        ["Tertialens slut", "periods.tertial_end(2025, 2)", shown(fmt.date(periods.tertial_end(2025, 2)))],
    ]
    samples = [
        "1234",
        "1 234,5",
        "1234.5",
        "−245 082",
        "-1800",
        "1,5",
        "+65",
        " 7 750 ",
        "1.234,5",
        "1,234.5",
        "12 34",
        "mer än 4",
    ]
    in_rows = []
    for s in samples:
        value = schema.parse_number(s)
        read = "avvisas" if value is None else shown(fmt.number(value, schema.decimals_of(s)))
        in_rows.append([code(s), read])
    date_rows = []
    for s in ("2025-10-31", "2025-02-29", "31/10/2025", "2025-10-31 12:00"):
        value = schema.parse_date(s)
        date_rows.append([code(s), "avvisas" if value is None else shown(fmt.date(value))])
    body = ["## Det boken visar", ""]
    body += [
        "All text, alla tabeller och diagramaxlar går genom `rapportbok/core/fmt.py`: hårt mellanslag som "
        "tusentalsavgränsare (här visat som ett vanligt mellanslag), decimalkomma, riktigt minustecken (−, "
        "U+2212), enheterna `tkr`, `mnkr` och `%`, avrundning halva uppåt (bort från noll) som i Excel, och "
        "`–` där källan inte anger något.",
        "",
    ]
    body += table(["Vad", "Anrop", "Visas som"], [[a, code(b), c] for a, b, c in out_rows])
    body += ["## Perioder", ""]
    body += table(["Vad", "Anrop", "Visas som"], [[a, code(b), c] for a, b, c in period_rows])
    body += ["## Det som indatafilerna får innehålla", ""]
    body += [
        "Tal i CSV-filerna läses som en svensk förvaltning skriver dem (`rapportbok/data/schema.py`): "
        "decimalkomma eller decimalpunkt, mellanslag eller hårt mellanslag som tusentalsavgränsare, "
        "Unicode-minus eller bindestreck. Ett tal som kan läsas på två sätt avvisas; inget gissas, och "
        "meddelandet säger vad som förväntades. Belopp på 10^15 eller mer avvisas (ett skriv- eller exportfel).",
        "",
    ]
    body += table(["I filen", "Läses som talet (visat som boken visar det)"], in_rows)
    body += ["Datum skrivs `ÅÅÅÅ-MM-DD`:", ""]
    body += table(["I filen", "Läses som"], date_rows)
    intro = ["Hur boken skriver tal, belopp och datum, och hur den läser dem i indatafilerna."]
    return page("Talformat", intro, body)


# --- writing and building --------------------------------------------------------------------------

PAGES = {
    "indatafiler.md": input_files,
    "yaml.md": yaml_keys,
    "kommandon.md": commands,
    "miljovariabler.md": environment,
    "talformat.md": formats,
}


def generated() -> dict[str, str]:
    """Every generated page's text, by file name under handbok/referens/."""
    return {name: make() for name, make in PAGES.items()}


def write_reference() -> list[str]:
    changed = []
    for name, text in generated().items():
        target = REFERENCE / name
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8", newline="\n")
            changed.append(name)
    return changed


def build(root: Path = ROOT, out: Path | None = None) -> subprocess.CompletedProcess:
    """Build ``root``'s handbook with strict warnings (``-W -n --keep-going``) into ``out`` (default its cache)."""
    src = handbook.source(root)
    if src is None:
        raise SystemExit(f"Fel: {root / handbook.FOLDER} saknar _config.yml eller _toc.yml.")
    out = out or root / handbook.CACHE
    return subprocess.run(handbook.command(src, out, strict=True), capture_output=True, text=True, check=False)


def main(argv: list[str]) -> int:
    if argv not in (["bygg"], ["referens"]):
        print("\n".join(__doc__.strip().splitlines()[2:7]), file=sys.stderr)
        return 2
    changed = write_reference()
    print("Referenssidorna är aktuella." if not changed else "Skrev " + ", ".join(changed) + " i handbok/referens/.")
    if argv == ["referens"]:
        return 0
    proc = build()
    if proc.returncode != 0:
        print(proc.stdout + proc.stderr, file=sys.stderr)
        print("Fel: handboken byggdes inte utan varningar (se ovan).", file=sys.stderr)
        return 1
    site = ROOT / "_build" / "html"
    where = handbook.html(ROOT / handbook.CACHE)
    if (site / "index.html").is_file():
        where = handbook.place(ROOT / handbook.CACHE, site)
    print(f"Handboken är byggd: {where / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
