from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from searches import selectors, services
from searches.api.serializers import SavedSearchSerializer
from searches.errors import SavedSearchNotFound


class SavedSearchListView(generics.ListCreateAPIView):
    """The person's saved searches (at most SAVED_SEARCH_LIMIT); POST saves one."""

    permission_classes = [IsAuthenticated]
    serializer_class = SavedSearchSerializer

    def get_queryset(self) -> QuerySet:
        return selectors.saved_search_list(user=self.request.user)

    @extend_schema(tags=["saved searches"])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(tags=["saved searches"])
    def post(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        search = services.saved_search_create(
            user=request.user, params=data["params"], name=data["name"], frequency=data["frequency"]
        )
        search = selectors.saved_search_get(user=request.user, search_id=search.pk)
        return Response(self.get_serializer(search).data, status=status.HTTP_201_CREATED)


class SavedSearchDetailView(APIView):
    """One of the person's saved searches: another person's is 404, as a missing one."""

    permission_classes = [IsAuthenticated]

    def _get(self, request: Request, pk: int):
        search = selectors.saved_search_get(user=request.user, search_id=pk)
        if search is None:
            raise SavedSearchNotFound()
        return search

    @extend_schema(responses=SavedSearchSerializer, tags=["saved searches"])
    def get(self, request: Request, pk: int) -> Response:
        search = self._get(request, pk)
        return Response(SavedSearchSerializer(search, context={"request": request}).data)

    @extend_schema(
        request=SavedSearchSerializer, responses=SavedSearchSerializer, tags=["saved searches"]
    )
    def patch(self, request: Request, pk: int) -> Response:
        search = self._get(request, pk)
        serializer = SavedSearchSerializer(
            search, data=request.data, partial=True, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.saved_search_update(
            user=request.user,
            search_id=search.pk,
            name=data.get("name") if "name" in request.data else None,
            frequency=data.get("frequency") if "frequency" in request.data else None,
            params=data.get("params"),
        )
        search = self._get(request, pk)
        return Response(SavedSearchSerializer(search, context={"request": request}).data)

    @extend_schema(responses={204: None}, tags=["saved searches"])
    def delete(self, request: Request, pk: int) -> Response:
        services.saved_search_delete(user=request.user, search_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
