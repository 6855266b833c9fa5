"""The access layer: who sees which commune's rows, and which roles may act."""

import pytest

from langso.core import access
from langso.core.models import Person, Role, Village


@pytest.fixture
def people(commune, other_commune, make_village, make_person):
    north = make_village(commune, "Đồng Bả")
    south = make_village(commune, "Làng Hà")
    return {
        "north": make_person(commune, "Nguyễn Văn An", village=north),
        "south": make_person(commune, "Trần Thị Bình", village=south),
        "other": make_person(other_commune, "Lê Văn Cường"),
        "north_village": north,
        "south_village": south,
    }


def test_officer_sees_only_people_of_their_own_commune(people, commune, make_staff):
    officer = make_staff(Role.ONE_STOP_OFFICER, commune)
    visible = set(access.scope(Person.objects.all(), officer, "people.view"))
    assert visible == {people["north"], people["south"]}


def test_village_head_sees_only_their_village(people, commune, make_staff):
    head = make_staff(Role.VILLAGE_HEAD, commune, village=people["north_village"])
    assert list(access.scope(Person.objects.all(), head, "people.view")) == [people["north"]]
    assert access.can(head, "people.manage", people["north"])
    assert not access.can(head, "people.manage", people["south"])


def test_province_admin_runs_communes_of_their_province_but_reads_no_personal_data(
        people, commune, other_commune, make_staff):
    admin = make_staff(Role.PROVINCE_ADMIN, province=commune.province)
    assert list(access.communes_for(admin)) == [commune]
    assert access.can(admin, "calendar.manage", commune)
    assert not access.can(admin, "calendar.manage", other_commune)
    assert not access.scope(Person.objects.all(), admin, "people.view").exists()


def test_clerk_may_not_read_residents(people, commune, make_staff):
    clerk = make_staff(Role.CLERK, commune)
    assert not access.scope(Person.objects.all(), clerk, "people.view").exists()
    assert not access.can(clerk, "people.view", people["north"])


def test_citizen_and_anonymous_hold_no_grant(people, citizen):
    from django.contrib.auth.models import AnonymousUser

    for user in (citizen, AnonymousUser()):
        assert access.grants(user) == ()
        assert not access.scope(Person.objects.all(), user, "people.view").exists()
        assert not access.can(user, "commune.view")


def test_inactive_membership_grants_nothing(people, commune, make_staff):
    officer = make_staff(Role.ONE_STOP_OFFICER, commune)
    officer.memberships.update(is_active=False)
    access.forget(officer)
    assert not access.scope(Person.objects.all(), officer, "people.view").exists()


def test_get_for_user_hides_other_communes_rows_as_404(people, commune, make_staff):
    from django.http import Http404

    officer = make_staff(Role.ONE_STOP_OFFICER, commune)
    assert access.get_for_user(Person.objects.all(), officer, "people.view",
                               pk=people["north"].pk) == people["north"]
    with pytest.raises(Http404):
        access.get_for_user(Person.objects.all(), officer, "people.view", pk=people["other"].pk)
    with pytest.raises(Http404):
        access.get_for_user(Person.objects.all(), officer, "people.view", pk="not-a-number")


def test_unknown_permission_is_a_programming_error(commune, make_staff):
    officer = make_staff(Role.ONE_STOP_OFFICER, commune)
    with pytest.raises(LookupError):
        access.can(officer, "people.viwe")


def test_every_model_scoped_by_tenant_field(commune, make_staff):
    officer = make_staff(Role.CHAIRMAN, commune)
    assert set(access.scope(Village.objects.all(), officer, "village.view")) == set(
        Village.objects.filter(commune=commune))
