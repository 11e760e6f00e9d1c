"""The application factory: nothing is created at import time."""

from __future__ import annotations

import logging
from typing import Any

import swagger_ui_bundle
from flask import Flask, Response, request, send_from_directory
from flask_smorest import Api
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

import schemas
from service import errors
from service.config import Config
from service.domain.matching import load_lexicon
from service.http import guard, observability, views
from service.http.encoding import JSONProvider
from service.http.problems import ProblemResponses, as_problem
from service.storage.db import Database
from service.ui import views as ui
from service.usecases import Context

log = logging.getLogger("ceksilang")


class ProblemApi(Api):
    """flask-smorest, with every error in the one problem+json shape, and documented as such."""

    ERROR_SCHEMA = schemas.ProblemOut

    def _register_responses(self) -> None:
        super()._register_responses()
        components = self.spec.components
        for response in [*components.responses.values(), *components.responses_lazy.values()]:
            as_problem(response)

    def handle_http_exception(self, error: HTTPException) -> Response:  # type: ignore[override]
        return errors.from_http_exception(error)


def create_app(config: Config | None = None) -> Flask:
    config = config or Config()
    observability.configure_logging(config.LOG_FORMAT, config.LOG_LEVEL)
    keys = guard.load_keys(config.API_KEYS, config.API_KEYS_FILE)
    if not keys and config.ENV == "production" and not config.OPEN_WRITES:
        raise RuntimeError(
            "refusing to start in production without API keys: set CEKSILANG_API_KEYS or "
            "CEKSILANG_API_KEYS_FILE, or CEKSILANG_OPEN_WRITES=1 to let anyone write"
        )
    app = Flask(__name__)
    app.config.from_object(config)
    app.json = JSONProvider(app)
    if config.TRUSTED_PROXIES:
        n = config.TRUSTED_PROXIES
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]

    db = Database(config.DATABASE_URL, sqlite_busy_timeout_ms=config.SQLITE_BUSY_TIMEOUT_MS)
    app.extensions["ceksilang"] = Context(
        db=db,
        lexicon=load_lexicon(config.LEXICON_PATH),
        conflict_window_days=config.CONFLICT_WINDOW_DAYS,
    )

    # Order matters: the request id first (so every later line can name it), then keys, then limits.
    observability.trace_requests(app)
    guard.require_keys(app, keys)
    guard.limit_rates(
        app,
        reads=config.RATE_LIMIT_READS,
        writes=config.RATE_LIMIT_WRITES,
        storage_uri=config.RATE_LIMIT_STORAGE,
    )
    guard.allow_origins(app, config.CORS_ORIGINS)
    guard.add_security_headers(app)

    api = ProblemApi(
        app, spec_kwargs={"info": {"description": _DESCRIPTION}, "extra_plugins": [ProblemResponses()]}
    )
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    app.extensions["ceksilang.api"] = api
    blueprints = (
        views.claims,
        views.documents,
        views.groups,
        views.topics,
        views.sources,
        views.exporting,
        views.alerts,
        views.health,
    )
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    app.add_url_rule("/metrics", "metrics", lambda: observability.metrics_response(db))
    _register_error_handlers(app)
    ui.register(app)  # the newsroom's pages at /ui/ (and / sends a browser there): not part of the API
    _serve_swagger_ui_locally(app)
    if not keys:
        log.warning("no API keys are set: anyone may write (local use only)")
    else:
        log.info("writes need an API key: %d keys loaded (%s)", len(keys), ", ".join(k.name for k in keys))
    return app


def _register_error_handlers(app: Flask) -> None:
    app.register_error_handler(errors.DomainError, errors.from_domain_error)

    @app.errorhandler(OperationalError)
    def _database_unavailable(error: OperationalError) -> Response:
        log.error("database unavailable: %s", error.orig)
        return errors.problem(
            503, "Service Unavailable", "the database did not answer; try again shortly",
            headers={"Retry-After": str(errors.RETRY_AFTER_S)},
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
