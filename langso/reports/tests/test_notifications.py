"""Telling people without an account of each public step: an anonymous reporter's phone or
e-mail and followers' addresses, by a task after commit, through a real SMTP server and a
local SMS gateway; retried on transient errors, never sent twice."""

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from langso.core.clock import TZ
from langso.core.models import Notification
from langso.reports import notifications, services
from langso.reports.models import ReportFollower, ReportMessage, Severity
from langso.reports.tasks import report_message_send_task
from langso.testing.tasks import make_due, run_db_worker

SMS_OK = {"status": "success", "code": "00",
          "data": {"tranId": 555001, "totalSMS": 1, "totalPrice": 750, "invalidPhone": []}}
MORNING = dt.datetime(2026, 11, 30, 9, 0, tzinfo=TZ)  # a Monday, 09:00
SITE = "https://langso.example.vn"


@pytest.fixture(autouse=True)
def site_url(settings: Any) -> None:
    settings.SITE_URL = SITE


@pytest.fixture
def sms_gateway(gateway_server, settings):
    settings.SMS_GATEWAY_URL = f"{gateway_server.url}/index.php/sms/send"
    settings.SMS_GATEWAY_TOKEN = "tok-sms-123"
    settings.SMS_SENDER = "UBND-XA"
    settings.SMS_TYPE = 3
    settings.GATEWAY_TIMEOUT_SECONDS = 0.5
    gateway_server.default.body = SMS_OK
    return gateway_server


def messages() -> list[tuple[str, str, bool]]:
    return sorted(ReportMessage.objects.values_list("channel", "address", "to_reporter"))


def triage(report: Any, staff: dict[str, Any], land: Any, now: dt.datetime = MORNING) -> Any:
    return services.report_triage(actor=staff["chairman"], report=report,
                                  severity=Severity.NORMAL, department=land,
                                  note="Giao địa chính kiểm tra", now=now)


# -- who is told ------------------------------------------------------------------------------

@pytest.mark.django_db
def test_an_anonymous_reporter_and_followers_without_accounts_are_told(make_report, staff,
                                                                       land):
    report = make_report(now=MORNING)  # anonymous, phone 0987654321
    services.report_follow(report=report, email="Hang.Nguyen@Example.vn")
    services.report_follow(report=report, phone="+84 912 000 111")
    assert messages() == []  # nobody is told of the reporter's own sending
    triage(report, staff, land)
    assert messages() == [("email", "hang.nguyen@example.vn", False),
                          ("sms", "0912000111", False), ("sms", "0987654321", True)]
    mail = ReportMessage.objects.get(channel="email")
    assert mail.subject == "Phản ánh PA-1: Đã tiếp nhận, đã giao xử lý"
    assert "Phản ánh PA-1 (Đường giao thông, cầu cống) mà ông/bà theo dõi" in mail.body
    assert "Nội dung: Giao địa chính kiểm tra" in mail.body
    assert f"Xem phản ánh: {SITE}/xa/{report.commune.slug}/phan-anh/1/" in mail.body
    own = ReportMessage.objects.get(to_reporter=True)
    assert own.body == ("Xã Tam Đảo: phản ánh PA-1 đã chuyển sang: Đã tiếp nhận, đã giao xử "
                        f"lý. {SITE}/xa/{report.commune.slug}/phan-anh/1/")
    assert all(m.status == "pending" and m.not_before is None
               for m in ReportMessage.objects.all())


@pytest.mark.django_db
def test_a_person_who_left_both_is_written_to_by_email_only(make_report, staff, land):
    report = make_report(now=MORNING)
    services.report_follow(report=report, email="a@example.vn", phone="0912000111")
    triage(report, staff, land)
    assert ("email", "a@example.vn", False) in messages()
    assert ("sms", "0912000111", False) not in messages()


@pytest.mark.django_db
def test_an_address_is_written_to_once_and_as_the_reporter(make_report, staff, land, commune,
                                                           categories):
    report, _secret = services.report_submit(
        commune=commune, category=categories["road"], description="Cống thoát nước bị tắc.",
        address="Thôn Đồng Bả", now=MORNING,
        reporter=services.Reporter(email="nam@example.vn", phone="0987654321"))
    services.report_follow(report=report, email="nam@example.vn")
    triage(report, staff, land)
    assert messages() == [("email", "nam@example.vn", True)]
    assert "của ông/bà đã chuyển sang" in ReportMessage.objects.get().body


