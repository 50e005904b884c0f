"""A real browser against a live server, through a screening: the border guard, working in
Russian, registers a person found at the border, opens "Screen" on the case and goes through the
questionnaire step by step (each step saved as a draft), ticking the signs of adult labour
exploitation with deception; records it; the result reads in Russian and the case is now a
potential victim's.

Drives Debian's chromium as test_case_flow does; screenshots go to
test-output/screenshots/screening-NN-*.png at the repository root."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import Shots, Site
from tests.e2e.test_case_flow import sign_in

pytestmark = pytest.mark.e2e

CASE_PAGE = re.compile(r"/cases/[0-9a-f-]{36}$")
RESULT_PAGE = re.compile(r"/cases/[0-9a-f-]{36}/screenings/[0-9a-f-]{36}$")


def tick(page: Page, *codes: str) -> None:
    for code in codes:
        page.locator(f"#ind-{code.replace('.', '-')}").check()


def next_step(page: Page, heading: str) -> None:
    page.get_by_role("button", name="Далее", exact=True).click()
    expect(page.get_by_role("heading", level=2)).to_contain_text(heading)


def test_a_border_guard_screens_a_person_in_russian(page: Page, site: Site) -> None:
    shot = Shots(page, "screening-")
    sign_in(page, "borderguard")
    page.locator("#language-select").select_option("ru")
    page.locator("form.language-switcher button").click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")

    # A person found at the border, registered with little data: the case is only reported.
    page.goto("/cases/new")
    page.locator("#intake-family_name").fill("Каримова")
    page.locator("#intake-given_name").fill("Дилноза")
    page.locator("#intake-sex").select_option("female")
    page.locator("#intake-birth_date").fill("1996-05-20")
    page.locator("#intake-citizenships").fill("UZ")
    page.locator("#intake-languages").fill("uz, ru")
    page.locator('button[name="go"][value="2"]').click()
    page.locator('input[name="exploitation_types"][value="labour"]').check()
    page.locator("#intake-found_in_country").fill("KZ")
    page.locator("#intake-narrative").fill("Обещали работу на стройке; паспорт забрал работодатель.")
    page.locator('button[name="go"][value="3"]').click()
    page.locator('button[name="go"][value="register"]').click()
    expect(page).to_have_url(CASE_PAGE)
    case_url = page.url
    shot("case-registered")

    # "Screen": the questionnaire, one step at a time, in Russian.
    page.get_by_role("link", name="Провести скрининг", exact=True).click()
    expect(page.get_by_role("heading", level=2)).to_contain_text("Шаг 1 из 7")
    # First, the person: an adult by the case's birth date, so the officer's judgement is not ticked.
    expect(page.locator("#judged-child")).not_to_be_checked()
    shot("person")
    next_step(page, "Шаг 2 из 7")
    expect(page.get_by_text("Вербовка", exact=True)).to_be_visible()
    tick(page, "act.recruitment", "act.transportation", "means.deception", "purpose.labour")
    shot("palermo")
    next_step(page, "Шаг 3 из 7")
    tick(page, "ilo.deception", "ilo.retention_of_identity_documents", "ilo.withholding_of_wages")
    shot("ilo")
    next_step(page, "Шаг 4 из 7")
    tick(
        page,
        "delphi.adult_labour.deceptive_recruitment.deceived_about_nature_of_job",
        "delphi.adult_labour.coercion_at_destination.confiscation_of_documents",
    )
    shot("operational-labour")

    # Leaving and coming back resumes at the same step, with the answers kept.
    next_step(page, "Шаг 5 из 7")
    page.goto(case_url)
    page.get_by_role("link", name="Провести скрининг", exact=True).click()
    expect(page.get_by_role("heading", level=2)).to_contain_text("Шаг 5 из 7")
    page.get_by_role("button", name="Назад", exact=True).click()
    expect(page.get_by_role("heading", level=2)).to_contain_text("Шаг 4 из 7")
    expect(
        page.locator("#ind-delphi-adult_labour-deceptive_recruitment-deceived_about_nature_of_job")
    ).to_be_checked()
    next_step(page, "Шаг 5 из 7")
    next_step(page, "Шаг 6 из 7")
    shot("kazakhstan-factors")
    next_step(page, "Шаг 7 из 7")
    review = page.locator("#screening-form")
    expect(review).to_contain_text("Обман")
    shot("review")

    page.get_by_role("button", name="Сохранить скрининг", exact=True).click()
    expect(page).to_have_url(RESULT_PAGE)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Скрининг по делу")
    expect(page.locator(".outcome")).to_have_text("Вероятная жертва торговли людьми")
    expect(page.get_by_text("три элемента торговли взрослым человеком", exact=False)).to_be_visible()
    expect(page.get_by_text("Статус дела сейчас: Потенциальная жертва")).to_be_visible()
    expect(page.get_by_role("link", name="Скачать протокол скрининга (PDF)")).to_be_visible()
    # What Kazakh law gives her next: the reflection period the node applies (the law sets none).
    law = page.locator("section", has=page.get_by_role("heading", name="Что даёт человеку закон страны"))
    expect(law).to_contain_text("30 дней")
    expect(law).to_contain_text("Срок в законе не установлен")
    shot("result")

    page.get_by_role("link", name="Вернуться к делу").last.click()
    expect(page).to_have_url(CASE_PAGE)
    expect(page.locator(".badge.status")).to_have_text("Потенциальная жертва")
    expect(page.locator("#case-screenings")).to_contain_text("Вероятная жертва торговли людьми")
    shot("case-potential-victim")
