"""Record ids: UUID version 7, strictly increasing within a process."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise

from qorgau.db import uuid7


def test_ids_are_version_7_and_strictly_increase_even_within_a_millisecond():
    ids = [uuid7() for _ in range(20_000)]
    assert all(i.version == 7 and i.variant == "specified in RFC 4122" for i in ids)
    assert all(a < b for a, b in pairwise(ids))


def test_ids_made_on_many_threads_never_collide():
    with ThreadPoolExecutor(max_workers=8) as pool:
        batches = list(pool.map(lambda _: [uuid7() for _ in range(2_000)], range(8)))
    every = [i for batch in batches for i in batch]
    assert len(set(every)) == len(every)
