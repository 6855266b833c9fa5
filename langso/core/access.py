"""The one place that decides what a user may see and do, and in which commune.

Views, the API and the admin all go through ``scope`` (querysets), ``can`` (actions) and
``get_for_user`` (single objects); none of them filters by commune on its own.
A model takes part by naming its tenant field (``tenant_field = "commune"``) and, when
village heads should only see their own village, its ``village_field``.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Q
from django.http import Http404

from langso.core.models import Commune, Membership, Role

R = Role
# permission → roles that hold it. Province administrators run the installation; they do
# not read residents' personal data (Law 91/2025/QH15: only what the task needs).
PERMISSIONS: dict[str, frozenset[str]] = {
    "commune.view": frozenset(R.values),
    "commune.manage": frozenset({R.CHAIRMAN, R.COMMUNE_ADMIN, R.PROVINCE_ADMIN}),
    "calendar.manage": frozenset({R.CHAIRMAN, R.VICE_CHAIRMAN, R.COMMUNE_ADMIN,
                                  R.PROVINCE_ADMIN}),
    # The government's swapped days apply to every commune of the installation.
    "calendar.national": frozenset({R.PROVINCE_ADMIN}),
    "village.view": frozenset(R.values),
    "village.manage": frozenset({R.CHAIRMAN, R.VICE_CHAIRMAN, R.COMMUNE_ADMIN}),
    "people.view": frozenset({R.CHAIRMAN, R.VICE_CHAIRMAN, R.ONE_STOP_OFFICER, R.SPECIALIST,
                              R.VILLAGE_HEAD, R.DIGITAL_TEAM, R.COMMUNE_ADMIN}),
    "people.manage": frozenset({R.ONE_STOP_OFFICER, R.SPECIALIST, R.VILLAGE_HEAD,
                                R.COMMUNE_ADMIN}),
    "staff.manage": frozenset({R.CHAIRMAN, R.COMMUNE_ADMIN, R.PROVINCE_ADMIN}),
    "history.view": frozenset({R.CHAIRMAN, R.VICE_CHAIRMAN, R.COMMUNE_ADMIN,
                               R.PROVINCE_ADMIN}),
    "notification.send": frozenset({R.CHAIRMAN, R.VICE_CHAIRMAN, R.ONE_STOP_OFFICER,
                                    R.SPECIALIST, R.CLERK, R.COMMUNE_ADMIN}),
    # Any file sent to the commune, by its id (the uploader always sees their own). Village
    # heads see files through the record that holds them (a field report of their village).
    "upload.view": frozenset({R.CHAIRMAN, R.VICE_CHAIRMAN, R.ONE_STOP_OFFICER, R.SPECIALIST,
                              R.CLERK, R.COMMUNE_ADMIN}),
    # One-stop shop (langso/onestop). Dossiers hold personal data: the office that handles
    # them reads them; the commune's IT administrator and province staff see statistics only.
    # Specialists are further narrowed to their department's dossiers (onestop.selectors).
    "dossier.view": frozenset({R.CHAIRMAN, R.VICE_CHAIRMAN, R.ONE_STOP_OFFICER, R.SPECIALIST,
                               R.CLERK}),
    "dossier.receive": frozenset({R.CHAIRMAN, R.VICE_CHAIRMAN, R.ONE_STOP_OFFICER}),
    "payment.confirm": frozenset({R.CHAIRMAN, R.VICE_CHAIRMAN, R.ONE_STOP_OFFICER, R.CLERK}),
    # The leaders' overview: every open dossier of the commune and who is late with it.
    "dossier.overview": frozenset({R.CHAIRMAN, R.VICE_CHAIRMAN}),
    "onestop.statistics": frozenset({R.CHAIRMAN, R.VICE_CHAIRMAN, R.ONE_STOP_OFFICER,
                                     R.COMMUNE_ADMIN, R.PROVINCE_ADMIN}),
    "onestop.settings": frozenset({R.CHAIRMAN, R.COMMUNE_ADMIN}),
    # The national catalogue is shared by the installation: province administrators edit it.
    "procedure.manage": frozenset({R.PROVINCE_ADMIN}),
    # Field reports (langso/reports). Leaders see and route every report; department
    # officers (specialists) only their department's (reports.selectors); a confidential
    # reporter's identity only the chairman.
    "report.view": frozenset({R.CHAIRMAN, R.VICE_CHAIRMAN, R.SPECIALIST}),
    "report.identity": frozenset({R.CHAIRMAN}),
    "report.moderate": frozenset({R.CHAIRMAN, R.VICE_CHAIRMAN, R.COMMUNE_ADMIN}),
    "report.settings": frozenset({R.CHAIRMAN, R.COMMUNE_ADMIN}),
    "report.statistics": frozenset({R.CHAIRMAN, R.VICE_CHAIRMAN, R.COMMUNE_ADMIN,
                                    R.PROVINCE_ADMIN}),
}
# These roles act for one village of the commune, not the whole commune.
VILLAGE_SCOPED_ROLES = frozenset({R.VILLAGE_HEAD, R.DIGITAL_TEAM})

@dataclass(frozen=True)
class Grant:
    commune_id: int
    role: str
    village_id: int | None = None
    department_id: int | None = None


def grants(user: Any) -> tuple[Grant, ...]:
    """Every (commune, role) the user holds, province roles expanded; cached per request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return ()
    cached = getattr(user, "_langso_grants", None)
    if cached is not None:
        return cached
    result: list[Grant] = []
    for m in Membership.objects.filter(user=user, is_active=True):
        if m.role == R.PROVINCE_ADMIN:
            assert m.province_id is not None  # guaranteed by a Membership check constraint
            result.extend(
                Grant(commune_id=c, role=m.role)
                for c in Commune.objects.filter(province_id=m.province_id, is_active=True)
                .values_list("pk", flat=True)
            )
        elif m.commune_id is not None:
            result.append(Grant(commune_id=m.commune_id, role=m.role,
                                village_id=m.village_id, department_id=m.department_id))
    user._langso_grants = tuple(result)
    return user._langso_grants


