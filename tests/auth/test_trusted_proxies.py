"""Behind a trusted reverse proxy, the sign-in throttle counts the client's address, not the
proxy's (which every client would share)."""

from __future__ import annotations

import httpx

from tests.support import DEMO_PASSWORD, demo_server, sign_in

# Documentation addresses (RFC 5737): they only appear in a header, nothing is sent to them.
SPRAYER, NEIGHBOUR = "203.0.113.7", "203.0.113.8"


def test_throttle_counts_the_forwarded_client_address(tmp_path, monkeypatch):
    monkeypatch.setenv("QORGAU_TRUSTED_PROXIES", "127.0.0.1")
    with demo_server(tmp_path, "proxy") as server:

        def client(address: str) -> httpx.Client:
            return httpx.Client(base_url=server.url, headers={"X-Forwarded-For": address}, timeout=30)

        with client(SPRAYER) as sprayer:
            for i in range(20):
                assert sign_in(sprayer, f"nobody-{i}", "Summer2024!!").status_code == 422
            assert sign_in(sprayer, "analyst", DEMO_PASSWORD).status_code == 429
        with client(NEIGHBOUR) as neighbour:
            assert sign_in(neighbour, "analyst", DEMO_PASSWORD).status_code == 303
