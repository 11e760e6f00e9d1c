"""What the image runs, run here: the entry script, the gunicorn config, migrations, the compose file.

No Docker engine is needed: `boot.sh` is started as the container starts it, with the image's
environment (production, JSON logs, a key), against an empty or an existing database.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine, inspect, text

from service.storage.migrate import head_revision
from tests.support import ROOT, Server, call, fresh_database

pytestmark = pytest.mark.e2e
PRODUCTION = {"CEKSILANG_ENV": "production", "CEKSILANG_LOG_FORMAT": "json", "CEKSILANG_API_KEYS": "desk-key"}
KEY = {"Authorization": "Bearer desk-key"}


def _claim(i: int) -> dict:
    return {
        "subject": "jumlah korban banjir bandang Garut",
        "value": f"{10 + i} orang",
        "source": {"name": f"outlet {i}"},
        "as_of": "2022-10-13",
    }


def test_boot_migrates_an_empty_database_then_serves_with_the_production_config(tmp_path: Path) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    with fresh_database(tmp_path) as url:
        server = Server(url, tmp_path, workers=2, env={**PRODUCTION, "TMPDIR": str(scratch)}).start()
        try:
            assert [p.name.startswith("ceksilang-metrics-") for p in scratch.iterdir()] == [True]
            ready = call(server.base, "GET", "/readyz")
            assert ready.body["revision"] == head_revision()
            assert call(server.base, "POST", "/claims", _claim(0)).status == 401
            posted = call(
                server.base, "POST", "/claims", _claim(0), headers={**KEY, "X-Request-ID": "boot-1"}
            )
            assert posted.status == 201 and posted.headers["X-Request-ID"] == "boot-1"
            for _ in range(20):
                assert call(server.base, "GET", "/claims").status == 200
            metrics = call(server.base, "GET", "/metrics").body.decode()
        finally:
            assert server.stop(signal.SIGTERM) == 0  # a graceful stop
        assert list(scratch.iterdir()) == []  # the counters' files went with the server
        # Counters of both workers together (a worker alone would see about half).
        gets = re.search(
            r'ceksilang_http_requests_total\{method="GET",route="/claims",status="200"\} (\S+)', metrics
        )
        assert gets and float(gets.group(1)) == 20
        assert re.search(r"^ceksilang_claims 1\.0$", metrics, re.MULTILINE)
        access = [json.loads(line) for line in server.log().splitlines() if line.startswith('{"time"')]
        mine = [entry for entry in access if entry.get("request_id") == "boot-1"]
        assert (
            mine and mine[0]["method"] == "POST" and mine[0]["status"] == 201 and mine[0]["path"] == "/claims"
        )
        assert "desk-key" not in server.log()


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            if int(stat.read_text().rpartition(")")[2].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def test_masters_of_a_usr2_upgrade_each_remove_their_own_counters_directory(tmp_path: Path) -> None:
    """USR2 starts a new master beside the old one, with the environment gunicorn started with: it
    counts into a directory of its own. Each master removes its own when it stops, and only its own."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    with fresh_database(tmp_path) as url:
        server = Server(url, tmp_path, workers=1, env={**PRODUCTION, "TMPDIR": str(scratch)}).start()
        try:
            assert server.process is not None
            old = server.process.pid
            server.process.send_signal(signal.SIGUSR2)
            deadline = time.monotonic() + 30
            successor = None
            while successor is None and time.monotonic() < deadline:
                # the new master is the old one's child that has workers of its own
                successor = next((pid for pid in _children(old) if _children(pid)), None)
                time.sleep(0.1)
            assert successor is not None
            os.kill(old, signal.SIGTERM)
            assert server.process.wait(timeout=30) == 0
            assert call(server.base, "GET", "/readyz").status == 200  # the new master, same socket
            assert len(list(scratch.iterdir())) == 1  # the old master's went with it
            os.kill(successor, signal.SIGTERM)
            deadline = time.monotonic() + 30
            while Path(f"/proc/{successor}").exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            assert not Path(f"/proc/{successor}").exists()
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(old, signal.SIGKILL)
        assert list(scratch.iterdir()) == []


def test_boot_on_an_existing_database_keeps_its_claims(tmp_path: Path) -> None:
    with fresh_database(tmp_path) as url:
        first = Server(url, tmp_path, env=PRODUCTION).start()
        claim_id = call(first.base, "POST", "/claims", _claim(1), headers=KEY).body["claim"]["id"]
        first.stop()
        second = Server(url, tmp_path, env=PRODUCTION).start()
        try:
            assert call(second.base, "GET", f"/claims/{claim_id}").body["value"]["low"] == 11
            assert call(second.base, "GET", "/claims").body["total"] == 1
        finally:
            second.stop()


def test_production_without_keys_refuses_to_start(tmp_path: Path) -> None:
    with fresh_database(tmp_path) as url:
        server = Server(url, tmp_path, env={"CEKSILANG_ENV": "production"}).start(wait=False)
        assert server.process is not None
        code = server.process.wait(timeout=60)
        assert code != 0
        assert "refusing to start in production without API keys" in server.log()


def test_containers_starting_together_migrate_once(tmp_path: Path) -> None:
    for _ in range(3):
        with fresh_database(tmp_path) as url:
            env = Server(url, tmp_path).environment()

            argv = ["ceksilang", "db", "upgrade"]
            with ThreadPoolExecutor(max_workers=3) as pool:
                runs = [
                    pool.submit(subprocess.run, argv, env=env, capture_output=True, text=True, timeout=120)
                    for _ in range(3)
                ]
                results = [run.result() for run in runs]
            assert [r.returncode for r in results] == [0, 0, 0], [r.stderr[-2000:] for r in results]
            engine = create_engine(url)
            with engine.connect() as conn:
                versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
            assert versions == [head_revision()]
            assert {"claims", "groups", "documents"} <= set(inspect(engine).get_table_names())
            engine.dispose()


def test_the_compose_file_runs_the_service_against_a_healthy_postgres() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    api, db = compose["services"]["api"], compose["services"]["db"]
    assert api["depends_on"]["db"]["condition"] == "service_healthy"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert any(v.startswith("pgdata:") for v in db["volumes"]) and "pgdata" in compose["volumes"]
    assert api["environment"]["CEKSILANG_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert "@db:5432/" in api["environment"]["CEKSILANG_DATABASE_URL"]


def test_the_image_runs_the_entry_script_as_a_non_root_user() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^USER 10001$", dockerfile, re.MULTILINE)
    assert 'ENTRYPOINT ["./boot.sh"]' in dockerfile
    assert "--require-hashes" in dockerfile and "requirements.lock" in dockerfile
    assert "/healthz" in dockerfile.split("HEALTHCHECK", 1)[1]
