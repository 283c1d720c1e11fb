import re

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/", "/search/?q=x"])
def test_every_script_carries_the_csp_nonce(client, path):
    response = client.get(path)
    policy = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    scripts = re.findall(r"<script\b[^>]*>", response.text)
    assert scripts, "the page has the splash script"
    for tag in scripts:
        assert f'nonce="{nonce}"' in tag, tag
        if "src=" in tag:
            assert " defer" in tag, tag  # no script holds the first paint
    assert "cdn" not in " ".join(scripts).lower()


def test_htmx_is_loaded_only_where_it_is_used(client):
    from accounts.tests.factories import UserFactory

    assert "django_htmx/htmx-2" not in client.get("/").text  # anonymous home: plain links
    assert "django_htmx/htmx-2" in client.get("/search/?q=x").text  # live filters
    client.force_login(UserFactory())
    assert "django_htmx/htmx-2" in client.get("/").text  # favourites toggle in place


def test_splash_is_in_the_page_but_hidden_without_javascript(client):
    response = client.get("/")
    assert 'id="splash"' in response.text
    css = client.get("/static/css/app.css")
    body = b"".join(css.streaming_content) if css.streaming else css.content
    assert b".splash { display: none; }" in body
    assert b"prefers-reduced-motion" in body


def test_htmx_requests_send_the_csrf_token(client):
    response = client.get("/")
    assert 'hx-headers=\'{"X-CSRFToken": "' in response.text


def test_russian_is_the_default_language(client):
    response = client.get("/")
    assert 'lang="ru"' in response.text


@pytest.mark.parametrize("code", ["ru", "kk", "en"])
def test_header_offers_every_language(client, code):
    assert f'value="{code}"' in client.get("/").text


def test_the_benchmark_floor_is_not_mounted_outside_benchmarks(client):
    # /bench/floor/ would be a category x city landing page: none by that name
    assert client.get("/bench/floor", follow=True).status_code == 404


@pytest.mark.urls("bench.routes")
def test_the_benchmark_floor_answers_through_the_middleware(client):
    response = client.get("/bench/floor")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert "Content-Security-Policy" in response  # the whole stack ran
