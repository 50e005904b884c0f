"""Scheduled backups in `qorgau serve` (off unless QORGAU_BACKUP_DIR and QORGAU_BACKUP_HOURS are
set) and the retention of QORGAU_BACKUP_KEEP newest backups.

Once per node: each due backup is made under an exclusive, non-blocking lock on a file in the
backup directory, and only when the newest backup there is older than the interval. So the
processes that serve one node and share that directory (several workers, a restart) make one
backup per interval between them. Nodes on separate hosts need separate directories or one
host designated to back up (see README, Operations).
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from qorgau.backup import archive
from qorgau.backup.stream import backup_key
from qorgau.config import Settings

PREFIX = "qorgau-"
LOCK = ".schedule.lock"
log = logging.getLogger("qorgau.backup")


def backups(directory: Path) -> list[Path]:
    """Complete backups in `directory`, oldest first (names sort by time)."""
    if not directory.is_dir():
        return []
    return sorted(
        p for p in directory.iterdir() if p.name.startswith(PREFIX) and (p / archive.MANIFEST).is_file()
    )


def prune(directory: Path, keep: int) -> list[Path]:
    """Delete all but the `keep` newest backups (0: keep all); returns those deleted."""
    doomed = backups(directory)[:-keep] if keep > 0 else []
    for path in doomed:
        shutil.rmtree(path)
    return doomed


def _made_at(path: Path) -> datetime | None:
    try:
        return datetime.strptime(path.name.removeprefix(PREFIX), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def run_once(settings: Settings, now: datetime | None = None) -> Path | None:
    """Make a backup if one is due and no other process of this node is making one; prune."""
    assert settings.backup_dir is not None
    now = now or datetime.now(UTC)
    directory = settings.backup_dir
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    with (directory / LOCK).open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return None  # another process of this node is backing up now
        newest = [t for t in map(_made_at, backups(directory)) if t is not None]
        # A little slack: a tick that comes a moment early does not skip a whole interval.
        if newest and now - max(newest) < timedelta(hours=settings.backup_hours) - timedelta(minutes=1):
            return None
        target = directory / f"{PREFIX}{now.strftime('%Y%m%dT%H%M%SZ')}"
        manifest = archive.create(settings, target, backup_key(settings.data_dir, create=True))
        log.info("backup written to %s (audit log size %d)", target, manifest["audit"]["size"])
        for gone in prune(directory, settings.backup_keep):
            log.info("backup %s removed (QORGAU_BACKUP_KEEP=%d)", gone, settings.backup_keep)
        return target


async def scheduled(settings: Settings) -> None:
    """The serve process's backup loop: look every few minutes whether a backup is due."""
    from starlette.concurrency import run_in_threadpool

    if settings.backup_dir is None or settings.backup_hours <= 0:
        return
    tick = min(settings.backup_hours * 3600, 600)
    while True:
        try:
            await run_in_threadpool(run_once, settings)
        except Exception:
            log.exception("scheduled backup failed; will try again")
        await asyncio.sleep(tick)
