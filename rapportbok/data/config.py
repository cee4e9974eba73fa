"""Typed configuration: data/<org>/organisation.yml and data/<org>/kolada.yml as pydantic models.

A YAML file is read as UTF-8 text, composed with PyYAML (so every value keeps the line it
stands on) and validated by a strict pydantic model: a boolean, ``.nan`` or ``.inf`` is never a
number or a tertial, a mapping is never a name. Every problem becomes an
:class:`~rapportbok.data.schema.Issue` naming the file, the line (``rad``), the key, the value found
and what was expected, in Swedish.

``rapportbok.data.organisations`` (organisation.yml, with the materiality thresholds as a value,
``Org.thresholds``) and ``rapportbok.data.kolada.load_config`` (kolada.yml) read through here and keep
their public functions.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from rapportbok.core import ids, inputs, periods
from rapportbok.data.schema import Issue

UTF8_HELP = "en textfil i UTF-8 (spara filen med kodningen UTF-8)"
# Characters YAML counts as line breaks though most editors show none (a title copied from Kolada can hold one):
# a comment or a value would end there, and the rest of the line be read as a key of its own. rapportbok.core.inputs
# refuses them in every input (with the line); in a YAML file the message says why it matters there.
HIDDEN_BREAKS = ("\x85", "\u2028", "\u2029")
HIDDEN_BREAK_HELP = (
    "inga osynliga radbrytningar: YAML läser tecknet som en ny rad, så resten av raden skulle bli en egen nyckel; "
    "ta bort tecknet (skriv om raden)"
)


# --- YAML with line numbers --------------------------------------------------------------------


class YamlDoc:
    """A parsed YAML document and the line (1-based) of every value, by its path of keys."""

    def __init__(self, data: Any, lines: dict[tuple, int]):
        self.data = data
        self.lines = lines

    def line(self, loc: tuple) -> int:
        """The line of the value at ``loc``, or of the nearest enclosing value that exists."""
        loc = tuple(loc)
        while True:
            if loc in self.lines:
                return self.lines[loc]
            if not loc:
                return 0
            loc = loc[:-1]


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader with YAML 1.2's booleans and calendar dates.

    Only ``true`` and ``false`` are booleans (YAML 1.1 also read ``yes``, ``no``, ``on`` and ``off``, so
    ``all_municipalities: yes`` passed as true); a date that is not in the calendar (``per: 2025-02-30``)
    stays text, so the model names its key and line in Swedish instead of Python's "day is out of range".
    """

    yaml_implicit_resolvers = {
        first: [
            (tag, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$") if tag == "tag:yaml.org,2002:bool" else rx)
            for tag, rx in resolvers
        ]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)

ALIAS_EXPECTED = "värdet utskrivet där det används: rapportboken läser inte YAML-ankare och alias (&namn, *namn)"


def _key_of(node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return _Loader("").construct_object(node)
    return None


def _walk(
    node: yaml.Node,
    path: tuple,
    lines: dict[tuple, int],
    issues: list[tuple[tuple, int, str, str]],
    visited: set[int] | None = None,
) -> None:
    """Record the line of every value; collect (path, line, value, expected) for a key given twice (also written
    two ways, ``2024`` and ``"2024"``), an alias, and a text holding a character no input may hold (an escape
    such as ``"\\u202e"`` in a quoted string)."""
    visited = set() if visited is None else visited
    lines.setdefault(path, node.start_mark.line + 1)
    visited.add(id(node))
    if isinstance(node, yaml.ScalarNode):
        # A character written as an escape in a quoted string ("\\u202e", "\\a"). A line separator there is part
        # of a name and harmless (ny-organisation quotes Kolada's names so; a page never shows it, see
        # rapportbok.core.escape.visible); the raw character is refused where the file is read.
        hit = (
            next((m.group() for m in inputs.FORBIDDEN.finditer(node.value) if m.group() not in HIDDEN_BREAKS), None)
            if isinstance(node.value, str)
            else None
        )
        if hit:
            issues.append((path, node.start_mark.line + 1, inputs.character_name(hit), inputs.FORBIDDEN_EXPECTED))
    elif isinstance(node, yaml.MappingNode):
        seen: dict = {}
        for k, v in node.value:
            key = _key_of(k)
            try:
                hash(key)
            except TypeError:
                continue
            same = str(key) if isinstance(key, (int, str)) and not isinstance(key, bool) else key
            if same in seen:
                twice = DUPLICATE_KEY if type(seen[same]) is type(key) else DUPLICATE_KEY_WRITTEN
                issues.append((path + (key,), k.start_mark.line + 1, str(key), twice))
            seen.setdefault(same, key)
            if id(v) in visited:  # an alias: a node met a second time
                issues.append((path + (key,), k.start_mark.line + 1, "ett YAML-alias", ALIAS_EXPECTED))
                continue
            _walk(v, path + (key,), lines, issues, visited)
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            if id(v) in visited:
                issues.append((path + (i,), lines[path], "ett YAML-alias", ALIAS_EXPECTED))
                continue
            _walk(v, path + (i,), lines, issues, visited)


DUPLICATE_KEY = "varje nyckel bara en gång"
DUPLICATE_KEY_WRITTEN = 'varje nyckel bara en gång, också när den skrivs på två sätt (som 2024 och "2024")'


def read_yaml(path: Path, label: str, base: Path | None = None) -> tuple[YamlDoc | None, list[Issue]]:
    """Read a YAML file as UTF-8; the document with its lines, or the issues (file, line, expected).

    ``base``: the folder the file must stay in, reached without a link (default: two levels up, data/ for
    data/<org>/<file>); the file is read by rapportbok.core.inputs (at most YAML_LIMIT bytes)."""
    path = Path(path)
    try:
        text = inputs.read_text(
            path, path.parent.parent if base is None else base, limit=inputs.YAML_LIMIT, label=label
        )
    except inputs.InputMissing:
        return None, [Issue(label, 0, "", "", "att filen finns")]
    except inputs.InputError as err:
        expected = UTF8_HELP if err.found.startswith("byten") else err.expected
        if err.found in (inputs.character_name(ch) for ch in HIDDEN_BREAKS):
            expected = HIDDEN_BREAK_HELP
        return None, [Issue(label, err.line, "", err.found, expected)]
    except OSError as err:
        return None, [Issue(label, 0, "", err.strerror or type(err).__name__, "en fil som går att läsa")]
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else 0
        lines = text.splitlines()
        what = lines[line - 1].strip()[:80] if 0 < line <= len(lines) else ""
        return None, [
            Issue(
                label,
                line,
                "",
                what,
                "giltig YAML (kontrollera indrag, kolon, citattecken och klamrar på raden och raden före)",
            )
        ]
    except RecursionError:
        return None, [
            Issue(label, 0, "", "värden i värden i många nivåer", "giltig YAML med några få nivåer av indrag")
        ]
    except (yaml.YAMLError, ValueError, OverflowError, TypeError):
        return None, [Issue(label, 0, "", "ett värde som inte går att läsa", "giltig YAML med text, tal och datum")]
    lines: dict[tuple, int] = {}
    found: list[tuple[tuple, int, str, str]] = []
    if node is not None:
        try:
            _walk(node, (), lines, found)
        except RecursionError:
            return None, [
                Issue(label, 0, "", "värden i värden i många nivåer", "giltig YAML med några få nivåer av indrag")
            ]
    issues = [Issue(label, line, _dotted(p), value, expected) for p, line, value, expected in found]
    if any(i.expected == ALIAS_EXPECTED for i in issues):
        return None, issues  # never validated: an alias can repeat a large value any number of times
    return YamlDoc(data, lines), issues


# --- errors to issues --------------------------------------------------------------------------


def _dotted(loc: tuple) -> str:
    return ".".join(str(p) for p in loc if p != "[key]")


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else (".inf" if value > 0 else "-.inf")
    if isinstance(value, dict):  # one level only: aliases can make a value enormous
        items = [
            f"{_shown(k) if not isinstance(k, (dict, list)) else '…'}: "
            f"{_shown(v) if not isinstance(v, (dict, list)) else '…'}"
            for k, v in list(value.items())[:3]
        ]
        text = "{" + ", ".join(items) + (", …" if len(value) > 3 else "") + "}"
    elif isinstance(value, list):
        items = [_shown(v) if not isinstance(v, (dict, list)) else "…" for v in value[:3]]
        text = "[" + ", ".join(items) + (", …" if len(value) > 3 else "") + "]"
    else:
        text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _pattern(loc: tuple) -> str:
    """A location with its variable parts (years, ids, names, list positions) as '*'."""
    out = []
    for i, p in enumerate(loc):
        variable = (i == 1 and loc[0] in VARIABLE_KEYS) or (isinstance(p, int) and not isinstance(p, bool))
        out.append("*" if variable and p != "[key]" else str(p))
    return ".".join(out)


VARIABLE_KEYS = {"ar", "municipalities", "groups", "own_groups", "battre", "kpis"}


def issues_from(
    err: ValidationError, doc: YamlDoc, label: str, expected: dict[str, str], missing_word: str = "nyckeln"
) -> list[Issue]:
    out = []
    for e in err.errors():
        loc = tuple(e["loc"])
        key_error = bool(loc) and loc[-1] == "[key]"
        where = loc[:-1] if key_error else loc
        line = doc.line(where)
        column = _dotted(loc[:-2] if key_error else loc)
        if e["type"] == "missing":
            out.append(
                Issue(
                    label,
                    doc.line(loc[:-1]) if len(loc) > 1 else 0,
                    column,
                    "",
                    f"{missing_word} '{loc[-1]}', som saknas i filen",
                )
            )
            continue
        if e["type"] == "extra_forbidden":
            parent = _pattern(loc[:-1])
            out.append(
                Issue(label, line, _dotted(loc), str(loc[-1]), expected.get(parent + ".<extra>", "bara kända nycklar"))
            )
            continue
        if e["type"] == "rapportbok":  # our own validators say what they expected
            text = str(e["ctx"]["expected"])
        elif key_error:
            text = expected.get(_pattern(loc), "ett namn som text")
        else:  # never pydantic's own (English) words
            text = expected.get(_pattern(loc)) or expected.get(_pattern(where)) or f"ett giltigt värde för {column}"
        if e["type"] in ("too_long", "too_short") and "max_length" in e.get("ctx", {}):
            text += f" (högst {e['ctx']['max_length']})"
        value = e.get("input")
        out.append(Issue(label, line, column, _shown(value), text))
    return sorted(set(out))


def _fail(expected: str) -> PydanticCustomError:
    return PydanticCustomError("rapportbok", "{expected}", {"expected": expected})


STRICT = ConfigDict(strict=True, extra="forbid")


# --- organisation.yml --------------------------------------------------------------------------

ORG_KEYS = ("slug", "namn", "namnd", "kolada_id", "ar", "vasentlig_avvikelse", "rapporter")


def _year_key(v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, str)) or not ids.YEAR.valid(str(v)):
        raise _fail("ett årtal med fyra siffror")
    return int(v)


YearKey = Annotated[int, BeforeValidator(_year_key)]
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]


