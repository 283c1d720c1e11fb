"""Bans one rule at a time: who cannot be banned, what a ban and its lifting change (and what
they leave alone), the audit row in the same transaction, the admin's ways to ban, and the
login and password-reset paths of a banned account."""

import re

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory
from deals import services as deal_services
from deals.models import SafeDeal
from deals.transitions import Status as DealStatus
from listings.models import Listing
from listings.tests.factories import ListingFactory
from moderation import services
from moderation.errors import AlreadyBanned, CannotBan, NotBanned
from moderation.models import AuditEntry, Ban

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator():
    user = UserFactory(is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label__in=["accounts", "moderation"],
            codename__in=["view_user", "change_user", "add_ban", "view_ban"],
        )
    )
    return user


def ban(user, moderator, reason=Ban.Reason.FRAUD, note=""):
    return services.user_ban(user_id=user.pk, moderator=moderator, reason=reason, note=note)


@pytest.mark.parametrize(
    "target", ["staff", "superuser", "self"], ids=["staff", "superuser", "oneself"]
)
def test_staff_superusers_and_oneself_cannot_be_banned(target, moderator):
    user = {
        "staff": lambda: UserFactory(is_staff=True),
        "superuser": lambda: UserFactory(is_staff=True, is_superuser=True),
        "self": lambda: moderator,
    }[target]()
    with pytest.raises(CannotBan):
        ban(user, moderator)
    user.refresh_from_db()
    assert user.is_active
    assert not Ban.objects.exists() and not AuditEntry.objects.exists()


def test_a_second_ban_is_409_and_lifting_a_missing_ban_too(moderator):
    user = UserFactory()
    ban(user, moderator)
    with pytest.raises(AlreadyBanned) as twice:
        ban(user, moderator, reason=Ban.Reason.SPAM)
    assert twice.value.status_code == 409 and twice.value.code == "already_banned"
    services.user_unban(user_id=user.pk, moderator=moderator)
    with pytest.raises(NotBanned) as again:
        services.user_unban(user_id=user.pk, moderator=moderator)
    assert again.value.code == "not_banned"
    assert Ban.objects.filter(user=user).count() == 1


def test_a_ban_needs_a_reason_from_the_list(moderator):
    with pytest.raises(CannotBan):
        ban(UserFactory(), moderator, reason="because")


def test_a_failing_step_leaves_neither_the_ban_nor_its_audit_row(moderator, monkeypatch):
    user = UserFactory()
    ad = ListingFactory(seller=user)

    def broken(*args, **kwargs):
        raise RuntimeError("the deals are unavailable")

    monkeypatch.setattr(services, "_open_deals_dispute", broken)
    with pytest.raises(RuntimeError):
        ban(user, moderator)
    user.refresh_from_db()
    ad.refresh_from_db()
    assert user.is_active and ad.status == Listing.Status.ACTIVE
    assert not Ban.objects.exists() and not AuditEntry.objects.exists()


def test_a_banned_buyers_open_deal_goes_to_the_disputes_queue_and_closed_ones_stay(moderator):
    buyer = UserFactory()
    open_deal = deal_services.deal_start(listing_id=ListingFactory().pk, buyer=buyer)
    shipped = deal_services.deal_start(listing_id=ListingFactory().pk, buyer=buyer)
    deal_services.deal_transition(
        deal_id=shipped.pk,
        actor=shipped.seller,
        target=DealStatus.SHIPPED,
        tracking_number="KZ1",
        carrier="Kazpost",
    )
    done = deal_services.deal_start(listing_id=ListingFactory().pk, buyer=buyer)
    deal_services.deal_transition(
        deal_id=done.pk, actor=buyer, target=DealStatus.CANCELLED, reason="Передумал"
    )
    ban(buyer, moderator)
    statuses = dict(SafeDeal.objects.values_list("pk", "status"))
    assert statuses == {
        open_deal.pk: DealStatus.DISPUTED,
        shipped.pk: DealStatus.DISPUTED,
        done.pk: DealStatus.CANCELLED,
    }
    event = SafeDeal.objects.get(pk=open_deal.pk).events.latest("pk")
    assert event.role == "system" and event.actor is None
    entry = AuditEntry.objects.get(action=AuditEntry.Action.BAN)
    assert entry.after["disputed_deals"] == [open_deal.pk, shipped.pk]


def test_the_admins_active_switch_bans_and_lifts_the_ban(client, moderator):
    user = UserFactory()
    ad = ListingFactory(seller=user)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    change = reverse("admin:accounts_user_change", args=[user.pk])
    form = {
        "email": user.email,
        "phone": user.phone,
        "name": "Новое имя",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "10:00:00",
    }
    assert client.post(change, form).status_code == 302  # "active" unticked
    user.refresh_from_db()
    ad.refresh_from_db()
    assert not user.is_active and user.name == "Новое имя"
    assert ad.status == Listing.Status.BLOCKED
    open_ban = Ban.objects.get(user=user, lifted_at__isnull=True)
    assert open_ban.reason == Ban.Reason.OTHER and open_ban.note
    assert client.post(change, {**form, "is_active": "on"}).status_code == 302
    user.refresh_from_db()
    ad.refresh_from_db()
    assert user.is_active and ad.status == Listing.Status.ACTIVE
    assert Ban.objects.get(pk=open_ban.pk).lifted_at is not None
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions == [AuditEntry.Action.BAN, AuditEntry.Action.UNBAN]


