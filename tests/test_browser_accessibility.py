"""axe-core on every page, in Russian, Kazakh and English, at 390 and 1366 px: no serious or
critical violation. One live server, one browser and one set of rows serve every case; a signed-in
person keeps one tab per language, reused from page to page. With SCREENSHOT_DIR set, the
Russian pages are saved there at both widths. Needs Debian's chromium and
node_modules/axe-core (`make install`); skipped without them."""

import io
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.test.testcases import LiveServerThread
from django.utils import timezone
from PIL import Image

from accounts.tests.factories import PASSWORD, UserFactory

CHROMIUM = shutil.which("chromium")
AXE = settings.BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"
pytestmark = [
    # The rows are the module's, committed once (see `site`); each case only reads.
    pytest.mark.django_db,
    pytest.mark.skipif(CHROMIUM is None, reason="browser tests need Debian's chromium"),
    pytest.mark.skipif(not AXE.exists(), reason="axe-core is installed by `make install`"),
]

LANGUAGES = ["ru", "kk", "en"]
WIDTHS = [390, 1366]
BLOCKING = {"serious", "critical"}


def localized(path: str, language: str) -> str:
    """The path a page has in `language`: the URL carries it (`/kk/...`, `/en/...`, Russian
    unprefixed)."""
    return path if language == "ru" else f"/{language}{path}"