@pytest.mark.parametrize(("email", "phone"), [
    ("not-an-address", ""), ("", "12345"), ("", "0241234567"),  # a landline gets no SMS
    ("<script>@x", "abc"),
])
@pytest.mark.django_db
def test_unusable_contacts_get_nothing(email, phone, make_report, staff, land):
    report = make_report(now=MORNING)
    ReportFollower.objects.create(report=report, email=email, phone=phone)
    report.reporter_phone = ""
    report.save(update_fields=["reporter_phone"])
    triage(report, staff, land)
    assert messages() == []


@pytest.mark.django_db
def test_internal_steps_tell_nobody(triaged, staff, culture, proof_media):
    ReportMessage.objects.all().delete()
    services.report_reassign(actor=staff["chairman"], report=triaged, department=culture,
                             reason="Thuộc văn hóa", now=MORNING)
    services.report_start(actor=staff["culture_officer"], report=triaged, now=MORNING)
    started = ReportMessage.objects.count()
    services.report_draft_answer(actor=staff["culture_officer"], report=triaged,
                                 text="Đã nhắc nhở hộ gây ồn.", proofs=[proof_media()],
                                 now=MORNING)
    assert started == 1  # "in progress" is public
    assert ReportMessage.objects.count() == started  # a draft is not


@pytest.mark.django_db
def test_the_reporter_is_not_told_of_their_own_reopening_but_followers_are(
        make_report, staff, land, proof_media):
    secret: list[str] = []
    report = triage(make_report(now=MORNING, secret=secret), staff, land)
    services.report_follow(report=report, email="b@example.vn")
    services.report_start(actor=staff["land_officer"], report=report, now=MORNING)
    services.report_draft_answer(actor=staff["land_officer"], report=report,
                                 text="Đã sửa xong đoạn đường.", proofs=[proof_media()],
                                 now=MORNING)
    services.report_approve(actor=staff["chairman"], report=report, now=MORNING)
    ReportMessage.objects.all().delete()
    services.report_reopen(report=report, secret=secret[0], reason="Vẫn còn ổ gà lớn.",
                           now=MORNING + dt.timedelta(hours=2))
    assert messages() == [("email", "b@example.vn", False)]


@pytest.mark.django_db
def test_a_signed_in_reporter_gets_an_inbox_notice_worded_as_theirs(make_report, staff, land,
                                                                    citizen):
    report = make_report(now=MORNING, reporter=citizen)
    triage(report, staff, land)
    note = Notification.objects.get(user=citizen, template="report_status")
    assert "Phản ánh PA-1 (Đường giao thông, cầu cống) của ông/bà" in note.body
    assert messages() == []  # the account's own channels carry it


@pytest.mark.django_db
def test_an_sms_written_at_night_waits_for_the_morning(make_report, staff, land):
    report = make_report(now=MORNING)
    services.report_follow(report=report, email="c@example.vn")
    night = dt.datetime(2026, 11, 30, 22, 15, tzinfo=TZ)
    triage(report, staff, land, now=night)
    sms = ReportMessage.objects.get(channel="sms")
    assert sms.not_before == dt.datetime(2026, 12, 1, 7, 0, tzinfo=TZ)
    assert ReportMessage.objects.get(channel="email").not_before is None
    assert notifications._sms_not_before(dt.datetime(2026, 12, 1, 6, 59, tzinfo=TZ)) == \
        dt.datetime(2026, 12, 1, 7, 0, tzinfo=TZ)
    assert notifications._sms_not_before(dt.datetime(2026, 12, 1, 7, 0, tzinfo=TZ)) is None


# -- after commit, and only then ------------------------------------------------------------------

@pytest.mark.django_db
def test_sending_is_enqueued_after_commit_and_never_for_a_rolled_back_step(
        make_report, staff, land, django_capture_on_commit_callbacks):
    report = make_report(now=MORNING)
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError), \
            transaction.atomic():
        triage(report, staff, land)
        raise RuntimeError("the request failed after the step")
    assert callbacks == [] and ReportMessage.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        triage(report, staff, land)
        assert DBTaskResult.objects.count() == 0  # nothing while the step is open
    queued = DBTaskResult.objects.filter(task_path=report_message_send_task.module_path)
    assert [r.args_kwargs["args"] for r in queued] == [[ReportMessage.objects.get().pk]]


