"""The users.info cache: one call per person per day, shared by concurrent requests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from adapters.slack.profiles import ProfileCache
from adapters.slack.translate import Profile
from testkit.slack_api import FakeSlackApi, ManualClock


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlackApi]:
    """A workspace where Claire speaks French in Montréal."""
    async with FakeSlackApi() as api:
        api.add_user(
            "U0002",
            "claire",
            "Claire Dubois",
            tz="America/Montreal",
            locale="fr-CA",
            display_name="Claire D.",
        )
        yield api


async def test_a_profile_is_asked_once_then_served_from_the_cache_for_a_day(
    fake: FakeSlackApi,
) -> None:
    clock = ManualClock()
    cache = ProfileCache(fake.web_client(retry_handlers=[]), clock=clock)
    first = await cache.profile("T0001", "U0002")
    assert first == Profile("Claire D.", "fr-CA", "America/Montreal")
    clock.advance(23 * 3600)
    assert await cache.profile("T0001", "U0002") == first
    assert len(fake.calls_to("users.info")) == 1
    clock.advance(2 * 3600)  # a day later, Slack is asked again
    await cache.profile("T0001", "U0002")
    assert len(fake.calls_to("users.info")) == 2


async def test_concurrent_requests_for_one_person_share_one_call(fake: FakeSlackApi) -> None:
    cache = ProfileCache(fake.web_client(retry_handlers=[]))
    profiles = await asyncio.gather(*(cache.profile("T0001", "U0002") for _ in range(10)))
    assert {p.locale for p in profiles} == {"fr-CA"}
    assert len(fake.calls_to("users.info")) == 1


async def test_a_failed_lookup_gives_an_empty_profile_and_is_retried_after_a_minute(
    fake: FakeSlackApi,
) -> None:
    clock = ManualClock()
    cache = ProfileCache(fake.web_client(retry_handlers=[]), clock=clock)
    fake.fail_next("users.info", status=500)
    assert await cache.profile("T0001", "U0002") == Profile()
    assert await cache.profile("T0001", "U0002") == Profile()  # not hammering Slack
    clock.advance(61)
    assert (await cache.profile("T0001", "U0002")).locale == "fr-CA"
    assert len(fake.calls_to("users.info")) == 2


async def test_the_cache_is_bounded(fake: FakeSlackApi) -> None:
    for i in range(5):
        fake.add_user(f"U1{i}", f"p{i}", f"Person {i}")
    cache = ProfileCache(fake.web_client(retry_handlers=[]), max_entries=3)
    for i in range(5):
        await cache.profile("T0001", f"U1{i}")
    await cache.profile("T0001", "U10")  # the oldest was evicted: asked again
    assert len(fake.calls_to("users.info")) == 6
