"""A large group has its consensus counted from all of its tallies by a pass in the background; its
size and conflicts move with every claim, and `ceksilang verdicts` runs the same pass."""

from __future__ import annotations

import os
import sqlite3
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
from service.storage.models import Group, utcnow
from tests.support import BIN

SUBJECT = "korban tewas gempa Cianjur 2023"


def _post(ctx, value: str, source: str) -> usecases.PostedClaim:
    body = {"subject": SUBJECT, "value": value, "source": {"name": source}, "as_of": "2023-11-22"}
    return usecases.post_claim(ctx, ClaimIn().load(body))


def _group(ctx, group_id: int):
    with ctx.db.reading() as session:
        return usecases.find_group(session, str(group_id))


def _counted_then_four_more(ctx) -> int:
    """A large group (BIG_GROUP patched to 3) counted at 100 orang from three outlets, then told 250
    orang by four more: their claims wait for its consensus."""
    for outlet in ("Kompas", "Tempo", "Antara"):
        group_id = _post(ctx, "100 orang", outlet).group.id
    for outlet in ("Detik", "Republika", "Okezone", "Liputan6"):
        _post(ctx, "250 orang", outlet)
    return group_id


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
    group_id = _counted_then_four_more(ctx)
    monkeypatch.setenv("CEKSILANG_DATABASE_URL", database_url)
    result = CliRunner().invoke(main, ["verdicts"])
    assert result.exit_code == 0, result.output
    assert "1 groups counted again" in result.output
    group = _group(ctx, group_id)
    assert (group.consensus["low"], group.sources, group.size) == (250, 7, 7)
    with ctx.db.reading() as session:
        assert repo.groups_counted_behind(session) == []


def test_the_verdicts_command_once_ends_while_claims_keep_coming(
    ctx, large, database_url, monkeypatch
) -> None:
    group_id = _counted_then_four_more(ctx)
    count_behind = usecases.count_behind
    passes = []

    def and_another_claim(*args, **kwargs):
        counted = count_behind(*args, **kwargs)
        passes.append(counted)
        assert len(passes) < 5, "the command counts the same group again and again"
        _post(ctx, "250 orang", f"Outlet {len(passes)}")  # stored after each pass
        return counted

    monkeypatch.setattr(usecases, "count_behind", and_another_claim)
    monkeypatch.setenv("CEKSILANG_DATABASE_URL", database_url)
    result = CliRunner().invoke(main, ["verdicts"])
    assert result.exit_code == 0, result.output
    assert "1 groups counted again" in result.output and passes == [1, 0]
    assert _group(ctx, group_id).behind_since is not None  # the claim after it waits for the next pass


def test_the_verdicts_command_every_few_seconds_stands_by_while_a_server_counts(
    ctx, large, database_url
) -> None:
    group_id = _counted_then_four_more(ctx)
    server = Database(database_url)  # a server process holding the counter role
    assert server.sole_role(usecases.COUNTER_ROLE).take()
    env = {**os.environ, "CEKSILANG_DATABASE_URL": database_url, "CEKSILANG_CONSENSUS_SETTLE": "0"}
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


def _left_behind(ctx, subject: str) -> int:
    """A large group (BIG_GROUP patched to 3) whose last four claims its consensus has not counted."""
    for outlet in ("Kompas", "Tempo", "Antara", "Detik", "Republika", "Okezone", "Liputan6"):
        body = {"subject": subject, "value": "100 orang", "source": {"name": outlet}, "as_of": "2023-11-22"}
        group_id = usecases.post_claim(ctx, ClaimIn().load(body)).group.id
    return group_id


def _age_counts(ctx, seconds: float) -> None:
    """As if every group's consensus had been counted `seconds` earlier than it was."""
    with ctx.db.writing() as session:
        for group_id in repo.groups_counted_behind(session):
            group = session.get(Group, group_id)
            group.consensus_at -= timedelta(seconds=seconds)


def test_a_pass_counts_again_only_the_groups_counted_longer_ago_than_it_settles(ctx, large) -> None:
    group_id = _left_behind(ctx, SUBJECT)
    settled = utcnow() - timedelta(seconds=20)
    assert usecases.count_behind(ctx, counted_before=settled) == 0  # counted a moment ago
    assert _group(ctx, group_id).sources == 3
    _age_counts(ctx, 21)
    assert usecases.count_behind(ctx, counted_before=utcnow() - timedelta(seconds=20)) == 1
    assert _group(ctx, group_id).sources == 7


def test_a_pass_stops_counting_once_its_budget_is_spent_the_longest_behind_first(ctx, large) -> None:
    first = _left_behind(ctx, "korban tewas gempa Cianjur 2023")
    _age_counts(ctx, 30)
    second = _left_behind(ctx, "jumlah pengungsi banjir Demak 2024")
    assert usecases.count_behind(ctx, budget_s=0) == 1  # spent at once: one group, then the next call
    assert (_group(ctx, first).sources, _group(ctx, second).sources) == (7, 3)
    assert usecases.count_behind(ctx, budget_s=0) == 1
    assert _group(ctx, second).sources == 7
    assert usecases.count_behind(ctx, budget_s=0) == 0


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


