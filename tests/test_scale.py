"""The national edition's performance half (#16): validate once, build a selection, site jobs, the bench.

Uses temporary copies of the project only. The synthetic organisations of the benchmark are
generated here too (tools/bench.py) and say they are synthetic.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import load_tool

from rapportbok.data import datasets
from rapportbok.data.schema import DataError
from rapportbok.publish import build, site

ROOT = Path(__file__).resolve().parents[1]
PROJECT_FILES = ("_config.yml", "_static", "_toc.yml", "requirements.txt", "data", "notebooks", "book")


def _copy(dst: Path, names=PROJECT_FILES) -> Path:
    for name in names:
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, dst / name)
    return dst


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rapportbok", *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def _executed(stdout: str) -> list[str]:
    return sorted(re.findall(r"\] (book/\S+\.ipynb)", stdout))


# -- validate once --------------------------------------------------------------------------------------


def test_each_organisation_is_validated_once_per_content(tmp_path):
    data = _copy(tmp_path, ("data",)) / "data"
    before = datasets._cache().loads
    first = datasets.load_org("alingsas", data)
    second = datasets.load_org("alingsas", data)
    assert datasets._cache().loads == before + 1  # the second call validated nothing
    assert first.keys() == second.keys()
    for name, df in first.items():
        assert (df is None) == (second[name] is None)
        if df is not None:
            assert df.equals(second[name]) and df is not second[name]
    # A caller that changes its tables does not change what the next caller gets.
    rows = len(first["tabell_varden"])
    first["tabell_varden"].drop(first["tabell_varden"].index, inplace=True)
    assert rows and len(datasets.load_org("alingsas", data)["tabell_varden"]) == rows
    # Another organisation, and a changed file, are validated anew.
    datasets.load_org("haninge", data)
    assert datasets._cache().loads == before + 2
    path = data / "alingsas" / "tabell_varden.csv"
    path.write_bytes(path.read_bytes() + b"\n")
    datasets.load_org("alingsas", data)
    assert datasets._cache().loads == before + 3


def test_the_source_register_is_read_once_for_all_organisations(tmp_path, monkeypatch):
    """kallor.csv grows with every organisation: validating it again for each one made a national
    build quadratic. It is read once per content; a changed register is read (and checked) anew."""
    from rapportbok.data import sources

    data = _copy(tmp_path, ("data",)) / "data"
    calls = []
    real = sources.load
    monkeypatch.setattr(sources, "load", lambda d=None: (calls.append(d), real(d))[1])
    for org in ("alingsas", "haninge", "linkoping"):
        datasets.load_org(org, data)
    assert len(calls) == 1
    register = data / "kallor.csv"
    lines = register.read_text(encoding="utf-8").splitlines(keepends=True)
    register.write_text("".join(ln for ln in lines if not ln.startswith("haninge-")), encoding="utf-8")
    with pytest.raises(DataError) as err:  # haninge's rows now cite an unknown source
        datasets.load_org("haninge", data)
    assert len(calls) == 2 and "haninge-delredovisning-2018" in err.value.report()


def test_warnings_are_repeated_from_the_cache_and_errors_are_not_cached(tmp_path):
    data = _copy(tmp_path, ("data",)) / "data"
    seen1, seen2 = [], []
    datasets.load_org("haninge", data, seen1)
    datasets.load_org("haninge", data, seen2)
    assert seen1 == seen2
    path = data / "alingsas" / "tabell_varden.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace(",budget2024,31417", ",budget2024,31 417 kr", 1), encoding="utf-8"
    )
    for _ in range(2):  # the error is reported every time, with file, row, column and value
        with pytest.raises(DataError) as err:
            datasets.load_org("alingsas", data)
        assert "alingsas/tabell_varden.csv, rad 2, kolumn 'varde': värdet '31 417 kr'" in err.value.report()


def test_the_cache_survives_the_executors_reimport_of_the_package():
    # The executor drops `rapportbok` from sys.modules between notebooks; the cache lives outside it.
    assert not datasets.CACHE_MODULE.startswith("rapportbok")
    assert datasets._cache() is sys.modules[datasets.CACHE_MODULE]


def _outputs(path: Path) -> dict:
    """A notebook without its input hash (which changes with any package change)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    nb["metadata"].pop("rapportbok", None)
    return nb


