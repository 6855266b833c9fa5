"""Remove a staff account's authenticator app (lost phone): it enrols again at next login.

    manage.py totp_reset <username|phone|e-mail> --reason "Mất điện thoại"
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from langso.core.models import User
from langso.core.services.accounts import totp_reset


class Command(BaseCommand):
    help = "Xóa ứng dụng xác thực của một tài khoản (mất điện thoại)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("account", help="tên đăng nhập, số điện thoại hoặc thư điện tử")
        parser.add_argument("--reason", default="", help="lý do, ghi vào nhật ký")

    def handle(self, *args: Any, account: str, reason: str, **options: Any) -> None:
        users = list(User.objects.filter(Q(username=account) | Q(phone=account)
                                         | Q(email__iexact=account))[:2])
        if len(users) != 1:
            raise CommandError(f"Không tìm thấy đúng một tài khoản cho {account!r}.")
        count = totp_reset(user=users[0], reason=reason or "totp_reset command")
        self.stdout.write(f"Đã xóa {count} ứng dụng xác thực của {users[0].username}.")
