"""What an operator watches, as Prometheus metrics (served at ``GET /metrics`` by ``app.py``).

Labels are bounded: routes, statuses, event kinds, command words the bot
knows, platforms and outcome kinds; never a person, a text or an id.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

HTTP_REQUESTS = Counter(
    "mentoring_http_requests",
    "HTTP requests answered, by route and status.",
    ["route", "status"],
    registry=REGISTRY,
)
HTTP_SECONDS = Histogram(
    "mentoring_http_request_seconds",
    "Time to answer an HTTP request (Slack wants its ack within 3 s).",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0),
    registry=REGISTRY,
)
ENGINE_SECONDS = Histogram(
    "mentoring_engine_seconds",
    "Time the engine took to answer one event, by kind and command.",
    ["kind", "command"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
    registry=REGISTRY,
)
OUTBOX_OUTCOMES = Counter(
    "mentoring_outbox_outcomes",
    "Outbox sends by platform and outcome (sent, retry, dead, split).",
    ["platform", "outcome"],
    registry=REGISTRY,
)
RATE_LIMIT_PAUSES = Counter(
    "mentoring_rate_limit_pauses",
    "Times a platform answered 429 and a workspace was paused.",
    ["platform"],
    registry=REGISTRY,
)
SWEEP_SECONDS = Histogram(
    "mentoring_sweep_seconds",
    "Time one sweep took.",
    ["sweep"],
    registry=REGISTRY,
)
OUTBOX_ROWS = Gauge(
    "mentoring_outbox_rows",
    "Outbox rows by status, read at scrape time (dead letters: status=dead).",
    ["status"],
    registry=REGISTRY,
)
OUTBOX_OLDEST_PENDING = Gauge(
    "mentoring_outbox_oldest_pending_seconds",
    "Age of the oldest message waiting to be sent and already due, read at scrape time.",
    registry=REGISTRY,
)
