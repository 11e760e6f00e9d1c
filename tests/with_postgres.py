"""Run a command against a private PostgreSQL: `python -m tests.with_postgres pytest -q`.

Starts a cluster from the machine's PostgreSQL packages on a free loopback port, creates an
empty database, runs the command with CEKSILANG_TEST_DATABASE_URL pointing at it, then stops the
cluster and exits with the command's status. `make test-postgres` and CI use it.
"""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.support import PostgresCluster


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    cluster = PostgresCluster()
    cluster.start()
    try:
        admin = create_engine(cluster.url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE ceksilang_test"))
        admin.dispose()
        url = make_url(cluster.url).set(database="ceksilang_test").render_as_string(hide_password=False)
        print(f"with_postgres: {url}", file=sys.stderr)
        return subprocess.call(argv, env={**os.environ, "CEKSILANG_TEST_DATABASE_URL": url})
    finally:
        cluster.remove()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
