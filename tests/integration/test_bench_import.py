"""`ceksilang bench import` on a thousand claims: the real import into SQLite, timed and measured."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from service.cli import main


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
    assert "WARNING" not in result.output
    assert "storing µs" in result.output

    engine = create_engine(f"sqlite:///{tmp_path}/import-1000-7.db")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM claims")).scalar_one() == figures["stored"]
    engine.dispose()
    lines = (tmp_path / "claims-1000-7.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1000 and all(json.loads(line)["subject"] for line in lines)
