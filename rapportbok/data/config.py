"""Typed configuration: data/<org>/organisation.yml and data/<org>/kolada.yml as pydantic models.

A YAML file is read as UTF-8 text, composed with PyYAML (so every value keeps the line it
stands on) and validated by a strict pydantic model: a boolean, ``.nan`` or ``.inf`` is never a
number or a tertial, a mapping is never a name. Every problem becomes an
:class:`~rapportbok.data.schema.Issue` naming the file, the line (``rad``), the key, the value found
and what was expected, in Swedish.

``rapportbok.data.organisations`` (organisation.yml), ``rapportbok.analysis.budget_followup.thresholds`` (the materiality
thresholds in organisation.yml) and ``rapportbok.data.kolada.load_config`` (kolada.yml) read through
here and keep their public functions.
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

from rapportbok.core import periods
from rapportbok.core.paths import SLUG  # the one pattern for organisation folders
from rapportbok.data.schema import Issue

YEAR = re.compile(r"^(19|20)\d\d$")
KPI = re.compile(r"^[A-Z][0-9]{5}$")
MUNICIPALITY = re.compile(r"^[0-9]{4}$")
GROUP = re.compile(r"^G[0-9]+$")

UTF8_HELP = "en textfil i UTF-8 (spara filen med kodningen UTF-8)"


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


def _key_of(node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return yaml.constructor.SafeConstructor().construct_object(node)
    return None


def _walk(
    node: yaml.Node,
    path: tuple,
    lines: dict[tuple, int],
    dups: list[tuple[tuple, int]],
    visited: set[int] | None = None,
) -> None:
    visited = set() if visited is None else visited
    lines.setdefault(path, node.start_mark.line + 1)
    if id(node) in visited:  # an alias: walked once (so "billion laughs" stays small)
        return
    visited.add(id(node))
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for k, v in node.value:
            key = _key_of(k)
            try:
                hash(key)
            except TypeError:
                continue
            if key in seen:
                dups.append((path + (key,), k.start_mark.line + 1))
            seen.add(key)
            _walk(v, path + (key,), lines, dups, visited)
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            _walk(v, path + (i,), lines, dups, visited)


def read_yaml(path: Path, label: str) -> tuple[YamlDoc | None, list[Issue]]:
    """Read a YAML file as UTF-8; the document with its lines, or the issues (file, line, expected)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, [Issue(label, 0, "", "", "att filen finns")]
    except OSError as err:
        return None, [Issue(label, 0, "", err.strerror or type(err).__name__, "en fil som går att läsa")]
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        return None, [Issue(label, line, "", f"byten 0x{raw[err.start]:02X}", UTF8_HELP)]
    if "\x00" in text:
        return None, [Issue(label, 0, "", "binärt innehåll (nolltecken)", UTF8_HELP)]
    try:
        loader = yaml.SafeLoader(text)
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
    except (yaml.YAMLError, RecursionError, ValueError, OverflowError) as err:
        return None, [Issue(label, 0, "", str(err).splitlines()[0] if str(err) else type(err).__name__, "giltig YAML")]
    lines: dict[tuple, int] = {}
    dups: list[tuple[tuple, int]] = []
    if node is not None:
        _walk(node, (), lines, dups)
    issues = [Issue(label, line, _dotted(p), str(p[-1]), "varje nyckel bara en gång") for p, line in dups]
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


VARIABLE_KEYS = {"ar", "municipalities", "groups", "own_groups", "battre", "kpis", "begrepp"}


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
        else:
            text = expected.get(_pattern(loc)) or expected.get(_pattern(where)) or e["msg"]
        value = e.get("input")
        out.append(Issue(label, line, column, _shown(value), text))
    return sorted(set(out))


def _fail(expected: str) -> PydanticCustomError:
    return PydanticCustomError("rapportbok", "{expected}", {"expected": expected})


STRICT = ConfigDict(strict=True, extra="forbid")


# --- organisation.yml --------------------------------------------------------------------------

ORG_KEYS = ("slug", "namn", "namnd", "kolada_id", "ar", "vasentlig_avvikelse", "rapporter", "begrepp")


