"""Before and after on the same machine, one right after the other: processor time of a cold build.

The wall time of a build on a shared machine mostly measures the other jobs on it. This measures the
processor time (user + system) of `rapportbok build` and all its child processes (the kernels, and
jupyter-book with --site), which the load changes much less, and the wall time beside it. "Före" runs the
package from another checkout (``--fore``, e.g. a clone of main) via PYTHONPATH, "efter" this one; both
build N SYNTHETIC organisations (tools/bench.py's ``synthesize``: copies of one organisation's files under
made-up names, in a temporary folder). Usage: python tools/bench_ab.py --fore /path/to/main-clone [--n 5] [--site]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)  # every waited-for descendant: build, kernels, jupyter-book
    return r.ru_utime + r.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description="Processortid för en kall byggning, före och efter.")
    ap.add_argument("--fore", required=True, help="en annan utcheckning av projektet (paketet före)")
    ap.add_argument("--n", type=int, default=5, help="antal syntetiska organisationer")
    ap.add_argument("--site", action="store_true", help="bygg också webbplatsen")
    args = ap.parse_args()
    from rapportbok.core.fmt import number

    for label, extra in (("före", {"PYTHONPATH": str(Path(args.fore).resolve())}), ("efter", {})):
        with tempfile.TemporaryDirectory(prefix="rapportbok-ab-") as tmp:
            proj = bench.copy_project(Path(tmp))
            bench.synthesize(proj, args.n, "alingsas")
            cpu, start = _cpu(), time.perf_counter()
            proc = subprocess.run(
                [sys.executable, "-m", "rapportbok", "build", *([] if args.site else ["--no-site"])],
                cwd=proj,
                capture_output=True,
                text=True,
                env={**os.environ, **extra},
                check=False,
            )
            if proc.returncode != 0:
                raise SystemExit(proc.stdout + proc.stderr)
            print(
                f"{label:5}  N = {args.n}, {'med' if args.site else 'utan'} webbplats: processortid "
                f"{number(_cpu() - cpu, 1)} s, väggtid {number(time.perf_counter() - start, 1)} s, "
                f"load average {number(os.getloadavg()[0], 1)}",
                flush=True,
            )
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
