"""Catalogue writes: the loader is idempotent and versions, versions in use are frozen, only
province administrators change rules, and office settings are checked and audited."""

import copy
import datetime as dt
from typing import Any

import pytest

from langso.core.errors import Conflict, DomainError, PermissionDenied
from langso.core.history import history_verify
from langso.core.models import HistoryEvent, Role, User
from langso.onestop import catalogue, catalogue_services, services
from langso.onestop.catalogue.loader import catalogue_load, onestop_demo_load
from langso.onestop.models import OfficeSettings, Procedure, ProcedureVersion

pytestmark = pytest.mark.django_db

MONDAY_9 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
ABSENCE_FORM = {"applicant_address": "Thôn Đồng Bả", "absent_from": "2026-12-01",
                "absent_until": "2027-01-01", "destination": "Hà Nội", "reason": "Đi học"}


def _rows() -> list[tuple[Any, ...]]:
    return list(ProcedureVersion.objects.order_by("pk").values_list(
        "pk", "procedure__code", "number", "effective_from", "fee", "documents",
        "form_schema"))


def _entry(code: str) -> dict[str, Any]:
    return copy.deepcopy(next(e for e in catalogue.entries() if e["code"] == code))


def _rules(version: ProcedureVersion, **changes: Any) -> dict[str, Any]:
    return {**catalogue_services.rules_of(version), **changes}


@pytest.fixture
def loaded(db: Any) -> None:
    catalogue_load()


@pytest.fixture
def province_admin(commune: Any, make_staff: Any) -> User:
    return make_staff(Role.PROVINCE_ADMIN, province=commune.province)


# -- loader -------------------------------------------------------------------------------------

def test_loading_twice_creates_the_same_rows_once():
    first = catalogue_load()
    rows = _rows()
    events = HistoryEvent.objects.count()
    second = catalogue_load()
    assert first.created == len(catalogue.entries()) and first.new_versions == first.created
    assert (second.created, second.updated, second.new_versions) == (0, 0, 0)
    assert second.unchanged == len(catalogue.entries())
    assert _rows() == rows
    assert HistoryEvent.objects.count() == events


def test_changed_rules_in_the_data_add_a_version_and_keep_the_old_one(loaded):
    entry = _entry("1.004222")
    old = ProcedureVersion.objects.get(procedure__code="1.004222")
    entry["versions"][0]["fee"] = {"kind": "fixed", "amount": 25000, "online_amount": 12000}

    report = catalogue_load(entries=[entry])

    assert report.new_versions == 1
    versions = list(ProcedureVersion.objects.filter(procedure__code="1.004222")
                    .order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].pk == old.pk and versions[0].fee == old.fee  # untouched
    assert versions[1].fee["amount"] == 25000
    assert services.version_in_force(versions[0].procedure) == versions[1]
    assert catalogue_load(entries=[entry]).new_versions == 0  # and again: nothing new
    event = HistoryEvent.objects.filter(action="procedure.version_create").last()
    assert event is not None and event.data["code"] == "1.004222" and event.commune_id is None
    assert history_verify(commune_id=None) == []


def test_a_new_dated_version_in_the_data_takes_effect_on_its_date(loaded):
    entry = _entry("1.004194")
    later = {**copy.deepcopy(entry["versions"][0]), "effective_from": "2027-01-01",
             "fee": {"kind": "fixed", "amount": 16000, "online_amount": 8000}}
    entry["versions"].append(later)
    catalogue_load(entries=[entry])
    procedure = Procedure.objects.get(code="1.004194")
    assert services.version_in_force(procedure, dt.date(2026, 12, 31)).fee["amount"] == 15000
    assert services.version_in_force(procedure, dt.date(2027, 1, 1)).fee["amount"] == 16000


