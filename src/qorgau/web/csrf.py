"""Cross-site request forgery: the token our pages carry and the check every access rule runs
first, and `Public`, the access declaration of routes open to anyone.

Part of the web kit: it knows the cookie names (the auth room sets the session cookie), not the
accounts behind them. A token is an HMAC, under the node's MAC key, of what the request is bound
to: the session cookie (as its SHA-256) or, before sign-in, an anonymous cookie.
"""

from __future__ import annotations

import hashlib
import hmac

from fastapi import Depends, Request

from qorgau.errors import Forbidden
from qorgau.i18n import _

SESSION_COOKIE = "qorgau_session"
ANON_COOKIE = "qorgau_anon"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def csrf_token(mac_key: bytes, binding: str) -> str:
    return hmac.new(mac_key, b"csrf:" + binding.encode(), hashlib.sha256).hexdigest()


def csrf_valid(mac_key: bytes, binding: str, presented: str | None) -> bool:
    # compare_digest refuses non-ASCII text with a TypeError: such a token is simply wrong.
    if not presented or not presented.isascii():
        return False
    return hmac.compare_digest(csrf_token(mac_key, binding), presented)


# What a page of another site can send without asking first (a "simple" request).
FORM_MEDIA_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"})


def media_type(content_type: str) -> str:
    """The media type of a Content-Type header, without parameters, in lower case
    ("Multipart/Form-Data; boundary=x" -> "multipart/form-data")."""
    return content_type.partition(";")[0].strip().lower()


def csrf_binding(request: Request) -> str | None:
    """What this request's CSRF token is bound to: the session, or the anonymous cookie."""
    raw = request.cookies.get(SESSION_COOKIE)
    if raw:
        return "s:" + hashlib.sha256(raw.encode()).hexdigest()
    anon = request.cookies.get(ANON_COOKIE)
    return "a:" + anon if anon else None


async def check_csrf(request: Request) -> None:
    """Refuse a state-changing request from a browser form unless it carries the token that
    only our own pages know. Bearer-token calls carry no ambient credentials and need none."""
    if request.method in SAFE_METHODS or request.headers.get("authorization"):
        return
    is_form = media_type(request.headers.get("content-type", "")) in FORM_MEDIA_TYPES
    if SESSION_COOKIE not in request.cookies and not is_form:
        # No session to ride on and no form a page could have posted (forms include text/plain
        # ones, which any site can send): a machine calling a public endpoint, such as a
        # witness handing in a co-signature, has nothing to forge.
        return
    binding = csrf_binding(request)
    presented = request.headers.get(CSRF_HEADER)
    if presented is None and is_form:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        presented = value if isinstance(value, str) else None
    if binding is None or not csrf_valid(request.app.state.settings.secrets.mac_key, binding, presented):
        raise Forbidden(_("The form expired or did not come from Qorgau. Reload the page and try again."))


async def public(request: Request) -> None:
    """Declares a route open to anyone (still CSRF-checked when it changes state). Its GETs
    read on the read path (web.deps.reads_only): they have no principal, so nothing to audit."""
    request.state.public_route = True
    await check_csrf(request)


Public = Depends(public)
