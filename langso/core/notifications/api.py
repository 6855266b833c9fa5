"""Inbox API: the signed-in user's notifications, marking them read, channel choices."""

from typing import Any, cast

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from langso.core.models import Notification, NotificationPreference, User
from langso.core.notifications import selectors, services
from langso.core.notifications.forms import MAX_IDS


def _me(request: Request) -> User:
    return cast(User, request.user)  # IsAuthenticated is the default permission


class NotificationOutput(serializers.ModelSerializer):
    commune_name = serializers.CharField(source="commune.name")
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "commune", "commune_name", "template", "subject", "body", "url",
                  "created_at", "read_at", "is_read"]

    def get_is_read(self, obj: Notification) -> bool:
        return obj.read_at is not None


class NotificationMarkReadInput(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
                                required=False, max_length=MAX_IDS)
    all = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        from django.utils.translation import gettext as _

        if not attrs.get("ids") and not attrs.get("all"):
            raise serializers.ValidationError(_("Chọn ít nhất một thông báo."))
        return attrs


class NotificationMarkReadOutput(serializers.Serializer):
    updated = serializers.IntegerField()
    unread = serializers.IntegerField()


class NotificationPreferenceIO(serializers.ModelSerializer):
    quiet_start = serializers.TimeField(format="%H:%M", input_formats=["%H:%M"],
                                        allow_null=True, required=False, default=None)
    quiet_end = serializers.TimeField(format="%H:%M", input_formats=["%H:%M"],
                                      allow_null=True, required=False, default=None)

    class Meta:
        model = NotificationPreference
        fields = ["email", "sms", "zalo", "quiet_start", "quiet_end", "language"]
        extra_kwargs = {f: {"required": True} for f in ("email", "sms", "zalo", "language")}


class NotificationList(generics.ListAPIView):
    """The signed-in user's notifications, newest first (``?unread=1``: unread only)."""

    serializer_class = NotificationOutput

    @extend_schema(parameters=[OpenApiParameter("unread", bool, required=False)])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        unread = self.request.query_params.get("unread") in ("1", "true")
        return selectors.inbox_for(user=_me(self.request), unread_only=unread)


class NotificationMarkRead(APIView):
    """Mark some (``ids``) or ``all`` of one's own notifications read. Ids of notifications
    that are not the user's are ignored."""

    @extend_schema(request=NotificationMarkReadInput, responses=NotificationMarkReadOutput)
    def post(self, request: Request) -> Response:
        data = NotificationMarkReadInput(data=request.data)
        data.is_valid(raise_exception=True)
        ids = None if data.validated_data.get("all") else data.validated_data["ids"]
        updated = services.notification_mark_read(actor=_me(request), ids=ids)
        return Response({"updated": updated,
                         "unread": selectors.unread_count(user=_me(request))})


class NotificationPreferenceDetail(APIView):
    """The signed-in user's channel choices (the in-app inbox is always on)."""

    @extend_schema(responses=NotificationPreferenceIO)
    def get(self, request: Request) -> Response:
        pref = selectors.preference_of(user=_me(request))
        return Response(NotificationPreferenceIO(pref).data)

    @extend_schema(request=NotificationPreferenceIO, responses=NotificationPreferenceIO)
    def put(self, request: Request) -> Response:
        data = NotificationPreferenceIO(data=request.data)
        data.is_valid(raise_exception=True)
        pref = services.preference_update(actor=_me(request), **data.validated_data)
        return Response(NotificationPreferenceIO(pref).data)
