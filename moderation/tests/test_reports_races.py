"""Reports racing on PostgreSQL: a repeated report is saved once; reporters racing on one ad
hold it once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from deals.tests.test_concurrency import race
from listings.models import Listing
from listings.tests.factories import ListingFactory
from moderation.errors import AlreadyReported, ReportTargetNotFound
from moderation.models import AuditEntry, ListingFlag, Report
from moderation.services import report_create

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_same_report_sent_at_once_is_saved_once():
    person, reporter = UserFactory(), UserFactory()

    def send():
        return report_create(
            reporter=reporter, target_type="user", target_id=person.pk, reason="fraud"
        )

    results = race([send] * 4)
    assert sum(isinstance(r, Report) for r in results) == 1
    assert sum(isinstance(r, AlreadyReported) for r in results) == 3
    assert Report.objects.count() == 1


def test_reporters_racing_on_one_ad_hold_it_once(settings):
    settings.REPORTS_TO_HOLD = 3
    listing = ListingFactory()
    joined = timezone.now() - timedelta(days=10)
    reporters = [UserFactory(date_joined=joined) for _ in range(5)]
    results = race(
        [
            lambda r=r: report_create(
                reporter=r, target_type="listing", target_id=listing.pk, reason="fraud"
            )
            for r in reporters
        ]
    )
    # The ad's row is locked: three reports hold it, and the later two find it gone from view.
    assert sum(isinstance(r, Report) for r in results) == 3, results
    assert sum(isinstance(r, ReportTargetNotFound) for r in results) == 2, results
    listing.refresh_from_db()
    assert listing.status == Listing.Status.ON_REVIEW
    assert ListingFlag.objects.filter(listing=listing, code="reports").count() == 1
    assert AuditEntry.objects.filter(action="hold", target_id=listing.pk).count() == 1
