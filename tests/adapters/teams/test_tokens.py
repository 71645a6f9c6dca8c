"""The real token check, over HTTP: botframework's own channel validation, pointed with
``MICROSOFT_OPENID_METADATA_URL`` at an OpenID configuration and keys served on loopback.

Tokens are signed with the test's own RSA key. A correct one is accepted and the bot answers
through the fake Bot Connector; every way a token can be wrong gets 401, with nothing stored
and no call to the connector. The sender is the Slack admin of the issue's attack: even with
an admin's user id, an unauthenticated request reaches nothing.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from adapters.teams.auth import (
    OutboundTokens,
    build_authentication,
    channel_openid_metadata_url,
)
from storage.db import Database
from testkit import teams_activities as ta
from testkit.bot_connector import FakeBotConnector
from testkit.openid import WEBCHAT_KID, FakeOpenIdIssuer, new_key
from testkit.teams_world import TEAMS_ADMIN, TeamsWorld, start_world, teams_settings
from tests.footprint import footprint

APP_ID = ta.DEFAULT_BOT_APP_ID
OUTBOUND = "Bearer outbound-token-of-the-test"
TOLERANCE = 5 * 60  # botframework's clock tolerance on exp and nbf
MICROSOFT_OPENID = "https://login.botframework.com/v1/.well-known/openidconfiguration"


@pytest.fixture(scope="module")
def issuer() -> Iterator[FakeOpenIdIssuer]:
    """The token issuer on loopback (its own URL: botframework caches metadata per URL)."""
    with FakeOpenIdIssuer() as served:
        yield served


@pytest.fixture
async def secured(
    db: Database,
    tmp_path: Path,
    fake: FakeBotConnector,
    issuer: FakeOpenIdIssuer,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[TeamsWorld]:
    """The bot with an app id, checking tokens against the issuer's keys.

    Outbound calls carry a token of the test's (getting a real one would ask Microsoft Entra
    ID); the fake connector records it.
    """

    async def outbound_token(_self: OutboundTokens) -> str | None:
        return OUTBOUND

    monkeypatch.setattr(OutboundTokens, "authorization", outbound_token)
    settings = teams_settings(
        tmp_path,
        microsoft_app_id=APP_ID,
        microsoft_app_password="secret",
        microsoft_openid_metadata_url=issuer.metadata_url,
    )
    world, client = await start_world(db, settings, fake)
    try:
        yield world
    finally:
        await client.close()
        # The validator's configuration is process-wide in botframework: Microsoft's again.
        build_authentication(teams_settings(tmp_path))
        assert channel_openid_metadata_url() == MICROSOFT_OPENID


def admin_says(text: str, service_url: str) -> dict[str, object]:
    """An activity from the Teams admin's account."""
    return ta.personal_message(
        text, user_id=TEAMS_ADMIN, user_name="Grace Admin", service_url=service_url
    )


async def test_a_correct_token_is_accepted_and_the_bot_answers_with_its_own_token(
    secured: TeamsWorld, issuer: FakeOpenIdIssuer
) -> None:
    token = issuer.token(APP_ID, secured.fake.url)

    said = await secured.post(
        admin_says("admin programme list", secured.fake.url), Authorization=f"Bearer {token}"
    )

    assert said.status == 200
    assert "Reverse mentoring" in said
    assert secured.fake.calls and {c.authorization for c in secured.fake.calls} == {OUTBOUND}
    assert any(path.endswith("/keys") for path in issuer.requests)  # our keys were used
    assert (await footprint(secured.runtime.db))["person"] == 1


async def test_a_token_expired_within_the_sdks_clock_tolerance_is_still_accepted(
    secured: TeamsWorld, issuer: FakeOpenIdIssuer
) -> None:
    token = issuer.token(APP_ID, secured.fake.url, exp=int(time.time()) - 60)

    said = await secured.post(admin_says("help", secured.fake.url), Authorization=f"Bearer {token}")

    assert said.status == 200 and said.activities


def _bearer(token: str) -> str:
    return f"Bearer {token}"


