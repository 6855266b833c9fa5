"""Staff page of the one-stop report to the province, and its Excel export.

Thin over ``statistics.dossier_statistics``: a form reads the period from the query
string, ``access`` decides which communes the user may report on.
"""

import datetime as dt
from io import BytesIO
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from langso.core import access
from langso.core.clock import MAX_YEAR, MIN_YEAR, local
from langso.core.errors import DomainError
from langso.core.models import Commune
from langso.onestop import statistics as st
from langso.web.form_errors import add_domain_errors
from langso.web.views import staff_required

PERMISSION = "onestop.statistics"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The report's columns, grouped as on the province's form: (group, column, Figures attribute).
G_HANDLED = gettext_lazy("Số hồ sơ nhận giải quyết")
G_RESOLVED = gettext_lazy("Số hồ sơ đã giải quyết")
G_OPEN = gettext_lazy("Số hồ sơ đang giải quyết")
G_CLOSED = gettext_lazy("Số hồ sơ rút, từ chối, dừng")
G_FEES = gettext_lazy("Phí, lệ phí đã thu")
TOTAL = gettext_lazy("Tổng số")
COLUMNS = [
    (G_HANDLED, TOTAL, "handled"),
    (G_HANDLED, gettext_lazy("Kỳ trước chuyển qua"), "carried_over"),
    (G_HANDLED, gettext_lazy("Mới tiếp nhận trực tuyến"), "received_online"),
    (G_HANDLED, gettext_lazy("Mới tiếp nhận trực tiếp, bưu chính"), "received_direct"),
    (G_RESOLVED, TOTAL, "resolved"),
    (G_RESOLVED, gettext_lazy("Trước hạn"), "resolved_early"),
    (G_RESOLVED, gettext_lazy("Đúng hạn"), "resolved_on_time"),
    (G_RESOLVED, gettext_lazy("Quá hạn"), "resolved_late"),
    (G_OPEN, TOTAL, "in_progress"),
    (G_OPEN, gettext_lazy("Trong hạn"), "in_progress_on_time"),
    (G_OPEN, gettext_lazy("Quá hạn"), "in_progress_overdue"),
    (G_CLOSED, gettext_lazy("Công dân rút"), "withdrawn"),
    (G_CLOSED, gettext_lazy("Từ chối"), "refused"),
    (G_CLOSED, gettext_lazy("Dừng giải quyết"), "stopped"),
    (G_FEES, gettext_lazy("Số lượt nộp"), "payments"),
    (G_FEES, gettext_lazy("Số tiền (đồng)"), "fees_paid"),
]
GROUPINGS = {
    "field": (gettext_lazy("Theo lĩnh vực"), gettext_lazy("Lĩnh vực")),
    "procedure": (gettext_lazy("Theo thủ tục"), gettext_lazy("Thủ tục")),
    "officer": (gettext_lazy("Theo cán bộ xử lý"), gettext_lazy("Cán bộ xử lý")),
}
KINDS = {"thang": st.PeriodKind.MONTH, "quy": st.PeriodKind.QUARTER, "nam": st.PeriodKind.YEAR,
         "khoang": st.PeriodKind.CUSTOM}


