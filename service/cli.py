"""`ceksilang`: serve, seed, import, db upgrade."""

from __future__ import annotations

import atexit
import gc
import itertools
import json
import multiprocessing
import os
import resource
import sys
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import ExitStack
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, TextIO

import click
from marshmallow import ValidationError
from sqlalchemy.exc import SQLAlchemyError
from tqdm import tqdm

from service.bulk import BATCH_SIZE, Counted, Counters, ImportReport, Read
from service.config import Config
from service.usecases import ClaimInput, Context

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
@click.option("--dir", "folder", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=SEEDS_DIR, show_default=True)  # fmt: skip
@click.option(
    "--claims",
    "hand_read",
    is_flag=True,
    help="load the hand-read claims.json instead of reading the articles",
)
def seed(folder: Path, hand_read: bool) -> None:
    """Read the seed articles into claims (idempotent: a second run stores nothing new)."""
    if hand_read:
        _seed_claims(Config(), folder / "claims.json")
    else:
        _seed_articles(Config(), folder)


def _seed_articles(config: Config, folder: Path) -> None:
    from service.storage.migrate import upgrade
    from service.usecases import DocumentInput, post_document

    upgrade(config.DATABASE_URL)
    context = _context(config)
    stored = repeated = claims = 0
    for article in json.loads((folder / "articles.json").read_text(encoding="utf-8")):
        published = article.get("published_at")
        posted = post_document(
            context,
            DocumentInput(
                text=(folder / article["file"]).read_text(encoding="utf-8"),
                source_name=article["source"]["name"],
                source_url=article["source"].get("url"),
                published_at=_aware(published) if published else None,
                language=article.get("language"),
                topic=article.get("topic"),
            ),
        )
        stored += posted.created
        repeated += not posted.created
        claims += len(posted.claims)
    click.echo(f"seed: {stored} articles read, {repeated} already read, {claims} claims")


def _aware(raw: str) -> datetime:
    parsed = datetime.fromisoformat(raw)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _seed_claims(config: Config, path: Path) -> None:
    rows = json.loads(path.read_text(encoding="utf-8"))
    report = _import(config, ((i, item) for i, item in enumerate(rows, start=1)))
    click.echo(f"seed: {report.stored} stored, {report.already_stored} already stored")
    if report.rejected:
        for line, reason in report.rejected:
            click.echo(f"seed: claim {line} rejected: {reason}", err=True)
        raise SystemExit(1)


@main.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("--batch-size", default=BATCH_SIZE, show_default=True, help="claims per transaction")
@click.option("--readers", default=1, show_default=True,
              help="processes reading lines while this one stores them, then counting groups with it"
                   " (0: none)")  # fmt: skip
@click.option("--writer/--no-writer", default=True, show_default=True,
              help="a process of its own writes each batch while this one matches the next")  # fmt: skip
def import_(file: TextIO, batch_size: int, readers: int, writer: bool) -> None:
    """Bulk-import claims from a JSON Lines file (one POST /claims body per line; migrates first)."""
    from service.bulk import cpu_seconds, store_batches, writing_process
    from service.storage.migrate import upgrade

    own_before, readers_before = cpu_seconds(resource.RUSAGE_SELF), cpu_seconds(resource.RUSAGE_CHILDREN)
    config = Config()
    upgrade(config.DATABASE_URL)
    numbered = enumerate(tqdm(file, desc="importing", unit=" lines", file=sys.stderr, disable=None), start=1)
    chunks = iter(lambda: list(itertools.islice(numbered, batch_size)), [])
    context = _context(config)
    context.db.cache_more_pages()
    writing_cpu = 0.0
    with ExitStack() as stack:
        writing = writing_process(config.DATABASE_URL, sqlite_busy_timeout_ms=config.SQLITE_BUSY_TIMEOUT_MS)
        write_ahead = stack.enter_context(writing) if writer else None
        if readers < 1:
            _start_reading(config.LEXICON_PATH)
            report = store_batches(context, map(_read_lines, chunks), write_ahead=write_ahead)
        else:
            spawn = multiprocessing.get_context("spawn")
            pool = stack.enter_context(ProcessPoolExecutor(
                readers, mp_context=spawn, initializer=_start_reading_process,
                initargs=(config.LEXICON_PATH, config.DATABASE_URL),
            ))  # fmt: skip
            counters = Counters(partial(pool.submit, _count_groups), readers)
            report = store_batches(context, _read_ahead(pool, chunks, readers + 1), counters, write_ahead)
        if write_ahead is not None:
            writing_cpu = write_ahead.cpu_seconds()
    for line, reason in report.rejected:
        click.echo(f"line {line}: rejected: {reason}", err=True)
    rejected = len(report.rejected)
    click.echo(f"import: {report.stored} stored, {report.already_stored} already stored, {rejected} rejected")
    own = cpu_seconds(resource.RUSAGE_SELF) - own_before
    readers_cpu = cpu_seconds(resource.RUSAGE_CHILDREN) - readers_before - writing_cpu
    click.echo(f"cpu: {own:.3f} s this process, {readers_cpu:.3f} s its {max(readers, 0)} reading processes,"
               f" {writing_cpu:.3f} s its writing process")  # fmt: skip


