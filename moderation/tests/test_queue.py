"""The moderators' queue: the Moderators group, ads on review, reject/approve, hidden reviews,
the audit log (helper queue)."""

import importlib
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.tests.factories import UserFactory
from deals import services as deal_services
from listings import services as listing_services
from listings.models import Listing
from listings.tests.factories import ListingFactory
from moderation.models import AuditEntry, ListingFlag, Report, TargetType

pytestmark = pytest.mark.django_db

QUEUE = "admin:moderation_listingonreview_changelist"


def ru(label) -> str:
    with translation.override("ru"):
        return str(label)


@pytest.fixture
def moderator(client):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(user)
    return user


def held(*, minutes_ago: int, code=ListingFlag.Code.CONTACTS, **fields) -> Listing:
    """An ad a rule put on review `minutes_ago`."""
    listing = ListingFactory(**fields)
    listing_services.listing_hold(listing_id=listing.pk)
    ListingFlag.objects.create(
        listing=listing,
        code=code,
        detail="+7 701 000 00 00",
        created_at=timezone.now() - timedelta(minutes=minutes_ago),
    )
    listing.refresh_from_db()
    return listing


def report(listing: Listing, text: str = "Просит предоплату на карту") -> Report:
    return Report.objects.create(
        reporter=UserFactory(),
        target_type=TargetType.LISTING,
        target_id=listing.pk,
        subject=listing.seller,
        reason=Report.Reason.FRAUD,
        text=text,
    )


def decide(client, listing: Listing, **data):
    return client.post(reverse("admin:moderation_listingonreview_decide", args=[listing.pk]), data)


# --- the group ---------------------------------------------------------------------------


def test_the_moderators_group_has_exactly_the_listed_permissions():
    migration = importlib.import_module("moderation.migrations.0004_moderators_group")
    group = Group.objects.get(name="Moderators")
    granted = {(p.content_type.app_label, p.codename) for p in group.permissions.all()}
    assert granted == set(migration.PERMISSIONS)
    assert not any(codename.startswith("change_user") for _, codename in granted)


def test_a_moderator_cannot_touch_users_groups_ads_audit_or_jobs(client, moderator):
    other = UserFactory()
    ad = ListingFactory()
    assert moderator.is_staff and not moderator.is_superuser
    # users: seen, never changed (no password form, no permissions, no staff status)
    user_page = reverse("admin:accounts_user_change", args=[other.pk])
    assert client.get(user_page).status_code == 200
    assert 'name="is_superuser"' not in client.get(user_page).text
    response = client.post(user_page, {"email": other.email, "is_staff": "on"})
    assert response.status_code == 403
    password = reverse("admin:auth_user_password_change", args=[other.pk])
    assert client.get(password).status_code == 403
    # groups: not even seen
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 403
    group = Group.objects.get(name="Moderators")
    assert client.get(reverse("admin:auth_group_change", args=[group.pk])).status_code == 403
    # ads: seen, not deleted, not edited
    assert client.get(reverse("admin:listings_listing_change", args=[ad.pk])).status_code == 200
    assert client.post(reverse("admin:listings_listing_delete", args=[ad.pk])).status_code == 403
    assert Listing.objects.filter(pk=ad.pk).exists()
    # background jobs: not seen, not retried
    assert client.get(reverse("admin:procrastinate_procrastinatejob_changelist")).status_code == 403
    moderator = type(moderator).objects.get(pk=moderator.pk)  # fresh permission cache
    assert not moderator.has_perm("procrastinate.change_procrastinatejob")
    assert not moderator.has_perm("moderation.change_auditentry")
    other.refresh_from_db()
    assert not other.is_staff


def test_staff_outside_the_group_get_403_on_the_queue(client):
    listing = held(minutes_ago=5)
    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse(QUEUE)).status_code == 403
    change = reverse("admin:moderation_listingonreview_change", args=[listing.pk])
    assert client.get(change).status_code == 403
    assert decide(client, listing, decision="approve").status_code == 403
    listing.refresh_from_db()
    assert listing.status == Listing.Status.ON_REVIEW
    assert not AuditEntry.objects.exists()


