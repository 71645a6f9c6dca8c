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

    def script(self, js: str, *args: Any) -> Any:
        """Run a bit of JavaScript in the page (``arguments[0]``… are ``args``)."""
        return self.driver.execute_script(js, *args)


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


# --- French, at 1400 px and at 800 px -------------------------------------------------------------

DOCS = Path(__file__).resolve().parents[3] / "docs"
WIDE, NARROW = 1400, 800


def _viewport(page: Page, width: int, height: int = 900) -> None:
    """Make the page's viewport exactly ``width`` × ``height`` CSS pixels."""
    page.driver.set_window_size(width, height)
    inner = page.script("return [window.innerWidth, window.innerHeight]")
    page.driver.set_window_size(2 * width - inner[0], 2 * height - inner[1])
    page.until(lambda: page.script("return window.innerWidth") == width)


def _shoot(page: Page, name: str, width: int) -> None:
    """Save ``docs/<name>-<width>.png`` when SAVE_SCREENSHOT=1."""
    if os.environ.get("SAVE_SCREENSHOT") != "1":
        return
    page.hovers("#conversation-title")  # no hover highlight on a message in the picture
    page.driver.save_screenshot(str(DOCS / f"{name}-{width}.png"))


def _scroll_to(page: Page, selector: str, block: str = "start") -> None:
    page.script(
        f"const all = document.querySelectorAll({selector!r});"
        f"all[all.length - 1].scrollIntoView({{block: {block!r}}});"
    )


LAYOUT = """
const rect = (el) => el.getBoundingClientRect();
const sidebar = document.getElementById('sidebar');
const title = document.getElementById('conversation-title');
const input = document.getElementById('composer-input');
const style = getComputedStyle(input);
const canvas = document.createElement('canvas').getContext('2d');
canvas.font = style.font;
const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
return {
  sidebarShown: getComputedStyle(sidebar).visibility !== 'hidden' && rect(sidebar).right > 0,
  sidebarWidth: rect(sidebar).width,
  menuShown: getComputedStyle(document.getElementById('menu-toggle')).display !== 'none',
  titleOneLine: title.scrollWidth <= title.clientWidth
    && rect(title).height < 1.6 * parseFloat(getComputedStyle(title).fontSize),
  placeholderFits: canvas.measureText(input.placeholder).width <= room,
  placeholder: input.placeholder,
  mainWidth: rect(document.querySelector('.main')).width,
  pageScrolls: document.documentElement.scrollWidth > window.innerWidth,
};
"""

# Each checkbox or radio: a gap of at least 6 px before its label, centred on its first line.
OPTIONS = """
return Array.from(document.querySelectorAll('form.form-card .option')).map((option) => {
  const box = option.querySelector('input').getBoundingClientRect();
  const label = option.querySelector('span');
  const text = label.getBoundingClientRect();
  const line = parseFloat(getComputedStyle(label).lineHeight);
  return {
    label: label.textContent.slice(0, 30),
    gap: text.left - box.right,
    offset: Math.abs((box.top + box.bottom) / 2 - (text.top + line / 2)),
  };
});
"""


async def _seed_history(served: LocalChatClient) -> None:
    """Thirteen weeks of meetings and anonymous feedback, so the chart has something to show."""
    from datetime import datetime, timedelta

    from bot.stats.periods import iso_week
    from storage.tables import CheckIn, FeedbackAnswer, Pair
    from storage.tables import Person as PersonRow

    clock = await served.get("/local/api/clock")
    now = datetime.fromisoformat(clock.body["now"])
    async with served.runtime.db.session() as session:
        people = []
        for n in range(16):
            person = PersonRow(
                platform="local", workspace="local", user_id=f"L-history-{n}", display_name=f"H{n}"
            )
            session.add(person)
            people.append(person)
        await session.flush()
        pairs = []
        for n in range(8):
            mentor, mentee = people[2 * n], people[2 * n + 1]
            assert mentor.id is not None and mentee.id is not None
            pair = Pair(
                programme_id=1,
                mentor_id=mentor.id,
                mentee_id=mentee.id,
                status="active",
                introduced_at=now - timedelta(days=95),
            )
            session.add(pair)
            pairs.append(pair)
        await session.flush()
        for week in range(13):
            at = now - timedelta(days=7 * (12 - week) + 2)
            met = (3, 4, 2, 5, 6, 4, 7, 5, 6, 8, 6, 7, 8)[week]
            for n, pair in enumerate(pairs[:met]):
                assert pair.id is not None
                session.add(
                    CheckIn(
                        pair_id=pair.id,
                        cycle=week + 1,
                        due_at=at,
                        status="answered",
                        answer="met",
                        answered_by=pair.mentor_id,
                        answered_at=at + timedelta(hours=n),
                    )
                )
            if week in (2, 7):
                continue  # too few answers these weeks: the line has a gap there
            scores = (3, 4, 4, 5, 4, 3, 5, 4)[: 5 + week % 3]
            for score in scores:
                session.add(
                    FeedbackAnswer(
                        programme_id=1,
                        role="mentor",
                        period=iso_week(at),
                        survey="checkin",
                        usefulness=min(5, score + (week > 6)),
                        recommend=8,
                    )
                )


