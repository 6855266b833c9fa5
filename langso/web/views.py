"""Public home and the staff area's core screens; thin over core selectors and services."""

from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from langso.core import access, selectors
from langso.core.errors import DomainError
from langso.core.models import Village
from langso.core.services import geography as geography_services
from langso.core.services import people as people_services
from langso.core.services.accounts import session_needs_second_factor
from langso.web.form_errors import add_domain_errors
from langso.web.forms import PersonForm, VillageForm

# Each public module (one-stop shop, field reports, bulletins, directory) adds its tile
# here: (url name taking the commune slug, title, one-line summary).
PUBLIC_SERVICES: list[tuple[str, Any, Any]] = []


def public_services(commune: Any) -> list[dict[str, Any]]:
    from django.urls import reverse

    return [{"url": reverse(name, kwargs={"slug": commune.slug}), "title": title,
             "summary": summary} for name, title, summary in PUBLIC_SERVICES]


def _home(request: HttpRequest, slug: str | None) -> HttpResponse:
    page = selectors.commune_public_page(slug=slug)
    if slug and page is None:
        raise Http404
    return render(request, "web/home.html", {
        "commune": page.commune if page else None,
        "villages": page.villages if page else (),
        "other_communes": page.other_communes if page else (),
        "services": public_services(page.commune) if page else [],
    })


def language(request: HttpRequest, code: str) -> HttpResponse:
    """Switch the interface language with a plain link.

    A GET (not Django's POST set_language form) keeps public pages free of a CSRF cookie,
    so a shared cache can keep them; a language preference is not worth forging.
    """
    from django.conf import settings
    from django.utils.http import url_has_allowed_host_and_scheme

    if code not in dict(settings.LANGUAGES):
        raise Http404
    target = request.GET.get("next", "/")[:2000]
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = "/"
    response = redirect(target)
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, code, max_age=365 * 24 * 3600,
                        samesite="Lax", secure=request.is_secure())
    return response


def home(request: HttpRequest) -> HttpResponse:
    return _home(request, None)


def commune_home(request: HttpRequest, slug: str) -> HttpResponse:
    return _home(request, slug)


def staff_required(view):  # type: ignore[no-untyped-def]
    """Only accounts that hold a role somewhere get into the staff area."""

    # wraps() also carries the view's attributes, ``csrf_exempt`` among them: an
    # ``upload_view`` must stay exempt from the middleware's check (which would read the
    # body before the size cap is installed) and does the check itself afterwards.
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not access.is_staff_user(request.user):
            raise Http404
        if session_needs_second_factor(request):  # STAFF_REQUIRE_2FA: TOTP-verified only
            return redirect_to_login(request.get_full_path(), "accounts:otp_verify")
        return view(request, *args, **kwargs)

    return wrapped


@staff_required
def staff_home(request: HttpRequest) -> HttpResponse:
    communes = access.communes_for(request.user).select_related("province")
    return render(request, "web/staff_home.html", {"communes": communes})


@staff_required
def person_list(request: HttpRequest) -> HttpResponse:
    query = (request.GET.get("q") or "")[:100]
    people = selectors.person_list_for_user(user=request.user, search=query)
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    # request.htmx is set by django_htmx.middleware.HtmxMiddleware, unknown to the stubs.
    template = ("web/partials/_person_rows.html" if request.htmx  # type: ignore[attr-defined]
                else "web/person_list.html")
    creatable = access.communes_for(request.user, "people.manage")
    return render(request, template, {"page": page, "q": query,
                                      "can_create": creatable.exists()})


@staff_required
@require_http_methods(["GET", "POST"])
def person_create(request: HttpRequest) -> HttpResponse:
    communes = list(access.communes_for(request.user, "people.manage"))
    if not communes:
        raise Http404
    commune = communes[0]
    villages = access.scope(Village.objects.filter(commune=commune), request.user,
                            "people.manage")
    form = PersonForm(request.POST if request.method == "POST" else None, villages=villages)
    if request.method == "POST" and form.is_valid():
        try:
            person = people_services.person_create(actor=request.user, commune=commune,
                                                   **form.cleaned_data)
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            messages.success(request, _("Đã thêm công dân."))
            return redirect("web:person_detail", pk=person.pk)
    return render(request, "web/person_form.html", {"form": form, "commune": commune},
                  status=400 if request.method == "POST" else 200)


@staff_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get_for_user(user=request.user, pk=pk)
    history = selectors.history_for_object(obj=person)
    household_member = getattr(person, "membership", None)
    return render(request, "web/person_detail.html", {
        "person": person, "history": history, "household_member": household_member,
        "can_edit": access.can(request.user, "people.manage", person),
    })


@staff_required
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get_for_user(user=request.user, pk=pk)
    if not access.can(request.user, "people.manage", person):
        raise Http404
    villages = access.scope(Village.objects.filter(commune=person.commune_id), request.user,
                            "people.manage")
    initial = {f: getattr(person, f) for f in people_services.PERSON_FIELDS}
    form = PersonForm(request.POST if request.method == "POST" else None, initial=initial,
                      villages=villages)
    if request.method == "POST" and form.is_valid():
        try:
            people_services.person_update(actor=request.user, person=person,
                                          reason=request.POST.get("reason", "")[:500],
                                          **form.cleaned_data)
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            messages.success(request, _("Đã lưu thay đổi."))
            return redirect("web:person_detail", pk=person.pk)
    return render(request, "web/person_form.html", {"form": form, "person": person,
                                                    "commune": person.commune},
                  status=400 if request.method == "POST" else 200)


@staff_required
@require_http_methods(["GET", "POST"])
def village_list(request: HttpRequest) -> HttpResponse:
    villages = selectors.village_list_for_user(user=request.user)
    manageable = list(access.communes_for(request.user, "village.manage"))
    form = VillageForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if not manageable:
            raise Http404
        if form.is_valid():
            try:
                geography_services.village_create(actor=request.user, commune=manageable[0],
                                                   **form.cleaned_data)
            except DomainError as error:
                add_domain_errors(form, error)
                status = 400
            else:
                messages.success(request, _("Đã thêm thôn."))
                return redirect("web:village_list")
        else:
            status = 400
    return render(request, "web/village_list.html",
                  {"villages": villages, "form": form, "can_manage": bool(manageable)},
                  status=status)


@staff_required
@require_http_methods(["GET", "POST"])
def village_edit(request: HttpRequest, pk: int) -> HttpResponse:
    village = access.get_for_user(Village.objects.all(), request.user, "village.manage", pk=pk)
    form = VillageForm(request.POST if request.method == "POST" else None,
                       initial={"name": village.name, "kind": village.kind})
    if request.method == "POST" and form.is_valid():
        try:
            geography_services.village_rename(actor=request.user, village=village,
                                              **form.cleaned_data)
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            messages.success(request, _("Đã lưu thay đổi."))
            return redirect("web:village_list")
    history = selectors.history_for_object(obj=village)
    return render(request, "web/village_edit.html",
                  {"village": village, "form": form, "history": history},
                  status=400 if request.method == "POST" else 200)


@staff_required
def history_list(request: HttpRequest) -> HttpResponse:
    if not access.can(request.user, "history.view"):
        raise Http404
    events = selectors.history_list_for_user(user=request.user)
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    return render(request, "web/history_list.html", {"page": page})
