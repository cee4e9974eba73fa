"""Chapters: one module per chapter, turning analysis results into what a page shows.

Each chapter has a template ``notebooks/<slug>.md`` (a MyST Markdown notebook: the prose that
does not depend on the data, and one call per table or chart) and a module here with the
prose that does depend on the data. A module defines ``CHAPTER``: its slug (the page's
Swedish file name), title, the input files it reads and for which organisation and year it
has something to show. The build executes a chapter's template for every (organisation,
year) where ``has_data`` is true, and the table of contents follows.

May import: rapportbok.core, rapportbok.data, rapportbok.analysis, rapportbok.present.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Chapter:
    slug: str
    title: str
    has_data: Callable[[dict, int], bool]  # (the organisation's datasets, year) -> bool
    reads: tuple[str, ...] = ()  # dataset names whose files the chapter depends on
    # Reconciliation findings to print as warnings during the build: (datasets, org slug) -> lines
    warnings: Callable[[dict, str], list[str]] | None = None


class ChapterPage:
    """What every chapter page knows: its organisation, report year, tertial and report date, and the data."""

    def __init__(self, org: str, year: int, tertial: int):
        from rapportbok.data import datasets
        from rapportbok.data import organisations as orgs

        self.org = orgs.get(org)
        self.slug = org
        self.year = int(year)
        self.tertial = int(tertial)
        # The report date the page is built for: organisation.yml's `per` for the year, else the tertial's end.
        self.end = self.org.report_end(self.year, self.tertial)
        self.data = datasets.load_org(org)
        # Tables on this page get downloads named after the chapter (rapportbok.present.tables).
        from rapportbok.present import tables

        chapter = getattr(sys.modules.get(type(self).__module__), "CHAPTER", None)
        tables.begin_page(chapter.slug if chapter else None)


# Chapter modules in book order; each defines CHAPTER.
MODULES = [
    "rapportbok.chapters.summary",
    "rapportbok.chapters.budget",
    "rapportbok.chapters.risk",
    "rapportbok.chapters.report_tables",
    "rapportbok.chapters.actionplan",
    "rapportbok.chapters.review",
    "rapportbok.chapters.audit",  # the Avstämning page, after the chapters
]


def registry() -> list[Chapter]:
    import importlib

    return [importlib.import_module(m).CHAPTER for m in MODULES]
