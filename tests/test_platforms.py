"""The two commands on an analyst's Windows machine, as far as Linux can tell (issue #15, part 2).

* The site build calls jupyter-book the same way on every platform: through this Python, not
  through a script whose folder differs between a venv (bin/) and a Windows conda environment
  (Scripts\\), and not `python -m jupyter_book`, which has no __main__.
* A checkout with Windows line endings (Git for Windows, core.autocrlf) re-runs no notebook and
  changes nothing: the input hashes ignore line endings, and .gitattributes keeps LF anyway.
* Ctrl-C ends kernels and jupyter-book with everything they started on Windows too
  (rapportbok.publish.processes: CREATE_NEW_PROCESS_GROUP, CTRL_BREAK_EVENT, then the process
  tree), chosen by ``os.name`` as Python itself does.
* A download or site file held open in Excel: the swap tries again briefly, then stops with a
  Swedish message naming the file, and the previous book/ and site stay whole
  (rapportbok.core.files.replace, rapportbok.core.journal). Windows' PermissionError is
  simulated by monkeypatching os.replace.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest

from rapportbok.core import files, journal, oserrors
from rapportbok.publish import build, executor, processes, site

ROOT = Path(__file__).resolve().parents[1]


def test_site_build_command_is_the_same_on_every_platform(monkeypatch):
    monkeypatch.setattr(sys, "executable", r"C:\Users\analytiker\miniconda3\envs\rapportbok\python.exe")
    cmd = site.command(Path(r"C:\rapportbok\.staging-1"))
    assert cmd == [sys.executable, "-m", "rapportbok.publish.site", r"C:\rapportbok\.staging-1", "--jobs", "1"]


def test_site_build_command_runs():
    proc = subprocess.run([*site.command(Path("."))[:3], "--help"], capture_output=True, text=True)
    assert proc.returncode == 0 and "--jobs" in proc.stdout


def test_a_windows_checkout_reruns_nothing_and_changes_nothing(tmp_path):
    clone = tmp_path / "klon"
    subprocess.run(["git", "-c", "core.autocrlf=true", "clone", "-q", str(ROOT), str(clone)], check=True)
    # The worst case: every text input with CRLF, as a checkout without .gitattributes would have it.
    converted = 0
    for folder in ("data", "notebooks"):
        for path in (clone / folder).rglob("*"):
            if path.is_file() and path.suffix in (".csv", ".yml", ".md", ".txt"):
                raw = path.read_bytes()
                path.write_bytes(raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
                converted += 1
    assert converted > 20
    proc = subprocess.run(
        [sys.executable, "-m", "rapportbok", "bygg", "--utan-webbplats"], cwd=clone, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Kör 0 notebooks" in proc.stdout, proc.stdout
    # The outputs are untouched (the inputs are, by this test's own hand).
    status = subprocess.run(
        ["git", "-c", "core.autocrlf=true", "status", "--porcelain", "--", "book", "_toc.yml"],
        cwd=clone,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert status == "", status


# --- processes: the platform's way of ending a child and what it started ------------------------


@contextlib.contextmanager
def _os_name(name: str):
    """os.name as on another platform, only around the call under test (pathlib reads it too)."""
    real = os.name
    os.name = name
    try:
        yield
    finally:
        os.name = real


def test_a_child_gets_its_own_process_group_on_each_platform():
    with _os_name("nt"):
        on_windows = processes.popen_kwargs()
        leader_windows = processes.group_leader(4321, None)
    with _os_name("posix"):
        on_posix = processes.popen_kwargs()
        leader_posix = processes.group_leader(4321, 4300)
    assert on_windows == {"creationflags": 0x00000200}  # CREATE_NEW_PROCESS_GROUP
    assert on_posix == {"start_new_session": True}
    assert (leader_windows, leader_posix) == (4321, 4300)


def test_on_posix_the_group_is_killed(monkeypatch):
    killed = []
    monkeypatch.setattr(os, "killpg", lambda pgid, sig: killed.append((pgid, sig)))
    with _os_name("posix"):
        processes.end_group(4300)
        processes.end_group(None)  # no kernel started: nothing to do
    assert killed == [(4300, signal.SIGKILL)]

    def gone(pgid, sig):
        raise ProcessLookupError(pgid)

    monkeypatch.setattr(os, "killpg", gone)
    with _os_name("posix"):
        processes.end_group(4300)  # already gone: quiet


class _FakeProc:
    def __init__(self, pid, log, stubborn=False):
        self.pid, self.log, self.stubborn = pid, log, stubborn

    def children(self, recursive=False):
        assert recursive
        return [_FakeProc(5001, self.log, stubborn=True), _FakeProc(5002, self.log)]

    def kill(self):
        self.log.append(("kill", self.pid))


def _fake_psutil(log, first=None):
    def wait_procs(procs, timeout):
        log.append(("wait", sorted(p.pid for p in procs)))
        alive = [p for p in procs if p.stubborn]
        return [p for p in procs if not p.stubborn], alive

    return types.SimpleNamespace(
        Process=lambda pid: first or _FakeProc(pid, log), Error=Exception, wait_procs=wait_procs
    )


def test_on_windows_ctrl_break_then_the_process_tree_is_killed(monkeypatch):
    log = []
    monkeypatch.setitem(sys.modules, "psutil", _fake_psutil(log))
    monkeypatch.setattr(os, "kill", lambda pid, sig: log.append(("signal", pid, sig)))
    monkeypatch.setattr(os, "killpg", lambda *a: log.append(("killpg",)))
    with _os_name("nt"):
        processes.end_group(5000, grace=0.01)
    # Ctrl-Break to the child's group; who has not ended after the grace time is killed: the
    # whole tree, found before the first signal (a child whose parent ended cannot be found).
    assert log == [
        ("signal", 5000, processes.CTRL_BREAK_EVENT),
        ("wait", [5000, 5001, 5002]),
        ("kill", 5001),
        ("wait", [5001]),
    ]


def test_on_windows_without_psutil_taskkill_ends_the_tree(monkeypatch):
    calls = []
    monkeypatch.setitem(sys.modules, "psutil", None)  # import psutil fails
    monkeypatch.setattr(processes.subprocess, "run", lambda cmd, **kw: calls.append(cmd))
    monkeypatch.setattr(os, "kill", lambda *a: calls.append("signal"))
    with _os_name("nt"):
        processes.end_group(5000)
    assert calls == [["taskkill", "/T", "/F", "/PID", "5000"]]


def test_jupyter_book_interrupted_on_windows_ends_its_tree(monkeypatch):
    started, ended = {}, []

    class Popen:
        pid = 6000

        def __init__(self, cmd, **kw):
            started.update(kw)

        def communicate(self):
            raise KeyboardInterrupt  # Ctrl-C while jupyter-book runs

        def wait(self):
            return 1

    monkeypatch.setattr(build.subprocess, "Popen", Popen)
    monkeypatch.setattr(processes, "_end_tree", lambda pid, grace: ended.append(pid))
    monkeypatch.setattr(sys, "platform", "win32")
    with _os_name("nt"), pytest.raises(KeyboardInterrupt):
        build._run_child(["jupyter-book", "build"])
    assert started["creationflags"] == processes.CREATE_NEW_PROCESS_GROUP and "start_new_session" not in started
    assert started["preexec_fn"] is None  # Windows has no preexec_fn
    assert ended == [6000]


def test_a_kernel_is_killed_through_its_group_leader(monkeypatch):
    ended = []
    monkeypatch.setattr(processes, "end_group", ended.append)
    kernel = executor._Kernel(None)
    kernel.kill()
    kernel.leader = 7000
    kernel.kill()
    assert ended == [None, 7000]


def test_a_real_child_and_its_grandchild_are_ended():
    code = "import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); time.sleep(60)"
    proc = subprocess.Popen([sys.executable, "-c", code], **processes.popen_kwargs())
    import psutil

    deadline = time.monotonic() + 20
    while not psutil.Process(proc.pid).children() and time.monotonic() < deadline:
        time.sleep(0.05)
    grandchild = psutil.Process(proc.pid).children()[0]
    processes.end_group(processes.group_leader(proc.pid, proc.pid))
    assert proc.wait(timeout=10) != 0
    grandchild.wait(timeout=10)
    assert not grandchild.is_running()


# --- a file held open in Excel ---------------------------------------------------------------------


def _held(path: Path) -> PermissionError:
    """Windows' answer to renaming a file another program holds open (ERROR_SHARING_VIOLATION)."""
    err = PermissionError(13, "Processen kan inte komma åt filen", str(path))
    err.winerror = 32
    return err


def test_a_briefly_held_file_is_replaced_after_a_retry(tmp_path, monkeypatch):
    target = tmp_path / "tabell.xlsx"
    target.write_bytes(b"gammal")
    real, tries, pauses = os.replace, [], []

    def replace(src, dst):
        tries.append(dst)
        if len(tries) < 3:
            raise _held(dst)
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(files, "_sleep", pauses.append)
    files.write_bytes(target, b"ny")
    assert target.read_bytes() == b"ny" and pauses == list(files.RETRY_PAUSES[:2])


def test_a_file_held_open_stops_with_a_swedish_message_naming_it(tmp_path, monkeypatch):
    target = tmp_path / "tabell.xlsx"
    target.write_bytes(b"gammal")
    pauses = []

    def replace(src, dst):
        raise _held(dst)

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(files, "_sleep", pauses.append)
    with pytest.raises(files.FileInUse) as caught:
        files.write_bytes(target, b"ny")
    assert str(caught.value) == (
        f"Filen {target} är öppen i ett annat program, t.ex. Excel. Stäng den och kör kommandot igen."
    )
    assert oserrors.describe(caught.value) == str(caught.value).rstrip(".")
    assert pauses == list(files.RETRY_PAUSES) and sum(pauses) < 3  # a few brief tries
    assert target.read_bytes() == b"gammal" and [p.name for p in tmp_path.iterdir()] == ["tabell.xlsx"]


