# The two commands a new developer needs: `make run` and `make test`. Everything else is set up on the way.
SHELL := /bin/bash
VENV ?= .venv
PYTHON ?= $(shell command -v python3.11 || command -v python3)
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

.PHONY: run test install migrate seed setup lint format bench audit sandbox clean

# Each target names its settings, whatever the shell or `.env` says: the development site and its commands run
# website.settings.dev, the suite website.settings.test (gunicorn alone defaults to production).
DEV := DJANGO_SETTINGS_MODULE=website.settings.dev

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)
	@mkdir -p var

migrate: install
	$(DEV) $(PY) manage.py migrate --noinput

## make setup: what every site needs after migrating (the shop and job board pages, the "Job posters" group).
setup: migrate
	$(DEV) $(PY) manage.py setup_site

seed: setup
	$(DEV) $(PY) manage.py seed_demo

## make run: set everything up and serve the site on http://127.0.0.1:8000 (Ctrl-C stops it all).
run: seed
	$(DEV) VENV=$(VENV) scripts/run-dev

## make test: the whole test suite.
test: install
	$(PY) -m pytest --ds=website.settings.test $(PYTEST_ARGS)

## make sandbox: the offline Stripe sandbox alone on http://127.0.0.1:$(SANDBOX_PORT) (make run starts it for you).
SANDBOX_PORT ?= 12111
sandbox: install
	$(DEV) $(PY) manage.py stripe_sandbox --port $(SANDBOX_PORT)

## make bench: build a benchmark data set in its own database (var/bench/, and wt_perf_bench on PostgreSQL when it
## answers), measure cold, warm and long-tail req/s and p99 over gunicorn beside floors and vanilla Wagtail pages
## (README, "Performance"); exit 1 on a miss. `make bench BENCH_ARGS=--quick` is a smoke run. It runs from
## benchmarks/ under its own settings (benchmarks.settings); `python -m benchmarks --help` lists options.
BENCH_ARGS ?=
bench: install
	$(PY) -m benchmarks $(BENCH_ARGS)

## make audit: Lighthouse (pinned in audits/package.json, on Debian's Chromium) on /, /shop/, a product, /jobs/ and a
## job, mobile and desktop, with the site served as in production from a demo database of its own (var/audit/);
## exit 1 below 100 for accessibility, best practices and SEO or 95 for performance (README, "Lighthouse").
audit: install
	$(PY) -m audits $(AUDIT_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) var/db.sqlite3* var/staticfiles
