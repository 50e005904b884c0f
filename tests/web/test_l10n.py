"""Localised data (issue 18): dates, times and numbers in the locale's format, times in the
signed-in user's time zone, country, language and agency names in the user's language."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from qorgau.auth import service
from qorgau.auth.models import Agency, AgencyKind, User
from qorgau.auth.schemas import AgencyCreate
from qorgau.demo.agency_names import AGENCY_NAMES
from qorgau.demo.setup import DEMO_AGENCIES
from qorgau.i18n import use_locale
from qorgau.l10n import (
    agency_name,
    country_name,
    default_zone,
    format_date,
    format_datetime,
    format_number,
    language_name,
    use_zone,
)
from qorgau.permissions import Role
from qorgau.principal import system_principal
from tests.support import csrf_from, make_user, sign_in

MOMENT = datetime(2025, 3, 4, 10, 5, tzinfo=UTC)


def test_times_follow_the_locale_and_the_zone() -> None:
    with use_locale("en"), use_zone("UTC"):
        assert format_datetime(MOMENT) == "Mar 4, 2025, 10:05\u202fAM"
    with use_locale("ru"), use_zone("Asia/Almaty"):
        assert format_datetime(MOMENT) == "4 мар. 2025\u202fг., 15:05"
    with use_locale("tg"), use_zone("Asia/Dushanbe"):
        assert format_datetime(MOMENT) == "04 Мар 2025 15:05"
    with use_locale("kk"), use_zone("Europe/Moscow"):
        text = format_datetime(MOMENT)
        assert "13:05" in text and "2025" in text and "UTC" not in text
    # A naive value is UTC, as the database stores it.
    with use_locale("ru"), use_zone("Asia/Tashkent"):
        assert format_datetime(MOMENT.replace(tzinfo=None)) == "4 мар. 2025\u202fг., 15:05"


def test_dates_and_numbers_in_the_locale_format() -> None:
    with use_locale("ru"):
        assert format_date(date(2025, 3, 4)) == "4 мар. 2025\u202fг."
        assert format_date("2025-03-04") == "4 мар. 2025\u202fг."
        assert format_date("not a date") == "not a date"
        assert format_number("1234567.50") == "1\xa0234\xa0567,5"
    with use_locale("uz"):
        assert format_date(date(2025, 3, 4)) == "4-mar, 2025"
    with use_locale("en"):
        assert format_number(1234567) == "1,234,567"


def test_country_and_language_names_from_cldr() -> None:
    with use_locale("kk"):
        assert country_name("UZ") == "Өзбекстан"
        assert language_name("kk") == "қазақ тілі"
    with use_locale("uz"):
        assert country_name("KZ") == "Qozogʻiston"
    with use_locale("tg"):
        assert country_name("UZ") == "Ӯзбекистон"
    with use_locale("ky"):
        assert language_name("ru") == "орусча"
    assert country_name("QQ") == "QQ"  # unknown: the code itself


def test_default_zone_by_the_agency_country() -> None:
    assert default_zone("KZ") == "Asia/Almaty"
    assert default_zone("TJ") == "Asia/Dushanbe"
    assert default_zone("TR") == "Europe/Istanbul"
    assert default_zone("FR") == "UTC"


def test_agency_names_per_language_fall_back_to_the_default() -> None:
    agency = Agency(code="X", name="Crisis centre", names={"kk": "Дағдарыс орталығы"}, country="KZ")
    with use_locale("kk"):
        assert agency_name(agency) == "Дағдарыс орталығы"
    with use_locale("ky"):
        assert agency_name(agency) == "Crisis centre"


def test_every_demo_agency_is_named_in_every_language() -> None:
    for code, *_rest in DEMO_AGENCIES:
        assert set(AGENCY_NAMES[code]) == {"ru", "kk", "uz", "ky", "tg"}, code


def _token_created_at(db, user: User) -> None:  # type: ignore[no-untyped-def]
    token, _raw = service.create_api_token(db, system_principal(), user, "laptop")
    token.created_at = MOMENT
    db.flush()


def test_the_account_page_shows_times_in_the_users_zone(client, db) -> None:  # type: ignore[no-untyped-def]
    user = make_user(db, Role.CASE_WORKER)  # agency in KZ: Asia/Almaty until the user picks one
    _token_created_at(db, user)
    client.cookies.set("qorgau_lang", "ru")
    sign_in(client, user.username)
    page = client.get("/account")
    assert "4 мар. 2025\u202fг., 15:05" in page.text
    assert "Asia/Almaty" in page.text

    answer = client.post(
        "/account/time-zone",
        data={"time_zone": "Asia/Tokyo", "csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert db.scalar(select(User.time_zone).where(User.id == user.id)) == "Asia/Tokyo"
    page = client.get("/account")
    assert "4 мар. 2025\u202fг., 19:05" in page.text
    assert '<option value="Asia/Tokyo" selected>' in page.text


def test_an_unknown_time_zone_is_refused(client, db) -> None:  # type: ignore[no-untyped-def]
    user = make_user(db, Role.CASE_WORKER)
    sign_in(client, user.username)
    page = client.get("/account")
    answer = client.post(
        "/account/time-zone", data={"time_zone": "Mars/Olympus", "csrf_token": csrf_from(page.text)}
    )
    assert answer.status_code == 422
    assert "Choose a time zone from the list." in answer.text
    assert db.scalar(select(User.time_zone).where(User.id == user.id)) is None


def test_agency_names_are_shown_in_the_users_language(client, db) -> None:  # type: ignore[no-untyped-def]
    service.create_agency(
        db,
        system_principal(),
        AgencyCreate(
            code="KG-NGO-L10N",
            name="Crisis centre, Bishkek",
            country="KG",
            kind=AgencyKind.NGO,
            names={"ky": "Кризистик борбор, Бишкек", "ru": " ", "en": ""},
        ),
    )
    agency = db.scalar(select(Agency).where(Agency.code == "KG-NGO-L10N"))
    assert agency is not None and agency.names == {"ky": "Кризистик борбор, Бишкек"}  # blanks dropped
    user = make_user(db, Role.CASE_WORKER)
    sign_in(client, user.username)
    client.cookies.set("qorgau_lang", "ky")
    page = client.get("/agencies")
    assert "Кризистик борбор, Бишкек" in page.text
    assert "Кыргызстан (KG)" in page.text  # the country's name from CLDR
    client.cookies.set("qorgau_lang", "ru")
    assert "Crisis centre, Bishkek" in client.get("/agencies").text  # no Russian name: the default


@pytest.mark.parametrize("names", [{"xx": "Name"}, {"kk": "x" * 201}])
def test_agency_names_must_be_of_our_languages(names) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        AgencyCreate(code="KZ-NGO-BAD", name="Name", country="KZ", kind=AgencyKind.NGO, names=names)
