"""Dossier API under /api/v1/: list, online submission, detail, officer and applicant
actions, the extension letter, a dossier's files, and the public status by code.

Thin over ``selectors`` and ``services``, with the pages' rules: staff see the dossiers
``selectors.dossier_staff_q`` gives them, an applicant their own; the workflow table and
``services`` decide who may do what; errors take the API's one shape.
"""

from typing import Any
from uuid import UUID

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import exceptions, generics, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from langso.core.errors import DomainError
from langso.core.models import Commune, Department, StoredFile, User
from langso.core.uploads.selectors import stored_file_get_for_user
from langso.core.uploads.serving import stored_file_response
from langso.onestop import selectors, services
from langso.onestop.models import (
    AttachmentKind,
    DocumentForm,
    Dossier,
    DossierAttachment,
    DossierDocument,
    DossierStep,
    PaymentStatus,
    Procedure,
)
from langso.onestop.status_views import (
    CODE_SHAPE,
    MAX_CODE,
    milestone_label,
    public_status,
    status_rate,
    status_rate_limited,
)
from langso.onestop.workflow import (
    APPLICANT,
    EXTEND_ROLES,
    EXTEND_STATES,
    TRANSITIONS,
    State,
    Transition,
)

# Form answers and a list of attachment references: far below this. A bigger body is
# refused before it is parsed (DRF reads JSON bodies without Django's size check).
MAX_JSON_BODY = 256 * 1024
MAX_ATTACHMENTS = services.MAX_ATTACHMENTS
# Papers the applicant receives (citizen pages: the same list); the process control sheet
# (Mẫu 06) is the office's own.
CITIZEN_FORMS = (DocumentForm.RECEIPT, DocumentForm.SUPPLEMENT, DocumentForm.REFUSAL,
                 DocumentForm.APOLOGY, DocumentForm.STOP, DocumentForm.RESULT,
                 DocumentForm.PAYMENT_RECEIPT)
EXTEND = "extend"
# Reasons the applicant is told anyway (in the form sent to them, or their own).
APPLICANT_REASONS = frozenset({"refuse", "stop", "extend", "request_supplement", "withdraw"})


class BodyTooLarge(DomainError):
    status = 413
    code = "too_large"


