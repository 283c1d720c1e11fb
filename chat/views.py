from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from chat import selectors, services
from chat.errors import Blocked, CannotStartConversation
from chat.models import FraudWarning
from listings.selectors import listing_get_public
from zattar.errors import DomainError
from zattar.ids import parse_id
from zattar.redirects import safe_next
from zattar.throttling import rate_limit

HISTORY = 50


@login_required
@require_POST
@rate_limit("conversation_start")
def start(request: HttpRequest, listing_id: int) -> HttpResponse:
    """ "Write to seller": open the buyer's conversation about the ad, creating it if needed."""
    listing = listing_get_public(listing_id=listing_id)
    if listing is None:
        raise Http404(_("No such ad."))
    try:
        conversation, _created = services.conversation_start(listing=listing, buyer=request.user)
    except (CannotStartConversation, Blocked) as error:
        flash.error(request, error.detail)
        return redirect(listing)
    return redirect("chat:conversation", conversation_id=conversation.pk)


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.inbox(user=request.user), 30).get_page(request.GET.get("page"))
    template = "chat/inbox.html#list" if request.htmx else "chat/inbox.html"
    return render(request, template, {"page": page})


def _participant_conversation(request: HttpRequest, conversation_id: int):
    conversation = selectors.conversation_for_participant(
        conversation_id=conversation_id, user=request.user
    )
    if conversation is None:
        raise Http404(_("No such conversation."))
    return conversation


@login_required
@require_GET
def conversation(request: HttpRequest, conversation_id: int) -> HttpResponse:
    chat = _participant_conversation(request, conversation_id)
    before = parse_id(request.GET.get("before"))
    history = selectors.messages_page(conversation=chat, before=before, limit=HISTORY + 1)
    has_older = len(history) > HISTORY
    history = history[1:] if has_older else history
    other = chat.other(request.user)
    context = {
        "chat": chat,
        "other": other,
        "blocking": selectors.block_state(user=request.user, other_id=other.pk),
        "warning_kinds": FraudWarning.values,
        "history": history,
        "has_older": has_older,
        "cover": chat.listing.images.filter(position=0).first(),
    }
    template = "chat/conversation.html#older" if before is not None else "chat/conversation.html"
    return render(request, template, context)


@login_required
@require_POST
@rate_limit("message_send")
def send(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The composer without JavaScript (or without a socket): a plain form post."""
    _participant_conversation(request, conversation_id)
    try:
        services.message_send(
            conversation_id=conversation_id,
            sender=request.user,
            body=request.POST.get("body", ""),
            client_id=request.POST.get("client_id", ""),
        )
    except DomainError as error:
        if request.htmx or request.headers.get("Accept") == "application/json":
            return HttpResponse(error.detail, status=error.status_code)
        flash.error(request, error.detail)
    if request.htmx:
        return HttpResponse(status=204)
    return redirect("chat:conversation", conversation_id=conversation_id)


def _back(request: HttpRequest, person) -> HttpResponse:
    """To the page the button was on (`next`), or the person's profile."""
    return redirect(safe_next(request) or reverse("accounts:profile", args=[person.pk]))


def _blocked_person(request: HttpRequest, user_id: int):
    person = selectors.person_to_block(user_id=user_id)
    if person is None:
        raise Http404(_("No such user."))
    return person


@login_required
@require_POST
def block(request: HttpRequest, user_id: int) -> HttpResponse:
    """ "Block" on a conversation or a profile: back to the page it was pressed on."""
    person = _blocked_person(request, user_id)
    try:
        services.user_block(blocker=request.user, blocked=person)
    except DomainError as error:
        flash.error(request, error.detail)
    else:
        flash.success(request, _("%(name)s is blocked.") % {"name": person.name})
    return _back(request, person)


@login_required
@require_POST
def unblock(request: HttpRequest, user_id: int) -> HttpResponse:
    person = _blocked_person(request, user_id)
    services.user_unblock(blocker=request.user, blocked=person)
    flash.success(request, _("%(name)s is unblocked.") % {"name": person.name})
    return _back(request, person)
