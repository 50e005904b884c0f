"""The node's keys, exported apart from its data and split among custodians.

What is exported (one "key bundle"): the keyring of personal data (person-keys.json), the node's
secrets (secrets.json: its id, MAC and secret-box keys, the key that signs its log) and the
backup key. The bundle is sealed with AES-256-GCM under a fresh random 256-bit key, and that key
is split with SLIP-39 (Shamir's scheme over GF(256), Trezor's reference implementation
`shamir-mnemonic`): by default 5 shares, any 3 of which give it back. Each share is a list of 33
words with a checksum (a mistyped word is caught), printed with the sealed bundle on one sheet
and as a QR code; the sealed bundle alone, or fewer than the threshold of shares, opens nothing.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import segno
import shamir_mnemonic
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from qorgau.backup.stream import BACKUP_KEY_FILE, BackupError, backup_key, write_key_file
from qorgau.config import SECRETS_FILE, load_or_create_secrets
from qorgau.keyring import KEYRING_FILE, Keyring, load_keyring

BUNDLE_FORMAT = "qorgau-keys/1"
SEALED_PREFIX = BUNDLE_FORMAT + ":"


@dataclass(frozen=True)
class Share:
    number: int
    mnemonic: str
    text: str  # the printable sheet


def _bundle(data_dir: Path) -> dict[str, Any]:
    load_or_create_secrets(data_dir)  # only reads: the node exists
    return {
        "format": BUNDLE_FORMAT,
        "keyring": load_keyring(data_dir).as_json(),
        "secrets": json.loads((data_dir / SECRETS_FILE).read_text()),
        "backup_key": backup_key(data_dir, create=True).hex(),
    }


def export(data_dir: Path, out_dir: Path, threshold: int = 3, count: int = 5) -> list[Share]:
    """Write share-N.txt and share-N.svg (QR) for each custodian into the new directory
    `out_dir`, and keys.sealed (the sealed bundle, useless without the shares)."""
    if not 1 <= threshold <= count <= 16:
        raise BackupError("give 1 <= threshold <= shares <= 16")
    if out_dir.exists() and any(out_dir.iterdir()):
        raise BackupError(f"{out_dir} is not empty; give a new directory for the shares")
    bundle = _bundle(data_dir)
    node_id = bundle["secrets"]["node_id"]
    wrap = secrets.token_bytes(32)
    nonce = secrets.token_bytes(12)
    plain = json.dumps(bundle, separators=(",", ":")).encode()
    sealed = (
        SEALED_PREFIX
        + base64.b64encode(nonce + AESGCM(wrap).encrypt(nonce, plain, BUNDLE_FORMAT.encode())).decode()
    )
    mnemonics = shamir_mnemonic.generate_mnemonics(1, [(threshold, count)], wrap)[0]
    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    made = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    shares = []
    for number, mnemonic in enumerate(mnemonics, start=1):
        payload = f"share: {mnemonic}\nsealed: {sealed}\n"
        text = (
            f"Qorgau key share {number} of {count} for node {node_id}, made {made}.\n"
            f"Any {threshold} of the {count} shares recover the node's keys (qorgau keys recover);\n"
            f"fewer reveal nothing. Keep this sheet apart from the other shares and from the backups.\n\n"
            + payload
        )
        _private_text(out_dir / f"share-{number}.txt", text)
        fd = os.open(out_dir / f"share-{number}.svg", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as svg:
            segno.make(payload, error="m").save(svg, kind="svg", scale=3)
        shares.append(Share(number, mnemonic, text))
    _private_text(out_dir / "keys.sealed", sealed + "\n")
    return shares


def _private_text(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)


def parse(texts: list[str]) -> tuple[list[str], str]:
    """The share mnemonics and the sealed bundle found in share sheets (or scanned QR codes)."""
    mnemonics, sealed = [], set()
    for text in texts:
        for line in text.splitlines():
            label, _, value = line.partition(":")
            if label.strip() == "share":
                mnemonics.append(" ".join(value.split()))
            elif label.strip() == "sealed":
                sealed.add(value.strip())
    if not mnemonics:
        raise BackupError("no share found (lines starting with 'share:')")
    if len(sealed) != 1:
        raise BackupError(
            "no sealed key bundle found (a line starting with 'sealed:')"
            if not sealed
            else "the shares come from different exports (their sealed bundles differ)"
        )
    return list(dict.fromkeys(mnemonics)), sealed.pop()


def recover(texts: list[str], into: Path) -> dict[str, Any]:
    """Rebuild the keys from enough share sheets and write them into the data directory `into`,
    never over an existing key file. Returns the bundle (for its node id)."""
    mnemonics, sealed = parse(texts)
    try:
        wrap = shamir_mnemonic.combine_mnemonics(mnemonics)
    except shamir_mnemonic.MnemonicError as exc:
        raise BackupError(f"the shares do not recover the keys: {exc}") from None
    try:
        raw = base64.b64decode(sealed.removeprefix(SEALED_PREFIX), validate=True)
        plain = AESGCM(wrap).decrypt(raw[:12], raw[12:], BUNDLE_FORMAT.encode())
        bundle: dict[str, Any] = json.loads(plain)
    except (ValueError, InvalidTag):
        raise BackupError(
            "the shares do not open the sealed key bundle (altered, or from another export)"
        ) from None
    existing = [n for n in (KEYRING_FILE, SECRETS_FILE, BACKUP_KEY_FILE) if (into / n).exists()]
    if existing:
        raise BackupError(f"{into} already holds {', '.join(existing)}; recover into a new data directory")
    Keyring.from_json(bundle["keyring"], "the recovered bundle")  # checks it before writing
    into.mkdir(parents=True, exist_ok=True)
    _private_text(into / KEYRING_FILE, json.dumps(bundle["keyring"]))
    _private_text(into / SECRETS_FILE, json.dumps(bundle["secrets"]))
    write_key_file(into / BACKUP_KEY_FILE, bytes.fromhex(bundle["backup_key"]))
    return bundle