class PeriodForm(forms.Form):
    """The period of the report, from the query string (a shareable, bookmarkable link)."""

    ky = forms.ChoiceField(label=gettext_lazy("Kỳ báo cáo"), required=False, choices=[
        ("thang", gettext_lazy("Tháng")), ("quy", gettext_lazy("Quý")),
        ("nam", gettext_lazy("Năm")), ("khoang", gettext_lazy("Khoảng thời gian"))])
    thang = forms.IntegerField(label=gettext_lazy("Tháng"), required=False, min_value=1,
                               max_value=12)
    quy = forms.IntegerField(label=gettext_lazy("Quý"), required=False, min_value=1,
                             max_value=4)
    nam = forms.IntegerField(label=gettext_lazy("Năm"), required=False, min_value=MIN_YEAR,
                             max_value=MAX_YEAR)
    tu = forms.DateField(label=gettext_lazy("Từ ngày"), required=False,
                         help_text=gettext_lazy("dd/mm/yyyy"))
    den = forms.DateField(label=gettext_lazy("Đến ngày"), required=False,
                          help_text=gettext_lazy("dd/mm/yyyy"))

    def __init__(self, *args: Any, now: dt.datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default = st.previous_month(now)
        self.period: st.Period | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        kind = KINDS[data.get("ky") or "thang"]
        year = data.get("nam") or self.default.first.year
        try:
            if kind == st.PeriodKind.MONTH:
                self.period = st.month_period(year,
                                              data.get("thang") or self.default.first.month)
            elif kind == st.PeriodKind.QUARTER:
                self.period = st.quarter_period(year, data.get("quy") or 1)
            elif kind == st.PeriodKind.YEAR:
                self.period = st.year_period(year)
            else:
                if not data.get("tu") or not data.get("den"):
                    raise DomainError(_("Nhập ngày bắt đầu và ngày kết thúc."),
                                      field_errors={"tu": [_("Bắt buộc.")]})
                self.period = st.custom_period(data["tu"], data["den"])
        except DomainError as error:
            add_domain_errors(self, error, rename=_FORM_FIELD)
        return data


_FORM_FIELD = {"year": "nam", "month": "thang", "quarter": "quy", "first": "tu", "last": "den"}


def _commune(request: HttpRequest, communes: Any) -> Commune:
    """The commune asked for, if the user may report on it; else their first. 404 for any
    other commune, or when the user may report on none."""
    return access.commune_chosen(communes, request.user, PERMISSION, request.GET.get("xa"))


def _report(request: HttpRequest) -> tuple[Commune, Any, PeriodForm, st.Statistics | None]:
    communes = st.statistics_communes(request.user)
    commune = _commune(request, communes)
    now = timezone.now()
    form = PeriodForm(request.GET, now=now)
    report = None
    if form.is_valid() and form.period is not None:
        report = st.dossier_statistics(commune=commune, period=form.period, now=now)
    return commune, communes, form, report


def _values(figures: st.Figures) -> list[int]:
    return [getattr(figures, attr) for _g, _c, attr in COLUMNS]


def _header_groups() -> list[tuple[str, int]]:
    groups: list[tuple[str, int]] = []
    for group, _column, _attr in COLUMNS:
        if groups and groups[-1][0] == str(group):
            groups[-1] = (groups[-1][0], groups[-1][1] + 1)
        else:
            groups.append((str(group), 1))
    return groups


def _tables(report: st.Statistics) -> list[dict[str, Any]]:
    tables = []
    for key, rows in st.grouping_rows(report):
        title, first_column = GROUPINGS[key]
        tables.append({
            "key": key, "title": title, "first_column": first_column,
            "rows": [{"label": r.label, "code": r.code, "values": _values(r.figures)}
                     for r in rows],
            "total": _values(report.total)})
    return tables


def _page(request: HttpRequest, commune: Commune, communes: Any, form: PeriodForm,
          report: st.Statistics | None) -> HttpResponse:
    query = request.GET.copy()
    query["xa"] = str(commune.pk)
    return render(request, "onestop/statistics.html", {
        "commune": commune, "communes": communes, "form": form, "report": report,
        "tables": _tables(report) if report else [],
        "groups": _header_groups(), "columns": [str(c) for _g, c, _a in COLUMNS],
        "excel_query": urlencode(sorted(query.items())),
    }, status=200 if report else 400)


@staff_required
@require_GET
def statistics_view(request: HttpRequest) -> HttpResponse:
    return _page(request, *_report(request))


def workbook(report: st.Statistics) -> bytes:
    """The report as .xlsx, one sheet per grouping, numbers as numbers, Vietnamese headers
    whatever the user's language: it goes to the province."""
    with translation.override("vi"):
        book = Workbook()
        book.remove(book.active)
        bold = Font(bold=True)
        for table in _tables(report):
            sheet = book.create_sheet(str(table["title"])[:31])
            sheet.append([_("Báo cáo tình hình, kết quả giải quyết thủ tục hành chính")])
            sheet.append([f"{report.commune.name}, {report.commune.province.name}"])
            as_of = local(min(report.as_of, report.period.end_at))
            sheet.append([_("Kỳ báo cáo: %(period)s") % {"period": report.period.label},
                          None, None,
                          _("Số liệu tính đến: %(at)s") % {"at": f"{as_of:%d/%m/%Y %H:%M}"}])
            sheet["A1"].font = bold
            # Row 5: groups spanning their columns; row 6: the columns.
            group_row, column_row = 5, 6
            extra = 2 if table["key"] == "procedure" else 1
            sheet.cell(group_row, 1, _("STT"))
            sheet.merge_cells(start_row=group_row, start_column=1, end_row=column_row,
                              end_column=1)
            if extra == 2:
                sheet.cell(group_row, 2, _("Mã thủ tục"))
                sheet.merge_cells(start_row=group_row, start_column=2, end_row=column_row,
                                  end_column=2)
            label_column = extra + 1
            sheet.cell(group_row, label_column, str(table["first_column"]))
            sheet.merge_cells(start_row=group_row, start_column=label_column,
                              end_row=column_row, end_column=label_column)
            column = label_column + 1
            for group, span in _header_groups():
                sheet.cell(group_row, column, group)
                if span > 1:
                    sheet.merge_cells(start_row=group_row, start_column=column,
                                      end_row=group_row, end_column=column + span - 1)
                column += span
            for i, (_g, name, _a) in enumerate(COLUMNS):
                sheet.cell(column_row, label_column + 1 + i, str(name))
            for row in sheet.iter_rows(min_row=group_row, max_row=column_row):
                for cell in row:
                    cell.font = bold
                    cell.alignment = Alignment(wrap_text=True, vertical="center",
                                               horizontal="center")
            for n, row in enumerate(table["rows"], start=1):
                leading: list[Any] = [n, row["code"]] if extra == 2 else [n]
                sheet.append([*leading, row["label"], *row["values"]])
            sheet.append([*([None] * extra), _("Tổng cộng"), *table["total"]])
            for cell in sheet[sheet.max_row]:
                cell.font = bold
            sheet.column_dimensions[get_column_letter(label_column)].width = 40
            for i in range(len(COLUMNS)):
                sheet.column_dimensions[get_column_letter(label_column + 1 + i)].width = 13
            money = get_column_letter(label_column + len(COLUMNS))
            for cell in sheet[money][column_row:]:
                cell.number_format = "#,##0"
            sheet.freeze_panes = sheet.cell(column_row + 1, label_column + 1)
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
    name = f"thong-ke-mot-cua-{commune.code}-{period.first:%Y%m%d}-{period.last:%Y%m%d}.xlsx"
    response = HttpResponse(workbook(report), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
