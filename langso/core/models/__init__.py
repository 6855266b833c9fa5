"""Core models, one module per concern; import them from here."""

from langso.core.models.accounts import OneTimeCode
from langso.core.models.background import PeriodicRun
from langso.core.models.calendar import CalendarOverride, OfficeHours
from langso.core.models.geography import Commune, Department, Province, Village
from langso.core.models.history import HistoryChain, HistoryEvent, HistoryIsAppendOnly
from langso.core.models.notifications import (
    Channel,
    Delivery,
    Notification,
    NotificationPreference,
)
from langso.core.models.people import (
    Household,
    HouseholdMember,
    Membership,
    Person,
    Relation,
    Role,
    Sex,
    User,
)
from langso.core.models.uploads import StoredFile, StoredFileKind

__all__ = [
    "CalendarOverride",
    "Channel",
    "Commune",
    "Delivery",
    "Department",
    "HistoryChain",
    "HistoryEvent",
    "HistoryIsAppendOnly",
    "Household",
    "HouseholdMember",
    "Membership",
    "Notification",
    "NotificationPreference",
    "OfficeHours",
    "OneTimeCode",
    "PeriodicRun",
    "Person",
    "Province",
    "Relation",
    "Role",
    "Sex",
    "StoredFile",
    "StoredFileKind",
    "User",
    "Village",
]
