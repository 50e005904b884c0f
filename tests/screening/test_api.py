"""The screening over HTTP: a stateless evaluation in the country's law, the indicators an
officer can record, and the countries' legal profiles side by side."""

from __future__ import annotations

from qorgau.permissions import Role
from tests.support import bearer, make_user

ADULT_LABOUR_DECEPTION = [
    "act.recruitment",
    "act.transportation",
    "means.deception",
    "purpose.labour",
]


def test_an_adult_deceived_into_labour_is_a_likely_victim_with_a_rationale(client, db):
    guard = bearer(db, make_user(db, Role.BORDER_GUARD))
    r = client.post(
        "/api/v1/screening/evaluate",
        headers=guard,
        json={"country": "KZ", "age": 27, "indicators": ADULT_LABOUR_DECEPTION},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["outcome"] == "likely_victim"
    assert set(ADULT_LABOUR_DECEPTION) <= set(body["fired"])
    assert body["rationale"] and all(reason["text"] for reason in body["rationale"])
    assert body["ruleset_version"]


def test_the_result_carries_what_the_law_of_the_country_gives_the_person(client, db):
    guard = bearer(db, make_user(db, Role.BORDER_GUARD))

    def law(country: str):  # type: ignore[no-untyped-def]
        body = {"country": country, "age": 27, "indicators": ADULT_LABOUR_DECEPTION}
        return client.post("/api/v1/screening/evaluate", headers=guard, json=body).json()["country_law"]

    kz = law("KZ")
    # Kazakhstan's 2024 law has a potential-victim status; it sets no reflection period, so the
    # node's default applies; whether victims are exempt from punishment is not yet settled.
    assert kz["potential_victim_status"] is True and kz["non_punishment"] is None
    assert kz["reflection_period_days"] == 30 and kz["reflection_period_statutory"] is False
    assert law("UZ")["country"] == "UZ"
    assert law("RU") is None  # no legal profile: the international standard alone


def test_for_a_child_the_same_acts_and_purpose_mean_child_protection_now(client, db):
    guard = bearer(db, make_user(db, Role.BORDER_GUARD))
    r = client.post(
        "/api/v1/screening/evaluate",
        headers=guard,
        json={"country": "KZ", "age": 15, "indicators": ["act.recruitment", "purpose.labour"]},
    )
    assert r.json()["outcome"] == "refer_to_child_protection"


def test_the_rationale_comes_in_the_officers_language(client, db):
    guard = bearer(db, make_user(db, Role.BORDER_GUARD))
    english = client.post(
        "/api/v1/screening/evaluate",
        headers=guard,
        json={"country": "KZ", "age": 27, "indicators": ADULT_LABOUR_DECEPTION},
    ).json()["rationale"][0]["text"]
    russian = client.post(
        "/api/v1/screening/evaluate",
        headers={**guard, "Accept-Language": "ru"},
        json={"country": "KZ", "age": 27, "indicators": ADULT_LABOUR_DECEPTION},
    ).json()["rationale"][0]["text"]
    assert english != russian


def test_unknown_codes_countries_and_versions_are_refused_naming_the_field(client, db):
    guard = bearer(db, make_user(db, Role.BORDER_GUARD))
    url = "/api/v1/screening/evaluate"
    unknown = client.post(url, headers=guard, json={"country": "KZ", "indicators": ["means.magic"]})
    assert unknown.status_code == 422 and "means.magic" in unknown.json()["detail"]
    assert unknown.json()["errors"][0]["field"] == "indicators"
    country = client.post(url, headers=guard, json={"country": "XX", "indicators": []})
    assert country.status_code == 422 and country.json()["errors"][0]["field"] == "country"
    version = client.post(url, headers=guard, json={"country": "KZ", "ruleset_version": "1999.1"})
    assert version.status_code == 422 and version.json()["errors"][0]["field"] == "ruleset_version"


def test_the_ruleset_lists_every_indicator_with_a_hint_for_the_officer(client, db):
    worker = bearer(db, make_user(db, Role.CASE_WORKER))
    body = client.get("/api/v1/screening/ruleset", headers=worker).json()
    codes = {i["code"] for i in body["indicators"]}
    assert {"act.recruitment", "means.deception", "ilo.debt_bondage", "kz.factor.disability"} <= codes
    assert all(i["hint"] for i in body["indicators"])
    assert body["version"] in body["versions"]


def test_roles_without_screening_cannot_evaluate(client, db):
    analyst = bearer(db, make_user(db, Role.ANALYST))
    assert (
        client.post("/api/v1/screening/evaluate", headers=analyst, json={"country": "KZ"}).status_code == 403
    )


def test_the_legal_profiles_compare_the_four_countries_with_sources(client):
    page = client.get("/screening/profiles")
    assert page.status_code == 200
    for country in ("Kazakhstan", "Uzbekistan", "Kyrgyzstan", "Tajikistan"):
        assert country in page.text
    assert "110-VIII" in page.text  # Kazakhstan's 2024 law
    assert "Sources" in page.text


# --- Ruleset 2026.2 (issue 16) -------------------------------------------------------------------


def test_the_issues_clear_victims_are_potential_victims_over_http(client, db):
    guard = bearer(db, make_user(db, Role.BORDER_GUARD))
    for body in (
        {
            "country": "UZ",
            "age": 34,
            "indicators": ["purpose.domestic_servitude", "ilo.physical_sexual_violence"],
        },
        {"country": "KG", "age": 41, "indicators": ["purpose.labour", "ilo.intimidation_threats"]},
    ):
        r = client.post("/api/v1/screening/evaluate", headers=guard, json=body)
        assert r.status_code == 200 and r.json()["outcome"] == "potential_victim", r.text
        assert r.json()["ruleset_version"] == "2026.2"
    old = {**body, "ruleset_version": "2026.1"}  # an old version still answers as it did
    assert client.post("/api/v1/screening/evaluate", headers=guard, json=old).json()["outcome"] == (
        "insufficient_indicators"
    )


def test_other_reasonable_grounds_need_a_written_reason(client, db):
    guard = bearer(db, make_user(db, Role.BORDER_GUARD))
    body = {"country": "UZ", "age": 30, "indicators": ["officer.other_reasonable_grounds"]}
    r = client.post("/api/v1/screening/evaluate", headers=guard, json=body)
    assert r.status_code == 422 and "written reason" in r.text
    r = client.post(
        "/api/v1/screening/evaluate", headers=guard, json={**body, "grounds": "Held at the site."}
    )
    assert r.status_code == 200 and r.json()["outcome"] == "potential_victim"
    assert "Held at the site" not in r.text  # the reason is not echoed back


def test_kazakhstans_statutory_status_is_said_beside_the_stage(client, db):
    guard = bearer(db, make_user(db, Role.BORDER_GUARD))
    body = {"country": "KZ", "age": 70, "indicators": ["kz.factor.old_age"]}
    out = client.post("/api/v1/screening/evaluate", headers=guard, json=body).json()
    assert out["outcome"] == "potential_victim"
    assert [s["code"] for s in out["statuses"]] == ["kz.law_110.potential_victim"]
    assert (
        "110-VIII" in out["statuses"][0]["label"] and "not a stage of the case" in out["statuses"][0]["label"]
    )
    uz = client.post("/api/v1/screening/evaluate", headers=guard, json={**body, "country": "UZ"}).json()
    assert uz["statuses"] == []
