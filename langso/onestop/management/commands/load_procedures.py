"""Load (or bring up to date) the shipped procedure catalogue; safe to run on every deploy."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from langso.core.errors import DomainError
from langso.onestop.catalogue.loader import catalogue_load


class Command(BaseCommand):
    help = "Nạp danh mục thủ tục hành chính (thêm phiên bản mới khi quy định thay đổi)."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = catalogue_load()
        except DomainError as error:
            raise CommandError(error.message) from error
        self.stdout.write(self.style.SUCCESS(
            f"Danh mục thủ tục: {report.created} thêm mới, {report.updated} cập nhật, "
            f"{report.new_versions} phiên bản mới, {report.unchanged} không đổi."))
