"""`rapportbok bygg --bevaka`, the analyst's loop: after a change is seen the build waits until the files stop
changing (rapportbok.publish.build.settled), not a fixed time; and the kernels started ahead validate the changed
organisation while the build makes the pages (build._prefetch, executor.Warm.prefetch)."""

from __future__ import annotations

from rapportbok.publish import build


def _looks(*values):
    seen = []
    it = iter(values)

    def look():
        value = next(it)
        seen.append(value)
        return value

    return look, seen


def test_a_change_that_is_written_builds_after_one_more_look():
    look, seen = _looks("b")
    assert build.settled(look, "b", pause=0) == "b"
    assert seen == ["b"]


def test_a_file_still_being_written_is_waited_for_until_two_looks_agree():
    look, seen = _looks("b2", "b3", "b3")
    assert build.settled(look, "b1", pause=0) == "b3"
    assert seen == ["b2", "b3", "b3"]


def test_files_that_never_stop_changing_are_built_after_the_longest_wait():
    count = [0]

    def look():
        count[0] += 1
        return str(count[0])

    assert build.settled(look, "0", pause=0.01, longest=0.05) == str(count[0])
    assert 2 <= count[0] <= 10


def test_the_default_wait_is_short_and_bounded():
    assert build.WATCH_SETTLE <= 0.1 < build.WATCH_SETTLE_MAX and build.WATCH_POLL <= 0.1


class _Kernel:
    def __init__(self):
        self.given = []

    def prefetch(self, code):
        self.given.append(code)


def test_the_kernels_ahead_validate_the_organisations_whose_files_changed():
    kernels = [_Kernel(), _Kernel()]
    before = {("/d", "alingsas"): "k1", ("/d", "haninge"): "k2"}
    build._prefetch(kernels, before, {("/d", "alingsas"): "k1", ("/d", "haninge"): "k3", ("/d", "ny"): "k4"})
    for kernel in kernels:
        [code] = kernel.given
        assert '[["/d", "haninge"], ["/d", "ny"]]' in code and "alingsas" not in code
        compile(code, "<prefetch>", "exec")  # valid Python, as the kernel runs it
        assert "datasets.load_org(org, Path(data))" in code


def test_nothing_is_prefetched_when_nothing_changed():
    kernel = _Kernel()
    build._prefetch([kernel], {("/d", "a"): "k"}, {("/d", "a"): "k"})
    assert kernel.given == []


def test_the_prefetch_validates_what_a_notebook_would(tmp_path, monkeypatch):
    """The code the kernels run fills the same validate-once cache a notebook then reads (real data, this process)."""
    from pathlib import Path

    from rapportbok.data import datasets

    root = Path(__file__).resolve().parents[1]
    kernel = _Kernel()
    build._prefetch([kernel], {("x", "y"): "z"}, {(str(root / "data"), "haninge"): "ny"})
    monkeypatch.setattr(datasets._cache(), "entries", {})
    exec(kernel.given[0], {})  # noqa: S102 - the build's own code, as the kernel runs it
    loads = datasets._cache().loads
    datasets.load_org("haninge", root / "data")
    assert datasets._cache().loads == loads  # the notebook's load found it validated


# --- what the build derives from each organisation, kept per content (datasets.derived) --------------------------


def _real_data_copy(tmp_path):
    import shutil
    from pathlib import Path

    data = tmp_path / "data"
    shutil.copytree(Path(__file__).resolve().parents[1] / "data", data)
    return data


def test_what_the_build_derives_is_computed_again_only_for_the_organisation_whose_files_changed(tmp_path):
    """Watching, the next build's plan, warnings and answers (headlines) reuse what the build before derived from the
    organisations whose files did not change; a changed file computes that organisation's again, with its new data."""
    from rapportbok.data import datasets

    data = _real_data_copy(tmp_path)
    calls: list[str] = []

    def count(org):
        def compute(sets):
            calls.append(org)
            return sets["atgarder"]["titel"].iloc[0]

        return compute

    first = {o: datasets.derived(o, ("prov",), count(o), data) for o in ("alingsas", "haninge")}
    again = {o: datasets.derived(o, ("prov",), count(o), data) for o in ("alingsas", "haninge")}
    assert again == first and calls == ["alingsas", "haninge"]
    assert datasets.derived("haninge", ("prov", "annat"), count("haninge"), data) == first["haninge"]
    assert calls == ["alingsas", "haninge", "haninge"]  # another name (another argument) is computed for itself

    measures = data / "haninge" / "atgarder.csv"  # the test's own copy: a measure's title edited
    measures.write_text(measures.read_text(encoding="utf-8").replace(first["haninge"], "Ändrad titel", 1), "utf-8")
    calls.clear()
    changed = {o: datasets.derived(o, ("prov",), count(o), data) for o in ("alingsas", "haninge")}
    assert calls == ["haninge"] and changed == {"alingsas": first["alingsas"], "haninge": "Ändrad titel"}


def test_nothing_is_kept_from_an_organisation_with_errors(tmp_path):
    import pytest

    from rapportbok.data import datasets
    from rapportbok.data.schema import DataError

    data = _real_data_copy(tmp_path)
    measures = data / "haninge" / "atgarder.csv"
    measures.write_text(measures.read_text(encoding="utf-8") + "inte,en,rad,som,stämmer\n", encoding="utf-8")
    calls = []
    for _ in range(2):
        with pytest.raises(DataError):
            datasets.derived("haninge", ("prov",), calls.append, data)
    assert calls == []


