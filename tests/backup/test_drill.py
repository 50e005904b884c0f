"""The restore drill, on the suite's database (PostgreSQL in CI's first run, SQLite in its
second): demo data, 1,000 synthetic cases and audit history on a node that serves requests
(audited case reads) while `qorgau backup create` runs; then the keys recovered from 3 of 5
shares and the backup restored into a new node (new data directory, new database): the audit
log verifies with the manifest's root, and every case reads through the service."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from qorgau import demo
from qorgau.app import create_app
from qorgau.auth import service as auth
from qorgau.auth.models import Agency
from qorgau.backup import shares
from qorgau.backup.restore import restore
from qorgau.backup.stream import backup_key
from qorgau.cli import app as cli_app
from qorgau.config import Settings
from qorgau.db import make_engine, make_sessionmaker, unit_of_work
from qorgau.demo.bulk import load_synthetic_cases
from qorgau.migrate import upgrade
from qorgau.nrm import service
from qorgau.nrm.models import Case
from qorgau.permissions import Role
from qorgau.principal import Principal, system_principal
from qorgau.sealing import open_row
from tests.support import PASSWORD, free_port, fresh_database

CASES = 1000


@contextmanager
def serving(settings: Settings) -> Iterator[str]:
    """The node's app served over HTTP by uvicorn in a thread of this process (a subprocess
    would cost seconds of start-up); the backup itself runs as its own process beside it."""
    app = create_app(settings, engine=make_engine(settings.resolved_database_url))
    server = uvicorn.Server(uvicorn.Config(app, port=free_port(), log_config=None, access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        app.state.engine.dispose()


def qorgau(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "qorgau", *args], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _load_node(settings: Settings) -> tuple[list[str], str]:
    """The demo, CASES synthetic cases, and an API token of the demo supervisor."""
    engine = make_engine(settings.resolved_database_url)
    try:
        upgrade(engine)
        with unit_of_work(make_sessionmaker(engine)) as db:
            demo.load(db, system_principal(), PASSWORD)
        assert load_synthetic_cases(engine, settings, CASES, actor=system_principal(), analyze=False) == CASES
        with unit_of_work(make_sessionmaker(engine)) as db:
            supervisor = auth.get_user_by_username(db, system_principal(), "supervisor")
            _token, raw = auth.create_api_token(db, system_principal(), supervisor, "drill")
            return [str(i) for i in db.scalars(select(Case.id))], raw
    finally:
        engine.dispose()


class Traffic(threading.Thread):
    """Audited case reads and health checks against the live node, until stopped."""

    def __init__(self, url: str, token: str, case_ids: list[str]) -> None:
        super().__init__(daemon=True)
        self.url, self.token, self.case_ids = url, token, case_ids
        self.stop = threading.Event()
        self.answers: list[tuple[float, int]] = []

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.url, timeout=30) as client:
            while not self.stop.is_set():
                case_id = random.choice(self.case_ids)
                for path in (f"/api/v1/cases/{case_id}", "/readyz"):
                    status = client.get(path, headers=headers).status_code
                    self.answers.append((time.monotonic(), status))


def test_restore_drill(tmp_path: Path) -> None:
    with fresh_database(tmp_path, "drill_a") as url_a, fresh_database(tmp_path, "drill_b") as url_b:
        source = Settings(data_dir=tmp_path / "a" / "data", database_url=url_a)
        case_ids, token = _load_node(source)
        env_a = {**os.environ, "QORGAU_DATA_DIR": str(source.data_dir), "QORGAU_DATABASE_URL": url_a}
        with serving(source) as url:
            # The supervisor reads the cases of their agency: each read is an audited write.
            headers = {"Authorization": f"Bearer {token}"}
            listed = httpx.get(url + "/api/v1/cases", headers=headers)
            visible = [item["id"] for item in listed.json()["items"]]
            assert visible, listed.text
            traffic = Traffic(url, token, visible)
            traffic.start()
            time.sleep(0.5)
            started = time.monotonic()
            qorgau(env_a, "backup", "create", str(tmp_path / "backup"))
            ended = time.monotonic()
            time.sleep(0.3)
            traffic.stop.set()
            traffic.join(timeout=30)
        statuses = {status for _at, status in traffic.answers}
        during = [s for at, s in traffic.answers if started <= at <= ended]
        assert statuses == {200}, statuses
        assert len(during) >= 2, "no request was answered while the backup ran"
        manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
        assert manifest["tables"]["nrm_cases"] == CASES
        shares.export(source.data_dir, tmp_path / "shares")  # 3 of 5

        # A new node: its keys from 3 of the 5 shares, then the database from the backup.
        target = Settings(data_dir=tmp_path / "b" / "data", database_url=url_b)
        sheets = [(tmp_path / "shares" / f"share-{n}.txt").read_text() for n in (2, 4, 5)]
        shares.recover(sheets, target.data_dir)
        done = restore(target, tmp_path / "backup", backup_key(target.data_dir, create=False))
        assert done.audit_verified
        env = {**os.environ, "QORGAU_DATA_DIR": str(target.data_dir), "QORGAU_DATABASE_URL": url_b}
        result = CliRunner().invoke(cli_app, ["audit", "verify"], env=env)
        assert result.exit_code == 0, result.output
        verified = result.output
        assert f"root {manifest['audit']['root']}" in verified.replace("\n", "")
        assert f"{manifest['audit']['size']} leaves" in verified

        engine = make_engine(url_b)
        try:
            with unit_of_work(make_sessionmaker(engine)) as db:
                cases = list(db.scalars(select(Case)))
                people = [service.open_person(target.keyring, case.person) for case in cases]
                sealed = [open_row(target.keyring, case, "nrm_cases", case.id) for case in cases]
                # And through the service as an officer of the owning agency (audited), for some.
                read = [service.view_case(db, officer, target, case) for case, officer in _owners(db)[:50]]
        finally:
            engine.dispose()
        assert sorted(str(case.id) for case in cases) == sorted(case_ids)
        assert all(person["family_name"] for person in people)
        assert all("narrative" in details for details in sealed)
        assert len(read) == 50
        assert all(case["person"]["family_name"] for case in read)


def _owners(db: Session) -> list[tuple[uuid.UUID, Principal]]:
    """Every case with an officer of its owning agency (who may read it in full)."""
    officers = {
        agency.id: Principal(
            user_id=None,
            username="drill",
            display_name="drill",
            agency_id=agency.id,
            agency_code=agency.code,
            agency_country=agency.country,
            roles=frozenset({Role.SUPERVISOR}),
            via="system",
        )
        for agency in db.scalars(select(Agency))
    }
    return [
        (case_id, officers[owner]) for case_id, owner in db.execute(select(Case.id, Case.owner_agency_id))
    ]
