"""Shared fixtures: one copy of the project built from scratch, used by the site, browser and PDF tests."""

from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The fake Kolada server (tests/kolada_server.py) speaks plain http on 127.0.0.1: allowed for the tests only
# (rapportbok.data.kolada.TEST_HTTP_ENV), here and in every command the tests run. The https rule itself is
# tested with the variable removed (tests/test_hardening_writes.py).
os.environ["RAPPORTBOK_TEST_HTTP_LOKAL"] = "1"
PROJECT_FILES = ("_config.yml", "_static", "_toc.yml", "requirements.txt", "data", "notebooks", "book")


def chapter_notebook(chapter: str, folder: Path) -> Path:
    """A chapter's MyST template (notebooks/<chapter>.md) converted to .ipynb for papermill, as the build does."""
    from rapportbok.publish import templates

    return templates.write_notebook(templates.template_path(ROOT, chapter), Path(folder) / f"{chapter}.template.ipynb")


def load_tool(name: str):
    """A script in tools/ imported as a module (tools/ is not a package): ``load_tool("bench")``."""
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(ROOT / "tools"))


def displayed(call) -> str:
    """The markdown and HTML that a chapter method displays, run in this process (not in a kernel)."""
    import IPython.display

    from rapportbok.present import display as present_display

    shown = []

    def capture(*objs, **kw):
        for o in objs:
            text = getattr(o, "data", None)
            shown.append(text if isinstance(text, str) else "")

    old = (IPython.display.display, present_display.display)
    IPython.display.display = present_display.display = capture
    try:
        call()
    finally:
        IPython.display.display, present_display.display = old
    return "\n".join(shown)


def copy_project(dest: Path, src: Path = ROOT) -> Path:
    """The files a build reads (PROJECT_FILES) copied from ``src`` into ``dest``; returns ``dest``."""
    for name in PROJECT_FILES:
        (shutil.copytree if (src / name).is_dir() else shutil.copy)(src / name, dest / name)
    return dest


def organisation_folders(data: Path = ROOT / "data") -> list[str]:
    """The organisations of a data folder (its subfolders with an organisation.yml), sorted."""
    return sorted(p.name for p in data.iterdir() if (p / "organisation.yml").is_file())


def copy_data(dest: Path, orgs=None, src: Path = ROOT / "data") -> Path:
    """``src`` (the project's data/) copied to the new folder ``dest`` with only the organisations ``orgs`` (every
    one when None); everything else (data/kallor.csv, the source texts in data/kallor/, a Kolada store) always.

    A test that breaks one organisation's file validates that organisation alone: the others cannot change what
    it says (each organisation is validated on its own), and validating all three of data/ took two thirds of the
    fast tests' time (issue #28)."""
    keep = None if orgs is None else set(orgs)
    unknown = set() if keep is None else keep - set(organisation_folders(src))
    assert not unknown, f"no such organisation in {src}: {sorted(unknown)}"
    drop = set() if keep is None else set(organisation_folders(src)) - keep
    shutil.copytree(src, dest, ignore=lambda d, names: [n for n in names if Path(d) == src and n in drop])
    return dest


