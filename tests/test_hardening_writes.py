"""Hardening, second round: the write and network side (issue #27, items 2, 3, 4, 5, 8, 9, 10, 14, 16).

The hostile fixtures of the new classes are made here, each by the function that names it:

* concurrency: two ``importera`` at once (one paused inside its write by a file), a lock holder
  killed with SIGKILL, ``kontrollera`` beside a build and beside an import (``_hold``);
* kills during an import: the real command killed after each of its renames (``KILL_IMPORT``);
* a publication whose folder cannot be replaced, once and again while undoing;
* Excel dimensions: a sheet claiming a million rows and 16 384 columns, a stale dimension smaller
  than the sheet, a hidden first sheet (``_set_dimension``, ``_hidden_first_sheet``);
* Kolada transport: a redirect to another server that would answer, plain http, gzip, a
  Content-Length larger than the body or than the limit (tests/kolada_server.py: ``redirect``,
  ``gzipped``, ``raw``); a KPI title with U+2028 and other line breaks;
* another organisation's organisation.yml in Windows-1252;
* a full disk during the site's copy of the downloads.

Every figure here is SYNTETISK. Concurrency is synchronised with files (a process waits for a file to
appear, the test waits for a line of output), never with sleeps of a chosen length.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import zipfile
from pathlib import Path

import openpyxl
import pytest
import yaml
from click.testing import CliRunner
from conftest import ROOT, copy_data
from kolada_server import FakeKolada
from test_stated_tables import _filled_workbook, tables_data

from rapportbok.cli import main
from rapportbok.core import oserrors
from rapportbok.data import config, kolada, scaffold, workbook
from rapportbok.data import kolada_snapshot as snap
from rapportbok.data import measure_workbook as excel
from rapportbok.data.kolada import KoladaClient, KoladaError
from rapportbok.publish import build

SYNT = "SYNTETISK testvärde"
HAN_SOURCE = "haninge-delredovisning-2018"
GUARD = 120  # seconds: only so that a broken test fails instead of hanging; no assertion is about time


def _env(root: Path, data: Path) -> dict[str, str]:
    return {**os.environ, "RAPPORTBOK_ROOT": str(root), "RAPPORTBOK_DATA": str(data)}


def _tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by its relative path (hidden files too: a staging folder would show)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _lines(stream) -> queue.Queue:
    """The lines of a child's output as they come (None at the end)."""
    q: queue.Queue = queue.Queue()

    def pump():
        for line in iter(stream.readline, ""):
            q.put(line)
        q.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return q


def _wait_for_line(q: queue.Queue, words: str) -> list[str]:
    """Read lines until one holds ``words``; fails (with what was read) if the output ends first."""
    seen = []
    while True:
        line = q.get(timeout=GUARD)
        if line is None:
            raise AssertionError(f"the output ended without {words!r}: {''.join(seen)}")
        seen.append(line)
        if words in line:
            return seen


def _wait_for_file(path: Path, proc: subprocess.Popen) -> None:
    """Until ``path`` exists (the child made it), or fail if the child ended first."""
    import time

    deadline = time.monotonic() + GUARD
    while not path.exists():
        if proc.poll() is not None:
            raise AssertionError(f"the child ended first: {proc.communicate()}")
        assert time.monotonic() < deadline, "the child never got there"
        time.sleep(0.01)


# --- item 2: one lock; two imports at once lose nothing ------------------------------------------------

# Holds the project's lock as ``command`` until the file ``go`` appears; ``ready`` says it has the lock.
HOLD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from rapportbok.core import lock

    root, command, ready, go = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
    with lock.held(root, command):
        ready.write_text("1")
        while not go.exists():
            time.sleep(0.01)
""")

# The real `importera`, paused after it has read data/ and merged the workbook into it (while it checks the
# merged copy, before it writes) until ``go`` appears.
PAUSED_IMPORT = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from rapportbok.data import datasets

    book, inside, go = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    real = datasets.validate

    def validate(*args, **kwargs):
        inside.write_text("1")
        while not go.exists():
            time.sleep(0.01)
        return real(*args, **kwargs)

    datasets.validate = validate
    from rapportbok.cli import main
    main(["importera", book, "--org", "exempelstad"], prog_name="rapportbok")
""")


def _hold(root: Path, command: str, tmp: Path) -> tuple[subprocess.Popen, Path]:
    ready, go = tmp / f"ready-{command.replace(' ', '-')}", tmp / f"go-{command.replace(' ', '-')}"
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(root), command, str(ready), str(go)])
    _wait_for_file(ready, proc)
    return proc, go


