"""Per-request context set before any route runs: request id, client address, locale, the
security headers of the answer, and one access-log line. A pure ASGI middleware, so it costs
little on every request.

The request id goes into audit rows, so a client does not choose it: an X-Request-ID is taken
as it is only from a trusted proxy (QORGAU_TRUSTED_PROXIES, the peer as connected, before its
X-Forwarded-For is applied); from anyone else the node makes its own id and keeps the client's
(safe characters, at most 31 of them) after it: "<node id>~<client id>"."""

from __future__ import annotations

import ipaddress
import logging
import re
import time
import uuid
from contextvars import ContextVar
from http.cookies import SimpleCookie
from typing import Any

from qorgau.config import SUPPORTED_LOCALES
from qorgau.i18n import negotiate, set_locale
from qorgau.l10n import set_zone
from qorgau.web.edge import security_headers

LANG_COOKIE = "qorgau_lang"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
CLIENT_ID_CHARS = 31  # 32 hex + "~" + 31: the audit column's 64

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


class TrustedPeers:
    """QORGAU_TRUSTED_PROXIES: "*", or addresses and networks separated by commas."""

    def __init__(self, spec: str | None) -> None:
        items = [i.strip() for i in (spec or "").split(",") if i.strip()]
        self.everyone = "*" in items
        self.networks = []
        self.names = set()
        for item in items:
            try:
                self.networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                self.names.add(item)

    def __contains__(self, peer: str | None) -> bool:
        if peer is None:
            return False
        if self.everyone or peer in self.names:
            return True
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        return any(address in network for network in self.networks)


def request_id_for(incoming: str | None, trusted: bool) -> str:
    if incoming and trusted and _SAFE_REQUEST_ID.match(incoming):
        return incoming
    own = uuid.uuid4().hex
    given = _UNSAFE.sub("", incoming or "")[:CLIENT_ID_CHARS]
    return f"{own}~{given}" if given else own


class RequestContextMiddleware:
    def __init__(self, app: Any, default_locale: str = "en", trusted_proxies: str | None = None) -> None:
        self.app = app
        self.default_locale = default_locale
        self.trusted = TrustedPeers(trusted_proxies)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        peer = scope.get("client")
        from_proxy = peer is not None and peer[0] in self.trusted
        request_id = request_id_for(_header(scope, b"x-request-id"), from_proxy)
        scope.setdefault("state", {})["request_id"] = request_id
        request_id_var.set(request_id)
        set_locale(locale_for(scope, self.default_locale))
        set_zone(None)  # UTC until the principal is known (auth.deps)
        started = time.perf_counter()
        status_holder = {"status": 500}

        async def send_with_id(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                headers = security_headers(scope.get("path", ""), list(message.get("headers", [])))
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