def _read_ahead(
    pool: ProcessPoolExecutor, chunks: Iterator[list[tuple[int, str]]], depth: int
) -> Iterator[Read]:
    """Read chunks in the pool, a few ahead of the one being stored, in order."""
    pending: deque[Future[Read]] = deque()
    for chunk in chunks:
        pending.append(pool.submit(_read_lines, chunk))
        if len(pending) >= depth:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


_reading: tuple[Any, Any] | None = None  # (schema, bulk.Reader) of a reading process
_counting: Any = None  # the Database a reading process counts groups in (`_count_groups`)


def _start_reading(lexicon_path: str | None) -> None:
    global _reading
    from schemas import ClaimIn
    from service.bulk import Reader
    from service.domain.matching import load_lexicon

    _reading = (ClaimIn(), Reader(load_lexicon(lexicon_path)))


def _start_reading_process(lexicon_path: str | None, database_url: str | None = None) -> None:
    """A reading process's start. Its cyclic garbage collector runs as seldom as the storing
    process's (`bulk.IMPORT_GC_THRESHOLD`): it keeps the subjects and values it read (200,000 of
    each) for the whole import, and the collector walked them over and over, an eighth of its time,
    for nothing to collect (a batch's objects are freed by their counts once sent). Given the
    database, it also counts groups for the import's final count, once the lines are read."""
    global _counting
    from service.bulk import IMPORT_GC_THRESHOLD

    gc.set_threshold(IMPORT_GC_THRESHOLD, *gc.get_threshold()[1:])
    _start_reading(lexicon_path)
    if database_url is not None:
        from service.storage.db import Database

        _counting = Database(database_url)  # connects when it first counts
        atexit.register(_counting.dispose)  # its connection closed, not dropped, as the pool ends


def _count_groups(ids: list[int]) -> Counted:
    """In a reading process: `bulk.count_groups` on the import's database."""
    from service.bulk import count_groups

    assert _counting is not None, "_start_reading_process with the database first"
    return count_groups(_counting, ids)


def _read_lines(chunk: list[tuple[int, str]]) -> Read:
    """JSON Lines to prepared claims (or the reason a line cannot be stored), as POST would read them."""
    assert _reading is not None, "_start_reading first"
    schema, reader = _reading
    rows: list[tuple[int, ClaimInput | str]] = []
    for number, line in chunk:
        if not line.strip():
            continue
        rows.append((number, _load(schema, line)))
    read: Read = reader.read(rows)
    return read


def _load(schema: Any, line: str) -> ClaimInput | str:
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        return f"not JSON: {exc.msg} at column {exc.colno}"
    try:
        loaded: ClaimInput = schema.load(item)
    except ValidationError as exc:
        return _reasons(exc.messages)
    return loaded


def _import(config: Config, rows: Iterator[tuple[int, object]], batch_size: int = 10_000) -> ImportReport:
    """Claims given as POST bodies, read and stored in this process (a few, such as the seeds)."""
    from schemas import ClaimIn
    from service.bulk import import_claims
    from service.storage.migrate import upgrade

    upgrade(config.DATABASE_URL)
    schema = ClaimIn()

    def loaded() -> Iterator[tuple[int, ClaimInput | str]]:
        for number, item in rows:
            try:
                yield number, schema.load(item)  # type: ignore[arg-type]
            except ValidationError as exc:
                yield number, _reasons(exc.messages)

    return import_claims(_context(config), loaded(), batch_size=batch_size)


