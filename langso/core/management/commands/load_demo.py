"""Load the demo communes, accounts and fictional residents (never in production)."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from langso.core.demo import demo_load


class Command(BaseCommand):
    help = "Nạp dữ liệu trình diễn (chỉ khi LANGSO_DEBUG=1 hoặc LANGSO_DEMO=1)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not (settings.DEBUG or settings.LANGSO_DEMO):
            raise CommandError("Từ chối nạp dữ liệu trình diễn vào hệ thống thật "
                               "(đặt LANGSO_DEMO=1 nếu đây là máy trình diễn).")
        communes = demo_load()
        self.stdout.write(self.style.SUCCESS(
            "Đã nạp dữ liệu trình diễn: " + ", ".join(str(c) for c in communes)))
