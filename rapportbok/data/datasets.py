"""Every data file the book reads, and validation of data/ as a whole.

A dataset is a :class:`~rapportbok.data.schema.TableSpec` plus where it lives (data/<org>/<file>).
Files are optional per organisation: a chapter shows what exists and says what does not.
Besides each file's own checks, cross-file checks run here: every ``kalla`` names a source
in data/kallor.csv, and domain modules add their own (e.g. a follow-up names a known measure).
"""

from __future__ import annotations

import os
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pandas as pd
import yaml

from rapportbok.core import inputs, state, switches
from rapportbok.core.hashing import Digest
from rapportbok.core.paths import PACKAGE_DIR, data_dir
from rapportbok.data import actionplan, budget, citation, review, risk, sources, stated_tables
from rapportbok.data import organisations as orgs
from rapportbok.data import stated_figures as stated
from rapportbok.data.schema import DataError, Issue, TableSpec, input_issue, read_table, text_problem

# Per-organisation files: name -> (spec, optional extra check(df, spec, label) -> issues).
# Each domain module declares its own DATASETS (and CROSS_CHECKS); they are merged here.
ORG_DATASETS: dict[str, tuple[TableSpec, Callable | None]] = {
    **budget.DATASETS,
    **stated.DATASETS,
    **stated_tables.DATASETS,
    **actionplan.DATASETS,
    **review.DATASETS,
    **risk.DATASETS,
}

# Checks across one organisation's files: (datasets dict, org slug) -> issues.
CROSS_CHECKS: list[Callable[[dict, str], list[Issue]]] = [
    *stated.CROSS_CHECKS,
    *actionplan.CROSS_CHECKS,
    *risk.CROSS_CHECKS,
    *stated_tables.CROSS_CHECKS,
]

# Files of formats the book no longer reads: the budget and its follow-up are the report's stated tables.
# Such a file in data/<org>/ is an error that says how to enter its figures instead.
RETIRED = {
    "budget_ramar.csv": ("budgeten", "budget"),
    "investeringar.csv": ("investeringsbudgeten", "budget"),
    "budgetuppfoljning.csv": ("budgetuppföljningen", "månadsrapport"),
}


def _retired(org_path: Path) -> list[Issue]:
    issues = []
    for name, (what, kind) in RETIRED.items():
        if (org_path / name).exists():
            issues.append(
                Issue(
                    f"{org_path.name}/{name}",
                    0,
                    "",
                    "en fil i ett format som boken inte längre läser",
                    f"{what} som tabeller, så som rapporten anger dem (tabeller.csv, tabell_kolumner.csv och "
                    f"tabell_varden.csv): skriv en mall med `rapportbok mall --org {org_path.name} --ar ÅÅÅÅ --per "
                    f"ÅÅÅÅ-MM-DD --tabeller {kind}`, för in källans tabell i den och läs in den med `rapportbok "
                    f"importera`; ta sedan bort {name}",
                )
            )
    return issues


def _read(org_path: Path, name: str, known_sources: set[str]) -> tuple[pd.DataFrame | None, list[Issue]]:
    spec, extra = ORG_DATASETS[name]
    path = org_path / spec.filename
    if not os.path.lexists(path):  # a link that leads nowhere is there, and refused
        return None, []
    label = f"{org_path.name}/{spec.filename}"
    df, issues = read_table(path, spec, label, base=org_path.parent)
    if df is None:
        return None, issues
    if "kalla" in df.columns:
        for idx, value in df["kalla"].items():
            if value not in known_sources:
                issues.append(
                    Issue(
                        label,
                        int(idx),
                        "kalla",
                        str(value),
                        "ett id ur data/kallor.csv: " + ", ".join(sorted(known_sources)),
                    )
                )
    if extra:
        issues += extra(df, spec, label)
    return (None if issues else df), issues


# Not a table of its own: the organisation's Kolada values (its rows of the national store data/kolada/,
# fetched by `rapportbok kolada hamta`; or an old store of its own, data/<org>/kolada/). None without
# kolada.yml; an empty table when nothing has been fetched yet.
KOLADA = "kolada"


