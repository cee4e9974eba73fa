"""Build the book: validate data/, execute the chapter notebooks with papermill, build the site.

Everything is built in a staging folder (``.staging-<id>/``, a complete site root) and only
moved into place when every notebook and the site build have succeeded: ``book/``,
``_toc.yml`` and ``_build/html/`` are replaced together, or not at all, also when the process
is killed half-way (rapportbok.core.journal). A failing cell stops the build with the notebook, the
cell and the error; the staging folder is removed. Child processes (the kernels, jupyter-book)
end with the build.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from rapportbok.chapters import MODULES, registry
from rapportbok.core import escape, files, fmt, ids, journal, lock
from rapportbok.core.files import FileInUse
from rapportbok.core.hashing import Digest, tree_digest
from rapportbok.core.paths import PACKAGE_DIR, PathError, data_dir, inside, project_root
from rapportbok.data import datasets
from rapportbok.data import organisations as orgs
from rapportbok.data.schema import DataError
from rapportbok.publish import handbook, inputs, notebook, processes, stamp, templates, validation

AUDIT = "avstamning"  # the Avstämning page (rapportbok.chapters.audit): the PDF's appendix
SUMMARY = "sammanfattning"  # the overview (rapportbok.chapters.summary)
# What a kernel started ahead imports, and calls (module:function): the chapters, and the presentation's first use.
KERNEL_WARM = (*MODULES, "rapportbok.present:warm_up")
# The pages that show what every chapter computes (the overview, Avstämning): they read every input file of their
# organisation, so any change runs them. The kernel that takes an organisation runs them first, and a second kernel
# helping with the organisation takes its chapters, from the end (executor._Todo).
OVERVIEWS = (SUMMARY, AUDIT)


class BuildError(Exception):
    """A build step failed; the message says which and why, in Swedish.

    ``untouched``: the previous book/, _toc.yml and site are as they were (every failure before the
    publication, and a publication that was undone); False when a publication could be neither
    completed nor undone (rapportbok.core.journal.Unfinished), and the message says what is where.
    """

    def __init__(self, message: str, untouched: bool = True):
        super().__init__(message)
        self.untouched = untouched


@dataclass(frozen=True)
class Job:
    org: str
    year: int
    tertial: int
    chapter: str

    @property
    def relpath(self) -> str:
        return f"book/{self.org}/{self.year}/{self.chapter}.ipynb"

    def parameters(self) -> dict:
        return {"org": self.org, "year": self.year, "tertial": self.tertial}


def plan(data: Path | None = None) -> tuple[list[orgs.Org], list[Job]]:
    """What the book holds: every organisation and year with data, and their chapters."""
    all_orgs, issues = orgs.load_all(data)
    if issues:
        raise DataError(issues)
    jobs = []
    for org in all_orgs:
        years = tuple(org.years.items())
        chapters = datasets.derived(
            org.slug,
            ("kapitel", years),
            lambda sets, years=years: [(y, ch.slug) for y, _ in years for ch in registry() if ch.has_data(sets, y)],
            data,
        )
        jobs += [Job(org.slug, year, org.years[year], chapter) for year, chapter in chapters]
    return all_orgs, jobs


def by_org(jobs: list[Job]) -> dict[str, list[Job]]:
    """The jobs of each organisation, in their order: looked up per organisation, not searched for in all
    jobs (which would make the pages of a national edition quadratic in the number of organisations)."""
    out: dict[str, list[Job]] = {}
    for j in jobs:
        out.setdefault(j.org, []).append(j)
    return out


def toc(all_orgs: list[orgs.Org], jobs: list[Job], source_ids: list[str] | None = None) -> dict:
    parts = []
    grouped = by_org(jobs)
    for org in all_orgs:
        chapters = []
        mine = grouped.get(org.slug, [])
        for year in sorted({j.year for j in mine}, reverse=True):
            sections = [{"file": j.relpath[:-6]} for j in mine if j.year == year]
            chapters.append({"file": f"book/{org.slug}/{year}/index", "sections": sections})
        if chapters:
            parts.append({"caption": org.name, "chapters": chapters})
    parts.append({"caption": "Om boken", "chapters": [{"file": "book/ordlista"}]})
    if source_ids:
        parts.append(
            {
                "caption": "Källor",
                "chapters": [
                    {"file": "book/kallor/index", "sections": [{"file": f"book/kallor/{s}"} for s in source_ids]}
                ],
            }
        )
    return {"format": "jb-book", "root": "book/index", "parts": parts}


def _titles() -> dict[str, str]:
    return {c.slug: c.title for c in registry()}


def headlines(all_orgs: list[orgs.Org], jobs: list[Job], data: Path | None = None) -> dict:
    """The answer (rapportbok.analysis.answer) of every organisation-year in the book."""
    from rapportbok.analysis import answer as an

    out = {}
    grouped = by_org(jobs)
    for org in all_orgs:
        years = tuple((y, org.years[y]) for y in sorted({j.year for j in grouped.get(org.slug, [])}))
        if years:
            answers = datasets.derived(
                org.slug, ("svar", years), lambda sets, years=years: [an.answer(sets, y, t) for y, t in years], data
            )
            out.update({(org.slug, y): answer for (y, _), answer in zip(years, answers, strict=True)})
    return out


def landing_page(all_orgs: list[orgs.Org], jobs: list[Job], heads: dict | None = None) -> str:
    from rapportbok.present import answer as present_answer

    heads = heads or {}
    lines = [
        "# Rapportbok – socialnämndens ekonomi",
        "",
        "Den här boken samlar budget, åtgärdsplaner och nyckeltal för socialnämnder i några svenska kommuner. "
        "Varje tabell och diagram anger sitt källdokument. Siffrorna står som källorna anger dem; där summor "
        "inte stämmer visar varje års sida *Avstämning* båda beloppen.",
        "",
        "## Organisationer och år",
        "",
        "Per år: den senaste prognosen eller det senaste utfallet mot budgeten som källorna anger, med datum "
        "(där inget sådant anges: källans bedömning eller budgetens resultat), och vad som återstår efter "
        "åtgärdsplanerna där källorna anger både årets underskott och planernas effekt (bokens beräkning). Årets "
        "sida visar hela läget och källorna.",
        "",
    ]
    grouped = by_org(jobs)
    for org in all_orgs:
        years = sorted({j.year for j in grouped.get(org.slug, [])}, reverse=True)
        if not years:
            continue
        lines += [f"### {escape.md_text(org.name)}", "", f"{escape.md_text(org.namnd)}.", ""]
        for y in years:
            h = heads.get((org.slug, y))
            # each figure links to where it is computed, as in the year's Läget (rapportbok.present.answer)
            short = present_answer.line_md(h, prefix=f"{org.slug}/{y}/") if h is not None else ""
            lines.append(f"- **[{y}]({org.slug}/{y}/index.md)**" + (f": {short}" if short else ""))
        lines.append("")
    lines += [
        "",
        "## Om siffrorna",
        "",
        "Belopp anges i tusental kronor (tkr) eller miljoner kronor (mnkr) med decimalkomma och mellanslag "
        "som tusentalsavgränsare. Minustecken betyder kostnad eller minskning, som i källorna.",
        "",
        "Ord och förkortningar som tkr, åa, IK-plan och ovägt medel förklaras i [Ordlistan](ordlista.md).",
        "",
        # Beside the site (rapportbok.publish.handbook); a site built without it drops the paragraph (sphinxext).
        f'<p class="{handbook.LINK_CLASS}">Hur boken görs, och hur en kommun gör en egen: '
        '<a href="../handbok/index.html">Handbok för rapportbok</a>.</p>',
        "",
    ]
    return "\n".join(lines)


SOURCE_ORG_META = "rapportbok-organisation"  # as rapportbok.publish.sphinxext.ORG_META


def source_pages(data: Path, all_orgs: list[orgs.Org]) -> dict[str, str]:
    """The source documents as pages of the site: book/kallor/index.md and one page per document.

    Each page shows the document's text exactly as the data files cite it (data/kallor/*.txt),
    with line numbers, so a reader can check any figure against the original wording.
    """
    from rapportbok.data import sources

    df = sources.load(data)
    names = {o.slug: o.name for o in all_orgs}
    pages = {}
    index = [
        "# Källdokument",
        "",
        "Alla siffror i boken kommer från dokumenten nedan eller från Kolada (kolada.se, Rådet för främjande av "
        "kommunala analyser). Varje tabell och diagram anger sitt dokument och avsnitt; titeln i tabellens källrad "
        "länkar hit. Texten är dokumentets text som boken läser den, rad för rad.",
        "",
    ]
    for org_slug, group in df.groupby("organisation", sort=False):
        index += [f"## {escape.md_text(names.get(org_slug, org_slug))}", ""]
        for kalla, row in group.iterrows():
            index.append(
                f"- [{escape.md_text(row['titel'])}](<{escape.md_role_text(kalla)}.md>) – "
                f"{escape.md_text(row['dokumenttyp'].lower())}"
                + (f", {escape.md_text(row['beslut'])}" if row["beslut"] else "")
            )
        index.append("")
    pages["index.md"] = "\n".join(index)
    for kalla, row in df.iterrows():
        text = sources.read_text(row, data)  # confined to data/, no link, UTF-8 (validated before)
        url = "" if fmt.is_missing(row.get("url")) else str(row.get("url")).strip()  # an empty cell reads as NaN
        lines = [
            # its organisation, for the site's sidebar (rapportbok.publish.sphinxext.page_org); YAML-quoted
            "---",
            yaml.safe_dump({SOURCE_ORG_META: str(row["organisation"])}, allow_unicode=True).strip(),
            "---",
            f"# {escape.md_text(row['titel'])}",
            "",
            f"- **Organisation:** {escape.md_text(names.get(row['organisation'], row['organisation']))}",
            f"- **Dokumenttyp:** {escape.md_text(row['dokumenttyp'])}",
            f"- **Beslut:** {escape.md_text(row['beslut'] or 'anges inte')}",
            original_line(url, names.get(row["organisation"], row["organisation"])),
            f"- **Texten som fil:** {{download}}`{escape.md_role_text(Path(row['fil']).name)} "
            f"<{escape.md_role_text(kalla)}.txt>`",
            "",
            "Texten nedan är dokumentets text som den lästes in (tabeller med tabbar mellan kolumnerna). "
            "Radnumren hör till textfilen, inte till originaldokumentets sidor. En länk från en tabell i boken "
            "går till raden där det citerade avsnittet börjar; raden är markerad.",
            "",
            *source_text_block(text),
            "",
        ]
        pages[f"{kalla}.md"] = "\n".join(lines)
        pages[f"{kalla}.txt"] = text
    return pages


def original_line(url: str, org_name: str) -> str:
    """The source page's line about the original document: its public address (kallor.csv, url) if known."""
    from rapportbok.data import sources

    if url and sources.is_http_only(url):  # accepted with a note; the book never fetches it
        return (
            f'- **Originaldokumentet:** <a href="{escape.html_attr(url)}" rel="nofollow">{escape.html_text(url)}</a> '
            "(adressen är bara känd som http://, utan kryptering; boken har inte hämtat något därifrån)"
        )
    if url:
        return f'- **Originaldokumentet:** <a href="{escape.html_attr(url)}">{escape.html_text(url)}</a>'
    return (
        f"- **Originaldokumentet:** adressen är inte känd för boken; dokumentet finns hos {escape.md_text(org_name)}."
    )


