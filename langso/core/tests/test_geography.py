"""The 2025 administrative map, activation of communes, and the demo installation."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from langso.core.errors import DomainError, PermissionDenied
from langso.core.history import history_verify
from langso.core.models import Commune, Department, Membership, Person, Province, Role, Village
from langso.core.services import geography as services


@pytest.mark.django_db
def test_import_loads_34_provinces_and_3321_communes_and_is_idempotent():
    assert services.geography_import() == (34, 3321)
    assert services.geography_import() == (34, 3321)
    tam_dao = Commune.objects.get(code=8911)
    assert (tam_dao.name, tam_dao.province.name, tam_dao.is_active) == (
        "Xã Tam Đảo", "Tỉnh Phú Thọ", False)
    assert Commune.objects.filter(name="Xã Yên Định").count() == 2  # Bắc Ninh and Thanh Hóa
    assert Commune.objects.values("slug").distinct().count() == 3321


@pytest.mark.django_db
def test_activation_creates_departments_once_and_is_recorded(capsys):
    services.geography_import()
    call_command("activate_commune", "8911", "yen-dinh-15469")
    call_command("activate_commune", "8911")
    assert list(Commune.objects.active().values_list("code", flat=True).order_by("code")) == [
        8911, 15469]
    assert Department.objects.filter(commune__code=8911).count() == len(Department.Kind.values)
    with pytest.raises(CommandError):
        call_command("activate_commune", "999999")


def test_village_names_are_unique_ignoring_case_and_accents(commune, make_staff):
    chairman = make_staff(Role.CHAIRMAN, commune)
    services.village_create(actor=chairman, commune=commune, name="Hổ Thôn")
    for bad in ["hổ  thôn", "", "   ", "x" * 101]:
        with pytest.raises(DomainError):
            services.village_create(actor=chairman, commune=commune, name=bad)
    assert Village.objects.count() == 1


def test_village_of_another_commune_cannot_be_renamed(commune, other_commune, make_staff,
                                                      make_village):
    outsider = make_staff(Role.CHAIRMAN, other_commune)
    village = make_village(commune, "Đồng Bả")
    with pytest.raises(PermissionDenied):
        services.village_rename(actor=outsider, village=village, name="Đổi Tên")
    village.refresh_from_db()
    assert village.name == "Đồng Bả"


@pytest.mark.django_db
def test_demo_installation_has_two_communes_every_role_and_residents():
    with override_settings(DEBUG=True):
        call_command("load_demo")
        call_command("load_demo")  # running it again changes nothing
    active = Commune.objects.active().select_related("province")
    assert {(c.name, c.province.name) for c in active} == {
        ("Xã Tam Đảo", "Tỉnh Phú Thọ"), ("Xã Yên Định", "Tỉnh Thanh Hóa")}
    assert Village.objects.filter(commune__code=15469, name="Hổ Thôn").exists()
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == set(Role.values)
    assert Person.objects.filter(commune__code=8911).count() >= 40
    assert Province.objects.count() == 34
    assert history_verify() == []


@pytest.mark.django_db
def test_demo_is_refused_in_production():
    with override_settings(DEBUG=False, LANGSO_DEMO=False), pytest.raises(CommandError):
        call_command("load_demo")
    assert not Membership.objects.exists()
