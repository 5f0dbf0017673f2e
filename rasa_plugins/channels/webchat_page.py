"""Channel that serves the customers' web chat page; the chat itself runs over socket.io."""

import json
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Optional, Text
from urllib.parse import urlsplit

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from rasa_plugins import settings

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PAGE_DIR = REPO_ROOT / "webchat"
VENDOR_PREFIX = "vendor/"
SOCKET_IO_CLIENT_DIST = Path("node_modules") / "socket.io-client" / "dist"

# Only these file types are served, with explicit types (the host's mimetypes
# table varies, and browsers refuse module scripts served as text/plain).
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".map": "application/json; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}


def _origin(url: Text, what: Text) -> Text:
    """The `scheme://host[:port]` of an http(s) URL.

    Raises:
        ValueError: The URL is not an absolute http(s) URL.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{what} must be an http(s) URL, got {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


class WebchatPageInput(InputChannel):
    """Serves the web chat page under `/webhooks/webchat/`; handles no messages.

    Routes:
        `GET /webhooks/webchat/`: the page (`webchat/index.html`).
        `GET /webhooks/webchat/config.js`: `window.WEBCHAT_CONFIG = {rasaUrl, backendUrl}`.
        `GET /webhooks/webchat/static/<path>`: files of `webchat/static/`; the
            `vendor/` prefix maps to the socket.io client's `dist/` folder.

    Configured in `credentials.yml`:

    ```yaml
    rasa_plugins.channels.webchat_page.WebchatPageInput:
      backend_url: https://api.example.com  # optional; WEBCHAT_BACKEND_URL or BACKEND_URL
      rasa_url: https://chat.example.com    # optional; the page's own origin by default
    ```
    """

    def __init__(
        self,
        backend_url: Optional[Text] = None,
        rasa_url: Optional[Text] = None,
        page_dir: Path = DEFAULT_PAGE_DIR,
    ) -> None:
        """Creates the channel.

        Args:
            backend_url: Payments backend URL the page logs customers in at;
                from the environment (see `settings.webchat_backend_url`) when omitted.
            rasa_url: Rasa server URL the page connects to; the origin the page
                was requested from when omitted.
            page_dir: Folder holding `index.html`, `static/` and `node_modules/`.

        Raises:
            ValueError: A URL is not an absolute http(s) URL.
        """
        self.backend_url = (backend_url or settings.webchat_backend_url()).rstrip("/")
        self.backend_origin = _origin(self.backend_url, "backend_url")
        self.rasa_url = rasa_url.rstrip("/") if rasa_url else None
        # The page may talk to its own origin, the backend and a configured Rasa.
        self.connect_origins = [self.backend_origin]
        if self.rasa_url:
            self.connect_origins.append(_origin(self.rasa_url, "rasa_url"))
        self.page_dir = page_dir.resolve()
        self.static_dir = self.page_dir / "static"
        self.vendor_dir = (self.page_dir / SOCKET_IO_CLIENT_DIST).resolve()

    @classmethod
    def name(cls) -> Text:
        """The channel's name, hence its URL prefix `/webhooks/webchat`."""
        return "webchat"

    @classmethod
    def from_credentials(
        cls, credentials: Optional[Dict[Text, Any]]
    ) -> "WebchatPageInput":
        """Builds the channel from its `credentials.yml` section.

        Args:
            credentials: Optional `backend_url` and `rasa_url`.

        Returns:
            The configured channel.
        """
        credentials = credentials or {}
        return cls(
            backend_url=credentials.get("backend_url"),
            rasa_url=credentials.get("rasa_url"),
        )

    def page_config(self, request: Request) -> Dict[Text, Text]:
        """The settings the page reads from `config.js`.

        Args:
            request: The request for `config.js`, whose origin is Rasa's by default.

        Returns:
            `rasaUrl` and `backendUrl`.
        """
        rasa_url = self.rasa_url or f"{request.scheme}://{request.host}"
        return {"rasaUrl": rasa_url, "backendUrl": self.backend_url}

    def security_headers(self) -> Dict[Text, Text]:
        """Headers limiting what the page may load and whom it may talk to."""
        policy = "; ".join(
            [
                "default-src 'self'",
                "script-src 'self'",
                "style-src 'self'",
                "img-src 'self' data: https:",
                f"connect-src 'self' {' '.join(self.connect_origins)}",
                "base-uri 'none'",
                "form-action 'none'",
                "frame-ancestors 'none'",
            ]
        )
        return {
            "Content-Security-Policy": policy,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        }

    def resolve_static(self, relative: Text) -> Optional[Path]:
        """Maps a `static/` URL path to a servable file, refusing anything outside.

        Args:
            relative: The path after `/webhooks/webchat/static/` (URL-decoded).

        Returns:
            The file, or `None` when it does not exist, is hidden, has a type
            that is not served, or lies outside the page's folders.
        """
        if relative.startswith(VENDOR_PREFIX):
            root, relative = self.vendor_dir, relative[len(VENDOR_PREFIX) :]
        else:
            root = self.static_dir
        if "\x00" in relative or "\\" in relative:
            return None
        parts = Path(relative).parts
        if not parts or any(part.startswith(".") for part in parts):
            return None  # also rejects "..", hidden files and absolute paths' "/"
        candidate = (root / relative).resolve()
        if root not in candidate.parents or not candidate.is_file():
            return None
        if candidate.suffix not in CONTENT_TYPES:
            return None
        return candidate

    async def _send_file(self, path: Path, cache: Text) -> HTTPResponse:
        return await response.file(
            path,
            mime_type=CONTENT_TYPES[path.suffix],
            headers={**self.security_headers(), "Cache-Control": cache},
        )

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """The page's routes; `on_new_message` is unused (messages go over socket.io).

        Args:
            on_new_message: Rasa's message handler.

        Returns:
            The blueprint, mounted by Rasa at `/webhooks/webchat`.
        """
        page = Blueprint("webchat_page", __name__)

        @page.route("", methods=["GET"], strict_slashes=True)
        async def without_slash(request: Request) -> HTTPResponse:
            # The page's relative URLs (static/..., config.js) need the slash.
            query = f"?{request.query_string}" if request.query_string else ""
            return response.redirect(f"{request.path}/{query}")

        @page.route("/", methods=["GET"], strict_slashes=True)
        async def index(_: Request) -> HTTPResponse:
            return await self._send_file(self.page_dir / "index.html", "no-cache")

        @page.route("/config.js", methods=["GET"])
        async def config(request: Request) -> HTTPResponse:
            body = f"window.WEBCHAT_CONFIG = {json.dumps(self.page_config(request))};\n"
            return response.text(
                body,
                content_type=CONTENT_TYPES[".js"],
                headers={**self.security_headers(), "Cache-Control": "no-store"},
            )

        @page.route("/static/<relative:path>", methods=["GET"])
        async def static(_: Request, relative: Text) -> HTTPResponse:
            path = self.resolve_static(relative)
            if path is None:
                return response.text("Not found", status=404)
            return await self._send_file(path, "no-cache")

        return page
