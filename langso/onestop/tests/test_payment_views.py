"""The payment panel, the officer's "Xác nhận đã thu phí" and the bank webhook over real HTTP:
every role, wrong and hostile input, double clicks, signatures, replays and strangers."""

import datetime as dt
import hashlib
import hmac
import json
import time
from typing import Any

import pytest
import requests
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse

from langso.core.models import HistoryEvent, Role
from langso.onestop import banks, services, vietqr
from langso.onestop.models import (
    Channel,
    DocumentForm,
    Dossier,
    DossierDocument,
    DossierStep,
    Payment,
    PaymentStatus,
)
from langso.testing.auth import login_verified

MONDAY_9 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
CHILD = {"child_name": "Nguyễn Văn Bình", "child_birth_date": "2026-11-01",
         "child_sex": "male"}
FEE = 20000
ACCOUNT = "0011001932418"
SECRET = "test-webhook-secret-0123456789"


@pytest.fixture(autouse=True)
def signing_dir(settings: Any, tmp_path_factory: Any) -> Any:
    settings.SIGNING_DEV_DIR = tmp_path_factory.getbasetemp() / "signing-dev"
    settings.BANK_WEBHOOK_SECRET = SECRET
    settings.BANK_WEBHOOK_ADAPTER = "signed_json"
    return settings.SIGNING_DEV_DIR


def set_bank(commune: Any, account: str = ACCOUNT) -> None:
    office = services.office_settings(commune)
    office.bank_bin, office.bank_account = "970415", account
    office.bank_account_name = "UBND XA TAM DAO"
    office.save()


@pytest.fixture
def dossier(commune, make_procedure, officers, resident, citizen) -> Dossier:
    set_bank(commune)
    procedure = make_procedure(fee={"kind": "fixed", "amount": FEE}, documents=[])
    made = services.dossier_submit(actor=officers["one_stop"], commune=commune,
                                   procedure=procedure, form_data=CHILD,
                                   channel=Channel.COUNTER, applicant=resident, now=MONDAY_9)
    # The citizen follows it online too.
    Dossier.objects.filter(pk=made.pk).update(applicant_user=citizen)
    made.refresh_from_db()
    return made


def written() -> dict[str, int]:
    return {"payments": Payment.objects.count(), "steps": DossierStep.objects.count(),
            "history": HistoryEvent.objects.count(),
            "documents": DossierDocument.objects.count(),
            "paid": Dossier.objects.filter(payment_status=PaymentStatus.PAID).count()}


def confirm_url(dossier: Dossier) -> str:
    return reverse("onestop:payment_confirm", args=[dossier.public_id])


def post_confirm(client: Client, dossier: Dossier, **data: Any) -> Any:
    return client.post(confirm_url(dossier), {"method": "cash", "amount": str(FEE), **data})


# -- the officer's confirmation -------------------------------------------------------------

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["one_stop", "clerk", "chairman", "vice_chairman"])
def test_officers_who_collect_fees_confirm_and_get_the_dossier_back(role, client, dossier,
                                                                    officers):
    login_verified(client, officers[role])
    response = post_confirm(client, dossier, method="vietqr", reference="FT26327000009")
    assert response.status_code == 303
    assert response["Location"] == reverse("onestop:staff_dossier", args=[dossier.public_id])
    dossier.refresh_from_db()
    assert dossier.payment_status == PaymentStatus.PAID
    payment = dossier.payments.get()
    assert (payment.method, payment.reference, payment.confirmed_by) == (
        "vietqr", "FT26327000009", officers[role])
    page = client.get(response["Location"])
    text = page.content.decode()
    assert payment.receipt_number in text  # in the message and the panel
    assert str(DocumentForm.PAYMENT_RECEIPT.label) in text  # the receipt among the documents
    assert 'id="payment-confirm"' not in text and "<svg" not in text


