# The two commands a newcomer needs:  make run   and   make test
# Everything else here is what those two are built from.

SHELL := /bin/bash
PYTHON_APP  ?= $(or $(lastword $(wildcard $(HOME)/.pyenv/versions/3.11.*/bin/python3.11)),python3.11)
PYTHON_RASA ?= $(or $(lastword $(wildcard $(HOME)/.pyenv/versions/3.10.*/bin/python3.10)),python3.10)
APP   := .venv/bin
RASA  := PYTHONPATH=$(CURDIR) RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 SQLALCHEMY_SILENCE_UBER_WARNING=1 .venv-rasa/bin/rasa
RASA_PATHS := --config config.yml --domain nlu/domain.yml --data nlu/data
MODEL := models/policy-assistant.tar.gz

.PHONY: run test setup prepare lint validate train lock lock-upgrade test-unit test-conversations eval-dialogue eval-dialogue-tune eval-retrieval eval-nlu eval-nlu-cv bench-retrieval bench-stack bench-cluster nginx browser console-screenshots clean

run: setup                          ## start everything; terminal chat unless TELEGRAM_BOT_TOKEN is set
	$(APP)/assistant run

test: setup lint validate prepare train test-conversations test-unit   ## the whole suite (CI runs this)

setup: .venv/.installed .venv-rasa/.installed

.venv/.installed: requirements/app.lock pyproject.toml
	test -x $(APP)/python || $(PYTHON_APP) -m venv .venv
	# wheel: building the project itself in editable mode (setuptools in a new venv needs it).
	$(APP)/pip install -q --upgrade 'pip<26' 'wheel<0.46'
	# torch first: the CPU wheel on this disk; unpinned it would pull a multi-GB CUDA build.
	$(APP)/pip install -q --no-deps -r <(grep '^torch==' requirements/app.lock)
	# rasa-sdk 3.6 declares Python <3.11 but serves Rasa 3.6 correctly on 3.11.
	# The lock files carry sha256 hashes: pip checks every file it installs (hash-checking mode).
	$(APP)/pip install -q --ignore-requires-python --no-deps -r requirements/app.lock
	$(APP)/pip install -q --no-deps --no-build-isolation -e .
	touch $@

.venv-rasa/.installed: requirements/rasa.lock
	test -x .venv-rasa/bin/python || $(PYTHON_RASA) -m venv .venv-rasa
	# setuptools 71+ lacks pkg_resources, which Rasa imports.
	.venv-rasa/bin/pip install -q 'pip<25' 'setuptools<71' wheel
	.venv-rasa/bin/pip install -q --no-deps -r requirements/rasa.lock
	touch $@

prepare: setup                  ## offline embedding model folder and knowledge index
	$(APP)/assistant setup-model
	$(APP)/assistant index

lint: setup
	$(APP)/ruff check .
	$(APP)/ruff format --check .

validate: setup
	$(RASA) data validate $(RASA_PATHS)

train: setup prepare
	$(APP)/python -c "from assistant.rasa_model import ensure_trained; ensure_trained()"

test-unit: setup prepare train nginx browser
	$(APP)/pytest -q

test-conversations: setup train
	$(RASA) test core --stories tests/conversations --model $(MODEL) \
	  --out var/results/conversations --fail-on-prediction-errors

eval-dialogue: setup prepare train  ## replies of the running assistant on the held-out report sets (about 3 minutes)
	$(APP)/assistant eval dialogue tests/eval/dialogue/report_first_messages.jsonl tests/eval/dialogue/report_questions.jsonl

eval-dialogue-tune: setup prepare train  ## the same on the tuning sets (tune on these, report on the others)
	$(APP)/assistant eval dialogue tests/eval/dialogue/tune_first_messages.jsonl tests/eval/dialogue/tune_questions.jsonl tests/eval/dialogue/tune2_questions.jsonl tests/eval/dialogue/tune3_first_messages.jsonl tests/eval/dialogue/tune3_questions.jsonl

eval-retrieval: setup          ## recall@k, MRR and abstention for each ranker
	$(APP)/assistant eval retrieval tests/eval/retrieval_questions.jsonl

eval-nlu: setup train          ## intent accuracy, macro-F1 and confusions on the held-out colloquial set
	$(APP)/assistant eval nlu tests/nlu/holdout.yml

eval-nlu-cv: setup prepare     ## 5-fold cross-validation on the training data (about 20 minutes)
	$(APP)/assistant eval nlu --folds 5

bench-retrieval: setup
	$(APP)/assistant bench retrieval

bench-stack: setup prepare train  ## the full stack under 1-100 simultaneous users (REST and Telegram); about 15 minutes
	$(APP)/assistant bench stack

bench-cluster: setup prepare train nginx  ## 1 and 2 Rasa processes behind nginx on PostgreSQL + Redis (127.0.0.1), 1/20/50 users; about 10 minutes
	$(APP)/assistant bench stack --rasa-instances 1,2

nginx:                          ## the balancer for several Rasa processes (Debian's package)
	command -v nginx >/dev/null || (apt-get update && apt-get install -y nginx)

browser:                        ## Chromium for the staff console's browser tests (Debian's; Playwright drives it), a CJK font
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)
	fc-list :lang=zh | grep -q . || (apt-get update && apt-get install -y fonts-wqy-microhei)

console-screenshots: setup prepare train browser  ## docs/console-*.png from the staff console's browser tests
	CONSOLE_SCREENSHOTS=docs $(APP)/pytest -q tests/console/test_console.py

lock: setup                     ## re-hash the pinned versions in requirements/*.lock (after editing a pin)
	$(APP)/python requirements/lock.py $(APP)/pip requirements/app.in requirements/app.lock
	.venv-rasa/bin/python requirements/lock.py .venv-rasa/bin/pip requirements/rasa.in requirements/rasa.lock

lock-upgrade: setup             ## resolve requirements/*.in afresh (newest allowed versions), with hashes
	$(APP)/python requirements/lock.py $(APP)/pip requirements/app.in requirements/app.lock --upgrade
	.venv-rasa/bin/python requirements/lock.py .venv-rasa/bin/pip requirements/rasa.in requirements/rasa.lock --upgrade

clean:
	rm -rf var models .venv .venv-rasa
