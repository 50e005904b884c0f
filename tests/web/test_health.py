"""Health checks: alive, and ready only on a reachable database with a current schema."""

from __future__ import annotations

from starlette.testclient import TestClient

from qorgau.app import create_app
from qorgau.db import make_engine


def test_healthz_and_readyz(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}


def test_readyz_refuses_on_a_database_whose_schema_is_behind(settings, tmp_path):
    empty = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    with TestClient(create_app(settings, engine=empty)) as c:
        response = c.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "schema_behind"
    assert "qorgau db upgrade" in response.json()["detail"]


def test_readyz_refuses_when_the_database_is_unreachable(settings, tmp_path):
    gone = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 2})
    with TestClient(create_app(settings, engine=gone)) as c:
        response = c.get("/readyz")
    assert response.status_code == 503 and response.json() == {"status": "database_unreachable"}
