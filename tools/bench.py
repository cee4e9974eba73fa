"""Benchmark the build (`make bench`): today's book against its honest floor, and a scale case.

Everything runs in temporary copies of the project; book/ and the site here are untouched.

Today's book: cold build, the site build alone (1 and 3 Sphinx processes, and whether their HTML is
the same), no-change rebuild, one changed file, and the floor: one plain Python process executing
every chapter's code once, with each organisation's input read and validated once (the build's
validate-once cache, rapportbok.data.datasets) and each table and chart computed once and displayed
as a kernel displays it (an IPython shell with the inline backend: every chart drawn into its PNG),
without notebooks, kernels or site. Each case runs --runs times; the median is printed with its ratio to the floor.

Scale (--scale N[,N...], default 10,50): N SYNTHETIC organisations, generated in a temporary folder
from one real organisation's files (--template-org, one report year) under the names "Syntetisk
kommun NNN". The figures are copies, not data about any municipality; the synthetic data never
leaves the temporary folder. Each N gets one cold build (notebooks and site), one no-change rebuild,
the site build alone with 1 and 3 Sphinx processes at the largest N (unless --no-site-jobs),
the time per organisation, the peak memory (PSS of the build and all its child processes
together, sampled) and, over the N values, the growth exponent b of time = a × N^b (least squares
on log-log). Usage: python tools/bench.py [--runs N] [--scale 10,50,290] [--skip-book]

No change at N (--utan-andring 50,290): the no-change rebuild on a tree of N synthetic organisations, where one
is built for real and its outputs are copied to the others (N cold builds would take hours); the check reads
only stat and content hashes, so the copies are as good as built outputs for it. With --fore DIR the same tree is
also checked with the package in DIR (e.g. a clone of main), in the same run.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHANGED_FILE = "data/haninge/uppfoljning_atgarder.csv"
PROJECT_FILES = ("_config.yml", "_static", "requirements.txt", "data", "notebooks")


# -- measuring -----------------------------------------------------------------------------------------


def _tree_memory(pid: int) -> tuple[int, int]:
    """(PSS, RSS) in bytes of a process and all its descendants, from /proc ((0, 0) where unavailable).

    PSS (proportional set size, /proc/PID/smaps_rollup) counts a page shared by k processes as 1/k in each, so the
    sum is the memory the tree uses. The RSS sum counts a shared page once per process: the kernels' shared
    libraries several times, and a forked process (Sphinx writing pages in parallel) as a second copy of its
    parent. Where smaps_rollup cannot be read the RSS stands in for the PSS."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            fields = stat[stat.rindex(")") + 2 :].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
    total_pss, total_rss, todo = 0, 0, [pid]
    while todo:
        p = todo.pop()
        total_rss += rss.get(p, 0)
        pss = None
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss = int(line.split()[1]) * 1024
                        break
        except (OSError, ValueError, IndexError):
            pass
        total_pss += pss if pss is not None else rss.get(p, 0)
        todo += children.get(p, [])
    return total_pss, total_rss


# The build's own lines that start a phase (rapportbok.publish.build): the kernels, then the site.
PHASE_LINES = (("notebooks", "Kör "), ("webbplats", "Bygger webbplatsen"))


