"""The list-overlap table of multiple systems estimation, and how it is read from CSV text.

A table has one 0/1 column per list (a source that identified people: an agency or a kind of
agency) and a `count` column: the number of distinct people with that capture history. The
all-zero history (people on no list) is what the estimate is about; it is never in the input.
Histories not given have count zero. Pure: no I/O (the text comes from the caller).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from qorgau.errors import InvalidInput
from qorgau.i18n import _

MAX_LISTS = 10  # 2^10 - 1 = 1023 cells; beyond that the model search is not tractable here
MAX_COUNT = 10**9
COUNT_COLUMN = "count"


@dataclass(frozen=True)
class OverlapTable:
    """Every non-empty capture history, in a fixed order (by number of lists, then lexically).

    `histories[k, i]` is 1 when history k includes list i; `counts[k]` is its number of people.
    """

    lists: tuple[str, ...]
    histories: npt.NDArray[np.int8]
    counts: npt.NDArray[np.int64]

    @property
    def n_lists(self) -> int:
        return len(self.lists)

    @property
    def observed(self) -> int:
        return int(self.counts.sum())

    def with_counts(self, counts: npt.ArrayLike) -> OverlapTable:
        return OverlapTable(self.lists, self.histories, np.asarray(counts, dtype=np.int64))

    @cached_property
    def overlaps(self) -> npt.NDArray[np.int64]:
        """overlaps[i, j]: people seen on both list i and list j (whatever other lists they are
        on), N*_ij; the diagonal holds each list's total."""
        h = self.histories.astype(np.int64)
        return (h * self.counts[:, None]).T @ h

    def pair_overlap(self, i: int, j: int) -> int:
        return int(self.overlaps[i, j])

    def list_totals(self) -> list[int]:
        return [int(self.counts[self.histories[:, i].astype(bool)].sum()) for i in range(self.n_lists)]

    def rows(self) -> list[tuple[tuple[int, ...], int]]:
        """Observed histories (count > 0) as (0/1 tuple, count), for display."""
        return [
            (tuple(int(v) for v in h), int(c)) for h, c in zip(self.histories, self.counts, strict=True) if c
        ]


def all_histories(n_lists: int) -> npt.NDArray[np.int8]:
    """All 2^t - 1 non-empty histories, ordered by number of lists and then lexically."""
    codes = range(1, 2**n_lists)
    rows = [tuple((code >> (n_lists - 1 - i)) & 1 for i in range(n_lists)) for code in codes]
    rows.sort(key=lambda r: (sum(r), tuple(-v for v in r)))
    return np.array(rows, dtype=np.int8).reshape(-1, n_lists)


def build_table(lists: tuple[str, ...], entries: list[tuple[tuple[int, ...], int]]) -> OverlapTable:
    """The full table from (history, count) entries; repeated histories are added together."""
    n = len(lists)
    if n < 2:
        raise InvalidInput(_("At least two lists are needed."))
    if n > MAX_LISTS:
        raise InvalidInput(_("At most %(n)d lists can be analysed.") % {"n": MAX_LISTS})
    if len(set(lists)) != n or any(not name for name in lists):
        raise InvalidInput(_("List names must be present and different."))
    histories = all_histories(n)
    index = {tuple(int(v) for v in h): k for k, h in enumerate(histories)}
    counts = np.zeros(len(histories), dtype=np.int64)
    for history, count in entries:
        if len(history) != n or any(v not in (0, 1) for v in history):
            raise InvalidInput(_("Each history must be one 0 or 1 per list."))
        if count < 0 or count > MAX_COUNT:
            raise InvalidInput(_("Counts must be whole numbers from 0 to %(max)d.") % {"max": MAX_COUNT})
        if not any(history):
            if count:
                raise InvalidInput(_("The history on no list is what is estimated; it cannot be given."))
            continue
        counts[index[history]] += count
    table = OverlapTable(tuple(lists), histories, counts)
    if table.observed == 0:
        raise InvalidInput(_("The table has no one in it."))
    return table


def _cell(value: str) -> int:
    text = value.strip()
    if not text or not text.isdigit() or len(text) > 10:
        raise InvalidInput(_("Every cell must be a whole number."))
    return int(text)


def parse_csv(text: str) -> OverlapTable:
    """Read `A,B,C,count` CSV text (a header, then one row per history)."""
    reader = csv.reader(io.StringIO(text.strip()))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InvalidInput(_("The table is empty.")) from None
    if len(header) < 3 or header[-1].lower() != COUNT_COLUMN:
        raise InvalidInput(_("The header must name one column per list, then count."))
    entries: list[tuple[tuple[int, ...], int]] = []
    for row in reader:
        if not row or all(not v.strip() for v in row):
            continue
        if len(row) != len(header):
            raise InvalidInput(_("Every row must have as many cells as the header."))
        values = [_cell(v) for v in row]
        entries.append((tuple(values[:-1]), values[-1]))
    return build_table(tuple(header[:-1]), entries)
