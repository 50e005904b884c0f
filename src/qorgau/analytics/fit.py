"""Fitting one Poisson log-linear model to an overlap table.

`fit` uses statsmodels' GLM (Poisson family, log link): it is the reported fit, with standard
errors. `fast_fit` solves the same likelihood equations by Newton's method in a few lines of
numpy, for the thousands of fits inside model search and the bootstrap; tests check that both
give the same estimates. The estimated number of people on no list is exp(intercept): the
all-zero history has every covariate zero.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import statsmodels.api as sm
from scipy.special import gammaln

from qorgau.analytics.mse_checks import Design, Pair, design
from qorgau.analytics.table import OverlapTable


@dataclass(frozen=True)
class Fit:
    pairs: tuple[Pair, ...]
    design: Design
    coefficients: npt.NDArray[np.float64]
    fitted: npt.NDArray[np.float64]  # expected counts of the cells in the fit
    loglik: float  # full Poisson log-likelihood (with the log y! terms, as R's glm)
    intercept_se: float | None  # from statsmodels only
    observed: int

    @property
    def hidden(self) -> float:
        """Estimated people on no list (the dark figure)."""
        return math.exp(float(self.coefficients[0]))

    @property
    def total(self) -> float:
        return self.observed + self.hidden

    @property
    def n_parameters(self) -> int:
        return self.design.n_parameters

    @property
    def aic(self) -> float:
        """R's glm AIC plus 2 per interaction at minus infinity (SparseMSE `modelfit`)."""
        return 2 * self.n_parameters - 2 * self.loglik

    @property
    def bic(self) -> float:
        """Penalty log(number of people observed) per parameter, those at minus infinity
        included (Rcapture's convention; MultipleSystemsEstimation `fit_hier_model`)."""
        return self.n_parameters * math.log(self.observed) - 2 * self.loglik


def _loglik(y: npt.NDArray[np.float64], mu: npt.NDArray[np.float64]) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(y > 0, y * np.log(mu), 0.0)
    return float(np.sum(terms - mu - gammaln(y + 1)))


def fit(table: OverlapTable, pairs: tuple[Pair, ...] = ()) -> Fit:
    """The reported fit, by statsmodels GLM."""
    d = design(table, pairs)
    y = table.counts[d.keep].astype(np.float64)
    with warnings.catch_warnings():
        # Near-boundary fits warn of "perfect separation"; existence is decided by mse_checks.
        warnings.simplefilter("ignore")
        result = sm.GLM(y, d.matrix, family=sm.families.Poisson()).fit()
    params = np.asarray(result.params, dtype=np.float64)
    mu = np.asarray(result.fittedvalues, dtype=np.float64)
    se = float(np.sqrt(result.cov_params()[0, 0]))
    return Fit(tuple(pairs), d, params, mu, _loglik(y, mu), se, table.observed)


def fast_fit(table: OverlapTable, pairs: tuple[Pair, ...] = (), d: Design | None = None) -> Fit:
    """The same maximum likelihood fit by Newton-Raphson (IRLS) without statsmodels' overhead."""
    d = d or design(table, pairs)
    x = d.matrix
    y = table.counts[d.keep].astype(np.float64)
    beta = _newton(x, y)
    mu = np.exp(x @ beta)
    return Fit(tuple(pairs), d, beta, mu, _loglik(y, mu), None, table.observed)


def _newton(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    # Start as glm does: mu = y + 0.1, eta = log(mu), one weighted least squares step.
    mu = y + 0.1
    eta = np.log(mu)
    beta: npt.NDArray[np.float64] = np.zeros(x.shape[1])
    dev_old = math.inf
    for _ in range(100):
        z = eta + (y - mu) / mu
        xw = x * mu[:, None]
        beta = np.asarray(np.linalg.lstsq(xw.T @ x, xw.T @ z, rcond=None)[0], dtype=np.float64)
        eta = x @ beta
        mu = np.exp(eta)
        with np.errstate(divide="ignore", invalid="ignore"):
            dev = 2 * float(np.sum(np.where(y > 0, y * np.log(y / mu), 0.0) - (y - mu)))
        if abs(dev - dev_old) / (abs(dev) + 0.1) < 1e-10:
            break
        dev_old = dev
    return beta
