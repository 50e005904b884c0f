"""Disclosure control: nothing under 11 released, no suppressed cell recoverable from margins."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from qorgau.analytics.disclosure import MIN_WIDTH, THRESHOLD, audit, feasible_bounds, protect

TABLE = np.array([[50, 3, 40], [25, 30, 60], [12, 45, 8]])


def _bounds_with_only_primary(counts):
    suppressed = counts < THRESHOLD
    rows = np.ones(counts.shape[0], dtype=bool)
    cols = np.ones(counts.shape[1], dtype=bool)
    return feasible_bounds(counts, suppressed, rows, cols, True)


def test_primary_suppression_alone_lets_margins_give_cells_away():
    # This is why secondary suppression exists: 3 = row total - 50 - 40.
    bounds = _bounds_with_only_primary(TABLE)
    assert bounds[(0, 1)] == (3.0, 3.0)


def test_release_hides_small_cells_and_none_can_be_recovered():
    release = protect(TABLE)
    assert release.cells[0][1] is None and release.cells[2][2] is None
    assert release.secondary  # something beyond the small cells had to go
    assert audit(release) == []
    for lo, hi in release.bounds.values():
        assert hi - lo >= MIN_WIDTH


def test_a_release_with_only_primary_suppression_fails_the_protection_check():
    counts = TABLE
    bounds = _bounds_with_only_primary(counts)
    assert any(hi - lo < MIN_WIDTH for lo, hi in bounds.values())


def test_bounds_are_recomputed_from_the_release_alone():
    release = protect(TABLE)
    suppressed = np.array([[v is None for v in row] for row in release.cells])
    filled = np.where(suppressed, 0, np.array([[v or 0 for v in row] for row in release.cells]))
    # an attacker knows the published cells and margins only: put the suppressed mass back through margins
    true = TABLE
    for (i, j), (lo, hi) in release.bounds.items():
        assert lo <= true[i, j] <= hi
    assert filled.sum() + TABLE[suppressed].sum() == TABLE.sum()


@settings(max_examples=12, deadline=None)
@given(
    st.integers(min_value=2, max_value=4).flatmap(
        lambda r: st.integers(min_value=2, max_value=4).flatmap(
            lambda c: st.lists(
                st.lists(st.integers(min_value=0, max_value=60), min_size=c, max_size=c),
                min_size=r,
                max_size=r,
            )
        )
    )
)
def test_any_table_released_is_safe(rows):
    counts = np.array(rows)
    release = protect(counts)
    assert audit(release) == []
    suppressed = np.array([[v is None for v in row] for row in release.cells])
    rows_pub = np.array([v is not None for v in release.row_totals])
    cols_pub = np.array([v is not None for v in release.column_totals])
    bounds = feasible_bounds(counts, suppressed, rows_pub, cols_pub, release.total is not None)
    for (i, j), (lo, hi) in bounds.items():
        assert hi - lo >= MIN_WIDTH or not (rows_pub.any() or cols_pub.any() or release.total is not None)
        assert lo <= counts[i, j] <= hi
