# Entry points. Each target sets up what it needs (idempotently) and then runs.
#   make synth   set up, then synthesize the example app into cdk.out/
#   make test    set up, then lint, type-check, run the whole test suite and build the docs strictly
#   make docs    regenerate the diagrams and generated pages, then build the site into site/
#   make diff / make deploy   the pinned CDK CLI against your AWS account
# A fresh machine needs Python 3.11+ and npm; the pinned Node.js 22 and CDK CLI
# come from package.json, so the Node.js on PATH is never used for synthesis.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
NODE_BIN := $(CURDIR)/node_modules/.bin
# The pinned Node.js first on PATH: jsii (the bridge from Python to aws-cdk-lib)
# and the CDK CLI both run on it, so neither prints Node 20's end-of-life banner.
export PATH := $(NODE_BIN):$(CURDIR)/$(BIN):$(PATH)
CDK := $(NODE_BIN)/cdk
PYTEST_ARGS ?=
CDK_ARGS ?=
BENCH_ARGS ?=

.PHONY: setup synth test lint typecheck unit docs docs-build docs-shots bench diff deploy clean

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

synth: setup
	$(CDK) synth --quiet --output cdk.out $(CDK_ARGS)
	@echo "Synthesized: $$(ls cdk.out/*.template.json | xargs -n1 basename | tr '\n' ' ')"

# The delivery app (docs/pipeline.md): the self-mutating pipeline and every environment of
# pipeline.toml, into cdk.out.pipeline/. Offline: the configuration names the zones.
.PHONY: synth-pipeline
synth-pipeline: setup
	$(CDK) synth --quiet --app "$(BIN)/python pipeline_app.py" --output cdk.out.pipeline $(CDK_ARGS)
	@echo "Synthesized: $$(ls cdk.out.pipeline/*.template.json | xargs -n1 basename | tr '\n' ' ')"

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

unit: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint typecheck unit docs-build

# Regenerate the docs that come from the example app (diagram models and pictures, stack pages,
# the acknowledgements table), then build the site into site/. Drawing needs Graphviz's `dot`.
docs: setup
	@command -v dot >/dev/null || { echo "make docs draws the diagrams with Graphviz, and 'dot' is not on PATH."; \
	  echo "Install it: sudo apt-get install graphviz   (macOS: brew install graphviz)"; exit 1; }
	$(BIN)/python -m scripts.docs_gen
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir site

# The site builds in strict mode (a broken link or a missing page fails); no regeneration, no Graphviz.
docs-build: setup
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir site

# Screenshots of every docs page with a picture, in headless Chromium, into build/docs-shots/ for review
# (not a test). Needs Debian's chromium: apt-get install -y chromium
docs-shots: docs-build
	$(BIN)/python -m scripts.docs_shots

diff: setup
	$(CDK) diff $(CDK_ARGS)

deploy: setup
	$(CDK) deploy --all $(CDK_ARGS)

# Synthesis speed, test-suite speed and template economy: prints a table, writes docs/performance.md.
bench: setup
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)

clean:
	rm -rf cdk.out .pytest_cache .mypy_cache .ruff_cache build dist site *.egg-info
