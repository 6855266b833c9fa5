"""Staff page of the field-report KPIs and its Excel export. Thin over
``statistics.report_statistics``: a form reads the period from the query string, ``access``
decides which communes the user may read."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from io import BytesIO
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from langso.core import access
from langso.core.clock import local
from langso.core.errors import DomainError
from langso.core.models import Commune
from langso.reports import statistics as st
from langso.web.form_errors import add_domain_errors
from langso.web.views import staff_required

PERMISSION = "report.statistics"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# (column, Figures attribute, kind): "n" a count, "pct" a percentage, "h" working hours,
# "r" a rating.
COLUMNS = [
    (gettext_lazy("Số phản ánh nhận"), "received", "n"),
    (gettext_lazy("Từ chối"), "rejected", "n"),
    (gettext_lazy("Đã trả lời"), "answered", "n"),
    (gettext_lazy("Trả lời đúng hạn"), "on_time", "n"),
    (gettext_lazy("Tỷ lệ đúng hạn (%)"), "on_time_percent", "pct"),
    (gettext_lazy("Thời gian tiếp nhận trung bình (giờ làm việc)"), "acknowledge_hours", "h"),
    (gettext_lazy("Thời gian trả lời trung bình (giờ làm việc)"), "resolve_hours", "h"),
    (gettext_lazy("Bị mở lại"), "reopened", "n"),
    (gettext_lazy("Tỷ lệ mở lại (%)"), "reopen_percent", "pct"),
    (gettext_lazy("Số lượt đánh giá"), "rated", "n"),
    (gettext_lazy("Đánh giá trung bình (1–5 sao)"), "average_rating", "r"),
]
GROUPINGS = [
    ("category", gettext_lazy("Theo lĩnh vực"), gettext_lazy("Lĩnh vực")),
    ("department", gettext_lazy("Theo bộ phận xử lý"), gettext_lazy("Bộ phận")),
    ("month", gettext_lazy("Theo tháng gửi"), gettext_lazy("Tháng")),
]


class PeriodForm(forms.Form):
    """The period, from the query string (a shareable, bookmarkable link)."""

    tu = forms.DateField(label=gettext_lazy("Từ ngày"), required=False,
                         input_formats=["%d/%m/%Y", "%Y-%m-%d"],
                         widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    den = forms.DateField(label=gettext_lazy("Đến ngày"), required=False,
                          input_formats=["%d/%m/%Y", "%Y-%m-%d"],
                          widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args: Any, now: dt.datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default = st.year_to_date(now)
        self.period: st.Period | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            self.period = st.period(data.get("tu") or self.default.first,
                                    data.get("den") or self.default.last)
        except DomainError as error:
            add_domain_errors(self, error, rename={"first": "tu", "last": "den"})
        return data


def _commune(request: HttpRequest, communes: Any) -> Commune:
    return access.commune_chosen(communes, request.user, PERMISSION, request.GET.get("xa"))


def _report(request: HttpRequest) -> tuple[Commune, Any, PeriodForm, st.Statistics | None]:
    communes = st.statistics_communes(request.user)
    commune = _commune(request, communes)
    now = timezone.now()
    form = PeriodForm(request.GET, now=now)
    report = None
    if form.is_valid() and form.period is not None:
        report = st.report_statistics(commune=commune, period=form.period, now=now)
    return commune, communes, form, report


def _shown(value: Any, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "n":
        return str(value)
    places = 1 if kind in ("pct", "h") else 2
    # number_format cuts decimals off; the page rounds them (8.75 hours is "8,8").
    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return number_format(rounded, decimal_pos=places)


def _values(figures: st.Figures) -> list[Any]:
    return [getattr(figures, attr) for _c, attr, _k in COLUMNS]


def _tables(report: st.Statistics) -> list[dict[str, Any]]:
    rows_of = {"category": report.by_category, "department": report.by_department,
               "month": report.by_month}
    kinds = [k for _c, _a, k in COLUMNS]

    def shown(figures: st.Figures) -> list[str]:
        return [_shown(v, k) for v, k in zip(_values(figures), kinds, strict=True)]

    return [{"key": key, "title": title, "first_column": first,
             "rows": [{"label": r.label, "values": _values(r.figures),
                       "shown": shown(r.figures)} for r in rows_of[key]],
             "total": _values(report.total), "total_shown": shown(report.total)}
            for key, title, first in GROUPINGS]


def _page(request: HttpRequest, commune: Commune, communes: Any, form: PeriodForm,
          report: st.Statistics | None) -> HttpResponse:
    query = request.GET.copy()
    query["xa"] = str(commune.pk)
    return render(request, "reports/staff/statistics.html", {
        "commune": commune, "communes": communes, "form": form, "report": report,
        "tables": _tables(report) if report else [],
        "columns": [str(c) for c, _a, _k in COLUMNS],
        "excel_query": urlencode(sorted(query.items())),
    }, status=200 if report else 400)


@staff_required
@require_GET
def statistics_view(request: HttpRequest) -> HttpResponse:
    return _page(request, *_report(request))


def workbook(report: st.Statistics) -> bytes:
    """The KPIs as .xlsx, one sheet per grouping, numbers as numbers (hours and
    percentages with one decimal), Vietnamese headers whatever the user's language."""
    with translation.override("vi"):
        book = Workbook()
        book.remove(book.active)
        bold = Font(bold=True)
        formats = {"n": "0", "pct": "0.0", "h": "0.0", "r": "0.00"}
        for table in _tables(report):
            sheet = book.create_sheet(str(table["title"])[:31])
            sheet.append([_("Chỉ số xử lý phản ánh hiện trường")])
            sheet.append([f"{report.commune.name}, {report.commune.province.name}"])
            as_of = local(min(report.as_of, report.period.end_at))
            sheet.append([_("Phản ánh gửi %(period)s") % {
                "period": report.period.label.lower()}, None, None,
                _("Số liệu tính đến: %(at)s") % {"at": f"{as_of:%d/%m/%Y %H:%M}"}])
            sheet["A1"].font = bold
            header = 5
            sheet.cell(header, 1, _("STT"))
            sheet.cell(header, 2, str(table["first_column"]))
            for i, (name, _attr, _kind) in enumerate(COLUMNS):
                sheet.cell(header, 3 + i, str(name))
            for cell in sheet[header]:
                cell.font = bold
                cell.alignment = Alignment(wrap_text=True, vertical="center",
                                           horizontal="center")
            for n, row in enumerate(table["rows"], start=1):
                sheet.append([n, row["label"], *row["values"]])
            sheet.append([None, _("Tổng cộng"), *table["total"]])
            for cell in sheet[sheet.max_row]:
                cell.font = bold
            for i, (_name, _attr, kind) in enumerate(COLUMNS):
                letter = get_column_letter(3 + i)
                sheet.column_dimensions[letter].width = 14
                for cell in sheet[letter][header:]:
                    cell.number_format = formats[kind]
            sheet.column_dimensions["B"].width = 40
            sheet.freeze_panes = sheet.cell(header + 1, 3)
        out = BytesIO()
        book.save(out)
    return out.getvalue()


@staff_required
@require_GET
def statistics_excel(request: HttpRequest) -> HttpResponse:
    commune, communes, form, report = _report(request)
    if report is None:  # the period is wrong: the page says why
        return _page(request, commune, communes, form, report)
    period = report.period
    name = f"chi-so-phan-anh-{commune.code}-{period.first:%Y%m%d}-{period.last:%Y%m%d}.xlsx"
    response = HttpResponse(workbook(report), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
