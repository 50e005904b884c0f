"""RFC 9162 (Certificate Transparency 2.0) Merkle tree maths: leaf and node hashes, tree heads,
inclusion and consistency proofs and their verification. Pure: values in, values out.

Storage keeps the hashes of *perfect* subtrees (2**level leaves starting at index * 2**level).
Every range the RFC's recursion visits is a run of such subtrees, so a proof needs only the
O(log n) stored nodes named by `perfect_cover`, never a rebuild of the tree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence

Node = tuple[int, int]  # (level, index): leaves index*2**level .. (index+1)*2**level - 1

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(width: int) -> int:
    """The largest power of two smaller than width (width > 1): the RFC's k."""
    return 1 << ((width - 1).bit_length() - 1)


def perfect_cover(lo: int, hi: int) -> list[Node]:
    """The perfect subtrees whose hashes make up MTH(D[lo:hi]), left to right. Only valid for
    the ranges the RFC recursion produces (lo is a multiple of the first subtree's width)."""
    nodes = []
    while lo < hi:
        width = hi - lo
        size = 1 << (width.bit_length() - 1)  # largest power of two <= width
        if lo % size:
            raise ValueError(f"range [{lo}, {hi}) is not one the tree recursion visits")
        nodes.append((size.bit_length() - 1, lo // size))
        lo += size
    return nodes


def hash_range(lo: int, hi: int, perfect: Mapping[Node, bytes]) -> bytes:
    """MTH(D[lo:hi]) from the perfect subtrees that cover it (right-nested, as the RFC splits)."""
    if hi <= lo:
        raise ValueError("empty range")
    hashes = [perfect[n] for n in perfect_cover(lo, hi)]
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The ranges whose hashes form PATH(index, D[size]) (RFC 9162 2.1.3.1), leaf side first."""
    if not 0 <= index < size:
        raise ValueError("leaf index must be below the tree size")
    ranges = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
    return ranges[::-1]


def consistency_ranges(first: int, second: int) -> list[tuple[int, int]]:
    """The ranges whose hashes form PROOF(first, D[second]) (RFC 9162 2.1.4.1)."""
    if not 0 < first <= second:
        raise ValueError("need 0 < first <= second")
    ranges: list[tuple[int, int]] = []
    lo, hi, m, complete = 0, second, first, True
    while True:
        if m == hi - lo:
            if not complete:
                ranges.append((lo, hi))
            break
        k = _split(hi - lo)
        if m <= k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo, m, complete = lo + k, m - k, False
    return ranges[::-1]


def nodes_for(ranges: Iterable[tuple[int, int]]) -> set[Node]:
    """Every stored node a list of ranges needs: fetch them in one query."""
    return {n for lo, hi in ranges for n in perfect_cover(lo, hi)}


def proof(ranges: Sequence[tuple[int, int]], perfect: Mapping[Node, bytes]) -> list[bytes]:
    return [hash_range(lo, hi, perfect) for lo, hi in ranges]


def completed_nodes(index: int, leaf: bytes, stored: Callable[[Node], bytes]) -> list[tuple[Node, bytes]]:
    """The perfect subtrees that appending leaf number `index` completes: the leaf itself, and
    each parent whose right edge it is. `stored` gives the left siblings, already stored."""
    nodes = [((0, index), leaf)]
    level, position, acc = 0, index, leaf
    while position % 2 == 1:
        acc = node_hash(stored((level, position - 1)), acc)
        level, position = level + 1, position // 2
        nodes.append(((level, position), acc))
    return nodes


def _shift_until_odd_or_zero(fn: int, sn: int) -> tuple[int, int]:
    while fn and not fn & 1:
        fn, sn = fn >> 1, sn >> 1
    return fn, sn


def verify_inclusion(leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 2.1.3.2."""
    if index >= size or index < 0:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                fn, sn = _shift_until_odd_or_zero(fn, sn)
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, path: Sequence[bytes]
) -> bool:
    """RFC 9162 2.1.4.2 (an equal size proves consistency with an empty path and equal roots)."""
    if first <= 0 or first > second:
        return False
    if first == second:
        return not path and first_root == second_root
    if not path:
        return False
    path = list(path)
    if first & (first - 1) == 0:  # an exact power of two: the old root is a node of the new tree
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                fn, sn = _shift_until_odd_or_zero(fn, sn)
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_root and sr == second_root and sn == 0
