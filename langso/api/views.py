"""Core API endpoints: thin over core selectors and services, scoped by ``access``."""

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from langso.api import serializers as s
from langso.core import access, selectors
from langso.core.errors import DomainError
from langso.core.models import Commune, Village
from langso.core.services import geography as geography_services
from langso.core.services import people as people_services


class PublicCommuneList(generics.ListAPIView):
    """Communes active on this installation (public)."""

    permission_classes = [AllowAny]
    serializer_class = s.CommuneOutput
    queryset = Commune.objects.active().select_related("province").order_by("pk")


class MyCommuneList(generics.ListAPIView):
    """Communes the signed-in staff member works in."""

    serializer_class = s.CommuneOutput

    def get_queryset(self) -> Any:
        return access.communes_for(self.request.user).select_related("province").order_by("pk")


def _commune_or_404(user: Any, commune_id: int, permission: str) -> Commune:
    return access.get_for_user(Commune.objects.all(), user, permission, pk=commune_id)


class VillageListCreate(generics.ListAPIView):
    serializer_class = s.VillageOutput

    def get_queryset(self) -> Any:
        return selectors.village_list_for_user(user=self.request.user)

    @extend_schema(request=s.VillageInput, responses={201: s.VillageOutput})
    def post(self, request: Request) -> Response:
        data = s.VillageInput(data=request.data)
        data.is_valid(raise_exception=True)
        commune = _commune_or_404(request.user, data.validated_data.pop("commune"),
                                  "village.manage")
        village = geography_services.village_create(actor=request.user, commune=commune,
                                                    **data.validated_data)
        return Response(s.VillageOutput(village).data, status=status.HTTP_201_CREATED)


def _village(user: Any, commune: Commune, village_id: int | None) -> Village | None:
    if village_id is None:
        return None
    village = access.scope(Village.objects.filter(commune=commune), user, "people.manage"
                           ).filter(pk=village_id).first()
    if village is None:
        raise DomainError(_("Thôn không hợp lệ."), field_errors={"village": [
            _("Thôn không thuộc xã hoặc bạn không phụ trách thôn này.")]})
    return village


class PersonListCreate(generics.ListAPIView):
    serializer_class = s.PersonOutput

    def get_queryset(self) -> Any:
        search = (self.request.query_params.get("q") or "")[:100]
        return selectors.person_list_for_user(user=self.request.user, search=search)

    @extend_schema(request=s.PersonInput, responses={201: s.PersonOutput})
    def post(self, request: Request) -> Response:
        data = s.PersonInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        commune = _commune_or_404(request.user, values.pop("commune"), "people.manage")
        values["village"] = _village(request.user, commune, values.get("village"))
        person = people_services.person_create(actor=request.user, commune=commune, **values)
        return Response(s.PersonOutput(person).data, status=status.HTTP_201_CREATED)


class PersonDetail(APIView):
    @extend_schema(responses=s.PersonOutput)
    def get(self, request: Request, pk: int) -> Response:
        person = selectors.person_get_for_user(user=request.user, pk=pk)
        return Response(s.PersonOutput(person).data)

    @extend_schema(request=s.PersonUpdateInput, responses=s.PersonOutput)
    def patch(self, request: Request, pk: int) -> Response:
        person = selectors.person_get_for_user(user=request.user, pk=pk)
        if not access.can(request.user, "people.manage", person):
            raise Http404
        data = s.PersonUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        reason = values.pop("reason", "")
        if "village" in values:
            values["village"] = _village(request.user, person.commune, values["village"])
        person = people_services.person_update(actor=request.user, person=person,
                                               reason=reason, **values)
        return Response(s.PersonOutput(person).data)


class PersonHistory(generics.ListAPIView):
    serializer_class = s.HistoryEventOutput

    def get_queryset(self) -> Any:
        person = selectors.person_get_for_user(user=self.request.user, pk=self.kwargs["pk"])
        return selectors.history_for_object(obj=person)


class HistoryList(generics.ListAPIView):
    serializer_class = s.HistoryEventOutput

    def get_queryset(self) -> Any:
        return selectors.history_list_for_user(user=self.request.user)
