"""Fuzz test of every input file kind in data/ (issue #12): mutate one file, run `rapportbok validate`.

Hypothesis (fixed seed: ``derandomize=True``, no example database, no shrinking, so the run is
the same every time and bounded in time) mutates cells, headers, rows, delimiters and encodings
of the CSV files, values, lines and encodings of the YAML files, and the encoding of the source
texts. For every mutation, on a scratch copy of data/:

- `rapportbok validate` (the CLI, via click's CliRunner) never shows a traceback and exits 0 or 1;
- on exit 1 every issue names an existing file (and, for a CSV row, the column or the field
  count), the value found and what was expected, in a sentence;
- nothing under data/ is written;
- on exit 0 what the build does before any notebook runs (the plan, loading every dataset, the
  chapters' warnings) and the Swedish number formatting of every number do not raise: whatever
  would crash the build must have been caught by validation.

A few mutations that validation accepts are also run through a chapter notebook's code in-process
(`test_valid_mutations_build_a_chapter`).

Issue #27 added the classes the second hostile campaign found: the files themselves (a symbolic link out of
data/ or to another file inside it, a hard link, a named pipe, a file over its size limit, an organisation
folder that is a link or has an odd name: capitals, a reserved name, a newline), encodings (one Windows-1252
byte in a UTF-8 file, old Macintosh line endings), control characters and bidirectional overrides in cells
and YAML values, ids with a trailing newline, YAML 1.1 booleans and dates outside the calendar. A file outside
data/ carries a marker that must never appear in what `rapportbok validate` says.
"""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
import tempfile
from pathlib import Path
from unittest import mock

import pytest
from click.testing import CliRunner
from conftest import copy_data, organisation_folders
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from rapportbok.cli import main
from rapportbok.data import datasets

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
ORGS = organisation_folders(DATA)
CSV_FILES = sorted(p.relative_to(DATA).as_posix() for p in DATA.rglob("*.csv"))
YAML_FILES = sorted(p.relative_to(DATA).as_posix() for p in DATA.rglob("*.yml"))
TEXT_FILES = sorted(p.relative_to(DATA).as_posix() for p in (DATA / "kallor").glob("*.txt"))