def test_validate_once_leaves_every_notebook_output_as_committed(built_project):
    # built_project is a from-scratch build with this branch's code (tests/conftest.py); the committed
    # book/ was built before the cache existed. Only the input hashes may differ.
    committed = sorted(p.relative_to(ROOT) for p in (ROOT / "book").rglob("*.ipynb"))
    assert committed
    for rel in committed:
        assert _outputs(built_project / rel) == _outputs(ROOT / rel), rel


# -- build a selection ----------------------------------------------------------------------------------


def test_selection_builds_only_those_organisations_and_keeps_the_others(tmp_path):
    proj = _copy(tmp_path)
    for org in ("haninge", "linkoping"):  # both changed: only the selected one may run
        f = proj / "data" / org / "uppgifter.csv"
        f.write_bytes(f.read_bytes() + b"\n")
    kept = {
        p: p.read_bytes()
        for p in (proj / "book").rglob("*")
        if p.is_file() and "linkoping" not in p.parts and p.suffix == ".ipynb"
    }
    proc = _run(proj, "build", "--no-site", "--org", "linkoping")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    executed = _executed(proc.stdout)
    assert executed and all(p.startswith("book/linkoping/") for p in executed)
    assert {p.relative_to(proj).as_posix() for p in (proj / "book/linkoping").rglob("*.ipynb")} == set(executed)
    for p, content in kept.items():
        assert p.read_bytes() == content, p  # the others' committed notebooks, untouched
    assert not (proj / "_build/.rapportbok-stamp.json").exists()  # a later full build looks at everything
    proc = _run(proj, "build", "--no-site")
    assert proc.returncode == 0, proc.stderr
    assert "Inget har ändrats" not in proc.stdout
    assert not any(p.startswith("book/linkoping/") for p in _executed(proc.stdout))
    assert any(p.startswith("book/haninge/") for p in _executed(proc.stdout))


def test_unknown_organisation_in_selection_is_a_swedish_error(tmp_path):
    proj = _copy(tmp_path)
    book = {p: p.read_bytes() for p in (proj / "book").rglob("*") if p.is_file()}
    proc = _run(proj, "build", "--no-site", "--org", "stockholm")
    assert proc.returncode == 1
    assert "Okänd organisation i --org: stockholm" in proc.stderr and "alingsas" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert {p: p.read_bytes() for p in (proj / "book").rglob("*") if p.is_file()} == book


def test_shards_assemble_into_the_full_book(tmp_path):
    """As the handbook's CI matrix (handbok/gor-sa-har/bygga-i-delar.md): each shard builds its organisations, one job assembles book/ and builds.

    Two shards of one organisation each, Haninge and Linköping (four notebooks apiece); Alingsås' eleven stay as
    book/ has them, which the assembled build must take as they are too."""
    shards = [("haninge",), ("linkoping",)]
    copies = []
    for i, orgs in enumerate(shards):
        (tmp_path / f"shard{i}").mkdir()
        proj = _copy(tmp_path / f"shard{i}")
        proc = _run(proj, "build", "--no-site", "--alla", *[a for o in orgs for a in ("--org", o)])
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert {p.split("/")[1] for p in _executed(proc.stdout)} == set(orgs)
        copies.append(proj)
    (tmp_path / "all").mkdir()
    final = _copy(tmp_path / "all")
    for proj, orgs in zip(copies, shards):
        for org in orgs:
            shutil.rmtree(final / "book" / org)
            shutil.copytree(proj / "book" / org, final / "book" / org)
    proc = _run(final, "build", "--no-site")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Kör 0 notebooks" in proc.stdout  # every notebook came from a shard with the right inputs
    for nb in (final / "book").rglob("*.ipynb"):
        assert nbformat.read(nb, as_version=4).metadata["rapportbok"]["inputs"]


# -- site jobs ------------------------------------------------------------------------------------------


