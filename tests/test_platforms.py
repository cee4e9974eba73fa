"""The two commands on an analyst's Windows machine, as far as Linux can tell (issue #15, part 2).

* The site build calls jupyter-book the same way on every platform: through this Python, not
  through a script whose folder differs between a venv (bin/) and a Windows conda environment
  (Scripts\\), and not `python -m jupyter_book`, which has no __main__.
* A checkout with Windows line endings (Git for Windows, core.autocrlf) re-runs no notebook and
  changes nothing: the input hashes ignore line endings, and .gitattributes keeps LF anyway.
"""

import subprocess
import sys
from pathlib import Path

from rapportbok.publish import build

ROOT = Path(__file__).resolve().parents[1]


def test_site_build_command_is_the_same_on_every_platform(monkeypatch):
    monkeypatch.setattr(sys, "executable", r"C:\Users\analytiker\miniconda3\envs\rapportbok\python.exe")
    cmd = build.jupyter_book_command(Path(r"C:\rapportbok\.staging-1"))
    assert cmd[:3] == [sys.executable, "-c", build.JUPYTER_BOOK]
    assert cmd[3:] == ["build", r"C:\rapportbok\.staging-1", "--path-output", r"C:\rapportbok\.staging-1", "--quiet"]


def test_site_build_command_runs_jupyter_book():
    cmd = build.jupyter_book_command(Path("."))[:3] + ["--version"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0 and "Jupyter Book" in proc.stdout


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
    proc = subprocess.run([sys.executable, "-m", "rapportbok", "bygg", "--utan-webbplats"], cwd=clone,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Kör 0 notebooks" in proc.stdout, proc.stdout
    # The outputs are untouched (the inputs are, by this test's own hand).
    status = subprocess.run(["git", "-c", "core.autocrlf=true", "status", "--porcelain", "--", "book", "_toc.yml"],
                            cwd=clone, capture_output=True, text=True, check=True).stdout
    assert status == "", status
