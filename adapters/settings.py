"""Every setting of the bot: the engine's and each adapter's, read once at start-up.

Names match the environment variables (a ``.env`` file is read too). What
needs more than one adapter's settings lives here: which platforms are served
(a bare id in ``MENTORING_ADMINS`` means the only one) and whether the local
chat is on by default.
"""

from __future__ import annotations

from pydantic import ValidationError, model_validator

from adapters.local.settings import LocalSettings
from adapters.slack.settings import SlackSettings
from adapters.teams.settings import TeamsSettings
from bot.core.loopback import is_loopback
from bot.core.model import Platform
from bot.core.settings import SETTINGS_CONFIG, CoreSettings, SettingsError


class Settings(SlackSettings, TeamsSettings, LocalSettings, CoreSettings):
    """The engine's settings and every adapter's, typed."""

    model_config = SETTINGS_CONFIG

    @model_validator(mode="after")
    def _emulator_on_loopback(self) -> Settings:
        if self.teams_emulator and not is_loopback(self.host):
            raise ValueError(
                f"TEAMS_EMULATOR=1 needs HOST to be a loopback address (127.0.0.1, ::1, "
                f"localhost), not {self.host!r}: emulator mode authenticates no request"
            )
        return self

    @property
    def local_chat_enabled(self) -> bool:
        """The local web chat is on by default only when no platform is configured."""
        if self.local_chat is not None:
            return self.local_chat
        return not (self.slack_enabled or self.teams_configured or self.teams_emulator)

    @property
    def platforms(self) -> frozenset[str]:
        """The platforms this deployment serves."""
        served = {
            Platform.SLACK.value: self.slack_enabled,
            Platform.TEAMS.value: self.teams_configured or self.teams_emulator,
            Platform.LOCAL.value: self.local_chat_enabled,
        }
        return frozenset(name for name, on in served.items() if on)

    def default_workspace(self, platform: str) -> str | None:
        """The workspace (Slack team, Teams tenant) this deployment is tied to, if any."""
        return self.slack_workspace(platform) or self.teams_workspace(platform)


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning validation errors into one readable ``SettingsError``."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']).upper() or 'settings'}: {err['msg']}"
            for err in exc.errors()
        )
        raise SettingsError(f"invalid settings: {problems}") from None