def forget(user: Any) -> None:
    """Drop the cached grants after memberships change."""
    if hasattr(user, "_langso_grants"):
        del user._langso_grants


def _is_root(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active
                and user.is_superuser)


def _grants_for(user: Any, permission: str) -> list[Grant]:
    try:
        roles = PERMISSIONS[permission]
    except KeyError as exc:
        raise LookupError(f"Unknown permission {permission!r}") from exc
    return [g for g in grants(user) if g.role in roles]


def roles_in(user: Any, commune: Commune | int) -> set[str]:
    commune_id = commune if isinstance(commune, int) else commune.pk
    return {g.role for g in grants(user) if g.commune_id == commune_id}


def is_staff_user(user: Any) -> bool:
    return _is_root(user) or bool(grants(user))


def communes_for(user: Any, permission: str = "commune.view") -> models.QuerySet[Commune]:
    if _is_root(user):
        return Commune.objects.active()
    ids = {g.commune_id for g in _grants_for(user, permission)}
    return Commune.objects.filter(pk__in=ids, is_active=True)


def _tenant_path(model: type[models.Model]) -> str:
    if model is Commune:
        return "pk"
    path = getattr(model, "tenant_field", None)
    if not path:
        raise TypeError(f"{model.__name__} has no tenant_field: it cannot be scoped.")
    return path


def scope_q(model: type[models.Model], user: Any, permission: str) -> Q:
    """The filter that keeps only the rows of ``model`` the user may see for ``permission``."""
    if _is_root(user):
        return Q()
    tenant = _tenant_path(model)
    village_field = getattr(model, "village_field", None)
    allowed = Q(pk__in=[])
    whole_communes = set()
    for g in _grants_for(user, permission):
        if g.role in VILLAGE_SCOPED_ROLES and village_field and g.village_id:
            allowed |= Q(**{tenant: g.commune_id, village_field: g.village_id})
        else:
            whole_communes.add(g.commune_id)
    if whole_communes:
        allowed |= Q(**{f"{tenant}__in": sorted(whole_communes)})
    return allowed


def scope[QS: models.QuerySet[Any]](queryset: QS, user: Any, permission: str) -> QS:
    return queryset.filter(scope_q(queryset.model, user, permission))


def get_for_user[M: models.Model](queryset: models.QuerySet[M], user: Any, permission: str,
                                  **lookup: Any) -> M:
    """Fetch one object the user may see; anything else is a 404 (never reveal it exists)."""
    try:
        return scope(queryset, user, permission).get(**lookup)
    # Querysets are of concrete models, which all have DoesNotExist; the django-stubs
    # plugin removes it from the abstract Model that bounds M.
    except (queryset.model.DoesNotExist,  # type: ignore[attr-defined]
            ValueError, TypeError) as exc:
        raise Http404 from exc


def _commune_id_of(obj: Any) -> int | None:
    if isinstance(obj, Commune):
        return obj.pk
    if isinstance(obj, int):
        return obj
    path = _tenant_path(type(obj)).split("__")
    value: Any = obj
    for part in path[:-1]:
        value = getattr(value, part)
    return getattr(value, f"{path[-1]}_id", None)


def can(user: Any, permission: str, obj: Any = None) -> bool:
    """May ``user`` do ``permission`` on ``obj`` (a record, a commune or its id)?

    Without ``obj``: does the user hold the permission in any commune at all.
    """
    if _is_root(user):
        return True
    relevant = _grants_for(user, permission)
    if obj is None:
        return bool(relevant)
    commune_id = _commune_id_of(obj)
    village_field = getattr(type(obj), "village_field", None)
    for g in relevant:
        if g.commune_id != commune_id:
            continue
        if g.role in VILLAGE_SCOPED_ROLES and village_field and g.village_id:
            village_id = obj.pk if village_field == "pk" else getattr(obj, f"{village_field}_id")
            if village_id != g.village_id:
                continue
        return True
    return False


def commune_chosen(communes: models.QuerySet[Commune], user: Any, permission: str,
                   commune_id: Any = None) -> Commune:
    """The commune a staff screen is about (``?xa=``): the one asked for if it is among
    ``communes`` the user may act on, else the first of them; 404 for any other commune or
    when there is none."""
    from django.http import Http404

    if commune_id not in (None, ""):
        return get_for_user(communes, user, permission, pk=commune_id)
    found = communes.first()
    if found is None:
        raise Http404
    return found


def require(user: Any, permission: str, obj: Any = None) -> None:
    from django.utils.translation import gettext as _

    from langso.core.errors import PermissionDenied

    if not can(user, permission, obj):
        raise PermissionDenied(_("Bạn không có quyền thực hiện thao tác này."))


def permissions_of(user: Any, commune: Commune | int) -> set[str]:
    """Names of every permission the user holds in a commune (navigation, templates)."""
    if _is_root(user):
        return set(PERMISSIONS)
    roles = roles_in(user, commune)
    return {p for p, allowed in PERMISSIONS.items() if roles & allowed}


def staff_roles_present(users: Iterable[Any]) -> set[str]:
    return {g.role for u in users for g in grants(u)}
