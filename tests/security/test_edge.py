"""The edge of the web app: request bodies are limited before they are read, every answer carries
the security headers, a client does not choose the request id in the audit log, the SQLite
files are private, and a missing key is explained to the operator's log, not to the client."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from starlette.testclient import TestClient

from qorgau.app import create_app
from qorgau.audit.models import AuditEvent
from qorgau.config import Settings
from qorgau.db import make_engine, make_sessionmaker
from qorgau.keyring import KEYRING_FILE
from qorgau.permissions import Role
from qorgau.web.edge import DEFAULT_BODY_LIMIT
from tests.nrm.test_cases_api import intake
from tests.support import bearer, fresh_database, live_server, make_user, on_postgres

MB = 1024 * 1024


# --- body limits ---------------------------------------------------------------------------


def test_an_unauthenticated_body_above_the_limit_is_refused_by_its_length(client):
    response = client.post(
        "/api/v1/cases", content=b"{" + b" " * (2 * MB) + b"}", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413  # not a 401 after reading and parsing it all
    body = response.json()
    assert body["status"] == 413 and body["request_id"] == response.headers["x-request-id"]
    assert response.headers["content-security-policy"]


def test_a_body_within_the_limit_goes_through(client, db):
    worker = bearer(db, make_user(db, Role.CASE_WORKER))
    padded = {**intake(), "narrative": "x" * 9_000}
    response = client.post("/api/v1/cases", headers=worker, json=padded)
    assert response.status_code == 201, response.text


def test_the_witness_endpoint_takes_a_few_kilobytes_only(client):
    response = client.post(
        "/transparency/witness", content=b"a" * 20_000, headers={"Content-Type": "application/octet-stream"}
    )
    assert response.status_code == 413
    assert "16384" in response.json()["detail"]


def test_a_malformed_content_length_is_refused(app):
    sent = asyncio.run(_call(app, "/api/v1/cases", iter([b"{}"]), [(b"content-length", b"12abc")]))
    assert sent["status"] == 400


async def _call(
    app: Any, path: str, chunks: Iterator[bytes], headers: list[tuple[bytes, bytes]]
) -> dict[str, Any]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"), *headers],
        "client": ("203.0.113.9", 50000),
        "server": ("testserver", 80),
    }
    sent: dict[str, Any] = {"status": None, "pulled": 0}

    async def receive() -> dict[str, Any]:
        chunk = next(chunks, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        sent["pulled"] += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            sent["status"] = message["status"]

    await app(scope, receive, send)
    return sent


def test_a_chunked_body_is_counted_as_it_streams_and_cut_at_the_limit(app):
    chunk = b" " * 65_536
    endless = (chunk for _ in range(200 * MB // len(chunk)))  # 200 MB, never all in memory
    sent = asyncio.run(_call(app, "/api/v1/cases", endless, []))
    assert sent["status"] == 413
    assert sent["pulled"] <= DEFAULT_BODY_LIMIT + len(chunk)


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def _post_raw(url: str, headers: str, body: Iterator[bytes], wait: float = 10) -> tuple[bytes, int]:
    """Send a request over a plain socket, as much of the body as the server takes before it
    answers; the answer's first bytes and how much of the body went out."""
    host, port = url.removeprefix("http://").split(":")
    sent = 0
    with socket.create_connection((host, int(port)), timeout=wait) as sock:
        sock.sendall(headers.encode())
        sock.setblocking(False)
        deadline = time.monotonic() + wait
        answer = b""
        for part in body:
            try:
                answer = sock.recv(4096)
                if answer:
                    return answer, sent
            except BlockingIOError:
                pass
            try:
                sent += sock.send(part)
            except BlockingIOError:
                time.sleep(0.01)
            except (BrokenPipeError, ConnectionResetError):
                break
            assert time.monotonic() < deadline, f"no answer after sending {sent} bytes"
        sock.setblocking(True)
        sock.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            answer = sock.recv(4096)
        except TimeoutError:
            answer = b""
        return answer, sent