def run_cli(cwd: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rapportbok", *args], cwd=cwd, capture_output=True, text=True, env=env)


def invoke_cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """The command as :func:`run_cli` runs it, in ``cwd`` (RAPPORTBOK_DATA unset), but in this process (click's
    runner): for a test of what a command does and says, not of its process, without starting Python and the
    package again for each command. An exception the command lets out is raised here (a traceback fails the test).
    """
    import contextlib

    from click.testing import CliRunner

    from rapportbok.cli import main

    with contextlib.chdir(cwd):
        result = CliRunner().invoke(main, list(args), prog_name="rapportbok", env={"RAPPORTBOK_DATA": None})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(["rapportbok", *args], result.exit_code, result.stdout, result.stderr)


def _built_once(tmp_path_factory) -> None:
    """Fail if another test process of this run has built the shared project already.

    `make test` sends every test of the shared build to one process (--dist loadgroup, the xdist_group marker
    below), which builds it once. When that grouping silently stops working (pytest 9.2 with pytest-xdist 3.8:
    pytest-dev/pytest-xdist#1386) each process builds the project and visits the whole site again, minutes
    more: this makes it a failure instead. The processes of one run share the parent of their temporary folders.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:
        return
    marker = tmp_path_factory.getbasetemp().parent / "built_project.worker"
    try:
        with open(marker, "x", encoding="utf-8") as f:
            f.write(worker)
    except FileExistsError:
        pytest.fail(
            f"Det gemensamma byggda projektet byggs en gång till, i {worker}; {marker.read_text(encoding='utf-8')} "
            "har redan byggt det. pytest-xdist:s --dist loadgroup grupperar inte testerna (xdist_group): se "
            "pytest-dev/pytest-xdist#1386 och pytest-versionen i pyproject.toml."
        )


@pytest.fixture(scope="session")
def built_project(tmp_path_factory) -> Path:
    """A copy of the project, built from scratch with the real command (every notebook executed)."""
    _built_once(tmp_path_factory)
    copy = copy_project(tmp_path_factory.mktemp("proj"))
    shutil.copytree(ROOT / "handbok", copy / "handbok")  # published beside the site: the browser tests see it too
    proc = run_cli(copy, "build", "--alla")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Kör 0 notebooks" not in proc.stdout
    return copy


@pytest.fixture(scope="session")
def built_site(request) -> Path:
    """The built site (``_build/html``) of ``built_project``.

    For development only: RAPPORTBOK_TEST_SITE=<folder with index.html> skips the build.
    """
    given = os.environ.get("RAPPORTBOK_TEST_SITE")
    if given:
        return Path(given)
    return request.getfixturevalue("built_project") / "_build" / "html"


@pytest.fixture(scope="session")
def site_url(built_site):
    """``built_site`` served over HTTP on 127.0.0.1 for the browser tests (tests/site_browser.py); its address."""
    from site_browser import serve

    with serve(built_site) as url:
        yield url


SCREENSHOT_ENV = "RAPPORTBOK_SCREENSHOT_DIR"


def screenshot_dir() -> Path | None:
    """Where the browser tests save a full-page screenshot of every page, or None: only when RAPPORTBOK_SCREENSHOT_DIR
    names a folder (`make skarmbilder` sets it to _build/screenshots/). A screenshot checks nothing by itself, and
    three of every page took a quarter of the browser tests' time, so `make test` takes none."""
    given = os.environ.get(SCREENSHOT_ENV)
    return Path(given) if given else None


def need_chromium() -> None:
    """Skip a browser test where Chromium is not installed; in CI (RAPPORTBOK_REQUIRE_BROWSER=1) fail instead."""
    from rapportbok.publish import chromium

    if chromium.find() is None:
        if os.environ.get("RAPPORTBOK_REQUIRE_BROWSER") == "1":
            pytest.fail(chromium.INSTALL_HINT)
        pytest.skip(chromium.INSTALL_HINT)


@pytest.fixture(autouse=True)
def _fresh_package_state():
    """Each test ends as a notebook does on a reused kernel: the package's declared state
    (rapportbok.core.state: the page being drawn, the Avstämning mode, caches) is reset, so no test
    depends on what an earlier one left behind."""
    yield
    from rapportbok.core import state

    state.reset()


@pytest.fixture(autouse=True)
def _no_lock_on_the_checkout(monkeypatch, tmp_path_factory):
    """Tests never take the lock of the checkout they run from (rapportbok.core.lock).

    A command run in-process with RAPPORTBOK_DATA pointing at a scratch copy finds no project in its working
    folder and falls back to the checkout as its root: with pytest-xdist, two workers would then wait for each
    other and print "Väntar på …" into a message a test compares exactly. Such a command locks a folder of
    its own test instead; a project copy (every build, every lock test) locks itself as always."""
    from rapportbok.core import lock

    own: list[Path] = []

    def redirect(root):
        if Path(root).resolve() != ROOT:
            return root
        if not own:
            own.append(tmp_path_factory.mktemp("laset"))
        return own[0]

    for name in ("held", "holder", "still_held"):
        real = getattr(lock, name)
        monkeypatch.setattr(lock, name, lambda root, *a, _real=real, **k: _real(redirect(root), *a, **k))


# --- the suite leaves the checkout as it found it ------------------------------------------------


def _git_status() -> str | None:
    if (
        "MUTANT_UNDER_TEST" in os.environ
    ):  # mutmut (make mutation) runs the tests in its copy, mutants/, not the checkout
        return None
    try:
        proc = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=all"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout if proc.returncode == 0 else None


def pytest_sessionstart(session):
    session.config._rapportbok_git_status = _git_status()


def pytest_sessionfinish(session, exitstatus):
    """Fail the run if the tests changed the checkout (tests write in temporary copies only)."""
    before = getattr(session.config, "_rapportbok_git_status", None)
    after = _git_status()
    if before is None or after is None or before == after or hasattr(session.config, "workerinput"):
        return
    changed = sorted(set(after.splitlines()) - set(before.splitlines()))
    if changed:
        session.config.get_terminal_writer().line(
            "Testerna ändrade i arbetskopian (de ska bara skriva i tillfälliga mappar):\n  " + "\n  ".join(changed),
            red=True,
        )
        session.exitstatus = 1


# --- markers: unit, build, browser (issue #28) ----------------------------------------------------------
# Assigned here, at collection, so that no test file needs a marker of its own:
#   browser: needs Chromium (browser, accessibility and PDF tests);
#   build:   starts a process (a kernel or papermill, the command line, a child pytest, a forked walk), uses
#            the shared built project or fetches for the whole country: seconds to minutes each;
#   unit:    runs in this process only (`make test-snabb`, the edit loop).
# A test is read, with the helpers and fixtures it calls (in its module and here), for the calls that start a
# process or need Chromium; BROWSER_FILES and BUILD_FILES place whole files. `make test` runs all three tiers.
BROWSER_FILES = {"test_browser.py", "test_pdf.py", "test_without_chromium.py"}
BUILD_FILES = {"test_build_scale.py", "test_execution_model.py", "test_executor.py", "test_site_parallel.py"}
SHARED_BUILD = {"built_project", "built_site"}  # session fixtures: one from-scratch build per test process
NATIONAL = {"national_fake"}  # the fake Kolada with all 290 municipalities: a national fetch, tens of seconds
STARTS_A_PROCESS = re.compile(
    r"\bsubprocess\.|\bPopen\(|\brun_cli\(|\bchapter_notebook\(|\bpapermill\b|\bmultiprocessing\b"
    r"|\bbuild\.build\(|\bexecute_all\(|\bprevalidate\(|\btestbook\.|\bos\.fork\("
    r'|\bload_tool\("handbok"\)\.build\('  # the handbook's strict build: Sphinx in a process of its own
    r"|\bsynthetic_kolada\("  # tools/bench.py's national store: the real `kolada hamta` in a process of its own
)
NEEDS_CHROMIUM = re.compile(r"\bneed_chromium\(|\bchromium\.browser\(|\bpdf\.render\(")


_SOURCES: dict = {}  # function -> (its source, the functions of its module or this conftest that it calls)


def _source_and_calls(func) -> tuple[str, tuple]:
    """A function's source and the helpers it calls, read once per collection (each test reads its fixtures')."""
    import inspect

    if func not in _SOURCES:
        try:
            source = inspect.getsource(func)
        except (OSError, TypeError):
            source = ""
        module = inspect.getmodule(func)
        calls = []
        for name in sorted(set(re.findall(r"\b([A-Za-z_]\w*)\(", source))):
            for owner in (module, sys.modules.get(__name__)):
                helper = getattr(owner, name, None)
                if inspect.isfunction(helper) and helper.__module__ == getattr(owner, "__name__", None):
                    calls.append(helper)
        _SOURCES[func] = (source, tuple(calls))
    return _SOURCES[func]


def _reads(func, pattern: re.Pattern, seen: set) -> bool:
    """Whether ``func``, or a function of its module (or of this conftest) that it calls, matches ``pattern``."""
    if func in seen:
        return False
    seen.add(func)
    source, calls = _source_and_calls(func)
    if pattern.search(source):
        return True
    return any(_reads(helper, pattern, seen) for helper in calls)


def _uses(item, pattern: re.Pattern) -> bool:
    funcs = [getattr(item, "function", None)]
    info = getattr(item, "_fixtureinfo", None)
    for defs in info.name2fixturedefs.values() if info else ():
        funcs += [d.func for d in defs]
    seen: set = set()
    return any(f is not None and _reads(f, pattern, seen) for f in funcs)


def _uses_module_fixture(item) -> bool:
    """Whether the item uses a fixture with module scope defined in its own test module."""
    info = getattr(item, "_fixtureinfo", None)
    module = getattr(getattr(item, "module", None), "__name__", None)
    return any(
        d.scope == "module" and getattr(d.func, "__module__", None) == module
        for defs in (info.name2fixturedefs.values() if info else ())
        for d in defs
    )


def tier(item) -> str:
    name = item.path.name
    if name in BROWSER_FILES or _uses(item, NEEDS_CHROMIUM):
        return "browser"
    fixtures = set(getattr(item, "fixturenames", ()))
    if name in BUILD_FILES or (SHARED_BUILD | NATIONAL) & fixtures or _uses(item, STARTS_A_PROCESS):
        return "build"
    return "unit"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        if not item.path.name.startswith("test_"):
            continue  # nbval's notebook cells (book/, the test book) are not tests of this folder
        item.add_marker(getattr(pytest.mark, tier(item)))
        if SHARED_BUILD & set(getattr(item, "fixturenames", ())):
            # With pytest-xdist (--dist loadgroup) every test of the shared build runs in one worker, which
            # builds it once; the other worker takes the rest meanwhile.
            item.add_marker(pytest.mark.xdist_group("built_project"))
        elif _uses_module_fixture(item):
            # A module's tests that share a fixture of its own with module scope (a project copied and built, a
            # walk-through run once) run in one worker too, which sets it up once, not once per worker.
            item.add_marker(pytest.mark.xdist_group(item.path.name))
