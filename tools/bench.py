"""Benchmark the build (`make bench`): cold, no change, one changed file, and the floor.

Runs in a temporary copy of the project, so book/ and the site here are untouched. Each case
is timed several times; the median is printed together with its ratio to the floor: one plain
Python process computing every table and chart of the book through the same package functions,
without notebooks, kernels or site. Usage: python tools/bench.py [--runs N]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]
CHANGED_FILE = "data/haninge/uppfoljning_atgarder.csv"


def run_build(proj: Path, *args: str) -> str:
    proc = subprocess.run([sys.executable, "-m", "rapportbok", "build", *args], cwd=proj, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(proc.stdout + proc.stderr)
    return proc.stdout


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def floor(proj: Path) -> None:
    """Execute every chapter's code cells for every job in this one process (matplotlib Agg)."""
    import matplotlib

    matplotlib.use("Agg")
    os.chdir(proj)
    from rapportbok.publish import build, templates

    _, jobs = build.plan(proj / "data")
    for job in jobs:
        nb = templates.to_notebook(templates.template_path(proj, job.chapter))
        ns = dict(job.parameters())
        with contextlib.redirect_stdout(io.StringIO()):
            for cell in nb.cells:
                if cell.cell_type == "code" and "parameters" not in cell.metadata.get("tags", []):
                    exec(compile(cell.source, f"{job.relpath}", "exec"), ns)
        import matplotlib.pyplot as plt

        plt.close("all")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="rapportbok-bench-") as tmp:
        proj = Path(tmp)
        for name in ("_config.yml", "_static", "requirements.txt", "data", "notebooks"):
            src = ROOT / name
            (shutil.copytree if src.is_dir() else shutil.copy)(src, proj / name)
        results: dict[str, list[float]] = {"cold": [], "site": [], "nochange": [], "onefile": [], "floor": []}
        executed_onefile = ""
        for _ in range(args.runs):
            shutil.rmtree(proj / "book", ignore_errors=True)
            shutil.rmtree(proj / "_build", ignore_errors=True)
            results["cold"].append(timed(lambda: run_build(proj)))
            jb = str(Path(sys.executable).parent / "jupyter-book")
            results["site"].append(timed(lambda: subprocess.run(
                [jb, "build", str(proj), "--path-output", str(proj / "_bench_site"), "--quiet"], cwd=proj,
                capture_output=True, check=True)))
            results["nochange"].append(timed(lambda: run_build(proj)))
            changed = proj / CHANGED_FILE
            changed.write_bytes(changed.read_bytes() + b"\n")
            out = []
            results["onefile"].append(timed(lambda: out.append(run_build(proj))))
            executed_onefile = "\n".join(l for l in out[0].splitlines() if l.startswith(("Kör", "  [")))
            results["floor"].append(timed(lambda: subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "--floor-only", str(proj)], check=True)))
        from rapportbok.core.fmt import number

        med = {k: statistics.median(v) for k, v in results.items()}
        f = med["floor"]
        print(f"Maskin: {platform.machine()}, {os.cpu_count()} kärnor, Python {platform.python_version()}; median av {args.runs} körningar")
        print(f"  golv (alla tabeller och diagram i en process): {number(med['floor'], 1):>6} s   1,00 × golvet")
        print(f"  kall byggning (notebooks + webbplats):         {number(med['cold'], 1):>6} s   {number(med['cold'] / f, 2)} × golvet")
        print(f"  varav webbplatsbygget ensamt (jupyter-book):   {number(med['site'], 1):>6} s   {number(med['site'] / f, 2)} × golvet")
        print(f"  ombyggnad utan ändring:                        {number(med['nochange'], 1):>6} s   {number(med['nochange'] / f, 2)} × golvet, {number(med['nochange'] / med['cold'] * 100, 1)} % av kall byggning")
        print(f"  ombyggnad efter ändrad {CHANGED_FILE}: {number(med['onefile'], 1):>6} s   {number(med['onefile'] / f, 2)} × golvet")
        print("  körde då:\n" + "\n".join("    " + l for l in executed_onefile.splitlines()))
        import re

        from rapportbok.publish import build

        _, jobs = build.plan(ROOT / "data")
        readers = sorted(j.relpath for j in jobs
                         if (ROOT / CHANGED_FILE).resolve() in {f.resolve() for f in build._chapter_files(j.chapter, ROOT / "data" / j.org)})
        ran = sorted(re.findall(r"\] (book/\S+\.ipynb)", executed_onefile))
        print(f"  notebooks som läser filen: {', '.join(readers)} -> {'bara de kördes' if ran == readers else 'AVVIKER: ' + ', '.join(ran)}")
        print(f"  mål: kall ≤ 2 × golvet + webbplats = {number(2 * f + med['site'], 1)} s -> {'uppfyllt' if med['cold'] <= 2 * f + med['site'] else 'ej uppfyllt'};"
              f" utan ändring ≤ 10 % av kall -> {'uppfyllt' if med['nochange'] <= 0.1 * med['cold'] else 'ej uppfyllt'}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--floor-only":
        floor(Path(sys.argv[2]))
    else:
        main()
