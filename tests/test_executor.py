"""rapportbok.publish.executor: notebooks run on reused kernels come out as papermill writes them with a
fresh kernel each, and one notebook's failure, dying kernel or state does not reach the next."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
import papermill as pm
import pytest
from conftest import chapter_notebook

from rapportbok.chapters import MODULES
from rapportbok.publish import build, executor, notebook

ROOT = Path(__file__).resolve().parents[1]
PARAMS = {"org": "testorg", "year": 2025, "tertial": 1}


# -- helpers ------------------------------------------------------------------------------------------


def _kernel_children() -> list[int]:
    """Kernel processes that are children of this process (Linux /proc)."""
    me, found = os.getpid(), []
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        if ppid == me and b"ipykernel" in cmd:
            found.append(int(entry))
    return found


@pytest.fixture(autouse=True)
def _no_orphans():
    yield
    assert _kernel_children() == [], "kernels left running after executor.run"


def _normalized(path: Path, parameters: dict) -> str:
    """The notebook after the build's own normalization, as text."""
    notebook.clean(path, dict(parameters))
    nb = nbformat.read(path, as_version=4)
    for n, cell in enumerate(nb.cells):  # papermill's error banners get random ids
        if "papermill-error-cell-tag" in cell.metadata.get("tags", []):
            cell["id"] = f"papermill-error-cell-{n}"
    return nbformat.writes(nb)


def _papermill(template: str, out: str, parameters: dict, cwd: str) -> None:
    """The reference: plain papermill with a fresh kernel, as build.py runs it."""
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    pm.execute_notebook(
        template, out, parameters=parameters, cwd=cwd, progress_bar=False, kernel_name="python3", log_output=False
    )