# -- sending through real servers ---------------------------------------------------------------

@pytest.fixture
def told(transactional_db, make_report, staff, land, sms_gateway, smtp_server):
    """A triaged report whose anonymous reporter (SMS) and follower (e-mail) are queued."""
    report = make_report(now=MORNING)
    services.report_follow(report=report, email="d@example.vn")
    triage(report, staff, land)
    return report


def test_the_worker_sends_each_message_once(told, sms_gateway, smtp_server):
    run_db_worker()
    sms = ReportMessage.objects.get(channel="sms")
    mail = ReportMessage.objects.get(channel="email")
    assert (sms.status, sms.attempts, sms.provider_message_id) == ("sent", 1, "555001")
    assert (mail.status, mail.attempts) == ("sent", 1)
    [request] = sms_gateway.requests
    assert request.json["to"] == ["84987654321"]
    assert request.json["content"] == (
        "Xa Tam Dao: phan anh PA-1 da chuyen sang: Da tiep nhan, da giao xu ly. "
        f"{SITE}/xa/{told.commune.slug}/phan-anh/1/")
    [received] = smtp_server.messages
    assert received.rcpt_tos == ["d@example.vn"]
    assert received.subject == "Phản ánh PA-1: Đã tiếp nhận, đã giao xử lý"
    # Run again (a replayed task): nothing more leaves.
    report_message_send_task.enqueue(sms.pk)
    run_db_worker()
    assert notifications.report_message_send(message_id=sms.pk) == "skipped:sent"
    assert len(sms_gateway.requests) == 1 and len(smtp_server.messages) == 1


def test_a_transient_gateway_error_is_retried_then_sent(told, sms_gateway):
    sms_gateway.answer(503, {})
    run_db_worker()
    sms = ReportMessage.objects.get(channel="sms")
    assert (sms.status, sms.attempts) == ("pending", 1) and "503" in sms.last_error
    make_due()
    run_db_worker()
    sms.refresh_from_db()
    assert (sms.status, sms.attempts, sms.last_error) == ("sent", 2, "")
    assert len(sms_gateway.requests) == 2


def test_a_refused_number_fails_at_once_without_retry(told, sms_gateway):
    sms_gateway.answer(200, {"status": "error", "code": "007", "message": "IP denied"})
    run_db_worker()
    make_due()
    run_db_worker()
    sms = ReportMessage.objects.get(channel="sms")
    assert (sms.status, sms.attempts) == ("failed", 1) and "007" in sms.last_error
    assert len(sms_gateway.requests) == 1


def test_a_message_gives_up_after_the_last_attempt(told, sms_gateway, settings):
    sms_gateway.default.status = 500
    for _i in range(settings.NOTIFICATION_MAX_ATTEMPTS + 2):
        run_db_worker()
        make_due()
    sms = ReportMessage.objects.get(channel="sms")
    assert sms.status == "failed" and sms.attempts == settings.NOTIFICATION_MAX_ATTEMPTS
    assert sms.last_error.startswith("gave up after")


def test_a_refused_mailbox_fails_for_good(transactional_db, make_report, staff, land,
                                          smtp_server):
    report = make_report(now=MORNING)
    report.reporter_phone = ""
    report.save(update_fields=["reporter_phone"])
    services.report_follow(report=report, email="nobody@example.vn")
    triage(report, staff, land)
    smtp_server.reject(550, "5.1.1 No such user")
    run_db_worker()
    mail = ReportMessage.objects.get()
    assert mail.status == "failed" and smtp_server.messages == []


@pytest.mark.django_db
def test_old_messages_are_pruned_and_pending_ones_kept(make_report, staff, land):
    report = make_report(now=MORNING)
    services.report_follow(report=report, email="e@example.vn")
    triage(report, staff, land)
    ReportMessage.objects.filter(channel="email").update(status="sent")
    later = MORNING + notifications.MESSAGE_RETENTION + dt.timedelta(days=1)
    assert notifications.report_messages_prune(now=later) == 1
    assert list(ReportMessage.objects.values_list("status", flat=True)) == ["pending"]
