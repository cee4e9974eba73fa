"""The incremental site build (rapportbok.publish.site, --workspace): only changed pages are read and written again,
and the site is the one a fresh build makes, file for file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from rapportbok.publish import site

ROOT = Path(__file__).resolve().parents[1]
SITE_ROOT = ("_config.yml", "_static", "_toc.yml", "book")


def _site_root(target: Path) -> Path:
    target.mkdir(parents=True)
    for name in SITE_ROOT:
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy)(ROOT / name, target / name)
    return target


def _html(folder: Path) -> dict[str, bytes]:
    html = folder / "_build" / "html"
    return {
        p.relative_to(html).as_posix(): p.read_bytes()
        for p in html.rglob("*")
        if p.is_file() and ".doctrees" not in p.parts and p.suffix != ".pickle"
    }


def _build(source: Path, workspace: Path | None = None, key: str = "k", env: dict | None = None) -> None:
    """A site build as the build runs it: a process of its own."""
    cmd = site.command(source, workspace=workspace, key=key)
    env = {**os.environ, "RAPPORTBOK_PDF": "0", **(env or {})}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]


def _fresh(source: Path, tmp: Path, name: str, env: dict | None = None) -> dict[str, bytes]:
    fresh = tmp / name
    shutil.copytree(source, fresh, ignore=shutil.ignore_patterns("_build", "conf.py", "_locale"))
    _build(fresh, env=env)
    return _html(fresh)


@pytest.fixture
def built(tmp_path):
    source = _site_root(tmp_path / "kalla")
    workspace = tmp_path / "arbete"
    _build(source, workspace)
    return source, workspace


def test_sync_writes_only_what_differs_and_removes_what_is_gone(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for folder in (a, b):
        (folder / "book" / "x").mkdir(parents=True)
        (folder / "book" / "same.md").write_text("lika\n", encoding="utf-8")
    (a / "book" / "x" / "new.md").write_text("ny\n", encoding="utf-8")
    (a / "book" / "changed.md").write_text("ändrad\n", encoding="utf-8")
    (b / "book" / "changed.md").write_text("gammal\n", encoding="utf-8")
    (b / "book" / "gone.md").write_text("borta\n", encoding="utf-8")
    (a / "other.txt").write_text("utanför\n", encoding="utf-8")
    past = 1_000_000_000_000_000_000
    os.utime(b / "book" / "same.md", ns=(past, past))
    assert sorted(site.sync(a, b, ("book",))) == ["book/changed.md", "book/gone.md", "book/x/new.md"]
    assert (b / "book" / "same.md").stat().st_mtime_ns == past  # untouched: Sphinx does not read it again
    assert (b / "book" / "changed.md").read_text(encoding="utf-8") == "ändrad\n"
    assert not (b / "book" / "gone.md").exists() and not (b / "other.txt").exists()


def test_a_changed_page_is_written_again_and_the_site_is_a_fresh_builds(built, tmp_path):
    source, workspace = built
    before = _html(source)
    page = workspace / site.WORKSPACE_OUT / "_build" / "html" / "book" / "alingsas" / "2025" / "risk.html"
    untouched = page.stat().st_mtime_ns
    path = source / "book" / "haninge" / "2018" / "sammanfattning.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("En mening till, utan rubrik.", id="tillagd"))
    nbformat.write(nb, path)
    _build(source, workspace)
    after = _html(source)
    assert after != before and "En mening till" in after["book/haninge/2018/sammanfattning.html"].decode("utf-8")
    assert page.stat().st_mtime_ns == untouched  # another organisation's page was not written again
    assert after == _fresh(source, tmp_path, "ny")


def test_a_changed_title_writes_every_page_again(built, tmp_path):
    """Every page's sidebar and switcher show the year pages' titles: a changed title reaches them all."""
    source, workspace = built
    year = source / "book" / "haninge" / "2018" / "index.md"
    year.write_text(year.read_text(encoding="utf-8").replace("Haninge kommun", "Haninge kommun (rättad)", 1))
    _build(source, workspace)
    after = _html(source)
    assert "Haninge kommun (rättad)" in after["book/alingsas/2025/risk.html"].decode("utf-8")
    assert after == _fresh(source, tmp_path, "ny")


def test_a_build_that_did_not_finish_or_other_code_starts_the_workspace_over(built):
    source, workspace = built
    marker = workspace / site.WORKSPACE_OUT / "planterad.txt"
    marker.write_text("", encoding="utf-8")
    _build(source, workspace)
    assert marker.exists()  # the same key, finished: the workspace is kept
    _build(source, workspace, "annan kod")
    assert not marker.exists()
    marker.write_text("", encoding="utf-8")
    (workspace / site.PENDING).write_text("", encoding="utf-8")  # as a killed build leaves it
    _build(source, workspace, "annan kod")
    assert not marker.exists() and not (workspace / site.PENDING).exists()


def test_a_site_process_started_ahead_builds_on_its_order_or_ends_unused(tmp_path):
    """The build starts the site's process while it works (site --vanta) and gives it the staging folder and the
    variables known only then (here: no handbook beside the site, so the start page drops its link)."""
    source = _site_root(tmp_path / "kalla")
    env = {**os.environ, "RAPPORTBOK_PDF": "0"}
    pipes = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True, "env": env}
    proc = subprocess.Popen(site.waiting_command(tmp_path / "arbete"), **pipes)
    line = site.order(source, 1, workspace=tmp_path / "arbete", key="k", env={"RAPPORTBOK_HANDBOK": "0"})
    out, err = proc.communicate(line + "\n")
    assert proc.returncode == 0, out[-2000:] + err[-2000:]
    start = (source / "_build" / "html" / "book" / "index.html").read_text(encoding="utf-8")
    assert "Alingsås kommun" in start and 'class="rapportbok-handbok"' not in start
    unused = subprocess.Popen(site.waiting_command(), **pipes)
    assert unused.communicate("")[0] == "" and unused.returncode == 0  # the build ended without a site to build
    # Started ahead in a workspace with a finished build, it sets Sphinx up before its order: the same site.
    path = source / "book" / "haninge" / "2018" / "sammanfattning.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("En mening till, utan rubrik.", id="tillagd"))
    nbformat.write(nb, path)
    again = subprocess.Popen([*site.waiting_command(tmp_path / "arbete"), "--verbose"], **pipes)
    out, err = again.communicate(line + "\n")
    assert again.returncode == 0, out[-2000:] + err[-2000:]
    assert "Sphinx set up ahead is used" in out and "1 changed" in out  # the last build's environment, one page read
    after = _html(source)
    assert "En mening till" in after["book/haninge/2018/sammanfattning.html"].decode("utf-8")
    assert after == _fresh(source, tmp_path, "ny", {"RAPPORTBOK_HANDBOK": "0"})


def test_the_site_process_ends_at_once_with_its_code_and_everything_it_printed():
    """site.exit_now (the end of `python -m rapportbok.publish.site`): no finalization of the loaded Sphinx, which the
    analyst's loop waited for, but the exit code and every line printed (a pipe buffers them) reach the build."""
    code = (
        "import sys\nfrom rapportbok.publish import site\n"
        "print('rad ' * 2000)\nprint('fel på sidan', file=sys.stderr)\nsite.exit_now(3)\nprint('aldrig')"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 3
    assert proc.stdout == "rad " * 2000 + "\n" and proc.stderr == "fel på sidan\n"