def source_text_block(text: str) -> list[str]:
    """A source's text as a raw HTML block: one line per ``<span id="rad-N">`` (rapportbok.data.citation.line_id),
    so a citation can link to the line where its section starts."""
    import re

    rows = []
    for n, line in enumerate(text.rstrip("\n").split("\n"), start=1):
        rows.append(
            f'<span class="rapportbok-rad" id="{escape.html_attr(sources_line_id(n))}">'
            f'<span class="rapportbok-radnr" aria-hidden="true">{n}</span>{escape.html_text(line)}</span>'
        )
    body = "".join(rows)  # each line a block: no newline between them (it would show as an empty line)
    fence = "`" * max(4, max((len(m) for m in re.findall(r"`+", body)), default=0) + 1)
    return [f"{fence}{{raw}} html", f'<div class="rapportbok-kalltext"><pre>{body}</pre></div>', fence]


def sources_line_id(n: int) -> str:
    from rapportbok.data.citation import line_id

    return line_id(n)


def glossary_page() -> str:
    from rapportbok.present import glossary

    return glossary.page_markdown()


def pdf_name(org: str, year: int) -> str:
    return f"{org}-{year}.pdf"


# The year page always links its PDF, so book/ does not depend on whether PDFs were made. The site
# build is told (this variable, for jupyter-book) whether they will be; if not, rapportbok.publish.sphinxext
# replaces the link by a sentence saying there is no PDF. Keep in step with sphinxext.PDF_*.
PDF_ENV = "RAPPORTBOK_PDF"
PDF_CLASS = "rapportbok-pdf"