def test_site_jobs_are_passed_to_sphinx(monkeypatch):
    monkeypatch.delenv(build.SITE_JOBS_ENV, raising=False)
    monkeypatch.setattr(build.os, "cpu_count", lambda: 2)
    assert build.site_jobs() == 1 and build.site_jobs(build.LARGE_SITE_PAGES - 1) == 1  # a small book: one process
    assert build.site_jobs(build.LARGE_SITE_PAGES) == build.PARALLEL_SITE_JOBS == 3  # a large one: written in parallel
    monkeypatch.setattr(build.os, "cpu_count", lambda: 1)
    assert build.site_jobs(build.LARGE_SITE_PAGES) == 1  # one core: nothing to share
    monkeypatch.setenv(build.SITE_JOBS_ENV, "2")
    assert build.site_jobs() == 2 and build.site_jobs(10_000) == 2  # the analyst's choice wins
    assert site.command(Path("."), 2)[-2:] == ["--jobs", "2"]
    arguments = site.sphinx_arguments(Path("src"), Path("out"), 2)
    assert arguments[arguments.index("-j") + 1] == "2"  # Sphinx's own option, public
    monkeypatch.setenv(build.SITE_JOBS_ENV, "många")
    assert build.site_jobs() == 1


# -- the benchmark's synthetic organisations ------------------------------------------------------------


def test_bench_synthesizes_valid_labelled_organisations(tmp_path):
    bench = load_tool("bench")
    proj = bench.copy_project(tmp_path)
    bench.synthesize(proj, 3, "alingsas")
    from rapportbok.publish import validation

    issues = validation.validate(proj / "data")
    assert not [i for i in issues if i.severity == "fel"], [i.message() for i in issues]
    all_orgs, jobs = build.plan(proj / "data")
    assert [o.slug for o in all_orgs] == ["syntetisk-001", "syntetisk-002", "syntetisk-003"]
    assert all(o.name.startswith("Syntetisk kommun") and len(o.years) == 1 for o in all_orgs)
    assert len({j.chapter for j in jobs}) >= 4
    assert "SYNTETISKA TESTDATA" in (proj / "data" / "SYNTETISKT.md").read_text(encoding="utf-8")
    assert bench.growth_exponent([(10, 10.0), (50, 50.0)]) == pytest.approx(1.0)
    assert bench.growth_exponent([(10, 1.0), (100, 100.0)]) == pytest.approx(2.0)


def test_bench_reports_the_phases_of_a_build():
    """The scale table's phase line: time before the kernels, the notebooks, the site, and processor time."""
    bench = load_tool("bench")
    number = lambda x, d: f"{x:.{d}f}".replace(".", ",")  # noqa: E731
    line = bench.phase_line({"notebooks": 12.0, "webbplats": 92.1, "cpu": 250.5}, 122.3, 30, number)
    assert line == (
        "före kärnorna 12,0 s · notebooks 80,1 s · webbplatsen 30,2 s · CPU 250,5 s (8,35 s per organisation)"
    )
    assert bench.phase_line({"notebooks": 2.0, "cpu": 9.0}, 10.0, 3, number) == (
        "före kärnorna 2,0 s · notebooks 8,0 s · CPU 9,0 s (3,00 s per organisation)"
    )  # the site unchanged
    assert [p for p, _ in bench.PHASE_LINES] == ["notebooks", "webbplats"]
    source = Path(build.__file__).read_text(encoding="utf-8")  # the build still prints the lines the bench waits for
    assert 'log(f"Kör {len(todo)} notebooks' in source and 'log("Bygger webbplatsen' in source


def test_bench_synthetic_national_store_is_one_fetch_shared_by_all(tmp_path):
    """`tools/bench.py --kolada`: SYNTHETIC values from the fake server, fetched once by the real command into
    data/kolada/, and every synthetic organisation reads the same folders (its rows: all municipalities)."""
    bench = load_tool("bench")
    from rapportbok.data import kolada

    proj = bench.copy_project(tmp_path)
    bench.synthesize(proj, 2, "alingsas")
    bench.synthetic_kolada(proj, "alingsas")
    data = proj / "data"
    assert not list(data.glob("syntetisk-*/kolada"))  # no store per organisation
    config = kolada.load_config(data / "syntetisk-001")
    assert sorted(p.name for p in (data / "kolada").iterdir()) == sorted(config.kpis)
    meta = kolada.read_kpi(data, "N31001")[1]
    assert "SYNTETISK" in meta["title"] and meta["base_url"].startswith("http://127.0.0.1:")
    assert "SYNTETISKA TESTDATA" in (data / "syntetisk-001" / "kolada.yml").read_text(encoding="utf-8")
    one, _ = kolada.load_stored(data / "syntetisk-001")
    two, _ = kolada.load_stored(data / "syntetisk-002")
    assert one.equals(two) and one["municipality"].nunique() >= 290
    assert kolada.store_files(data / "syntetisk-001") == kolada.store_files(data / "syntetisk-002")


