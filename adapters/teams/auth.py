"""Bot Framework authentication from the settings: inbound token checks, outbound tokens.

With an app id, inbound requests must carry a valid Bot Framework token, and outbound calls get
one from Microsoft Entra ID (single-tenant bots from their own tenant). Without one (only with
``TEAMS_EMULATOR=1``, on loopback) nothing is checked and no outbound token is sent. Only this
module and ``glue.py`` know botbuilder; the rest of the adapter sees an ``Authorization``
header value.

Inbound tokens are checked by botframework's own public-cloud channel validation
(``ChannelValidation``: issuer, signature against the keys of an OpenID configuration, the
keys' ``msteams`` endorsement, lifetime with five minutes of clock tolerance, audience = our
app id, and the ``serviceurl`` claim = the activity's ``serviceUrl``).
``MICROSOFT_OPENID_METADATA_URL`` points that same validator at another OpenID configuration;
the tests use it to sign tokens with their own key.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botframework.connector.auth import (
    AuthenticationConstants,
    BotFrameworkAuthentication,
    ChannelValidation,
    ClaimsIdentity,
)

from adapters.settings import Settings
from adapters.teams.connector import PUBLIC_SERVICE_URL


def sdk_configuration(settings: Settings) -> SimpleNamespace:
    """The configuration object botbuilder reads (``APP_ID``, ``APP_PASSWORD``...)."""
    return SimpleNamespace(
        APP_ID=settings.microsoft_app_id,
        APP_PASSWORD=settings.microsoft_app_password,
        APP_TYPE=settings.microsoft_app_type,
        APP_TENANTID=settings.microsoft_app_tenant_id,
    )


def build_authentication(settings: Settings) -> BotFrameworkAuthentication:
    """``ConfigurationBotFrameworkAuthentication`` for these settings.

    The OpenID configuration of the channel validation is a class attribute in botframework,
    read on every check: it is set here for the whole process (None restores Microsoft's).
    """
    ChannelValidation.open_id_metadata_endpoint = settings.microsoft_openid_metadata_url
    return ConfigurationBotFrameworkAuthentication(sdk_configuration(settings))


def channel_openid_metadata_url() -> str:
    """The OpenID configuration botframework's channel validation now checks tokens against."""
    return str(
        ChannelValidation.open_id_metadata_endpoint
        or AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL
    )


class OutboundTokens:
    """``Authorization`` header values for calls to the Bot Connector (None in emulator mode)."""

    def __init__(self, authentication: BotFrameworkAuthentication, app_id: str | None) -> None:
        self._authentication = authentication
        self._app_id = app_id or ""
        self._credentials: Any = None

    async def _load_credentials(self) -> Any:
        if self._credentials is None:
            claims = ClaimsIdentity(
                {
                    AuthenticationConstants.AUDIENCE_CLAIM: self._app_id,
                    AuthenticationConstants.APP_ID_CLAIM: self._app_id,
                },
                True,
            )
            factory = self._authentication.create_connector_factory(claims)
            # The factory picks the right credentials (multi/single tenant, managed identity).
            client = await factory.create(PUBLIC_SERVICE_URL, None)
            self._credentials = client.config.credentials
        return self._credentials

    async def login_authority(self) -> str | None:
        """Where outbound tokens come from (None in emulator mode): ``…/<tenant>`` when single
        tenant, ``…/botframework.com`` when multi-tenant. Loading it fetches no token."""
        if not self._app_id:
            return None
        credentials = await self._load_credentials()
        authority = getattr(credentials, "oauth_endpoint", None)
        return str(authority) if authority else None

    async def authorization(self) -> str | None:
        """``Bearer …`` for an outbound call, or None when authentication is disabled."""
        if not self._app_id:
            return None
        credentials = await self._load_credentials()
        # msal is synchronous (and caches the token); keep the event loop free meanwhile.
        token = await asyncio.to_thread(credentials.get_access_token)
        return f"Bearer {token}"