def year_page(org: orgs.Org, year: int, jobs: list[Job], head=None) -> str:
    titles = _titles()
    period = org.stated_period(year)
    lines = [
        f"# {escape.md_text(org.name)} {year}",
        "",
        f"{escape.md_text(org.namnd)}, rapportår {year}" + (f", {period}." if period else "."),
        "",
    ]
    if head is not None:
        from rapportbok.chapters.summary import line_link
        from rapportbok.present import answer as present_answer

        has_summary = any(j.org == org.slug and j.year == year and j.chapter == SUMMARY for j in jobs)
        more = "Mer i [Sammanfattning](sammanfattning.ipynb)." if has_summary else ""
        lines += [present_answer.lage_md(head, line_link=line_link, more=more), ""]
    lines += [
        "## Kapitel",
        "",
    ]
    for j in jobs:
        if j.org == org.slug and j.year == year:
            lines.append(f"- [{titles[j.chapter]}]({j.chapter}.ipynb)")
    lines += [
        "",
        "Källdokumenten finns under [Källor](../../kallor/index.md). Ord och förkortningar förklaras i "
        "[Ordlistan](../../ordlista.md).",
        "",
        "## Som PDF",
        "",
        f'<p class="{PDF_CLASS}"><a href="../../../pdf/{pdf_name(org.slug, year)}">Hela rapportboken för '
        f"{escape.html_text(org.name)} {year} som PDF</a> (för utskrift och nämndens handlingar).</p>",
    ]
    return "\n".join(lines) + "\n"


def book_pages(data: Path, all_orgs: list[orgs.Org], jobs: list[Job]) -> dict[tuple[str, ...], str]:
    """What the build writes into its staging area besides the notebooks, by path: the table of contents, the
    landing page with every answer, the glossary, the source documents' pages and each organisation-year's page.
    A key is the folder under the staging area (the code's own) and the page's parts in it (from data): the build
    confines each page to its folder (:func:`_page`)."""
    out: dict[tuple[str, ...], str] = {}
    src_pages = source_pages(data, all_orgs)
    out.update({("book/kallor", name): text for name, text in src_pages.items()})
    source_ids = [n[:-3] for n in src_pages if n.endswith(".md") and n != "index.md"]
    out[("", "_toc.yml")] = (
        "# Generated by `rapportbok build` from what data/ holds; do not edit by hand.\n"
        + yaml.safe_dump(toc(all_orgs, jobs, source_ids), allow_unicode=True, sort_keys=False)
    )
    heads = headlines(all_orgs, jobs, data)
    out[("book", "index.md")] = landing_page(all_orgs, jobs, heads)
    out[("book", "ordlista.md")] = glossary_page()
    grouped = by_org(jobs)
    for org in all_orgs:
        mine = grouped.get(org.slug, [])  # year_page looks at the organisation's own jobs
        for year in sorted({j.year for j in mine}):
            out[("book", org.slug, str(year), "index.md")] = year_page(org, year, mine, heads.get((org.slug, year)))
    return out


def _page(base: Path, *parts: str) -> Path:
    """Where a generated page goes: confined to ``base`` (the staging area's book/), else BuildError."""
    try:
        return inside(base, *parts)
    except PathError as err:
        raise BuildError(f"En sida skulle hamna utanför {base.name}/ och skrivs inte: {err}") from err


def inputs_hash(job: Job, root: Path, data: Path, contents: dict | None = None) -> str:
    """The hash of everything the job's notebook depends on (rapportbok.publish.inputs)."""
    return inputs.digest(job.chapter, job.parameters(), job.org, root, data, contents)


def _copy_downloads(src: Path, dst: Path, chapter: str) -> None:
    """Copy a reused notebook's table downloads (tabeller/<chapter>-*) along with it."""
    from rapportbok.present.downloads import FOLDER

    files = sorted((src / FOLDER).glob(f"{chapter}-*")) if (src / FOLDER).is_dir() else []
    if files:
        (dst / FOLDER).mkdir(parents=True, exist_ok=True)
        for f in files:
            shutil.copy2(f, dst / FOLDER / f.name)


def _publish_downloads(stage: Path) -> None:
    """Sphinx copies only what pages reference as documents; the table downloads are copied here."""
    from rapportbok.present.downloads import FOLDER

    for folder in sorted((stage / "book").rglob(FOLDER)):
        files.copy_tree(folder, stage / "_build" / "html" / folder.relative_to(stage))  # a full disk says so


# Failures of the kernel rather than of the notebook's code: their text (rapportbok.publish.executor) says in
# Swedish what happened, and the English name of the error adds nothing for the analyst.
KERNEL_FAILURES = ("DeadKernelError", "CellTimeoutError", "KernelStartError")


def _describe_failure(job: Job, err: BaseException) -> str:
    ename = getattr(err, "ename", type(err).__name__)
    evalue = getattr(err, "evalue", str(err))
    cell = getattr(err, "exec_count", None)
    where = f", cell {cell}" if cell else ""
    what = evalue if ename in KERNEL_FAILURES else f"{ename}: {evalue}"
    return f"Notebooken {job.chapter}.ipynb för {job.org} {job.year} stoppade{where}: {what}"


