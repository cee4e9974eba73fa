"""The hostile organisation's files themselves (issue #27): links, a pipe, encodings, control characters and odd
names stop the build with a Swedish message, and the local file's marker is never shown or published.

``tests/fixtures/hostile/`` (SYNTETISK) is copied into a project; each case changes one thing about its files
the way the second hostile campaign did, and runs the real command (`rapportbok bygg`) in its own process. The
build must stop before any notebook runs (validation), exit 1, name the file in Swedish, show no traceback,
never print the marker of ``hemlig.txt`` (the local file outside data/ the links point at), and leave no book
behind. A pipe is never opened: a hang would end in the subprocess's timeout, not in a stuck test run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "hostile"
MARKER = "MARKER-LOCAL-FILE-7f3a9c"
ORG = "fientlig"


def _project(tmp_path: Path) -> Path:
    copy = tmp_path / "proj"
    copy.mkdir()
    for name in ("_config.yml", "_static", "notebooks"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, copy / name)
    shutil.copytree(FIXTURE / "data", copy / "data")
    shutil.copy(FIXTURE / "hemlig.txt", copy / "hemlig.txt")  # outside data/, carries the marker
    return copy


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def link_out(p: Path) -> str:
    (p / "data" / "kallor" / "fientlig.txt").unlink()
    (p / "data" / "kallor" / "fientlig.txt").symlink_to(p / "hemlig.txt")
    return "kallor/fientlig.txt: värdet 'en symbolisk länk'"


def link_system_file(p: Path) -> str:
    (p / "data" / ORG / "risker.csv").unlink()
    (p / "data" / ORG / "risker.csv").symlink_to("/etc/passwd")
    return f"{ORG}/risker.csv: värdet 'en symbolisk länk'"


def link_inside(p: Path) -> str:
    (p / "data" / ORG / "risker.csv").unlink()
    (p / "data" / ORG / "risker.csv").symlink_to("atgarder.csv")
    return f"{ORG}/risker.csv: värdet 'en symbolisk länk'"


def linked_folder(p: Path) -> str:
    shutil.move(p / "data" / ORG, p / ORG)
    (p / "data" / ORG).symlink_to(p / ORG, target_is_directory=True)
    return f"{ORG}/: värdet 'en symbolisk länk'"


def hard_link(p: Path) -> str:
    (p / "data" / "kallor" / "fientlig.txt").unlink()
    os.link(p / "hemlig.txt", p / "data" / "kallor" / "fientlig.txt")
    return "kallor/fientlig.txt: värdet 'en fil med 2 namn (en hård länk)'"


def pipe(p: Path) -> str:
    (p / "data" / ORG / "risker.csv").unlink()
    os.mkfifo(p / "data" / ORG / "risker.csv")
    return f"{ORG}/risker.csv: värdet 'en namngiven pipe (FIFO)'"


def stray_byte(p: Path) -> str:
    path = p / "data" / ORG / "risker.csv"
    path.write_bytes(path.read_bytes().replace(b"Ingen \xc3\xa5tg\xc3\xa4rd", b"Ingen \xe5tg\xc3\xa4rd"))
    return f"{ORG}/risker.csv, rad 3: värdet 'byten 0xE5, som inte är UTF-8'"


def macintosh(p: Path) -> str:
    path = p / "data" / ORG / "risker.csv"
    path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r"))
    return f"{ORG}/risker.csv: värdet 'radslut med bara CR"


def control_character(p: Path) -> str:
    _replace(p / "data" / ORG / "risker.csv", "Ingen åtgärd", "Ingen\x1b[2J åtgärd")
    return f"{ORG}/risker.csv, rad 3, kolumn 'hantering': värdet 'tecknet U+001B (ett styrtecken)'"


def override_in_yaml(p: Path) -> str:
    _replace(p / "data" / ORG / "organisation.yml", 'namn: "Fientliga kommun', 'namn: "\\u202eFientliga kommun')
    return f"{ORG}/organisation.yml, rad 3, nyckel 'namn': värdet 'tecknet U+202E (ändrar skrivriktningen)'"


def capital_folder(p: Path) -> str:
    shutil.move(p / "data" / ORG, p / "data" / "Fientlig")
    return "Fientlig/: värdet 'Fientlig' – förväntade en organisations mapp"


def reserved_folder(p: Path) -> str:
    shutil.move(p / "data" / ORG, p / "data" / "con")
    _replace(p / "data" / "con" / "organisation.yml", "slug: fientlig", "slug: con")
    return "con/: värdet 'con' – förväntade en organisations mapp"


def newline_id(p: Path) -> str:
    _replace(p / "data" / ORG / "organisation.yml", 'kolada_id: "9998"', 'kolada_id: "9998\\n"')
    return f"{ORG}/organisation.yml, rad 5, nyckel 'kolada_id'"


CASES = [
    link_out,
    link_system_file,
    link_inside,
    linked_folder,
    hard_link,
    pipe,
    stray_byte,
    macintosh,
    control_character,
    override_in_yaml,
    capital_folder,
    reserved_folder,
    newline_id,
]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_the_hostile_files_stop_the_build_and_show_nothing_of_the_local_file(tmp_path, case):
    if case is pipe and not hasattr(os, "mkfifo"):
        pytest.skip("named pipes are a POSIX thing")
    project = _project(tmp_path)
    expected = case(project)
    proc = subprocess.run(
        [sys.executable, "-m", "rapportbok", "bygg", "--alla", "--parallella", "1"],
        cwd=project,
        env={k: v for k, v in os.environ.items() if not k.startswith("RAPPORTBOK_")},
        capture_output=True,
        text=True,
        timeout=600,
    )
    said = proc.stdout + proc.stderr
    assert proc.returncode == 1, said
    assert expected in said, said
    assert "Traceback" not in said and MARKER not in said and "root:" not in said, said
    assert not (project / "book").exists() and not (project / "_build" / "html").exists()
