"""Tests of the web chat page channel through a real Sanic server."""

import asyncio
import itertools
import json
import re
import socket
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import aiohttp
import pytest
from sanic import Sanic
from yarl import URL

from rasa_plugins import settings
from rasa_plugins.channels.webchat_page import DEFAULT_PAGE_DIR, WebchatPageInput

BACKEND = "http://backend.test:8080"
SECRET = "top-secret-signing-key"
_app_numbers = itertools.count()

Reply = Tuple[int, Dict[str, str], str]


@pytest.fixture
def page_dir(tmp_path: Path) -> Iterator[Path]:
    """A page folder, with secrets beside it and in it that must never be served."""
    page = tmp_path / "webchat"
    (page / "static" / "js").mkdir(parents=True)
    (page / "index.html").write_text("<!doctype html><title>chat</title>")
    (page / "static" / "chat.css").write_text("body {}")
    (page / "static" / "js" / "app.js").write_text("export {};")
    (page / "static" / "js" / "notes.txt").write_text(SECRET)
    (page / "static" / ".env.js").write_text(SECRET)
    (page / "package.json").write_text(SECRET)
    dist = page / "node_modules" / "socket.io-client" / "dist"
    dist.mkdir(parents=True)
    (dist / "socket.io.min.js").write_text("/* io */")
    (page / "node_modules" / "socket.io-client" / "package.json").write_text(SECRET)
    (tmp_path / "credentials.yml").write_text(SECRET)
    yield page


async def _serve_and_get(channel: WebchatPageInput, paths: List[str]) -> List[Reply]:
    """Serves the channel's blueprint as Rasa does and GETs raw (undecoded) paths."""

    async def on_new_message(_: object) -> None:
        raise AssertionError("the page channel handles no messages")

    Sanic.test_mode = True  # allows several apps with the same config in one process
    app = Sanic(f"webchat_page_test_{next(_app_numbers)}", configure_logging=False)
    app.blueprint(channel.blueprint(on_new_message), url_prefix="/webhooks/webchat")
    # Sanic reads port=0 as "the default 8000", so bind a free port ourselves.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = await app.create_server(
        sock=listener, return_asyncio_server=True, access_log=False
    )
    await server.startup()
    replies: List[Reply] = []
    try:
        async with aiohttp.ClientSession() as session:
            for path in paths:
                url = URL(f"http://127.0.0.1:{port}{path}", encoded=True)
                async with session.get(url, allow_redirects=False) as response:
                    body = await response.text()
                    replies.append((response.status, dict(response.headers), body))
    finally:
        server.close()
        await server.wait_closed()
    return replies


def _get(channel: WebchatPageInput, paths: List[str]) -> List[Reply]:
    return asyncio.run(_serve_and_get(channel, paths))


def test_page_is_served_with_a_content_security_policy(page_dir: Path) -> None:
    [(status, headers, body)] = _get(
        WebchatPageInput(BACKEND, page_dir=page_dir), ["/webhooks/webchat/"]
    )

    assert status == 200
    assert body == "<!doctype html><title>chat</title>"
    assert headers["Content-Type"].startswith("text/html")
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert f"connect-src 'self' {BACKEND}" in policy
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_page_url_without_slash_redirects_and_keeps_the_query(
    page_dir: Path,
) -> None:
    [(status, headers, _)] = _get(
        WebchatPageInput(BACKEND, page_dir=page_dir), ["/webhooks/webchat?demo=1"]
    )

    assert status in (301, 302, 307, 308)
    assert headers["Location"] == "/webhooks/webchat/?demo=1"


def test_config_gives_the_page_origin_and_the_backend(page_dir: Path) -> None:
    [(status, headers, body)] = _get(
        WebchatPageInput(f"{BACKEND}/", page_dir=page_dir),
        ["/webhooks/webchat/config.js"],
    )

    assert status == 200
    assert headers["Content-Type"].startswith("text/javascript")
    assert headers["Cache-Control"] == "no-store"
    match = re.fullmatch(r"window\.WEBCHAT_CONFIG = (\{.*\});\n", body)
    assert match, body
    config = json.loads(match.group(1))
    assert config["backendUrl"] == BACKEND
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", config["rasaUrl"])


def test_configured_rasa_url_replaces_the_request_origin(page_dir: Path) -> None:
    channel = WebchatPageInput(
        BACKEND, rasa_url="https://chat.example.com/", page_dir=page_dir
    )

    [(_, headers, body)] = _get(channel, ["/webhooks/webchat/config.js"])

    assert '"rasaUrl": "https://chat.example.com"' in body
    policy = headers["Content-Security-Policy"]
    assert f"connect-src 'self' {BACKEND} https://chat.example.com;" in policy