def test_specialist_handling_the_dossier_sees_the_fee_but_may_not_confirm(
        client, dossier, officers, justice):
    services.dossier_transition(actor=officers["one_stop"], dossier=dossier, action="assign",
                                department=justice)
    login_verified(client, officers["specialist"])
    page = client.get(reverse("onestop:staff_dossier", args=[dossier.public_id]))
    assert page.status_code == 200
    assert "20.000 đồng" in page.content.decode()
    assert 'id="payment-confirm"' not in page.content.decode()
    before = written()
    response = post_confirm(client, dossier)
    assert response.status_code == 403
    assert "không có quyền" in response.content.decode()
    assert written() == before


@pytest.mark.parametrize("who", ["specialist_elsewhere", "village_head", "commune_admin",
                                 "citizen", "other_commune_officer", "other_commune_chairman"])
def test_everyone_else_gets_a_404_and_nothing_changes(who, client, dossier, officers, citizen,
                                                      make_staff, village, other_commune):
    user = {
        "specialist_elsewhere": lambda: officers["specialist"],  # not their department
        "village_head": lambda: make_staff(Role.VILLAGE_HEAD, dossier.commune),
        "commune_admin": lambda: officers["commune_admin"],
        "citizen": lambda: citizen,
        "other_commune_officer": lambda: make_staff(Role.ONE_STOP_OFFICER, other_commune),
        "other_commune_chairman": lambda: make_staff(Role.CHAIRMAN, other_commune),
    }[who]()
    login_verified(client, user)
    before = written()
    assert post_confirm(client, dossier).status_code == 404
    assert written() == before


def test_anonymous_is_sent_to_log_in(client, dossier, settings):
    before = written()
    response = post_confirm(client, dossier)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(settings.LOGIN_URL))
    assert written() == before


def test_get_is_not_allowed(client, dossier, officers):
    login_verified(client, officers["one_stop"])
    assert client.get(confirm_url(dossier)).status_code == 405


def test_wrong_amount_is_shown_next_to_the_field_and_nothing_changes(client, dossier,
                                                                     officers):
    login_verified(client, officers["one_stop"])
    before = written()
    response = post_confirm(client, dossier, amount="15000")
    assert response.status_code == 400
    text = response.content.decode()
    assert "Số tiền phải đúng bằng phí, lệ phí của hồ sơ: 20.000 đồng." in text
    assert 'value="15000"' in text  # the officer sees what they typed
    assert written() == before


@pytest.mark.parametrize("typed", ["20.000", "20000", " 20 000 ", "20,000"])
def test_amount_may_be_typed_the_vietnamese_way(typed, client, dossier, officers):
    login_verified(client, officers["one_stop"])
    assert post_confirm(client, dossier, amount=typed).status_code == 303
    assert dossier.payments.get().amount == FEE


def test_double_confirmation_is_a_409_and_changes_nothing(client, dossier, officers):
    login_verified(client, officers["one_stop"])
    assert post_confirm(client, dossier).status_code == 303
    before = written()
    response = post_confirm(client, dossier)
    assert response.status_code == 409
    assert "đã nộp phí" in response.content.decode()
    assert written() == before


def test_free_procedure_has_nothing_to_pay_and_no_form(client, commune, make_procedure,
                                                       officers, resident):
    set_bank(commune)
    free = services.dossier_submit(actor=officers["one_stop"], commune=commune,
                                   procedure=make_procedure(documents=[]), form_data=CHILD,
                                   channel=Channel.COUNTER, applicant=resident, now=MONDAY_9)
    login_verified(client, officers["one_stop"])
    page = client.get(reverse("onestop:staff_dossier", args=[free.public_id])).content.decode()
    assert "Thủ tục này không thu phí, lệ phí." in page
    assert 'id="payment-confirm"' not in page and "<svg" not in page
    before = written()
    response = post_confirm(client, free)
    assert response.status_code == 409
    assert written() == before


