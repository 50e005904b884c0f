"""Helpers the tests share: fresh databases, accounts, signed-in clients, a live server."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from qorgau.auth import service
from qorgau.auth.models import Agency, AgencyKind, User
from qorgau.auth.schemas import AgencyCreate, UserCreate
from qorgau.permissions import Role
from qorgau.principal import system_principal

TEST_DATABASE_URL = os.environ.get("QORGAU_TEST_DATABASE_URL")
PASSWORD = "Steppe-Wind-Karagandy-7"
CSRF_RE = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


def on_postgres() -> bool:
    return bool(TEST_DATABASE_URL) and make_url(TEST_DATABASE_URL).get_backend_name() == "postgresql"


@contextmanager
def fresh_database(tmp_dir: Path, label: str = "t") -> Iterator[str]:
    """A new, empty database for this run: its own database on PostgreSQL (dropped after),
    a new file on SQLite."""
    if not on_postgres():
        yield f"sqlite:///{tmp_dir / f'{label}-{uuid.uuid4().hex[:8]}.sqlite3'}"
        return
    assert TEST_DATABASE_URL is not None
    name = f"qorgau_{label}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def ensure_agency(
    db: Session, code: str = "KZ-NGO-TST", country: str = "KZ", kind: AgencyKind = AgencyKind.NGO
) -> Agency:
    existing = db.scalar(select(Agency).where(Agency.code == code))
    if existing:
        return existing
    return service.create_agency(
        db, system_principal(), AgencyCreate(code=code, name=f"Agency {code}", country=country, kind=kind)
    )


def make_user(
    db: Session,
    *roles: Role,
    username: str | None = None,
    agency_code: str = "KZ-NGO-TST",
    password: str = PASSWORD,
) -> User:
    ensure_agency(db, agency_code)
    user, _ = service.create_user(
        db,
        system_principal(),
        UserCreate(
            username=username or f"u{uuid.uuid4().hex[:10]}",
            display_name="Test User",
            agency_code=agency_code,
            roles=list(roles),
            password=password,
        ),
    )
    db.flush()
    return user


def bearer(db: Session, user: User) -> dict[str, str]:
    _token, raw = service.create_api_token(db, system_principal(), user, "test")
    db.flush()
    return {"Authorization": f"Bearer {raw}"}


def register_agencies(
    client: TestClient, headers: dict[str, str], prefix: str, n: int, country: str = "KZ", kind: str = "ngo"
) -> list[dict]:
    """Audited work for tests: register n agencies PREFIX0.. through the API; their answers."""
    answers = []
    for i in range(n):
        response = client.post(
            "/api/v1/agencies",
            headers=headers,
            json={"code": f"{prefix}{i}", "name": f"Agency {prefix}{i}", "country": country, "kind": kind},
        )
        assert response.status_code == 201, response.text
        answers.append(response.json())
    return answers


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page carries no CSRF token"
    return match.group(1)


def sign_in(client: TestClient | httpx.Client, username: str, password: str = PASSWORD) -> httpx.Response:
    page = client.get("/sign-in")
    return client.post(
        "/sign-in",
        data={"username": username, "password": password, "csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    log_path: Path

    def run(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """`qorgau ARGS` on this server's database and data directory."""
        return subprocess.run(
            [sys.executable, "-m", "qorgau", *args],
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def qorgau(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """The same, and it must succeed."""
        done = self.run(*args, stdin=stdin)
        assert done.returncode == 0, done.stdout + done.stderr
        return done


@contextmanager
def live_server(
    tmp_dir: Path, database_url: str, extra_env: dict[str, str] | None = None
) -> Iterator[LiveServer]:
    """`qorgau serve` in its own process on a free loopback port, on a migrated database."""
    env = {
        **os.environ,
        "QORGAU_DATA_DIR": str(tmp_dir / "data"),
        "QORGAU_DATABASE_URL": database_url,
        "QORGAU_LOG_LEVEL": "INFO",
        **(extra_env or {}),
    }
    subprocess.run(
        [sys.executable, "-m", "qorgau", "db", "upgrade"],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = free_port()
    log_path = tmp_dir / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "qorgau", "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("server did not start:\n" + log_path.read_text())
            time.sleep(0.1)
        yield LiveServer(url, env, proc, log_path)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
