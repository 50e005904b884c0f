"""What every request meets at the edge, before any route: a limit on the body it may send, and
the security headers every answer carries.

Body limits: a request whose Content-Length is above its limit is refused with 413 before the
application runs; a body without one (chunked) is counted as it streams in, and refused the
moment it passes the limit, so no more of it is read. The limit is DEFAULT_BODY_LIMIT unless
the path is registered with its own (`limit_body`): the witness co-signatures take a few KB.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.exceptions import HTTPException

from qorgau.i18n import _

DEFAULT_BODY_LIMIT = 1024 * 1024  # 1 MiB: the longest intake form is a few tens of KB
_ROUTE_LIMITS: dict[str, int] = {}


def limit_body(path: str, max_bytes: int) -> None:
    """Give requests to `path` (exactly) a body limit of their own, larger or smaller."""
    _ROUTE_LIMITS[path] = max_bytes


def body_limit_of(path: str) -> int:
    return _ROUTE_LIMITS.get(path, DEFAULT_BODY_LIMIT)


class BodyTooLarge(HTTPException):
    """Raised from `receive` when a streamed body passes its limit. An HTTPException, so that
    FastAPI's body parsing lets it through and errors.py makes it a problem document."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=too_large(limit))


# Scripts and styles only from this origin and never inline (the pages use htmx from /static,
# with its inline indicator styles and eval turned off in base.html); no framing at all.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_SECURITY_HEADERS = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)


def security_headers(path: str, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The response headers with the security headers added. Every answer but the static files
    may hold personal data (or a page that does): none of them is kept by a browser or a proxy
    cache. A header the route set itself is left as it is."""
    present = {name.lower() for name, _value in headers}
    added = [(name, value) for name, value in _SECURITY_HEADERS if name not in present]
    if b"cache-control" not in present and not path.startswith("/static/"):
        added.append((b"cache-control", b"no-store"))
    return headers + added


def _content_length(scope: dict[str, Any]) -> int | str | None:
    """The declared length; None if there is none; "bad" if it is not a number."""
    for key, value in scope.get("headers", ()):
        if key == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else "bad"
    return None


class BodyLimitMiddleware:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit_of(scope.get("path", ""))
        declared = _content_length(scope)
        if declared == "bad":
            await _refuse(
                scope, send, 400, _("Request refused"), _("The Content-Length header is not a number.")
            )
            return
        if isinstance(declared, int) and declared > limit:
            await _refuse(scope, send, 413, _("Request too large"), too_large(limit))
            return
        received = 0
        started = False

        async def counted_receive() -> dict[str, Any]:
            nonlocal received
            message: dict[str, Any] = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched_send(message: dict[str, Any]) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge:
            if started:
                raise
            await _refuse(scope, send, 413, _("Request too large"), too_large(limit))


def too_large(limit: int) -> str:
    return _("The request body is larger than this address takes (at most %(n)s bytes).") % {"n": limit}


async def _refuse(scope: dict[str, Any], send: Any, status: int, title: str, detail: str) -> None:
    """A problem document, sent without reading the body; the connection is closed after it,
    so the rest of the body is never read either."""
    request_id = scope.get("state", {}).get("request_id")
    body = json.dumps(
        {
            "type": "about:blank",
            "title": title,
            "status": status,
            "detail": detail,
            "instance": scope.get("path"),
            "request_id": request_id,
        }
    ).encode()
    headers = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
