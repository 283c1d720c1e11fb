"""Reports: users report ads, users and chat messages; enough reports hold an ad; moderators
resolve them from the admin."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from chat import services as chat_services
from listings.models import Listing
from listings.tests.factories import ListingFactory
from moderation import services
from moderation.models import AuditEntry, ListingFlag, Report
from moderation.services import report_create, reports_resolve

pytestmark = pytest.mark.django_db

REPORTS = "/api/v1/reports"
REPORT_PAGE = reverse("moderation:report")
QUEUE = reverse("admin:moderation_peoplereport_changelist")


def old_user(**kwargs):
    return UserFactory(date_joined=timezone.now() - timedelta(days=30), **kwargs)


def api_as(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.fixture
def chat(db):
    """A buyer wrote to a seller, who answered; plus a stranger."""
    seller, buyer = old_user(), old_user()
    listing = ListingFactory(seller=seller)
    conversation, _ = chat_services.conversation_start(listing=listing, buyer=buyer)
    question = chat_services.message_send(
        conversation_id=conversation.pk, sender=buyer, body="Ещё продаёте?"
    ).message
    answer = chat_services.message_send(
        conversation_id=conversation.pk, sender=seller, body="Да, переведите на карту"
    ).message
    return {
        "seller": seller,
        "buyer": buyer,
        "stranger": old_user(),
        "conversation": conversation,
        "question": question,
        "answer": answer,
    }


# --- The API ------------------------------------------------------------------------------------


def test_a_signed_in_user_reports_an_ad_and_a_repeat_is_409():
    listing, reporter = ListingFactory(), UserFactory()
    api = api_as(reporter)
    body = {"target_type": "listing", "target_id": listing.pk, "reason": "fraud", "text": " X "}
    response = api.post(REPORTS, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["reason"] == "fraud" and response.json()["text"] == "X"
    report = Report.objects.get()
    assert (report.reporter, report.subject, report.target_id) == (
        reporter,
        listing.seller,
        listing.pk,
    )
    again = api.post(REPORTS, body, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_reported"
    other_reason = api.post(REPORTS, {**body, "reason": "spam"}, format="json")
    assert other_reason.status_code == 201
    assert Report.objects.count() == 2


def test_reporting_a_user_and_oneself():
    person, reporter = UserFactory(), UserFactory()
    api = api_as(reporter)
    ok = api.post(REPORTS, {"target_type": "user", "target_id": person.pk, "reason": "spam"})
    assert ok.status_code == 201
    assert Report.objects.get().subject == person
    me = api.post(REPORTS, {"target_type": "user", "target_id": reporter.pk, "reason": "spam"})
    assert me.status_code == 400 and me.json()["code"] == "invalid_report"
    inactive = UserFactory(is_active=False)
    gone = api.post(REPORTS, {"target_type": "user", "target_id": inactive.pk, "reason": "spam"})
    assert gone.status_code == 404 and gone.json()["code"] == "not_found"


def test_ones_own_ad_is_400_and_an_ad_nobody_sees_is_404():
    listing = ListingFactory()
    own = api_as(listing.seller).post(
        REPORTS, {"target_type": "listing", "target_id": listing.pk, "reason": "fraud"}
    )
    assert own.status_code == 400 and own.json()["code"] == "invalid_report"
    archived = ListingFactory(status=Listing.Status.ARCHIVED)
    api = api_as(UserFactory())
    for target_id in (archived.pk, 10**12):
        hidden = api.post(
            REPORTS, {"target_type": "listing", "target_id": target_id, "reason": "fraud"}
        )
        assert hidden.status_code == 404 and hidden.json()["code"] == "not_found"
    assert not Report.objects.exists()


def test_a_message_is_reported_by_its_recipient_only(chat):
    body = {"target_type": "message", "target_id": chat["answer"].pk, "reason": "fraud"}
    stranger = api_as(chat["stranger"]).post(REPORTS, body)
    assert stranger.status_code == 404 and stranger.json()["code"] == "not_found"
    # The sender sees his own message: reporting it is a 400, not a 404.
    sender = api_as(chat["seller"]).post(REPORTS, body)
    assert sender.status_code == 400 and sender.json()["code"] == "invalid_report"
    recipient = api_as(chat["buyer"]).post(REPORTS, body)
    assert recipient.status_code == 201
    report = Report.objects.get()
    assert report.subject == chat["seller"] and report.target_type == "message"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"target_type": "deal", "target_id": 1, "reason": "fraud"}, "target_type"),
        ({"target_type": "user", "target_id": 0, "reason": "fraud"}, "target_id"),
        ({"target_type": "user", "target_id": "x", "reason": "fraud"}, "target_id"),
        ({"target_type": "user", "target_id": 1, "reason": "rude"}, "reason"),
        ({"target_type": "user", "target_id": 1, "reason": "fraud", "text": "a" * 1001}, "text"),
        ({"target_type": "user", "target_id": 1, "reason": "fraud", "text": "a\x00b"}, "text"),
        ({"target_type": "user", "target_id": 1, "reason": "fraud", "text": 5}, "text"),
        ({"target_type": "user", "reason": "fraud"}, "target_id"),
    ],
)
def test_bad_input_is_400_naming_the_field(body, field):
    response = api_as(UserFactory()).post(REPORTS, body, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not Report.objects.exists()


def test_the_service_refuses_nul_bytes_and_long_text():
    person, reporter = UserFactory(), UserFactory()
    for text in ("bad\x00byte", "a" * 1001):
        with pytest.raises(services.InvalidReport):
            report_create(
                reporter=reporter, target_type="user", target_id=person.pk, reason="spam", text=text
            )


def test_anonymous_users_cannot_report():
    listing = ListingFactory()
    body = {"target_type": "listing", "target_id": listing.pk, "reason": "fraud"}
    assert APIClient().post(REPORTS, body).status_code == 401
    page = reverse("moderation:report") + f"?target_type=listing&target_id={listing.pk}"
    response = APIClient().get(page)
    assert response.status_code == 302 and "login" in response["Location"]


def test_report_creation_is_rate_limited(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "report_create": {"user": "2/h"}}
    api = api_as(UserFactory())
    people = UserFactory.create_batch(3)
    codes = [
        api.post(REPORTS, {"target_type": "user", "target_id": p.pk, "reason": "spam"}).status_code
        for p in people
    ]
    assert codes == [201, 201, 429]


def test_reasons_are_listed_with_labels():
    reasons = APIClient().get("/api/v1/reports/reasons").json()
    assert [r["value"] for r in reasons] == Report.Reason.values
    assert len(Report.Reason.values) == 8 and all(r["label"] for r in reasons)


def test_the_schema_documents_reports():
    schema = APIClient().get("/api/v1/schema/").content.decode()
    assert "/api/v1/reports" in schema and "wrong_category" in schema


# --- Holding an ad ------------------------------------------------------------------------------


def report_listing(listing, reporters, reason="fraud"):
    for reporter in reporters:
        report_create(reporter=reporter, target_type="listing", target_id=listing.pk, reason=reason)


def test_three_established_reporters_hold_the_ad_everywhere(client, settings):
    settings.REPORTS_TO_HOLD = 3
    listing = ListingFactory(title="Айфон почти даром")
    viewer = UserFactory()
    report_listing(listing, [old_user() for _ in range(3)])
    listing.refresh_from_db()
    assert listing.status == Listing.Status.ON_REVIEW
    flag = ListingFlag.objects.get(listing=listing)
    assert flag.code == ListingFlag.Code.REPORTS and flag.detail.startswith("3")
    audit = AuditEntry.objects.get()
    assert (audit.actor, audit.action, audit.target_id) == (None, "hold", listing.pk)
    assert audit.after["status"] == "on_review"
    # Out of search (page and API) and its page is 404 to others; the seller still sees it.
    search = client.get(reverse("listings:search"), {"q": "Айфон"})
    assert search.status_code == 200 and "Айфон почти даром" not in search.content.decode()
    ids = [row["id"] for row in APIClient().get("/api/v1/listings").json()["results"]]
    assert listing.pk not in ids
    assert APIClient().get(f"/api/v1/listings/{listing.pk}").status_code == 404
    client.force_login(viewer)
    assert client.get(listing.get_absolute_url()).status_code == 404
    client.force_login(listing.seller)
    assert client.get(listing.get_absolute_url()).status_code == 200


def test_two_reporters_do_not_hold_the_ad_nor_one_reporter_with_three_reasons(settings):
    settings.REPORTS_TO_HOLD = 3
    listing, another = ListingFactory(), ListingFactory()
    report_listing(listing, [old_user() for _ in range(2)])
    reporter = old_user()
    for reason in ("fraud", "spam", "other"):
        report_listing(another, [reporter], reason=reason)
    for ad in (listing, another):
        ad.refresh_from_db()
        assert ad.status == Listing.Status.ACTIVE
    assert not ListingFlag.objects.exists() and not AuditEntry.objects.exists()
    assert APIClient().get(f"/api/v1/listings/{listing.pk}").status_code == 200


def test_young_accounts_do_not_hold_the_ad(settings):
    settings.REPORTS_TO_HOLD, settings.REPORTER_MIN_AGE_HOURS = 3, 24
    listing = ListingFactory()
    young = [UserFactory(date_joined=timezone.now() - timedelta(hours=23)) for _ in range(5)]
    report_listing(listing, young)
    listing.refresh_from_db()
    assert listing.status == Listing.Status.ACTIVE
    # ... but their reports wait for moderators, and one established reporter more is not 3.
    report_listing(listing, [old_user()])
    listing.refresh_from_db()
    assert listing.status == Listing.Status.ACTIVE and Report.objects.count() == 6


def test_a_reserved_ad_is_reported_but_not_held(settings):
    settings.REPORTS_TO_HOLD = 1
    listing = ListingFactory(status=Listing.Status.RESERVED)
    report_listing(listing, [old_user()])
    listing.refresh_from_db()
    assert listing.status == Listing.Status.RESERVED and Report.objects.count() == 1


# --- Resolving ----------------------------------------------------------------------------------


def test_resolving_closes_every_open_report_on_the_target_with_one_audit_row():
    person, moderator = UserFactory(), UserFactory(is_staff=True)
    others = UserFactory()
    for reporter in UserFactory.create_batch(3):
        report_create(reporter=reporter, target_type="user", target_id=person.pk, reason="spam")
    elsewhere = report_create(
        reporter=UserFactory(), target_type="user", target_id=others.pk, reason="spam"
    )
    closed = reports_resolve(
        target_type="user",
        target_id=person.pk,
        moderator=moderator,
        resolution="upheld",
        note="warned",
    )
    assert closed == 3
    about = Report.objects.filter(target_id=person.pk, target_type="user")
    assert set(about.values_list("resolution", "resolved_by")) == {("upheld", moderator.pk)}
    assert not about.filter(resolved_at__isnull=True).exists()
    elsewhere.refresh_from_db()
    assert elsewhere.resolved_at is None
    audit = AuditEntry.objects.get()
    assert (audit.actor, audit.action, audit.reason) == (moderator, "resolve_report", "warned")
    assert audit.before["open"] == 3 and sorted(audit.before["report_ids"]) == sorted(
        about.values_list("pk", flat=True)
    )
    assert audit.after == {"open": 0, "resolution": "upheld"}
    # Nothing open any more: nothing to close, no second audit row.
    assert (
        reports_resolve(
            target_type="user", target_id=person.pk, moderator=moderator, resolution="dismissed"
        )
        == 0
    )
    assert AuditEntry.objects.count() == 1


def test_after_resolving_the_same_user_may_report_again():
    person, reporter, moderator = UserFactory(), UserFactory(), UserFactory(is_staff=True)
    report_create(reporter=reporter, target_type="user", target_id=person.pk, reason="spam")
    reports_resolve(
        target_type="user", target_id=person.pk, moderator=moderator, resolution="dismissed"
    )
    with pytest.raises(services.AlreadyReported):  # one report per user, target and reason
        report_create(reporter=reporter, target_type="user", target_id=person.pk, reason="spam")


# --- The pages ----------------------------------------------------------------------------------


def test_report_from_the_ad_page(client):
    listing, reporter = ListingFactory(), UserFactory()
    client.force_login(reporter)
    page = client.get(listing.get_absolute_url()).content.decode()
    link = f"{REPORT_PAGE}?target_type=listing&amp;target_id={listing.pk}"
    assert link in page
    form = client.get(link.replace("&amp;", "&"))
    assert form.status_code == 200 and 'name="reason"' in form.content.decode()
    data = {"target_type": "listing", "target_id": listing.pk, "reason": "prohibited"}
    response = client.post(REPORT_PAGE, {**data, "text": "Оружие", "next": "/search/"})
    assert response.status_code == 302 and response["Location"] == "/search/"
    report = Report.objects.get()
    assert (report.reason, report.text, report.subject) == ("prohibited", "Оружие", listing.seller)
    # A repeat shows the form again with the error; nothing new is saved.
    again = client.post(REPORT_PAGE, data)
    assert again.status_code == 200 and "alert" in again.content.decode()
    assert Report.objects.count() == 1


def test_the_report_page_refuses_unsafe_next_and_own_ads(client):
    listing, reporter = ListingFactory(), UserFactory()
    client.force_login(reporter)
    data = {"target_type": "listing", "target_id": listing.pk, "reason": "fraud"}
    response = client.post(REPORT_PAGE, {**data, "next": "https://evil.example/"})
    assert response["Location"] == listing.get_absolute_url()
    client.force_login(listing.seller)
    assert "Report this ad" not in client.get(listing.get_absolute_url()).content.decode()
    own = client.get(REPORT_PAGE, {"target_type": "listing", "target_id": listing.pk})
    assert own.status_code == 302 and Report.objects.count() == 1
    missing = client.get(REPORT_PAGE, {"target_type": "listing", "target_id": 10**12})
    assert missing.status_code == 404
    assert client.get(REPORT_PAGE, {"target_type": "listing"}).status_code == 404


def test_report_links_on_profile_and_incoming_chat_messages(client, chat):
    client.force_login(chat["buyer"])
    profile = client.get(reverse("accounts:profile", args=[chat["seller"].pk])).content.decode()
    assert f"target_type=user&amp;target_id={chat['seller'].pk}" in profile
    conversation = client.get(
        reverse("chat:conversation", args=[chat["conversation"].pk])
    ).content.decode()
    assert f"target_type=message&amp;target_id={chat['answer'].pk}" in conversation
    assert f"target_type=message&amp;target_id={chat['question'].pk}" not in conversation
    response = client.post(
        REPORT_PAGE,
        {"target_type": "message", "target_id": chat["answer"].pk, "reason": "fraud"},
    )
    assert response["Location"] == reverse("chat:conversation", args=[chat["conversation"].pk])
    assert Report.objects.get().subject == chat["seller"]
    mine = client.get(reverse("accounts:profile", args=[chat["buyer"].pk])).content.decode()
    assert "target_type=user" not in mine


# --- The admin queue ----------------------------------------------------------------------------


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_the_queue_shows_a_message_report_with_the_messages_around_it(superuser_client, chat):
    conversation = chat["conversation"]
    for n in range(7):
        sender = chat["buyer"] if n % 2 else chat["seller"]
        chat_services.message_send(
            conversation_id=conversation.pk, sender=sender, body=f"после {n}"
        )
    report = report_create(
        reporter=chat["buyer"],
        target_type="message",
        target_id=chat["answer"].pk,
        reason="fraud",
        text="<script>x</script>",
    )
    listing_report = report_create(
        reporter=chat["buyer"],
        target_type="listing",
        target_id=conversation.listing_id,
        reason="fraud",
    )
    queue = superuser_client.get(QUEUE)
    assert queue.status_code == 200
    rows = list(queue.context["cl"].result_list)
    assert rows == [report] and listing_report not in rows
    assert "&lt;script&gt;x&lt;/script&gt;" in queue.content.decode()
    assert list(superuser_client.get(QUEUE, {"about": "user"}).context["cl"].result_list) == []
    assert list(superuser_client.get(QUEUE, {"about": "message"}).context["cl"].result_list) == [
        report
    ]
    detail = superuser_client.get(
        reverse("admin:moderation_peoplereport_change", args=[report.pk])
    ).content.decode()
    assert "Ещё продаёте?" in detail and "Да, переведите на карту" in detail
    assert all(f"после {n}" in detail for n in range(5))
    assert "после 5" not in detail  # five after it, not more
    assert "&lt;script&gt;" in detail and "<script>x" not in detail
    assert 'name="_save"' not in detail  # read-only


def test_the_queue_shows_a_user_report_with_his_ads(superuser_client):
    person = UserFactory()
    ListingFactory(seller=person, title="Шуба норковая")
    report = report_create(
        reporter=UserFactory(), target_type="user", target_id=person.pk, reason="fraud"
    )
    detail = superuser_client.get(
        reverse("admin:moderation_peoplereport_change", args=[report.pk])
    ).content.decode()
    assert "Шуба норковая" in detail
    assert reverse("admin:accounts_user_change", args=[person.pk]) in detail


def test_queue_actions_close_every_open_report_on_the_target(superuser_client):
    person, another = UserFactory(), UserFactory()
    first, *_others = [
        report_create(reporter=r, target_type="user", target_id=person.pk, reason="spam")
        for r in UserFactory.create_batch(3)
    ]
    untouched = report_create(
        reporter=UserFactory(), target_type="user", target_id=another.pk, reason="spam"
    )
    response = superuser_client.post(
        QUEUE, {"action": "dismiss", "_selected_action": [first.pk]}, follow=True
    )
    assert response.status_code == 200
    about = Report.objects.filter(target_type="user", target_id=person.pk)
    assert set(about.values_list("resolution", flat=True)) == {"dismissed"}
    untouched.refresh_from_db()
    assert untouched.resolved_at is None
    assert list(response.context["cl"].result_list) == [untouched]
    assert AuditEntry.objects.filter(action="resolve_report").count() == 1
    superuser_client.post(QUEUE, {"action": "uphold", "_selected_action": [untouched.pk]})
    untouched.refresh_from_db()
    assert untouched.resolution == "upheld" and untouched.resolved_at is not None


def test_nobody_adds_edits_or_deletes_reports_in_the_admin(superuser_client):
    report = report_create(
        reporter=UserFactory(), target_type="user", target_id=UserFactory().pk, reason="spam"
    )
    add = superuser_client.get(reverse("admin:moderation_peoplereport_add"))
    assert add.status_code == 403
    delete = superuser_client.get(reverse("admin:moderation_peoplereport_delete", args=[report.pk]))
    assert delete.status_code == 403
    change = reverse("admin:moderation_peoplereport_change", args=[report.pk])
    superuser_client.post(change, {"reason": "other", "text": "changed"})
    report.refresh_from_db()
    assert (report.reason, report.text) == ("spam", "")
    history = superuser_client.get(reverse("admin:moderation_report_changelist"))
    assert history.status_code == 200 and "delete_selected" not in history.content.decode()


def test_a_staff_member_with_view_permission_only_cannot_resolve(client):
    moderator = UserFactory(is_staff=True)
    moderator.user_permissions.add(
        Permission.objects.get(codename="view_peoplereport", content_type__app_label="moderation")
    )
    report = report_create(
        reporter=UserFactory(), target_type="user", target_id=UserFactory().pk, reason="spam"
    )
    client.force_login(moderator)
    assert client.get(QUEUE).status_code == 200
    client.post(QUEUE, {"action": "dismiss", "_selected_action": [report.pk]})
    report.refresh_from_db()
    assert report.resolved_at is None


def test_the_queue_list_page_has_a_constant_number_of_queries(
    superuser_client, django_assert_num_queries
):
    def add_reports(n):
        for _ in range(n):
            report_create(
                reporter=UserFactory(),
                target_type="user",
                target_id=UserFactory().pk,
                reason="spam",
            )

    add_reports(2)
    superuser_client.get(QUEUE)  # warm the session and the content types
    with django_assert_num_queries(3) as few:
        superuser_client.get(QUEUE)
    add_reports(8)
    with django_assert_num_queries(len(few.captured_queries)):
        response = superuser_client.get(QUEUE)
    assert len(response.context["cl"].result_list) == 10
