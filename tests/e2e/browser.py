"""What every browser test shares: Debian's chromium driven by Playwright (`playwright install`
is never needed), a live `qorgau serve` with the demo data, and numbered screenshots in
test-output/screenshots/ at the repository root. The fixtures are in conftest.py."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, Page

from tests.support import DEMO_PASSWORD as DEMO_PASSWORD  # the e2e tests sign in with it
from tests.support import LiveServer

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "test-output" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
# The machine is offline: these keep chromium from reaching out to Google's services.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 30_000  # two cores, a server in another process and argon2 on every sign-in


@dataclass
class Site:
    server: LiveServer
    url: str


def open_page(browser: Browser, site: Site) -> Page:
    """A page in a new browser context: no cookies, an English-speaking browser."""
    context = browser.new_context(base_url=site.url, locale="en-GB", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context.new_page()


class Shots:
    """Numbered screenshots, one per step: <prefix>01-....png, <prefix>02-....png, ..."""

    def __init__(self, page: Page, prefix: str = "") -> None:
        self.page = page
        self.prefix = prefix
        self.n = 0
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def __call__(self, name: str, page: Page | None = None) -> None:
        self.n += 1
        path = SCREENSHOTS / f"{self.prefix}{self.n:02d}-{name}.png"
        (page or self.page).screenshot(path=str(path), full_page=True)
