"""The outbox worker: claims due rows, sends them through the adapters, records the outcome.

Delivery is *at least once*, made "exactly once" in practice:

* a row is **claimed** (``status = sending``, ``claimed_by``, ``claimed_until``)
  in one statement — ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, SQLite's single
  writer otherwise — so two workers never hold the same row;
* the claim is a **lease**: a worker killed mid-send leaves rows that another
  worker takes over once the lease has run out (wall time). Only the messages
  in flight at the kill — sent, but not yet recorded — can be sent twice;
* outcomes are written by one recorder task, in small batches, right after
  each send.

Errors are typed (``bot.delivery``): ``RateLimited`` pauses the whole
workspace for ``Retry-After`` and does not count as an attempt;
``TransientError`` (and timeouts) back off exponentially with jitter;
``Unreachable`` and ``PermanentError`` are final; after ``max_attempts`` a row
becomes a dead letter. Every dead letter is told to the admins (through the
outbox). ``GroupUnsupported`` turns a group message into one direct message
per member. A client-side ``RateLimiter`` keeps each platform under its limits.

Time is injected: ``wall`` (leases), ``monotonic`` and ``sleep`` (waits), and
the ``now`` a drain runs at (what is due), so tests never sleep.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.core.i18n import translator
from bot.core.identity import NOBODY, Roster
from bot.core.metrics import OUTBOX_OUTCOMES, RATE_LIMIT_PAUSES
from bot.core.model import ConversationRef, Message, Platform, UserRef
from bot.core.serialize import from_data, to_data
from bot.outbox.delivery import (
    GroupUnsupported,
    PermanentError,
    RateLimited,
    Sender,
    TransientError,
    Unreachable,
)
from bot.outbox.notify import admins_known, send_to
from bot.outbox.rate_limits import PlatformLimits, RateLimiter
from bot.outbox.working_hours import next_working_time
from conversations.checkin import dead_letter_notice
from storage import outbox
from storage.db import Database
from storage.people import mark_unreachable
from storage.types import utcnow

if TYPE_CHECKING:
    from bot.core.engine import Engine

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
Target = UserRef | list[UserRef] | ConversationRef

DEAD_NOTICE_PREFIX = "outbox.dead:"


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry."""

    max_attempts: int = 6
    base_delay: float = 2.0  # seconds before the 2nd attempt; doubles every time
    max_delay: float = 15 * 60.0
    lease: timedelta = timedelta(minutes=2)
    lease_margin: float = 15.0  # never start a send with less of the lease left than this
    send_timeout: float = 30.0

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Exponential backoff with jitter: half to all of ``base × 2^(attempt-1)``."""
        delay: float = min(self.max_delay, self.base_delay * 2.0 ** max(0, attempt - 1))
        return delay * (0.5 + rng.random() / 2)


# --- What one attempt led to ---------------------------------------------------------


@dataclass(frozen=True)
class _Sent:
    row: outbox.Claimed
    message_id: str | None


@dataclass(frozen=True)
class _Retry:
    row: outbox.Claimed
    delay: float
    error: str
    count_attempt: bool = True


@dataclass(frozen=True)
class _Dead:
    row: outbox.Claimed
    error: str
    target: Target | None = None
    unreachable: bool = False


@dataclass(frozen=True)
class _Split:
    row: outbox.Claimed
    users: list[UserRef]


_Outcome = _Sent | _Retry | _Dead | _Split


@dataclass
class DrainStats:
    """What one drain did."""

    sent: int = 0
    retried: int = 0
    dead: int = 0
    next_due: datetime | None = None


def _scope(target: Target) -> tuple[str, str]:
    """(workspace, conversation) a send is rate-limited under."""
    if isinstance(target, UserRef):
        return target.workspace, target.user_id
    if isinstance(target, ConversationRef):
        return target.workspace, target.channel_id
    return target[0].workspace, ",".join(sorted(u.user_id for u in target))


def _decode_target(data: Any) -> Target:
    target = from_data(data)
    if isinstance(target, UserRef | ConversationRef):
        return target
    if isinstance(target, list) and target and all(isinstance(u, UserRef) for u in target):
        return list(target)
    raise ValueError("not a UserRef, a list of UserRefs or a ConversationRef")


def _describe(exc: BaseException) -> str:
    detail = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


class DeclaredLimits(Mapping[Platform, PlatformLimits]):
    """The limits each sender's adapter declares, read live (adapters register as they mount)."""

    def __init__(self, senders: Mapping[Platform, Sender]) -> None:
        self._senders = senders

    def __getitem__(self, platform: Platform) -> PlatformLimits:
        return self._senders[platform].capabilities.limits

    def __iter__(self) -> Iterator[Platform]:
        return iter(self._senders)

    def __len__(self) -> int:
        return len(self._senders)


