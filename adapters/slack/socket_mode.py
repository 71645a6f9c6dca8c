"""Socket Mode: Slack sends the same payloads over a WebSocket, so no public URL is needed.

The same bolt app (and so the same listeners) handles them; Socket Mode
requests are not signed, bolt knows it and skips the signature check. The
connection is opened with the app-level token (``SLACK_APP_TOKEN``, ``xapp-…``)
through ``apps.connections.open`` on the configured Web API base URL.
"""

from __future__ import annotations

import asyncio
import logging

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp

log = logging.getLogger(__name__)


async def run_socket_mode(bolt: AsyncApp, app_token: str, *, ping_interval: float = 10) -> None:
    """Connect, then serve until cancelled; the client reconnects by itself when dropped."""
    handler = AsyncSocketModeHandler(bolt, app_token, ping_interval=ping_interval)
    try:
        await handler.connect_async()  # type: ignore[no-untyped-call]
        log.info("Slack Socket Mode connected")
        await asyncio.Event().wait()
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]
