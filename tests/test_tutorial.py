"""The handbook's tutorial (handbok/kom-igang/index.md) done literally, in a copy of the project (issue #29).

The page is read as a script, in order, so the tutorial cannot drift from the program:

* a ```` ```sh ```` block is run, line by line (``rapportbok …`` as ``python -m rapportbok …``), in the copy;
* a ```` ```text ```` block right after it is the output the page promises: every line must appear in what
  the commands printed (whitespace as printed, ``…`` where the page shortens);
* a block after "filen `X` med innehållet:" or "Skriv om `X` så att den blir:" is written to X, and one after
  "lägg till raden sist i `X`:" is appended to X;
* the workbook named by "Öppna `X.xlsx` i Excel" is edited as the page tells an analyst to: "ta bort bladet
  `S`" removes a sheet, and a table whose header is ``| Rad | A | B | …`` fills those cells on the sheet named
  last ("På bladet `S`"), numbers as numbers (as Excel stores what is typed), text as text;
* ```` ```console ```` blocks (the clone, network) are not run.

The exercise's figures are invented and marked so (ÖVNING) on the page and in its source text; they exist only
in the temporary copy. Then the claims of the page's last steps are checked on the built site.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from conftest import ROOT, copy_project, invoke_cli

from rapportbok.data.schema import parse_number

PAGE = ROOT / "handbok" / "kom-igang" / "index.md"
FENCE = re.compile(r"^```(\w+)\n(.*?)^```\n", re.MULTILINE | re.DOTALL)
WRITE = re.compile(r"(?:filen|Skriv om)\s+`([^`]+)`\s+(?:med innehållet|så att den blir):\s*$")
APPEND = re.compile(r"lägg till raden sist i\s+`([^`]+)`:\s*$")
WORKBOOK = re.compile(r"Öppna\s+`([^`]+\.xlsx)`\s+i Excel")
DROP_SHEET = re.compile(r"ta bort bladet\s+`([^`]+)`", re.IGNORECASE)
SHEET = re.compile(r"På bladet\s+`([^`]+)`")
GRID = re.compile(r"^\| Rad \|((?: [A-Z] \|)+)\n\|[-| ]+\|\n((?:\|.*\|\n)+)", re.MULTILINE)


def _squash(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def _steps(page: str):
    """The page as (kind, ...) steps in document order."""
    steps, pos, last_sh_end = [], 0, -1
    for m in FENCE.finditer(page):
        prose = page[pos : m.start()]
        steps += _prose_steps(prose)
        lang, body = m.group(1), m.group(2)
        paragraph = prose.rstrip().rsplit("\n\n", 1)[-1]
        if lang == "sh":
            steps.append(("run", [ln for ln in body.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]))
            last_sh_end = m.end()
        elif lang == "text" and last_sh_end == m.start() - len(prose) and not prose.strip():
            steps.append(("expect", [ln for ln in body.splitlines() if ln.strip()]))
        elif (w := WRITE.search(paragraph)) or (a := APPEND.search(paragraph)):
            target = (w or a).group(1)
            steps.append(("write" if w else "append", target, body))
        pos = m.end()
    return steps + _prose_steps(page[pos:])


def _prose_steps(prose: str):
    events = []
    for pattern, kind in ((WORKBOOK, "workbook"), (DROP_SHEET, "drop"), (SHEET, "sheet"), (GRID, "grid")):
        for m in pattern.finditer(prose):
            events.append((m.start(), kind, m))
    out = []
    for _, kind, m in sorted(events, key=lambda e: e[0]):
        if kind == "grid":
            letters = m.group(1).split("|")[:-1]
            rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in m.group(2).splitlines()]
            out.append(("grid", [ln.strip() for ln in letters], rows))
        else:
            out.append((kind, m.group(1)))
    return out


def _typed(text: str):
    """A cell as Excel stores what is typed: a number as a number, other text as text, nothing as nothing."""
    if text == "":
        return None
    n = parse_number(text)
    if n is None:
        return text
    return int(n) if n == int(n) and "." not in text and "," not in text else n


def _run(project: Path, line: str) -> subprocess.CompletedProcess:
    """A command of the page, in ``project``: `rapportbok bygg` in a process of its own (kernels and the site, as
    the analyst runs it), the others in this process (click's runner: the same command and output, without
    starting Python and the package again for each)."""
    args = line.split()
    assert args[0] == "rapportbok", f"the tutorial runs only rapportbok commands here: {line}"
    if args[1] == "bygg":
        return subprocess.run(
            [sys.executable, "-m", "rapportbok", *args[1:]], cwd=project, capture_output=True, text=True
        )
    return invoke_cli(project, *args[1:])


@pytest.fixture(scope="module")
def walked(tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("ovning"))
    # One example organisation besides the exercise's, whose pages the build reuses (the page says so): Alingsås'
    # and Haninge's fifteen pages would only make the site take longer to build.
    for org in ("alingsas", "haninge"):
        shutil.rmtree(project / "data" / org)
        shutil.rmtree(project / "book" / org)
    page = PAGE.read_text(encoding="utf-8")
    printed, outputs, book, sheet = "", [], None, None
    for step in _steps(page):
        kind = step[0]
        if kind == "run":
            printed = ""
            for line in step[1]:
                proc = _run(project, line)
                assert proc.returncode == 0, f"{line}\n{proc.stdout}\n{proc.stderr}"
                printed += proc.stdout + proc.stderr
            outputs.append((step[1], printed))
        elif kind == "expect":
            for line in step[1]:
                parts = [p for p in _squash(line).split("…") if p.strip()]
                for part in parts:
                    assert part.strip() in _squash(printed), (
                        f"the page promises '{line}'; the command printed:\n{printed}"
                    )
        elif kind in ("write", "append"):
            target = project / step[1]
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "a" if kind == "append" else "w", encoding="utf-8", newline="\n") as f:
                f.write(step[2])
        elif kind == "workbook":
            book = project / step[1]
            assert book.is_file(), f"{step[1]} was not written by the command before it"
        elif kind == "drop":
            wb = openpyxl.load_workbook(book)
            del wb[step[1]]
            wb.save(book)
        elif kind == "sheet":
            sheet = step[1]
        elif kind == "grid":
            wb = openpyxl.load_workbook(book)
            ws = wb[sheet]
            for row in step[2]:
                r = int(row[0])
                for letter, value in zip(step[1], row[1:]):
                    if value != "":
                        ws[f"{letter}{r}"] = _typed(value)
            wb.save(book)
    return project, outputs


def test_the_tutorial_is_a_script_of_the_expected_shape():
    """The page's steps, as the test reads them: not an empty walk."""
    steps = _steps(PAGE.read_text(encoding="utf-8"))
    kinds = [s[0] for s in steps]
    runs = [" ".join(s[1]) for s in steps if s[0] == "run"]
    assert [r.split()[1] for r in runs] == ["ny-organisation", "mall", "importera", "kontrollera", "bygg"]
    assert kinds.count("expect") == 5 and kinds.count("grid") == 2
    assert {s[1] for s in steps if s[0] in ("write", "append")} == {
        "data/harryda/organisation.yml",
        "data/kallor/harryda-t1-2025.txt",
        "data/kallor.csv",
    }
    assert "ÖVNING" in next(s[2] for s in steps if s[0] == "write" and s[1].endswith(".txt"))


