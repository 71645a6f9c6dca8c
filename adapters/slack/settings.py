"""Slack's settings: the bot token, the signing secret or Socket Mode's app token, the API."""

from __future__ import annotations

import logging

from pydantic import field_validator, model_validator
from pydantic_settings import BaseSettings

from bot.core.model import Platform
from bot.core.settings import SETTINGS_CONFIG, empty_is_none

log = logging.getLogger(__name__)


class SlackSettings(BaseSettings):
    """``SLACK_*``: Slack is on when its bot token (and a secret or an app token) is set."""

    model_config = SETTINGS_CONFIG

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    slack_team_id: str | None = None  # when set, requests from other workspaces are refused

    @field_validator(
        "slack_bot_token", "slack_signing_secret", "slack_app_token", "slack_team_id", mode="before"
    )
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return empty_is_none(value)

    @model_validator(mode="after")
    def _consistent_slack(self) -> SlackSettings:
        if self.slack_bot_token and not (self.slack_signing_secret or self.slack_app_token):
            raise ValueError(
                "SLACK_BOT_TOKEN is set but neither SLACK_SIGNING_SECRET (HTTP mode) "
                "nor SLACK_APP_TOKEN (Socket Mode) is: set one of them"
            )
        if (self.slack_signing_secret or self.slack_app_token) and not self.slack_bot_token:
            raise ValueError("a Slack signing secret or app token is set without SLACK_BOT_TOKEN")
        if self.slack_bot_token and not self.slack_bot_token.startswith("xoxb-"):
            # Not fatal: test workspaces and proxies use other tokens; Slack will say if it's wrong.
            log.warning("SLACK_BOT_TOKEN does not look like a bot token (xoxb-…)")
        if self.slack_app_token and not self.slack_app_token.startswith("xapp-"):
            raise ValueError("SLACK_APP_TOKEN must be an app-level token (it starts with xapp-)")
        return self

    @property
    def slack_enabled(self) -> bool:
        """Slack is on when its bot token (and a signing secret or app token) is set."""
        return bool(self.slack_bot_token)

    def slack_workspace(self, platform: str) -> str | None:
        """The Slack workspace this deployment is tied to (``SLACK_TEAM_ID``), if any."""
        return self.slack_team_id if platform == Platform.SLACK.value else None