def test_deciding_on_an_ad_asks_the_permission_of_each_decision(client):
    """The queue's permission approves and rejects; banning the seller from it needs the ban
    permission too, as the users' list does (the form is not even shown without it)."""
    listing = held(minutes_ago=5)
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_listingonreview", "moderate_listing"])
    )
    client.force_login(staff)
    page = client.get(reverse("admin:moderation_listingonreview_change", args=[listing.pk]))
    assert page.status_code == 200 and 'value="ban"' not in page.text
    banned = decide(client, listing, decision="ban", **{"ban-reason": "fraud"})
    assert banned.status_code == 403
    listing.seller.refresh_from_db()
    assert listing.seller.is_active and not AuditEntry.objects.exists()


def test_a_bad_note_stops_an_approval_and_says_why(client, moderator):
    listing = held(minutes_ago=5)
    response = decide(client, listing, decision="approve", **{"approve-note": "x" * 2001})
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.status == Listing.Status.ON_REVIEW and not AuditEntry.objects.exists()


def test_the_decide_page_acts_only_on_ads_on_review(client, moderator):
    live = ListingFactory()
    response = decide(client, live, decision="reject", **{"reject-reason": "fraud"})
    assert response.status_code == 302
    live.refresh_from_db()
    assert live.status == Listing.Status.ACTIVE and not AuditEntry.objects.exists()


# --- the queue ---------------------------------------------------------------------------


def test_the_queue_lists_held_ads_oldest_first_with_their_reasons(client, moderator):
    newer = held(minutes_ago=5, title="Новое объявление на проверке")
    older = held(minutes_ago=90, code=ListingFlag.Code.BANNED_WORD, title="Старое объявление")
    report(older)
    report(older, text="Второй")
    ListingFactory(title="Активное объявление")
    page = client.get(reverse(QUEUE))
    assert page.status_code == 200
    text = page.text
    assert text.index(older.title) < text.index(newer.title)
    assert "Активное объявление" not in text
    assert ru(ListingFlag.Code.BANNED_WORD.label) in text
    assert ru(ListingFlag.Code.CONTACTS.label) in text
    rows = page.context["cl"].result_list
    assert [row.pk for row in rows] == [older.pk, newer.pk]
    assert [row.open_report_count for row in rows] == [2, 0]


def test_the_queue_page_takes_the_same_queries_for_any_number_of_ads(
    client, moderator, django_assert_num_queries
):
    for minutes in (10, 20):
        report(held(minutes_ago=minutes))
    # session+user, the moderator's permissions (user's and group's), the count for the
    # paginator, the page's rows, their open flags
    with django_assert_num_queries(6):
        assert client.get(reverse(QUEUE)).status_code == 200
    for minutes in (30, 40, 50):
        report(held(minutes_ago=minutes))
    with django_assert_num_queries(6):
        assert len(client.get(reverse(QUEUE)).context["cl"].result_list) == 5


def test_the_ad_page_shows_every_reason_reports_and_the_original(client, moderator):
    original = ListingFactory(title="Оригинал с фотографией")
    copy = held(minutes_ago=3, code=ListingFlag.Code.PHOTO_COPY)
    ListingFlag.objects.filter(listing=copy).update(original=original)
    report(copy, text="Фото украдено у другого продавца")
    page = client.get(reverse("admin:moderation_listingonreview_change", args=[copy.pk]))
    assert page.status_code == 200
    assert copy.description in page.text and copy.seller.email in page.text
    assert "Фото украдено у другого продавца" in page.text
    assert reverse("admin:listings_listing_change", args=[original.pk]) in page.text
    assert reverse("admin:accounts_user_change", args=[copy.seller_id]) in page.text
    assert 'value="approve"' in page.text and 'value="reject"' in page.text
    assert 'value="ban"' in page.text and "csrfmiddlewaretoken" in page.text


