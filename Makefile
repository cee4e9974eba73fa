# rapportbok: two commands do all set-up on a fresh machine with Python 3.11.
#   make book   -> validate data/, execute notebooks into book/, build the site into _build/html/
#   make test   -> every test (unit, golden, site, browser and accessibility, nbval on the committed book/)
#   make pdf    -> the book as above plus one PDF per organisation and year (Debian's chromium)
#   make testbook -> rebuild the SYNTHETIC test book (tests/testbook_syntetisk) after a change to the package
#   make mutation -> mutation testing (mutmut, pinned in requirements-mutation.txt) of the computation modules
#   make handbok  -> the handbook (handbok/) built with strict warnings, placed beside the site in _build/html/handbok/
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt pyproject.toml | cksum | cut -d' ' -f1)

AXE    := node_modules/axe-core/axe.min.js
TESTBOOK := tests/testbook_syntetisk

.PHONY: book test validate bench clean pdf testbook testbook-kolada mutation handbok

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

test: $(STAMP) $(AXE)
	@# Chromium for the browser, accessibility and PDF tests: installed where we can (root with apt),
	@# otherwise those tests skip with the install hint (CI sets RAPPORTBOK_REQUIRE_BROWSER=1: they fail).
	-@tools/ensure-chromium.sh
	$(PY) -m pytest tests
	$(PY) -m pytest --nbval book --nbval-sanitize-with tests/nbval-sanitize.cfg
	$(PY) -m pytest --nbval $(TESTBOOK)/book --nbval-sanitize-with tests/nbval-sanitize.cfg

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

bench: $(STAMP)
	$(PY) tools/bench.py