def run_build(proj: Path, *args: str, env: dict | None = None, phases: dict | None = None) -> tuple[str, float, int]:
    """Run `rapportbok build` in proj: (stdout, seconds, peak memory of the process tree: PSS, _tree_memory).

    ``phases``, if given, gets the seconds from the start at which each phase of PHASE_LINES began (the
    build's output read as it comes), "cpu": the processor time (user + system) of the build and every
    child process it waited for (kernels, jupyter-book), which on a shared machine says more than wall time,
    and "rss": the peak of the tree's summed RSS (which counts shared pages once per process).
    """
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "rapportbok", "build", *args],
        cwd=proj,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    peak = [0, 0]  # PSS, RSS
    done = threading.Event()
    lines: list[str] = []
    seen: dict = {} if phases is None else phases

    def sample() -> None:
        while not done.wait(0.25):
            if os.path.isdir("/proc"):
                pss, rss = _tree_memory(proc.pid)
                peak[0], peak[1] = max(peak[0], pss), max(peak[1], rss)

    def read() -> None:
        for line in proc.stdout:
            lines.append(line)
            for name, prefix in PHASE_LINES:
                if name not in seen and line.startswith(prefix):
                    seen[name] = time.perf_counter() - start

    sampler = threading.Thread(target=sample, daemon=True)
    reader = threading.Thread(target=read, daemon=True)
    sampler.start()
    reader.start()
    err = proc.stderr.read()
    proc.wait()
    reader.join()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    seen["cpu"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    seen["rss"] = peak[1]
    out = "".join(lines)
    if proc.returncode != 0:
        raise SystemExit(out + err)
    return out, seconds, peak[0]


WATCH_READY = 10.0  # seconds the watching build is left alone before the change: an analyst reads the page first


def watched_change(proj: Path, changed: Path) -> tuple[float, str]:
    """`rapportbok bygg --bevaka` in proj: once it watches (and WATCH_READY later), ``changed`` gets a new line;
    returns the seconds until the rebuilt book and site are published ("Klart"), and what it executed."""
    import queue
    import signal

    proc = subprocess.Popen(
        [sys.executable, "-m", "rapportbok", "bygg", "--bevaka"],
        cwd=proj,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout], daemon=True).start()

    def until(prefix: str) -> list[str]:
        got = []
        while True:
            line = lines.get(timeout=1800)
            got.append(line)
            if line.startswith(prefix):
                return got

    try:
        until("Bevakar")
        time.sleep(WATCH_READY)
        changed.write_bytes(changed.read_bytes() + b"\n")
        start = time.perf_counter()
        out = until("Klart")
        seconds = time.perf_counter() - start
        until("Bevakar")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
    return seconds, "".join(line for line in out if line.startswith(("Kör", "  [")))


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def floor(proj: Path) -> None:
    """Every chapter's code cells for every job, in this one process, each input validated once.

    Displayed as in a kernel: an IPython shell with matplotlib's inline backend formats every output, so
    each chart is drawn into its PNG (with the kernel's tight bounding box) and each table into its HTML,
    once. (Without a shell ``display`` only prints a repr, and the floor would leave out drawing the charts,
    which any build of these pages has to do.)"""
    import matplotlib
    from IPython.core.interactiveshell import InteractiveShell
    from matplotlib_inline.backend_inline import configure_inline_support

    backend = "module://matplotlib_inline.backend_inline"
    matplotlib.use(backend)
    shell = InteractiveShell.instance()
    configure_inline_support(shell, backend)  # figures displayed as PNG, with the kernel's settings
    initial = set(shell.user_ns)
    os.chdir(proj)
    os.environ["RAPPORTBOK_DATA"] = str(proj / "data")
    from rapportbok.data import datasets
    from rapportbok.publish import build, templates

    _, jobs = build.plan(proj / "data")
    cells = {}
    for job in jobs:
        if job.chapter not in cells:
            nb = templates.to_notebook(templates.template_path(proj, job.chapter))
            cells[job.chapter] = [
                c.source for c in nb.cells if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])
            ]
        for name in set(shell.user_ns) - initial:
            del shell.user_ns[name]
        shell.user_ns.update(job.parameters())
        with contextlib.redirect_stdout(io.StringIO()):
            for code in cells[job.chapter]:
                shell.run_cell(code, store_history=False).raise_error()  # displays the cell's value, as a kernel does
        import matplotlib.pyplot as plt

        plt.close("all")
    orgs = len({j.org for j in jobs})
    print(f"FLOOR {len(jobs)} notebooks {orgs} organisations {datasets._cache().loads} validations")


def copy_project(dst: Path) -> Path:
    for name in PROJECT_FILES:
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, dst / name)
    return dst


# -- synthetic organisations -----------------------------------------------------------------------------

SYNTHETIC_NOTE = (
    "SYNTETISKA TESTDATA för `make bench` (tools/bench.py): kopior av en verklig organisations "
    "filer under påhittade namn. Inga av siffrorna gäller de namngivna organisationerna.\n"
)