def test_approving_puts_the_ad_in_search_and_closes_its_reasons(client, moderator):
    listing = held(minutes_ago=10, title="Самокат электрический Xiaomi")
    report(listing)
    response = decide(client, listing, decision="approve", **{"approve-note": "Номер убран"})
    assert response.status_code == 302 and response.url == reverse(QUEUE)
    listing.refresh_from_db()
    assert listing.status == Listing.Status.ACTIVE
    assert not ListingFlag.objects.filter(listing=listing, resolved_at__isnull=True).exists()
    assert not Report.objects.filter(target_id=listing.pk, resolved_at__isnull=True).exists()
    found = client.get(reverse("listings:search"), {"q": "самокат xiaomi"})
    assert listing.get_absolute_url() in found.text
    closed = AuditEntry.objects.get(action="resolve_report")
    assert closed.after["resolution"] == "dismissed" and closed.before["open"] == 1
    entry = AuditEntry.objects.get(action="approve")
    assert (entry.actor, entry.action, entry.target_id) == (moderator, "approve", listing.pk)
    assert entry.before["status"] == "on_review" and entry.after["status"] == "active"
    assert entry.reason == "Номер убран"
    assert listing.title not in client.get(reverse(QUEUE)).text


def test_rejecting_tells_the_seller_why_and_resubmitting_puts_it_back_on_review(
    client, moderator, run_jobs
):
    listing = held(minutes_ago=10)
    response = decide(
        client,
        listing,
        decision="reject",
        **{"reject-reason": "contacts", "reject-note": "Уберите телефон из описания"},
    )
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.status == Listing.Status.REJECTED
    assert (listing.rejection_reason, listing.rejection_note) == (
        "contacts",
        "Уберите телефон из описания",
    )
    entry = AuditEntry.objects.get()
    assert entry.action == "reject" and entry.after["status"] == "rejected"
    # the e-mail: a job deferred with the decision, sent by the worker
    assert mail.outbox == []
    assert run_jobs() == ["zattar.send_email"]
    (message,) = mail.outbox
    assert message.to == [listing.seller.email]
    assert "Уберите телефон из описания" in message.body
    assert reverse("listings:edit", args=[listing.pk]) in message.body
    # My ads
    client.force_login(listing.seller)
    my_ads = client.get(reverse("listings:my_ads"), {"status": "rejected"})
    assert "Уберите телефон из описания" in my_ads.text
    # edited and resubmitted through the edit page: on review again, back in the queue
    edit = client.post(
        reverse("listings:edit", args=[listing.pk]),
        {
            "title": listing.title,
            "category": "bicycles",
            "description": "Хорошее состояние, пишите в чат на сайте, самовывоз из центра.",
            "price": "50000",
            "condition": "used",
            "city": "almaty",
        },
    )
    assert edit.status_code == 302
    listing.refresh_from_db()
    assert listing.status == Listing.Status.ON_REVIEW
    assert ListingFlag.objects.filter(
        listing=listing, code=ListingFlag.Code.RESUBMITTED, resolved_at__isnull=True
    ).exists()
    client.force_login(moderator)
    assert listing.title in client.get(reverse(QUEUE)).text


def test_the_rejection_mail_is_written_in_the_sellers_language(client, moderator, run_jobs):
    listing = held(minutes_ago=10)
    type(listing.seller).objects.filter(pk=listing.seller_id).update(language="kk")
    decide(client, listing, decision="reject", **{"reject-reason": "contacts"})
    run_jobs()
    (message,) = mail.outbox
    with translation.override("kk"):
        assert message.subject == gettext("Zattar: your ad was rejected")
    with translation.override("ru"):
        assert message.subject != gettext("Zattar: your ad was rejected")


def test_rejecting_without_a_reason_changes_nothing(client, moderator):
    listing = held(minutes_ago=10)
    response = decide(client, listing, decision="reject", **{"reject-note": "?"})
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.status == Listing.Status.ON_REVIEW
    assert not AuditEntry.objects.exists()


def test_a_decision_on_an_ad_already_decided_is_refused(client, moderator):
    listing = held(minutes_ago=10)
    decide(client, listing, decision="approve")
    response = decide(client, listing, decision="approve")  # a second moderator, too late
    assert response.status_code == 302
    assert response.url == reverse("admin:moderation_listingonreview_change", args=[listing.pk])
    listing.refresh_from_db()
    assert listing.status == Listing.Status.ACTIVE
    assert AuditEntry.objects.count() == 1