def _year_key(v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, str)) or not YEAR.match(str(v)):
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
# Concepts a chapter may need from the stated tables, and the row that states each (rapportbok.data.stated_tables).
CONCEPTS = ("nettokostnad", "kommunbidrag", "ram", "resultat", "investeringar")


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


class ConceptSpec(BaseModel):
    """The row of a stated table that means a concept (e.g. nettokostnad: {tabell: drift, rad: 5})."""

    model_config = STRICT
    tabell: str = Field(description="Tabellens id i tabeller.csv")
    rad: Annotated[int, Field(ge=1)] = Field(description="Radens nummer i tabell_varden.csv")


def _concept_key(v: Any) -> str:
    if v not in CONCEPTS:
        raise _fail("ett av: " + ", ".join(CONCEPTS))
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
    # The reporting calendar (which reports on which dates) and the rows that mean a concept.
    rapporter: list[ReportSpec] = Field(
        [], description="Valfri: rapporteringskalendern, vilka rapporter som kommer och per vilket datum"
    )
    begrepp: dict[Annotated[str, BeforeValidator(_concept_key)], ConceptSpec] = Field(
        {},
        description="Valfri: vilken tabellrad som betyder vad (nettokostnad, kommunbidrag, ram, resultat, investeringar)",
    )

    @field_validator("kolada_id")
    @classmethod
    def _kolada_id(cls, v: str) -> str:
        if not MUNICIPALITY.match(v):
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
    "begrepp": "en mappning från begrepp till tabellrad, t.ex. begrepp: {nettokostnad: {tabell: drift, rad: 5}}",
    "begrepp.*": "en tabellrad med nycklarna tabell och rad, t.ex. {tabell: drift, rad: 5}",
    "begrepp.*.<extra>": "bara nycklarna tabell och rad",
    "begrepp.*.rad": "radens nummer i tabell_varden.csv, ett heltal från 1",
    "begrepp.*.tabell": "tabellens id ur tabeller.csv, som text",
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
    if org.slug != folder or not SLUG.match(org.slug):
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


def _id(pattern: re.Pattern[str], expected: str):
    def check(v: Any) -> str:
        if not isinstance(v, str):
            raise _fail(expected + ", inom citattecken (annars kan inledande nollor försvinna)")
        if not pattern.match(v):
            raise _fail(expected)
        return v

    return BeforeValidator(check)


KpiId = Annotated[str, _id(KPI, 'ett nyckeltals-id som "N31001" (en versal och fem siffror)')]
MunicipalityId = Annotated[str, _id(MUNICIPALITY, 'ett kommun-id med fyra siffror, t.ex. "1489"')]
GroupId = Annotated[str, _id(GROUP, 'ett Kolada-grupp-id, t.ex. "G2328"')]
Text = Annotated[str, Field(min_length=1)]


def _direction(v: Any) -> str:
    if v not in ("lagre", "hogre") or not isinstance(v, str):
        raise _fail("'lagre' (lägre värde är bättre) eller 'hogre' (högre värde är bättre)")
    return v


Direction = Annotated[str, BeforeValidator(_direction)]


class KoladaSpec(BaseModel):
    """data/<org>/kolada.yml"""

    model_config = STRICT
    kpis: Annotated[list[KpiId], Field(min_length=1)] = Field(
        description="Nyckeltalen som hämtas, Koladas id, t.ex. N31001 (kostnad ekonomiskt bistånd)"
    )
    first_year: int = Field(description="Första året som hämtas och visas")
    municipalities: Annotated[dict[MunicipalityId, Text], Field(min_length=1)] = Field(
        description="Organisationens kommun och jämförelsekommunerna: kommun-id och namn"
    )
    groups: dict[GroupId, Text] | None = Field(
        None, description="Valfri: Koladas grupper att jämföra med, t.ex. G2328 alla kommuner (ovägt medel)"
    )
    own_groups: dict[Text, Annotated[list[MunicipalityId], Field(min_length=1)]] | None = Field(
        None,
        description="Valfri: egna grupper (t.ex. genomlysningens), namn och medlemmar; boken räknar deras ovägda medel",
    )
    battre: dict[KpiId, Direction] | None = Field(
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
