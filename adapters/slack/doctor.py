"""``python app.py doctor``: is the Slack token accepted?"""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.settings import Settings

HINTS = {
    "invalid_auth": "SLACK_BOT_TOKEN is not a valid token for this app",
    "not_authed": "SLACK_BOT_TOKEN is empty",
    "account_inactive": "the workspace or the bot user was deactivated",
    "token_revoked": "the app was uninstalled or the token revoked: reinstall it",
}


async def doctor(settings: Settings) -> list[tuple[bool, str]]:
    """What Slack says of the bot token (nothing when Slack is not configured)."""
    if not settings.slack_enabled:
        return []
    client = AsyncWebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
    try:
        found = await client.auth_test()
    except SlackApiError as exc:
        code = str(exc.response.get("error", "error"))
        return [(False, f"Slack refused the bot token ({code}): {HINTS.get(code, 'see docs')}")]
    except Exception as exc:  # network, DNS, TLS: say where we tried
        return [(False, f"Slack is unreachable at {settings.slack_api_url} ({type(exc).__name__})")]
    team, user = found.get("team", "?"), found.get("user", "?")
    lines = [(True, f"Slack accepts the bot token: workspace {team}, bot user {user}")]
    if settings.slack_team_id and found.get("team_id") != settings.slack_team_id:
        lines.append((False, "SLACK_TEAM_ID is not the workspace the token belongs to"))
    if not (settings.slack_signing_secret or settings.slack_app_token):
        lines.append((False, "neither SLACK_SIGNING_SECRET nor SLACK_APP_TOKEN is set"))
    return lines
