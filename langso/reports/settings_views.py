"""Screens of a commune's field-report setup, for ``report.settings`` holders (the chairman,
the commune's administrator): deadlines and rules, categories, response templates."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from langso.core import access
from langso.core import selectors as core_selectors
from langso.core.calendar_selectors import commune_for_calendar
from langso.core.errors import DomainError, PermissionDenied
from langso.core.models import Commune, Department
from langso.reports import settings_services
from langso.reports.models import Category, ResponseTemplate
from langso.reports.services import settings_for
from langso.reports.settings_forms import (
    CategoryForm,
    ReportSettingsForm,
    ResponseTemplateForm,
)
from langso.web.form_errors import add_domain_errors
from langso.web.views import staff_required

PERMISSION = "report.settings"


def _commune(request: HttpRequest) -> Commune:
    return commune_for_calendar(user=request.user, commune_id=request.GET.get("xa"),
                                permission=PERMISSION)


def _communes(request: HttpRequest) -> Any:
    return access.communes_for(request.user, PERMISSION).order_by("pk")


def _status(request: HttpRequest) -> int:
    return 400 if request.method == "POST" else 200


@staff_required
@require_http_methods(["GET", "POST"])
def settings_edit(request: HttpRequest) -> HttpResponse:
    commune = _commune(request)
    current = settings_for(commune)
    initial = {k: getattr(current, k) for k in settings_services.SETTINGS_FIELDS}
    form = ReportSettingsForm(request.POST if request.method == "POST" else None,
                              initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            settings_services.report_settings_update(actor=request.user, commune=commune,
                                                     **form.cleaned_data)
        except PermissionDenied as error:
            raise DjangoPermissionDenied from error
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            messages.success(request, _("Đã lưu cấu hình phản ánh."))
            return redirect(f"{reverse('reports:settings')}?xa={commune.pk}")
    return render(request, "reports/staff/settings.html", {
        "form": form, "commune": commune, "communes": _communes(request),
        "groups": [(_("Thời hạn (tính theo giờ, ngày làm việc)"), form.DEADLINES),
                   (_("Mở lại, duyệt trả lời, phản ánh trùng"), form.RULES),
                   (_("Khung bao địa giới xã (để cảnh báo vị trí ngoài xã)"), form.BOX)],
        "history": core_selectors.history_for_object(obj=current)},
        status=_status(request))


def _departments(commune: Commune) -> Any:
    return Department.objects.filter(commune=commune).order_by("name")


@staff_required
@require_http_methods(["GET", "POST"])
def category_list(request: HttpRequest) -> HttpResponse:
    commune = _commune(request)
    form = CategoryForm(request.POST if request.method == "POST" else None,
                        departments=_departments(commune))
    if request.method == "POST" and form.is_valid():
        try:
            category = settings_services.category_save(actor=request.user, commune=commune,
                                                       **form.cleaned_data)
        except PermissionDenied as error:
            raise DjangoPermissionDenied from error
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            messages.success(request, _("Đã thêm lĩnh vực %(name)s.") % {"name": category.name})
            return redirect("reports:category_edit", pk=category.pk)
    categories = (Category.objects.filter(commune=commune).select_related("department")
                  .order_by("position", "name"))
    return render(request, "reports/staff/categories.html", {
        "form": form, "commune": commune, "communes": _communes(request),
        "categories": categories}, status=_status(request))


def _category(request: HttpRequest, pk: int) -> Category:
    return access.get_for_user(Category.objects.select_related("commune", "department"),
                               request.user, PERMISSION, pk=pk)


def _category_page(request: HttpRequest, category: Category, form: CategoryForm,
                   template_form: ResponseTemplateForm, status: int) -> HttpResponse:
    return render(request, "reports/staff/category.html", {
        "category": category, "form": form, "template_form": template_form,
        "templates": category.response_templates.order_by("title"),
        "history": core_selectors.history_for_object(obj=category)}, status=status)


@staff_required
@require_http_methods(["GET", "POST"])
def category_edit(request: HttpRequest, pk: int) -> HttpResponse:
    category = _category(request, pk)
    initial = {k: getattr(category, k) for k in settings_services.CATEGORY_FIELDS}
    form = CategoryForm(request.POST if request.method == "POST" else None, initial=initial,
                        departments=_departments(category.commune))
    if request.method == "POST" and form.is_valid():
        try:
            settings_services.category_save(actor=request.user, commune=category.commune,
                                            category=category, **form.cleaned_data)
        except PermissionDenied as error:
            raise DjangoPermissionDenied from error
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            messages.success(request, _("Đã lưu lĩnh vực."))
            return redirect("reports:category_edit", pk=category.pk)
    return _category_page(request, category, form, ResponseTemplateForm(prefix="template"),
                          _status(request))


@staff_required
@require_http_methods(["POST"])
def template_new(request: HttpRequest, pk: int) -> HttpResponse:
    category = _category(request, pk)
    form = ResponseTemplateForm(request.POST, prefix="template")
    if form.is_valid():
        try:
            settings_services.response_template_save(actor=request.user, category=category,
                                                     **form.cleaned_data)
        except PermissionDenied as error:
            raise DjangoPermissionDenied from error
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            messages.success(request, _("Đã thêm mẫu trả lời."))
            return redirect("reports:category_edit", pk=category.pk)
    initial = {k: getattr(category, k) for k in settings_services.CATEGORY_FIELDS}
    return _category_page(request, category,
                          CategoryForm(initial=initial, departments=_departments(
                              category.commune)), form, 400)


@staff_required
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    template = access.get_for_user(
        ResponseTemplate.objects.select_related("category", "category__commune"),
        request.user, PERMISSION, pk=pk)
    initial = {k: getattr(template, k) for k in settings_services.TEMPLATE_FIELDS}
    form = ResponseTemplateForm(request.POST if request.method == "POST" else None,
                                initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            settings_services.response_template_save(
                actor=request.user, category=template.category, template=template,
                **form.cleaned_data)
        except PermissionDenied as error:
            raise DjangoPermissionDenied from error
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            messages.success(request, _("Đã lưu mẫu trả lời."))
            return redirect("reports:category_edit", pk=template.category_id)
    return render(request, "reports/staff/template.html", {
        "template": template, "form": form,
        "history": core_selectors.history_for_object(obj=template)},
        status=_status(request))
