"""Organisations: data/<org>/organisation.yml says who the organisation is and which years it covers.

The file is read and checked by :mod:`rapportbok.data.config` (a typed model, with line numbers).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from rapportbok.core import ids, inputs, periods
from rapportbok.core.paths import data_dir
from rapportbok.data import config
from rapportbok.data.schema import DataError, Issue
from rapportbok.data.thresholds import DEFAULT_THRESHOLDS, Thresholds


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
    # The reporting calendar, (kind, date) in date order (organisation.yml: rapporter).
    reports: tuple[tuple[str, dt.date], ...] = ()
    # The thresholds of a material deviation (organisation.yml: vasentlig_avvikelse; the default when absent).
    thresholds: Thresholds = field(default_factory=lambda: DEFAULT_THRESHOLDS)
    # The report years whose report date organisation.yml states (`per`), not only a tertial.
    dated: frozenset[int] = frozenset()

    def stated_period(self, year: int) -> str | None:
        """The period the year page and the PDF name: from the year's report date when organisation.yml states
        one (`per`), else from the latest report of its calendar in the year. None when only a tertial is given:
        the pages are built for it, but the sources of the year need not be a report of that period (a budget, an
        action plan), and the page must not say "tertial 1" about them."""
        year = int(year)
        if year in self.dated:
            return periods.report_text(self.ends[year])
        in_year = [per for _, per in self.reports if per.year == year]
        return periods.report_text(max(in_year)) if in_year else None

    def report_end(self, year: int, tertial: int) -> dt.date:
        """The report date of a page: the year's `per` when the page is built for its tertial, else the tertial's end."""
        year, tertial = int(year), int(tertial)
        if self.years.get(year) == tertial and year in self.ends:
            return self.ends[year]
        return periods.tertial_end(year, tertial)


def _issues_for(path: Path, label: str) -> tuple[Org | None, list[Issue]]:
    spec, issues = config.read_organisation(path, label)
    if spec is None:
        return None, issues
    years: dict[int, int] = {}
    ends: dict[int, dt.date] = {}
    dated = frozenset(y for y, s in spec.ar.items() if s.per is not None)
    for y, s in sorted(spec.ar.items()):
        if s.per is not None:
            years[y], ends[y] = periods.tertial_containing(s.per), s.per
        else:
            years[y], ends[y] = s.tertial, periods.tertial_end(y, s.tertial)
    reports = tuple(sorted(((r.rapport, r.per) for r in spec.rapporter), key=lambda r: (r[1], r[0])))
    th = spec.vasentlig_avvikelse
    thresholds = DEFAULT_THRESHOLDS if th is None else Thresholds(float(th.tkr), float(th.procent), th.villkor, True)
    org = Org(spec.slug, spec.namn, spec.namnd, spec.kolada_id, years, path.parent, ends, reports, thresholds, dated)
    return org, []


def folder_issue(entry: os.DirEntry) -> Issue | None:
    """Why a folder in data/ cannot be an organisation's: a symbolic link, or a name that is no slug
    (rapportbok.core.ids.SLUG: also not kallor, kolada or a name Windows reserves). None for the book's own
    folders data/kallor/ and data/kolada/, hidden entries and files."""
    name = entry.name
    if name.startswith("."):
        return None
    if entry.is_symlink():
        return Issue(f"{name}/", 0, "", "en symbolisk länk", "en vanlig mapp i data/: " + inputs.COPY_INSTEAD)
    if not entry.is_dir(follow_symlinks=False):
        return None
    if name in ids.BOOK_FOLDERS:
        if os.path.lexists(os.path.join(entry.path, "organisation.yml")):
            return Issue(
                f"{name}/organisation.yml",
                0,
                "",
                name,
                f"ingen organisation i data/{name}/, som boken själv använder (källtexterna och Kolada-lagringen): "
                "lägg organisationen i en egen mapp",
            )
        return None
    if not ids.SLUG.valid(name):
        return Issue(f"{name}/", 0, "", name, "en organisations mapp med ett namn av " + ids.SLUG.text)
    return None


def folders(data: Path) -> tuple[list[Path], list[Issue]]:
    """The organisation folders in data/ (a slug, not a link; with or without organisation.yml) and the
    issues of the folders that cannot be one, in name order."""
    found, issues = [], []
    with os.scandir(data) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            issue = folder_issue(entry)
            if issue is not None:
                issues.append(issue)
            elif not entry.name.startswith(".") and entry.is_dir(follow_symlinks=False):
                if entry.name not in ids.BOOK_FOLDERS:
                    found.append(Path(entry.path))
    return found, issues


def load_all(data: Path | None = None) -> tuple[list[Org], list[Issue]]:
    data = data or data_dir()
    orgs, (folders_found, issues) = [], folders(data)
    for folder in folders_found:
        path = folder / "organisation.yml"
        if not os.path.lexists(path):
            continue  # rapportbok.data.datasets.validate names the folder without organisation.yml
        org, found = _issues_for(path, f"{folder.name}/organisation.yml")
        issues += found
        if org:
            orgs.append(org)
    return orgs, issues


def load(slug: str, data: Path | None = None) -> tuple[Org | None, list[Issue]]:
    """One organisation, read from its own organisation.yml only (as :func:`load_all` reads it).

    ``(None, [])`` when data/ has no such folder with an organisation.yml. Reading one file, not all
    of them, keeps a national build linear: every organisation's checks and every notebook look up
    their own organisation.
    """
    data = data or data_dir()
    if not ids.SLUG.valid(slug):
        return None, []
    path = data / slug / "organisation.yml"
    if not os.path.lexists(path):
        return None, []
    return _issues_for(path, f"{slug}/organisation.yml")


def get(slug: str, data: Path | None = None) -> Org:
    """The organisation ``slug``; DataError if its organisation.yml has a problem or there is no such organisation."""
    org, issues = load(slug, data)
    if issues:
        raise DataError(issues)
    if org is not None:
        return org
    orgs, issues = load_all(data)  # not found: the message lists the organisations there are
    if issues:
        raise DataError(issues)
    for org in orgs:
        if org.slug == slug:
            return org
    raise DataError(
        [
            Issue(
                "organisation.yml",
                0,
                "slug",
                slug,
                "en organisation med en mapp i data/: " + ", ".join(o.slug for o in orgs),
            )
        ]
    )
