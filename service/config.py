"""Configuration, read from the environment in one place.

Every variable is listed in the README's configuration table; tests subclass Config.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from service.domain import tolerance


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise RuntimeError(f"{name} must be a whole number, got {raw!r}") from exc


def _days(name: str, default: int) -> int:
    """A whole number of days, 0 or more."""
    days = _int(name, default)
    if days < 0:
        raise RuntimeError(f"{name} must be a whole number of days, 0 or more; got {days}")
    return days


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise RuntimeError(f"{name} must be a number, got {raw!r}") from exc


def _seconds(name: str, default: float, *, below: float = math.inf) -> float:
    """A number of seconds from 0 up to (not including) `below`."""
    seconds = _float(name, default)
    if not 0 <= seconds < below:
        limit = "" if below == math.inf else f" and under {below:g}"
        raise RuntimeError(f"{name} must be a number of seconds, 0 or more{limit}; got {seconds!r}")
    return seconds


def _list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def default_database_url() -> str:
    instance = Path(os.environ.get("CEKSILANG_INSTANCE_DIR") or Path.cwd() / "instance")
    return f"sqlite:///{instance / 'ceksilang.db'}"


class Config:
    """Settings for one app instance; read when the instance is created, not at import."""

    def __init__(self) -> None:
        self.DATABASE_URL = os.environ.get("CEKSILANG_DATABASE_URL") or default_database_url()
        # Requests larger than this get 413 before any JSON is parsed.
        self.MAX_CONTENT_LENGTH = _int("CEKSILANG_MAX_BODY_BYTES", 1_000_000)
        # Claims further apart than this many days are of another time (the conflict search relies on the
        # window's start never being after its end).
        self.CONFLICT_WINDOW_DAYS = _days("CEKSILANG_CONFLICT_WINDOW_DAYS", tolerance.CONFLICT_WINDOW_DAYS)
        self.LEXICON_PATH = os.environ.get("CEKSILANG_LEXICON") or None
        self.API_KEYS = _list("CEKSILANG_API_KEYS")
        self.API_KEYS_FILE = os.environ.get("CEKSILANG_API_KEYS_FILE") or None
        # "production" refuses to start without keys unless CEKSILANG_OPEN_WRITES says writes are open.
        self.ENV = os.environ.get("CEKSILANG_ENV", "development")
        self.OPEN_WRITES = os.environ.get("CEKSILANG_OPEN_WRITES", "").lower() in ("1", "true", "yes")
        # Per key (or per client address without one), reads and writes counted apart; "" is no limit.
        self.RATE_LIMIT_READS = os.environ.get("CEKSILANG_RATE_LIMIT_READS", "600 per minute")
        self.RATE_LIMIT_WRITES = os.environ.get("CEKSILANG_RATE_LIMIT_WRITES", "120 per minute")
        # memory:// counts per worker; redis://host:6379 counts across workers and containers.
        self.RATE_LIMIT_STORAGE = os.environ.get("CEKSILANG_RATE_LIMIT_STORAGE", "memory://")
        self.CORS_ORIGINS = _list("CEKSILANG_CORS_ORIGINS")
        # Proxies in front that set X-Forwarded-For/-Proto (the newsroom's load balancer): 0 or more.
        self.TRUSTED_PROXIES = _int("CEKSILANG_TRUSTED_PROXIES", 0)
        self.LOG_FORMAT = os.environ.get("CEKSILANG_LOG_FORMAT", "text")
        self.LOG_LEVEL = os.environ.get("CEKSILANG_LOG_LEVEL", "info")
        # SQLite: how long a writer waits for another worker's transaction before giving up.
        self.SQLITE_BUSY_TIMEOUT_MS = _int("CEKSILANG_SQLITE_BUSY_TIMEOUT_MS", 15_000)
        # Webhooks: attempts per event, the back-off after the first failure (doubled each time,
        # capped), the wait for a receiver, and (when above 0) a delivery thread in each worker.
        self.WEBHOOK_MAX_ATTEMPTS = _int("CEKSILANG_WEBHOOK_MAX_ATTEMPTS", 5)
        self.WEBHOOK_BACKOFF_SECONDS = _float("CEKSILANG_WEBHOOK_BACKOFF_SECONDS", 30)
        self.WEBHOOK_BACKOFF_MAX_SECONDS = _float("CEKSILANG_WEBHOOK_BACKOFF_MAX_SECONDS", 3600)
        self.WEBHOOK_TIMEOUT_SECONDS = _float("CEKSILANG_WEBHOOK_TIMEOUT_SECONDS", 10)
        self.WEBHOOK_DELIVER_EVERY = _float("CEKSILANG_WEBHOOK_DELIVER_EVERY", 0)
        # Large groups' consensus (usecases.BIG_GROUP): seconds between the background passes in the
        # one server process per database that counts (0: none); how old a group's count must be
        # before a pass counts it again (keep it well under 60 s, after which a claim counts its
        # group itself); and the most a pass may spend counting, in seconds.
        self.CONSENSUS_EVERY = _float("CEKSILANG_CONSENSUS_EVERY", 5)
        self.CONSENSUS_SETTLE = _seconds("CEKSILANG_CONSENSUS_SETTLE", 20, below=60)
        self.CONSENSUS_BUDGET = _seconds("CEKSILANG_CONSENSUS_BUDGET", 1)

        self.API_TITLE = "Cek Silang"
        self.API_VERSION = "0.1.0"
        self.OPENAPI_VERSION = "3.0.3"
        self.OPENAPI_URL_PREFIX = "/"
        self.OPENAPI_JSON_PATH = "openapi.json"
        self.OPENAPI_SWAGGER_UI_PATH = "docs"
        self.OPENAPI_SWAGGER_UI_URL = "/docs/static/"
        self.TESTING = False
