# Two entry points do all the set-up on a fresh machine:
#   make demo   generate the example project's workflows, rehearse its pipeline, deploy it
#   make test   run the test suite (what CI runs)
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup system-test system-demo test lint typecheck demo demo-rollback demo-drift bench lock golden readme schemas clean

$(STAMP): requirements/dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

setup: $(STAMP)

# Debian packages and the podman base image (root installs them; others are told what is missing).
system-test:
	bash scripts/setup-system.sh test

system-demo:
	bash scripts/setup-system.sh demo

test: $(STAMP) system-test
	CONTAINERS_CONF=$(CURDIR)/generator/data/podman/containers.conf $(BIN)/python -m pytest --cov --cov-branch --cov-report=term

lint: $(STAMP)
	$(BIN)/ruff check generator tests benchmarks
	$(BIN)/ruff format --check generator tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

# The main job: generate the example's workflows, rehearse its lock, test and model jobs for real,
# then deploy a retrained model through shadow and canary behind nginx, promote it, show the report;
# then the model report of two candidates against the champion production serves (gates and replay).
demo: $(STAMP) system-demo
	$(BIN)/ci-gen -C example_project generate
	$(BIN)/ci-gen -C example_project check
	$(BIN)/ci-gen -C example_project rehearse model --matrix python=3.11
	$(BIN)/python -m generator.deploy.demo
	$(BIN)/python -m generator.model.demo

# The same deploy with a deliberately broken model: the gates fail and the canary rolls back.
demo-rollback: $(STAMP) system-demo
	$(BIN)/python -m generator.deploy.demo --rollback

# Drifted traffic through a canary: the drift gate rolls it back; then the monitor's report (drift-report/).
demo-drift: $(STAMP) system-demo
	$(BIN)/python -m generator.monitor.demo --out drift-report

bench: $(STAMP)
	$(BIN)/python benchmarks/cli_startup.py

golden: $(STAMP)
	$(BIN)/python -m pytest tests/test_golden.py --update-golden -q

# After changing generator/data/schemas/github-workflows.json: recompile the schema generate checks with.
schemas: $(STAMP)
	$(BIN)/python -m generator.render.schema_compiler

readme: $(STAMP)
	$(BIN)/python scripts/update_readme.py
	$(BIN)/ci-gen schema > docs/ci-gen.schema.json

lock: $(STAMP)
	$(BIN)/uv pip compile --quiet --generate-hashes --no-emit-index-url --no-emit-find-links \
	  --python-version 3.10 --universal --custom-compile-command "make lock" \
	  -o requirements/dev.txt pyproject.toml requirements/dev.in
	$(BIN)/uv pip compile --quiet --generate-hashes --no-emit-index-url --no-emit-find-links \
	  --python-version 3.10 --universal --custom-compile-command "make lock" \
	  --constraint requirements/dev.txt -o requirements/action.txt pyproject.toml requirements/action.in
	$(BIN)/uv pip compile --quiet --generate-hashes --no-emit-index-url --no-emit-find-links \
	  --python-version 3.10 --universal --custom-compile-command "make lock" \
	  --constraint requirements/action.txt --constraint requirements/dev.txt \
	  -o requirements/action-kubernetes.txt requirements/action-kubernetes.in
	$(BIN)/uv pip compile --quiet --generate-hashes --no-emit-index-url --no-emit-find-links \
	  --python-version 3.10 --universal --custom-compile-command "make lock" \
	  --constraint requirements/action.txt --constraint requirements/dev.txt \
	  -o requirements/action-monitor.txt requirements/action-monitor.in
	$(BIN)/uv pip compile --quiet --generate-hashes --no-emit-index-url --no-emit-find-links \
	  --python-version 3.10 --universal --custom-compile-command "make lock" \
	  --constraint requirements/action.txt --constraint requirements/dev.txt \
	  -o requirements/action-tracking.txt requirements/action-tracking.in

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage
