"""Pages of the screening room: the countries' legal profiles side by side."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from qorgau.auth.deps import Public
from qorgau.screening import profiles
from qorgau.web.render import render

router = APIRouter(include_in_schema=False)


@router.get("/screening/profiles", dependencies=[Public])
def compare_profiles(request: Request) -> Response:
    """The law of each country, as the screening applies it, with its sources. Public: it holds
    no personal data, and people and observers should be able to read what officers apply."""
    chosen = profiles.bundled_profiles()
    return render(
        request,
        "screening/profiles.html",
        {"countries": list(chosen.values()), "rows": profiles.comparison_rows(chosen)},
    )
