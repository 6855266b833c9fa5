"""Make an Open311 API key for an application of a commune (printed once), list a
commune's keys, or revoke one."""

import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from langso.core.errors import DomainError
from langso.core.models import Commune
from langso.reports.models import Open311Key
from langso.reports.open311.keys import open311_key_create, open311_key_revoke


class Command(BaseCommand):
    help = ("Tạo khóa Open311 cho một ứng dụng của xã: open311_key <slug-xã> <tên ứng dụng>. "
            "Khóa chỉ in ra một lần. --list: các khóa của xã; --revoke <id>: thu hồi.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("commune", help="slug của xã (jurisdiction_id)")
        parser.add_argument("name", nargs="?", default="", help="tên ứng dụng")
        parser.add_argument("--list", action="store_true", help="liệt kê các khóa")
        parser.add_argument("--revoke", metavar="ID", help="thu hồi khóa có mã này")

    def handle(self, *args: Any, commune: str, name: str, list: bool, revoke: str | None,
               **options: Any) -> None:
        found = Commune.objects.filter(slug=commune).first()
        if found is None:
            raise CommandError(f"Không tìm thấy xã {commune!r}.")
        if list:
            for key in Open311Key.objects.filter(commune=found).order_by("created_at"):
                used = key.last_used_at.isoformat() if key.last_used_at else "-"
                state = "đang dùng" if key.is_active else "đã thu hồi"
                self.stdout.write(f"{key.public_id}  {state:10}  {used:25}  {key.name}")
            return
        try:
            if revoke:
                try:
                    public_id = uuid.UUID(revoke)
                except ValueError as error:
                    raise CommandError(f"Mã khóa {revoke!r} không hợp lệ.") from error
                revoked = Open311Key.objects.filter(commune=found, public_id=public_id).first()
                if revoked is None:
                    raise CommandError(f"Xã {commune!r} không có khóa {revoke!r}.")
                open311_key_revoke(actor=None, key=revoked, reason="manage.py open311_key")
                self.stdout.write(self.style.SUCCESS(f"Đã thu hồi khóa của {revoked.name}."))
                return
            if not name:
                raise CommandError("Cần tên ứng dụng.")
            key, secret = open311_key_create(actor=None, commune=found, name=name)
        except DomainError as error:
            raise CommandError(error.message) from error
        self.stdout.write(f"Khóa Open311 của {key.name} ({found.name}), mã {key.public_id}.")
        self.stdout.write("Khóa chỉ hiện một lần, hãy lưu lại ngay:")
        self.stdout.write(secret)
