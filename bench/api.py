"""POST /claims under load, on a real gunicorn server, with the store at 100,000 and 1,000,000 claims.

    ceksilang bench api [--db sqlite,postgres] [--sizes 100000,1000000] [--duration 30]
                        [--connections 1,8] [--threads 2] [--workers 4] [--seed 7] [--pg URL]

For each size N and each database: N claims from `bench.generator` fill a fresh, migrated database
through the real `ceksilang import` (timed: the fill's claims per second), then `boot.sh` starts
the server as the container does (production settings, writes open, no keys, rate limits off,
JSON logs, 4 workers, on a free loopback port) and wrk posts new claims to it for --duration
seconds, once for each number of --connections in turn: one connection is a client waiting for each
answer before it sends the next (the time a POST takes when nothing queues before it), eight keep
the four workers busy (the throughput, and the time a POST takes when the writers queue).

Every request carries a claim the store has not seen: new claims about the stored subjects, said
anew (`Corpus.queries`), less any whose source, subject, value and dates repeat a stored claim or
another body (what the service's fingerprint reads). wrk runs a Lua script written here; each of
its threads posts its own file of bodies in turn, so no two connections send the same one. A thread
that runs out starts its file again; those repeats are counted and answered 200, not stored.

The figures: the server's own time for POST /claims (median and p99 of `duration_ms` in its JSON
access log, answers 200 and 201 only; every other status is counted apart, 5xx loudly), wrk's
requests per second, the claims stored during the run (checked against the 201s), the fill's
claims per second, and the largest peak resident set (VmHWM) of any worker, read from /proc every
half second while wrk runs. PostgreSQL is a private cluster on loopback (fsync off) unless --pg
names a server; each size gets a database of its own there. Ends with one JSON line.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.generator import Corpus
from bench.imports import (
    Databases,
    Echo,
    count_claims,
    migrate,
    run_import,
    sigterm_unwinds,
    write_claims,
)
from bench.match import percentile

# Bodies written per second of --duration: above what this machine answers even on a small store and
# a fast day (SQLite at 1,500 claims, 3 connections, took 634 a second), so no run repeats one.
BODIES_PER_SECOND = 1500

LUA = """\
-- Written by `ceksilang bench api`: POST /claims, each request a claim that no request sent before.
-- Each wrk thread posts its own file of bodies (bodies-<id>.jsonl, one JSON body a line); the
-- connections of a thread share its Lua state, so one counter walks the file for all of them.
-- A thread that reaches the end of its file starts it again: those requests are counted as repeats.
local threads = {}

