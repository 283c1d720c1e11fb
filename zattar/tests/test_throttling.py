"""The rate-limit mechanism (zattar.throttling): rates, the client address, the windows."""

import os
import subprocess
import sys

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import PASSWORD
from zattar import throttling
from zattar.testing import private_redis
from zattar.throttling import Rate, client_ip, parse_rate

REGISTER = "/api/v1/users/register"


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("10/h", Rate(limit=10, seconds=3600)),
        ("30/15m", Rate(limit=30, seconds=900)),
        (" 5/D ", Rate(limit=5, seconds=86400)),
        ("off", None),
        ("", None),
    ],
)
def test_rates_read_as_count_per_period(text, rate):
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["10", "ten/h", "10/w", "0/h", "10/0m", "10/h/2"])
def test_a_malformed_rate_is_a_configuration_error(text):
    with pytest.raises(ImproperlyConfigured):
        parse_rate(text)


def test_every_configured_rate_reads(settings):
    for action, limits in settings.RATE_LIMITS.items():
        assert set(limits) <= {"ip", "user"}, action
        for text in limits.values():
            assert parse_rate(text) is not None


def test_limits_and_image_bounds_are_read_from_the_environment():
    code = (
        "import zattar.settings as s; "
        "print(s.RATE_LIMITS['ad_create']['user'], s.RATE_LIMITS['login']['ip'], "
        "s.TRUSTED_PROXY_COUNT, s.IMAGE_MAX_PIXELS, s.IMAGE_DECODE_WAIT_SECONDS)"
    )
    environment = {
        **os.environ,
        "RATE_LIMIT_AD_CREATE_USER": "5/d",
        "RATE_LIMIT_LOGIN_IP": "off",
        "TRUSTED_PROXY_COUNT": "1",
        "IMAGE_MAX_PIXELS": "12000000",
        "IMAGE_DECODE_WAIT_SECONDS": "0.5",
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=environment,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == ["5/d", "off", "1", "12000000", "0.5"], result.stderr


def test_every_limit_is_documented_in_env_example(settings):
    documented = (settings.BASE_DIR / ".env.example").read_text()
    for action, limits in settings.RATE_LIMITS.items():
        for who, rate in limits.items():
            assert f"# RATE_LIMIT_{action.upper()}_{who.upper()}={rate}\n" in documented
    for name in ["TRUSTED_PROXY_COUNT", "IMAGE_MAX_PIXELS", "IMAGE_DECODE_CONCURRENCY"]:
        assert f"# {name}=" in documented


def test_an_unknown_action_is_refused_when_a_view_is_decorated():
    with pytest.raises(ImproperlyConfigured):
        throttling.rate_limit("no_such_action")


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "192.0.2.1", "10.0.0.2"),  # no proxy trusted: the header is the client's word
        (1, "192.0.2.1", "192.0.2.1"),
        (1, "198.51.100.9, 192.0.2.1", "192.0.2.1"),  # the left entry was sent by the client
        (2, "192.0.2.1, 10.0.0.9", "192.0.2.1"),  # a CDN and nginx
        (2, "10.0.0.9", "10.0.0.2"),  # fewer hops than trusted: do not guess
        (1, "not-an-address", "10.0.0.2"),
        (1, "2001:DB8::1", "2001:db8::1"),
    ],
)
def test_the_client_address_believes_only_trusted_proxies(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


@pytest.mark.django_db
def test_retry_after_is_the_rest_of_the_window(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "register": {"ip": "1/h"}}
    api = APIClient()
    start = timezone.now().replace(minute=40, second=0, microsecond=0)
    with time_machine.travel(start, tick=False):
        api.post(REGISTER, {"email": "x"}, format="json")
        refused = api.post(REGISTER, {"email": "x"}, format="json")
    assert refused.status_code == 429
    assert refused.json()["retry_after"] == 20 * 60 and refused["Retry-After"] == "1200"
    assert "20" in refused.json()["detail"]


@pytest.mark.django_db(transaction=True)
def test_with_the_cache_down_the_limits_let_requests_through():
    with private_redis() as redis:
        redis.stop()
        response = APIClient().post(
            REGISTER,
            {"email": "a@example.kz", "phone": "87015550000", "password": PASSWORD, "name": "A"},
            format="json",
        )
    assert response.status_code == 201
    assert User.objects.count() == 1
