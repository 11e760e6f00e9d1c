"""`bench/dump.py` on a small store: the answers it dumps are POST's, and its figures add up."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.dump import fields_in

ROOT = Path(__file__).resolve().parents[2]


def test_fields_are_counted_where_they_are_nested() -> None:
    assert fields_in({"a": 1, "b": None, "c": {"d": "x", "e": [1, 2, {"f": 3}]}, "g": []}) == 6


def test_bench_dump_times_answers_of_many_fields_each() -> None:
    command = [sys.executable, str(ROOT / "bench" / "dump.py"), "--stored", "400", "--answers", "12"]
    run = subprocess.run([*command, "--rounds", "2"], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    assert (figures["stored"], figures["answers"]) == (400, 12)
    assert figures["fields_median"] > 40  # a claim, its group and what it meets, each of many fields
    assert 0 < figures["dump_median_ms"] <= figures["dump_p99_ms"]
    assert 0 < figures["us_per_field"] < 1000 * figures["dump_p99_ms"]
