"""Keys that protect personal data at rest: AES-256-GCM data keys (each with an id, so they can
rotate) and the key of the blind indexes (keyed HMACs of normalised values for exact lookups).

The keyring lives in the data directory (`person-keys.json`, mode 0600) or, for deployments
that keep secrets outside the disk, in the environment as QORGAU_PERSON_KEYS (the same JSON).
Old data keys stay in the keyring after a rotation, marked retired: a backup taken before the
rotation still opens.

A running node picks up a rotation without a restart (KeyringFile): every use of the keyring
looks at the file's inode, size and modification time (one stat) and reads it again when they
changed, and a key id it does not hold makes it read the file once more before it refuses. A
keyring from QORGAU_PERSON_KEYS cannot change under a running process: a new one there takes
a restart.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from qorgau.errors import DomainError
from qorgau.i18n import N_, _

KEYRING_FILE = "person-keys.json"
KEYRING_ENV = "QORGAU_PERSON_KEYS"
NONCE_BYTES = 12
BLIND_INDEX_BYTES = 16
log = logging.getLogger("qorgau.keyring")


def row_aad(table: str, row_id: uuid.UUID | int) -> bytes:
    """The associated data of a value sealed for one row: its table (or kind of value) and the
    row's id (a UUID, or the same 128 bits as an integer), so the value opens nowhere else."""
    raw = row_id.bytes if isinstance(row_id, uuid.UUID) else row_id.to_bytes(16, "big")
    return table.encode() + b":" + raw


def _json(value: dict[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


class KeyringError(DomainError):
    """Personal data cannot be opened: the node is misconfigured, not the user's input."""

    status = 503
    title = N_("Personal data unavailable")


@dataclass
class Keyring:
    active_id: str
    data_keys: dict[str, bytes]
    index_key: bytes
    retired: set[str] = field(default_factory=set)
    _aead: dict[str, AESGCM] = field(default_factory=dict, repr=False)
    # Where a newer keyring may be had (KeyringFile.reread), asked once before refusing a key
    # id this one does not hold: a record re-sealed by a rotation that finished a moment ago.
    _newer: Callable[[], Keyring] | None = field(default=None, repr=False, compare=False)

    def _cipher(self, key_id: str) -> AESGCM:
        cipher = self._aead.get(key_id)
        if cipher is None:
            key = self.data_keys.get(key_id)
            if key is None and self._newer is not None:
                newer = self._newer()
                if key_id in newer.data_keys:
                    return newer._cipher(key_id)
            if key is None:
                raise KeyringError(
                    _(
                        "Personal data was sealed with key %(key)s, which this node's keyring does not "
                        "hold. Restore %(file)s from the backup, or set %(env)s."
                    )
                    % {"key": key_id, "file": KEYRING_FILE, "env": KEYRING_ENV}
                )
            cipher = self._aead[key_id] = AESGCM(key)
        return cipher

    def seal(self, plaintext: bytes, aad: bytes) -> tuple[str, bytes]:
        """Encrypt with the active key. The associated data binds the value to its row, so a
        sealed value copied onto another row does not open there."""
        nonce = os.urandom(NONCE_BYTES)
        return self.active_id, nonce + self._cipher(self.active_id).encrypt(nonce, plaintext, aad)

    def open(self, key_id: str, sealed: bytes, aad: bytes) -> bytes:
        try:
            return self._cipher(key_id).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], aad)
        except InvalidTag as exc:
            raise KeyringError(
                _(
                    "Personal data does not open with key %(key)s: the key is not the one it was "
                    "sealed with, or the record was altered."
                )
                % {"key": key_id}
            ) from exc

    def seal_json(self, value: dict[str, Any], aad: bytes) -> tuple[str, bytes]:
        return self.seal(_json(value), aad)

    def open_json(self, key_id: str, sealed: bytes, aad: bytes) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.open(key_id, sealed, aad))
        return loaded

    # The public sealing API of every room: a value sealed for one row of one table (row_aad).

    def seal_row(self, table: str, row_id: uuid.UUID | int, plaintext: bytes) -> tuple[str, bytes]:
        """(key id, sealed value) of `plaintext` for that row, under the active key."""
        return self.seal(plaintext, row_aad(table, row_id))

    def open_row(self, key_id: str, sealed: bytes, table: str, row_id: uuid.UUID | int) -> bytes:
        return self.open(key_id, sealed, row_aad(table, row_id))

    def seal_row_json(self, table: str, row_id: uuid.UUID | int, value: dict[str, Any]) -> tuple[str, bytes]:
        """A dict sealed for a row, as compact UTF-8 JSON (keys in the dict's order)."""
        return self.seal(_json(value), row_aad(table, row_id))

    def open_row_json(
        self, key_id: str, sealed: bytes, table: str, row_id: uuid.UUID | int
    ) -> dict[str, Any]:
        return self.open_json(key_id, sealed, row_aad(table, row_id))

    def blind(self, kind: str, value: str) -> bytes:
        """A blind index: equal normalised values give equal digests, and without the key the
        digest says nothing about the value (not even for a guessable birth date)."""
        msg = kind.encode() + b"\x00" + value.encode()
        return hmac.new(self.index_key, msg, hashlib.sha256).digest()[:BLIND_INDEX_BYTES]

    def as_json(self) -> dict[str, Any]:
        return {
            "active": self.active_id,
            "data_keys": {k: v.hex() for k, v in self.data_keys.items()},
            "retired": sorted(self.retired),
            "index_key": self.index_key.hex(),
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any], source: str) -> Keyring:
        try:
            keys = {str(k): bytes.fromhex(v) for k, v in raw["data_keys"].items()}
            ring = cls(
                active_id=str(raw["active"]),
                data_keys=keys,
                index_key=bytes.fromhex(raw["index_key"]),
                retired=set(raw.get("retired", [])),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise KeyringError(
                _("The keyring in %(source)s is malformed: %(error)s") % {"source": source, "error": exc}
            ) from exc
        if ring.active_id not in keys or any(len(k) != 32 for k in keys.values()):
            raise KeyringError(
                _("The keyring in %(source)s must hold 256-bit keys and its active key.") % {"source": source}
            )
        return ring


def open_legacy(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    """A value sealed before the keyring sealed it (TOTP seeds before migration 0015, under the
    secret-box key of the node's secrets file; no key id stored): the same AES-256-GCM layout,
    nonce first. Such values are re-sealed with the keyring when next used or at `keys rotate`."""
    try:
        return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], aad)
    except InvalidTag as exc:
        raise KeyringError(
            _(
                "A value sealed with this node's former secret-box key does not open: the secrets "
                "file changed."
            )
        ) from exc


