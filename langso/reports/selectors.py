"""Reads of field reports: who sees which report, and what the public may see."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from langso.core import access
from langso.core.clock import TZ
from langso.core.errors import NotFound
from langso.core.models import Commune, Village
from langso.reports.models import (
    Category,
    MediaKind,
    MediaStatus,
    Report,
    ReportMedia,
    ReportUpdate,
)
from langso.reports.workflow import LEADERS, State


def reports_for_staff(user: Any) -> QuerySet[Report]:
    """Reports a staff member may open: leaders every report of their commune; department
    officers those of their department or assigned to them."""
    if getattr(user, "is_superuser", False):
        return Report.objects.all()
    grants = [g for g in access.grants(user)
              if g.role in access.PERMISSIONS["report.view"]]
    condition = Q(pk__in=[])
    for g in grants:
        if g.role in LEADERS:
            condition |= Q(commune_id=g.commune_id)
        elif g.department_id is not None:
            condition |= Q(commune_id=g.commune_id, department_id=g.department_id)
        condition |= Q(commune_id=g.commune_id, assignee_id=user.pk)
    return Report.objects.filter(condition)


def report_for_staff(user: Any, pk: Any) -> Report:
    found = (reports_for_staff(user).select_related("commune", "category", "village",
                                                     "department", "assignee")
             .filter(pk=pk).first())
    if found is None:
        raise NotFound(_("Không tìm thấy phản ánh."))
    return found


def may_see_identity(user: Any, report: Report) -> bool:
    """A confidential reporter's name and contact: the chairman only; otherwise every
    staff member who may open the report."""
    if not report.confidential:
        return True
    return access.can(user, "report.identity", report.commune)


def public_reports(commune: Any) -> QuerySet[Report]:
    """What anybody may see: not hidden, not rejected as spam."""
    return (Report.objects.filter(commune=commune, hidden=False)
            .exclude(status=State.REJECTED, reject_reason="spam"))


# -- the public pages (public_views) ----------------------------------------------------------

# What a passer-by asks ("still waiting? being fixed? done?"), not our nine states: the
# public status filter and the map's colours.
PUBLIC_STATUS_GROUPS: dict[str, tuple[Any, frozenset[str]]] = {
    "waiting": (pgettext_lazy("nhóm trạng thái phản ánh", "Chờ tiếp nhận"),
                frozenset({State.NEW, State.REOPENED})),
    "working": (pgettext_lazy("nhóm trạng thái phản ánh", "Đang xử lý"),
                frozenset({State.TRIAGED, State.IN_PROGRESS, State.ANSWER_DRAFTED,
                           State.ANSWER_APPROVED})),
    "done": (pgettext_lazy("nhóm trạng thái phản ánh", "Đã xử lý"),
             frozenset({State.RESOLVED, State.CLOSED})),
    "rejected": (pgettext_lazy("nhóm trạng thái phản ánh", "Không xử lý"),
                 frozenset({State.REJECTED})),
}
STATUS_GROUP = {state: key for key, (_label, states) in PUBLIC_STATUS_GROUPS.items()
                for state in states}
# Points the map endpoint returns at most: past that the visitor is asked to zoom in.
MAP_LIMIT = 500


@dataclass(frozen=True)
class PublicFilters:
    """The public list's and map's filters, already validated (public_forms)."""

    village: Village | None = None
    category: Category | None = None
    status: str = ""  # a key of PUBLIC_STATUS_GROUPS
    since: dt.date | None = None
    until: dt.date | None = None  # inclusive


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=TZ)


def public_filtered(commune: Commune, filters: PublicFilters) -> QuerySet[Report]:
    found = public_reports(commune)
    if filters.village is not None:
        found = found.filter(village=filters.village)
    if filters.category is not None:
        found = found.filter(category=filters.category)
    if filters.status:
        found = found.filter(status__in=PUBLIC_STATUS_GROUPS[filters.status][1])
    if filters.since is not None:
        found = found.filter(created_at__gte=_day_start(filters.since))
    if filters.until is not None:
        found = found.filter(created_at__lt=_day_start(filters.until + dt.timedelta(days=1)))
    return found


def public_report_list(commune: Commune, filters: PublicFilters) -> QuerySet[Report]:
    """Newest first, with what a row of the list shows (never the reporter's columns)."""
    return (public_filtered(commune, filters).select_related("category", "village")
            .only("number", "status", "reject_reason", "description", "description_hidden",
                  "address", "created_at", "resolved_at", "category__name",
                  "village__name", "village__kind")
            .order_by("-created_at", "-pk"))


def public_photo_counts(report_ids: list[int]) -> dict[int, int]:
    """Visible photos per report, for one page of the list (one query, not one per row)."""
    rows = (ReportMedia.objects.filter(report_id__in=report_ids, kind=MediaKind.PHOTO,
                                       status=MediaStatus.READY, hidden=False,
                                       file__isnull=False)
            .values("report_id").annotate(n=Count("pk")).values_list("report_id", "n"))
    return dict(rows)


def public_map_points(commune: Commune, filters: PublicFilters, *,
                      box: tuple[Decimal, Decimal, Decimal, Decimal],
                      limit: int = MAP_LIMIT) -> tuple[list[tuple[Any, ...]], bool]:
    """(number, latitude, longitude, status, category code) of the public reports inside
    ``box`` (west, south, east, north), at most ``limit``; and whether there were more.

    No ordering: PostgreSQL walks the (latitude, longitude) index and stops after
    ``limit + 1`` rows, so a box holding 100,000 reports costs what one holding 500 does.
    """
    west, south, east, north = box
    rows = list(public_filtered(commune, filters)
                .filter(latitude__gte=south, latitude__lte=north,
                        longitude__gte=west, longitude__lte=east)
                .order_by()
                .values_list("number", "latitude", "longitude", "status", "category__code")
                [:limit + 1])
    return rows[:limit], len(rows) > limit


def public_report_get(commune: Commune, number: int) -> Report:
    """One public report of ``commune`` by its number, else NotFound (hidden and spam
    reports, and another commune's numbers, included)."""
    found = (public_reports(commune)
             .select_related("commune", "category", "village", "department")
             .filter(number=number).first())
    if found is None:
        raise NotFound(_("Không tìm thấy phản ánh."))
    return found


def public_original(report: Report) -> Report | None:
    """The report a duplicate was folded into, when the public may see it."""
    if report.duplicate_of_id is None:
        return None
    return (public_reports(report.commune).filter(pk=report.duplicate_of_id)
            .only("number").first())


def public_media(report: Report, updates: list[ReportUpdate]) -> list[ReportMedia]:
    """Photos, the video and the proofs the public may see: processed (``file`` is the
    re-encoded copy without metadata), not hidden by a moderator; a proof only once an
    answer it came with was published (a draft's proof stays internal)."""
    published = [u.at for u in updates if u.action == "resolve"]
    items = (report.media.filter(status=MediaStatus.READY, hidden=False, file__isnull=False)
             .select_related("file", "poster"))
    return [m for m in items
            if m.kind != MediaKind.PROOF or (published and m.created_at <= max(published))]


def public_updates(report: Report) -> list[ReportUpdate]:
    return list(report.updates.order_by("at", "pk"))


def reports_of_reporter(user: Any) -> QuerySet[Report]:
    """"Phản ánh của tôi": what a signed-in citizen sent, in every commune."""
    return (Report.objects.filter(reporter=user)
            .select_related("commune", "category")
            .only("number", "status", "reject_reason", "hidden", "created_at", "commune__slug",
                  "commune__name", "category__name")
            .order_by("-created_at", "-pk"))


# -- "Is this the same problem?" (submit_views) ----------------------------------------------

METRES_PER_DEGREE = 111_320.0  # of latitude; of longitude times cos(latitude)
NEARBY_SHOWN = 5
NEARBY_CANDIDATES = 200


def nearby_open_reports(commune: Commune, category: Category, lat: Decimal | float,
                        lng: Decimal | float, radius_m: int, *,
                        limit: int = NEARBY_SHOWN) -> list[Report]:
    """Open public reports of ``category`` within ``radius_m`` metres of the point, nearest
    first, each with ``distance_m``: offered before a new report is sent, to follow instead.

    A box around the point narrows the rows through the (latitude, longitude) index (plain
    comparisons: the same on SQLite and PostgreSQL); the exact great-circle distance is
    then computed on the few left.
    """
    import math

    from langso.reports.workflow import OPEN_STATES

    lat_f, lng_f = float(lat), float(lng)
    dlat = radius_m / METRES_PER_DEGREE
    dlng = radius_m / (METRES_PER_DEGREE * max(math.cos(math.radians(lat_f)), 0.01))
    step = Decimal("0.000001")
    south, north = (Decimal(repr(lat_f - dlat)).quantize(step),
                    Decimal(repr(lat_f + dlat)).quantize(step))
    west, east = (Decimal(repr(lng_f - dlng)).quantize(step),
                  Decimal(repr(lng_f + dlng)).quantize(step))
    rows = list(public_reports(commune)
                .filter(category=category, status__in=OPEN_STATES,
                        latitude__gte=south, latitude__lte=north,
                        longitude__gte=west, longitude__lte=east)
                .select_related("category")
                .only("number", "status", "description", "description_hidden", "latitude",
                      "longitude", "address", "created_at", "category__name",
                      "category__code")
                .order_by()[:NEARBY_CANDIDATES])
    found = []
    for report in rows:
        distance = _metres(lat_f, lng_f, float(report.latitude),  # type: ignore[arg-type]
                           float(report.longitude))  # type: ignore[arg-type]
        if distance <= radius_m:
            report.distance_m = round(distance)  # type: ignore[attr-defined]
            found.append(report)
    found.sort(key=lambda r: (r.distance_m, -r.number))  # type: ignore[attr-defined]
    return found[:limit]


def _metres(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Haversine distance on a sphere of the Earth's mean radius."""
    import math

    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(a)))
