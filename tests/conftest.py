"""Shared fixtures: a real database built by the migrations, emptied before each test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.app import create_app
from service.config import Config
from service.storage.migrate import upgrade
from service.storage.models import Base
from service.usecases import Context

ROOT = Path(__file__).resolve().parent.parent


class TestConfig(Config):
    __test__ = False  # a config, not a test class

    def __init__(self, database_url: str) -> None:
        super().__init__()
        self.DATABASE_URL = database_url
        self.TESTING = True
        self.API_KEYS = []
        self.RATE_LIMIT_READS = ""  # limits have tests of their own
        self.RATE_LIMIT_WRITES = ""


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """CEKSILANG_TEST_DATABASE_URL (e.g. PostgreSQL) or a fresh SQLite file, migrated once."""
    url = (
        os.environ.get("CEKSILANG_TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db')}/test.db"
    )
    upgrade(url)
    return url


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = create_app(TestConfig(database_url))
    context: Context = app.extensions["ceksilang"]
    with context.db.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
    yield app
    context.db.dispose()


@pytest.fixture
def ctx(app: Flask) -> Context:
    context: Context = app.extensions["ceksilang"]
    return context


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
