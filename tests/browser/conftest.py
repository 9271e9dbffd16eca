"""Playwright against Debian's chromium (never a downloaded browser) and pytest-django's live server.

The live server runs in another thread, so nothing here freezes the clock: data is made at the real
now and tests assert relative things. Playwright's sync API keeps an event loop running in this thread,
which Django's async-safety check would take for async code touching the database."""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

from tests.seeding import seed_like_migrate as _seed_like_migrate

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"  # git-ignored; CI keeps it as an artifact
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
PASSWORD = "pw-123456"  # tests/factories.py


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def seeded_settings(db):
    """Transactional tests end with a flush, which also empties what the data migrations seeded
    (grade thresholds, the holiday calendar, default policies): seed it again, idempotently."""
    _seed_like_migrate()


@pytest.fixture(scope="module", autouse=True)
def seeded_after_module(django_db_setup, django_db_blocker):
    """Leave the database as migrate left it for the test modules that run after these (the last
    test's flush has emptied the seeded settings they rely on)."""
    yield
    with django_db_blocker.unblock():
        _seed_like_migrate()


@pytest.fixture(scope="module")
def chromium():
    """Per module, not per session: while Playwright runs, its event loop makes Django treat this whole
    thread as async, so it must stop before the other test modules run in the same process."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is required for the browser tests: apt-get install chromium fonts-wqy-zenhei")
    # Only while this module runs (set globally it would leak into subprocesses such as check --deploy);
    # module teardown comes after the tests' own, so their database flush is still covered.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield from _launch(sync_playwright, executable)
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _launch(sync_playwright, executable):
    with sync_playwright() as playwright:
        # Native date pickers and file inputs stay in English: Debian ships chromium's translations
        # separately (chromium-l10n); on the county's Chinese desktops they are Chinese.
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox", "--lang=zh-CN"])
        yield browser
        browser.close()


UNLABELLED_CONTROLS = """
[...document.querySelectorAll('input, select, textarea')]
  .filter(el => el.type !== 'hidden' && el.type !== 'submit' && el.offsetParent !== null)
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby') && !el.title)
  .map(el => el.name || el.id || el.outerHTML.slice(0, 80))
"""


# The innermost elements reaching past the viewport's right edge, to name the culprit of an overflow.
WIDER_THAN = """
(limit) => [...document.querySelectorAll('body *')]
  .filter(el => el.getBoundingClientRect().right > limit + 1)
  .filter(el => ![...el.children].some(child => child.getBoundingClientRect().right > limit + 1))
  .slice(0, 5)
  .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className ? '.' + String(el.className).split(' ').join('.') : '') + ' ' + Math.round(el.getBoundingClientRect().right) + 'px: ' + (el.textContent || '').trim().slice(0, 40))
"""


class Session:
    """One person's browser tab on the live server."""

    def __init__(self, browser, base_url, viewport):
        self.base_url = base_url
        self.context = browser.new_context(
            viewport=viewport,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            is_mobile=viewport == PHONE,
            has_touch=viewport == PHONE,
        )
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        # Every page runs under the Content-Security-Policy (issue 11 §4): chromium reports what it refused on
        # the console, and open_session fails the test on any such report.
        self.csp_violations = []
        self.page.on("console", self._console)

    def _console(self, message):
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.csp_violations.append(f"{self.page.url}: {message.text}")

    def go(self, path):
        response = self.page.goto(self.base_url + path)
        self.page.wait_for_load_state("networkidle")
        return response

    def login(self, username):
        """Through the real login form, as a person would."""
        self.go("/accounts/login/")
        self.page.get_by_label("用户名").fill(username)
        self.page.get_by_label("密码").fill(PASSWORD)
        self.page.get_by_role("button", name="登录").click()
        self.page.wait_for_load_state("networkidle")
        assert "/accounts/login/" not in self.page.url, f"{username} could not log in"
        return self

    def text(self):
        return self.page.locator("body").inner_text()

    def fits(self):
        """Nothing overflows the viewport horizontally, and every control has an accessible name. The width is the
        viewport's as configured: under phone emulation chromium widens the window itself to the widest content (a
        390 px phone shows a 421 px page zoomed out), so window.innerWidth would hide the overflow."""
        width = [self.page.evaluate("document.documentElement.scrollWidth"), self.page.viewport_size["width"]]
        if width[0] > width[1]:
            wide = self.page.evaluate(WIDER_THAN, width[1])
            raise AssertionError(f"{self.page.url} is {width[0]}px wide in a {width[1]}px window: {wide}")
        unlabelled = self.page.evaluate(UNLABELLED_CONTROLS)
        assert not unlabelled, f"{self.page.url}: controls without a label: {unlabelled}"

    def shot(self, name):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)

    def close(self):
        self.context.close()


@pytest.fixture
def open_session(chromium, live_server):
    sessions = []

    def open_(username, viewport=DESKTOP):
        session = Session(chromium, live_server.url, viewport).login(username)
        sessions.append(session)
        return session

    yield open_
    violations = [v for session in sessions for v in session.csp_violations]
    for session in sessions:
        session.close()
    assert not violations, "CSP violations on the console:\n" + "\n".join(violations)
