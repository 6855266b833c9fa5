"""Storing a file a user sent: check it, write it to the storage, then record it.

The order is fixed: the file reaches the storage before its row exists, and the row is
only written once the file is there; if the row cannot be written the file is removed.
A file whose row was rolled back later by the caller's own transaction is removed by
``upload_sweep_orphans`` (``manage.py upload_sweep``).
"""

import hashlib
import logging
import secrets
from datetime import datetime, timedelta
from io import BytesIO
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from langso.core import access
from langso.core.errors import DomainError, NotFound, PermissionDenied
from langso.core.models import Commune, StoredFile, StoredFileKind
from langso.core.uploads import content

logger = logging.getLogger(__name__)

PREFIX = "uploads"
# A file younger than this may still be waiting for its row (a long outer transaction).
ORPHAN_GRACE = timedelta(hours=6)
# What ``upload_store`` takes. A video only comes with a field report and is shown only
# re-encoded without metadata (langso/reports/media.py stores it with ``store_checked``).
UPLOAD_KINDS = (StoredFileKind.PHOTO, StoredFileKind.DOCUMENT, StoredFileKind.AUDIO)


class StorageUnavailable(DomainError):
    status = 503
    code = "storage_unavailable"


class _Outgoing(File):
    """What goes to the storage, carrying our content type (S3 would otherwise take the
    one the browser claimed) and, for a big upload, the temporary file to move."""

    def __init__(self, stream: IO[bytes], name: str, content_type: str) -> None:
        super().__init__(stream, name=name)
        self.content_type = content_type
        if hasattr(stream, "temporary_file_path"):
            self.temporary_file_path = stream.temporary_file_path


def storage() -> Storage:
    return storages["default"]


def _require_may_upload(actor: Any, commune: Commune) -> None:
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied(_("Vui lòng đăng nhập để gửi tệp."))
    if not commune.is_active:
        raise NotFound(_("Không tìm thấy xã."))


def _check_quota(actor: Any, commune: Commune, size: int, now: datetime) -> None:
    """Residents (no role in the commune) may store a bounded amount per day, so one
    account cannot fill the disk of a commune's small server."""
    if actor.is_superuser or access.roles_in(actor, commune):
        return
    used = (StoredFile.objects.filter(uploaded_by=actor, created_at__gt=now - timedelta(hours=24))
            .aggregate(total=Sum("size"))["total"] or 0)
    if used + size > settings.UPLOAD_DAILY_MB_PER_USER * content.MB:
        raise DomainError(_("Bạn đã gửi quá nhiều tệp trong 24 giờ qua, vui lòng thử lại sau."),
                          code="quota_exceeded")


def _storage_name(commune: Commune, extension: str, now: datetime) -> str:
    # 128 random bits; the commune and month only help backups and operators.
    return f"{PREFIX}/{commune.pk}/{now:%Y/%m}/{secrets.token_hex(16)}.{extension}"


def _delete_quietly(name: str) -> None:
    try:
        storage().delete(name)
    except Exception:
        logger.exception("upload.cleanup_failed", extra={"storage_name": name})


def upload_store(*, actor: Any, commune: Commune, file: Any, kind: str,
                 keep_location: bool = False, now: datetime | None = None) -> StoredFile:
    """Check ``file`` as a ``kind`` (photo, document, audio) sent by ``actor`` to
    ``commune``, store the cleaned bytes and return the record.

    ``keep_location``: keep the GPS position found in a photo (field reports need it);
    otherwise it is read and dropped with the rest of the metadata.
    """
    now = now or timezone.now()
    _require_may_upload(actor, commune)
    if kind not in UPLOAD_KINDS:
        raise DomainError(_("Loại tệp không hợp lệ."), field_errors={
            "kind": [_("Chọn một trong: ảnh, tài liệu PDF, âm thanh.")]})
    if file is None:
        raise DomainError(_("Vui lòng chọn tệp."), field_errors={"file": [_("Chưa có tệp.")]})
    limit = settings.UPLOAD_MAX_BYTES[kind]
    declared = getattr(file, "size", None)
    if isinstance(declared, int) and declared > limit:  # refuse before reading any of it
        raise DomainError(content.size_message(kind, limit), code="too_large")

    checked = content.check(file, kind=kind)
    _check_quota(actor, commune, checked.size, now)
    return store_checked(commune=commune, checked=checked, kind=kind,
                         original_name=getattr(file, "name", ""), actor=actor,
                         keep_location=keep_location, now=now)


