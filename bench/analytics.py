"""Benchmark: multiple systems estimation with 1,000 BCa bootstrap resamples on a 6-list table
(the UK 2013 table, stepwise selection repeated in every resample, plus the jackknife for the
acceleration). Goal: <= 10 s. Run: PYTHONPATH=src python bench/analytics.py [resamples]"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from qorgau.analytics.mse import Method, estimate
from qorgau.analytics.table import parse_csv

DATA = Path(__file__).resolve().parent.parent / "tests" / "analytics" / "data" / "UKdat.csv"


def main() -> None:
    resamples = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    table = parse_csv(DATA.read_text())
    start = time.perf_counter()
    result = estimate(table, Method.STEPWISE, bootstrap=resamples, seed=1234)
    elapsed = time.perf_counter() - start
    iv = result.interval
    assert iv is not None
    print(f"MSE, {table.n_lists} lists, {resamples} BCa resamples: {elapsed:.1f} s (goal <= 10 s)")
    print(
        f"  total {result.total:,.0f}, 95% BCa {iv.lower:,.0f} to {iv.upper:,.0f}, "
        f"failed {result.bootstrap['failed']:.0f}"
    )


if __name__ == "__main__":
    main()
