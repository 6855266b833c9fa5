"""Telling the reporter and the followers of a report about each public step."""

from typing import Any

from langso.core.models import User
from langso.core.notifications import notify
from langso.reports.models import Report, ReportUpdate
from langso.reports.workflow import State


def public_path(report: Report) -> str:
    return f"/xa/{report.commune.slug}/phan-anh/{report.number}/"


def tell_followers(*, report: Report, update: ReportUpdate, actor: Any) -> None:
    """Every follower with an account (the reporter follows their own report), except
    whoever made the change."""
    users = User.objects.filter(followed_reports__report=report, is_active=True).distinct()
    if getattr(actor, "pk", None) is not None:
        users = users.exclude(pk=actor.pk)
    context = {"reference": report.reference, "category": report.category.name,
               "status": str(State(update.to_status).label), "note": update.text[:300],
               "url": public_path(report)}
    for user in users:
        notify(recipient=user, template="report_status", commune=report.commune,
               actor=actor if isinstance(actor, User) else None, now=update.at,
               context=context)
