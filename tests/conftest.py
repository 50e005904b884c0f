"""Test fixtures. The database is created by the Alembic migrations once per run (its own
database on PostgreSQL when QORGAU_TEST_DATABASE_URL is set, SQLite otherwise), and each test
runs inside a transaction that is rolled back at its end."""

from __future__ import annotations

import os

# Before qorgau is imported, and inherited by the `qorgau` processes the tests start: argon2 at its
# cheapest (each hash would otherwise cost ~0.1 s; production keeps the defaults, see
# tests/auth/test_passwords.py).
os.environ["QORGAU_TEST_ONLY_CHEAP_PASSWORD_HASHING"] = "1"

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from qorgau.app import create_app
from qorgau.config import Settings
from qorgau.db import make_engine, make_sessionmaker
from qorgau.migrate import upgrade
from tests.support import fresh_database


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # Under pytest-xdist each worker has a database of its own (and its own tmp_path_factory).
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with fresh_database(tmp_path_factory.mktemp("db"), f"suite_{worker}") as url:
        yield url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data")


@pytest.fixture
def settings(data_dir: Path, database_url: str) -> Settings:
    return Settings(data_dir=data_dir, database_url=database_url)


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        outer = conn.begin()
        yield conn
        outer.rollback()


@pytest.fixture
def db(connection: Connection) -> Iterator[Session]:
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    yield session
    session.close()


@pytest.fixture
def app(settings: Settings, engine: Engine, connection: Connection):  # type: ignore[no-untyped-def]
    factory = make_sessionmaker(connection, join_transaction_mode="create_savepoint")
    return create_app(settings, engine=engine, session_factory=factory)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
