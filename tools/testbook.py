"""The SYNTHETIC test book (tests/testbook_syntetisk): rebuild it, or re-fetch its Kolada store.

The test book is a small project root of its own (``_config.yml``, ``data/``, ``book/``, ``_toc.yml``)
with the one synthetic organisation "Testkommun (syntetisk)". It borrows the project's chapter
templates (``notebooks/``), ``_static/`` and ``requirements.txt``: :func:`assemble` copies both into a
scratch folder, where the real ``rapportbok build`` runs. Its committed ``book/`` is checked with
strict nbval in ``make test``, and ``tests/test_testbook.py`` rebuilds it and compares.

    python tools/testbook.py bygg     # make testbook: rebuild book/ and _toc.yml of the test book
    python tools/testbook.py kolada   # make testbook-kolada: fetch the store from the fake Kolada server

Every figure here is synthetic; the Kolada values come from the tests' fake server
(``tests/kolada_server.py``) through the real ``rapportbok kolada hamta``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTBOOK = ROOT / "tests" / "testbook_syntetisk"
ORG = "testkommun"
OWN = ("_config.yml", "data")  # the test book's own inputs (its book/ and _toc.yml are outputs)
BORROWED = ("notebooks", "_static", "requirements.txt")  # the project's, the same for every book
OUTPUTS = ("book", "_toc.yml")  # what a build writes and the test book commits


def _copy(src: Path, dst: Path) -> None:
    if src.is_dir():
        shutil.copytree(src, dst)
    elif src.is_file():
        shutil.copy(src, dst)


def assemble(dest: Path) -> Path:
    """A complete project root in ``dest``: the test book's files plus the project's templates."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in OWN:
        _copy(TESTBOOK / name, dest / name)
    for name in BORROWED:
        _copy(ROOT / name, dest / name)
    return dest


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("RAPPORTBOK_ROOT", "RAPPORTBOK_DATA")}
    return subprocess.run(
        [sys.executable, "-m", "rapportbok", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


def build(dest: Path) -> subprocess.CompletedProcess:
    """Execute every notebook of the test book assembled in ``dest`` (no site: nbval checks the notebooks)."""
    return run(dest, "build", "--no-site", "--alla")


def rebuild() -> int:
    with tempfile.TemporaryDirectory(prefix="testbok-") as tmp:
        dest = assemble(Path(tmp) / "testbok")
        proc = build(dest)
        sys.stdout.write(proc.stdout)
        sys.stderr.write(proc.stderr)
        if proc.returncode != 0:
            print("Testboken byggdes inte; tests/testbook_syntetisk är orörd.", file=sys.stderr)
            return proc.returncode
        for name in OUTPUTS:
            target = TESTBOOK / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
            _copy(dest / name, target)
    print(f"Testboken är ombyggd: {TESTBOOK.relative_to(ROOT)}/book och _toc.yml.")
    return 0


# --- the Kolada store, fetched from the fake server ---------------------------------------------

KPI_TITLES = {
    "N31001": "Kostnad ekonomiskt bistånd, kr/inv (SYNTETISK)",
    "N33001": "Kostnad barn och ungdomsvård, kr/inv (SYNTETISK)",
    "U40455": "Resultat vid avslut i arbetsmarknadsverksamhet, andel (%) (SYNTETISK)",
    "N01951": "Invånare totalt, antal (SYNTETISK)",
}
# Synthetic level per KPI and municipality/group, and a yearly step; the years are 2022 up to the fetch.
LEVELS = {
    "N31001": {"9999": 1500, "9901": 1200, "9902": 1600, "9903": 1100, "9904": 1300, "G9900": 1400},
    "N33001": {"9999": 4200, "9901": 3900, "9902": 4500, "9903": 3600, "9904": 4100, "G9900": 4000},
    "U40455": {"9999": 38, "9901": 41, "9902": 35, "9903": 44, "9904": 38, "G9900": 40},
    "N01951": {"9999": 40000, "9901": 30000, "9902": 52000, "9903": 25000, "9904": 61000, "G9900": 15000},
}
STEP = {"N31001": 60, "N33001": 110, "U40455": 1, "N01951": 250}


def fake_server(last_year: int, revised: bool):
    sys.path.insert(0, str(ROOT / "tests"))
    from kolada_server import FakeKolada

    fake = FakeKolada()
    for kpi, title in KPI_TITLES.items():
        fake.add_kpi(kpi, title)
    for mid in ("9999", "9901", "9902", "9903", "9904"):
        fake.add_municipality(mid, f"Kommun {mid} (SYNTETISK)")
    fake.add_group("G9900", "Syntetisk Kolada-grupp", [("9901", "Kommun 9901"), ("9902", "Kommun 9902")])
    for kpi, levels in LEVELS.items():
        for mid, level in levels.items():
            for year in range(2022, last_year + 1):
                if kpi == "U40455" and mid == "9904" and year == last_year:
                    fake.add_value(kpi, mid, year, None)  # a missing value (null), as Kolada gives
                    continue
                value = level + STEP[kpi] * (year - 2022)
                if revised and kpi == "N31001" and mid == "9999" and year == last_year - 1:
                    value += 7  # the second fetch finds a revised value
                fake.add_value(kpi, mid, year, float(value))
    return fake


def fetch_kolada() -> int:
    """Fetch twice with the real command: the second fetch reports one revised value."""
    import datetime as dt

    last = dt.date.today().year
    for revised in (False, True):
        with fake_server(last, revised) as fake:  # plain http to this machine: allowed for tests only
            os.environ["RAPPORTBOK_TEST_HTTP_LOKAL"] = "1"  # (rapportbok.data.kolada.TEST_HTTP_ENV)
            proc = run(TESTBOOK, "kolada", "hamta", "--org", ORG, "--api-adress", fake.base_url)
        sys.stdout.write(proc.stdout)
        sys.stderr.write(proc.stderr)
        if proc.returncode != 0:
            return proc.returncode
    return 0


def main(argv: list[str]) -> int:
    commands = {"bygg": rebuild, "kolada": fetch_kolada}
    if len(argv) != 1 or argv[0] not in commands:
        print("Användning: python tools/testbook.py bygg|kolada", file=sys.stderr)
        return 2
    return commands[argv[0]]()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
