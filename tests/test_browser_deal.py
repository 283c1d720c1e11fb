"""The Safe Deal release in a real browser: "I received it: release the money" opens a dialog
that says what cannot be undone; Escape and "Not yet" do nothing, "Yes" releases. Needs Debian's
chromium; skipped without it. With SCREENSHOT_DIR set, the pages are saved at 390 and 1366 px."""

import shutil

import pytest

from accounts.tests.factories import PASSWORD, UserFactory
from deals import services
from deals.models import SafeDeal
from deals.tests.conftest import DETAILS
from listings.tests.factories import ListingFactory
from tests.test_browser_notifications import browser, in_thread, shoot  # noqa: F401

CHROMIUM = shutil.which("chromium")
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(CHROMIUM is None, reason="browser tests need Debian's chromium"),
]


@pytest.fixture
def shipped_deal():
    """Made before the browser starts."""
    listing = ListingFactory(price=1_234_567, title="Велосипед Trek Marlin 7")
    deal = services.deal_start(listing_id=listing.pk, buyer=UserFactory(name="Ержан"))
    services.deal_transition(deal_id=deal.pk, target="SHIPPED", actor=deal.seller, **DETAILS)
    return SafeDeal.objects.select_related("buyer", "seller").get(pk=deal.pk)


def status_of(deal_id: int) -> str:
    return in_thread(lambda: SafeDeal.objects.get(pk=deal_id).status)


def test_release_asks_in_a_dialog_and_only_yes_releases(shipped_deal, live_server, browser):  # noqa: F811
    base = live_server.url
    page = browser.new_context(viewport={"width": 390, "height": 900}).new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", shipped_deal.buyer.email)
    page.fill("#id_password", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{base}/deals/{shipped_deal.pk}/")
    dialog = page.locator("#release-dialog")
    opener = page.locator("[data-release-open]")
    assert dialog.is_hidden()

    opener.click()
    assert dialog.is_visible()
    assert page.evaluate("document.getElementById('release-dialog').open") is True
    # The safe answer has the focus: Enter right away does not release the money.
    assert page.evaluate("document.activeElement.hasAttribute('data-release-cancel')")
    shoot(page, "deal-release-dialog")
    page.keyboard.press("Escape")
    assert dialog.is_hidden()
    assert page.evaluate("document.activeElement.hasAttribute('data-release-open')")
    assert status_of(shipped_deal.pk) == "SHIPPED"

    opener.focus()
    page.keyboard.press("Enter")  # the keyboard opens it as well
    assert dialog.is_visible()
    page.click("[data-release-cancel]")
    assert dialog.is_hidden()
    assert status_of(shipped_deal.pk) == "SHIPPED"

    opener.click()
    page.click("[data-release-confirm]")
    page.wait_for_load_state()
    page.wait_for_selector(".status--completed")
    assert status_of(shipped_deal.pk) == "COMPLETED"
