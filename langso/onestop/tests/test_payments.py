"""payment_confirm and payment_from_bank: who may confirm, exact amounts, one payment per
dossier and per bank reference, receipt numbers, the step, the history, the signed fee
receipt and the applicant's notice; and what a refused confirmation leaves untouched."""

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection

from langso.core.errors import Conflict, DomainError, PermissionDenied
from langso.core.history import history_verify
from langso.core.models import HistoryEvent, Notification, Role
from langso.onestop import documents, payments, services, vietqr
from langso.onestop.banks import BankNotification
from langso.onestop.models import (
    Channel,
    DocumentForm,
    Dossier,
    DossierCounter,
    DossierDocument,
    DossierStep,
    Payment,
    PaymentStatus,
)
from langso.onestop.workflow import State
from langso.signing.pdf import verify_pdf
from langso.signing.tests.pdftext import pdf_text

pytestmark = pytest.mark.django_db

# Monday 23/11/2026, 09:00 in Hà Nội (UTC+7).
MONDAY_9 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
LATER = MONDAY_9 + dt.timedelta(hours=2)
CHILD = {"child_name": "Nguyễn Văn Bình", "child_birth_date": "2026-11-01",
         "child_sex": "male"}
FEE = 20000


@pytest.fixture(autouse=True)
def signing_dir(settings: Any, tmp_path_factory: Any) -> Any:
    settings.SIGNING_DEV_DIR = tmp_path_factory.getbasetemp() / "signing-dev"
    settings.SITE_URL = "https://langso.example.vn"
    return settings.SIGNING_DEV_DIR


def set_bank(commune: Any, account: str = "0011001932418", bin: str = "970415") -> None:
    office = services.office_settings(commune)
    office.bank_bin, office.bank_account = bin, account
    office.bank_account_name = "UBND XA"
    office.save()


@pytest.fixture
def paying_procedure(make_procedure):
    return make_procedure(fee={"kind": "fixed", "amount": FEE}, documents=[])


def counter_dossier(commune, procedure, officer, applicant, now=MONDAY_9) -> Dossier:
    return services.dossier_submit(actor=officer, commune=commune, procedure=procedure,
                                   form_data=CHILD, channel=Channel.COUNTER,
                                   applicant=applicant, now=now)


@pytest.fixture
def dossier(commune, paying_procedure, officers, resident) -> Dossier:
    set_bank(commune)
    return counter_dossier(commune, paying_procedure, officers["one_stop"], resident)


def snapshot(dossier: Dossier) -> dict[str, Any]:
    """Everything a confirmation writes; a refused one must leave all of it as it was."""
    dossier.refresh_from_db()
    return {"status": dossier.payment_status, "state": dossier.status,
            "payments": Payment.objects.count(), "steps": DossierStep.objects.count(),
            "history": HistoryEvent.objects.count(),
            "documents": DossierDocument.objects.count(),
            "notifications": Notification.objects.count(),
            "counters": list(DossierCounter.objects.values_list("scope", "last")
                             .order_by("scope"))}


def test_officer_confirms_cash_and_everything_is_recorded(dossier, officers, commune,
                                                        citizen):
    officer = officers["one_stop"]
    payment = payments.payment_confirm(actor=officer, dossier=dossier, method="cash",
                                       amount=FEE, now=LATER)

    assert payment.amount == FEE and payment.method == Payment.Method.CASH
    assert payment.receipt_number == f"BL-{commune.code}-2026-000001"
    assert payment.confirmed_by == officer and payment.confirmed_at == LATER
    assert payment.reference is None
    dossier.refresh_from_db()
    assert dossier.payment_status == PaymentStatus.PAID
    assert dossier.status == State.RECEIVED  # paying moves no workflow state

    step = dossier.steps.get(action="pay")
    assert step.actor == officer and step.at == LATER
    assert step.from_state == step.to_state == State.RECEIVED
    assert payment.receipt_number in step.reason and "20.000 đồng" in step.reason
    event = HistoryEvent.objects.get(action="dossier.pay")
    assert (event.actor, event.from_state, event.to_state) == (officer, "unpaid", "paid")
    assert event.data["receipt"] == payment.receipt_number and event.data["amount"] == FEE
    assert "Tiền mặt" in event.reason
    assert history_verify(commune_id=commune.pk) == []

    receipt = dossier.documents.get(form=DocumentForm.PAYMENT_RECEIPT)
    assert receipt.issued_by == officer
    data = documents.document_bytes(receipt)
    text = pdf_text(data)
    assert payment.receipt_number in text and "20.000 đồng" in text
    assert "Nguyễn Thị Lan" in text and "Tiền mặt" in text
    assert verify_pdf(data).valid

    notice = Notification.objects.filter(user=citizen).latest("pk")
    assert payment.receipt_number in notice.body


