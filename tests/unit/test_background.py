"""The loop behind every background pass: a round that raises is logged, and the rounds go on."""

from __future__ import annotations

import logging
import threading

from service.background import every


def test_a_round_that_raises_is_logged_and_the_next_round_still_runs(caplog) -> None:
    rounds: list[int] = []
    third, stop = threading.Event(), threading.Event()

    def round_() -> None:
        rounds.append(len(rounds) + 1)
        if len(rounds) == 1:
            raise RuntimeError("the database went away")
        if len(rounds) == 3:
            third.set()

    with caplog.at_level(logging.ERROR, logger="ceksilang"):
        thread = every("testing", 0.01, round_, stop=stop)
        assert thread.name == "ceksilang-testing" and thread.daemon
        assert third.wait(10)
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    failed = [r for r in caplog.records if r.getMessage() == "the testing round failed"]
    assert len(failed) == 1 and "the database went away" in str(failed[0].exc_info[1])


def test_the_loop_waits_between_rounds_and_ends_as_soon_as_it_is_stopped() -> None:
    rounds: list[None] = []
    first, stop = threading.Event(), threading.Event()

    def round_() -> None:
        rounds.append(None)
        first.set()

    thread = every("testing", 30, round_, stop=stop)
    assert first.wait(10)
    stop.wait(0.1)
    stop.set()
    thread.join(10)
    assert not thread.is_alive() and len(rounds) == 1  # one round, then the wait cut short
