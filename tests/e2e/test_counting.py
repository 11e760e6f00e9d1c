"""Under gunicorn, one worker per database counts large groups' consensus; when it dies, another
worker takes the counter role within a round."""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import pytest

from tests.support import Server, fresh_database

pytestmark = pytest.mark.e2e

ROLE_TAKEN = re.compile(r"this process \((\d+)\) plays the counter role")


def _holders(server: Server, at_least: int, timeout: float = 30) -> list[int]:
    """The workers that took the counter role, in the order they took it, once `at_least` have."""
    deadline = time.monotonic() + timeout
    while len(found := [int(pid) for pid in ROLE_TAKEN.findall(server.log())]) < at_least:
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(found)} workers took the counter role:\n{server.log()}")
        time.sleep(0.1)
    return found


def test_one_worker_counts_and_another_takes_over_when_it_dies(tmp_path: Path) -> None:
    with fresh_database(tmp_path) as url:
        server = Server(url, tmp_path, workers=2, env={"CEKSILANG_CONSENSUS_EVERY": "0.2"}).start()
        try:
            [holder] = _holders(server, 1)
            time.sleep(1)  # five rounds more: the other worker bids in each and never takes the role
            assert _holders(server, 1) == [holder]
            assert holder in server.worker_pids()
            os.kill(holder, signal.SIGKILL)  # no clean exit: the lock goes with the process
            first, successor = _holders(server, 2)
            assert first == holder and successor != holder
            assert _holders(server, 2) == [holder, successor]
        finally:
            server.stop()
