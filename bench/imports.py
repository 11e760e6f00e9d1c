"""Filling a store with `ceksilang import`: claims per second and the import's peak memory.

    ceksilang bench import --claims 1000000 [--db sqlite|postgres] [--pg URL] [--seed 7] [--workdir DIR]

N claims from `bench.generator` are written as JSON Lines (one POST /claims body a line; not timed),
a fresh database is migrated (`ceksilang db upgrade`, not timed), then the real `ceksilang import
FILE` runs as a child process and is timed from start to exit: claims per second are the file's
lines over that wall time, start-up included. Its peak memory is the largest resident set of the
import and its reading processes, from the rusage `wait4` returns for it (so no other child of this
process counts). The import says how much processor time it took, and its readers: given a line,
they show which process bounds the rate. On the private PostgreSQL cluster the bench starts, the
server's processor time over the import is measured too (its processes', from /proc): the three
together say how much of this machine's processors a line takes. The claims in the database are
counted afterwards and must equal what the import says it stored.

PostgreSQL is a private cluster on loopback (tests.support.PostgresCluster, fsync off) unless
--pg names a server; either way each run gets a database of its own, dropped at the end.
`bench api` fills its stores with the same pieces. Ends with one JSON line.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.generator import Corpus

Echo = Callable[[str], None]
BIN = Path(sys.executable).parent
IMPORT_LINE = re.compile(r"import: (\d+) stored, (\d+) already stored, (\d+) rejected")
CPU_LINE = re.compile(r"cpu: ([\d.]+) s this process, ([\d.]+) s its")
WRITING_LINE = re.compile(r"([\d.]+) s its writing process")


def write_claims(
    path: Path, corpus: Corpus, on_body: Callable[[dict[str, Any]], object] | None = None
) -> int:
    """The corpus as `ceksilang import` reads it, each body also handed to `on_body`; returns the
    number of lines."""
    lines = 0
    with path.open("w", encoding="utf-8") as out:
        for claim in corpus.claims():
            body = claim.body()
            out.write(json.dumps(body, ensure_ascii=False) + "\n")
            if on_body is not None:
                on_body(body)
            lines += 1
    return lines


def command_env(database_url: str) -> dict[str, str]:
    """This environment without Cek Silang's own settings, pointed at one database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CEKSILANG_", "PROMETHEUS_"))}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["CEKSILANG_DATABASE_URL"] = database_url
    return env


def migrate(database_url: str, folder: Path) -> None:
    done = subprocess.run(
        [str(BIN / "ceksilang"), "db", "upgrade"], env=command_env(database_url), cwd=folder,
        capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"ceksilang db upgrade failed ({done.returncode}):\n{done.stderr}")


@dataclass(frozen=True)
class Fill:
    """One run of `ceksilang import`: what it said, how long it took, and its peak memory."""

    lines: int
    stored: int
    already_stored: int
    rejected: int
    seconds: float
    peak_rss_mb: float
    storing_cpu_s: float  # the importing process's processor time: it matches and stores
    reading_cpu_s: float  # its reading processes'
    server_cpu_s: float | None = None  # the database server's meanwhile (a private PostgreSQL cluster)
    writing_cpu_s: float = 0.0  # its writing process's (`ceksilang import --writer`)

    @property
    def claims_per_s(self) -> float:
        return self.lines / self.seconds if self.seconds else 0.0

    def cpu_us_per_line(self, seconds: float) -> float:
        return seconds / self.lines * 1e6 if self.lines else 0.0


def process_tree_cpu_seconds(pid: int) -> float:
    """Processor time, user and system, a process and its children have taken so far: its own, its
    children's that ended (which it waited for), and those still running (Linux's /proc). For a
    PostgreSQL server's first process: the whole server, the backend of each connection, ended or
    not, among them. A child that ends while its siblings are read would be counted in neither
    part, so the reading is taken again until the ended children's time stays the same over it."""
    tick = os.sysconf("SC_CLK_TCK")

    def fields(process: int) -> list[str]:
        stat = Path(f"/proc/{process}/stat").read_text()
        return stat[stat.rindex(")") + 2 :].split()  # after the name, which may hold spaces

    while True:
        mine = fields(pid)  # from the state on: ppid is [1], utime..cstime are [11:15]
        running = 0
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError, ValueError, IndexError):  # one that ended meanwhile
                    theirs = fields(int(entry.name))
                    if int(theirs[1]) == pid:
                        running += int(theirs[11]) + int(theirs[12])
        if fields(pid)[13:15] == mine[13:15]:  # no child's time moved to the ended ones meanwhile
            return (sum(int(n) for n in mine[11:15]) + running) / tick


