from importlib import import_module
from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _reseed_national_calendar(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """``flush`` (and the test framework's transactional tests) empties every table, then
    sends post_migrate: put back the national swapped days the data migration seeded, or
    deadlines around them would be counted wrong until the next migrate."""
    from langso.core.models import CalendarOverride

    seed = import_module("langso.core.migrations.0002_seed_national_calendar")
    for day, kind, reason, basis in seed.NATIONAL_SWAPS:
        CalendarOverride.objects.using(using).get_or_create(
            date=day, commune=None,
            defaults={"kind": kind, "reason": reason, "legal_basis": basis})


class CoreConfig(AppConfig):
    name = "langso.core"
    label = "core"
    verbose_name = _("Nền tảng")

    def ready(self) -> None:
        post_migrate.connect(_reseed_national_calendar, sender=self,
                             dispatch_uid="langso.core.reseed_national_calendar")
