"""Tests of the Slack Web API fake, driven through slack_sdk's real AsyncWebClient."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import re
import time
from collections.abc import AsyncIterator, Sequence
from urllib.parse import parse_qs

import pytest
import pytest_asyncio
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from testkit.slack_api import DEFAULT_TOKEN, FakeSlackApi, ManualClock
from testkit.slack_signing import (
    FORM_CONTENT_TYPE,
    JSON_CONTENT_TYPE,
    app_mention_event,
    block_actions_body,
    event_callback_body,
    sign,
    signed_request_headers,
    slash_command_body,
    text_input_state,
    view_submission_body,
)

TS_RE = re.compile(r"^\d{10}\.\d{6}$")
MODAL = {
    "type": "modal",
    "callback_id": "signup",
    "title": {"type": "plain_text", "text": "Sign up"},
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hello"}}],
}
SECTION = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest_asyncio.fixture
async def fake(clock: ManualClock) -> AsyncIterator[FakeSlackApi]:
    async with FakeSlackApi(clock=clock, channels=["C0001"]) as api:
        api.add_user("U0001", "alice", "Alice Martin", display_name="Ali")
        api.add_user("U0002", "bob", "Bob Smith", tz="America/New_York", locale="en-US")
        api.add_channel("C0PRIV", "secret", is_member=False, is_private=True)
        api.add_channel("C0PUB", "random", is_member=False)
        yield api


@pytest.fixture
def client(fake: FakeSlackApi) -> AsyncWebClient:
    return AsyncWebClient(token=DEFAULT_TOKEN, base_url=f"{fake.url}/api/", retry_handlers=[])


async def _error_of(coro: object) -> SlackApiError:
    with pytest.raises(SlackApiError) as info:
        await coro  # type: ignore[misc]
    return info.value


# --------------------------------------------------------------------------
# Lifecycle, auth and recording
# --------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_start_stop_binds_localhost_free_port() -> None:
    api = FakeSlackApi()
    with pytest.raises(RuntimeError):
        _ = api.url
    await api.start()
    try:
        assert re.match(r"^http://127\.0\.0\.1:\d+$", api.url)
        assert api.base_url == f"{api.url}/api/"
    finally:
        await api.stop()


@pytest.mark.asyncio
async def test_auth_test_and_call_recording(fake: FakeSlackApi, client: AsyncWebClient) -> None:
    resp = await client.auth_test()
    assert resp["team_id"] == "T0001"
    assert resp["user_id"] == fake.bot_user_id
    assert resp["bot_id"] == fake.bot_id
    [call] = fake.calls_to("auth.test")
    assert call.ok
    assert call.headers["authorization"] == f"Bearer {DEFAULT_TOKEN}"
    assert call.at == fake.clock()


@pytest.mark.asyncio
async def test_token_errors(fake: FakeSlackApi) -> None:
    no_token = AsyncWebClient(base_url=fake.base_url, retry_handlers=[])
    err = await _error_of(no_token.auth_test())
    assert err.response.status_code == 200
    assert err.response["error"] == "not_authed"

    bad = AsyncWebClient(token="xoxb-wrong", base_url=fake.base_url, retry_handlers=[])
    err = await _error_of(bad.chat_postMessage(channel="C0001", text="hi"))
    assert err.response["error"] == "invalid_auth"

    fake.add_token("xoxb-other")
    other = fake.web_client(token="xoxb-other", retry_handlers=[])
    assert (await other.auth_test())["ok"]
    assert fake.messages_by_channel() == {}


@pytest.mark.asyncio
async def test_form_token_is_accepted(fake: FakeSlackApi) -> None:
    anonymous = AsyncWebClient(base_url=fake.base_url, retry_handlers=[])
    resp = await anonymous.api_call("auth.test", data={"token": DEFAULT_TOKEN})
    assert resp["ok"]


@pytest.mark.asyncio
async def test_unknown_method(client: AsyncWebClient) -> None:
    err = await _error_of(client.api_call("chat.nope"))
    assert err.response["error"] == "unknown_method"


# --------------------------------------------------------------------------
# chat.*
# --------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_post_message_returns_message_and_records_parsed_blocks(
    fake: FakeSlackApi, client: AsyncWebClient
) -> None:
    first = await client.chat_postMessage(channel="C0001", text="hi", blocks=SECTION)
    second = await client.chat_postMessage(channel="C0001", text="again", thread_ts=first["ts"])
    assert TS_RE.match(first["ts"])
    assert TS_RE.match(second["ts"])
    assert first["ts"] < second["ts"]
    assert first["channel"] == "C0001"
    assert first["message"]["blocks"] == SECTION
    assert first["message"]["bot_id"] == fake.bot_id
    assert second["message"]["thread_ts"] == first["ts"]

    call = fake.calls_to("chat.postMessage")[0]
    assert call.args["blocks"] == SECTION  # JSON body, recorded parsed
    assert call.headers["content-type"].startswith("application/json")
    texts = [m["text"] for m in fake.messages_by_channel()["C0001"]]
    assert texts == ["hi", "again"]


@pytest.mark.asyncio
async def test_form_encoded_blocks_are_decoded_or_rejected(
    fake: FakeSlackApi, client: AsyncWebClient
) -> None:
    ok = await client.api_call(
        "chat.postMessage",
        data={"channel": "C0001", "text": "t", "blocks": json.dumps(SECTION)},
    )
    assert ok["ok"]
    assert fake.calls_to("chat.postMessage")[0].args["blocks"] == SECTION

    err = await _error_of(
        client.api_call(
            "chat.postMessage", data={"channel": "C0001", "text": "t", "blocks": "[{nope"}
        )
    )
    assert err.response["error"] == "invalid_blocks_format"
    err = await _error_of(
        client.api_call("chat.postMessage", json={"channel": "C0001", "blocks": [{"x": 1}]})
    )
    assert err.response["error"] == "invalid_blocks"


@pytest.mark.asyncio
async def test_post_message_errors(client: AsyncWebClient) -> None:
    cases = {
        "C0NOPE": "channel_not_found",
        "C0PRIV": "channel_not_found",  # private, bot not a member: invisible
        "C0PUB": "not_in_channel",
    }
    for channel, error in cases.items():
        err = await _error_of(client.chat_postMessage(channel=channel, text="x"))
        assert err.response["error"] == error, channel
    err = await _error_of(client.api_call("chat.postMessage", json={"channel": "C0001"}))
    assert err.response["error"] == "no_text"
    err = await _error_of(client.api_call("chat.postMessage", json={"text": "x"}))
    assert err.response["error"] == "channel_not_found"


@pytest.mark.asyncio
async def test_post_to_user_id_lands_in_dm(fake: FakeSlackApi, client: AsyncWebClient) -> None:
    resp = await client.chat_postMessage(channel="U0001", text="psst")
    assert resp["channel"] == fake.dm_channel_id("U0001")
    assert resp["channel"].startswith("D")
    assert "#general" not in fake.messages_by_channel()


@pytest.mark.asyncio
async def test_add_dm_fixes_the_dm_id(fake: FakeSlackApi, client: AsyncWebClient) -> None:
    assert fake.add_dm("U0001", "D0001") == "D0001"
    assert (await client.conversations_open(users="U0001"))["channel"]["id"] == "D0001"
    assert (await client.chat_postMessage(channel="D0001", text="reply"))["channel"] == "D0001"


@pytest.mark.asyncio
async def test_ephemeral_update_delete(fake: FakeSlackApi, client: AsyncWebClient) -> None:
    eph = await client.chat_postEphemeral(channel="C0001", user="U0001", text="only you")
    assert TS_RE.match(eph["message_ts"])
    assert fake.ephemeral_messages[0]["user"] == "U0001"
    err = await _error_of(client.chat_postEphemeral(channel="C0001", user="U9", text="x"))
    assert err.response["error"] == "user_not_found"

    posted = await client.chat_postMessage(channel="C0001", text="v1")
    updated = await client.chat_update(channel="C0001", ts=posted["ts"], text="v2", blocks=SECTION)
    assert updated["ts"] == posted["ts"]
    assert updated["message"]["text"] == "v2"
    assert updated["message"]["blocks"] == SECTION
    assert fake.messages_by_channel()["C0001"][0]["text"] == "v2"

    err = await _error_of(client.chat_update(channel="C0001", ts="1.000000", text="x"))
    assert err.response["error"] == "message_not_found"


@pytest.mark.asyncio
async def test_duplicates_are_counted(fake: FakeSlackApi, client: AsyncWebClient) -> None:
    for _ in range(3):
        await client.chat_postMessage(channel="C0001", text="reminder")
    await client.chat_postMessage(channel="C0001", text="other")
    assert fake.duplicate_count() == 2
    [(key, count)] = fake.duplicate_messages().items()
    assert key[0] == "C0001"
    assert count == 3


# --------------------------------------------------------------------------
# conversations.open / users.info
# --------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_conversations_open(fake: FakeSlackApi, client: AsyncWebClient) -> None:
    dm = await client.conversations_open(users="U0001")
    assert dm["channel"]["id"].startswith("D")
    assert "already_open" not in dm
    again = await client.conversations_open(users=["U0001"])
    assert again["channel"]["id"] == dm["channel"]["id"]
    assert again["already_open"] is True

    group = await client.conversations_open(users="U0002,U0001", return_im=True)
    assert group["channel"]["id"].startswith("G")
    assert group["channel"]["is_mpim"] is True
    assert group["channel"]["id"] == fake.dm_channel_id("U0001", "U0002")

    # the opened DM can be posted to
    assert (await client.chat_postMessage(channel=dm["channel"]["id"], text="hey"))["ok"]

    err = await _error_of(client.conversations_open(users="U0001,U404"))
    assert err.response["error"] == "user_not_found"
    err = await _error_of(client.api_call("conversations.open", params={}))
    assert err.response["error"] == "users_list_not_supplied"


@pytest.mark.asyncio
async def test_users_info(client: AsyncWebClient) -> None:
    resp = await client.users_info(user="U0001", include_locale=True)
    user = resp["user"]
    assert user["real_name"] == "Alice Martin"
    assert user["profile"]["display_name"] == "Ali"
    assert user["tz"] == "Europe/Paris"
    assert user["tz_offset"] in (3600, 7200)
    assert user["locale"] == "fr-FR"

    bob = (await client.users_info(user="U0002"))["user"]
    assert "locale" not in bob
    assert bob["tz_offset"] in (-18000, -14400)

    err = await _error_of(client.users_info(user="U404"))
    assert err.response["error"] == "user_not_found"


# --------------------------------------------------------------------------
# views.*
# --------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_views_open_trigger_lifecycle(
    fake: FakeSlackApi, client: AsyncWebClient, clock: ManualClock
) -> None:
    trigger = fake.new_trigger_id("U0001")
    clock.advance(2.9)
    resp = await client.views_open(trigger_id=trigger, view=MODAL)
    view = resp["view"]
    assert view["id"].startswith("V")
    assert view["callback_id"] == "signup"
    assert view["root_view_id"] == view["id"]
    assert fake.calls_to("views.open")[0].args["view"] == MODAL

    err = await _error_of(client.views_open(trigger_id=trigger, view=MODAL))
    assert err.response["error"] == "exchanged_trigger_id"

    stale = fake.new_trigger_id("U0001")
    clock.advance(3.01)
    err = await _error_of(client.views_open(trigger_id=stale, view=MODAL))
    assert err.response["error"] == "expired_trigger_id"

    err = await _error_of(client.views_open(trigger_id="123.456.abc", view=MODAL))
    assert err.response["error"] == "invalid_trigger_id"


@pytest.mark.asyncio
async def test_invalid_view_does_not_burn_the_trigger(
    fake: FakeSlackApi, client: AsyncWebClient
) -> None:
    trigger = fake.new_trigger_id("U0001")
    err = await _error_of(client.views_open(trigger_id=trigger, view={"type": "modal"}))
    assert err.response["error"] == "invalid_arguments"
    assert err.response["response_metadata"]["messages"]
    bad_json = {"trigger_id": trigger, "view": "{not json"}
    err = await _error_of(client.api_call("views.open", json=bad_json))
    assert err.response["error"] == "invalid_arguments"
    form = {"trigger_id": trigger, "view": json.dumps(MODAL)}  # view as a JSON string in a form
    assert (await client.api_call("views.open", data=form))["ok"]


@pytest.mark.asyncio
async def test_views_push_update_publish(fake: FakeSlackApi, client: AsyncWebClient) -> None:
    root = (await client.views_open(trigger_id=fake.new_trigger_id("U0001"), view=MODAL))["view"]
    pushed = (await client.views_push(trigger_id=fake.new_trigger_id("U0001"), view=MODAL))["view"]
    assert pushed["previous_view_id"] == root["id"]
    assert pushed["root_view_id"] == root["id"]

    new_modal = {**MODAL, "private_metadata": "42"}
    updated = await client.views_update(view_id=root["id"], view=new_modal, hash=root["hash"])
    assert updated["view"]["private_metadata"] == "42"
    assert updated["view"]["hash"] != root["hash"]
    err = await _error_of(client.views_update(view_id=root["id"], view=MODAL, hash=root["hash"]))
    assert err.response["error"] == "hash_conflict"
    err = await _error_of(client.views_update(view_id="V404", view=MODAL))
    assert err.response["error"] == "not_found"

    home = {"type": "home", "blocks": SECTION}
    published = await client.views_publish(user_id="U0001", view=home)
    assert published["view"]["type"] == "home"
    republished = await client.views_publish(user_id="U0001", view=home)
    assert republished["view"]["id"] == published["view"]["id"]
    assert fake.home_view("U0001") is not None
    err = await _error_of(client.views_publish(user_id="U0001", view=MODAL))
    assert err.response["error"] == "invalid_arguments"


# --------------------------------------------------------------------------
# files and response_url
# --------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_files_upload_v2_round_trip(fake: FakeSlackApi, client: AsyncWebClient) -> None:
    resp = await client.files_upload_v2(
        content="name,score\nalice,3\n", filename="report.csv", title="Report", channel="C0001"
    )
    file_id = resp["file"]["id"]
    assert resp["file"]["title"] == "Report"
    uploaded = fake.uploaded_files[file_id]
    assert uploaded.content == b"name,score\nalice,3\n"
    assert uploaded.completed
    assert uploaded.channel_ids == ["C0001"]
    assert [c.method for c in fake.calls] == [
        "files.getUploadURLExternal",
        "file_upload",
        "files.completeUploadExternal",
    ]

    err = await _error_of(client.files_completeUploadExternal(files=[{"id": "F404"}]))
    assert err.response["error"] == "file_not_found"


@pytest.mark.asyncio
async def test_response_url_records_posts(fake: FakeSlackApi) -> None:
    url = fake.new_response_url()
    webhook = AsyncWebhookClient(url)
    resp = await webhook.send(text="done", response_type="ephemeral")
    assert resp.status_code == 200
    calls = await fake.wait_for_calls("response_url", 1)
    assert calls[0].args["text"] == "done"

    for _ in range(4):
        assert (await webhook.send(text="more")).status_code == 200
    assert (await webhook.send(text="too many")).status_code == 404  # 5 uses max
    assert (
        await AsyncWebhookClient(f"{fake.url}/commands/T0001/1/x").send(text="x")
    ).status_code == 404


# --------------------------------------------------------------------------
# Faults, retries and rate limits
# --------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_429_then_success_is_retried_after_retry_after(
    fake: FakeSlackApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.clock = time.monotonic
    monkeypatch.setattr(random, "random", lambda: 0.0)  # the handler adds random() jitter
    fake.fail_next("chat.postMessage", status=429, retry_after=1)
    client = fake.web_client(
        retry_handlers=[AsyncRateLimitErrorRetryHandler(), AsyncServerErrorRetryHandler()]
    )
    resp = await client.chat_postMessage(channel="C0001", text="hi")
    assert resp["ok"]
    limited, accepted = fake.calls_to("chat.postMessage")
    assert limited.status == 429
    assert limited.error == "ratelimited"
    assert accepted.ok
    assert accepted.at - limited.at >= 1.0
    assert len(fake.messages_by_channel()["C0001"]) == 1


@pytest.mark.asyncio
async def test_429_surfaces_retry_after_without_handler(
    fake: FakeSlackApi, client: AsyncWebClient
) -> None:
    fake.fail_next("chat.postMessage", status=429, retry_after=7)
    err = await _error_of(client.chat_postMessage(channel="C0001", text="hi"))
    assert err.response.status_code == 429
    assert err.response.headers["Retry-After"] == "7"
    assert err.response["error"] == "ratelimited"


@pytest.mark.asyncio
async def test_server_errors_are_retried(fake: FakeSlackApi) -> None:
    fake.fail_next("chat.postMessage", status=500, times=2)
    client = fake.web_client(
        retry_handlers=[
            AsyncServerErrorRetryHandler(
                max_retry_count=2, interval_calculator=FixedValueRetryIntervalCalculator(0.01)
            )
        ]
    )
    assert (await client.chat_postMessage(channel="C0001", text="hi"))["ok"]
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [500, 500, 200]


@pytest.mark.asyncio
async def test_fail_with_error_then_recovers(fake: FakeSlackApi, client: AsyncWebClient) -> None:
    fake.fail_with_error("users.info", "ratelimited_custom", times=1)
    err = await _error_of(client.users_info(user="U0001"))
    assert err.response.status_code == 200
    assert err.response["error"] == "ratelimited_custom"
    assert (await client.users_info(user="U0001"))["ok"]


async def _ratio_pattern(seed: int) -> list[int]:
    async with FakeSlackApi(channels=["C0001"]) as api:
        api.fail_ratio("chat.postMessage", 0.3, status=503, seed=seed)
        client = api.web_client(retry_handlers=[])
        for i in range(40):
            with contextlib.suppress(SlackApiError):
                await client.chat_postMessage(channel="C0001", text=str(i))
        return [c.status for c in api.calls_to("chat.postMessage")]


@pytest.mark.asyncio
async def test_fail_ratio_is_deterministic() -> None:
    first = await _ratio_pattern(seed=7)
    assert first == await _ratio_pattern(seed=7)
    assert set(first) == {200, 503}
    assert 4 <= first.count(503) <= 20


@pytest.mark.asyncio
async def test_rate_limits_per_channel_and_workspace(
    fake: FakeSlackApi, client: AsyncWebClient, clock: ManualClock
) -> None:
    fake.add_channel("C0002")
    fake.add_channel("C0003")
    fake.enforce_rate_limits(per_channel_per_s=1.0, workspace_per_s=2.0)

    assert (await client.chat_postMessage(channel="C0001", text="1"))["ok"]
    err = await _error_of(client.chat_postMessage(channel="C0001", text="2"))
    assert err.response.status_code == 429
    assert err.response.headers["Retry-After"] == "1"
    assert (await client.chat_postMessage(channel="C0002", text="3"))["ok"]
    err = await _error_of(client.chat_postMessage(channel="C0003", text="4"))
    assert err.response.status_code == 429  # workspace bucket (2/s) is empty

    clock.advance(1.0)
    assert (await client.chat_postMessage(channel="C0001", text="5"))["ok"]
    assert sum(len(v) for v in fake.messages_by_channel().values()) == 3


@pytest.mark.asyncio
async def test_wait_for_calls(fake: FakeSlackApi, client: AsyncWebClient) -> None:
    async def later() -> None:
        await asyncio.sleep(0.01)
        await client.chat_postMessage(channel="C0001", text="a")
        await client.chat_postMessage(channel="C0001", text="b")

    task = asyncio.create_task(later())
    calls = await fake.wait_for_calls("chat.postMessage", 2, timeout=5)
    await task
    assert [c.args["text"] for c in calls] == ["a", "b"]
    with pytest.raises(TimeoutError, match="got 2"):
        await fake.wait_for_calls("chat.postMessage", 3, timeout=0.05)


# --------------------------------------------------------------------------
# Signing helpers
# --------------------------------------------------------------------------


def test_sign_is_accepted_by_slack_sdk_verifier() -> None:
    body, content_type = slash_command_body(text="help me")
    now = int(time.time())
    headers = sign("s3cr3t", body, now)
    verifier = SignatureVerifier("s3cr3t")
    assert verifier.is_valid_request(body, headers)
    assert verifier.is_valid_request(body.decode(), sign("s3cr3t", body.decode(), now))
    assert not verifier.is_valid_request(body + b"x", headers)
    assert not SignatureVerifier("other").is_valid_request(body, headers)
    assert not verifier.is_valid_request(body, sign("s3cr3t", body, now - 600))
    full = signed_request_headers("s3cr3t", body, content_type, now)
    assert full["Content-Type"] == FORM_CONTENT_TYPE
    assert full["X-Slack-Signature"].startswith("v0=")


def test_slash_command_body_is_form_encoded() -> None:
    body, content_type = slash_command_body(
        "/mentoring", "join as mentor", user_id="U0001", trigger_id="1.2.3", response_url="http://r"
    )
    assert content_type == FORM_CONTENT_TYPE
    assert b"command=%2Fmentoring" in body
    assert b"text=join+as+mentor" in body
    fields = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
    assert fields["user_id"] == "U0001"
    assert fields["trigger_id"] == "1.2.3"
    assert fields["response_url"] == "http://r"
    assert fields["team_id"] == "T0001"
    assert fields["is_enterprise_install"] == "false"


def test_interaction_and_event_bodies() -> None:
    body, content_type = block_actions_body("accept", value="match-1")
    assert content_type == FORM_CONTENT_TYPE
    payload = json.loads(parse_qs(body.decode())["payload"][0])
    assert payload["type"] == "block_actions"
    assert payload["actions"][0]["action_id"] == "accept"
    assert payload["actions"][0]["value"] == "match-1"
    assert payload["container"]["type"] == "message"

    values = text_input_state({"goal": {"goal_input": "learn Rust"}})["values"]
    body, _ = view_submission_body("signup", values, private_metadata="m")
    payload = json.loads(parse_qs(body.decode())["payload"][0])
    assert payload["type"] == "view_submission"
    assert payload["view"]["state"]["values"]["goal"]["goal_input"]["value"] == "learn Rust"
    assert payload["view"]["callback_id"] == "signup"

    body, content_type = event_callback_body(app_mention_event("hello"), event_id="Ev1")
    assert content_type == JSON_CONTENT_TYPE
    envelope = json.loads(body)
    assert envelope["type"] == "event_callback"
    assert envelope["event_id"] == "Ev1"
    assert envelope["event"]["text"] == "<@U0BOT> hello"
    assert envelope["authorizations"][0]["team_id"] == "T0001"


@pytest.mark.asyncio
async def test_bolt_slash_command_opens_modal_against_fake(fake: FakeSlackApi) -> None:
    """End to end: a signed slash command through AsyncApp, whose handler opens a modal."""
    from slack_bolt.async_app import AsyncAck, AsyncApp
    from slack_bolt.request.async_request import AsyncBoltRequest

    app = AsyncApp(
        client=fake.web_client(retry_handlers=[]),
        signing_secret="s3cr3t",
    )

    @app.command("/mentoring")
    async def handle(ack: AsyncAck, body: dict[str, str], client: AsyncWebClient) -> None:
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=MODAL)

    body, content_type = slash_command_body(
        text="signup",
        trigger_id=fake.new_trigger_id("U0001"),
        response_url=fake.new_response_url(),
    )
    headers: dict[str, str | Sequence[str]] = {
        **signed_request_headers("s3cr3t", body, content_type)
    }
    response = await app.async_dispatch(AsyncBoltRequest(body=body.decode(), headers=headers))
    assert response.status == 200
    [opened] = await fake.wait_for_calls("views.open", 1)
    assert opened.ok
    assert fake.calls_to("auth.test")


@pytest.mark.asyncio
async def test_method_tiers_answer_429_past_their_burst(
    fake: FakeSlackApi, client: AsyncWebClient, clock: ManualClock
) -> None:
    fake.enforce_rate_limits(per_channel_per_s=1.0, workspace_per_s=20.0)
    for n in range(5):  # Tier 3: 50 a minute, a burst of five
        fake.add_user(f"U9{n}", f"u{n}", f"User {n}")
        assert (await client.conversations_open(users=f"U9{n}"))["ok"]
    fake.add_user("U99", "u99", "User 99")
    err = await _error_of(client.conversations_open(users="U99"))
    assert err.response.status_code == 429
    assert int(err.response.headers["Retry-After"]) >= 1
    clock.advance(1.2)  # one call's worth refilled
    assert (await client.conversations_open(users="U99"))["ok"]
    # A user id as chat.postMessage's channel posts in the DM, under that DM's own bucket.
    assert (await client.chat_postMessage(channel="U99", text="hi"))["ok"]
    err = await _error_of(client.chat_postMessage(channel=fake.dm_channel_id("U99"), text="2"))
    assert err.response.status_code == 429