def _kolada(org_path: Path) -> tuple[pd.DataFrame | None, list[Issue]]:
    from rapportbok.data import kolada

    if not os.path.lexists(org_path / kolada.CONFIG_FILE):
        return None, []
    old = kolada.old_store(org_path)
    label = (
        f"{org_path.name}/{kolada.STORE_DIR}/{kolada.VALUES_FILE}"
        if old is not None
        else f"{kolada.STORE_DIR}/ (den nationella Kolada-lagringen, för {org_path.name})"
    )
    try:
        values, _ = kolada.load_stored(org_path)
    except inputs.InputError as err:  # a file of the store refused (a link, not UTF-8, too large, ...)
        return None, [input_issue(err)]
    except (kolada.KoladaError, kolada.KoladaConfigError, ValueError, KeyError, yaml.YAMLError) as err:
        return None, [
            Issue(label, 0, "", str(err)[:200], "värdena som `rapportbok kolada hamta` sparade; hämta dem igen")
        ]
    issues = []
    if old is not None:
        issues.append(
            Issue(
                label,
                0,
                "",
                "en egen lagring från före den nationella",
                "värdena i den nationella lagringen data/kolada/; den egna läses tills den flyttas med "
                f"`rapportbok kolada flytta` (eller hämtas igen med `rapportbok kolada hamta --org "
                f"{org_path.name}`)",
                severity="varning",
            )
        )
    return (kolada.values_frame([]) if values is None else values), issues


# Validate once: a validated organisation is kept in memory, keyed by the content hash of every file
# load_org reads (and of the package code that reads them), so each input is read and validated once
# per build process and once per notebook kernel, not once per chapter. The cache lives in a module
# of its own outside the package: the notebook executor (rapportbok.publish.executor) drops and
# re-imports `rapportbok` between notebooks on a reused kernel, and this keeps the validated tables
# across that. A changed file changes the key. Callers get copies, so a chapter that changes a table cannot
# affect another. (A kernel validates its organisation itself, once: the build handed its kernels what it had
# validated, signed, until the A/B at 50 organisations measured no saving, 7 December 2026.)
CACHE_MODULE = "_rapportbok_validated"
# Organisations kept: the build process goes over every organisation several times (validate, plan,
# warnings, headlines), so all of them must fit; a validated organisation is some 100 kB.
CACHE_SIZE = 1000


state.kept(__name__, "validated input, keyed by the content of the files and the package (" + CACHE_MODULE + ")")


def _cache() -> dict:
    holder = sys.modules.get(CACHE_MODULE)
    if holder is None:
        holder = types.ModuleType(CACHE_MODULE)
        holder.entries = {}
        holder.loads = 0  # validations done (the tests and the benchmark count them)
        holder.keys = {}  # (data folder, organisation) -> the content key load_org last gave it (latest_keys)
        holder.derived = {}  # content key -> {name: value} (derived), for the keys in entries
        holder.package = Digest().tree(PACKAGE_DIR, PACKAGE_DIR, (".py",)).hexdigest()
        sys.modules[CACHE_MODULE] = holder
    return holder


def _content_key(org_path: Path, data: Path) -> str:
    d = Digest().text("package", _cache().package).text("org", str(org_path.resolve()))
    d.file("kallor.csv", data / "kallor.csv")
    for name, (spec, _) in ORG_DATASETS.items():
        d.file(name, org_path / spec.filename)
    # The cross-checks read organisation.yml (report years, thresholds, concepts); the Kolada values
    # come from kolada.yml and the fetched store.
    from rapportbok.data import kolada

    d.file("organisation.yml", org_path / "organisation.yml")
    d.file(kolada.CONFIG_FILE, org_path / kolada.CONFIG_FILE)
    for path in kolada.store_files(org_path):  # its KPIs' folders of the national store (or its old store)
        d.file(path.relative_to(data).as_posix(), path)
    return d.hexdigest()


def _copy(sets: dict[str, pd.DataFrame | None]) -> dict[str, pd.DataFrame | None]:
    return {k: (None if v is None else v.copy(deep=True)) for k, v in sets.items()}


def content_key(org: str, data: Path | None = None) -> str:
    """A hash of everything an organisation's validated input depends on: its files, the source register,
    the Kolada store and the package's code (the key of the validate-once cache)."""
    data = data or data_dir()
    return _content_key(data / org, data)


def latest_keys() -> dict[tuple[str, str], str]:
    """(data folder, organisation) -> the content key of the input :func:`load_org` last gave in this process: the
    organisations whose key a build changed are those whose files changed since the build before it (watching)."""
    return dict(_cache().keys)


def load_org(org: str, data: Path | None = None, warnings: list[Issue] | None = None) -> dict[str, pd.DataFrame | None]:
    """All datasets of one organisation, validated; raises DataError listing every problem.

    Only errors ("fel") raise; warnings ("varning") are appended to ``warnings`` when given.
    The same files (same content) are validated only once per process (see ``CACHE_MODULE``).
    """
    data = data or data_dir()
    cache = _cache()
    key = _content_key(data / org, data)
    hit = cache.entries.pop(key, None)
    if hit is None:
        hit = _load_org(org, data)
        cache.loads += 1
    cache.entries[key] = hit  # most recently used last
    cache.keys[str(data), org] = key
    _evict(cache)
    out, issues = hit
    if warnings is not None:
        warnings += issues
    return _copy(out)


