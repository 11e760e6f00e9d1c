"""Matching at scale: the candidate index against a brute-force scan and PostgreSQL's pg_trgm.

    ceksilang bench match --sizes 10000,100000 [--queries 1000] [--seed 7] [--pg URL]

For each size N: N claims from `bench.generator`, stored the way the service stores them (one
subject form per group and form, with its blocking keys, in `subject_forms` and `form_keys` of a fresh,
migrated SQLite database; the group of a claim is the generator's subject, which is what the matching
aims at), then 1,000 new claims about the stored subjects are matched:

- ours: `normalise_subject` + `repository.candidates` + `matching.rank`, timed per query;
- brute force: rapidfuzz's ratio over every stored form of the measure (the cut-off at the join
  threshold is safe: `similarity` never exceeds ratio), then `similarity` and `can_join`;
- pg_trgm: the same forms in PostgreSQL, a GIN trigram index queried with `%` (the default
  similarity threshold 0.3 unless --pg-threshold says) and a GiST index queried with `<->` for the
  nearest CANDIDATE_LIMIT; the rows each returns are ranked by `matching.rank` as ours are.

Recall: of the groups the brute force would let each query join (score >= JOIN_THRESHOLD and the
hard rules), the share each method finds, summed over the queries. Ends with one JSON line.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import insert

from bench.generator import Corpus, GeneratedClaim
from service.domain import matching
from service.domain.values import parse_value
from service.storage import repository as repo
from service.storage.db import Database
from service.storage.migrate import upgrade
from service.storage.models import FormKey, Group, SubjectForm

Echo = Callable[[str], None]


@lru_cache(maxsize=100_000)
def measure_of_value(value: str, unit: str | None, language: str) -> tuple[str, str, str]:
    parsed = parse_value(value, unit=unit, language=language)
    return matching.measure_of(parsed.dimension, parsed.unit), parsed.dimension, parsed.unit


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Store:
    """The subject forms of N generated claims, as rows of subject_forms (with their group)."""

    def __init__(self, claims: Iterable[GeneratedClaim], lexicon: matching.Lexicon) -> None:
        self.groups: dict[int, dict[str, Any]] = {}
        self.forms: list[matching.Candidate] = []
        self.form_subjects: list[matching.Subject] = []
        seen: set[tuple[int, str]] = set()
        normalised: dict[str, matching.Subject] = {}
        for claim in claims:
            subject = normalised.get(claim.text)
            if subject is None:
                subject = normalised[claim.text] = matching.normalise_subject(claim.text, lexicon)
            measure, dimension, unit = measure_of_value(claim.value, claim.unit, claim.language)
            group_id = claim.subject.id + 1
            if group_id not in self.groups:
                self.groups[group_id] = {"id": group_id, "label": claim.text, "dimension": dimension,
                                         "unit": unit, "event_date": claim.subject.event_date}  # fmt: skip
            if (group_id, subject.form) in seen:
                continue
            seen.add((group_id, subject.form))
            self.forms.append(matching.Candidate(group_id, subject.form, measure, claim.subject.event_date,
                                                 subject.pins, subject.generic))  # fmt: skip
            self.form_subjects.append(subject)
        self.by_measure: dict[str, list[matching.Candidate]] = {}
        for form in self.forms:
            self.by_measure.setdefault(form.measure, []).append(form)
        self.form_texts = {m: [f.form for f in forms] for m, forms in self.by_measure.items()}

    def write_sqlite(self, url: str) -> int:
        """Bulk inserts into a migrated database: the rows `repository.add_form` would write."""
        upgrade(url)
        db = Database(url)
        keys = 0
        with db.writing() as session:
            session.execute(insert(Group), list(self.groups.values()))
            rows = [{"id": i, "group_id": f.group_id, "form": f.form, "measure": f.measure,
                     "event_date": f.event_date, "pins": f.pins, "generic": f.generic}
                    for i, f in enumerate(self.forms, start=1)]  # fmt: skip
            session.execute(insert(SubjectForm), rows)
            batch: list[dict[str, Any]] = []
            for i, (form, subject) in enumerate(zip(self.forms, self.form_subjects, strict=True), start=1):
                batch += [
                    {"key": k, "form_id": i}
                    for k in sorted(set(matching.blocking_keys(subject, form.measure)))
                ]
                if len(batch) >= 50_000:
                    session.execute(insert(FormKey), batch)
                    keys += len(batch)
                    batch = []
            if batch:
                session.execute(insert(FormKey), batch)
                keys += len(batch)
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
        db.dispose()
        return keys

    def brute_force(self, subject: matching.Subject, measure: str, event_date: date | None) -> set[int]:
        pool = self.by_measure.get(measure, [])
        texts = self.form_texts.get(measure, [])
        cutoff = matching.JOIN_THRESHOLD * 100
        hits = process.extract(
            subject.form, texts, scorer=fuzz.ratio, processor=None, score_cutoff=cutoff, limit=None
        )
        return {pool[i].group_id for _, _, i in hits if _joins(subject, measure, event_date, pool[i])}


def _joins(
    subject: matching.Subject, measure: str, event_date: date | None, cand: matching.Candidate
) -> bool:
    return matching.similarity(subject.form, cand.form) >= matching.JOIN_THRESHOLD and matching.can_join(
        subject, measure, event_date, cand
    )


def joinable(subject: matching.Subject, measure: str, event_date: date | None,
             candidates: list[matching.Candidate]) -> set[int]:  # fmt: skip
    return {c.group_id for c in candidates if _joins(subject, measure, event_date, c)}


class Method:
    def __init__(self, name: str) -> None:
        self.name = name
        self.timings: list[float] = []
        self.found = 0
        self.candidates = 0

    def figures(self, expected: int) -> dict[str, Any]:
        return {
            "median_ms": round(statistics.median(self.timings), 2),
            "p99_ms": round(percentile(self.timings, 0.99), 2),
            "recall": round(self.found / expected, 4) if expected else 1.0,
            "candidates_per_query": round(self.candidates / len(self.timings), 1),
        }


_PG_COLUMNS = "group_id, form, measure, event_date, pins, generic"
_PG_TABLE = (
    "(id serial PRIMARY KEY, group_id int NOT NULL, form text NOT NULL, measure text NOT NULL,"
    " event_date date, pins text NOT NULL, generic boolean NOT NULL)"
)
# `%` with the GIN index (pg_trgm.similarity_threshold); `<->` with the GiST index, nearest first.
GIN_QUERY = f"SELECT {_PG_COLUMNS} FROM forms_gin WHERE form %% %s AND measure = %s"
GIST_QUERY = f"SELECT {_PG_COLUMNS} FROM forms_gist WHERE measure = %s ORDER BY form <-> %s LIMIT %s"


def load_postgres(conn: Any, store: Store) -> None:
    with conn.cursor() as cur:
        cur.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for table in ("forms_gin", "forms_gist"):
            cur.execute(f"DROP TABLE IF EXISTS {table}")
            cur.execute(f"CREATE TABLE {table} {_PG_TABLE}")
            with cur.copy(f"COPY {table} ({_PG_COLUMNS}) FROM STDIN") as copy:
                for f in store.forms:
                    copy.write_row((f.group_id, f.form, f.measure, f.event_date, f.pins, f.generic))
        cur.execute("CREATE INDEX ON forms_gin USING gin (form gin_trgm_ops)")
        cur.execute("CREATE INDEX ON forms_gist USING gist (form gist_trgm_ops)")
        cur.execute("ANALYZE forms_gin")
        cur.execute("ANALYZE forms_gist")
    conn.commit()


def run_size(size: int, queries: int, seed: int, workdir: Path, pg: Any | None, pg_threshold: float,
             echo: Echo) -> dict[str, Any]:  # fmt: skip
    lexicon = matching.load_lexicon()
    started = time.perf_counter()
    corpus = Corpus(seed, size)
    store = Store(corpus.claims(), lexicon)
    echo(f"N={size:,}: {len(corpus.subjects):,} subjects, {len(store.forms):,} distinct subject forms "
         f"({time.perf_counter() - started:.0f} s)")  # fmt: skip
    url = f"sqlite:///{workdir}/match-{size}-{seed}.db"
    started = time.perf_counter()
    keys = store.write_sqlite(url)
    echo(f"  SQLite index: {keys:,} blocking keys ({time.perf_counter() - started:.0f} s)")
    if pg is not None:
        started = time.perf_counter()
        load_postgres(pg, store)
        echo(f"  PostgreSQL tables and trigram indexes ({time.perf_counter() - started:.0f} s)")

    asked = corpus.queries(queries, seed=seed + 1)
    methods = [Method("ours")] + ([Method("pg_trgm"), Method("pg_trgm_gist")] if pg is not None else [])
    expected = 0
    brute_ms: list[float] = []
    db = Database(url)
    with ExitStack() as stack:
        session = stack.enter_context(db.reading())
        cur = pg.cursor() if pg is not None else None
        if cur is not None:
            cur.execute("SELECT set_config('pg_trgm.similarity_threshold', %s, false)", (str(pg_threshold),))
        for claim in asked:
            measure = measure_of_value(claim.value, claim.unit, claim.language)[0]
            event_date = claim.subject.event_date
            t0 = time.perf_counter()
            subject = matching.normalise_subject(claim.text, lexicon)
            brute = store.brute_force(subject, measure, event_date)
            brute_ms.append((time.perf_counter() - t0) * 1000)
            expected += len(brute)

            for method in methods:
                t0 = time.perf_counter()
                subject = matching.normalise_subject(claim.text, lexicon)
                if method.name == "ours":
                    found = repo.candidates(session, subject, measure, event_date)
                elif method.name == "pg_trgm":
                    found = _pg_rows(cur, GIN_QUERY, (subject.form, measure))
                else:
                    found = _pg_rows(cur, GIST_QUERY, (measure, subject.form, repo.CANDIDATE_LIMIT))
                matching.rank(subject, measure, event_date, found)
                method.timings.append((time.perf_counter() - t0) * 1000)
                method.candidates += len(found)
                method.found += len(brute & joinable(subject, measure, event_date, found))
        if cur is not None:
            cur.close()
    db.dispose()
    result: dict[str, Any] = {
        "stored_forms": len(store.forms),
        "subjects": len(corpus.subjects),
        "brute_force_matches": expected,
        "brute_force": {
            "median_ms": round(statistics.median(brute_ms), 2),
            "p99_ms": round(percentile(brute_ms, 0.99), 2),
        },
    }
    for method in methods:
        result[method.name] = method.figures(expected)
    return result


def _pg_rows(cur: Any, sql: str, params: tuple[Any, ...]) -> list[matching.Candidate]:
    cur.execute(sql, params)
    return [matching.Candidate(*row) for row in cur.fetchall()]


def report(sizes: list[int], queries: int, seed: int, pg_url: str | None, pg_threshold: float,
           echo: Echo) -> dict[str, Any]:  # fmt: skip
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ceksilang-match-")))
        pg = _connect(stack, pg_url, echo)
        results = {str(n): run_size(n, queries, seed, tmp, pg, pg_threshold, echo) for n in sizes}
    echo("")
    echo(_row("stored", "forms", "method", "median ms", "p99 ms", "recall", "cands"))
    for size, r in results.items():
        brute = r["brute_force"]
        first = _row(f"{int(size):,}", f"{r['stored_forms']:,}", "brute force", brute["median_ms"],
                     brute["p99_ms"], "1.0", r["stored_forms"])  # fmt: skip
        echo(f"{first}  ({r['brute_force_matches']} matches)")
        for name in ("ours", "pg_trgm", "pg_trgm_gist"):
            if name in r:
                m = r[name]
                echo(_row("", "", name, m["median_ms"], m["p99_ms"], m["recall"], m["candidates_per_query"]))
    line = {"sizes": results, "queries": queries, "seed": seed, "pg_trgm_threshold": pg_threshold}
    echo(json.dumps(line))
    return line


def _row(*cells: object) -> str:
    widths = (10, 8, -16, 10, 8, 7, 7)
    return " ".join(f"{c!s:<{-w}}" if w < 0 else f"{c!s:>{w}}" for c, w in zip(cells, widths, strict=True))


def _connect(stack: ExitStack, pg_url: str | None, echo: Echo) -> Any:
    """A psycopg connection to the given PostgreSQL, or to a private cluster started here."""
    import psycopg
    from sqlalchemy.engine import make_url

    if pg_url is None:
        from tests.support import PostgresCluster

        cluster = PostgresCluster()
        stack.callback(cluster.remove)
        cluster.start()
        pg_url = cluster.url
        echo(f"PostgreSQL: a private cluster on 127.0.0.1:{cluster.port} ({cluster.bin})")
    url = make_url(pg_url).set(drivername="postgresql")
    conn = psycopg.connect(url.render_as_string(hide_password=False))
    stack.callback(conn.close)
    with conn.cursor() as cur:
        cur.execute("SHOW server_version")
        echo(f"PostgreSQL {cur.fetchone()[0]}")  # type: ignore[index]
    return conn
