"""Real servers for the tests: gunicorn started the way the container starts it, and PostgreSQL.

Nothing here is mocked: `Server` runs `boot.sh` (migrations, then gunicorn with the production
config) as a child process group; `PostgresCluster` runs a private PostgreSQL from the machine's
Debian packages on a free loopback port; `fresh_database` hands out an empty database of the kind
the suite runs against (SQLite by default, PostgreSQL with CEKSILANG_TEST_DATABASE_URL).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any


def call(
    base: str,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> Reply:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        base + path, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
            kind = response.headers.get("Content-Type", "")
            return Reply(response.status, dict(response.headers), json.loads(raw) if "json" in kind else raw)
    except urllib.error.HTTPError as error:
        raw = error.read()
        kind = error.headers.get("Content-Type", "")
        return Reply(error.code, dict(error.headers), json.loads(raw) if "json" in kind and raw else raw)


# --- databases ---------------------------------------------------------------------------------


def suite_database_url() -> str | None:
    return os.environ.get("CEKSILANG_TEST_DATABASE_URL") or None


@contextlib.contextmanager
def fresh_database(tmp_path: Path) -> Iterator[str]:
    """An empty database, not migrated: a new SQLite file, or a new database on the suite's PostgreSQL."""
    suite = suite_database_url()
    if not suite or not suite.startswith("postgresql"):
        yield f"sqlite:///{tmp_path}/{uuid.uuid4().hex[:8]}.db"
        return
    name = f"ceksilang_{uuid.uuid4().hex[:12]}"
    admin = create_engine(suite, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(suite).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class Exchanges:
    """How many times the clients of a PostgreSQL engine sent something and then waited for the
    server's answer, while counting (`count_exchanges`): read from libpq's trace of the protocol of
    each connection checked out meanwhile (F: the client's messages, B: the server's)."""

    def __init__(self) -> None:
        self.count = 0


@contextlib.contextmanager
def count_exchanges(engine: Any) -> Iterator[Exchanges]:
    from psycopg import pq
    from sqlalchemy import event

    counted = Exchanges()
    traces: dict[int, Any] = {}
    files = contextlib.ExitStack()

    def checked_out(driver: Any, _record: Any, _proxy: Any) -> None:
        # Kept open from the checkout to the checkin; closed when counting ends.
        trace = traces[id(driver)] = files.enter_context(tempfile.TemporaryFile("w+"))  # noqa: SIM115
        driver.pgconn.trace(trace.fileno())
        driver.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)

    def checked_in(driver: Any, _record: Any) -> None:
        trace = traces.pop(id(driver), None)
        if trace is None:
            return
        driver.pgconn.untrace()
        trace.seek(0)
        sides = [line.split("\t")[0] for line in trace.read().splitlines()]
        counted.count += sum(1 for pair in itertools.pairwise(sides) if pair == ("F", "B"))

    event.listen(engine, "checkout", checked_out)
    event.listen(engine, "checkin", checked_in)
    try:
        with files:
            yield counted
    finally:
        event.remove(engine, "checkout", checked_out)
        event.remove(engine, "checkin", checked_in)


@contextlib.contextmanager
def statements_run(engine: Any) -> Iterator[list[str]]:
    """The SQL of every statement the driver runs on the engine's connections checked out
    meanwhile, in order, however it is run (through SQLAlchemy, or on the driver's own cursor:
    `storage.driver.Query`): SQLite's own trace of what it runs (BEGIN and COMMIT among them, the
    parameters' values written in); on PostgreSQL, what psycopg's client-side cursors are asked to
    run (a server-side cursor is not one of them: a test that looks for one counts the reads)."""
    from sqlalchemy import event

    run: list[str] = []
    is_sqlite = engine.dialect.name == "sqlite"
    cursors: dict[int, Any] = {}

    def checked_out(driver: Any, _record: Any, _proxy: Any) -> None:
        if is_sqlite:
            driver.set_trace_callback(run.append)
            return
        cursors[id(driver)] = driver.cursor_factory

        class Recorded(driver.cursor_factory):  # type: ignore[name-defined,misc]
            def execute(self, query: Any, *args: Any, **kwargs: Any) -> Any:
                run.append(str(query))
                return super().execute(query, *args, **kwargs)

            def executemany(self, query: Any, *args: Any, **kwargs: Any) -> Any:
                run.append(str(query))
                return super().executemany(query, *args, **kwargs)

        driver.cursor_factory = Recorded

    def checked_in(driver: Any, _record: Any) -> None:
        if driver is None:
            return
        if is_sqlite:
            driver.set_trace_callback(None)
        elif id(driver) in cursors:
            driver.cursor_factory = cursors.pop(id(driver))

    event.listen(engine, "checkout", checked_out)
    event.listen(engine, "checkin", checked_in)
    try:
        yield run
    finally:
        event.remove(engine, "checkout", checked_out)
        event.remove(engine, "checkin", checked_in)


