"""Work a server process does beside its requests: a round every few seconds, in a thread of its own."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("ceksilang")


def every(
    name: str, seconds: float, round_: Callable[[], object], *, stop: threading.Event | None = None
) -> threading.Thread:
    """`round_()` in a daemon thread of this process, then again `seconds` after each round ends.

    Requests never wait for it. A round that raises is logged and the next one runs as planned, so
    a database away for a while costs rounds, never the thread. The loop ends when `stop` is set
    (tests do; a server's thread ends with its process).
    """
    stop = stop or threading.Event()

    def run() -> None:
        while not stop.is_set():
            try:
                round_()
            except Exception:  # the next round tries again; a request never sees this
                log.exception("the %s round failed", name)
            stop.wait(seconds)

    thread = threading.Thread(target=run, name=f"ceksilang-{name}", daemon=True)
    thread.start()
    return thread