T = TypeVar("T")


def _evict(cache) -> None:
    """Keep the CACHE_SIZE organisations used last, and only their derived values."""
    while len(cache.entries) > CACHE_SIZE:
        oldest = next(iter(cache.entries))
        cache.entries.pop(oldest)
        cache.derived.pop(oldest, None)


def derived(
    org: str, name: tuple, compute: Callable[[dict[str, pd.DataFrame | None]], T], data: Path | None = None
) -> T:
    """``compute(datasets)`` for the organisation's validated input (as :func:`load_org` gives it), computed once per
    content of that input in this process, like the validation itself: what the build derives from each
    organisation (its chapters, its warnings, its answers) is not computed again for an organisation whose files
    did not change since the build before (watching, ``rapportbok bygg --bevaka``). ``name`` says what is computed,
    with every other argument the value depends on (a year, a tertial). The value is shared: callers do not change
    it. Raises DataError as load_org does (nothing is kept then)."""
    data = data or data_dir()
    cache = _cache()
    key = _content_key(data / org, data)
    if key in cache.entries and name in cache.derived.get(key, {}):
        return cache.derived[key][name]
    value = compute(load_org(org, data))
    if key in cache.entries:  # (an organisation with errors is not kept, nor what would be derived from it)
        cache.derived.setdefault(key, {})[name] = value
    return value


# -- validating organisations in parallel ---------------------------------------------------------------
# A national build validates every organisation before its first notebook runs, on one core while the
# other idles. ``prevalidate`` shares the organisations out between this process and forked children; each
# child validates its share and sends back what it validated, which goes into this process' cache. It
# only warms the cache: whatever then reads an organisation (the build's validation) goes through
# load_org as before, so an organisation with an error (never cached, never sent) is validated once more
# here and reported exactly as without prevalidate; a child that fails in any way sends nothing.
PREVALIDATE_MIN = 4  # fewer organisations: not worth a process


def prevalidate(slugs: list[str], processes: int, data: Path | None = None, child_setup: Callable | None = None) -> int:
    """Validate ``slugs`` in ``processes`` processes (this one and forked children) into the cache.

    Errors are not raised here (load_org reports them when it is asked). Returns how many organisations
    the children validated. Only on Linux (fork); elsewhere, or for a few organisations, nothing is done.
    ``child_setup`` runs first in each child (the build ties the children's life to its own).
    """
    import multiprocessing
    import pickle

    data = data or data_dir()
    processes = min(processes, len(slugs))
    if (
        processes < 2
        or len(slugs) < PREVALIDATE_MIN
        or not sys.platform.startswith("linux")
        or switches.off("forvalidering")
    ):
        return 0
    ctx = multiprocessing.get_context("fork")
    cache = _cache()
    try:
        _known_sources(data)  # read the register once, before the fork
    except Exception:  # noqa: BLE001 - a register with a problem: the build's validation reports it
        return 0
    children = []
    try:
        for k in range(1, processes):
            recv, send = ctx.Pipe(duplex=False)
            proc = ctx.Process(
                target=_prevalidate_child, args=(slugs[k::processes], data, send, child_setup), daemon=True
            )
            proc.start()
            send.close()
            children.append((proc, recv))
        for slug in slugs[0::processes]:
            try:
                load_org(slug, data)
            except Exception:  # noqa: BLE001, S110 - not cached: the build's validation meets it again and reports it
                pass
        got = 0
        for _proc, recv in children:
            try:
                entries = pickle.loads(recv.recv_bytes())  # from a child forked by this process
            except (EOFError, OSError, pickle.UnpicklingError):
                continue  # the child failed: load_org validates its organisations here
            for key, hit in entries:
                cache.entries.setdefault(key, hit)
            cache.loads += len(entries)
            got += len(entries)
        _evict(cache)
        return got
    finally:
        for proc, recv in children:
            recv.close()
            if proc.is_alive():
                proc.kill()
            proc.join()


def _prevalidate_child(slugs: list[str], data: Path, send, child_setup: Callable | None) -> None:
    """In a forked child: validate ``slugs`` and send (content key, validated input) of those without errors."""
    import os
    import pickle
    import signal

    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the build's to handle: it ends this child
        if child_setup is not None:
            child_setup()
        cache = _cache()
        entries = []
        for slug in slugs:
            try:
                load_org(slug, data)
                key = _content_key(data / slug, data)
            except Exception:  # noqa: BLE001, S112 - left to the build's validation
                continue
            if key in cache.entries:
                entries.append((key, cache.entries[key]))
        send.send_bytes(pickle.dumps(entries, protocol=pickle.HIGHEST_PROTOCOL))
        send.close()
    except BaseException:  # noqa: BLE001, S110 - nothing is sent; the build validates these itself
        pass
    finally:
        os._exit(0)  # no atexit handlers or buffered output of the build in this copy of it


