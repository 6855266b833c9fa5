"""Staff screens for households: found one from its head, add and remove members."""

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from langso.core import access, selectors
from langso.core.errors import DomainError
from langso.core.models import HouseholdMember, Person, Relation, Village
from langso.core.services import people as people_services
from langso.web.form_errors import add_domain_errors
from langso.web.views import staff_required


class HouseholdForm(forms.Form):
    village = forms.ModelChoiceField(label=gettext_lazy("Thôn"), queryset=Village.objects.none())
    address = forms.CharField(label=gettext_lazy("Địa chỉ của hộ"), max_length=255)


class MemberAddForm(forms.Form):
    citizen_id = forms.CharField(label=gettext_lazy("Số định danh cá nhân của thành viên"),
                                 max_length=20)
    relation = forms.ChoiceField(label=gettext_lazy("Quan hệ với chủ hộ"),
                                 choices=[c for c in Relation.choices if c[0] != Relation.HEAD])


class MemberRemoveForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Lý do"), max_length=500)


def _managed_person(request: HttpRequest, pk: int) -> Person:
    person = selectors.person_get_for_user(user=request.user, pk=pk)
    if not access.can(request.user, "people.manage", person):
        raise Http404
    return person


@staff_required
@require_http_methods(["GET", "POST"])
def household_create(request: HttpRequest, person_pk: int) -> HttpResponse:
    person = _managed_person(request, person_pk)
    form = HouseholdForm(request.POST if request.method == "POST" else None,
                         initial={"village": person.village_id, "address": person.address})
    village_field = form.fields["village"]
    assert isinstance(village_field, forms.ModelChoiceField)
    village_field.queryset = access.scope(
        Village.objects.filter(commune=person.commune_id), request.user, "people.manage")
    if request.method == "POST" and form.is_valid():
        try:
            household = people_services.household_create(actor=request.user, head=person,
                                                          **form.cleaned_data)
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            messages.success(request, _("Đã lập hộ gia đình."))
            return redirect("web:household_detail", pk=household.pk)
    return render(request, "web/household_form.html", {"form": form, "person": person},
                  status=400 if request.method == "POST" else 200)


def _detail(request: HttpRequest, pk: int, *, add_form: MemberAddForm | None = None,
            status: int = 200) -> HttpResponse:
    household = selectors.household_get_for_user(user=request.user, pk=pk)
    return render(request, "web/household_detail.html", {
        "household": household,
        "members": sorted(household.members.all(), key=lambda m: m.relation != Relation.HEAD),
        "history": selectors.history_for_object(obj=household),
        "can_edit": access.can(request.user, "people.manage", household),
        "add_form": add_form or MemberAddForm(),
        "remove_form": MemberRemoveForm(),
    }, status=status)


@staff_required
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, pk)


@staff_required
@require_POST
def household_member_add(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_get_for_user(user=request.user, pk=pk)
    if not access.can(request.user, "people.manage", household):
        raise Http404
    form = MemberAddForm(request.POST)
    if form.is_valid():
        person = access.scope(Person.objects.filter(commune=household.commune_id),
                              request.user, "people.view").filter(
            citizen_id=form.cleaned_data["citizen_id"].replace(" ", "")).first()
        if person is None:
            form.add_error("citizen_id", _("Không tìm thấy công dân có số định danh này "
                                           "trong xã."))
        else:
            try:
                people_services.household_member_add(
                    actor=request.user, household=household, person=person,
                    relation=form.cleaned_data["relation"])
            except DomainError as error:
                add_domain_errors(form, error)
            else:
                messages.success(request, _("Đã thêm thành viên."))
                return redirect("web:household_detail", pk=household.pk)
    return _detail(request, pk, add_form=form, status=400)


@staff_required
@require_POST
def household_member_remove(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    household = selectors.household_get_for_user(user=request.user, pk=pk)
    if not access.can(request.user, "people.manage", household):
        raise Http404
    member = HouseholdMember.objects.filter(household=household, pk=member_pk).first()
    form = MemberRemoveForm(request.POST)
    if member is None:
        raise Http404
    if not form.is_valid():
        messages.error(request, _("Vui lòng nêu lý do."))
        return redirect("web:household_detail", pk=household.pk)
    try:
        people_services.household_member_remove(actor=request.user, member=member,
                                                reason=form.cleaned_data["reason"])
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Đã xóa thành viên khỏi hộ."))
    return redirect("web:household_detail", pk=household.pk)
