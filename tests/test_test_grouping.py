"""The test run's own machinery: the tests of the shared built project run in one test process.

`make test` runs the tests in two processes (pytest-xdist, --dist loadgroup) and builds the shared project
(tests/conftest.py, ``built_project``) once, in the one process that gets every test using it. That grouping
broke without a sound once (pytest 9.2 with pytest-xdist 3.8, pytest-dev/pytest-xdist#1386): both processes
built the project and visited the whole site, some five minutes more. These tests run the real pytest and
xdist of the lock on a few tests and the real conftest.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import conftest
import pytest

ROOT = Path(__file__).resolve().parents[1]

SHARED = """
import os

def _note(name, tmp_path_factory):
    folder = tmp_path_factory.getbasetemp().parent
    (folder / f"{name}.worker").write_text(os.environ.get("PYTEST_XDIST_WORKER", "-"))

def test_a(built_site, tmp_path_factory):
    _note("a", tmp_path_factory)

def test_b(built_site, tmp_path_factory):
    _note("b", tmp_path_factory)

def test_c(built_site, tmp_path_factory):
    _note("c", tmp_path_factory)

def test_d(built_site, tmp_path_factory):
    _note("d", tmp_path_factory)
"""
OTHERS = "\n".join(f"def test_other_{i}():\n    pass\n" for i in range(8))
# A module whose tests share a fixture of its own with module scope (in the suite: a project copied and built once).
MODULE_FIXTURE = """
import os
import pytest

@pytest.fixture(scope="module")
def walked(tmp_path_factory):
    folder = tmp_path_factory.getbasetemp().parent
    with open(folder / "walked.setups", "a") as f:
        f.write(os.environ.get("PYTEST_XDIST_WORKER", "-") + "\\n")
    return 1
""" + "\n".join(f"def test_walk_{i}(walked):\n    assert walked == 1\n" for i in range(16))


def test_the_shared_builds_tests_and_a_modules_shared_fixture_run_in_one_process(tmp_path):
    folder = tmp_path / "tests"
    folder.mkdir()
    shutil.copy(ROOT / "tests" / "conftest.py", folder / "conftest.py")
    (folder / "test_shared.py").write_text(SHARED, encoding="utf-8")
    (folder / "test_others.py").write_text(OTHERS, encoding="utf-8")
    (folder / "test_walk.py").write_text(MODULE_FIXTURE, encoding="utf-8")
    site = tmp_path / "site"
    site.mkdir()
    base = tmp_path / "base"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-n",
            "2",
            "--dist",
            "loadgroup",
            "-p",
            "no:cacheprovider",
            f"--basetemp={base}",
            str(folder),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "RAPPORTBOK_TEST_SITE": str(site)},
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    workers = {name: (base / f"{name}.worker").read_text() for name in "abcd"}
    assert len(set(workers.values())) == 1, f"Testerna av det gemensamma bygget kördes i flera processer: {workers}"
    assert set(workers.values()) <= {"gw0", "gw1"}, workers
    setups = (base / "walked.setups").read_text().split()
    assert len(setups) == 1, f"Modulens fixtur sattes upp {len(setups)} gånger: {setups}"


class _Factory:
    def __init__(self, base: Path):
        self.base = base

    def getbasetemp(self) -> Path:
        return self.base


def test_a_second_build_of_the_shared_project_in_one_run_fails(tmp_path, monkeypatch):
    (tmp_path / "gw0").mkdir()
    (tmp_path / "gw1").mkdir()
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw0")
    conftest._built_once(_Factory(tmp_path / "gw0"))  # the first build: fine
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw1")
    with pytest.raises(pytest.fail.Exception, match="gw0 har redan byggt det"):
        conftest._built_once(_Factory(tmp_path / "gw1"))


def test_without_xdist_the_guard_does_nothing(tmp_path, monkeypatch):
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    conftest._built_once(_Factory(tmp_path / "x"))
    conftest._built_once(_Factory(tmp_path / "x"))
    assert not (tmp_path / "built_project.worker").exists()