def execute_all(
    jobs: list[Job],
    stage: Path,
    root: Path,
    workers: int | None = None,
    log=print,
    incremental: bool = True,
    keep: frozenset[Job] = frozenset(),
    warm=None,
) -> list[Job]:
    """Execute the jobs whose inputs changed, in parallel; copy the others from book/. Returns those executed.

    Jobs in ``keep`` (organisations outside a ``--org`` selection) are copied from book/ as they are,
    whatever their inputs; the caller has checked that their notebooks exist. ``warm`` is a kernel the build
    started ahead (rapportbok.publish.executor.Warm): the first worker's, or shut down if nothing runs.
    """
    workers = workers or os.cpu_count() or 1
    env_data = os.environ.get("RAPPORTBOK_DATA")
    if data_dir() != root / "data":
        env_data = str(data_dir())
    failures = []
    contents: dict = {}  # each file read once for all the notebooks' hashes
    digests = {job: inputs_hash(job, root, data_dir(), contents) for job in jobs if job not in keep}
    todo = []
    for job in jobs:
        out = stage / job.relpath
        out.parent.mkdir(parents=True, exist_ok=True)
        previous = root / job.relpath
        if job in keep or (incremental and notebook.stored_hash(previous) == digests[job]):
            shutil.copy2(previous, out)
            _copy_downloads(previous.parent, out.parent, job.chapter)
        else:
            todo.append(job)
    reused = len(jobs) - len(todo)
    ready = len(warm) if isinstance(warm, list) else int(warm is not None)
    # Kernels already started cost nothing more: all of them are used (watching starts one per core).
    kernels = min(workers, max(kernels_for(len(todo), workers), min(ready, len(todo))))
    log(f"Kör {len(todo)} notebooks ({kernels} parallellt); {reused} oförändrade återanvänds.")
    if not todo:
        for spare in warm if isinstance(warm, list) else [warm] if warm is not None else []:
            spare.close()
        return []
    from rapportbok.publish import executor

    # Long-lived kernels, one per worker, reset between notebooks (rapportbok.publish.executor): starting
    # a kernel and importing pandas costs about as much as a chapter's work.
    specs = {}
    for job in execution_order(todo):
        out = stage / job.relpath
        template = stage / ".templates" / f"{job.chapter}.ipynb"  # the MyST template converted for papermill
        if not template.is_file():
            templates.write_notebook(templates.template_path(root, job.chapter), template, root / TEMPLATE_CACHE)
        specs[executor.Spec(job.relpath, str(template), str(out), job.parameters(), str(out.parent), group=job.org)] = (
            job  # an organisation's notebooks share its validated input
        )
    done = [0]

    def on_done(spec, seconds: float) -> None:
        job = specs[spec]
        notebook.clean(stage / job.relpath, job.parameters(), digests[job])
        done[0] += 1
        log(f"  [{done[0]}/{len(todo)}] {job.relpath} ({seconds:.1f} s)")

    def on_failed(spec, err) -> None:
        done[0] += 1
        log(f"  [{done[0]}/{len(todo)}] {specs[spec].relpath} MISSLYCKADES")

    env = {"RAPPORTBOK_DATA": env_data} if env_data else {}
    for spec, err in executor.run(list(specs), kernels, env=env, on_done=on_done, on_failed=on_failed, warm=warm):
        failures.append(_describe_failure(specs[spec], err))
    if failures:
        raise BuildError("\n".join(failures))
    return todo


def execution_order(todo: list[Job]) -> list[Job]:
    """The order the kernels take the jobs in: by organisation and year (as planned), and within an
    organisation-year its :data:`OVERVIEWS` first, then its chapters. The kernel that takes an organisation starts
    with the overviews; a kernel that helps takes chapters from the end. (After one changed file, the
    overview, Avstämning and one chapter: the two overviews on one kernel and the chapter on the other, not the
    chapter waiting for an overview.)"""
    first = {key: i for i, key in enumerate(dict.fromkeys((j.org, j.year) for j in todo))}
    rank = {chapter: i for i, chapter in enumerate(OVERVIEWS)}
    # sorted is stable: organisations, years and chapters keep the plan's order
    return sorted(todo, key=lambda j: (first[j.org, j.year], rank.get(j.chapter, len(OVERVIEWS))))


# A kernel costs about as much to start (and to import pandas, matplotlib and the package in) as some four
# notebooks take to run: fewer than that per kernel, and a further kernel only takes the processor from the others.
NOTEBOOKS_PER_KERNEL = 4


