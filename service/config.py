"""Configuration, read from the environment in one place.

Every variable is listed in the README's configuration table; tests subclass Config.
"""

from __future__ import annotations

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


def default_database_url() -> str:
    instance = Path(os.environ.get("CEKSILANG_INSTANCE_DIR") or Path.cwd() / "instance")
    return f"sqlite:///{instance / 'ceksilang.db'}"


class Config:
    """Settings for one app instance; read when the instance is created, not at import."""

    def __init__(self) -> None:
        self.DATABASE_URL = os.environ.get("CEKSILANG_DATABASE_URL") or default_database_url()
        # Requests larger than this get 413 before any JSON is parsed.
        self.MAX_CONTENT_LENGTH = _int("CEKSILANG_MAX_BODY_BYTES", 1_000_000)
        self.CONFLICT_WINDOW_DAYS = _int("CEKSILANG_CONFLICT_WINDOW_DAYS", tolerance.CONFLICT_WINDOW_DAYS)
        self.LEXICON_PATH = os.environ.get("CEKSILANG_LEXICON") or None
        self.API_KEYS = [k.strip() for k in os.environ.get("CEKSILANG_API_KEYS", "").split(",") if k.strip()]
        # SQLite: how long a writer waits for another worker's transaction before giving up.
        self.SQLITE_BUSY_TIMEOUT_MS = _int("CEKSILANG_SQLITE_BUSY_TIMEOUT_MS", 15_000)

        self.API_TITLE = "Cek Silang"
        self.API_VERSION = "0.1.0"
        self.OPENAPI_VERSION = "3.0.3"
        self.OPENAPI_URL_PREFIX = "/"
        self.OPENAPI_JSON_PATH = "openapi.json"
        self.OPENAPI_SWAGGER_UI_PATH = "docs"
        self.OPENAPI_SWAGGER_UI_URL = "/docs/static/"
        self.TESTING = False