@pytest.mark.parametrize("role", ["one_stop", "clerk", "chairman", "vice_chairman"])
def test_roles_that_collect_fees_may_confirm(role, dossier, officers):
    payment = payments.payment_confirm(actor=officers[role], dossier=dossier,
                                       method="vietqr", amount=FEE, now=LATER)
    assert payment.confirmed_by == officers[role]
    dossier.refresh_from_db()
    assert dossier.payment_status == PaymentStatus.PAID


@pytest.mark.parametrize("who", ["specialist", "commune_admin", "village_head", "applicant",
                                 "other_commune_officer", "other_commune_clerk"])
def test_others_may_not_confirm_and_nothing_changes(who, dossier, officers, citizen,
                                                    make_staff, village, other_commune):
    actor = {
        "village_head": lambda: make_staff(Role.VILLAGE_HEAD, dossier.commune),
        "applicant": lambda: citizen,
        "other_commune_officer": lambda: make_staff(Role.ONE_STOP_OFFICER, other_commune),
        "other_commune_clerk": lambda: make_staff(Role.CLERK, other_commune),
    }.get(who, lambda: officers[who])()
    before = snapshot(dossier)
    with pytest.raises(PermissionDenied):
        payments.payment_confirm(actor=actor, dossier=dossier, method="cash", amount=FEE,
                                 now=LATER)
    assert snapshot(dossier) == before


@pytest.mark.parametrize("amount", [FEE - 1, FEE + 1, FEE * 2, 0, -FEE, "20.000", "abc", None,
                                    True, 20000.5, "", " ", "2" * 20])
def test_wrong_or_malformed_amount_is_refused_and_nothing_changes(amount, dossier, officers):
    before = snapshot(dossier)
    with pytest.raises(DomainError) as error:
        payments.payment_confirm(actor=officers["one_stop"], dossier=dossier, method="cash",
                                 amount=amount, now=LATER)
    assert "amount" in error.value.field_errors
    assert snapshot(dossier) == before


def test_wrong_amount_names_the_fee(dossier, officers):
    with pytest.raises(DomainError, match=r"20\.000 đồng"):
        payments.payment_confirm(actor=officers["one_stop"], dossier=dossier, method="cash",
                                 amount=10000, now=LATER)


def test_amount_typed_as_digits_is_accepted(dossier, officers):
    payment = payments.payment_confirm(actor=officers["one_stop"], dossier=dossier,
                                       method="cash", amount=" 20000 ", now=LATER)
    assert payment.amount == FEE


def test_second_confirmation_is_a_conflict_and_changes_nothing(dossier, officers):
    payments.payment_confirm(actor=officers["one_stop"], dossier=dossier, method="cash",
                             amount=FEE, now=LATER)
    before = snapshot(dossier)
    with pytest.raises(Conflict) as error:
        payments.payment_confirm(actor=officers["clerk"], dossier=dossier, method="vietqr",
                                 amount=FEE, now=LATER)
    assert error.value.status == 409 and error.value.code == "already_paid"
    assert snapshot(dossier) == before


