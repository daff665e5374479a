# Entry points of the project. Everything runs from the repo's own .venv, made by `make bootstrap`.
# PROFILE=test to act on the test runtime (ports 29092/25432/1800x) instead of dev.

PYTHON  := .venv/bin/python
PROFILE ?= dev

.PHONY: bootstrap up down status test fuzz bench

bootstrap:
	bash deploy/bootstrap.sh

up: bootstrap
	$(PYTHON) -m unefois_deploy up --profile $(PROFILE)

down:
	$(PYTHON) -m unefois_deploy down --profile $(PROFILE)

# Per service: pid, /readyz, restarts by the watcher; records held by each DLQ topic.
status:
	$(PYTHON) -m unefois_deploy status --profile $(PROFILE)

# The pytest plugin (unefois_deploy.testing) starts the test runtime and stops it afterwards.
test: bootstrap
	$(PYTHON) -m pytest -q

# schemathesis with all checks on every service, anonymous and per role, with a larger budget
# than `make test` gives it (tests/fuzz; FUZZ_EXAMPLES per operation, FUZZ_MAX_TIME s per run).
FUZZ_EXAMPLES ?= 50
FUZZ_MAX_TIME ?= 30
fuzz: bootstrap
	UNEFOIS_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) UNEFOIS_FUZZ_MAX_TIME=$(FUZZ_MAX_TIME) $(PYTHON) -m pytest -q tests/fuzz

bench: bootstrap
	$(PYTHON) -m benchmarks