def test_a_read_only_folder_is_not_reported_as_a_file_open_in_excel(tmp_path, monkeypatch):
    pauses = []

    def replace(src, dst):
        raise PermissionError(13, "Permission denied", str(dst))  # POSIX: no winerror

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(files, "_sleep", pauses.append)
    with pytest.raises(PermissionError) as caught:
        files.write_bytes(tmp_path / "x.csv", b"1")
    assert not isinstance(caught.value, files.FileInUse) and pauses == []


def _generation(root: Path, label: str) -> None:
    (root / "book" / "tabeller").mkdir(parents=True)
    (root / "book" / "tabeller" / "budget-ramar.xlsx").write_text(label, encoding="utf-8")
    (root / "_toc.yml").write_text(label, encoding="utf-8")
    (root / "_build" / "html").mkdir(parents=True)
    (root / "_build" / "html" / "index.html").write_text(label, encoding="utf-8")


def _state(root: Path) -> list[str]:
    return [
        (root / p).read_text(encoding="utf-8") if (root / p).is_file() else "saknas"
        for p in ("book/tabeller/budget-ramar.xlsx", "_toc.yml", "_build/html/index.html")
    ]


@pytest.mark.parametrize("held", ["book", "_build/html"])
def test_a_held_file_stops_the_swap_and_leaves_the_previous_book_and_site_whole(tmp_path, monkeypatch, held):
    root = tmp_path / "proj"
    _generation(root, "gammal")
    stage = journal.new_stage(root)
    _generation(stage, "ny")
    real = os.replace
    locked = root / held  # a download in book/, or a file of the site, is open in Excel

    def replace(src, dst):
        if Path(src) == locked:
            raise _held(src)
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(files, "_sleep", lambda s: None)
    with pytest.raises(build.BuildError) as caught:
        build._swap(stage, root, site=True)
    message = str(caught.value)
    assert message.startswith(
        f"En fil i mappen {locked} är öppen i ett annat program, t.ex. Excel. Stäng den och kör kommandot igen."
    )
    # The renames made before (book/ and _toc.yml when the site is held) are undone.
    assert _state(root) == ["gammal", "gammal", "gammal"]
    assert journal.pending(journal.publication(root))  # the finished build is not lost ...
    journal.discard_stage(journal.publication(root), stage)
    assert stage.is_dir()
    monkeypatch.setattr(os, "replace", real)  # ... Excel is closed: the next command publishes it
    journal.recover(root, log=lambda line: None)
    assert _state(root) == ["ny", "ny", "ny"] and not journal.pending(journal.publication(root))
    assert not list(root.glob(".staging-*"))


def test_the_next_command_says_which_file_to_close(tmp_path, monkeypatch):
    root = tmp_path / "proj"
    _generation(root, "gammal")
    stage = journal.new_stage(root)
    _generation(stage, "ny")
    real = os.replace

    def replace(src, dst):
        if Path(src) == root / "book":
            raise _held(src)
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(files, "_sleep", lambda s: None)
    with pytest.raises(build.BuildError):
        build._swap(stage, root, site=True)
    logged = []
    journal.recover(root, log=logged.append)  # still open: said, and the command goes on
    assert len(logged) == 1 and "är öppen i ett annat program" in logged[0] and "förra boken" in logged[0]
    with pytest.raises(files.FileInUse, match="är öppen i ett annat program"):  # a build stops on it
        journal.recover_all_locked(root, root / "data", building=True)
    assert _state(root) == ["gammal", "gammal", "gammal"] and journal.pending(journal.publication(root))
