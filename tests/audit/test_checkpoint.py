"""Signed checkpoints (C2SP signed note, Ed25519): round trip, witnesses, forgeries refused."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from qorgau.audit import checkpoint as cp

KEY = Ed25519PrivateKey.generate()
NAME = "qorgau.kz/audit"


@given(size=st.integers(0, 2**63), root=st.binary(min_size=32, max_size=32))
def test_a_signed_checkpoint_verifies_and_parses_back(size, root):
    note = cp.sign(cp.Checkpoint(NAME, size, root), NAME, KEY)
    assert cp.verify(note, NAME, KEY.public_key()) == cp.Checkpoint(NAME, size, root)


def test_the_note_has_the_c2sp_shape():
    note = cp.sign(cp.Checkpoint(NAME, 7, bytes(32)), NAME, KEY)
    lines = note.split("\n")
    assert lines[:4] == [NAME, "7", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", ""]
    assert lines[4].startswith("\u2014 " + NAME + " ") and note.endswith("\n")


@given(st.binary(min_size=32, max_size=32))
def test_any_key_survives_the_verifier_key_text(seed):
    key = Ed25519PrivateKey.from_private_bytes(seed)
    name, public = cp.parse_verifier_key(cp.verifier_key(NAME, key.public_key()))
    assert name == NAME and cp.key_id(NAME, public) == cp.key_id(NAME, key.public_key())


def test_verifier_key_round_trip_and_tampering():
    text = cp.verifier_key(NAME, KEY.public_key())
    name, public = cp.parse_verifier_key(text)
    assert name == NAME
    note = cp.sign(cp.Checkpoint(NAME, 12, b"\x01" * 32), NAME, KEY)
    assert cp.verify(note, name, public).tree_size == 12
    forged = note.replace("\n12\n", "\n13\n")
    with pytest.raises(cp.CheckpointError):
        cp.verify(forged, name, public)
    with pytest.raises(cp.CheckpointError):
        cp.verify(note, name, Ed25519PrivateKey.generate().public_key())
    with pytest.raises(cp.CheckpointError):
        cp.parse_verifier_key(text.replace("+", "+0", 1))


def test_a_witness_cosignature_keeps_the_log_signature_valid():
    witness = Ed25519PrivateKey.generate()
    note = cp.sign(cp.Checkpoint(NAME, 3, b"\x02" * 32), NAME, KEY)
    cosigned = cp.cosign(note, "qorgau.uz/witness", witness)
    assert cp.verify(cosigned, NAME, KEY.public_key()).tree_size == 3
    assert cp.verify(cosigned, "qorgau.uz/witness", witness.public_key()).tree_size == 3


@pytest.mark.parametrize(
    "note", ["", "origin\n1\n", "o\nx\nAAAA\n\n", "o\n01\n" + "A" * 43 + "=\n\n", "o\n1\nAAAA\n\nno dash\n"]
)
def test_malformed_notes_are_refused(note):
    with pytest.raises(cp.CheckpointError):
        cp.parse(note)