YEAR_SPEC = "tertial 1, 2 eller 3 (3 = helår), eller per: rapportdatum (ett månadsslut, t.ex. per: 2025-10-31)"


def _report_date(v: Any) -> dt.date:
    """``per``: a date as YAML reads 2025-10-31 (or the same as text); never a date and time."""
    if isinstance(v, str):
        try:
            v = dt.date.fromisoformat(v.strip())
        except ValueError:
            raise _fail("ett datum ÅÅÅÅ-MM-DD som är ett månadsslut, t.ex. per: 2025-10-31") from None
    if isinstance(v, dt.datetime) or not isinstance(v, dt.date):
        raise _fail("ett datum ÅÅÅÅ-MM-DD som är ett månadsslut, t.ex. per: 2025-10-31")
    return v


class YearSpec(BaseModel):
    """A report year: the tertial its pages are built for, or the report date (``per``, a month end)."""

    model_config = STRICT
    tertial: int | None = Field(
        None, description="Tertialen som årets sidor byggs för: 1 (t.o.m. april), 2 (t.o.m. augusti) eller 3 (helår)"
    )
    per: Annotated[dt.date, BeforeValidator(_report_date)] | None = Field(
        None, description="I stället för tertial: rapportdatum, ett månadsslut i året (t.ex. en månadsrapport)"
    )

    @field_validator("tertial")
    @classmethod
    def _tertial(cls, v: int | None) -> int | None:
        if v is not None and v not in (1, 2, 3):
            raise _fail(YEAR_SPEC)
        return v

    @model_validator(mode="after")
    def _one_of(self) -> YearSpec:
        if self.tertial is None and self.per is None:
            raise _fail(YEAR_SPEC)
        return self


