# Two commands are the contract with a new user: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test perf perf-proof perf-baseline lint serve worker loadtest clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)  ## migrate, seed demo data, serve HTTP + WebSocket on 127.0.0.1:8000, dispatch tasks beside it
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py seed_demo
	# Without REDIS_URL tasks run eagerly; this loop stands in for beat (docs/tasks.md). With
	# REDIS_URL, start `make worker` beside it instead.
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py tasks_dispatch --loop & dispatcher=$$!; \
	trap 'kill $$dispatcher 2>/dev/null' EXIT INT TERM; \
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py runserver 127.0.0.1:8000

test: $(STAMP)  ## the whole fast suite, on whatever DATABASE_URL / REDIS_URL say
	DJANGO_ENV=test $(BIN)/pytest --durations=15

perf: $(STAMP)  ## the perf suite: benchmarks + SLO guard (the baseline's commit re-measured beside the working tree)
	DJANGO_ENV=test $(BIN)/pytest tests/perf --durations=8

perf-proof: $(STAMP)  ## RUNS=N runs of the guard's quiet/sharp proof (docs/perf.md)
	DJANGO_ENV=test $(BIN)/python manage.py perf_proof --runs $${RUNS:-20}

perf-baseline: $(STAMP)  ## measure and save perf/baselines/<vendor>.json, then re-render the README section
	$(BIN)/python manage.py perf_baseline --save
	$(BIN)/python manage.py perf_readme

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	DJANGO_ENV=test $(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) db.sqlite3* staticfiles .pytest_cache .benchmarks

# --- Production shape (docs/production.md) -------------------------------------------------
WORKERS ?= 2
BIND ?= 127.0.0.1:8000
TASK_CONCURRENCY ?= 2
CELERY_WORKER = $(BIN)/celery -A config worker --beat --concurrency $(TASK_CONCURRENCY) --loglevel INFO \
	--schedule $${CELERY_BEAT_SCHEDULE:-/tmp/arena-celerybeat-schedule}

serve: $(STAMP)  ## WORKERS=N uvicorn workers under gunicorn on BIND, and a Celery worker with beat; needs SECRET_KEY, DATABASE_URL, REDIS_URL
	DJANGO_ENV=production $(BIN)/python manage.py migrate --noinput
	DJANGO_ENV=production $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	# One fresh metrics directory for gunicorn's workers and the Celery worker: /metrics sums both.
	export PROMETHEUS_MULTIPROC_DIR=$${PROMETHEUS_MULTIPROC_DIR:-$$(mktemp -d -t arena-prometheus-XXXXXX)} \
		PROMETHEUS_MULTIPROC_SHARED=1; \
	DJANGO_ENV=production $(CELERY_WORKER) & tasks=$$!; \
	trap 'kill $$tasks 2>/dev/null' EXIT INT TERM; \
	DJANGO_ENV=production WORKERS=$(WORKERS) BIND=$(BIND) \
		$(BIN)/gunicorn --config deploy/gunicorn.conf.py deploy.asgi:application

worker: $(STAMP)  ## a Celery worker with beat on REDIS_URL (notifications, certificates, webhooks: docs/tasks.md)
	$(CELERY_WORKER)

loadtest: $(STAMP)  ## start `serve` with WORKERS=N, drive the four hot paths, print the table, stop both
	$(BIN)/python -m loadtest --workers $(WORKERS) $(LOADTEST_ARGS)