class OutboxWorker:
    """Sends what the outbox holds, through ``senders`` (one per platform)."""

    def __init__(
        self,
        db: Database,
        senders: Mapping[Platform, Sender],
        *,
        admins: Roster = NOBODY,
        default_locale: str = "en",
        worker_id: str | None = None,
        policy: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
        sleep: Sleep = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] = utcnow,
        window: int = 64,
        concurrency: int = 8,
        rng: random.Random | None = None,
    ) -> None:
        self.db = db
        self.senders = senders  # the adapters may still add theirs after construction
        self.admins = admins
        self.default_locale = default_locale
        self.worker_id = worker_id or f"w-{uuid.uuid4().hex[:12]}"
        self.policy = policy or RetryPolicy()
        self.sleep = sleep
        self.monotonic = monotonic
        self.wall = wall
        self.limiter = limiter or RateLimiter(
            DeclaredLimits(senders), monotonic=monotonic, sleep=sleep
        )
        self.window = max(2, window)  # rows claimed at once (queued for their rate-limit slot)
        # Sends under way at once: what a crash can leave sent but unrecorded.
        self.concurrency = max(1, concurrency)
        self._sending: asyncio.Semaphore | None = None
        self.rng = rng or random.Random()  # jitter, not security
        self.last = DrainStats()

    # --- the loop ------------------------------------------------------------------

    async def drain(self, now: datetime | None = None, *, max_wait: float = 60.0) -> int:
        """Send everything due at ``now``; how many were sent.

        ``now`` moves on with the monotonic clock while the drain runs. Retries
        due within ``max_wait`` seconds are waited for; later ones are left for
        the next drain (``self.last.next_due`` says when).
        """
        stats = DrainStats()
        self.last = stats
        platforms = sorted(p.value for p in self.senders)
        if not platforms:
            return 0
        started, base = self.monotonic(), now or self.wall()

        def clock() -> datetime:
            return base + timedelta(seconds=self.monotonic() - started)

        recorder = _Recorder(self, clock)
        outstanding: set[asyncio.Task[_Outcome]] = set()
        failed: Exception | None = None
        try:
            while True:
                if failed is None and len(outstanding) <= self.window // 2:
                    try:
                        rows = await self._claim(self.window - len(outstanding), clock(), platforms)
                    except Exception as exc:  # finish (and record) what is under way first
                        failed, rows = exc, []
                    for row in rows:
                        outstanding.add(asyncio.create_task(self._deliver(row, recorder)))
                if outstanding:
                    done, outstanding = await asyncio.wait(
                        outstanding, return_when=asyncio.FIRST_COMPLETED
                    )
                    for task in done:
                        self._count(stats, task)
                    continue
                if failed is not None:
                    raise failed
                async with self.db.session() as session:
                    stats.next_due = await outbox.next_due_at(session, platforms)
                if stats.next_due is None:
                    break
                wait = (stats.next_due - clock()).total_seconds()
                if wait > max_wait:
                    break
                # Not claimable yet, or locked by another worker's claim in progress.
                await self.sleep(max(wait, 0.05))
        finally:
            for task in outstanding:
                task.cancel()
            await recorder.close()
        return stats.sent

    async def run(self, wake: asyncio.Event, *, poll: float = 15.0) -> None:
        """Drain whenever woken (``engine.on_outbox``) or every ``poll`` seconds, forever."""
        while True:
            wake.clear()
            try:
                await self.drain(max_wait=0.0)
            except Exception:  # the database may be down for a while: keep going
                log.exception("outbox drain failed")
            delay = poll
            if self.last.next_due is not None:
                delay = min(poll, max(0.0, (self.last.next_due - self.wall()).total_seconds()))
            await self._wait(wake, delay)

    async def _wait(self, wake: asyncio.Event, seconds: float) -> None:
        woken = asyncio.ensure_future(wake.wait())
        slept = asyncio.ensure_future(self.sleep(seconds))
        try:
            await asyncio.wait({woken, slept}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            woken.cancel()
            slept.cancel()

    @staticmethod
    def _count(stats: DrainStats, task: asyncio.Task[_Outcome]) -> None:
        failure = task.exception()
        if failure is not None:
            # Not recorded: the row stays claimed and is taken over after its lease.
            log.error("an outbox outcome could not be recorded: %s", _describe(failure))
            return
        outcome = task.result()
        kind = {_Sent: "sent", _Retry: "retry", _Dead: "dead", _Split: "split"}[type(outcome)]
        OUTBOX_OUTCOMES.labels(outcome.row.platform, kind).inc()
        if isinstance(outcome, _Sent):
            stats.sent += 1
        elif isinstance(outcome, _Retry):
            stats.retried += 1
        elif isinstance(outcome, _Dead):
            stats.dead += 1

    async def _claim(self, limit: int, now: datetime, platforms: list[str]) -> list[outbox.Claimed]:
        async with self.db.session() as session:
            return await outbox.claim_due(
                session,
                worker=self.worker_id,
                now=now,
                wall=self.wall(),
                lease=self.policy.lease,
                platforms=platforms,
                limit=limit,
            )

    # --- one message ---------------------------------------------------------------

    async def _deliver(self, row: outbox.Claimed, recorder: _Recorder) -> _Outcome:
        outcome = self._outside_working_hours(row, recorder.clock()) or await self._attempt(row)
        await recorder.record(outcome)
        return outcome

    def _outside_working_hours(self, row: outbox.Claimed, now: datetime) -> _Outcome | None:
        """A message to a person that became due in their working hours but is late (a
        backlog, an outage) waits for the next window rather than arrive at night."""
        if row.timezone is None:
            return None
        opens = next_working_time(now, row.timezone)
        if opens <= now:
            return None
        return _Retry(row, (opens - now).total_seconds(), "outside working hours", False)

    def _lease_left(self, row: outbox.Claimed) -> float:
        return (row.claimed_until - self.wall()).total_seconds() - self.policy.lease_margin

    async def _attempt(self, row: outbox.Claimed) -> _Outcome:
        platform = Platform(row.platform)
        sender = self.senders[platform]
        try:
            target = _decode_target(row.target)
            message = from_data(row.payload)
            if not isinstance(message, Message):
                raise ValueError("the payload is not a Message")
        except (ValueError, TypeError, KeyError) as exc:
            return _Dead(row, f"undecodable: {_describe(exc)}")
        workspace, conversation = _scope(target)
        ready = await self.limiter.acquire(
            platform, workspace, conversation, give_up_after=self._lease_left(row)
        )
        if not ready or self._lease_left(row) <= 0:
            # Hand it back rather than send on a lease about to run out.
            wait = max(1.0, self.limiter.paused_for(platform, workspace))
            return _Retry(row, wait, "handed back: rate limit wait", count_attempt=False)
        if self._sending is None:
            self._sending = asyncio.Semaphore(self.concurrency)
        try:
            async with self._sending, asyncio.timeout(self.policy.send_timeout):
                message_id = await self._send(sender, target, message)
        except RateLimited as exc:
            self.limiter.pause(platform, workspace, exc.retry_after)
            RATE_LIMIT_PAUSES.labels(platform.value).inc()
            return _Retry(row, max(exc.retry_after, 0.0), "rate limited", count_attempt=False)
        except GroupUnsupported:
            assert isinstance(target, list)
            return _Split(row, target)
        except Unreachable as exc:
            return _Dead(row, f"unreachable: {_describe(exc)}", target, unreachable=True)
        except PermanentError as exc:
            return _Dead(row, f"refused: {_describe(exc)}", target)
        except (TransientError, TimeoutError, OSError) as exc:
            return self._retry_or_dead(row, target, f"transient: {_describe(exc)}")
        except Exception as exc:  # a bug in a sender must not stop the others
            log.exception("unexpected error sending outbox row %s", row.id)
            return self._retry_or_dead(row, target, f"error: {_describe(exc)}")
        return _Sent(row, message_id)

    def _retry_or_dead(self, row: outbox.Claimed, target: Target, error: str) -> _Outcome:
        if row.attempts >= self.policy.max_attempts:
            return _Dead(row, f"{error} (after {row.attempts} attempts)", target)
        return _Retry(row, self.policy.backoff(row.attempts, self.rng), error)

    @staticmethod
    async def _send(sender: Sender, target: Target, message: Message) -> str:
        if isinstance(target, UserRef):
            return await sender.send_direct(target, message)
        if isinstance(target, ConversationRef):
            return await sender.post(target, message)
        return await sender.send_group(target, message)

    # --- recording -----------------------------------------------------------------

    async def write_outcomes(self, outcomes: list[_Outcome], now: datetime) -> None:
        """Record a batch of outcomes in one transaction."""
        sent = [(o.row.id, o.message_id) for o in outcomes if isinstance(o, _Sent)]
        async with self.db.session() as session:
            # Writes first: on SQLite this takes the write lock before any read.
            recorded = await outbox.mark_sent(session, self.worker_id, sent, self.wall())
            if recorded < len(sent):
                log.warning("%d sent row(s) had lost their claim", len(sent) - recorded)
            for o in outcomes:
                if isinstance(o, _Retry):
                    await outbox.reschedule(
                        session,
                        self.worker_id,
                        o.row.id,
                        at=now + timedelta(seconds=o.delay),
                        error=o.error,
                        count_attempt=o.count_attempt,
                    )
                elif isinstance(o, _Split):
                    await self._split(session, o, now)
                elif isinstance(o, _Dead) and await outbox.finish(
                    session, self.worker_id, o.row.id, status=outbox.DEAD, error=o.error
                ):
                    log.warning("outbox row %s (%s) is a dead letter", o.row.id, o.row.key[:80])
                    if o.unreachable and isinstance(o.target, UserRef):
                        u = o.target
                        await mark_unreachable(session, u.platform.value, u.workspace, u.user_id)
                    await self._tell_admins(session, o, now)

    async def _split(self, session: Any, o: _Split, now: datetime) -> None:
        await outbox.finish(
            session, self.worker_id, o.row.id, status=outbox.CANCELLED, error="split: direct"
        )
        for user in o.users:
            await outbox.enqueue(
                session,
                key=f"{o.row.key}>{user.user_id}",
                platform=user.platform.value,
                target=to_data(user),
                payload=o.row.payload,
                not_before=now,
            )

    async def _tell_admins(self, session: Any, o: _Dead, now: datetime) -> None:
        if o.row.key.startswith(DEAD_NOTICE_PREFIX) or not self.admins:
            return  # a notice about a notice would loop
        recipient = "—"
        if isinstance(o.target, UserRef):
            recipient = o.target.user_id
        elif isinstance(o.target, ConversationRef):
            recipient = o.target.channel_id
        elif isinstance(o.target, list):
            recipient = ", ".join(u.user_id for u in o.target)
        for admin in await admins_known(session, self.admins):
            if Platform(admin.platform) not in self.senders:
                continue
            t = translator(admin.locale, self.default_locale)
            notice = dead_letter_notice(t, o.row.key, recipient, o.row.attempts, o.error)
            await send_to(session, admin, f"{DEAD_NOTICE_PREFIX}{o.row.id}:{admin.id}", notice, now)


class _Recorder:
    """Writes outcomes as they come, batching those that arrive during a write."""

    RETRIES = 3

    def __init__(self, worker: OutboxWorker, clock: Callable[[], datetime]) -> None:
        self.worker = worker
        self.clock = clock
        self.pending: list[tuple[_Outcome, asyncio.Future[None]]] = []
        self.ready = asyncio.Event()
        self.task = asyncio.create_task(self._loop())

    async def record(self, outcome: _Outcome) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.pending.append((outcome, future))
        self.ready.set()
        await future

    async def _loop(self) -> None:
        while True:
            await self.ready.wait()
            self.ready.clear()
            batch, self.pending = self.pending, []
            if not batch:
                continue
            error: BaseException | None = None
            for attempt in range(self.RETRIES):
                try:
                    await self.worker.write_outcomes([o for o, _ in batch], self.clock())
                    error = None
                    break
                except Exception as exc:  # e.g. the database is briefly locked or down
                    error = exc
                    log.warning(
                        "recording %d outbox outcome(s) failed (try %d)", len(batch), attempt
                    )
                    await self.worker.sleep(0.1 * (attempt + 1))
            for _, future in batch:
                if future.done():
                    continue
                if error is None:
                    future.set_result(None)
                else:
                    # The rows stay claimed; another drain takes them over after the lease.
                    future.set_exception(error)

    async def close(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


async def drain(
    engine: Engine,
    senders: Mapping[Platform, Sender],
    now: datetime | None = None,
    **options: Any,
) -> int:
    """Send every outbox message due at ``now`` through ``senders``; how many were sent."""
    worker = OutboxWorker(
        engine.db,
        senders,
        admins=engine.admins,
        default_locale=engine.settings.mentoring_default_locale,
        **options,
    )
    return await worker.drain(now)