@pytest.mark.parametrize("data, field_text", [
    ({"method": "", "amount": ""}, "Vui lòng chọn hình thức thu."),
    ({"amount": ""}, "Vui lòng nhập số tiền."),
    ({"amount": "abc"}, "Số tiền là một số nguyên đồng"),
    ({"amount": "20.00"}, "Số tiền là một số nguyên đồng"),
    ({"amount": "20000.5"}, "Số tiền là một số nguyên đồng"),
    ({"amount": "-20000"}, "Số tiền là một số nguyên đồng"),
    ({"amount": "0"}, "Số tiền phải lớn hơn 0."),
    ({"amount": "9" * 40}, "Số tiền quá lớn."),
    ({"amount": "9" * 14}, "Số tiền là một số nguyên đồng"),
    ({"method": "bank"}, "Hình thức thu không hợp lệ."),
    ({"method": "<script>alert(1)</script>"}, "Hình thức thu không hợp lệ."),
    ({"reference": "x" * 10_000}, "Mã giao dịch tối đa 64 ký tự."),
    ({"reference": "<script>alert(1)</script>"}, "Mã giao dịch chỉ gồm"),
    ({"reference": "FT\x00123"}, ""),
])
def test_missing_oversized_malformed_or_hostile_input_is_refused(data, field_text, client,
                                                                 dossier, officers, settings):
    settings.LANGUAGE_CODE = "vi"
    login_verified(client, officers["one_stop"])
    before = written()
    response = post_confirm(client, dossier, **data)
    assert response.status_code == 400
    text = response.content.decode()
    assert "Vui lòng kiểm tra lại" in text or "Mã giao dịch" in text
    if field_text:
        assert field_text in text
    assert "<script>alert(1)</script>" not in text
    assert written() == before


# -- the panel ------------------------------------------------------------------------------

def test_officer_sees_the_code_what_to_type_and_the_prefilled_form(client, dossier,
                                                                   officers):
    login_verified(client, officers["one_stop"])
    page = client.get(reverse("onestop:staff_dossier", args=[dossier.public_id]))
    text = page.content.decode()
    assert '<svg role="img"' in text
    assert "VietinBank" in text and "970415" in text and ACCOUNT in text
    assert "UBND XA TAM DAO" in text and "20.000 đồng" in text
    assert f"<code>HS {dossier.code}</code>" in text
    assert 'id="payment-confirm"' in text and f'value="{FEE}"' in text
    assert 'name="csrfmiddlewaretoken"' in text.split('id="payment-confirm"')[1]


def test_panel_for_the_citizen_shows_the_code_and_no_form(dossier, citizen):
    request = RequestFactory().get("/")
    request.user = citizen
    html = render_to_string("onestop/partials/_payment.html", {"dossier": dossier},
                            request=request)
    assert '<svg role="img"' in html and f"HS {dossier.code}" in html
    assert "<form" not in html
    # The text under the code is what the code says.
    payload = vietqr.dossier_payload(dossier)
    decoded = vietqr.parse_payload(payload)
    assert decoded.account in html and decoded.purpose in html


def test_citizens_dossier_page_shows_the_code_while_unpaid(client, dossier, citizen):
    client.force_login(citizen)
    url = reverse("onestop:citizen_dossier", args=[dossier.public_id])
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert '<svg role="img"' in text and f"HS {dossier.code}" in text
    assert 'id="payment-confirm"' not in text
    assert len(page.content) <= 14 * 1024


def test_without_a_bank_account_the_panel_asks_to_pay_at_the_desk(client, dossier,
                                                                  officers, commune):
    services.office_settings(commune).__class__.objects.filter(commune=commune).update(
        bank_account="")
    login_verified(client, officers["one_stop"])
    text = client.get(reverse("onestop:staff_dossier", args=[dossier.public_id])) \
        .content.decode()
    assert "<svg" not in text and "Nộp phí, lệ phí tại bộ phận một cửa" in text
    assert 'id="payment-confirm"' in text