def test_bench_replicates_one_built_organisation_for_the_no_change_check(tmp_path):
    bench = load_tool("bench")
    proj = bench.copy_project(tmp_path)
    bench.synthesize(proj, 3, "alingsas")
    (proj / "book" / "syntetisk-001" / "2025" / "tabeller").mkdir(parents=True)
    for rel in ("2025/budget.ipynb", "2025/tabeller/budget-1.csv"):
        (proj / "book" / "syntetisk-001" / rel).write_text("{}\n", encoding="utf-8")
    assert bench.replicate_outputs(proj, "syntetisk-001") == 3 * 2
    assert (proj / "book" / "syntetisk-003" / "2025" / "tabeller" / "budget-1.csv").is_file()


def test_every_site_extension_lets_sphinx_write_in_parallel(tmp_path):
    """With three processes Sphinx must not fall back to a serial write (an extension not declared safe), and it
    reads in one process by design (rapportbok.publish.sphinx_private.read_serially), without a warning."""
    proj = _copy(tmp_path)
    env = {**__import__("os").environ, build.PDF_ENV: "0"}
    proc = subprocess.run([*site.command(proj, 3), "--verbose"], capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    out = proc.stdout + proc.stderr
    assert "serial write" not in out and "serial read" not in out
    assert build.site_pages(proj) > 10 and (proj / "_build/html/index.html").is_file()


def test_workers_keep_to_one_organisation_so_its_input_is_validated_once_per_kernel():
    from rapportbok.publish import executor

    def spec(group: str, n: int) -> executor.Spec:
        return executor.Spec(f"{group}{n}", "t.ipynb", f"{group}{n}.ipynb", {}, ".", group=group)

    todo = executor._Todo([spec("a", 1), spec("a", 2), spec("a", 3), spec("b", 1), spec("b", 2), spec("c", 1)])
    order = [(w, todo.take(w).key) for w in (0, 1, 0, 1, 1, 1)]
    # Worker 1 does not join worker 0's organisation while another one is free; at the end it helps.
    assert order == [(0, "a1"), (1, "b1"), (0, "a2"), (1, "b2"), (1, "c1"), (1, "a3")]
    assert todo.take(0) is None
    plain = executor._Todo([executor.Spec(k, "t", k, {}, ".") for k in "xyz"])  # no groups: in order
    assert [plain.take(i % 2).key for i in range(3)] == ["x", "y", "z"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc")
def test_bench_counts_a_forked_copy_once_in_pss_but_twice_in_rss():
    """The bench's peak memory is the tree's PSS: a forked child (Sphinx writing in parallel) shares its parent's
    pages, which the summed RSS would count again."""
    import os
    import time

    bench = load_tool("bench")
    ballast = bytearray(os.urandom(64 * 2**20))  # 64 MB the child shares with this process
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: wait until told to leave
        os.close(w)
        os.read(r, 1)
        os._exit(0)
    os.close(r)
    try:
        time.sleep(0.2)
        alone_pss, alone_rss = bench._tree_memory(pid)
        pss, rss = bench._tree_memory(os.getpid())
    finally:
        os.close(w)
        os.waitpid(pid, 0)
    assert len(ballast) == 64 * 2**20
    assert alone_rss > 60 * 2**20 and alone_rss - alone_pss > 30 * 2**20  # the child has half the shared ballast in PSS
    assert rss - pss > 60 * 2**20  # in the tree's sum the ballast's second count is in RSS, not in PSS
