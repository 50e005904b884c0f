"""BCa bootstrap intervals for a population estimate that repeats its model choice
(Chan, Silverman and Vincent 2021, section 3.3; SparseMSE `estimatepopulation` and
`bcaconfvalues`; DiCiccio and Efron 1996).

Resamples: the observed people are redrawn multinomially over the observed histories (the
number observed fixed). Acceleration: the delete-one jackknife, one deletion per history with
a count (each weighted by its count, as every person with the same history gives the same
jackknife value). Quantiles of the bootstrap estimates are read at the BCa-adjusted levels with
R's quantile type 8 (numpy's "median_unbiased"). Pure: no I/O; randomness from a seeded
generator only.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.stats import norm

from qorgau.analytics.table import OverlapTable

Estimator = Callable[[OverlapTable], float]


@dataclass(frozen=True)
class BCa:
    lower: float
    upper: float
    acceleration: float
    z0: float
    resamples: int
    failed: int
    replicates: npt.NDArray[np.float64]


def _safe(estimator: Estimator, table: OverlapTable) -> float:
    try:
        value = estimator(table)
    except (ValueError, np.linalg.LinAlgError, OverflowError, FloatingPointError):
        return math.nan
    return value if math.isfinite(value) else math.nan


def acceleration(table: OverlapTable, estimator: Estimator) -> float:
    counts = table.counts
    observed = np.flatnonzero(counts > 0)
    jack = np.zeros(len(counts))
    for k in observed:
        reduced = counts.copy()
        reduced[k] -= 1
        jack[k] = _safe(estimator, table.with_counts(reduced))
    w = counts[observed].astype(np.float64)
    values = jack[observed]
    ok = np.isfinite(values)
    w, values = w[ok], values[ok]
    residuals = float(np.sum(w * values) / np.sum(w)) - values
    denom = 6 * float(np.sum(w * residuals**2)) ** 1.5
    return float(np.sum(w * residuals**3)) / denom if denom > 0 else 0.0


def bca_quantiles(
    replicates: npt.NDArray[np.float64], estimate: float, accel: float, alphas: list[float]
) -> tuple[list[float], float]:
    """SparseMSE `bcaconfvalues`: z0 from the share of replicates below the estimate."""
    share = float(np.mean(replicates < estimate))
    share = min(max(share, 0.5 / len(replicates)), 1 - 0.5 / len(replicates))
    z0 = float(norm.ppf(share))
    out = []
    for alpha in alphas:
        za = z0 + float(norm.ppf(alpha))
        level = float(norm.cdf(z0 + za / (1 - accel * za)))
        out.append(float(np.quantile(replicates, level, method="median_unbiased")))
    return out, z0


def bca(
    table: OverlapTable,
    estimator: Estimator,
    estimate: float,
    resamples: int,
    level: float = 0.95,
    seed: int = 1234,
) -> BCa:
    rng = np.random.default_rng(seed)
    counts = table.counts
    probabilities = counts / counts.sum()
    draws = rng.multinomial(int(counts.sum()), probabilities, size=resamples)
    values = np.array([_safe(estimator, table.with_counts(row)) for row in draws])
    good = values[np.isfinite(values)]
    if len(good) < 2:
        raise ValueError("bootstrap gave no estimates")
    accel = acceleration(table, estimator)
    tail = (1 - level) / 2
    (lower, upper), z0 = bca_quantiles(good, estimate, accel, [tail, 1 - tail])
    return BCa(lower, upper, accel, z0, resamples, resamples - len(good), good)
