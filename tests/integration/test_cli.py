"""The `ceksilang` commands, on a real database file."""

from __future__ import annotations

import gc
import json
import multiprocessing
import re
from concurrent.futures import ProcessPoolExecutor

import pytest
from click.testing import CliRunner

from service.cli import SEEDS_DIR, main


@pytest.fixture
def env(tmp_path, monkeypatch) -> dict[str, str]:
    url = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("CEKSILANG_DATABASE_URL", url)
    monkeypatch.delenv("CEKSILANG_API_KEYS", raising=False)
    return {"CEKSILANG_DATABASE_URL": url}


def _claims(url: str) -> list[dict]:
    from service.app import create_app
    from service.config import Config

    config = Config()
    config.DATABASE_URL = url
    app = create_app(config)
    body = app.test_client().get("/claims?per_page=100&include_retracted=true").get_json()
    app.extensions["ceksilang"].db.dispose()
    return body["items"]


def test_seeding_the_articles_twice_reads_them_once(env) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    first = runner.invoke(main, ["seed"])
    second = runner.invoke(main, ["seed"])
    assert first.exit_code == 0 and "5 articles read, 0 already read" in first.output
    assert second.exit_code == 0 and "0 articles read, 5 already read" in second.output
    stored = _claims(env["CEKSILANG_DATABASE_URL"])
    assert stored and all(c["document"] is not None for c in stored)
    assert len(stored) == int(first.output.split(", ")[-1].split()[0])


def test_seeding_the_hand_read_claims_twice_stores_them_once(env) -> None:
    runner = CliRunner()
    first = runner.invoke(main, ["seed", "--claims"])
    second = runner.invoke(main, ["seed", "--claims"])
    expected = len(json.loads((SEEDS_DIR / "claims.json").read_text(encoding="utf-8")))
    assert first.exit_code == 0 and f"{expected} stored" in first.output
    assert second.exit_code == 0
    assert f"0 stored, {expected} already stored" in second.output
    assert len(_claims(env["CEKSILANG_DATABASE_URL"])) == expected


def test_import_stores_good_lines_and_reports_bad_ones_by_line_number(env, tmp_path) -> None:
    good = {
        "subject": "jumlah pengungsi banjir di Demak",
        "value": "sekitar 20.000 orang",
        "source": {"name": "Antara"},
    }
    other = {**good, "value": "21.000 orang", "source": {"name": "Kompas.com"}}
    lines = [
        json.dumps(good),
        "{broken json",
        json.dumps({**good, "value": "banyak sekali"}),
        "",
        json.dumps({**good, "source": {}}),
        json.dumps(other),
        json.dumps(good),
        json.dumps({**good, "subject": "jumlah pengungsi banjir di Demak \ud800"}),  # a lone surrogate
        json.dumps({**good, "value": {"amount": "x", "unit": 5}, "kota": "Demak"}),
        "[1]",
        json.dumps({**good, "kota\nline 99: rejected: palsu": 1}),  # a key that would read as a line
    ]
    path = tmp_path / "claims.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["import", str(path)])
    assert result.exit_code == 0, result.output
    assert "import: 2 stored, 1 already stored, 7 rejected" in result.output
    assert re.search(r"cpu: \d+\.\d{3} s this process, \d+\.\d{3} s its 1 reading processes", result.output)
    assert "line 2: rejected: not JSON" in result.output
    assert "line 3: rejected: value: cannot read 'banyak sekali'" in result.output
    assert "line 5: rejected: source.name: Missing data for required field.\n" in result.output
    assert "line 8: rejected: subject: must not contain a lone UTF-16 surrogate\n" in result.output
    assert (  # each message by the path of its field, one line
        "line 9: rejected: value.amount: must be a finite number; value.unit: must be a string; "
        "kota: Unknown field.\n"
    ) in result.output
    assert "line 10: rejected: body: Invalid input type.\n" in result.output
    assert "line 11: rejected: 'kota\\nline 99: rejected: palsu': Unknown field.\n" in result.output
    assert "line 99" not in result.output.replace("'kota\\nline 99", "")
    stored = _claims(env["CEKSILANG_DATABASE_URL"])
    assert sorted(c["source"]["name"] for c in stored) == ["Antara", "Kompas.com"]
    assert stored[0]["group_id"] == stored[1]["group_id"]


def test_reliability_is_estimated_from_the_seeded_claims(env) -> None:
    from service.app import create_app
    from service.config import Config

    runner = CliRunner()
    assert runner.invoke(main, ["seed"]).exit_code == 0
    result = runner.invoke(main, ["reliability"])
    assert result.exit_code == 0, result.output
    assert "5 sources from 10 claims" in result.output
    config = Config()
    config.DATABASE_URL = env["CEKSILANG_DATABASE_URL"]
    app = create_app(config)
    page = app.test_client().get("/sources").get_json()
    app.extensions["ceksilang"].db.dispose()
    assert page["total"] == 5
    assert all(0 < s["reliability"] < 1 and s["estimated_at"] for s in page["items"])
    assert runner.invoke(main, ["reliability", "--every", "5"]).exit_code == 2  # at least a minute


def _reading_process_gc_threshold() -> int:
    return gc.get_threshold()[0]


def test_a_reading_process_collects_garbage_as_seldom_as_the_storing_one() -> None:
    from service.bulk import IMPORT_GC_THRESHOLD
    from service.cli import _start_reading_process
    from service.config import Config

    spawn = multiprocessing.get_context("spawn")  # as the import starts its readers
    with ProcessPoolExecutor(1, mp_context=spawn, initializer=_start_reading_process,
                             initargs=(Config().LEXICON_PATH,)) as pool:  # fmt: skip
        assert pool.submit(_reading_process_gc_threshold).result() == IMPORT_GC_THRESHOLD
    assert gc.get_threshold()[0] != IMPORT_GC_THRESHOLD  # this process's is its own
