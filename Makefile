# rapportbok: two commands do all set-up on a fresh machine with Python 3.11.
#   make book   -> validate data/, execute notebooks into book/, build the site into _build/html/
#   make test   -> lint (ruff), the import contracts (import-linter) and every test (unit, build, browser and
#                  accessibility; nbval on the committed book/ and test book), in parallel (pytest-xdist), random order
#   make test-snabb -> the edit loop: lint, import contracts and the unit tests (about a minute)
#   make pdf    -> the book as above plus one PDF per organisation and year (Debian's chromium)
#   make testbook -> rebuild the SYNTHETIC test book (tests/testbook_syntetisk) after a change to the package
#   make mutation -> mutation testing (mutmut, pinned in requirements-mutation.txt) of the computation modules
#   make lock     -> regenerate the lock (requirements.txt, requirements-mutation.txt) from pyproject.toml with uv,
#                    and environment.yml from it
#   make skarmbilder -> a full-page screenshot of every page at laptop and phone width, into _build/screenshots/
#   make handbok  -> the handbook (handbok/) built with strict warnings, placed beside the site in _build/html/handbok/
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt pyproject.toml | cksum | cut -d' ' -f1)

AXE    := node_modules/axe-core/axe.min.js
TESTBOOK := tests/testbook_syntetisk

.PHONY: book test test-snabb lint validate bench clean pdf testbook testbook-kolada mutation lock handbok skarmbilder

$(STAMP): requirements.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@rm -f $(VENV)/.installed-*
	@touch $@

# axe-core (accessibility checks in the browser test), pinned in package-lock.json, from npm.
$(AXE): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

book: $(STAMP)
	$(PY) -m rapportbok build

pdf: $(STAMP)
	@tools/ensure-chromium.sh
	$(PY) -m rapportbok build --pdf

validate: $(STAMP)
	$(PY) -m rapportbok validate

# The handbook with strict warnings (the book's build places it beside the site as well, without -W).
handbok: $(STAMP)
	$(PY) tools/handbok.py bygg

# Tests run in TEST_JOBS processes (pytest-xdist); the tests of the shared built project share one of them
# (--dist loadgroup, tests/conftest.py), which builds it once. pytest-randomly shuffles their order and prints
# the seed ("Using --randomly-seed=N"): rerun an order with `make test PYTEST_ARGS=--randomly-seed=N`.
# nbval runs each notebook's cells in order, in one process per notebook (never shuffled).
TEST_JOBS   ?= 2
PYTEST_ARGS ?=
XDIST       := -n $(TEST_JOBS) --dist loadgroup
NBVAL       := -p no:randomly -n $(TEST_JOBS) --dist loadfile --nbval --nbval-sanitize-with tests/nbval-sanitize.cfg

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

test: $(STAMP) $(AXE) lint
	@# Chromium for the browser, accessibility and PDF tests: installed where we can (root with apt),
	@# otherwise those tests skip with the install hint (CI sets RAPPORTBOK_REQUIRE_BROWSER=1: they fail).
	-@tools/ensure-chromium.sh
	$(PY) -m pytest tests $(XDIST) $(PYTEST_ARGS)
	$(PY) -m pytest $(NBVAL) book $(TESTBOOK)/book

# The edit loop: lint, the import contracts and the unit tests (no notebook, book, site or browser).
test-snabb: $(STAMP) lint
	$(PY) -m pytest tests -m unit $(XDIST) $(PYTEST_ARGS)

# A full-page screenshot of every page of the site, at 1280, 1366 and 390 px, into _build/screenshots/ (the browser
# tests with RAPPORTBOK_SCREENSHOT_DIR set; `make test` takes none).
skarmbilder: $(STAMP) $(AXE)
	-@tools/ensure-chromium.sh
	RAPPORTBOK_SCREENSHOT_DIR=$(CURDIR)/_build/screenshots $(PY) -m pytest -p no:randomly \
		tests/test_browser.py::test_every_page_was_visited tests/test_interface.py::test_browser_interface_titles_and_screenshots

# The SYNTHETIC test book: a follow-up, an action plan with follow-up and a fetched Kolada store, which the
# default book lacks. Any change to the package changes its notebooks' input hashes: rebuild and commit it.
testbook: $(STAMP)
	$(PY) tools/testbook.py bygg

# Re-fetch its Kolada store from the tests' fake Kolada server (the real `rapportbok kolada hamta`), then rebuild.
testbook-kolada: $(STAMP)
	$(PY) tools/testbook.py kolada
	$(PY) tools/testbook.py bygg

# Mutation testing of the computation modules with the fast unit tests ([tool.mutmut] in pyproject.toml).
# mutmut is pinned in requirements-mutation.txt and installed only here; `make test` does not need it.
MUTMUT_STAMP := $(VENV)/.mutmut-$(shell cat requirements-mutation.txt | cksum | cut -d' ' -f1)
$(MUTMUT_STAMP): requirements-mutation.txt $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-mutation.txt
	@rm -f $(VENV)/.mutmut-*
	@touch $@

mutation: $(MUTMUT_STAMP)
	rm -rf mutants
	nice $(VENV)/bin/mutmut run --max-children 2
	$(PY) tools/mutation_score.py --overlevande

clean:
	rm -rf _build

# The lock: pyproject.toml's dependencies and its groups (test, lint, lock, build) resolved by uv for Python 3.11
# on every platform (Windows too), with hashes; the mutation lock is the same plus mutmut. Add --upgrade (or
# --upgrade-package NAME) to LOCK_FLAGS to move versions: `make lock LOCK_FLAGS=--upgrade`.
LOCK_GROUPS := --group test --group lint --group lock --group build
LOCK_FLAGS  ?=
UV_COMPILE  := $(VENV)/bin/uv pip compile --quiet pyproject.toml --universal --python-version 3.11 --generate-hashes $(LOCK_FLAGS)
lock: $(STAMP)
	$(UV_COMPILE) $(LOCK_GROUPS) -o requirements.txt
	$(UV_COMPILE) $(LOCK_GROUPS) --group mutation -c requirements.txt -o requirements-mutation.txt
	$(PY) tools/environment_yml.py

bench: $(STAMP)
	$(PY) tools/bench.py
