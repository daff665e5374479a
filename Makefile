# Entry points of the project. Everything runs from the repo's own .venv, made by `make bootstrap`.
# PROFILE=test to act on the test runtime (ports 29092/25432/1800x) instead of dev.

PYTHON  := .venv/bin/python
PROFILE ?= dev

.PHONY: bootstrap up down status test bench

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

bench: bootstrap
	$(PYTHON) -m benchmarks
