"""Working-calendar API: a commune's year, swapped days, office hours and a deadline calculator.

Thin over ``core.calendar_selectors``, ``core.services.calendar`` and ``core.clock``.
"""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from langso.core import access
from langso.core.calendar_selectors import calendar_year, default_year, override_get_for_user
from langso.core.clock import (
    MAX_WORKING_DAYS,
    MAX_WORKING_HOURS,
    MAX_YEAR,
    MIN_YEAR,
    WorkingClock,
    display,
)
from langso.core.models import CalendarOverride, Commune, OfficeHours
from langso.core.services import calendar as calendar_services


class CalendarOverrideOutput(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display")
    scope = serializers.SerializerMethodField()

    class Meta:
        model = CalendarOverride
        fields = ["id", "commune", "scope", "date", "kind", "kind_display", "reason",
                  "legal_basis"]

    def get_scope(self, obj: CalendarOverride) -> str:
        return "national" if obj.commune_id is None else "commune"


class CalendarOverrideInput(serializers.Serializer):
    commune = serializers.IntegerField(allow_null=True,
                                       help_text="null: the whole country (calendar.national)")
    date = serializers.DateField()
    kind = serializers.ChoiceField(choices=CalendarOverride.Kind.choices)
    reason = serializers.CharField(max_length=200)
    legal_basis = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                        default="")


class CalendarOverrideUpdateInput(serializers.Serializer):
    date = serializers.DateField(required=False)
    kind = serializers.ChoiceField(choices=CalendarOverride.Kind.choices, required=False)
    reason = serializers.CharField(max_length=200, required=False)
    legal_basis = serializers.CharField(max_length=200, required=False, allow_blank=True)
    why = serializers.CharField(max_length=200, required=False, allow_blank=True)


