"""Bot Framework authentication from the settings: inbound token checks, outbound tokens.

``MICROSOFT_APP_ID`` unset means emulator mode: no inbound check, no outbound token. With an app
id, inbound requests must carry a valid Bot Framework token, and outbound calls get one from
Microsoft Entra ID (single-tenant bots from their own tenant). Only this module and
``glue.py`` know botbuilder; the rest of the adapter sees an ``Authorization`` header value.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botframework.connector.auth import (
    AuthenticationConstants,
    BotFrameworkAuthentication,
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
    """``ConfigurationBotFrameworkAuthentication`` for these settings."""
    return ConfigurationBotFrameworkAuthentication(sdk_configuration(settings))


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