class ThresholdSpec(BaseModel):
    """Gränserna för en väsentlig avvikelse i budgetuppföljningen."""

    model_config = STRICT
    tkr: NonNegative = Field(500.0, description="Gränsen i tkr för avvikelsens belopp utan tecken")
    procent: NonNegative = Field(2.0, description="Gränsen i procent av budgeten för avvikelsen utan tecken")
    villkor: str = Field("någon", description="någon: en av gränserna räcker; båda: båda gränserna måste nås")

    @field_validator("villkor")
    @classmethod
    def _villkor(cls, v: str) -> str:
        if v not in ("någon", "båda"):
            raise _fail("'någon' eller 'båda'")
        return v


def _any_date(v: Any) -> dt.date:
    """A report date in the calendar: any date ÅÅÅÅ-MM-DD (never a date and time)."""
    if isinstance(v, str):
        try:
            v = dt.date.fromisoformat(v.strip())
        except ValueError:
            raise _fail(CALENDAR_DATE) from None
    if isinstance(v, dt.datetime) or not isinstance(v, dt.date):
        raise _fail(CALENDAR_DATE)
    return v


CALENDAR_DATE = "ett datum ÅÅÅÅ-MM-DD, t.ex. per: 2025-10-31"
# organisation.yml once named the rows that mean a concept (begrepp); they are now named per table.
OLD_CONCEPTS = (
    "begrepp står inte längre i organisation.yml utan per tabell, i tabell_begrepp.csv (kolumnerna tabell, rad, "
    "begrepp; t.ex. ramar,7,nettokostnad): flytta varje rad dit och ta bort begrepp här"
)