def synthesize(proj: Path, n: int, template: str) -> None:
    """Replace proj/data with n synthetic copies of ``template``'s files (its latest report year only)."""
    import csv

    import yaml

    src = ROOT / "data"
    data = proj / "data"
    shutil.rmtree(data)
    data.mkdir()
    (data / "SYNTETISKT.md").write_text(SYNTHETIC_NOTE, encoding="utf-8")
    shutil.copytree(src / "kallor", data / "kallor")
    with open(src / "kallor.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    fields = list(rows[0])
    own = [r for r in rows if r["organisation"] == template]
    spec = yaml.safe_load((src / template / "organisation.yml").read_text(encoding="utf-8"))
    year = max(spec["ar"])
    out_rows = []
    for i in range(1, n + 1):
        slug = f"syntetisk-{i:03d}"
        folder = data / slug
        shutil.copytree(src / template, folder, ignore=shutil.ignore_patterns("organisation.yml"))
        ids = {r["kalla"]: f"{slug}-{r['kalla']}" for r in own}
        for r in own:
            out_rows.append(
                {
                    **r,
                    "kalla": ids[r["kalla"]],
                    "organisation": slug,
                    "titel": f"{r['titel']} (syntetisk kopia {i:03d})",
                }
            )
        for p in folder.rglob("*.csv"):
            text = p.read_text(encoding="utf-8")
            for old, new in sorted(ids.items(), key=lambda kv: -len(kv[0])):
                text = re.sub(rf"(?<![\w-]){re.escape(old)}(?![\w-])", new, text)
            p.write_text(text, encoding="utf-8")
        org = {
            "slug": slug,
            "namn": f"Syntetisk kommun {i:03d}",
            "namnd": "Syntetisk nämnd (testdata)",
            "kolada_id": spec.get("kolada_id"),
            "ar": {year: spec["ar"][year]},
        }
        (folder / "organisation.yml").write_text(
            "# " + SYNTHETIC_NOTE + yaml.safe_dump(org, allow_unicode=True), encoding="utf-8"
        )
    with open(data / "kallor.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(out_rows)


def synthetic_kolada(proj: Path, template: str) -> str:
    """Fill proj/data/kolada/ (the national store) through the real `rapportbok kolada hamta --alla`, from the
    tests' fake Kolada server with SYNTHETIC values for every id the synthetic organisations ask for (their
    kolada.yml is the template's, with every municipality added, as `ny-organisation` writes it). One fetch, one
    store shared by all N organisations. Returns the command's last line."""
    import datetime as dt

    import yaml

    sys.path.insert(0, str(ROOT / "tests"))
    from kolada_server import FakeKolada

    from rapportbok.data import kolada

    data = proj / "data"
    for cfg in data.glob("*/kolada.yml"):
        raw = yaml.safe_load(cfg.read_text(encoding="utf-8"))
        raw["all_municipalities"] = True
        cfg.write_text(
            "# " + SYNTHETIC_NOTE + yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    config = kolada.load_config(next(data.glob("*/kolada.yml")).parent)
    years = range(config.first_year, dt.date.today().year + 1)
    with FakeKolada() as fake:
        for k, kpi in enumerate(config.kpis):
            fake.add_kpi(kpi, f"Syntetiskt nyckeltal {kpi} (SYNTETISK)")
            for i, mid in enumerate(config.all_ids()):
                for y in years:
                    fake.add_value(kpi, mid, y, float(100 + 7 * k + (i * 37) % 101 + 3 * (y - config.first_year)))
        proc = subprocess.run(
            [sys.executable, "-m", "rapportbok", "kolada", "hamta", "--alla", "--api-adress", fake.base_url],
            cwd=proj,
            capture_output=True,
            text=True,
            check=False,
        )
    if proc.returncode != 0:
        raise SystemExit(proc.stdout[-2000:] + proc.stderr[-2000:])
    return proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""


def growth_exponent(points: list[tuple[int, float]]) -> float | None:
    if len(points) < 2:
        return None
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(t) for _, t in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


# -- the cases -------------------------------------------------------------------------------------------


def parallel_jobs() -> int:
    """The build's parallel default for a large site (rapportbok.publish.build.PARALLEL_SITE_JOBS): the site alone is
    measured with one process and with that many (Sphinx reads in one and writes in the others)."""
    from rapportbok.publish import build

    return build.PARALLEL_SITE_JOBS


def site_build(proj: Path, out: Path, jobs: int) -> float:
    from rapportbok.publish import build, site

    env = {**os.environ, build.PDF_ENV: "0"}
    cmd = site.command(proj, jobs, out)
    return timed(lambda: subprocess.run(cmd, cwd=proj, capture_output=True, check=True, env=env))


def html_differences(a: Path, b: Path) -> list[str]:
    """Files whose content differs between two built sites (the build's own environment pickles aside)."""

    def files(base: Path) -> dict[str, bytes]:
        return {
            p.relative_to(base).as_posix(): p.read_bytes()
            for p in base.rglob("*")
            if p.is_file() and ".doctrees" not in p.parts and p.suffix != ".pickle"
        }

    fa, fb = files(a), files(b)
    return sorted(k for k in fa.keys() | fb.keys() if fa.get(k) != fb.get(k))


def bench_book(runs: int, number) -> None:
    with tempfile.TemporaryDirectory(prefix="rapportbok-bench-") as tmp:
        proj = copy_project(Path(tmp))
        results: dict[str, list[float]] = {
            k: [] for k in ("cold", "site1", "site2", "nochange", "onefile", "watched", "floor")
        }
        executed_onefile, executed_watched, floor_line, differ = "", "", "", []
        for _ in range(runs):
            shutil.rmtree(proj / "book", ignore_errors=True)
            shutil.rmtree(proj / "_build", ignore_errors=True)
            results["cold"].append(run_build(proj)[1])
            for key, jobs in (("site1", 1), ("site2", parallel_jobs())):
                shutil.rmtree(proj / f"_bench_{key}", ignore_errors=True)
                results[key].append(site_build(proj, proj / f"_bench_{key}", jobs))
            differ = html_differences(
                proj / "_bench_site1" / "_build" / "html", proj / "_bench_site2" / "_build" / "html"
            )
            results["nochange"].append(run_build(proj)[1])
            changed = proj / CHANGED_FILE
            changed.write_bytes(changed.read_bytes() + b"\n")
            out, seconds, _ = run_build(proj)
            results["onefile"].append(seconds)
            executed_onefile = "\n".join(line for line in out.splitlines() if line.startswith(("Kör", "  [")))
            seconds, executed_watched = watched_change(proj, changed)
            results["watched"].append(seconds)
            fl = []
            results["floor"].append(
                timed(
                    lambda fl=fl: fl.append(
                        subprocess.run(
                            [sys.executable, str(Path(__file__).resolve()), "--floor-only", str(proj)],
                            check=True,
                            capture_output=True,
                            text=True,
                        ).stdout
                    )
                )
            )
            floor_line = fl[0].strip()
        med = {k: statistics.median(v) for k, v in results.items()}
        f = med["floor"]
        m = re.search(r"FLOOR (\d+) notebooks (\d+) organisations (\d+) validations", floor_line)
        print(f"Dagens bok (median av {runs} körningar)")
        print(
            f"  golv (varje indata kontrolleras en gång, varje tabell och diagram en gång, en process): "
            f"{number(f, 1)} s   1,00 × golvet"
            + (
                f"   [{m.group(1)} notebooks, {m.group(2)} organisationer, {m.group(3)} kontroller av indata]"
                if m
                else ""
            )
        )
        print(
            f"  kall byggning (notebooks + webbplats):   {number(med['cold'], 1):>6} s   {number(med['cold'] / f, 2)} × golvet"
        )
        print(
            f"  webbplatsbygget ensamt, 1 process:        {number(med['site1'], 1):>6} s   {number(med['site1'] / f, 2)} × golvet"
        )
        print(
            f"  webbplatsbygget ensamt, {parallel_jobs()} processer (-j): {number(med['site2'], 1):>6} s   "
            f"{number(med['site1'] / med['site2'], 2)} × så snabbt; HTML "
            + ("identisk" if not differ else f"SKILJER i {len(differ)} filer: {', '.join(differ[:5])}")
        )
        print(
            f"  ombyggnad utan ändring:                   {number(med['nochange'], 2):>6} s   {number(med['nochange'] / med['cold'] * 100, 1)} % av kall byggning"
        )
        print(
            f"  ombyggnad efter ändrad {CHANGED_FILE}: {number(med['onefile'], 1)} s   {number(med['onefile'] / f, 2)} × golvet"
        )
        print("  körde då:\n" + "\n".join("    " + line for line in executed_onefile.splitlines()))
        print(
            f"  samma ändring med rapportbok bygg --bevaka (ändrad {number(WATCH_READY, 0)} s efter att bevakningen "
            f"börjat, tid till publicerad bok och webbplats): {number(med['watched'], 1)} s   "
            f"{number(med['watched'] / f, 2)} × golvet"
        )
        print("  körde då:\n" + "\n".join("    " + line for line in executed_watched.splitlines()))
        from rapportbok.publish import build, inputs

        _, jobs = build.plan(ROOT / "data")
        readers = sorted(
            j.relpath
            for j in jobs
            if (ROOT / CHANGED_FILE).resolve()
            in {p.resolve() for p in inputs.chapter_files(j.chapter, ROOT / "data" / j.org)}
        )
        ran = sorted(re.findall(r"\] (book/\S+\.ipynb)", executed_onefile))
        print(
            f"  notebooks som läser filen: {', '.join(readers)} -> {'bara de kördes' if ran == readers else 'AVVIKER: ' + ', '.join(ran)}"
        )
        site = min(med["site1"], med["site2"])
        target = 1.5 * f + site
        loop = min(med["onefile"], med["watched"]) / f
        print(
            f"  en ändrad datafil (analytikerns slinga): {number(med['onefile'] / f, 2)} × golvet med ett vanligt bygge, "
            f"{number(med['watched'] / f, 2)} × golvet med --bevaka -> mål ≤ 0,5 × golvet "
            f"{'uppfyllt' if loop <= 0.5 else 'ej uppfyllt'}"
        )
        print(
            f"  mål: kall ≤ 1,5 × golvet + webbplats = {number(target, 1)} s -> "
            f"{'uppfyllt' if med['cold'] <= target else 'ej uppfyllt'} ({number(med['cold'] / target, 2)} × målet); "
            f"utan ändring ≤ 0,2 s -> {'uppfyllt' if med['nochange'] <= 0.2 else 'ej uppfyllt'}"
        )


def phase_line(phases: dict, seconds: float, n: int, number) -> str:
    """'före kärnorna 12,0 s · notebooks 80,1 s · webbplatsen 30,2 s · CPU 250,3 s (8,34 s per organisation)'."""
    start_nb = phases.get("notebooks")
    start_site = phases.get("webbplats", seconds)
    parts = []
    if start_nb is not None:
        parts += [f"före kärnorna {number(start_nb, 1)} s", f"notebooks {number(start_site - start_nb, 1)} s"]
    if "webbplats" in phases:
        parts.append(f"webbplatsen {number(seconds - start_site, 1)} s")
    cpu = phases.get("cpu")
    if cpu is not None:
        parts.append(f"CPU {number(cpu, 1)} s ({number(cpu / n, 2)} s per organisation)")
    if phases.get("rss"):
        parts.append(f"RSS-summa {number(phases['rss'] / 2**20, 0)} MB")
    return " · ".join(parts)


def bench_scale(sizes: list[int], template: str, number, with_kolada: bool = False, site_jobs: bool = True) -> None:
    print(
        f"Skala: N syntetiska organisationer (kopior av filerna för {template}, ett rapportår var), en kall byggning per N"
    )
    print("       N   notebooks   kall byggning   per organisation   utan ändring (direkt / igen)   högsta minne")
    points = []
    peaks = []
    nochanges = []
    site_lines: list[str] = []
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix=f"rapportbok-bench-{n}-") as tmp:
            proj = copy_project(Path(tmp))
            synthesize(proj, n, template)
            if with_kolada:
                synthetic_kolada(proj, template)
            phases: dict = {}
            out, seconds, peak = run_build(proj, phases=phases)
            notebooks = re.search(r"Kör (\d+) notebooks", out)
            # Right after the build the stamp does not trust the files written in its last seconds (they are
            # read again, rapportbok.core.hashing.RACY_NS); the first check records them, the next only stats.
            _, again, _ = run_build(proj)
            _, steady, _ = run_build(proj)
            points.append((n, seconds))
            peaks.append(peak)
            nochanges.append(again)
            print(
                f"  {n:>6}   {notebooks.group(1) if notebooks else '?':>9}   {number(seconds, 1):>11} s   "
                f"{number(seconds / n, 2):>14} s   {number(again, 2):>5} / {number(steady, 2)} s   "
                f"{number(peak / 2**20, 0):>9} MB",
                flush=True,
            )
            print("           " + phase_line(phases, seconds, n, number), flush=True)
            if (
                n == max(sizes) and site_jobs
            ):  # the site alone, 1 and parallel_jobs() Sphinx processes (RAPPORTBOK_SITE_JOBS)
                one = site_build(proj, proj / "_bench_site1", 1)
                two = site_build(proj, proj / "_bench_site2", parallel_jobs())
                differ = html_differences(
                    proj / "_bench_site1" / "_build" / "html", proj / "_bench_site2" / "_build" / "html"
                )
                site_lines.append(
                    f"  webbplatsbygget ensamt vid N = {n}: 1 process {number(one, 1)} s, {parallel_jobs()} processer (-j) "
                    f"{number(two, 1)} s = {number(one / two, 2)} × så snabbt; HTML "
                    + ("identisk" if not differ else f"SKILJER i {len(differ)} filer: {', '.join(differ[:5])}")
                )
    for line in site_lines:
        print(line)
    b = growth_exponent(points)
    if b is not None:
        print(
            f"  tillväxtexponent b (tid ∝ N^b, minsta kvadrat på log-log över N = {', '.join(str(n) for n in sizes)}): "
            f"{number(b, 2)} -> mål ≤ 1,1 {'uppfyllt' if b <= 1.1 else 'ej uppfyllt'}"
        )
    print(
        f"  högsta minne {number(max(peaks) / 2**20, 0)} MB -> mål ≤ 2 GB {'uppfyllt' if max(peaks) <= 2 * 2**30 else 'ej uppfyllt'}; "
        f"utan ändring ≤ 0,2 s vid varje N (direkt efter bygget) -> {'uppfyllt' if max(nochanges) <= 0.2 else 'ej uppfyllt'}"
    )
    if points:
        n, t = points[-1]
        est = t * (290 / n) ** max(b if b is not None else 1.0, 1.0)  # never better than linear
        measured = " (uppmätt)" if n == 290 else f" (framräknat från N = {n} med b)"
        print(
            f"  290 organisationer: {number(est / 60, 1)} min{measured} -> mål ≤ 15 min "
            f"{'uppfyllt' if est <= 15 * 60 else 'ej uppfyllt'}"
        )


def replicate_outputs(proj: Path, first: str) -> int:
    """Copy the built outputs of organisation ``first`` (book/<first>/) to every other synthetic organisation
    in data/, so that a tree of N organisations has N organisations' outputs without N cold builds. Only for
    the no-change check, which reads stat and content hashes, never what a notebook says. Returns the files."""
    src = proj / "book" / first
    n = 0
    for org in sorted(p.parent.name for p in (proj / "data").glob("*/organisation.yml")):
        if org != first:
            shutil.copytree(src, proj / "book" / org, dirs_exist_ok=True)
        n += sum(1 for p in (proj / "book" / org).rglob("*") if p.is_file())
    return n


STAMP_NOW = (
    "import sys; from pathlib import Path; from rapportbok.core.hashing import FileHashes; "
    "from rapportbok.publish import stamp; root = Path.cwd(); h = FileHashes(); "
    "stamp.record(root, root / 'data', 'book', [], stamp.inputs(root, root / 'data', h), h)"
)


def nochange_times(proj: Path, runs: int, env: dict | None = None) -> list[tuple[float, float]]:
    """(wall, CPU) seconds of `python -m rapportbok bygg` with nothing changed, ``runs`` times after a first check
    that learns the files (the stamp is recorded from the tree as it is, with the package in ``env``)."""
    env = {**os.environ, **(env or {})}
    subprocess.run([sys.executable, "-c", STAMP_NOW], cwd=proj, env=env, check=True)
    times = []
    for i in range(runs + 1):
        before = os.times()
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "rapportbok", "build", "--no-site"],
            cwd=proj,
            env=env,
            text=True,
            capture_output=True,
            check=False,
        )
        wall = time.perf_counter() - start
        after = os.times()
        if "Inget har ändrats" not in proc.stdout:
            raise SystemExit("Kontrollen utan ändring byggde: " + proc.stdout[-2000:] + proc.stderr[-2000:])
        if i:  # the first check reads the files written in the last seconds (racy clean) and learns them
            times.append(
                (wall, (after.children_user - before.children_user) + (after.children_system - before.children_system))
            )
    return times


