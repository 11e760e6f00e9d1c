"""What an operator sees: request ids, JSON logs, Prometheus metrics.

Every request carries an id: the caller's `X-Request-ID` when it is a sane token, else a new one.
It is echoed in the response and stamped on every log line written while the request runs.

Metrics: request counts and latency by route template (never by raw path, so the label set stays
bounded), and the store's own figures (claims, groups, open conflicts) read at scrape time. Under
gunicorn, PROMETHEUS_MULTIPROC_DIR (set by the gunicorn config) makes the counts those of all
workers together.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

from flask import Flask, Response, g, has_request_context, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from service.storage import repository as repo
from service.storage.db import Database

_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

REQUESTS = Counter("ceksilang_http_requests_total", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram(
    "ceksilang_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


def current_request_id() -> str | None:
    return getattr(g, "request_id", None) if has_request_context() else None


def trace_requests(app: Flask) -> None:
    @app.before_request
    def _start() -> None:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        request_id = getattr(g, "request_id", None) or uuid.uuid4().hex
        response.headers["X-Request-ID"] = request_id
        route = request.url_rule.rule if request.url_rule is not None else "(unmatched)"
        REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        started = getattr(g, "started", None)
        if started is not None:
            LATENCY.labels(request.method, route).observe(time.perf_counter() - started)
        return response


class StoreCollector(Collector):
    """The store's figures, read from the database when Prometheus scrapes."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self.db.reading() as session:
            figures = repo.store_figures(session)
        for name, help_text, value in (
            ("ceksilang_claims", "Claims stored and not retracted", figures.claims),
            ("ceksilang_groups", "Groups of claims about one measurable thing", figures.groups),
            ("ceksilang_conflicts_open", "Groups whose sources disagree", figures.conflicting_groups),
            ("ceksilang_documents", "Articles read", figures.documents),
        ):
            yield GaugeMetricFamily(name, help_text, value=value)


def metrics_response(db: Database) -> Response:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        requests_registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(requests_registry)
    else:
        requests_registry = REGISTRY
    store = CollectorRegistry()
    store.register(StoreCollector(db))
    body = generate_latest(requests_registry) + generate_latest(store)
    return Response(body, mimetype=CONTENT_TYPE_LATEST)


# --- logs --------------------------------------------------------------------------------------

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request id, and any extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id:
            entry["request_id"] = request_id
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD and k != "request_id"})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


JsonFormatter.converter = time.gmtime  # type: ignore[assignment]


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True


_HANDLER_MARK = "_ceksilang_handler"


def configure_logging(log_format: str, level: str) -> None:
    """Cek Silang's own loggers write to stderr, as JSON or as text; set up once per process."""
    logger = logging.getLogger("ceksilang")
    logger.setLevel(level.upper())
    if any(getattr(h, _HANDLER_MARK, False) for h in logger.handlers):
        return
    handler = logging.StreamHandler()
    setattr(handler, _HANDLER_MARK, True)
    handler.addFilter(RequestIdFilter())
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
    logger.addHandler(handler)
