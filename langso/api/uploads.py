"""Upload API: send a file (multipart), read its metadata, fetch its content.

Thin over ``langso.core.uploads``; the body-size cap is installed before DRF's CSRF check
reads the body, so an oversized upload is refused without being spooled to disk.
"""

from typing import Any
from uuid import UUID

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from langso.core.errors import DomainError
from langso.core.models import Commune, StoredFile
from langso.core.uploads import serving
from langso.core.uploads.selectors import stored_file_get_for_user
from langso.core.uploads.services import UPLOAD_KINDS, upload_store


class UploadCreateInput(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, max_length=None)
    kind = serializers.ChoiceField(choices=[(k.value, k.label) for k in UPLOAD_KINDS])
    commune = serializers.IntegerField(min_value=1)
    # Keep the photo's GPS position (a field report's place). Set it only when the person
    # agreed to share where the photo was taken; otherwise it is dropped with the EXIF.
    keep_location = serializers.BooleanField(default=False)


class StoredFileOutput(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    name = serializers.CharField(source="original_name", read_only=True)
    latitude = serializers.FloatField(read_only=True, allow_null=True)
    longitude = serializers.FloatField(read_only=True, allow_null=True)
    content_url = serializers.SerializerMethodField()

    class Meta:
        model = StoredFile
        fields = ["id", "commune", "kind", "name", "content_type", "size", "sha256", "width",
                  "height", "latitude", "longitude", "created_at", "content_url"]

    def get_content_url(self, obj: StoredFile) -> str:
        return reverse("api:upload_content", kwargs={"public_id": obj.public_id})


class UploadCreate(APIView):
    """Send one file (photo, PDF document or audio) to a commune."""

    parser_classes = [MultiPartParser, FormParser]

    def initialize_request(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Request:
        if request.method == "POST":
            serving.cap_upload_size(request)
        return super().initialize_request(request, *args, **kwargs)

    def handle_exception(self, exc: Exception) -> Response:
        # Django's own limits on the rest of the form, in the API's error shape.
        if isinstance(exc, RequestDataTooBig):
            exc = serving.UploadTooLarge(_("Dữ liệu gửi kèm tệp quá lớn."))
        elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
            exc = DomainError(_("Gửi quá nhiều tệp hoặc trường dữ liệu trong một lần."))
        return super().handle_exception(exc)

    @extend_schema(request={"multipart/form-data": UploadCreateInput},
                   responses={201: StoredFileOutput})
    def post(self, request: Request) -> Response:
        data = UploadCreateInput(data=request.data)
        if serving.upload_refused(request._request):
            raise serving.too_large_error()
        data.is_valid(raise_exception=True)
        values = data.validated_data
        commune = Commune.objects.active().filter(pk=values["commune"]).first()
        if commune is None:
            raise Http404
        stored = upload_store(actor=request.user, commune=commune, file=values["file"],
                              kind=values["kind"], keep_location=values["keep_location"])
        return Response(StoredFileOutput(stored).data, status=status.HTTP_201_CREATED)


class UploadDetail(APIView):
    """A file's metadata: for whoever sent it and the commune's staff with ``upload.view``."""

    @extend_schema(responses=StoredFileOutput)
    def get(self, request: Request, public_id: UUID) -> Response:
        stored = stored_file_get_for_user(user=request.user, public_id=public_id)
        return Response(StoredFileOutput(stored).data)


class UploadContent(APIView):
    """The file itself (a presigned redirect when files live in S3)."""

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY,
                              302: None})
    def get(self, request: Request, public_id: UUID) -> HttpResponseBase:
        stored = stored_file_get_for_user(user=request.user, public_id=public_id)
        return serving.stored_file_response(request._request, stored)
