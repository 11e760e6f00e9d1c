"""gunicorn settings for Cek Silang, read from the environment.

    gunicorn -c python:service.gunicorn_conf "service.app:create_app()"

The container's entry script and `ceksilang serve` both start gunicorn this way. Every setting
below can be changed with the environment variable named beside it (README, "Running in
production").
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from typing import Any

from gunicorn import util
from gunicorn.glogging import Logger


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    return int(raw) if raw.strip() else default


bind = os.environ.get("GUNICORN_BIND") or f"{os.environ.get('HOST', '0.0.0.0')}:{_int('PORT', 8000)}"
workers = _int("WEB_CONCURRENCY", 2)
# Sync workers: one request at a time each, so a slow article cannot starve the others' memory.
worker_class = "sync"
timeout = _int("GUNICORN_TIMEOUT", 30)  # a worker silent this long is killed and replaced
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 20)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then so that no slow leak grows without bound; not too often, for a new
# worker reads the joinable subject forms again (a second or two of CPU at a million claims).
max_requests = _int("GUNICORN_MAX_REQUESTS", 10_000)
max_requests_jitter = max_requests // 10
accesslog = "-"
errorlog = "-"
# No runtime control socket: containers are managed from outside, and two servers on one host
# would otherwise share its default path.
control_socket_disable = True
loglevel = os.environ.get("CEKSILANG_LOG_LEVEL", "info")
# The request line, the headers and their size: well above any real client, well below abuse.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

# Prometheus counters shared by all workers: each writes its own files in this directory, which
# /metrics reads together. A fresh one per server start, so no counts survive from a previous run.
# One made here is removed when the server exits; one given by the environment is left to its owner.
# (This module is imported once per master: a reload keeps it, and a master re-executed by USR2
# starts from the environment gunicorn started with, so it makes a directory of its own.)
_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
_made_metrics_dir = not _metrics_dir
if not _metrics_dir:
    _metrics_dir = tempfile.mkdtemp(prefix="ceksilang-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir


def on_starting(server: Any) -> None:
    for entry in os.listdir(_metrics_dir):
        path = os.path.join(_metrics_dir, entry)
        if os.path.isdir(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)


def on_exit(server: Any) -> None:
    if _made_metrics_dir:
        shutil.rmtree(_metrics_dir, ignore_errors=True)


CHECKPOINT_EVERY_S = 1.0


def post_worker_init(worker: Any) -> None:
    """Each worker reads the joinable subject forms into memory before its first request
    (`usecases.warm`); on SQLite, it checkpoints the write-ahead log every second
    (`Database.leave_checkpoints_to_background`). With CEKSILANG_WEBHOOK_DELIVER_EVERY set, each
    worker delivers webhook events in a thread of its own (leases keep two workers from sending the
    same one). With CEKSILANG_CONSENSUS_EVERY (on by default) each starts another that bids every
    round for the counter role, and only the one process per database that holds it counts large
    groups' consensus: when it dies, another takes over within a round (`usecases.start_counting`).
    Requests never wait for any of them."""
    from service import background, webhooks
    from service.usecases import start_counting, warm

    app = worker.wsgi
    db = app.extensions["ceksilang"].db
    if db.is_sqlite:  # each worker checkpoints SQLite's log, so that requests need not
        db.leave_checkpoints_to_background()
        background.every("checkpoint", CHECKPOINT_EVERY_S, db.checkpoint)
    warm(app.extensions["ceksilang"])
    # The app's own objects (lexicon, forms, schemas, mappers, compiled queries) live as long as the
    # worker: frozen out of the garbage collector's reach, its occasional full pass walks only what
    # requests leave behind, a few milliseconds instead of some fifty on the request it falls on.
    gc.collect()
    gc.freeze()
    every = app.config.get("WEBHOOK_DELIVER_EVERY") or 0
    if every > 0:
        settings = webhooks.Settings.from_config(app.config)
        webhooks.start_background(app.extensions["ceksilang"].db, settings, every)
    # Large groups' consensus is counted in the background (usecases.BIG_GROUP), by one process.
    counting = app.config.get("CONSENSUS_EVERY") or 0
    if counting > 0:
        start_counting(
            app.extensions["ceksilang"],
            counting,
            settle=timedelta(seconds=app.config["CONSENSUS_SETTLE"]),
            budget_s=app.config["CONSENSUS_BUDGET"],
        )


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


class JsonAccessLogger(Logger):
    """gunicorn's logger, with each access log line one JSON object (values escaped properly)."""

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if not self.cfg.accesslog:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        entry = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": "info",
            "logger": "gunicorn.access",
            "remote": atoms["h"],
            "method": atoms["m"],
            "path": atoms["U"],
            "query": atoms["q"] or None,
            "status": int(atoms["s"]) if str(atoms["s"]).isdigit() else atoms["s"],
            "bytes": atoms["B"],
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "request_id": atoms.get("{x-request-id}o"),
            "user_agent": atoms.get("{user-agent}i"),
            "pid": os.getpid(),
        }
        self.access_log.info(json.dumps(entry, ensure_ascii=False))


if os.environ.get("CEKSILANG_LOG_FORMAT", "text") == "json":
    logger_class = JsonAccessLogger


def _write_problem(sock: Any, status: int, reason: str, message: str) -> None:
    """gunicorn's own refusals (a URL or headers too long, a malformed request line) in the
    problem+json shape every other error of Cek Silang has, instead of gunicorn's HTML page."""
    body = json.dumps({"type": "about:blank", "title": reason, "status": status, "detail": message or reason})
    head = (
        f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
        f"Content-Type: application/problem+json\r\nContent-Length: {len(body.encode())}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body.encode())


# Workers look the function up on the module at each error, so this reaches them all.
util.write_error = _write_problem