def test_unticking_a_staff_member_in_the_admin_deactivates_without_a_ban(client):
    colleague = UserFactory(is_staff=True)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    form = {
        "email": colleague.email,
        "phone": colleague.phone,
        "name": colleague.name,
        "is_staff": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "10:00:00",
    }
    response = client.post(reverse("admin:accounts_user_change", args=[colleague.pk]), form)
    assert response.status_code == 302
    colleague.refresh_from_db()
    assert not colleague.is_active
    assert not Ban.objects.exists()


def test_the_ban_action_asks_for_a_reason_then_bans(client, moderator):
    user = UserFactory()
    client.force_login(moderator)
    changelist = reverse("admin:accounts_user_changelist")
    asked = client.post(changelist, {"action": "ban", "_selected_action": [user.pk]})
    assert asked.status_code == 200
    assert "reason" in asked.context["form"].fields
    assert not Ban.objects.exists()
    done = client.post(
        changelist,
        {"action": "ban", "_selected_action": [user.pk], "reason": "spam", "note": "Рассылка"},
    )
    assert done.status_code == 302
    assert Ban.objects.get(user=user).banned_by == moderator
    # The history is read-only: listed, never added or edited.
    assert client.get(reverse("admin:moderation_ban_changelist")).status_code == 200
    assert client.get(reverse("admin:moderation_ban_add")).status_code == 403


def test_staff_without_the_ban_permission_are_not_offered_the_action(client):
    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_user"))
    client.force_login(clerk)
    page = client.get(reverse("admin:accounts_user_changelist"))
    assert page.status_code == 200
    choices = [value for value, _ in page.context["action_form"].fields["action"].choices]
    assert "ban" not in choices and "lift_ban" not in choices


def test_a_wrong_password_for_a_banned_account_says_nothing_of_the_ban_and_counts(moderator):
    user = UserFactory()
    ban(user, moderator)
    response = APIClient().post(
        "/api/v1/users/login", {"login": user.email, "password": "wrong-one"}, format="json"
    )
    assert response.status_code == 401 and response.json()["code"] == "login_failed"
    assert AccessAttempt.objects.count() == 1


def test_the_login_page_tells_a_banned_user_why(client, moderator):
    user = UserFactory()
    ban(user, moderator, reason=Ban.Reason.SPAM)
    response = client.post(
        reverse("accounts:login"), {"username": user.email, "password": PASSWORD}
    )
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors().as_data()
    assert [e.code for e in errors] == ["account_banned"]
    assert str(Ban.Reason.SPAM.label) in str(errors[0].message)
    assert "_auth_user_id" not in client.session


def test_a_password_reset_does_not_let_a_banned_user_back(client, moderator, run_jobs):
    user = UserFactory()
    # A link mailed before the ban...
    client.post(reverse("accounts:password_reset"), {"email": user.email})
    run_jobs()
    link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+)", mail.outbox[0].body).group(1)
    ban(user, moderator)
    # ...none after it...
    client.post(reverse("accounts:password_reset"), {"email": user.email})
    run_jobs()
    assert len(mail.outbox) == 1
    # ...and the old one sets a password but opens nothing.
    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"]
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Aktau-Sea-2026", "new_password2": "Aktau-Sea-2026"},
    )
    user = User.objects.get(pk=user.pk)
    assert user.check_password("Aktau-Sea-2026") and not user.is_active
    assert Ban.objects.filter(user=user, lifted_at__isnull=True).exists()
    login = APIClient().post(
        "/api/v1/users/login", {"login": user.email, "password": "Aktau-Sea-2026"}, format="json"
    )
    assert login.status_code == 403 and login.json()["code"] == "account_banned"


def test_a_dispute_refunded_while_the_seller_is_banned_keeps_his_ad_hidden(moderator):
    ad = ListingFactory(price=70_000)
    deal = deal_services.deal_start(listing_id=ad.pk, buyer=UserFactory())
    ban(ad.seller, moderator)
    resolver = UserFactory(is_staff=True)
    resolver.user_permissions.add(Permission.objects.get(codename="moderate_safedeal"))
    deal_services.deal_transition(
        deal_id=deal.pk, actor=resolver, target=DealStatus.CANCELLED, note="Возврат покупателю"
    )
    ad.refresh_from_db()
    assert ad.status == Listing.Status.BLOCKED
    services.user_unban(user_id=ad.seller_id, moderator=moderator)
    ad.refresh_from_db()
    assert ad.status == Listing.Status.ACTIVE


@pytest.mark.django_db(transaction=True)
async def test_nothing_more_reaches_a_banned_user_and_the_history_stays(moderator):
    from channels.db import database_sync_to_async

    from chat import services as chat_services
    from chat.tests.test_consumers import next_of, open_socket

    def setup():
        listing = ListingFactory()
        buyer = UserFactory()
        chat, _ = chat_services.conversation_start(listing=listing, buyer=buyer)
        chat_services.message_send(conversation_id=chat.pk, sender=buyer, body="Ещё продаёте?")
        return listing.seller, buyer, chat

    seller, buyer, chat = await database_sync_to_async(setup)()
    socket = await open_socket(chat.pk, buyer)
    await database_sync_to_async(ban)(seller, moderator)
    await socket.send_json_to({"type": "message", "body": "Алло?"})
    error = await next_of(socket, "error")
    assert error["code"] == "recipient_banned"

    def over_http():
        api = APIClient()
        api.force_authenticate(buyer)
        url = f"/api/v1/chat/conversations/{chat.pk}/messages"
        sent = api.post(url, {"body": "Алло?"}, format="json")
        assert sent.status_code == 403 and sent.json()["code"] == "recipient_banned"
        history = api.get(url).json()
        bodies = [m["body"] for m in history.get("results", history)]
        assert bodies == ["Ещё продаёте?"]

    await database_sync_to_async(over_http)()
    await socket.disconnect()
