"""The order the build's kernels take the notebooks in (rapportbok.publish.build.execution_order, executor._Todo).

The overview and the Avstämning page compute every chapter's figures: an organisation-year's longest notebooks. So
within an organisation-year they run first, on the kernel that takes the organisation, and a second kernel helping
with it takes a chapter. After one changed data file (the analyst's loop: the overview, Avstämning and the chapter
that reads the file) that is the overview and Avstämning on one kernel and the chapter on the other, not the chapter
waiting behind one of them.
"""

from __future__ import annotations

from rapportbok.publish import build, executor


def _jobs(*triples):
    return [build.Job(org, year, 1, chapter) for org, year, chapter in triples]


def test_the_overview_and_avstamning_come_first_in_their_organisation_year():
    todo = _jobs(("haninge", 2018, "sammanfattning"), ("haninge", 2018, "atgardsplan"), ("haninge", 2018, "avstamning"))
    assert [j.chapter for j in build.execution_order(todo)] == ["sammanfattning", "avstamning", "atgardsplan"]


def test_organisations_years_and_chapters_keep_the_plans_order():
    todo = _jobs(
        ("b", 2025, "budget"),
        ("b", 2025, "risk"),
        ("b", 2025, "avstamning"),
        ("b", 2024, "budget"),
        ("b", 2024, "sammanfattning"),
        ("a", 2025, "atgardsplan"),
        ("a", 2025, "budget"),
        ("a", 2025, "sammanfattning"),
    )
    order = [(j.org, j.year, j.chapter) for j in build.execution_order(todo)]
    assert order == [
        ("b", 2025, "avstamning"),
        ("b", 2025, "budget"),
        ("b", 2025, "risk"),
        ("b", 2024, "sammanfattning"),
        ("b", 2024, "budget"),
        ("a", 2025, "sammanfattning"),
        ("a", 2025, "atgardsplan"),
        ("a", 2025, "budget"),
    ]
    assert sorted(order) == sorted((j.org, j.year, j.chapter) for j in todo)  # nothing lost, nothing added


def test_two_kernels_after_one_changed_file_overview_and_avstamning_on_one_the_chapter_on_the_other():
    todo = _jobs(("haninge", 2018, "sammanfattning"), ("haninge", 2018, "atgardsplan"), ("haninge", 2018, "avstamning"))
    specs = [
        executor.Spec(j.relpath, "mall.ipynb", j.relpath, j.parameters(), ".", group=j.org)
        for j in build.execution_order(todo)
    ]
    queue = executor._Todo(specs)
    first, second = queue.take(0), queue.take(1)
    third = queue.take(0)
    assert queue.take(1) is None
    assert [first.key, third.key] == ["book/haninge/2018/sammanfattning.ipynb", "book/haninge/2018/avstamning.ipynb"]
    assert second.key == "book/haninge/2018/atgardsplan.ipynb"
