"""Making, checking and restoring a backup of one node's database.

A backup is a directory holding `database.enc` (the database, encrypted: backup.stream) and
`manifest.json`: the format version, time, node id, log origin, the database kind, the schema
revision, the audit log's size and root and newest checkpoint, the row count of every table,
and the SHA-256 of the encrypted and the plain file, under an HMAC with the backup key (so an
altered manifest is refused like an altered file).

Consistency while the node serves: SQLite is copied through its online backup API (one step,
so one snapshot; a file copy of a live database may be torn); PostgreSQL through
`pg_dump --format=custom --snapshot`, on a snapshot exported from a REPEATABLE READ transaction
in which the manifest's counts and audit root are read too, so they describe exactly the dump.

The directory is written under a temporary name beside DIR, every file fsynced, then renamed
to DIR: a backup that exists is complete.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, BinaryIO

from alembic.runtime.migration import MigrationContext
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from qorgau.backup import stream
from qorgau.backup.stream import BackupError
from qorgau.config import Settings
from qorgau.db import Base, make_engine

FORMAT = "qorgau-backup/1"
MANIFEST = "manifest.json"
DATA_FILE = "database.enc"
PG_TOOL_SECONDS = 3600


@dataclass(frozen=True)
class Summary:
    """What a database holds, as the manifest records it and a restore checks it."""

    schema_revision: str | None
    audit_size: int
    audit_root: str
    checkpoint: dict[str, Any] | None
    tables: dict[str, int]


def database_summary(db: Session) -> Summary:
    from qorgau.audit import log
    from qorgau.audit.transparency import latest_checkpoint
    from qorgau.models import load_all

    load_all()
    size = log.size(db)
    latest = latest_checkpoint(db)
    counts = {
        t.name: int(db.scalar(select(func.count()).select_from(t)) or 0) for t in Base.metadata.sorted_tables
    }
    return Summary(
        schema_revision=MigrationContext.configure(db.connection()).get_current_revision(),
        audit_size=size,
        audit_root=log.root(db, size).hex(),
        checkpoint=None
        if latest is None
        else {"tree_size": latest.tree_size, "root": latest.root_hash.hex(), "note": latest.note},
        tables=dict(sorted(counts.items())),
    )


def _manifest_mac(key: bytes, manifest: dict[str, Any]) -> str:
    body = {k: v for k, v in manifest.items() if k != "mac"}
    mac_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"qorgau backup manifest v1").derive(
        key
    )
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(mac_key, canonical, hashlib.sha256).hexdigest()


def libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection string for pg_dump/pg_restore, and the environment giving the password
    (never on a command line, where `ps` shows it)."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    dsn = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return dsn, env


class _Hashing:
    """A reader that hashes what it reads (the encrypted file's checksum in the decrypting pass)."""

    def __init__(self, source: BinaryIO) -> None:
        self.source, self.digest, self.size = source, hashlib.sha256(), 0

    def read(self, n: int) -> bytes:
        data = self.source.read(n)
        self.digest.update(data)
        self.size += len(data)
        return data


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- create ------------------------------------------------------------------------------------


def sqlite_path(url: str) -> Path:
    return Path(make_url(url).database or "").resolve()


def _dump_sqlite(settings: Settings, key: bytes, out: BinaryIO) -> tuple[Summary, str, int]:
    source_path = sqlite_path(settings.resolved_database_url)
    if not source_path.is_file():
        raise BackupError(f"there is no database at {source_path}")
    # The plain copy stays beside the live database (same disk, same protection), never in /tmp.
    copy = source_path.with_name(f".backup-{secrets.token_hex(6)}.sqlite3")
    os.close(os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        src = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=30)
        dst = sqlite3.connect(copy)
        try:
            src.backup(dst)  # pages=-1: one step, so one consistent snapshot (WAL lets writers go on)
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
            src.close()
        copy_engine = make_engine(f"sqlite:///{copy}", poolclass=null_pool())
        try:
            with Session(copy_engine) as db:
                summary = database_summary(db)
        finally:
            copy_engine.dispose()
        with copy.open("rb") as fh:
            digest, size = stream.encrypt(iter(lambda: fh.read(1 << 20), b""), key, out)
        return summary, digest, size
    finally:
        for leftover in (copy, copy.with_name(copy.name + "-wal"), copy.with_name(copy.name + "-shm")):
            leftover.unlink(missing_ok=True)


def null_pool() -> Any:
    from sqlalchemy.pool import NullPool

    return NullPool


def _pipe(proc: subprocess.Popen[bytes]) -> Iterator[bytes]:
    assert proc.stdout is not None
    yield from iter(lambda: proc.stdout.read(1 << 20), b"")  # type: ignore[union-attr]


def _dump_postgres(engine: Engine, settings: Settings, key: bytes, out: BinaryIO) -> tuple[Summary, str, int]:
    dsn, env = libpq(settings.resolved_database_url)
    with engine.connect() as conn, tempfile.TemporaryFile() as errors:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = conn.scalar(text("SELECT pg_export_snapshot()"))
            # The snapshot lives as long as this transaction: pg_dump reads the same data.
            proc = subprocess.Popen(
                ["pg_dump", "--format=custom", f"--snapshot={snapshot}", "--no-owner", "--dbname", dsn],
                stdout=subprocess.PIPE,
                stderr=errors,
                env=env,
            )
            try:
                with Session(bind=conn) as db:
                    summary = database_summary(db)
                digest, size = stream.encrypt(_pipe(proc), key, out)
                proc.wait(timeout=PG_TOOL_SECONDS)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        if proc.returncode != 0:
            raise BackupError(f"pg_dump failed: {last_line(errors)}")
    return summary, digest, size


def last_line(errors: IO[bytes]) -> str:
    """The last line a tool wrote to standard error (its message, without data)."""
    errors.seek(0)
    lines = errors.read().decode(errors="replace").strip().splitlines()
    return lines[-1] if lines else "no message"


def create(settings: Settings, target: Path, key: bytes) -> dict[str, Any]:
    """Back up the node's database into the new directory `target`; returns the manifest."""
    target = target.resolve()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} exists and is not an empty directory; give a new one")
    target.parent.mkdir(parents=True, exist_ok=True)
    work = target.with_name(f".{target.name}.tmp-{secrets.token_hex(4)}")
    work.mkdir(mode=0o700)
    try:
        url = settings.resolved_database_url
        data_path = work / DATA_FILE
        fd = os.open(data_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            if make_url(url).get_backend_name() == "sqlite":
                summary, plain_sha, plain_size = _dump_sqlite(settings, key, out)
                kind = "sqlite"
            else:
                engine = make_engine(url, poolclass=null_pool())
                try:
                    summary, plain_sha, plain_size = _dump_postgres(engine, settings, key, out)
                finally:
                    engine.dispose()
                kind = "postgresql"
            out.flush()
            os.fsync(out.fileno())
        with data_path.open("rb") as fh:
            encrypted_sha = hashlib.file_digest(fh, "sha256").hexdigest()
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "node_id": str(settings.secrets.node_id),
            "log_origin": settings.audit_log_origin,
            "database": kind,
            "schema_revision": summary.schema_revision,
            "audit": {
                "size": summary.audit_size,
                "root": summary.audit_root,
                "checkpoint": summary.checkpoint,
            },
            "tables": summary.tables,
            "files": {
                DATA_FILE: {
                    "sha256_encrypted": encrypted_sha,
                    "size_encrypted": data_path.stat().st_size,
                    "sha256_plain": plain_sha,
                    "size_plain": plain_size,
                }
            },
            "encryption": {
                "scheme": "AES-256-GCM STREAM, 64 KiB chunks, HKDF-SHA256",
                "key_id": stream.key_id(key),
            },
            "keyring_key_ids": sorted(settings.keyring.data_keys),
        }
        manifest["mac"] = _manifest_mac(key, manifest)
        manifest_path = work / MANIFEST
        fd = os.open(manifest_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(manifest, fh, indent=2)
            fh.flush()
            os.fsync(fh.fileno())
        fsync_dir(work)
        if target.exists():
            target.rmdir()  # empty, checked above
        os.rename(work, target)
        fsync_dir(target.parent)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return manifest


# --- verify ------------------------------------------------------------------------------------


def read_manifest(backup: Path, key: bytes) -> dict[str, Any]:
    path = backup / MANIFEST
    try:
        manifest: dict[str, Any] = json.loads(path.read_text())
    except FileNotFoundError:
        raise BackupError(f"{backup} is not a backup: it has no {MANIFEST}") from None
    except (OSError, ValueError) as exc:
        raise BackupError(f"{path} cannot be read as a manifest ({type(exc).__name__})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a {FORMAT} manifest")
    made_with = (manifest.get("encryption") or {}).get("key_id")
    if made_with != stream.key_id(key):
        raise BackupError(
            f"this backup was made with backup key {made_with}; the key given is {stream.key_id(key)}"
        )
    if not hmac.compare_digest(str(manifest.get("mac", "")), _manifest_mac(key, manifest)):
        raise BackupError(f"{path} was altered: its MAC does not match")
    return manifest


def decrypted(backup: Path, key: bytes, manifest: dict[str, Any]) -> Iterator[bytes]:
    """The decrypted database, checked against both checksums as it streams (BackupError at the
    first problem; the last chunk is yielded only once both checksums are good)."""
    expected = manifest["files"][DATA_FILE]
    path = backup / DATA_FILE
    try:
        fh = path.open("rb")
    except FileNotFoundError:
        raise BackupError(f"{backup} has no {DATA_FILE}") from None
    with fh:
        reader = _Hashing(fh)
        plain, plain_size = hashlib.sha256(), 0
        pending: bytes | None = None
        for chunk in stream.decrypt(reader, key, DATA_FILE):  # type: ignore[arg-type]
            if pending is not None:
                yield pending
            plain.update(chunk)
            plain_size += len(chunk)
            pending = chunk
        if (
            reader.size != expected["size_encrypted"]
            or reader.digest.hexdigest() != expected["sha256_encrypted"]
        ):
            raise BackupError(f"{DATA_FILE} does not match the manifest's checksum (altered or truncated)")
        if plain_size != expected["size_plain"] or plain.hexdigest() != expected["sha256_plain"]:
            raise BackupError(f"{DATA_FILE} decrypts, but not to the data the manifest names")
        if pending is not None:
            yield pending


def verify(backup: Path, key: bytes) -> dict[str, Any]:
    """Check the manifest, both checksums and that the database decrypts; restore nothing."""
    manifest = read_manifest(backup, key)
    for _chunk in decrypted(backup, key, manifest):
        pass
    return manifest
