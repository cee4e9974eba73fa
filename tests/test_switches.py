"""The build's speed mechanisms switched off (rapportbok.core.switches, for `make bench`'s A/B): the book is the
same with every one of them off, only built another way."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import copy_project, run_cli

from rapportbok.core import switches

ROOT = Path(__file__).resolve().parents[1]


def test_off_reads_the_list_and_knows_every_name(monkeypatch):
    monkeypatch.setenv(switches.ENV, " forvalidering,karnor ")
    assert switches.off("forvalidering") and switches.off("karnor") and not switches.off("statsignatur")
    with pytest.raises(KeyError):
        switches.off("okänd")


def test_the_book_is_the_same_with_every_mechanism_off(tmp_path):
    """Haninge's notebooks executed again with every mechanism off (each on a fresh kernel, no stat signature) are
    those of book/; one organisation's four notebooks, not all nineteen: the mechanisms treat every notebook alike,
    and the kernels' reuse across chapters and organisations is compared notebook by notebook with papermill in
    tests/test_executor.py."""
    proj = copy_project(tmp_path)
    env = {**os.environ, switches.ENV: ",".join(switches.MECHANISMS)}

    def build(*args: str) -> subprocess.CompletedProcess:
        proc = run_cli(proj, "bygg", "--utan-webbplats", *args, env=env)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
        return proc

    assert "Kör 4 notebooks" in build("--alla", "--org", "haninge").stdout  # Haninge's, executed again
    ours = {p.relative_to(proj): p.read_bytes() for p in (proj / "book").rglob("*") if p.is_file()}
    assert ours == {p.relative_to(ROOT): p.read_bytes() for p in (ROOT / "book").rglob("*") if p.is_file()}
    assert "Kör 0 notebooks" in build().stdout  # the whole book, checked (a build of one organisation stamps none)
    assert "Inget har ändrats" in build().stdout  # the stamp's content check, without level 1


def test_make_bench_measures_every_mechanism_on_what_it_is_for():
    from conftest import load_tool

    bench = load_tool("bench")
    assert set(bench.AB_OPERATIONS) == set(switches.MECHANISMS)
    assert set(bench.AB_OPERATIONS.values()) <= {"utan-andring", "en-fil", "alla"}
    assert bench.AB_LIMIT == 0.10  # issue #28: under 10 % at N = 50, the mechanism goes
