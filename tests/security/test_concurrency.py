"""A busy Monday morning against a real server: 64 clients at once open cases, read them, list
them, look at the case pages and get passwords wrong (from many addresses, behind a trusted
proxy), on a fresh database. No answer may be a server error, a wrong password must never cost
other users their requests, and every case the server said it stored must be there afterwards.

Bounded for CI: QORGAU_CONCURRENCY_SECONDS (default 5) of load, on SQLite or on the PostgreSQL
of QORGAU_TEST_DATABASE_URL."""

from __future__ import annotations

import os
import re
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from qorgau.auth import passwords, service
from qorgau.db import make_engine, make_sessionmaker, utcnow
from qorgau.errors import TooManyAttempts
from qorgau.nrm.models import Case
from qorgau.permissions import Role
from tests.support import PASSWORD as TEST_PASSWORD
from tests.support import bearer, csrf_from, fresh_database, live_server, make_user, sign_in

CLIENTS = 64
SECONDS = float(os.environ.get("QORGAU_CONCURRENCY_SECONDS", "5"))
PASSWORD = "Concurrent-Monday-Pass-1"


def _intake(n: int) -> dict:
    tag = uuid.uuid4().hex[:10]
    return {
        "person": {
            "family_name": f"Test{tag}",
            "given_name": f"Load{n}",
            "sex": "female",
            "birth_date": "1998-03-14",
            "citizenships": ["KZ"],
            "documents": [{"type": "passport", "number": f"N {tag}", "issuing_country": "KZ"}],
        },
        "exploitation_types": ["labour"],
        "found_in_country": "KZ",
    }


class Load:
    """What the clients saw: status counts per kind of request, transport failures, the ids of
    the cases the server acknowledged, and the slowest answer to someone who is not guessing."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statuses: Counter[tuple[str, int]] = Counter()
        self.failures: list[str] = []
        self.created: list[str] = []
        self.slowest = 0.0

    def note(self, kind: str, response: httpx.Response, seconds: float) -> None:
        with self.lock:
            self.statuses[(kind, response.status_code)] += 1
            if kind != "wrong sign-in":
                self.slowest = max(self.slowest, seconds)
            if kind == "create" and response.status_code == 201:
                self.created.append(response.json()["id"])

    def server_errors(self) -> dict[tuple[str, int], int]:
        return {k: n for k, n in self.statuses.items() if k[1] >= 500}


# Known failure, kept visible rather than deleted (issue 11, item 4 stays open): under this load
# the node stalls for the pool's 60 s wait. On SQLite a connection of the one-connection writer
# pool stays checked out after an intake request has ended (seen with a checkout hook: taken in
# nrm intake's duplicate check, never returned), so every other writer waits and is then told
# 503; on PostgreSQL the same crowd starves too. Not strict: it passes on a lucky run.
@pytest.mark.xfail(reason="known stall under 64 concurrent clients (issue 11, item 4)", strict=False)
def test_64_mixed_clients_get_no_server_error_and_lose_no_write(tmp_path):
    with (
        fresh_database(tmp_path, "load") as url,
        live_server(tmp_path, url, {"QORGAU_TRUSTED_PROXIES": "127.0.0.1"}) as server,
    ):
        server.qorgau("demo", "--no-serve", "--password", PASSWORD)
        token = re.search(r"qg_\S+", server.qorgau("tokens", "create", "caseworker").stdout).group(0)
        api = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=server.url, timeout=60) as c:
            seed = c.post("/api/v1/cases", json=_intake(0), headers=api)
            assert seed.status_code == 201, seed.text
            # The page readers share a session signed in before the crowd arrives (signing in
            # at once is what the wrong-password clients do).
            assert sign_in(c, "caseworker", PASSWORD).status_code == 303
            page_cookies = dict(c.cookies)
        load = Load()
        deadline = time.monotonic() + SECONDS

        def client(i: int) -> None:
            kind = ("create", "view", "list", "page", "wrong sign-in")[i % 5]
            cookies = page_cookies if kind == "page" else None
            with httpx.Client(base_url=server.url, timeout=60, cookies=cookies) as c:
                csrf = csrf_from(c.get("/sign-in").text) if kind == "wrong sign-in" else ""
                n = 0
                while time.monotonic() < deadline:
                    n += 1
                    started = time.monotonic()
                    try:
                        if kind == "create":
                            r = c.post("/api/v1/cases", json=_intake(n), headers=api)
                        elif kind == "view":
                            r = c.get(f"/api/v1/cases/{seed.json()['id']}", headers=api)
                        elif kind == "list":
                            r = c.get("/api/v1/cases", headers=api)
                        elif kind == "page":
                            r = c.get("/cases")
                        else:
                            # An unknown name from an address of its own each time: no throttle
                            # stops it, so every attempt costs a password hash.
                            r = c.post(
                                "/sign-in",
                                data={
                                    "username": f"nobody{i}x{n}",
                                    "password": "wrong-password-1",
                                    "csrf_token": csrf,
                                },
                                headers={"X-Forwarded-For": f"10.{i}.{n // 250 % 250}.{n % 250 + 1}"},
                            )
                    except httpx.HTTPError as exc:
                        with load.lock:
                            load.failures.append(f"{kind}: {type(exc).__name__}")
                        continue
                    load.note(kind, r, time.monotonic() - started)

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            list(pool.map(client, range(CLIENTS)))
        took = time.monotonic() - started
        summary = f"{dict(sorted(load.statuses.items()))} in {took:.1f} s, slowest {load.slowest:.1f} s"
        print(summary)
        assert not load.server_errors(), summary
        assert not load.failures, load.failures[:10]
        assert all(status in (422, 429) for (kind, status) in load.statuses if kind == "wrong sign-in"), (
            summary
        )
        assert load.created, summary
        assert "Traceback" not in server.log_path.read_text()
        # Nothing the server acknowledged is missing.
        engine = make_engine(url)
        try:
            with Session(engine) as db:
                stored = {str(i) for i in db.scalars(select(Case.id))}
        finally:
            engine.dispose()
        assert set(load.created) <= stored


# --- the pieces, one at a time (fast, on the suite's database) --------------------------------


class _NoSessions:
    """Stands in for the read-path sessionmaker: keeps its bind (authentication reads through
    it) but refuses to open a session, so a request that takes the read path fails loudly."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self.kw = factory.kw

    def __call__(self) -> Session:
        raise AssertionError("this request took the read path")