AuthorizationFor = Callable[[FakeOpenIdIssuer, str], str | None]
#: Each wrong token, and the error botframework (or PyJWT under it) refuses it with: the
#: refusal comes from the check the case is about, not from something else.
WRONG: dict[str, tuple[AuthorizationFor, str]] = {
    "wrong-audience": (
        lambda i, url: _bearer(i.token("another-bots-app-id", url)),
        "PermissionError",  # Invalid AppId passed on token
    ),
    "wrong-issuer": (
        lambda i, url: _bearer(i.token(APP_ID, url, iss="https://login.evil.example/")),
        "PermissionError",  # no valid identity: the issuer is not allowed
    ),
    "expired-beyond-tolerance": (
        lambda i, url: _bearer(i.token(APP_ID, url, exp=int(time.time()) - TOLERANCE - 60)),
        "ExpiredSignatureError",
    ),
    "not-yet-valid": (
        lambda i, url: _bearer(i.token(APP_ID, url, nbf=int(time.time()) + TOLERANCE + 60)),
        "ImmatureSignatureError",
    ),
    "alg-none": (
        lambda i, url: _bearer(i.unsigned_token(APP_ID, url)),
        "Exception",  # Token signing algorithm not in allowed list
    ),
    "unknown-key-id": (
        lambda i, url: _bearer(i.token(APP_ID, url, kid="no-such-key")),
        "IndexError",  # no key under that id
    ),
    "foreign-key-under-trusted-key-id": (
        lambda i, url: _bearer(i.token(APP_ID, url, key=new_key())),
        "InvalidSignatureError",
    ),
    "hs256-keyed-with-the-public-key": (
        lambda i, url: _bearer(i.hs256_with_public_key(APP_ID, url)),
        "Exception",  # Token signing algorithm not in allowed list
    ),
    "serviceurl-claim-differs": (
        lambda i, url: _bearer(i.token(APP_ID, "https://smba.trafficmanager.net/emea/")),
        "PermissionError",  # service_url claim do not match
    ),
    "no-serviceurl-claim": (
        lambda i, url: _bearer(i.token(APP_ID, url, serviceurl=None)),
        "PermissionError",
    ),
    "key-not-endorsed-for-msteams": (
        lambda i, url: _bearer(i.token(APP_ID, url, key=i.webchat_key, kid=WEBCHAT_KID)),
        "Exception",  # Could not validate endorsement key
    ),
    "no-header": (lambda i, url: None, "PermissionError"),
    "basic": (lambda i, url: "Basic dXNlcjpwYXNzd29yZA==", "PermissionError"),
    "garbage": (lambda i, url: "Bearer not-a-jwt", "DecodeError"),
    "bearer-and-nothing": (lambda i, url: "Bearer ", "PermissionError"),
    "token-without-scheme": (lambda i, url: i.token(APP_ID, url), "PermissionError"),
}


@pytest.mark.parametrize("case", sorted(WRONG))
async def test_a_wrong_token_gets_401_with_nothing_stored_and_no_outbound_call(
    secured: TeamsWorld, issuer: FakeOpenIdIssuer, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    build, refused_with = WRONG[case]
    authorization = build(issuer, secured.fake.url)
    headers = {"Authorization": authorization} if authorization is not None else {}
    before = await footprint(secured.runtime.db)

    said = await secured.post(admin_says("admin pairs", secured.fake.url), **headers)

    assert said.status == 401
    assert f"without a valid token ({refused_with})" in caplog.text
    assert said.activities == [] and secured.fake.calls == []
    assert await footprint(secured.runtime.db) == before


async def test_the_same_request_with_a_correct_token_goes_through(
    secured: TeamsWorld, issuer: FakeOpenIdIssuer
) -> None:
    # The refusals above are the token's doing, not the activity's.
    activity = admin_says("admin pairs", secured.fake.url)
    token = issuer.token(APP_ID, secured.fake.url)

    said = await secured.post(activity, Authorization=f"Bearer {token}")

    assert said.status == 200 and said.activities


def test_the_setting_points_botframeworks_validator_and_leaving_it_out_restores_microsofts(
    tmp_path: Path, issuer: FakeOpenIdIssuer
) -> None:
    pointed = teams_settings(
        tmp_path,
        microsoft_app_id=APP_ID,
        microsoft_app_password="x",
        microsoft_openid_metadata_url=issuer.metadata_url,
    )
    build_authentication(pointed)
    assert channel_openid_metadata_url() == issuer.metadata_url
    build_authentication(
        teams_settings(tmp_path, microsoft_app_id=APP_ID, microsoft_app_password="x")
    )
    assert channel_openid_metadata_url() == MICROSOFT_OPENID
