"""The ad page and home in a real browser at 390 and 1366 px: the phone's bottom bar of actions,
the desktop's right column, the gallery's full-screen viewer (keys, swipe, counter, no page
jump), a home page with ads on the first screen and one search box, nothing wider than the
screen. Needs Debian's chromium; skipped without it. With SCREENSHOT_DIR set, the pages are
saved there."""

import io
import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import re_path
from django.views.static import serve
from PIL import Image, ImageDraw

from accounts.tests.factories import UserFactory
from accounts.tests.images import upload
from listings import services
from listings.models import Category, City
from listings.tests.factories import ListingFactory
from zattar import urls as site_urls

CHROMIUM = shutil.which("chromium")
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="browser tests need Debian's chromium"),
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}
COLOURS = [(139, 94, 60), (47, 125, 79), (31, 78, 121), (179, 38, 30), (224, 164, 58)]


def picture(n: int) -> bytes:
    """A distinct JPEG per photo (its own colour and a block in its own place)."""
    image = Image.new("RGB", (1200, 900), COLOURS[n])
    ImageDraw.Draw(image).rectangle((100 + 180 * n, 100, 300 + 180 * n, 700), fill=(250, 246, 241))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG")
    return buffer.getvalue()


def media(request, path: str):
    return serve(request, path, document_root=settings.MEDIA_ROOT)


# The site's own URLs and the test's media folder (the site serves media itself only in DEBUG).
urlpatterns = [*site_urls.urlpatterns, re_path(r"^media/(?P<path>.*)$", media)]


@pytest.fixture
def server(live_server, settings):
    """The site in a thread of this process (it starts in no time on a busy machine, unlike a
    daphne process), with the photos it stores."""
    settings.ROOT_URLCONF = __name__
    return live_server.url


@pytest.fixture
def ad():
    """An active ad with five photos whose seller shows a phone, and a dozen others for home.
    Made before the browser starts: Playwright runs an event loop in this thread."""
    ListingFactory.create_batch(12)
    seller = UserFactory(show_phone=True)
    return services.listing_create(
        seller=seller,
        title="Горный велосипед Stels Navigator 26 дюймов",
        description="Колёса 26 дюймов, 21 скорость.\n" * 30,
        price=65_000,
        negotiable=True,
        condition="used",
        city=City.objects.get(slug="almaty"),
        category=Category.objects.get(slug="bicycles"),
        photos=[services.photo_process(upload(picture(n), f"p{n}.jpg")) for n in range(5)],
    )


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


def open_page(browser, url: str, viewport: dict, **context):
    page = browser.new_context(viewport=viewport, locale="ru-RU", **context).new_page()
    page.add_init_script("localStorage.setItem('zattar:splash-seen', '1')")  # no splash
    page.goto(url)
    page.wait_for_load_state("load")
    return page