def test_a_signed_in_read_takes_the_write_path_and_a_public_one_the_read_path(app, client, db):
    headers = bearer(db, make_user(db, Role.CASE_WORKER))
    case = client.post("/api/v1/cases", json=_intake(1), headers=headers)
    assert case.status_code == 201, case.text
    reads = app.state.sessionmaker
    app.state.sessionmaker = _NoSessions(reads)
    # Reading a case writes its audit event: it must run where writes may run.
    assert client.get(f"/api/v1/cases/{case.json()['id']}", headers=headers).status_code == 200
    assert client.get("/api/v1/cases", headers=headers).status_code == 200
    # A public page has no principal and nothing to audit: it reads on the read path.
    assert client.get("/transparency/fund").status_code == 500
    app.state.sessionmaker = reads
    assert client.get("/transparency/fund").status_code == 200


def test_a_password_is_checked_outside_any_transaction(connection, settings, monkeypatch):
    db = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    user = make_user(db, Role.CASE_WORKER)
    db.commit()  # to the savepoint: the account exists for the short read too
    seen: list[bool] = []

    def verify(stored_hash: str | None, password: str) -> bool:
        seen.append(db.in_transaction())
        return passwords.verify_password(stored_hash, password)

    monkeypatch.setattr(service, "verify_password", verify)
    reads = make_sessionmaker(connection, join_transaction_mode="create_savepoint")
    for password in (TEST_PASSWORD, "not-the-password-1"):
        service.sign_in(db, reads, settings, user.username, password, address="192.0.2.1", now=utcnow())
        db.commit()
    assert seen == [False, False]


def test_sign_ins_beyond_the_hashing_queue_are_told_to_come_back(client, db, monkeypatch):
    user = make_user(db, Role.CASE_WORKER)
    full = passwords.HashingGate(slots=1, queue=0, wait_seconds=0.1)
    monkeypatch.setattr(service, "password_checks", full, raising=False)
    with full.turn():  # the only slot is taken
        answer = sign_in(client, user.username)
    assert answer.status_code == 429
    assert int(answer.headers["Retry-After"]) > 0
    assert "Try again in a few seconds" in answer.text
    # Once the slot is free again, the same person signs in.
    assert sign_in(client, user.username).status_code == 303


def test_the_hashing_gate_bounds_waiting_and_turns_the_rest_away_at_once():
    gate = passwords.HashingGate(slots=1, queue=1, wait_seconds=5)
    entered = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with gate.turn():
            entered.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    entered.wait(5)

    def wait_for_a_turn() -> None:
        with gate.turn():
            pass

    waiter = threading.Thread(target=wait_for_a_turn)
    waiter.start()
    time.sleep(0.2)  # the waiter is now queued: slots + queue are all taken
    started = time.monotonic()
    with pytest.raises(TooManyAttempts), gate.turn():
        pass
    assert time.monotonic() - started < 1  # refused at once, not after waiting
    release.set()
    holder.join(5)
    waiter.join(5)
