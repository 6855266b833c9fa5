"""One-stop shop: the procedure catalogue, dossiers and everything that happens to them.

The catalogue is national data (``Procedure``) whose rules live in dated, immutable
``ProcedureVersion`` rows: a new decree is a new version, and a dossier keeps the version it
was submitted under. Each commune says how it takes part in ``OfficeSettings``.
Dossier states and who may move them are declared in ``workflow.py``, nowhere else.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from langso.core.models import Commune, Department, Person, StoredFile, Village


class OnlineLevel(models.TextChoices):
    # NĐ 42/2022/NĐ-CP: "toàn trình" = submit, pay and receive online; "một phần" = the rest.
    FULL = "full", _("Toàn trình")
    PARTIAL = "partial", _("Một phần")
    COUNTER = "counter", _("Chỉ tại bộ phận một cửa")


class TimeLimitKind(models.TextChoices):
    WORKING_DAYS = "working_days", _("Ngày làm việc")
    WORKING_HOURS = "working_hours", _("Giờ làm việc")
    # "Trong ngày; sau 15 giờ thì trả trong ngày làm việc tiếp theo": 0 working days counted
    # from ``WorkingClock.counting_start``.
    SAME_DAY = "same_day", _("Trong ngày")


class Procedure(models.Model):
    """A national administrative procedure (thủ tục hành chính) as the catalogue names it."""

    code = models.CharField(_("mã thủ tục"), max_length=20, unique=True,
                            help_text=_("Mã trên Cơ sở dữ liệu quốc gia, ví dụ 1.001193."))
    name = models.CharField(_("tên thủ tục"), max_length=300)
    sector = models.CharField(_("lĩnh vực"), max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    department_kind = models.CharField(_("bộ phận giải quyết"), max_length=40,
                                       choices=Department.Kind.choices)
    is_active = models.BooleanField(_("đang áp dụng"), default=True)

    class Meta:
        ordering = ["sector", "name"]
        verbose_name = _("thủ tục hành chính")
        verbose_name_plural = _("thủ tục hành chính")

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"


class ProcedureVersion(models.Model):
    """The rules of a procedure from ``effective_from`` on. Never edited once a dossier uses it.

    ``form_schema``: list of fields ``{"name", "label", "type", "required", "prefill",
    "choices", "max_length", "help"}`` (see ``formschema.py``).
    ``documents``: list of ``{"code", "name", "copy_kind", "quantity", "required"}``.
    ``fee``: ``{"kind": "free" | "fixed" | "per_page", ...}`` (see ``fees.py``).
    """

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("phiên bản"))
    effective_from = models.DateField(_("có hiệu lực từ"))
    legal_basis = models.TextField(_("căn cứ pháp lý"))
    time_limit_kind = models.CharField(_("cách tính thời hạn"), max_length=16,
                                       choices=TimeLimitKind.choices)
    time_limit_value = models.DecimalField(_("thời hạn giải quyết"), max_digits=6,
                                           decimal_places=2, default=0)
    time_limit_note = models.CharField(_("ghi chú thời hạn"), max_length=300, blank=True)
    online_level = models.CharField(_("mức độ trực tuyến"), max_length=10,
                                    choices=OnlineLevel.choices)
    result_type = models.CharField(_("kết quả giải quyết"), max_length=300)
    fee = models.JSONField(_("phí, lệ phí"), default=dict)
    documents = models.JSONField(_("thành phần hồ sơ"), default=list)
    form_schema = models.JSONField(_("mẫu đơn (tờ khai)"), default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["procedure", "-effective_from", "-number"]
        verbose_name = _("phiên bản thủ tục")
        verbose_name_plural = _("phiên bản thủ tục")
        constraints = [
            models.UniqueConstraint(fields=["procedure", "number"],
                                    name="procedureversion_unique_number"),
            models.CheckConstraint(condition=Q(time_limit_value__gte=0),
                                   name="procedureversion_time_limit_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.procedure.code} v{self.number}"


class OfficeSettings(models.Model):
    """How one commune's one-stop office works: its organ code, bank account, return desk."""

    commune = models.OneToOneField(Commune, on_delete=models.CASCADE,
                                   related_name="onestop_settings")
    # The receiving organ's code in dossier codes (TT 03/2025); the commune code by default.
    organ_code = models.CharField(_("mã cơ quan tiếp nhận"), max_length=20)
    office_name = models.CharField(_("tên bộ phận tiếp nhận"), max_length=200)
    return_place = models.CharField(_("nơi trả kết quả"), max_length=300, blank=True)
    bank_bin = models.CharField(_("mã BIN ngân hàng"), max_length=6, blank=True)
    bank_account = models.CharField(_("số tài khoản"), max_length=19, blank=True)
    bank_account_name = models.CharField(_("tên tài khoản"), max_length=100, blank=True)
    # Working days before the due date at which the assignee and leader are warned.
    warn_days_before = models.PositiveSmallIntegerField(_("cảnh báo trước (ngày làm việc)"),
                                                        default=1)

    tenant_field = "commune"

    class Meta:
        verbose_name = _("cấu hình một cửa")
        verbose_name_plural = _("cấu hình một cửa")

    def __str__(self) -> str:
        return self.office_name