def postgres_bin() -> Path | None:
    """The newest PostgreSQL server binaries from Debian's packages, if installed."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    return found[-1].parent if found else None


class PostgresCluster:
    """A private PostgreSQL on a free loopback port, in a temporary directory; trust auth, no password.

    PostgreSQL refuses to run as root: then the server runs as the `postgres` user the Debian
    package creates (or `nobody`).
    """

    def __init__(self) -> None:
        bindir = postgres_bin()
        if bindir is None:
            raise RuntimeError("PostgreSQL server binaries not found under /usr/lib/postgresql")
        self.bin = bindir
        # Its own directory that the server's user can reach (a test's tmp_path may be private).
        self.folder = Path(tempfile.mkdtemp(prefix="ceksilang-pg-"))
        self.folder.chmod(0o755)
        folder = self.folder
        self.data = folder / "data"
        self.port = free_port()
        self.user: str | None = None
        if os.geteuid() == 0:
            self.user = next(u for u in ("postgres", "nobody") if _user_exists(u))
        folder.mkdir(parents=True, exist_ok=True)
        self.log = folder / "postgres.log"
        if self.user:
            ids = pwd.getpwnam(self.user)
            os.chown(folder, ids.pw_uid, ids.pw_gid)
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "ceksilang", "--no-sync", "-E", "UTF8")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://ceksilang@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    @property
    def pid(self) -> int:
        """The server's first process (the postmaster), which starts every other: the first line
        of its pid file."""
        return int((self.data / "postmaster.pid").read_text().split("\n", 1)[0])

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _run(self, program: str, *args: str) -> None:
        argv = [str(self.bin / program), *args]
        if self.user:
            argv = ["runuser", "-u", self.user, "--", *argv]
        done = subprocess.run(argv, capture_output=True, text=True, cwd=self.folder)
        if done.returncode != 0:
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr or done.stdout}")


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


# --- gunicorn, as the container runs it --------------------------------------------------------


@dataclass
class Server:
    """`boot.sh` with the given environment: migrations, then gunicorn with service/gunicorn_conf.py."""

    database_url: str
    folder: Path
    workers: int = 2
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.folder / f"server-{self.port}.log"

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CEKSILANG_", "PROMETHEUS_"))}
        env.update(
            {
                "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
                "CEKSILANG_DATABASE_URL": self.database_url,
                "GUNICORN_BIND": f"127.0.0.1:{self.port}",
                "WEB_CONCURRENCY": str(self.workers),
                "CEKSILANG_RATE_LIMIT_READS": "",
                "CEKSILANG_RATE_LIMIT_WRITES": "",
            }
        )
        env.update(self.env)
        return env

    def start(self, *, wait: bool = True) -> Server:
        self.folder.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 (closed with the process)
        self.process = subprocess.Popen(
            ["sh", str(ROOT / "boot.sh")], env=self.environment(), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True, cwd=self.folder,
        )  # fmt: skip
        log.close()
        if wait:
            self.wait_until_ready()
        return self

    def wait_until_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log()}")
            with contextlib.suppress(OSError):
                if call(self.base, "GET", "/readyz", timeout=5).status == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"server not ready after {timeout} s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def worker_pids(self) -> list[int]:
        """The gunicorn master's children: its workers."""
        assert self.process is not None
        master = self.process.pid
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError):
                # pid (comm) state ppid ...: comm may hold spaces, so split after its ")".
                fields = stat.read_text().rpartition(")")[2].split()
                if int(fields[1]) == master:
                    pids.append(int(stat.parent.name))
        return sorted(pids)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        return self.process.returncode


def have(program: str) -> bool:
    return shutil.which(program) is not None


@contextlib.contextmanager
def seeded_server(folder: Path, workers: int = 2) -> Iterator[str]:
    """`ceksilang serve --seed`, as `make run` starts it, on a free port; yields its base URL."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CEKSILANG_")}
    env["CEKSILANG_DATABASE_URL"] = f"sqlite:///{folder}/seeded.db"
    log = open(folder / "server.log", "w+")  # noqa: SIM115 (closed with the process)
    process = subprocess.Popen(
        [str(BIN / "ceksilang"), "serve", "--seed", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers)],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError):
                if call(base, "GET", "/readyz", timeout=5).status == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise RuntimeError(f"server did not start:\n{log.read()}")
            time.sleep(0.2)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()
