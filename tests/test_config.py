"""The node's secrets file: made once, private, and completed (never replaced) on upgrade."""

from __future__ import annotations

import json
import stat
from concurrent.futures import ThreadPoolExecutor

from qorgau.config import load_or_create_secrets


def test_processes_starting_together_agree_on_one_set_of_keys(tmp_path):
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: load_or_create_secrets(tmp_path), range(16)))
    assert len(set(results)) == 1
    assert stat.S_IMODE((tmp_path / "secrets.json").stat().st_mode) == 0o600


def test_an_upgrade_adds_new_keys_and_keeps_the_old_ones(tmp_path):
    old = {
        "node_id": "0b6f4f5e-8f7a-4c1e-9a55-1f0f3c2a1b77",
        "mac_key": "11" * 32,
        "secret_box_key": "22" * 32,
    }
    path = tmp_path / "secrets.json"
    path.write_text(json.dumps(old))
    path.chmod(0o600)
    loaded = load_or_create_secrets(tmp_path)
    assert loaded.mac_key == bytes.fromhex("11" * 32) and str(loaded.node_id) == old["node_id"]
    assert len(loaded.log_signing_key) == 32
    assert load_or_create_secrets(tmp_path) == loaded  # and stays the same afterwards
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
