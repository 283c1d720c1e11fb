from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from chat import selectors, services
from chat.api.serializers import (
    BlockSerializer,
    ConversationSerializer,
    MessagePageSerializer,
    MessageSerializer,
    SendSerializer,
)
from chat.errors import CannotStartConversation, ConversationNotFound
from listings.errors import ListingNotFound
from listings.selectors import listing_get_public
from zattar.errors import NotFound
from zattar.ids import parse_id
from zattar.throttling import rate_limit

MESSAGE_PAGE = 50
MESSAGE_ID = {"type": "integer", "minimum": 0, "maximum": 10**18 - 1}  # what parse_id reads


def _conversation(request: Request, conversation_id: int):
    conversation = selectors.inbox(user=request.user).filter(pk=conversation_id).first()
    if conversation is None:
        raise ConversationNotFound()
    return conversation


class ConversationStartView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={
            200: ConversationSerializer,
            201: ConversationSerializer,
            400: OpenApiResponse(description="Not the ad's seller, or one's own ad."),
            403: OpenApiResponse(description="`blocked`: one of the two blocked the other."),
        },
        tags=["chat"],
    )
    @rate_limit("conversation_start")
    def post(self, request: Request, listing_id: int, seller_id: int) -> Response:
        listing = listing_get_public(listing_id=listing_id)
        if listing is None:
            raise ListingNotFound()
        if listing.seller_id != seller_id:
            raise CannotStartConversation(_("This user is not the seller of the ad."))
        conversation, created = services.conversation_start(listing=listing, buyer=request.user)
        data = ConversationSerializer(
            _conversation(request, conversation.pk), context={"request": request}
        ).data
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ConversationListView(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = ConversationSerializer

    def get_queryset(self):
        return selectors.inbox(user=self.request.user)


class ConversationDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ConversationSerializer, tags=["chat"])
    def get(self, request: Request, conversation_id: int) -> Response:
        conversation = _conversation(request, conversation_id)
        return Response(ConversationSerializer(conversation, context={"request": request}).data)


def _message_id(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    value = parse_id(raw)
    if value is None:
        raise ValidationError({name: ["A message id is required."]})
    return value


class MessageListCreateView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("before", MESSAGE_ID, description="Messages before this one."),
            OpenApiParameter("after", MESSAGE_ID, description="Messages after this one."),
        ],
        responses=MessagePageSerializer,
        tags=["chat"],
    )
    def get(self, request: Request, conversation_id: int) -> Response:
        """Up to 50 messages, oldest to newest: the latest, or before/after a message id."""
        conversation = selectors.conversation_for_participant(
            conversation_id=conversation_id, user=request.user
        )
        if conversation is None:
            raise ConversationNotFound()
        before, after = _message_id(request, "before"), _message_id(request, "after")
        messages = selectors.messages_page(
            conversation=conversation, before=before, after=after, limit=MESSAGE_PAGE + 1
        )
        more = len(messages) > MESSAGE_PAGE
        messages = messages[1:] if more and after is None else messages[:MESSAGE_PAGE]
        base = request.build_absolute_uri(request.path)
        return Response(
            {
                "results": MessageSerializer(messages, many=True).data,
                "previous": f"{base}?before={messages[0].pk}"
                if messages and (more or after is not None)
                else None,
                "next": f"{base}?after={messages[-1].pk}"
                if messages and after is not None and more
                else None,
            }
        )

    @extend_schema(
        request=SendSerializer,
        responses={
            201: MessageSerializer,
            200: MessageSerializer,
            403: OpenApiResponse(description="`blocked`: one of the two blocked the other."),
            429: OpenApiResponse(description="Too many messages in a short time."),
            503: OpenApiResponse(description="Not saved (the database did not answer): resend."),
        },
        description="201: saved and sent. 200: this client_id was saved before (a resend).",
        tags=["chat"],
    )
    @rate_limit("message_send")
    def post(self, request: Request, conversation_id: int) -> Response:
        serializer = SendSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        sent = services.message_send(
            conversation_id=conversation_id,
            sender=request.user,
            body=serializer.validated_data["body"],
            client_id=serializer.validated_data.get("client_id", ""),
        )
        return Response(
            MessageSerializer(sent.message).data,
            status=status.HTTP_201_CREATED if sent.created else status.HTTP_200_OK,
        )


class UserBlockView(APIView):
    """`/users/{id}/block`: block a person (no messages either way, no ads of theirs in
    search, and none of yours in theirs), or lift the block."""

    permission_classes = [IsAuthenticated]

    def _person(self, user_id: int):
        person = selectors.person_to_block(user_id=user_id)
        if person is None:
            raise NotFound(_("No such user."))
        return person

    @extend_schema(
        request=None,
        responses={
            201: BlockSerializer,
            200: OpenApiResponse(BlockSerializer, description="Blocked before: nothing changed."),
            400: OpenApiResponse(description="`cannot_block`: oneself."),
            404: OpenApiResponse(description="No such user."),
        },
        tags=["chat"],
    )
    def post(self, request: Request, user_id: int) -> Response:
        block, created = services.user_block(blocker=request.user, blocked=self._person(user_id))
        return Response(
            BlockSerializer(block).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        request=None,
        responses={204: None, 404: OpenApiResponse(description="No such user.")},
        description="204 whether or not the user was blocked.",
        tags=["chat"],
    )
    def delete(self, request: Request, user_id: int) -> Response:
        services.user_unblock(blocker=request.user, blocked=self._person(user_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["chat"])
class BlockedListView(generics.ListAPIView):
    """Whom the signed-in user blocked, the latest first."""

    permission_classes = [IsAuthenticated]
    serializer_class = BlockSerializer

    def get_queryset(self):
        return selectors.users_blocked_by(user=self.request.user)
