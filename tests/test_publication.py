"""Publishing a build (issue 12: 6 and 7; issue 17).

* book/, _toc.yml and the site are switched in one step (rapportbok.core.journal): a build killed
  between any two renames leaves, after the next command, all of the new generation or all of
  the old, never a mix or nothing; staging folders of killed builds are removed.
* The build stamp covers the inputs as they were at the start of the build.
* book/ is the same whether or not the PDFs were made (`make book`, `make pdf` in any order).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import copy_project, run_cli

from rapportbok.core import journal, lock
from rapportbok.publish import build, stamp

ROOT = Path(__file__).resolve().parents[1]


def tree_hash(*paths: Path) -> str:
    h = hashlib.sha256()
    for path in paths:
        for p in sorted([path] if path.is_file() else path.rglob("*")):
            if p.is_file():
                h.update(p.relative_to(path.parent).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


# --- the journal, on a small tree -----------------------------------------------------------------


def _generation(root: Path, label: str) -> None:
    (root / "book" / "org").mkdir(parents=True)
    (root / "book" / "org" / "index.md").write_text(f"# {label}\n", encoding="utf-8")
    (root / "_toc.yml").write_text(f"root: {label}\n", encoding="utf-8")
    (root / "_build" / "html").mkdir(parents=True)
    (root / "_build" / "html" / "index.html").write_text(f"<p>{label}</p>", encoding="utf-8")


def _which(root: Path) -> str:
    """'old' or 'new' if book/, _toc.yml and the site are all of one generation, else what is there."""
    found = set()
    for path in (root / "book" / "org" / "index.md", root / "_toc.yml", root / "_build" / "html" / "index.html"):
        text = path.read_text(encoding="utf-8") if path.is_file() else "saknas"
        found.add("new" if "new" in text else "old" if "old" in text else text)
    return found.pop() if len(found) == 1 else f"blandat: {sorted(found)}"


KILLER = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    from rapportbok.core import journal

    root, stage, after = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    real, done = os.replace, [0]

    def replace(src, dst):  # kill -9, as it were, after `after` renames
        if done[0] == after:
            os._exit(9)
        done[0] += 1
        real(src, dst)

    os.replace = replace
    journal.commit(journal.publication(root), stage, ["book", "_toc.yml", "_build/html"])
""")

# Renames in a publication: the journal itself, then (old out, new in) for each of the three.
RENAMES = 1 + 2 * 3


@pytest.mark.parametrize("after", range(RENAMES + 1))
def test_a_publication_killed_after_any_rename_is_completed_by_the_next_command(tmp_path, after):
    root = tmp_path / "proj"
    _generation(root, "old")
    stage = journal.new_stage(root)
    _generation(stage, "new")
    (root / ".staging-dead1234").mkdir()  # left by an earlier killed build
    proc = subprocess.run(
        [sys.executable, "-c", KILLER, str(root), str(stage), str(after)], capture_output=True, text=True
    )
    assert proc.returncode == (9 if after < RENAMES else 0), proc.stderr
    if after == 0:  # killed before the journal existed: the previous generation is untouched
        assert _which(root) == "old" and not journal.pending(journal.publication(root))
    logged = []
    journal.recover(root, log=logged.append)
    assert _which(root) == ("old" if after == 0 else "new")
    assert not journal.pending(journal.publication(root))
    assert not list(root.glob(".staging-*")), list(root.glob(".staging-*"))
    assert logged  # says what it did


def test_a_publication_can_leave_the_previous_generation_for_its_caller_to_remove(tmp_path):
    """The build says the new book is published before it removes the previous one (journal.commit, tidy=False):
    the previous generation waits in a staging folder, which the next command removes if the build is killed
    first; by default commit removes it itself."""
    root = tmp_path / "proj"
    for tidy in (False, True):
        shutil.rmtree(root, ignore_errors=True)
        _generation(root, "old")
        stage = journal.new_stage(root)
        _generation(stage, "new")
        previous = journal.commit(journal.publication(root), stage, ["book", "_toc.yml", "_build/html"], tidy=tidy)
        journal.discard_stage(journal.publication(root), stage)
        assert _which(root) == "new" and not journal.pending(journal.publication(root))
        if tidy:
            assert previous is None and not list(root.glob(".staging-*"))
        else:
            assert sorted(p.name for p in previous.iterdir()) == ["0", "1", "2"]
            assert (previous / "0" / "org" / "index.md").read_text(encoding="utf-8") == "# old\n"
            journal.recover(root, log=lambda line: None)  # the next command, had the build been killed here
            assert not previous.exists() and _which(root) == "new"