def test_static_files_and_the_socket_io_client_are_served(page_dir: Path) -> None:
    replies = _get(
        WebchatPageInput(BACKEND, page_dir=page_dir),
        [
            "/webhooks/webchat/static/js/app.js",
            "/webhooks/webchat/static/chat.css",
            "/webhooks/webchat/static/vendor/socket.io.min.js",
        ],
    )

    assert [(status, body) for status, _, body in replies] == [
        (200, "export {};"),
        (200, "body {}"),
        (200, "/* io */"),
    ]
    assert replies[0][1]["Content-Type"].startswith("text/javascript")
    assert replies[1][1]["Content-Type"].startswith("text/css")


@pytest.mark.parametrize(
    "path",
    [
        "/webhooks/webchat/static/../package.json",
        "/webhooks/webchat/static/..%2Fpackage.json",
        "/webhooks/webchat/static/%2e%2e/%2e%2e/credentials.yml",
        "/webhooks/webchat/static/js/..%2F..%2F..%2Fcredentials.yml",
        "/webhooks/webchat/static/vendor/../package.json",
        "/webhooks/webchat/static/vendor/..%2F..%2Fpackage.json",
        "/webhooks/webchat/static/vendor/%2e%2e%2f%2e%2e%2f%2e%2e%2fpackage.json",
        "/webhooks/webchat/static/%2Fetc%2Fpasswd",
        "/webhooks/webchat/static/..%5C..%5Cpackage.json",
        "/webhooks/webchat/static/js/app.js%00.css",
        "/webhooks/webchat/static/.env.js",
        "/webhooks/webchat/static/js/notes.txt",
        "/webhooks/webchat/static/js",
        "/webhooks/webchat/static/missing.js",
    ],
)
def test_nothing_outside_the_served_files_is_reachable(
    page_dir: Path, path: str
) -> None:
    [(status, _, body)] = _get(WebchatPageInput(BACKEND, page_dir=page_dir), [path])

    assert status in (400, 404)
    assert SECRET not in body


def test_resolve_static_refuses_escapes_directly(page_dir: Path) -> None:
    channel = WebchatPageInput(BACKEND, page_dir=page_dir)

    assert channel.resolve_static("js/app.js") == page_dir / "static" / "js" / "app.js"
    for relative in ["../package.json", "/etc/passwd", "vendor/../../package.json", ""]:
        assert channel.resolve_static(relative) is None


def test_backend_url_comes_from_credentials_or_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WEBCHAT_BACKEND_URL", "https://api.example.com")
    assert WebchatPageInput.from_credentials(None).backend_url == "https://api.example.com"
    assert (
        WebchatPageInput.from_credentials({"backend_url": BACKEND}).backend_url == BACKEND
    )


def test_webchat_backend_url_setting_falls_back_to_backend_url() -> None:
    assert settings.webchat_backend_url({"BACKEND_URL": "http://b:1"}) == "http://b:1"
    assert (
        settings.webchat_backend_url(
            {"WEBCHAT_BACKEND_URL": "https://public", "BACKEND_URL": "http://b:1"}
        )
        == "https://public"
    )
    assert settings.webchat_backend_url({}) == "http://127.0.0.1:8080"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "backend:8080", "ftp://x"])
def test_a_backend_url_that_is_not_http_is_refused(url: str, page_dir: Path) -> None:
    with pytest.raises(ValueError, match="backend_url"):
        WebchatPageInput(url, page_dir=page_dir)


def test_channel_is_named_webchat() -> None:
    assert WebchatPageInput.name() == "webchat"


def test_every_file_the_real_page_loads_is_served() -> None:
    channel = WebchatPageInput(BACKEND)
    page = (DEFAULT_PAGE_DIR / "index.html").read_text(encoding="utf-8")
    references = re.findall(r'(?:src|href)="static/([^"]+)"', page)
    modules = re.findall(
        r'from "\./([^"]+)"',
        "".join(p.read_text() for p in (DEFAULT_PAGE_DIR / "static" / "js").glob("*.js")),
    )

    assert "vendor/socket.io.min.js" in references
    for relative in references + [f"js/{module}" for module in modules]:
        assert channel.resolve_static(relative) is not None, (
            f"static/{relative} is not served (for vendor/: npm ci --prefix webchat)"
        )
