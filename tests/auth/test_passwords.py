"""The password policy and argon2 hashing."""

from __future__ import annotations

import pytest

from qorgau.auth.passwords import hash_password, policy_problems, verify_password


@pytest.mark.parametrize(
    "password", ["short1!", "password1234", "qwertyuiop123", "aaaaaaaaaaaaaaa", "111111111111"]
)
def test_short_common_or_trivial_passwords_are_refused(password):
    assert policy_problems(password)


def test_a_password_may_not_contain_the_username():
    assert "must not contain the username" in " ".join(policy_problems("aigerim-Steppe-77", "aigerim"))


def test_a_long_uncommon_password_is_accepted():
    assert policy_problems("Kokpar-Horse-Taraz-19", "aigerim") == []


def test_hash_is_argon2id_salted_and_verifies_only_the_right_password():
    first, second = hash_password("Kokpar-Horse-Taraz-19"), hash_password("Kokpar-Horse-Taraz-19")
    assert first.startswith("$argon2id$") and first != second
    assert verify_password(first, "Kokpar-Horse-Taraz-19")
    assert not verify_password(first, "Kokpar-Horse-Taraz-18")
    assert not verify_password(None, "anything")
    assert not verify_password("not-a-hash", "anything")


def test_production_hashing_keeps_argon2_defaults():
    """The suite hashes cheaply (tests/conftest.py sets TEST_ONLY_CHEAP_HASHING); without that
    variable, as in production, hashing is argon2id at RFC 9106's low-memory profile or stronger."""
    from argon2 import Type

    from qorgau.auth.passwords import TEST_ONLY_CHEAP_HASHING, make_hasher

    production = make_hasher({"QORGAU_DATA_DIR": "/var/lib/qorgau"})
    assert production.type is Type.ID
    assert production.time_cost >= 3 and production.memory_cost >= 64 * 1024 and production.parallelism >= 4
    assert make_hasher({TEST_ONLY_CHEAP_HASHING: "0"}).memory_cost == production.memory_cost
    assert production.check_needs_rehash(make_hasher({TEST_ONLY_CHEAP_HASHING: "1"}).hash("x" * 12))
