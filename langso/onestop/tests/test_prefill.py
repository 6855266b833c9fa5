"""prefill: what the registry knows about an applicant and their household."""

import datetime as dt

import pytest

from langso.core.models import Relation, Role
from langso.core.services import people as people_services
from langso.onestop import prefill

pytestmark = pytest.mark.django_db


def test_a_person_without_household(commune, resident):
    values = prefill.values_for(person=resident, commune=commune)
    assert values == {"commune.name": commune.name, "person.full_name": "Nguyễn Thị Lan",
                      "person.date_of_birth": "1990-05-17",
                      "person.citizen_id": "001190012345", "person.sex": "female",
                      "person.phone": "0912345678"}
    assert prefill.household_members(resident) == []


def test_no_person_knows_only_the_commune(commune):
    assert prefill.values_for(person=None, commune=commune) == {"commune.name": commune.name}
    assert prefill.household_members(None) == []


def test_the_household_gives_address_head_and_members(commune, village, resident, make_person,
                                                      make_staff):
    admin = make_staff(Role.COMMUNE_ADMIN, commune)
    head = make_person(commune, "Trần Văn Chủ", village=village)
    household = people_services.household_create(actor=admin, head=head, village=village,
                                                 address="Số 3 Đồng Bả")
    people_services.household_member_add(actor=admin, household=household, person=resident,
                                         relation=Relation.SPOUSE)
    resident.refresh_from_db()
    values = prefill.person_values(resident)
    assert values["household.address"] == "Số 3 Đồng Bả"
    assert values["household.head"] == "Trần Văn Chủ"
    assert values["person.address"] == "Số 3 Đồng Bả"  # none of her own: the household's
    assert {p.full_name for p in prefill.household_members(resident)} == {
        "Trần Văn Chủ", "Nguyễn Thị Lan"}


def test_a_village_stands_in_for_a_missing_address(commune, village, make_person):
    person = make_person(commune, "Lò Văn Bản", village=village,
                         date_of_birth=dt.date(1970, 1, 1))
    assert prefill.person_values(person)["person.address"] == f"{village}, {commune.name}"


def test_locked_values_take_only_fields_the_registry_fills():
    schema = [{"name": "a", "prefill": "person.full_name"}, {"name": "b"},
              {"name": "c", "prefill": "person.email"}]
    assert prefill.locked_values(schema, {"person.full_name": "Lan"}) == {"a": "Lan"}