def test_a_failed_decision_leaves_no_audit_row(client, moderator, monkeypatch):
    from moderation import services

    listing = held(minutes_ago=10)

    def mail_fails(listing):
        raise RuntimeError("after the audit row")

    monkeypatch.setattr(services, "_rejection_mail", mail_fails)
    with pytest.raises(RuntimeError):
        services.listing_reject_reviewed(listing_id=listing.pk, moderator=moderator, reason="fraud")
    listing.refresh_from_db()
    assert listing.status == Listing.Status.ON_REVIEW
    assert not AuditEntry.objects.exists()
    assert ListingFlag.objects.filter(listing=listing, resolved_at__isnull=True).exists()


# --- the ad admin ------------------------------------------------------------------------


def test_the_ad_admin_cannot_set_a_reserved_ad_active(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    listing = ListingFactory()
    deal_services.deal_start(listing_id=listing.pk, buyer=UserFactory())
    client.force_login(admin)
    change = reverse("admin:listings_listing_change", args=[listing.pk])
    assert 'name="status"' not in client.get(change).text
    form = client.get(change).context["adminform"].form
    assert "status" not in form.fields
    changelist = reverse("admin:listings_listing_changelist")
    for action in ("approve", "hold"):
        client.post(changelist, {"action": action, "_selected_action": [listing.pk]})
        listing.refresh_from_db()
        assert listing.status == Listing.Status.RESERVED
    assert not AuditEntry.objects.exists()


def test_a_moderator_holds_an_active_ad_from_the_ad_admin(client, moderator):
    listing = ListingFactory()
    changelist = reverse("admin:listings_listing_changelist")
    client.post(changelist, {"action": "hold", "_selected_action": [listing.pk]})
    listing.refresh_from_db()
    assert listing.status == Listing.Status.ON_REVIEW
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.before["status"], entry.after["status"]) == (
        "hold",
        "active",
        "on_review",
    )
    asks = client.post(changelist, {"action": "reject", "_selected_action": [listing.pk]})
    assert asks.status_code == 200 and 'name="reason"' in asks.text
    client.post(
        changelist,
        {
            "action": "reject",
            "_selected_action": [listing.pk],
            "_confirm": "1",
            "reason": "prohibited",
            "note": "",
        },
    )
    listing.refresh_from_db()
    assert listing.status == Listing.Status.REJECTED
    assert listing.rejection_reason == "prohibited"


# --- the audit log -----------------------------------------------------------------------


