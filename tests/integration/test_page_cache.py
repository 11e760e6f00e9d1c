"""On SQLite the bulk import's connections keep more of the database's pages in memory than a
request's (storage/db.py: `Database.cache_more_pages`)."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import text

from service.cli import main
from service.storage.db import SQLITE_PAGE_CACHE_KIB, SQLITE_PAGE_CACHE_KIB_IMPORT, Database
from service.storage.migrate import upgrade


def _page_cache_kib(db: Database) -> list[int]:
    """The page cache of a reading and of a writing connection, in KiB."""
    sizes = []
    for session in (db.reading(), db.writing()):
        with session as s:
            sizes.append(-int(s.execute(text("PRAGMA cache_size")).scalar_one()))
    return sizes


def test_a_requests_connections_keep_sqlites_own_page_cache_and_an_importers_a_larger_one(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'cache.db'}"
    upgrade(url)
    db = Database(url)
    try:
        assert _page_cache_kib(db) == [SQLITE_PAGE_CACHE_KIB] * 2
        db.cache_more_pages()
        assert _page_cache_kib(db) == [SQLITE_PAGE_CACHE_KIB_IMPORT] * 2  # connections opened anew
    finally:
        db.dispose()
    assert SQLITE_PAGE_CACHE_KIB_IMPORT > 10 * SQLITE_PAGE_CACHE_KIB


def test_the_import_command_asks_for_the_larger_page_cache(tmp_path, monkeypatch) -> None:
    asked: list[int] = []
    real = Database.cache_more_pages

    def cache_more_pages(self: Database, kib: int = SQLITE_PAGE_CACHE_KIB_IMPORT) -> None:
        asked.append(kib)
        real(self, kib)

    monkeypatch.setattr(Database, "cache_more_pages", cache_more_pages)
    monkeypatch.setenv("CEKSILANG_DATABASE_URL", f"sqlite:///{tmp_path / 'import.db'}")
    path = tmp_path / "claims.jsonl"
    path.write_text(json.dumps({"subject": "korban gempa Cianjur", "value": "268 orang",
                                "source": {"name": "BNPB"}}) + "\n", encoding="utf-8")  # fmt: skip
    result = CliRunner().invoke(main, ["import", str(path)])
    assert result.exit_code == 0, result.output
    assert "import: 1 stored" in result.output
    assert asked == [SQLITE_PAGE_CACHE_KIB_IMPORT]
