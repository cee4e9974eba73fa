"""The score of the last `make mutation` run: killed / total per module and in all (from mutmut's results).

    python tools/mutation_score.py            # reads `mutmut results --all true`, prints the table
    python tools/mutation_score.py --overlevande   # also lists the surviving mutants

A mutant counts as killed when a test failed (or timed out) with it; "no tests" means no selected test
calls the mutated function. The score is killed / (total − skipped), as mutmut's own badge computes it.
"""

from __future__ import annotations

import collections
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINE = re.compile(r"^\s*(?P<name>[\w.]+)__mutmut_\d+: (?P<status>.+)$")
KILLED = {"killed", "timeout"}


def results() -> list[tuple[str, str, str]]:
    """(module, mutant, status) for every mutant of the last run."""
    mutmut = Path(sys.executable).with_name("mutmut")
    proc = subprocess.run(
        [str(mutmut), "results", "--all", "true"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    out = []
    for line in proc.stdout.splitlines():
        m = LINE.match(line)
        if m:
            name = line.strip().split(":")[0]
            module = m["name"].split(".x_")[0].split(".xǁ")[0]
            out.append((module, name, m["status"].strip()))
    return out


def table(rows: list[tuple[str, str, str]]) -> str:
    per = collections.defaultdict(collections.Counter)
    for module, _, status in rows:
        per[module][status] += 1
    lines = [
        "| Modul | Dödade | Överlevande | Utan test | Totalt | Andel dödade |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    total = collections.Counter()
    for module in sorted(per):
        c = per[module]
        total.update(c)
        lines.append(_row(module, c))
    lines.append(_row("**alla**", total))
    return "\n".join(lines)


def _row(label: str, c: collections.Counter) -> str:
    killed = sum(c[s] for s in KILLED)
    n = sum(c.values()) - c["skipped"]
    share = f"{100 * killed / n:.1f} %".replace(".", ",") if n else "–"
    return f"| {label} | {killed} | {c['survived']} | {c['no tests']} | {n} | {share} |"


def main(argv: list[str]) -> int:
    rows = results()
    if not rows:
        print("Inga resultat från mutmut; kör `make mutation` först.", file=sys.stderr)
        return 1
    print(table(rows))
    if "--overlevande" in argv:
        for _module, name, status in rows:
            if status not in KILLED:
                print(f"{status}: {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
