"""Errors: problem details for the API, friendly pages for people, never a stack trace or a
submitted value, always the request id."""

from __future__ import annotations

from qorgau.permissions import Role
from tests.support import bearer, make_user, sign_in


def test_unknown_api_path_is_a_problem_document(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 404 and body["title"] == "Not found"
    assert body["request_id"] == response.headers["x-request-id"]


def test_unknown_page_is_a_friendly_page_with_the_request_id(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
    assert "There is no page at this address." in response.text
    assert response.headers["x-request-id"] in response.text


def test_invalid_input_names_each_field_and_never_echoes_the_value(client, db):
    admin = make_user(db, Role.ADMINISTRATOR)
    response = client.post(
        "/api/v1/agencies",
        headers=bearer(db, admin),
        json={"code": "kz ngo!", "name": "X" * 500, "country": "QQ", "kind": "circus"},
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"code", "name", "country", "kind"}
    assert "circus" not in response.text and "X" * 500 not in response.text


def test_malformed_json_is_a_422_not_a_500(client, db):
    admin = make_user(db, Role.ADMINISTRATOR)
    response = client.post(
        "/api/v1/agencies",
        content=b"{not json",
        headers=bearer(db, admin) | {"Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body"


def test_an_unexpected_error_shows_no_stack_trace_and_logs_it_with_the_request_id(app, client, db, caplog):
    from qorgau.web.csrf import Public

    @app.get("/test-only/explode", dependencies=[Public])
    def explode() -> None:
        raise ValueError("Passport N1234567 of Erzhan")

    page = client.get("/test-only/explode")
    assert page.status_code == 500
    assert "Traceback" not in page.text and "N1234567" not in page.text
    assert page.headers["x-request-id"] in page.text
    api = client.get("/test-only/explode", headers={"Accept": "application/json"})
    assert api.json()["status"] == 500 and "N1234567" not in api.text
    logged = [r for r in caplog.records if r.name == "qorgau.errors"]
    assert logged and page.headers["x-request-id"] in logged[0].getMessage()


def test_forbidden_page_is_friendly(client, db):
    worker = make_user(db, Role.CASE_WORKER)
    sign_in(client, worker.username)
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "Your role does not allow this." in response.text


def test_pages_redirect_to_sign_in_and_the_api_answers_401(client):
    assert client.get("/", follow_redirects=False).headers["location"] == "/sign-in"
    response = client.get("/api/v1/me")
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
