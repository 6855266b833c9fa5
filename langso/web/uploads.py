"""Showing a stored file in the browser, after the access check (never a public media URL)."""

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_safe

from langso.core.uploads.selectors import stored_file_get_for_user
from langso.core.uploads.serving import stored_file_response


@login_required
@require_safe
def stored_file(request: HttpRequest, public_id: UUID) -> HttpResponseBase:
    stored = stored_file_get_for_user(user=request.user, public_id=public_id)
    return stored_file_response(request, stored)
