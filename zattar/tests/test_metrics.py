"""/metrics: who may read it, and that what it reports moves with the site's traffic."""

import pytest
from django.db import connection
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from zattar import metrics
from zattar.metrics import JobsCollector


def scraped(client, **extra) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.content.decode())
        for s in family.samples
    }


# --- Who may read it ----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("address", ["127.0.0.1", "::1"])
def test_loopback_may_read_the_metrics(client, address):
    assert client.get("/metrics", REMOTE_ADDR=address).status_code == 200


@pytest.mark.parametrize("address", ["203.0.113.5", "10.0.0.7", "2001:db8::1"])
def test_other_addresses_get_a_404(client, address):
    response = client.get("/metrics", REMOTE_ADDR=address)
    assert response.status_code == 404
    assert b"django_http" not in response.content


@pytest.mark.django_db
def test_allowed_networks_are_cidr(client, settings):
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8", "2001:db8::/32"]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="2001:db8::7").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="11.0.0.1").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404


def test_behind_the_proxy_the_client_address_counts_not_the_proxys(client, settings):
    """nginx on the same machine is 127.0.0.1: what it forwards from outside is refused."""
    settings.TRUSTED_PROXY_COUNT = 1
    outside = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert outside.status_code == 404
    # a client's own X-Forwarded-For entry is further left and does not count either
    forged = client.get(
        "/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1, 203.0.113.5"
    )
    assert forged.status_code == 404


@pytest.mark.django_db
def test_behind_the_proxy_a_scraper_on_the_machine_itself_may_read(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1  # no X-Forwarded-For: the scraper came straight in
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200


@pytest.mark.django_db
def test_a_bearer_token_opens_it_from_anywhere(client, settings):
    settings.METRICS_TOKEN = "s3cret-scrape-token"
    away = {"REMOTE_ADDR": "203.0.113.5"}
    good = client.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape-token"}, **away)
    assert good.status_code == 200 and b"django_http" in good.content
    for wrong in ("Bearer nope", "Bearer ", "s3cret-scrape-token", "Basic s3cret-scrape-token"):
        assert client.get("/metrics", headers={"Authorization": wrong}, **away).status_code == 404


def test_without_a_token_set_no_token_opens_it(client, settings):
    settings.METRICS_TOKEN = ""
    response = client.get(
        "/metrics", headers={"Authorization": "Bearer "}, REMOTE_ADDR="203.0.113.5"
    )
    assert response.status_code == 404


def test_a_bad_allowed_address_stops_the_start():
    from zattar.testing import run_python

    result = run_python("import zattar.settings", METRICS_ALLOWED_IPS="127.0.0.1,localhost")
    assert result.returncode != 0 and "METRICS_ALLOWED_IPS" in result.stderr


# --- What it reports ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_requests_are_counted_by_view_and_status_with_their_latency_and_queries(client):
    before = scraped(client)
    client.get("/healthz")
    client.get("/")
    client.get("/no-such-page/")
    after = scraped(client)

    def moved(name, **labels):
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    by_status = "django_http_responses_total_by_status_view_method_total"
    assert moved(by_status, method="GET", status="200", view="healthz") == 1
    assert moved(by_status, method="GET", status="200", view="home") == 1
    assert moved(by_status, method="GET", status="404", view="<unnamed view>") == 1
    latency = "django_http_requests_latency_seconds_by_view_method_count"
    assert moved(latency, method="GET", view="home") == 1
    # the home page reads the database: its statements are counted (and timed)
    assert moved("django_db_execute_total", alias="default", vendor="postgresql") > 0


@pytest.mark.django_db
def test_each_query_is_counted_once_however_often_a_pooled_connection_is_borrowed(settings):
    """django-prometheus 2.4's own backend counts a query once more per borrow of the same
    pooled connection; zattar.db.postgresql wraps the cursor class once per pool."""
    from django.db import connections
    from django.db.utils import ConnectionHandler

    assert connection.settings_dict["ENGINE"] == "zattar.db.postgresql"
    pooled = {
        **connection.settings_dict,
        "OPTIONS": {**connection.settings_dict["OPTIONS"], "pool": {"min_size": 1, "max_size": 1}},
        "CONN_MAX_AGE": 0,
    }
    handler = ConnectionHandler({"default": pooled})
    database = handler["default"]
    executed = ("django_db_execute_total", {"alias": "default", "vendor": "postgresql"})
    try:
        for _borrow in range(4):
            with database.cursor() as cursor:  # warms the connection's set-up queries
                cursor.execute("SELECT 1")
            before = REGISTRY.get_sample_value(*executed)
            with database.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.execute("SELECT 2")
            assert REGISTRY.get_sample_value(*executed) - before == 2
            database.close()  # back to the pool: the next borrow gets the same connection
    finally:
        database.close_pool()
    assert connections["default"] is not database


def test_the_jobs_collector_tolerates_a_missing_table(db, monkeypatch):
    """Before procrastinate's migrations have run (a fresh deployment mid-migrate)."""
    monkeypatch.setattr(metrics, "JOBS_TABLE", "procrastinate_jobs_not_there")
    families = {family.name: family for family in JobsCollector().collect()}
    assert families["zattar_jobs_table_present"].samples[0].value == 0
    assert "zattar_jobs" not in families


@pytest.mark.django_db
def test_jobs_are_counted_by_queue_and_status_at_scrape_time(client):
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL")
        if not cursor.fetchone()[0]:  # before procrastinate is installed: its shape, enough
            cursor.execute(
                "CREATE TABLE procrastinate_jobs (id bigserial PRIMARY KEY,"
                " queue_name text NOT NULL, task_name text NOT NULL,"
                " status text NOT NULL DEFAULT 'todo')"
            )
        cursor.execute(
            "INSERT INTO procrastinate_jobs (queue_name, task_name, status) VALUES"
            " ('mail', 'deals.notify', 'todo'), ('mail', 'deals.notify', 'todo'),"
            " ('mail', 'deals.notify', 'failed'), ('payments', 'deals.settle', 'doing')"
        )
    metrics = scraped(client)
    assert metrics[("zattar_jobs_table_present", ())] == 1
    assert metrics[("zattar_jobs", (("queue", "mail"), ("status", "todo")))] == 2
    assert metrics[("zattar_jobs", (("queue", "mail"), ("status", "failed")))] == 1
    assert metrics[("zattar_jobs", (("queue", "mail"), ("status", "doing")))] == 0
    assert metrics[("zattar_jobs", (("queue", "payments"), ("status", "doing")))] == 1
