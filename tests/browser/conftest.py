"""Browser fixtures: the real stack serving the web chat page, and Debian's Chromium."""

import os
from pathlib import Path
from typing import Iterator, List

import pytest
import yaml
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from devstack.paths import RepoPaths
from tests.integration.stack_fixtures import RunningStack, running_stack

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Chromium logs a refused login (a wrong password) as a console error.
EXPECTED_401 = "the server responded with a status of 401"
PHONE = {"width": 390, "height": 844}
SCREENSHOT_DIR = RepoPaths().root / "results" / "screenshots"
REQUIRED_CHANNELS = (
    "rasa_plugins.channels.webchat_page.WebchatPageInput",
    "rasa_plugins.channels.signed_socketio.SignedSocketIOInput",
)

@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """The running stack with the channels of `credentials.yml` (both web chat ones)."""
    paths = RepoPaths()
    credentials = yaml.safe_load(paths.credentials_file.read_text()) or {}
    missing = [channel for channel in REQUIRED_CHANNELS if channel not in credentials]
    assert not missing, f"{paths.credentials_file} lacks the web chat channels {missing}"
    with running_stack(tmp_path_factory.mktemp("browser-stack"), paths) as running:
        yield running


# Module scope: while the sync driver runs, its event loop counts as running on
# this thread, and later tests of the same session could not use asyncio.run.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    """Playwright's driver (its own browser downloads are never used)."""
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Headless Debian Chromium (`apt-get install chromium`)."""
    assert CHROMIUM.exists(), "install Debian's Chromium: apt-get install -y chromium"
    chromium = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield chromium
    chromium.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A fresh phone-sized page (390x844, touch) that fails the test on script errors."""
    context: BrowserContext = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, locale="en-GB"
    )
    page = context.new_page()
    errors: List[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: errors.append(message.text)
        if message.type == "error" and EXPECTED_401 not in message.text
        else None,
    )
    page.on(
        "response",
        lambda response: errors.append(f"{response.status} {response.url}")
        if response.status >= 400 and response.status != 401
        else None,
    )
    yield page
    context.close()
    assert not errors, f"the page logged errors: {errors}"


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where the tests save screenshots (git-ignored `results/`)."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR
