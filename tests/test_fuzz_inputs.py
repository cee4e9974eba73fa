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
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from rapportbok.cli import main
from rapportbok.data import datasets

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
ORGS = sorted(p.name for p in DATA.iterdir() if (p / "organisation.yml").is_file())
CSV_FILES = sorted(p.relative_to(DATA).as_posix() for p in DATA.rglob("*.csv"))
YAML_FILES = sorted(p.relative_to(DATA).as_posix() for p in DATA.rglob("*.yml"))
TEXT_FILES = sorted(p.relative_to(DATA).as_posix() for p in (DATA / "kallor").glob("*.txt"))

BUDGET_S = 18.0  # per fuzz test: on a loaded machine the remaining examples pass without work
_started: dict[str, float] = {}


def over_budget(name: str) -> bool:
    """True once a fuzz test has used its time; keeps the whole file well under a minute."""
    import time

    start = _started.setdefault(name, time.monotonic())
    return time.monotonic() - start > BUDGET_S


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
]
ENCODINGS = ["utf-16", "utf-16-le", "utf-16-be", "cp1252", "utf-8-sig", "latin-1", "nul", "zip", "truncate", "garbage"]


def digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(folder).as_posix().encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def scratch_for(rel: str, tmp: Path) -> Path:
    """A copy of data/ with the mutated file's organisation only (and the sources), to keep runs short."""
    data = tmp / "data"
    org = rel.split("/")[0] if rel.split("/")[0] in ORGS else "haninge"
    shutil.copytree(
        DATA, data, ignore=lambda d, names: [n for n in names if Path(d) == DATA and n in ORGS and n != org]
    )
    return data


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


def check_validate(data: Path, mutated: str) -> None:
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
    if over_budget("csv"):
        return
    with tempfile.TemporaryDirectory() as tmp:
        data = scratch_for(rel, Path(tmp))
        apply_csv(data, rel, op, i, j, value, enc)
        check_validate(data, rel)


@FUZZ
@given(yaml_mutation())
def test_fuzz_yaml_files(m):
    rel, op, i, value, enc = m
    if over_budget("yaml"):
        return
    with tempfile.TemporaryDirectory() as tmp:
        data = scratch_for(rel, Path(tmp))
        apply_yaml(data, rel, op, i, value, enc)
        check_validate(data, rel)


@settings(FUZZ, max_examples=6)
@given(text_mutation())
def test_fuzz_source_texts(m):
    rel, enc, cut = m
    if over_budget("text"):
        return
    with tempfile.TemporaryDirectory() as tmp:
        data = scratch_for(rel, Path(tmp))
        p = data / rel
        p.write_bytes(reencode(p.read_bytes(), enc, cut % max(p.stat().st_size, 1)))
        check_validate(data, rel)


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