FUZZ = settings(
    derandomize=True,  # a fixed seed: the same examples on every run
    database=None,  # nothing written to .hypothesis/
    deadline=None,
    max_examples=12,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: bounded time also when it fails
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

# Values as people, Excel and exports write them, and some that no one should.
ODD_VALUES = [
    "",
    " ",
    "x",
    "saknas",
    "1,5",
    "1.5",
    "1 234,5",
    "1.234,5",
    "1,234.5",
    "\u22121 234",
    "--5",
    "+7",
    "-0",
    "1e5",
    "0x10",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "Infinity",
    "9" * 40,
    "1" * 400,
    "999999999999999",
    "1000000000000000",
    "0,0000001",
    ".5",
    "5.",
    "2024",
    " 2024",
    "2024 ",
    "24",
    "2018-02-30",
    "2025-04-30",
    "30/4/2025",
    "tkr",
    "mnkr",
    "kr",
    "1",
    "2",
    "3",
    "4",
    "true",
    "SANT",
    "=1+1",
    "@SUM(A1)",
    "\u00a0",
    '"',
    "'",
    ";",
    ",",
    "\n",
    "\t",
    "\x00",
    "\u202e",
    "\u0661\u0662",
    "\ufeff1",
    "\U0001f600",
    "<script>",
    "{include}",
    "ÅÄÖ åäö",
    "\x07",
    "\x1b[31mröd",
    "a\u2028b",
    "\u200fx",
    "\ufffd",
    "１２",
    "2024W502",
    "20240430",
    "0",
    "N31001\n",
    "alingsas-budget-2025\n",
]
YAML_VALUES = [
    "true",
    "false",
    "null",
    "~",
    ".nan",
    ".NaN",
    ".inf",
    "-.inf",
    "1e400",
    "-1",
    "0",
    "1",
    "3",
    "4",
    "1.5",
    "2024",
    '"2024"',
    "99999999999999999999",
    "x",
    '""',
    "{}",
    "[]",
    "{a: 1}",
    "[1, 2]",
    "&a 1",
    "*a",
    "!!python/object:os.system",
    '"0136"',
    "0136",
    "'1489'",
    '"N31001"',
    "N3100",
    '"G2328"',
    "lagre",
    "sämre",
    '"\\u0000"',
    "|\n  text",
    "yes",
    "no",
    "on",
    "Off",
    '"N31001\\n"',
    '"1489\\n"',
    "2025-02-30",
    '"\\u202e"',
    '"\\a"',
    "[" * 300 + "]" * 300,
]
ENCODINGS = [
    "utf-16",
    "utf-16-le",
    "utf-16-be",
    "cp1252",
    "utf-8-sig",
    "latin-1",
    "nul",
    "zip",
    "truncate",
    "garbage",
    "stray-cp1252",
    "cr-only",
]
MARKER = "MARKER-FUZZ-OUTSIDE-9d2e"  # in files outside data/ only: never in a message


def digest(folder: Path) -> str:
    """Every entry under ``folder``: a link by its target, a regular file by its content (a pipe is never read)."""
    import os
    import stat

    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        st = os.lstat(p)
        name = p.relative_to(folder).as_posix().encode() + b"\0"
        if stat.S_ISLNK(st.st_mode):
            h.update(name + b"link:" + os.readlink(p).encode())
        elif stat.S_ISREG(st.st_mode):
            h.update(name + p.read_bytes())
        elif not stat.S_ISDIR(st.st_mode):
            h.update(name + b"special")
    return h.hexdigest()


def scratch_for(rel: str, tmp: Path) -> Path:
    """A copy of data/ with the mutated file's organisation only (and the sources), to keep runs short."""
    org = rel.split("/")[0] if rel.split("/")[0] in ORGS else "haninge"
    return copy_data(tmp / "data", [org])


# --- mutations -----------------------------------------------------------------------------------


def reencode(raw: bytes, how: str, cut: int) -> bytes:
    text = raw.decode("utf-8-sig")
    if how == "nul":
        return raw[:cut] + b"\x00" + raw[cut:]
    if how == "zip":
        return b"PK\x03\x04" + raw[:cut]
    if how == "truncate":
        return raw[:cut]
    if how == "garbage":
        return bytes((b * 37 + cut) % 256 for b in raw[:200])
    if how == "stray-cp1252":  # one Windows-1252 'å' in a UTF-8 file, at the start of a line
        lines = raw.split(b"\n")
        k = cut % len(lines)
        lines[k] = b"\xe5" + lines[k]
        return b"\n".join(lines)
    if how == "cr-only":
        return text.replace("\r\n", "\n").replace("\n", "\r").encode("utf-8")
    return text.encode(how, errors="replace")


@st.composite
def csv_mutation(draw):
    rel = draw(st.sampled_from(CSV_FILES))
    op = draw(
        st.sampled_from(["cell", "cell", "cell", "pad", "copy_row", "delete_row", "header", "semicolon", "encoding"])
    )
    return (
        rel,
        op,
        draw(st.integers(0, 10_000)),
        draw(st.integers(0, 10_000)),
        draw(st.one_of(st.sampled_from(ODD_VALUES), st.text(max_size=8))),
        draw(st.sampled_from(ENCODINGS)),
    )


def apply_csv(data: Path, rel: str, op: str, i: int, j: int, value: str, enc: str) -> None:
    path = data / rel
    raw = path.read_bytes()
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    r = i % len(body) if body else 0
    c = j % len(header)
    if op == "encoding":
        path.write_bytes(reencode(raw, enc, i % max(len(raw), 1)))
        return
    if op in ("cell", "pad") and body:
        body[r][c] = value if op == "cell" else f"  {body[r][c]} "
    elif op == "copy_row" and body:
        body.insert(j % (len(body) + 1), list(body[r]))
    elif op == "delete_row" and body:
        del body[r]
    elif op == "header":
        kind = i % 4
        if kind == 0:
            header[c] = value
        elif kind == 1:
            header.append(header[c])
            for row in body:
                row.append(row[c])
        elif kind == 2:
            del header[c]
            for row in body:
                del row[c]
        else:
            k = (c + 1) % len(header)
            header[c], header[k] = header[k], header[c]
    buf = io.StringIO()
    if op == "semicolon":
        writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
        body = [
            [v.replace(".", ",") if v.replace(".", "", 1).lstrip("-").isdigit() else v for v in row] for row in body
        ]
    else:
        writer = csv.writer(buf, lineterminator="\n")
    writer.writerows([header, *body])
    path.write_text(buf.getvalue(), encoding="utf-8")


@st.composite
def yaml_mutation(draw):
    rel = draw(st.sampled_from(YAML_FILES))
    op = draw(st.sampled_from(["value", "value", "value", "delete", "duplicate", "insert", "document", "encoding"]))
    return (
        rel,
        op,
        draw(st.integers(0, 10_000)),
        draw(st.one_of(st.sampled_from(YAML_VALUES), st.text(max_size=8))),
        draw(st.sampled_from(ENCODINGS)),
    )


def apply_yaml(data: Path, rel: str, op: str, i: int, value: str, enc: str) -> None:
    path = data / rel
    raw = path.read_bytes()
    if op == "encoding":
        path.write_bytes(reencode(raw, enc, i % max(len(raw), 1)))
        return
    if op == "document":
        path.write_text(value + "\n", encoding="utf-8")
        return
    lines = raw.decode("utf-8").splitlines()
    content = [k for k, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")]
    k = content[i % len(content)]
    if op == "value":
        line = lines[k]
        if ":" in line and not line.lstrip().startswith("- "):
            key, _, _ = line.partition(":")
            lines[k] = f"{key}: {value}"
        else:  # a list item
            lines[k] = line[: len(line) - len(line.lstrip())] + "- " + value
    elif op == "delete":
        del lines[k]
    elif op == "duplicate":
        lines.insert(k, lines[k])
    else:
        lines.insert(k, value)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@st.composite
def text_mutation(draw):
    return draw(st.sampled_from(TEXT_FILES)), draw(st.sampled_from(ENCODINGS)), draw(st.integers(0, 10_000))


# --- the property ------------------------------------------------------------------------------------


def check_validate(data: Path, mutated: str) -> list:
    """The property above; returns the errors validate found."""
    before = digest(data)
    seen: list = []
    real = datasets.validate

    def spy(folder=None):
        seen[:] = real(folder)
        return list(seen)

    with mock.patch.object(datasets, "validate", spy):
        result = CliRunner().invoke(main, ["validate"], env={"RAPPORTBOK_DATA": str(data)})
    out = result.output
    assert "Traceback" not in out
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert digest(data) == before, "validate wrote under data/"
    assert MARKER not in out, "a message showed the content of a file outside data/"
    errors = [i for i in seen if i.severity == "fel"]
    assert result.exit_code == (1 if errors else 0), out
    for issue in seen:
        msg = issue.message()
        assert issue.file and msg.startswith(issue.file) and msg.endswith("."), msg
        assert issue.expected.strip(), msg
        named = issue.file.rstrip("/")
        assert named == mutated or (data / named).exists() or (data / "kallor" / named).exists(), msg
        if issue.file.endswith(".csv") and issue.row > 1:
            assert issue.column or "fält" in issue.expected or "rad" in issue.value or "CSV" in issue.expected, msg
        assert msg in out or len(msg) > 2000 or "\n" in msg or "\r" in msg or issue.severity != "fel", msg
    if not errors:
        check_build_inputs(data)
    return errors


def check_build_inputs(data: Path) -> None:
    """What the build does with valid data before the notebooks run, and the number format it uses."""
    from rapportbok.chapters import registry
    from rapportbok.core import fmt
    from rapportbok.data import organisations as orgs

    all_orgs, issues = orgs.load_all(data)
    assert not issues
    for org in all_orgs:
        sets = datasets.load_org(org.slug, data)  # what build.plan() and every chapter page load
        for ch in registry():
            for year in org.years:
                ch.has_data(sets, year)
            if ch.warnings:
                ch.warnings(sets, org.slug)
        for df in sets.values():
            if df is None:
                continue
            for col in df.select_dtypes("number").columns:
                for v in df[col]:
                    fmt.number(v, 1)
                    fmt.tkr(v)


@FUZZ
@given(csv_mutation())
def test_fuzz_csv_files(m):
    rel, op, i, j, value, enc = m
    with tempfile.TemporaryDirectory() as tmp:
        data = scratch_for(rel, Path(tmp))
        apply_csv(data, rel, op, i, j, value, enc)
        check_validate(data, rel)


@FUZZ
@given(yaml_mutation())
def test_fuzz_yaml_files(m):
    rel, op, i, value, enc = m
    with tempfile.TemporaryDirectory() as tmp:
        data = scratch_for(rel, Path(tmp))
        apply_yaml(data, rel, op, i, value, enc)
        check_validate(data, rel)


@settings(FUZZ, max_examples=6)
@given(text_mutation())
def test_fuzz_source_texts(m):
    rel, enc, cut = m
    with tempfile.TemporaryDirectory() as tmp:
        data = scratch_for(rel, Path(tmp))
        p = data / rel
        p.write_bytes(reencode(p.read_bytes(), enc, cut % max(p.stat().st_size, 1)))
        check_validate(data, rel)


# --- the files themselves (issue #27) ----------------------------------------------------------------------

FILE_OPS = ["link-out", "link-in", "hardlink", "fifo", "huge", "folder-link", "folder-name"]
FOLDER_NAMES = ["Versal", "con", "nul", "kolada", "kallor", "a b", "alingsas\n", "x", "ab.c", "-org", "lpt1"]


@st.composite
def file_mutation(draw):
    return (
        draw(st.sampled_from(CSV_FILES + YAML_FILES + TEXT_FILES)),
        draw(st.sampled_from(FILE_OPS)),
        draw(st.sampled_from(FOLDER_NAMES)),
        draw(st.integers(0, 10_000)),
    )


def apply_file(data: Path, rel: str, op: str, name: str, i: int) -> dict[str, int] | None:
    """Mutate the file ``rel`` (or its folder) itself; returns size limits to lower for the run (op "huge"), or
    None when the mutation does not apply here (nothing was changed)."""
    import os

    path = data / rel
    outside = data.parent / "utanfor"
    outside.mkdir(exist_ok=True)
    top = data / rel.split("/")[0]
    if op == "link-out":  # to a copy outside data/ that carries the marker
        target = outside / path.name
        target.write_bytes(path.read_bytes() + f"\n{MARKER}\n".encode())
        path.unlink()
        path.symlink_to(target)
    elif op == "link-in":  # to another file in the same folder: one text under two names
        others = sorted(p for p in path.parent.iterdir() if p.is_file() and p != path)
        if not others:
            return None
        path.unlink()
        path.symlink_to(others[i % len(others)].name)
    elif op == "hardlink":
        os.link(path, path.with_name("kopia-" + path.name))
    elif op == "fifo":
        if not hasattr(os, "mkfifo"):
            return None
        path.unlink()
        os.mkfifo(path)
    elif op == "huge":
        if rel.endswith(".yml"):  # the real limit: a YAML file over 1 MB
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(("# " + "x" * 1000 + "\n") * 1100)
            return {}
        return {"CSV_LIMIT" if rel.endswith(".csv") else "TEXT_LIMIT": max(path.stat().st_size - 1, 1)}
    elif op == "folder-link":  # the organisation's folder (or data/kallor/, or kallor.csv) moved out and linked
        moved = outside / top.name
        shutil.move(top, moved)
        if moved.is_dir():
            (moved / "hemlig.txt").write_text(MARKER, encoding="utf-8")
        top.symlink_to(moved, target_is_directory=moved.is_dir())
    elif op == "folder-name":
        if not (top.is_dir() and top.name in ORGS and not (data / name).exists()):
            return None
        shutil.move(top, data / name)
    return {}


@settings(FUZZ, max_examples=14)
@given(file_mutation())
def test_fuzz_the_files_themselves(m):
    from rapportbok.core import inputs

    rel, op, name, i = m
    with tempfile.TemporaryDirectory() as tmp:
        data = scratch_for(rel, Path(tmp))
        limits = apply_file(data, rel, op, name, i)
        with mock.patch.multiple(inputs, **limits) if limits else mock.patch.object(inputs, "MB", inputs.MB):
            errors = check_validate(data, rel)
        assert errors or limits is None, f"{op} on {rel} ({name!r}) passed validation"


# --- valid mutations through a chapter's notebook code ------------------------------------------------


def run_chapter(chapter: str, params: dict, data: Path, cwd: Path, monkeypatch) -> None:
    """Execute a chapter template's code cells in this process, as papermill would in a kernel."""
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.setenv("RAPPORTBOK_DATA", str(data))
    monkeypatch.chdir(cwd)
    from rapportbok.publish import templates

    nb = templates.to_notebook(templates.template_path(ROOT, chapter))
    ns: dict = {}
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            source = "\n".join(f"{k} = {v!r}" for k, v in params.items())
        exec(compile(source, f"{chapter}.ipynb", "exec"), ns)  # noqa: S102 - our own templates


def _semicolon_cp1252(rel):
    def edit(data: Path):
        p = data / rel
        rows = list(csv.reader(io.StringIO(p.read_text(encoding="utf-8"))))
        buf = io.StringIO()
        csv.writer(buf, delimiter=";", lineterminator="\r\n").writerows(
            [[v.replace(".", ",") if v.replace(".", "", 1).lstrip("-").isdigit() else v for v in r] for r in rows]
        )
        p.write_bytes(buf.getvalue().encode("cp1252"))

    return edit


def _pad(rel):
    def edit(data: Path):
        p = data / rel
        rows = list(csv.reader(io.StringIO(p.read_text(encoding="utf-8"))))
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(
            [rows[0]] + [[f" {v} " if v else v for v in r] for r in rows[1:]]
        )
        p.write_text(buf.getvalue(), encoding="utf-8")

    return edit


@pytest.mark.parametrize(
    "edit, chapter, params",
    [
        (_semicolon_cp1252("alingsas/tabell_varden.csv"), "budget", {"org": "alingsas", "year": 2025, "tertial": 1}),
        (_pad("alingsas/tabell_varden.csv"), "budget", {"org": "alingsas", "year": 2025, "tertial": 1}),
        (_semicolon_cp1252("alingsas/tabell_begrepp.csv"), "budget", {"org": "alingsas", "year": 2025, "tertial": 1}),
        (_pad("linkoping/uppgifter.csv"), "budget", {"org": "linkoping", "year": 2024, "tertial": 1}),
        (_pad("haninge/uppfoljning_atgarder.csv"), "atgardsplan", {"org": "haninge", "year": 2018, "tertial": 2}),
    ],
    ids=[
        "budget-semikolon-cp1252",
        "budget-mellanslag",
        "begrepp-semikolon-cp1252",
        "uppgifter-mellanslag",
        "atgardsplan-mellanslag",
    ],
)
def test_valid_mutations_build_a_chapter(tmp_path, monkeypatch, edit, chapter, params):
    data = scratch_for(params["org"] + "/x", tmp_path)
    edit(data)
    assert not [i.message() for i in datasets.validate(data) if i.severity == "fel"]
    (tmp_path / "out").mkdir()
    run_chapter(chapter, params, data, tmp_path / "out", monkeypatch)
