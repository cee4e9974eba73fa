"""rapportbok.present.warm_up: the presentation's first use, made in a kernel started ahead (build.KERNEL_WARM) so
that the first chapter a kernel runs does not pay for it (issue #28, the analyst's loop)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# A kernel as the build leaves it (the chapters imported, maybe warm_up called, the organisation's input validated:
# the watching build's prefetch), then a first chapter page: the top-level packages that page loads.
FIRST_PAGE = """
import importlib, json, sys
import matplotlib
matplotlib.use("Agg")
import IPython.display
from rapportbok.chapters import MODULES
from rapportbok.data import datasets
from rapportbok.present import display as present_display
for m in MODULES:
    importlib.import_module(m)
if sys.argv[1] == "warm":
    from rapportbok import present
    present.warm_up()
datasets.load_org("haninge")
before = set(sys.modules)
IPython.display.display = present_display.display = lambda *a, **k: None
from rapportbok.chapters.actionplan import ActionPlanChapter
page = ActionPlanChapter("haninge", 2018, 3)
for name in ("intro", "measures_table", "light_summary", "totals", "planned_vs_actual_chart"):
    getattr(page, name)()
print(json.dumps(sorted({m.split(".")[0] for m in set(sys.modules) - before})))
"""


def _first_page_loads(mode: str) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-c", FIRST_PAGE, mode],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    return set(json.loads(proc.stdout.strip().splitlines()[-1]))


def test_after_warm_up_a_first_chapter_loads_no_library_of_its_own():
    """Without warm_up a first page loads pandas' Styler templates (jinja2), openpyxl, pyphen, matplotlib's PNG writer
    (PIL) and myst-nb's glue (with nbformat and jsonschema); after it, nothing but what a kernel has loaded anyway
    (IPython's parts, with sqlite3 for its history) and small modules (the standard library's glob, pandas' to_dict)."""
    cold = _first_page_loads("kall")
    assert {"jinja2", "openpyxl", "pyphen", "PIL", "myst_nb", "nbformat", "jsonschema"} <= cold
    assert _first_page_loads("warm") <= {"IPython", "sqlite3", "_sqlite3", "glob", "pandas"}


def test_warm_up_leaves_no_figure_and_writes_no_file(tmp_path, monkeypatch):
    """Its chart is drawn into memory, outside pyplot: no figure is left for a notebook's first chart to draw on."""
    import matplotlib.pyplot as plt

    from rapportbok import present

    monkeypatch.chdir(tmp_path)
    figures = plt.get_fignums()
    present.warm_up()
    assert list(tmp_path.iterdir()) == []
    assert plt.get_fignums() == figures
