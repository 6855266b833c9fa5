"""Reads of the core app, already scoped through ``access`` and joined for their screen."""

import time
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from langso.core import access
from langso.core.models import Commune, HistoryEvent, Household, Person, Village


def commune_for_public(*, slug: str | None = None) -> Commune | None:
    """The commune a public page is about: by slug, else the installation's default."""
    from django.conf import settings

    communes = Commune.objects.active().select_related("province")
    if slug:
        return communes.filter(slug=slug).first()
    if settings.LANGSO_DEFAULT_COMMUNE:
        found = communes.filter(slug=settings.LANGSO_DEFAULT_COMMUNE).first()
        if found:
            return found
    return communes.order_by("pk").first()


@dataclass(frozen=True)
class PublicPage:
    commune: Commune
    villages: tuple[Village, ...]
    other_communes: tuple[Commune, ...]


# The public home page is the most requested page and its data changes a few times a year,
# so each process keeps it for a short while instead of asking the database every time.
# Another process sees a change within PUBLIC_PAGE_SECONDS.
PUBLIC_PAGE_SECONDS = 30.0
_public_pages: dict[str | None, tuple[float, PublicPage | None]] = {}


def public_page_forget() -> None:
    _public_pages.clear()


def commune_public_page(*, slug: str | None = None) -> PublicPage | None:
    """What the public home page of a commune shows (None: no such active commune)."""
    now = time.monotonic()
    cached = _public_pages.get(slug)
    if cached is not None and now - cached[0] < PUBLIC_PAGE_SECONDS:
        return cached[1]
    commune = commune_for_public(slug=slug)
    page = None
    if commune is not None:
        page = PublicPage(
            commune=commune,
            villages=tuple(commune.villages.all()),
            other_communes=tuple(Commune.objects.active().exclude(pk=commune.pk)
                                 .only("name", "slug").order_by("pk")[:20]),
        )
    if len(_public_pages) > 1000:  # unknown slugs must not grow it without end
        _public_pages.clear()
    _public_pages[slug] = (now, page)
    return page


def person_list_for_user(*, user: Any, search: str = "", village_id: int | None = None
                         ) -> QuerySet[Person]:
    people = access.scope(Person.objects.all(), user, "people.view")
    if search:
        people = people.search(search)
    if village_id:
        people = people.filter(village_id=village_id)
    return people.select_related("village", "commune").order_by("sort_key")


def person_get_for_user(*, user: Any, pk: Any) -> Person:
    return access.get_for_user(
        Person.objects.select_related("village", "commune", "membership__household"),
        user, "people.view", pk=pk)


def household_get_for_user(*, user: Any, pk: Any) -> Household:
    return access.get_for_user(
        Household.objects.select_related("village").prefetch_related("members__person"),
        user, "people.view", pk=pk)


def village_list_for_user(*, user: Any) -> QuerySet[Village]:
    return access.scope(Village.objects.select_related("commune"), user, "village.view")


def history_for_object(*, obj: Any) -> QuerySet[HistoryEvent]:
    return HistoryEvent.objects.for_object(obj)


def history_list_for_user(*, user: Any) -> QuerySet[HistoryEvent]:
    return (access.scope(HistoryEvent.objects.all(), user, "history.view")
            .select_related("actor", "content_type").order_by("-at"))
