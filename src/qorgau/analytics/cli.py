"""`qorgau analytics ...`: the analyst's commands (no database needed)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

# The numerical stack (numpy, scipy, statsmodels) is imported only when the command runs, so
# that every other `qorgau` command starts as fast as before.
DEFAULT_THRESHOLD = 0.02


class Method(StrEnum):
    STEPWISE = "stepwise"
    MAIN = "main"
    AIC = "aic"
    BIC = "bic"


app = typer.Typer(help="Statistics for policy: hidden-number estimates.", no_args_is_help=True)
console = Console()


@app.command("mse")
def mse(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV: one 0/1 column per list, then count.", exists=True, dir_okay=False, readable=True
        ),
    ],
    method: Annotated[Method, typer.Option(help="How the model is chosen.")] = Method.STEPWISE,
    threshold: Annotated[float, typer.Option(help="Stepwise p-value threshold.")] = DEFAULT_THRESHOLD,
    bootstrap: Annotated[
        int, typer.Option(help="BCa bootstrap resamples (0: model interval).", min=0, max=100_000)
    ] = 0,
    seed: Annotated[int, typer.Option(help="Random seed of the bootstrap.")] = 1234,
) -> None:
    """Multiple systems estimate of how many people no list saw."""
    from qorgau.analytics import caveats
    from qorgau.analytics import mse as m
    from qorgau.analytics.table import parse_csv

    table = parse_csv(file.read_text(encoding="utf-8"))
    result = m.estimate(table, m.Method(method.value), threshold=threshold, bootstrap=bootstrap, seed=seed)
    overlap = Table(*table.lists, "count", title="Overlap table (observed histories)")
    for history, count in table.rows():
        overlap.add_row(*(str(v) for v in history), str(count))
    console.print(overlap)
    console.print(f"People observed: {result.observed}")
    how = f"stepwise, p < {threshold}" if method is Method.STEPWISE else method.value
    terms = ", ".join(result.model_terms) or "none"
    console.print(f"Model ({how}): main effects + interactions: {terms}")
    if result.empty_terms:
        console.print(f"  fixed at minus infinity (lists share no one): {', '.join(result.empty_terms)}")
    console.print(f"  AIC {result.aic:.2f}  BIC {result.bic:.2f}")
    console.print(f"Estimated people on no list: {result.hidden:,.0f}")
    console.print(f"Estimated total: {result.total:,.0f}")
    if result.interval is not None:
        iv = result.interval
        kind = f"BCa bootstrap, {bootstrap} resamples" if iv.kind == "bca" else "conditional on the model"
        console.print(f"{iv.level:.0%} interval for the total: {iv.lower:,.0f} to {iv.upper:,.0f} ({kind})")
    console.print("Caveats:")
    for c in result.caveats:
        console.print(f"  - {caveats.text(c)}")
