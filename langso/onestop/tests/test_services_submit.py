"""dossier_submit: numbering, idempotency, prefill, validation and who may file."""

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from langso.core.clock import TZ
from langso.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from langso.core.history import history_verify
from langso.core.models import HistoryEvent, Role, User
from langso.core.tests import upload_samples
from langso.core.uploads.services import upload_store
from langso.onestop import services
from langso.onestop.models import (
    Channel,
    Dossier,
    DossierDraft,
    OnlineLevel,
    PaymentStatus,
    Procedure,
    ProcedureVersion,
)
from langso.onestop.workflow import State

pytestmark = pytest.mark.django_db

# Monday 23/11/2026, 09:00 in Hà Nội (UTC+7).
MONDAY_9 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
CHILD = {"child_name": "Nguyễn Văn Bình", "child_birth_date": "2026-11-01",
         "child_sex": "male"}
PDF = upload_samples.pdf()


def _pdf(user: User, commune: Any) -> Any:
    return upload_store(actor=user, commune=commune, kind="document",
                        file=SimpleUploadedFile("giay-chung-sinh.pdf", PDF))


def _submit(citizen: User, commune: Any, procedure: Procedure, **kw: Any) -> Dossier:
    attachments = kw.pop("attachments", None)
    if attachments is None:
        attachments = [services.AttachmentInput("birth_certificate", _pdf(citizen, commune))]
    return services.dossier_submit(actor=citizen, commune=commune, procedure=procedure,
                                   form_data=kw.pop("form_data", CHILD),
                                   attachments=attachments, now=kw.pop("now", MONDAY_9), **kw)


def test_online_submission_waits_for_the_office_and_takes_the_registry_values(
        commune, procedure, citizen, resident):
    dossier = _submit(citizen, commune, procedure,
                      form_data={**CHILD, "mother_name": "Tên khác", "mother_id": "001190099999"})
    assert dossier.status == State.SUBMITTED
    assert dossier.code == f"{commune.code}-261123-0001"
    assert len(dossier.lookup_code) == services.LOOKUP_LENGTH
    # What the registry knows wins over what the browser sent.
    assert dossier.form_data["mother_name"] == "Nguyễn Thị Lan"
    assert dossier.form_data["mother_id"] == "001190012345"
    assert dossier.applicant == resident
    assert dossier.applicant_user == citizen
    assert dossier.applicant_id_number == "001190012345"
    assert dossier.attachments.count() == 1
    assert dossier.due_at is None  # the clock starts when the office receives it
    assert dossier.steps.get().to_state == State.SUBMITTED
    event = HistoryEvent.objects.get(action="dossier.submit")
    assert event.actor == citizen and event.to_state == State.SUBMITTED
    assert history_verify(commune_id=commune.pk) == []


def test_codes_count_per_commune_and_day(commune, other_commune, make_procedure, citizen,
                                         resident):
    procedure = make_procedure(documents=[])
    first = _submit(citizen, commune, procedure, attachments=[])
    second = _submit(citizen, commune, procedure, attachments=[])
    next_day = _submit(citizen, commune, procedure, attachments=[],
                       now=MONDAY_9 + dt.timedelta(days=1))
    assert [first.code[-4:], second.code[-4:]] == ["0001", "0002"]
    assert next_day.code == f"{commune.code}-261124-0001"
    assert first.lookup_code != second.lookup_code


def test_the_same_idempotency_key_gives_the_same_dossier(commune, procedure, citizen, resident):
    first = _submit(citizen, commune, procedure, idempotency_key="k-1")
    again = _submit(citizen, commune, procedure, idempotency_key="k-1")
    assert again.pk == first.pk
    assert Dossier.objects.count() == 1


def test_an_idempotency_key_reused_for_another_procedure_is_refused(
        commune, procedure, make_procedure, citizen, resident):
    _submit(citizen, commune, procedure, idempotency_key="k-1")
    with pytest.raises(Conflict):
        _submit(citizen, commune, make_procedure(documents=[]), attachments=[],
                idempotency_key="k-1")