async def test_a_french_programme_reads_well_at_1400_and_at_800_px(
    served: LocalChatClient, driver: Any
) -> None:
    page = Page(driver, str(served.client.make_url("/")))
    # Amara reports to Henri: she is paired with Margaret, who reads English.
    amara, margaret = served.persona("L-amara"), served.persona("L-margaret")
    sofia, julien = served.persona("L-sofia"), served.persona("L-julien")

    def look(persona: str, conversation: str, fragment: str) -> None:
        page.driver.get(f"{page.url}#{persona}/{conversation}")
        page.driver.refresh()
        page.css("body[data-ready='1']")
        page.waits_for(fragment)

    # Amara starts to enrol: the form's boxes and labels line up, at both widths.
    assert (await amara.types("/mentoring rejoindre")).status == 200
    assert (await amara.submits(role="mentor")).status == 200
    for width in (WIDE, NARROW):

        def boxes_line_up(width: int = width) -> None:
            _viewport(page, width)
            look("L-amara", "dm", "Sujets que vous pouvez partager")
            options = page.script(OPTIONS)
            assert len(options) >= 10
            assert all(o["gap"] >= 6 for o in options), [o for o in options if o["gap"] < 6]
            assert all(o["offset"] <= 2.5 for o in options), options

        await asyncio.to_thread(boxes_line_up)

    answers: dict[str, Any] = {
        "topics": ["AI", "Social media", "Digital tools"],
        "goals": "Montrer comment ma génération utilise l'IA et les outils numériques.",
        "seniority": "1",
        "department": "Ingénierie",
        "languages": ["fr", "en"],
        "frequency": "biweekly",
        "capacity": "1",
    }
    assert (await amara.submits(**answers)).status == 200

    def the_summary(width: int) -> None:
        _viewport(page, width)
        look("L-amara", "dm", "Vérifiez votre inscription")
        page.waits_for("IA, Réseaux sociaux, Outils numériques")
        _scroll_to(page, "#messages .message")
        _shoot(page, "fr-enrolment-summary", width)
        layout = page.script(LAYOUT)
        if width == NARROW:  # the sidebar folds away; nothing wraps or is cut
            assert not layout["sidebarShown"] and layout["menuShown"], layout
            assert layout["mainWidth"] == NARROW, layout
        else:
            assert layout["sidebarShown"] and not layout["menuShown"], layout
        assert layout["titleOneLine"] and layout["placeholderFits"], layout
        assert not layout["pageScrolls"], layout
        assert "/mentoring rejoindre" in layout["placeholder"]
        suggestions = [
            e.text for e in page.driver.find_elements(page.by.CSS_SELECTOR, ".suggestion")
        ]
        assert suggestions[:2] == ["/mentoring aide", "/mentoring rejoindre"]

    for width in (WIDE, NARROW):
        await asyncio.to_thread(the_summary, width)

    def the_menu_opens_and_closes_at_800_px() -> None:
        _viewport(page, NARROW)
        look("L-amara", "dm", "Vérifiez votre inscription")
        page.css("#menu-toggle").click()
        page.until(lambda: page.script(LAYOUT)["sidebarShown"])
        page.css(".nav-item[data-conv='general']").click()  # choosing closes the drawer
        page.until(lambda: not page.script(LAYOUT)["sidebarShown"])
        assert page.css("#conversation-title").text == "# general"

    await asyncio.to_thread(the_menu_opens_and_closes_at_800_px)

    await amara.clicks("Confirmer")
    await margaret.types("/mentoring join")
    await margaret.submits(role="mentee")
    theirs = {k: v for k, v in answers.items() if k != "capacity"}  # mentors only
    theirs.update(seniority="6", department="Operations", goals="Understand Gen Z at work.")
    assert (await margaret.submits(**theirs)).status == 200
    await margaret.clicks("Confirm")
    await sofia.types("/mentoring admin match")
    assert (await sofia.clicks("Approve and introduce")).status == 200
    for _ in range(10):  # the outbox sends in Amara's working hours
        await served.post("/local/api/clock", {"advance_seconds": 3 * 3600})
        if await amara.sees("Voici la personne que vous accompagnez"):
            break
    assert await amara.sees("Voici la personne que vous accompagnez\u00a0: Margaret Chen")

    def the_introduction(width: int) -> None:
        _viewport(page, width)
        look("L-amara", "dm", "Voici la personne que vous accompagnez")
        page.waits_for("Pourquoi vous deux")
        _scroll_to(page, "#messages .message")
        _shoot(page, "fr-introduction", width)

    for width in (WIDE, NARROW):
        await asyncio.to_thread(the_introduction, width)

    for _ in range(8):  # two weeks later, in working hours: the first check-in
        if await amara.sees("Point d'étape"):
            break
        await served.post("/local/api/clock", {"advance_seconds": 2 * 86400})
    assert await amara.sees("Avez-vous pu rencontrer Margaret Chen")

    def the_check_in(width: int) -> None:
        _viewport(page, width)
        look("L-amara", "dm", "Avez-vous pu rencontrer")
        _scroll_to(page, "#messages .message", "end")
        _shoot(page, "fr-checkin", width)

    for width in (WIDE, NARROW):
        await asyncio.to_thread(the_check_in, width)

    await _seed_history(served)
    await julien.types("/mentoring stats trimestre", "general")

    def the_stats(width: int) -> None:
        _viewport(page, width)
        look("L-julien", "general", "Statistiques du mentorat")
        image = page.css("#messages .el-image img")
        page.until(lambda: page.script("return arguments[0].complete", image))
        natural, shown = page.script(
            "return [arguments[0].naturalWidth, arguments[0].clientWidth]", image
        )
        assert natural == 1440  # drawn at 2x
        if width == WIDE:
            assert shown == 720  # shown at its natural size
        else:
            assert shown <= 720
        assert "— binômes qui se sont vus" in page.messages_text()  # the text version stays
        _scroll_to(page, "#messages .el-image", "center")
        _shoot(page, "fr-stats", width)

    for width in (WIDE, NARROW):
        await asyncio.to_thread(the_stats, width)
