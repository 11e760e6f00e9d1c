"""Writers of one SQLite file take turns through a lock file the kernel queues them on."""

from __future__ import annotations

import fcntl
import os
import threading

from service.storage.db import Database
from service.storage.migrate import upgrade


def _held(path: str) -> bool:
    """Whether some writer holds its turn now (asked through a file descriptor of our own)."""
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def test_a_writer_holds_its_turn_until_its_transaction_ends(tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/turns.db"
    upgrade(url)
    first, second = Database(url), Database(url)
    lock_file = f"{tmp_path}/turns.db.writers"
    entered, release, second_done = threading.Event(), threading.Event(), threading.Event()

    def hold() -> None:
        with first.writing():
            entered.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    assert entered.wait(10)
    assert _held(lock_file)

    def write_too() -> None:
        with second.writing():
            second_done.set()

    waiter = threading.Thread(target=write_too)
    waiter.start()
    assert not second_done.wait(0.3)  # queued behind the first writer
    release.set()
    holder.join(10)
    assert second_done.wait(10)
    waiter.join(10)
    assert not _held(lock_file)
    first.dispose()
    second.dispose()
