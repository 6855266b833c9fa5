# Seeds the national swapped working days and days off
# announced for 2025–2027 that the `holidays` package does not already know.

import datetime

from django.db import migrations

# Only what `holidays` (VN, version pinned in pyproject.toml) lacks. The package has every
# statutory day (Tết Dương lịch; five days of Tết Nguyên đán with days falling on a weekend
# moved to the weekday before/after; Giỗ Tổ Hùng Vương; 30/4; 1/5; 2/9 and the day beside
# it; 24/11 from 2026; a holiday on a weekend gives the next weekday off) and the weekday
# half of some swaps (Fri 02/05/2025, Mon 31/08/2026), never the Saturday worked in
# exchange. Tết 2025 (25/01–02/02) and Tết 2026 (14/02–22/02) needed no swap. Nothing was
# announced for 2027 when this was written: do not invent it (see docs/clock.md).
NATIONAL_SWAPS = [
    # Công văn 8726/VPCP-KGVX ngày 26/11/2024 and Thông báo 6150/TB-LĐTBXH: officials work
    # Saturday 26/04/2025 in exchange for Friday 02/05/2025 (the day off is in `holidays`).
    ("2025-04-26", "working_day",
     "Làm bù cho ngày nghỉ thứ Sáu 02/05/2025 (dịp 30/4 – 1/5)",
     "Công văn 8726/VPCP-KGVX ngày 26/11/2024; Thông báo 6150/TB-LĐTBXH"),
    # Công văn 12729/VPCP-KGVX ngày 25/12/2025: Tết Dương lịch 2026 is 01/01–04/01,
    # Friday 02/01 swapped with Saturday 10/01. Neither half is in `holidays` 0.109.
    ("2026-01-02", "day_off",
     "Nghỉ Tết Dương lịch 2026 (hoán đổi, làm bù thứ Bảy 10/01/2026)",
     "Công văn 12729/VPCP-KGVX ngày 25/12/2025"),
    ("2026-01-10", "working_day",
     "Làm bù cho ngày nghỉ thứ Sáu 02/01/2026 (Tết Dương lịch)",
     "Công văn 12729/VPCP-KGVX ngày 25/12/2025"),
    # The Prime Minister approved the Ministry of Home Affairs' plan (conveyed by the
    # Government Office, October 2025): Quốc khánh 2026 is 29/08–02/09, Monday 31/08 (in
    # `holidays`) swapped with Saturday 22/08.
    ("2026-08-22", "working_day",
     "Làm bù cho ngày nghỉ thứ Hai 31/08/2026 (dịp Quốc khánh)",
     "Ý kiến Thủ tướng Chính phủ về nghỉ Tết Âm lịch, Quốc khánh năm 2026 "
     "(Văn phòng Chính phủ truyền đạt, tháng 10/2025)"),
]


def seed_national_swaps(apps, schema_editor):
    CalendarOverride = apps.get_model("core", "CalendarOverride")
    for day, kind, reason, basis in NATIONAL_SWAPS:
        CalendarOverride.objects.get_or_create(
            date=datetime.date.fromisoformat(day), commune=None,
            defaults={"kind": kind, "reason": reason, "legal_basis": basis})


def unseed_national_swaps(apps, schema_editor):
    CalendarOverride = apps.get_model("core", "CalendarOverride")
    CalendarOverride.objects.filter(
        commune=None, date__in=[datetime.date.fromisoformat(d) for d, *_ in NATIONAL_SWAPS]
    ).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(seed_national_swaps, unseed_national_swaps),
    ]
