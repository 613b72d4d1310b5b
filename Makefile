# Doorstep — two commands: `make run` (demo server + worker) and `make test`.
#
# Everything below is idempotent: a second `make deps` only checks stamps and
# returns in about a second.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
FLASK  := $(VENV)/bin/flask

# Debian packages the app and its tests need at run time (Chromium for the end-to-end
# tests, a CJK font and Pango for PDF reports, poppler to read PDFs back in tests).
# PostgreSQL is only needed by CI (.ci/run installs it), so it is not listed here.
SYSTEM_PACKAGES ?= python3-venv chromium fonts-noto-cjk poppler-utils \
                   libpango-1.0-0 libpangoft2-1.0-0

# `make run` listens on loopback only; HOST=0.0.0.0 exposes it to the network.
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=

export FLASK_APP := server
export PIP_DISABLE_PIP_VERSION_CHECK := 1

TRANSLATIONS := server/translations
PO_FILES := $(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/*.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: help deps system-deps translations translations-extract run test soak bench cluster-bench

help:
	@echo "make run                  install what is missing, migrate, seed demo data, start web + worker"
	@echo "make test                 install what is missing, run the test suite (PYTEST_ARGS='...' passes options)"
	@echo "make deps                 only install/refresh dependencies"
	@echo "make soak                 the long sync simulation (SOAK_EXAMPLES=10000 in chunks of SOAK_CHUNK=500; SOAK_SEED=n replays)"
	@echo "make bench                run every benchmark in bench/ (figures in bench/results/)"
	@echo "make cluster-bench        two web nodes, two workers, PgBouncer, Redis, S3; kills a node mid-run (DATABASE_URL=postgresql://…)"
	@echo "make translations-extract collect messages into $(TRANSLATIONS)/messages.pot and update the catalogues"

deps: system-deps $(VENV)/.stamp node_modules/.stamp translations

# Install missing Debian packages as root, otherwise say exactly what to run.
system-deps:
	@if ! command -v dpkg-query >/dev/null; then \
	  echo "note: not a Debian-like system; make sure these are installed: $(SYSTEM_PACKAGES) nodejs npm"; \
	  exit 0; \
	fi; \
	missing=""; \
	for p in $(SYSTEM_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q "install ok installed" \
	    || missing="$$missing $$p"; \
	done; \
	if ! command -v npm >/dev/null; then missing="$$missing nodejs npm"; fi; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing system packages:$$missing"; \
	    apt-get update; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	  else \
	    echo "Missing system packages. Install them with:"; \
	    echo "  sudo apt-get install -y --no-install-recommends$$missing"; \
	    exit 1; \
	  fi; \
	fi

# Python packages: reinstalled only when requirements.txt is newer than the stamp.
$(VENV)/.stamp: requirements.txt | system-deps
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet --no-input -r requirements.txt
	@touch $@

# Browser libraries for the technician app: reinstalled only when the lockfile changes.
node_modules/.stamp: package-lock.json package.json | system-deps
	npm ci --no-audit --no-fund
	@touch $@

# Compiled catalogues (.mo files are not committed). A catalogue whose header is still
# marked fuzzy is skipped by pybabel; say so instead of failing.
translations: $(MO_FILES)

$(TRANSLATIONS)/%.mo: $(TRANSLATIONS)/%.po | $(VENV)/.stamp
	$(VENV)/bin/pybabel compile --statistics -i $< -o $@
	@test -f $@ || echo "warning: $< was not compiled (catalogue marked fuzzy?)"

translations-extract: $(VENV)/.stamp
	@test -f babel.cfg || { echo "babel.cfg is missing"; exit 1; }
	@mkdir -p $(TRANSLATIONS)
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext \
	  --ignore-dirs='.* ._ node_modules instance' -o $(TRANSLATIONS)/messages.pot .
	@if ls $(TRANSLATIONS)/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
	  $(VENV)/bin/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS); \
	else \
	  echo "No catalogue yet; create one with: $(VENV)/bin/pybabel init -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) -l zh"; \
	fi

# Links in reports and messages point at the address the server serves, unless
# DOORSTEP_PUBLIC_URL says otherwise (web and worker must agree: honcho gives each its own
# PORT, so it is set here once).
PUBLIC_HOST := $(if $(filter 0.0.0.0 ::,$(HOST)),localhost,$(HOST))
run: export DOORSTEP_PUBLIC_URL ?= http://$(PUBLIC_HOST):$(PORT)
run: deps
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	@$(PY) -c 'from server.demo import DEMO_PASSWORD as p; \
	print("\nDoorstep is starting on http://$(HOST):$(PORT)/  (Ctrl-C stops web and worker)"); \
	print("Links in reports and messages: $(DOORSTEP_PUBLIC_URL)\n"); \
	print("Demo accounts, all with password " + p + ":"); \
	print("  admin       admin@demo.doorstep"); \
	print("  dispatcher  dispatcher@demo.doorstep   (console: http://$(HOST):$(PORT)/)"); \
	print("  technician  tech1@demo.doorstep        (app: http://$(HOST):$(PORT)/app/)\n")'
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" HOST=$(HOST) $(VENV)/bin/honcho start -p $(PORT)

test: deps
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# The property-based sync simulation, long: 10,000 runs by default. The seed is printed so
# a failure can be replayed with SOAK_SEED=<seed>.
SOAK_EXAMPLES ?= 10000
# Run in chunks of SOAK_CHUNK runs, each with its own seed (seed, seed+1, …), so a soak
# stopped early still says how many runs passed and every chunk can be replayed alone.
SOAK_CHUNK ?= 500

soak: deps
	@seed=$${SOAK_SEED:-$$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}; chunk=$(SOAK_CHUNK); \
	if [ $$chunk -gt $(SOAK_EXAMPLES) ]; then chunk=$(SOAK_EXAMPLES); fi; passed=0; \
	echo "soak: $(SOAK_EXAMPLES) runs in chunks of $$chunk, first seed $$seed"; \
	while [ $$passed -lt $(SOAK_EXAMPLES) ]; do \
	  echo "soak: chunk seed $$seed after $$passed passed runs" \
	       "(replay: SOAK_SEED=$$seed SOAK_EXAMPLES=$$chunk make soak)"; \
	  SOAK_SEED=$$seed SOAK_EXAMPLES=$$chunk $(VENV)/bin/pytest -q -p no:cacheprovider \
	    tests/sync/test_simulation.py $(PYTEST_ARGS) || exit 1; \
	  passed=$$((passed + chunk)); seed=$$((seed + 1)); \
	done; \
	echo "soak: $$passed runs passed"

bench: deps
	@for script in bench/*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

# The cluster rehearsal (bench/cluster_bench.py): needs DATABASE_URL=postgresql://… of an
# empty database (its schema is reset), and pgbouncer and redis-server (apt-get install).
CLUSTER_DEVICES ?= 200
cluster-bench: deps
	$(PY) bench/cluster_bench.py --devices $(CLUSTER_DEVICES)
