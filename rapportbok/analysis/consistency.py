"""What the analysis finds worth a warning before the book is built, beside the data checks.

:func:`rapportbok.data.datasets.validate` checks every file and how the files refer to each
other. Some warnings need the analysis itself, e.g. a material budget deviation without a
comment; each analysis module lists those in ``CONSISTENCY_CHECKS``. :func:`validate` is
both together: what `rapportbok kontrollera` prints and the build's first step.
"""

from __future__ import annotations

from pathlib import Path

from rapportbok.analysis import budget, budget_followup
from rapportbok.core.paths import data_dir
from rapportbok.data import datasets
from rapportbok.data import organisations as orgs
from rapportbok.data.schema import DataError, Issue

CONSISTENCY_CHECKS = [*budget.CONSISTENCY_CHECKS, *budget_followup.CONSISTENCY_CHECKS]


def validate(data: Path | None = None) -> list[Issue]:
    """Every error and warning in data/: the data checks, then the analysis' own warnings."""
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
        for check in CONSISTENCY_CHECKS:
            issues += check(sets, org.slug)
    return sorted(set(issues))
