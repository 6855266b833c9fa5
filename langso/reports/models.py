"""Citizen field reports (phản ánh hiện trường): what was reported, where, by whom, and
every public step of its answer. docs/field-reports.md describes the whole loop."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from langso.core.models import Commune, Department, StoredFile, Village


class ReportSettings(models.Model):
    """A commune's own deadlines and rules (defaults from the issue: acknowledge within 8
    working hours; urgent 4 working hours; normal 5 and complex 10 working days)."""

    commune = models.OneToOneField(Commune, on_delete=models.CASCADE,
                                   related_name="report_settings")
    acknowledge_hours = models.PositiveSmallIntegerField(
        _("giờ làm việc để tiếp nhận"), default=8,
        validators=[MinValueValidator(1), MaxValueValidator(80)])
    urgent_hours = models.PositiveSmallIntegerField(
        _("giờ làm việc xử lý việc khẩn"), default=4,
        validators=[MinValueValidator(1), MaxValueValidator(80)])
    normal_days = models.PositiveSmallIntegerField(
        _("ngày làm việc xử lý việc thường"), default=5,
        validators=[MinValueValidator(1), MaxValueValidator(60)])
    complex_days = models.PositiveSmallIntegerField(
        _("ngày làm việc xử lý việc phức tạp"), default=10,
        validators=[MinValueValidator(1), MaxValueValidator(90)])
    reopen_days = models.PositiveSmallIntegerField(
        _("số ngày được mở lại sau khi có kết quả"), default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)])
    approval_required = models.BooleanField(
        _("trả lời phải được lãnh đạo duyệt"), default=True)
    nearby_radius_m = models.PositiveSmallIntegerField(
        _("bán kính gợi ý phản ánh trùng (mét)"), default=150,
        validators=[MinValueValidator(10), MaxValueValidator(2000)])
    # The commune's area for "is this point ours?": a box is enough to warn, never to refuse.
    south = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    west = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    north = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    east = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    tenant_field = "commune"

    class Meta:
        verbose_name = _("cấu hình phản ánh")

    def __str__(self) -> str:
        return f"{self.commune}"


class Category(models.Model):
    """A kind of problem (Open311 "service"): routes to a department by default."""

    commune = models.ForeignKey(Commune, on_delete=models.PROTECT,
                                related_name="report_categories")
    code = models.SlugField(_("mã"), max_length=50)  # Open311 service_code
    name = models.CharField(_("tên"), max_length=120)
    description = models.CharField(_("mô tả"), max_length=500, blank=True)
    group = models.CharField(_("nhóm"), max_length=80, blank=True)
    keywords = models.CharField(_("từ khóa"), max_length=300, blank=True)
    department = models.ForeignKey(Department, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="report_categories",
                                   verbose_name=_("bộ phận xử lý mặc định"))
    is_active = models.BooleanField(_("đang dùng"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    tenant_field = "commune"

    class Meta:
        ordering = ["position", "name"]
        constraints = [models.UniqueConstraint(fields=["commune", "code"],
                                               name="report_category_code_unique")]
        verbose_name = _("lĩnh vực phản ánh")

    def __str__(self) -> str:
        return self.name


class ResponseTemplate(models.Model):
    """A model answer for a category; the officer edits it before sending."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE,
                                 related_name="response_templates")
    title = models.CharField(_("tiêu đề"), max_length=120)
    text = models.TextField(_("nội dung"), max_length=4000)
    is_active = models.BooleanField(_("đang dùng"), default=True)

    tenant_field = "category__commune"

    class Meta:
        ordering = ["title"]
        verbose_name = _("mẫu trả lời")

    def __str__(self) -> str:
        return self.title


class Severity(models.TextChoices):
    URGENT = "urgent", _("Khẩn cấp")
    NORMAL = "normal", _("Thông thường")
    COMPLEX = "complex", _("Phức tạp")


class RejectReason(models.TextChoices):
    NOT_RESPONSIBLE = "not_responsible", _("Không thuộc thẩm quyền của xã")
    DUPLICATE = "duplicate", _("Trùng với phản ánh khác")
    SPAM = "spam", _("Nội dung không phù hợp")
    INSUFFICIENT = "insufficient", _("Không đủ thông tin để xử lý")


class Source(models.TextChoices):
    WEB = "web", _("Trang web")
    APP = "app", _("Ứng dụng (gửi lại khi có mạng)")
    OPEN311 = "open311", _("Ứng dụng kết nối (Open311)")
    STAFF = "staff", _("Cán bộ ghi nhận")