def bench_nochange(sizes: list[int], template: str, runs: int, number, before: str | None) -> None:
    """The no-change rebuild at N organisations: one organisation's notebooks built for real, its outputs copied to
    the N − 1 others (replicate_outputs), the stamp recorded, then `python -m rapportbok build --no-site` timed
    (the site adds two files to the check; building a site of N organisations' source pages would take long)."""
    print(
        f"Utan ändring vid N organisationer (syntetiska kopior av {template}; en byggd, dess utdata kopierade till "
        f"de andra; median av {runs}, väggtid / CPU-tid)"
    )
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix=f"rapportbok-bench-nochange-{n}-") as tmp:
            proj = copy_project(Path(tmp))
            synthesize(proj, n, template)
            run_build(proj, "--org", "syntetisk-001", "--no-site")
            replicate_outputs(proj, "syntetisk-001")
            files = sum(1 for name in ("book", "data") for p in (proj / name).rglob("*") if p.is_file())
            time.sleep(3.5)  # past rapportbok.core.hashing.RACY_NS: the copies count as settled
            cases = [("efter", None)] + ([("före", {"PYTHONPATH": before})] if before else [])
            for label, env in cases:
                t = nochange_times(proj, runs, env)
                wall, cpu = statistics.median(w for w, _ in t), statistics.median(c for _, c in t)
                print(
                    f"  N = {n:>3}  {files:>6} filer i data/ och book/  {label:>5}: {number(wall, 2)} s / "
                    f"{number(cpu, 2)} s CPU -> mål ≤ 0,2 s {'uppfyllt' if wall <= 0.2 else 'ej uppfyllt'} "
                    f"(alla: {', '.join(number(w, 2) for w, _ in t)} s)",
                    flush=True,
                )


