"""Disclosure control for public two-way tables with margins (the pure part of issue 20 item 3).

Rule, as the Counter Trafficking Data Collaborative (CTDC) publishes: no cell under 11 is
released (primary suppression). That alone is not enough: with the row and column totals
published, a lone suppressed cell in a row is the total minus the rest. Secondary suppression
hides further cells until, for every suppressed cell, the values it could take given everything
published (cells, margins, the grand total, counts >= 0) span at least `min_width`. That is
checked, not assumed: for each suppressed cell a linear program (scipy `linprog`, HiGHS) finds
its smallest and largest feasible value.

Margins under the threshold are suppressed too (they are cells of the released table) and then
give no equation. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import linprog

THRESHOLD = 11  # cells under 11 are never released
MIN_WIDTH = 5  # a suppressed cell must be uncertain over at least this many people


@dataclass(frozen=True)
class Release:
    cells: tuple[tuple[int | None, ...], ...]  # None: suppressed
    row_totals: tuple[int | None, ...]
    column_totals: tuple[int | None, ...]
    total: int | None
    primary: frozenset[tuple[int, int]]
    secondary: frozenset[tuple[int, int]]
    bounds: dict[tuple[int, int], tuple[float, float]]  # feasible [min, max] of each suppressed cell


def _under(value: int, threshold: int) -> bool:
    return value < threshold


def feasible_bounds(
    counts: npt.NDArray[np.int64],
    suppressed: npt.NDArray[np.bool_],
    rows_published: npt.NDArray[np.bool_],
    columns_published: npt.NDArray[np.bool_],
    total_published: bool,
) -> dict[tuple[int, int], tuple[float, float]]:
    """For each suppressed cell, min and max over non-negative tables agreeing with every
    published number (the LP relaxation: an attacker's best bounds without integrality)."""
    cells = [(int(ix[0]), int(ix[1])) for ix in np.argwhere(suppressed)]
    if not cells:
        return {}
    index = {c: k for k, c in enumerate(cells)}
    a_eq: list[list[float]] = []
    b_eq: list[float] = []
    n_rows, n_cols = counts.shape
    for i in range(n_rows):
        if rows_published[i]:
            a_eq.append([1.0 if c[0] == i else 0.0 for c in cells])
            b_eq.append(float(counts[i].sum() - counts[i][~suppressed[i]].sum()))
    for j in range(n_cols):
        if columns_published[j]:
            a_eq.append([1.0 if c[1] == j else 0.0 for c in cells])
            b_eq.append(float(counts[:, j].sum() - counts[:, j][~suppressed[:, j]].sum()))
    if total_published:
        a_eq.append([1.0] * len(cells))
        b_eq.append(float(counts[suppressed].sum()))
    out: dict[tuple[int, int], tuple[float, float]] = {}
    for c in cells:
        objective = np.zeros(len(cells))
        objective[index[c]] = 1.0
        bounds: list[float] = []
        for sign in (1.0, -1.0):
            res = linprog(
                sign * objective,
                A_eq=np.array(a_eq) if a_eq else None,
                b_eq=np.array(b_eq) if b_eq else None,
                bounds=(0, None),
                method="highs",
            )
            bounds.append(sign * float(res.fun) if res.status == 0 else float("inf"))
        out[c] = (bounds[0], bounds[1])
    return out


def protect(counts: npt.ArrayLike, threshold: int = THRESHOLD, min_width: int = MIN_WIDTH) -> Release:
    """Primary and secondary suppression of a two-way table released with its margins."""
    table = np.asarray(counts, dtype=np.int64)
    if table.ndim != 2 or table.size == 0 or (table < 0).any():
        raise ValueError("a non-empty two-way table of counts >= 0")
    primary = np.vectorize(lambda v: _under(int(v), threshold))(table).astype(bool)
    suppressed = primary.copy()
    rows_published = ~np.array([_under(int(v), threshold) for v in table.sum(axis=1)])
    columns_published = ~np.array([_under(int(v), threshold) for v in table.sum(axis=0)])
    total_published = not _under(int(table.sum()), threshold)
    while True:
        bounds = feasible_bounds(table, suppressed, rows_published, columns_published, total_published)
        weak = [c for c, (lo, hi) in bounds.items() if hi - lo < min_width]
        if not weak:
            break
        if not _suppress_partner(table, suppressed, weak[0]):
            # nothing left to hide beside it: withhold the margins that pin it down
            i, j = weak[0]
            if rows_published[i] or columns_published[j]:
                rows_published[i] = columns_published[j] = False
            elif total_published:
                total_published = False
            else:
                break  # nothing published constrains it any more
    cells = tuple(
        tuple(None if suppressed[i, j] else int(table[i, j]) for j in range(table.shape[1]))
        for i in range(table.shape[0])
    )
    return Release(
        cells=cells,
        row_totals=tuple(
            int(v) if p else None for v, p in zip(table.sum(axis=1), rows_published, strict=True)
        ),
        column_totals=tuple(
            int(v) if p else None for v, p in zip(table.sum(axis=0), columns_published, strict=True)
        ),
        total=int(table.sum()) if total_published else None,
        primary=frozenset((int(ix[0]), int(ix[1])) for ix in np.argwhere(primary)),
        secondary=frozenset((int(ix[0]), int(ix[1])) for ix in np.argwhere(suppressed & ~primary)),
        bounds=bounds,
    )


def _suppress_partner(
    table: npt.NDArray[np.int64], suppressed: npt.NDArray[np.bool_], cell: tuple[int, int]
) -> bool:
    """Hide the smallest released cell in the weak cell's row, or else its column (smallest
    first: the least information lost). True if one was hidden."""
    i, j = cell
    options = [(int(table[i, k]), (i, k)) for k in range(table.shape[1]) if not suppressed[i, k]]
    if not options:
        options = [(int(table[k, j]), (k, j)) for k in range(table.shape[0]) if not suppressed[k, j]]
    if not options:
        return False
    _, target = min(options)
    suppressed[target] = True
    return True


def audit(release: Release, threshold: int = THRESHOLD) -> list[str]:
    """Problems with a release (empty when safe): a released number under the threshold."""
    problems = []
    for row in release.cells:
        problems += [f"cell {v}" for v in row if v is not None and v < threshold]
    for label, values in (("row total", release.row_totals), ("column total", release.column_totals)):
        problems += [f"{label} {v}" for v in values if v is not None and v < threshold]
    return problems
