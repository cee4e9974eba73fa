# rapportbok: two commands do all set-up on a fresh machine with Python 3.11.
#   make book   -> validate data/, execute notebooks into book/, build the site into _build/html/
#   make test   -> every test (unit, golden, site, browser and accessibility, nbval on the committed book/)
#   make pdf    -> the book as above plus one PDF per organisation and year (Debian's chromium)
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt pyproject.toml | cksum | cut -d' ' -f1)

AXE    := node_modules/axe-core/axe.min.js

.PHONY: book test validate bench clean pdf

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

test: $(STAMP) $(AXE)
	@# Chromium for the browser, accessibility and PDF tests: installed where we can (root with apt),
	@# otherwise those tests skip with the install hint (CI sets RAPPORTBOK_REQUIRE_BROWSER=1: they fail).
	-@tools/ensure-chromium.sh
	$(PY) -m pytest tests
	$(PY) -m pytest --nbval book --nbval-sanitize-with tests/nbval-sanitize.cfg

clean:
	rm -rf _build

bench: $(STAMP)
	$(PY) tools/bench.py
