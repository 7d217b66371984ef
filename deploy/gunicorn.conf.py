"""gunicorn settings for `make serve`: N uvicorn workers serving the ASGI app.

gunicorn's arbiter owns the socket and the worker lifecycle (restart on crash,
heartbeat timeout, graceful stop on SIGTERM); each worker runs one uvicorn event
loop that speaks HTTP/1.1 and WebSocket. Why this shape: docs/production.md.
"""

import os
import shutil
import tempfile
import warnings

# uvicorn points to the separate `uvicorn-worker` package; the class is the same code.
warnings.filterwarnings("ignore", message=".*uvicorn.workers.*", category=DeprecationWarning)

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WORKERS", "2"))
worker_class = "deploy.workers.ArenaUvicornWorker"
# Workers import the app themselves: Django's settings (DB pool, Redis clients)
# must not be created before fork.
preload_app = False
# A worker silent for this long is killed and replaced (it should never block that long).
timeout = int(os.environ.get("WORKER_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GRACEFUL_TIMEOUT", "20"))
keepalive = int(os.environ.get("KEEPALIVE", "5"))
backlog = int(os.environ.get("BACKLOG", "2048"))
# Request logs are JSON lines from deploy.asgi; gunicorn's own access log stays off.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Behind a TLS terminator on the same host: trust its X-Forwarded-* headers.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "arena"

# Prometheus multiprocess mode: every worker writes its samples to files in this
# directory and a scrape of /metrics sums them, whichever worker answers. Set here, in
# the arbiter, so each worker inherits it before it imports prometheus_client; emptied
# at start so a restarted server does not report the last run's counts.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="arena-prometheus-")


def on_starting(server) -> None:
    directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    if os.environ.get("PROMETHEUS_MULTIPROC_SHARED") == "1":
        # `make serve` made it fresh for the Celery worker too, which may already write there.
        return
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory, exist_ok=True)


def child_exit(server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