def kernels_for(notebooks: int, workers: int) -> int:
    """How many kernels execute ``notebooks`` notebooks: at most ``workers``, and one per
    :data:`NOTEBOOKS_PER_KERNEL` notebooks (at least one)."""
    return max(1, min(workers, notebooks // NOTEBOOKS_PER_KERNEL))


def warm_kernel():
    """A kernel started now, with the chapters imported and the presentation's first use made
    (rapportbok.present.warm_up), for the notebooks this build will execute (rapportbok.publish.executor.Warm): it
    starts on the other core while the build validates."""
    from rapportbok.publish import executor

    return executor.Warm(imports=KERNEL_WARM)


class Ahead:
    """What a build starts before it validates (:func:`warm_kernel`, :func:`start_site`): a kernel with the chapters
    imported, and the site's process with Sphinx loaded and set up in the workspace of the last site built. Used
    by the build, or closed: :meth:`close` ends whatever was not used. :func:`watch` starts them right after a
    build, for the next."""

    def __init__(self, root: Path, site: bool, pdf: bool, kernels: int = 1):
        self.site, self.pdf = site, pdf
        self.warm = [warm_kernel() for _ in range(max(1, kernels))]
        self.waiting = start_site(root, pdf) if site else None

    def close(self) -> None:
        try:
            for warm in self.warm:
                warm.close()
        finally:
            if self.waiting is not None:
                self.waiting.end()


WATCH_KERNELS = 2  # kernels kept ready while watching (a changed file is read by a few notebooks of one organisation)
WATCH_POLL = 0.1  # seconds between two looks at the files while watching (one stat per file; 5 ms for today's book)
# After a change is seen, the files are looked at again every WATCH_SETTLE seconds until two looks agree (an editor
# or Excel finishing its writing), at most WATCH_SETTLE_MAX seconds; a file still half written then fails to read,
# and its last write is the change that builds again.
WATCH_SETTLE = 0.1
WATCH_SETTLE_MAX = 2.0


def watch(site: bool = True, workers: int | None = None, log=print, pdf: bool = False, report=None) -> None:
    """``rapportbok bygg --bevaka``: build, then build again each time something the book depends on changes (a
    data file, a template, _config.yml), until Ctrl-C. Between builds this process keeps what it has loaded and
    validated (keyed by content), and a kernel and the site's process are started right after each build
    (:class:`Ahead`), so the next build finds them ready: the analyst's edit-and-look loop. ``report(err)`` says
    what stopped a build (the same messages as a single build); watching goes on, and the build waits for the
    next change. When the package's own code changes, watching starts over in a new process (what is loaded is
    then the new code)."""
    from rapportbok.core.hashing import stat_signature

    root = project_root()
    mode = stamp.mode_of(site, pdf)
    code_trees = [(PACKAGE_DIR, (".py", ".css", ".html")), (root / "requirements.txt", None)]
    code = stat_signature("kod", code_trees)
    ahead: Ahead | None = None
    seen: str | None = None  # the files' stat signature last looked at (None: look at their content)
    failed_at: str | None = None  # the signature when a build failed: it waits for the next change
    told = False
    computed = False  # whether this process has validated and computed the book's pages (a build or prepare)
    try:
        while True:
            began = time.monotonic()
            if stat_signature("kod", code_trees) != code:
                log("Paketets kod har ändrats: bevakningen startar om med den nya koden.")
                if ahead is not None:
                    ahead.close()
                    ahead = None
                os.execv(sys.executable, [sys.executable, "-m", "rapportbok", *sys.argv[1:]])
            now = stamp.signature(root, data_dir(), mode)
            changed = now != seen and now != failed_at and stamp.unchanged(root, data_dir(), mode) is None
            looked = time.monotonic() - began
            if changed:
                if told:  # an edit: until the files stop changing (the editor has finished writing)
                    now = settled(lambda: stamp.signature(root, data_dir(), mode), now)
                told, failed_at, computed = False, None, True
                try:
                    build(site, workers, log, True, pdf, ahead=ahead)
                    now = None  # look again: a file saved while the build ran makes the next build
                except (BuildError, DataError, OSError) as err:
                    failed_at = now
                    (report or (lambda e: log(str(e))))(err)
                ahead = None
            seen = now
            if ahead is None:  # ready for the next change: a kernel per core, set up while the analyst reads
                ahead = Ahead(root, site, pdf, kernels=min(workers or os.cpu_count() or 1, WATCH_KERNELS))
            if not told:
                log("Bevakar data/, notebooks/ och _config.yml; boken byggs om när något ändras. Ctrl-C avslutar.")
                told = True
                if not computed:  # book/ was current: what a build computes first is computed now, for the next
                    computed = prepare(root, workers)
            # one look costs a stat per file: at 290 organisations it is not repeated more often than it takes
            time.sleep(max(WATCH_POLL, 2 * looked))
    finally:
        if ahead is not None:
            ahead.close()


def prepare(root: Path, workers: int | None = None) -> bool:
    """Watching, when book/ was current at the start (nothing was built): compute now, while the analyst reads,
    what the first build after a change computes before it executes anything (each organisation validated, the
    plan, the warnings, the pages with every answer). It is kept per content of the input (rapportbok.data.datasets),
    so that build computes again only what the change touched. Says nothing and writes nothing: the build after
    the change reports what it finds. Skipped while another command holds the project's lock (it may be writing
    data/). Returns whether it ran to the end."""
    try:
        with lock.held(root, "bygg --bevaka", wait=False):
            _prevalidate(workers)
            if any(i.severity == "fel" for i in validation.validate(data_dir())):
                return False
            all_orgs, jobs = plan(data_dir())
            _chapter_warnings(all_orgs)
            book_pages(data_dir(), all_orgs, jobs)
            return True
    except lock.Busy:
        return False
    except Exception:  # noqa: BLE001 - only ahead of time: the build after the next change reports it in its words
        return False


def settled(look, seen: str, pause: float | None = None, longest: float | None = None) -> str:
    """``look()`` again every ``pause`` seconds (WATCH_SETTLE) until it gives what it gave the time before, or for
    at most ``longest`` seconds (WATCH_SETTLE_MAX); returns the last look."""
    pause = WATCH_SETTLE if pause is None else pause
    until = time.monotonic() + (WATCH_SETTLE_MAX if longest is None else longest)
    while True:
        time.sleep(pause)
        now = look()
        if now == seen or time.monotonic() >= until:
            return now
        seen = now


def _die_with_parent():
    """For Popen(preexec_fn=...): on Linux the child gets SIGKILL when the build process dies (even by kill -9)."""
    import ctypes
    import signal

    if not sys.platform.startswith("linux"):  # prctl is Linux's (and CDLL(None) fails on Windows)
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None
    parent = os.getpid()

    def preexec() -> None:
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the build died before prctl took effect
            os._exit(1)

    return preexec


class Child:
    """A child process in its own process group, ended with its group if the build stops first.

    On an exception in the build (a failure, Ctrl-C, SIGTERM turned into KeyboardInterrupt by the command
    line) the whole group goes: the site build and whatever it started (rapportbok.publish.processes: a
    POSIX process group, or on Windows Ctrl-Break and the process tree). On Linux the child also dies
    with the build process itself (PR_SET_PDEATHSIG), so not even kill -9 leaves it running. Started with
    ``stdin``, it waits for a line from the build (:meth:`finish` gives it; :meth:`end` ends it unused).
    """

    def __init__(self, cmd: list[str], env: dict | None = None, stdin: bool = False):
        self.cmd = cmd
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE if stdin else None,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            preexec_fn=_die_with_parent(),
            **processes.popen_kwargs(),
        )
        self.leader = processes.group_leader(self.proc.pid, self.proc.pid)
        self.done = False

    def finish(self, line: str | None = None) -> subprocess.CompletedProcess:
        """Give the child its line (if it waits for one) and wait for it to end."""
        try:
            out, err = self.proc.communicate(*(() if line is None else (line + "\n",)))
        except BaseException:
            self.end()
            raise
        self.done = True
        if not processes.windows():  # anything it left behind in its group (on Windows its pid may be reused now)
            processes.end_group(self.leader)
        return subprocess.CompletedProcess(self.cmd, self.proc.returncode, out, err)

    def end(self) -> None:
        """End the child and its group now, unless it has ended (:meth:`finish`)."""
        if self.done:
            return
        self.done = True
        processes.end_group(self.leader)
        self.proc.wait()
        for name in ("stdin", "stdout", "stderr"):
            stream = getattr(self.proc, name, None)
            if stream is not None:
                stream.close()


def _run_child(cmd: list[str], env: dict | None = None) -> subprocess.CompletedProcess:
    """Run a child process (:class:`Child`) and wait for it."""
    return Child(cmd, env).finish()


SITE_JOBS_ENV = "RAPPORTBOK_SITE_JOBS"
# From this many pages the site is written in parallel by default (handbok/historik/byggtider.md: 100 organisations, about
# 1 100 pages, took 79 s with three processes against 99 s with one; today's book has about 30 pages).
LARGE_SITE_PAGES = 200
PARALLEL_SITE_JOBS = 3  # the main process resolving pages and two writing them: both cores busy


def site_pages(site_root: Path) -> int:
    """The site's pages: the notebooks and Markdown files under book/."""
    return sum(1 for _, _, names in os.walk(site_root / "book") for n in names if n.endswith((".ipynb", ".md")))


def site_jobs(pages: int = 0) -> int:
    """Processes for the site build: RAPPORTBOK_SITE_JOBS if set; else :data:`PARALLEL_SITE_JOBS` for a site of
    :data:`LARGE_SITE_PAGES` pages or more on a machine with more than one core (Sphinx writes in parallel only
    where it can fork: not on Windows), and 1 otherwise.

    `make bench` measures one process against :data:`PARALLEL_SITE_JOBS` and checks that the HTML is the same.
    """
    default = PARALLEL_SITE_JOBS if pages >= LARGE_SITE_PAGES and (os.cpu_count() or 1) > 1 else 1
    try:
        return max(1, int(os.environ.get(SITE_JOBS_ENV, default)))
    except ValueError:
        return default


def site_env(pdf: bool) -> dict:
    return {**os.environ, PDF_ENV: "1" if pdf else "0"}


def start_site(root: Path, pdf: bool) -> Child:
    """The site build's process, started now to load Sphinx and its extensions while the notebooks run; it
    builds when :func:`build_site` gives it the staging folder (rapportbok.publish.site, --vanta)."""
    from rapportbok.publish import site as sitebuild

    return Child(sitebuild.waiting_command(root / SITE_WORKSPACE), site_env(pdf), stdin=True)


def build_site(
    site_root: Path,
    pdf: bool = False,
    root: Path | None = None,
    incremental: bool = True,
    waiting: Child | None = None,
    manual: bool = False,
) -> Path:
    """Build the site (rapportbok.publish.site: jupyter-book's configuration, Sphinx); ``pdf`` says the PDFs will
    be rendered and ``manual`` that the handbook will be placed beside it (rapportbok.publish.sphinxext keeps
    their links)."""
    from rapportbok.publish import site as sitebuild

    jobs = site_jobs(site_pages(site_root))
    workspace = key = None
    if root is not None:  # incremental, in the project's workspace; --alla starts it over
        workspace, key = root / SITE_WORKSPACE, site_code(root, pdf)
        if not incremental:
            shutil.rmtree(workspace, ignore_errors=True)
    env = {handbook.ENV: "1" if manual else "0"}
    if waiting is not None:
        proc = waiting.finish(sitebuild.order(site_root, jobs, workspace=workspace, key=key or "", env=env))
    else:
        cmd = sitebuild.command(site_root, jobs, workspace=workspace, key=key or "")
        proc = _run_child(cmd, env={**site_env(pdf), **env})
    html = site_root / "_build" / "html"
    if proc.returncode != 0 or not (html / "index.html").exists():
        from rapportbok.core.oserrors import disk_full_in

        if disk_full_in(proc.stdout + proc.stderr):
            raise BuildError("Webbplatsen kunde inte byggas: disken är full. Frigör utrymme och kör bygget igen.")
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise BuildError(f"Webbplatsen kunde inte byggas (jupyter-book och Sphinx, kod {proc.returncode}):\n{tail}")
    return html


def build_handbook(root: Path, log=print) -> Path | None:
    """Build the project's handbook (rapportbok.publish.handbook) into its cache folder; its output folder, or
    None when the project has none or it failed (then the site is published without it, and says nothing of it)."""
    src = handbook.source(root)
    if src is None:
        return None
    out = root / handbook.CACHE
    # Built again only when the handbook, the code or the environment changed (not for every data file: the
    # analyst's loop); what it was built from is kept beside it.
    built_from = tree_digest(root, (handbook.FOLDER, "requirements.txt")) + "+" + site_code(root, False)
    marker = out / SITE_MARKER
    if (handbook.html(out) / "index.html").is_file() and marker.is_file() and marker.read_text() == built_from:
        return out
    marker.unlink(missing_ok=True)
    proc = _run_child(handbook.command(src, out))
    if proc.returncode != 0 or not (handbook.html(out) / "index.html").is_file():
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-5:])
        log(f"Varning: handboken ({handbook.FOLDER}/) kunde inte byggas och publiceras inte den här gången:\n{tail}")
        return None
    marker.write_text(built_from)
    return out


