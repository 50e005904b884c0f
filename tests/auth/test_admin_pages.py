"""Administration pages: agencies and user accounts, with and without htmx."""

from __future__ import annotations

import re

import pyotp
from sqlalchemy import select

from qorgau.auth.models import Agency
from qorgau.permissions import Role
from tests.support import csrf_from, make_user, sign_in


def _signed_in_admin(client, db):
    admin = make_user(db, Role.ADMINISTRATOR)
    sign_in(client, admin.username)
    page = client.get("/account/two-factor")
    secret = re.search(r'data-secret="([A-Z2-7]+)"', page.text).group(1)
    client.post(
        "/account/two-factor",
        data={"secret": secret, "code": pyotp.TOTP(secret).now(), "csrf_token": csrf_from(page.text)},
    )
    return admin


def test_agency_form_shows_each_error_next_to_its_field_and_keeps_the_input(client, db):
    _signed_in_admin(client, db)
    page = client.get("/agencies")
    response = client.post(
        "/agencies",
        data={
            "code": "bad code!",
            "name": "Shelter Taraz",
            "country": "ZZ",
            "kind": "",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert response.status_code == 422
    assert response.text.count('class="field-error"') == 3  # code, country, kind
    assert 'value="Shelter Taraz"' in response.text
    ok = client.post(
        "/agencies",
        data={
            "code": "KZ-SHL-TRZ",
            "name": "Shelter Taraz",
            "country": "kz",
            "kind": "shelter",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert ok.status_code == 200 and "KZ-SHL-TRZ was registered" in ok.text
    assert db.scalar(select(Agency.country).where(Agency.code == "KZ-SHL-TRZ")) == "KZ"


def test_admin_forms_say_what_is_wrong_in_the_readers_language_like_the_case_forms(client, db):
    # The auth pages' forms go through web.forms as the NRM pages' do: pydantic's English
    # ("Input should be ...", "String should have ...") never reaches a Russian reader.
    _signed_in_admin(client, db)
    client.cookies.set("qorgau_lang", "ru")
    page = client.get("/agencies")
    data = {"code": "KZ-SHL-TRZ", "name": "", "country": "KZ", "kind": "", "csrf_token": csrf_from(page.text)}
    response = client.post("/agencies", data=data)
    assert response.status_code == 422
    assert "Выберите один из вариантов." in response.text  # the kind
    assert "Input should be" not in response.text and "String should" not in response.text
    page = client.get("/admin/users")
    data = {"username": "new.officer", "display_name": "", "agency_code": "KZ-SHL-TRZ"}
    response = client.post("/admin/users", data={**data, "csrf_token": csrf_from(page.text)})
    assert response.status_code == 422
    assert "Заполните это поле." in response.text  # the display name
    assert "should" not in response.text


def test_case_workers_see_the_directory_but_not_the_registration_form(client, db):
    worker = make_user(db, Role.CASE_WORKER)
    sign_in(client, worker.username)
    page = client.get("/agencies")
    assert page.status_code == 200 and "KZ-NGO-TST" in page.text
    assert "Register an agency" not in page.text


def test_administrator_disables_an_account_in_place_with_htmx(client, db):
    _signed_in_admin(client, db)
    worker = make_user(db, Role.CASE_WORKER)
    page = client.get("/admin/users")
    assert f'hx-post="/admin/users/{worker.id}/disable"' in page.text
    row = client.post(
        f"/admin/users/{worker.id}/disable",
        headers={"HX-Request": "true", "X-CSRF-Token": csrf_from(page.text)},
    )
    assert row.status_code == 200
    assert row.text.lstrip().startswith("<tr") and "<html" not in row.text
    assert f'hx-post="/admin/users/{worker.id}/enable"' in row.text and "Disabled" in row.text
    db.refresh(worker)
    assert worker.active is False
    plain = client.post(
        f"/admin/users/{worker.id}/enable", data={"csrf_token": csrf_from(page.text)}, follow_redirects=False
    )
    assert plain.status_code == 303 and plain.headers["location"] == "/admin/users"