class ReportSpec(BaseModel):
    """One report of the reporting calendar: which kind, per which date."""

    model_config = STRICT
    rapport: str = Field(description="Rapportens slag, som kolumnen rapport i tabeller.csv")
    per: Annotated[dt.date, BeforeValidator(_any_date)] = Field(description="Rapportdatum (ÅÅÅÅ-MM-DD)")

    @field_validator("rapport")
    @classmethod
    def _kind(cls, v: str) -> str:
        from rapportbok.data.stated_tables import KINDS

        if v not in KINDS:
            raise _fail("ett av: " + ", ".join(KINDS))
        return v


class Organisation(BaseModel):
    """data/<org>/organisation.yml"""

    model_config = STRICT
    slug: str = Field(description="Organisationens mapp under data/, samma namn som mappen, t.ex. alingsas")
    namn: Annotated[str, Field(min_length=1)] = Field(description="Organisationens namn som sidorna visar det")
    namnd: Annotated[str, Field(min_length=1)] = Field(description="Nämndens namn, t.ex. Socialnämnden")
    kolada_id: str = Field(description="Koladas kommunkod, fyra siffror inom citattecken")
    ar: Annotated[dict[YearKey, YearSpec], Field(min_length=1)] = Field(
        description="Rapportåren: varje år som boken har sidor för, med sin tertial eller sitt rapportdatum"
    )
    vasentlig_avvikelse: ThresholdSpec | None = Field(
        None, description="Valfri: gränserna för en väsentlig avvikelse (standard 500 tkr eller 2 %)"
    )
    # The reporting calendar: which reports on which dates.
    rapporter: list[ReportSpec] = Field(
        [], description="Valfri: rapporteringskalendern, vilka rapporter som kommer och per vilket datum"
    )

    @field_validator("kolada_id")
    @classmethod
    def _kolada_id(cls, v: str) -> str:
        if not ids.MUNICIPALITY.valid(v):
            raise _fail(ORG_EXPECTED["kolada_id"])
        return v