class Channel(models.TextChoices):
    ONLINE = "online", _("Trực tuyến")
    COUNTER = "counter", _("Trực tiếp")
    POST = "post", _("Bưu chính")


class PaymentStatus(models.TextChoices):
    NOT_REQUIRED = "not_required", _("Không thu phí")
    UNPAID = "unpaid", _("Chưa nộp")
    PAID = "paid", _("Đã nộp")


# workflow.OPEN_STATES, spelled out because workflow imports this module (a test keeps the
# two equal); the worklist's partial index covers only these rows.
WORKLIST_STATES = ("assigned", "processing", "received", "result_drafted", "result_ready",
                   "signed", "submitted", "supplement")
# The worklist order: dossiers waiting for a supplement (clock paused) after all others.
PAUSED_LAST = models.Case(models.When(status="supplement", then=models.Value(1)),
                          default=models.Value(0), output_field=models.IntegerField())


class DossierQuerySet(models.QuerySet["Dossier"]):
    def open(self) -> "DossierQuerySet":
        from langso.onestop.workflow import OPEN_STATES

        return self.filter(status__in=OPEN_STATES)


class Dossier(models.Model):
    """One application (hồ sơ) from receipt to return. States: ``workflow.State``."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="dossiers")
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="dossiers")
    # The rules it was submitted under; later versions never change it.
    version = models.ForeignKey(ProcedureVersion, on_delete=models.PROTECT,
                                related_name="dossiers")
    code = models.CharField(_("mã hồ sơ"), max_length=40, unique=True)
    lookup_code = models.CharField(_("mã tra cứu"), max_length=8, unique=True)
    channel = models.CharField(_("hình thức nộp"), max_length=10, choices=Channel.choices)
    status = models.CharField(_("trạng thái"), max_length=24, db_index=True)

    # Who applies. ``applicant_user`` is the account that may follow and act on it online.
    applicant = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="dossiers")
    applicant_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                       null=True, blank=True, related_name="dossiers")
    applicant_name = models.CharField(_("người nộp"), max_length=150)
    applicant_id_number = models.CharField(_("số định danh cá nhân"), max_length=12,
                                           blank=True)
    applicant_phone = models.CharField(_("số điện thoại"), max_length=15, blank=True)
    applicant_email = models.EmailField(_("thư điện tử"), blank=True)
    applicant_address = models.CharField(_("địa chỉ"), max_length=255, blank=True)
    village = models.ForeignKey(Village, on_delete=models.SET_NULL, null=True, blank=True)
    form_data = models.JSONField(_("nội dung tờ khai"), default=dict)
    sets = models.PositiveSmallIntegerField(_("số bộ hồ sơ"), default=1)

    # Time: ``due_at`` moves only by the clock (pause/resume) or an extension letter.
    submitted_at = models.DateTimeField(_("thời điểm nộp"), default=timezone.now)
    received_at = models.DateTimeField(_("thời điểm tiếp nhận"), null=True, blank=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+")
    due_at = models.DateTimeField(_("hẹn trả kết quả"), null=True, blank=True, db_index=True)
    original_due_at = models.DateTimeField(_("hạn ban đầu"), null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    remaining_at_pause = models.DurationField(null=True, blank=True)
    resolved_at = models.DateTimeField(_("thời điểm có kết quả"), null=True, blank=True)
    returned_at = models.DateTimeField(_("thời điểm trả kết quả"), null=True, blank=True)
    closed_at = models.DateTimeField(_("thời điểm kết thúc"), null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    department = models.ForeignKey(Department, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="dossiers",
                                   verbose_name=_("bộ phận xử lý"))
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                 null=True, blank=True, related_name="assigned_dossiers",
                                 verbose_name=_("người xử lý"))
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                  null=True, blank=True, related_name="+")
    supplement_request = models.TextField(_("nội dung yêu cầu bổ sung"), blank=True)

    fee_amount = models.PositiveIntegerField(_("phí, lệ phí (đồng)"), default=0)
    payment_status = models.CharField(_("thanh toán"), max_length=12,
                                      choices=PaymentStatus.choices,
                                      default=PaymentStatus.NOT_REQUIRED)
    result_file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="+")
    # "Ghi sổ theo dõi": book number and sequence in it (Mẫu 01 and 07), per commune and year.
    book_year = models.PositiveSmallIntegerField(default=0)
    book_number = models.PositiveIntegerField(default=0)

    # An online "submit" clicked twice, or a retried API call, creates one dossier.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    objects = DossierQuerySet.as_manager()

    tenant_field = "commune"
    personal_data = True

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("hồ sơ")
        verbose_name_plural = _("hồ sơ")
        constraints = [
            models.UniqueConstraint(fields=["submitted_by", "idempotency_key"],
                                    condition=Q(idempotency_key__isnull=False),
                                    name="dossier_unique_idempotency_key"),
            models.UniqueConstraint(fields=["commune", "book_year", "book_number"],
                                    condition=Q(book_number__gt=0),
                                    name="dossier_unique_book_entry"),
        ]
        indexes = [
            models.Index(fields=["commune", "status", "due_at"], name="dossier_worklist"),
            models.Index(fields=["commune", "received_at"], name="dossier_received"),
            models.Index(fields=["commune", "resolved_at"], name="dossier_resolved"),
            # The statistics find dossiers closed in a period, or still open, by this one.
            models.Index(fields=["commune", "closed_at"], name="dossier_closed"),
            # The worklist's ORDER BY, over open dossiers only: the first page is read off the
            # index instead of sorting every open dossier (onestop.worklist).
            models.Index(models.F("commune"), PAUSED_LAST, models.F("due_at"),
                         models.F("submitted_at"), models.F("id"),
                         condition=Q(status__in=WORKLIST_STATES), name="dossier_worklist_order"),
        ]

    def __str__(self) -> str:
        return self.code


class DossierStep(models.Model):
    """One handover or decision (Phiếu kiểm soát quá trình, Mẫu 06); also in core history."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(max_length=32)
    from_state = models.CharField(max_length=24, blank=True)
    to_state = models.CharField(max_length=24)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+")
    actor_label = models.CharField(max_length=150)
    handed_to_label = models.CharField(max_length=200, blank=True)
    reason = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(null=True, blank=True)

    tenant_field = "dossier__commune"

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.action}"


