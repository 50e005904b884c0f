"""Per-request context set before any route runs: request id, client address, locale, and one
access-log line. A pure ASGI middleware, so it costs little on every request."""

from __future__ import annotations

import logging
import re
import time
import uuid
from contextvars import ContextVar
from http.cookies import SimpleCookie
from typing import Any

from qorgau.config import SUPPORTED_LOCALES
from qorgau.i18n import negotiate, set_locale

LANG_COOKIE = "qorgau_lang"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

request_id_var: ContextVar[str | None] = ContextVar("qorgau_request_id", default=None)
access_log = logging.getLogger("qorgau.access")


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


def locale_for(scope: dict[str, Any], default: str) -> str:
    cookie_header = _header(scope, b"cookie")
    if cookie_header:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(cookie_header)
        except Exception:  # a malformed cookie header must not break the request
            jar = SimpleCookie()
        if LANG_COOKIE in jar and jar[LANG_COOKIE].value in SUPPORTED_LOCALES:
            return jar[LANG_COOKIE].value
    return negotiate(_header(scope, b"accept-language")) or default


class RequestContextMiddleware:
    def __init__(self, app: Any, default_locale: str = "en") -> None:
        self.app = app
        self.default_locale = default_locale

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        request_id = incoming if incoming and _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        request_id_var.set(request_id)
        set_locale(locale_for(scope, self.default_locale))
        started = time.perf_counter()
        status_holder = {"status": 500}

        async def send_with_id(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            # Path only: query strings are never logged (nothing personal should be in a URL,
            # and this makes sure a mistake there does not reach the logs).
            access_log.info(
                "%s %s %s %.1fms request_id=%s",
                scope.get("method"),
                scope.get("path"),
                status_holder["status"],
                (time.perf_counter() - started) * 1000,
                request_id,
            )