def test_same_reference_twice_records_one_payment(dossier, officers):
    first = payments.payment_confirm(actor=officers["one_stop"], dossier=dossier,
                                     method="vietqr", amount=FEE, reference="FT26327123456",
                                     now=LATER)
    before = snapshot(dossier)
    again = payments.payment_confirm(actor=officers["clerk"], dossier=dossier,
                                     method="vietqr", amount=FEE, reference="FT26327123456",
                                     now=LATER + dt.timedelta(minutes=1))
    assert again == first
    assert snapshot(dossier) == before


def test_a_reference_already_used_for_another_dossier_is_a_conflict(
        dossier, commune, paying_procedure, officers, resident):
    other = counter_dossier(commune, paying_procedure, officers["one_stop"], resident)
    payments.payment_confirm(actor=officers["one_stop"], dossier=dossier, method="vietqr",
                             amount=FEE, reference="FT1", now=LATER)
    before = snapshot(other)
    with pytest.raises(Conflict, match="khoản thu khác"):
        payments.payment_confirm(actor=officers["one_stop"], dossier=other, method="vietqr",
                                 amount=FEE, reference="FT1", now=LATER)
    assert snapshot(other) == before


def test_free_procedure_has_nothing_to_pay(commune, make_procedure, officers, resident):
    set_bank(commune)
    dossier = counter_dossier(commune, make_procedure(documents=[]), officers["one_stop"],
                              resident)
    assert dossier.payment_status == PaymentStatus.NOT_REQUIRED
    assert vietqr.dossier_payload(dossier) is None
    before = snapshot(dossier)
    for amount in (0, FEE):
        with pytest.raises(DomainError) as error:
            payments.payment_confirm(actor=officers["one_stop"], dossier=dossier,
                                     method="cash", amount=amount, now=LATER)
        assert "không thu phí" in error.value.message or "amount" in error.value.field_errors
    assert snapshot(dossier) == before


@pytest.mark.parametrize("action", ["refuse", "withdraw"])
def test_refused_or_withdrawn_dossier_takes_no_payment(action, dossier, officers):
    services.dossier_transition(actor=officers["one_stop"], dossier=dossier, action=action,
                                reason="Không đủ điều kiện", now=LATER)
    dossier.refresh_from_db()
    assert vietqr.dossier_payload(dossier) is None  # no code to pay it either
    before = snapshot(dossier)
    with pytest.raises(Conflict, match="không thu phí"):
        payments.payment_confirm(actor=officers["one_stop"], dossier=dossier, method="cash",
                                 amount=FEE, now=LATER)
    assert snapshot(dossier) == before


@pytest.mark.parametrize("method, reference", [
    ("bank", None), ("card", None), ("", None), ("CASH", None),
    ("vietqr", "FT 123"), ("vietqr", "x" * 65), ("vietqr", "<script>"), ("vietqr", "a\x00b"),
])
def test_bad_method_or_reference_is_refused(method, reference, dossier, officers):
    before = snapshot(dossier)
    with pytest.raises(DomainError) as error:
        payments.payment_confirm(actor=officers["one_stop"], dossier=dossier, method=method,
                                 amount=FEE, reference=reference, now=LATER)
    assert set(error.value.field_errors) & {"method", "reference"}
    assert snapshot(dossier) == before