class JSONBodyAPIView(APIView):
    """Writes take JSON only, and not more of it than a dossier needs."""

    parser_classes = [JSONParser]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if request.method == "POST":
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > MAX_JSON_BODY:
                raise BodyTooLarge(_("Dữ liệu gửi lên quá lớn (tối đa %(n)d KB).")
                                   % {"n": MAX_JSON_BODY // 1024})


# -- who sees what -------------------------------------------------------------------------

def _is_staff_for(user: Any, dossier: Dossier) -> bool:
    return Dossier.objects.filter(selectors.dossier_staff_q(user), pk=dossier.pk).exists()


def _dossier(user: Any, public_id: UUID | str) -> Dossier:
    """A dossier the user handles as staff or applied for; 404 for anything else."""
    return selectors.dossier_get_for_user(user=user, public_id=public_id)


def _may_extend(user: Any, dossier: Dossier) -> bool:
    if dossier.status not in EXTEND_STATES or dossier.due_at is None:
        return False
    letter = Transition(EXTEND, "", EXTEND_STATES, "", EXTEND_ROLES, handler_only=True)
    return services.may_take(user, dossier, letter)


def _actions(user: Any, dossier: Dossier, *, staff: bool) -> list[Transition]:
    """What the user may do now, as the pages offer it: an applicant who is not the office
    sees only the applicant's actions."""
    actions = services.actions_for(user, dossier)
    if not staff:
        actions = [t for t in actions if APPLICANT in t.roles]
    return actions


def _citizen_documents(dossier: Dossier) -> list[DossierDocument]:
    """The newest paper of each kind; the result only once returned and paid for."""
    newest: dict[str, DossierDocument] = {}
    for document in dossier.documents.all():
        if document.form in CITIZEN_FORMS:
            newest.setdefault(document.form, document)
    if dossier.status != State.RETURNED or dossier.payment_status == PaymentStatus.UNPAID:
        newest.pop(DocumentForm.RESULT, None)
    return [newest[f] for f in CITIZEN_FORMS if f in newest]


def _files_for(user: Any, dossier: Dossier, *, staff: bool) -> list[StoredFile]:
    files = [a.file for a in dossier.attachments.all()]
    if staff:
        files += [d.file for d in dossier.documents.all()]
        if dossier.result_file is not None:
            files.append(dossier.result_file)
    else:
        files += [d.file for d in _citizen_documents(dossier)]
    return files


def _detailed(queryset: QuerySet[Dossier]) -> QuerySet[Dossier]:
    return (queryset.select_related("commune", "procedure", "version", "department",
                                    "assignee", "result_file")
            .prefetch_related(
                Prefetch("steps", DossierStep.objects.order_by("at", "pk")),
                Prefetch("attachments", DossierAttachment.objects.select_related("file")),
                Prefetch("documents", DossierDocument.objects.select_related("file"))))


# -- serializers -----------------------------------------------------------------------------

def _file_url(dossier: Dossier, stored: StoredFile) -> str:
    return reverse("onestop_api:dossier_file", kwargs={"public_id": dossier.public_id,
                                                       "file_id": stored.public_id})


class DossierProcedureOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    sector = serializers.CharField()


class DossierSummaryOutput(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    commune = serializers.IntegerField(source="commune_id", read_only=True)
    procedure = DossierProcedureOutput(read_only=True)
    status_label = serializers.SerializerMethodField()
    is_late = serializers.SerializerMethodField()
    department = serializers.CharField(source="department.name", default=None,
                                       read_only=True)
    assignee = serializers.CharField(default=None, read_only=True)

    class Meta:
        model = Dossier
        fields = ["id", "code", "lookup_code", "commune", "procedure", "channel", "status",
                  "status_label", "applicant_name", "submitted_at", "received_at", "due_at",
                  "resolved_at", "returned_at", "closed_at", "is_late", "department",
                  "assignee", "fee_amount", "payment_status"]

    def get_status_label(self, dossier: Dossier) -> str:
        return str(State(dossier.status).label)

    def get_is_late(self, dossier: Dossier) -> bool:
        return services.is_late(dossier)


class DossierStepOutput(serializers.Serializer):
    action = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # popped by DRF's metaclass
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)
    actor = serializers.CharField(allow_null=True, help_text="Chỉ cán bộ xử lý thấy.")
    handed_to = serializers.CharField(allow_null=True)
    reason = serializers.CharField(allow_null=True)


class DossierAttachmentOutput(serializers.Serializer):
    id = serializers.UUIDField()
    document_code = serializers.CharField()
    copy_kind = serializers.CharField()
    round = serializers.IntegerField()
    name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    content_url = serializers.CharField()


class DossierDocumentOutput(serializers.Serializer):
    id = serializers.UUIDField()
    form = serializers.CharField()
    form_label = serializers.CharField()
    issued_at = serializers.DateTimeField()
    content_url = serializers.CharField()


class DossierActionOutput(serializers.Serializer):
    action = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # popped by DRF's metaclass
    needs_reason = serializers.BooleanField()
    inputs = serializers.ListField(child=serializers.CharField(),
                                   help_text="Dữ liệu cần gửi kèm ngoài lý do.")


class DossierDetailOutput(DossierSummaryOutput):
    form_data = serializers.JSONField(read_only=True)
    supplement_request = serializers.CharField(read_only=True)
    steps = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()
    status_url = serializers.SerializerMethodField()

    class Meta(DossierSummaryOutput.Meta):
        fields = [*DossierSummaryOutput.Meta.fields, "form_data", "supplement_request",
                  "steps", "attachments", "documents", "actions", "status_url"]

    def _staff(self) -> bool:
        return bool(self.context.get("staff"))

    @extend_schema_field(DossierStepOutput(many=True))
    def get_steps(self, dossier: Dossier) -> list[dict[str, Any]]:
        staff = self._staff()
        return [{"action": s.action, "label": milestone_label(s.action),
                 "from_state": s.from_state, "to_state": s.to_state, "at": s.at,
                 "due_at": s.due_at,
                 # Officers' names and internal reasons stay with the office.
                 "actor": s.actor_label if staff else None,
                 "handed_to": s.handed_to_label if staff else None,
                 "reason": s.reason if staff or s.action in APPLICANT_REASONS else None}
                for s in dossier.steps.all()]

    @extend_schema_field(DossierAttachmentOutput(many=True))
    def get_attachments(self, dossier: Dossier) -> list[dict[str, Any]]:
        return [{"id": a.file.public_id, "document_code": a.document_code,
                 "copy_kind": a.copy_kind, "round": a.round, "name": a.file.original_name,
                 "content_type": a.file.content_type, "size": a.file.size,
                 "content_url": _file_url(dossier, a.file)}
                for a in dossier.attachments.all()]

    @extend_schema_field(DossierDocumentOutput(many=True))
    def get_documents(self, dossier: Dossier) -> list[dict[str, Any]]:
        documents = (list(dossier.documents.all()) if self._staff()
                     else _citizen_documents(dossier))
        return [{"id": d.file.public_id, "form": d.form,
                 "form_label": str(DocumentForm(d.form).label), "issued_at": d.issued_at,
                 "content_url": _file_url(dossier, d.file)} for d in documents]

    @extend_schema_field(DossierActionOutput(many=True))
    def get_actions(self, dossier: Dossier) -> list[dict[str, Any]]:
        user = self.context["user"]
        found = [{"action": t.action, "label": str(t.label), "needs_reason": t.needs_reason,
                  "inputs": list(t.extra) + (["attachments"] if t.resumes_clock else [])}
                 for t in _actions(user, dossier, staff=self._staff())]
        if self._staff() and _may_extend(user, dossier):
            found.append({"action": EXTEND, "label": _("Lập văn bản xin lỗi và hẹn lại "
                                                       "(Mẫu 04)"),
                          "needs_reason": True, "inputs": ["new_due_date"]})
        return found

    def get_status_url(self, dossier: Dossier) -> str:
        return reverse("onestop_api:dossier_status", kwargs={"code": dossier.lookup_code})


class StrictCharField(serializers.CharField):
    """Text, and only text: DRF would take ``12`` or ``true`` for a string."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class DossierAttachmentInput(serializers.Serializer):
    document_code = StrictCharField(max_length=40)
    file = serializers.UUIDField(help_text="Mã tệp trả về từ POST /api/v1/uploads/.")
    copy_kind = serializers.ChoiceField(choices=AttachmentKind.choices,
                                        default=AttachmentKind.SCAN)


class DossierCreateInput(serializers.Serializer):
    commune = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    procedure = StrictCharField(max_length=20, help_text="Mã thủ tục, ví dụ 1.001193.")
    form_data = serializers.DictField(default=dict)
    attachments = DossierAttachmentInput(many=True, required=False,
                                         max_length=MAX_ATTACHMENTS)  # type: ignore[call-arg]
    sets = serializers.IntegerField(min_value=1, max_value=20, default=1)


class DossierActionInput(serializers.Serializer):
    reason = StrictCharField(max_length=services.MAX_REASON, required=False,
                             allow_blank=True, default="")
    department = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False,
                                          allow_null=True)
    assignee = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False,
                                        allow_null=True)
    result = serializers.UUIDField(required=False, allow_null=True,
                                   help_text="Dự thảo kết quả (PDF) đã tải lên.")
    attachments = DossierAttachmentInput(many=True, required=False,
                                         max_length=MAX_ATTACHMENTS)  # type: ignore[call-arg]


class DossierExtendInput(serializers.Serializer):
    new_due_date = serializers.DateField()
    reason = StrictCharField(max_length=services.MAX_REASON)


class DossierListQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=State.choices, required=False)
    procedure = serializers.CharField(max_length=20, required=False)


class DossierStatusMilestoneOutput(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]  # popped by DRF's metaclass
    at = serializers.DateTimeField()


class DossierStatusOutput(serializers.Serializer):
    code = serializers.CharField()
    procedure = serializers.CharField()
    commune = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    applicant = serializers.CharField(help_text="Tên đã che, ví dụ N*** T*** Lan.")
    submitted_at = serializers.DateTimeField()
    received_at = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    returned_at = serializers.DateTimeField(allow_null=True)
    supplement = serializers.CharField(allow_blank=True)
    payment = serializers.CharField(allow_null=True)
    milestones = DossierStatusMilestoneOutput(many=True)


# -- inputs to domain objects ------------------------------------------------------------------

def _invalid(field: str, message: str) -> DomainError:
    return DomainError(message, field_errors={field: [message]})


def _attachments(user: Any, items: list[dict[str, Any]]) -> list[services.AttachmentInput]:
    found = []
    for item in items:
        try:
            stored = stored_file_get_for_user(user=user, public_id=item["file"])
        except Http404 as exc:
            raise _invalid("attachments", _("Không tìm thấy tệp đính kèm %(id)s.")
                           % {"id": item["file"]}) from exc
        found.append(services.AttachmentInput(item["document_code"], stored,
                                              item["copy_kind"]))
    return found


def _idempotency_key(request: Request) -> str | None:
    key = (request.headers.get("Idempotency-Key") or "").strip()
    if not key:
        return None
    if len(key) > 64 or not key.isprintable():
        raise DomainError(_("Khóa chống gửi trùng (Idempotency-Key) tối đa 64 ký tự in được."))
    return key


# -- views -----------------------------------------------------------------------------------

class DossierListCreate(generics.ListAPIView, JSONBodyAPIView):
    """Dossiers the user handles as staff or applied for; an online application."""

    serializer_class = DossierSummaryOutput

    def get_queryset(self) -> QuerySet[Dossier]:
        query = DossierListQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        dossiers = (selectors.dossiers_for(self.request.user)
                    .select_related("department", "assignee")
                    .defer("form_data", "supplement_request")
                    .order_by("-submitted_at", "-pk"))
        if "status" in query.validated_data:
            dossiers = dossiers.filter(status=query.validated_data["status"])
        if "procedure" in query.validated_data:
            dossiers = dossiers.filter(procedure__code=query.validated_data["procedure"])
        return dossiers

    @extend_schema(parameters=[DossierListQuery], responses=DossierSummaryOutput(many=True))
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=DossierCreateInput,
        parameters=[OpenApiParameter("Idempotency-Key", OpenApiTypes.STR,
                                     OpenApiParameter.HEADER, required=False,
                                     description="Gửi lại cùng khóa: trả về hồ sơ đã nộp "
                                                 "(200) thay vì nộp lần nữa.")],
        responses={201: DossierDetailOutput, 200: DossierDetailOutput})
    def post(self, request: Request) -> Response:
        data = DossierCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        key = _idempotency_key(request)
        commune = Commune.objects.active().filter(pk=values["commune"]).first()
        if commune is None:
            raise _invalid("commune", _("Không tìm thấy xã."))
        procedure = Procedure.objects.filter(code=values["procedure"], is_active=True).first()
        if procedure is None:
            raise _invalid("procedure", _("Không tìm thấy thủ tục."))
        user: Any = request.user
        repeated = key is not None and Dossier.objects.filter(
            submitted_by=user, idempotency_key=key).exists()
        dossier = services.dossier_submit(
            actor=request.user, commune=commune, procedure=procedure,
            form_data=values["form_data"],
            attachments=_attachments(request.user, values.get("attachments", [])),
            idempotency_key=key, sets=values["sets"])
        return _detail_response(request, dossier,
                                status.HTTP_200_OK if repeated else status.HTTP_201_CREATED)


def _detail_response(request: Request, dossier: Dossier, code: int = 200) -> Response:
    dossier = _detailed(Dossier.objects.filter(pk=dossier.pk)).get()
    staff = _is_staff_for(request.user, dossier)
    body = DossierDetailOutput(dossier, context={"user": request.user, "staff": staff}).data
    return Response(body, status=code)


class DossierDetail(APIView):
    """One dossier with its steps, files, issued papers and what the user may do now."""

    @extend_schema(responses=DossierDetailOutput)
    def get(self, request: Request, public_id: UUID) -> Response:
        return _detail_response(request, _dossier(request.user, public_id))


class DossierAction(JSONBodyAPIView):
    """Take an action of the workflow (``actions`` in the dossier's detail lists them)."""

    @extend_schema(request=DossierActionInput,
                   parameters=[OpenApiParameter("action", OpenApiTypes.STR,
                                                OpenApiParameter.PATH,
                                                enum=sorted(TRANSITIONS))],
                   responses={200: DossierDetailOutput,
                              409: OpenApiResponse(description="Trạng thái không cho phép.")})
    def post(self, request: Request, public_id: UUID, action: str) -> Response:
        dossier = _dossier(request.user, public_id)
        transition = TRANSITIONS.get(action)
        if transition is None:
            raise exceptions.NotFound()
        data = DossierActionInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        kwargs: dict[str, Any] = {"reason": values.get("reason", "")}
        if values.get("department") is not None:
            kwargs["department"] = Department.objects.filter(
                pk=values["department"], commune=dossier.commune_id).first()
            if kwargs["department"] is None:
                raise _invalid("department", _("Không tìm thấy bộ phận."))
        if values.get("assignee") is not None:
            kwargs["assignee"] = User.objects.filter(pk=values["assignee"],
                                                     is_active=True).first()
            if kwargs["assignee"] is None:
                raise _invalid("assignee", _("Không tìm thấy người xử lý."))
        if values.get("result") is not None:
            kwargs["result"] = StoredFile.objects.filter(
                public_id=values["result"], commune=dossier.commune_id).first()
            if kwargs["result"] is None:
                raise _invalid("result", _("Không tìm thấy tệp kết quả."))
        if values.get("attachments"):
            kwargs["attachments"] = _attachments(request.user, values["attachments"])
        dossier = services.dossier_transition(actor=request.user, dossier=dossier,
                                              action=action, **kwargs)
        return _detail_response(request, dossier)


class DossierExtend(JSONBodyAPIView):
    """The apology-and-extension letter (Mẫu 04): a new working-day due date."""

    @extend_schema(request=DossierExtendInput, responses=DossierDetailOutput)
    def post(self, request: Request, public_id: UUID) -> Response:
        dossier = _dossier(request.user, public_id)
        data = DossierExtendInput(data=request.data)
        data.is_valid(raise_exception=True)
        dossier = services.dossier_extend(actor=request.user, dossier=dossier,
                                          new_due_date=data.validated_data["new_due_date"],
                                          reason=data.validated_data["reason"])
        return _detail_response(request, dossier)


class DossierFile(APIView):
    """An attachment, issued paper or drafted result of the dossier, to whoever may see it
    on the pages (the applicant: their attachments and their papers)."""

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY,
                              302: None})
    def get(self, request: Request, public_id: UUID, file_id: UUID) -> HttpResponseBase:
        dossier = _detailed(Dossier.objects.filter(
            pk=_dossier(request.user, public_id).pk)).get()
        staff = _is_staff_for(request.user, dossier)
        for stored in _files_for(request.user, dossier, staff=staff):
            if stored.public_id == file_id:
                return stored_file_response(request._request, stored)
        raise Http404


class StatusThrottle(BaseThrottle):
    """The public status page's limits per client address, shared with the page: asking
    the API instead does not buy more guesses."""

    def allow_request(self, request: Request, view: Any) -> bool:
        return not status_rate_limited(request._request, "all")

    def wait(self) -> float:
        return float(status_rate("all")[1])


class DossierStatus(APIView):
    """Public: where a dossier stands, by its lookup code or full code. No personal data
    beyond a masked name; no officers, no reasons (a reason may name people)."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes = [StatusThrottle]

    @extend_schema(responses=DossierStatusOutput)
    def get(self, request: Request, code: str) -> Response:
        text = (code or "").strip()[:MAX_CODE]
        dossier = selectors.dossier_by_lookup(text) if CODE_SHAPE.match(text) else None
        if dossier is None:
            if status_rate_limited(request._request, "miss"):
                raise exceptions.Throttled(wait=status_rate("miss")[1])
            raise Http404
        public = public_status(dossier)
        state = public["state"]
        response = Response(DossierStatusOutput({
            "code": text.upper(), "procedure": dossier.procedure.name,
            "commune": dossier.commune.name, "status": state.value,
            "status_label": str(state.label), "applicant": public["applicant"],
            "submitted_at": dossier.submitted_at, "received_at": dossier.received_at,
            "due_at": dossier.due_at, "resolved_at": dossier.resolved_at,
            "returned_at": dossier.returned_at, "supplement": public["supplement"],
            "payment": public["payment"], "milestones": public["milestones"],
        }).data)
        response["Cache-Control"] = "private, no-cache"
        response["Referrer-Policy"] = "no-referrer"
        return response
