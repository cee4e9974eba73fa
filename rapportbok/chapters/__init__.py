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
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Chapter:
    slug: str
    title: str
    has_data: Callable[[dict, int], bool]  # (the organisation's datasets, year) -> bool
    reads: tuple[str, ...] = ()  # dataset names whose files the chapter depends on
    # Reconciliation findings to print as warnings during the build: (datasets, org slug) -> lines
    warnings: Callable[[dict, str], list[str]] | None = None


class ChapterPage:
    """What every chapter page knows: its organisation, report year, tertial and report date, and the data.

    Everything a page shows is computed from what ``__init__`` sets (its methods only display). Each notebook
    computes the pages it shows: the overview and Avstämning compute the chapters' pages again. (A kernel kept the
    pages it had computed for the next notebook until the A/B at 50 organisations measured that it saved
    nothing, 7 December 2026: handbok/historik/byggtider.md.)
    """

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
        self._begin()

    def _begin(self) -> None:
        """Tables shown from now on belong to this chapter page (downloads named after the chapter, rapportbok.present.tables):
        the page hands the presentation its sources with their texts (read here, once per notebook) and
        :func:`save_downloads`, so that rapportbok.present reads and writes no file itself."""
        from rapportbok.core import periods
        from rapportbok.data import citation, sources
        from rapportbok.present import tables

        chapter = getattr(sys.modules.get(type(self).__module__), "CHAPTER", None)
        about = (
            ("Organisation", f"{self.org.name}, {self.org.namnd.lower()}"),
            ("Rapportår", str(self.year)),
            ("Rapportperiod", periods.period_text(self.end)),
        )
        texts = sources.texts(self.data[citation.REGISTER])
        tables.begin_page(chapter.slug if chapter else None, about, texts, save_downloads)


def save_downloads(files: dict[str, bytes]) -> None:
    """A table's downloads (rapportbok.present.downloads.files: {"tabeller/<name>": bytes}) written next to the
    notebook being executed (the kernel's working directory), where the build copies them into the site."""
    from pathlib import Path

    from rapportbok.core.paths import inside

    here = Path.cwd()
    for relative, data in files.items():
        path = inside(here, relative)  # the name is built from the chapter and the table's id: never out of here
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


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
