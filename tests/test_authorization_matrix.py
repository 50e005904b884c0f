"""Every route × every role gets exactly what the permission table says.

The route table is read from the application itself, so a new route is covered the day it is
added, and a route without an access declaration fails here.
"""

from __future__ import annotations

import re
import uuid

from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from qorgau.auth.deps import require, signed_in_pending
from qorgau.permissions import ROLE_PERMISSIONS, Role
from qorgau.web.csrf import public
from tests.support import bearer, csrf_from, make_user

# Routes FastAPI and Starlette add themselves: the OpenAPI document and the static files.
FRAMEWORK_ROUTES = {"/api/v1/openapi.json", "/static"}


def api_routes(app) -> list[RouteContext]:  # type: ignore[no-untyped-def]
    """The app's routes with their full paths (FastAPI keeps included routers nested)."""
    return [rc for rc in iter_route_contexts(app.routes) if isinstance(rc.original_route, APIRoute)]


def access_declarations(route: RouteContext) -> set[object]:
    found: set[object] = set()

    def walk(dependant) -> None:  # type: ignore[no-untyped-def]
        for dep in dependant.dependencies:
            if isinstance(dep.call, require):
                found.add(dep.call.permission)
            elif dep.call is public:
                found.add("public")
            elif dep.call is signed_in_pending:
                found.add("signed-in")
            walk(dep)

    walk(route.dependant)
    return found


def concrete_path(path: str) -> str:
    return re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)


def test_every_route_declares_exactly_one_access_rule(app):
    undeclared = []
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, APIRoute):
            if len(access_declarations(route)) != 1:
                undeclared.append(f"{sorted(route.methods)} {route.path}: {access_declarations(route)}")
        elif route.path not in FRAMEWORK_ROUTES:
            undeclared.append(f"{route.path}: not a FastAPI route, so it cannot declare a permission")
    assert not undeclared, "routes without exactly one access declaration:\n" + "\n".join(undeclared)


def test_a_route_without_a_declaration_is_caught(app):
    @app.get("/api/v1/forgotten")
    def forgotten() -> dict[str, str]:
        return {}

    route = next(r for r in api_routes(app) if r.path == "/api/v1/forgotten")
    assert access_declarations(route) == set()


def test_every_route_answers_every_role_as_the_permission_table_says(app, client, db):
    headers = {role: bearer(db, make_user(db, role)) for role in Role}
    # An anonymous browser with a valid form token (from the sign-in page): what refuses it
    # below is the access rule, not the CSRF check.
    anonymous_headers = {"X-CSRF-Token": csrf_from(client.get("/sign-in").text)}
    mismatches = []
    checked = 0
    for route in api_routes(app):
        (declared,) = access_declarations(route)
        path = concrete_path(route.path)
        for method in sorted(route.methods - {"HEAD"}):
            anonymous = client.request(
                method,
                path,
                json={} if method != "GET" else None,
                headers=anonymous_headers,
                follow_redirects=False,
            )
            if declared == "public":
                if anonymous.status_code in (401, 403) or anonymous.status_code >= 500:
                    mismatches.append(f"anonymous {method} {route.path}: {anonymous.status_code}")
                continue
            refused_anonymous = anonymous.status_code == 401 or (
                anonymous.status_code == 303 and anonymous.headers["location"] == "/sign-in"
            )
            if not refused_anonymous:
                mismatches.append(
                    f"anonymous {method} {route.path}: {anonymous.status_code}, expected refusal"
                )
            for role in Role:
                allowed = declared == "signed-in" or declared in ROLE_PERMISSIONS[role]
                response = client.request(
                    method,
                    path,
                    headers=headers[role],
                    json={} if method != "GET" else None,
                    follow_redirects=False,
                )
                checked += 1
                got_in = response.status_code not in (401, 403)
                if response.status_code >= 500 or got_in != allowed:
                    mismatches.append(
                        f"{role.value} {method} {route.path}: {response.status_code}, "
                        f"expected {'access' if allowed else '403'} ({declared})"
                    )
    assert checked > 100
    assert not mismatches, "\n".join(mismatches)
