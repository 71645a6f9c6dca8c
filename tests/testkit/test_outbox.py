"""The outbox test doubles behave as documented: time moves only on sleep; failures as told."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

from bot.core.model import Message, Platform, UserRef
from bot.outbox.delivery import GroupUnsupported
from testkit.outbox import FakeSender, FakeTime


def test_fake_time_moves_only_when_someone_sleeps() -> None:
    time = FakeTime()
    assert time.monotonic() == 0.0
    asyncio.run(time.sleep(2.5))
    assert time.monotonic() == 2.5
    assert time.wall() == time.start + timedelta(seconds=2.5)


def test_fake_sender_fails_as_told_then_delivers() -> None:
    sender = FakeSender(failures={"U1": [GroupUnsupported("x")]})
    user = UserRef(Platform.LOCAL, "T1", "U1")
    message = Message(())

    async def twice() -> str:
        with contextlib.suppress(GroupUnsupported):
            await sender.send_direct(user, message)
        return await sender.send_direct(user, message)

    assert asyncio.run(twice()) == "m1"
    assert sender.attempts["U1"] == 2
    assert [d.to for d in sender.delivered] == ["U1"]
