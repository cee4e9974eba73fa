"""The build process's own work at scale (#16): nothing in it may grow faster than the number of
organisations, and what it does faster must give the same book and the same messages.

Uses temporary copies of the project only. The organisations are SYNTHETIC (tools/bench.py: copies of
a real organisation's files under made-up names, labelled as synthetic).
"""

from __future__ import annotations

import copy

import nbformat
import pytest
from conftest import load_tool

from rapportbok.data import config, datasets, kolada
from rapportbok.data import organisations as orgs
from rapportbok.data.schema import DataError
from rapportbok.present import tables
from rapportbok.publish import build, fold


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """A project with six SYNTHETIC organisations (tools/bench.py)."""
    bench = load_tool("bench")
    proj = bench.copy_project(tmp_path_factory.mktemp("syntetisk"))
    bench.synthesize(proj, 6, "alingsas")
    return proj / "data"


def _count(monkeypatch, module, name) -> list:
    calls = []
    real = getattr(module, name)

    def counted(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


# -- an organisation reads its own organisation.yml, not every organisation's -----------------------------


def test_validating_one_organisation_reads_only_its_own_organisation_file(synthetic, monkeypatch):
    """Each organisation's check read every organisation.yml (orgs.load_all): N² YAML files at scale."""
    datasets._cache().entries.clear()
    calls = _count(monkeypatch, config, "read_organisation")
    datasets.load_org("syntetisk-004", synthetic)
    # its own file at most (the stated tables' concepts are per table now: loading reads no organisation.yml)
    assert {c[0].parent.name for c in calls} <= {"syntetisk-004"} and len(calls) <= 2


def test_validation_reads_organisation_files_linearly(synthetic, monkeypatch):
    from rapportbok.publish import validation

    datasets._cache().entries.clear()
    calls = _count(monkeypatch, config, "read_organisation")
    issues = validation.validate(synthetic)
    assert not [i for i in issues if i.severity == "fel"]
    # a few times per organisation (load_all in each step, its own checks), not N times each (was 6 × 6 more)
    assert len(calls) <= 5 * 6
    assert all(sum(c[0].parent.name == o for c in calls) == len(calls) // 6 for o in {c[0].parent.name for c in calls})


def test_get_reads_one_file_and_says_the_same(synthetic, monkeypatch, tmp_path):
    calls = _count(monkeypatch, config, "read_organisation")
    org = orgs.get("syntetisk-002", synthetic)
    assert org.slug == "syntetisk-002" and len(calls) == 1
    assert org == next(o for o in orgs.load_all(synthetic)[0] if o.slug == "syntetisk-002")
    with pytest.raises(DataError) as err:  # unknown: the same message, naming the organisations there are
        orgs.get("finns-inte", synthetic)
    assert "en organisation med en mapp i data/: syntetisk-001, syntetisk-002" in err.value.report()
    with pytest.raises(DataError):
        orgs.get("../syntetisk-001", synthetic)  # not a slug: never read as a path
    assert orgs.load("../syntetisk-001", synthetic) == (None, [])


def test_get_reports_a_broken_organisation_file(synthetic, tmp_path):
    import shutil

    data = tmp_path / "data"
    shutil.copytree(synthetic, data)
    path = data / "syntetisk-003" / "organisation.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("slug: syntetisk-003", "slug: annan"), encoding="utf-8")
    with pytest.raises(DataError) as err:
        orgs.get("syntetisk-003", data)
    assert "syntetisk-003/organisation.yml" in err.value.report() and "annan" in err.value.report()
    assert orgs.get("syntetisk-001", data).slug == "syntetisk-001"  # another organisation is not stopped by it


# -- kolada.yml parsed once per content ------------------------------------------------------------------


def test_kolada_config_is_parsed_once_per_content_and_handed_out_as_copies(synthetic, monkeypatch, tmp_path):
    import shutil

    org = tmp_path / "syntetisk-001"
    shutil.copytree(synthetic / "syntetisk-001", org)
    calls = _count(monkeypatch, config, "read_kolada")
    first = kolada.load_config(org)
    first.kpis.append("U99999")  # a caller's change stays in its copy
    second = kolada.load_config(org)
    assert len(calls) == 1 and "U99999" not in second.kpis
    assert kolada.store_files(org) == kolada.store_files(org) and len(calls) == 1
    path = org / kolada.CONFIG_FILE
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # changed content: read anew
    assert kolada.load_config(org) == second and len(calls) == 2
    path.write_text("kpis: [\n", encoding="utf-8")
    for _ in range(2):  # an invalid file is reported every time
        with pytest.raises(kolada.KoladaConfigError):
            kolada.load_config(org)
    assert len(calls) == 4


# -- the notebooks' clean-up: outputs without a note are not parsed -----------------------------------------


def test_fold_does_not_parse_outputs_without_a_note(monkeypatch):
    def cell(html):
        c = nbformat.v4.new_code_cell("x")
        c.outputs = [nbformat.v4.new_output("display_data", data={"text/html": html, "text/plain": ""})]
        return c

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("## Ramar"),
        cell('<table class="t"><tr><td>1</td></tr></table>'),
        nbformat.v4.new_markdown_cell("## Investeringar"),
        cell(tables.note("Källorna innehåller ingen investeringsbudget.").data),
    ]
    parsed = []
    real = fold.BeautifulSoup
    monkeypatch.setattr(fold, "BeautifulSoup", lambda html, *a: (parsed.append(html), real(html, *a))[1])
    assert fold.fold(nb) == ["Investeringar"]
    assert len(parsed) == 1 and "rapportbok-notis" in parsed[0]


# -- pages built from the jobs of each organisation ---------------------------------------------------------


def test_pages_from_each_organisations_jobs_are_the_same(synthetic):
    all_orgs, jobs = build.plan(synthetic)
    shuffled = jobs[1::2] + jobs[0::2]  # the jobs in another order: each organisation's keep theirs
    grouped = build.by_org(shuffled)
    assert [j for js in grouped.values() for j in js] != shuffled or len(jobs) < 2
    assert sorted(grouped) == [o.slug for o in all_orgs]
    for org in all_orgs:
        y = max(org.years)
        assert build.year_page(org, y, grouped[org.slug]) == build.year_page(org, y, shuffled)
    toc = build.toc(all_orgs, jobs)
    assert [p["caption"] for p in toc["parts"]][:6] == [o.name for o in all_orgs]
    assert toc["parts"][0]["chapters"][0]["sections"] == [
        {"file": j.relpath[:-6]} for j in jobs if j.org == all_orgs[0].slug
    ]
    assert build.landing_page(all_orgs, jobs).count("### ") == 6
    assert copy.deepcopy(jobs) == jobs


# -- organisations validated in parallel before the build's validation --------------------------------------

SLUGS = [f"syntetisk-{i:03d}" for i in range(1, 7)]


def _serial(data) -> dict:
    datasets._cache().entries.clear()
    return {s: datasets.load_org(s, data) for s in SLUGS}


def test_prevalidate_fills_the_cache_with_what_validating_one_by_one_gives(synthetic):
    import sys

    if not sys.platform.startswith("linux"):
        pytest.skip("prevalidate forks only on Linux")
    serial = _serial(synthetic)
    datasets._cache().entries.clear()
    before = datasets._cache().loads
    assert datasets.prevalidate(SLUGS, 2, synthetic) == 3  # the child's half; this process did the other
    assert datasets._cache().loads == before + 6
    for slug in SLUGS:
        got = datasets.load_org(slug, synthetic)
        for name, df in serial[slug].items():
            assert (df is None) == (got[name] is None) and (df is None or df.equals(got[name]))
    assert datasets._cache().loads == before + 6  # every organisation was in the cache
    assert datasets.prevalidate(SLUGS[:3], 1, synthetic) == 0  # one process, or few organisations: nothing


def test_prevalidate_leaves_errors_to_the_validation_that_reports_them(synthetic, tmp_path):
    import shutil

    data = tmp_path / "data"
    shutil.copytree(synthetic, data)
    path = data / "syntetisk-004" / "tabell_varden.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace(",budget2024,31417", ",budget2024,31 417 kr", 1), encoding="utf-8"
    )
    datasets._cache().entries.clear()
    with pytest.raises(DataError) as serial:
        datasets.load_org("syntetisk-004", data)
    datasets._cache().entries.clear()
    datasets.prevalidate(SLUGS, 2, data)  # syntetisk-004 is the child's (every other one): nothing raised
    with pytest.raises(DataError) as after:
        datasets.load_org("syntetisk-004", data)
    assert after.value.report() == serial.value.report() and "31 417 kr" in after.value.report()