def _source_register(data: Path) -> tuple[frozenset[str], pd.DataFrame]:
    """The ids of data/kallor.csv (and Kolada) and the register itself, read and validated once per content
    of the register: every organisation's files cite it, and it grows with every organisation (reading it
    for each one would make a national build quadratic)."""
    holder = _cache()
    register = getattr(holder, "sources", None)
    if register is None:
        register = holder.sources = {}
    key = Digest().text("package", holder.package).text("data", str(data.resolve()))
    key = key.file("kallor.csv", data / "kallor.csv").hexdigest()
    if key not in register:
        df = sources.load(data)
        register[key] = (frozenset(df.index) | {sources.KOLADA_SOURCE}, df)
    return register[key]


def _known_sources(data: Path) -> set[str]:
    return set(_source_register(data)[0])


def _load_org(org: str, data: Path) -> tuple[dict[str, pd.DataFrame | None], list[Issue]]:
    ids, register = _source_register(data)
    known = set(ids)
    out, issues = {}, _retired(data / org)
    for name in ORG_DATASETS:
        out[name], found = _read(data / org, name, known)
        issues += found
    out[KOLADA], found = _kolada(data / org)
    issues += found
    out[citation.REGISTER] = _register_rows(register, out)
    if not issues:
        for check in CROSS_CHECKS:
            issues += check(out, org)
    if any(i.severity == "fel" for i in issues):
        raise DataError(issues)  # not cached: the next call reports it again
    return out, issues


def _register_rows(register: pd.DataFrame, out: dict) -> pd.DataFrame:
    """The rows of data/kallor.csv this organisation's files cite (indexed by kalla): its citations as values
    (rapportbok.data.citation), so that nothing after the data layer reads the register."""
    cited = set()
    for df in out.values():
        if isinstance(df, pd.DataFrame) and "kalla" in df.columns:
            cited |= set(df["kalla"].dropna())
    return register.loc[sorted(cited & set(register.index))].copy()


SOURCE_UTF8 = "en textfil i UTF-8 – spara texten som UTF-8 (t.ex. i Anteckningar: Spara som, Kodning: UTF-8)"


def source_text_issues(kalla: str, row, data: Path) -> list[Issue]:
    """A source document's text is published as it is: a regular UTF-8 file under data/, reached without a link,
    with no control characters (rapportbok.data.sources.read_text); nothing is guessed."""
    label = str(row["fil"])
    try:
        raw = inputs.read_bytes(data / row["fil"], data, limit=inputs.TEXT_LIMIT, label=label)
    except inputs.InputMissing:
        return [Issue("kallor.csv", 0, "fil", label, f"en fil under data/ för källan {kalla}")]
    except inputs.InputError as err:
        return [input_issue(err)]
    problem = text_problem(raw)
    if problem is not None:
        return [Issue(label, 0, "", problem[0], SOURCE_UTF8)]
    try:
        sources.read_text(row, data)
    except inputs.InputError as err:
        return [
            Issue(err.file, err.line, "", err.found, SOURCE_UTF8 if err.found.startswith("byten") else err.expected)
        ]
    return []


def validate(data: Path | None = None) -> list[Issue]:
    """Every problem in data/, for `rapportbok validate` and the first step of the build."""
    data = data or data_dir()
    issues: list[Issue] = []
    try:
        sources.load(data)  # kallor.csv first: without it nothing else can be checked
    except DataError as err:
        return err.issues
    issues += sources.address_notes(sources.load(data))
    for sid, row in sources.load(data).iterrows():
        issues += source_text_issues(str(sid), row, data)  # load() has confined it to data/
    all_orgs, org_issues = orgs.load_all(data)
    issues += org_issues
    for org in all_orgs:
        try:
            sets = load_org(org.slug, data, issues)
            issues += stated_tables.year_issues(org, sets)
        except DataError as err:
            issues += err.issues
        if os.path.lexists(org.path / "kolada.yml"):
            from rapportbok.data import config

            issues += config.read_kolada(org.path / "kolada.yml", f"{org.slug}/kolada.yml")[1]
    # data/kallor/ holds the source texts and data/kolada/ the national Kolada store (rapportbok.data.kolada);
    # a folder that is a link or has a name that is no slug is named by orgs.load_all.
    for folder in orgs.folders(data)[0]:
        if not os.path.lexists(folder / "organisation.yml"):
            issues.append(Issue(f"{folder.name}/", 0, "", "", "en fil organisation.yml i varje organisationsmapp"))
    return sorted(set(issues))
