"""The search page in a real browser at 390 and 1366 px: the phone's filter panel and its live
"Show N ads", chips that remove their filter, the header box searching within the filters, and
Back after "show more" returning to the same cards at the same place; and the same journeys
without JavaScript. Needs Debian's chromium; skipped without it. With SCREENSHOT_DIR set, the
page is saved there at both widths (the phone with its panel open and closed)."""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from listings.models import City, Listing
from listings.tests.factories import ListingFactory
from zattar.testing import database_url, free_port

CHROMIUM = shutil.which("chromium")
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(CHROMIUM is None, reason="browser tests need Debian's chromium"),
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker):
    """A daphne on the test database for this module's tests, started once (on a busy machine
    it can take longer to start than the shared fixture waits)."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CHANNEL_LAYER_PREFIX": settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"],
    }
    command = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port)]
    process = subprocess.Popen(
        [*command, "zattar.asgi:application"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 180
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("daphne did not start") from None
            time.sleep(0.2)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


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
def catalogue():
    """Made before the browser starts: Playwright runs an event loop in this thread."""
    astana = City.objects.get(slug="astana")
    ListingFactory(title="Горный велосипед Stels", condition=Listing.Condition.NEW)
    ListingFactory(title="Велосипед детский Forward", price=20_000)
    ListingFactory(title="Шоссейный велосипед Merida", price=300_000)
    ListingFactory(title="Велосипед складной Shulz", city=astana)


@pytest.fixture
def many():
    ListingFactory.create_batch(60)


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def open_page(browser, viewport, url, javascript=True):
    context = browser.new_context(
        viewport=viewport, locale="en-US", java_script_enabled=javascript, reduced_motion="reduce"
    )
    page = context.new_page()
    page.goto(url)
    if javascript:
        page.wait_for_load_state("load")
    return page


def shoot(page, name: str):
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=str(Path(folder) / f"search-{name}.png"))


def test_phone_panel_counts_as_filters_change_and_applies(catalogue, server, browser):
    page = open_page(browser, PHONE, f"{server}/en/search/?q=велосипед&city=almaty")
    summary = page.locator(".filters__summary")
    assert re.sub(r"\s+", " ", summary.inner_text()).strip().endswith("Filters (1)")
    assert page.locator(".ad-card").count() == 3
    shoot(page, "390-closed")
    apply = page.locator(".filters__apply")
    assert not apply.is_visible()
    summary.click()
    assert apply.is_visible() and apply.inner_text() == "Show 3 ads"
    box = page.locator(".filters__details[open] > .filters__body").bounding_box()
    assert box["width"] == 390 and box["height"] == 844  # a sheet over the whole screen
    shoot(page, "390-panel")

    page.select_option("#id_condition", "new")
    expect(apply).to_have_text("Show 1 ad")
    page.fill("#id_price_min", "100000")  # typed, not yet left: still counted
    expect(apply).to_have_text("Show 0 ads")
    page.fill("#id_price_min", "")
    expect(apply).to_have_text("Show 1 ad")
    assert page.locator(".ad-card").count() == 3  # nothing applied yet

    apply.click()
    page.wait_for_url(re.compile(r"condition=new"))
    expect(page.locator(".ad-card")).to_have_count(1)
    assert not apply.is_visible()  # the panel folded
    assert "Filters (2)" in re.sub(r"\s+", " ", summary.inner_text())
    assert "city=almaty" in page.url and "q=" in page.url


def test_chip_removes_its_filter(catalogue, server, browser):
    for viewport in (PHONE, DESKTOP):
        page = open_page(browser, viewport, f"{server}/en/search/?city=almaty&condition=new")
        assert page.locator(".ad-card").count() == 1
        page.get_by_role("link", name="Remove filter: New").click()
        expect(page.locator(".ad-card")).to_have_count(3)
        assert "condition" not in page.url and "city=almaty" in page.url
        assert page.locator("#id_condition").input_value() == ""  # the form follows
        assert page.get_by_role("link", name=re.compile("Remove filter")).count() == 1
        page.get_by_role("link", name="Clear all").first.click()
        expect(page.locator(".ad-card")).to_have_count(4)
        assert page.locator("#id_city").input_value() == ""
        assert page.get_by_role("link", name=re.compile("Remove filter")).count() == 0
        page.go_back()  # history: the list with the city again
        expect(page.locator(".ad-card")).to_have_count(3)
        page.context.close()


def test_desktop_filters_apply_at_once_and_header_box_keeps_them(catalogue, server, browser):
    page = open_page(browser, DESKTOP, f"{server}/en/search/?city=almaty")
    assert page.locator(".filters__details").get_attribute("open") is not None
    shoot(page, "1366")
    page.select_option("#id_condition", "new")
    expect(page.locator(".ad-card")).to_have_count(1)
    assert "condition=new" in page.url
    assert page.get_by_role("link", name="Remove filter: New").is_visible()
    page.select_option("#id_condition", "")
    expect(page.locator(".ad-card")).to_have_count(3)
    page.fill("#header-q", "Merida")  # as one types, within the city
    expect(page.locator(".ad-card")).to_have_count(1)
    assert "Merida" in page.locator(".ad-card").inner_text()
    assert "city=almaty" in page.url and "q=Merida" in page.url
    page.fill("#header-q", "велосипед")
    page.press("#header-q", "Enter")
    expect(page.locator(".ad-card")).to_have_count(3)
    assert page.locator("#header-q").input_value() == "велосипед"
    assert page.locator("#id_city").input_value() == "almaty"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1366"])
def test_back_after_show_more_returns_to_the_same_cards_and_place(many, server, browser, viewport):
    page = open_page(browser, viewport, f"{server}/en/search/")
    assert page.locator(".ad-card").count() == 24
    page.get_by_role("link", name="Show more").click()
    expect(page.locator(".ad-card")).to_have_count(48)
    page.wait_for_url(re.compile(r"shown=48"))
    card = page.locator(".ad-card").nth(40)
    card.scroll_into_view_if_needed()
    page.wait_for_timeout(200)
    scrolled = page.evaluate("window.scrollY")
    assert scrolled > 1000
    title = card.locator(".ad-card__title").inner_text()
    card.locator("a.ad-card__link").click()
    page.wait_for_url(re.compile(r"/ads/\d+[-/]"))
    page.go_back()
    page.wait_for_url(re.compile(r"shown=48"))
    expect(page.locator(".ad-card")).to_have_count(48)
    page.wait_for_timeout(300)
    assert abs(page.evaluate("window.scrollY") - scrolled) < 50
    assert page.locator(".ad-card").nth(40).locator(".ad-card__title").inner_text() == title
    page.reload()  # a reload keeps them too
    assert page.locator(".ad-card").count() == 48


def test_without_javascript_the_panel_chips_and_more_are_plain(catalogue, many, server, browser):
    page = open_page(
        browser, PHONE, f"{server}/en/search/?q=велосипед&city=almaty", javascript=False
    )
    page.locator(".filters__summary").click()
    page.select_option("#id_condition", "new")
    page.locator(".filters__apply").click()
    page.wait_for_url(re.compile(r"condition=new"))
    assert page.locator(".ad-card").count() == 1
    assert "q=" in page.url and "city=almaty" in page.url  # the header's box is in the form
    page.get_by_role("link", name="Remove filter: Almaty").click()
    page.wait_for_url(re.compile(r"condition=new"))
    assert "city" not in page.url
    page.goto(f"{server}/en/search/")
    page.get_by_role("link", name="Show more").click()
    page.wait_for_url(re.compile(r"shown=48"))
    assert page.locator(".ad-card").count() == 48