def test_renamed_entry_updates_the_procedure_row_without_a_version(loaded):
    entry = _entry("1.003677")
    entry["name"] = "Khai báo tạm vắng (sửa tên)"
    report = catalogue_load(entries=[entry])
    assert (report.updated, report.new_versions) == (1, 0)
    assert Procedure.objects.get(code="1.003677").name == "Khai báo tạm vắng (sửa tên)"
    assert HistoryEvent.objects.filter(action="procedure.update").count() == 1


@pytest.mark.parametrize(("path", "value"), [
    (("code",), "1001193"),
    (("slug",), "Đăng ký"),
    (("department_kind",), "army"),
    (("versions",), []),
    (("versions", 0, "fee"), {"kind": "fixed", "amount": -1}),
    (("versions", 0, "form_schema"), [{"name": "x", "type": "text"}]),
    (("versions", 0, "time_limit"), {"kind": "working_days", "value": 0, "note": ""}),
])
def test_a_broken_entry_is_refused_and_nothing_is_loaded(path, value):
    entry = _entry("1.003677")
    target: Any = entry
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(DomainError):
        catalogue_load(entries=[_entry("1.004222"), entry])
    assert Procedure.objects.count() == 0  # one transaction: the good entry is rolled back


def test_demo_load_sets_each_demo_communes_bank_account(commune, make_staff):
    chairman = make_staff(Role.CHAIRMAN, commune)
    onestop_demo_load([commune])
    onestop_demo_load([commune])  # again: nothing changes
    settings = OfficeSettings.objects.get(commune=commune)
    assert (settings.bank_bin, settings.bank_account_name) == ("970415", "UBND XA TAM DAO")
    events = HistoryEvent.objects.filter(action="onestop.settings_update")
    assert [e.actor_id for e in events] == [chairman.pk]
    assert Procedure.objects.count() == len(catalogue.entries())


# -- versions -----------------------------------------------------------------------------------

def _absence_dossier(citizen: User, commune: Any) -> Any:
    return services.dossier_submit(actor=citizen, commune=commune, now=MONDAY_9,
                                   procedure=Procedure.objects.get(code="1.003677"),
                                   form_data=ABSENCE_FORM)


def test_province_admin_adds_a_version_and_earlier_dossiers_keep_theirs(
        loaded, province_admin, commune, citizen, resident):
    dossier = _absence_dossier(citizen, commune)
    old = dossier.version
    new = catalogue_services.procedure_version_create(
        actor=province_admin, procedure=old.procedure, reason="Nghị quyết mới",
        **_rules(old, effective_from=dt.date(2026, 12, 1), time_limit_value=2,
                 time_limit_note=""))
    assert new.number == 2
    dossier.refresh_from_db()
    assert dossier.version_id == old.pk
    old.refresh_from_db()
    assert old.time_limit_value == 1
    event = HistoryEvent.objects.get(action="procedure.version_create", actor=province_admin)
    assert event.reason == "Nghị quyết mới"


def test_a_version_in_use_cannot_be_corrected(loaded, province_admin, commune, citizen,
                                             resident):
    version = _absence_dossier(citizen, commune).version
    before = _rows()
    with pytest.raises(Conflict) as refused:
        catalogue_services.procedure_version_correct(
            actor=province_admin, version=version, reason="sửa lỗi chính tả",
            result_type="Phiếu khác")
    assert refused.value.code == "version_in_use"
    assert _rows() == before