def test_receipt_numbers_run_per_commune_and_year(commune, other_commune, paying_procedure,
                                                  officers, resident, make_staff,
                                                  make_person):
    first = counter_dossier(commune, paying_procedure, officers["one_stop"], resident)
    second = counter_dossier(commune, paying_procedure, officers["one_stop"], resident)
    next_year = counter_dossier(commune, paying_procedure, officers["one_stop"], resident,
                                now=dt.datetime(2027, 1, 4, 2, 0, tzinfo=dt.UTC))
    there = make_staff(Role.ONE_STOP_OFFICER, other_commune)
    elsewhere = counter_dossier(other_commune, paying_procedure, there,
                                make_person(other_commune, "Lê Văn Tư"))
    confirm = payments.payment_confirm
    a = confirm(actor=officers["one_stop"], dossier=first, method="cash", amount=FEE,
                now=LATER)
    b = confirm(actor=officers["one_stop"], dossier=second, method="cash", amount=FEE,
                now=LATER)
    # 31/12/2026 20:00 in Hà Nội is still 2026 there (13:00 UTC).
    c = confirm(actor=officers["one_stop"], dossier=next_year, method="cash", amount=FEE,
                now=dt.datetime(2027, 1, 4, 3, 0, tzinfo=dt.UTC))
    d = confirm(actor=there, dossier=elsewhere, method="cash", amount=FEE, now=LATER)
    assert [a.receipt_number, b.receipt_number, c.receipt_number] == [
        f"BL-{commune.code}-2026-000001", f"BL-{commune.code}-2026-000002",
        f"BL-{commune.code}-2027-000001"]
    assert d.receipt_number == f"BL-{other_commune.code}-2026-000001"


def test_receipt_year_is_the_local_year(dossier, officers, commune):
    # 31/12/2026 17:30 UTC is already 01/01/2027 00:30 in Hà Nội.
    payment = payments.payment_confirm(
        actor=officers["one_stop"], dossier=dossier, method="cash", amount=FEE,
        now=dt.datetime(2026, 12, 31, 17, 30, tzinfo=dt.UTC))
    assert payment.receipt_number == f"BL-{commune.code}-2027-000001"


def test_form_01_of_a_paying_dossier_carries_the_vietqr_code_and_not_without_account(
        commune, paying_procedure, officers, resident):
    with_account = counter_dossier(commune, paying_procedure, officers["one_stop"], resident)
    text = pdf_text(documents.document_bytes(
        with_account.documents.get(form=DocumentForm.RECEIPT)))
    # Nothing set yet: no bank account, so no code on the receipt.
    assert "VietQR" not in text
    set_bank(commune)
    dossier = counter_dossier(commune, paying_procedure, officers["one_stop"], resident)
    text = pdf_text(documents.document_bytes(dossier.documents.get(form=DocumentForm.RECEIPT)))
    assert "VietQR" in text and "20.000 đồng" in text
    assert vietqr.parse_payload(vietqr.dossier_payload(dossier)).purpose == f"HS {dossier.code}"


# -- the bank's notice --------------------------------------------------------------------

def notice(dossier: Dossier, **overrides: Any) -> BankNotification:
    values: dict[str, Any] = {
        "reference": "FT26327000001", "amount": FEE, "account": "0011001932418",
        "description": f"NGUYEN THI LAN chuyen tien HS {dossier.code}",
        "paid_at": MONDAY_9 + dt.timedelta(minutes=30)}
    values.update(overrides)
    return BankNotification(**values)


def test_bank_notice_confirms_the_dossier_it_names(dossier, commune):
    outcome, payment = payments.payment_from_bank(notification=notice(dossier), now=LATER)
    assert outcome == payments.BankOutcome.CONFIRMED
    assert payment.method == Payment.Method.BANK_NOTICE and payment.confirmed_by is None
    assert payment.reference == "FT26327000001"
    assert payment.confirmed_at == MONDAY_9 + dt.timedelta(minutes=30)  # when the bank says
    dossier.refresh_from_db()
    assert dossier.payment_status == PaymentStatus.PAID
    assert dossier.steps.get(action="pay").actor_label == "Hệ thống"
    assert dossier.documents.filter(form=DocumentForm.PAYMENT_RECEIPT).count() == 1
    assert history_verify(commune_id=commune.pk) == []


def test_same_notice_twice_is_a_duplicate_with_one_payment(dossier):
    payments.payment_from_bank(notification=notice(dossier), now=LATER)
    before = snapshot(dossier)
    outcome, payment = payments.payment_from_bank(notification=notice(dossier), now=LATER)
    assert outcome == payments.BankOutcome.DUPLICATE
    assert payment == Payment.objects.get()
    assert snapshot(dossier) == before


