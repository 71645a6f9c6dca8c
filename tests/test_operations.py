"""The operator's endpoints over real HTTP: health, readiness and Prometheus metrics."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from bot.core.model import Message, Platform, Text, UserRef
from bot.core.serialize import to_data
from storage import outbox
from storage.db import Database
from tests.adapters.local.helpers import LocalChatClient, local_settings, start_chat


@pytest.fixture
async def served(db: Database, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[LocalChatClient]:
    """The app as ``python app.py`` serves it, with a metrics token set."""
    chat = await start_chat(db, local_settings(metrics_token="s3cret-token"), monkeypatch)
    try:
        yield chat
    finally:
        await chat.client.close()


@contextlib.asynccontextmanager
async def background(chat: LocalChatClient) -> AsyncIterator[None]:
    """The scheduler and the outbox worker running, as ``serve`` starts them."""
    tasks = [asyncio.create_task(job()) for job in chat.runtime.background]
    try:
        await asyncio.sleep(0)  # one turn of the loop: each job marks itself running first
        assert chat.runtime.readiness.outbox_worker and chat.runtime.readiness.scheduler
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def test_ready_only_once_the_outbox_worker_runs(served: LocalChatClient) -> None:
    assert (await served.get("/healthz")).status == 200
    before = await served.get("/readyz")
    assert before.status == 503
    assert before.body["checks"]["outbox_worker"] is False
    assert before.body["checks"]["database"] is True and before.body["checks"]["migrations"]
    async with background(served):
        ready = await served.get("/readyz")
    assert ready.status == 200, ready.body
    assert "local" in ready.body["adapters"]


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
async def test_not_ready_when_a_migration_is_missing(served: LocalChatClient, db: Database) -> None:
    async with db.engine.begin() as conn:
        await conn.execute(text("DELETE FROM alembic_version"))
    answer = await served.get("/readyz")
    assert answer.status == 503 and answer.body["checks"]["migrations"] is False


async def test_metrics_count_requests_commands_and_the_outbox(served: LocalChatClient) -> None:
    await served.persona("L-priya").types("/mentoring help")
    async with served.runtime.db.session() as session:
        await outbox.enqueue(
            session,
            key="metrics:waiting",
            platform="local",
            target=to_data(UserRef(Platform.LOCAL, "local", "L-priya")),
            payload=to_data(Message((Text("marker-text-9z"),))),
        )
    answer = await served.get("/metrics")
    assert answer.status == 200
    body = str(answer.body)
    assert 'mentoring_http_requests_total{route="/local/api/command",status="200"}' in body
    assert 'mentoring_engine_seconds_count{command="help",kind="Command"}' in body
    assert 'mentoring_outbox_rows{status="pending"} 1.0' in body
    assert "mentoring_outbox_oldest_pending_seconds" in body
    assert "L-priya" not in body and "marker-text-9z" not in body  # no person, no text


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"X-Forwarded-For": "203.0.113.9"}, 401),
        ({"Forwarded": "for=203.0.113.9"}, 401),
        ({"X-Forwarded-For": "203.0.113.9", "Authorization": "Bearer wrong"}, 401),
        ({"X-Forwarded-For": "203.0.113.9", "Authorization": "Bearer s3cret-token"}, 200),
        ({"Authorization": "Basic s3cret-token"}, 200),  # loopback, no proxy: allowed anyway
    ],
)
async def test_metrics_through_a_proxy_need_the_token(
    served: LocalChatClient, headers: dict[str, str], status: int
) -> None:
    answer = await served.get("/metrics", headers=headers)
    assert answer.status == status
    if status == 401:
        assert "mentoring_" not in str(answer.body)


async def test_readiness_details_are_for_this_machine_or_the_token(served: LocalChatClient) -> None:
    outside = await served.get("/readyz", headers={"X-Forwarded-For": "203.0.113.9"})
    assert outside.status == 503 and outside.body == {"status": "not ready"}
    with_token = await served.get(
        "/readyz",
        headers={"X-Forwarded-For": "203.0.113.9", "Authorization": "Bearer s3cret-token"},
    )
    assert "checks" in with_token.body and "adapters" in with_token.body


@pytest.mark.parametrize(
    "header", ["X-Original-Forwarded-For", "X-Client-IP", "CF-Connecting-IP", "True-Client-IP"]
)
async def test_less_common_proxy_headers_are_not_local_either(
    served: LocalChatClient, header: str
) -> None:
    assert (await served.get("/metrics", headers={header: "203.0.113.9"})).status == 401
    answer = await served.get("/local/api/workspace", headers={header: "203.0.113.9"})
    assert answer.status == 403
