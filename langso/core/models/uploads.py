"""Files users send (photos, PDF documents, audio, a report's short video), checked and
cleaned by the upload pipeline.

Only ``langso.core.uploads.services`` creates rows (``upload_store`` and its siblings). The
file itself lives in the default storage under ``storage_name``; there is deliberately no
FileField, so nothing can hand out a public ``MEDIA_URL`` for it: files are served through
``access`` only.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from langso.core.models.geography import Commune


class StoredFileKind(models.TextChoices):
    PHOTO = "photo", _("Ảnh")
    DOCUMENT = "document", _("Tài liệu PDF")
    AUDIO = "audio", _("Âm thanh")
    VIDEO = "video", _("Video")


class StoredFile(models.Model):
    Kind = StoredFileKind

    # What appears in URLs and the API; the integer pk stays internal (foreign keys).
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="stored_files")
    kind = models.CharField(_("loại"), max_length=16, choices=StoredFileKind.choices)
    original_name = models.CharField(_("tên tệp"), max_length=255)
    # Random, chosen by the server; never derived from anything the user sent.
    storage_name = models.CharField(max_length=255, unique=True, editable=False)
    # Detected from the bytes (and, for photos, the format they were re-encoded to).
    content_type = models.CharField(_("kiểu nội dung"), max_length=100)
    size = models.PositiveBigIntegerField(_("dung lượng"))
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    # Read from a photo's EXIF before it is stripped; kept only when the calling module asks
    # (a field report needs the place; an ID-card scan must not carry the holder's home).
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, related_name="stored_files")
    created_at = models.DateTimeField(_("thời điểm tải lên"), default=timezone.now)

    tenant_field = "commune"
    # History names these rows by number only (file names may carry personal data).
    personal_data = True

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("tệp tải lên")
        verbose_name_plural = _("tệp tải lên")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=StoredFileKind.values),
                                   name="storedfile_kind_valid"),
            # A place is both coordinates or neither, and on the globe.
            models.CheckConstraint(
                condition=(Q(latitude__isnull=True, longitude__isnull=True)
                           | Q(latitude__isnull=False, longitude__isnull=False,
                               latitude__gte=-90, latitude__lte=90,
                               longitude__gte=-180, longitude__lte=180)),
                name="storedfile_location_valid"),
            # Photos always know their size; other kinds never have one. (Explicit isnull:
            # a check constraint that evaluates to NULL passes.)
            models.CheckConstraint(
                condition=(Q(kind=StoredFileKind.PHOTO, width__isnull=False,
                             height__isnull=False, width__gt=0, height__gt=0)
                           | (~Q(kind=StoredFileKind.PHOTO)
                              & Q(width__isnull=True, height__isnull=True))),
                name="storedfile_dimensions_for_photos"),
            # Only photos carry a location.
            models.CheckConstraint(
                condition=Q(kind=StoredFileKind.PHOTO) | Q(latitude__isnull=True),
                name="storedfile_location_only_photos"),
        ]
        indexes = [
            models.Index(fields=["commune", "-created_at"], name="storedfile_commune_idx"),
            # The daily quota sums a user's recent uploads.
            models.Index(fields=["uploaded_by", "created_at"], name="storedfile_uploader_idx"),
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def has_location(self) -> bool:
        return self.latitude is not None
