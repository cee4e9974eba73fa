"""A local rehearsal of the national edition's workflow (.github/workflows/nationell-utgava.yml).

Its own `run` steps, read from the workflow file and run as they stand (bash, with the variables GitHub would set),
each job in a separate clone of this repository without the committed book/ (as a national edition has none);
actions/upload-artifact and actions/download-artifact are copies between the clones. The merged site must equal a
single build's, and a part changed after its build (a script added to an output) must not be published (#27
item 17). The clones are of the last commit: commit before running this test.

The rehearsal's country is Haninge and Linköping (``ORGS``: two parts of one organisation each, four notebooks
apiece): what is rehearsed is the workflow, which treats every organisation alike, and Alingsås' eleven notebooks
would more than double its time (issue #28).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import organisation_folders

from rapportbok.publish import handbook

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "nationell-utgava.yml"
KEY = "repetitionens nyckel"
PARTS = "2"
ORGS = ["haninge", "linkoping"]  # the organisations of data/ the rehearsal keeps


def _workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def _clone(target: Path) -> Path:
    subprocess.run(["git", "clone", "-q", str(ROOT), str(target)], check=True)
    shutil.rmtree(target / "book")  # a national edition commits no executed notebooks
    (target / "_toc.yml").unlink()
    for org in organisation_folders(target / "data"):
        if org not in ORGS:
            shutil.rmtree(target / "data" / org)
    return target


def _env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAPPORTBOK_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"  # `python` is this one
    return {**env, "DELAR": PARTS, "RAPPORTBOK_DELNYCKEL": KEY, **extra}


def _expand(text: str, matrix: dict) -> str:
    """GitHub's expressions in a step's `with`: the matrix values."""
    return re.sub(r"\$\{\{\s*matrix\.(\w+)\s*\}\}", lambda m: str(matrix[m.group(1)]), text)


def _run_job(job: dict, clone: Path, env: dict, matrix: dict, artefacts: Path, check: bool = True):
    """Run a job's steps in ``clone``: `run` steps as written (the install step aside: this Python is installed),
    uploads and downloads of artefacts as copies. Returns the last `run` step's completed process."""
    env = {**env, **{k: _expand(str(v), matrix) for k, v in job.get("env", {}).items()}}
    last = None
    for step in job["steps"]:
        uses = step.get("uses", "")
        if "run" in step:
            if step["run"].startswith("pip install"):
                continue
            last = subprocess.run(
                ["bash", "-c", step["run"]], cwd=clone, env=env, capture_output=True, text=True, check=False
            )
            if check:
                assert last.returncode == 0, step["run"] + "\n" + last.stdout[-3000:] + last.stderr[-3000:]
            if last.returncode != 0:
                return last
        elif uses.startswith("actions/upload-artifact"):
            name = _expand(step["with"]["name"], matrix)
            shutil.copytree(clone / _expand(step["with"]["path"], matrix), artefacts / name)
        elif uses.startswith("actions/download-artifact"):
            pattern = step["with"]["pattern"].replace("*", "")
            for part in sorted(artefacts.iterdir()):
                if part.name.startswith(pattern):  # one folder per artefact, as download-artifact@v4 does
                    shutil.copytree(part, clone / step["with"]["path"] / part.name)
    return last


def _site(clone: Path) -> dict[str, bytes]:
    """The site's files; Sphinx's own .buildinfo aside (a hash of the configuration, which holds the absolute path
    of the site's templates in the package: each clone's own folder)."""
    html = clone / "_build" / "html"
    return {
        p.relative_to(html).as_posix(): p.read_bytes()
        for p in html.rglob("*")
        if p.is_file() and ".doctrees" not in p.parts and p.suffix != ".pickle" and p.name != ".buildinfo"
    }


