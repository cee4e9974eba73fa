"""Micro-benchmark: the book's notebooks with papermill per notebook vs. rapportbok.publish.executor.

(a) papermill.execute_notebook per notebook in a ProcessPoolExecutor of 2, a fresh kernel each
    (what rapportbok.publish.build.execute_all does today);
(b) rapportbok.publish.executor.run(workers=2): two long-lived kernels, reset between notebooks.

Every job from rapportbok.publish.build.plan() is executed into a temporary folder (book/ here is not
touched); each variant runs --runs times and the median is printed with the ratio.
Usage: python tools/bench_executor.py [--runs N] [--workers N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rapportbok.publish import (  # noqa: E402
    build,
    executor,  # noqa: E402
    templates,
)


def _papermill_one(args: tuple) -> None:
    import papermill as pm

    template, out, parameters, cwd, data = args
    os.environ["RAPPORTBOK_DATA"] = data
    for attempt in range(3):
        try:
            pm.execute_notebook(
                template,
                out,
                parameters=parameters,
                cwd=cwd,
                progress_bar=False,
                kernel_name="python3",
                log_output=False,
            )
            return
        except RuntimeError as err:
            # Two pool processes can pick the same free TCP port for their kernels; build.py has
            # the same race. Retry (the lost time counts) instead of aborting the benchmark.
            if "Kernel died before replying" not in str(err) or attempt == 2:
                raise
            print(f"  (papermill: kernel start failed, retrying {Path(out).name})", flush=True)


def _targets(jobs: list[build.Job], base: Path) -> list[tuple[build.Job, Path]]:
    pairs = []
    for job in jobs:
        out = base / job.relpath
        out.parent.mkdir(parents=True, exist_ok=True)
        pairs.append((job, out))
    return pairs


def _template(chapter: str, base: Path) -> Path:
    """The chapter's MyST template converted for papermill, as the build does."""
    return templates.write_notebook(templates.template_path(ROOT, chapter), base / ".templates" / f"{chapter}.ipynb")


def with_papermill(jobs: list[build.Job], base: Path, workers: int) -> None:
    data = str(ROOT / "data")
    args = [
        (str(_template(j.chapter, base)), str(out), j.parameters(), str(out.parent), data)
        for j, out in _targets(jobs, base)
    ]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        list(pool.map(_papermill_one, args))


def with_executor(jobs: list[build.Job], base: Path, workers: int) -> None:
    specs = [
        executor.Spec(j.relpath, str(_template(j.chapter, base)), str(out), j.parameters(), str(out.parent))
        for j, out in _targets(jobs, base)
    ]
    failures = executor.run(specs, workers, env={"RAPPORTBOK_DATA": str(ROOT / "data")})
    if failures:
        raise SystemExit("\n".join(str(e) for _, e in failures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    _, jobs = build.plan(ROOT / "data")
    print(f"{len(jobs)} notebooks, {args.workers} workers, {args.runs} runs each, {os.cpu_count()} cores")
    times: dict[str, list[float]] = {"papermill": [], "executor": []}
    for run in range(args.runs):
        for name, fn in (("papermill", with_papermill), ("executor", with_executor)):
            with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as tmp:
                start = time.perf_counter()
                fn(jobs, Path(tmp), args.workers)
                times[name].append(time.perf_counter() - start)
            print(f"  run {run + 1} {name:9s} {times[name][-1]:6.1f} s", flush=True)
    pm_s, ex_s = statistics.median(times["papermill"]), statistics.median(times["executor"])
    print(f"(a) papermill, fresh kernel per notebook, pool of {args.workers}: {pm_s:6.1f} s (median)")
    print(f"(b) executor.run(workers={args.workers}), reused kernels:      {ex_s:6.1f} s (median)")
    print(f"ratio (a)/(b): {pm_s / ex_s:.2f}x")


if __name__ == "__main__":
    main()