def test_the_tutorial_runs_and_prints_what_it_promises(walked):
    project, outputs = walked
    assert [lines[0].split()[1] for lines, _ in outputs][-1] == "bygg"
    assert (project / "data" / "harryda" / "tabell_varden.csv").is_file()
    assert (project / "_build" / "html" / "book" / "harryda" / "2025" / "index.html").is_file()


def test_the_tutorials_avstamning_shows_what_the_page_says(walked):
    project, _ = walked
    html = (project / "_build" / "html" / "book" / "harryda" / "2025" / "avstamning.html").read_text(encoding="utf-8")
    text = _squash(re.sub(r"<[^>]+>", " ", html))
    assert "Avstämning – Härryda kommun 2025" in text
    assert "Summa, Utfall jan–apr = summan av raderna under 152 301 152 300 −1 tkr Avrundning" in text
    assert "Funktionsstöd: Avvikelse = Budget 2025 − Prognos 2025 1 300 1 200 −100 tkr Avvikelse i källan" in text
    assert "Summa, Avvikelse = summan av raderna under −5 000 −4 900 +100 tkr Avvikelse i källan" in text
    assert "Troligen fel i cellen ”Funktionsstöd”, ”Avvikelse”" in text
    budget = (project / "_build" / "html" / "book" / "harryda" / "2025" / "budget.html").read_text(encoding="utf-8")
    assert "33,3" in budget and "Kommentar saknas" in _squash(re.sub(r"<[^>]+>", " ", budget))
