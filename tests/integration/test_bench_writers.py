"""`bench/writers.py` on a small store: every POST is timed through one writer or the other, both
kinds are drawn, and the figures add up."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import postgres_bin

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(postgres_bin() is None, reason="PostgreSQL's server binaries are not installed")
def test_bench_writers_times_posts_through_pipelined_and_plain_writers() -> None:
    command = [sys.executable, str(ROOT / "bench" / "writers.py"), "--stored", "500", "--posts", "40"]
    run = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    assert figures["stored"] > 490 and figures["posts"] == 40
    pipelined, plain = figures["pipelined"], figures["plain"]
    assert pipelined["posts"] + plain["posts"] == 40 and min(pipelined["posts"], plain["posts"]) >= 5
    for mode in (pipelined, plain):
        assert 0 < mode["median_ms"] <= mode["p90_ms"] and mode["cpu_median_ms"] > 0
    # The lock and BEGIN ride with the first read, the verdict with the COMMIT, at least.
    assert 0 < pipelined["exchanges_median"] <= plain["exchanges_median"] - 2
    assert figures["median_ratio"] == round(pipelined["median_ms"] / plain["median_ms"], 3)
