"""The operator's HTTP endpoints: ``/healthz``, ``/readyz``, ``/metrics``, and request metrics.

``/metrics`` is served to loopback callers that came through no proxy (the same rule as
the local chat's, ``bot/core/loopback.py``), or to
anyone presenting ``Authorization: Bearer $METRICS_TOKEN``; everyone else gets
401 (the figures say how busy the programme is, nothing about a person).
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.core.loopback import is_local_request
from bot.core.metrics import (
    HTTP_REQUESTS,
    HTTP_SECONDS,
    OUTBOX_OLDEST_PENDING,
    OUTBOX_ROWS,
    REGISTRY,
)
from bot.outbox.scheduler import Readiness
from storage import outbox
from storage.db import Database
from storage.types import utcnow

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Operations:
    """What the endpoints look at."""

    db: Database
    readiness: Readiness
    platforms: Collection[str]  # the platforms the settings enable
    senders: Mapping[Any, Any]  # the adapters that mounted register theirs here
    metrics_token: str | None = None


OPERATIONS_KEY = web.AppKey("operations", Operations)


def _local(request: web.Request) -> bool:
    """A request from this machine, to a loopback name, that no reverse proxy relayed."""
    return is_local_request(request.remote, request.url.host, request.headers.keys())


def _token_ok(request: web.Request, ops: Operations) -> bool:
    """``Authorization: Bearer $METRICS_TOKEN``, compared in constant time."""
    given = request.headers.get("Authorization", "")
    expected = f"Bearer {ops.metrics_token}"
    return bool(ops.metrics_token) and hmac.compare_digest(given.encode(), expected.encode())


@web.middleware
async def count_requests(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Requests by route and status, and their latency (a route's pattern, never its values)."""
    info = request.match_info
    route = info.route.resource.canonical if info.route.resource is not None else "unmatched"
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        HTTP_SECONDS.labels(route).observe(time.perf_counter() - started)
        HTTP_REQUESTS.labels(route, str(status)).inc()


async def healthz(request: web.Request) -> web.Response:
    """200 when the database answers, 503 otherwise."""
    ops = request.app[OPERATIONS_KEY]
    if await ops.db.healthy():
        return web.json_response({"status": "ok", "database": "ok"})
    return web.json_response({"status": "unavailable", "database": "down"}, status=503)


async def readyz(request: web.Request) -> web.Response:
    """200 when ready to serve: database, migrations at head, adapters, outbox worker."""
    ops = request.app[OPERATIONS_KEY]
    mounted = sorted(str(getattr(p, "value", p)) for p in ops.senders)
    checks = {
        "database": await ops.db.healthy(),
        "migrations": await ops.db.at_head(),
        "adapters": bool(mounted) and set(ops.platforms) <= set(mounted),
        "outbox_worker": ops.readiness.outbox_worker,
        "scheduler": ops.readiness.scheduler,
    }
    ready = all(checks.values())
    body: dict[str, Any] = {"status": "ready" if ready else "not ready"}
    if _local(request) or _token_ok(request, ops):
        # Which platforms run, and which check fails, are for the operator, not the world.
        body.update(checks=checks, adapters=mounted)
    return web.json_response(body, status=200 if ready else 503)


async def metrics(request: web.Request) -> web.Response:
    """Prometheus text: loopback without a proxy, or the metrics token."""
    ops = request.app[OPERATIONS_KEY]
    if not (_token_ok(request, ops) or _local(request)):
        return web.json_response({"error": "unauthorized"}, status=401)
    now = utcnow()
    async with ops.db.read_session() as session:
        counts = await outbox.status_counts(session)
        oldest = await outbox.oldest_due(session, now)
    for status in outbox.STATUSES:
        OUTBOX_ROWS.labels(status).set(counts.get(status, 0))
    OUTBOX_OLDEST_PENDING.set((now - oldest).total_seconds() if oldest is not None else 0.0)
    body = generate_latest(REGISTRY)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def mount(app: web.Application, ops: Operations) -> None:
    """The operator's routes and the request metrics on ``app``."""
    app[OPERATIONS_KEY] = ops
    app.middlewares.append(count_requests)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
