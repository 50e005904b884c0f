"""Existence and identifiability of the estimate for one log-linear model (Chan, Silverman and
Vincent 2021, sections 2.5-2.6; SparseMSE `buildmodel`, `buildmodelmatrix` and `checkident`).

A model is main effects plus a set of two-list interactions. An interaction between lists that
share nobody (a non-overlapping pair, N*_ij = 0) has the extended maximum likelihood value
minus infinity: the cells holding both lists are fixed at zero and left out of the fit, and the
parameter is not estimated (it still counts in AIC/BIC).

Two checks, as `checkident` does:

* existence (Fienberg and Rinaldo 2012, p. 3, with SparseMSE's correction): the extended MLE
  exists if and only if some table x > 0 (strictly, in every retained cell) has the same
  sufficient statistics t = A'n as the data. The linear program maximises s subject to
  A'x = t, x >= s, x >= 0; if the optimum is 0 the estimate does not exist (it is not finite).
* identifiability: the design matrix A has full column rank.

Pure: no I/O. Existence depends on the data only through which retained cells are non-zero, so
results are cached by (model, support) - the bootstrap asks the same question many times.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from scipy.optimize import linprog

from qorgau.analytics.table import OverlapTable

Pair = tuple[int, int]
LP_TOLERANCE = 1e-7


@dataclass(frozen=True)
class Design:
    """The Poisson regression for one model on one table."""

    pairs: tuple[Pair, ...]  # every two-list interaction in the model
    empty_pairs: tuple[Pair, ...]  # those whose lists do not overlap (fixed at minus infinity)
    fitted_pairs: tuple[Pair, ...]  # those estimated
    keep: npt.NDArray[np.bool_]  # the cells of the table that enter the fit
    matrix: npt.NDArray[np.float64]  # intercept, one column per list, one per fitted pair
    columns: tuple[str, ...]

    @property
    def n_parameters(self) -> int:
        """Parameters of the model, those at minus infinity included (AIC and BIC count them)."""
        return self.matrix.shape[1] + len(self.empty_pairs)


@dataclass(frozen=True)
class CheckResult:
    exists: bool  # the (extended) maximum likelihood estimate exists: the LP optimum is positive
    identifiable: bool  # the design has full column rank
    lp_optimum: float  # NaN when settled without solving (see _Supports)

    @property
    def ok(self) -> bool:
        return self.exists and self.identifiable

    @property
    def code(self) -> int:
        """SparseMSE's `ierr`: 0 fine, 1 no finite estimate, 2 not identifiable, 3 both."""
        return int(not self.exists) + 2 * int(not self.identifiable)


def all_pairs(n_lists: int) -> tuple[Pair, ...]:
    return tuple((i, j) for i in range(n_lists) for j in range(i + 1, n_lists))


def design(table: OverlapTable, pairs: tuple[Pair, ...]) -> Design:
    h = table.histories.astype(bool)
    keep = np.ones(len(h), dtype=bool)
    empty: list[Pair] = []
    fitted: list[Pair] = []
    for i, j in pairs:
        if table.pair_overlap(i, j) == 0:
            empty.append((i, j))
            keep &= ~(h[:, i] & h[:, j])
        else:
            fitted.append((i, j))
    hk = table.histories[keep].astype(np.float64)
    cols = [np.ones(len(hk)), *(hk[:, i] for i in range(table.n_lists))]
    cols += [hk[:, i] * hk[:, j] for i, j in fitted]
    names = ("(Intercept)", *table.lists, *(f"{table.lists[i]}:{table.lists[j]}" for i, j in fitted))
    return Design(tuple(pairs), tuple(empty), tuple(fitted), keep, np.column_stack(cols), names)


@lru_cache(maxsize=4096)
def rank_deficient(matrix_bytes: bytes, shape: tuple[int, int]) -> bool:
    matrix = np.frombuffer(matrix_bytes, dtype=np.float64).reshape(shape)
    return bool(np.linalg.matrix_rank(matrix) < shape[1])


