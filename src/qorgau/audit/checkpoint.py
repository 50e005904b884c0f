"""Checkpoints of the audit log in the C2SP signed-note format, signed with Ed25519.

    <origin>
    <tree size>
    <root hash, base64>

    — <key name> <base64(key id || signature)>

The key id is the first four bytes of SHA-256(key name || "\\n" || 0x01 || public key), and a
verifier key is written "<name>+<key id hex>+<base64(0x01 || public key)>". Pure: no storage.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519 = b"\x01"
SIGNATURE_PREFIX = "\u2014 "  # an em dash and a space begin every signature line


class CheckpointError(ValueError):
    pass


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    tree_size: int
    root_hash: bytes

    def body(self) -> str:
        return f"{self.origin}\n{self.tree_size}\n{base64.b64encode(self.root_hash).decode()}\n"


def _raw_public(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(name: str, public_key: Ed25519PublicKey) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + _raw_public(public_key)).digest()[:4]


def verifier_key(name: str, public_key: Ed25519PublicKey) -> str:
    encoded = base64.b64encode(ED25519 + _raw_public(public_key)).decode()
    return f"{name}+{key_id(name, public_key).hex()}+{encoded}"


def parse_verifier_key(text: str) -> tuple[str, Ed25519PublicKey]:
    try:
        name, kid, encoded = text.strip().split("+", 2)  # the base64 may itself hold "+"
        raw = base64.b64decode(encoded, validate=True)
    except ValueError as exc:
        raise CheckpointError("a verifier key reads <name>+<key id>+<base64 key>") from exc
    if raw[:1] != ED25519 or len(raw) != 33:
        raise CheckpointError("only Ed25519 verifier keys are supported")
    public_key = Ed25519PublicKey.from_public_bytes(raw[1:])
    if key_id(name, public_key).hex() != kid:
        raise CheckpointError("the verifier key's id does not match its name and key")
    return name, public_key


def sign(checkpoint: Checkpoint, name: str, private_key: Ed25519PrivateKey) -> str:
    """The signed note: the checkpoint body, a blank line, and this key's signature line."""
    body = checkpoint.body()
    signature = private_key.sign(body.encode())
    stamp = base64.b64encode(key_id(name, private_key.public_key()) + signature).decode()
    return f"{body}\n{SIGNATURE_PREFIX}{name} {stamp}\n"


def cosign(note: str, name: str, private_key: Ed25519PrivateKey) -> str:
    """Add another key's signature (a witness) to a signed note."""
    body, _sep, _signatures = note.partition("\n\n")
    signature = private_key.sign((body + "\n").encode())
    stamp = base64.b64encode(key_id(name, private_key.public_key()) + signature).decode()
    return f"{note}{SIGNATURE_PREFIX}{name} {stamp}\n"


def parse(note: str) -> tuple[Checkpoint, list[tuple[str, bytes]]]:
    """The checkpoint and its signature lines as (key name, key id || signature)."""
    body, sep, signatures = note.partition("\n\n")
    lines = body.split("\n")
    if not sep or len(lines) < 3:
        raise CheckpointError("not a signed checkpoint: origin, size and root, a blank line, signatures")
    origin, size_text, root_text = lines[0], lines[1], lines[2]
    if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
        raise CheckpointError("the tree size is not a decimal number")
    try:
        root = base64.b64decode(root_text, validate=True)
    except ValueError as exc:
        raise CheckpointError("the root hash is not base64") from exc
    if len(root) != 32:
        raise CheckpointError("the root hash is not 32 bytes")
    parsed = []
    for line in signatures.splitlines():
        if not line.startswith(SIGNATURE_PREFIX):
            raise CheckpointError("a signature line must start with an em dash")
        name, _space, stamp = line[len(SIGNATURE_PREFIX) :].rpartition(" ")
        try:
            parsed.append((name, base64.b64decode(stamp, validate=True)))
        except ValueError as exc:
            raise CheckpointError("a signature is not base64") from exc
    return Checkpoint(origin, int(size_text), root), parsed


def verify(note: str, name: str, public_key: Ed25519PublicKey) -> Checkpoint:
    """The checkpoint, if `note` carries a valid signature by this key; else CheckpointError."""
    checkpoint, signatures = parse(note)
    body = note.partition("\n\n")[0] + "\n"
    kid = key_id(name, public_key)
    for signer, stamp in signatures:
        if signer == name and stamp[:4] == kid:
            try:
                public_key.verify(stamp[4:], body.encode())
            except InvalidSignature:
                continue
            return checkpoint
    raise CheckpointError(f"no valid signature by {name} on this checkpoint")