def test_nobody_edits_the_audit_log_not_even_a_superuser(client, moderator):
    listing = held(minutes_ago=1)
    decide(client, listing, decision="approve")
    entry = AuditEntry.objects.get()
    change = reverse("admin:moderation_auditentry_change", args=[entry.pk])
    page = client.get(change)  # moderators read it
    assert page.status_code == 200 and "&quot;on_review&quot;" in page.text
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(reverse("admin:moderation_auditentry_changelist")).status_code == 200
    response = client.post(
        change,
        {"action": "ban", "reason": "forged", "target_id": "1", "before": "{}", "after": "{}"},
    )
    assert response.status_code == 403
    assert client.get(reverse("admin:moderation_auditentry_add")).status_code == 403
    delete = reverse("admin:moderation_auditentry_delete", args=[entry.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    entry.refresh_from_db()
    assert (entry.action, entry.reason, entry.target_id) == ("approve", "", listing.pk)


def test_the_database_refuses_to_change_or_delete_an_audit_entry(client, moderator):
    """Beyond the admin: code or SQL cannot rewrite the log either (a trigger refuses)."""
    from django.db import DatabaseError, transaction

    decide(client, held(minutes_ago=1), decision="approve")
    entry = AuditEntry.objects.get()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(reason="forged")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        entry.delete()
    entry.refresh_from_db()
    assert entry.reason == ""


def test_the_audit_log_is_filtered_by_action_and_searched_by_target(client, moderator):
    first = held(minutes_ago=2, title="Первое объявление")
    second = held(minutes_ago=1, title="Второе объявление")
    decide(client, first, decision="approve")
    decide(client, second, decision="reject", **{"reject-reason": "fraud"})
    changelist = reverse("admin:moderation_auditentry_changelist")
    rejected = client.get(changelist, {"action__exact": "reject"}).context["cl"].result_list
    assert [entry.target_id for entry in rejected] == [second.pk]
    found = client.get(changelist, {"q": str(first.pk)}).context["cl"].result_list
    assert [entry.target_id for entry in found] == [first.pk]


# --- reviews and disputes ----------------------------------------------------------------


def completed_deal(seller, rating: int, text: str):
    deal = deal_services.deal_start(
        listing_id=ListingFactory(seller=seller).pk, buyer=UserFactory()
    )
    details = {"tracking_number": "KZ1", "carrier": "Kazpost"}
    deal_services.deal_transition(deal_id=deal.pk, target="SHIPPED", actor=seller, **details)
    deal_services.deal_transition(deal_id=deal.pk, target="COMPLETED", actor=deal.buyer)
    return deal_services.review_leave(deal_id=deal.pk, author=deal.buyer, rating=rating, text=text)


def test_a_hidden_review_leaves_the_profile_and_the_rating(client, moderator):
    seller = UserFactory()
    completed_deal(seller, 5, "Отличный продавец")
    rude = completed_deal(seller, 1, "Грубое оскорбление")
    seller.refresh_from_db()
    assert (float(seller.rating_avg), seller.rating_count) == (3.0, 2)
    changelist = reverse("admin:deals_review_changelist")
    asks = client.post(changelist, {"action": "hide", "_selected_action": [rude.pk]})
    assert asks.status_code == 200 and 'name="reason"' in asks.text
    client.post(
        changelist,
        {"action": "hide", "_selected_action": [rude.pk], "_confirm": "1", "reason": "Мат"},
    )
    rude.refresh_from_db()
    seller.refresh_from_db()
    assert rude.hidden_at and rude.hidden_by == moderator and rude.hidden_reason == "Мат"
    assert (float(seller.rating_avg), seller.rating_count) == (5.0, 1)
    profile = client.get(reverse("accounts:profile", args=[seller.pk])).text
    assert "Отличный продавец" in profile and "Грубое оскорбление" not in profile
    client.post(changelist, {"action": "show", "_selected_action": [rude.pk]})
    seller.refresh_from_db()
    assert (float(seller.rating_avg), seller.rating_count) == (3.0, 2)
    actions = list(AuditEntry.objects.order_by("id").values_list("action", "reason"))
    assert actions == [("hide_review", "Мат"), ("show_review", "")]


def test_reviews_are_never_deleted_in_the_admin(client):
    review = completed_deal(UserFactory(), 4, "Нормально")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    delete = reverse("admin:deals_review_delete", args=[review.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    changelist = reverse("admin:deals_review_changelist")
    client.post(changelist, {"action": "delete_selected", "_selected_action": [review.pk]})
    assert type(review).objects.filter(pk=review.pk).exists()


def test_resolving_a_dispute_writes_an_audit_row(client, moderator):
    deal = deal_services.deal_start(listing_id=ListingFactory().pk, buyer=UserFactory())
    deal_services.deal_transition(
        deal_id=deal.pk, target="DISPUTED", actor=deal.buyer, reason="Брак"
    )
    client.post(
        reverse("admin:deals_safedeal_changelist"),
        {"action": "resolve_cancelled", "_selected_action": [deal.pk], "note": "Возврат"},
    )
    deal.refresh_from_db()
    assert deal.status == "CANCELLED"
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.target_type, entry.target_id, entry.actor) == (
        "resolve_dispute",
        "deal",
        deal.pk,
        moderator,
    )
    assert entry.before == {"status": "DISPUTED"} and entry.after == {"status": "CANCELLED"}
    assert entry.reason == "Возврат"