def _reasons(messages: object) -> str:
    """marshmallow's messages as one line: `source.name: Missing data for required field.; ...`.

    A field's name is the line's own text: one that is not plain printable text (a line break in
    an unknown key) is shown quoted, so that no reason reads as another line of the report."""

    def name(key: object) -> str:
        text = str(key)
        return text if text.isprintable() and ";" not in text else repr(text)

    def walk(item: object, path: str) -> Iterator[str]:
        if isinstance(item, dict):
            for key, inner in item.items():  # "_schema": the body (or object) as a whole
                inner_path = path if key == "_schema" else f"{path}.{name(key)}" if path else name(key)
                yield from walk(inner, inner_path)
        elif isinstance(item, list):
            for inner in item:
                yield from walk(inner, path)
        else:
            yield f"{path or 'body'}: {' '.join(str(item).split())}"

    return "; ".join(walk(messages, "")) or "body: invalid"


@main.command()
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("--source", default=None, help="the outlet, to show with each claim")
@click.option(
    "--published-at", "published_at", default=None, help="publication date (YYYY-MM-DD or ISO time)"
)
@click.option("--language", type=click.Choice(["id", "en"]), default=None, help="detected when not given")
@click.option("--json", "as_json", is_flag=True, help="one JSON array of claims instead of a table")
def extract(
    file: TextIO, source: str | None, published_at: str | None, language: str | None, as_json: bool
) -> None:
    """Print the claims an article makes (nothing is stored)."""
    from service.extract import extract as read_article
    from service.extract.html import is_html, main_text

    text = file.read()
    if is_html(text):
        text = main_text(text)
    published = _aware(published_at).date() if published_at else None
    found = read_article(text, language=language, published=published)
    if as_json:
        rows = [_claim_json(c, source) for c in found.claims]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    click.echo(
        f"language {found.language}; relies on {found.origin or 'no named wire'}; {len(found.claims)} claims"
    )
    for c in found.claims:
        when = f"event {c.event_date}" if c.event_date else f"as of {c.as_of or '?'}"
        unit = f" {c.unit}" if c.unit else ""
        click.echo(
            f"  {c.value}{unit} | {c.subject} | {c.attributed_to or '-'} | {when} | chars {c.start}-{c.end}"
        )


def _claim_json(claim: object, source: str | None) -> dict[str, object]:
    from dataclasses import asdict

    row = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in asdict(claim).items()}  # type: ignore[call-overload]
    if source:
        row["source"] = {"name": source}
    return row


@main.command("eval-extract")
@click.argument(
    "folders", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path)
)
@click.option("--verbose", is_flag=True, help="list every missed and spurious claim")
def eval_extract(folders: tuple[Path, ...], verbose: bool) -> None:
    """Precision and recall of the extracted claims against hand-read ones (articles.json + claims.json)."""
    from service.domain.matching import load_lexicon
    from service.extract.evaluate import evaluate

    figures = {}
    for folder in folders:
        report = evaluate(folder, load_lexicon(Config().LEXICON_PATH))
        click.echo(f"{folder}: precision {report.precision:.3f}, recall {report.recall:.3f} "
                   f"(figures found at all: {report.value_recall:.3f})")  # fmt: skip
        for article in report.articles:
            shown = (article.file, article.extracted, article.reference, article.matched)
            click.echo("  {:<48} extracted {:>3}, hand-read {:>3}, matched {:>3}".format(*shown))
            if verbose:
                for missed in article.missed:
                    click.echo(f"      missed:   {missed}")
                for spurious in article.spurious:
                    click.echo(f"      spurious: {spurious}")
        figures[str(folder)] = {
            "precision": round(report.precision, 4),
            "recall": round(report.recall, 4),
            "value_recall": round(report.value_recall, 4),
        }
    click.echo(json.dumps(figures))


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
        _seed_articles(config, SEEDS_DIR)
    else:
        upgrade(config.DATABASE_URL)
    # The container's settings (service/gunicorn_conf.py), with this command's address and workers.
    os.environ.update({"GUNICORN_BIND": f"{host}:{port}", "WEB_CONCURRENCY": str(workers)})
    config_module = "python:service.gunicorn_conf"
    argv = [sys.executable, "-m", "gunicorn", "--config", config_module, "service.app:create_app()"]
    click.echo(f"serving on http://{host}:{port} with {workers} workers", err=True)
    os.execv(sys.executable, argv)


@main.command()
@click.option("--every", type=click.IntRange(min=60), default=None,
              help="run again every this many seconds (a periodic job), until stopped")  # fmt: skip
