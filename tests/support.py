"""Helpers the tests share: fresh databases, accounts, signed-in clients, a live server."""

from __future__ import annotations

import atexit
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
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
DEMO_PASSWORD = "Demo-Steppe-Wind-Karagandy-7"  # every account of the demo data, in demo_server
CSRF_RE = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


def on_postgres() -> bool:
    return bool(TEST_DATABASE_URL) and make_url(TEST_DATABASE_URL).get_backend_name() == "postgresql"


@contextmanager
def fresh_database(tmp_dir: Path, label: str = "t", template: str | None = None) -> Iterator[str]:
    """A new database for this run: its own database on PostgreSQL (dropped after), a new file on
    SQLite. Empty, or a copy of the database at the URL `template` (which nobody may be using)."""
    if not on_postgres():
        path = tmp_dir / f"{label}-{uuid.uuid4().hex[:8]}.sqlite3"
        if template:  # with the write-ahead log, should the process that wrote it have left one
            for suffix in ("", "-wal"):
                source = Path(f"{make_url(template).database}{suffix}")
                if source.exists():
                    shutil.copyfile(source, f"{path}{suffix}")
        yield f"sqlite:///{path}"
        return
    assert TEST_DATABASE_URL is not None
    name = f"qorgau_{label}_{uuid.uuid4().hex[:10]}"
    copy = f' TEMPLATE "{make_url(template).database}"' if template else ""
    admin = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"{copy}')
    try:
        yield make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@dataclass(frozen=True)
class DemoNode:
    """A migrated database with the demo data (every account's password DEMO_PASSWORD) and the
    data directory with the node's keys that go with it."""

    database_url: str
    data_dir: Path


_demo_node: DemoNode | None = None


def demo_node() -> DemoNode:
    """The demo template of this test process (each xdist worker has its own), made once by
    `qorgau demo --no-serve` and removed when the process ends. Copy it, never change it."""
    global _demo_node
    if _demo_node is None:
        tmp = Path(tempfile.mkdtemp(prefix="qorgau-demo-template-"))
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        database = fresh_database(tmp, f"template_{worker}")
        url = database.__enter__()
        atexit.register(shutil.rmtree, tmp, True)
        atexit.register(database.__exit__, None, None, None)
        env = {**os.environ, "QORGAU_DATA_DIR": str(tmp / "data"), "QORGAU_DATABASE_URL": url}
        done = subprocess.run(
            [sys.executable, "-m", "qorgau", "demo", "--no-serve", "--password", DEMO_PASSWORD],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        _demo_node = DemoNode(url, tmp / "data")
    return _demo_node


@contextmanager
def demo_database(tmp_dir: Path, label: str = "demo") -> Iterator[str]:
    """A fresh copy of the demo template: its database (yielded) and its data directory, copied
    to tmp_dir / "data" (the keys that open its sealed records)."""
    template = demo_node()
    shutil.copytree(template.data_dir, tmp_dir / "data")
    with fresh_database(tmp_dir, label, template=template.database_url) as url:
        yield url


@contextmanager
def demo_server(
    tmp_dir: Path, label: str = "demo", extra_env: dict[str, str] | None = None
) -> Iterator[LiveServer]:
    """`qorgau serve` on a fresh copy of the demo template: the demo data in seconds, without
    migrating and loading it again for every server."""
    with demo_database(tmp_dir, label) as url, live_server(tmp_dir, url, extra_env, upgrade=False) as server:
        yield server


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
    tmp_dir: Path, database_url: str, extra_env: dict[str, str] | None = None, upgrade: bool = True
) -> Iterator[LiveServer]:
    """`qorgau serve` in its own process on a free loopback port, on a database it migrates first
    (unless upgrade=False: a copy of a template, migrated and with its keys in tmp_dir / "data")."""
    env = {
        **os.environ,
        "QORGAU_DATA_DIR": str(tmp_dir / "data"),
        "QORGAU_DATABASE_URL": database_url,
        "QORGAU_LOG_LEVEL": "INFO",
        **(extra_env or {}),
    }
    if upgrade:
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
        deadline = time.monotonic() + 120  # generous: a loaded CI machine may take long to start Python
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
