"""Residents and households: validation, tenancy, search and history."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from langso.core.errors import Conflict, DomainError, PermissionDenied
from langso.core.models import HistoryEvent, Household, Person, Relation, Role
from langso.core.services import people as services
from langso.core.validators import normalize_phone, validate_citizen_id


@pytest.fixture
def officer(commune, make_staff):
    return make_staff(Role.ONE_STOP_OFFICER, commune)


def test_officer_records_a_resident_with_history(officer, commune, village):
    person = services.person_create(
        actor=officer, commune=commune, full_name="  Nguyễn   Văn An ",
        date_of_birth=date(1990, 5, 1), sex="male", citizen_id="026090123456",
        phone="+84 912 345 678", village=village, address="Số 1")
    assert person.full_name == "Nguyễn Văn An"
    assert person.phone == "0912345678"
    assert person.name_key == "nguyen van an"
    event = HistoryEvent.objects.get(object_id=str(person.pk), action="person.create")
    assert event.actor == officer and event.commune == commune


@pytest.mark.parametrize(("field", "value", "message"), [
    ("full_name", "", "Vui lòng nhập họ và tên."),
    ("full_name", "x" * 151, "Họ và tên không hợp lệ."),
    ("full_name", "<script>alert(1)</script>", "Họ và tên không hợp lệ."),
    ("citizen_id", "12345", "Số định danh cá nhân phải gồm đúng 12 chữ số."),
    ("citizen_id", "999090123456", "Ba chữ số đầu của số định danh không phải mã tỉnh hợp lệ."),
    ("citizen_id", "026085123456", "Số định danh không khớp với năm sinh."),
    ("citizen_id", "026190123456", "Số định danh không khớp với giới tính."),
    ("phone", "12345", "Số điện thoại không hợp lệ. Nhập 10 chữ số, ví dụ 0912345678."),
    ("date_of_birth", "01/05/1990", "Ngày sinh không hợp lệ (dd/mm/yyyy)."),
    ("date_of_birth", date(2999, 1, 1), "Ngày sinh không hợp lệ."),
])
def test_bad_resident_data_is_refused_and_nothing_is_written(officer, commune, field, value,
                                                             message):
    data = {"full_name": "Nguyễn Văn An", "date_of_birth": date(1990, 5, 1), "sex": "male",
            field: value}
    with pytest.raises(DomainError) as caught:
        services.person_create(actor=officer, commune=commune, **data)
    assert caught.value.field_errors[field] == [message]
    assert not Person.objects.exists()
    assert not HistoryEvent.objects.exists()


def test_duplicate_citizen_id_in_a_commune_is_refused(officer, commune):
    services.person_create(actor=officer, commune=commune, full_name="A B",
                           citizen_id="026090123456")
    with pytest.raises(DomainError, match="đã có trong danh sách"):
        services.person_create(actor=officer, commune=commune, full_name="C D",
                               citizen_id="026090123456")
    assert Person.objects.count() == 1


def test_village_of_another_commune_is_refused(officer, commune, other_commune, make_village):
    foreign = make_village(other_commune, "Hổ Thôn")
    with pytest.raises(DomainError) as caught:
        services.person_create(actor=officer, commune=commune, full_name="A B", village=foreign)
    assert "village" in caught.value.field_errors


def test_officer_of_another_commune_cannot_record_here(other_commune, commune, make_staff):
    outsider = make_staff(Role.ONE_STOP_OFFICER, other_commune)
    with pytest.raises(PermissionDenied):
        services.person_create(actor=outsider, commune=commune, full_name="A B")
    assert not Person.objects.exists()


def test_update_records_changed_field_names_but_not_their_values(officer, commune,
                                                                make_person):
    person = make_person(commune, "Nguyễn Văn An")
    services.person_update(actor=officer, person=person, phone="0987654321",
                           reason="Công dân đổi số")
    event = HistoryEvent.objects.get(action="person.update")
    assert event.data == {"fields": ["phone"]}
    assert "0987654321" not in str(event.data) + event.reason
    # no change, no event
    services.person_update(actor=officer, person=person, phone="0987654321")
    assert HistoryEvent.objects.filter(action="person.update").count() == 1


def test_search_ignores_diacritics_and_order_is_vietnamese(officer, commune, make_person):
    for name in ["Nguyễn Văn A", "Trần Thị Bích", "Lê Đức Anh", "nguyen van b"]:
        make_person(commune, name)
    found = Person.objects.search("nguyen van a")
    assert [p.full_name for p in found] == ["Nguyễn Văn A"]
    assert [p.full_name for p in Person.objects.search("NGUYỄN")] == ["Nguyễn Văn A",
                                                                      "nguyen van b"]
    ordered = [p.full_name for p in Person.objects.filter(commune=commune)]
    assert ordered == ["Nguyễn Văn A", "Lê Đức Anh", "nguyen van b", "Trần Thị Bích"]


def test_household_with_one_head_and_members(officer, commune, village, make_person):
    head = make_person(commune, "Nguyễn Văn An")
    wife = make_person(commune, "Trần Thị Bình")
    household = services.household_create(actor=officer, head=head, village=village,
                                           address="Số 5")
    services.household_member_add(actor=officer, household=household, person=wife,
                                  relation=Relation.SPOUSE)
    assert {(m.person.full_name, m.relation) for m in household.members.all()} == {
        ("Nguyễn Văn An", "head"), ("Trần Thị Bình", "spouse")}
    with pytest.raises(DomainError):
        services.household_member_add(actor=officer, household=household,
                                      person=make_person(commune, "X Y"),
                                      relation=Relation.HEAD)
    with pytest.raises(Conflict):
        services.household_create(actor=officer, head=wife, village=village, address="Số 6")
    assert Household.objects.count() == 1


def test_person_links_to_one_account_only(commune, make_person, citizen, django_user_model):
    person = make_person(commune, "Nguyễn Thị Lan")
    services.person_link_user(person=person, user=citizen)
    other = django_user_model.objects.create_user(username="x", kind="citizen")
    with pytest.raises(Conflict):
        services.person_link_user(person=person, user=other)


@pytest.mark.parametrize("raw", ["0912345678", "091 234 5678", "+84912345678", "84912345678",
                                 "0912.345.678"])
def test_phone_numbers_are_normalised(raw):
    assert normalize_phone(raw) == "0912345678"


@pytest.mark.parametrize("raw", ["", "0112345678", "09123456789", "abc", "0912345678; DROP"])
def test_bad_phone_numbers_are_refused(raw):
    with pytest.raises(ValidationError):
        normalize_phone(raw)


def test_citizen_id_for_a_woman_born_in_2003():
    assert validate_citizen_id("038 303 012345", date_of_birth=date(2003, 1, 2),
                               sex="female") == "038303012345"