def test_the_build_derives_chapters_warnings_and_answers_as_it_did_without_the_cache(tmp_path, monkeypatch):
    """The plan, the warnings and the headlines from datasets.derived equal those computed directly from load_org."""
    from rapportbok.analysis import answer as an
    from rapportbok.chapters import registry
    from rapportbok.data import datasets

    data = _real_data_copy(tmp_path)
    monkeypatch.setenv("RAPPORTBOK_DATA", str(data))
    for _ in range(2):  # computed, then kept
        all_orgs, jobs = build.plan(data)
        heads = build.headlines(all_orgs, jobs, data)
        warnings = [line for o in all_orgs for line in build._warnings(datasets.load_org(o.slug, data), o.slug)]
        direct_jobs, direct_heads = [], {}
        for org in all_orgs:
            sets = datasets.load_org(org.slug, data)
            for year, tertial in org.years.items():
                direct_jobs += [
                    build.Job(org.slug, year, tertial, ch.slug) for ch in registry() if ch.has_data(sets, year)
                ]
                if any(j.org == org.slug and j.year == year for j in jobs):
                    direct_heads[(org.slug, year)] = an.answer(sets, year, tertial)
        assert jobs == direct_jobs and heads == direct_heads
        assert warnings and all(line.startswith("Varning (") for line in warnings)


# --- watching with book/ current: what the first build computes is computed ahead (build.prepare) ----------------


def _project_copy(tmp_path, monkeypatch):
    import shutil
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    root = tmp_path / "proj"
    root.mkdir()
    shutil.copy(repo / "_config.yml", root / "_config.yml")
    data = _real_data_copy(root)
    monkeypatch.setenv("RAPPORTBOK_ROOT", str(root))
    monkeypatch.setenv("RAPPORTBOK_DATA", str(data))
    return root, data


def _tree(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_prepare_computes_what_the_first_build_after_a_change_computes_before_executing(tmp_path, monkeypatch, capsys):
    """After build.prepare, the build's validation, warnings and pages (with every organisation's answer) find all they
    need computed: nothing is validated or derived again. It says nothing and changes nothing in data/."""
    from rapportbok.analysis import answer as an
    from rapportbok.data import datasets
    from rapportbok.publish import validation

    root, data = _project_copy(tmp_path, monkeypatch)
    before = _tree(data)
    assert build.prepare(root, workers=1) is True
    assert capsys.readouterr() == ("", "") and _tree(data) == before
    assert sorted(p.name for p in root.iterdir()) == ["_build", "_config.yml", "data"]
    assert {p.name for p in (root / "_build").iterdir()} <= {".rapportbok-lock", ".rapportbok-lock.json"}  # the lock

    loads = datasets._cache().loads

    def computed_again(*args, **kwargs):
        raise AssertionError("computed again after prepare")

    monkeypatch.setattr(an, "answer", computed_again)
    monkeypatch.setattr(build, "_warnings", computed_again)
    validation.validate(data)
    all_orgs, jobs = build.plan(data)
    for org in all_orgs:
        datasets.derived(org.slug, ("varningar",), lambda sets, slug=org.slug: build._warnings(sets, slug))
    pages = build.book_pages(data, all_orgs, jobs)
    assert datasets._cache().loads == loads
    assert ("book", "index.md") in pages and ("", "_toc.yml") in pages
    assert {("book", o.slug, str(y), "index.md") for o in all_orgs for y in o.years} <= set(pages)


def test_prepare_waits_for_no_one_and_leaves_an_organisation_with_errors_to_the_build(tmp_path, monkeypatch, capsys):
    """While another command holds the project's lock (it may be writing data/), prepare reads nothing; with an error
    in data/ it stops without a word: the build after the next change reports it."""
    from rapportbok.core import lock
    from rapportbok.data import datasets

    root, data = _project_copy(tmp_path, monkeypatch)
    loads = datasets._cache().loads
    with lock.held(root, "importera"):
        assert build.prepare(root, workers=1) is False
    assert datasets._cache().loads == loads

    measures = data / "haninge" / "atgarder.csv"
    measures.write_text(measures.read_text(encoding="utf-8") + "inte,en,rad,som,stämmer\n", encoding="utf-8")
    assert build.prepare(root, workers=1) is False
    assert capsys.readouterr() == ("", "")


def _watch_until(monkeypatch, *, current: bool, rounds: int = 2):
    """build.watch with the files' looks, the build and what it starts ahead replaced: ``current`` says whether book/
    is current at the start (if not, it is after the first build). Returns what was called, in order; the watch ends
    after ``rounds`` pauses."""
    import pytest

    from rapportbok.publish import stamp

    calls: list[str] = []

    class NoAhead:
        def __init__(self, *args, **kwargs):
            calls.append("ahead")

        def close(self):
            pass

    pauses = iter(range(rounds))

    def pause(seconds):
        try:
            next(pauses)
        except StopIteration:
            raise KeyboardInterrupt from None

    monkeypatch.setattr(build, "Ahead", NoAhead)
    monkeypatch.setattr(build, "prepare", lambda root, workers=None: calls.append("prepare") or True)
    monkeypatch.setattr(build, "build", lambda *args, **kwargs: calls.append("build") or [])
    monkeypatch.setattr(stamp, "signature", lambda *args: "samma")
    looks = iter([] if current else [None])
    monkeypatch.setattr(stamp, "unchanged", lambda *args: next(looks, []))
    monkeypatch.setattr(build.time, "sleep", pause)
    with pytest.raises(KeyboardInterrupt):
        build.watch(site=False, log=lambda line: calls.append("log"))
    return calls


def test_watching_a_current_book_prepares_once_and_a_built_one_not_at_all(monkeypatch):
    assert _watch_until(monkeypatch, current=True) == ["ahead", "log", "prepare"]
    assert _watch_until(monkeypatch, current=False) == ["build", "ahead", "log"]  # and not in the looks after