def test_an_unused_version_may_be_corrected_and_is_audited(loaded, province_admin):
    version = ProcedureVersion.objects.get(procedure__code="1.004873")
    catalogue_services.procedure_version_correct(
        actor=province_admin, version=version, reason="Sửa lỗi chính tả",
        result_type="Giấy xác nhận tình trạng hôn nhân (bản chính)")
    version.refresh_from_db()
    assert version.result_type == "Giấy xác nhận tình trạng hôn nhân (bản chính)"
    event = HistoryEvent.objects.get(action="procedure.version_correct")
    assert event.data["fields"] == ["result_type"]


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.PROVINCE_ADMIN])
def test_no_commune_role_may_change_the_catalogue(loaded, role, commune, make_staff):
    user = make_staff(role, commune)
    version = ProcedureVersion.objects.get(procedure__code="1.004873")
    before, events = _rows(), HistoryEvent.objects.count()
    with pytest.raises(PermissionDenied):
        catalogue_services.procedure_version_create(
            actor=user, procedure=version.procedure,
            **_rules(version, effective_from=dt.date(2030, 1, 1), time_limit_value=4))
    with pytest.raises(PermissionDenied):
        catalogue_services.procedure_version_correct(actor=user, version=version,
                                                     reason="x", result_type="y")
    assert (_rows(), HistoryEvent.objects.count()) == (before, events)


def test_citizens_and_anonymous_may_not_change_the_catalogue(loaded, citizen):
    from django.contrib.auth.models import AnonymousUser

    version = ProcedureVersion.objects.get(procedure__code="1.004873")
    for user in (citizen, AnonymousUser()):
        with pytest.raises(PermissionDenied):
            catalogue_services.procedure_version_create(actor=user, procedure=version.procedure,
                                                        **_rules(version, time_limit_value=9))


def test_superuser_may_change_the_catalogue(loaded):
    root = User.objects.create_superuser(username="root", password="pw-Secret-123")
    version = ProcedureVersion.objects.get(procedure__code="1.004873")
    new = catalogue_services.procedure_version_create(
        actor=root, procedure=version.procedure, **_rules(version, time_limit_value=4))
    assert new.number == 2


HOSTILE = [
    ({"fee": {"kind": "fixed"}}, "fee"),
    ({"fee": {"kind": "fixed", "amount": True}}, "fee"),
    ({"fee": {"kind": "fixed", "amount": 10**12}}, "fee"),
    ({"fee": {"kind": "free", "script": "<script>"}}, "fee"),
    ({"fee": {"kind": "per_page", "first_page_price": 2000, "next_page_price": 1000,
              "pages_field": "no_such_field"}}, "fee"),
    ({"fee": {"kind": "fixed", "amount": 1, "free_when": {"field": "x"}}}, "fee"),
    ({"fee": "miễn phí"}, "fee"),
    ({"documents": {"code": "a"}}, "documents"),
    ({"documents": [{"code": "A B", "name": "x", "copy_kind": "scan", "quantity": 1,
                     "required": True}]}, "documents"),
    ({"documents": [{"code": "a", "name": "x", "copy_kind": "scan", "quantity": 1,
                     "required": True}] * 2}, "documents"),
    ({"documents": [{"code": "a", "name": "x", "copy_kind": "photo", "quantity": 1,
                     "required": True}]}, "documents"),
    ({"documents": [{"code": "a", "name": "x", "copy_kind": "scan", "quantity": 0,
                     "required": True}]}, "documents"),
    ({"documents": [{"code": "a", "name": "x\x00", "copy_kind": "scan", "quantity": 1,
                     "required": True}]}, "documents"),
    ({"documents": [{"code": "a", "name": "x", "copy_kind": "scan", "quantity": 1,
                     "required": "yes"}]}, "documents"),
    ({"documents": [{"code": f"d{i}", "name": "x", "copy_kind": "scan", "quantity": 1,
                     "required": False} for i in range(31)]}, "documents"),
    ({"form_schema": "[]"}, "form_schema"),
    ({"form_schema": [{"name": "a", "label": "A", "type": "script"}]}, "form_schema"),
    ({"form_schema": [{"name": "a", "label": "A", "type": "text",
                       "prefill": "person.password"}]}, "form_schema"),
    ({"form_schema": [{"name": "a", "label": "A", "type": "text",
                       "onclick": "alert(1)"}]}, "form_schema"),
    ({"form_schema": [{"name": "a", "label": "A" * 301, "type": "text"}]}, "form_schema"),
    ({"form_schema": [{"name": "a", "label": "A", "type": "text", "max_length": 10**9}]},
     "form_schema"),
    ({"form_schema": [{"name": "a", "label": "A", "type": "choice", "choices": []}]},
     "form_schema"),
    ({"form_schema": [{"name": f"f{i}", "label": "A", "type": "text"} for i in range(61)]},
     "form_schema"),
    ({"form_schema": [{"name": "a", "label": "A", "type": "textarea",
                       "help": "x" * 400} for _ in range(1)] + [
        {"name": f"b{i}", "label": "B" * 290, "type": "choice",
         "choices": [["v" * 100, "l" * 200]] * 10} for i in range(40)]}, "form_schema"),
    ({"time_limit_kind": "weeks"}, "time_limit_kind"),
    ({"time_limit_value": "NaN"}, "time_limit_value"),
    ({"time_limit_value": -1}, "time_limit_value"),
    ({"time_limit_value": 1000}, "time_limit_value"),
    ({"time_limit_value": "1.234"}, "time_limit_value"),
    ({"time_limit_kind": "same_day", "time_limit_value": 2}, "time_limit_value"),
    ({"online_level": "level4"}, "online_level"),
    ({"legal_basis": ""}, "legal_basis"),
    ({"legal_basis": "x" * 5001}, "legal_basis"),
    ({"result_type": "a\x00b"}, "result_type"),
    ({"effective_from": "31/02/2026"}, "effective_from"),
    ({"effective_from": dt.date(1900, 1, 1)}, "effective_from"),
]