def test_a_failing_child_only_leaves_its_organisations_to_this_process(synthetic, monkeypatch):
    import os

    if not os.sys.platform.startswith("linux"):
        pytest.skip("prevalidate forks only on Linux")
    monkeypatch.setattr(datasets, "_prevalidate_child", lambda *a: os._exit(3))
    datasets._cache().entries.clear()
    assert datasets.prevalidate(SLUGS, 2, synthetic) == 0
    before = datasets._cache().loads
    for slug in SLUGS:
        datasets.load_org(slug, synthetic)
    assert datasets._cache().loads == before + 3  # the child's three, validated here


# -- the source register in the notebooks: read once per content, titles matched from the text ---------------


def test_the_register_survives_the_reset_between_notebooks_and_is_read_anew_when_changed(
    synthetic, tmp_path, monkeypatch
):
    import shutil

    from rapportbok.core import state
    from rapportbok.data import sources

    data = tmp_path / "data"
    shutil.copytree(synthetic, data)
    calls = _count(monkeypatch, sources, "load")
    first = sources._cached(str(data))
    state.reset()  # the next notebook on the same kernel
    second = sources._cached(str(data))
    assert len(calls) == 1 and second.equals(first) and second is not first
    second.loc[second.index[0], "titel"] = "ändrad"  # a caller's change stays in its copy
    state.reset()
    assert sources._cached(str(data)).equals(first)
    register = data / "kallor.csv"
    register.write_text(register.read_text(encoding="utf-8").replace("Bilaga 2", "Bilaga två"), encoding="utf-8")
    state.reset()
    assert "Bilaga två" in " ".join(sources._cached(str(data))["titel"]) and len(calls) == 2


