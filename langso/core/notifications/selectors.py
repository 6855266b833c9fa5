"""Reads for the inbox: only ever the signed-in user's own notifications."""

from django.db.models import QuerySet

from langso.core.models import Notification, NotificationPreference, User
from langso.core.notifications.services import preference_for


def inbox_for(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    queryset = Notification.objects.for_inbox(user)
    return queryset.unread() if unread_only else queryset


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def preference_of(*, user: User) -> NotificationPreference:
    return preference_for(user=user)
