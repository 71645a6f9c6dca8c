"""Teams' per-conversation windows, on a manual clock."""

from __future__ import annotations

from adapters.teams.ratelimit import ConversationRateLimiter, conversation_key
from testkit.bot_connector import ManualClock

CHANNEL = "19:abc@thread.tacv2"


def test_seven_a_second_then_eight_in_two_seconds() -> None:
    clock = ManualClock()
    limiter = ConversationRateLimiter(clock=clock)

    first_second = [limiter.reserve("a:1") for _ in range(8)]
    clock.advance(1.0)
    next_second = [limiter.reserve("a:1") for _ in range(2)]

    assert first_second == [0.0] * 7 + [1.0]
    assert next_second == [0.0, 1.0]  # the 9th in 2 seconds waits for the first ones to age
    assert limiter.reserve("a:2") == 0.0  # another conversation has its own budget


def test_sixty_in_thirty_seconds() -> None:
    clock = ManualClock()
    limiter = ConversationRateLimiter(clock=clock)

    for second in range(30):  # two a second, from 0 s to 29 s: under the 1 s and 2 s limits
        clock.advance(1.0 if second else 0.0)
        assert [limiter.reserve("a:1"), limiter.reserve("a:1")] == [0.0, 0.0], second

    assert limiter.reserve("a:1") == 1.0  # the 61st in 30 s waits until the first is 30 s old


def test_a_thread_shares_its_channels_budget() -> None:
    limiter = ConversationRateLimiter(clock=ManualClock())

    for n in range(7):
        assert limiter.reserve(f"{CHANNEL};messageid={n}") == 0.0

    assert limiter.reserve(CHANNEL) > 0
    assert conversation_key(f"{CHANNEL};messageid=9") == CHANNEL
