"""`ceksilang`: serve, seed, import, db upgrade."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import click
from marshmallow import ValidationError
from tqdm import tqdm

from service.config import Config
from service.usecases import ClaimInput, Context, ImportReport

SEEDS_DIR = Path(os.environ.get("CEKSILANG_SEEDS_DIR") or Path(__file__).resolve().parent.parent / "seeds")


def _context(config: Config) -> Context:
    from service.app import create_app

    context: Context = create_app(config).extensions["ceksilang"]
    return context


@click.group()
def main() -> None:
    """Cek Silang: where news outlets disagree on a figure."""


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply the migrations to CEKSILANG_DATABASE_URL."""
    from service.storage.migrate import upgrade

    config = Config()
    upgrade(config.DATABASE_URL, revision)
    click.echo(f"database at revision {revision}: {_safe_url(config.DATABASE_URL)}")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@main.command()
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=SEEDS_DIR / "claims.json", show_default=True)  # fmt: skip
def seed(path: Path) -> None:
    """Load the seed claims (idempotent: a second run stores nothing new)."""
    _seed(Config(), path)


def _seed(config: Config, path: Path) -> None:
    rows = json.loads(path.read_text(encoding="utf-8"))
    report = _import(config, ((i, item) for i, item in enumerate(rows, start=1)))
    click.echo(f"seed: {report.stored} stored, {report.already_stored} already stored")
    if report.rejected:
        for line, reason in report.rejected:
            click.echo(f"seed: claim {line} rejected: {reason}", err=True)
        raise SystemExit(1)


@main.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("--batch-size", default=500, show_default=True)
def import_(file: TextIO, batch_size: int) -> None:
    """Bulk-import claims from a JSON Lines file (one POST /claims body per line; migrates first)."""
    lines = tqdm(file, desc="importing", unit=" lines", file=sys.stderr, disable=None)
    report = _import(Config(), _json_lines(lines), batch_size=batch_size)
    for line, reason in report.rejected:
        click.echo(f"line {line}: rejected: {reason}", err=True)
    rejected = len(report.rejected)
    click.echo(f"import: {report.stored} stored, {report.already_stored} already stored, {rejected} rejected")


def _json_lines(lines: Iterator[str]) -> Iterator[tuple[int, object]]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, f"not JSON: {exc.msg} at column {exc.colno}"


def _import(config: Config, rows: Iterator[tuple[int, object]], batch_size: int = 500) -> ImportReport:
    from schemas import ClaimIn
    from service.storage.migrate import upgrade
    from service.usecases import import_claims

    upgrade(config.DATABASE_URL)
    schema = ClaimIn()

    def loaded() -> Iterator[tuple[int, ClaimInput | str]]:
        for number, item in rows:
            if isinstance(item, str):
                yield number, item
                continue
            try:
                yield number, schema.load(item)  # type: ignore[arg-type]
            except ValidationError as exc:
                yield number, "; ".join(f"{k}: {v}" for k, v in _flat(exc.messages).items())

    return import_claims(_context(config), loaded(), batch_size=batch_size)


def _flat(messages: object) -> dict[str, object]:
    return messages if isinstance(messages, dict) else {"body": messages}


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=lambda: int(os.environ.get("WEB_CONCURRENCY", "2")), show_default="2")
@click.option("--seed", "with_seed", is_flag=True, help="load the seed claims before serving")
def serve(host: str, port: int, workers: int, with_seed: bool) -> None:
    """Serve the API with gunicorn (migrates the database first)."""
    from service.storage.migrate import upgrade

    config = Config()
    if with_seed:
        _seed(config, SEEDS_DIR / "claims.json")
    else:
        upgrade(config.DATABASE_URL)
    argv = [
        sys.executable, "-m", "gunicorn",
        "--bind", f"{host}:{port}",
        "--workers", str(workers),
        "--timeout", "30",
        "--graceful-timeout", "20",
        "--access-logfile", "-",
        "service.app:create_app()",
    ]  # fmt: skip
    click.echo(f"serving on http://{host}:{port} with {workers} workers", err=True)
    os.execv(sys.executable, argv)
