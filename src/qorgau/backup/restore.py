"""Restoring a backup (backup.archive) into a node's empty database: a live node is refused;
afterwards the database is checked against the manifest and the audit log verified."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import tempfile
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from qorgau.backup.archive import (
    PG_TOOL_SECONDS,
    Summary,
    database_summary,
    decrypted,
    fsync_dir,
    last_line,
    libpq,
    null_pool,
    read_manifest,
    sqlite_path,
    verify,
)
from qorgau.backup.stream import BackupError
from qorgau.config import SECRETS_FILE, Settings
from qorgau.db import make_engine
from qorgau.keyring import KEYRING_FILE


def _refuse_live_data_dir(settings: Settings, manifest: dict[str, Any]) -> None:
    secrets_path = settings.data_dir / SECRETS_FILE
    if secrets_path.exists():
        try:
            node_id = json.loads(secrets_path.read_text()).get("node_id")
        except (OSError, ValueError):
            node_id = None
        if node_id != manifest["node_id"]:
            raise BackupError(
                f"refusing to restore: {settings.data_dir} holds the keys of another node ({node_id}); "
                "restore into a new data directory, with this node's keys recovered into it"
            )


def _refuse_live_database(engine: Engine) -> None:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            tables = conn.scalar(text("SELECT count(*) FROM sqlite_master WHERE type = 'table'"))
        else:
            tables = conn.scalar(
                text(
                    "SELECT count(*) FROM information_schema.tables "
                    "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
                )
            )
    if tables:
        raise BackupError(
            "refusing to restore over a database that holds tables (a live node?): "
            "restore into a new, empty database"
        )


def _restore_sqlite(settings: Settings, backup: Path, key: bytes, manifest: dict[str, Any]) -> None:
    target = sqlite_path(settings.resolved_database_url)
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(f".restore-{secrets.token_hex(6)}.sqlite3")
    try:
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            for chunk in decrypted(backup, key, manifest):
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        for stale in (target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
            stale.unlink(missing_ok=True)  # of the empty database checked before
        os.replace(part, target)
        fsync_dir(target.parent)
    finally:
        part.unlink(missing_ok=True)


def _restore_postgres(settings: Settings, backup: Path, key: bytes, manifest: dict[str, Any]) -> None:
    verify(backup, key)  # first all of it: pg_restore should never see a chunk that is then refused
    dsn, env = libpq(settings.resolved_database_url)
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(
            [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                "--dbname",
                dsn,
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=errors,  # a file, not a pipe: nothing waits on it while we write
            env=env,
        )
        assert proc.stdin is not None
        try:
            with suppress(BrokenPipeError):  # pg_restore stopped: its message says why
                for chunk in decrypted(backup, key, manifest):
                    proc.stdin.write(chunk)
            with suppress(BrokenPipeError):
                proc.stdin.close()
            proc.wait(timeout=PG_TOOL_SECONDS)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if proc.returncode != 0:
            raise BackupError(f"pg_restore failed (nothing was restored): {last_line(errors)}")


@dataclass(frozen=True)
class Restored:
    manifest: dict[str, Any]
    audit_verified: bool  # False when the data directory has no node keys yet to check it with


def restore(settings: Settings, backup: Path, key: bytes) -> Restored:
    """Restore a backup into this node's empty database; then check that the database holds what
    the manifest says (schema revision, every table's rows, audit size and root), verify the
    audit log if the node's keys are in the data directory, and remember the backup's newest
    checkpoint as published (backup.rewind)."""
    from qorgau.backup import rewind

    manifest = read_manifest(backup, key)
    _refuse_live_data_dir(settings, manifest)
    url = settings.resolved_database_url
    is_sqlite = make_url(url).get_backend_name() == "sqlite"
    if is_sqlite != (manifest["database"] == "sqlite"):
        raise BackupError(f"this is a {manifest['database']} backup; QORGAU_DATABASE_URL names another kind")
    engine = make_engine(url, poolclass=null_pool())
    try:
        _refuse_live_database(engine)
        engine.dispose()
        (_restore_sqlite if is_sqlite else _restore_postgres)(settings, backup, key, manifest)
        with Session(engine) as db:
            summary = database_summary(db)
            problems = _differences(summary, manifest)
            if problems:
                raise BackupError("the restored database does not match the manifest: " + "; ".join(problems))
            verified = _verify_audit(db, settings, manifest)
    finally:
        engine.dispose()
    checkpoint = manifest["audit"]["checkpoint"]
    if checkpoint:
        rewind.remember(settings.data_dir, checkpoint["tree_size"], checkpoint["root"])
    return Restored(manifest, verified)


def _differences(summary: Summary, manifest: dict[str, Any]) -> list[str]:
    problems = []
    if summary.schema_revision != manifest["schema_revision"]:
        problems.append(f"schema revision {summary.schema_revision}, not {manifest['schema_revision']}")
    if (summary.audit_size, summary.audit_root) != (manifest["audit"]["size"], manifest["audit"]["root"]):
        problems.append(f"audit log size {summary.audit_size} root {summary.audit_root[:16]}...")
    for name, count in manifest["tables"].items():
        if summary.tables.get(name, 0) != count:
            problems.append(f"{name} holds {summary.tables.get(name, 0)} rows, not {count}")
    return problems


def _verify_audit(db: Session, settings: Settings, manifest: dict[str, Any]) -> bool:
    from qorgau.audit import transparency
    from qorgau.audit.verify import LogTampered, verify_log

    if not (settings.data_dir / SECRETS_FILE).exists():
        return False  # settings.secrets would make new keys: the node's come from `keys recover`
    if not (settings.data_dir / KEYRING_FILE).exists():
        return False
    try:
        result = verify_log(db, manifest["log_origin"], transparency.signing_key(settings).public_key())
    except LogTampered as exc:
        raise BackupError(f"the restored audit log does not verify: {exc}") from None
    if result.root.hex() != manifest["audit"]["root"]:
        raise BackupError("the restored audit log's root is not the manifest's")
    return True
