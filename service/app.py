"""The application factory: nothing is created at import time."""

from __future__ import annotations

import logging
from typing import Any

import swagger_ui_bundle
from flask import Flask, Response, request, send_from_directory
from flask_smorest import Api
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

import schemas
from service import errors
from service.config import Config
from service.domain.matching import load_lexicon
from service.http import views
from service.http.auth import require_keys_for_writes
from service.storage.db import Database
from service.usecases import Context

log = logging.getLogger("ceksilang")


class ProblemApi(Api):
    """flask-smorest, with every error in the one problem+json shape."""

    ERROR_SCHEMA = schemas.ProblemOut

    def handle_http_exception(self, error: HTTPException) -> Response:  # type: ignore[override]
        return errors.from_http_exception(error)


def create_app(config: Config | None = None) -> Flask:
    config = config or Config()
    app = Flask(__name__)
    app.config.from_object(config)
    app.json.sort_keys = False  # type: ignore[attr-defined]

    db = Database(config.DATABASE_URL, sqlite_busy_timeout_ms=config.SQLITE_BUSY_TIMEOUT_MS)
    app.extensions["ceksilang"] = Context(
        db=db,
        lexicon=load_lexicon(config.LEXICON_PATH),
        conflict_window_days=config.CONFLICT_WINDOW_DAYS,
    )

    api = ProblemApi(app, spec_kwargs={"info": {"description": _DESCRIPTION}})
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    app.extensions["ceksilang.api"] = api
    require_keys_for_writes(app, config.API_KEYS)
    for blueprint in (views.claims, views.documents, views.groups, views.topics, views.health):
        api.register_blueprint(blueprint)
    _register_error_handlers(app)
    _serve_swagger_ui_locally(app)
    if not config.API_KEYS:
        log.warning("CEKSILANG_API_KEYS is not set: writes are open (local use only)")
    return app


def _register_error_handlers(app: Flask) -> None:
    app.register_error_handler(errors.DomainError, errors.from_domain_error)

    @app.errorhandler(OperationalError)
    def _database_unavailable(error: OperationalError) -> Response:
        log.error("database unavailable: %s", error.orig)
        return errors.problem(
            503, "Service Unavailable", "the database did not answer; try again shortly",
            headers={"Retry-After": "5"},
        )  # fmt: skip

    @app.before_request
    def _reject_nul_in_url() -> Response | None:
        # No path or query of this API contains NUL, and PostgreSQL cannot compare with one.
        if "\x00" in request.path or any("\x00" in v for v in request.args.values()):
            return errors.problem(400, "Bad Request", "the URL contains a NUL character")
        return None

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Any:
        if isinstance(error, HTTPException):
            return errors.from_http_exception(error)
        if isinstance(error, RecursionError):
            return errors.problem(400, "Bad Request", "the JSON body is nested too deeply")
        log.exception("unhandled error")
        return errors.problem(
            500, "Internal Server Error", "an unexpected error occurred; it has been logged"
        )


def _serve_swagger_ui_locally(app: Flask) -> None:
    """Browsable docs at /docs that need no network: Swagger UI's files ship in a package."""

    @app.get("/docs/static/<path:filename>")
    def _swagger_static(filename: str) -> Response:
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename)


_DESCRIPTION = (
    "Cek Silang stores claims that news outlets make about measurable things, groups the claims "
    "of all sources about the same thing, and reports for each group the conflicts and the consensus."
)
