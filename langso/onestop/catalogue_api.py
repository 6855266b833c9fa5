"""Public catalogue API: the procedures in force and the rules of one (schema, documents,
fee), read by anyone; the same selectors as the public pages."""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from langso.onestop import fees
from langso.onestop.catalogue import selectors
from langso.onestop.catalogue.selectors import CatalogueItem


class ProcedureSummaryOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    sector = serializers.CharField()
    slug = serializers.CharField()
    department_kind = serializers.CharField()
    online_level = serializers.CharField()
    time_limit = serializers.CharField(help_text="Thời hạn giải quyết, ví dụ “03 ngày làm việc”.")
    fee = serializers.CharField(help_text="Phí, lệ phí bằng lời.")
    version = serializers.IntegerField()

    def to_representation(self, item: CatalogueItem) -> dict[str, Any]:
        procedure, version = item.procedure, item.version
        return {"code": procedure.code, "name": procedure.name, "sector": procedure.sector,
                "slug": procedure.slug, "department_kind": procedure.department_kind,
                "online_level": version.online_level, "time_limit": item.time_limit,
                "fee": item.fee, "version": version.number}


# Declared fields named like Field attributes (label, required) are popped by DRF's
# metaclass, so they do not shadow them at runtime; the stubs cannot know that.
class ProcedureDocumentOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    copy_kind = serializers.CharField()
    quantity = serializers.IntegerField()
    required = serializers.BooleanField()  # type: ignore[assignment]


class ProcedureFormFieldOutput(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    type = serializers.CharField()
    required = serializers.BooleanField(default=False)  # type: ignore[assignment]
    prefill = serializers.CharField(required=False,
                                    help_text="Khóa dữ liệu đã biết, ví dụ person.full_name.")
    choices = serializers.ListField(child=serializers.ListField(child=serializers.CharField()),
                                    required=False)
    max_length = serializers.IntegerField(required=False)
    min = serializers.IntegerField(required=False)
    max = serializers.IntegerField(required=False)
    help = serializers.CharField(required=False)


class ProcedureDetailOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    sector = serializers.CharField()
    slug = serializers.CharField()
    department_kind = serializers.CharField()
    version = serializers.IntegerField()
    effective_from = serializers.DateField()
    legal_basis = serializers.CharField()
    time_limit_kind = serializers.CharField()
    time_limit_value = serializers.DecimalField(max_digits=6, decimal_places=2)
    time_limit_note = serializers.CharField()
    time_limit = serializers.CharField()
    online_level = serializers.CharField()
    result_type = serializers.CharField()
    fee_rule = serializers.JSONField(help_text="Quy định phí (xem docs/one-stop.md).")
    fee = serializers.CharField()
    documents = ProcedureDocumentOutput(many=True)
    form_schema = ProcedureFormFieldOutput(many=True)


class ProcedureList(generics.ListAPIView):
    """Procedures in force (public); ``q`` searches without diacritics, ``sector`` filters."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    serializer_class = ProcedureSummaryOutput

    @extend_schema(parameters=[
        OpenApiParameter("q", OpenApiTypes.STR, description="Tên hoặc mã, có dấu hay không."),
        OpenApiParameter("sector", OpenApiTypes.STR, description="Lĩnh vực, ví dụ Hộ tịch."),
    ])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        params = self.request.query_params
        return selectors.catalogue_in_force(query=(params.get("q") or "")[:selectors.MAX_QUERY],
                                            sector=(params.get("sector") or "")[:120])


class ProcedureDetail(APIView):
    """The rules in force of one procedure, by its national code (public)."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(responses=ProcedureDetailOutput)
    def get(self, request: Request, code: str) -> Response:
        procedure, version = selectors.procedure_in_force(code=code)
        data = {
            "code": procedure.code, "name": procedure.name, "sector": procedure.sector,
            "slug": procedure.slug, "department_kind": procedure.department_kind,
            "version": version.number, "effective_from": version.effective_from,
            "legal_basis": version.legal_basis, "time_limit_kind": version.time_limit_kind,
            "time_limit_value": version.time_limit_value,
            "time_limit_note": version.time_limit_note,
            "time_limit": selectors.time_limit_text(version),
            "online_level": version.online_level, "result_type": version.result_type,
            "fee_rule": version.fee, "fee": fees.describe(version.fee),
            "documents": version.documents, "form_schema": version.form_schema,
        }
        return Response(ProcedureDetailOutput(data).data)
