"""The pip pins and the conda environment must agree, and everything is pinned."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _pins(lines):
    return {l.strip() for l in lines if l.strip() and not l.strip().startswith("#")}


def test_requirements_are_pinned():
    pins = _pins((ROOT / "requirements.txt").read_text().splitlines())
    assert pins and all(re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[A-Za-z0-9_.+\-]+", p) for p in pins)
    names = {p.split("==")[0].lower() for p in pins}
    assert {"jupyter-book", "papermill", "nbval", "pandas", "pandera", "babel", "matplotlib"} <= names
    jb = next(p for p in pins if p.lower().startswith("jupyter-book=="))
    assert jb.split("==")[1].startswith("1.")


def test_environment_yml_matches_requirements():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "python=3.11" in env["dependencies"]
    pip = next(d for d in env["dependencies"] if isinstance(d, dict))["pip"]
    assert set(pip) == _pins((ROOT / "requirements.txt").read_text().splitlines())
