"""Checks, fits, parsing and the bootstrap of multiple systems estimation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qorgau.analytics import caveats
from qorgau.analytics.bootstrap import bca_quantiles
from qorgau.analytics.fit import fast_fit, fit
from qorgau.analytics.mse import Method, estimate
from qorgau.analytics.mse_checks import check, count_overlapping_triples
from qorgau.analytics.table import build_table, parse_csv
from qorgau.errors import InvalidInput
from tests.analytics.conftest import load

AB, AC, BC = (0, 1), (0, 2), (1, 2)


def test_artificial_3_gives_sparsemse_checkident_codes():
    # SparseMSE checkident examples / Chan, Silverman & Vincent (2021) Table 3.
    table = load("Artificial_3")
    assert check(table, (AB, AC, BC)).code == 2  # all three: not identifiable
    assert check(table, (AB,)).code == 1  # AB alone: no finite estimate
    assert check(table, (AB, AC)).code == 1
    assert check(table, (AC, BC)).code == 0
    assert check(table, ()).code == 0
    assert count_overlapping_triples(table) == 0


def test_western_and_new_orleans_have_overlapping_triples():
    assert count_overlapping_triples(load("Western")) > 0


@pytest.mark.parametrize(
    ("name", "pairs"),
    [("NewOrl", ((3, 4),)), ("UKdat", ((0, 1), (0, 2))), ("Korea", (AB, BC)), ("Kosovo", (AB,))],
)
def test_fast_fit_agrees_with_statsmodels(name, pairs):
    table = load(name)
    assert check(table, pairs).ok
    a, b = fit(table, pairs), fast_fit(table, pairs)
    assert a.hidden == pytest.approx(b.hidden, rel=1e-7)
    assert a.loglik == pytest.approx(b.loglik, rel=1e-9)


def test_empty_overlap_terms_are_fixed_at_minus_infinity_and_counted_in_aic():
    table = load("Ned")
    result = estimate(table, Method.STEPWISE)
    assert "I:K" in result.empty_terms
    assert caveats.EMPTY_OVERLAPS in result.caveats


def test_result_has_model_interval_and_its_caveat_without_bootstrap():
    result = estimate(load("Western"))
    assert result.interval is not None and result.interval.kind == "model"
    assert result.interval.lower < result.total < result.interval.upper
    assert caveats.MODEL_INTERVAL in result.caveats
    assert all(caveats.text(c) for c in result.caveats)


def test_bca_interval_on_korea_brackets_the_estimate():
    result = estimate(load("Korea"), Method.STEPWISE, bootstrap=60, seed=7)
    assert result.interval is not None and result.interval.kind == "bca"
    assert result.interval.lower <= result.total <= result.interval.upper
    assert caveats.MODEL_INTERVAL not in result.caveats


def test_bootstrap_is_reproducible_with_a_seed():
    a = estimate(load("Korea"), bootstrap=30, seed=3).interval
    b = estimate(load("Korea"), bootstrap=30, seed=3).interval
    assert a == b


def test_bca_reduces_to_percentiles_without_bias_or_acceleration():
    reps = np.arange(1, 1000, dtype=float)
    (lo, hi), z0 = bca_quantiles(reps, 500.0, 0.0, [0.025, 0.975])
    assert abs(z0) < 0.01
    assert lo == pytest.approx(25, abs=1.5) and hi == pytest.approx(975, abs=1.5)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "A,B\n1,5\n",  # one list
        "A,B,count\n1,0,x\n",
        "A,B,count\n1,2,3\n",
        "A,B,count\n0,0,4\n",  # the unknown cell given
        "A,A,count\n1,0,3\n",
        "A,B,count\n1,0\n",
        "A,B,count\n1,0,-3\n",
    ],
)
def test_bad_tables_are_refused_with_a_reason(text):
    with pytest.raises(InvalidInput):
        parse_csv(text)


def test_a_list_with_everyone_or_no_one_is_refused():
    with pytest.raises(InvalidInput):
        estimate(parse_csv("A,B,count\n1,0,5\n1,1,3\n"))  # everyone is on A
    with pytest.raises(InvalidInput):
        estimate(parse_csv("A,B,C,count\n1,0,0,5\n1,1,0,3\n0,1,0,4\n"))  # no one on C


def test_repeated_histories_are_added():
    t = build_table(("A", "B"), [((1, 0), 3), ((1, 0), 4), ((0, 1), 2), ((1, 1), 1)])
    assert t.observed == 10 and t.pair_overlap(0, 1) == 1


def test_two_lists_main_effects_is_the_lincoln_petersen_estimate():
    # n1 = 60, n2 = 50, both = 20: N = n1 n2 / m = 150.
    result = estimate(parse_csv("A,B,count\n1,0,40\n0,1,30\n1,1,20\n"), Method.MAIN)
    assert result.total == pytest.approx(150)


@settings(max_examples=25, deadline=None)
@given(
    counts=st.lists(st.integers(min_value=1, max_value=400), min_size=7, max_size=7),
)
def test_three_list_estimates_are_finite_and_at_least_the_observed(counts):
    rows = [
        ((1, 0, 0), counts[0]),
        ((0, 1, 0), counts[1]),
        ((0, 0, 1), counts[2]),
        ((1, 1, 0), counts[3]),
        ((1, 0, 1), counts[4]),
        ((0, 1, 1), counts[5]),
        ((1, 1, 1), counts[6]),
    ]
    table = build_table(("A", "B", "C"), rows)
    for method in (Method.MAIN, Method.STEPWISE, Method.AIC):
        result = estimate(table, method)
        assert np.isfinite(result.total) and result.total >= table.observed
        assert result.check.ok


@settings(max_examples=25, deadline=None)
@given(
    counts=st.lists(st.integers(min_value=0, max_value=50), min_size=7, max_size=7),
    scale=st.integers(min_value=2, max_value=5),
)
def test_existence_depends_only_on_which_cells_are_empty(counts, scale):
    rows = list(
        zip(
            [(1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 1, 0), (1, 0, 1), (0, 1, 1), (1, 1, 1)], counts, strict=True
        )
    )
    if sum(counts) == 0:
        return
    a = build_table(("A", "B", "C"), rows)
    b = a.with_counts(a.counts * scale)
    for pairs in [(), (AB,), (AB, AC), (AC, BC)]:
        assert check(a, pairs).exists == check(b, pairs).exists