def reliability(every: int | None) -> None:
    """Estimate every source's reliability from all claims, and re-weigh the groups' consensus."""
    import time

    from service.usecases import estimate_reliability

    config = Config()
    context = _context(config)
    while True:
        started = time.monotonic()
        estimate = estimate_reliability(context)
        settled = "converged" if estimate.converged else "stopped at the iteration limit"
        click.echo(
            f"reliability: {estimate.sources} sources from {estimate.claims} claims "
            f"({estimate.iterations} iterations, {settled}); {estimate.groups_refreshed} groups re-weighed "
            f"in {time.monotonic() - started:.1f} s"
        )
        if every is None:
            return
        time.sleep(every)


@main.group("webhooks")
def webhooks_group() -> None:
    """Alerts: deliver the webhook events waiting in the outbox."""


@webhooks_group.command("deliver")
@click.option("--every", type=click.FloatRange(min=0.1), default=None,
              help="look again every this many seconds, until stopped (else one round)")  # fmt: skip
def webhooks_deliver(every: float | None) -> None:
    """Send the due webhook events, signed; failures are retried later with back-off."""
    import time

    from service import webhooks

    config = Config()
    context = _context(config)
    settings = webhooks.Settings.from_config(vars(config))
    while True:
        report = webhooks.deliver_due(context.db, settings)
        if report.attempted or every is None:
            click.echo(
                f"webhooks: {report.delivered} delivered, {report.retrying} to retry, {report.failed} failed"
            )
        if every is None:
            return
        time.sleep(every)


@main.command("verdicts")
@click.option("--every", type=float, default=None, help="seconds between passes; once when not given")
def verdicts_(every: float | None) -> None:
    """Count again the consensus of groups changed since it was last counted.

    A group of a hundred claims or more has its consensus counted by a pass in the background of
    one server process per database (CEKSILANG_CONSENSUS_EVERY); this is the same pass, for a store
    no server runs on or after an interrupted import. Once, it counts whatever else runs. With
    --every it bids for the servers' counter role each round and counts only while it holds it, so
    it never counts beside them: it stands by while a server counts, and counts while none does,
    as a server would: the groups whose count is older than CEKSILANG_CONSENSUS_SETTLE.
    """
    import time
    from datetime import timedelta

    from service.storage.models import utcnow
    from service.usecases import COUNTER_ROLE, count_behind

    config = Config()
    context = _context(config)
    role = context.db.sole_role(COUNTER_ROLE) if every is not None else None
    settle = timedelta(seconds=config.CONSENSUS_SETTLE)
    started = utcnow()
    standing_by = False

    def round_() -> None:
        nonlocal standing_by
        counted = 0
        if role is None or role.take():
            if standing_by:
                standing_by = False
                click.echo("verdicts: counting for this database now")
            # Once: every group behind when the command began, each counted once however many claims
            # keep coming. With --every: as a server counts, those whose count has settled.
            before = started if every is None else utcnow() - settle
            while found := count_behind(context, counted_before=before):
                counted += found
            if counted or every is None:
                click.echo(f"verdicts: {counted} groups counted again")
        elif not standing_by:
            standing_by = True
            click.echo("verdicts: another process counts for this database; standing by")

    if every is None:
        round_()
        return
    while True:  # a database away for a while costs rounds, not the command
        try:
            round_()
        except SQLAlchemyError as exc:
            click.echo(f"verdicts: the round failed, trying again in {every:g} s: {exc}", err=True)
        time.sleep(every)


@main.group("bench")
def bench_group() -> None:
    """Benchmarks: truth discovery on public data; matching, the API under load and the import at scale."""


def _bench_truth() -> None:
    """Make the repository's bench/ importable (it is not installed with the service)."""
    root = str(Path(__file__).resolve().parent.parent)
    if root not in sys.path:
        sys.path.insert(0, root)


@bench_group.group("truth")
def bench_truth() -> None:
    """Truth discovery (service.domain.truth) against majority vote and the published tables."""


@bench_truth.command("flight")
@click.option("--data", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="the flight/ folder: claims/*.txt.gz and truth/*.txt")  # fmt: skip
@click.option("--day", default=None, help="one day, YYYY-MM-DD (default 2011-12-08, the paper's snapshot)")
@click.option("--month", is_flag=True, help="every day with a gold file; the average is Table 9's")
@click.option("--jobs", default=2, show_default=True, help="days scored at once with --month")
def bench_truth_flight(data: Path, day: str | None, month: bool, jobs: int) -> None:
    """Flight (Li et al., VLDB 2012): precision within 10 minutes on the airlines' gold values."""
    _bench_truth()
    from bench.truth.cli import flight_report

    flight_report(data, day, month, jobs, click.echo)


