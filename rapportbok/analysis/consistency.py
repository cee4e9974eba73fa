"""What the analysis finds worth a warning before the book is built, beside the data checks.

:func:`rapportbok.data.datasets.validate` checks every file and how the files refer to each other. Some
warnings need the analysis itself, e.g. a material budget deviation without a comment; :func:`checks`
gives them for one organisation's validated input and its organisation.yml (thresholds included), as
values. Reading the files is the caller's: ``rapportbok.publish.validation.validate`` runs both for a data
folder, for `rapportbok kontrollera` and as the build's first step.
"""

from __future__ import annotations

from rapportbok.analysis import budget, budget_followup
from rapportbok.data import stated_tables as model
from rapportbok.data.schema import Issue


def checks(sets: dict, org) -> list[Issue]:
    """The analysis' warnings for one organisation: ``sets`` its validated input (datasets.load_org),
    ``org`` its organisation.yml (rapportbok.data.organisations.Org)."""
    tables = model.load(sets)
    values = sets.get("tabell_varden")
    line_of: dict[tuple[str, int], int] = {}
    if values is not None:
        for idx, tid, rad in zip(values.index, values["tabell"], values["rad"]):
            line_of.setdefault((tid, int(rad)), int(idx))
    issues = budget.concept_warnings(tables, org.slug)
    issues += budget_followup.comment_warnings(
        tables, lambda y: budget.budget_table(tables, y), org.thresholds, org.slug, line_of
    )
    return issues
