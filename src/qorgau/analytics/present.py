"""An MSE result as plain data (the API's JSON, the page's context, the CLI's lines)."""

from __future__ import annotations

from typing import Any

from qorgau.analytics import caveats
from qorgau.analytics.mse import MSEResult


def as_dict(result: MSEResult) -> dict[str, Any]:
    interval = result.interval
    return {
        "lists": list(result.table.lists),
        "table": [{"history": list(h), "count": c} for h, c in result.table.rows()],
        "observed": result.observed,
        "method": result.method.value,
        "threshold": result.threshold,
        "model": {
            "interactions": list(result.model_terms),
            "interactions_at_minus_infinity": list(result.empty_terms),
            "aic": round(result.aic, 3),
            "bic": round(result.bic, 3),
            "steps": [{"added": t, "p_value": p} for t, p in result.steps],
        },
        "checks": {
            "estimate_exists": result.check.exists,
            "identifiable": result.check.identifiable,
        },
        "hidden": round(result.hidden, 2),
        "total": round(result.total, 2),
        "interval": None
        if interval is None
        else {
            "level": interval.level,
            "lower": round(interval.lower, 1),
            "upper": round(interval.upper, 1),
            "kind": interval.kind,
        },
        "bootstrap": dict(result.bootstrap),
        "caveats": [{"id": c, "text": caveats.text(c)} for c in result.caveats],
    }
