"""People's locale, time zone and name from ``users.info``, cached for a day.

The cache lives in memory, per process: a person costs one ``users.info`` call
per day and per instance, never one per request. Concurrent requests for the
same person share one call. A failed lookup gives an empty profile (the engine
then keeps what it stored) and is retried after a minute.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from cachetools import TLRUCache
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.translate import Profile
from adapters.slack.webapi import api
from bot.outbox.delivery import DeliveryError

log = logging.getLogger(__name__)

DAY_S = 24 * 3600.0


def profile_from_user(user: Mapping[str, Any]) -> Profile:
    """The profile in a ``users.info`` user object."""
    details = user.get("profile")
    details = details if isinstance(details, Mapping) else {}
    name = (
        str(details.get("display_name") or "")
        or str(details.get("real_name") or "")
        or str(user.get("real_name") or "")
        or str(user.get("name") or "")
    )
    locale = user.get("locale")
    tz = user.get("tz")
    return Profile(
        display_name=name,
        locale=str(locale) if isinstance(locale, str) and locale else None,
        timezone=str(tz) if isinstance(tz, str) and tz else None,
    )


class ProfileCache:
    """``users.info`` (with ``include_locale``) behind a bounded, time-limited cache."""

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        ttl: float = DAY_S,
        failure_ttl: float = 60.0,
        max_entries: int = 10_000,
        timeout: float = 1.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.ttl = ttl
        self.failure_ttl = failure_ttl
        self.timeout = timeout
        # Each entry lives as long as its own ttl (a failure is retried sooner).
        self._entries: TLRUCache[tuple[str, str], tuple[Profile, float]] = TLRUCache(
            max_entries, lambda _key, entry, now: now + entry[1], timer=clock
        )
        self._pending: dict[tuple[str, str], asyncio.Future[Profile]] = {}

    async def profile(self, team_id: str, user_id: str) -> Profile:
        """The person's profile; never raises (an unknown profile is empty)."""
        key = (team_id, user_id)
        entry = self._entries.get(key)
        if entry is not None:
            return entry[0]
        pending = self._pending.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Profile] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            profile, ttl = await self._lookup(user_id)
            self._entries[key] = (profile, ttl)
            future.set_result(profile)
            return profile
        finally:
            del self._pending[key]
            if not future.done():
                future.set_result(Profile())

    async def _lookup(self, user_id: str) -> tuple[Profile, float]:
        try:
            async with asyncio.timeout(self.timeout):
                response = await api(self.client.users_info(user=user_id, include_locale=True))
        except (DeliveryError, TimeoutError) as exc:
            log.warning("users.info failed (%s); going on without the profile", type(exc).__name__)
            return Profile(), self.failure_ttl
        user = response.get("user")
        return profile_from_user(user if isinstance(user, Mapping) else {}), self.ttl

    def forget(self, team_id: str, user_id: str) -> None:
        """Drop one person's cached profile (e.g. after ``user_change``)."""
        self._entries.pop((team_id, user_id), None)
