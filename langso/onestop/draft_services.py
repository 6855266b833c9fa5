"""Drafts of online applications, and attachments stored before a dossier points to them.

A draft keeps what the citizen typed and the files already sent, so a dropped connection on
slow rural 3G loses nothing: the submission page restores it. One draft per person,
commune and procedure; only its owner ever reads or writes it.
"""

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from langso.core.errors import DomainError, NotFound, PermissionDenied
from langso.core.models import Commune, StoredFile
from langso.core.uploads.services import upload_store
from langso.onestop.models import DossierDraft, Procedure
from langso.onestop.services import MAX_ATTACHMENTS, version_in_force

# Room for every field of the largest schema (60 fields, textareas of 2,000 characters are
# rare); anything larger is not a person typing.
MAX_DRAFT_BYTES = 64 * 1024
MAX_VALUE_CHARS = 2000
# The applicant's own details (``forms.ApplicantForm``) travel with the schema's fields.
APPLICANT_KEYS = frozenset({"applicant_name", "applicant_id_number", "applicant_phone",
                            "applicant_email", "applicant_address"})


def attachment_store(*, actor: Any, commune: Commune, file: Any) -> StoredFile:
    """Store one attachment: a PDF as a document, anything else checked as a photo (the
    bytes decide, never the name; ``upload_store`` refuses what is neither)."""
    head = file.read(5)
    file.seek(0)
    kind = StoredFile.Kind.DOCUMENT if head == b"%PDF-" else StoredFile.Kind.PHOTO
    return upload_store(actor=actor, commune=commune, file=file, kind=kind)


def _require_owner(user: Any) -> None:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise PermissionDenied(_("Vui lòng đăng nhập để lưu hồ sơ nháp."))


def draft_get(*, user: Any, commune: Commune, procedure: Procedure) -> DossierDraft | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return DossierDraft.objects.filter(user=user, commune=commune, procedure=procedure).first()


def draft_files(draft: DossierDraft | None) -> dict[str, StoredFile]:
    """``{document code: file}`` of a draft; a file that is not the owner's own upload to
    that commune (a tampered row) is left out."""
    if draft is None:
        return {}
    wanted = {str(a.get("file")): str(a.get("document_code")) for a in draft.attachments
              if isinstance(a, dict)}
    found: dict[str, StoredFile] = {}
    for stored in StoredFile.objects.filter(commune=draft.commune_id, uploaded_by=draft.user_id,
                                            public_id__in=_uuids(wanted)):
        found[wanted[str(stored.public_id)]] = stored
    return found


def _uuids(values: Mapping[str, str]) -> list[str]:
    import uuid

    valid = []
    for value in values:
        try:
            valid.append(str(uuid.UUID(value)))
        except ValueError:
            continue
    return valid


def _clean_values(form_data: Mapping[str, Any], allowed: set[str]) -> dict[str, Any]:
    if not isinstance(form_data, Mapping):
        raise DomainError(_("Nội dung hồ sơ nháp không hợp lệ."))
    values: dict[str, Any] = {}
    for name, value in form_data.items():
        if name not in allowed:
            continue  # unknown keys: never stored, whatever a client sends
        if isinstance(value, bool):
            values[name] = value
            continue
        if not isinstance(value, str):
            raise DomainError(_("Nội dung hồ sơ nháp không hợp lệ."))
        if "\x00" in value:
            raise DomainError(_("Nội dung có ký tự không hợp lệ."))
        if len(value) > MAX_VALUE_CHARS:
            raise DomainError(_("Mỗi ô tối đa %(n)d ký tự.") % {"n": MAX_VALUE_CHARS},
                              field_errors={name: [_("Quá dài.")]})
        values[name] = value
    if len(json.dumps(values, ensure_ascii=False).encode()) > MAX_DRAFT_BYTES:
        raise DomainError(_("Hồ sơ nháp quá lớn."), code="too_large")
    return values


@transaction.atomic
def draft_save(*, user: Any, commune: Commune, procedure: Procedure,
               form_data: Mapping[str, Any] | None,
               files: Mapping[str, StoredFile] | None = None,
               now: dt.datetime | None = None) -> DossierDraft:
    """Keep what ``user`` has filled in so far for ``procedure`` in ``commune``.

    ``form_data`` replaces the draft's values (a page sends all its fields); None keeps
    them (a file sent on its own). ``files`` (already stored) replace the draft's file for
    the same document, others stay."""
    now = now or timezone.now()
    _require_owner(user)
    if not commune.is_active:
        raise NotFound(_("Không tìm thấy xã."))
    version = version_in_force(procedure, timezone.localdate(now))
    allowed = {str(spec["name"]) for spec in version.form_schema} | APPLICANT_KEYS
    values = None if form_data is None else _clean_values(form_data, allowed)
    codes = {str(d["code"]) for d in version.documents}
    for code, stored in (files or {}).items():
        if code not in codes:
            raise DomainError(_("Thành phần hồ sơ không có trong thủ tục."))
        if stored.commune_id != commune.pk or stored.uploaded_by_id != user.pk:
            raise NotFound(_("Không tìm thấy tệp đính kèm."))

    draft, _created = DossierDraft.objects.select_for_update().get_or_create(
        user=user, commune=commune, procedure=procedure)
    attachments = [a for a in draft.attachments if isinstance(a, dict)
                   and a.get("document_code") in codes
                   and a.get("document_code") not in (files or {})]
    attachments += [{"document_code": code, "file": str(stored.public_id)}
                    for code, stored in (files or {}).items()]
    if len(attachments) > MAX_ATTACHMENTS:
        raise DomainError(_("Tối đa %(n)d tệp đính kèm.") % {"n": MAX_ATTACHMENTS})
    if values is not None:
        draft.form_data = values
    draft.attachments = attachments
    draft.save(update_fields=["form_data", "attachments", "updated_at"])
    return draft


@transaction.atomic
def draft_forget_file(*, user: Any, commune: Commune, procedure: Procedure,
                      document_code: str) -> DossierDraft | None:
    """Drop the kept file of one document (the citizen picked the wrong one)."""
    _require_owner(user)
    draft = (DossierDraft.objects.select_for_update()
             .filter(user=user, commune=commune, procedure=procedure).first())
    if draft is None:
        return None
    draft.attachments = [a for a in draft.attachments if isinstance(a, dict)
                         and a.get("document_code") != document_code]
    draft.save(update_fields=["attachments", "updated_at"])
    return draft
