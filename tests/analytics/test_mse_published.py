"""Our estimator against published point estimates (total population: observed + hidden).

Every figure is from the paper or package documentation named beside it; ours must be within
0.5 %. "stepwise" is Chan, Silverman and Vincent (2021) with p-value threshold 0.02 (SparseMSE
`estimatepopulation.0(method="stepwise")`, MultipleSystemsEstimation
`estimate_population_stepwise(pthresh=0.02)`); "main" is main effects only; "bic" is the
minimum-BIC model among all models with main effects and two-list interactions ("maxorder 2")
that pass the existence and identifiability checks (Silverman, Chan and Vincent 2024,
Statistics and Computing 34:44, Table 6, "all-model estimate"/"downhill estimate").
"""

from __future__ import annotations

import pytest

from qorgau.analytics.mse import Method, estimate
from tests.analytics.conftest import load

CSV2021 = "Chan, Silverman & Vincent (2021) JASA 116:1297"
SCV2024 = "Silverman, Chan & Vincent (2024) Stat. Comput. 34:44, Table 6"
MSE_DOC = "MultipleSystemsEstimation 1.3.2, estimate_population() example output"

PUBLISHED = [
    # data set, method, published total, selected interactions, source
    ("NewOrl", Method.STEPWISE, 1184, ("D:E",), f"{CSV2021}, sec. 4.1"),
    ("NewOrl", Method.MAIN, 997, (), f"{CSV2021}, sec. 4.1 (main effects, threshold <= 0.01)"),
    ("NewOrl_5", Method.STEPWISE, 1034, (), f"{CSV2021}, sec. 4.1 (five lists)"),
    ("Western", Method.STEPWISE, 2483, ("A:E",), f"{CSV2021}, sec. 4.2"),
    (
        "UKdat_5",
        Method.STEPWISE,
        11313,
        None,
        "Bales, Hesketh & Silverman (2015) Significance 12(3):16; "
        "Silverman (2014) Home Office: 11,313 (10,000-13,000)",
    ),
    ("UKdat_5", Method.BIC, 22991, None, f"{SCV2024}, UK5 maxorder 2, all models"),
    ("UKdat", Method.BIC, 12350, None, f"{SCV2024}, UK maxorder 2 (downhill search)"),
    ("NewOrl_v186", Method.BIC, 1110, ("D:E",), f"{SCV2024}, NewOrl maxorder 2"),
    ("Kosovo", Method.BIC, 14342, None, f"{SCV2024}, Kosovo maxorder 2"),
    ("Korea", Method.BIC, 157.1667, ("b:c", "c:d"), f"{MSE_DOC} (BIC, model [12,23])"),
    ("Korea", Method.STEPWISE, 268.7778, ("b:c",), f"{MSE_DOC} (stepwise 0.02, model [12,3])"),
]


@pytest.mark.parametrize(
    ("name", "method", "published", "terms", "source"),
    PUBLISHED,
    ids=[f"{p[0]}-{p[1].value}" for p in PUBLISHED],
)
def test_point_estimate_matches_the_published_figure(name, method, published, terms, source):
    result = estimate(load(name), method)
    assert result.total == pytest.approx(published, rel=0.005), source
    if terms is not None:
        assert result.model_terms == terms, source


def test_netherlands_has_no_published_figure_here_so_it_is_pinned():
    # No published point estimate for the Ned tables under these exact methods was found
    # (Silverman 2020 discusses them; its tables were not available to us). Pinned to our own
    # output so that a change is noticed, not as a claim of agreement.
    assert estimate(load("Ned"), Method.STEPWISE).total == pytest.approx(111139.37, rel=1e-4)
    assert estimate(load("Ned_5"), Method.MAIN).total == pytest.approx(52923.89, rel=1e-4)


def test_the_new_orleans_main_effects_model_is_what_stepwise_gives_at_threshold_zero():
    table = load("NewOrl")
    assert estimate(table, Method.STEPWISE, threshold=0).total == estimate(table, Method.MAIN).total
