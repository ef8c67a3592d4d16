# The two set-up commands of the README: `make demo` and `make test`.
# Every install step lives here so that a clean clone (and CI) needs nothing else.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -ec
PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
XSTILTS := $(VENV)/bin/xstilts
STAMP  := $(VENV)/.installed
# CPU threads = cores, unless the user says otherwise.
export OMP_NUM_THREADS ?= $(shell nproc)
export HF_HUB_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: venv install demo test lint bench bench-gpu

venv: $(STAMP)

# torch first, pinned: `pip install torch==2.13.0` takes the CPU wheel on disk; any other
# spelling can pull a multi-GB CUDA build onto a CPU machine.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade "pip>=24" 2>&1 | { grep -v "^WARNING: Location" || true; }
	$(PIP) install -q torch==2.13.0 2>&1 | { grep -v "^WARNING: Location" || true; }
	$(PIP) install -q -e ".[dev,tracking]" 2>&1 | { grep -v "^WARNING: Location" || true; }
	$(PY) -c "import torch, transformers, xstilts" 
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(XSTILTS) models install multilingual-e5-small
	$(XSTILTS) demo

test: $(STAMP)
	$(PY) -m pytest

# ruff, then the layer contracts of pyproject.toml's [tool.importlinter] (import-linter).
lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/lint-imports

bench: $(STAMP)
	$(XSTILTS) models install multilingual-e5-small
	$(PY) -m benchmarks.run_all

bench-gpu: $(STAMP)
	$(PY) -m benchmarks.run_all --device cuda