def shoot(page, name: str) -> None:
    if folder := os.environ.get("SCREENSHOT_DIR"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{name}.png")


def box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def no_wider_than_the_screen(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_phone_ad_page_keeps_the_actions_at_the_bottom(ad, server, browser):
    page = open_page(browser, f"{server}/ads/{ad.pk}/", PHONE)
    shoot(page, "ad-390")
    # title and price on the first screen, above the bar
    bar = box(page, "#contact-actions")
    assert box(page, "h1")["y"] + box(page, "h1")["height"] <= bar["y"]
    price = box(page, ".ad-info__price")
    assert price["y"] + price["height"] <= bar["y"]
    # write, Safe Deal and show phone, all in the bar at the bottom of the screen
    assert bar["y"] + bar["height"] == pytest.approx(PHONE["height"], abs=1)
    for action in ("form button[type=submit]", "a[href*='/deals/']", ".phone-reveal .btn"):
        assert page.locator(f"#contact-actions {action}").first.is_visible()
    no_wider_than_the_screen(page, 390)

    page.mouse.wheel(0, 1500)
    page.wait_for_function("() => window.scrollY > 1000")
    assert box(page, "#contact-actions") == bar  # still there after scrolling
    shoot(page, "ad-390-scrolled")
    # at the very end of the page the bar covers nothing: the footer ends above it
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.wait_for_timeout(100)
    footer = box(page, ".footer")
    assert footer["y"] + footer["height"] <= bar["y"] + 1


def test_desktop_ad_page_has_title_price_and_actions_beside_the_gallery(ad, server, browser):
    page = open_page(browser, f"{server}/ads/{ad.pk}/", DESKTOP)
    shoot(page, "ad-1366")
    gallery, side = box(page, ".ad-page__gallery"), box(page, ".ad-page__side")
    assert side["x"] >= gallery["x"] + gallery["width"]  # a right column
    assert side["y"] == pytest.approx(gallery["y"], abs=2)
    for selector in ("h1", ".ad-info__price", "#contact-actions"):
        element = box(page, selector)
        assert element["x"] >= side["x"]
        assert element["y"] >= 0 and element["y"] + element["height"] <= DESKTOP["height"]
    # the actions are ordinary buttons in the column, not a bar
    assert (
        page.evaluate("getComputedStyle(document.getElementById('contact-actions')).position")
        != "fixed"
    )
    page.mouse.wheel(0, 600)
    page.wait_for_function("() => window.scrollY >= 500")
    assert box(page, "#contact-actions")["y"] >= 0  # sticky: still on screen
    no_wider_than_the_screen(page, 1366)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1366"])
def test_gallery_viewer_keys_swipe_and_escape(ad, server, browser, viewport):
    page = open_page(browser, f"{server}/ads/{ad.pk}/", viewport)
    thumbs = page.locator(".gallery__thumb")
    assert thumbs.count() == 5
    # named by place ("Фото 2 из 5" once the lead compiles the translation)
    assert thumbs.nth(1).get_attribute("aria-label") in ("Фото 2 из 5", "Photo 2 of 5")
    main = page.locator(".gallery__slide img").first
    assert (
        main.get_attribute("loading") == "eager" and main.get_attribute("fetchpriority") == "high"
    )
    assert page.locator(".gallery__slide img").nth(1).get_attribute("loading") == "lazy"

    page.evaluate("window.scrollTo(0, 120)")
    page.wait_for_function("() => window.scrollY === 120")
    # a thumbnail changes the photo in place: highlighted, counted, no jump
    thumbs.nth(2).click()
    assert thumbs.nth(2).get_attribute("aria-current") == "true"
    assert thumbs.nth(0).get_attribute("aria-current") is None
    assert page.locator("[data-gallery-counter]").inner_text() == "3 / 5"
    page.wait_for_function(
        "t => Math.abs(t.scrollLeft - 2 * t.clientWidth) < 2",
        arg=page.locator("#gallery-track").element_handle(),
    )
    assert page.evaluate("window.scrollY") == 120

    # the viewer: open on the photo shown, arrow keys, swipe, Escape
    page.locator(".gallery__open").nth(2).click()
    viewer = page.locator("dialog.viewer")
    assert viewer.is_visible()
    counter = page.locator("[data-viewer-counter]")
    assert counter.inner_text() == "3 / 5"
    assert page.evaluate("document.activeElement.closest('dialog') !== null")  # focus inside
    page.keyboard.press("ArrowRight")
    assert counter.inner_text() == "4 / 5"
    assert thumbs.nth(3).get_attribute("aria-current") == "true"
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    assert counter.inner_text() == "2 / 5"
    assert thumbs.nth(1).get_attribute("aria-current") == "true"
    shown = page.locator("[data-viewer-img]").get_attribute("src")
    # swipe left (pointer events, as a finger or a dragged mouse makes them): the next photo
    stage = box(page, "[data-viewer-stage]")
    y = stage["y"] + stage["height"] / 2
    page.mouse.move(stage["x"] + stage["width"] * 0.8, y)
    page.mouse.down()
    page.mouse.move(stage["x"] + stage["width"] * 0.5, y, steps=5)
    page.mouse.move(stage["x"] + stage["width"] * 0.2, y, steps=5)
    page.mouse.up()
    assert counter.inner_text() == "3 / 5"
    assert page.locator("[data-viewer-img]").get_attribute("src") != shown
    # and a swipe right goes back
    page.mouse.move(stage["x"] + stage["width"] * 0.2, y)
    page.mouse.down()
    page.mouse.move(stage["x"] + stage["width"] * 0.8, y, steps=8)
    page.mouse.up()
    assert counter.inner_text() == "2 / 5"
    # Tab stays in the viewer (a modal dialog)
    for _ in range(5):
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('dialog') !== null")
    shoot(page, f"viewer-{viewport['width']}")
    page.keyboard.press("Escape")
    assert not viewer.is_visible()
    # back on the page: focus returns to the photo now shown, which the strip shows too (the
    # dialog's close event, which moves it there, is dispatched in a task of its own)
    page.wait_for_function("() => document.activeElement.dataset.index === '1'", timeout=5000)
    assert page.locator("[data-gallery-counter]").inner_text() == "2 / 5"
    assert thumbs.nth(1).get_attribute("aria-current") == "true"
    assert page.evaluate("window.scrollY") == 120
    no_wider_than_the_screen(page, viewport["width"])


def test_gallery_without_javascript_still_shows_every_photo(ad, server, browser):
    page = open_page(browser, f"{server}/ads/{ad.pk}/", PHONE, java_script_enabled=False)
    links = page.locator(".gallery__open")
    assert links.count() == 5
    assert all(links.nth(n).get_attribute("href").startswith("/media/") for n in range(5))
    # the strip scrolls sideways to each photo
    page.locator(".gallery__track").evaluate("track => track.scrollTo(4 * track.clientWidth, 0)")
    last = box(page, ".gallery__slide >> nth=4")
    assert 0 <= last["x"] < 390
    no_wider_than_the_screen(page, 390)


def test_phone_home_has_ads_on_the_first_screen_and_one_search_box(ad, server, browser):
    page = open_page(browser, f"{server}/", PHONE)
    shoot(page, "home-390")
    assert page.locator("input[type=search]").count() == 1
    assert box(page, ".ad-card")["y"] < PHONE["height"]
    no_wider_than_the_screen(page, 390)
    desktop = open_page(browser, f"{server}/", DESKTOP)
    shoot(desktop, "home-1366")
    assert desktop.locator("input[type=search]").count() == 1
    no_wider_than_the_screen(desktop, 1366)
