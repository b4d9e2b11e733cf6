# Entry points. Each target sets up what it needs (idempotently) and then runs.
#   make synth   set up, then synthesize the example app into cdk.out/
#   make test    set up, then lint, type-check and run the whole test suite
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

.PHONY: setup synth test lint typecheck unit diff deploy clean

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

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

unit: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint typecheck unit

diff: setup
	$(CDK) diff

deploy: setup
	$(CDK) deploy --all

clean:
	rm -rf cdk.out .pytest_cache .mypy_cache .ruff_cache build dist *.egg-info
