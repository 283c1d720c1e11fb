"""The bell in a real browser: a notification committed elsewhere rings it on an open page,
the feed reads it, and the settings' switches save. Needs Debian's chromium; skipped without
it. With SCREENSHOT_DIR set, the pages are saved there at 390 and 1366 px."""

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.tests.factories import PASSWORD, UserFactory
from chat.tests.test_cross_process import daphne_b  # noqa: F401  (a real daphne on the test DB)
from notifications.kinds import Kind
from notifications.models import Notification
from notifications.services import notify, preferences

CHROMIUM = shutil.which("chromium")
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(CHROMIUM is None, reason="browser tests need Debian's chromium"),
]

FEED = [  # (kind, title, body, url, minutes ago, read)
    (
        Kind.MESSAGES,
        "Новое сообщение от Айгерим",
        "Здравствуйте! Велосипед ещё продаётся?",
        "/chat/1/",
        3,
        False,
    ),
    (
        Kind.PRICE_DROPS,
        "Цена снизилась: iPhone 13 128 ГБ",
        "Было 320 000 ₸, стало 289 000 ₸.",
        "/ads/2/",
        50,
        False,
    ),
    (
        Kind.DEALS,
        "Отправьте товар до завтра, 18:00",
        "Безопасная сделка №14: покупатель оплатил.",
        "/deals/14/",
        180,
        True,
    ),
    (
        Kind.LISTINGS,
        "Объявление «Диван угловой» истекает через 2 дня",
        "Продлите его в один клик.",
        "/my/ads/",
        1500,
        True,
    ),
    (
        Kind.SAVED_SEARCHES,
        "3 новых объявления: «велосипед Алматы»",
        "",
        "/search/?q=велосипед",
        3000,
        True,
    ),
]


def in_thread(function, *args):
    """The ORM off Playwright's event loop (this thread runs one)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(function, *args).result()


def shoot(page, name: str) -> None:
    folder = os.environ.get("SCREENSHOT_DIR")
    if not folder:
        return
    for width in (390, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(Path(folder) / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 900})


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def person():
    """Made before the browser starts."""
    user = UserFactory(name="Данияр")
    now = timezone.now()
    for n, (kind, title, body, url, ago, read) in enumerate(FEED):
        Notification.objects.create(
            user=user,
            kind=kind,
            event="tests/hello",
            key=f"shot:{n}",
            title=title,
            body=body,
            url=url,
            created_at=now - timedelta(minutes=ago),
            read_at=now if read else None,
        )
    return user


def test_the_bell_rings_live_and_the_feed_reads_it(person, daphne_b, browser):  # noqa: F811
    base = f"http://127.0.0.1:{daphne_b}"
    page = browser.new_context(viewport={"width": 390, "height": 900}).new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", person.email)
    page.fill("#id_password", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_load_state()
    bell = page.locator(".js-bell")
    assert bell.inner_text() == "2"

    page.wait_for_timeout(500)  # the socket is open and subscribed
    in_thread(
        lambda: notify(
            user=person, kind=Kind.DEALS, event="tests/hello", key="live", context={"name": "Aru"}
        )
    )
    page.wait_for_function("document.querySelector('.js-bell').textContent === '3'", timeout=5000)
    shoot(page, "header")

    page.click(".header__bell")
    page.wait_for_url(f"{base}/notifications/")
    assert page.locator(".feed__item").count() == 6
    assert page.locator(".feed__item.is-unread").count() == 3
    assert page.locator(".js-bell").is_hidden()
    shoot(page, "feed")

    page.goto(f"{base}/notifications/settings/")
    shoot(page, "preferences")
    page.locator("label.switch:has(input[name=deals__email])").click()
    page.click(".prefs__form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("input[name=deals__email]").is_checked() is False
    saved = in_thread(lambda: preferences(user=person))
    assert saved["deals"] == {"email": False, "push": True}
    assert saved["messages"] == {"email": True, "push": True}