THRESHOLD_SHAPE = "t.ex. vasentlig_avvikelse: {tkr: 500, procent: 2} (villkor: någon eller båda)"
NUMBER = "ett tal som inte är negativt, t.ex. 500 (inte true/false, .nan eller .inf)"
ORG_EXPECTED = {
    "": "en YAML-mappning med nycklarna " + ", ".join(ORG_KEYS[:5]) + ", t.ex. slug: alingsas",
    "slug": "organisationens mapp som text (små bokstäver a–z, siffror, bindestreck)",
    "namn": "organisationens namn som text, t.ex. namn: Alingsås kommun",
    "namnd": "nämndens namn som text, t.ex. namnd: Socialnämnden",
    "kolada_id": 'Koladas kommunkod med fyra siffror inom citattecken, t.ex. "1489"',
    "ar": "minst ett rapportår med sin tertial, t.ex. ar: {2025: {tertial: 1}}",
    "ar.*": "en mappning med rapportårets tertial eller rapportdatum, t.ex. 2024: {tertial: 3} eller 2025: {per: 2025-10-31}",
    "ar.*.<extra>": "bara nycklarna tertial och per",
    "ar.*.tertial": YEAR_SPEC,
    "ar.*.per": "ett datum ÅÅÅÅ-MM-DD som är ett månadsslut, t.ex. per: 2025-10-31",
    "vasentlig_avvikelse": THRESHOLD_SHAPE,
    "vasentlig_avvikelse.tkr": NUMBER,
    "vasentlig_avvikelse.procent": NUMBER,
    "vasentlig_avvikelse.villkor": "'någon' eller 'båda'",
    "vasentlig_avvikelse.<extra>": "bara nycklarna tkr, procent och villkor",
    "rapporter": "en lista med rapporter, t.ex. rapporter: [{rapport: månadsrapport, per: 2025-10-31}]",
    "rapporter.*": "en rapport med nycklarna rapport och per, t.ex. {rapport: bokslut, per: 2024-12-31}",
    "rapporter.*.<extra>": "bara nycklarna rapport och per",
    "rapporter.*.rapport": "rapportens slag, t.ex. månadsrapport (som kolumnen rapport i tabeller.csv)",
    "rapporter.*.per": CALENDAR_DATE,
    ".<extra>": "bara nycklarna " + ", ".join(ORG_KEYS),
}


def read_organisation(path: Path, label: str | None = None) -> tuple[Organisation | None, list[Issue]]:
    """Read and validate organisation.yml; the slug must be the folder's name."""
    label = label or f"{path.parent.name}/{path.name}"
    doc, issues = read_yaml(path, label)
    if doc is None:
        return None, issues
    data = {} if doc.data is None else doc.data
    if not isinstance(data, dict):
        return None, issues + [Issue(label, doc.line(()), "", _shown(data), ORG_EXPECTED[""])]
    if "begrepp" in data:
        return None, issues + [Issue(label, doc.line(("begrepp",)), "begrepp", _shown(data["begrepp"]), OLD_CONCEPTS)]
    try:
        org = Organisation.model_validate(data)
    except ValidationError as err:
        return None, issues + issues_from(err, doc, label, ORG_EXPECTED)
    for year, spec in org.ar.items():
        if spec.per is None:
            continue
        where = doc.line(("ar", year, "per"))
        if spec.per.year != year or not periods.is_month_end(spec.per):
            issues.append(
                Issue(
                    label,
                    where,
                    f"ar.{year}.per",
                    spec.per.isoformat(),
                    f"ett månadsslut i {year} som ÅÅÅÅ-MM-DD, t.ex. per: {year}-10-31",
                )
            )
        elif spec.tertial is not None and periods.tertial_end(year, spec.tertial) != spec.per:
            issues.append(
                Issue(
                    label,
                    doc.line(("ar", year, "tertial")),
                    f"ar.{year}.tertial",
                    str(spec.tertial),
                    f"ingen tertial, eller den tertial som slutar {spec.per.isoformat()} (per)",
                )
            )
    folder = path.parent.name
    if org.slug != folder or not ids.SLUG.valid(org.slug):
        issues.append(
            Issue(
                label,
                doc.line(("slug",)),
                "slug",
                org.slug,
                f"'{folder}', samma namn som mappen (små bokstäver a–z, siffror, bindestreck)",
            )
        )
    return (None if issues else org), issues


# --- kolada.yml --------------------------------------------------------------------------------


def _id(kind: ids.IdKind):
    def check(v: Any) -> str:
        if not isinstance(v, str):
            raise _fail(kind.text + ", inom citattecken (annars kan inledande nollor försvinna)")
        if not kind.valid(v):
            raise _fail(kind.text)
        return v

    return BeforeValidator(check)


KpiId = Annotated[str, _id(ids.KPI)]
MunicipalityId = Annotated[str, _id(ids.MUNICIPALITY)]
GroupId = Annotated[str, _id(ids.GROUP)]
Text = Annotated[str, Field(min_length=1)]


def _direction(v: Any) -> str:
    if v not in ("lagre", "hogre") or not isinstance(v, str):
        raise _fail("'lagre' (lägre värde är bättre) eller 'hogre' (högre värde är bättre)")
    return v


Direction = Annotated[str, BeforeValidator(_direction)]


