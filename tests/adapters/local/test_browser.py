"""The local chat in a real headless Chromium (Debian's ``chromium`` and ``chromium-driver``).

Skipped when the browser is missing, unless ``REQUIRE_BROWSER=1``. With
``SAVE_SCREENSHOT=1`` the enrolment test saves ``docs/local-chat.png``.
Selenium drives the page from a worker thread while the event loop serves it.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.local import personas
from adapters.local.personas import Persona
from bot.core.model import (
    Actions,
    Button,
    Choice,
    Fields,
    Heading,
    Image,
    Message,
    Option,
    Platform,
    Text,
    UserRef,
)
from storage.db import Database
from tests.adapters.local.helpers import LocalChatClient, local_settings, start_chat

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
ARGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1360,1000",
    "--lang=en-GB",
)
SCREENSHOT = Path(__file__).resolve().parents[3] / "docs" / "local-chat.png"
WAIT = 15  # seconds any one thing may take to appear
HOSTILE = '<img src=x onerror="window.__xss=1">'
SCRIPT = "<script>window.__xss=2</script>"


def _browser_or_skip() -> None:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not shutil.which(p)]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the selenium package")
    if missing:
        reason = f"headless browser unavailable: {', '.join(missing)}"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture
def driver(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A fresh headless Chromium; Selenium Manager is never asked to download anything."""
    _browser_or_skip()
    monkeypatch.setenv("SE_OFFLINE", "true")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ARGS:
        options.add_argument(arg)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    browser = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield browser
    finally:
        browser.quit()


@pytest.fixture
async def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[LocalChatClient]:
    """The app on a SQLite file, on loopback, with the demo personas."""
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}")
    chat = await start_chat(db, local_settings(), monkeypatch)
    try:
        yield chat
    finally:
        await chat.client.close()


@pytest.fixture
def mallory(monkeypatch: pytest.MonkeyPatch) -> Persona:
    """One more persona, whose display name is an HTML injection attempt."""
    hostile = Persona("mallory", f"{HOSTILE}Mallory", "junior", "en-US", "UTC", "#555555")
    monkeypatch.setattr(personas, "PERSONAS", (*personas.PERSONAS, hostile))
    monkeypatch.setattr(personas, "_BY_ID", {p.user_id: p for p in personas.PERSONAS})
    return hostile


class Page:
    """The chat page as a person uses it: pick a persona, type, fill forms, click."""

    def __init__(self, driver: Any, url: str) -> None:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait

        self.driver = driver
        self.url = url
        self.by = By
        self.wait = WebDriverWait(driver, WAIT)

    def css(self, selector: str) -> Any:
        """The first element matching ``selector``, once it is there."""
        return self.wait.until(lambda d: d.find_element(self.by.CSS_SELECTOR, selector))

    def until(self, check: Callable[[], Any]) -> Any:
        """Wait (bounded) until ``check()`` is truthy."""
        return self.wait.until(lambda _d: check())

    def opens(self) -> None:
        """Load the page and wait until it has drawn itself."""
        self.driver.get(self.url)
        self.css("body[data-ready='1']")

    def picks(self, persona_id: str) -> None:
        """Choose who to be (from the cards or the sidebar)."""
        self.css(f"[data-persona='{persona_id}']").click()
        self.css(f".me-card[data-persona='{persona_id}']")
        self.until(lambda: self.driver.find_elements(self.by.CSS_SELECTOR, "#messages .message"))

    def types(self, text: str) -> None:
        """Type a line in the composer and press Enter."""
        box = self.css("#composer-input")
        self.until(lambda: box.is_enabled())
        box.send_keys(text + "\n")

    def form(self, form_id: str) -> Any:
        """The open form with this id."""
        return self.css(f"form.form-card[data-form-id='{form_id}']")

    def messages_text(self) -> str:
        """What the conversation shows."""
        return str(self.css("#messages").text)

    def waits_for(self, fragment: str) -> None:
        """Until the conversation shows ``fragment``."""
        self.until(lambda: fragment in self.messages_text())

    def clicks(self, label: str) -> None:
        """Click the last button with this label in the conversation."""
        buttons = self.until(
            lambda: [
                b
                for b in self.driver.find_elements(self.by.CSS_SELECTOR, "#messages button")
                if b.text == label
            ]
        )
        buttons[-1].click()

    def hovers(self, selector: str) -> None:
        """Move the mouse over an element."""
        from selenium.webdriver.common.action_chains import ActionChains

        ActionChains(self.driver).move_to_element(self.css(selector)).perform()

    def script(self, js: str) -> Any:
        """Run a bit of JavaScript in the page."""
        return self.driver.execute_script(js)


class Filling:
    """Fill one HTML form."""

    def __init__(self, page: Page, form: Any) -> None:
        self.page = page
        self.form = form
        self.by = page.by

    def _field(self, name: str, value: str | None = None) -> Any:
        selector = f"[name='{name}']" + (f"[value='{value}']" if value is not None else "")
        return self.form.find_element(self.by.CSS_SELECTOR, selector)

    def picks(self, name: str, value: str) -> Filling:
        """A radio button or a checkbox of a multiple choice."""
        self._field(name, value).click()
        return self

    def writes(self, name: str, text: str) -> Filling:
        """A text, number or long-text field."""
        field = self._field(name)
        field.clear()
        field.send_keys(text)
        return self

    def selects(self, name: str, value: str) -> Filling:
        """A drop-down."""
        from selenium.webdriver.support.ui import Select

        Select(self._field(name)).select_by_value(value)
        return self

    def sends(self) -> None:
        """Click the form's submit button."""
        self.form.find_element(self.by.CSS_SELECTOR, "[data-role='submit']").click()


