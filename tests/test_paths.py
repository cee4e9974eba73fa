"""Paths built from data or parameters stay inside their folder (issue 12: 1, 2, 8 and 12).

A source's file (kallor.csv, column ``fil``) must lie inside data/, a source id (``kalla``) names a
page under book/kallor/ and has a pattern, ``--org`` is a slug inside data/; a violation is a
precise error (file, row, column, value, expected) before anything is written.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import stat
from pathlib import Path

import pytest
from conftest import copy_data, run_cli

from rapportbok.core import ids, paths
from rapportbok.data import datasets, kolada, sources
from rapportbok.data.schema import DataError
from rapportbok.publish import build, inputs

ROOT = Path(__file__).resolve().parents[1]


# --- paths.inside ----------------------------------------------------------------------------


def test_inside_resolves_and_confines(tmp_path):
    (tmp_path / "data" / "kallor").mkdir(parents=True)
    (tmp_path / "secret.txt").write_text("hemlig", encoding="utf-8")
    (tmp_path / "data" / "kallor" / "ut.txt").symlink_to(tmp_path / "secret.txt")
    data = tmp_path / "data"
    assert paths.inside(data, "kallor/a.txt") == (data / "kallor" / "a.txt").resolve()
    assert paths.inside(data, "kallor", "../kallor/a.txt") == (data / "kallor" / "a.txt").resolve()
    for bad in (
        "../secret.txt",
        "/etc/passwd",
        str(tmp_path / "secret.txt"),
        "kallor/../../secret.txt",
        "kallor/ut.txt",
        "",
        ".",
        "kallor/..",
        "a\0b",
    ):
        with pytest.raises(paths.PathError, match="stannar inom data/"):
            paths.inside(data, bad)


@pytest.mark.parametrize("org", ["../x", "/tmp/x", "Alingsas", "a", "alingsas/..", "..", "a b", ""])
def test_org_slugs_are_checked(org, tmp_path):
    with pytest.raises(paths.PathError, match="små bokstäver"):
        paths.org_folder(org, tmp_path)


def test_source_id_pattern():
    for ok in ("alingsas-budget-2025", "a", "2024-rapport", "x" * 81):
        assert ids.SOURCE_ID.valid(ok)
    for bad in ("../../../README", "-a", "A", "a_b", "a.b", "a/b", "x" * 82, "a b", "å", "a\n", "index", "con"):
        assert not ids.SOURCE_ID.valid(bad), bad


# --- data/kallor.csv ---------------------------------------------------------------------------


def _data_copy(tmp_path: Path, orgs=()) -> Path:
    """data/ with its sources and the organisations ``orgs``: none for a test of data/kallor.csv, read on its own."""
    return copy_data(tmp_path / "data", orgs)


def _edit_kallor(data: Path, row: int, column: str, value: str) -> None:
    """Set one cell of data/kallor.csv (row as Excel numbers it: the header is row 1)."""
    path = data / "kallor.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    rows[row - 1][rows[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


@pytest.mark.parametrize("fil", ["../../../../etc/passwd", "/etc/passwd", "../README.md", "kallor/../../README.md"])
def test_a_source_file_outside_data_is_a_precise_error(tmp_path, fil):
    data = _data_copy(tmp_path)
    _edit_kallor(data, 2, "fil", fil)
    issues = datasets.validate(data)
    assert [(i.file, i.row, i.column, i.value) for i in issues] == [("kallor.csv", 2, "fil", fil)]
    assert "stannar inom data/" in issues[0].expected
    with pytest.raises(DataError):
        build.source_pages(data, [])


def test_a_source_file_linked_out_of_data_is_refused(tmp_path):
    data = _data_copy(tmp_path)
    (tmp_path / "secret.txt").write_text("hemlig", encoding="utf-8")
    (data / "kallor" / "lank.txt").symlink_to(tmp_path / "secret.txt")
    _edit_kallor(data, 3, "fil", "kallor/lank.txt")
    issues = datasets.validate(data)
    # refused where the text is read, by what it is (issue #27, item 1), never followed
    assert [(i.file, i.value) for i in issues] == [("kallor/lank.txt", "en symbolisk länk")]


@pytest.mark.parametrize("kalla", ["../../../README", "/tmp/x", "Alingsas", "a/b", "-x"])
def test_a_source_id_that_is_not_a_plain_id_is_a_precise_error(tmp_path, kalla):
    data = _data_copy(tmp_path)
    _edit_kallor(data, 2, "kalla", kalla)
    with pytest.raises(DataError) as err:
        sources.load(data)
    (issue,) = err.value.issues
    assert (issue.file, issue.row, issue.column, issue.value) == ("kallor.csv", 2, "kalla", kalla)
    assert issue.expected == ids.SOURCE_ID.text
    assert "kallor.csv, rad 2, kolumn 'kalla'" in issue.message()


def test_build_with_a_hostile_source_id_writes_nothing(tmp_path):
    """The reported attack: kalla '../../../README' overwrote the project README before any notebook ran."""
    proj = tmp_path / "proj"
    proj.mkdir()
    for name in ("_config.yml", "_static", "_toc.yml", "requirements.txt", "data", "notebooks", "book"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, proj / name)
    (proj / "README.md").write_text("orörd\n", encoding="utf-8")
    (tmp_path / "README.md").write_text("orörd\n", encoding="utf-8")
    _edit_kallor(proj / "data", 2, "kalla", "../../../README")
    _edit_kallor(proj / "data", 3, "fil", "../README.md")

    def files():  # the build's lock (_build/.rapportbok-lock) aside
        return sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if "_build" not in p.parts)

    before = files()
    proc = run_cli(proj, "build", "--no-site", "--workers", "1")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert "kallor.csv, rad 2, kolumn 'kalla': värdet '../../../README'" in proc.stderr
    assert (proj / "README.md").read_text(encoding="utf-8") == "orörd\n"
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == "orörd\n"
    assert files() == before


# --- --org ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["kolada", "fetch", "--base-url", "http://127.0.0.1:9/"],
        ["mall", "--ar", "2025", "--tertial", "1"],
        ["import", "x.xlsx"],
    ],
)
@pytest.mark.parametrize("org", ["../../utanfor", "/tmp/utanfor"])
def test_org_parameter_is_confined(tmp_path, command, org):
    proj = tmp_path / "proj"
    shutil.copytree(ROOT / "data", proj / "data")
    shutil.copy(ROOT / "_config.yml", proj / "_config.yml")
    # An organisation folder outside data/ that a joined path would reach.
    outside = Path(org) if org.startswith("/") else (proj / "data" / org).resolve()
    if org.startswith("/"):
        outside = tmp_path / "abs"
        org = str(outside)
    shutil.copytree(ROOT / "data" / "alingsas", outside)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    proc = run_cli(proj, *command, "--org", org)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"'{org}'" in proc.stderr and "små bokstäver" in proc.stderr
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_template_name_needs_a_slug():
    from rapportbok.data import measure_workbook as excel

    assert excel.default_name("haninge", 2018, 3) == "uppfoljning_haninge_2018_T3.xlsx"
    with pytest.raises(paths.PathError):
        excel.default_name("../../x", 2018, 3)


def test_kolada_files_are_written_with_the_usual_permissions(tmp_path):
    """Kolada's store is written through core.files (was mkstemp: 0600, unreadable for a web server)."""
    from rapportbok.core import files

    assert "files.write_text" in Path(kolada.__file__).read_text(encoding="utf-8")
    old = os.umask(0o022)
    try:
        files.write_text(tmp_path / "kolada" / "varden.csv", "kpi\n")
    finally:
        os.umask(old)
    mode = stat.S_IMODE((tmp_path / "kolada" / "varden.csv").stat().st_mode)
    assert mode == 0o644
    assert [p.name for p in (tmp_path / "kolada").iterdir()] == ["varden.csv"]  # no temporary file left