def test_the_workflow_runs_the_shard_steps_and_publishes_the_merged_site():
    flow = _workflow()
    jobs = flow["jobs"]
    assert list(jobs) == ["plan", "del", "sammanfoga", "publicera"]
    assert jobs["del"]["needs"] == "plan" and "fromJSON(needs.plan.outputs.matrix)" in jobs["del"]["strategy"]["matrix"]
    runs = [s["run"] for j in jobs.values() for s in j["steps"] if "run" in s and not s["run"].startswith("pip ")]
    assert runs == [
        'python -m rapportbok.publish.shards plan --delar "$DELAR" >> "$GITHUB_OUTPUT"',
        'python -m rapportbok.publish.shards bygg --del "$DEL" --delar "$DELAR" --ut "_delar/del-$DEL"',
        'python -m rapportbok.publish.shards sammanfoga _delar --delar "$DELAR"',
    ]
    assert any(s.get("uses", "").startswith("actions/deploy-pages") for s in jobs["publicera"]["steps"])
    assert flow["env"]["RAPPORTBOK_DELNYCKEL"] == "${{ secrets.RAPPORTBOK_DELNYCKEL }}"


@pytest.fixture(scope="module")
def rehearsal(tmp_path_factory):
    """The plan, the parts (each in its clone) and their artefacts; the merge is left to the tests."""
    tmp = tmp_path_factory.mktemp("nationell")
    jobs = _workflow()["jobs"]
    artefacts = tmp / "artefakter"
    artefacts.mkdir()
    plan_clone = _clone(tmp / "plan")
    output = tmp / "github_output"
    _run_job(jobs["plan"], plan_clone, _env(GITHUB_OUTPUT=str(output)), {}, artefacts)
    import json

    matrix = json.loads(output.read_text(encoding="utf-8").split("matrix=", 1)[1])["include"]
    assert len(matrix) == int(PARTS) and sorted(o for m in matrix for o in m["organisationer"].split()) == ORGS
    for entry in matrix:
        clone = _clone(tmp / f"del-{entry['del']}")
        proc = _run_job(jobs["del"], clone, _env(), entry, artefacts)
        assert "Kör 0 notebooks" not in proc.stdout  # the part executed its notebooks
    return tmp, jobs, artefacts


def test_the_merged_site_equals_a_single_build(rehearsal):
    tmp, jobs, artefacts = rehearsal
    merged = _clone(tmp / "sammanfoga")
    proc = _run_job(jobs["sammanfoga"], merged, _env(), {}, artefacts)
    assert "Kör 0 notebooks" in proc.stdout  # every notebook came from a part, none was executed again
    single = _clone(tmp / "ett-bygge")
    # The handbook, placed beside the site by both, is built once: the single build finds the merge's in its cache
    # (rapportbok.publish.build.build_handbook: built from the same sources and code) instead of building it again.
    shutil.copytree(merged / handbook.CACHE, single / handbook.CACHE)
    manual = handbook.html(single / handbook.CACHE) / "index.html"
    cached = manual.stat().st_mtime_ns
    built = subprocess.run(
        [sys.executable, "-m", "rapportbok", "bygg"], cwd=single, env=_env(), capture_output=True, text=True
    )
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    assert manual.stat().st_mtime_ns == cached  # the cache was used
    ours, theirs = _site(merged), _site(single)
    assert ours.keys() == theirs.keys() and len(ours) > 50 and "handbok/index.html" in ours
    assert [k for k in ours if ours[k] != theirs[k]] == []
    book = {p.relative_to(merged): p.read_bytes() for p in (merged / "book").rglob("*") if p.is_file()}
    assert book == {p.relative_to(single): p.read_bytes() for p in (single / "book").rglob("*") if p.is_file()}


def test_a_part_with_a_script_added_to_an_output_is_not_published(rehearsal):
    """#27 item 17: the notebook keeps its input hash, but the merge refuses the part, and nothing is published."""
    tmp, jobs, artefacts = rehearsal
    tampered = tmp / "artefakter-andrade"
    shutil.copytree(artefacts, tampered)
    notebook = next(tampered.glob("del-*/book/*/*/sammanfattning.ipynb"))
    text = notebook.read_text(encoding="utf-8")
    assert '"text/html": [' in text
    notebook.write_text(text.replace('"text/html": [', '"text/html": [\n"<script>alert(1)</script>",', 1))
    merged = _clone(tmp / "sammanfoga-andrad")
    proc = _run_job(jobs["sammanfoga"], merged, _env(), {}, tampered, check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "har ändrats efter bygget" in proc.stderr and notebook.name in proc.stderr
    assert not (merged / "book").exists() and not (merged / "_build" / "html").exists()
