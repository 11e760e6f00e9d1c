"""A large group has its consensus counted from all of its tallies by a pass in the background; its
size and conflicts move with every claim, and `ceksilang verdicts` runs the same pass."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from datetime import timedelta

import pytest
from click.testing import CliRunner

from schemas import ClaimIn
from service import usecases
from service.cli import main
from service.storage import repository as repo
from service.storage.db import Database
from tests.support import BIN

SUBJECT = "korban tewas gempa Cianjur 2023"


def _post(ctx, value: str, source: str) -> usecases.PostedClaim:
    body = {"subject": SUBJECT, "value": value, "source": {"name": source}, "as_of": "2023-11-22"}
    return usecases.post_claim(ctx, ClaimIn().load(body))


def _group(ctx, group_id: int):
    with ctx.db.reading() as session:
        return usecases.find_group(session, str(group_id))


@pytest.fixture
def large(monkeypatch) -> None:
    monkeypatch.setattr(usecases, "BIG_GROUP", 3)


def test_between_counts_a_large_group_moves_its_size_and_conflicts_only(ctx, large) -> None:
    first = [_post(ctx, "100 orang", outlet) for outlet in ("Kompas", "Tempo", "Antara")]
    group_id = first[-1].group.id
    counted = _group(ctx, group_id)
    assert (counted.consensus["low"], counted.sources, counted.conflict) == (100, 3, False)
    for outlet in ("Detik", "Republika", "Okezone", "Liputan6"):
        _post(ctx, "250 orang", outlet)
    group = _group(ctx, group_id)
    assert group.size == 7 and group.conflict  # every claim counted, every conflict listed
    assert (group.consensus["low"], group.sources) == (100, 3)  # as counted, not yet again
    assert group.consensus_at == counted.consensus_at < group.updated_at
    with ctx.db.reading() as session:
        assert repo.groups_counted_behind(session) == [group_id]


def test_the_verdicts_command_counts_again_the_groups_left_behind(
    ctx, large, database_url, monkeypatch
) -> None:
    for outlet in ("Kompas", "Tempo", "Antara"):
        group_id = _post(ctx, "100 orang", outlet).group.id
    for outlet in ("Detik", "Republika", "Okezone", "Liputan6"):
        _post(ctx, "250 orang", outlet)
    monkeypatch.setenv("CEKSILANG_DATABASE_URL", database_url)
    result = CliRunner().invoke(main, ["verdicts"])
    assert result.exit_code == 0, result.output
    assert "1 groups counted again" in result.output
    group = _group(ctx, group_id)
    assert (group.consensus["low"], group.sources, group.size) == (250, 7, 7)
    with ctx.db.reading() as session:
        assert repo.groups_counted_behind(session) == []


def test_the_verdicts_command_every_few_seconds_stands_by_while_a_server_counts(
    ctx, large, database_url
) -> None:
    for outlet in ("Kompas", "Tempo", "Antara"):
        group_id = _post(ctx, "100 orang", outlet).group.id
    for outlet in ("Detik", "Republika", "Okezone", "Liputan6"):
        _post(ctx, "250 orang", outlet)
    server = Database(database_url)  # a server process holding the counter role
    assert server.sole_role(usecases.COUNTER_ROLE).take()
    env = {**os.environ, "CEKSILANG_DATABASE_URL": database_url}
    command = subprocess.Popen([str(BIN / "ceksilang"), "verdicts", "--every", "0.1"], env=env,
                               stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert command.stdout is not None
        assert command.stdout.readline().strip() == (
            "verdicts: another process counts for this database; standing by"
        )
        time.sleep(0.3)
        assert _group(ctx, group_id).consensus["low"] == 100  # not counted beside the server
        server.dispose()
        assert command.stdout.readline().strip() == "verdicts: counting for this database now"
        assert command.stdout.readline().strip() == "verdicts: 1 groups counted again"
        assert _group(ctx, group_id).consensus["low"] == 250
    finally:
        command.terminate()
        command.wait(10)
        server.dispose()


def test_a_group_left_behind_too_long_is_counted_by_its_next_claim(ctx, large, monkeypatch) -> None:
    for outlet in ("Kompas", "Tempo", "Antara"):
        group_id = _post(ctx, "100 orang", outlet).group.id
    for outlet in ("Detik", "Republika", "Okezone"):
        _post(ctx, "250 orang", outlet)
    assert _group(ctx, group_id).consensus["low"] == 100
    monkeypatch.setattr(usecases, "CONSENSUS_LATEST", timedelta(0))  # no pass has run since
    _post(ctx, "250 orang", "Liputan6")
    group = _group(ctx, group_id)
    assert (group.consensus["low"], group.sources, group.size) == (250, 7, 7)


def test_the_background_pass_counts_what_claims_left_behind(ctx, large) -> None:
    for outlet in ("Kompas", "Tempo", "Antara"):
        group_id = _post(ctx, "100 orang", outlet).group.id
    for outlet in ("Detik", "Republika", "Okezone", "Liputan6"):
        _post(ctx, "250 orang", outlet)
    stop = threading.Event()
    thread = usecases.start_counting(ctx, 0.05, stop=stop)
    deadline = time.monotonic() + 10
    while _group(ctx, group_id).consensus["low"] != 250 and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()  # no pass left running into the next test
    thread.join(10)
    group = _group(ctx, group_id)
    assert (group.consensus["low"], group.sources, group.size) == (250, 7, 7)
    assert group.consensus_at >= group.updated_at  # counted after the last claim: no longer behind


def test_the_background_pass_counts_only_while_this_process_holds_the_counter_role(
    ctx, large, database_url
) -> None:
    for outlet in ("Kompas", "Tempo", "Antara"):
        group_id = _post(ctx, "100 orang", outlet).group.id
    for outlet in ("Detik", "Republika", "Okezone", "Liputan6"):
        _post(ctx, "250 orang", outlet)
    elsewhere = Database(database_url)  # another server process's bid, as far as the role goes
    try:
        assert elsewhere.sole_role(usecases.COUNTER_ROLE).take()
        stop = threading.Event()
        thread = usecases.start_counting(ctx, 0.05, stop=stop)
        try:
            time.sleep(0.5)  # some ten rounds, each finding the role taken
            assert _group(ctx, group_id).consensus["low"] == 100
            elsewhere.dispose()  # the holder goes: this process takes over within a round
            deadline = time.monotonic() + 10
            while _group(ctx, group_id).consensus["low"] != 250 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert _group(ctx, group_id).consensus["low"] == 250
        finally:
            stop.set()
            thread.join(10)
    finally:
        elsewhere.dispose()


def test_a_small_group_counts_its_consensus_with_every_claim(ctx) -> None:
    for outlet in ("Kompas", "Tempo"):
        group_id = _post(ctx, "100 orang", outlet).group.id
    for outlet in ("Detik", "Republika", "Okezone"):
        _post(ctx, "250 orang", outlet)
    group = _group(ctx, group_id)
    assert (group.consensus["low"], group.sources) == (250, 5)
