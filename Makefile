# Every target bootstraps what it needs: a fresh machine needs only python3.
PYTHON ?= python3
VENV   ?= .venv

PY    := $(VENV)/bin/python
PIP   := $(PY) -m pip --disable-pip-version-check
STAMP := $(VENV)/.installed

# The oldest versions admagic supports: Google Colab's runtime, pinned in .ci/colab.txt.
OLDEST    ?= .venv-oldest
OLDEST_PY := $(OLDEST)/bin/python
COLAB     := .ci/colab.txt

# Jupyter should find this venv's kernel before any user-wide "python3" kernel.
export JUPYTER_PREFER_ENV_PATH := 1

.DEFAULT_GOAL := help
.PHONY: help test test-oldest demo lab docs bench clean distclean

help:
	@echo "make test         run the whole test suite"
	@echo "make test-oldest  the suite again on Colab's IPython 7.34.0, NumPy 2.1.3, graphviz 0.21, ipywidgets 7.7.1"
	@echo "make demo         execute notebooks/01-tour.ipynb into build/demo/ as HTML"
	@echo "make lab          open JupyterLab on notebooks/"
	@echo "make docs         build the documentation into build/docs/ (warnings are errors)"
	@echo "make bench        run every benchmarks/*.py"
	@echo "make clean        remove build outputs and caches (keeps $(VENV))"
	@echo "make distclean    clean, and remove $(VENV) and $(OLDEST) too"

$(PY):
	@echo "--> creating $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)
	@echo "--> upgrading pip"
	@$(PIP) install -q --upgrade pip

# Re-installs whenever pyproject.toml changes.
$(STAMP): pyproject.toml | $(PY)
	@echo "--> installing admagic (editable) with [dev,render,plot,step] into $(VENV)"
	@$(PIP) install -q -e ".[dev,render,plot,step]"
	@touch $@

$(VENV)/.installed-docs: $(STAMP)
	@echo "--> installing the [docs] extra"
	@$(PIP) install -q -e ".[docs]"
	@touch $@

$(VENV)/.installed-bench: $(STAMP)
	@echo "--> installing the [bench] extra"
	@$(PIP) install -q -e ".[bench]"
	@touch $@

test: $(STAMP)
	@echo "--> running the test suite"
	$(PY) -m pytest

# Colab's versions go in first, as Colab has them; then admagic with its dependencies, as a
# student's `pip install admagic` would; then the check that pip left every one of them as it was.
$(OLDEST)/.installed: pyproject.toml $(COLAB)
	@echo "--> creating $(OLDEST) with Colab's versions ($(COLAB))"
	rm -rf $(OLDEST)
	$(PYTHON) -m venv $(OLDEST)
	@$(OLDEST_PY) -m pip --disable-pip-version-check install -q --upgrade pip
	@$(OLDEST_PY) -m pip --disable-pip-version-check install -q -r $(COLAB)
	@echo "--> installing admagic (editable) with [dev] into $(OLDEST)"
	@$(OLDEST_PY) -m pip --disable-pip-version-check install -q -e ".[dev]"
	@touch $@

test-oldest: $(OLDEST)/.installed
	@echo "--> checking that pip left Colab's versions in place"
	$(OLDEST_PY) -m pip --disable-pip-version-check show ipython numpy graphviz | grep -E '^(Name|Version):'
	$(OLDEST_PY) -c "import sys; from importlib.metadata import version; \
	pins = [l.split('==') for l in open('$(COLAB)') if '==' in l and not l.startswith('#')]; \
	wrong = [f'{n} {version(n)} (Colab has {v.strip()})' for n, v in pins if version(n) != v.strip()]; \
	sys.exit('pip changed ' + ', '.join(wrong) if wrong else 0)"
	@echo "--> running the test suite on Colab's versions"
	$(OLDEST_PY) -m pytest

demo: $(STAMP)
	@echo "--> executing notebooks/01-tour.ipynb in a Jupyter kernel"
	$(VENV)/bin/jupyter nbconvert --execute --to html --output-dir build/demo notebooks/01-tour.ipynb
	@echo "--> open $(CURDIR)/build/demo/01-tour.html"

# JupyterLab refuses to start as root (containers, CI boxes) unless told it may.
lab: $(STAMP)
	$(VENV)/bin/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root)

docs: $(VENV)/.installed-docs
	@echo "--> building the docs into build/docs/"
	$(VENV)/bin/sphinx-build -W --keep-going -b html docs build/docs
	@echo "--> open $(CURDIR)/build/docs/index.html"

bench: $(VENV)/.installed-bench
	@set -e; scripts="$(sort $(filter-out benchmarks/common.py,$(wildcard benchmarks/*.py)))"; \
	if [ -z "$$scripts" ]; then echo "--> no benchmarks/*.py yet"; fi; \
	for script in $$scripts; do echo "--> $$script"; $(PY) $$script; done

clean:
	@echo "--> removing build outputs and caches"
	rm -rf build dist *.egg-info docs/notebooks .pytest_cache .hypothesis
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) $(OLDEST)
