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

import copy
import sys
from collections.abc import Callable
from dataclasses import dataclass

from rapportbok.core import state, switches


@dataclass(frozen=True)
class Chapter:
    slug: str
    title: str
    has_data: Callable[[dict, int], bool]  # (the organisation's datasets, year) -> bool
    reads: tuple[str, ...] = ()  # dataset names whose files the chapter depends on
    # Reconciliation findings to print as warnings during the build: (datasets, org slug) -> lines
    warnings: Callable[[dict, str], list[str]] | None = None


# Chapter pages computed in this process, by what they were computed from (see _Shared): a pristine copy each.
_PAGES: dict[tuple, object] = {}
PAGES_KEPT = (
    64  # an organisation-year has at most a handful of chapter pages; the build keeps to one organisation per kernel
)
state.kept(
    __name__, "chapter pages, keyed by the content of the organisation's files and the package (datasets.content_key)"
)


class _Shared(type):
    """A chapter page is computed once per process and content of its input, however many pages show it.

    The overview (rapportbok.chapters.summary) and the Avstämning page (rapportbok.chapters.audit) show
    what the chapters have computed; on the build's kernels (rapportbok.publish.executor) an
    organisation-year's notebooks run one after the other, so ``BudgetChapter(org, year, tertial)``
    in the overview gets the page the budget notebook computed (or computes it, and the budget
    notebook then gets it). The key is the class, the arguments, the data folder and
    ``datasets.content_key`` (the organisation's files, the source register, the Kolada store and the
    package's code), so a changed file or package computes the page anew. Each caller gets its own deep
    copy of the page as constructed, so nothing one notebook does to its page reaches another. A fresh
    kernel (strict nbval, a notebook run by hand) has no pages yet and computes them: the same page.
    Classes with ``shared = False`` (the overview and the Avstämning page themselves) are always
    constructed.
    """

    def __call__(cls, *args, **kwargs):
        if not getattr(cls, "shared", False) or switches.off("sidcache"):
            return super().__call__(*args, **kwargs)
        from rapportbok.core.paths import data_dir
        from rapportbok.data import datasets

        org = args[0] if args else kwargs["org"]
        key = (
            cls.__module__,
            cls.__qualname__,
            args,
            tuple(sorted(kwargs.items())),
            str(data_dir()),
            datasets.content_key(org),
        )
        pristine = _PAGES.pop(key, None)
        if pristine is None:
            page = super().__call__(*args, **kwargs)
            pristine = copy.deepcopy(page)
        else:
            page = copy.deepcopy(pristine)
            page._begin()
        _PAGES[key] = pristine  # most recently used last
        while len(_PAGES) > PAGES_KEPT:
            _PAGES.pop(next(iter(_PAGES)))
        return page


class ChapterPage(metaclass=_Shared):
    """What every chapter page knows: its organisation, report year, tertial and report date, and the data.

    Everything a page shows is computed from what ``__init__`` sets (its methods only display), so one
    computed page serves every notebook that shows it (see ``_Shared``).
    """

    shared = True

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
