"""RFC 9162 Merkle maths against the published Certificate Transparency test vectors and
against a brute-force tree written here from the RFC's recursive definitions."""

from __future__ import annotations

import hashlib
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qorgau.audit import merkle

# The RFC 6962 / 9162 reference leaves and tree heads (certificate-transparency test data).
CT_LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_INCLUSION_5_OF_8 = [
    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
]
CT_CONSISTENCY_3_TO_8 = [
    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
]


class Log:
    """Appends leaves the way storage does: keeping only the perfect subtrees."""

    def __init__(self) -> None:
        self.perfect: dict[merkle.Node, bytes] = {}
        self.size = 0

    def append(self, entry: bytes) -> None:
        for node, h in merkle.completed_nodes(self.size, merkle.leaf_hash(entry), self.perfect.__getitem__):
            self.perfect[node] = h
        self.size += 1

    def root(self, size: int) -> bytes:
        return merkle.EMPTY_ROOT if size == 0 else merkle.hash_range(0, size, self.perfect)

    def inclusion(self, index: int, size: int) -> list[bytes]:
        return merkle.proof(merkle.inclusion_ranges(index, size), self.perfect)

    def consistency(self, first: int, second: int) -> list[bytes]:
        return merkle.proof(merkle.consistency_ranges(first, second), self.perfect)


def brute_force(entries: list[bytes]):  # type: ignore[no-untyped-def]
    """MTH, PATH and PROOF exactly as RFC 9162 section 2.1 defines them, by recursion."""

    def k_for(n: int) -> int:
        k = 1
        while k * 2 < n:
            k *= 2
        return k

    @cache
    def mth(lo: int, hi: int) -> bytes:
        if hi - lo == 0:
            return hashlib.sha256(b"").digest()
        if hi - lo == 1:
            return hashlib.sha256(b"\x00" + entries[lo]).digest()
        k = k_for(hi - lo)
        return hashlib.sha256(b"\x01" + mth(lo, lo + k) + mth(lo + k, hi)).digest()

    def path(m: int, lo: int, hi: int) -> list[bytes]:
        if hi - lo == 1:
            return []
        k = k_for(hi - lo)
        if m < k:
            return [*path(m, lo, lo + k), mth(lo + k, hi)]
        return [*path(m - k, lo + k, hi), mth(lo, lo + k)]

    def subproof(m: int, lo: int, hi: int, complete: bool) -> list[bytes]:
        if m == hi - lo:
            return [] if complete else [mth(lo, hi)]
        k = k_for(hi - lo)
        if m <= k:
            return [*subproof(m, lo, lo + k, complete), mth(lo + k, hi)]
        return [*subproof(m - k, lo + k, hi, False), mth(lo, lo + k)]

    return mth, path, subproof


def test_published_tree_heads_and_proofs():
    log = Log()
    assert log.root(0).hex() == CT_ROOTS[0]
    for entry in CT_LEAVES:
        log.append(entry)
    for size in range(1, 9):
        assert log.root(size).hex() == CT_ROOTS[size]
    root8 = bytes.fromhex(CT_ROOTS[8])
    assert [h.hex() for h in log.inclusion(5, 8)] == CT_INCLUSION_5_OF_8
    assert merkle.verify_inclusion(merkle.leaf_hash(CT_LEAVES[5]), 5, 8, log.inclusion(5, 8), root8)
    assert [h.hex() for h in log.consistency(3, 8)] == CT_CONSISTENCY_3_TO_8
    assert merkle.verify_consistency(3, 8, bytes.fromhex(CT_ROOTS[3]), root8, log.consistency(3, 8))


def test_every_tree_size_up_to_300_matches_the_brute_force_tree():
    entries = [f"audit event {i}".encode() for i in range(300)]
    mth, path, subproof = brute_force(entries)
    log = Log()
    for size in range(1, 301):
        log.append(entries[size - 1])
        root = log.root(size)
        assert root == mth(0, size)
        for index in range(size):
            p = log.inclusion(index, size)
            assert p == path(index, 0, size)
            assert merkle.verify_inclusion(merkle.leaf_hash(entries[index]), index, size, p, root)
        for first in range(1, size + 1):
            c = log.consistency(first, size)
            assert c == subproof(first, 0, size, True)
            assert merkle.verify_consistency(first, size, mth(0, first), root, c)


@pytest.fixture(scope="module")
def big_log() -> Log:
    log = Log()
    for i in range(5000):
        log.append(i.to_bytes(4, "big"))
    return log


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_proofs_in_larger_trees_verify_and_any_tampering_fails(big_log, data):
    size = data.draw(st.integers(1, 5000), label="size")
    index = data.draw(st.integers(0, size - 1), label="index")
    first = data.draw(st.integers(1, size), label="first")
    root, first_root = big_log.root(size), big_log.root(first)
    leaf = merkle.leaf_hash(index.to_bytes(4, "big"))
    inclusion = big_log.inclusion(index, size)
    consistency = big_log.consistency(first, size)
    assert merkle.verify_inclusion(leaf, index, size, inclusion, root)
    assert merkle.verify_consistency(first, size, first_root, root, consistency)

    other_leaf = merkle.leaf_hash(b"rewritten")
    assert not merkle.verify_inclusion(other_leaf, index, size, inclusion, root)
    if inclusion:
        which = data.draw(st.integers(0, len(inclusion) - 1), label="tampered node")
        bad = [*inclusion]
        bad[which] = hashlib.sha256(bad[which]).digest()
        assert not merkle.verify_inclusion(leaf, index, size, bad, root)
        assert not merkle.verify_inclusion(leaf, index, size, inclusion[:-1], root)
    if first < size:
        assert not merkle.verify_consistency(first, size, merkle.leaf_hash(b"forged"), root, consistency)
        assert not merkle.verify_consistency(
            first, size, first_root, merkle.leaf_hash(b"forged"), consistency
        )
        which = data.draw(st.integers(0, len(consistency) - 1), label="tampered node")
        bad = [*consistency]
        bad[which] = hashlib.sha256(bad[which]).digest()
        assert not merkle.verify_consistency(first, size, first_root, root, bad)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError):
        merkle.inclusion_ranges(3, 3)
    with pytest.raises(ValueError):
        merkle.consistency_ranges(0, 3)
    with pytest.raises(ValueError):
        merkle.consistency_ranges(4, 3)
    assert not merkle.verify_inclusion(merkle.EMPTY_ROOT, 3, 3, [], merkle.EMPTY_ROOT)
    assert not merkle.verify_consistency(2, 1, merkle.EMPTY_ROOT, merkle.EMPTY_ROOT, [])


def test_a_proof_cannot_be_passed_off_for_a_larger_tree(big_log):
    # A log claiming size 1025 while showing the root and proof of size 1024 must be caught:
    # the path is too short for the size it claims.
    for index in (0, 511, 1023):
        leaf = merkle.leaf_hash(index.to_bytes(4, "big"))
        proof_1024, root_1024 = big_log.inclusion(index, 1024), big_log.root(1024)
        assert merkle.verify_inclusion(leaf, index, 1024, proof_1024, root_1024)
        assert not merkle.verify_inclusion(leaf, index, 1025, proof_1024, root_1024)
