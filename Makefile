# Two commands do everything: `make lab` (set up, then JupyterLab) and `make test` (set up, then
# the whole test suite). Both create .venv with Python >= 3.11 on first use.

SHELL := /bin/bash
VENV  := .venv
BIN   := $(VENV)/bin
# The first of these interpreters that is Python 3.11 or newer (override: make PYTHON=/path/to/python);
# 3.11 first, the version requirements.lock was made for and the suite is tested with.
PYTHON ?= $(shell for p in python3.11 python3.13 python3.12 python3 python; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& { command -v $$p; break; }; done)
PYTEST_ARGS ?=
# Jupyter refuses to run as root unless told; containers and CI machines often are root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: install lock lab test exercises bench clean

# `make install` installs the exact versions in requirements.lock (every package, dependencies of
# dependencies too, and the setuptools that builds the project), the ones the suite is tested with.
# `make install UNPINNED=1` installs the newest versions pyproject.toml allows instead. Each way
# has its own stamp, so switching ways, or a changed lock or pyproject.toml, installs again.
LOCK := requirements.lock
PIP_PIN := pip==26.3
UNPINNED ?=
PINNED := $(if $(filter-out 0 no false,$(strip $(UNPINNED))),,yes)
ifeq ($(PINNED),yes)
STAMP := $(VENV)/.installed-locked
OTHER_STAMP := $(VENV)/.installed-unpinned
STAMP_DEPS := pyproject.toml $(LOCK)
PIP_SELF := $(PIP_PIN)
PIP_ARGS := --constraint $(LOCK) --build-constraint $(LOCK)
else
STAMP := $(VENV)/.installed-unpinned
OTHER_STAMP := $(VENV)/.installed-locked
STAMP_DEPS := pyproject.toml
PIP_SELF := --upgrade pip
PIP_ARGS := --upgrade --upgrade-strategy eager
endif

install: $(STAMP)

$(STAMP): $(STAMP_DEPS)
	@if [ -z "$(PYTHON)" ]; then \
		echo "dsworkbook needs Python 3.11 or newer; install it, or run: make PYTHON=/path/to/python3.11"; exit 1; fi
	@echo "Creating $(VENV) with $(PYTHON) ($$($(PYTHON) --version)), $(if $(PINNED),the versions in $(LOCK),unpinned: the newest versions pyproject.toml allows)"
	$(PYTHON) -m venv $(VENV)
	@rm -f $(OTHER_STAMP) $(VENV)/.installed
	$(BIN)/python -m pip install --quiet $(PIP_SELF)
	$(BIN)/python -m pip install --quiet $(PIP_ARGS) -e ".[test,bench]"
	@touch $(STAMP)

# Regenerate requirements.lock from pyproject.toml's dependencies and its test and bench extras, for
# Python 3.11 on Linux x86_64, with pip-tools in a venv of its own. Versions already in the lock
# stay unless pyproject.toml rules them out; `make lock UPGRADE=1` moves everything to the newest
# allowed, `make lock LOCK_ARGS="--upgrade-package numpy"` just one package. Then `make test`.
LOCK_PYTHON ?= python3.11
LOCK_TOOLS  := $(VENV)/.lock-tools
LOCK_ARGS   ?=
lock:
	@$(LOCK_PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null || { \
		echo "make lock needs Python 3.11 (the lock is for 3.11): make lock LOCK_PYTHON=/path/to/python3.11"; exit 1; }
	@[ -x $(LOCK_TOOLS)/bin/pip-compile ] || { $(LOCK_PYTHON) -m venv $(LOCK_TOOLS) && \
		$(LOCK_TOOLS)/bin/python -m pip install --quiet $(PIP_PIN) pip-tools==7.7.0; }
	CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_TOOLS)/bin/pip-compile --quiet --extra test --extra bench \
		--all-build-deps --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links \
		$(if $(filter-out 0 no false,$(UPGRADE)),--upgrade) $(LOCK_ARGS) --output-file $(LOCK) pyproject.toml

lab: install
	@echo "Starting JupyterLab at the repository root; open the URL printed below (Ctrl-C stops it)."
	$(BIN)/jupyter lab --no-browser $(ROOT_FLAG) --ServerApp.root_dir="$(CURDIR)" \
		--LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb

# The suite runs on every core (pytest-xdist); a notebook's cells stay together in one worker.
test: install
	$(BIN)/python -m pytest -n auto --dist loadfile $(PYTEST_ARGS)

# Rebuild exercises/ from solutions/ (a test fails when they are out of step).
exercises: install
	$(BIN)/dsworkbook build-exercises

bench: install
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
