"""`rapportbok bygg --bevaka` (rapportbok.publish.build.watch): the analyst's loop. The book is built again when a
data file changes, a build stopped by bad data is reported and waits for the next change, and Ctrl-C ends it with
nothing left running."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from conftest import copy_project

ROOT = Path(__file__).resolve().parents[1]
WAIT = 600  # seconds for one build on a loaded machine (no assertion on time: only a limit against a hang)


class Watching:
    """The command running, its output read as it comes."""

    def __init__(self, proj: Path, *args: str):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "rapportbok", "bygg", "--bevaka", *args],
            cwd=proj,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            # Started with SIGINT ignored, as a shell without job control (a CI script, `&`) starts it: Ctrl-C must
            # end watching all the same.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
        )
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=lambda: [self.lines.put(x) for x in self.proc.stdout], daemon=True).start()

    def until(self, prefix: str) -> list[str]:
        """The lines up to and including the next one that starts with ``prefix``."""
        got = []
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                assert self.proc.poll() is None, "".join(got)
                continue
            got.append(line)
            if line.startswith(prefix):
                return got
        raise AssertionError("".join(got))


def test_watching_builds_again_on_a_change_reports_bad_data_and_ends_on_ctrl_c(tmp_path):
    proj = copy_project(tmp_path)
    watching = Watching(proj, "--utan-webbplats")
    first = watching.until("Bevakar")
    assert any(line.startswith("Kör ") for line in first)  # the first build
    changed = proj / "data" / "linkoping" / "uppgifter.csv"
    original = changed.read_bytes()
    changed.write_bytes(original + b"\n")  # the same figures, new bytes: its readers run again
    again = watching.until("Bevakar")
    ran = [line for line in again if line.startswith("  [")]
    assert ran and all("book/linkoping/2024/" in line for line in ran)
    bad = proj / "data" / "haninge" / "uppfoljning_atgarder.csv"  # read by fewer notebooks than Alingsås' tables
    text = bad.read_text(encoding="utf-8")
    assert "HAN-02,2018-07-31,750," in text
    bad.write_text(text.replace("HAN-02,2018-07-31,750,", "HAN-02,2018-07-31,750 tkr,", 1), encoding="utf-8")
    stopped = watching.until("Bevakar")
    assert any("750 tkr" in line for line in stopped) and not any(line.startswith("Kör ") for line in stopped)
    assert not any("Traceback" in line for line in stopped)
    bad.write_text(text + "\n", encoding="utf-8")  # corrected (and not as last built): built again
    fixed = watching.until("Bevakar")
    assert any(line.startswith("Kör ") for line in fixed)
    assert all("book/haninge/2018/" in line for line in fixed if line.startswith("  ["))
    watching.proc.send_signal(signal.SIGINT)
    try:
        code = watching.proc.wait(timeout=120)
    except subprocess.TimeoutExpired:
        watching.proc.kill()
        rest = []
        while not watching.lines.empty():
            rest.append(watching.lines.get())
        raise AssertionError("Ctrl-C did not end the watching build; it printed:\n" + "".join(rest)) from None
    assert code == 0
    assert watching.until("Bevakningen avslutades.")
    assert _children(watching.proc.pid) == []  # no kernel or site process left


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found
