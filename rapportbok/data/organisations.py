"""Organisations: data/<org>/organisation.yml says who the organisation is and which years it covers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from rapportbok.core import paths
from rapportbok.core.paths import data_dir
from rapportbok.data.schema import DataError, Issue

SLUG = paths.SLUG  # the pattern and its explanation: rapportbok.core.paths


@dataclass(frozen=True)
class Org:
    slug: str
    name: str
    namnd: str
    kolada_id: str
    years: dict[int, int]  # report year -> tertial the pages are built for
    path: Path


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
    for y, spec in (raw["ar"] or {}).items():
        if not re.fullmatch(r"(19|20)\d\d", str(y)):
            issues.append(Issue(label, 0, "ar", str(y), "ett årtal med fyra siffror"))
            continue
        t = (spec or {}).get("tertial")
        if t not in (1, 2, 3):
            issues.append(Issue(label, 0, f"ar.{y}.tertial", str(t), "tertial 1, 2 eller 3 (3 = helår)"))
            continue
        years[int(y)] = int(t)
    if not years and not issues:
        issues.append(Issue(label, 0, "ar", "", "minst ett rapportår"))
    if issues:
        return None, issues
    return Org(slug, str(raw["namn"]), str(raw["namnd"]), kid, dict(sorted(years.items())), path.parent), []


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