def _new_key_id(existing: set[str]) -> str:
    n = len(existing) + 1
    while f"k{n}" in existing:
        n += 1
    return f"k{n}"


def _write(path: Path, ring: Keyring) -> None:
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(ring.as_json(), fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _stamp(path: Path) -> tuple[int, int, int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_mode)


class KeyringFile:
    """The keyring of a running node, kept in step with its file: `current()` costs one stat
    when nothing changed. The file is replaced whole by a rotation (write, fsync, rename), so a
    new inode always shows a change, and a read never sees half a file.

    If the file goes missing, becomes readable by others or malformed, the node keeps the
    keyring it has (and logs why) rather than stop serving or make new keys."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / KEYRING_FILE
        self._lock = threading.Lock()
        ring = load_keyring(data_dir)  # creates the keyring on first start
        self._stamp = _stamp(self.path)
        self._ring = self._bound(ring)

    def _bound(self, ring: Keyring) -> Keyring:
        ring._newer = self.reread
        return ring

    def current(self) -> Keyring:
        if _stamp(self.path) != self._stamp:
            return self.reread()
        return self._ring

    def reread(self) -> Keyring:
        """Read the file again, changed or not (a key id the held keyring lacks)."""
        with self._lock:
            stamp = _stamp(self.path)
            try:
                if stamp is None:
                    raise FileNotFoundError(self.path)
                if stamp[3] & 0o077:
                    raise PermissionError(f"{self.path} is readable by other users")
                ring = Keyring.from_json(json.loads(self.path.read_text()), str(self.path))
            except (OSError, ValueError, KeyringError) as exc:
                if stamp != self._stamp:
                    log.error("keyring %s not reloaded, keeping the one in use: %s", self.path, exc)
                    self._stamp = stamp
                return self._ring
            if ring.as_json() != self._ring.as_json():
                log.info("keyring %s reloaded: active key %s", self.path, ring.active_id)
                self._ring = self._bound(ring)
            self._stamp = stamp
            return self._ring


def load_keyring(data_dir: Path) -> Keyring:
    """The environment's keyring if set, else the data directory's, created on first use."""
    if raw := os.environ.get(KEYRING_ENV):
        try:
            parsed = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise KeyringError(_("%(env)s is not valid JSON.") % {"env": KEYRING_ENV}) from exc
        return Keyring.from_json(parsed, KEYRING_ENV)
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / KEYRING_FILE
    if path.exists() and path.stat().st_mode & 0o077:
        raise PermissionError(f"{path} is readable by other users; run: chmod 600 {path}")
    with (data_dir / ".secrets.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.exists():
            return Keyring.from_json(json.loads(path.read_text()), str(path))
        ring = Keyring(
            active_id="k1", data_keys={"k1": secrets.token_bytes(32)}, index_key=secrets.token_bytes(32)
        )
        _write(path, ring)
        return ring


def add_data_key(data_dir: Path) -> Keyring:
    """Make a new data key the active one; the old ones stay (retired) until nothing uses them."""
    if os.environ.get(KEYRING_ENV):
        raise KeyringError(
            _("The keyring comes from %(env)s; rotate it where that secret is kept.") % {"env": KEYRING_ENV}
        )
    ring = load_keyring(data_dir)
    with (data_dir / ".secrets.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        new_id = _new_key_id(set(ring.data_keys))
        ring.retired.add(ring.active_id)
        ring.data_keys[new_id] = secrets.token_bytes(32)
        ring.active_id = new_id
        _write(data_dir / KEYRING_FILE, ring)
    return Keyring(ring.active_id, ring.data_keys, ring.index_key, ring.retired)
