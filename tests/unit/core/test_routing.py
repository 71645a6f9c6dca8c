"""The command parser and router, fuzzed: any text gets an answer, never an exception."""

from __future__ import annotations

import shlex

from hypothesis import given
from hypothesis import strategies as st

from bot.core.engine import Engine  # noqa: F401  (registers the features)
from bot.core.model import Actor, Command, ConversationRef, Platform, UserRef
from bot.core.routing import MAX_COMMAND_LENGTH, ROUTES, command_words, split_words

WHO = Actor(UserRef(Platform.LOCAL, "T", "U"))
WHERE = ConversationRef(Platform.LOCAL, "T", "D", "dm")


@given(st.text(max_size=3000))
def test_any_text_splits_into_words_without_raising(text: str) -> None:
    words = split_words(text)
    assert all(isinstance(w, str) for w in words)
    assert sum(len(w) for w in words) <= MAX_COMMAND_LENGTH


@given(st.text(alphabet=st.characters(blacklist_characters="\"'\\"), max_size=200))
def test_text_without_quotes_splits_exactly_as_shlex_does(text: str) -> None:
    # The usual case takes a quicker path than shlex: it must give the same words.
    assert split_words(text) == shlex.split(text.strip()[:MAX_COMMAND_LENGTH])


@given(st.text(max_size=300))
def test_any_command_resolves_to_a_handler_or_nothing(text: str) -> None:
    spec, rest = ROUTES.resolve(command_words(Command(WHO, WHERE, text)))
    assert spec is None or spec.path[0] in [*ROUTES.top_level_words(), "unknown", "chat"]
    assert isinstance(rest, list)


def test_leading_mentoring_and_slash_are_optional() -> None:
    for text in ("/mentoring status", "mentoring status", "status", "  STATUS  "):
        spec, _ = ROUTES.resolve(command_words(Command(WHO, WHERE, text)))
        assert spec is not None and spec.path == ("status",)


def test_multi_word_commands_take_the_longest_match() -> None:
    spec, rest = ROUTES.resolve(["admin", "programme", "edit", "Tech", "cadence=7"])
    assert spec is not None and spec.path == ("admin", "programme", "edit")
    assert rest == ["Tech", "cadence=7"]


def test_unbalanced_quotes_do_not_break_parsing() -> None:
    assert split_words('admin programme create name="Tech') == [
        "admin",
        "programme",
        "create",
        'name="Tech',
    ]


def test_typos_get_the_closest_command_and_french_aliases_work() -> None:
    assert ROUTES.suggestion("stauts") == "status"
    assert ROUTES.suggestion("jion") == "join"
    assert ROUTES.suggestion("xyzzy") is None
    spec, _ = ROUTES.resolve(["aide"])
    assert spec is not None and spec.path == ("help",)


def test_recent_event_ids_are_remembered_within_a_bound() -> None:
    from bot.core.engine import RecentIds

    recent = RecentIds(size=2)
    assert not recent.seen("slack", "E1") and recent.seen("slack", "E1")
    assert not recent.seen("teams", "E1")  # ids are per platform
    assert not recent.seen("slack", None) and not recent.seen("slack", None)
    assert not recent.seen("slack", "E2")
    assert not recent.seen("slack", "E1")  # the oldest was let go
