"""Core models, one module per concern; import them from here."""

from langso.core.models.geography import Commune, Department, Province, Village
from langso.core.models.history import HistoryChain, HistoryEvent, HistoryIsAppendOnly
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

__all__ = [
    "Commune",
    "Department",
    "HistoryChain",
    "HistoryEvent",
    "HistoryIsAppendOnly",
    "Household",
    "HouseholdMember",
    "Membership",
    "Person",
    "Province",
    "Relation",
    "Role",
    "Sex",
    "User",
    "Village",
]
