"""The shipped catalogue: every entry is well-formed, and its rules give the right fees,
deadlines and prefilled forms when used."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from langso.core.errors import DomainError
from langso.core.models import Department
from langso.core.tests import upload_samples
from langso.core.uploads.services import upload_store
from langso.onestop import catalogue, catalogue_services, fees, formschema, prefill, services
from langso.onestop.catalogue.loader import catalogue_load
from langso.onestop.models import OnlineLevel, Procedure, TimeLimitKind

ENTRIES = catalogue.entries()
BY_CODE = {e["code"]: e for e in ENTRIES}
# Monday 23/11/2026, 09:00 in Hà Nội.
MONDAY_9 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)


def _current(code: str) -> dict[str, Any]:
    return BY_CODE[code]["versions"][-1]


def test_the_catalogue_has_the_common_commune_procedures():
    expected = {"1.001193", "1.000894", "1.000656", "2.000815", "2.000884", "1.004884",
                "1.004837", "1.004222", "1.004194", "1.001022", "1.003677", "1.002755",
                "1.004873"}
    assert expected <= set(BY_CODE)
    assert len(ENTRIES) >= 12
    assert len({e["slug"] for e in ENTRIES}) == len(ENTRIES)  # one URL per procedure


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e["code"])
def test_every_entry_passes_the_schema_and_fee_checks(entry):
    assert entry["department_kind"] in Department.Kind.values
    assert entry["sector"] and entry["name"]
    for data in entry["versions"]:
        formschema.check_schema(data["form_schema"])
        fees.check_rule(data["fee"])
        rules = catalogue_services.check_rules({
            **data, "time_limit_kind": data["time_limit"]["kind"],
            "time_limit_value": data["time_limit"]["value"],
            "time_limit_note": data["time_limit"]["note"]})
        assert rules["effective_from"] >= dt.date(2025, 7, 1)
        assert "118/2025/NĐ-CP" in rules["legal_basis"]
        # Who applies is always filled from the registry for a signed-in citizen.
        prefilled = {f.get("prefill") for f in data["form_schema"]}
        assert {"person.full_name", "person.citizen_id", "person.date_of_birth",
                "person.address"} <= prefilled


def test_civil_status_and_certification_go_to_justice_residence_to_police():
    for entry in ENTRIES:
        if entry["sector"] in ("Hộ tịch", "Chứng thực"):
            assert entry["department_kind"] == Department.Kind.JUSTICE, entry["code"]
        else:
            assert entry["department_kind"] == Department.Kind.POLICE, entry["code"]


def test_statutory_times_follow_the_laws():
    assert _current("1.001193")["time_limit"]["kind"] == TimeLimitKind.SAME_DAY
    assert "05 ngày làm việc" in _current("1.000894")["time_limit"]["note"]
    assert "03 ngày làm việc" in _current("1.000656")["time_limit"]["note"]
    assert _current("1.004222")["time_limit"] == {"kind": "working_days", "value": 7,
                                                   "note": ""}
    assert _current("1.004194")["time_limit"]["value"] == 3
    assert _current("1.004837")["time_limit"]["value"] == 3


@pytest.mark.parametrize(("pages", "copies", "expected"), [
    (1, 1, 2_000), (2, 1, 4_000), (3, 1, 5_000), (10, 2, 2 * 12_000),
    (500, 1, 200_000),  # the cap per copy (TT 226/2016/TT-BTC)
    (500, 3, 600_000),
])
def test_certified_copy_fee_per_page_with_cap(pages, copies, expected):
    rule = _current("2.000815")["fee"]
    assert fees.fee_for(rule, {"pages": pages, "copies": copies}, online=False) == expected


@pytest.mark.parametrize(("code", "counter", "online"), [
    ("1.004222", 20_000, 10_000), ("1.004194", 15_000, 7_000), ("1.002755", 15_000, 7_000),
    ("1.010038", 10_000, 5_000), ("1.001193", 0, 0), ("1.003677", 0, 0)])
def test_residence_fees_are_lower_online(code, counter, online):
    rule = _current(code)["fee"]
    assert fees.fee_for(rule, {}, online=False) == counter
    assert fees.fee_for(rule, {}, online=True) == online


def test_signature_certification_is_counter_only_and_charged_per_case():
    data = _current("2.000884")
    assert data["online_level"] == OnlineLevel.COUNTER
    assert fees.fee_for(data["fee"], {"cases": 3}, online=False) == 30_000


@pytest.mark.django_db
def test_registry_fills_the_applicant_in_a_loaded_form(commune, resident):
    catalogue_load()
    version = services.version_in_force(Procedure.objects.get(code="1.004194"))
    known = prefill.values_for(person=resident, commune=commune)
    locked = prefill.locked_values(version.form_schema, known)
    assert locked == {"applicant_name": "Nguyễn Thị Lan", "applicant_birth_date": "1990-05-17",
                      "applicant_id": "001190012345", "applicant_phone": "0912345678"}


@pytest.mark.django_db
def test_a_citizen_files_temporary_residence_online_and_owes_the_online_fee(
        commune, citizen, resident):
    catalogue_load()
    procedure = Procedure.objects.get(code="1.004194")
    form = {"applicant_address": "Thôn Đồng Bả", "temporary_address": "Số 5, Làng Hà",
            "stay_until": "2027-11-23", "reason": "Đi làm"}
    with pytest.raises(DomainError) as missing:
        services.dossier_submit(actor=citizen, commune=commune, procedure=procedure,
                                now=MONDAY_9, form_data=form)
    assert missing.value.code == "missing_documents"
    papers = [services.AttachmentInput(document_code=code, file=upload_store(
        actor=citizen, commune=commune, kind="document",
        file=SimpleUploadedFile(f"{code}.pdf", upload_samples.pdf())))
        for code in ("ct01", "residence_proof")]
    dossier = services.dossier_submit(actor=citizen, commune=commune, procedure=procedure,
                                      now=MONDAY_9, form_data=form, attachments=papers)
    assert dossier.fee_amount == 7_000
    assert dossier.attachments.count() == 2


@pytest.mark.django_db
def test_a_document_free_procedure_is_filed_with_registry_values(commune, citizen, resident):
    catalogue_load()
    procedure = Procedure.objects.get(code="1.003677")
    dossier = services.dossier_submit(
        actor=citizen, commune=commune, procedure=procedure, now=MONDAY_9,
        form_data={"applicant_name": "Tên Khác", "applicant_address": "Thôn Đồng Bả",
                   "absent_from": "2026-12-01", "absent_until": "2027-01-01",
                   "destination": "Hà Nội", "reason": "Đi học"})
    assert dossier.version.procedure == procedure
    assert dossier.form_data["applicant_name"] == "Nguyễn Thị Lan"
    assert dossier.form_data["applicant_id"] == "001190012345"
    assert dossier.fee_amount == 0
    assert dossier.version.time_limit_value == Decimal("1")
