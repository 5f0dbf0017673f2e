"""The console is served as static files with the ids the browser tests use."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from agent_desk.app import CONSOLE_DIR

IDS = [
    "login-username",
    "login-password",
    "login-submit",
    "login-error",
    "queue",
    "claim",
    "reply-text",
    "reply-send",
    "handback",
    "close",
    "transcript",
    "ticket-notice",
    "summary-intents",
    "summary-slots",
    "summary-facts",
    "error",
    "agent-name",
    "logout",
]


def test_console_pages_are_served(test_client: TestClient) -> None:
    redirect = test_client.get("/console", follow_redirects=False)
    assert redirect.status_code in (307, 308) and redirect.headers["location"] == "/console/"
    page = test_client.get("/console/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for element_id in IDS:
        assert f'id="{element_id}"' in page.text, element_id
    script = test_client.get("/console/console.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert test_client.get("/console/console.css").status_code == 200


def test_console_uses_no_cdn_and_never_writes_html() -> None:
    page = (CONSOLE_DIR / "index.html").read_text()
    script = (CONSOLE_DIR / "console.js").read_text()
    assert not re.search(r"(src|href)=\"(https?:)?//", page)
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write"):
        assert sink not in script
    # The selectors the Playwright tests rely on are produced by the script.
    for marker in (
        '"data-testid": "queue-item"',
        '"data-ticket-id"',
        '"data-testid": "transcript-entry"',
        '"data-author"',
    ):
        assert marker in script


def test_unknown_paths_are_404_with_one_sentence(test_client: TestClient) -> None:
    response = test_client.get("/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"detail": "There is nothing at this address."}
