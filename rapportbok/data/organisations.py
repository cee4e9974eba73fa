"""Organisations: data/<org>/organisation.yml says who the organisation is and which years it covers."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from rapportbok.core import paths, periods
from rapportbok.core.paths import data_dir
from rapportbok.data.schema import DataError, Issue

SLUG = paths.SLUG  # the pattern and its explanation: rapportbok.core.paths


@dataclass(frozen=True)
class Org:
    slug: str
    name: str
    namnd: str
    kolada_id: str
    years: dict[int, int]  # report year -> tertial the pages are built for (the one the report date falls in)
    path: Path
    # report year -> the report date its pages are built for: `per` in organisation.yml, or the tertial's end
    ends: dict[int, dt.date] = field(default_factory=dict)

    def report_end(self, year: int, tertial: int) -> dt.date:
        """The report date of a page: the year's `per` when the page is built for its tertial, else the tertial's end."""
        year, tertial = int(year), int(tertial)
        if self.years.get(year) == tertial and year in self.ends:
            return self.ends[year]
        return periods.tertial_end(year, tertial)


def _issues_for(path: Path, label: str) -> tuple[Org | None, list[Issue]]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        return None, [Issue(label, 0, "", str(err).splitlines()[0], "giltig YAML")]
    issues = []
    for key in ("slug", "namn", "namnd", "kolada_id", "ar"):
        if key not in raw:
            issues.append(Issue(label, 0, key, "", f"nyckeln '{key}'"))
    if issues:
        return None, issues
    slug = str(raw["slug"])
    if slug != path.parent.name or not SLUG.fullmatch(slug):
        issues.append(Issue(label, 0, "slug", slug, f"'{path.parent.name}', samma namn som mappen (små bokstäver a–z, siffror, bindestreck)"))
    kid = str(raw["kolada_id"])
    if not re.fullmatch(r"\d{4}", kid):
        issues.append(Issue(label, 0, "kolada_id", kid, "Koladas kommunkod med fyra siffror inom citattecken, t.ex. \"1489\""))
    years: dict[int, int] = {}
    ends: dict[int, dt.date] = {}
    for y, spec in (raw["ar"] or {}).items():
        if not re.fullmatch(r"(19|20)\d\d", str(y)):
            issues.append(Issue(label, 0, "ar", str(y), "ett årtal med fyra siffror"))
            continue
        spec = spec if isinstance(spec, dict) else {}
        if "per" in spec:
            end, problem = _report_date(spec["per"], int(y))
            if problem:
                issues.append(Issue(label, 0, f"ar.{y}.per", str(spec["per"]), problem))
                continue
            t = spec.get("tertial")
            if t is not None and (t not in (1, 2, 3) or periods.tertial_end(int(y), t) != end):
                issues.append(Issue(label, 0, f"ar.{y}.tertial", str(t),
                                    f"ingen tertial, eller den tertial som slutar {end.isoformat()} (per)"))
                continue
            years[int(y)] = periods.tertial_containing(end)
            ends[int(y)] = end
            continue
        t = spec.get("tertial")
        if t not in (1, 2, 3):
            issues.append(Issue(label, 0, f"ar.{y}.tertial", str(t),
                                "tertial 1, 2 eller 3 (3 = helår), eller per: rapportdatum (ett månadsslut, t.ex. per: 2025-10-31)"))
            continue
        years[int(y)] = int(t)
        ends[int(y)] = periods.tertial_end(int(y), int(t))
    if not years and not issues:
        issues.append(Issue(label, 0, "ar", "", "minst ett rapportår"))
    if issues:
        return None, issues
    return Org(slug, str(raw["namn"]), str(raw["namnd"]), kid, dict(sorted(years.items())), path.parent,
               dict(sorted(ends.items()))), []


def _report_date(value, year: int) -> tuple[dt.date | None, str]:
    """``per`` of a report year: a month end in that year (YAML gives a date; a string is read as ÅÅÅÅ-MM-DD)."""
    expected = f"ett månadsslut i {year} som ÅÅÅÅ-MM-DD, t.ex. per: {year}-10-31"
    d = value
    if isinstance(value, str):
        try:
            d = dt.date.fromisoformat(value.strip())
        except ValueError:
            return None, expected
    if isinstance(d, dt.datetime) or not isinstance(d, dt.date):
        return None, expected
    if d.year != year or not periods.is_month_end(d):
        return None, expected
    return d, ""


def load_all(data: Path | None = None) -> tuple[list[Org], list[Issue]]:
    data = data or data_dir()
    orgs, issues = [], []
    for path in sorted(data.glob("*/organisation.yml")):
        org, found = _issues_for(path, f"{path.parent.name}/organisation.yml")
        issues += found
        if org:
            orgs.append(org)
    return orgs, issues


def get(slug: str, data: Path | None = None) -> Org:
    orgs, issues = load_all(data)
    if issues:
        raise DataError(issues)
    for org in orgs:
        if org.slug == slug:
            return org
    raise DataError([Issue("organisation.yml", 0, "slug", slug, "en organisation med en mapp i data/: " + ", ".join(o.slug for o in orgs))])
