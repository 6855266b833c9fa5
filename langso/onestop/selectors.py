"""Reads of the one-stop shop: which dossiers a user may see, found by id or lookup code."""

from typing import Any
from uuid import UUID

from django.db.models import Q
from django.http import Http404

from langso.core import access
from langso.core.models import Role
from langso.onestop.models import Dossier

# Roles that see every dossier of their commune; a specialist sees their department's.
WHOLE_OFFICE = frozenset({Role.CHAIRMAN, Role.VICE_CHAIRMAN, Role.ONE_STOP_OFFICER,
                          Role.CLERK})


def dossier_staff_q(user: Any) -> Q:
    """Dossiers ``user`` handles as staff: the whole office for leaders, the one-stop
    officer and the clerk; a specialist only their department's or those assigned to them."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return Q()
    whole: set[int] = set()
    narrow = Q(pk__in=[])
    for g in access.grants(user):
        if g.role in WHOLE_OFFICE:
            whole.add(g.commune_id)
        elif g.role == Role.SPECIALIST:
            narrow |= Q(commune_id=g.commune_id, assignee_id=user.pk)
            if g.department_id:
                narrow |= Q(commune_id=g.commune_id, department_id=g.department_id)
    return narrow | Q(commune_id__in=sorted(whole)) if whole else narrow


def dossier_q(user: Any) -> Q:
    """Everything ``user`` may open: staff scope plus their own applications."""
    q = dossier_staff_q(user)
    if getattr(user, "is_authenticated", False) and user.is_active:
        q |= Q(applicant_user_id=user.pk)
    return q


def dossiers_for(user: Any) -> Any:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Dossier.objects.none()
    return Dossier.objects.filter(dossier_q(user)).select_related("procedure", "commune")


def dossier_get_for_user(*, user: Any, public_id: UUID | str) -> Dossier:
    """One dossier the user may open; anything else is a 404 (never reveal it exists)."""
    try:
        return dossiers_for(user).select_related("version", "department", "assignee").get(
            public_id=public_id)
    except (Dossier.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


# What the public status page and API show: a dossier row carries the whole form and more.
PUBLIC_STATUS_FIELDS = ("code", "lookup_code", "status", "applicant_name", "submitted_at",
                        "received_at", "due_at", "resolved_at", "returned_at", "payment_status",
                        "supplement_request", "procedure__name", "commune__name")


def dossier_by_lookup(code: str) -> Dossier | None:
    """The public status page and API: by the short lookup code or the full dossier code,
    only the columns they show (and the lookup code, which names the page's kept copies in
    status_cache)."""
    text = (code or "").strip().upper()
    if not text or len(text) > 40:
        return None
    field = "lookup_code" if len(text) <= 8 else "code"
    return (Dossier.objects.select_related("procedure", "commune").only(*PUBLIC_STATUS_FIELDS)
            .filter(**{field: text}).first())
