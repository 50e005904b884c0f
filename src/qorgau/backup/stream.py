"""Encryption of backup files: AES-256-GCM in 64 KiB chunks (the STREAM construction that age
uses), under a backup key that is not a data key.

File: MAGIC, a random 16-byte salt, then chunks. The file key is HKDF-SHA256(backup key, salt);
chunk i is sealed with nonce = i (11 bytes, big-endian) || 1 if it is the last chunk else 0, and
the header as associated data. So a chunk cannot be altered, reordered, dropped or moved to
another file, and a file cut after any chunk fails to open (no chunk there is marked last).

The backup key is 256 random bits in `backup-key.json` (mode 0600) in the data directory, and
it goes into the key shares (`qorgau keys export-shares`) with the data keys: scheduled backups
need no passphrase in the environment, and whoever recovers the keys can open the backups."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"QORGAU-BACKUP/1\n"
SALT_BYTES = 16
HEADER_BYTES = len(MAGIC) + SALT_BYTES
CHUNK = 64 * 1024
TAG = 16
BACKUP_KEY_FILE = "backup-key.json"
log = logging.getLogger("qorgau.backup")


class BackupError(Exception):
    """A backup cannot be made, checked or restored; the message says why, in one line."""


def key_id(key: bytes) -> str:
    """Names a backup key without revealing it (in manifests and messages)."""
    return hashlib.sha256(b"qorgau backup key id\x00" + key).hexdigest()[:16]


def _private_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def read_key_file(path: Path) -> bytes:
    try:
        if path.stat().st_mode & 0o077:
            raise PermissionError(f"{path} is readable by other users; run: chmod 600 {path}")
        key = bytes.fromhex(json.loads(path.read_text())["key"])
    except FileNotFoundError:
        raise BackupError(
            f"no backup key at {path}: recover it with `qorgau keys recover`, or give --key"
        ) from None
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupError(f"{path} is not a backup key file ({type(exc).__name__})") from None
    if len(key) != 32:
        raise BackupError(f"{path} does not hold a 256-bit key")
    return key


def write_key_file(path: Path, key: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    _private_write(path, json.dumps({"key": key.hex(), "id": key_id(key)}))


def backup_key(data_dir: Path, *, create: bool) -> bytes:
    """The node's backup key, made on first use when `create` (never replaced)."""
    path = data_dir / BACKUP_KEY_FILE
    if create and not path.exists():
        write_key_file(path, secrets.token_bytes(32))
        log.warning(
            "made a new backup key %s: backups open only with it; keep it with `qorgau keys export-shares`",
            path,
        )
    return read_key_file(path)


def _file_cipher(key: bytes, salt: bytes) -> AESGCM:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"qorgau backup file v1")
    return AESGCM(hkdf.derive(key))


def _nonce(counter: int, last: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def _rechunk(pieces: Iterable[bytes]) -> Iterator[bytes]:
    buffer = bytearray()
    for piece in pieces:
        buffer += piece
        while len(buffer) >= CHUNK:
            yield bytes(buffer[:CHUNK])
            del buffer[:CHUNK]
    yield bytes(buffer)  # possibly empty: the last chunk always exists


def encrypt(pieces: Iterable[bytes], key: bytes, out: BinaryIO) -> tuple[str, int]:
    """Write the plaintext `pieces` to `out`, encrypted; returns the plaintext's SHA-256 and size."""
    salt = secrets.token_bytes(SALT_BYTES)
    header = MAGIC + salt
    cipher = _file_cipher(key, salt)
    out.write(header)
    digest, size = hashlib.sha256(), 0
    chunks = _rechunk(pieces)
    current = next(chunks)
    counter = 0
    for following in chunks:
        if not following and len(current) == CHUNK:
            break  # the empty tail after full chunks: the full one is the last
        out.write(cipher.encrypt(_nonce(counter, False), current, header))
        digest.update(current)
        size += len(current)
        counter += 1
        current = following
    out.write(cipher.encrypt(_nonce(counter, True), current, header))
    digest.update(current)
    size += len(current)
    return digest.hexdigest(), size


def decrypt(source: BinaryIO, key: bytes, name: str) -> Iterator[bytes]:
    """The plaintext of an encrypted file, chunk by chunk; BackupError names `name` and what is
    wrong (another key, altered, truncated) as soon as it shows."""
    header = source.read(HEADER_BYTES)
    if len(header) < HEADER_BYTES or not header.startswith(MAGIC):
        raise BackupError(f"{name} is not a Qorgau backup file (or is truncated in its header)")
    cipher = _file_cipher(key, header[len(MAGIC) :])
    counter = 0
    current = source.read(CHUNK + TAG)
    while True:
        following = source.read(CHUNK + TAG)
        last = not following
        try:
            yield cipher.decrypt(_nonce(counter, last), current, header)
        except InvalidTag:
            if last and len(current) == CHUNK + TAG:
                raise BackupError(f"{name} is truncated: it ends before its last chunk") from None
            raise BackupError(
                f"{name} does not decrypt at chunk {counter}: it was altered or truncated, "
                "or this is not the backup key it was made with"
            ) from None
        if last:
            return
        counter += 1
        current = following