function setup(thread)
   thread:set("id", #threads)
   table.insert(threads, thread)
end

function init(args)
   bodies = {}
   for line in io.lines(args[1] .. "/bodies-" .. id .. ".jsonl") do
      bodies[#bodies + 1] = line
   end
   if #bodies == 0 then
      error("no bodies for thread " .. id)
   end
   sent = 0
   repeats = 0
   headers = { ["Content-Type"] = "application/json" }
end

function request()
   sent = sent + 1
   if sent > #bodies then
      repeats = repeats + 1
   end
   return wrk.format("POST", "/claims", headers, bodies[(sent - 1) % #bodies + 1])
end

function done(summary, latency, requests)
   local sent, repeats = 0, 0
   for _, thread in ipairs(threads) do
      sent = sent + thread:get("sent")
      repeats = repeats + thread:get("repeats")
   end
   local e = summary.errors
   io.write(string.format(
      'bench-api: {"requests": %.0f, "duration_us": %.0f, "sent": %.0f, "repeats": %.0f, '
      .. '"connect": %.0f, "read": %.0f, "write": %.0f, "status": %.0f, "timeout": %.0f, '
      .. '"p50_us": %.0f, "p99_us": %.0f}\\n',
      summary.requests, summary.duration, sent, repeats, e.connect, e.read, e.write, e.status,
      e.timeout, latency:percentile(50), latency:percentile(99)))
end
"""


def wrk_missing() -> str | None:
    """Why the benchmark cannot run here, if it cannot."""
    if shutil.which("wrk") is None:
        return "wrk is not installed: apt-get install -y wrk (Debian's package)"
    return None


# --- the bodies wrk sends ----------------------------------------------------------------------


def claim_key(body: dict[str, Any]) -> tuple[Any, ...]:
    """What the service's fingerprint reads (source, subject, value, dates), compared as written:
    bodies with different keys are different claims to the service (case and spaces aside)."""
    return (
        body["source"]["name"].casefold(),
        " ".join(body["subject"].casefold().split()),
        body["value"],
        body["unit"],
        body["as_of"],
        body["event_date"],
    )


def new_bodies(corpus: Corpus, count: int, seed: int, stored: set[int]) -> list[dict[str, Any]]:
    """Up to `count` new claims about the corpus's subjects, none repeating a stored claim (by the
    hash of its key) or another body."""
    bodies: list[dict[str, Any]] = []
    seen: set[int] = set()
    for round_ in range(10):
        for claim in corpus.queries(count, seed=seed + 1000 * round_):
            body = claim.body()
            key = hash(claim_key(body))
            if key not in stored and key not in seen:
                seen.add(key)
                body["quote"] = f"bench api claim {len(bodies)}"
                bodies.append(body)
                if len(bodies) == count:
                    return bodies
    return bodies


def write_bodies(folder: Path, bodies: list[dict[str, Any]], threads: int) -> list[Path]:
    """One file a wrk thread, the bodies dealt round-robin, one JSON body a line."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"bodies-{i}.jsonl" for i in range(threads)]
    for i, path in enumerate(paths):
        path.write_text(
            "".join(json.dumps(b, ensure_ascii=False) + "\n" for b in bodies[i::threads]), encoding="utf-8"
        )
    return paths


def write_script(folder: Path) -> Path:
    path = folder / "post_claims.lua"
    path.write_text(LUA, encoding="utf-8")
    return path


# --- what the server and wrk say ---------------------------------------------------------------


@dataclass
class Posts:
    """POST /claims in the access log: the server's time for each answered 200 or 201, every status."""

    durations_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)

    @property
    def failed(self) -> int:
        return sum(n for status, n in self.statuses.items() if status not in (200, 201))

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def median_ms(self) -> float | None:
        return round(statistics.median(self.durations_ms), 1) if self.durations_ms else None

    def p99_ms(self) -> float | None:
        return round(percentile(self.durations_ms, 0.99), 1) if self.durations_ms else None


def read_access_log(lines: Iterable[str]) -> Posts:
    """The JSON access log (service/gunicorn_conf.py); other lines and other requests are skipped."""
    posts = Posts()
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if not isinstance(entry, dict) or entry.get("logger") != "gunicorn.access":
            continue
        if entry.get("method") != "POST" or entry.get("path") != "/claims":
            continue
        status = int(entry["status"])
        posts.statuses[status] += 1
        if status in (200, 201):
            posts.durations_ms.append(float(entry["duration_ms"]))
    return posts


WRK_LINE = re.compile(r"^bench-api: (\{.*\})$", re.MULTILINE)


def read_wrk(output: str) -> dict[str, float]:
    """The figures the script's done() prints."""
    found = WRK_LINE.search(output)
    if found is None:
        raise RuntimeError(f"wrk said nothing the bench reads:\n{output}")
    figures: dict[str, float] = json.loads(found.group(1))
    return figures


ERROR_LINE = re.compile(r'"level": "(error|critical)"|\[(ERROR|CRITICAL)\]|Traceback')


def error_lines(log: str, limit: int = 10) -> list[str]:
    return [line[:400] for line in log.splitlines() if ERROR_LINE.search(line)][:limit]


# --- the server --------------------------------------------------------------------------------


class WorkerMemory:
    """The peak resident set (VmHWM) of each worker of a gunicorn master, read every half second,
    so that a worker recycled after max_requests is still counted."""

    def __init__(self, server: Any, every: float = 0.5) -> None:
        self.server = server
        self.every = every
        self.peaks_kb: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> WorkerMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.read()

    def _watch(self) -> None:
        while not self._stop.wait(self.every):
            self.read()

    def read(self) -> None:
        for pid in self.server.worker_pids():
            with contextlib.suppress(OSError, ValueError):
                kb = vm_hwm_kb(Path(f"/proc/{pid}/status").read_text())
                self.peaks_kb[pid] = max(kb, self.peaks_kb.get(pid, 0))

    @property
    def peak_mb(self) -> float | None:
        return round(max(self.peaks_kb.values()) / 1024, 1) if self.peaks_kb else None


def vm_hwm_kb(status: str) -> int:
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise ValueError("no VmHWM line")


def server_env(folder: Path) -> dict[str, str]:
    """Production as the image runs it, with open writes, JSON logs and the access log in a file.
    (tests.support.Server already switches the rate limits off.)"""
    return {
        "CEKSILANG_ENV": "production",
        "CEKSILANG_OPEN_WRITES": "1",
        "CEKSILANG_LOG_FORMAT": "json",
        # gunicorn reads these arguments after its config file, so they win over accesslog = "-".
        "GUNICORN_CMD_ARGS": f"--access-logfile {folder / 'access.log'}",
        # Each run's metrics files stay in its own folder and go with it.
        "PROMETHEUS_MULTIPROC_DIR": str(folder / "metrics"),
    }


# --- one run, and the report -------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    """How long and how hard wrk pushes (a run for each number of connections), and how many
    workers take it."""

    duration: int
    connections: tuple[int, ...]
    threads: int
    workers: int

    def threads_for(self, connections: int) -> int:
        return min(self.threads, connections)  # wrk refuses more threads than connections


def run_one(db: str, size: int, claims: Path, lines: int, bodies: Path, load: Load,
            databases: Databases, folder: Path, echo: Echo) -> dict[str, Any]:  # fmt: skip
    """Fill a store of `size` claims, start the server on it, and run wrk once for each number of
    connections; the figures of the last run, and of each by its number of connections."""
    from tests.support import Server

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "metrics").mkdir()
    runs: dict[str, dict[str, Any]] = {}
    with ExitStack() as stack:
        url = stack.enter_context(databases.fresh(db, f"api-{size}", folder))
        migrate(url, folder)
        fill = run_import(claims, lines, url, folder)
        echo(f"  {db}: filled {fill.stored:,} claims ({fill.already_stored:,} repeats, {fill.rejected} "
             f"rejected) in {fill.seconds:.1f} s, {fill.claims_per_s:.1f} claims/s")  # fmt: skip
        server = Server(url, folder, workers=load.workers, env=server_env(folder))
        stack.callback(server.stop)
        server.start()
        script = write_script(folder)
        access_log = folder / "access.log"
        for number, connections in enumerate(load.connections):
            before = count_claims(url)
            logged, said = _lines(access_log), len(server.log())
            argv = ["wrk", f"-t{load.threads_for(connections)}", f"-c{connections}", f"-d{load.duration}s",
                    "--timeout", "60s", "-s", str(script), f"{server.base}/claims", "--",
                    str(bodies / str(number))]  # fmt: skip
            with WorkerMemory(server) as memory:
                done = subprocess.run(argv, capture_output=True, text=True, timeout=load.duration + 180)
            if done.returncode != 0:
                raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
            wrk = read_wrk(done.stdout)
            if number == len(load.connections) - 1:
                server.stop()  # graceful: the requests under way finish and are logged before it is read
            else:
                time.sleep(LOG_SETTLE_S)  # the requests wrk left under way are answered and logged
            posts = read_access_log(_lines_after(access_log, logged))
            stored = count_claims(url) - before
            figures = _figures(posts, wrk, stored, memory, fill)
            warn_about(db, size, connections, figures, posts, error_lines(server.log()[said:]), echo)
            runs[str(connections)] = figures
    return {**figures, "by_connections": runs}


# Seconds between two wrk runs on one server: wrk's last requests are answered and logged by then.
LOG_SETTLE_S = 2.0


def _lines(path: Path) -> int:
    return len(path.read_text(errors="replace").splitlines()) if path.exists() else 0


def _lines_after(path: Path, count: int) -> list[str]:
    return path.read_text(errors="replace").splitlines()[count:]


def _figures(
    posts: Posts, wrk: dict[str, float], stored: int, memory: WorkerMemory, fill: Any
) -> dict[str, Any]:
    socket_errors = {k: int(wrk[k]) for k in ("connect", "read", "write", "timeout") if wrk[k]}
    return {
        "median_ms": posts.median_ms(),
        "p99_ms": posts.p99_ms(),
        "requests_per_s": round(wrk["requests"] / (wrk["duration_us"] / 1e6), 1),
        "errors": posts.failed + sum(socket_errors.values()),
        "statuses": {str(s): n for s, n in sorted(posts.statuses.items())},
        "server_errors": posts.server_errors,
        "socket_errors": socket_errors,
        "stored": stored,
        "repeats_sent": int(wrk["repeats"]),
        "client_median_ms": round(wrk["p50_us"] / 1000, 1),
        "client_p99_ms": round(wrk["p99_us"] / 1000, 1),
        "worker_peak_rss_mb": memory.peak_mb,
        "workers_seen": len(memory.peaks_kb),
        "fill_claims_per_s": round(fill.claims_per_s, 1),
        "fill_seconds": round(fill.seconds, 1),
        "fill_stored": fill.stored,
        "fill_peak_rss_mb": round(fill.peak_rss_mb, 1),
    }


def warn_about(db: str, size: int, connections: int, figures: dict[str, Any], posts: Posts,
               errors: list[str], echo: Echo) -> None:  # fmt: skip
    where = f"{db} at {size:,}, {connections} connections"
    if posts.server_errors:
        echo(f"  !!! {where}: {posts.server_errors} POST /claims answered 5xx "
             f"(statuses {figures['statuses']}); the server's log says:")  # fmt: skip
        for line in errors or ["  (no error lines in the server's log)"]:
            echo(f"  !!!   {line}")
    elif posts.failed:
        echo(f"  {where}: {posts.failed} POST /claims answered other than 200/201: {figures['statuses']}")
    if figures["socket_errors"]:
        echo(f"  {where}: wrk's socket errors {figures['socket_errors']}")
    created = posts.statuses.get(201, 0)
    if figures["stored"] != created:
        echo(f"  {where}: {created} answers 201 but {figures['stored']} claims stored during the run")
    if posts.statuses.get(200, 0):
        echo(f"  {where}: {posts.statuses[200]} answers 200 (a claim already stored), "
             f"{figures['repeats_sent']} bodies sent a second time")  # fmt: skip


def report(dbs: list[str], sizes: list[int], load: Load, seed: int, pg_url: str | None,
           workdir: Path | None, echo: Echo) -> dict[str, Any]:  # fmt: skip
    results: dict[str, dict[str, Any]] = {}
    with ExitStack() as stack:
        stack.enter_context(sigterm_unwinds())
        tmp = workdir or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ceksilang-api-")))
        databases = Databases(stack, pg_url, echo)
        for size in sizes:
            folder = tmp / str(size)
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            corpus = Corpus(seed, size)
            stored: set[int] = set()
            claims = folder / "claims.jsonl"
            lines = write_claims(
                claims, corpus, on_body=lambda body, into=stored: into.add(hash(claim_key(body)))
            )
            bodies = new_bodies(
                corpus, BODIES_PER_SECOND * load.duration * len(load.connections), seed + 1, stored
            )
            runs = len(load.connections)
            for number, connections in enumerate(load.connections):  # no body posted in two runs
                write_bodies(
                    folder / "bodies" / str(number), bodies[number::runs], load.threads_for(connections)
                )
            echo(f"N={size:,}: {lines:,} claims about {len(corpus.subjects):,} subjects; "
                 f"{len(bodies):,} new claims for wrk")  # fmt: skip
            for db in dbs:
                results.setdefault(str(size), {})[db] = run_one(
                    db, size, claims, lines, folder / "bodies", load, databases, folder / db, echo
                )
            if workdir is None:
                claims.unlink()
    echo("")
    echo(_row("stored", "db", "fill/s", "conns", "median ms", "p99 ms", "req/s", "new", "errors", "5xx",
              "worker MB"))  # fmt: skip
    for size, by_db in results.items():
        for db, by_db_run in by_db.items():
            for connections, r in by_db_run["by_connections"].items():
                echo(_row(f"{int(size):,}", db, r["fill_claims_per_s"], connections, r["median_ms"],
                          r["p99_ms"], r["requests_per_s"], r["stored"], r["errors"], r["server_errors"],
                          r["worker_peak_rss_mb"]))  # fmt: skip
    line: dict[str, Any] = {
        "sizes": results, "workers": load.workers, "duration_s": load.duration,
        "connections": list(load.connections), "threads": load.threads, "seed": seed,
    }  # fmt: skip
    if databases.postgres_version:
        line["postgres"] = databases.postgres_version
    if any(r["server_errors"] for by_db in results.values() for r in by_db.values()):
        echo("!!! some POST /claims answered 5xx: see the lines marked !!! above")
    echo(json.dumps(line))
    return line


def _row(*cells: object) -> str:
    widths = (10, -9, 8, 6, 10, 8, 8, 7, 7, 5, 10)
    return " ".join(f"{c!s:<{-w}}" if w < 0 else f"{c!s:>{w}}" for c, w in zip(cells, widths, strict=True))