@pytest.mark.parametrize(("changes", "field"), HOSTILE)
def test_bad_rules_are_refused_with_a_message_and_nothing_is_written(
        loaded, province_admin, changes, field):
    version = ProcedureVersion.objects.get(procedure__code="1.004873")
    before, events = _rows(), HistoryEvent.objects.count()
    rules = _rules(version, **{"effective_from": dt.date(2030, 1, 1), **changes})
    with pytest.raises(DomainError) as refused:
        catalogue_services.procedure_version_create(actor=province_admin,
                                                    procedure=version.procedure, **rules)
    assert field in refused.value.field_errors
    assert refused.value.message and refused.value.message == refused.value.field_errors[
        field][0]
    assert (_rows(), HistoryEvent.objects.count()) == (before, events)


def test_a_version_cannot_start_before_the_one_in_force_nor_repeat_it(loaded, province_admin):
    version = ProcedureVersion.objects.get(procedure__code="1.004873")
    with pytest.raises(DomainError) as earlier:
        catalogue_services.procedure_version_create(
            actor=province_admin, procedure=version.procedure,
            **_rules(version, effective_from=dt.date(2025, 6, 30), time_limit_value=4))
    assert "effective_from" in earlier.value.field_errors
    with pytest.raises(Conflict):
        catalogue_services.procedure_version_create(
            actor=province_admin, procedure=version.procedure, **_rules(version))
    assert version.procedure.versions.count() == 1


# -- office settings ----------------------------------------------------------------------------

GOOD_OFFICE = {"organ_code": "000.00.12.H56", "office_name": "Bộ phận Một cửa xã Tam Đảo",
               "return_place": "Trụ sở UBND xã", "bank_bin": "970415",
               "bank_account": "1130 0089 1100", "bank_account_name": "Ủy ban nhân dân xã Tam Đảo",
               "warn_days_before": 2}


