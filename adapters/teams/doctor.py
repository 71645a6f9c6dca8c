"""``python app.py doctor``: can the bot get a Bot Framework token?"""

from __future__ import annotations

from adapters.settings import Settings
from adapters.teams.auth import OutboundTokens, build_authentication


async def doctor(settings: Settings) -> list[tuple[bool, str]]:
    """Whether a token for the Bot Connector can be fetched (nothing when Teams is off)."""
    if not settings.teams_configured:
        if settings.teams_emulator:
            return [(True, "Teams runs in emulator mode: no authentication, loopback only")]
        return []
    tokens = OutboundTokens(build_authentication(settings), settings.microsoft_app_id)
    try:
        await tokens.authorization()
    except Exception as exc:  # msal raises many kinds; the operator needs the gist
        return [
            (
                False,
                "no Bot Framework token for MICROSOFT_APP_ID "
                f"({type(exc).__name__}): check MICROSOFT_APP_PASSWORD, MICROSOFT_APP_TYPE "
                "and MICROSOFT_APP_TENANT_ID",
            )
        ]
    return [(True, "the Bot Framework issues a token for MICROSOFT_APP_ID")]