def store_checked(*, commune: Commune, checked: content.CheckedFile, kind: str,
                  original_name: str, actor: Any = None, keep_location: bool = False,
                  now: datetime | None = None) -> StoredFile:
    """Store bytes the caller has already checked (``content.check``, ``clean_photo``, or a
    module's own cheaper check of a file it processes later) and record them: the storage
    and row order of ``upload_store`` without its actor rule and quota. For modules that
    take files from visitors without an account and limit them their own way (field
    reports: a rate limit per client, langso/reports/media.py)."""
    now = now or timezone.now()
    name = _storage_name(commune, checked.extension, now)
    try:
        name = storage().save(name, _Outgoing(checked.stream, name, checked.content_type))
    except Exception as exc:
        logger.exception("upload.storage_failed", extra={"commune": commune.pk})
        raise StorageUnavailable(_("Chưa lưu được tệp, vui lòng thử lại sau ít phút.")) from exc

    keep = keep_location and kind == StoredFileKind.PHOTO
    try:
        with transaction.atomic():
            stored = StoredFile.objects.create(
                commune=commune, kind=kind, original_name=content.sanitize_filename(
                    original_name), storage_name=name,
                content_type=checked.content_type, size=checked.size, sha256=checked.sha256,
                width=checked.width, height=checked.height,
                latitude=checked.latitude if keep else None,
                longitude=checked.longitude if keep else None,
                uploaded_by=actor if getattr(actor, "pk", None) else None, created_at=now)
    except BaseException:
        _delete_quietly(name)
        raise
    logger.info("upload.stored", extra={"commune": commune.pk, "kind": kind,
                                        "size": checked.size, "file": str(stored.public_id)})
    return stored


def upload_discard(stored: StoredFile) -> None:
    """Delete a stored file and its row, the file once the row's deletion is committed (a
    rollback keeps both). For files kept only until processed (a field report's photo as it
    arrived, with its metadata)."""
    name = stored.storage_name
    stored.delete()
    transaction.on_commit(lambda: _delete_quietly(name))


def store_generated(*, commune: Commune, name: str, data: bytes, actor: Any = None,
                    content_type: str = "application/pdf", extension: str = "pdf",
                    now: datetime | None = None) -> StoredFile:
    """Store a file the system made itself (an issued, signed PDF): no upload checks or
    quota, same storage, naming and file-before-row order as ``upload_store``."""
    now = now or timezone.now()
    storage_name = _storage_name(commune, extension, now)
    try:
        storage_name = storage().save(storage_name, _Outgoing(BytesIO(data), storage_name,
                                                              content_type))
    except Exception as exc:
        logger.exception("upload.storage_failed", extra={"commune": commune.pk})
        raise StorageUnavailable(_("Chưa lưu được tệp, vui lòng thử lại sau ít phút.")) from exc
    try:
        with transaction.atomic():
            return StoredFile.objects.create(
                commune=commune, kind=StoredFileKind.DOCUMENT,
                original_name=content.sanitize_filename(name), storage_name=storage_name,
                content_type=content_type, size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                uploaded_by=actor if getattr(actor, "pk", None) else None, created_at=now)
    except BaseException:
        _delete_quietly(storage_name)
        raise


def _walk(directory: str) -> Any:
    try:
        directories, files = storage().listdir(directory)
    except FileNotFoundError:
        return
    for file_name in files:
        yield f"{directory}/{file_name}"
    for sub in directories:
        yield from _walk(f"{directory}/{sub}")


def upload_sweep_orphans(*, now: datetime | None = None,
                         grace: timedelta = ORPHAN_GRACE) -> list[str]:
    """Remove stored files that no row points to (the caller's transaction rolled back
    after the file was written, or a row was deleted). Returns the names removed."""
    now = now or timezone.now()
    removed: list[str] = []
    batch: list[str] = []

    def flush() -> None:
        known = set(StoredFile.objects.filter(storage_name__in=batch)
                    .values_list("storage_name", flat=True))
        for name in batch:
            if name in known:
                continue
            if storage().get_modified_time(name) > now - grace:
                continue
            _delete_quietly(name)
            removed.append(name)
        batch.clear()

    for name in _walk(PREFIX):
        batch.append(name)
        if len(batch) >= 500:
            flush()
    flush()
    if removed:
        logger.warning("upload.orphans_removed", extra={"count": len(removed)})
    return removed
