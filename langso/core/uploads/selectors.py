"""Reads of stored files, scoped through ``access``."""

from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404

from langso.core import access
from langso.core.models import StoredFile


def stored_file_get_for_user(*, user: Any, public_id: UUID | str) -> StoredFile:
    """The file, if ``user`` sent it or holds ``upload.view`` in its commune; else 404.

    Modules that attach files to their records (a field report's photos) check their own
    permission on the record and serve its files with ``serving.stored_file_response``.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise Http404
    visible = Q(uploaded_by=user) | access.scope_q(StoredFile, user, "upload.view")
    try:
        return StoredFile.objects.select_related("commune").filter(visible).get(
            public_id=public_id)
    except (StoredFile.DoesNotExist, ValidationError, ValueError, TypeError) as exc:
        raise Http404 from exc