def _workbook_with_id(tmp_path: Path, data: Path, table: str) -> Path:
    book = _filled_workbook(tmp_path, data)
    wb = openpyxl.load_workbook(book)
    book.unlink()
    wb["verksamhet"]["B1"] = table
    out = tmp_path / f"{table}.xlsx"
    wb.save(out)
    return out


def test_two_imports_at_once_both_arrive(tmp_path, monkeypatch):
    data = tables_data(tmp_path, monkeypatch)
    root = tmp_path / "root"
    root.mkdir()
    first, second = _workbook_with_id(tmp_path, data, "verks_a"), _workbook_with_id(tmp_path, data, "verks_b")
    inside, go = tmp_path / "inside", tmp_path / "go"
    env = _env(root, data)
    a = subprocess.Popen(
        [sys.executable, "-c", PAUSED_IMPORT, str(first), str(inside), str(go)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait_for_file(inside, a)  # the first import has read data/ and is about to write
    b = subprocess.Popen(
        [sys.executable, "-m", "rapportbok", "importera", str(second), "--org", "exempelstad"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    said = _wait_for_line(_lines(b.stderr), "Väntar på att rapportbok importera")
    assert f"(process {a.pid}" in said[-1] and "Ctrl-C" in said[-1]
    go.write_text("1")
    out_a, err_a = a.communicate(timeout=GUARD)
    out_b = b.stdout.read()
    assert a.wait(timeout=GUARD) == 0 and b.wait(timeout=GUARD) == 0, err_a
    assert "verks_a (ny, 3 rader)" in out_a and "verks_b (ny, 3 rader)" in out_b
    tables = (data / "exempelstad" / "tabeller.csv").read_text(encoding="utf-8")
    assert "\nverks_a," in tables and "\nverks_b," in tables  # neither import lost
    values = (data / "exempelstad" / "tabell_varden.csv").read_text(encoding="utf-8")
    assert "\nverks_a," in values and "\nverks_b," in values
    assert CliRunner().invoke(main, ["kontrollera"], env=env).exit_code == 0


def test_a_lock_left_by_a_killed_process_is_not_in_the_way(tmp_path):
    from rapportbok.core import lock

    root = tmp_path / "root"
    holder, _ = _hold(root, "importera", tmp_path)
    with pytest.raises(lock.Busy) as busy:
        with lock.held(root, "kolada hamta", wait=False):
            pass
    assert str(busy.value).startswith(f"rapportbok importera (process {holder.pid}, startat ")
    holder.send_signal(signal.SIGKILL)  # kill -9: no chance to clean up
    holder.wait(timeout=GUARD)
    assert lock.holder(root)["pid"] == holder.pid  # its description is still there ...
    said = []
    with lock.held(root, "kolada hamta", waiting=said.append) as me:  # ... but the lock is free at once
        assert said == [] and lock.holder(root)["token"] == me["token"]
    assert lock.holder(root) is None  # a holder removes its description when it is done


def test_a_writer_waits_for_the_holder_and_says_for_whom(tmp_path):
    root = tmp_path / "root"
    holder, go = _hold(root, "bygg", tmp_path)
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from rapportbok.core import lock\n"
            "with lock.held(sys.argv[1], 'importera', waiting=lambda s: print(s, flush=True)):\n"
            "    print('har låset', flush=True)",
            str(root),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    lines = _lines(child.stdout)
    said = _wait_for_line(lines, "Väntar på att")
    assert said == [
        f"Väntar på att rapportbok bygg (process {holder.pid}, startat {said[0].split('startat ')[1][:8]}) blir "
        "klart; ett kommando i taget skriver i data/ eller publicerar boken. Avbryt med Ctrl-C.\n"
    ]
    go.write_text("1")
    assert _wait_for_line(lines, "har låset") == ["har låset\n"]
    assert child.wait(timeout=GUARD) == 0 and holder.wait(timeout=GUARD) == 0


def test_kontrollera_reads_beside_a_build_and_waits_for_an_import(tmp_path, monkeypatch):
    data = tables_data(tmp_path, monkeypatch)
    root = tmp_path / "root"
    env = _env(root, data)
    building, go = _hold(root, "bygg", tmp_path)
    result = CliRunner().invoke(main, ["kontrollera"], env=env)  # the build writes nothing in data/
    assert result.exit_code == 0 and "data/ är i ordning." in result.output and "Väntar" not in result.output
    go.write_text("1")
    building.wait(timeout=GUARD)
    importing, go = _hold(root, "importera", tmp_path)
    check = subprocess.Popen(
        [sys.executable, "-m", "rapportbok", "kontrollera"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait_for_line(_lines(check.stderr), "Väntar på att rapportbok importera")  # never reads a write half done
    go.write_text("1")
    assert check.wait(timeout=GUARD) == 0 and "data/ är i ordning." in check.stdout.read()
    importing.wait(timeout=GUARD)


def test_a_project_where_the_lock_cannot_be_made_is_checked_but_not_written(tmp_path, monkeypatch):
    data = tables_data(tmp_path, monkeypatch)
    root = tmp_path / "root"
    book = _filled_workbook(tmp_path, data)
    real = os.open

    def read_only(path, *args, **kwargs):  # as in a project folder the analyst may only read
        if str(path).endswith(".rapportbok-lock"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", read_only)
    before = _tree(data)
    result = CliRunner().invoke(main, ["kontrollera"], env=_env(root, data))
    assert result.exit_code == 0 and "data/ är i ordning." in result.output
    result = CliRunner().invoke(main, ["importera", str(book), "--org", "exempelstad"], env=_env(root, data))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.startswith("Fel: inget har ändrats; projektets lås går inte att skapa: behörighet saknas")
    assert _tree(data) == before


# --- item 3: a kill during an import leaves the old or the new data/, never a half import ----------------

# The real `importera`, killed (os._exit, as kill -9) when it is about to make its rename number ``after``.
KILL_IMPORT = textwrap.dedent("""
    import os, sys
    real, done, after = os.replace, [0], int(sys.argv[2])

    def replace(src, dst):
        if done[0] == after:
            os._exit(9)
        done[0] += 1
        real(src, dst)

    os.replace = replace
    from rapportbok.cli import main
    main(["importera", sys.argv[1], "--org", "exempelstad"], prog_name="rapportbok")
""")


def test_an_import_killed_after_any_rename_leaves_old_or_new_data(tmp_path, monkeypatch):
    data = tables_data(tmp_path, monkeypatch)
    root = tmp_path / "root"
    book = _filled_workbook(tmp_path, data)
    old = _tree(data)
    whole = tmp_path / "whole"  # the import, not interrupted, in a copy: what "new" is
    shutil.copytree(data, whole)
    proc = subprocess.run(
        [sys.executable, "-m", "rapportbok", "importera", str(book), "--org", "exempelstad"],
        env=_env(root, whole),
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    new = _tree(whole)
    assert new != old
    outcomes = []
    for after in range(30):
        _restore(data, old)
        proc = subprocess.run(
            [sys.executable, "-c", KILL_IMPORT, str(book), str(after)],
            env=_env(root, data),
            capture_output=True,
            text=True,
        )
        result = CliRunner().invoke(main, ["kontrollera"], env=_env(root, data))
        assert result.exit_code == 0 and "data/ är i ordning." in result.output, (after, result.output)
        now = _tree(data)
        assert now in (old, new), f"killed before rename {after}: neither the old nor the new data/"
        outcomes.append("new" if now == new else "old")
        if proc.returncode == 0:
            break
        assert proc.returncode == 9, proc.stderr
    else:
        raise AssertionError("the import never finished")
    assert outcomes[0] == "old" and outcomes[-1] == "new" and "new" in outcomes[:-1]  # killed after its journal too


def _restore(folder: Path, tree: dict[str, bytes]) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    for rel, content in tree.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(content)


def test_a_write_that_can_be_neither_completed_nor_undone_stops_every_reader(tmp_path, monkeypatch):
    from rapportbok.core import files, journal

    data = tmp_path / "data"
    (data / "org").mkdir(parents=True)
    for name in ("a.csv", "b.csv"):
        (data / "org" / name).write_text("gammal\n", encoding="utf-8")
    area = journal.writes(data)
    real = files.replace

    def broken(src, dst, held=None):  # b.csv cannot be moved out, and a.csv, once in, cannot be moved back
        back = Path(src) == data / "org" / "a.csv" and not Path(dst).parent.name.startswith(".staging-old")
        if Path(src) == data / "org" / "b.csv" or back:
            raise PermissionError(errno.EACCES, "Permission denied", str(src))
        real(src, dst, held)

    monkeypatch.setattr(files, "replace", broken)
    with pytest.raises(journal.Unfinished) as caught:
        journal.write(area, {"org/a.csv": "ny\n", "org/b.csv": "ny\n"})
    assert "Redan ändrat: org/a.csv; som förut: org/b.csv" in str(caught.value)
    assert journal.pending(area)  # kept: the next command completes it
    root = tmp_path / "root"
    result = CliRunner().invoke(main, ["kontrollera"], env=_env(root, data))
    assert result.exit_code == 1 and "kunde inte slutföras och inte heller göras ogjord" in result.output
    monkeypatch.setattr(files, "replace", real)  # the folder is writable again
    logged = []
    journal.recover(root, data, log=logged.append)
    assert [p.read_text(encoding="utf-8") for p in sorted((data / "org").iterdir())] == ["ny\n", "ny\n"]
    assert logged == [journal.WRITTEN.format(folder="data")] and sorted(p.name for p in data.iterdir()) == ["org"]


# --- item 5: a folder that cannot be replaced: never a mixed publication -------------------------------


def _generation(root: Path, label: str) -> None:
    (root / "book" / "org").mkdir(parents=True)
    (root / "book" / "org" / "index.md").write_text(label, encoding="utf-8")
    (root / "_toc.yml").write_text(label, encoding="utf-8")
    (root / "_build" / "html").mkdir(parents=True)
    (root / "_build" / "html" / "index.html").write_text(label, encoding="utf-8")


def _which(root: Path) -> str:
    found = {
        (root / p).read_text(encoding="utf-8") if (root / p).is_file() else "saknas"
        for p in ("book/org/index.md", "_toc.yml", "_build/html/index.html")
    }
    return found.pop() if len(found) == 1 else f"blandat: {sorted(found)}"


def _stage(root: Path) -> Path:
    stage = root / ".staging-1234abcd"  # as the build names its staging folder
    _generation(stage, "ny")
    return stage


@pytest.mark.parametrize("step", ["the old site out", "the new site in"])
def test_a_site_folder_that_cannot_be_replaced_leaves_the_previous_publication_whole(tmp_path, monkeypatch, step):
    root = tmp_path / "proj"
    _generation(root, "gammal")
    stage = _stage(root)
    real = os.replace
    site = root / "_build" / "html"

    def replace(src, dst):
        new_in = Path(src) == stage / "_build" / "html" and Path(dst) == site
        if (step == "the old site out" and Path(src) == site) or (step == "the new site in" and new_in):
            raise PermissionError(errno.EACCES, "Permission denied", str(site))  # e.g. a folder held by a server
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(build.BuildError) as caught:
        build._swap(stage, root, site=True)
    assert _which(root) == "gammal"  # book/ and _toc.yml were put back too
    from rapportbok.core import journal

    assert caught.value.untouched
    assert str(caught.value) == (
        "Den nya boken kunde inte publiceras: behörighet saknas att skriva eller läsa där (mappen eller filen är "
        f"skrivskyddad) ({site}). Publiceringen har gjorts ogjord och det nya bygget kastats; rätta felet och "
        "kör bygget igen."
    )
    assert not journal.pending(journal.publication(root))
    journal.discard_stage(journal.publication(root), stage)
    assert sorted(p.name for p in root.iterdir()) == ["_build", "_toc.yml", "book"]  # no staging or trash left
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    result = CliRunner().invoke(main, ["kontrollera"], env=_env(root, data))  # later commands go on
    assert result.exit_code == 0 and "data/ är i ordning." in result.output


def test_a_publication_that_cannot_be_undone_either_says_what_is_where(tmp_path, monkeypatch):
    from rapportbok.core import journal

    root = tmp_path / "proj"
    _generation(root, "gammal")
    stage = _stage(root)
    real = os.replace
    site = root / "_build" / "html"

    def replace(src, dst):
        if Path(dst) == site and Path(src) == stage / "_build" / "html" or Path(dst) == stage / "book":
            # the new site cannot go in, nor the new book back out
            raise OSError(errno.EBUSY, "Device or resource busy", str(dst))
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(build.BuildError) as caught:
        build._swap(stage, root, site=True)
    assert not caught.value.untouched
    assert "Redan ändrat: book; som förut: _toc.yml, _build/html" in str(caught.value)
    assert journal.pending(journal.publication(root))
    logged = []
    journal.recover(root, tmp_path / "data", log=logged.append)  # another command: says so and goes on
    assert len(logged) == 1 and logged[0].startswith("Obs: Publiceringen av det nya bygget kunde inte slutföras")
    monkeypatch.setattr(os, "replace", real)
    journal.recover(root, tmp_path / "data", log=logged.append)  # the obstacle is gone: completed
    assert _which(root) == "ny" and not journal.pending(journal.publication(root))


@pytest.mark.parametrize("untouched", [True, False])
def test_the_build_message_says_untouched_only_when_it_is(monkeypatch, untouched):
    from rapportbok.publish import stamp

    def fail(**kw):
        raise build.BuildError("Orsaken.", untouched=untouched)

    monkeypatch.setattr(stamp, "quick", lambda *a, **k: None)
    monkeypatch.setattr(build, "build", fail)
    result = CliRunner().invoke(main, ["bygg", "--parallella", "1"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    head = "Bygget avbröts; den förra boken och webbplatsen är orörda." if untouched else "Bygget avbröts."
    assert result.output.strip().splitlines() == [head, "Orsaken."]


# --- item 16: a full disk during the site's copy ------------------------------------------------------


def test_a_full_disk_while_copying_the_downloads_into_the_site_says_so(tmp_path, monkeypatch):
    from rapportbok.present.downloads import FOLDER
    from rapportbok.publish import stamp

    stage = tmp_path / "stage"
    (stage / "book" / "org" / "2025" / FOLDER).mkdir(parents=True)
    (stage / "book" / "org" / "2025" / FOLDER / "budget-1.xlsx").write_bytes(b"SYNTETISK")
    (stage / "_build" / "html").mkdir(parents=True)
    target = stage / "_build" / "html" / "book" / "org" / "2025" / FOLDER / "budget-1.xlsx"

    def full(src, dst, *a, **k):
        raise OSError(errno.ENOSPC, "No space left on device", str(dst))

    monkeypatch.setattr(shutil, "copy2", full)
    monkeypatch.setattr(shutil, "copyfile", full)

    def building(**kw):
        build._publish_downloads(stage)  # the step of the build that copies into the site

    monkeypatch.setattr(stamp, "quick", lambda *a, **k: None)
    monkeypatch.setattr(build, "build", building)
    result = CliRunner().invoke(main, ["bygg"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().splitlines() == [
        "Bygget avbröts; den förra boken och webbplatsen är orörda.",
        f"disken är full; frigör utrymme och försök igen ({target}).",
    ]


def test_a_gathered_copy_error_with_a_full_disk_is_described_as_one():
    err = shutil.Error([("/a/x.csv", "/b/x.csv", "[Errno 28] No space left on device: '/b/x.csv'")])
    assert oserrors.describe(err) == "disken är full; frigör utrymme och försök igen (/b/x.csv)"


# --- item 8: Excel dimensions and hidden sheets --------------------------------------------------------


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A scratch copy of data/ with Haninge, whose follow-up of measures the tests below import."""
    data = copy_data(tmp_path / "data", ["haninge"])
    monkeypatch.setenv("RAPPORTBOK_DATA", str(data))
    monkeypatch.setenv("RAPPORTBOK_ROOT", str(tmp_path / "root"))
    monkeypatch.chdir(tmp_path)
    return data


def _template(tmp_path: Path) -> Path:
    result = CliRunner().invoke(main, ["mall", "--org", "haninge", "--ar", "2018", "--tertial", "3"])
    assert result.exit_code == 0, result.output
    path = tmp_path / "uppfoljning_haninge_2018_T3.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb[excel.SHEET]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[0].value in ("HAN-05", "HAN-07"):
            for name, value in {"faktisk_effekt": 100, "status_text": SYNT, "kalla": HAN_SOURCE}.items():
                row[header.index(name)].value = value
            row[header.index("avsnitt")].value = f"SYNTETISK avsnitt {row[0].value}"
    wb.save(path)
    return path


def _set_dimension(path: Path, ref: str, member: str = "xl/worksheets/sheet1.xml") -> None:
    """The sheet's stated size (``<dimension ref=...>``) replaced, as another program may write it."""
    with zipfile.ZipFile(path) as z:
        items = {n: z.read(n) for n in z.namelist()}
    xml, n = re.subn(rb'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{ref}"/>'.encode(), items[member])
    assert n == 1
    items[member] = xml
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in items.items():
            z.writestr(name, content)


def _imported(data: Path) -> str:
    return (data / "haninge" / "uppfoljning_atgarder.csv").read_text(encoding="utf-8")


def test_a_sheet_claiming_a_million_rows_is_read_as_it_is(project, tmp_path, monkeypatch):
    path = _template(tmp_path)
    _set_dimension(path, "A1:XFD1048576")
    calls = [0]
    real = workbook.cell_text

    def counted(value):  # padding to the claimed size would call this about 1.7e10 times
        calls[0] += 1
        if calls[0] > 100_000:
            raise AssertionError("the sheet is read as large as it claims to be")
        return real(value)

    monkeypatch.setattr(workbook, "cell_text", counted)
    result = excel.import_followup(path, "haninge", replace=True)
    assert sorted(result.added + result.replaced) == ["HAN-05", "HAN-07"]
    assert "SYNTETISK avsnitt HAN-07" in _imported(project) and calls[0] < 1_000


def test_a_stale_dimension_drops_no_row_and_no_column(project, tmp_path):
    path = _template(tmp_path)
    _set_dimension(path, "A1:B2")  # smaller than the sheet: its header, one row and two columns
    rows, issues = workbook.read_sheet(path, "mall.xlsx")
    assert issues == [] and len(rows) > 2 and len(rows[0]) == len(excel.UPPFOLJNING.names)
    result = excel.import_followup(path, "haninge", replace=True)
    assert sorted(result.added + result.replaced) == ["HAN-05", "HAN-07"]


def test_content_far_below_the_table_is_refused_with_its_cell(project, tmp_path):
    path = _template(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb[excel.SHEET]["C1048576"] = "glömd"
    wb.save(path)
    with pytest.raises(excel.ExcelError) as caught:
        excel.import_followup(path, "haninge", replace=True)
    assert [i.message() for i in caught.value.issues] == [
        f"{path.name}, rad 1048576, kolumn 'C': värdet 'glömd' – förväntade inget innehåll nedanför rad 100 000; "
        "ta bort det som står längre ned på bladet."
    ]


def _hidden_first_sheet(path: Path, name: str = "Gammal") -> None:
    """A hidden sheet put first, holding other rows (SYNTETISK); Excel shows the template's sheet."""
    wb = openpyxl.load_workbook(path)
    old = wb.copy_worksheet(wb[excel.SHEET])
    old.title = name
    for row in old.iter_rows(min_row=2):
        row[4].value = "DOLD SYNTETISK text"
    wb.move_sheet(old, offset=-(len(wb.sheetnames) - 1))
    old.sheet_state = "hidden"
    wb.active = 1
    wb.save(path)


def test_a_hidden_first_sheet_is_not_imported(project, tmp_path):
    path = _template(tmp_path)
    _hidden_first_sheet(path)
    assert openpyxl.load_workbook(path).sheetnames[0] == "Gammal"
    result = excel.import_followup(path, "haninge", replace=True)
    assert sorted(result.added + result.replaced) == ["HAN-05", "HAN-07"]
    assert "DOLD" not in _imported(project) and SYNT in _imported(project)


def test_a_hidden_template_sheet_is_refused_not_replaced_by_another(project, tmp_path):
    path = _template(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb.active = 1
    wb[excel.SHEET].sheet_state = "hidden"
    wb.save(path)
    with pytest.raises(excel.ExcelError) as caught:
        excel.import_followup(path, "haninge", replace=True)
    assert [i.message() for i in caught.value.issues] == [
        f"{path.name}: värdet 'bladet 'Uppföljning'' – förväntade {workbook.HIDDEN_HELP}."
    ]


def test_a_hidden_table_sheet_is_refused_with_its_name(tmp_path, monkeypatch):
    data = tables_data(tmp_path, monkeypatch)
    monkeypatch.setenv("RAPPORTBOK_ROOT", str(tmp_path / "root"))
    book = _filled_workbook(tmp_path, data)
    wb = openpyxl.load_workbook(book)
    hidden = wb.copy_worksheet(wb["verksamhet"])
    hidden["B1"] = "dold_tabell"
    hidden.sheet_state = "hidden"
    wb.save(book)
    before = _tree(data)
    result = CliRunner().invoke(main, ["importera", str(book), "--org", "exempelstad"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{book.name}, blad 'verksamhet Copy': värdet 'bladet 'verksamhet Copy'' – förväntade ett blad som syns" in (
        result.output
    )
    assert _tree(data) == before


# --- items 4 and 9: the Kolada client on one policy ----------------------------------------------------

TEST_HTTP = "RAPPORTBOK_TEST_HTTP_LOKAL"  # rapportbok.data.kolada.TEST_HTTP_ENV: http to this machine, for tests
CONFIG = 'kpis: ["N31001"]\nfirst_year: 2023\nmunicipalities:\n  "1489": Alingsås\n'


def _kolada_org(tmp_path: Path) -> Path:
    org = tmp_path / "data" / "exempelstad"
    org.mkdir(parents=True)
    shutil.copy(ROOT / "tests" / "fixtures" / "synthetic_tables" / "organisation.yml", org / "organisation.yml")
    (org / "kolada.yml").write_text(CONFIG, encoding="utf-8")
    return org


def _fake() -> FakeKolada:
    fake = FakeKolada()
    fake.add_kpi("N31001", "Kostnad ekonomiskt bistånd, kr/inv (SYNTETISK)")
    fake.add_value("N31001", "1489", 2023, 1.0)
    return fake


def test_a_redirect_to_another_host_is_refused_and_nothing_is_stored(tmp_path):
    org = _kolada_org(tmp_path)
    with _fake() as fake, FakeKolada() as elsewhere:
        elsewhere.add_kpi("N31001", "Fel källa")
        elsewhere.add_value("N31001", "1489", 2023, 666.0)  # would be stored if the redirect were followed
        away = elsewhere.base_url + "data/kpi/N31001/municipality/1489/year/2023"
        fake.redirect(away, match="/data/")
        client = KoladaClient(base_url=fake.base_url, sleep=lambda s: None)
        with pytest.raises(KoladaError) as caught:
            kolada.fetch_org(org, client)
        assert elsewhere.requests == []
    assert str(caught.value) == (
        f"Kolada skickade vidare (HTTP 302) till en annan adress ({away}); rapportbok följer bara adresser under "
        f"{client.base_url}. Inget har sparats."
    )
    assert not (org.parent / "kolada").exists()


def test_a_redirect_on_the_same_server_is_followed(tmp_path):
    with _fake() as fake:
        fake.redirect("/v3/kpi/N31001", status=301, match="/kpi/")  # relative, as a server may send it
        client = KoladaClient(base_url=fake.base_url, sleep=lambda s: None)
        assert [k["id"] for k in client.kpis(["N31001"])] == ["N31001"]


def test_the_api_address_must_be_https(monkeypatch):
    monkeypatch.delenv(TEST_HTTP, raising=False)
    for url in ("http://127.0.0.1:9/v3/", "http://api.kolada.se/v3/", "ftp://api.kolada.se/v3/"):
        with pytest.raises(KoladaError, match="bara https är tillåtet"):
            KoladaClient(base_url=url)
    with pytest.raises(KoladaError, match="utan användarnamn, lösenord") as caught:
        KoladaClient(base_url="https://namn:hemligt@api.kolada.se/v3/")
    assert "hemligt" not in str(caught.value) and "'https://…@api.kolada.se/v3/'" in str(caught.value)
    KoladaClient(base_url="https://api.kolada.se/v3/")
    monkeypatch.setenv(TEST_HTTP, "1")  # for the tests' own fake server, on this machine only
    KoladaClient(base_url="http://127.0.0.1:9/v3/")
    with pytest.raises(KoladaError, match="bara https är tillåtet"):
        KoladaClient(base_url="http://api.kolada.se/v3/")


def test_cli_refuses_an_http_address_in_swedish(tmp_path, monkeypatch):
    org = _kolada_org(tmp_path)
    monkeypatch.delenv(TEST_HTTP, raising=False)
    env = _env(tmp_path / "root", org.parent)
    result = CliRunner().invoke(
        main, ["kolada", "hamta", "--org", "exempelstad", "--api-adress", "http://api.kolada.se/v3/"], env=env
    )
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.startswith(
        "Hämtningen från Kolada misslyckades; inget har sparats. --api-adress 'http://api.kolada.se/v3/': bara https"
    )


def test_a_gzip_answer_is_read(tmp_path):
    with _fake() as fake:
        rule = fake.gzipped(match="/data/")
        df = KoladaClient(base_url=fake.base_url, sleep=lambda s: None).data(["N31001"], ["1489"], years=[2023])
    assert rule.times == 0 and df["value"].tolist() == [1.0]


@pytest.mark.parametrize(
    "length, body, words",
    [
        (10**6, b'{"values": [', "svaret tog slut innan det var helt: kortare än servern angav (Content-Length)"),
        (kolada.MAX_BODY + 1, b"{}", "Kolada angav ett svar på mer än 200 MB (209715201 byte)"),
        (None, b"inte gzip alls", "svaret gick inte att packa upp (gzip eller deflate)"),
    ],
)
def test_a_lying_answer_gives_a_swedish_message(tmp_path, length, body, words):
    org = _kolada_org(tmp_path)
    headers = {"Content-Type": "application/json"}
    headers.update({"Content-Length": str(length)} if length else {"Content-Encoding": "gzip"})
    with _fake() as fake:
        fake.raw(200, headers, body, match="/data/")
        env = _env(tmp_path / "root", org.parent)
        result = CliRunner().invoke(
            main, ["kolada", "hamta", "--org", "exempelstad", "--api-adress", fake.base_url], env=env
        )
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert result.output.startswith("Hämtningen från Kolada misslyckades; inget har sparats.") and words in (
        result.output
    )
    assert not (org.parent / "kolada").exists()


# --- item 10: text from Kolada never becomes configuration -------------------------------------------

EVIL = 'Titel (SYNTETISK)\u2028own_groups: {fiende: ["0114"]}\u2029first_year: 1990\x85all_municipalities: false\u202e'


def test_a_kolada_title_with_line_separators_never_becomes_a_key(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    s = snap.load()
    kpis = dict(s.kpis)
    first = next(iter(kpis))
    kpis[first] = (EVIL, *kpis[first][1:])
    ale = s.municipalities["1440"]
    municipalities = {**s.municipalities, "1440": dataclasses.replace(ale, name="Ale\u2028groups: {}")}
    hostile = dataclasses.replace(s, kpis=kpis, municipalities=municipalities, meta={**s.meta, "source": EVIL})
    scaffold.create("1440", data=data, snapshot=hostile, slug="ale")
    text = (data / "ale" / "kolada.yml").read_text(encoding="utf-8")
    assert not re.search("[\x85\u2028\u2029\u202e]", text)
    assert set(yaml.safe_load(text)) == {
        "kpis",
        "first_year",
        "municipalities",
        "groups",
        "all_municipalities",
        "battre",
    }
    cfg = kolada.load_config(data / "ale")
    assert cfg.own_groups == {} and cfg.first_year == 2018 and cfg.all_municipalities
    assert cfg.municipalities == {"1440": "Ale\u2028groups: {}"}  # a name stays a name, quoted by the emitter
    assert cfg.kpis == list(s.kpis)


def test_kontrollera_refuses_a_hidden_line_break_in_a_yaml_file(tmp_path):
    data = copy_data(tmp_path / "data", ["alingsas"])
    path = data / "alingsas" / "kolada.yml"
    text = path.read_text(encoding="utf-8")
    line = text.splitlines().index('  - "N31001"  # Kostnad ekonomiskt bistånd, kr/inv') + 1
    path.write_text(
        text.replace("kr/inv\n", 'kr/inv\u2028own_groups: {fiende: ["0114"]}\n', 1), encoding="utf-8", newline="\n"
    )
    spec, issues = config.read_kolada(path)
    assert spec is None and [i.message() for i in issues] == [
        f"alingsas/kolada.yml, rad {line}: värdet 'tecknet U+2028 (radavgränsare)' – förväntade "
        f"{config.HIDDEN_BREAK_HELP}."
    ]
    result = CliRunner().invoke(main, ["kontrollera"], env=_env(tmp_path / "root", data))
    assert result.exit_code == 1 and "U+2028" in result.output and "Traceback" not in result.output


# --- item 14: ny-organisation beside an organisation.yml that is not UTF-8 ------------------------------


def test_ny_organisation_beside_an_organisation_file_in_windows_1252(tmp_path):
    data = tmp_path / "data"
    (data / "malmo").mkdir(parents=True)
    (data / "malmo" / "organisation.yml").write_bytes(
        'slug: malmo\nnamn: Malmö\nnamnd: Socialnämnden\nkolada_id: "1280"\n'.encode("cp1252")
    )
    result = CliRunner().invoke(main, ["ny-organisation", "--kommun", "Ale"], env=_env(tmp_path / "root", data))
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    assert (data / "ale" / "kolada.yml").is_file()
    (data / "malmo" / "organisation.yml").write_bytes("namn: Åre\nkolada_id: '2321'  # Åre\n".encode("cp1252"))
    with pytest.raises(scaffold.ScaffoldError, match=r"Åre \(2321\) finns redan som organisation i data/malmo/"):
        scaffold.create("2321", data=data, slug="are")  # and it is still found there


def test_an_undone_new_organisation_leaves_no_empty_folder(tmp_path, monkeypatch):
    """ny-organisation writes data/<slug>/ with its two files through the journal; when a rename fails (a file held
    open on Windows, a full disk) everything is undone, and the folder the moves made goes too. An existing folder
    with something else in it stays."""
    from rapportbok.core import files, journal

    data = tmp_path / "data"
    (data / "alingsas").mkdir(parents=True)
    real = files.replace

    def broken(src, dst, held=None):  # the second file cannot be moved into place
        if Path(dst).name == "kolada.yml" and not any(f.name.startswith(journal.STAGING) for f in Path(dst).parents):
            raise PermissionError(errno.EACCES, "Permission denied", str(dst))
        real(src, dst, held)

    monkeypatch.setattr(files, "replace", broken)
    with pytest.raises(PermissionError):
        journal.write(journal.writes(data), {"ale/organisation.yml": "slug: ale\n", "ale/kolada.yml": "kpi: []\n"})
    assert sorted(p.name for p in data.iterdir()) == ["alingsas"]  # no data/ale/, no staging folder, no journal
    (data / "alingsas" / "egen.txt").write_text("analytikerns\n", encoding="utf-8")
    with pytest.raises(PermissionError):
        journal.write(journal.writes(data), {"alingsas/ny/organisation.yml": "x\n", "alingsas/ny/kolada.yml": "y\n"})
    assert sorted(p.name for p in (data / "alingsas").iterdir()) == ["egen.txt"]
