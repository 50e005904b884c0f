"""Coverage of the interval over data drawn from a known log-linear model with a known hidden
count. 200 draws with the cheap model-conditional interval of the true model (main effects)
keep this under a few seconds; its nominal 95 % should hold to Monte Carlo error."""

from __future__ import annotations

import itertools

import numpy as np

from qorgau.analytics.mse import Method, estimate
from qorgau.analytics.table import build_table

PROBS = (0.3, 0.2, 0.25)  # capture probabilities of three independent lists
POPULATION = 2000


def _draw(rng: np.random.Generator):
    histories = list(itertools.product((0, 1), repeat=3))
    p = np.array(
        [np.prod([q if h else 1 - q for h, q in zip(hist, PROBS, strict=True)]) for hist in histories]
    )
    counts = rng.multinomial(POPULATION, p)
    hidden = int(counts[histories.index((0, 0, 0))])
    entries = [(h, int(c)) for h, c in zip(histories, counts, strict=True) if any(h)]
    return build_table(("A", "B", "C"), entries), hidden


def test_model_interval_covers_the_truth_at_about_its_nominal_rate():
    rng = np.random.default_rng(20)
    covered = 0
    draws = 200
    for _ in range(draws):
        table, _hidden = _draw(rng)
        interval = estimate(table, Method.MAIN).interval
        assert interval is not None
        covered += interval.lower <= POPULATION <= interval.upper
    # 95 % nominal; binomial sd over 200 draws is 1.5 %, so [0.90, 0.99] is ~3 sd wide.
    assert 0.90 <= covered / draws <= 0.99, covered


def test_point_estimate_is_nearly_unbiased_under_the_true_model():
    rng = np.random.default_rng(21)
    totals = [estimate(_draw(rng)[0], Method.MAIN).total for _ in range(100)]
    assert abs(np.mean(totals) - POPULATION) / POPULATION < 0.02