def in_thread(function, *args):
    """The ORM off Playwright's event loop (this thread runs one)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(function, *args).result()


def _photo(colour: str):
    from listings.services import photo_process

    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), colour).save(buffer, "JPEG")
    return photo_process(SimpleUploadedFile("p.jpg", buffer.getvalue(), "image/jpeg"))


def _rows() -> dict:
    """Everything the pages show: two people, ads (one with photos, one sold), a
    conversation, a Safe Deal, a favourite, notifications and a saved search."""
    from chat import services as chat
    from chat.models import Message
    from deals import services as deals
    from listings import services as listings
    from listings.models import Category, City, Listing
    from listings.tests.factories import ListingFactory
    from notifications.kinds import Kind
    from notifications.models import Notification
    from searches.tests.factories import SavedSearchFactory

    seller = UserFactory(name="Айгерим", email="seller@a11y.kz")
    buyer = UserFactory(name="Данияр", email="buyer@a11y.kz")
    photographed = listings.listing_create(
        seller=seller,
        title="Горный велосипед Stels Navigator 500",
        description="Рама 18 дюймов, 21 скорость, после сервиса. Торг у велосипеда.",
        price=85_000,
        negotiable=True,
        condition=Listing.Condition.USED,
        city=City.objects.get(slug="almaty"),
        category=Category.objects.get(slug="bicycles"),
        photos=[_photo(c) for c in ("#4a7", "#a47", "#47a")],
    )
    Listing.objects.filter(pk=photographed.pk).update(status=Listing.Status.ACTIVE)
    sold = ListingFactory(seller=seller, title="Велосипед детский Author")
    listings.listing_set_status(listing_id=sold.pk, seller=seller, status=Listing.Status.SOLD)
    for n in range(3):
        ListingFactory(seller=seller, title=f"Велосипед шоссейный {n}")
    bought = ListingFactory(seller=seller, title="Велосипед складной Shulz", price=60_000)
    deal = deals.deal_start(listing_id=bought.pk, buyer=buyer)
    listings.favorite_add(user=buyer, listing=photographed)
    conversation, _ = chat.conversation_start(listing=photographed, buyer=buyer)
    read, _ = chat.message_send(conversation_id=conversation.pk, sender=buyer, body="Здравствуйте!")
    Message.objects.filter(pk=read.pk).update(read_at=timezone.now())  # the ticks turn green
    chat.message_send(conversation_id=conversation.pk, sender=seller, body="Добрый день, да.")
    now = timezone.now()
    for n, (kind, read) in enumerate([(Kind.MESSAGES, False), (Kind.DEALS, True)]):
        Notification.objects.create(
            user=buyer,
            kind=kind,
            event="tests/hello",
            key=f"a11y:{n}",
            title="Новое сообщение от Айгерим",
            body="Здравствуйте! Велосипед ещё продаётся?",
            url=f"/chat/{conversation.pk}/",
            created_at=now - timedelta(minutes=5 + n * 90),
            read_at=now if read else None,
        )
    SavedSearchFactory(user=buyer, name="велосипед Алматы", q="велосипед")
    return {
        "seller": seller,
        "buyer": buyer,
        "ad": photographed.pk,
        "landing": f"/{photographed.city.slug}/{photographed.category.slug}/",
        "sold": sold.pk,
        "conversation": conversation.pk,
        "deal": deal.pk,
    }


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker, tmp_path_factory):
    """The rows (committed: daphne reads them), daphne, and the browser, for the module."""
    from playwright.sync_api import sync_playwright

    import conftest

    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
        import importlib

        from django.apps import apps

        call_command("flush", interactive=False, verbosity=0)  # what an interrupted run left
        for label, module, function in conftest.REFERENCE_DATA:
            if not apps.get_model(label).objects.exists():
                getattr(importlib.import_module(module), function)(apps, None)
        rows = _rows()
    # Django's live server in a thread of this process (a daphne takes tens of seconds to
    # start on a busy machine): pages and static files, no sockets (the chat page shows
    # itself offline, as it does when the connection drops).
    server = LiveServerThread("127.0.0.1", StaticFilesHandler, connections_override={}, port=0)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    try:
        # Playwright runs an event loop in this thread while the cases' (unused) transactions
        # open and close: Django would take them for ORM calls from async code.
        with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
            patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            base = f"http://127.0.0.1:{server.port}"
            yield {**rows, "base": base, "browser": browser, "tabs": {}}
            browser.close()
    finally:
        server.terminate()
        with django_db_blocker.unblock():
            call_command("flush", interactive=False, verbosity=0)


def tab(site, who: str, language: str):
    """One tab per (person, language), signed in once and reused."""
    key = (who, language)
    if key not in site["tabs"]:
        context = site["browser"].new_context(
            viewport={"width": WIDTHS[0], "height": 900},
            bypass_csp=True,  # axe arrives as an inline script the page's CSP would refuse
        )
        context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": site["base"]}]
        )
        page = context.new_page()
        if who != "anonymous":
            page.goto(site["base"] + localized("/accounts/login/", language))
            page.fill("input[name=username]", site[who].email)
            page.fill("input[name=password]", PASSWORD)
            page.click("form.form button[type=submit]")
            page.wait_for_load_state()
            assert "/accounts/login/" not in page.url, "could not sign in"
        site["tabs"][key] = page
    return site["tabs"][key]


def submit_empty(page) -> None:
    """Send the page's main form with its text fields emptied: the errors show."""
    fields = ", ".join(
        f"form.form {kind}"
        for kind in ("input[type=text]", "input[type=email]", "input[type=number]", "textarea")
    )
    page.evaluate(f"document.querySelectorAll('{fields}').forEach(e => {{ e.value = '' }})")
    with page.expect_navigation():
        page.click("form.form button[type=submit]")


def register_with_errors(page) -> None:
    page.fill("input[name=email]", "not-an-address")
    page.fill("input[name=password1]", "Kokshetau-Steppe-2026")
    page.fill("input[name=password2]", "something-else-2026")
    with page.expect_navigation():
        page.click("form.form button[type=submit]")


