"""Multiple systems estimation: how many people no list saw, from how the lists overlap.

Poisson log-linear models on the overlap table (main effects for each list, optionally two-list
interactions), with the model chosen one of four ways:

* ``stepwise`` (the default): Chan, Silverman and Vincent (2021, JASA 116:1297, section 3.2),
  as SparseMSE's `stepwisefit`. Start from main effects; at each step compute, for every
  interaction not yet in, the one-sided Poisson p-value of the number of people on both lists
  under the current model; drop candidates that would make the estimate non-existent or
  non-identifiable (`mse_checks`); add the one with the smallest p-value if it is below the
  threshold (0.02, the paper's recommendation), else stop.
* ``main``: main effects only (lists independent given the model).
* ``aic`` / ``bic``: the model with the smallest criterion among those that pass the checks:
  every subset of interactions for up to five lists, a forward-backward search beyond.

The estimate of the hidden number is exp(intercept); the total adds the people observed.
Confidence intervals: BCa bootstrap (`bootstrap.py`, repeating the model choice in every
resample) or, cheaper, the model-conditional interval of SparseMSE `estimatepopulation.0`.
Pure: no I/O.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
from scipy.special import pdtr, pdtrc
from scipy.stats import norm

from qorgau.analytics import caveats as cv
from qorgau.analytics.fit import Fit, fast_fit, fit
from qorgau.analytics.mse_checks import (
    CheckResult,
    Design,
    Pair,
    all_pairs,
    check,
    count_overlapping_triples,
    design,
    rank_deficient,
)
from qorgau.analytics.table import OverlapTable
from qorgau.errors import InvalidInput
from qorgau.i18n import _

DEFAULT_THRESHOLD = 0.02  # Chan, Silverman and Vincent (2021), section 4.3
EXHAUSTIVE_MAX_PAIRS = 10  # every model for up to five lists (2^10 = 1024 models)


class Method(StrEnum):
    STEPWISE = "stepwise"
    MAIN = "main"
    AIC = "aic"
    BIC = "bic"


@dataclass(frozen=True)
class Interval:
    level: float
    lower: float
    upper: float
    kind: str  # "bca" (bootstrap) or "model" (conditional on the chosen model)


@dataclass(frozen=True)
class Selection:
    fit: Fit
    candidates: tuple[tuple[Pair, ...], ...] = ()  # aic/bic: models ranked best first
    steps: tuple[tuple[Pair, float], ...] = ()  # stepwise: (pair added, its p-value)


@dataclass(frozen=True)
class MSEResult:
    table: OverlapTable
    method: Method
    threshold: float | None
    model_terms: tuple[str, ...]  # two-list interactions in the chosen model, e.g. "A:E"
    empty_terms: tuple[str, ...]  # of those, the ones fixed at minus infinity (no overlap)
    hidden: float  # estimated people on no list
    total: float
    observed: int
    aic: float
    bic: float
    check: CheckResult
    interval: Interval | None
    caveats: tuple[str, ...]  # message ids from `caveats`
    steps: tuple[tuple[str, float], ...] = ()
    bootstrap: dict[str, float] = field(default_factory=dict)


def pair_name(table: OverlapTable, pair: Pair) -> str:
    return f"{table.lists[pair[0]]}:{table.lists[pair[1]]}"


def _sorted(pairs: tuple[Pair, ...] | list[Pair]) -> tuple[Pair, ...]:
    return tuple(sorted(pairs))


def stepwise(table: OverlapTable, threshold: float = DEFAULT_THRESHOLD) -> Selection:
    """SparseMSE `stepwisefit` (Poisson p-values, existence and identifiability checked)."""
    current = fast_fit(table, ())
    if threshold <= 0:
        return Selection(current)
    candidates = all_pairs(table.n_lists)
    nstar = {p: table.pair_overlap(*p) for p in candidates}
    chosen: list[Pair] = []
    steps: list[tuple[Pair, float]] = []
    while len(chosen) < len(candidates):
        hist = table.histories[current.design.keep].astype(bool)
        open_ = [p for p in candidates if p not in chosen]
        expected = np.array([float(current.fitted[hist[:, i] & hist[:, j]].sum()) for i, j in open_])
        n = np.array([nstar[p] for p in open_], dtype=np.float64)
        # one-sided Poisson p-values: min(P(X <= n), P(X >= n)), X ~ Poisson(expected)
        pvals = np.minimum(pdtr(n, expected), np.where(n > 0, pdtrc(n - 1, expected), 1.0))
        added = None
        for k in np.argsort(pvals, kind="stable"):  # ties: the first pair, as SparseMSE
            if pvals[k] >= threshold:
                break
            model = _sorted([*chosen, open_[k]])
            d = design(table, model)
            if _rank_ok(d):
                trial = fast_fit(table, model, d)
                if check(table, model, d, trial.fitted).ok:
                    added = (open_[k], float(pvals[k]), trial)
                    break
        if added is None:
            break
        chosen.append(added[0])
        steps.append((added[0], added[1]))
        current = added[2]
    return Selection(current, steps=tuple(steps))


def _rank_ok(d: Design) -> bool:
    a = np.ascontiguousarray(d.matrix)
    return not rank_deficient(a.tobytes(), a.shape)


def _criterion(f: Fit, method: Method) -> float:
    return f.aic if method is Method.AIC else f.bic


def _scored(table: OverlapTable, pairs: tuple[Pair, ...], method: Method) -> tuple[float, Fit] | None:
    d = design(table, pairs)
    if not _rank_ok(d):
        return None
    f = fast_fit(table, pairs, d)
    if not check(table, pairs, d, f.fitted).ok:
        return None
    score = _criterion(f, method)
    return (score, f) if math.isfinite(score) and math.isfinite(f.hidden) else None


def by_criterion(
    table: OverlapTable,
    method: Method,
    among: tuple[tuple[Pair, ...], ...] | None = None,
) -> Selection:
    """The passing model with the smallest AIC or BIC: among `among` if given (the bootstrap's
    top models, as Silverman, Chan and Vincent 2024), else every model (t <= 5) or a
    forward-backward search."""
    pairs = all_pairs(table.n_lists)
    if among is not None:
        models = among
    elif len(pairs) <= EXHAUSTIVE_MAX_PAIRS:
        models = tuple(c for r in range(len(pairs) + 1) for c in itertools.combinations(pairs, r))
    else:
        models = _forward_backward(table, method)
    scored = [(s[0], len(m), k, m, s[1]) for k, m in enumerate(models) if (s := _scored(table, m, method))]
    if not scored:
        return Selection(fast_fit(table, ()))
    scored.sort(key=lambda r: (r[0], r[1], r[2]))
    return Selection(scored[0][4], candidates=tuple(r[3] for r in scored))


def _forward_backward(table: OverlapTable, method: Method) -> tuple[tuple[Pair, ...], ...]:
    """Every model visited by a greedy search adding or removing one interaction at a time."""
    pairs = all_pairs(table.n_lists)
    current: tuple[Pair, ...] = ()
    seen: dict[tuple[Pair, ...], float] = {}

    def score(m: tuple[Pair, ...]) -> float:
        if m not in seen:
            s = _scored(table, m, method)
            seen[m] = s[0] if s else math.inf
        return seen[m]

    best = score(current)
    while True:
        moves = [_sorted([*current, p]) for p in pairs if p not in current]
        moves += [tuple(q for q in current if q != p) for p in current]
        if not moves:
            break
        nxt = min(moves, key=score)
        if score(nxt) >= best:
            break
        current, best = nxt, score(nxt)
    return tuple(seen)


def select(
    table: OverlapTable,
    method: Method,
    threshold: float = DEFAULT_THRESHOLD,
    among: tuple[tuple[Pair, ...], ...] | None = None,
) -> Selection:
    if method is Method.STEPWISE:
        return stepwise(table, threshold)
    if method is Method.MAIN:
        return Selection(fast_fit(table, ()))
    return by_criterion(table, method, among)


def point_estimate(
    table: OverlapTable,
    method: Method,
    threshold: float = DEFAULT_THRESHOLD,
    among: tuple[tuple[Pair, ...], ...] | None = None,
) -> float:
    """The estimated total (observed + hidden) alone: what the bootstrap repeats."""
    return select(table, method, threshold, among).fit.total


def validate(table: OverlapTable) -> None:
    """Refuse tables no model can estimate from, with a reason in words."""
    totals = table.list_totals()
    for name, total in zip(table.lists, totals, strict=True):
        if total == 0:
            raise InvalidInput(_("List %(name)s has no one on it; remove it.") % {"name": name})
        if total == table.observed:
            raise InvalidInput(
                _("Everyone observed is on list %(name)s; it says nothing about who was missed.")
                % {"name": name}
            )
    if not check(table, ()).ok:
        raise InvalidInput(_("Even the main-effects model has no finite estimate for this table."))


def estimate(
    table: OverlapTable,
    method: Method = Method.STEPWISE,
    threshold: float = DEFAULT_THRESHOLD,
    level: float = 0.95,
    bootstrap: int = 0,
    seed: int = 1234,
) -> MSEResult:
    """Choose the model, estimate, and (with `bootstrap` > 0) a BCa interval."""
    from qorgau.analytics.bootstrap import bca  # late: bootstrap imports this module

    validate(table)
    sel = select(table, method, threshold)
    reported = fit(table, sel.fit.pairs)  # statsmodels GLM: the figures shown
    chk = check(table, reported.pairs)
    boot: dict[str, float] = {}
    if bootstrap > 0:
        among = sel.candidates[:20] if method in (Method.AIC, Method.BIC) else None
        b = bca(
            table,
            lambda t: point_estimate(t, method, threshold, among),
            reported.total,
            bootstrap,
            level,
            seed,
        )
        interval = Interval(level, b.lower, b.upper, "bca")
        boot = {"resamples": b.resamples, "failed": b.failed, "acceleration": b.acceleration, "bias": b.z0}
    else:
        interval = Interval(level, *_model_bounds(reported, level), "model")
    d = reported.design
    return MSEResult(
        table=table,
        method=method,
        threshold=threshold if method is Method.STEPWISE else None,
        model_terms=tuple(pair_name(table, p) for p in reported.pairs),
        empty_terms=tuple(pair_name(table, p) for p in d.empty_pairs),
        hidden=reported.hidden,
        total=reported.total,
        observed=table.observed,
        aic=reported.aic,
        bic=reported.bic,
        check=chk,
        interval=interval,
        caveats=cv.caveats_for(table, reported, interval, boot, count_overlapping_triples(table)),
        steps=tuple((pair_name(table, p), pv) for p, pv in sel.steps),
        bootstrap=boot,
    )


def _model_bounds(f: Fit, level: float) -> tuple[float, float]:
    assert f.intercept_se is not None
    z = float(norm.ppf(0.5 + level / 2))
    b0 = float(f.coefficients[0])
    return f.observed + math.exp(b0 - z * f.intercept_se), f.observed + math.exp(b0 + z * f.intercept_se)


__all__ = ["DEFAULT_THRESHOLD", "Interval", "MSEResult", "Method", "Selection", "estimate", "select"]
