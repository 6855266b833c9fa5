"""The Open311 keys screen of a commune, for ``report.settings`` holders (the chairman, the
commune's administrator): which applications may send reports, a new key shown once, and
revoking one."""

import uuid

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from langso.core import access
from langso.core.calendar_selectors import commune_for_calendar
from langso.core.errors import DomainError, PermissionDenied
from langso.reports.models import Open311Key
from langso.reports.open311 import keys
from langso.web.form_errors import add_domain_errors
from langso.web.views import staff_required

PERMISSION = "report.settings"


class KeyForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Tên ứng dụng"), max_length=120,
                           help_text=gettext_lazy("Ví dụ: Ứng dụng Zalo của xã, "
                                                  "FixMyStreet của tỉnh."))


class RevokeForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Lý do thu hồi"), max_length=500,
                             required=False)


@staff_required
@require_http_methods(["GET", "POST"])
def key_list(request: HttpRequest) -> HttpResponse:
    commune = commune_for_calendar(user=request.user, commune_id=request.GET.get("xa"),
                                   permission=PERMISSION)
    form = KeyForm(request.POST if request.method == "POST" else None)
    new_key = ""
    if request.method == "POST" and form.is_valid():
        try:
            _key, new_key = keys.open311_key_create(actor=request.user, commune=commune,
                                                    name=form.cleaned_data["name"])
        except PermissionDenied as error:
            raise DjangoPermissionDenied from error
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            form = KeyForm()
    response = render(request, "reports/staff/open311_keys.html", {
        "commune": commune, "form": form, "new_key": new_key,
        "revoke_form": RevokeForm(),
        "communes": access.communes_for(request.user, PERMISSION).order_by("pk"),
        "keys": Open311Key.objects.filter(commune=commune).order_by("-is_active",
                                                                     "-created_at"),
        "api_url": request.build_absolute_uri(reverse("open311:discovery",
                                                      kwargs={"fmt": "json"})),
    }, status=400 if form.errors else 200)
    # The new key is in this page only: never kept by a cache, never shown again.
    patch_cache_control(response, private=True, no_store=True)
    return response


@staff_required
@require_POST
def key_revoke(request: HttpRequest, key: uuid.UUID) -> HttpResponse:
    found = access.get_for_user(Open311Key.objects.select_related("commune"), request.user,
                                PERMISSION, public_id=key)
    form = RevokeForm(request.POST)
    target = f"{reverse('reports:open311_keys')}?xa={found.commune_id}"
    if not form.is_valid():
        messages.error(request, _("Lý do thu hồi tối đa 500 ký tự; khóa chưa bị thu hồi."))
        return redirect(target)
    try:
        keys.open311_key_revoke(actor=request.user, key=found,
                                reason=form.cleaned_data["reason"])
    except PermissionDenied as error:
        raise DjangoPermissionDenied from error
    messages.success(request, _("Đã thu hồi khóa của %(name)s.") % {"name": found.name})
    return redirect(target)
