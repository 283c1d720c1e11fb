"""Two people in two real browsers: "Write to seller", typing, live delivery, read ticks, and
text that stays text. Needs Debian's chromium (`apt-get install chromium`); skipped without it."""

import re
import shutil
import time

import pytest

from accounts.tests.factories import PASSWORD, UserFactory
from chat.tests.test_cross_process import daphne_b  # noqa: F401  (a real daphne on the test DB)
from listings.tests.factories import ListingFactory

CHROMIUM = shutil.which("chromium")
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(CHROMIUM is None, reason="browser tests need Debian's chromium"),
]


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


def logged_in(browser, base: str, email: str):
    page = browser.new_context(viewport={"width": 390, "height": 800}).new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_load_state()
    return page


@pytest.fixture
def ad():
    """Made before the browser starts: Playwright runs an event loop in this thread."""
    seller, buyer = UserFactory(), UserFactory()
    listing = ListingFactory(seller=seller, title="Горный велосипед Stels Navigator")
    return seller, buyer, listing


def test_buyer_and_seller_chat_live(ad, daphne_b, browser):  # noqa: F811
    base = f"http://127.0.0.1:{daphne_b}"
    seller_user, buyer_user, listing = ad
    buyer = logged_in(browser, base, buyer_user.email)
    seller = logged_in(browser, base, seller_user.email)

    buyer.goto(f"{base}/ads/{listing.pk}/")
    buyer.click("#contact-actions button[type=submit]")
    buyer.wait_for_url(re.compile(r"/chat/\d+/$"))
    seller.goto(buyer.url)
    for page in (buyer, seller):
        page.wait_for_function("document.getElementById('chat-status').hidden")

    buyer.fill("#chat-body", "П")
    seller.wait_for_selector("#chat-typing:not([hidden])", timeout=5000)

    text = f"Ещё продаёте? {time.time():.0f}"
    buyer.fill("#chat-body", text)
    buyer.press("#chat-body", "Enter")
    seller.wait_for_selector(f".bubble--theirs:has-text('{text}')", timeout=5000)
    buyer.wait_for_selector(f".bubble--mine:has-text('{text}') .tick.is-read", timeout=5000)

    seller.fill("#chat-body", "<b>да</b>")
    seller.press("#chat-body", "Enter")
    buyer.wait_for_selector(".bubble--theirs:has-text('<b>да</b>')", timeout=5000)
    assert buyer.locator(".bubble--theirs b").count() == 0

    buyer.reload()  # the history survives a reload
    assert buyer.locator(f".bubble:has-text('{text}')").count() == 1
