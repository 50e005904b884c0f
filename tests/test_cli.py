"""The `qorgau` command, run as a user runs it: a separate process on its own database."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from qorgau import __version__
from tests.support import fresh_database


@pytest.fixture
def run(tmp_path: Path):
    with fresh_database(tmp_path, "cli") as url:
        env = {**os.environ, "QORGAU_DATA_DIR": str(tmp_path / "data"), "QORGAU_DATABASE_URL": url}

        def _run(*args: str, stdin: str | None = None, ok: bool = True) -> subprocess.CompletedProcess[str]:
            proc = subprocess.run(
                [sys.executable, "-m", "qorgau", *args],
                env=env,
                input=stdin,
                capture_output=True,
                text=True,
                timeout=120,
            )
            if ok:
                assert proc.returncode == 0, proc.stdout + proc.stderr
            return proc

        _run.data_dir = tmp_path / "data"  # type: ignore[attr-defined]
        yield _run


def test_version(run):
    assert run("--version").stdout.strip() == f"qorgau {__version__}"


def test_serve_refuses_a_database_whose_schema_is_behind(run):
    proc = run("serve", "--port", "1", ok=False)
    assert proc.returncode == 1
    assert "qorgau db upgrade" in proc.stderr


def test_db_upgrade_is_idempotent_and_keys_are_private(run):
    run("db", "upgrade")
    secrets_file = run.data_dir / "secrets.json"
    keys = secrets_file.read_bytes()
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    assert "current" in run("db", "upgrade").stdout
    assert secrets_file.read_bytes() == keys  # made once, never replaced


def test_a_key_file_readable_by_others_is_refused(run):
    run("db", "upgrade")
    (run.data_dir / "secrets.json").chmod(0o644)
    proc = run("db", "upgrade", ok=False)
    assert proc.returncode == 1 and "chmod 600" in proc.stderr and "Traceback" not in proc.stderr


def test_demo_without_serving_loads_once_and_prints_the_accounts(run):
    first = run("demo", "--no-serve")
    for username in ("admin", "caseworker", "supervisor", "borderguard", "consul", "hotline", "analyst"):
        assert username in first.stdout
    assert stat.S_IMODE((run.data_dir / "secrets.json").stat().st_mode) == 0o600
    second = run("demo", "--no-serve")
    assert "already holds data" in second.stdout


def test_users_create_list_disable_and_tokens(run):
    run("demo", "--no-serve", "--password", "Demo-Password-Long-1")
    created = run(
        "users",
        "create",
        "Zhanna",
        "--agency",
        "KZ-SHL-SHY",
        "--role",
        "case_worker",
        "--role",
        "trainer",
        "--password-stdin",
        stdin="Shymkent-Shelter-Door-4\n",
    )
    assert "Created user zhanna" in created.stdout
    generated = run("users", "create", "bolat", "--agency", "KZ-POL-ALA", "--role", "investigator")
    assert re.search(r"Password \(shown once\): \S{16}", generated.stdout)
    listing = run("users", "list").stdout
    assert "zhanna" in listing and "bolat" in listing

    weak = run(
        "users",
        "create",
        "weak",
        "--agency",
        "KZ-POL-ALA",
        "--role",
        "analyst",
        "--password-stdin",
        stdin="password123\n",
        ok=False,
    )
    assert weak.returncode == 1 and "too common" in weak.stderr
    unknown = run("users", "create", "lost", "--agency", "XX-NOWHERE", "--role", "analyst", ok=False)
    assert unknown.returncode == 1 and "No agency has this code" in unknown.stderr
    bad_role = run("users", "create", "lost", "--agency", "KZ-POL-ALA", "--role", "wizard", ok=False)
    assert bad_role.returncode == 2 and "wizard" in bad_role.stderr

    token_out = run("tokens", "create", "zhanna", "--label", "export").stdout
    token_id = re.search(r"Token id: (\S+)", token_out).group(1)
    assert re.search(r"qg_\S{40,}", token_out)
    assert re.search(r"Expires: \d{4}-\d\d-\d\dT", token_out)
    assert "Revoked" in run("tokens", "revoke", token_id).stdout
    assert "Disabled zhanna" in run("users", "disable", "zhanna").stdout
    assert run("users", "disable", "nobody", ok=False).returncode == 1


def test_one_line_errors_are_in_the_nodes_language(run, tmp_path):
    """QORGAU_DEFAULT_LOCALE gives the command's one-line errors in the node's language
    (issue 18): here a data directory that is a file, in Kazakh, then Russian."""
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")
    for locale, words in (("kk", "қате"), ("ru", "ошибка")):
        proc = subprocess.run(
            [sys.executable, "-m", "qorgau", "db", "upgrade"],
            env={**os.environ, "QORGAU_DATA_DIR": str(not_a_dir / "data"), "QORGAU_DEFAULT_LOCALE": locale},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 1
        line = proc.stderr.strip()
        assert line.startswith(f"{words}:"), line
        assert "check QORGAU_DATA_DIR" not in line and "QORGAU_DATA_DIR" in line, line
