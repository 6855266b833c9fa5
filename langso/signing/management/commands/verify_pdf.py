"""``manage.py verify_pdf <file>``: check a signed PDF from the shell; exit 0 when it is
signed, unchanged and trusted, 1 otherwise (scripts and cron jobs read the code)."""

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from langso.signing.pdf import verify_pdf


class Command(BaseCommand):
    help = "Kiểm tra chữ ký số của một tệp PDF (mã thoát 0: hợp lệ, 1: không hợp lệ)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Đường dẫn tệp PDF")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            self.stderr.write(f"Không đọc được tệp {path}: {exc.strerror or exc}")
            sys.exit(1)
        result = verify_pdf(data)
        for index, signature in enumerate(result.signatures, start=1):
            when = signature.signing_time.isoformat() if signature.signing_time else "-"
            unchanged = "có" if signature.intact and signature.unchanged else "không"
            trusted = "có" if signature.trusted else "không"
            self.stdout.write(
                f"Chữ ký {index}: {signature.signer_name} ({signature.organisation}); "
                f"lúc {when}; nguyên vẹn: {unchanged}; tin cậy: {trusted}; {signature.reason}")
        (self.stdout if result.valid else self.stderr).write(result.message)
        sys.exit(0 if result.valid else 1)