class Report(models.Model):
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="reports")
    # Shown as "PA-<number>" and used as the Open311 service_request_id in its commune.
    number = models.PositiveIntegerField(_("số"))
    # Sent by the phone with the report: a retry (or a report kept offline and sent twice)
    # finds the first one instead of making a second.
    client_token = models.UUIDField(null=True, blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="reports",
                                 verbose_name=_("lĩnh vực"))
    suggested_category = models.ForeignKey(Category, on_delete=models.SET_NULL, null=True,
                                           blank=True, related_name="+")
    description = models.TextField(_("nội dung"), max_length=4000)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    location_source = models.CharField(max_length=10, blank=True)  # map, photo, device, address
    outside_commune = models.BooleanField(default=False)  # warned, sent anyway
    village = models.ForeignKey(Village, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="reports", verbose_name=_("thôn"))
    address = models.CharField(_("địa chỉ, vị trí"), max_length=255, blank=True)

    status = models.CharField(_("trạng thái"), max_length=20, default="new", db_index=True)
    severity = models.CharField(_("mức độ"), max_length=10, choices=Severity.choices,
                                blank=True)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="reports",
                                   verbose_name=_("bộ phận xử lý"))
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                 null=True, blank=True, related_name="assigned_reports",
                                 verbose_name=_("cán bộ xử lý"))

    # The reporter: an account, or nobody (contact optional). ``reporter_key_hash`` is the
    # SHA-256 of the secret in the link given after sending: it lets an anonymous reporter
    # rate, reopen and follow without an account.
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                 null=True, blank=True, related_name="reports")
    reporter_name = models.CharField(_("họ và tên"), max_length=150, blank=True)
    reporter_phone = models.CharField(_("số điện thoại"), max_length=15, blank=True)
    reporter_email = models.EmailField(_("thư điện tử"), blank=True)
    reporter_key_hash = models.CharField(max_length=64, blank=True, editable=False)
    confidential = models.BooleanField(_("giữ bí mật danh tính"), default=False)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.WEB)

    reject_reason = models.CharField(_("lý do từ chối"), max_length=20,
                                     choices=RejectReason.choices, blank=True)
    duplicate_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True,
                                     blank=True, related_name="duplicates")
    status_note = models.TextField(_("ghi chú công khai"), blank=True)

    answer_text = models.TextField(_("nội dung trả lời"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(_("thời điểm gửi"), default=timezone.now)
    acknowledge_due_at = models.DateTimeField(_("hạn tiếp nhận"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("thời điểm tiếp nhận"), null=True, blank=True)
    due_at = models.DateTimeField(_("hạn xử lý"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("thời điểm có kết quả"), null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)  # breach told to the chairman
    reopen_count = models.PositiveSmallIntegerField(default=0)
    rating = models.PositiveSmallIntegerField(
        _("đánh giá"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)])
    rating_comment = models.CharField(_("nhận xét"), max_length=1000, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)

    # Moderation: hidden from the public (the original stays, and in the history).
    hidden = models.BooleanField(default=False)
    description_hidden = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    tenant_field = "commune"
    village_field = "village"
    personal_data = True

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["commune", "number"], name="report_number_unique"),
            models.UniqueConstraint(fields=["commune", "client_token"],
                                    condition=models.Q(client_token__isnull=False),
                                    name="report_client_token_unique"),
        ]
        indexes = [
            models.Index(fields=["commune", "status", "created_at"], name="report_status_idx"),
            models.Index(fields=["commune", "category", "status"], name="report_category_idx"),
            models.Index(fields=["latitude", "longitude"], name="report_point_idx"),
            models.Index(fields=["department", "status"], name="report_department_idx"),
            # The public list: a commune's visible reports, newest first.
            models.Index(fields=["commune", "-created_at", "-id"], name="report_public_list_idx",
                         condition=models.Q(hidden=False)),
        ]
        verbose_name = _("phản ánh")
        verbose_name_plural = _("phản ánh")

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"PA-{self.number}"


class MediaKind(models.TextChoices):
    PHOTO = "photo", _("Ảnh")
    VIDEO = "video", _("Video")
    PROOF = "proof", _("Ảnh, tài liệu kết quả xử lý")


class MediaStatus(models.TextChoices):
    PENDING = "pending", _("Đang xử lý")
    READY = "ready", _("Sẵn sàng")
    FAILED = "failed", _("Không dùng được")


class ReportMedia(models.Model):
    """A photo, a video or a proof of the answer. ``file`` is what the public may see (a
    re-encoded copy without metadata), set by the background step; ``received`` is the file
    as it arrived, kept only until then."""

    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="+")
    # Empty until the report (or the answer) it was sent with is recorded: files are stored
    # before any record points to them.
    report = models.ForeignKey(Report, on_delete=models.CASCADE, null=True, blank=True,
                               related_name="media")
    kind = models.CharField(max_length=10, choices=MediaKind.choices)
    status = models.CharField(max_length=10, choices=MediaStatus.choices,
                              default=MediaStatus.PENDING)
    received = models.ForeignKey(StoredFile, on_delete=models.SET_NULL, null=True,
                                 blank=True, related_name="+")
    file = models.ForeignKey(StoredFile, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+")
    poster = models.ForeignKey(StoredFile, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+")  # a video's still frame
    duration_seconds = models.FloatField(null=True, blank=True)
    hidden = models.BooleanField(default=False)
    failure = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    tenant_field = "commune"

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("ảnh, video phản ánh")

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class ReportUpdate(models.Model):
    """A public step of the report (Open311 ``servicerequestupdates``): the state it went
    to and what the public may read about it. The who/why of every change, internal ones
    included, is in the commune's history (core.history)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="updates")
    action = models.CharField(max_length=30)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    text = models.TextField(blank=True)  # public
    actor_label = models.CharField(max_length=150, blank=True)  # office, never a citizen
    at = models.DateTimeField(default=timezone.now, db_index=True)

    tenant_field = "report__commune"

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.action} {self.to_status}"


class ReportFollower(models.Model):
    """Someone told of each public step: an account, or an e-mail address / phone."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="followers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True,
                             blank=True, related_name="followed_reports")
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=15, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    tenant_field = "report__commune"

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["report", "user"], condition=models.Q(user__isnull=False),
            name="report_follower_user_unique")]

    def __str__(self) -> str:
        return f"follower #{self.pk}"