def render_pdfs(html: Path, all_orgs: list[orgs.Org], jobs: list[Job], log=print) -> list[Path]:
    """One PDF per organisation and year, from the built site pages, into <site>/pdf/."""
    import datetime as dt

    from rapportbok.publish import chromium
    from rapportbok.publish import pdf as pdfmod

    titles = _titles()
    address = pdfmod.site_address()
    if address is None:
        log(
            f"  Obs: PDF:ernas omslag får ingen webbadress (sätt {pdfmod.ADDRESS_ENV} eller html.baseurl i _config.yml)."
        )
    out = []
    grouped = by_org(jobs)
    for org in all_orgs:
        mine = grouped.get(org.slug, [])
        for year in sorted({j.year for j in mine}, reverse=True):
            chapters = [
                (
                    pdfmod.APPENDIX_TITLE if j.chapter == AUDIT else titles[j.chapter],
                    f"book/{org.slug}/{year}/{j.chapter}.html",
                )
                for j in mine
                if j.year == year
            ]  # Avstämning is last: the appendix
            target = html / "pdf" / pdf_name(org.slug, year)
            target.parent.mkdir(parents=True, exist_ok=True)
            log(f"  PDF {target.name}")
            try:
                out.append(
                    pdfmod.render(
                        html,
                        org.name,
                        org.namnd,
                        year,
                        org.stated_period(year) or f"rapportåret {year}",
                        chapters,
                        target,
                        dt.date.today(),
                        address=address,
                    )
                )
            except (pdfmod.PdfError, chromium.ChromiumMissing) as err:
                raise BuildError(f"PDF:en för {org.name} {year} kunde inte göras: {err}") from err
    return out