class CalendarDeleteInput(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class OfficeHoursOutput(serializers.ModelSerializer):
    class Meta:
        model = OfficeHours
        fields = ["morning_start", "morning_end", "afternoon_start", "afternoon_end", "cutoff",
                  "saturday_morning"]


class OfficeHoursInput(serializers.Serializer):
    morning_start = serializers.TimeField()
    morning_end = serializers.TimeField()
    afternoon_start = serializers.TimeField()
    afternoon_end = serializers.TimeField()
    cutoff = serializers.TimeField()
    saturday_morning = serializers.BooleanField(default=False)


class CalendarDayOutput(serializers.Serializer):
    date = serializers.DateField(source="day.date")
    weekday = serializers.CharField()
    working = serializers.BooleanField(source="day.working")
    # What decided the day: the statutory calendar, a national row or the commune's row.
    origin = serializers.ChoiceField(source="day.source",
                                     choices=["statutory", "national", "commune"])
    name = serializers.CharField(source="day.name")
    legal_basis = serializers.SerializerMethodField()
    override = serializers.SerializerMethodField()

    def get_legal_basis(self, row: Any) -> str:
        return row.override.legal_basis if row.override else ""

    def get_override(self, row: Any) -> int | None:
        return row.override.pk if row.override else None


class WorkingCalendarOutput(serializers.Serializer):
    commune = serializers.IntegerField(source="commune.pk")
    year = serializers.IntegerField()
    working_days = serializers.IntegerField()
    office_hours = OfficeHoursOutput(source="hours")
    days = CalendarDayOutput(source="rows", many=True)


class WorkingCalendarQueryInput(serializers.Serializer):
    year = serializers.IntegerField(min_value=MIN_YEAR, max_value=MAX_YEAR, required=False)


class DeadlineQueryInput(serializers.Serializer):
    received_at = serializers.DateTimeField()
    days = serializers.IntegerField(min_value=0, max_value=MAX_WORKING_DAYS, required=False)
    hours = serializers.DecimalField(min_value=0, max_value=MAX_WORKING_HOURS, max_digits=7,
                                     decimal_places=2, required=False)
    apply_cutoff = serializers.BooleanField(default=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("days" in attrs) == ("hours" in attrs):
            raise serializers.ValidationError(
                _("Nhập số ngày làm việc (days) hoặc số giờ làm việc (hours), một trong hai."))
        return attrs


class DeadlineOutput(serializers.Serializer):
    received_at = serializers.DateTimeField()
    counting_start = serializers.DateTimeField()
    deadline = serializers.DateTimeField()
    deadline_display = serializers.CharField()
    days = serializers.IntegerField(allow_null=True)
    hours = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)


def _commune(user: Any, commune_id: Any) -> Commune:
    return access.get_for_user(Commune.objects.select_related("province"), user,
                               "commune.view", pk=commune_id)


class WorkingCalendar(APIView):
    """A commune's working calendar for a year: its notable days and office hours."""

    @extend_schema(parameters=[OpenApiParameter("year", int)],
                   responses=WorkingCalendarOutput)
    def get(self, request: Request, commune_id: int) -> Response:
        commune = _commune(request.user, commune_id)
        query = WorkingCalendarQueryInput(data=request.query_params)
        query.is_valid(raise_exception=True)
        year = query.validated_data.get("year") or default_year(timezone.now())
        result = calendar_year(commune=commune, year=year, user=request.user)
        return Response(WorkingCalendarOutput(result).data)


class CalendarOverrideCreate(APIView):
    """Add a swapped working day or a day off (commune null: the whole country)."""

    @extend_schema(request=CalendarOverrideInput, responses={201: CalendarOverrideOutput})
    def post(self, request: Request) -> Response:
        data = CalendarOverrideInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        commune_id = values.pop("commune")
        commune = None if commune_id is None else _commune(request.user, commune_id)
        override = calendar_services.calendar_override_create(actor=request.user,
                                                              commune=commune, **values)
        return Response(CalendarOverrideOutput(override).data, status=status.HTTP_201_CREATED)


class CalendarOverrideDetail(APIView):
    @extend_schema(responses=CalendarOverrideOutput)
    def get(self, request: Request, pk: int) -> Response:
        return Response(CalendarOverrideOutput(
            override_get_for_user(user=request.user, pk=pk)).data)

    @extend_schema(request=CalendarOverrideUpdateInput, responses=CalendarOverrideOutput)
    def patch(self, request: Request, pk: int) -> Response:
        override = override_get_for_user(user=request.user, pk=pk)
        data = CalendarOverrideUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        override = calendar_services.calendar_override_update(
            actor=request.user, override=override, **data.validated_data)
        return Response(CalendarOverrideOutput(override).data)

    @extend_schema(request=CalendarDeleteInput, responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        override = override_get_for_user(user=request.user, pk=pk)
        data = CalendarDeleteInput(data=request.data)
        data.is_valid(raise_exception=True)
        calendar_services.calendar_override_delete(actor=request.user, override=override,
                                                   reason=data.validated_data["reason"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class CalendarOfficeHours(APIView):
    """A commune's office sessions, Saturday-morning service and daily cut-off."""

    @extend_schema(responses=OfficeHoursOutput)
    def get(self, request: Request, commune_id: int) -> Response:
        commune = _commune(request.user, commune_id)
        return Response(OfficeHoursOutput(WorkingClock.for_commune(commune).hours).data)

    @extend_schema(request=OfficeHoursInput, responses=OfficeHoursOutput)
    def put(self, request: Request, commune_id: int) -> Response:
        commune = _commune(request.user, commune_id)
        data = OfficeHoursInput(data=request.data)
        data.is_valid(raise_exception=True)
        hours = calendar_services.office_hours_set(actor=request.user, commune=commune,
                                                   **data.validated_data)
        return Response(OfficeHoursOutput(hours).data)


class DeadlineCalculator(APIView):
    """The deadline of a dossier received at ``received_at`` with a time limit of ``days``
    working days or ``hours`` working hours; after the cut-off (15:00) or on a day off it
    counts from the next working day (NĐ 118/2025/NĐ-CP)."""

    @extend_schema(parameters=[DeadlineQueryInput], responses=DeadlineOutput)
    def get(self, request: Request, commune_id: int) -> Response:
        commune = _commune(request.user, commune_id)
        query = DeadlineQueryInput(data=request.query_params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        clock = WorkingClock.for_commune(commune)
        received_at = values["received_at"]
        start = clock.counting_start(received_at) if values["apply_cutoff"] else received_at
        if "days" in values:
            deadline = clock.add_working_days(start, values["days"])
        else:
            deadline = clock.add_working_hours(start, values["hours"])
        return Response(DeadlineOutput({
            "received_at": received_at, "counting_start": start, "deadline": deadline,
            "deadline_display": display(deadline), "days": values.get("days"),
            "hours": values.get("hours")}).data)
