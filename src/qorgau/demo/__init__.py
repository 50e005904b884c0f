"""Demo tooling, above the rooms: the demo agencies and users (`setup`), synthetic people and
cases (`synthetic`, pure) and their fast loader (`bulk`, with `rows`). It uses the rooms only
through their public APIs and the keyring's public sealing API; no room imports it."""

from __future__ import annotations

from qorgau.demo.setup import DEMO_AGENCIES, DEMO_USERS, DemoAccount, is_empty, load

__all__ = ["DEMO_AGENCIES", "DEMO_USERS", "DemoAccount", "is_empty", "load"]