# (id, who, path (from the rows), what to do on the page before checking it)
PAGES = [
    ("home", "anonymous", lambda s: "/", None),
    ("search", "anonymous", lambda s: "/search/?q=велосипед", None),
    ("search-empty", "anonymous", lambda s: "/search/?q=ничегоподобного", None),
    ("ad", "anonymous", lambda s: f"/ads/{s['ad']}/", None),
    ("ad-signed-in", "buyer", lambda s: f"/ads/{s['ad']}/", None),
    ("landing", "anonymous", lambda s: s["landing"], None),
    ("deal-start", "buyer", lambda s: f"/deals/buy/{s['ad']}/", None),
    ("ad-sold", "anonymous", lambda s: f"/ads/{s['sold']}/", None),
    ("seller", "anonymous", lambda s: f"/accounts/users/{s['seller'].pk}/", None),
    ("login", "anonymous", lambda s: "/accounts/login/", None),
    ("register-errors", "anonymous", lambda s: "/accounts/register/", register_with_errors),
    ("password-reset", "anonymous", lambda s: "/accounts/password/reset/", None),
    ("404", "anonymous", lambda s: "/no-such-page/", None),
    ("post-errors", "buyer", lambda s: "/ads/new/", submit_empty),
    ("edit-errors", "seller", lambda s: f"/ads/{s['ad']}/edit/", submit_empty),
    ("profile", "buyer", lambda s: "/accounts/profile/", None),
    ("my-ads", "seller", lambda s: "/my/ads/", None),
    ("favorites", "buyer", lambda s: "/my/favorites/", None),
    ("inbox", "buyer", lambda s: "/chat/", None),
    ("conversation", "buyer", lambda s: f"/chat/{s['conversation']}/", None),
    ("deals", "buyer", lambda s: "/deals/", None),
    ("deal-buyer", "buyer", lambda s: f"/deals/{s['deal']}/", None),
    ("deal-seller", "seller", lambda s: f"/deals/{s['deal']}/", None),
    ("notifications", "buyer", lambda s: "/notifications/", None),
    ("notification-settings", "buyer", lambda s: "/notifications/settings/", None),
    ("saved-searches", "buyer", lambda s: "/searches/", None),
    ("report", "buyer", lambda s: f"/report/?target_type=listing&target_id={s['ad']}", None),
]


TIED = """() => [...document.querySelectorAll('.field--error')].map(field => {
    const input = field.querySelector('input, select, textarea');
    const described = input.hasAttribute('aria-describedby') ? input : input.closest('fieldset');
    const ids = (described?.getAttribute('aria-describedby') || '').split(' ');
    return input.getAttribute('aria-invalid') === 'true' && ids.some(id =>
        document.getElementById(id)?.classList.contains('field__errors'));
})"""


def errors_tied_to_fields(page) -> bool:
    """Each field shown with an error says so (aria-invalid) and names the error's element in
    its aria-describedby: a screen reader reads the error with the field."""
    tied = page.evaluate(TIED)
    return all(tied)


def blocking_violations(page) -> list[str]:
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    for v in result["violations"]:  # shown with `pytest -rP`: what is left to improve
        if v["impact"] not in BLOCKING:
            targets = ", ".join(" ".join(node["target"]) for node in v["nodes"])
            print(f"{v['id']} ({v['impact']}): {targets}")
    return [
        f"{v['id']} ({v['impact']}): {v['help']}; "
        + ", ".join(" ".join(node["target"]) + detail(node) for node in v["nodes"])
        for v in result["violations"]
        if v["impact"] in BLOCKING
    ]


def detail(node: dict) -> str:
    """The measured contrast (or another check's own words), when axe gives them."""
    checks = node.get("any") or node.get("all") or []
    data = checks[0].get("data") if checks else None
    if isinstance(data, dict) and "contrastRatio" in data:
        return f" [{data['fgColor']} on {data['bgColor']}: {data['contrastRatio']}:1]"
    return ""


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("name", "who", "path", "action"), PAGES, ids=[p[0] for p in PAGES])
def test_no_serious_violations(site, language, name, who, path, action):
    page = tab(site, who, language)
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    response = page.goto(site["base"] + localized(path(site), language))
    assert response.status == (404 if name == "404" else 200)
    if action is not None:
        action(page)
        assert page.locator(".field--error, .alert--error").count(), "no error shown"
        assert errors_tied_to_fields(page), "a field's error is not tied to its input"
    assert page.evaluate("document.documentElement.lang") == language
    found = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        found += [f"{width}px {line}" for line in blocking_violations(page)]
        if os.environ.get("SCREENSHOT_DIR") and language == "ru":
            shot = Path(os.environ["SCREENSHOT_DIR"]) / f"{name}-{width}.png"
            page.screenshot(path=str(shot), full_page=True)
    assert not found, f"{name} in {language}:\n" + "\n".join(found)