@bench_truth.command("population")
@click.option("--data", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="the population/ folder: population_claims.csv and population_truth.csv")  # fmt: skip
def bench_truth_population(data: Path) -> None:
    """Population (Pasternack & Roth): accuracy on the census values, and within 1%."""
    _bench_truth()
    from bench.truth.cli import population_report

    population_report(data, click.echo)


@bench_group.command("match")
@click.option("--sizes", default="10000,100000", show_default=True, help="stored claims, comma-separated")
@click.option("--queries", default=1000, show_default=True, help="new claims matched at each size")
@click.option("--seed", default=7, show_default=True)
@click.option(
    "--pg", "pg_url", default=None, help="PostgreSQL URL for pg_trgm (default: a private one on loopback)"
)
@click.option("--pg-threshold", default=0.3, show_default=True, help="pg_trgm.similarity_threshold for `%`")
def bench_match(sizes: str, queries: int, seed: int, pg_url: str | None, pg_threshold: float) -> None:
    """The candidate index against a brute-force scan and pg_trgm: time per query and recall."""
    _bench_truth()
    from bench.match import report

    report([int(s) for s in sizes.split(",")], queries, seed, pg_url, pg_threshold, click.echo)


@bench_group.command("api")
@click.option("--db", "dbs", default="sqlite,postgres", show_default=True,
              help="databases, comma-separated: sqlite, postgres")  # fmt: skip
@click.option("--sizes", default="100000,1000000", show_default=True, help="stored claims, comma-separated")
@click.option("--duration", default=30, show_default=True, help="seconds of load at each size")
@click.option("--connections", default="1,8", show_default=True,
              help="wrk connections, comma-separated: a run for each, on the same server")  # fmt: skip
@click.option("--threads", default=2, show_default=True, help="wrk threads")
@click.option("--workers", default=4, show_default=True, help="gunicorn workers")
@click.option("--seed", default=7, show_default=True)
@click.option("--pg", "pg_url", default=None,
              help="a PostgreSQL server for the databases (default: a private one on loopback)")  # fmt: skip
@click.option("--workdir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="keep the files, the SQLite databases and the servers' logs here")  # fmt: skip
def bench_api(dbs: str, sizes: str, duration: int, connections: str, threads: int, workers: int, seed: int,
              pg_url: str | None, workdir: Path | None) -> None:  # fmt: skip
    """POST /claims under wrk on a real gunicorn server over a filled store: latency, throughput, memory."""
    _bench_truth()
    from bench.api import Load, report, wrk_missing

    kinds = [d.strip() for d in dbs.split(",") if d.strip()]
    if unknown := set(kinds) - {"sqlite", "postgres"}:
        raise click.BadParameter(f"not a database here: {', '.join(sorted(unknown))}", param_hint="--db")
    if missing := wrk_missing():
        raise click.ClickException(missing)
    try:
        counts = tuple(int(c) for c in connections.split(",") if c.strip())
    except ValueError:
        counts = ()
    if not counts or min(counts) < 1 or len(set(counts)) < len(counts):
        raise click.BadParameter(
            "whole numbers of connections, each 1 or more and each once", param_hint="--connections"
        )
    load = Load(duration, counts, threads, workers)
    report(kinds, [int(s) for s in sizes.split(",")], load, seed, pg_url, workdir, click.echo)


@bench_group.command("import")
@click.option("--claims", default=1_000_000, show_default=True, help="claims in the file")
@click.option("--db", type=click.Choice(["sqlite", "postgres"]), default="sqlite", show_default=True)
@click.option("--seed", default=7, show_default=True)
@click.option("--pg", "pg_url", default=None,
              help="a PostgreSQL server for the database (default: a private one on loopback)")  # fmt: skip
@click.option("--workdir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="keep the JSON Lines file and the SQLite database here")  # fmt: skip
@click.option("--batch-size", type=int, default=None, help="given to ceksilang import (default: its own)")
@click.option("--writer/--no-writer", default=None, help="given to ceksilang import (default: its own)")
def bench_import(
    claims: int, db: str, seed: int, pg_url: str | None, workdir: Path | None, batch_size: int | None,
    writer: bool | None,
) -> None:  # fmt: skip
    """`ceksilang import` of N generated claims into a fresh store: claims per second and peak memory."""
    _bench_truth()
    from bench.imports import report

    options = [] if batch_size is None else ["--batch-size", str(batch_size)]
    options += [] if writer is None else ["--writer" if writer else "--no-writer"]
    report(claims, db, seed, pg_url, workdir, click.echo, options)
