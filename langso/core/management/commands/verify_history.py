"""Recompute the hash chain of the history; exit 1 when any row was edited or removed."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from langso.core.history import history_verify
from langso.core.models import HistoryEvent


class Command(BaseCommand):
    help = "Kiểm tra toàn vẹn nhật ký (chuỗi băm theo từng xã)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--commune", type=int, help="Chỉ kiểm tra xã có id này.")

    def handle(self, *args: Any, commune: int | None = None, **options: Any) -> None:
        problems = history_verify(commune_id=commune if commune is not None else "all")
        if problems:
            for problem in problems:
                self.stderr.write(f"LỖI {problem}")
            raise CommandError(f"Nhật ký bị thay đổi: {len(problems)} vấn đề.")
        count = HistoryEvent.objects.count()
        self.stdout.write(self.style.SUCCESS(f"Nhật ký toàn vẹn ({count} sự kiện)."))