def test_submission_deletes_the_draft(commune, procedure, citizen, resident):
    DossierDraft.objects.create(user=citizen, commune=commune, procedure=procedure,
                                form_data={"child_name": "x"})
    _submit(citizen, commune, procedure)
    assert not DossierDraft.objects.exists()


@pytest.mark.parametrize(("form_data", "field"), [
    ({**CHILD, "child_name": ""}, "child_name"),
    ({**CHILD, "child_birth_date": "2099-01-01"}, "child_birth_date"),
    ({**CHILD, "child_birth_date": "31/02/2026"}, "child_birth_date"),
    ({**CHILD, "child_sex": "robot"}, "child_sex"),
    ({**CHILD, "child_name": "A" * 151}, "child_name"),
    ({**CHILD, "child_name": "An\x00"}, "child_name"),
])
def test_bad_form_data_is_refused_and_changes_nothing(commune, procedure, citizen, resident,
                                                      form_data, field):
    with pytest.raises(DomainError) as info:
        _submit(citizen, commune, procedure, form_data=form_data)
    assert field in info.value.field_errors
    assert not Dossier.objects.exists()


def test_a_citizen_id_of_the_wrong_shape_is_refused(commune, make_procedure, citizen):
    procedure = make_procedure(documents=[], form_schema=[
        {"name": "spouse_id", "label": "Số định danh", "type": "citizen_id",
         "required": True}])
    with pytest.raises(DomainError) as info:
        _submit(citizen, commune, procedure, attachments=[], form_data={"spouse_id": "12345"},
                applicant=None)
    assert "spouse_id" in info.value.field_errors


def test_missing_required_document_is_named(commune, procedure, citizen, resident):
    with pytest.raises(DomainError) as info:
        _submit(citizen, commune, procedure, attachments=[])
    assert info.value.code == "missing_documents"
    assert "Giấy chứng sinh" in info.value.message
    assert not Dossier.objects.exists()


def test_an_unknown_document_code_is_refused(commune, procedure, citizen, resident):
    with pytest.raises(DomainError):
        _submit(citizen, commune, procedure, attachments=[
            services.AttachmentInput("birth_certificate", _pdf(citizen, commune)),
            services.AttachmentInput("<script>", _pdf(citizen, commune))])


def test_somebody_elses_upload_cannot_be_attached(commune, procedure, citizen, resident):
    stranger = User.objects.create_user(username="0987000000", password="x",
                                        kind=User.Kind.CITIZEN)
    theirs = _pdf(stranger, commune)
    with pytest.raises(NotFound):
        _submit(citizen, commune, procedure,
                attachments=[services.AttachmentInput("birth_certificate", theirs)])


def test_anonymous_and_inactive_communes_cannot_submit(commune, procedure, citizen,
                                                       django_user_model):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        services.dossier_submit(actor=AnonymousUser(), commune=commune, procedure=procedure,
                                form_data=CHILD)
    commune.is_active = False
    commune.save()
    with pytest.raises(NotFound):
        services.dossier_submit(actor=citizen, commune=commune, procedure=procedure,
                                form_data=CHILD)


def test_counter_only_procedures_refuse_online_submission(commune, make_procedure, citizen):
    procedure = make_procedure(online_level=OnlineLevel.COUNTER, documents=[])
    with pytest.raises(Conflict):
        _submit(citizen, commune, procedure, attachments=[])


def test_a_procedure_not_yet_in_force_cannot_be_used(commune, make_procedure, citizen):
    procedure = make_procedure(documents=[], effective_from=dt.date(2027, 1, 1))
    with pytest.raises(Conflict):
        _submit(citizen, commune, procedure, attachments=[])


def test_the_version_in_force_is_kept_by_the_dossier(commune, procedure, citizen, resident):
    dossier = _submit(citizen, commune, procedure)
    ProcedureVersion.objects.create(
        procedure=procedure, number=2, effective_from=dt.date(2026, 12, 1), legal_basis="x",
        time_limit_kind="working_days", time_limit_value=10, online_level="full",
        result_type="y", form_schema=[])
    assert services.version_in_force(procedure, dt.date(2026, 11, 30)).number == 1
    assert services.version_in_force(procedure, dt.date(2026, 12, 1)).number == 2
    dossier.refresh_from_db()
    assert dossier.version.number == 1


