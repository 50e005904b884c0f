"""The public overlap tables (copied from /work/shared/data/mse; see data/README.md)."""

from pathlib import Path

from qorgau.analytics.table import OverlapTable, parse_csv

DATA = Path(__file__).parent / "data"


def load(name: str) -> OverlapTable:
    return parse_csv((DATA / f"{name}.csv").read_text())
