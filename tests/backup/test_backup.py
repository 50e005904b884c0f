"""Backups refuse what they cannot vouch for: a corrupted, truncated or altered backup, a
restore over a live node, fewer key shares than the threshold. And the encrypted stream, the
schedule with its retention, and the warning of a node whose log went back."""

from __future__ import annotations

import fcntl
import hashlib
import io
import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session
from starlette.testclient import TestClient
from typer.testing import CliRunner

from qorgau.app import create_app
from qorgau.audit import log, transparency
from qorgau.audit import service as audit
from qorgau.backup import archive, rewind, schedule, shares, stream
from qorgau.backup.restore import restore
from qorgau.backup.stream import BackupError, backup_key
from qorgau.cli import app as cli_app
from qorgau.config import Settings
from qorgau.db import make_engine, make_sessionmaker, unit_of_work
from qorgau.migrate import upgrade
from qorgau.principal import system_principal
from tests.support import fresh_database


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A node with some audit history and a checkpoint."""
    tmp = tmp_path_factory.mktemp("node")
    with fresh_database(tmp, "bk_src") as url:
        settings = Settings(data_dir=tmp / "data", database_url=url)
        engine = make_engine(url)
        upgrade(engine)
        with unit_of_work(make_sessionmaker(engine)) as db:
            for i in range(7):
                audit.record(db, system_principal(), "test.event", "thing", str(i))
            transparency.publish_checkpoint(db, settings)
            audit.record(db, system_principal(), "test.event", "thing", "after")
        engine.dispose()
        yield settings


@pytest.fixture(scope="module")
def made(node: Settings, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("made") / "backup"
    archive.create(node, target, backup_key(node.data_dir, create=True))
    return target


@pytest.fixture
def copy(made: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(made, tmp_path / "copy"))


@pytest.fixture
def fresh(tmp_path: Path, node: Settings) -> Iterator[Settings]:
    """A new node's settings: empty database, a data directory holding only the backup key."""
    with fresh_database(tmp_path, "bk_dst") as url:
        target = Settings(data_dir=tmp_path / "fresh", database_url=url)
        target.data_dir.mkdir()
        shutil.copy(node.data_dir / stream.BACKUP_KEY_FILE, target.data_dir)
        yield target


def _cli(settings: Settings, *args: str) -> tuple[int, str]:
    env = {"QORGAU_DATA_DIR": str(settings.data_dir), "QORGAU_DATABASE_URL": settings.resolved_database_url}
    result = CliRunner().invoke(cli_app, list(args), env=env)
    return result.exit_code, result.output