def _synthetic(tmp_path: Path, name: str, *cells: str) -> str:
    """A synthetic template: a cell tagged "parameters", then the given code cells."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    params = nbformat.v4.new_code_cell('org = "x"\nyear = 2000\ntertial = 1')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_markdown_cell(f"# {name}"), *(nbformat.v4.new_code_cell(c) for c in cells)]
    path = tmp_path / "templates" / f"{name}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return str(path)


def _spec(tmp_path: Path, template: str, name: str, folder: str = "out") -> executor.Spec:
    out = tmp_path / folder / f"{name}.ipynb"
    out.parent.mkdir(parents=True, exist_ok=True)
    return executor.Spec(key=name, template=template, out=str(out), parameters=dict(PARAMS), cwd=str(out.parent))


def _outputs(path: str) -> list[tuple[int | None, list]]:
    nb = nbformat.read(path, as_version=4)
    return [
        (c.execution_count, [o.get("text", o.get("data", {}).get("text/plain")) for o in c.outputs])
        for c in nb.cells
        if c.cell_type == "code"
    ]


# -- equivalence with papermill on the project's real chapters -----------------------------------------


def _real_jobs(limit: int = 6) -> list[build.Job]:
    """Every chapter once, spread over the organisations, and one chapter again for another organisation."""
    _, jobs = build.plan(ROOT / "data")
    chosen: list[build.Job] = []
    used: dict[str, int] = {}
    for chapter in dict.fromkeys(j.chapter for j in jobs):
        candidates = [j for j in jobs if j.chapter == chapter]
        pick = min(candidates, key=lambda j: (used.get(j.org, 0), j.org, -j.year))
        used[pick.org] = used.get(pick.org, 0) + 1
        chosen.append(pick)
    for j in jobs:
        if len(chosen) >= limit:
            break
        if j not in chosen and any(c.chapter == j.chapter and c.org != j.org for c in chosen):
            chosen.append(j)
    return chosen[:limit]


def _real_papermill(args: tuple) -> None:
    template, out, parameters, cwd, data = args
    os.environ["RAPPORTBOK_DATA"] = data
    _papermill(template, out, parameters, cwd)


def test_real_notebooks_match_papermill(tmp_path):
    jobs = _real_jobs()
    assert len({j.chapter for j in jobs}) >= 4 and len({j.org for j in jobs}) >= 2
    data = str(ROOT / "data")
    specs = []
    for j in jobs:
        out = tmp_path / "reuse" / j.relpath
        out.parent.mkdir(parents=True, exist_ok=True)
        specs.append(
            executor.Spec(
                j.relpath, str(chapter_notebook(j.chapter, tmp_path)), str(out), j.parameters(), str(out.parent)
            )
        )
    done = []
    # As the build runs them: the first worker's kernel started ahead, warmed as the build warms it (executor.Warm,
    # build.KERNEL_WARM: the chapters imported and the presentation's first use made), changes no output.
    warm = build.warm_kernel()
    failures = executor.run(
        specs, workers=2, env={"RAPPORTBOK_DATA": data}, on_done=lambda spec, seconds: done.append(spec.key), warm=warm
    )
    assert failures == []
    assert sorted(done) == sorted(s.key for s in specs)

    ref_args = []
    for j in jobs:
        out = tmp_path / "papermill" / j.relpath
        out.parent.mkdir(parents=True, exist_ok=True)
        ref_args.append((str(chapter_notebook(j.chapter, tmp_path)), str(out), j.parameters(), str(out.parent), data))
    with ProcessPoolExecutor(max_workers=2) as pool:
        list(pool.map(_real_papermill, ref_args))

    for j in jobs:
        ours, ref = tmp_path / "reuse" / j.relpath, tmp_path / "papermill" / j.relpath
        notebook.clean(ours, j.parameters())
        notebook.clean(ref, j.parameters())
        assert ours.read_text(encoding="utf-8") == ref.read_text(encoding="utf-8"), j.relpath
        counts = [c.execution_count for c in nbformat.read(ours, as_version=4).cells if c.cell_type == "code"]
        assert counts == list(range(1, len(counts) + 1)), j.relpath
    # The table downloads the chapters write next to the notebook (CSV; the Excel files carry no dates to compare).
    for base in ("reuse", "papermill"):
        assert (tmp_path / base).is_dir()
    ours_csv = {p.relative_to(tmp_path / "reuse"): p.read_bytes() for p in (tmp_path / "reuse").rglob("*.csv")}
    ref_csv = {p.relative_to(tmp_path / "papermill"): p.read_bytes() for p in (tmp_path / "papermill").rglob("*.csv")}
    assert ours_csv == ref_csv


# -- failure isolation (synthetic notebooks) ----------------------------------------------------------

GOOD_CELLS = ("import os\nvalue = 6 * 7\nprint('svar', value, year)", "value + 1")


def test_failing_cell_is_reported_and_next_notebook_is_clean(tmp_path):
    # synthetic: cell 4 (parameters 1, injected parameters 2, the assignment 3) raises
    bad = _synthetic(tmp_path, "bad", "leftover = 'från förra notebooken'", "raise ValueError('trasig cell')")
    good = _synthetic(tmp_path, "good", *GOOD_CELLS)
    specs = [_spec(tmp_path, bad, "bad"), _spec(tmp_path, good, "good")]
    failed_now, done = [], []
    failures = executor.run(
        specs,
        workers=1,
        on_done=lambda spec, seconds: done.append(spec.key),
        on_failed=lambda spec, err: failed_now.append(spec.key),
    )
    assert (failed_now, done) == (["bad"], ["good"])
    [(spec, err)] = failures
    assert spec.key == "bad" and isinstance(err, executor.NotebookFailed)
    assert (err.ename, err.evalue, err.exec_count, err.key) == ("ValueError", "trasig cell", 4, "bad")

    ref = tmp_path / "ref"
    with pytest.raises(pm.PapermillExecutionError) as expected:
        _papermill(bad, str(ref / "bad.ipynb"), PARAMS, str(ref))
    assert (err.ename, err.evalue, err.exec_count) == (
        expected.value.ename,
        expected.value.evalue,
        expected.value.exec_count,
    )
    # the failed notebook is written as papermill writes it (with the error), and the next one is clean
    assert _normalized(Path(specs[0].out), PARAMS) == _normalized(ref / "bad.ipynb", PARAMS)
    _papermill(good, str(ref / "good.ipynb"), PARAMS, str(ref))
    assert _normalized(Path(specs[1].out), PARAMS) == _normalized(ref / "good.ipynb", PARAMS)


def test_dead_kernel_is_reported_and_replaced(tmp_path):
    # synthetic: the kernel process exits in cell 4
    dying = _synthetic(tmp_path, "dying", "a = 1", "import os; os._exit(1)", "a")
    good = _synthetic(tmp_path, "good", *GOOD_CELLS)
    specs = [_spec(tmp_path, good, "first"), _spec(tmp_path, dying, "dying"), _spec(tmp_path, good, "good")]
    done = []
    failures = executor.run(specs, workers=1, on_done=lambda spec, seconds: done.append(spec.key))
    assert done == ["first", "good"]
    [(spec, err)] = failures
    assert (spec.key, err.ename, err.exec_count) == ("dying", "DeadKernelError", 4)
    assert "avslutades" in err.evalue
    ref = tmp_path / "ref"
    _papermill(good, str(ref / "good.ipynb"), PARAMS, str(ref))
    expected = _normalized(ref / "good.ipynb", PARAMS)
    assert _normalized(Path(specs[0].out), PARAMS) == expected
    assert _normalized(Path(specs[2].out), PARAMS) == expected


def test_timeout_is_reported_and_next_notebook_runs(tmp_path):
    # synthetic: cell 3 sleeps past the per-cell timeout
    slow = _synthetic(tmp_path, "slow", "import time; time.sleep(60)")
    good = _synthetic(tmp_path, "good", *GOOD_CELLS)
    specs = [_spec(tmp_path, slow, "slow"), _spec(tmp_path, good, "good")]
    failures = executor.run(specs, workers=1, timeout=2)
    assert [(s.key, e.ename, e.exec_count) for s, e in failures] == [("slow", "CellTimeoutError", 3)]
    assert _outputs(specs[1].out)[2] == (3, ["svar 42 2025\n"])


# -- state isolation (synthetic notebooks) ------------------------------------------------------------


def test_state_does_not_leak_between_notebooks(tmp_path):
    # synthetic: the first notebook leaves state everywhere it can, also in the package's declared state
    # (rapportbok.core.state); the second looks for it
    first = _synthetic(
        tmp_path,
        "first",
        "import os, sys, warnings\nleak = 42\nos.environ['RAPPORTBOK_LEAK'] = '1'\n"
        "sys.path.insert(0, '/nowhere')\nwarnings.simplefilter('ignore')\n"
        "from rapportbok.present import tables\nfrom rapportbok.chapters import audit\n"
        "tables.begin_page('lekt')\naudit._asking = ('budget', 'Budget')",
        "print(os.getpid())",
    )
    second = _synthetic(
        tmp_path,
        "second",
        "import os, sys, warnings\nfrom rapportbok.present import tables\nfrom rapportbok.chapters import audit\n"
        "print(os.getpid())\n"
        "print('env', os.environ.get('RAPPORTBOK_LEAK'), os.environ.get('RAPPORTBOK_DATA'))\n"
        "print('cwd', os.getcwd())\n"
        "print('path', '/nowhere' in sys.path, 'page', tables.current_page(), 'asking', audit.asking())\n"
        "print('filters', ('ignore', None, Warning, None, 0) in warnings.filters)",
        "leak",
    )
    specs = [_spec(tmp_path, first, "first", "a"), _spec(tmp_path, second, "second", "b")]
    failures = executor.run(specs, workers=1, env={"RAPPORTBOK_DATA": "/data"})
    [(spec, err)] = failures
    assert (spec.key, err.ename, err.evalue, err.exec_count) == ("second", "NameError", "name 'leak' is not defined", 4)
    first_pid = _outputs(specs[0].out)[3][1][0].strip()
    counts, [text] = _outputs(specs[1].out)[2]
    assert counts == 3
    lines = text.splitlines()
    assert lines[0] == first_pid  # the same kernel ran both notebooks
    assert lines[1:] == ["env None /data", f"cwd {specs[1].cwd}", "path False page None asking False", "filters False"]
    nb = nbformat.read(specs[1].out, as_version=4)
    assert [c.execution_count for c in nb.cells if c.cell_type == "code"] == [1, 2, 3, 4]


def test_the_package_stays_imported_unless_asked_to_reimport(tmp_path):
    # synthetic: a mark on the package's module survives to the next notebook (the package is not imported
    # afresh; its state is reset instead), and is gone when the package is named in `reimport`
    mark = _synthetic(
        tmp_path, "mark", "import rapportbok\nprint(getattr(rapportbok, '_mark', None))\nrapportbok._mark = 1"
    )
    for reimport, expected in (((), "1"), (("rapportbok",), "None")):
        specs = [_spec(tmp_path, mark, f"m{i}", f"r{len(reimport)}") for i in range(2)]
        assert executor.run(specs, workers=1, reimport=reimport) == []
        assert _outputs(specs[1].out)[2][1][0].strip() == expected, reimport


def test_execution_counts_restart_on_a_reused_kernel(tmp_path):
    # synthetic: three notebooks in a row on one kernel, each numbered from 1
    tpl = _synthetic(tmp_path, "count", "import os\nprint(os.getpid())", "1 + 1", "sorted(Out)")
    specs = [_spec(tmp_path, tpl, f"n{i}") for i in range(3)]
    assert executor.run(specs, workers=1) == []
    ref = tmp_path / "ref"
    _papermill(tpl, str(ref / "n.ipynb"), PARAMS, str(ref))
    pids = {_outputs(s.out)[2][1][0] for s in specs}
    assert len(pids) == 1
    for s in specs:
        ours, expected = _outputs(s.out), _outputs(str(ref / "n.ipynb"))
        assert ours[:2] + ours[3:] == expected[:2] + expected[3:]
        assert ours[4] == (5, ["[4]"])
        assert [c for c, _ in _outputs(s.out)] == [1, 2, 3, 4, 5]


def test_callback_error_stops_and_shuts_down_kernels(tmp_path):
    # synthetic: on_done raises; run() re-raises it and leaves no kernel behind (checked by _no_orphans)
    tpl = _synthetic(tmp_path, "quick", "1")
    specs = [_spec(tmp_path, tpl, f"q{i}") for i in range(4)]

    def boom(spec, seconds):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        executor.run(specs, workers=2, on_done=boom)


def test_a_notebook_is_written_once_not_after_every_cell(tmp_path, monkeypatch):
    """papermill by default writes the whole growing notebook at each cell's start and end (in the build
    process); the executor writes it once, the same file (test_real_notebooks_match_papermill)."""
    import papermill.engines
    import papermill.execute

    writes = []
    for module in (papermill.engines, papermill.execute):
        real = module.write_ipynb
        monkeypatch.setattr(
            module, "write_ipynb", lambda nb, path, *a, _real=real, **k: (writes.append(path), _real(nb, path, *a, **k))
        )
    good = _synthetic(tmp_path, "good", *GOOD_CELLS)
    spec = _spec(tmp_path, good, "good")
    assert executor.run([spec], workers=1) == []
    assert writes == [spec.out]
    ref = tmp_path / "ref"
    _papermill(good, str(ref / "good.ipynb"), PARAMS, str(ref))
    assert _normalized(Path(spec.out), PARAMS) == _normalized(ref / "good.ipynb", PARAMS)


def test_a_kernel_started_ahead_runs_the_first_notebooks_or_is_shut_down(tmp_path):
    """executor.Warm: a failing import is left to the notebook; closed unused, its kernel goes (no orphans)."""
    template = _synthetic(tmp_path, "a", "import json\nprint(json.dumps([org, year]))")
    warm = executor.Warm(imports=("json", "ingen_sadan_modul"))
    failures = executor.run([_spec(tmp_path, template, "a")], 1, warm=warm)
    assert failures == [] and _outputs(str(tmp_path / "out" / "a.ipynb"))[-1] == (3, ['["testorg", 2025]\n'])
    unused = executor.Warm(imports=("json",))
    unused.close()
    assert not unused.thread.is_alive()
    assert executor.run([], 2, warm=executor.Warm()) == []  # nothing to execute: the kernel is shut down


def test_a_kernel_started_ahead_calls_what_it_is_given_as_module_function(tmp_path):
    """executor.Warm's imports: ``module:function`` is imported and called (build.KERNEL_WARM calls
    rapportbok.present.warm_up so); a failing one is left to the notebooks, and the names after it are still made."""
    template = _synthetic(tmp_path, "a", "import gc, sys\nprint(gc.isenabled(), 'xml.dom.minidom' in sys.modules)")
    warm = executor.Warm(imports=("json:ingen_sadan_funktion", "gc:disable", "xml.dom.minidom"))
    failures = executor.run([_spec(tmp_path, template, "a")], 1, warm=warm)
    assert failures == []
    assert _outputs(str(tmp_path / "out" / "a.ipynb"))[-1] == (3, ["False True\n"])
    assert build.KERNEL_WARM[-1] == "rapportbok.present:warm_up" and set(MODULES) <= set(build.KERNEL_WARM)


def test_a_kernel_started_ahead_runs_what_it_is_given_before_its_first_notebook(tmp_path):
    """executor.Warm.prefetch (the watching build: a changed organisation validated while the build makes the
    pages): the code runs silently on the kernel before the notebooks, and what it loads in a module is there for
    them; a failing one is left; after the notebooks have come, nothing more is run."""
    template = _synthetic(
        tmp_path, "a", "import sys\nprint(getattr(sys.modules.get('_rapportbok_hamtat'), 'varde', None))"
    )
    warm = executor.Warm(imports=("json",))
    warm.prefetch("raise ValueError('SYNTETISK')")
    warm.prefetch(
        "import sys, types\nm = types.ModuleType('_rapportbok_hamtat')\nm.varde = 42\nsys.modules[m.__name__] = m\n"
    )
    failures = executor.run([_spec(tmp_path, template, "a")], 1, warm=warm)
    assert failures == []
    count, lines = _outputs(str(tmp_path / "out" / "a.ipynb"))[-1]
    assert lines == ["42\n"] and count == 3  # silent: no step of the execution counter, no output of its own
    warm.prefetch("print('för sent')")  # after the notebooks: not run, no error