@lru_cache(maxsize=65536)
def _lp_optimum(matrix_bytes: bytes, shape: tuple[int, int], support: bytes) -> float:
    """max s subject to A'x = A'y, x_k >= s, x >= 0, s >= 0, for any y with this support.

    Whether the optimum is zero depends on y only through its support, so a 0/1 indicator of
    the support stands in for y: it has the same support, and the cache key is small."""
    a = np.frombuffer(matrix_bytes, dtype=np.float64).reshape(shape)
    y = np.frombuffer(support, dtype=np.uint8).astype(np.float64)
    n_cells, n_par = shape
    c = np.zeros(n_cells + 1)
    c[-1] = -1.0
    a_eq = np.hstack([a.T, np.zeros((n_par, 1))])
    b_eq = a.T @ y
    a_ub = np.hstack([-np.eye(n_cells), np.ones((n_cells, 1))])
    b_ub = np.zeros(n_cells)
    res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    if res.status != 0:  # infeasible cannot happen (x = y is feasible); treat anything odd as failure
        return 0.0
    return float(-res.fun)


class _Supports:
    """Existence is monotone in the support: if the estimate exists when the cells in Z are
    empty, it exists when fewer (a subset of Z) are; if not, not when more are. Known answers
    for one design settle most bootstrap resamples without a linear program."""

    def __init__(self) -> None:
        self.good: list[int] = []
        self.bad: list[int] = []

    def lookup(self, zeros: int) -> bool | None:
        if any(zeros & ~g == 0 for g in self.good):
            return True
        if any(b & ~zeros == 0 for b in self.bad):
            return False
        return None

    def record(self, zeros: int, exists: bool) -> None:
        (self.good if exists else self.bad).append(zeros)


_SUPPORTS: dict[tuple[bytes, tuple[int, int]], _Supports] = {}
_SUPPORTS_MAX = 2048


FITTED_EXISTS = 1e-4


def check(
    table: OverlapTable,
    pairs: tuple[Pair, ...],
    d: Design | None = None,
    fitted: npt.NDArray[np.float64] | None = None,
) -> CheckResult:
    """SparseMSE `checkident` for main effects plus `pairs` on this table.

    `fitted` (optional) are the expected counts of a converged maximum likelihood fit of the
    same design. When the estimate does not exist, the fit runs off to the boundary and the
    expected counts of some empty cells fall towards zero (below 1e-7 when the iteration stops);
    when every expected count is clearly positive the fit found an interior maximum, so the
    estimate exists and the linear program is not needed. Anything else goes to the LP."""
    d = d or design(table, pairs)
    a = np.ascontiguousarray(d.matrix)
    key = (a.tobytes(), a.shape)
    identifiable = not rank_deficient(*key)
    y = table.counts[d.keep]
    if np.all(y > 0):
        return CheckResult(exists=True, identifiable=identifiable, lp_optimum=float(y.min()))
    if fitted is not None and float(fitted.min()) > FITTED_EXISTS:
        return CheckResult(exists=True, identifiable=identifiable, lp_optimum=math.nan)
    zeros = int("".join("1" if v == 0 else "0" for v in y), 2)
    if len(_SUPPORTS) > _SUPPORTS_MAX:
        _SUPPORTS.clear()
    known = _SUPPORTS.setdefault(key, _Supports())
    exists = known.lookup(zeros)
    optimum = math.nan
    if exists is None:
        optimum = _lp_optimum(*key, (y > 0).astype(np.uint8).tobytes())
        exists = optimum > LP_TOLERANCE
        known.record(zeros, exists)
    return CheckResult(exists=exists, identifiable=identifiable, lp_optimum=optimum)


def count_overlapping_triples(table: OverlapTable) -> int:
    """Triples of lists every pair of which overlaps (SparseMSE `count_triples`); with none, the
    model with all two-list interactions is not identifiable."""
    t = table.n_lists
    adj = np.zeros((t, t), dtype=int)
    for i, j in all_pairs(t):
        adj[i, j] = adj[j, i] = int(table.pair_overlap(i, j) > 0)
    return int(np.sum(adj * (adj @ adj)) // 6)
