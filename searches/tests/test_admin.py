"""The admin shows saved searches and their pairs, read-only."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from searches.tests.factories import SavedSearchFactory

pytestmark = pytest.mark.django_db


def test_the_admin_lists_saved_searches_read_only(client):
    search = SavedSearchFactory(name="Диван угловой", q="диван")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:searches_savedsearch_changelist"))
    assert page.status_code == 200 and "Диван угловой" in page.content.decode()
    assert client.get(reverse("admin:searches_savedsearchhit_changelist")).status_code == 200
    detail = client.get(reverse("admin:searches_savedsearch_change", args=[search.pk]))
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()
    assert client.get(reverse("admin:searches_savedsearch_add")).status_code == 403