def test_a_200_mb_body_is_refused_quickly_and_never_held_in_memory(tmp_path):
    with fresh_database(tmp_path, "edge") as url, live_server(tmp_path, url) as server:
        rss_before = _rss_kb(server.process.pid)
        declared = 200 * MB
        started = time.monotonic()
        answer, _sent = _post_raw(
            server.url,
            f"POST /api/v1/cases HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {declared}\r\n\r\n",
            iter([b"{" + b" " * 1000] * 10),  # then nothing more: the server must not wait for it
            wait=5,
        )
        assert answer.startswith(b"HTTP/1.1 413"), answer
        assert time.monotonic() - started < 5

        chunk = b" " * 65_536
        framed = b"%x\r\n" % len(chunk) + chunk + b"\r\n"
        answer, sent = _post_raw(
            server.url,
            "POST /api/v1/cases HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n",
            (framed for _ in range(200 * MB // len(chunk))),
            wait=20,
        )
        assert answer.startswith(b"HTTP/1.1 413"), answer
        assert sent < 50 * MB  # socket buffers, not the 200 MB
        assert _rss_kb(server.process.pid) - rss_before < 30 * 1024


# --- security headers ----------------------------------------------------------------------


def _assert_security_headers(response: Any, *, no_store: bool = True) -> None:
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] in ("no-referrer", "same-origin")
    if no_store:
        assert response.headers["cache-control"] == "no-store"


def test_every_answer_carries_the_security_headers(app, client, db):
    from qorgau.web.csrf import Public

    @app.get("/test-only/boom", dependencies=[Public])
    def boom() -> None:
        raise ValueError("unexpected")

    worker = bearer(db, make_user(db, Role.CASE_WORKER))
    for response in (
        client.get("/sign-in"),
        client.get("/api/v1/cases", headers=worker),
        client.get("/api/v1/cases"),  # 401
        client.get("/no-such-page"),
        client.get("/transparency/key"),
        client.get("/test-only/boom"),  # 500, made outside the request-context middleware
    ):
        _assert_security_headers(response)
    static = client.get("/static/qorgau.css")
    assert static.status_code == 200
    _assert_security_headers(static, no_store=False)
    assert static.headers.get("cache-control") != "no-store"


def test_the_pages_hold_no_inline_script_or_event_handler(client):
    import re

    page = client.get("/sign-in").text
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert not re.search(r"\son[a-z]+\s*=", page)
    assert '"allowEval": false' in page and '"includeIndicatorStyles": false' in page


# --- request ids ---------------------------------------------------------------------------


def test_a_client_does_not_choose_the_request_id_in_the_audit_log(client, db):
    admin = bearer(db, make_user(db, Role.ADMINISTRATOR))
    forged = "req-0123456789abcdef0123456789abcdef0123456789<script>\x7f"
    response = client.post(
        "/api/v1/agencies",
        headers=admin | {"X-Request-ID": forged},
        json={"code": "KZ-NGO-RID", "name": "Request id", "country": "KZ", "kind": "ngo"},
    )
    assert response.status_code == 201
    stored = response.headers["x-request-id"]
    own, _, given = stored.partition("~")
    assert len(own) == 32 and int(own, 16) >= 0  # the node's own id comes first
    assert given == "req-0123456789abcdef0123456789a"  # safe characters, 31 at most
    assert len(stored) <= 64
    event = db.scalar(select(AuditEvent).where(AuditEvent.object_id == response.json()["id"]))
    assert event.request_id == stored


def test_a_trusted_proxy_names_the_request_id(settings, engine, connection):
    trusted = Settings(**{**settings.model_dump(), "trusted_proxies": "testclient"})
    factory = make_sessionmaker(connection, join_transaction_mode="create_savepoint")
    app = create_app(trusted, engine=engine, session_factory=factory)
    with TestClient(app) as client:
        assert (
            client.get("/healthz", headers={"X-Request-ID": "proxy-id-0001"}).headers["x-request-id"]
            == "proxy-id-0001"
        )


# --- SQLite files --------------------------------------------------------------------------


@pytest.mark.skipif(on_postgres(), reason="the SQLite files")
def test_the_sqlite_file_and_its_wal_are_private(tmp_path):
    path = tmp_path / "private.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
    files = [p for p in tmp_path.iterdir() if p.name.startswith("private.sqlite3")]
    assert {p.name for p in files} >= {"private.sqlite3", "private.sqlite3-wal", "private.sqlite3-shm"}
    for p in files:
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
    engine.dispose()
    # A node made before this: its files were 0644; the next connection narrows them.
    for p in files:
        if p.exists():
            os.chmod(p, 0o644)
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        conn.execute(text("SELECT * FROM t"))
        for p in tmp_path.iterdir():
            if p.name.startswith("private.sqlite3"):
                assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
    engine.dispose()


# --- a missing key -------------------------------------------------------------------------


def test_a_missing_key_is_logged_for_the_operator_and_not_described_to_the_client(
    tmp_path, database_url, engine, connection, db, caplog
):
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url)
    factory = make_sessionmaker(connection, join_transaction_mode="create_savepoint")
    app = create_app(settings, engine=engine, session_factory=factory)
    worker = bearer(db, make_user(db, Role.CASE_WORKER))
    with TestClient(app, raise_server_exceptions=False) as client:
        case_id = client.post("/api/v1/cases", headers=worker, json=intake()).json()["id"]
        ring_path = settings.data_dir / KEYRING_FILE
        ring = json.loads(ring_path.read_text())
        ring["data_keys"] = {"k9": "00" * 32}
        ring["active"] = "k9"
        ring_path.write_text(json.dumps(ring))
        with caplog.at_level(logging.ERROR, logger="qorgau.errors"):
            response = client.get(f"/api/v1/cases/{case_id}", headers=worker)
    assert response.status_code == 503
    for secret in (KEYRING_FILE, "QORGAU_PERSON_KEYS", "k1", str(tmp_path)):
        assert secret not in response.text
    assert response.headers["x-request-id"] in response.json()["detail"]
    logged = [r.getMessage() for r in caplog.records if response.headers["x-request-id"] in r.getMessage()]
    assert logged and KEYRING_FILE in logged[0] and "k1" in logged[0]
