# Quickstart targets: both work on a fresh machine with only python3 and pip.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.jaxnn-installed
DOCS_STAMP := $(VENV)/.jaxnn-docs-installed

.PHONY: demo test test-slow test-all bench lint docs clean

# $(call install,EXTRAS): .venv (made if missing) with jaxnn and EXTRAS, then the target's stamp
define install
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[$(1)]"
	touch $@
endef

$(STAMP): pyproject.toml
	$(call install,all)

demo: $(STAMP)
	$(VENV)/bin/jaxnn demo --out results

# The fast tier: every claim, on small problems, one worker per core (pytest-xdist), each test
# file on one worker so that its tests share their compiled programs.
test: $(STAMP)
	$(PY) -m pytest -q -m "not slow" -n auto --dist loadfile

# The slow tier only (CI runs it after make test, so nothing runs twice): process kills, the
# core-install venv, the full demo experiments and benchmark runs, the large problems. Compiled
# fully optimized, as a user's programs are (the fast tier compiles with LLVM at -O0: conftest).
test-slow: $(STAMP)
	JAX_DISABLE_MOST_OPTIMIZATIONS=0 $(PY) -m pytest -q -m slow

# Both tiers, every test once.
test-all: test test-slow

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The docs site, offline, into site/; strict: a warning or a broken link fails. First a check that
# the generated parts of the pages match the code (python -m docs._generate rewrites them).
$(DOCS_STAMP): pyproject.toml
	$(call install,docs)

docs: $(DOCS_STAMP)
	$(PY) -m docs._generate --check
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict --site-dir site

# The peers (PyTorch CPU) are installed only here, never as dependencies of jaxnn.
bench: $(STAMP)
	$(PY) -m pip install --quiet -r benchmarks/requirements.txt
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) results site
