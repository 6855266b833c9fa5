"""Remove stored files that no record points to (the worker also runs this nightly)."""

from typing import Any

from django.core.management.base import BaseCommand

from langso.core.uploads.services import upload_sweep_orphans


class Command(BaseCommand):
    help = "Xóa các tệp đã lưu nhưng không còn bản ghi nào trỏ tới (quá 6 giờ)."

    def handle(self, *args: Any, **options: Any) -> None:
        removed = upload_sweep_orphans()
        self.stdout.write(f"Đã xóa {len(removed)} tệp mồ côi.")
