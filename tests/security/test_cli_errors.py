"""`qorgau` never shows a user a Python traceback: what went wrong is one line on standard error,
with what to check, and a non-zero exit code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from qorgau import cli


def _qorgau(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "qorgau", *args],
        env={**os.environ, "COLUMNS": "200", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in done.stderr + done.stdout
    assert 'File "' not in done.stderr  # no frames, plain or Rich
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def test_a_data_directory_that_is_a_file_is_one_clear_line(tmp_path: Path):
    not_a_dir = tmp_path / "data"
    not_a_dir.write_text("")
    done = _qorgau("users", "list", QORGAU_DATA_DIR=str(not_a_dir))
    assert done.returncode == 1
    line = _one_line_error(done)
    assert str(not_a_dir) in line and "QORGAU_DATA_DIR" in line


def test_an_invalid_setting_names_its_variable(tmp_path: Path):
    done = _qorgau("users", "list", QORGAU_DATA_DIR=str(tmp_path / "d"), QORGAU_NODE_COUNTRY="Atlantis")
    assert done.returncode == 2
    line = _one_line_error(done)
    assert "QORGAU_NODE_COUNTRY" in line and "Atlantis" not in line


def test_an_unreachable_database_is_one_line(tmp_path: Path):
    done = _qorgau(
        "users",
        "list",
        QORGAU_DATA_DIR=str(tmp_path / "d"),
        QORGAU_DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none",
    )
    assert done.returncode == 1
    assert "QORGAU_DATABASE_URL" in _one_line_error(done)


def _boom() -> None:
    raise RuntimeError("Passport N1234567 of Erzhan")


def test_an_unexpected_error_is_one_line_with_a_hint(monkeypatch, capsys):
    monkeypatch.setattr(cli, "app", _boom)
    monkeypatch.delenv("QORGAU_LOG_LEVEL", raising=False)
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == 1
    out = capsys.readouterr()
    assert "Traceback" not in out.err and "N1234567" not in out.err
    assert "RuntimeError" in out.err and "QORGAU_LOG_LEVEL=DEBUG" in out.err


def test_debug_shows_the_details_to_whoever_asks(monkeypatch, capsys):
    monkeypatch.setattr(cli, "app", _boom)
    monkeypatch.setenv("QORGAU_LOG_LEVEL", "DEBUG")
    with pytest.raises(SystemExit):
        cli.main()
    assert "Traceback" in capsys.readouterr().err
