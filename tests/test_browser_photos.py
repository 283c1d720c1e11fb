"""Posting an ad in a real browser: photos upload as soon as they are picked, each with a
progress bar; picking more than fits says so at once and keeps the first ones; an error
elsewhere in the form keeps the uploaded photos, and the ad gets them in order. Needs Debian's
chromium; skipped without it."""

import re
import shutil

import pytest

from accounts.tests.factories import PASSWORD, UserFactory
from accounts.tests.images import jpeg_with_gps
from listings.models import Listing, PendingPhoto

CHROMIUM = shutil.which("chromium")
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(CHROMIUM is None, reason="browser tests need Debian's chromium"),
]

WATCH_PROGRESS = """() => {
  window.progressBars = 0;
  new MutationObserver((changes) => changes.forEach((c) => c.addedNodes.forEach((n) => {
    if (n.querySelector && n.querySelector("progress")) window.progressBars += 1;
  }))).observe(document.querySelector(".previews"), {childList: true});
}"""

UPLOADED = """(count) => [...document.querySelectorAll("input[name=pending_photos]")]
  .filter((i) => i.value).length == count"""


@pytest.fixture
def seller():
    """Made before the browser starts: Playwright runs an event loop in this thread."""
    return UserFactory(name="Айгерим")


@pytest.fixture
def pictures():
    return [
        {
            "name": f"photo{n}.jpg",
            "mimeType": "image/jpeg",
            "buffer": jpeg_with_gps(320 + n, 240, 1),
        }
        for n in range(12)
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


def uploaded_ids(page) -> list[str]:
    return page.eval_on_selector_all(
        "input[name=pending_photos]", "inputs => inputs.map(i => i.value)"
    )


def test_photos_upload_on_pick_and_survive_an_error(
    seller, pictures, live_server, browser, monkeypatch
):
    # The checks below read the database while Playwright's event loop runs in this thread.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    base = live_server.url
    page = browser.new_context(viewport={"width": 390, "height": 900}).new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", seller.email)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_load_state()
    page.goto(f"{base}/ads/new/")
    page.evaluate(WATCH_PROGRESS)

    page.set_input_files("#id_photos", pictures[:3])
    page.wait_for_function(UPLOADED, arg=3)
    assert page.evaluate("window.progressBars") == 3  # each picked photo showed its progress
    assert page.locator(".previews progress").count() == 0  # and it is gone when done
    assert page.input_value("#id_photos") == ""  # the files are not sent a second time

    # Nine more: seven fit, the message says two were left out, at once and politely.
    page.set_input_files("#id_photos", pictures[3:12])
    status = page.locator("#id_photos_status")
    assert status.get_attribute("aria-live") == "polite"
    assert re.search(r"\b2\b", status.inner_text())
    assert page.locator(".previews li").count() == 10
    page.wait_for_function(UPLOADED, arg=10)
    ids = uploaded_ids(page)
    assert PendingPhoto.objects.filter(owner=seller).count() == 10

    # The rest of the form, with a title that is too short: the photos stay.
    page.fill("#id_title", "abc")
    page.select_option("#id_category", "furniture")
    page.fill("#id_description", "Раскладывается в кровать, есть ящик для белья, без дефектов.")
    page.fill("#id_price", "125000")
    page.check("input[name=condition][value=used]")
    page.select_option("#id_city", "almaty")
    page.click("form.form button[type=submit]")
    page.wait_for_selector(".field--error #id_title")
    assert uploaded_ids(page) == ids
    assert page.locator(".previews img").count() == 10

    page.fill("#id_title", "Диван угловой раскладной")
    page.click("form.form button[type=submit]")
    page.wait_for_url(re.compile(r"/ads/\d+"))
    listing = Listing.objects.get(seller=seller)
    assert listing.image_count == 10
    assert [image.width for image in listing.images.all()] == [320 + n for n in range(10)]
    assert not PendingPhoto.objects.exists()