def run_import(
    path: Path,
    lines: int,
    database_url: str,
    folder: Path,
    server_cpu: Callable[[], float] | None = None,
    options: Sequence[str] = (),
) -> Fill:
    """`ceksilang import [OPTIONS] PATH` into a migrated database, timed from start to exit; with
    `server_cpu` (the database server's processor time so far), what the server took meanwhile."""
    out_path, err_path = folder / "import.out", folder / "import.err"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        server_before = server_cpu() if server_cpu else 0.0
        started = time.perf_counter()
        process = subprocess.Popen(
            [str(BIN / "ceksilang"), "import", *options, str(path)], env=command_env(database_url),
            cwd=folder, stdout=out, stderr=err,
        )  # fmt: skip
        try:
            # wait4 gives this child's own rusage; RUSAGE_CHILDREN would mix in every earlier child.
            _, status, usage = os.wait4(process.pid, 0)
        except BaseException:
            process.kill()
            process.wait()
            raise
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        server_cpu_s = server_cpu() - server_before if server_cpu else None
    said = out_path.read_text(encoding="utf-8", errors="replace")
    found, cpu = IMPORT_LINE.search(said), CPU_LINE.search(said)
    if process.returncode != 0 or found is None or cpu is None:
        errors = err_path.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise RuntimeError(f"ceksilang import failed ({process.returncode}):\n{said[-2000:]}\n{errors}")
    stored, already, rejected = (int(n) for n in found.groups())
    storing, reading = map(float, cpu.groups())
    writing = WRITING_LINE.search(said)
    peak_mb = usage.ru_maxrss / 1024  # Linux gives ru_maxrss in kilobytes
    return Fill(lines, stored, already, rejected, seconds, peak_mb, storing, reading, server_cpu_s,
                float(writing.group(1)) if writing else 0.0)  # fmt: skip


