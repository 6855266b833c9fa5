"""Reads of the catalogue: the procedures in force, their rules, search without diacritics.

The catalogue is small (dozens of procedures), so search folds names in Python rather than
keeping a folded column: "dang ky khai sinh" finds "Đăng ký khai sinh".
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from langso.core.errors import Conflict
from langso.core.text import fold, sort_key
from langso.onestop import fees
from langso.onestop.models import Procedure, ProcedureVersion, TimeLimitKind

MAX_QUERY = 100


@dataclass(frozen=True)
class CatalogueItem:
    procedure: Procedure
    version: ProcedureVersion

    @property
    def time_limit(self) -> str:
        return time_limit_text(self.version)

    @property
    def fee(self) -> str:
        return fees.describe(self.version.fee)


def _days(value: Decimal) -> str:
    return str(value.normalize()) if value != value.to_integral_value() else str(int(value))


def time_limit_text(version: ProcedureVersion) -> str:
    """"03 ngày làm việc", "Trong ngày" … as the catalogue and the receipt say it."""
    value = Decimal(version.time_limit_value)
    if version.time_limit_kind == TimeLimitKind.SAME_DAY:
        return _("Trong ngày")
    if version.time_limit_kind == TimeLimitKind.WORKING_HOURS:
        return _("%(n)s giờ làm việc") % {"n": _days(value)}
    return _("%(n)s ngày làm việc") % {"n": _days(value).zfill(2)}


def _matches(procedure: Procedure, words: list[str]) -> bool:
    """Every word in the name or code, or the whole query in the sector: "tam tru" must not
    find "Khai báo tạm vắng" through its sector "… cư trú"."""
    name = fold(f"{procedure.name} {procedure.code}")
    return all(word in name for word in words) or " ".join(words) in fold(procedure.sector)


def catalogue_in_force(*, query: str = "", sector: str = "", on: dt.date | None = None,
                       with_rules: bool = False) -> list[CatalogueItem]:
    """Active procedures that have a version in force on ``on``, sorted by sector and name
    the Vietnamese way; ``query`` matches name, code or sector without diacritics."""
    on = on or timezone.localdate()
    versions = (ProcedureVersion.objects
                .filter(procedure__is_active=True, effective_from__lte=on)
                .select_related("procedure")
                .order_by("procedure_id", "-effective_from", "-number"))
    if not with_rules:
        versions = versions.defer("form_schema", "documents", "legal_basis")
    if sector:
        if "\x00" in sector:  # PostgreSQL refuses NUL in text: nothing can match it
            return []
        versions = versions.filter(procedure__sector=sector[:120])
    in_force: dict[int, ProcedureVersion] = {}
    for version in versions:
        in_force.setdefault(version.procedure_id, version)
    words = fold(query[:MAX_QUERY]).split()
    items = [CatalogueItem(procedure=v.procedure, version=v) for v in in_force.values()
             if _matches(v.procedure, words)]
    items.sort(key=lambda i: (sort_key(i.procedure.sector), sort_key(i.procedure.name)))
    return items


def by_sector(items: Iterable[CatalogueItem]) -> list[tuple[str, list[CatalogueItem]]]:
    groups: dict[str, list[CatalogueItem]] = {}
    for item in items:
        groups.setdefault(item.procedure.sector, []).append(item)
    return list(groups.items())


def sectors() -> list[str]:
    names = Procedure.objects.filter(is_active=True).values_list("sector", flat=True).distinct()
    return sorted(names, key=sort_key)


def procedure_public(*, slug: str = "", code: str = "") -> Procedure | None:
    if "\x00" in slug or "\x00" in code:  # PostgreSQL refuses NUL in text
        return None
    lookup: dict[str, Any] = {"slug": slug[:120]} if slug else {"code": code[:20]}
    return Procedure.objects.filter(is_active=True, **lookup).first()


def procedure_in_force(*, slug: str = "", code: str = "") -> tuple[Procedure, ProcedureVersion]:
    """A public procedure and its rules in force today; a 404 when either is missing."""
    from langso.onestop.services import version_in_force

    procedure = procedure_public(slug=slug, code=code)
    if procedure is None:
        raise Http404
    try:
        return procedure, version_in_force(procedure)
    except Conflict:
        raise Http404 from None


def procedures_for_manager() -> list[Procedure]:
    return sorted(Procedure.objects.annotate(version_count=Count("versions")),
                  key=lambda p: (sort_key(p.sector), sort_key(p.name)))


def versions_with_use(procedure: Procedure) -> list[ProcedureVersion]:
    """Every version, newest first, with how many dossiers use it (frozen when > 0)."""
    return list(procedure.versions.annotate(dossier_count=Count("dossiers"))
                .order_by("-effective_from", "-number"))