# -- A/B of the build's speed mechanisms -----------------------------------------------------------------------

# What each mechanism (rapportbok.core.switches) is for, and so what it is measured on: the no-change check
# ("utan-andring"), a rebuild after one changed data file ("en-fil"), or every notebook executed ("alla").
AB_OPERATIONS = {
    "statsignatur": "utan-andring",
    "forvalidering": "en-fil",
    "karnor": "alla",
}
AB_LIMIT = 0.10  # a mechanism that saves less than this at N organisations is removed (issue #28)


def _ab_run(proj: Path, operation: str, off: str | None) -> tuple[float, float]:
    """(wall, CPU) seconds of one operation in ``proj``, with the mechanism ``off`` switched off (None: all on)."""
    import resource

    from rapportbok.core import switches

    env = {**os.environ, switches.ENV: off or ""}
    if operation == "utan-andring":
        args = ["build", "--no-site"]
    elif operation == "en-fil":
        first = sorted(p.parent for p in (proj / "data").glob("*/organisation.yml"))[0]
        changed = next(
            first / f for f in ("uppfoljning_atgarder.csv", "risker.csv", "atgarder.csv") if (first / f).is_file()
        )
        changed.write_bytes(changed.read_bytes() + b"\n")
        args = ["build", "--no-site"]
    else:
        args = ["build", "--no-site", "--alla"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "rapportbok", *args], cwd=proj, env=env, capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(proc.stdout[-2000:] + proc.stderr[-2000:])
    if operation == "utan-andring" and "Inget har ändrats" not in proc.stdout:
        raise SystemExit("Kontrollen utan ändring byggde: " + proc.stdout[-2000:])
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def bench_ab(
    n: int, template: str, pairs: int, number, only: list[str] | None = None, pairs_all: int = 1
) -> list[tuple]:
    """Each speed mechanism on and off, in pairs run one right after the other (ABBA order, so a drift in the
    machine's load falls on both), at ``n`` SYNTHETIC organisations; prints the median saving of each
    and returns the rows (mechanism, operation, on, off, saving)."""
    from rapportbok.core import switches

    names = [m for m in switches.MECHANISMS if not only or m in only]
    print(
        f"A/B vid N = {n} syntetiska organisationer (kopior av {template}): varje mekanism på och av, {pairs} par "
        f"({pairs_all} när alla notebooks körs) direkt efter varandra (ABBA), median; besparing = (av − på) / av; under "
        f"{number(AB_LIMIT * 100, 0)} % tas mekanismen bort",
        flush=True,
    )
    rows = []
    with tempfile.TemporaryDirectory(prefix=f"rapportbok-bench-ab-{n}-") as tmp:
        proj = copy_project(Path(tmp))
        synthesize(proj, n, template)
        run_build(proj, "--no-site")  # every organisation built once: the tree the operations start from
        files = sum(1 for name in ("book", "data") for p in (proj / name).rglob("*") if p.is_file())
        print(f"  {files} filer i data/ och book/", flush=True)
        time.sleep(3.5)  # past rapportbok.core.hashing.RACY_NS: the files count as settled for the stamp
        for name in names:
            operation = AB_OPERATIONS[name]
            if operation == "utan-andring":
                _ab_run(proj, operation, None)  # records the stamp's signature: the next checks are level 1
            on, off = [], []
            for k in range(pairs_all if operation == "alla" else pairs):
                order = [(None, on), (name, off)] if k % 2 == 0 else [(name, off), (None, on)]
                for switch, into in order:
                    into.append(_ab_run(proj, operation, switch))
            t_on = statistics.median(w for w, _ in on)
            t_off = statistics.median(w for w, _ in off)
            c_on = statistics.median(c for _, c in on)
            c_off = statistics.median(c for _, c in off)
            saving = (t_off - t_on) / t_off if t_off else 0.0
            rows.append((name, operation, t_on, t_off, saving))
            verdict = "behålls" if saving >= AB_LIMIT else "TAS BORT"
            print(
                f"  {name:<14} ({operation:<12}) på {number(t_on, 2)} s, av {number(t_off, 2)} s -> sparar "
                f"{number(saving * 100, 1)} % ({verdict}); CPU på {number(c_on, 1)} s, av {number(c_off, 1)} s; "
                f"load average {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description="Mät bygget: dagens bok mot golvet, och N syntetiska organisationer.")
    ap.add_argument("--runs", type=int, default=3, help="körningar av dagens bok (median)")
    ap.add_argument(
        "--scale", default="10,50", help="N för skalfallet, kommaseparerat, t.ex. 10,50,290 (0 = hoppa över)"
    )
    ap.add_argument("--template-org", default="alingsas", help="organisationen vars filer kopieras i skalfallet")
    ap.add_argument("--skip-book", action="store_true", help="mät bara skalfallet")
    ap.add_argument(
        "--kolada",
        action="store_true",
        help="skalfallet med en SYNTETISK nationell Kolada-lagring "
        "(data/kolada/, hämtad med kolada hamta --alla från testernas falska server)",
    )
    ap.add_argument(
        "--utan-andring",
        default="",
        help="N för kontrollen utan ändring på ett träd med N organisationer, "
        "t.ex. 50,290 (en byggs, dess utdata kopieras till de andra)",
    )
    ap.add_argument(
        "--fore",
        default=None,
        help="mappen med paketet att jämföra med i --utan-andring (PYTHONPATH), t.ex. en klon av main",
    )
    ap.add_argument(
        "--no-site-jobs", action="store_true", help="mät inte webbplatsbygget med 1 och flera processer vid största N"
    )
    ap.add_argument("--ab", type=int, default=50, help="N för A/B av byggets snabbhetsmekanismer (0 = hoppa över)")
    ap.add_argument("--ab-par", type=int, default=3, help="antal par (på, av) per mekanism i A/B")
    ap.add_argument("--ab-par-alla", type=int, default=1, help="antal par när alla notebooks körs (tar minuter var)")
    ap.add_argument("--ab-bara", default="", help="bara dessa mekanismer i A/B, kommaseparerat")
    args = ap.parse_args()
    sizes = [int(s) for s in args.scale.split(",") if s.strip() and int(s) > 0]
    from rapportbok.core.fmt import number

    print(
        f"Maskin: {platform.machine()}, {os.cpu_count()} kärnor, Python {platform.python_version()}; "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    if not args.skip_book:
        bench_book(args.runs, number)
    if sizes:
        bench_scale(sizes, args.template_org, number, args.kolada, site_jobs=not args.no_site_jobs)
    nochange = [int(s) for s in args.utan_andring.split(",") if s.strip() and int(s) > 0]
    if nochange:
        bench_nochange(nochange, args.template_org, max(args.runs, 3), number, args.fore)
    if args.ab > 0:
        only = [m.strip() for m in args.ab_bara.split(",") if m.strip()]
        bench_ab(args.ab, args.template_org, args.ab_par, number, only or None, args.ab_par_alla)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--floor-only":
        floor(Path(sys.argv[2]))
    else:
        main()
