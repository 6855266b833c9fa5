"""Load or refresh the 34 provinces and 3,321 communes of the 2025 map."""

from typing import Any

from django.core.management.base import BaseCommand

from langso.core.services.geography import geography_import


class Command(BaseCommand):
    help = "Nạp/cập nhật danh mục 34 tỉnh và 3.321 xã, phường, đặc khu (vietnam-provinces)."

    def handle(self, *args: Any, **options: Any) -> None:
        provinces, communes = geography_import()
        self.stdout.write(self.style.SUCCESS(f"{provinces} tỉnh/thành, {communes} xã/phường."))
