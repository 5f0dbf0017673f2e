"""A minimal socket.io (v5 protocol, Engine.IO 4) client over one WebSocket, for tests.

python-socketio's own asyncio client needs a newer aiohttp than Rasa 3.6 pins
(`aiohttp.ClientWSTimeout`), and its threaded client needs `websocket-client`,
which is not installed. The web chat page speaks exactly this subset: the
websocket transport, the default namespace with an `auth` payload, events
(`42[...]`) and answering the server's pings.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Dict, Optional, Tuple

import aiohttp

OPEN, PING, PONG, MESSAGE = "0", "2", "3", "4"
CONNECT, EVENT, CONNECT_ERROR = "0", "2", "4"


class SocketIOWire:
    """One socket.io connection: `connect`, `emit`, `next_event`, `close`."""

    def __init__(self, base_url: str, path: str = "/socket.io") -> None:
        """Prepares the connection to `base_url` (http://host:port)."""
        self._url = f"{base_url.rstrip('/')}{path}/?EIO=4&transport=websocket"
        self._session: Optional[aiohttp.ClientSession] = None
        self._ws: Optional[aiohttp.ClientWebSocketResponse] = None
        self._events: "asyncio.Queue[Tuple[str, Any]]" = asyncio.Queue()
        self._reader: Optional["asyncio.Task[None]"] = None

    async def connect(self, auth: Dict[str, Any], timeout: float = 30.0) -> str:
        """Opens the WebSocket and the default namespace with `auth`.

        Returns:
            The socket id.

        Raises:
            ConnectionError: The server refused the namespace connection.
        """
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout))
        self._ws = await self._session.ws_connect(self._url, timeout=timeout)
        opening = await self._ws.receive_str(timeout=timeout)
        if not opening.startswith(OPEN):
            raise ConnectionError(f"expected an Engine.IO open packet, got {opening[:80]!r}")
        await self._ws.send_str(MESSAGE + CONNECT + json.dumps(auth))
        while True:
            packet = await self._ws.receive_str(timeout=timeout)
            if packet == PING:
                await self._ws.send_str(PONG)
            elif packet.startswith(MESSAGE + CONNECT):
                sid = str(json.loads(packet[2:] or "{}").get("sid", ""))
                break
            elif packet.startswith(MESSAGE + CONNECT_ERROR):
                raise ConnectionError(f"socket.io refused the connection: {packet[2:]}")
        self._reader = asyncio.ensure_future(self._read())
        return sid

    async def emit(self, event: str, data: Any) -> None:
        """Sends an event."""
        assert self._ws is not None, "not connected"
        await self._ws.send_str(MESSAGE + EVENT + json.dumps([event, data]))

    async def next_event(self, name: str, timeout: float) -> Any:
        """Waits for the next event called `name` (others are skipped) and returns its data."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            event, data = await asyncio.wait_for(self._events.get(), max(0.0, remaining))
            if event == name:
                return data

    async def close(self) -> None:
        """Closes the connection."""
        if self._reader is not None:
            self._reader.cancel()
        if self._ws is not None:
            await self._ws.close()
        if self._session is not None:
            await self._session.close()

    async def _read(self) -> None:
        assert self._ws is not None
        async for message in self._ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            packet = str(message.data)
            if packet == PING:
                await self._ws.send_str(PONG)
            elif packet.startswith(MESSAGE + EVENT):
                payload = json.loads(packet[2:])
                await self._events.put((payload[0], payload[1] if len(payload) > 1 else None))
