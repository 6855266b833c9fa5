"""Switch one or more communes on for this installation."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from langso.core.models import Commune
from langso.core.services.geography import commune_activate


class Command(BaseCommand):
    help = "Kích hoạt xã theo mã (vd. 8911) hoặc slug (vd. tam-dao-8911)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("communes", nargs="+")

    def handle(self, *args: Any, communes: list[str], **options: Any) -> None:
        for key in communes:
            lookup = Q(slug=key) | (Q(code=int(key)) if key.isdigit() else Q(pk__in=[]))
            commune = Commune.objects.filter(lookup).select_related("province").first()
            if commune is None:
                raise CommandError(f"Không tìm thấy xã {key!r}. Đã chạy import_geography chưa?")
            commune_activate(commune=commune, reason="activate_commune")
            self.stdout.write(self.style.SUCCESS(f"Đã kích hoạt {commune}."))