@pytest.mark.parametrize("description", [
    "HS {code}", "hs {code}", "{code}", "HS {spaced}", "HS{glued}", "{glued}",
    "Chuyển tiền lệ phí hồ sơ {code} - Cảm ơn", "MBVCB.123.{glued}.CT tu 0011",
])
def test_the_code_is_found_however_the_bank_wrote_the_hyphens(description, dossier):
    code = dossier.code
    text = description.format(code=code, spaced=code.replace("-", " "),
                              glued=code.replace("-", ""))
    assert code in payments.candidate_codes(text)
    outcome, _payment = payments.payment_from_bank(
        notification=notice(dossier, description=text), now=LATER)
    assert outcome == payments.BankOutcome.CONFIRMED


@pytest.mark.parametrize("overrides, reason", [
    ({"amount": FEE - 1000}, "wrong_amount"),
    ({"amount": FEE + 1}, "wrong_amount"),
    ({"amount": -FEE}, "not_a_credit"),
    ({"description": "chuyen tien"}, "no_code"),
    ({"description": "HS 8911-261123-9999"}, "no_dossier"),
    ({"account": "9999999999"}, "no_dossier"),
])
def test_notice_that_does_not_match_changes_nothing_and_is_logged(overrides, reason, dossier,
                                                                  caplog):
    before = snapshot(dossier)
    with caplog.at_level("WARNING", logger="langso.onestop.payments"):
        outcome, payment = payments.payment_from_bank(
            notification=notice(dossier, **overrides), now=LATER)
    assert (outcome, payment) == (payments.BankOutcome.UNMATCHED, None)
    assert snapshot(dossier) == before
    record = next(r for r in caplog.records if r.message == "payment.bank_unmatched")
    assert record.reason == reason
    # The payer's name in the description stays out of the log.
    assert "NGUYEN" not in repr(record.__dict__)


def test_notice_into_another_communes_account_does_not_pay_this_dossier(
        dossier, other_commune):
    set_bank(other_commune, account="1903555666777")
    before = snapshot(dossier)
    outcome, _payment = payments.payment_from_bank(
        notification=notice(dossier, account="1903555666777"), now=LATER)
    assert outcome == payments.BankOutcome.UNMATCHED
    assert snapshot(dossier) == before


def test_notice_for_a_dossier_paid_at_the_desk_is_left_for_an_officer(dossier, officers):
    payments.payment_confirm(actor=officers["one_stop"], dossier=dossier, method="cash",
                             amount=FEE, now=LATER)
    before = snapshot(dossier)
    outcome, _payment = payments.payment_from_bank(notification=notice(dossier), now=LATER)
    assert outcome == payments.BankOutcome.UNMATCHED
    assert snapshot(dossier) == before


def test_bank_time_in_the_future_is_not_believed(dossier):
    _outcome, payment = payments.payment_from_bank(
        notification=notice(dossier, paid_at=LATER + dt.timedelta(days=3)), now=LATER)
    assert payment.confirmed_at == LATER


@pytest.mark.django_db(transaction=True)
def test_the_same_notice_delivered_concurrently_records_one_payment(
        commune, paying_procedure, officers, resident):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's shared in-memory test database locks whole tables")
    set_bank(commune)
    dossier = counter_dossier(commune, paying_procedure, officers["one_stop"], resident)
    outcomes: list[Any] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def deliver() -> None:
        try:
            barrier.wait(timeout=10)
            outcomes.append(payments.payment_from_bank(notification=notice(dossier))[0])
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(outcomes) == ["confirmed", "duplicate", "duplicate"]
    assert Payment.objects.filter(dossier=dossier).count() == 1
    assert DossierStep.objects.filter(dossier=dossier, action="pay").count() == 1
