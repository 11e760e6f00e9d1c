"""`ceksilang bench import` on a thousand claims: the real import into SQLite, timed and measured."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from bench.imports import process_tree_cpu_seconds
from service.cli import main
from tests.support import postgres_bin


def test_bench_import_counts_what_the_store_holds_and_measures_the_import(tmp_path) -> None:
    result = CliRunner().invoke(main, ["bench", "import", "--claims", "1000", "--workdir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert (figures["claims"], figures["db"], figures["lines"]) == (1000, "sqlite", 1000)
    assert figures["rejected"] == 0
    assert figures["stored"] + figures["already_stored"] == 1000
    assert figures["stored"] > 990  # a generated claim rarely repeats another at this size
    assert figures["claims_in_database"] == figures["stored"]
    assert figures["seconds"] > 0
    assert figures["claims_per_s"] == pytest.approx(1000 / figures["seconds"], rel=0.01)
    assert 30 < figures["peak_rss_mb"] < 2000  # a Python process with the service loaded, not this one
    # Processor time a line, from the command's start (the store migrated, the reader started):
    # over a thousand lines both are well above nothing.
    assert figures["storing_cpu_us_per_claim"] > 100 and figures["reading_cpu_us_per_claim"] > 10
    assert figures["storing_cpu_us_per_claim"] * 1000 / 1e6 < figures["seconds"] * 2  # two cores at most
    assert figures["server_cpu_us_per_claim"] is None  # SQLite runs in the importing process
    assert figures["writing_cpu_us_per_claim"] > 10  # the import's writing process wrote the batch
    assert figures["import_options"] == []
    assert "WARNING" not in result.output
    assert "storing µs" in result.output

    engine = create_engine(f"sqlite:///{tmp_path}/import-1000-7.db")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM claims")).scalar_one() == figures["stored"]
    engine.dispose()
    lines = (tmp_path / "claims-1000-7.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1000 and all(json.loads(line)["subject"] for line in lines)


def test_bench_import_hands_its_options_to_the_import(tmp_path) -> None:
    args = [
        "bench",
        "import",
        "--claims",
        "600",
        "--workdir",
        str(tmp_path),
        "--batch-size",
        "250",
        "--no-writer",
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert figures["import_options"] == ["--batch-size", "250", "--no-writer"]
    assert "ceksilang import --batch-size 250 --no-writer" in result.output
    assert figures["writing_cpu_us_per_claim"] == 0  # no writing process: stored where matched
    assert figures["claims_in_database"] == figures["stored"] > 590


@pytest.mark.skipif(postgres_bin() is None, reason="PostgreSQL's server binaries are not installed")
def test_bench_import_on_postgresql_measures_the_servers_processor_time_too(tmp_path) -> None:
    args = ["bench", "import", "--claims", "1000", "--db", "postgres", "--workdir", str(tmp_path)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert figures["db"] == "postgres" and figures["claims_in_database"] == figures["stored"] > 990
    # The server parsed, stored and indexed every row (some 150 µs a line at this size): its time is
    # counted whole, backend and all, and is no more than two cores could give over the import.
    assert figures["server_cpu_us_per_claim"] > 50
    assert figures["server_cpu_us_per_claim"] * 1000 / 1e6 < figures["seconds"] * 2


BURN = """
import sys, time
end = time.process_time() + float(sys.argv[1])
while time.process_time() < end:
    pass
print("burnt", flush=True)
time.sleep(60)
"""


def test_a_process_trees_processor_time_counts_its_children_running_and_ended() -> None:
    me = os.getpid()
    own = resource.getrusage(resource.RUSAGE_SELF)
    before = process_tree_cpu_seconds(me)
    assert before >= own.ru_utime + own.ru_stime - 0.05  # its own, in clock ticks
    child = subprocess.Popen([sys.executable, "-c", BURN, "0.5"], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline() == "burnt\n"
        running = process_tree_cpu_seconds(me)
        assert running - before >= 0.45  # a child still running
    finally:
        child.kill()
        child.wait()
    ended = process_tree_cpu_seconds(me)
    assert ended - before >= 0.45  # waited for: now in this process's children's time
    assert ended - before < running - before + 0.5