SITE_MARKER = stamp.SITE_MARKER  # content hash of what the site was built from


def site_code(root: Path, pdf: bool) -> str:
    """A hash of the code that builds the site (the whole package: the site extension, the PDF, the build; a
    notebook's input hash leaves that code out, rapportbok.publish.inputs), the pinned environment, and whether
    the site links PDFs."""
    d = (
        Digest()
        .tree(PACKAGE_DIR, PACKAGE_DIR, (".py", ".css", ".html"))
        .file("requirements.txt", root / "requirements.txt")
    )
    return d.hexdigest() + ("+pdf" if pdf else "")


def site_inputs(stage: Path, root: Path, pdf: bool) -> str:
    """A hash of what the site is built from: the staged book, table of contents and configuration, and
    :func:`site_code`."""
    return Digest().text("book", tree_digest(stage, ("_config.yml", "_static", "_toc.yml", "book"))).hexdigest() + (
        "+" + site_code(root, pdf)
    )


SITE_WORKSPACE = Path("_build") / ".webbplats"
TEMPLATE_CACHE = (
    Path("_build") / ".mallar"
)  # each template's conversion for papermill (rapportbok.publish.templates)  # the incremental site build's workspace (rapportbok.publish.site)


def _swap(stage: Path, root: Path, site: bool) -> Path | None:
    """Publish the staged book, _toc.yml (and site) together: all or, if killed before the journal, none. Returns the
    folder of the previous versions, which the build removes once it has said that the new one is published."""
    from rapportbok.core.oserrors import describe

    try:
        return journal.commit(
            journal.publication(root), stage, ["book", "_toc.yml", *(["_build/html"] if site else [])], tidy=False
        )
    except journal.Unfinished as err:
        raise BuildError(str(err), untouched=False) from err
    except FileInUse as err:
        raise BuildError(
            f"{err} Den nya boken är klar men inte publicerad; den publiceras när rapportbok körs nästa gång."
        ) from err
    except OSError as err:  # a folder that cannot be replaced, a full disk: every rename was undone
        raise BuildError(
            f"Den nya boken kunde inte publiceras: {describe(err)}. Publiceringen har gjorts ogjord och det nya "
            "bygget kastats; rätta felet och kör bygget igen."
        ) from err


def build(
    site: bool = True,
    workers: int | None = None,
    log=print,
    incremental: bool = True,
    pdf: bool = False,
    only: tuple[str, ...] = (),
    ahead: Ahead | None = None,
) -> list[Job]:
    """Build the book; returns the jobs that were executed (the others were unchanged).

    ``only`` (organisation slugs, ``rapportbok bygg --org``) executes only those organisations'
    notebooks; the other organisations' notebooks in book/ are kept as they are (one not yet in
    book/ is left out of this build's book), so a large edition can be built in shards and assembled
    by a plain build over the shards' book/ folders (handbok/gor-sa-har/bygga-i-delar.md).

    With ``pdf`` the site also gets one PDF per organisation and year (``_build/html/pdf/``),
    rendered by Debian's Chromium, and the year pages' PDF links are kept (without, the site says
    there is no PDF; book/ is the same either way).

    The build holds the project's lock (rapportbok.core.lock: it waits for another command that writes
    data/ or publishes) and first completes what a killed command left half done and removes its
    staging folders (rapportbok.core.journal).
    """
    if pdf and not site:
        raise BuildError("PDF byggs från webbplatsen; --pdf går inte med --no-site.")
    if pdf:
        from rapportbok.publish import chromium

        if chromium.find() is None:
            raise BuildError(chromium.INSTALL_HINT)
    root = project_root()
    with lock.held(root, "bygg", waiting=log):
        try:
            journal.recover_all_locked(root, data_dir(), log, building=True)
        except journal.Unfinished as err:
            raise BuildError(str(err), untouched=False) from err
        except (journal.JournalError, FileInUse) as err:
            raise BuildError(str(err)) from err
        return _build(root, site, workers, log, incremental, pdf, tuple(only), ahead)


def _warnings(sets: dict, org: str) -> list[str]:
    """The chapters' warnings for an organisation (reconciliation findings the build prints)."""
    return [
        f"Varning ({org}, {ch.title}): {line}" for ch in registry() if ch.warnings for line in ch.warnings(sets, org)
    ]


def _chapter_warnings(all_orgs: list[orgs.Org]) -> list[str]:
    """Every organisation's chapter warnings, kept per content of its input (datasets.derived)."""
    return [
        line
        for org in all_orgs
        for line in datasets.derived(org.slug, ("varningar",), lambda sets, slug=org.slug: _warnings(sets, slug))
    ]


def _prevalidate(workers: int | None) -> None:
    """Validate the organisations in data/ in parallel first: only fills the cache; the validation after reports."""
    slugs = sorted(p.parent.name for p in data_dir().glob("*/organisation.yml") if ids.SLUG.valid(p.parent.name))
    datasets.prevalidate(slugs, workers or os.cpu_count() or 1, data_dir(), _die_with_parent())


