"""Inbox pages for any signed-in user: list, mark read (htmx or plain form), preferences."""

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from langso.core import access
from langso.core.errors import DomainError
from langso.core.models import User
from langso.core.notifications import selectors, services
from langso.core.notifications.forms import MarkReadForm, PreferenceForm

PAGE_SIZE = 30


def _me(request: HttpRequest) -> User:
    """The signed-in user (every view here is behind login_required)."""
    return cast(User, request.user)


def _htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _base_template(request: HttpRequest) -> str:
    return "web/staff_base.html" if access.is_staff_user(request.user) else "web/base.html"


def _inbox_context(request: HttpRequest) -> dict[str, Any]:
    params = request.GET if request.method == "GET" else request.POST
    unread_only = params.get("chua-doc") == "1"
    notifications = selectors.inbox_for(user=_me(request), unread_only=unread_only)
    page = Paginator(notifications, PAGE_SIZE).get_page(str(params.get("trang", ""))[:6])
    return {"page": page, "unread_only": unread_only, "base_template": _base_template(request),
            "unread_count": selectors.unread_count(user=_me(request))}


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    return render(request, "notifications/inbox.html", _inbox_context(request))


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    form = MarkReadForm(request.POST)
    if not form.is_valid():
        problem = " ".join(str(e) for errors in form.errors.values() for e in errors)
        if _htmx(request):
            return HttpResponse(problem, status=400, content_type="text/plain; charset=utf-8")
        messages.error(request, problem)
        return render(request, "notifications/inbox.html", _inbox_context(request), status=400)
    ids = None if form.cleaned_data.get("all") else form.cleaned_data["ids"]
    services.notification_mark_read(actor=_me(request), ids=ids)
    if _htmx(request):
        return render(request, "notifications/partials/_list.html", _inbox_context(request))
    messages.success(request, _("Đã đánh dấu là đã đọc."))
    return redirect("notifications:inbox")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    pref = selectors.preference_of(user=_me(request))
    initial = {f: getattr(pref, f) for f in services.PREFERENCE_FIELDS}
    form = PreferenceForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.preference_update(actor=_me(request), **form.cleaned_data)
        except DomainError as error:
            for field, errors in error.field_errors.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
            if not error.field_errors:
                form.add_error(None, error.message)
        else:
            messages.success(request, _("Đã lưu cách nhận thông báo."))
            return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html",
                  {"form": form, "base_template": _base_template(request),
                   "has_email": bool(_me(request).email),
                   "has_phone": bool(_me(request).phone)},
                  status=400 if request.method == "POST" else 200)
