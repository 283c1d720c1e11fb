"""A request that finds every pooled connection busy gets a 503 with Retry-After, not a 500."""

import psycopg
import pytest
from django.db import connection
from django.test import Client, override_settings
from django.urls import path
from psycopg_pool import ConnectionPool

pytestmark = pytest.mark.django_db


def busy_view(request):
    """What Django does when its pool has no connection within the timeout: psycopg_pool's
    PoolTimeout, wrapped by Django as its OperationalError (made here with a real pool of one
    connection that is held)."""
    from django.db.utils import DatabaseErrorWrapper

    db = connection.settings_dict
    conninfo = psycopg.conninfo.make_conninfo(
        host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"]
    )
    pool = ConnectionPool(conninfo, min_size=1, max_size=1, timeout=0.2)
    with pool, pool.connection(), DatabaseErrorWrapper(connection):
        pool.getconn()  # the only connection is taken: waits 0.2 s, then PoolTimeout


urlpatterns = [path("busy/", busy_view), path("api/v1/busy/", busy_view)]


@override_settings(ROOT_URLCONF=__name__)
def test_the_page_and_the_api_say_busy_and_when_to_come_back():
    client = Client(raise_request_exception=False)
    page = client.get("/busy/")
    assert page.status_code == 503 and page["Retry-After"] == "5"
    assert "The site is busy" in page.text
    api = client.get("/api/v1/busy/")
    assert api.status_code == 503 and api["Retry-After"] == "5"
    assert api.json()["code"] == "server_busy" and api.json()["retry_after"] == 5