class ReportCounter(models.Model):
    commune = models.OneToOneField(Commune, on_delete=models.CASCADE, related_name="+")
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.commune_id}: {self.last}"


class Open311Key(models.Model):
    """An application allowed to POST to /open311/v2/ for a commune (the spec's api_key).
    Only the SHA-256 of the key is kept; the key is shown once when made."""

    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="open311_keys")
    name = models.CharField(_("ứng dụng"), max_length=120)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    tenant_field = "commune"

    class Meta:
        verbose_name = _("khóa Open311")

    def __str__(self) -> str:
        return self.name


class ReportMessage(models.Model):
    """A public step told by e-mail or SMS to somebody without an account: a follower who
    left an address, or a reporter who sent without signing in. Sent by a task through the
    core channels (``notifications.report_message_send``); like core's ``Delivery``, the
    status makes sending idempotent: pending → sending → sent | failed."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ gửi")
        SENDING = "sending", _("Đang gửi")
        SENT = "sent", _("Đã gửi")
        FAILED = "failed", _("Gửi không được")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="messages")
    update = models.ForeignKey(ReportUpdate, on_delete=models.CASCADE, related_name="messages")
    channel = models.CharField(max_length=10)  # core Channel: "email" or "sms"
    address = models.CharField(max_length=254)
    to_reporter = models.BooleanField(default=False)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    not_before = models.DateTimeField(null=True, blank=True)
    provider_message_id = models.CharField(max_length=100, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    tenant_field = "report__commune"
    personal_data = True

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["update", "channel", "address"],
                                               name="report_message_once")]

    def __str__(self) -> str:
        return f"{self.channel} #{self.pk}"


class ClassifierModel(models.Model):
    """A commune's trained category suggester (``reports.classifier``). The vocabulary and
    coefficients are a gzipped JSON file in the storage, never a pickle; ``sha256`` is
    checked before the file is read, so a file changed in the storage is refused."""

    commune = models.ForeignKey(Commune, on_delete=models.CASCADE,
                                related_name="report_classifiers")
    storage_name = models.CharField(max_length=255, unique=True, editable=False)
    sha256 = models.CharField(max_length=64, editable=False)
    size = models.PositiveIntegerField()
    format = models.PositiveSmallIntegerField()
    # What it was trained on: the same fingerprint next week means nothing to retrain.
    fingerprint = models.CharField(max_length=64)
    examples = models.PositiveIntegerField()
    own_examples = models.PositiveIntegerField()
    seed_examples = models.PositiveIntegerField()
    categories = models.PositiveSmallIntegerField()
    accuracy = models.FloatField(null=True, blank=True)  # cross-validated, all examples
    metrics = models.JSONField(default=dict, blank=True)  # per category: examples, accuracy
    created_at = models.DateTimeField(default=timezone.now)

    tenant_field = "commune"

    class Meta:
        ordering = ["-pk"]
        indexes = [models.Index(fields=["commune", "-id"], name="report_classifier_latest")]
        verbose_name = _("mô hình gợi ý lĩnh vực")

    def __str__(self) -> str:
        return f"{self.commune_id} #{self.pk}"
