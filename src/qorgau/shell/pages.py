"""Pages of the shell: the home page for each role, the language switcher, health checks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from sqlalchemy import text
from starlette.responses import JSONResponse, RedirectResponse, Response

from qorgau.auth import service
from qorgau.auth.deps import AccountHolder, current_principal
from qorgau.auth.labels import role_duties, role_label
from qorgau.config import SUPPORTED_LOCALES
from qorgau.errors import InvalidInput
from qorgau.i18n import _, set_locale
from qorgau.migrate import SchemaBehind, ensure_current
from qorgau.web.csrf import Public
from qorgau.web.deps import DB, AppSettings
from qorgau.web.render import render
from qorgau.web.requestctx import LANG_COOKIE

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request, principal: AccountHolder) -> Response:
    cards = [(role_label(r), role_duties(r)) for r in sorted(principal.roles)]
    return render(request, "home.html", {"cards": cards})


@router.post("/language", dependencies=[Public])
def switch_language(
    request: Request,
    db: DB,
    settings: AppSettings,
    locale: Annotated[str, Form(max_length=8)] = "en",
    next: Annotated[str, Form(max_length=512)] = "/",
) -> Response:
    if locale not in SUPPORTED_LOCALES:
        raise InvalidInput(_("Unknown language."), field="locale")
    principal = current_principal(request)
    if principal is not None:
        service.set_locale(db, principal, locale)
    set_locale(locale)
    # Only a local path: an open redirect would let a crafted link send a user elsewhere.
    target = next if next.startswith("/") and not next.startswith("//") and "\\" not in next else "/"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        LANG_COOKIE, locale, samesite="lax", secure=settings.secure_cookies, path="/", max_age=365 * 24 * 3600
    )
    return response


@router.get("/healthz", dependencies=[Public])
async def healthz() -> Response:
    return JSONResponse({"status": "ok"})


@router.get("/readyz", dependencies=[Public])
def readyz(request: Request) -> Response:
    engine = request.app.state.engine
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        ensure_current(engine)
    except SchemaBehind as exc:
        return JSONResponse({"status": "schema_behind", "detail": str(exc)}, status_code=503)
    except Exception:
        return JSONResponse({"status": "database_unreachable"}, status_code=503)
    behind = getattr(request.app.state, "audit_behind", None)  # backup.rewind, found at start
    return JSONResponse({"status": "ready", **({"warnings": [behind]} if behind else {})})