def test_a_claim_to_a_group_quiet_for_long_waits_for_the_pass(ctx, large) -> None:
    for outlet in ("Kompas", "Tempo", "Antara"):
        group_id = _post(ctx, "100 orang", outlet).group.id
    with ctx.db.writing() as session:  # counted, then nothing for an hour
        group = session.get(Group, group_id)
        group.consensus_at -= timedelta(hours=1)
        group.updated_at = group.consensus_at
    assert _group(ctx, group_id).behind_since is None
    _post(ctx, "250 orang", "Detik")  # behind from now on, not for an hour: no count of its own
    group = _group(ctx, group_id)
    assert (group.size, group.sources, group.consensus["low"]) == (4, 3, 100)
    assert group.behind_since == group.updated_at


def test_a_claim_stored_while_the_pass_reads_leaves_its_group_behind(ctx, large, monkeypatch) -> None:
    group_id = _left_behind(ctx, SUBJECT)
    read_tallies = repo.tally_rows_of_groups

    def a_claim_meanwhile(session, group_ids):
        rows = read_tallies(session, group_ids)
        _post(ctx, "250 orang", "Tribun")  # another worker's claim, between the reading and the write
        return rows

    monkeypatch.setattr(repo, "tally_rows_of_groups", a_claim_meanwhile)
    assert usecases.count_behind(ctx) == 1
    monkeypatch.undo()
    group = _group(ctx, group_id)
    assert (group.size, group.sources) == (8, 7)  # the pass counted the seven it read
    assert group.updated_at > group.consensus_at == group.behind_since  # the eighth still waits
    with ctx.db.reading() as session:
        assert repo.groups_counted_behind(session) == [group_id]
    assert usecases.count_behind(ctx) == 1
    group = _group(ctx, group_id)
    assert (group.sources, group.behind_since) == (8, None)


def test_a_claim_stamped_before_the_pass_began_but_committed_after_its_reading_is_not_passed_over(
    ctx, large, monkeypatch
) -> None:
    group_id = _left_behind(ctx, SUBJECT)
    read_tallies = repo.tally_rows_of_groups

    def a_claim_committed_late(session, group_ids):
        rows = read_tallies(session, group_ids)
        stamped = _group(ctx, group_id).updated_at + timedelta(microseconds=1)
        _post(ctx, "250 orang", "Tribun")
        with ctx.db.writing() as writer:  # as if its writer had stamped the group before the pass began
            writer.get(Group, group_id).updated_at = stamped
        return rows

    monkeypatch.setattr(repo, "tally_rows_of_groups", a_claim_committed_late)
    assert usecases.count_behind(ctx) == 1
    monkeypatch.undo()
    group = _group(ctx, group_id)
    assert group.updated_at < group.consensus_at  # stamped before the count began...
    assert (group.sources, group.behind_since) == (7, group.consensus_at)  # ...yet still waits for it
    assert usecases.count_behind(ctx) == 1
    assert _group(ctx, group_id).sources == 8


def test_a_pass_keeps_a_count_a_writer_made_of_the_whole_group_while_it_read(ctx, large, monkeypatch) -> None:
    group_id = _left_behind(ctx, SUBJECT)
    read_tallies = repo.tally_rows_of_groups
    written = {}

    def counted_whole_meanwhile(session, group_ids):
        rows = read_tallies(session, group_ids)
        with ctx.db.writing() as writer:  # an editor's ruling, or a claim's own full count
            group = writer.get(Group, group_id)
            usecases.store_verdict(writer, group, list(group.conflicts))
            group.sources = 99  # marks this count apart from the pass's
            written["at"] = group.consensus_at
        return rows

    monkeypatch.setattr(repo, "tally_rows_of_groups", counted_whole_meanwhile)
    usecases.count_behind(ctx)
    monkeypatch.undo()
    group = _group(ctx, group_id)
    assert (group.sources, group.consensus_at, group.behind_since) == (99, written["at"], None)


def test_the_background_pass_counts_what_claims_left_behind(ctx, large) -> None:
    group_id = _counted_then_four_more(ctx)
    stop = threading.Event()
    thread = usecases.start_counting(ctx, 0.05, settle=timedelta(0), budget_s=1, stop=stop)
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
    group_id = _counted_then_four_more(ctx)
    elsewhere = Database(database_url)  # another server process's bid, as far as the role goes
    try:
        assert elsewhere.sole_role(usecases.COUNTER_ROLE).take()
        stop = threading.Event()
        thread = usecases.start_counting(ctx, 0.05, settle=timedelta(0), budget_s=1, stop=stop)
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


def test_the_verdicts_command_every_few_seconds_outlasts_a_database_that_refuses_it(
    ctx, large, database_url
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("a SQLite file is locked from outside here")
    group_id = _counted_then_four_more(ctx)
    env = {**os.environ, "CEKSILANG_DATABASE_URL": database_url, "CEKSILANG_CONSENSUS_SETTLE": "0",
           "CEKSILANG_SQLITE_BUSY_TIMEOUT_MS": "50"}  # fmt: skip
    holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer that does not let go, for now
    command = subprocess.Popen([str(BIN / "ceksilang"), "verdicts", "--every", "0.1"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert command.stderr is not None and command.stdout is not None
        said = next(line for line in command.stderr if line.startswith("verdicts:"))  # past the log's lines
        assert said.startswith("verdicts: the round failed, trying again in 0.1 s:")
        assert "database is locked" in said
        assert command.poll() is None  # still running
        holder.execute("ROLLBACK")
        assert command.stdout.readline().strip() == "verdicts: 1 groups counted again"
        assert _group(ctx, group_id).consensus["low"] == 250
    finally:
        holder.close()
        command.terminate()
        command.wait(10)