@pytest.mark.parametrize("role", [Role.CHAIRMAN, Role.COMMUNE_ADMIN])
def test_chairman_and_commune_admin_set_the_office(role, commune, make_staff):
    user = make_staff(role, commune)
    settings = catalogue_services.office_settings_update(actor=user, commune=commune,
                                                         **GOOD_OFFICE)
    assert settings.bank_account == "113000891100"
    assert settings.bank_account_name == "UY BAN NHAN DAN XA TAM DAO"
    assert settings.organ_code == "000.00.12.H56"
    event = HistoryEvent.objects.get(action="onestop.settings_update")
    assert (event.commune_id, event.actor_id) == (commune.pk, user.pk)
    assert event.data["after"]["bank_bin"] == "970415"
    # Saving the same values again records nothing.
    catalogue_services.office_settings_update(actor=user, commune=commune, **GOOD_OFFICE)
    assert HistoryEvent.objects.filter(action="onestop.settings_update").count() == 1


@pytest.mark.parametrize("role", [r for r in Role.values
                                  if r not in (Role.CHAIRMAN, Role.COMMUNE_ADMIN)])
def test_other_roles_may_not_set_the_office(role, commune, make_staff):
    user = (make_staff(role, province=commune.province) if role == Role.PROVINCE_ADMIN
            else make_staff(role, commune))
    with pytest.raises(PermissionDenied):
        catalogue_services.office_settings_update(actor=user, commune=commune, **GOOD_OFFICE)
    assert not OfficeSettings.objects.filter(commune=commune, bank_bin="970415").exists()
    assert not HistoryEvent.objects.filter(action="onestop.settings_update").exists()


def test_chairman_of_another_commune_may_not_set_the_office(commune, other_commune, make_staff,
                                                           citizen):
    for user in (make_staff(Role.CHAIRMAN, other_commune), citizen):
        with pytest.raises(PermissionDenied):
            catalogue_services.office_settings_update(actor=user, commune=commune,
                                                      **GOOD_OFFICE)
    assert not HistoryEvent.objects.filter(action="onestop.settings_update").exists()


@pytest.mark.parametrize(("changes", "field"), [
    ({"organ_code": ""}, "organ_code"),
    ({"organ_code": "mã có dấu"}, "organ_code"),
    ({"organ_code": "A" * 21}, "organ_code"),
    ({"office_name": ""}, "office_name"),
    ({"office_name": "x\x00"}, "office_name"),
    ({"bank_bin": "97041"}, "bank_bin"),
    ({"bank_bin": "97041a"}, "bank_bin"),
    ({"bank_account": "12345"}, "bank_account"),
    ({"bank_account": "1" * 20}, "bank_account"),
    ({"bank_account": "113000891100'; DROP"}, "bank_account"),
    ({"bank_account_name": "UBND <b>"}, "bank_account_name"),
    ({"bank_account_name": "Ủy ban 😀"}, "bank_account_name"),
    ({"bank_bin": ""}, "bank_bin"),  # an account without its bank
    ({"warn_days_before": -1}, "warn_days_before"),
    ({"warn_days_before": 11}, "warn_days_before"),
    ({"warn_days_before": "2"}, "warn_days_before"),
])
def test_bad_office_settings_are_refused_and_nothing_changes(commune, make_staff, changes,
                                                             field):
    user = make_staff(Role.CHAIRMAN, commune)
    before = services.office_settings(commune)
    with pytest.raises(DomainError) as refused:
        catalogue_services.office_settings_update(actor=user, commune=commune,
                                                  **{**GOOD_OFFICE, **changes})
    assert field in refused.value.field_errors
    after = OfficeSettings.objects.get(pk=before.pk)
    assert [getattr(after, f) for f in catalogue_services.OFFICE_FIELDS] == [
        getattr(before, f) for f in catalogue_services.OFFICE_FIELDS]
    assert not HistoryEvent.objects.filter(action="onestop.settings_update").exists()


def test_the_bank_account_may_be_left_out_entirely(commune, make_staff):
    user = make_staff(Role.CHAIRMAN, commune)
    settings = catalogue_services.office_settings_update(
        actor=user, commune=commune, **{**GOOD_OFFICE, "bank_bin": "", "bank_account": "",
                                        "bank_account_name": ""})
    assert (settings.bank_bin, settings.bank_account, settings.bank_account_name) == ("", "", "")