def test_a_new_version_applies_from_midnight_in_vietnam(commune, procedure, citizen, resident):
    # 00:30 on 1 December in Hà Nội is still 30 November in UTC: the rules dated 1 December
    # apply (a fee decree takes effect at midnight, not at 07:00).
    ProcedureVersion.objects.create(
        procedure=procedure, number=2, effective_from=dt.date(2026, 12, 1), legal_basis="x",
        time_limit_kind="working_days", time_limit_value=10, online_level="full",
        result_type="y", form_schema=procedure.versions.get(number=1).form_schema,
        documents=procedure.versions.get(number=1).documents)
    # As timezone.now() gives it: in UTC.
    after_midnight = dt.datetime(2026, 12, 1, 0, 30, tzinfo=TZ).astimezone(dt.UTC)
    assert after_midnight.date() == dt.date(2026, 11, 30)
    dossier = _submit(citizen, commune, procedure, now=after_midnight)
    assert dossier.version.number == 2


@pytest.mark.parametrize("role", [Role.SPECIALIST, Role.CLERK, Role.VILLAGE_HEAD,
                                  Role.COMMUNE_ADMIN, Role.DIGITAL_TEAM])
def test_only_the_one_stop_office_and_leaders_take_counter_dossiers(
        commune, make_procedure, make_staff, village, make_person, role):
    procedure = make_procedure(documents=[])
    staff = make_staff(role, commune, village=village if role in (
        Role.VILLAGE_HEAD, Role.DIGITAL_TEAM) else None)
    with pytest.raises(PermissionDenied):
        services.dossier_submit(actor=staff, commune=commune, procedure=procedure,
                                form_data={**CHILD, "mother_name": "Lê Thị Hoa"},
                                channel=Channel.COUNTER, applicant=make_person(commune),
                                now=MONDAY_9)


def test_staff_of_another_commune_cannot_take_counter_dossiers(
        commune, other_commune, make_procedure, make_staff, make_person):
    procedure = make_procedure(documents=[])
    officer_b = make_staff(Role.ONE_STOP_OFFICER, other_commune)
    with pytest.raises(PermissionDenied):
        services.dossier_submit(actor=officer_b, commune=commune, procedure=procedure,
                                form_data={**CHILD, "mother_name": "Lê Thị Hoa"},
                                channel=Channel.COUNTER, applicant=make_person(commune),
                                now=MONDAY_9)


def test_fee_is_computed_from_the_form_and_marked_unpaid(commune, make_procedure, citizen,
                                                         resident):
    procedure = make_procedure(documents=[], form_schema=[
        {"name": "pages", "label": "Số trang", "type": "number", "required": True},
        {"name": "copies", "label": "Số bản", "type": "number", "required": True}],
        fee={"kind": "per_page", "pages_field": "pages", "copies_field": "copies",
             "first_pages": 2, "first_page_price": 2000, "next_page_price": 1000,
             "cap": 200000})
    dossier = _submit(citizen, commune, procedure, attachments=[],
                      form_data={"pages": "5", "copies": "2"})
    assert dossier.fee_amount == (2 * 2000 + 3 * 1000) * 2
    assert dossier.payment_status == PaymentStatus.UNPAID


def test_free_procedures_need_no_payment(commune, procedure, citizen, resident):
    assert _submit(citizen, commune, procedure).payment_status == PaymentStatus.NOT_REQUIRED


def test_the_applicant_is_told_about_the_submission(commune, procedure, citizen, resident):
    from langso.core.models import Notification

    dossier = _submit(citizen, commune, procedure)
    note = Notification.objects.get(user=citizen)
    assert dossier.code in note.body


def test_lookup_codes_avoid_confusable_characters() -> None:
    assert not set("01ILO") & set(services.LOOKUP_ALPHABET)


def test_dossier_code_format() -> None:
    assert services.dossier_code("000.00.12.H56", dt.date(2026, 1, 5), 7) == \
        "000.00.12.H56-260105-0007"