def _tables(settings: Settings) -> int:
    engine = make_engine(settings.resolved_database_url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                return int(conn.scalar(text("SELECT count(*) FROM sqlite_master WHERE type = 'table'")) or 0)
            return int(
                conn.scalar(
                    text("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
                )
                or 0
            )
    finally:
        engine.dispose()


# --- the encrypted stream ---------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, stream.CHUNK - 1, stream.CHUNK, stream.CHUNK + 1, 3 * stream.CHUNK])
def test_stream_round_trip(size: int) -> None:
    key, data = b"k" * 32, bytes(range(256)) * (size // 256 + 1)
    out = io.BytesIO()
    digest, written = stream.encrypt([data[:size]], key, out)
    assert (digest, written) == (hashlib.sha256(data[:size]).hexdigest(), size)
    back = b"".join(stream.decrypt(io.BytesIO(out.getvalue()), key, "f"))
    assert back == data[:size]


def test_stream_refuses_truncation_reordering_and_another_key() -> None:
    key = b"k" * 32
    out = io.BytesIO()
    stream.encrypt([b"x" * (3 * stream.CHUNK + 10)], key, out)
    whole = out.getvalue()
    sealed = stream.CHUNK + stream.TAG
    cuts = [stream.HEADER_BYTES + n * sealed for n in (1, 2, 3)] + [len(whole) - 1, 10]
    for cut in cuts:
        with pytest.raises(BackupError, match=r"truncated|not a Qorgau backup"):
            b"".join(stream.decrypt(io.BytesIO(whole[:cut]), key, "f"))
    head, c0, c1 = (
        whole[: stream.HEADER_BYTES],
        whole[stream.HEADER_BYTES :][:sealed],
        whole[stream.HEADER_BYTES :][sealed : 2 * sealed],
    )
    swapped = head + c1 + c0 + whole[stream.HEADER_BYTES + 2 * sealed :]
    with pytest.raises(BackupError, match="does not decrypt at chunk 0"):
        b"".join(stream.decrypt(io.BytesIO(swapped), key, "f"))
    with pytest.raises(BackupError, match="not the backup key"):
        b"".join(stream.decrypt(io.BytesIO(whole), b"j" * 32, "f"))


# --- verify ------------------------------------------------------------------------------------------


def test_manifest_describes_the_database(node: Settings, made: Path) -> None:
    manifest = archive.verify(made, backup_key(node.data_dir, create=False))
    engine = make_engine(node.resolved_database_url)
    with Session(engine) as db:
        size = log.size(db)
        assert manifest["audit"] == {
            "size": size,
            "root": log.root(db, size).hex(),
            "checkpoint": manifest["audit"]["checkpoint"],
        }
        assert manifest["audit"]["checkpoint"]["tree_size"] == size - 2  # then its event, one more
    engine.dispose()
    assert manifest["tables"]["audit_events"] == size
    assert manifest["node_id"] == str(node.secrets.node_id)
    assert set(manifest["files"]["database.enc"]) == {
        "sha256_encrypted",
        "sha256_plain",
        "size_encrypted",
        "size_plain",
    }
    assert (made / "database.enc").read_bytes()[: len(stream.MAGIC)] == stream.MAGIC
    assert oct((made / "database.enc").stat().st_mode & 0o777) == "0o600"
    assert not list(made.parent.glob(".*tmp*")), "the temporary directory was left behind"


def _flip(path: Path, at: int) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


def test_corrupted_backup_is_refused_by_verify_and_restore(copy: Path, fresh: Settings) -> None:
    _flip(copy / "database.enc", (copy / "database.enc").stat().st_size // 2)
    code, output = _cli(fresh, "backup", "verify", str(copy))
    assert code == 1
    assert "does not decrypt" in output and "Traceback" not in output
    code, output = _cli(fresh, "backup", "restore", str(copy))
    assert code == 1 and "does not decrypt" in output
    assert _tables(fresh) == 0, "a refused restore left something in the database"


def test_truncated_backup_is_refused_by_verify_and_restore(copy: Path, fresh: Settings) -> None:
    data = copy / "database.enc"
    data.write_bytes(data.read_bytes()[: stream.HEADER_BYTES + stream.CHUNK + stream.TAG])
    code, output = _cli(fresh, "backup", "verify", str(copy))
    assert code == 1 and "truncated" in output
    code, output = _cli(fresh, "backup", "restore", str(copy))
    assert code == 1 and "truncated" in output
    assert _tables(fresh) == 0


def test_altered_manifest_missing_file_and_wrong_key_are_refused(copy: Path, fresh: Settings) -> None:
    key = backup_key(fresh.data_dir, create=False)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["audit"]["size"] += 1
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(BackupError, match="altered"):
        archive.verify(copy, key)
    with pytest.raises(BackupError, match="made with backup key"):
        archive.verify(copy, b"\x00" * 32)
    (copy / "manifest.json").unlink()
    with pytest.raises(BackupError, match=r"no manifest\.json"):
        archive.verify(copy, key)


def test_backup_create_refuses_a_directory_that_holds_files(node: Settings, tmp_path: Path) -> None:
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "x").write_text("x")
    with pytest.raises(BackupError, match="not an empty directory"):
        archive.create(node, tmp_path / "busy", backup_key(node.data_dir, create=False))


# --- restore ----------------------------------------------------------------------------------------


def test_restore_over_a_live_node_is_refused(node: Settings, made: Path) -> None:
    before = _tables(node)
    code, output = _cli(node, "backup", "restore", str(made))
    assert code == 1
    assert "refusing to restore over a database that holds tables" in output
    assert _tables(node) == before


def test_restore_refuses_a_data_directory_of_another_node(made: Path, fresh: Settings) -> None:
    other = Settings(data_dir=fresh.data_dir, database_url=fresh.resolved_database_url)
    other.secrets  # noqa: B018 - a new node's keys: not the backup's node
    with pytest.raises(BackupError, match="holds the keys of another node"):
        restore(other, made, backup_key(fresh.data_dir, create=False))
    assert _tables(fresh) == 0


def test_restore_without_keys_restores_and_says_to_recover_them(
    node: Settings, made: Path, fresh: Settings
) -> None:
    done = restore(fresh, made, backup_key(fresh.data_dir, create=False))
    assert not done.audit_verified
    assert not (fresh.data_dir / "secrets.json").exists(), "restore must not make new node keys"
    engine = make_engine(fresh.resolved_database_url)
    with Session(engine) as db:
        assert log.root(db, log.size(db)).hex() == done.manifest["audit"]["root"]
    engine.dispose()
    # It remembers the newest checkpoint the node published (backup.rewind).
    assert rewind.remembered(fresh.data_dir) == (
        done.manifest["audit"]["checkpoint"]["tree_size"],
        done.manifest["audit"]["checkpoint"]["root"],
    )


# --- key shares ------------------------------------------------------------------------------------


def test_fewer_shares_than_the_threshold_recover_nothing(node: Settings, tmp_path: Path) -> None:
    code, output = _cli(node, "keys", "export-shares", str(tmp_path / "sheets"))  # 3 of 5 by default
    assert code == 0, output
    sheets = [(tmp_path / "sheets" / f"share-{n}.txt").read_text() for n in range(1, 6)]
    into = tmp_path / "into"
    with pytest.raises(BackupError, match="do not recover the keys"):
        shares.recover(sheets[:2], into)
    assert not into.exists() or not any(into.iterdir())
    code, output = _cli(
        Settings(data_dir=into), "keys", "recover", *[str(tmp_path / "sheets" / "share-1.txt")]
    )
    assert code == 1 and "do not recover the keys" in output
    assert not into.exists() or not any(into.iterdir())

    bundle = shares.recover([sheets[4], sheets[0], sheets[2]], into)
    assert bundle["secrets"]["node_id"] == str(node.secrets.node_id)
    for name in ("person-keys.json", "secrets.json", "backup-key.json"):
        assert oct((into / name).stat().st_mode & 0o777) == "0o600"
        assert (into / name).read_text() == (node.data_dir / name).read_text() or name != "secrets.json"
    assert json.loads((into / "person-keys.json").read_text()) == node.keyring.as_json()
    assert backup_key(into, create=False) == backup_key(node.data_dir, create=False)
    with pytest.raises(BackupError, match="already holds"):
        shares.recover(sheets[:3], into)


def test_shares_of_two_exports_do_not_mix(node: Settings, tmp_path: Path) -> None:
    shares.export(node.data_dir, tmp_path / "one", threshold=2, count=3)
    shares.export(node.data_dir, tmp_path / "two", threshold=2, count=3)
    mixed = [(tmp_path / "one" / "share-1.txt").read_text(), (tmp_path / "two" / "share-2.txt").read_text()]
    with pytest.raises(BackupError, match="different exports"):
        shares.recover(mixed, tmp_path / "into")
    sheet = (tmp_path / "one" / "share-1.txt").read_text()
    assert sheet.count("share: ") == 1 and (tmp_path / "one" / "share-1.svg").read_text().startswith("<?xml")


# --- schedule, retention, rewind -----------------------------------------------------------------


def test_scheduled_backups_once_per_interval_with_retention(node: Settings, tmp_path: Path) -> None:
    settings = node.model_copy(
        update={"backup_dir": tmp_path / "backups", "backup_hours": 6, "backup_keep": 2}
    )
    start = datetime(2026, 1, 1, tzinfo=UTC)
    first = schedule.run_once(settings, start)
    assert first is not None and (first / "manifest.json").is_file()
    assert schedule.run_once(settings, start + timedelta(hours=5)) is None  # not due yet
    made = [schedule.run_once(settings, start + timedelta(hours=6 * n)) for n in (1, 2, 3)]
    assert all(made)
    assert schedule.backups(settings.backup_dir) == made[1:]  # the two newest kept
    # Another process of this node holding the lock: this one does nothing.
    with (settings.backup_dir / schedule.LOCK).open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        assert schedule.run_once(settings, start + timedelta(hours=48)) is None


def test_a_node_behind_its_published_checkpoint_says_so(
    settings: Settings, engine, connection, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    data_dir = tmp_path / "data"
    shutil.copytree(settings.data_dir, data_dir)
    rewind.remember(data_dir, 10**9, "ab" * 32)
    behind = settings.model_copy(update={"data_dir": data_dir})
    factory = make_sessionmaker(connection, join_transaction_mode="create_savepoint")
    app = create_app(behind, engine=engine, session_factory=factory, background=True)
    with TestClient(app) as client:
        ready = client.get("/readyz").json()
    assert ready["status"] == "ready"
    assert "had published a checkpoint at size 1000000000" in ready["warnings"][0]
    # Remembering never goes back.
    rewind.remember(data_dir, 1, "cd" * 32)
    assert rewind.remembered(data_dir) == (10**9, "ab" * 32)


def test_a_rewound_log_that_grew_again_is_a_fork(db: Session, tmp_path: Path) -> None:
    size = log.size(db)
    audit.record(db, system_principal(), "test.event", "thing", "x")
    assert rewind.behind_warning(db, tmp_path) is None  # nothing remembered
    rewind.remember(tmp_path, size + 1, log.root(db, size + 1).hex())
    assert rewind.behind_warning(db, tmp_path) is None  # what it published: fine
    (tmp_path / rewind.PUBLISHED_FILE).unlink()
    rewind.remember(tmp_path, size + 1, "00" * 32)  # published other entries at that size
    assert "will see a fork" in (rewind.behind_warning(db, tmp_path) or "")
