"""Household screens: found a household from its head, add and remove members."""

import pytest
from django.test import Client

from langso.core.models import HistoryEvent, Household, HouseholdMember, Role
from langso.testing.auth import login_verified


@pytest.fixture
def officer(commune, make_staff):
    client = Client()
    login_verified(client, make_staff(Role.ONE_STOP_OFFICER, commune))
    return client


@pytest.fixture
def head(commune, village, make_person):
    return make_person(commune, "Nguyễn Văn An", village=village, citizen_id="026090000001")


def test_officer_founds_a_household_and_adds_the_wife(officer, commune, village, head,
                                                     make_person):
    wife = make_person(commune, "Trần Thị Bình", citizen_id="026190000002")
    response = officer.post(f"/can-bo/cong-dan/{head.pk}/lap-ho/",
                            {"village": village.pk, "address": "Số 5, Đồng Bả"})
    household = Household.objects.get()
    assert response["Location"] == f"/can-bo/ho-gia-dinh/{household.pk}/"
    response = officer.post(f"/can-bo/ho-gia-dinh/{household.pk}/thanh-vien/",
                            {"citizen_id": "0261 9000 0002", "relation": "spouse"})
    assert response.status_code == 302
    assert {(m.person, m.relation) for m in HouseholdMember.objects.all()} == {
        (head, "head"), (wife, "spouse")}
    page = officer.get(f"/can-bo/ho-gia-dinh/{household.pk}/").content.decode()
    assert "Trần Thị Bình" in page and "household.member_add" in page


@pytest.mark.parametrize(("data", "message"), [
    ({}, "Trường này là bắt buộc."),
    ({"citizen_id": "026190999999", "relation": "spouse"}, "Không tìm thấy công dân"),
    ({"citizen_id": "026090000001", "relation": "spouse"}, "đã thuộc một hộ gia đình"),
    ({"citizen_id": "026190000002", "relation": "head"}, "Hãy chọn một lựa chọn hợp lệ"),
    ({"citizen_id": "<b>x</b>" * 10, "relation": "spouse"}, "tối đa 20 kí tự"),
])
def test_bad_member_is_refused_and_nothing_changes(officer, commune, village, head,
                                                   make_person, data, message):
    make_person(commune, "Trần Thị Bình", citizen_id="026190000002")
    officer.post(f"/can-bo/cong-dan/{head.pk}/lap-ho/", {"village": village.pk,
                                                         "address": "Số 5"})
    household = Household.objects.get()
    events = HistoryEvent.objects.count()
    response = officer.post(f"/can-bo/ho-gia-dinh/{household.pk}/thanh-vien/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "<b>x</b>" not in response.content.decode()
    assert HouseholdMember.objects.count() == 1 and HistoryEvent.objects.count() == events


def test_removing_a_member_needs_a_reason_and_the_head_stays(officer, commune, village, head,
                                                            make_person):
    child = make_person(commune, "Nguyễn Văn Con", citizen_id="026210000003")
    officer.post(f"/can-bo/cong-dan/{head.pk}/lap-ho/", {"village": village.pk,
                                                         "address": "Số 5"})
    household = Household.objects.get()
    officer.post(f"/can-bo/ho-gia-dinh/{household.pk}/thanh-vien/",
                 {"citizen_id": "026210000003", "relation": "child"})
    member = HouseholdMember.objects.get(person=child)
    head_member = HouseholdMember.objects.get(person=head)
    url = f"/can-bo/ho-gia-dinh/{household.pk}/thanh-vien/{{}}/xoa/"
    officer.post(url.format(member.pk), {"reason": ""})
    officer.post(url.format(head_member.pk), {"reason": "Chủ hộ đi"})
    assert HouseholdMember.objects.count() == 2
    officer.post(url.format(member.pk), {"reason": "Chuyển hộ khẩu"})
    assert list(HouseholdMember.objects.values_list("person", flat=True)) == [head.pk]
    event = HistoryEvent.objects.get(action="household.member_remove")
    assert event.reason == "Chuyển hộ khẩu"


def test_households_of_another_commune_are_invisible(officer, other_commune, make_village,
                                                     make_person, make_staff):
    from langso.core.services import people as services

    admin_b = make_staff(Role.COMMUNE_ADMIN, other_commune)
    b_village = make_village(other_commune, "Hổ Thôn")
    b_head = make_person(other_commune, "Lê Văn Cường", village=b_village)
    household = services.household_create(actor=admin_b, head=b_head, village=b_village,
                                          address="Số 9")
    assert officer.get(f"/can-bo/ho-gia-dinh/{household.pk}/").status_code == 404
    assert officer.post(f"/can-bo/ho-gia-dinh/{household.pk}/thanh-vien/",
                        {"citizen_id": "1", "relation": "child"}).status_code == 404
    assert officer.post(f"/can-bo/cong-dan/{b_head.pk}/lap-ho/",
                        {"village": b_village.pk, "address": "x"}).status_code == 404
    assert Household.objects.count() == 1


def test_clerk_cannot_found_households(commune, village, head, make_staff):
    client = Client()
    login_verified(client, make_staff(Role.CLERK, commune))
    assert client.post(f"/can-bo/cong-dan/{head.pk}/lap-ho/",
                       {"village": village.pk, "address": "Số 5"}).status_code == 404
    assert not Household.objects.exists()