def test_link_titles_links_the_same_titles_as_matching_every_title(synthetic):
    import re

    from rapportbok.core import escape
    from rapportbok.data import sources

    df = sources.load(synthetic)
    titles = list(df["titel"])
    text = escape.html_text(f"Källa: {titles[3]}, Avsnitt 2; Källa: {titles[10]} ({df['beslut'].iloc[10]}); Kolada")
    texts = sources.texts(df, synthetic)
    linked = tables.link_titles(text, texts)
    assert linked.count("<a href=") == 2
    # the whole register's titles as one pattern (as before) finds the same titles in the same places
    every = re.compile("|".join(re.escape(escape.html_text(t)) for t in sorted(titles, key=len, reverse=True)))
    assert [m.group(0) for m in every.finditer(text)] == re.findall(r'">([^<]*)</a>', linked)
    assert tables.link_titles("Källa: Kolada", texts) == "Källa: Kolada"


def test_prevalidate_leaves_a_broken_register_to_the_build(synthetic, tmp_path):
    """The source register with a problem (even one that is only a warning for the build) stops nothing here."""
    import shutil

    data = tmp_path / "data"
    shutil.copytree(synthetic, data)
    (data / "kallor.csv").write_text("kalla,titel\n", encoding="utf-8")
    assert datasets.prevalidate(SLUGS, 2, data) == 0
    with pytest.raises(DataError):
        datasets.load_org("syntetisk-001", data)


def test_a_data_error_stops_the_build_with_the_same_message_with_or_without_prevalidate(tmp_path, monkeypatch):
    """Six SYNTHETIC organisations, one with a wrong value: the build stops before any notebook, nothing is
    published, and what it says is the same as when the organisations are validated one by one."""
    bench = load_tool("bench")
    (tmp_path / "p").mkdir()
    proj = bench.copy_project(tmp_path / "p")
    bench.synthesize(proj, 6, "alingsas")
    path = proj / "data" / "syntetisk-005" / "tabell_varden.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace(",budget2024,31417", ",budget2024,31 417 kr", 1), encoding="utf-8"
    )
    monkeypatch.setenv("RAPPORTBOK_ROOT", str(proj))
    monkeypatch.delenv("RAPPORTBOK_DATA", raising=False)
    said = []
    for minimum in (datasets.PREVALIDATE_MIN, 10**6):  # with, then without the parallel validation
        monkeypatch.setattr(datasets, "PREVALIDATE_MIN", minimum)
        datasets._cache().entries.clear()
        lines = []
        with pytest.raises(DataError) as err:
            build.build(site=False, log=lines.append)
        said.append((lines, err.value.report()))
        assert not (proj / "book").exists() and not (proj / "_toc.yml").exists()
    assert said[0] == said[1] and "syntetisk-005/tabell_varden.csv" in said[0][1]
