"""environment.yml (conda, e.g. for analysts on Windows) generated from the lock, requirements.txt.

``make lock`` runs it after ``uv pip compile``; ``tests/test_environment.py`` checks that the committed
environment.yml is what this script makes of the committed requirements.txt. The conda environment has
Python 3.11 and pip from conda-forge and every locked package, with the same version and the same
environment marker, from pip (the hashes stay in requirements.txt: conda hands the list to pip as is).

    python tools/environment_yml.py          # writes environment.yml
    python tools/environment_yml.py --check  # exit 1 if environment.yml is not up to date
"""

from __future__ import annotations

import argparse
import itertools
import re
import sys
from pathlib import Path

from packaging.markers import Marker

ROOT = Path(__file__).resolve().parents[1]
HEADER = """\
# Conda environment for rapportbok (for example on Windows): conda env create -f environment.yml
# GENERATED from requirements.txt by tools/environment_yml.py (make lock): do not edit by hand.
# The pip pins are the lock's, with its environment markers; tests/test_environment.py checks that.
name: rapportbok
channels:
  - conda-forge
dependencies:
  - python=3.11
  - pip
  - pip:
"""


def pins(lock_text: str) -> list[str]:
    """The lock's requirements without hashes and comments: ``name==version`` or ``name==version ; marker``."""
    joined = re.sub(r"\\\n", " ", lock_text)  # continuation lines: one requirement per line
    found = []
    for line in joined.splitlines():
        line = line.split("#", 1)[0] if line.lstrip().startswith("#") else line
        line = re.sub(r"\s--hash=\S+", "", line).strip()
        if line:
            found.append(re.sub(r"\s*;\s*", " ; ", line, count=1))
    return found


# The environments a conda analyst can have: Python 3.11 (any patch release) on Windows, Linux or macOS.
# A locked package whose marker holds in none of them (e.g. ``python_full_version == '3.12.*'``, which uv's
# universal resolution keeps for dependencies declared for a later Python) is left out.
ENVIRONMENTS = [
    {
        "python_version": "3.11",
        "python_full_version": full,
        "sys_platform": plat,
        "platform_system": system,
        "os_name": os_name,
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "platform_machine": "x86_64",
    }
    for full, (plat, system, os_name) in itertools.product(
        ("3.11.0", "3.11.4", "3.11.5", "3.11.99"),
        (("win32", "Windows", "nt"), ("linux", "Linux", "posix"), ("darwin", "Darwin", "posix")),
    )
]


def possible(pin: str) -> bool:
    """Whether a pin's environment marker holds for at least one environment in ENVIRONMENTS."""
    if " ; " not in pin:
        return True
    marker = Marker(pin.split(" ; ", 1)[1])
    return any(marker.evaluate(env) for env in ENVIRONMENTS)


def render(lock_text: str) -> str:
    lines = [HEADER]
    for pin in filter(possible, pins(lock_text)):
        quoted = pin.replace("'", "''")
        lines.append(f"      - '{quoted}'\n")
    return "".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that environment.yml is up to date")
    args = parser.parse_args(argv)
    want = render((ROOT / "requirements.txt").read_text(encoding="utf-8"))
    target = ROOT / "environment.yml"
    if args.check:
        if target.read_text(encoding="utf-8") != want:
            print("environment.yml stämmer inte med requirements.txt: kör make lock", file=sys.stderr)
            return 1
        return 0
    target.write_text(want, encoding="utf-8", newline="\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
