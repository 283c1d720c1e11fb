"""The page scripts in a real browser: after a server restart they reconnect; refused with 4403
(the session is gone) they say why and stop. Needs Debian's chromium; skipped without it."""

import shutil
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from accounts.models import Session
from accounts.tests.factories import PASSWORD, UserFactory
from chat import services
from listings.tests.factories import ListingFactory
from zattar.testing import daphne_process, free_port

CHROMIUM = shutil.which("chromium")
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(CHROMIUM is None, reason="browser tests need Debian's chromium"),
]

# Records the sockets a page opens and the codes they close with, by path.
WATCH_SOCKETS = """
(() => {
  const Native = window.WebSocket;
  window.__opened = [];
  window.__closed = [];
  window.WebSocket = function (url, protocols) {
    const path = new URL(url).pathname;
    const socket = new Native(url, protocols);
    window.__opened.push(path);
    socket.addEventListener("close", (event) => window.__closed.push(path + " " + event.code));
    return socket;
  };
  window.WebSocket.prototype = Native.prototype;
})();
"""


def in_a_thread(function):
    """Database work while Playwright's event loop runs in this thread."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(function).result(timeout=30)


@pytest.fixture
def conversation():
    """Made before the browser starts: Playwright runs an event loop in this thread."""
    seller, buyer = UserFactory(), UserFactory()
    listing = ListingFactory(seller=seller)
    chat, _ = services.conversation_start(listing=listing, buyer=buyer)
    return chat, buyer


def test_the_chat_page_reconnects_after_a_restart_and_stops_on_4403(conversation):
    from playwright.sync_api import sync_playwright

    chat, buyer = conversation
    port = free_port()
    server = daphne_process(port)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_context(bypass_csp=True).new_page()  # for wait_for_function
            page.add_init_script(WATCH_SOCKETS)
            base = f"http://127.0.0.1:{port}"
            page.goto(f"{base}/accounts/login/")
            page.fill("#id_username", buyer.email)
            page.fill("#id_password", PASSWORD)
            page.click("form.form button[type=submit]")
            page.wait_for_load_state()
            page.goto(f"{base}/chat/{chat.pk}/")
            page.wait_for_function("window.__opened.length >= 2")  # the chat and the badge
            page.wait_for_function("document.getElementById('chat-status').hidden")

            in_a_thread(lambda: Session.objects.all().delete())  # signed out meanwhile
            server.terminate()
            server.wait(timeout=10)
            page.wait_for_selector("#chat-status:not([hidden])", timeout=5000)  # "Reconnecting…"
            server = daphne_process(port)

            # Both scripts reconnect, are refused, and stop; the chat says why.
            refused = [f"/api/v1/ws/chat/{chat.pk}/ 4403", "/api/v1/ws/me/ 4403"]
            page.wait_for_function(
                f"{refused}.every((c) => window.__closed.includes(c))", timeout=15_000
            )
            status = page.text_content("#chat-status")
            assert "Войдите" in status  # "Sign in to chat.", from the server's error event
            opened = page.evaluate("window.__opened.length")
            time.sleep(3)
            assert page.evaluate("window.__opened.length") == opened
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