class AttachmentKind(models.TextChoices):
    ORIGINAL = "original", _("Bản chính")
    COPY = "copy", _("Bản sao")
    CERTIFIED_COPY = "certified_copy", _("Bản sao chứng thực")
    SCAN = "scan", _("Bản chụp/bản quét")


class DossierAttachment(models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="attachments")
    document_code = models.CharField(_("thành phần hồ sơ"), max_length=40)
    copy_kind = models.CharField(_("loại bản"), max_length=16, choices=AttachmentKind.choices,
                                 default=AttachmentKind.SCAN)
    file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+")
    # Supplements are numbered rounds: 0 is what came with the application.
    round = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    tenant_field = "dossier__commune"

    class Meta:
        ordering = ["round", "pk"]

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.document_code}"


class DocumentForm(models.TextChoices):
    """Papers the office issues (TT 03/2025/TT-VPCP, Phụ lục I) plus result and fee receipt."""

    RECEIPT = "01", _("Giấy tiếp nhận hồ sơ và hẹn trả kết quả")
    SUPPLEMENT = "02", _("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ")
    REFUSAL = "03", _("Phiếu từ chối tiếp nhận giải quyết hồ sơ")
    APOLOGY = "04", _("Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết")
    STOP = "05", _("Thông báo dừng giải quyết hồ sơ")
    CONTROL_SHEET = "06", _("Phiếu kiểm soát quá trình giải quyết hồ sơ")
    RESULT = "result", _("Kết quả giải quyết")
    PAYMENT_RECEIPT = "payment", _("Biên lai thu phí, lệ phí")


class DossierDocument(models.Model):
    """A signed PDF issued for a dossier; the newest of each form is the one that counts."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="documents")
    form = models.CharField(_("mẫu"), max_length=8, choices=DocumentForm.choices)
    file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                  null=True, blank=True, related_name="+")

    tenant_field = "dossier__commune"

    class Meta:
        ordering = ["-issued_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.form}"


class Payment(models.Model):
    class Method(models.TextChoices):
        VIETQR = "vietqr", _("Chuyển khoản VietQR")
        CASH = "cash", _("Tiền mặt")
        BANK_NOTICE = "bank", _("Ngân hàng báo có")

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="payments")
    amount = models.PositiveIntegerField(_("số tiền (đồng)"))
    method = models.CharField(_("hình thức"), max_length=10, choices=Method.choices)
    # The bank's transaction id: a webhook delivered twice records one payment.
    reference = models.CharField(_("mã giao dịch"), max_length=64, null=True, blank=True,
                                 unique=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+")
    confirmed_at = models.DateTimeField(default=timezone.now)
    receipt_number = models.CharField(_("số biên lai"), max_length=30, unique=True)

    tenant_field = "dossier__commune"

    class Meta:
        ordering = ["-confirmed_at"]
        # Fees paid in a period (statistics).
        indexes = [models.Index(fields=["confirmed_at"], name="payment_confirmed")]

    def __str__(self) -> str:
        return self.receipt_number


class DossierDraft(models.Model):
    """An online application being filled in; saved as the citizen types, so a dropped
    connection loses nothing."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="dossier_drafts")
    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="+")
    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="+")
    form_data = models.JSONField(default=dict)
    # [{"document_code", "file": StoredFile.public_id}]: uploaded before the submission.
    attachments = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)

    tenant_field = "commune"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "commune", "procedure"],
                                    name="dossierdraft_one_per_procedure"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.procedure_id}"


class DossierCounter(models.Model):
    """Sequence numbers per commune and day (dossier codes) or year (tracking book)."""

    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=16)  # "d:YYMMDD" or "book:YYYY"
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["commune", "scope"], name="dossiercounter_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.commune_id}: {self.scope}"
