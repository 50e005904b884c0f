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