def test_recovery_leaves_a_running_build_alone(tmp_path):
    root = tmp_path / "proj"
    _generation(root, "old")
    stage = journal.new_stage(root)
    with lock.held(root, "bygg"):  # a build is running and owns its staging folder
        journal.recover(root, log=lambda line: None)
        assert stage.is_dir()
        with pytest.raises(lock.Busy):
            with lock.held(root, "bygg", wait=False):
                pass
    journal.recover(root, log=lambda line: None)
    assert not stage.exists()


def test_a_journal_not_written_by_rapportbok_is_refused(tmp_path):
    root = tmp_path / "proj"
    _generation(root, "old")
    (root / journal.JOURNAL).write_text(
        json.dumps(
            {
                "version": 1,
                "stage": "x",
                "trash": "../../y",
                "moves": [{"target": "../../etc", "new": "x/book", "old": "y/book"}],
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(journal.JournalError, match="inte en som rapportbok har skrivit"):
        journal.recover_all_locked(root, root / "data", building=True)  # the build stops
    logged = []
    journal.recover(root, log=logged.append)  # any other command says so and goes on
    assert len(logged) == 1 and "inte en som rapportbok har skrivit" in logged[0]
    assert _which(root) == "old"


# --- a real build --------------------------------------------------------------------------------------


@pytest.fixture
def project(built_project, tmp_path) -> Path:
    """A copy of the built project of its own for each test (notebooks up to date, so a build here runs none).

    Each test here kills, interrupts or edits its build: with one copy per module, a test met the stamp,
    marker files and book that another left behind, and passed or failed with the order (issue #28)."""
    (tmp_path / "proj").mkdir()
    copy = copy_project(tmp_path / "proj", built_project)
    shutil.copytree(built_project / "_build" / "html", copy / "_build" / "html")
    return copy


BUILD_KILLER = textwrap.dedent("""
    import os, sys
    from rapportbok.publish import build
    from rapportbok.core import journal

    import threading

    real, done, after, me = os.replace, [0], int(sys.argv[1]), os.getpid()

    def replace(src, dst):
        # Count the publication's renames only: the journal, then its moves, in this process's main thread.
        # os.replace is the module's, shared with any thread and inherited by a forked child, whose writes
        # (caches, a stamp) would otherwise count and move the kill to another rename.
        ours = os.getpid() == me and threading.current_thread() is threading.main_thread()
        if ours and (".rapportbok-swap.json" in str(dst) or done[0]):
            done[0] += 1
            if done[0] > after:
                os._exit(9)
        real(src, dst)

    journal.os.replace = replace
    build.build(site=False, workers=1, log=lambda line: None)
""")


def test_a_build_killed_while_publishing_is_completed_by_the_next_command(project):
    book_before = tree_hash(project / "book")
    toc_before = (project / "_toc.yml").read_text(encoding="utf-8")
    site_before = tree_hash(project / "_build" / "html")
    # Killed after the journal and three renames (book/ out, new book/ in, _toc.yml out): no _toc.yml.
    proc = subprocess.run([sys.executable, "-c", BUILD_KILLER, "4"], cwd=project, capture_output=True, text=True)
    assert proc.returncode == 9, proc.stdout + proc.stderr
    assert journal.pending(journal.publication(project)) and not (project / "_toc.yml").exists()
    proc = run_cli(project, "validate")  # any command completes it
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "nu publicerat" in proc.stdout
    assert (project / "_toc.yml").read_text(encoding="utf-8") == toc_before
    assert tree_hash(project / "book") == book_before  # nothing changed in data/, so the new book equals the old
    assert tree_hash(project / "_build" / "html") == site_before
    assert not journal.pending(journal.publication(project)) and not list(project.glob(".staging-*"))


def test_a_build_killed_while_running_leaves_the_previous_book_and_no_process(project):
    """kill -9 in the middle of the site build: book/ and the site stay, jupyter-book ends with the build."""
    book, site = tree_hash(project / "book", project / "_toc.yml"), tree_hash(project / "_build" / "html")
    (project / "_build" / ".rapportbok-stamp.json").unlink(missing_ok=True)
    marker = project / "_build" / "html" / stamp.SITE_MARKER
    marker.write_text("förr")  # the site must be rebuilt
    site = tree_hash(project / "_build" / "html")
    proc, children = _build_until_the_site_build_runs(project, stderr=subprocess.STDOUT)
    try:
        time.sleep(1)  # let it get going
        proc.kill()  # kill -9: no handler of the build runs
        proc.wait()
    finally:
        proc.kill()
        proc.stdout.close()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in children if _alive(pid)], "jupyter-book lever kvar efter bygget"
    assert tree_hash(project / "book", project / "_toc.yml") == book
    assert tree_hash(project / "_build" / "html") == site
    assert list(project.glob(".staging-*"))  # left by the kill ...
    assert run_cli(project, "validate").returncode == 0
    assert not list(project.glob(".staging-*"))  # ... and removed by the next command
    marker.unlink()


def test_sigterm_ends_the_build_its_children_and_its_staging_folder(project):
    import signal

    marker = project / "_build" / "html" / stamp.SITE_MARKER
    marker.write_text("förr")  # the site must be rebuilt
    book, site = tree_hash(project / "book", project / "_toc.yml"), tree_hash(project / "_build" / "html")
    (project / "_build" / ".rapportbok-stamp.json").unlink(missing_ok=True)
    proc, children = _build_until_the_site_build_runs(project, stderr=subprocess.PIPE)
    try:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "Bygget avbröts; den förra boken och webbplatsen är orörda." in err and "Traceback" not in err
    assert not [pid for pid in children if _alive(pid)], "jupyter-book lever kvar efter bygget"
    assert not list(project.glob(".staging-*"))
    assert tree_hash(project / "book", project / "_toc.yml") == book
    assert tree_hash(project / "_build" / "html") == site
    marker.unlink()


def _build_until_the_site_build_runs(project: Path, stderr) -> tuple[subprocess.Popen, list[int]]:
    """Start `rapportbok build` and return once its jupyter-book child runs (the process and its children)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "rapportbok", "build", "--workers", "1"],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        for line in proc.stdout:
            if "Bygger webbplatsen" in line:
                break
        deadline = time.monotonic() + 10
        while not (children := _children(proc.pid)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert children, "jupyter-book körs inte"
    except BaseException:
        proc.kill()
        raise
    return proc, children


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        pytest.skip("/proc saknas")
    return [int(p) for p in text.split()]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_the_stamp_covers_the_inputs_as_read_at_the_start(project, monkeypatch):
    """Data edited while the build runs: the next build is not "Inget har ändrats"."""
    monkeypatch.setenv("RAPPORTBOK_ROOT", str(project))
    monkeypatch.delenv("RAPPORTBOK_DATA", raising=False)
    data = project / "data"
    build.build(site=False, workers=1, log=lambda line: None)
    assert stamp.unchanged(project, data, "book") is not None  # the control: nothing changed

    edited = data / "linkoping" / "uppgifter.csv"
    original = edited.read_bytes()
    real = build.execute_all

    def execute_then_edit(*args, **kwargs):
        executed = real(*args, **kwargs)
        edited.write_bytes(original + b"\n")  # the analyst saves a file while the build runs
        return executed

    monkeypatch.setattr(build, "execute_all", execute_then_edit)
    try:
        build.build(site=False, workers=1, log=lambda line: None)
        assert stamp.unchanged(project, data, "book") is None
    finally:
        edited.write_bytes(original)
    monkeypatch.setattr(build, "execute_all", real)
    build.build(site=False, workers=1, log=lambda line: None)


# --- issue 17: book/ does not depend on the PDF ------------------------------------------------------------
# `make book`, `make pdf`, `make book` leave book/ and _toc.yml byte-identical: tests/test_pdf.py, in the test of
# `make pdf` (one PDF build for both).


def test_the_year_page_always_links_its_pdf_and_the_site_says_when_there_is_none(built_project):
    page = (ROOT / "book" / "alingsas" / "2025" / "index.md").read_text(encoding="utf-8")
    assert 'href="../../../pdf/alingsas-2025.pdf"' in page  # committed, whether or not a PDF was built
    html = built_project / "_build" / "html"
    assert not (html / "pdf").exists()  # the shared build is made without PDFs, and no test adds them to it
    soup = BeautifulSoup(
        (html / "book" / "alingsas" / "2025" / "index.html").read_text(encoding="utf-8"), "html.parser"
    )
    assert soup.find("a", href="../../../pdf/alingsas-2025.pdf") is None  # no link that leads nowhere
    assert "har ingen PDF av rapportboken" in soup.get_text()
