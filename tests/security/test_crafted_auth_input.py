"""Issue 11, items 13 and 14 (auth part): crafted input to the sign-in, two-factor and CSRF
checks gets a clear 4xx, never a 500; the CSRF check knows a form whatever the case of its
Content-Type and whatever parameters follow it."""

from __future__ import annotations

import re

import pyotp
import pytest

from qorgau.permissions import Role
from tests.support import PASSWORD, csrf_from, make_user, sign_in

SECRET_RE = r'data-secret="([A-Z2-7]+)"'
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def test_non_ascii_csrf_header_on_sign_in_is_refused_without_a_500(client):
    client.get("/sign-in")  # the anonymous cookie the token is bound to
    response = client.post(
        "/sign-in",
        data={"username": "someone", "password": "whatever"},
        headers={"X-CSRF-Token": "é€".encode()},
    )
    assert response.status_code == 403


def test_non_ascii_csrf_form_field_on_sign_in_is_refused_without_a_500(client):
    client.get("/sign-in")
    response = client.post("/sign-in", data={"username": "someone", "password": "x", "csrf_token": "ٱ" * 64})
    assert response.status_code == 403


def test_non_ascii_csrf_token_of_a_signed_in_session_is_refused(client, db):
    user = make_user(db, Role.CASE_WORKER)
    sign_in(client, user.username)
    header = client.post("/sign-out", headers={"X-CSRF-Token": "ü".encode("latin-1")})
    form = client.post("/sign-out", data={"csrf_token": "ü" * 64})
    assert header.status_code == form.status_code == 403


@pytest.mark.parametrize(
    "content_type",
    [
        "Multipart/Form-Data; boundary=qorgau",
        "MULTIPART/FORM-DATA;boundary=qorgau",
        " multipart/form-data ; boundary=qorgau",
    ],
)
def test_a_multipart_form_in_any_case_is_csrf_checked(client, db, content_type):
    # No cookie, no token: a page of another site posting a sign-in form (login CSRF).
    user = make_user(db, Role.CASE_WORKER)
    body = (
        "--qorgau\r\n"
        'Content-Disposition: form-data; name="username"\r\n\r\n'
        f"{user.username}\r\n"
        "--qorgau\r\n"
        'Content-Disposition: form-data; name="password"\r\n\r\n'
        f"{PASSWORD}\r\n"
        "--qorgau--\r\n"
    )
    response = client.post(
        "/sign-in", content=body.encode(), headers={"Content-Type": content_type}, follow_redirects=False
    )
    assert response.status_code == 403
    assert "qorgau_session" not in response.cookies


@pytest.mark.parametrize("content_type", ["Application/X-WWW-Form-Urlencoded; charset=UTF-8", "TEXT/PLAIN"])
def test_other_simple_forms_in_any_case_are_csrf_checked(client, db, content_type):
    user = make_user(db, Role.CASE_WORKER)
    response = client.post(
        "/sign-in",
        content=f"username={user.username}&password={PASSWORD}".encode(),
        headers={"Content-Type": content_type},
        follow_redirects=False,
    )
    assert response.status_code == 403


def test_a_multipart_form_with_its_token_still_signs_in(client, db):
    user = make_user(db, Role.CASE_WORKER)
    token = csrf_from(client.get("/sign-in").text)
    response = client.post(
        "/sign-in",
        files={"username": (None, user.username), "password": (None, PASSWORD), "csrf_token": (None, token)},
        follow_redirects=False,
    )
    assert response.status_code == 303


def _enrolled_admin_half_signed_in(client, db):
    admin = make_user(db, Role.ADMINISTRATOR)
    sign_in(client, admin.username)
    page = client.get("/account/two-factor")
    secret = re.search(SECRET_RE, page.text).group(1)
    data = {"secret": secret, "code": pyotp.TOTP(secret).now(), "csrf_token": csrf_from(page.text)}
    assert client.post("/account/two-factor", data=data, follow_redirects=False).status_code == 303
    client.cookies.clear()
    sign_in(client, admin.username)
    return secret, csrf_from(client.get("/sign-in/two-factor").text)


def test_a_wrong_code_in_arabic_indic_digits_is_a_422(client, db):
    _secret, token = _enrolled_admin_half_signed_in(client, db)
    response = client.post("/sign-in/two-factor", data={"code": "١٢٣٤٥٦", "csrf_token": token})
    assert response.status_code == 422


def test_a_right_code_in_arabic_indic_digits_is_accepted(client, db):
    import time

    secret, token = _enrolled_admin_half_signed_in(client, db)
    code = pyotp.TOTP(secret).at(time.time() + 30).translate(ARABIC_INDIC)  # the present step is spent
    response = client.post(
        "/sign-in/two-factor", data={"code": code, "csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/"


@pytest.mark.parametrize("code", ["12345６", "１２３４５６", "12-34-56", "½½½½½½", "𝟏𝟐𝟑𝟒𝟓𝟔x", "\x00" * 6])
def test_odd_codes_are_a_422(client, db, code):
    _secret, token = _enrolled_admin_half_signed_in(client, db)
    response = client.post("/sign-in/two-factor", data={"code": code, "csrf_token": token})
    assert response.status_code == 422


@pytest.mark.parametrize(
    "secret",
    ["11111111111111111111111111111111", "ÄÖÜÄÖÜÄÖÜÄÖÜÄÖÜÄÖÜÄ", "ABC", "A" * 17, "MZXW6YTB" + "٣" * 8],
)
def test_a_secret_that_is_not_base32_is_a_422(client, db, secret):
    admin = make_user(db, Role.ADMINISTRATOR)
    sign_in(client, admin.username)
    token = csrf_from(client.get("/account/two-factor").text)
    response = client.post(
        "/account/two-factor", data={"secret": secret, "code": "123456", "csrf_token": token}
    )
    assert response.status_code == 422
    assert "start again" in response.text
    # A fresh secret is offered in its place.
    assert re.search(SECRET_RE, response.text)


def test_secret_and_digit_normalisation():
    from qorgau.auth.crypto import ascii_digits, normalise_totp_secret

    assert normalise_totp_secret("jbsw y3dp ehpk 3pxp") == "JBSWY3DPEHPK3PXP"
    assert normalise_totp_secret("JBSWY3DPEHPK3PX1") is None
    assert ascii_digits("١٢٣ ٤٥٦") == "123456"
    assert ascii_digits("12a456") is None