def _enrol_as_mentor(
    page: Page, goals: str, department: str, *, screenshot: bool, shows: str = ""
) -> None:
    page.types("/mentoring join")
    Filling(page, page.form("enrol.start")).picks("role", "mentor").sends()
    details = Filling(page, page.form("enrol.details"))
    details.picks("topics", "AI").picks("topics", "Hybrid work").writes("goals", goals)
    details.selects("seniority", "1").writes("department", department)
    details.picks("languages", "en").picks("languages", "fr").picks("frequency", "biweekly")
    details.writes("capacity", "1").sends()
    page.waits_for("Please check your enrolment")
    page.waits_for(shows)
    if screenshot:
        page.script("document.getElementById('messages').scrollTop = 1e6")
        page.hovers("#composer-input")  # no hover highlight on the card in the picture
        SCREENSHOT.parent.mkdir(exist_ok=True)
        page.driver.save_screenshot(str(SCREENSHOT))
    page.clicks("Confirm")
    page.waits_for("You're enrolled in Reverse mentoring as a mentor")


async def test_priya_joins_in_the_browser_and_margaret_sees_none_of_it(
    served: LocalChatClient, driver: Any
) -> None:
    page = Page(driver, str(served.client.make_url("/")))
    save = os.environ.get("SAVE_SCREENSHOT") == "1"

    def priya_joins() -> None:
        page.opens()
        assert "Who are you today?" in page.messages_text()
        page.picks("L-priya")
        page.waits_for("Hello Priya Natarajan!")
        goals = "Show leaders how *younger* colleagues use AI at work."
        _enrol_as_mentor(page, goals, "Data & Analytics", screenshot=save)
        assert page.css("#messages strong").text == "Reverse mentoring"  # *bold* is bold

    def margaret_sees_only_her_own_dm() -> None:
        page.picks("L-margaret")
        page.waits_for("Hello Margaret Chen!")
        shown = page.messages_text()
        assert "enrolled" not in shown and "Priya" not in shown
        assert page.driver.find_elements(page.by.CSS_SELECTOR, "[data-kind='user']") == []
        assert page.driver.find_elements(page.by.CSS_SELECTOR, "[data-kind='form']") == []

    def margaret_sees_her_new_message_and_priyas_badge() -> None:
        page.waits_for("Your mentee is waiting")
        page.css("[data-persona='L-priya'] .badge")

    await asyncio.to_thread(priya_joins)
    await asyncio.to_thread(margaret_sees_only_her_own_dm)
    sender = served.runtime.senders[Platform.LOCAL]
    margaret = UserRef(Platform.LOCAL, "local", "L-margaret")
    priya = UserRef(Platform.LOCAL, "local", "L-priya")
    await sender.send_direct(margaret, Message((Text("Your mentee is waiting"),)))
    await sender.send_direct(priya, Message((Text("Meet Margaret"),)))
    await asyncio.to_thread(margaret_sees_her_new_message_and_priyas_badge)


async def test_html_in_names_answers_and_messages_is_shown_as_text(
    mallory: Persona, served: LocalChatClient, driver: Any
) -> None:
    page = Page(driver, str(served.client.make_url("/")))
    hostile = Message(
        (
            Heading(f"{HOSTILE} heading"),
            Text(f"{SCRIPT} *bold* <b>not bold</b>"),
            Fields(((f"{HOSTILE}label", f"{SCRIPT}value"),)),
            Image("javascript:alert(1)", f"{HOSTILE} alt"),
            Actions(
                (
                    Button(f"{HOSTILE}button", "x.y"),
                    Button("link", "x.z", url="javascript:window.__xss=3"),
                )
            ),
            Choice(f"{SCRIPT}choice", "x.c", (Option("a", f"{HOSTILE}option"),)),
        )
    )
    await served.runtime.senders[Platform.LOCAL].send_direct(mallory.user, hostile)

    def mallory_looks_around() -> None:
        page.opens()
        page.picks("L-mallory")
        page.waits_for(f"Hello {HOSTILE}Mallory!")
        assert f"{HOSTILE}Mallory" in page.css(".me-name").text
        page.waits_for(f"{SCRIPT} bold <b>not bold</b>")
        page.waits_for(f"{HOSTILE} heading")
        links = page.driver.find_elements(page.by.CSS_SELECTOR, "#messages a")
        assert all(a.get_attribute("href") is None for a in links if a.text == "link")
        _enrol_as_mentor(page, HOSTILE, SCRIPT, screenshot=False, shows=f"{SCRIPT}\n")
        page.waits_for(HOSTILE)

    await asyncio.to_thread(mallory_looks_around)

    def nothing_ran() -> None:
        assert page.script("return window.__xss === undefined")
        injected = page.script(
            "return document.querySelectorAll('#messages script, img[src=\"x\"], [onerror]').length"
        )
        assert injected == 0
        assert HOSTILE in page.messages_text() and SCRIPT in page.messages_text()

    await asyncio.to_thread(nothing_ran)


async def test_the_clock_moves_time_forward_from_the_page(
    served: LocalChatClient, driver: Any
) -> None:
    page = Page(driver, str(served.client.make_url("/#L-sofia/dm")))

    def sofia_moves_a_week_ahead() -> None:
        page.opens()
        page.css(".me-card[data-persona='L-sofia']")
        before = page.css("#clock-now").text
        page.css("[data-advance='604800']").click()
        page.until(lambda: "The scheduler ran at" in page.css("#toast").text)
        assert page.css("#clock-now").text != before

    await asyncio.to_thread(sofia_moves_a_week_ahead)
    clock = await served.get("/local/api/clock")
    assert clock.body["offset_seconds"] == 604800