def count_claims(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM claims")).scalar_one())
    finally:
        engine.dispose()


class Databases:
    """Fresh databases for the runs: SQLite files, or databases on one PostgreSQL server (the one
    --pg names, or a private cluster started on first use), each dropped when done."""

    def __init__(self, stack: ExitStack, pg_url: str | None, echo: Echo) -> None:
        self.stack = stack
        self.pg_url = pg_url
        self.echo = echo
        self.postgres_version: str | None = None
        # The private cluster's processor time so far (None for SQLite, or a server --pg names).
        self.server_cpu: Callable[[], float] | None = None

    @contextlib.contextmanager
    def fresh(self, kind: str, name: str, folder: Path) -> Iterator[str]:
        """A new, empty database: SQLite in `folder`, or PostgreSQL."""
        if kind == "sqlite":
            path = folder / f"{name}.db"
            for leftover in (path, path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")):
                leftover.unlink(missing_ok=True)
            yield f"sqlite:///{path}"
            return
        server = self._postgres()
        database = f"ceksilang_bench_{name.replace('-', '_')}_{uuid.uuid4().hex[:8]}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{database}"'))
            try:
                yield make_url(server).set(database=database).render_as_string(hide_password=False)
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        finally:
            admin.dispose()

    def _postgres(self) -> str:
        if self.pg_url is None:
            from tests.support import PostgresCluster

            cluster = PostgresCluster()
            self.stack.callback(cluster.remove)
            cluster.start()
            self.pg_url = cluster.url
            self.server_cpu = lambda: process_tree_cpu_seconds(cluster.pid)
            self.echo(f"PostgreSQL: a private cluster on 127.0.0.1:{cluster.port} (fsync off)")
        if self.postgres_version is None:
            engine = create_engine(self.pg_url)
            with engine.connect() as conn:
                self.postgres_version = str(conn.execute(text("SHOW server_version")).scalar_one())
            engine.dispose()
            self.echo(f"PostgreSQL {self.postgres_version}")
        return self.pg_url


@contextlib.contextmanager
def sigterm_unwinds() -> Iterator[None]:
    """While inside, a SIGTERM unwinds like Ctrl-C, so the servers and clusters started there stop."""

    def leave(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, leave)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def report(
    claims: int,
    db: str,
    seed: int,
    pg_url: str | None,
    workdir: Path | None,
    echo: Echo,
    options: Sequence[str] = (),
) -> dict[str, Any]:
    """`options` are given to `ceksilang import` (its `--batch-size`, `--writer`), for runs side by side."""
    with ExitStack() as stack:
        stack.enter_context(sigterm_unwinds())
        folder = workdir or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ceksilang-import-")))
        folder.mkdir(parents=True, exist_ok=True)
        databases = Databases(stack, pg_url, echo)
        path = folder / f"claims-{claims}-{seed}.jsonl"
        started = time.perf_counter()
        lines = write_claims(path, Corpus(seed, claims))
        echo(f"{lines:,} claims written to {path.name} ({time.perf_counter() - started:.1f} s, not timed)")
        with databases.fresh(db, f"import-{claims}-{seed}", folder) as url:
            migrate(url, folder)
            fill = run_import(path, lines, url, folder, databases.server_cpu, options)
            in_database = count_claims(url)
        echo("")
        if options:
            echo(f"ceksilang import {' '.join(options)}")
        echo(f"{'claims':>10} {'db':<9} {'stored':>10} {'repeats':>8} {'rejected':>8} {'seconds':>9} "
             f"{'claims/s':>9} {'peak MB':>8} {'storing µs':>10} {'reading µs':>10} "
             f"{'writing µs':>10} {'server µs':>9}")  # fmt: skip
        storing_us = fill.cpu_us_per_line(fill.storing_cpu_s)
        reading_us = fill.cpu_us_per_line(fill.reading_cpu_s)
        writing_us = fill.cpu_us_per_line(fill.writing_cpu_s)
        server_us = None if fill.server_cpu_s is None else fill.cpu_us_per_line(fill.server_cpu_s)
        server = "-" if server_us is None else f"{server_us:.0f}"
        echo(f"{claims:>10,} {db:<9} {fill.stored:>10,} {fill.already_stored:>8,} {fill.rejected:>8,} "
             f"{fill.seconds:>9.1f} {fill.claims_per_s:>9.1f} {fill.peak_rss_mb:>8.1f} "
             f"{storing_us:>10.0f} {reading_us:>10.0f} {writing_us:>10.0f} {server:>9}")  # fmt: skip
        echo(
            "(storing µs, reading µs, writing µs, server µs: processor time a line, of the importing"
            " process, of its readers, of its writing process, and of the PostgreSQL server it ran when"
            " the bench started that server)"
        )
        warn_about(fill, in_database, folder, echo)
    line = {
        "claims": claims, "db": db, "seed": seed, **asdict(fill), "seconds": round(fill.seconds, 2),
        "claims_per_s": round(fill.claims_per_s, 1), "peak_rss_mb": round(fill.peak_rss_mb, 1),
        "claims_in_database": in_database,
        "storing_cpu_us_per_claim": round(storing_us, 1), "reading_cpu_us_per_claim": round(reading_us, 1),
        "writing_cpu_us_per_claim": round(writing_us, 1),
        "server_cpu_us_per_claim": None if server_us is None else round(server_us, 1),
        "import_options": list(options),
    }  # fmt: skip
    if databases.postgres_version:
        line["postgres"] = databases.postgres_version
    echo(json.dumps(line))
    return line


def warn_about(fill: Fill, in_database: int, folder: Path, echo: Echo) -> None:
    """Rejected lines and a store that holds other than what the import says it stored."""
    if fill.rejected:
        echo(f"WARNING: {fill.rejected:,} lines rejected; the first of them:")
        for said in (folder / "import.err").read_text(errors="replace").splitlines()[:5]:
            echo(f"  {said}")
    if in_database != fill.stored:
        echo(f"WARNING: the import said {fill.stored:,} stored, the database holds {in_database:,} claims")