# Bounds that no real configuration comes near: Sweden has 290 municipalities, Kolada's groups and key figures
# a book compares are a handful each. A list beyond them is an error, not a lot of work.
MAX_MUNICIPALITIES = 300
MAX_GROUPS = 100
MAX_KPIS = 500


class KoladaSpec(BaseModel):
    """data/<org>/kolada.yml"""

    model_config = STRICT
    kpis: Annotated[list[KpiId], Field(min_length=1, max_length=MAX_KPIS)] = Field(
        description="Nyckeltalen som hämtas, Koladas id, t.ex. N31001 (kostnad ekonomiskt bistånd)"
    )
    first_year: int = Field(description="Första året som hämtas och visas")
    municipalities: Annotated[dict[MunicipalityId, Text], Field(min_length=1, max_length=MAX_MUNICIPALITIES)] = Field(
        description="Organisationens kommun och jämförelsekommunerna: kommun-id och namn"
    )
    groups: Annotated[dict[GroupId, Text], Field(max_length=MAX_GROUPS)] | None = Field(
        None, description="Valfri: Koladas grupper att jämföra med, t.ex. G2328 alla kommuner (ovägt medel)"
    )
    own_groups: (
        Annotated[
            dict[Text, Annotated[list[MunicipalityId], Field(min_length=1, max_length=MAX_MUNICIPALITIES)]],
            Field(max_length=MAX_GROUPS),
        ]
        | None
    ) = Field(
        None,
        description="Valfri: egna grupper (t.ex. genomlysningens), namn och medlemmar; boken räknar deras ovägda medel",
    )
    battre: Annotated[dict[KpiId, Direction], Field(max_length=MAX_KPIS)] | None = Field(
        None, description="Valfri: för ett nyckeltal om lägre eller högre värde är bättre (annars bokens standard)"
    )
    all_municipalities: bool | None = Field(
        None, description="Valfri: true hämtar alla kommuners värden, så att plats och percentil kan räknas"
    )

    @field_validator("kpis")
    @classmethod
    def _unique_kpis(cls, v: list[str]) -> list[str]:
        dup = sorted({k for k in v if v.count(k) > 1})
        if dup:
            raise _fail("varje nyckeltal bara en gång i listan (flera gånger: " + ", ".join(dup) + ")")
        return v

    @field_validator("first_year")
    @classmethod
    def _first_year(cls, v: int) -> int:
        if not 1990 <= v <= 2100:
            raise _fail(KOLADA_EXPECTED["first_year"])
        return v


KOLADA_KEYS = ("kpis", "first_year", "municipalities", "groups", "own_groups", "battre", "all_municipalities")
KOLADA_EXPECTED = {
    "": "en YAML-mappning med nycklarna kpis, first_year och municipalities",
    "kpis": 'en icke-tom lista med nyckeltals-id, t.ex. kpis: ["N31001"]',
    "first_year": "ett årtal som heltal, t.ex. first_year: 2018",
    "municipalities": 'en icke-tom mappning kommun-id: namn, t.ex. "1489": Alingsås',
    "municipalities.*": "kommunens namn som text",
    "groups": 'en mappning grupp-id: titel, t.ex. "G2328": Alla kommuner',
    "groups.*": "gruppens titel som text",
    "own_groups": "en mappning namn: lista med kommun-id",
    "own_groups.*": 'en icke-tom lista med kommun-id, t.ex. ["1440", "1482"]',
    "battre": "en mappning nyckeltals-id: lagre eller hogre",
    "battre.*": "'lagre' eller 'hogre'",
    "all_municipalities": "true (hämta alla kommuner, för plats och percentil) eller false",
    ".<extra>": "bara nycklarna " + ", ".join(KOLADA_KEYS),
}


def read_kolada(path: Path, label: str | None = None) -> tuple[KoladaSpec | None, list[Issue]]:
    label = label or f"{path.parent.name}/{path.name}"
    doc, issues = read_yaml(path, label)
    if doc is None:
        return None, issues
    if not isinstance(doc.data, dict):
        return None, issues + [Issue(label, doc.line(()), "", _shown(doc.data), KOLADA_EXPECTED[""])]
    try:
        spec = KoladaSpec.model_validate(doc.data)
    except ValidationError as err:
        return None, issues + issues_from(err, doc, label, KOLADA_EXPECTED)
    return (None if issues else spec), issues
