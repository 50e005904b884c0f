"""Fixtures of the browser tests: one live server with the demo data and one chromium per test
module, and a fresh browser context (no cookies) per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, TIMEOUT_MS, Site, open_page
from tests.support import demo_server


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A fresh database with the demo data (agencies, one account per role, and a case worker,
    supervisor and shelter officer to follow a case) behind a live `qorgau serve`."""
    tmp = tmp_path_factory.mktemp("e2e")
    with demo_server(tmp, "e2e") as server:
        yield Site(server, server.url)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Browser, site: Site, request: pytest.FixtureRequest) -> Iterator[Page]:
    page = open_page(browser, site)
    failed_before = request.session.testsfailed
    try:
        yield page
    finally:
        if request.session.testsfailed > failed_before:
            # What the browser showed when the test failed, next to the step screenshots.
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"failed-{request.node.name}.png"), full_page=True)
        page.context.close()


@pytest.fixture(scope="module", autouse=True)
def _expect_timeout() -> None:
    expect.set_options(timeout=TIMEOUT_MS)
