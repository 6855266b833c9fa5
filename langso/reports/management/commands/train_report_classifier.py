"""Retrain the category suggester of one commune (by slug) or of every active commune; the
weekly task does the same (docs/field-reports.md, "Category suggestion")."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from langso.core.models import Commune
from langso.reports import classifier


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


class Command(BaseCommand):
    help = ("Huấn luyện lại mô hình gợi ý lĩnh vực phản ánh: train_report_classifier "
            "<slug-xã> hoặc --all. --force: huấn luyện cả khi dữ liệu không đổi.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("commune", nargs="?", help="slug của xã")
        parser.add_argument("--all", action="store_true", help="mọi xã đang hoạt động")
        parser.add_argument("--force", action="store_true",
                            help="huấn luyện cả khi dữ liệu không đổi")

    def handle(self, *args: Any, commune: str | None, all: bool, force: bool,
               **options: Any) -> None:
        if bool(commune) == bool(all):
            raise CommandError("Cho biết slug của một xã, hoặc --all.")
        if all:
            communes = list(Commune.objects.filter(is_active=True).order_by("name"))
        else:
            found = Commune.objects.filter(slug=commune).first()
            if found is None:
                raise CommandError(f"Không tìm thấy xã {commune!r}.")
            communes = [found]
        for item in communes:
            self._one(item, force=force)

    def _one(self, commune: Commune, *, force: bool) -> None:
        result = classifier.train(commune, force=force)
        if not result.trained:
            why = {"unchanged": "dữ liệu không đổi, giữ mô hình hiện có",
                   "too few examples": "chưa đủ dữ liệu (cần ít nhất hai lĩnh vực có "
                                       f"{classifier.MIN_EXAMPLES} phản ánh)"}
            self.stdout.write(f"{commune}: {why.get(result.reason, result.reason)}.")
            return
        self.stdout.write(self.style.SUCCESS(
            f"{commune}: mô hình #{result.model_id}, {result.examples} ví dụ "
            f"({result.own_examples} phản ánh của xã, {result.seed_examples} mẫu), "
            f"độ chính xác kiểm định chéo {_percent(result.accuracy)}"
            f" (trên phản ánh của xã: {_percent(result.own_accuracy)}), "
            f"{result.seconds:.1f} s."))
        for category in result.categories:
            self.stdout.write(f"  {category.name:<45} {category.examples:>6} ví dụ "
                              f"({category.own_examples} của xã)  "
                              f"{_percent(category.accuracy):>5}")
