"""The service worker in a real browser (Debian's chromium; skipped without it): the settings
page registers /sw.js for the whole site and offers to turn push on; a push delivered to the
worker (through the DevTools protocol, as Chromium's own push service would) shows the
notification with its title and text."""

import json
import shutil
import time

import pytest

from accounts.tests.factories import PASSWORD, UserFactory
from notifications import push
from zattar.testing import daphne_process, free_port

CHROMIUM = shutil.which("chromium")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(CHROMIUM is None, reason="browser tests need Debian's chromium"),
]


@pytest.fixture
def site():
    private, public = push.key_pair()
    port = free_port()
    process = daphne_process(port, VAPID_PRIVATE_KEY=private, VAPID_PUBLIC_KEY=public)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


def test_the_service_worker_shows_a_push(site):
    from playwright.sync_api import sync_playwright

    user = UserFactory(language="en")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = chromium.new_context()
        context.grant_permissions(["notifications"], origin=site)
        page = context.new_page()
        page.goto(f"{site}/accounts/login/")
        page.fill("#id_username", user.email)
        page.fill("#id_password", PASSWORD)
        page.click("form.form button[type=submit]")
        page.wait_for_load_state()
        cdp = context.new_cdp_session(page)
        registrations = []
        cdp.on(
            "ServiceWorker.workerRegistrationUpdated",
            lambda event: registrations.extend(event["registrations"]),
        )
        cdp.send("ServiceWorker.enable")
        page.goto(f"{site}/notifications/settings/")
        page.wait_for_selector(".js-push-on", state="visible", timeout=10000)
        scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
        assert scope == site + "/"
        # (Turning it on needs Chromium's push service, out of reach here: the API's tests cover
        # the subscription.)
        (registration,) = [r for r in registrations if r["scopeURL"] == site + "/"][:1]
        payload = {"title": "Hello, Aru", "body": "Safe Deal #1.", "url": "/deals/1/", "tag": "t1"}
        cdp.send(
            "ServiceWorker.deliverPushMessage",
            {
                "origin": site,
                "registrationId": registration["registrationId"],
                "data": json.dumps(payload),
            },
        )
        shown = []
        deadline = time.monotonic() + 10
        while not shown and time.monotonic() < deadline:
            shown = page.evaluate(
                "navigator.serviceWorker.ready.then(r => r.getNotifications()).then(list =>"
                " list.map(n => ({title: n.title, body: n.body, tag: n.tag, data: n.data})))"
            )
            time.sleep(0.2)
        expected = {"title": "Hello, Aru", "body": "Safe Deal #1.", "tag": "t1"}
        assert shown == [{**expected, "data": {"url": "/deals/1/"}}]
        chromium.close()