def _prefetch(kernels, before: dict, after: dict) -> None:
    """Watching: the kernels started ahead validate the organisations whose files changed (their content key
    changed in this build's validation) while this process makes the pages, so that the notebooks find them
    validated (rapportbok.data.datasets' cache is kept across notebooks). Only ahead of time: a kernel that gets its
    notebooks first leaves it, and a notebook validates what it does not find."""
    changed = sorted(k for k, key in after.items() if before.get(k) != key)
    if not changed:
        return
    code = (
        "def _rapportbok_prefetch(orgs):\n    from pathlib import Path\n    from rapportbok.data import datasets\n"
        "    for data, org in orgs:\n        try:\n            datasets.load_org(org, Path(data))\n"
        "        except Exception:\n            pass\n"
        f"_rapportbok_prefetch({json.dumps(changed)})\ndel _rapportbok_prefetch\n"
    )
    for kernel in kernels:
        kernel.prefetch(code)


def _selection(
    root: Path, all_orgs: list[orgs.Org], jobs: list[Job], only: tuple[str, ...], log
) -> tuple[list[Job], frozenset[Job]]:
    """For ``--org``: the jobs of the book and those kept from book/ unexecuted (outside the selection)."""
    known = {o.slug for o in all_orgs}
    unknown = [s for s in only if s not in known]
    if unknown:
        raise BuildError(
            "Okänd organisation i --org: "
            + ", ".join(unknown)
            + ". Organisationerna i data/ är: "
            + ", ".join(sorted(known))
            + "."
        )
    keep, left_out = [], []
    for job in jobs:
        if job.org not in only:
            (keep if (root / job.relpath).is_file() else left_out).append(job)
    if left_out:
        log(
            f"{len(left_out)} notebooks för organisationer utanför urvalet finns inte i book/ och tas inte med: "
            + ", ".join(sorted({j.org for j in left_out}))
            + "."
        )
    dropped = set(left_out)  # a set: a national selection leaves out thousands
    return [j for j in jobs if j not in dropped], frozenset(keep)


def _build(
    root: Path,
    site: bool,
    workers: int | None,
    log,
    incremental: bool,
    pdf: bool,
    only: tuple[str, ...] = (),
    ahead: Ahead | None = None,
) -> list[Job]:
    # The stamp records the inputs as they are now, before anything is read: a file edited while
    # the build runs makes the next build run (rapportbok.publish.stamp.record).
    seen = stamp.file_hashes(root)  # files unchanged since the last stamp are not read again
    started = stamp.inputs(root, data_dir(), seen)
    mode = stamp.mode_of(site, pdf)
    shown: list[str] = []  # warnings, kept in the stamp so a no-change rebuild repeats them

    def warn(line: str) -> None:
        shown.append(line)
        log(line)

    # A kernel and the site's process, started now (or, watching, after the last build) to load what they need on
    # the other core while this process validates; ended unused if nothing is executed or the site is current.
    watching = ahead is not None
    ahead = ahead if ahead is not None else Ahead(root, site, pdf)
    warm, waiting = ahead.warm, ahead.waiting if site else None
    try:
        before = datasets.latest_keys()
        _prevalidate(workers)
        issues = validation.validate(data_dir())
        errors = [i for i in issues if i.severity == "fel"]
        for w in (i for i in issues if i.severity != "fel"):
            warn("Varning: " + w.message())
        if errors:
            raise DataError(issues)
        if watching and before:
            _prefetch(ahead.warm, before, datasets.latest_keys())
        all_orgs, jobs = plan(data_dir())
        keep: frozenset[Job] = frozenset()
        if only:
            jobs, keep = _selection(root, all_orgs, jobs, only, log)
        missing = sorted({j.chapter for j in jobs if not templates.template_path(root, j.chapter).is_file()})
        if missing:
            raise BuildError("Kapitelmall saknas: " + ", ".join(f"notebooks/{m}{templates.SUFFIX}" for m in missing))
        for line in _chapter_warnings(all_orgs):
            warn(line)
        stage = journal.new_stage(root)
        try:
            (stage / "book").mkdir()
            shutil.copy(root / "_config.yml", stage / "_config.yml")
            if (root / "_static").is_dir():
                files.copy_tree(root / "_static", stage / "_static")
            for (folder, *parts), text in book_pages(data_dir(), all_orgs, jobs).items():
                page = _page(stage / folder, *parts)
                page.parent.mkdir(parents=True, exist_ok=True)
                page.write_text(text, encoding="utf-8")
            executed = execute_all(jobs, stage, root, workers, log, incremental, keep, warm)
            site_digest = site_inputs(stage, root, pdf)
            if handbook.source(root) is not None:  # the handbook is published with the site: a change rebuilds it
                site_digest += "+" + tree_digest(root, (handbook.FOLDER,))
            marker = root / "_build" / "html" / SITE_MARKER
            if site and incremental and marker.is_file() and marker.read_text() == site_digest:
                log("Webbplatsen är oförändrad; den byggs inte om.")
                site = False
            elif site:
                log("Bygger webbplatsen med jupyter-book ...")
                manual = build_handbook(root, log)
                build_site(stage, pdf, root, incremental, waiting, manual=manual is not None)
                if manual is not None:
                    handbook.place(manual, stage / "_build" / "html")
                _publish_downloads(stage)
                if pdf:
                    render_pdfs(stage / "_build" / "html", all_orgs, jobs, log)
                (stage / "_build" / "html" / SITE_MARKER).write_text(site_digest)
            previous = _swap(stage, root, site)
        finally:
            journal.discard_stage(journal.publication(root), stage)
        if only:  # the other organisations' notebooks may be out of date: the next full build must look
            stamp.forget(root)
        else:
            stamp.record(root, data_dir(), mode, shown, started, seen)
        if (root / "_build" / "html" / "index.html").exists():
            log(f"Klart: {root / '_build' / 'html' / 'index.html'}")
        if previous is not None:  # the previous book and site, removed once the new ones are said to be published
            shutil.rmtree(previous, ignore_errors=True)
        return executed
    finally:
        ahead.close()
