"""`bench api`'s pieces that need no server: the access log read, the bodies wrk sends, wrk's line."""

from __future__ import annotations

import json

import pytest

from bench.api import (
    LUA,
    claim_key,
    error_lines,
    new_bodies,
    read_access_log,
    read_wrk,
    vm_hwm_kb,
    write_bodies,
    write_script,
)
from bench.generator import Corpus


def _access(method: str, path: str, status: int, ms: float) -> str:
    entry = {"time": "2026-11-01T10:00:00.000Z", "level": "info", "logger": "gunicorn.access"}
    return json.dumps({**entry, "method": method, "path": path, "status": status, "duration_ms": ms})


def test_the_access_log_gives_the_time_of_answered_posts_and_counts_every_other_status() -> None:
    lines = [
        "database at revision head: sqlite:///x.db",
        "[2026-11-01 10:00:00 +0000] [41] [INFO] Booting worker with pid: 42",
        json.dumps({"level": "warning", "logger": "ceksilang", "message": "no API keys are set"}),
        _access("GET", "/readyz", 200, 1.0),
        _access("POST", "/documents", 201, 900.0),
        _access("POST", "/claims", 201, 20.0),
        _access("POST", "/claims", 201, 40.0),
        _access("POST", "/claims", 200, 30.0),
        _access("POST", "/claims", 409, 5.0),
        _access("POST", "/claims", 503, 15000.0),
        "{not json",
    ]
    posts = read_access_log(lines)
    assert posts.durations_ms == [20.0, 40.0, 30.0]
    assert posts.statuses == {201: 2, 200: 1, 409: 1, 503: 1}
    assert posts.failed == 2
    assert posts.server_errors == 1
    assert posts.median_ms() == 30.0


def test_the_p99_of_a_hundred_posts_is_the_ninety_ninth_and_an_empty_log_has_none() -> None:
    posts = read_access_log([_access("POST", "/claims", 201, float(ms)) for ms in range(100, 0, -1)])
    assert posts.median_ms() == 50.5
    assert posts.p99_ms() == 99.0
    empty = read_access_log([])
    assert empty.median_ms() is None and empty.p99_ms() is None and empty.failed == 0


def test_new_bodies_repeat_neither_a_stored_claim_nor_each_other() -> None:
    corpus = Corpus(3, 3000)
    stored = {hash(claim_key(c.body())) for c in corpus.claims()}
    bodies = new_bodies(corpus, 2000, seed=4, stored=stored)
    keys = [claim_key(b) for b in bodies]
    assert len(bodies) == 2000
    assert len(set(keys)) == len(keys)
    assert not stored & {hash(k) for k in keys}
    assert len({json.dumps(b, sort_keys=True) for b in bodies}) == len(bodies)


def test_a_claim_said_in_other_case_or_spacing_is_the_same_claim_to_the_key() -> None:
    body = Corpus(3, 10).queries(1)[0].body()
    shouted = {**body, "subject": "  " + body["subject"].upper().replace(" ", "  "),
               "source": {"name": body["source"]["name"].upper()}}  # fmt: skip
    assert claim_key(shouted) == claim_key(body)
    assert claim_key({**body, "value": body["value"] + "0"}) != claim_key(body)


def test_each_wrk_thread_gets_a_file_of_its_own_and_no_body_is_in_two(tmp_path) -> None:
    bodies = new_bodies(Corpus(3, 1000), 501, seed=4, stored=set())
    paths = write_bodies(tmp_path / "bodies", bodies, threads=2)
    assert [p.name for p in paths] == ["bodies-0.jsonl", "bodies-1.jsonl"]
    read = [[json.loads(line) for line in p.read_text(encoding="utf-8").splitlines()] for p in paths]
    assert [len(r) for r in read] == [251, 250]
    sent = [json.dumps(b, sort_keys=True) for r in read for b in r]
    assert len(set(sent)) == 501
    assert sorted(sent) == sorted(json.dumps(b, sort_keys=True) for b in bodies)


def test_the_script_reads_the_files_the_bench_writes_and_posts_them_to_claims(tmp_path) -> None:
    script = write_script(tmp_path).read_text(encoding="utf-8")
    assert script == LUA
    assert '"/bodies-" .. id .. ".jsonl"' in script
    assert 'wrk.format("POST", "/claims", headers' in script
    assert '["Content-Type"] = "application/json"' in script
    assert "bench-api: {" in script  # the line read_wrk reads


def test_wrk_line_is_read_and_its_absence_is_an_error() -> None:
    output = (
        "Running 5s test @ http://127.0.0.1:1/claims\n  2 threads and 8 connections\n"
        'bench-api: {"requests": 320, "duration_us": 5000000, "sent": 328, "repeats": 0, "connect": 0, '
        '"read": 0, "write": 0, "status": 1, "timeout": 0, "p50_us": 87000, "p99_us": 1200000}\n'
    )
    figures = read_wrk(output)
    assert figures["requests"] == 320 and figures["status"] == 1 and figures["p99_us"] == 1_200_000
    with pytest.raises(RuntimeError, match="wrk said nothing"):
        read_wrk("Running 5s test @ http://127.0.0.1:1/claims\n")


def test_a_worker_peak_memory_is_its_vmhwm_line() -> None:
    status = "Name:\tgunicorn\nVmPeak:\t  300000 kB\nVmHWM:\t   91234 kB\nVmRSS:\t   90000 kB\n"
    assert vm_hwm_kb(status) == 91234
    with pytest.raises(ValueError):
        vm_hwm_kb("Name:\tkthreadd\n")


def test_error_lines_of_the_server_log_are_picked_out() -> None:
    log = "\n".join([
        json.dumps({"level": "info", "logger": "ceksilang", "message": "fine"}),
        json.dumps({"level": "error", "logger": "ceksilang", "message": "database away"}),
        "[2026-11-01 10:00:00 +0000] [41] [CRITICAL] WORKER TIMEOUT (pid:42)",
        "Traceback (most recent call last):",
    ])  # fmt: skip
    assert len(error_lines(log)) == 3
