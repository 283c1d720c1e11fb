"""API fuzzing: schemathesis (v4, `--checks all`) against /api/v1/schema/ on a live daphne, once
anonymous and once with the access token of a user who has an ad with photos, a conversation
and a Safe Deal. Every operation in the schema is called with generated valid and invalid
input; the test fails on any server error or any answer the schema does not describe, and prints
schemathesis' report (and the server's log) when it does.

The server runs production's settings (DEBUG off) on the test database, with two changes for
speed and reach (tests/fuzz_settings.py and `server_env` below): the test suite's cheap bcrypt,
and the rate limits switched off, so that the fuzzer reaches the code behind them rather than
their 429 (their own tests cover them).

Run time: MAX_EXAMPLES generated cases per operation and phase, on top of the coverage phase's
boundary values (fixed by the schema). With 20, on the 2-core development machine shared with
other work: 1,167 cases anonymous (37 s) and 2,429 with the token (73 s), 117 s for both tests
with the servers' start. Each run draws a new seed, printed in the report (replay a failure
with `--seed`); before this was committed, three more seeds at 30 examples ran clean too."""

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from accounts.tests.factories import PASSWORD, UserFactory
from accounts.tests.images import jpeg_with_gps, upload
from chat import services as chat_services
from deals import services as deal_services
from listings import services as listing_services
from listings.models import Category, City
from listings.tests.factories import ListingFactory
from zattar.testing import daphne_process, free_port

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

MAX_EXAMPLES = 20
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")

# What a valid request may still be refused with (400) where the schema cannot say why: rules
# no JSON Schema expresses (Django's password validators, a title not in capitals, an email or
# phone already taken, a photo that must decode as an image, a move the deal table forbids, a
# price_max under price_min) and the NUL character, which every text field refuses (in a
# DELETE's body too: a push subscription's `endpoint`). Everywhere else, schemathesis' default
# holds: valid input is never a 400.
ACCEPTED_WITH_400 = '["2xx", "400", "401", "403", "404", "409", "429"]'
CONFIG = f"""
[generation]
database = "none"  # nothing written beside the test; the seed is in the report

[[operations]]
include-method = ["POST", "PATCH", "DELETE"]
checks.positive_data_acceptance.expected-statuses = {ACCEPTED_WITH_400}

[[operations]]
include-path = "/api/v1/listings"
include-method = "GET"
checks.positive_data_acceptance.expected-statuses = {ACCEPTED_WITH_400}
"""
ANONYMOUS = """
[[operations]]
include-operation-id = {operation_ids}
phases.coverage.enabled = false
"""


def server_env(media_root: Path) -> dict[str, str]:
    rate_limits_off = {
        f"RATE_LIMIT_{action}_{who}".upper(): "off"
        for action, limits in getattr(settings, "RATE_LIMITS", {}).items()
        for who in limits
    }
    return {
        "DJANGO_SETTINGS_MODULE": "tests.fuzz_settings",
        "DEBUG": "false",
        "SECRET_KEY": "fuzz-only-secret-key-" + os.urandom(16).hex(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",  # no TLS proxy in front of this server
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "EMAIL_ALLOW_UNSENT": "true",
        "MEDIA_ROOT": str(media_root),
        **rate_limits_off,
    }


@pytest.fixture
def marketplace():
    """A buyer who owns an ad with two photos, asked about someone else's ad in chat and opened
    a Safe Deal for it: ids that exist, for the fuzzer to find."""
    me = UserFactory(email="fuzz@example.kz")
    photos = [listing_services.photo_process(upload(jpeg_with_gps(640, 480, 1))) for _ in "ab"]
    listing_services.listing_create(
        seller=me,
        title="Диван угловой раскладной",
        description="Раскладывается в полноценную кровать, есть ящик для белья.",
        price=125_000,
        negotiable=True,
        condition="used",
        city=City.objects.get(slug="almaty"),
        category=Category.objects.get(slug="furniture"),
        photos=photos,
    )
    theirs = ListingFactory(price=40_000)
    conversation, _ = chat_services.conversation_start(listing=theirs, buyer=me)
    chat_services.message_send(conversation_id=conversation.pk, sender=me, body="Здравствуйте!")
    deal_services.deal_start(listing_id=ListingFactory(price=30_000).pk, buyer=me)
    return me


@pytest.fixture
def server(tmp_path, marketplace):
    port = free_port()
    log_path = tmp_path / "daphne.log"
    with log_path.open("w") as log:
        process = daphne_process(port, log=log, **server_env(tmp_path / "media"))
    try:
        yield f"http://127.0.0.1:{port}", log_path
    finally:
        process.terminate()
        process.wait(timeout=10)


def access_token(base: str) -> str:
    request = urllib.request.Request(
        f"{base}/api/v1/users/login",
        data=json.dumps({"login": "fuzz@example.kz", "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=20) as response:
        return json.loads(response.read())["access"]


def members_only(base: str) -> list[str]:
    """The operations an anonymous caller cannot use (no `{}` among their security options)."""
    with urllib.request.urlopen(f"{base}/api/v1/schema/?format=json", timeout=20) as response:
        schema = json.loads(response.read())
    return sorted(
        operation["operationId"]
        for path in schema["paths"].values()
        for operation in path.values()
        if operation.get("security") and {} not in operation["security"]
    )


def schemathesis(base: str, workdir: Path, config: str, *options: str) -> tuple[int, str, float]:
    config_path = workdir / "schemathesis.toml"
    config_path.write_text(config)
    started = time.monotonic()
    result = subprocess.run(
        [
            str(SCHEMATHESIS),
            "--config-file",
            str(config_path),
            "--no-color",
            "run",
            f"{base}/api/v1/schema/",
            "--checks",
            "all",
            "--max-examples",
            str(MAX_EXAMPLES),
            "--workers",
            "2",
            "--request-timeout",
            "30",
            *options,
        ],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=900,
    )
    return result.returncode, result.stdout + result.stderr, time.monotonic() - started


@pytest.mark.parametrize("caller", ["anonymous", "with a token"])
def test_every_operation_answers_as_the_schema_says(server, tmp_path, caller):
    base, log_path = server
    if caller == "anonymous":
        # Members-only operations answer 401 before reading any input: the coverage phase's
        # thousand boundary values would all meet that one check. The fuzzing and stateful
        # phases still call them anonymously; the run with a token covers their input.
        config = CONFIG + ANONYMOUS.format(operation_ids=json.dumps(members_only(base)))
        options = []
    else:
        config = CONFIG
        options = ["--header", f"Authorization: Bearer {access_token(base)}"]
    code, report, seconds = schemathesis(base, tmp_path, config, *options)
    print(f"schemathesis, {caller}: {seconds:.0f} s\n{report}")
    assert code == 0, f"{report[-15000:]}\n--- server log ---\n{log_path.read_text()[-6000:]}"
