"""Live updates: the page listens to server-sent events and refetches what changed.

An event says only *which* conversation of *which* persona changed, never what
it says: the page then asks for the messages the current persona may see.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from aiohttp import web

KEEP_ALIVE_SECONDS = 15.0
QUEUE_SIZE = 256


class Hub:
    """Fans change notices out to every open page (one process: the local chat)."""

    def __init__(self) -> None:
        self._queues: set[asyncio.Queue[dict[str, Any] | None]] = set()
        self.closed = False

    def publish(self, notice: dict[str, Any]) -> None:
        """Tell every page; a page too slow to keep up misses notices, not messages."""
        for queue in list(self._queues):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(notice)

    def subscribe(self) -> asyncio.Queue[dict[str, Any] | None]:
        """A queue of notices for one page."""
        queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(QUEUE_SIZE)
        self._queues.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[dict[str, Any] | None]) -> None:
        """The page went away."""
        self._queues.discard(queue)

    @property
    def listeners(self) -> int:
        """How many pages listen."""
        return len(self._queues)

    def close(self) -> None:
        """End every stream (the server is shutting down)."""
        self.closed = True
        for queue in list(self._queues):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(None)


async def stream(request: web.Request, hub: Hub) -> web.StreamResponse:
    """``text/event-stream`` of notices until the page or the server goes away."""
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        }
    )
    await response.prepare(request)
    queue = hub.subscribe()
    try:
        await response.write(b'retry: 2000\ndata: {"type": "hello"}\n\n')
        while not hub.closed:
            try:
                notice = await asyncio.wait_for(queue.get(), KEEP_ALIVE_SECONDS)
            except TimeoutError:
                await response.write(b": keep-alive\n\n")
                continue
            if notice is None:
                break
            await response.write(f"data: {json.dumps(notice)}\n\n".encode())
    except ConnectionResetError:
        pass  # the page went away
    finally:
        hub.unsubscribe(queue)
    return response