# --- the genomlysning chapter reads Kolada ------------------------------------------------------------


def test_genomlysning_depends_on_kolada_yml_and_the_fetched_values(tmp_path):
    """After `kolada fetch` (or a changed kolada.yml) the genomlysning notebook runs again, not only the summary."""
    data = _data_copy(tmp_path, ["alingsas"])
    paths_read = inputs.chapter_files("genomlysning", data / "alingsas")
    files = {p.name for p in paths_read}
    assert {"genomlysning_uppgifter.csv", "genomlysning_forflyttning.csv", "kolada.yml"} <= files
    kpis = kolada.load_config(data / "alingsas").kpis
    # Its KPIs' folders of the national store data/kolada/ (not yet fetched here), and no other KPI's.
    assert {p for p in paths_read if "kolada" in p.parent.parts[-2:-1]} == {
        data / "kolada" / k / n for k in kpis for n in ("varden.csv", "hamtning.yml")
    }
    job = build.Job("alingsas", 2025, 1, "genomlysning")
    other = build.Job("alingsas", 2025, 1, "risk")
    first = build.inputs_hash(job, ROOT, data), build.inputs_hash(other, ROOT, data)
    config = data / "alingsas" / "kolada.yml"
    config.write_text(config.read_text(encoding="utf-8") + "\n# ändrad\n", encoding="utf-8")
    second = build.inputs_hash(job, ROOT, data), build.inputs_hash(other, ROOT, data)
    assert second[0] != first[0] and second[1] == first[1]
    unread = next(k for k in ("N00001", "N00002") if k not in kpis)  # another organisation's KPI is fetched
    (data / "kolada" / unread).mkdir(parents=True)
    (data / "kolada" / unread / "varden.csv").write_text("kpi,kommun_id\n", encoding="utf-8")
    assert (build.inputs_hash(job, ROOT, data), build.inputs_hash(other, ROOT, data)) == second
    (data / "kolada" / kpis[0]).mkdir(parents=True)
    (data / "kolada" / kpis[0] / "varden.csv").write_text("kpi,kommun_id\n", encoding="utf-8")
    third = build.inputs_hash(job, ROOT, data), build.inputs_hash(other, ROOT, data)
    assert third[0] != second[0] and third[1] == first[1]
