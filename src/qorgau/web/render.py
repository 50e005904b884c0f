"""Page rendering: one Jinja2 environment for every room's templates, with gettext, the
current principal, navigation and the CSRF token in every page's context.

The kit knows no room: rooms hand their template helpers (`globals`) and navigation entries to
the composition root (qorgau.app), which passes them to `make_templates`."""

from __future__ import annotations

import secrets
from collections import defaultdict
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import RedirectResponse, Response

from qorgau import __version__, l10n
from qorgau.countries import country_name
from qorgau.i18n import LOCALE_NAMES, current_locale, gettext, ngettext
from qorgau.permissions import Permission
from qorgau.web.csrf import ANON_COOKIE, CSRF_FIELD, csrf_binding, csrf_token

PACKAGE_DIR = Path(__file__).resolve().parent.parent

# (permission, path, label): one entry of the menu (app.state.navigation, set by the composition
# root), shown to whoever holds the permission.
NavEntry = tuple[Permission, str, str]


def _template_dirs() -> list[str]:
    # Each room keeps its templates in <room>/templates; the shell's come first.
    dirs = [str(PACKAGE_DIR / "web" / "templates")]
    dirs += sorted(str(p) for p in PACKAGE_DIR.glob("*/templates") if p.parent.name != "web")
    return dirs


def make_templates(globals: dict[str, Any] | None = None) -> Jinja2Templates:
    """The environment for every room's templates; `globals` are the rooms' template helpers."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_template_dirs()),
        autoescape=jinja2.select_autoescape(default=True),
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
    )
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    l10n.install(env)  # dt, date, number, country and agency names
    env.globals.update(version=__version__, locale_names=LOCALE_NAMES)
    env.globals.update(globals or {})
    return Jinja2Templates(env=env)


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> Response:
    """Render a page. Adds the principal, navigation, locale and a CSRF token bound to the
    session (or, before sign-in, to an anonymous cookie set here)."""
    settings = request.app.state.settings
    templates = request.app.state.templates
    principal = getattr(request.state, "principal", None)
    binding = csrf_binding(request)
    new_anon = None
    if binding is None:
        new_anon = secrets.token_urlsafe(24)
        binding = "a:" + new_anon
    ctx: dict[str, Any] = {
        "principal": principal,
        "nav": [
            (path, gettext(label))
            for perm, path, label in getattr(request.app.state, "navigation", ())
            if principal is not None and not principal.two_factor_pending and principal.can(perm)
        ],
        "locale": current_locale(),
        "csrf_field": CSRF_FIELD,
        "csrf_token": csrf_token(settings.secrets.mac_key, binding),
        "request_id": request.state.request_id,
        "current_path": request.url.path,
    }
    ctx.update(context or {})
    if "errors" in ctx:
        # Templates ask errors.<field> for every field; a missing one is simply no error.
        ctx["errors"] = defaultdict(str, ctx["errors"] or {})
    response = templates.TemplateResponse(request, template, ctx, status_code=status_code)
    if new_anon is not None:
        response.set_cookie(
            ANON_COOKIE, new_anon, httponly=True, samesite="lax", secure=settings.secure_cookies, path="/"
        )
    return response


def see_other(url: str) -> RedirectResponse:
    """After a form post: the browser fetches `url` with GET (POST/redirect/GET)."""
    return RedirectResponse(url, status_code=303)


def is_htmx(request: Request) -> bool:
    return bool(request.headers.get("hx-request"))


def go_to(request: Request, url: str) -> Response:
    """After a form post that leaves its page: htmx follows HX-Redirect (a 3xx would be followed
    inside the swap), a plain form gets 303 (POST/redirect/GET)."""
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": url})
    return see_other(url)


def country_label(code: str | None) -> str:
    """A country as pages show it: its name in the reader's language and its code, "Kazakhstan (KZ)"."""
    return f"{country_name(code, current_locale())} ({code})" if code else ""


def private(response: Response) -> Response:
    """A page with a person's data: no copy stays in the browser's or a proxy's cache."""
    response.headers["Cache-Control"] = "no-store"
    return response
