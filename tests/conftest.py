"""Shared fixtures: one copy of the project built from scratch, used by the site, browser and PDF tests."""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
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


def run_cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rapportbok", *args], cwd=cwd, capture_output=True, text=True)


@pytest.fixture(scope="session")
def built_project(tmp_path_factory) -> Path:
    """A copy of the project, built from scratch with the real command (every notebook executed)."""
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


OLD_BUDGET = Path(__file__).resolve().parent / "fixtures" / "budget_gammalt_format"


def old_budget_format(data: Path, org: str = "alingsas") -> Path:
    """Put an organisation of a copy of data/ back on the old budget files (budget_ramar.csv, investeringar.csv).

    The fixture files are Alingsås's real budget as transcribed before its migration to stated tables
    (tools/budget_till_tabeller.py), the same figures and citations; the tests of the old format and of
    bad input in it start from them. The stated budget tables and organisation.yml's begrepp are removed.
    """
    folder = data / org
    for name in ("budget_ramar.csv", "investeringar.csv"):
        shutil.copy(OLD_BUDGET / org / name, folder / name)
    for name in ("tabeller.csv", "tabell_kolumner.csv", "tabell_varden.csv"):
        (folder / name).unlink(missing_ok=True)
    yml = folder / "organisation.yml"
    text = yml.read_text(encoding="utf-8")
    cut = text.find("# The rows of the stated budget tables the budget chapter reads")
    if cut >= 0:
        yml.write_text(text[:cut], encoding="utf-8")
    return data
