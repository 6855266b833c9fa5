"""Reads of field reports: who sees which report, and what the public may see."""

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from langso.core import access
from langso.core.errors import NotFound
from langso.reports.models import Report
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
