"""Qualified identities: a right or an admin notice never crosses platforms or workspaces."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import select

from adapters.settings import load_settings
from bot.core.identity import Roster, RosterError, parse_roster, roster_of
from bot.core.model import Platform, UserRef
from bot.core.replies import text_message
from bot.core.settings import SettingsError
from bot.outbox.notify import tell_admins
from storage.db import Database
from storage.people import upsert_person
from storage.tables import OutboxMessage
from tests.harness import Harness

SLACK_ADMIN = UserRef(Platform.SLACK, "T0123", "U0456")
BOTH = frozenset({"slack", "teams"})


def test_a_qualified_entry_names_one_account_only() -> None:
    roster = parse_roster(["slack:T0123:U0456"], BOTH, "MENTORING_ADMINS")
    assert roster.includes(SLACK_ADMIN)
    assert not roster.includes(UserRef(Platform.TEAMS, "T0123", "U0456"))
    assert not roster.includes(UserRef(Platform.SLACK, "T9999", "U0456"))
    assert not roster.includes(UserRef(Platform.LOCAL, "T0123", "U0456"))


def test_a_teams_admin_is_named_by_tenant_and_directory_object_id() -> None:
    roster = parse_roster(["teams:tenant-1:aad-42"], BOTH, "MENTORING_ADMINS")
    teams_user = UserRef(Platform.TEAMS, "tenant-1", "29:abc")
    assert roster.includes(teams_user, directory_id="aad-42")
    assert not roster.includes(teams_user, directory_id="aad-43")
    assert not roster.includes(UserRef(Platform.TEAMS, "tenant-2", "29:abc"), "aad-42")
    # A Bot Framework id that itself contains colons is read whole.
    by_channel_id = parse_roster(["teams:tenant-1:29:abc"], BOTH, "MENTORING_ADMINS")
    assert by_channel_id.includes(teams_user)


def test_a_platform_prefix_in_capitals_is_still_a_qualified_entry() -> None:
    roster = parse_roster(["Slack:T0123:U0456"], BOTH, "MENTORING_ADMINS")
    assert roster.includes(SLACK_ADMIN)


def test_a_bare_id_means_the_only_platform_configured() -> None:
    roster = parse_roster(["U0456"], {"slack"}, "MENTORING_ADMINS")
    assert roster.includes(SLACK_ADMIN)
    assert roster.includes(UserRef(Platform.SLACK, "T-other", "U0456"))
    assert not roster.includes(UserRef(Platform.TEAMS, "T0123", "U0456"))


@pytest.mark.parametrize("platforms", [BOTH, frozenset()])
def test_a_bare_id_with_two_platforms_or_none_is_refused_by_name(platforms: frozenset[str]) -> None:
    with pytest.raises(RosterError, match=r"MENTORING_MANAGERS: 'U0456' is a bare user id"):
        parse_roster(["U0456"], platforms, "MENTORING_MANAGERS")


@pytest.mark.parametrize("entry", ["slack:T0123", "slack::U1", "teams:tenant:"])
def test_a_malformed_qualified_entry_is_refused(entry: str) -> None:
    with pytest.raises(RosterError, match="platform:workspace:user"):
        parse_roster([entry], BOTH, "MENTORING_ADMINS")


@given(st.lists(st.text(max_size=40), max_size=5), st.sampled_from([BOTH, frozenset({"local"})]))
def test_any_entry_is_read_or_refused_clearly(
    entries: list[str], platforms: frozenset[str]
) -> None:
    error = ""
    try:
        roster = parse_roster(entries, platforms, "MENTORING_ADMINS")
    except RosterError as exc:
        error, roster = str(exc), Roster()
    assert error == "" or error.startswith("MENTORING_ADMINS: ")
    for entry in roster.entries:
        assert entry.platform in {"slack", "teams", "local"} and entry.user_id


def test_start_up_fails_on_a_bare_admin_with_two_platforms(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.chdir(tmp_path)  # type: ignore[arg-type]  # no stray .env
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    monkeypatch.setenv("MICROSOFT_APP_ID", "app")
    monkeypatch.setenv("MICROSOFT_APP_PASSWORD", "pw")
    monkeypatch.setenv("MENTORING_ADMINS", "U0456")
    with pytest.raises(SettingsError, match="MENTORING_ADMINS: 'U0456' is a bare user id"):
        load_settings()
    monkeypatch.setenv("MENTORING_ADMINS", "slack:T0123:U0456")
    assert load_settings().admins.includes(SLACK_ADMIN)


async def test_the_admins_are_told_on_their_own_accounts_only(db: Database) -> None:
    roster = parse_roster(["slack:T0123:U0456", "teams:tenant-1:aad-42"], BOTH, "MENTORING_ADMINS")
    async with db.session() as session:
        admin = await upsert_person(session, platform="slack", workspace="T0123", user_id="U0456")
        # The same user id on Teams, and in another Slack workspace: not admins.
        await upsert_person(session, platform="teams", workspace="T0123", user_id="U0456")
        await upsert_person(session, platform="slack", workspace="T9999", user_id="U0456")
        teams_admin = await upsert_person(
            session, platform="teams", workspace="tenant-1", user_id="29:x", directory_id="aad-42"
        )
        await upsert_person(
            session, platform="teams", workspace="tenant-2", user_id="29:y", directory_id="aad-42"
        )
        told = await tell_admins(
            session, roster, "notice", admin.created_at, "en", lambda t: text_message("private")
        )
    assert told == 2
    async with db.session() as session:
        rows = (await session.exec(select(OutboxMessage))).all()
    assert sorted(r.person_id or 0 for r in rows) == sorted([admin.id or 0, teams_admin.id or 0])


async def test_a_namesake_on_another_platform_gets_no_admin_rights(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from adapters.settings import Settings
    from bot.core.engine import Engine

    settings = Settings(
        _env_file=None,
        mentoring_admins=["local:T1:UADMIN"],
        mentoring_seed_programme=False,
    )
    harness = Harness(Engine(db, settings))
    real = harness.person("Admin", user_id="UADMIN")
    impostor = harness.person("Mallory", user_id="UADMIN", platform=Platform.SLACK)
    other_workspace = harness.person("Eve", user_id="UADMIN", workspace="T2")
    await real.types("admin outbox")
    assert not real.sees("Only programme admins can do that")
    for who in (impostor, other_workspace):
        await who.types("admin outbox")
        assert who.sees("Only programme admins can do that")


def test_roster_of_names_exactly_the_people_given() -> None:
    roster = roster_of([SLACK_ADMIN])
    assert roster.includes(SLACK_ADMIN) and len(roster) == 1
    assert not roster.includes(UserRef(Platform.SLACK, "T0123", "U0457"))
    assert not Roster()
