"""The national edition's parts (rapportbok.publish.shards): the plan balanced by notebooks, and a merge that takes
only parts whose signed manifest and files check out (#27 item 17). The notebooks here are SYNTETISKA stand-ins."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from rapportbok.publish import shards
from rapportbok.publish.build import Job

KEY = "nyckel-för-testet"


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv(shards.KEY_ENV, KEY)


def _jobs(counts: dict[str, int]) -> list[Job]:
    return [Job(org, 2030, 1, f"kapitel{i}") for org, n in counts.items() for i in range(n)]


def test_the_plan_balances_notebooks_and_is_the_same_everywhere():
    counts = {"a": 11, "b": 4, "c": 4, "d": 9, "e": 2}
    parts = shards.plan(_jobs(counts), 2)
    assert [p.notebooks for p in parts] == [15, 15]
    assert sorted(o for p in parts for o in p.orgs) == sorted(counts)
    assert shards.plan(list(reversed(_jobs(counts))), 2) == parts  # the order of the jobs does not matter
    assert [p.number for p in shards.plan(_jobs({"a": 3}), 4)] == [1]  # no empty parts
    with pytest.raises(shards.ShardError, match="minst 1"):
        shards.plan(_jobs(counts), 0)


def _book(root: Path, orgs: tuple[str, ...]) -> None:
    for org in orgs:
        folder = root / "book" / org / "2030"
        (folder / "tabeller").mkdir(parents=True)
        nb = {"cells": [{"cell_type": "code", "outputs": [{"data": {"text/html": "<p>1 234</p>"}}]}], "metadata": {}}
        (folder / "budget.ipynb").write_text(json.dumps(nb), encoding="utf-8")
        (folder / "tabeller" / "budget-1.csv").write_text("a;b\n1;2\n", encoding="utf-8")


@pytest.fixture
def packed(tmp_path):
    root = tmp_path / "del"
    _book(root, ("a", "b"))
    part = shards.Part(1, ("a", "b"), 2)
    out = shards.pack(root, part, tmp_path / "artefakter" / "del-1")
    return out, part


def test_a_packed_part_merges_into_book(packed, tmp_path):
    out, part = packed
    target = tmp_path / "sammanfoga"
    _book(target, ("a", "c"))
    (target / "book" / "a" / "2030" / "gammal.ipynb").write_text("{}", encoding="utf-8")
    assert shards.merge(target, out.parent, [part]) == ["a", "b"]
    assert not (target / "book" / "a" / "2030" / "gammal.ipynb").exists()  # the folder is the part's
    assert (target / "book" / "b" / "2030" / "budget.ipynb").read_bytes() == (
        out / "book" / "b" / "2030" / "budget.ipynb"
    ).read_bytes()
    assert (target / "book" / "c").is_dir() and not list((target / "book").glob(".*"))


def _refused(out: Path, target: Path, part, match: str) -> None:
    _book(target, ("a",))
    before = {p: p.read_bytes() for p in (target / "book").rglob("*") if p.is_file()}
    with pytest.raises(shards.ShardError, match=match):
        shards.merge(target, out.parent, [part])
    assert {p: p.read_bytes() for p in (target / "book").rglob("*") if p.is_file()} == before  # nothing merged


def test_a_script_added_to_an_output_after_the_build_is_not_merged(packed, tmp_path):
    """#27 item 17: the stored input hash is unchanged, but the part's signed manifest no longer matches."""
    out, part = packed
    nb = out / "book" / "a" / "2030" / "budget.ipynb"
    nb.write_text(nb.read_text(encoding="utf-8").replace("<p>1 234</p>", "<p>1 234</p><script>alert(1)</script>"))
    _refused(out, tmp_path / "m", part, "book/a/2030/budget.ipynb har ändrats efter bygget")


def test_a_manifest_rewritten_without_the_key_is_not_merged(packed, tmp_path):
    out, part = packed
    manifest = json.loads((out / shards.MANIFEST).read_text(encoding="utf-8"))
    nb = out / "book" / "a" / "2030" / "budget.ipynb"
    nb.write_text("{}", encoding="utf-8")
    manifest["filer"]["book/a/2030/budget.ipynb"] = shards._sha256(nb)
    (out / shards.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    _refused(out, tmp_path / "m", part, "signatur stämmer inte")


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda out: (out / "book" / "a" / "2030" / "extra.ipynb").write_text("{}"), "finns inte i manifestet"),
        (lambda out: (out / "book" / "a" / "2030" / "budget.ipynb").unlink(), "saknas"),
        (lambda out: os.symlink("/etc/passwd", out / "book" / "a" / "2030" / "l.csv"), "inte en vanlig fil"),
    ],
    ids=["extra file", "missing file", "symbolic link"],
)
def test_a_part_with_other_files_than_its_manifest_is_not_merged(packed, tmp_path, change, match):
    out, part = packed
    change(out)
    _refused(out, tmp_path / "m", part, match)


def test_a_part_signed_for_other_organisations_or_another_key_is_not_merged(packed, tmp_path, monkeypatch):
    out, part = packed
    _refused(out, tmp_path / "m1", shards.Part(1, ("a", "c"), 2), "planen har")
    monkeypatch.setenv(shards.KEY_ENV, "en annan körnings nyckel")
    _refused(out, tmp_path / "m2", part, "signatur stämmer inte")
    monkeypatch.delenv(shards.KEY_ENV)
    _refused(out, tmp_path / "m3", part, shards.KEY_ENV)


def test_a_part_may_hold_only_notebooks_and_tables_of_its_organisations(tmp_path):
    root = tmp_path / "del"
    _book(root, ("a",))
    (root / "book" / "a" / "2030" / "index.md").write_text("# Årets sida\n", encoding="utf-8")
    part = shards.Part(1, ("a",), 1)
    out = shards.pack(root, part, tmp_path / "artefakter" / "del-1")
    assert not (out / "book" / "a" / "2030" / "index.md").exists()  # the merge's build writes the year pages
    # Even signed with the run's key, a part holding a page or another organisation's files is refused.
    original = (out / shards.MANIFEST).read_bytes()
    for rel in ("book/a/2030/sida.html", "book/b/2030/budget.ipynb"):
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text("<script></script>", encoding="utf-8")
        manifest = json.loads(original)
        manifest["filer"][rel] = shards._sha256(out / rel)
        data = json.dumps(manifest).encode("utf-8")
        (out / shards.MANIFEST).write_bytes(data)
        (out / shards.SIGNATURE).write_text(shards._sign(KEY.encode("utf-8"), data), encoding="ascii")
        _refused(out, tmp_path / rel.replace("/", "-"), part, f"{rel} hör inte hit")
        (out / rel).unlink()
