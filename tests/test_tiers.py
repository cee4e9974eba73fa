"""The test tiers (issue #28): every test is unit, build or browser, assigned centrally in tests/conftest.py."""

import subprocess

import conftest

TIERS = {"unit", "build", "browser"}


def test_every_collected_test_has_exactly_one_tier(request):
    for item in request.session.items:
        if item.path.name.startswith("test_"):
            tiers = {m.name for m in item.iter_markers()} & TIERS
            assert len(tiers) == 1, f"{item.nodeid}: {sorted(tiers)}"


def _runs_the_command_line():  # never called: read by the tier rule
    return conftest.run_cli(conftest.ROOT, "kontrollera")


def _calls_a_helper_that_starts_a_process():  # never called
    return _starts_one()


def _starts_one():  # never called
    return subprocess.run(["true"], check=False)


def _computes():  # never called
    return sum(range(3))


def test_the_rule_reads_helpers_for_what_starts_a_process():
    assert conftest._reads(_runs_the_command_line, conftest.STARTS_A_PROCESS, set())
    assert conftest._reads(_calls_a_helper_that_starts_a_process, conftest.STARTS_A_PROCESS, set())
    assert not conftest._reads(_computes, conftest.STARTS_A_PROCESS, set())


def _item(module, name: str, fixtures=()):
    """What the tier rule reads of a collected test: its file, its function and its fixtures' names."""
    from pathlib import Path
    from types import SimpleNamespace

    return SimpleNamespace(
        path=Path(module.__file__), function=getattr(module, name), fixturenames=list(fixtures), _fixtureinfo=None
    )


def test_known_tests_land_in_their_tier():
    import test_book
    import test_browser
    import test_fmt
    import test_followup

    assert conftest.tier(_item(test_fmt, "test_numbers_swedish")) == "unit"
    # papermill in a child process, through the module's helper
    assert conftest.tier(_item(test_followup, "test_the_page_shows_a_report_in_mnkr_with_its_name")) == "build"
    built = _item(test_book, "test_site_has_landing_page_and_navigation", ["built"])
    built.fixturenames.append("built_project")  # the module's fixture ``built`` is the shared built project
    assert conftest.tier(built) == "build"
    assert conftest.tier(_item(test_browser, "test_no_failed_requests", ["visits"])) == "browser"
    import test_scale

    # the real `kolada hamta` in a process, inside tools/bench.py, which the rule does not read
    assert conftest.tier(_item(test_scale, "test_bench_synthetic_national_store_is_one_fetch_shared_by_all")) == "build"
