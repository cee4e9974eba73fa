"""Validation of a data folder: the data checks, then the analysis' own warnings, for the folder given.

What `rapportbok kontrollera` prints and the build's first step. Every file is read from ``data`` (the
folder passed, never another): the organisations, their files and organisation.yml's thresholds.
"""

from __future__ import annotations

from pathlib import Path

from rapportbok.analysis import consistency
from rapportbok.core.paths import data_dir
from rapportbok.data import datasets
from rapportbok.data import organisations as orgs
from rapportbok.data.schema import DataError, Issue


def validate(data: Path | None = None) -> list[Issue]:
    """Every error and warning in ``data`` (default: the project's data/): the data checks, then the
    analysis' warnings (rapportbok.analysis.consistency)."""
    data = data or data_dir()
    issues = datasets.validate(data)
    if any(i.severity == "fel" for i in issues):
        return issues
    all_orgs, _ = orgs.load_all(data)
    for org in all_orgs:
        try:
            sets = datasets.load_org(org.slug, data)
        except DataError:  # already reported above
            continue
        issues += consistency.checks(sets, org)
    return sorted(set(issues))
