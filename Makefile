# Entry points. Each target sets up what it needs (idempotently) and then runs.
#   make synth        set up the app's dependencies only, then synthesize the example app into cdk.out/
#   make unit         the everyday unit suite (pytest -m "not integration"); PYTEST_ARGS narrows it
#   make test         what CI runs: lint, type-check, the whole suite (integration tests too), the
#                     unit suite against the lowest declared aws-cdk-lib, and a strict docs build
#   make docs         regenerate the diagrams and generated pages, then build the site into site/
#   make checkov      checkov (pinned, in its own .venv-checkov) over the synthesized example app
#   make diff / make deploy   the pinned CDK CLI against your AWS account
# A fresh machine needs Python 3.11+ (with venv: Debian/Ubuntu's python3-venv) and npm; the pinned
# Node.js 22 and CDK CLI come from package.json, so the Node.js on PATH is never used for synthesis.
# Python packages are installed at the exact versions of constraints/dev.txt.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOWEST := .venv-lowest
CHECKOV_VENV := .venv-checkov
CONSTRAINTS := constraints/dev.txt
NODE_BIN := $(CURDIR)/node_modules/.bin
# The pinned Node.js first on PATH: jsii (the bridge from Python to aws-cdk-lib)
# and the CDK CLI both run on it, so neither prints Node 20's end-of-life banner.
export PATH := $(NODE_BIN):$(CURDIR)/$(BIN):$(PATH)
CDK := $(NODE_BIN)/cdk
PIP_QUIET := --quiet --disable-pip-version-check
PYTEST_ARGS ?=
CDK_ARGS ?=
BENCH_ARGS ?=

.PHONY: setup setup-app synth synth-pipeline test test-lowest lint typecheck unit test-all docs docs-build docs-shots bench diff deploy clean checkov setup-checkov

setup: $(VENV)/.dev node_modules/.installed

# What synthesis needs and nothing more: the package with its EKS and App Runner extras, and the
# cdk-nag pack that app.py runs (no test, lint or docs tools).
setup-app: $(VENV)/.app node_modules/.installed

# Checks the interpreter before anything is installed, and says what to do when venv fails.
define make_venv
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "cdk-containers needs Python 3.11 or newer; '$(PYTHON)' is $$($(PYTHON) --version 2>&1 || echo missing)."; \
	  echo "Run make with a newer one, e.g. make $(MAKECMDGOALS) PYTHON=python3.12"; exit 1; }
	@$(1)/bin/python -m pip --version >/dev/null 2>&1 || { rm -rf $(1); $(PYTHON) -m venv $(1) || { rm -rf $(1); \
	  echo; echo "'$(PYTHON) -m venv' failed, so $(1)/ was not created."; \
	  echo "On Debian/Ubuntu, venv needs the python3-venv package: sudo apt-get install python3-venv"; \
	  echo "(or python3.X-venv for your version), then run make again."; exit 1; }; }
	$(1)/bin/python -m pip install $(PIP_QUIET) --upgrade pip
endef

$(VENV)/.app: pyproject.toml $(CONSTRAINTS)
	$(call make_venv,$(VENV))
	$(BIN)/python -m pip install $(PIP_QUIET) -c $(CONSTRAINTS) -e '.[eks,apprunner]' cdk-nag
	touch $@

$(VENV)/.dev: pyproject.toml $(CONSTRAINTS)
	$(call make_venv,$(VENV))
	$(BIN)/python -m pip install $(PIP_QUIET) -c $(CONSTRAINTS) -e '.[dev]'
	touch $@ $(VENV)/.app

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

synth: setup-app
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

# The everyday run: everything except the tests that build wheels, make virtual environments or
# start the CDK CLI (marked integration). Two pytest-xdist workers, one group of tests at a time
# each (--dist loadscope, grouped by tests/conftest.py's xdist_group_of: a module, or the modules
# that share one session synthesis, so it is built once); UNIT_WORKERS=0 runs in one process.
UNIT_WORKERS ?= 2
UNIT_PYTEST := -m "not integration" -n $(UNIT_WORKERS) --dist loadscope
unit: setup
	$(BIN)/python -m pytest $(UNIT_PYTEST) $(PYTEST_ARGS)

# The whole suite, integration tests included (tests/stacks/test_checkov.py runs checkov).
test-all: setup setup-checkov
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# checkov and its ~95 dependencies at the exact versions of constraints/checkov.txt, in their own
# virtual environment: their pins would fight constraints/dev.txt. Offline: BC_SKIP_MAPPING=TRUE
# and --skip-download keep checkov from calling its vendor's API.
setup-checkov: $(CHECKOV_VENV)/.installed

$(CHECKOV_VENV)/.installed: constraints/checkov.txt
	$(call make_venv,$(CHECKOV_VENV))
	$(CHECKOV_VENV)/bin/python -m pip install $(PIP_QUIET) -r constraints/checkov.txt
	touch $@

checkov: synth setup-checkov
	BC_SKIP_MAPPING=TRUE $(CHECKOV_VENV)/bin/checkov -d cdk.out --framework cloudformation --skip-download \
	  --compact --quiet

# The unit suite on the lowest aws-cdk-lib that pyproject.toml declares (constraints/lowest.txt),
# in its own virtual environment, so the declared range is tested at both ends. Snapshots are
# skipped there and tests/docs and the delivery pipeline's picture (tests/pipeline/test_picture.py)
# are left out: they record the templates of the pinned release, and the docs toolchain (the docs
# extra) is not part of what the library's range promises.
$(LOWEST)/.installed: pyproject.toml constraints/lowest.txt
	$(call make_venv,$(LOWEST))
	$(LOWEST)/bin/python -m pip install $(PIP_QUIET) -c constraints/lowest.txt -e '.[eks,apprunner,testing,compliance]' kubernetes-validate hypothesis
	touch $@

test-lowest: $(LOWEST)/.installed node_modules/.installed
	CDK_CONTAINERS_LOWEST=1 $(LOWEST)/bin/python -m pytest -m "not integration" -q -p no:cacheprovider \
	  --ignore=tests/docs --ignore=tests/pipeline/test_picture.py $(PYTEST_ARGS)

test: lint typecheck test-all test-lowest docs-build

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

diff: setup-app
	$(CDK) diff $(CDK_ARGS)

deploy: setup-app
	$(CDK) deploy --all $(CDK_ARGS)

# Synthesis speed, test-suite speed and template economy: prints a table, writes docs/performance.md.
bench: setup setup-checkov
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)

clean:
	rm -rf cdk.out .pytest_cache .mypy_cache .ruff_cache build dist site *.egg-info
