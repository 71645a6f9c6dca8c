"""The client-side rate limiter: turns per conversation and per workspace, pauses on 429."""

from __future__ import annotations

import asyncio
from bisect import bisect_left

import pytest

from adapters.slack.sender import SLACK_LIMITS
from adapters.teams.ratelimit import TEAMS_OUTBOX_LIMITS
from bot.core.model import Platform
from bot.outbox.rate_limits import PlatformLimits, Rate, RateLimiter
from testkit.outbox import FakeTime

# What the adapters declare (the local chat declares none).
DEFAULT_LIMITS = {
    Platform.SLACK: SLACK_LIMITS,
    Platform.TEAMS: TEAMS_OUTBOX_LIMITS,
    Platform.LOCAL: PlatformLimits(),
}


def limiter(time: FakeTime, **limits: PlatformLimits) -> RateLimiter:
    table = {Platform(k): v for k, v in limits.items()} if limits else DEFAULT_LIMITS
    return RateLimiter(table, monotonic=time.monotonic, sleep=time.sleep)


def most_in_window(times: list[float], window: float) -> int:
    """The largest number of sends in any half-open window [t, t + window)."""
    times = sorted(times)
    return max(bisect_left(times, t + window) - i for i, t in enumerate(times))


async def turns(slots: RateLimiter, time: FakeTime, who: list[tuple[str, str]]) -> list[float]:
    """Everyone in ``who`` (workspace, conversation) asks at once; when each got its turn."""
    got: list[float] = [0.0] * len(who)

    async def one(i: int, workspace: str, conversation: str) -> None:
        await slots.acquire(Platform.SLACK, workspace, conversation)
        got[i] = time.monotonic()

    await asyncio.gather(*(one(i, w, c) for i, (w, c) in enumerate(who)))
    return got


async def test_one_slack_channel_gets_one_message_per_second() -> None:
    time = FakeTime()
    slots = limiter(time)
    times = []
    for _ in range(3):
        await slots.acquire(Platform.SLACK, "T1", "D1")
        times.append(time.monotonic())
    assert times == [0.0, 1.0, 2.0]


async def test_the_workspace_cap_spaces_out_sends_to_many_channels_after_a_burst() -> None:
    time = FakeTime()
    slots = limiter(time, slack=PlatformLimits(workspace=(Rate(10, 10),)))
    times = await turns(slots, time, [("T1", f"D{n}") for n in range(25)])
    assert times[:10] == [0.0] * 10
    assert times[24] == pytest.approx(1.5)
    assert most_in_window(times[10:], 1.0) <= 10


async def test_workspaces_are_limited_separately() -> None:
    time = FakeTime()
    slots = limiter(time, slack=PlatformLimits(workspace=(Rate(1, 1),)))
    times = []
    for workspace, channel in (("T1", "D1"), ("T2", "D1"), ("T1", "D2")):
        await slots.acquire(Platform.SLACK, workspace, channel)
        times.append(time.monotonic())
    assert times == [0.0, 0.0, 1.0]  # T2 did not wait for T1


@pytest.mark.parametrize(("window", "allowed"), [(1, 7), (2, 8), (30, 60), (3600, 1800)])
async def test_the_teams_defaults_respect_every_documented_conversation_window(
    window: float, allowed: int
) -> None:
    time = FakeTime()
    slots = limiter(time)
    times = []
    for _ in range(2500):
        await slots.acquire(Platform.TEAMS, "tenant", "conv")
        times.append(time.monotonic())
    assert most_in_window(times, window) <= allowed


async def test_a_pause_holds_every_send_of_the_workspace_then_lets_a_burst_through() -> None:
    time = FakeTime()
    slots = limiter(time, slack=PlatformLimits(workspace=(Rate(10, 5),)))
    slots.pause(Platform.SLACK, "T1", 4)
    assert slots.paused_for(Platform.SLACK, "T1") == 4
    times = await turns(slots, time, [("T1", f"D{n}") for n in range(6)])
    assert times[:5] == [4.0] * 5  # the buckets refilled meanwhile
    assert times[5] == pytest.approx(4.1)
    other = FakeTime()
    assert await turns(limiter(other), other, [("T2", "D1")]) == [0.0]


async def test_a_sender_gives_up_rather_than_wait_beyond_a_limit() -> None:
    time = FakeTime()
    slots = limiter(time)
    slots.pause(Platform.SLACK, "T1", 60)
    assert not await slots.acquire(Platform.SLACK, "T1", "D1", give_up_after=10)
    assert time.monotonic() == 0.0
    assert await slots.acquire(Platform.SLACK, "T1", "D1", give_up_after=100)
    assert time.monotonic() == 60.0


async def test_idle_conversations_are_forgotten() -> None:
    time = FakeTime()
    slots = limiter(time, slack=PlatformLimits(conversation=(Rate(1, 1),)))
    for n in range(RateLimiter._PRUNE_EVERY - 1):
        await slots.acquire(Platform.SLACK, "T1", f"D{n}")
    assert slots.tracked_conversations == RateLimiter._PRUNE_EVERY - 1
    time.advance(5)
    await slots.acquire(Platform.SLACK, "T1", "last")
    assert slots.tracked_conversations < 10