# -- the bank webhook over real HTTP --------------------------------------------------------

def body_for(dossier: Dossier, **data: Any) -> bytes:
    values = {"reference": "FT26327000001", "amount": FEE, "accountNumber": ACCOUNT,
              "description": f"NGUYEN THI LAN chuyen tien HS {dossier.code}",
              "transactionDateTime": "2026-11-23 09:30:00"}
    values.update(data)
    return json.dumps({"error": 0, "data": values}).encode()


def send(live_server: Any, body: bytes, *, secret: str = SECRET,
         timestamp: int | None = None, signature: str | None = None,
         headers: dict[str, str] | None = None) -> requests.Response:
    stamp = int(time.time()) if timestamp is None else timestamp
    sent = {"Content-Type": "application/json",
            "X-Signature": signature if signature is not None else banks.sign(body, secret,
                                                                                 stamp)}
    sent.update(headers or {})
    return requests.post(f"{live_server.url}/api/v1/payments/webhook/", data=body,
                         headers=sent, timeout=60)


webhook = pytest.mark.django_db(transaction=True)


@webhook
def test_signed_notice_pays_the_dossier_and_a_replay_is_a_200_duplicate(live_server,
                                                                          dossier):
    body = body_for(dossier)
    first = send(live_server, body)
    assert first.status_code == 200, first.text
    assert first.json() == {"status": "confirmed"}
    dossier.refresh_from_db()
    assert dossier.payment_status == PaymentStatus.PAID
    payment = dossier.payments.get()
    assert (payment.method, payment.reference, payment.amount) == ("bank", "FT26327000001", FEE)
    assert dossier.documents.filter(form=DocumentForm.PAYMENT_RECEIPT).count() == 1
    before = written()
    # The bank retries the same notice (same signature, or freshly signed).
    replay = send(live_server, body)
    assert (replay.status_code, replay.json()) == (200, {"status": "duplicate"})
    assert written() == before


