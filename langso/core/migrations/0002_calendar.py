# The working calendar: swapped days and office hours, seeded with the national swaps
# announced for 2025–2027 that the `holidays` package does not already know.

import datetime

import django.db.models.deletion
from django.db import migrations, models

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
        ('core', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='OfficeHours',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('morning_start', models.TimeField(default=datetime.time(7, 30), verbose_name='buổi sáng từ')),
                ('morning_end', models.TimeField(default=datetime.time(11, 30), verbose_name='buổi sáng đến')),
                ('afternoon_start', models.TimeField(default=datetime.time(13, 30), verbose_name='buổi chiều từ')),
                ('afternoon_end', models.TimeField(default=datetime.time(17, 0), verbose_name='buổi chiều đến')),
                ('saturday_morning', models.BooleanField(default=False, help_text='Bộ phận một cửa mở cửa sáng thứ Bảy. Thời hạn vẫn chỉ tính ngày làm việc: hồ sơ nhận sáng thứ Bảy được tính từ ngày làm việc tiếp theo.', verbose_name='tiếp nhận, trả kết quả sáng thứ Bảy')),
                ('cutoff', models.TimeField(default=datetime.time(15, 0), help_text='Hồ sơ nhận sau giờ này được tính từ ngày làm việc tiếp theo.', verbose_name='giờ chốt nhận hồ sơ trong ngày')),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('commune', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='office_hours', to='core.commune')),
            ],
            options={
                'verbose_name': 'giờ làm việc',
                'verbose_name_plural': 'giờ làm việc',
                'constraints': [models.CheckConstraint(condition=models.Q(('morning_start__lt', models.F('morning_end')), ('morning_end__lte', models.F('afternoon_start')), ('afternoon_start__lt', models.F('afternoon_end'))), name='office_hours_sessions_in_order'), models.CheckConstraint(condition=models.Q(('cutoff__gt', models.F('morning_start')), ('cutoff__lte', models.F('afternoon_end'))), name='office_hours_cutoff_inside_day')],
            },
        ),
        migrations.CreateModel(
            name='CalendarOverride',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('date', models.DateField(verbose_name='ngày')),
                ('kind', models.CharField(choices=[('working_day', 'Ngày làm việc (làm bù)'), ('day_off', 'Ngày nghỉ')], max_length=20, verbose_name='loại')),
                ('reason', models.CharField(help_text='Ví dụ: Nghỉ bù Quốc khánh.', max_length=200, verbose_name='lý do')),
                ('legal_basis', models.CharField(blank=True, help_text='Ví dụ: Thông báo 6150/TB-LĐTBXH.', max_length=200, verbose_name='căn cứ')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('commune', models.ForeignKey(blank=True, help_text='Để trống: áp dụng cho cả nước.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='calendar_overrides', to='core.commune')),
            ],
            options={
                'verbose_name': 'ngày nghỉ, ngày làm bù',
                'verbose_name_plural': 'ngày nghỉ, ngày làm bù',
                'ordering': ['date', 'commune'],
                'indexes': [models.Index(fields=['date'], name='calendar_override_date_idx')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('commune__isnull', True)), fields=('date',), name='calendar_override_unique_national_date'), models.UniqueConstraint(condition=models.Q(('commune__isnull', False)), fields=('commune', 'date'), name='calendar_override_unique_commune_date'), models.CheckConstraint(condition=models.Q(('kind__in', ['working_day', 'day_off'])), name='calendar_override_kind_valid'), models.CheckConstraint(condition=models.Q(('reason', ''), _negated=True), name='calendar_override_has_reason')],
            },
        ),
        migrations.RunPython(seed_national_swaps, unseed_national_swaps),
    ]
