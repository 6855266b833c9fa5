"""Writes to residents and households; every change lands in the history."""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from langso.core import access
from langso.core.errors import Conflict, DomainError
from langso.core.history import history_record
from langso.core.models import (
    Commune,
    Household,
    HouseholdMember,
    Person,
    Relation,
    Sex,
    User,
    Village,
)
from langso.core.text import normalize_spaces
from langso.core.validators import normalize_phone, validate_citizen_id

PERSON_FIELDS = ("full_name", "date_of_birth", "sex", "citizen_id", "phone", "email",
                 "village", "address")


def _clean_person(commune: Commune, data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    full_name = normalize_spaces(data.get("full_name") or "")
    if not full_name:
        errors["full_name"] = [_("Vui lòng nhập họ và tên.")]
    elif len(full_name) > 150 or any(c in full_name for c in "<>{}[]|\\/\0"):
        errors["full_name"] = [_("Họ và tên không hợp lệ.")]
    clean["full_name"] = full_name
    dob = data.get("date_of_birth")
    if dob is not None and not isinstance(dob, date):
        errors["date_of_birth"] = [_("Ngày sinh không hợp lệ (dd/mm/yyyy).")]
        dob = None
    if dob is not None and (dob > timezone.localdate() or dob.year < 1900):
        errors["date_of_birth"] = [_("Ngày sinh không hợp lệ.")]
    clean["date_of_birth"] = dob
    sex = data.get("sex") or ""
    if sex and sex not in Sex.values:
        errors["sex"] = [_("Giới tính không hợp lệ.")]
    clean["sex"] = sex
    citizen_id = (data.get("citizen_id") or "").strip()
    clean["citizen_id"] = None
    if citizen_id:
        try:
            clean["citizen_id"] = validate_citizen_id(citizen_id, date_of_birth=dob,
                                                      sex=sex or None)
        except ValidationError as exc:
            errors["citizen_id"] = list(exc.messages)
    phone = (data.get("phone") or "").strip()
    clean["phone"] = ""
    if phone:
        try:
            clean["phone"] = normalize_phone(phone)
        except ValidationError as exc:
            errors["phone"] = list(exc.messages)
    clean["email"] = (data.get("email") or "").strip()[:254]
    village = data.get("village")
    if village is not None and village.commune_id != commune.pk:
        errors["village"] = [_("Thôn không thuộc xã này.")]
    clean["village"] = village
    address = normalize_spaces(data.get("address") or "")
    if len(address) > 255:
        errors["address"] = [_("Địa chỉ không được dài quá 255 ký tự.")]
    clean["address"] = address
    if errors:
        raise DomainError(_("Thông tin công dân chưa hợp lệ, vui lòng kiểm tra lại."),
                          field_errors=errors)
    return clean


def _save_person(person: Person, update_fields: list[str] | None = None) -> None:
    try:
        with transaction.atomic():
            person.save(update_fields=update_fields)
    except IntegrityError as exc:
        raise DomainError(_("Số định danh cá nhân này đã có trong danh sách công dân của xã."),
                          field_errors={"citizen_id": [_("Số định danh đã tồn tại.")]}) from exc


@transaction.atomic
def person_create(*, actor: Any, commune: Commune, **data: Any) -> Person:
    clean = _clean_person(commune, data)
    person = Person(commune=commune, **clean)
    access.require(actor, "people.manage", person)
    person.refresh_keys()
    _save_person(person)
    history_record(obj=person, action="person.create", actor=actor, to_state="recorded")
    return person


@transaction.atomic
def person_update(*, actor: Any, person: Person, reason: str = "", **data: Any) -> Person:
    person = Person.objects.select_for_update().get(pk=person.pk)
    access.require(actor, "people.manage", person)
    current = {f: getattr(person, f) for f in PERSON_FIELDS}
    clean = _clean_person(person.commune, {**current, **data})
    changed = [f for f in PERSON_FIELDS if clean[f] != current[f]]
    if not changed:
        return person
    for field in changed:
        setattr(person, field, clean[field])
    person.refresh_keys()
    _save_person(person, update_fields=[*changed, "name_key", "sort_key", "updated_at"])
    history_record(obj=person, action="person.update", actor=actor, reason=reason,
                   # Only which fields changed: the history must not copy personal data.
                   data={"fields": changed})
    return person


@transaction.atomic
def household_create(*, actor: Any, head: Person, village: Village, address: str) -> Household:
    access.require(actor, "people.manage", head)
    if village.commune_id != head.commune_id:
        raise DomainError(_("Thôn không thuộc xã của chủ hộ."))
    if HouseholdMember.objects.filter(person=head).exists():
        raise Conflict(_("Người này đã thuộc một hộ gia đình khác."))
    address = normalize_spaces(address)
    if not address:
        raise DomainError(_("Vui lòng nhập địa chỉ của hộ."))
    household = Household.objects.create(commune_id=head.commune_id, village=village,
                                         address=address[:255])
    HouseholdMember.objects.create(household=household, person=head, relation=Relation.HEAD)
    history_record(obj=household, action="household.create", actor=actor, to_state="active",
                   data={"head": head.pk})
    return household


@transaction.atomic
def household_member_add(*, actor: Any, household: Household, person: Person,
                         relation: str) -> HouseholdMember:
    household = Household.objects.select_for_update().get(pk=household.pk)
    access.require(actor, "people.manage", household)
    if person.commune_id != household.commune_id:
        raise DomainError(_("Công dân không thuộc xã của hộ này."))
    if relation not in Relation.values or relation == Relation.HEAD:
        raise DomainError(_("Quan hệ với chủ hộ không hợp lệ."))
    if HouseholdMember.objects.filter(person=person).exists():
        raise Conflict(_("Người này đã thuộc một hộ gia đình."))
    member = HouseholdMember.objects.create(household=household, person=person,
                                            relation=relation)
    history_record(obj=household, action="household.member_add", actor=actor,
                   to_state=relation, data={"person": person.pk})
    return member


@transaction.atomic
def household_member_remove(*, actor: Any, member: HouseholdMember, reason: str) -> None:
    household = Household.objects.select_for_update().get(pk=member.household_id)
    access.require(actor, "people.manage", household)
    if member.relation == Relation.HEAD:
        raise Conflict(_("Không thể xóa chủ hộ; hãy chọn chủ hộ mới trước."))
    if not reason.strip():
        raise DomainError(_("Vui lòng nêu lý do."))
    member.delete()
    history_record(obj=household, action="household.member_remove", actor=actor,
                   from_state=member.relation, reason=reason, data={"person": member.person_id})


@transaction.atomic
def person_link_user(*, person: Person, user: User, actor: Any = None) -> Person:
    """Tie a resident to the public account they signed up with."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.user_id and person.user_id != user.pk:
        raise Conflict(_("Hồ sơ công dân này đã gắn với một tài khoản khác."))
    if person.user_id == user.pk:
        return person
    person.user = user
    person.save(update_fields=["user", "updated_at"])
    history_record(obj=person, action="person.link_account", actor=actor or user,
                   to_state="linked")
    return person