@webhook
def test_the_signature_is_the_hex_hmac_sha256_of_timestamp_and_raw_body(live_server,
                                                                        dossier):
    body = body_for(dossier)
    stamp = int(time.time())
    digest = hmac.new(SECRET.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    response = send(live_server, body, signature=f"t={stamp},v1={digest}")
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("case", ["missing", "wrong_secret", "garbage", "stale", "future",
                                  "tampered", "no_timestamp", "huge_header"])
@webhook
def test_bad_signature_is_a_401_and_changes_nothing(case, live_server, dossier):
    body = body_for(dossier)
    now = int(time.time())
    kwargs: dict[str, Any] = {
        "missing": {"signature": ""},
        "wrong_secret": {"secret": "another-secret-of-enough-length"},
        "garbage": {"signature": "t=1,v1=zz"},
        "stale": {"timestamp": now - 600},
        "future": {"timestamp": now + 600},
        "no_timestamp": {"signature": "v1=" + "0" * 64},
        "huge_header": {"signature": "t=1,v1=" + "a" * 4000},
    }.get(case, {})
    if case == "tampered":
        signed = banks.sign(body, SECRET, now)
        body = body.replace(b'"amount": 20000', b'"amount": 20001')
        kwargs = {"signature": signed}
    before = written()
    response = send(live_server, body, **kwargs)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "bad_signature"
    assert written() == before


@pytest.mark.parametrize("body", [
    b"", b"not json", b"[]", b'"text"', b"\xff\xfe\x00", b'{"error": 1, "data": {}}',
    b'{"error": 0}', b'{"error": 0, "data": []}',
    b"[" * 5000 + b"]" * 5000,
    b'{"error": 0, "data": {"reference": "FT1", "amount": "20000", "accountNumber": "1",'
    b' "description": "x", "transactionDateTime": "2026-11-23 09:30:00"}}',
    b'{"error": 0, "data": {"reference": "FT1", "amount": 20000.0, "accountNumber": "1",'
    b' "description": "x", "transactionDateTime": "2026-11-23 09:30:00"}}',
    b'{"error": 0, "data": {"reference": "FT1", "amount": true, "accountNumber": "1",'
    b' "description": "x", "transactionDateTime": "2026-11-23 09:30:00"}}',
    b'{"error": 0, "data": {"reference": "<script>", "amount": 20000, "accountNumber": "1",'
    b' "description": "x", "transactionDateTime": "2026-11-23 09:30:00"}}',
    b'{"error": 0, "data": {"amount": 20000, "accountNumber": "1",'
    b' "description": "x", "transactionDateTime": "2026-11-23 09:30:00"}}',
    b'{"error": 0, "data": {"reference": "FT1", "amount": 20000, "accountNumber": "1 2",'
    b' "description": "x", "transactionDateTime": "2026-11-23 09:30:00"}}',
    b'{"error": 0, "data": {"reference": "FT1", "amount": 20000, "accountNumber": "1",'
    b' "description": "a\\u0000b", "transactionDateTime": "2026-11-23 09:30:00"}}',
    b'{"error": 0, "data": {"reference": "FT1", "amount": 20000, "accountNumber": "1",'
    b' "description": "x", "transactionDateTime": "hom qua"}}',
    b'{"error": 0, "data": {"reference": "FT1", "amount": 1e400, "accountNumber": "1",'
    b' "description": "x", "transactionDateTime": "2026-11-23 09:30:00"}}',
])
@webhook
def test_malformed_or_hostile_body_is_a_400_even_when_signed(body, live_server, dossier):
    before = written()
    response = send(live_server, body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "malformed" and error["message"]
    assert written() == before


@webhook
def test_oversized_body_is_refused_before_it_is_read(live_server, dossier):
    body = body_for(dossier, description="x" * 20_000)
    before = written()
    response = send(live_server, body)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert written() == before


@webhook
def test_unmatched_notices_all_get_the_same_answer_and_change_nothing(
        live_server, dossier, other_commune, caplog):
    set_bank(other_commune, account="1903555666777")
    before = written()
    answers = []
    for reference, overrides in [
            ("FT-A", {"amount": FEE - 1}),                               # wrong amount
            ("FT-B", {"description": "HS 8911-261123-9999"}),            # no such dossier
            ("FT-C", {"accountNumber": "1903555666777"}),                # other commune's acct
            ("FT-D", {"accountNumber": "5555555555"}),                   # nobody's account
            ("FT-E", {"description": "tien an trua"})]:                  # no code at all
        response = send(live_server, body_for(dossier, reference=reference, **overrides))
        answers.append((response.status_code, response.json()))
    assert {a[0] for a in answers} == {404}
    assert all(a[1] == answers[0][1] for a in answers)  # nothing tells them apart
    assert answers[0][1]["error"]["code"] == "unmatched"
    assert written() == before


@webhook
def test_webhook_is_off_without_a_secret(live_server, dossier, settings):
    settings.BANK_WEBHOOK_SECRET = ""
    before = written()
    response = send(live_server, body_for(dossier), secret="x" * 20)
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "not_configured"
    assert written() == before


@webhook
def test_webhook_needs_no_csrf_token_or_session_and_answers_only_post(live_server, dossier):
    # A browser session cookie changes nothing: only the signature counts.
    response = send(live_server, body_for(dossier), headers={"Cookie": "sessionid=forged"})
    assert response.status_code == 200
    assert requests.get(f"{live_server.url}/api/v1/payments/webhook/",
                        timeout=30).status_code == 405


def test_webhook_is_in_the_openapi_document(client):
    schema = client.get(reverse("api:schema")).json()
    operation = schema["paths"]["/api/v1/payments/webhook/"]["post"]
    assert {"200", "400", "401", "404", "413"} <= set(operation["responses"])
