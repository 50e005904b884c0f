"""Many state-changing requests at once: each either succeeds or gets a clear 4xx, never a 500
(on SQLite a write that has to upgrade a stale read snapshot would fail with 'database is
locked')."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.support import demo_server


def test_concurrent_writes_all_land(tmp_path):
    with demo_server(tmp_path, "writes") as server:
        token = re.search(r"qg_\S+", server.qorgau("tokens", "create", "admin").stdout).group(0)
        headers = {"Authorization": f"Bearer {token}"}

        def register(i: int) -> int:
            body = {"code": f"KG-NGO-C{i:03d}", "name": f"Crisis centre {i}", "country": "KG", "kind": "ngo"}
            with httpx.Client(base_url=server.url, timeout=60) as c:
                return c.post("/api/v1/agencies", json=body, headers=headers).status_code

        with ThreadPoolExecutor(max_workers=16) as pool:
            statuses = list(pool.map(register, range(64)))
        assert statuses == [201] * 64, statuses
        with httpx.Client(base_url=server.url, timeout=60) as c:
            codes = {a["code"] for a in c.get("/api/v1/agencies", headers=headers).json()}
        assert {f"KG-NGO-C{i:03d}" for i in range(64)} <= codes
        assert "Traceback" not in server.log_path.read_text()
