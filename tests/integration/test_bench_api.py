"""`ceksilang bench api` on a small store: the real import, gunicorn and wrk, a run per number of
connections. Skipped only where Debian's wrk is not installed (make test installs
it as root: .ci/debian-packages)."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from service.cli import main

pytestmark = pytest.mark.skipif(
    shutil.which("wrk") is None, reason="wrk is not installed (apt-get install wrk)"
)


def test_bench_api_measures_each_number_of_connections_on_claims_no_run_sent_before(tmp_path) -> None:
    argv = ["bench", "api", "--db", "sqlite", "--sizes", "1500", "--duration", "2", "--connections", "1,3",
            "--workers", "2", "--workdir", str(tmp_path)]  # fmt: skip
    result = CliRunner().invoke(main, argv)
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert figures["connections"] == [1, 3]
    sqlite = figures["sizes"]["1500"]["sqlite"]
    runs = sqlite["by_connections"]
    assert set(runs) == {"1", "3"}
    for run in runs.values():
        assert run["statuses"].keys() == {"201"}  # every body new: none repeated within or across runs
        assert run["stored"] == run["statuses"]["201"] > 0
        assert run["server_errors"] == 0 and run["socket_errors"] == {}
        assert 0 < run["median_ms"] <= run["p99_ms"]
        assert run["repeats_sent"] == 0
    assert sqlite["median_ms"] == runs["3"]["median_ms"]  # the top-level figures are the last run's
    table = [line.split() for line in result.output.splitlines() if line.strip().startswith("1,500")]
    assert [row[3] for row in table] == ["1", "3"]


@pytest.mark.parametrize("connections", ["0,8", "8,8", "1.5", "eight", ""])
def test_bench_api_refuses_connections_it_cannot_run(connections: str) -> None:
    result = CliRunner().invoke(main, ["bench", "api", "--connections", connections])
    assert result.exit_code == 2
    assert "--connections" in result.output
