"""Notifications: channels against real local servers, notify(), idempotent sending, retries."""

import base64
from datetime import time
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from langso.core.errors import DomainError
from langso.core.models import Delivery, Notification, NotificationPreference, User
from langso.core.notifications import DeliveryError, deliver_direct, get_channel, notify, services
from langso.core.notifications.rendering import render_message
from langso.core.notifications.tasks import delivery_send_task
from langso.testing.tasks import make_due, run_db_worker

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
SMS_OK = {"status": "success", "code": "00",
          "data": {"tranId": 987654, "totalSMS": 1, "totalPrice": 750, "invalidPhone": []}}
ZNS_OK = {"error": 0, "message": "Success",
          "data": {"msg_id": "a1b2c3", "sent_time": "1700000000000", "quota": {}}}


@pytest.fixture
def sms_gateway(gateway_server, settings):
    settings.SMS_GATEWAY_URL = f"{gateway_server.url}/index.php/sms/send"
    settings.SMS_GATEWAY_TOKEN = "tok-sms-123"
    settings.SMS_SENDER = "UBND-XA"
    settings.SMS_TYPE = 3
    settings.GATEWAY_TIMEOUT_SECONDS = 0.5
    gateway_server.default.body = SMS_OK
    return gateway_server


@pytest.fixture
def zns_gateway(gateway_server, settings):
    settings.ZALO_ZNS_URL = f"{gateway_server.url}/message/template"
    settings.ZALO_ZNS_ACCESS_TOKEN = "tok-zalo-456"
    settings.ZALO_ZNS_TEMPLATES = {"default": "111111", "dossier_status": "222222"}
    settings.GATEWAY_TIMEOUT_SECONDS = 0.5
    gateway_server.default.body = ZNS_OK
    return gateway_server


@pytest.fixture
def resident(db, commune):
    user = User.objects.create_user(username="0912345678", phone="0912345678",
                                    email="lan@example.vn", password="pw-Secret-123",
                                    kind=User.Kind.CITIZEN, full_name="Nguyễn Thị Lan")
    return user


def dossier_context(**extra):
    return {"code": "HS-2026-000123", "procedure": "Đăng ký khai sinh",
            "status": "Đã tiếp nhận", "url": "/ho-so/HS-2026-000123/", **extra}


# --- channels ---------------------------------------------------------------------------------

def test_sms_is_sent_in_speedsms_format(sms_gateway):
    message_id = get_channel("sms").send(address="0912 345 678", subject="Tiêu đề",
                                         body="Hồ sơ đã được tiếp nhận. Đồng ý!")

    assert message_id == "987654"
    [request] = sms_gateway.requests
    assert request.path == "/index.php/sms/send"
    expected_auth = base64.b64encode(b"tok-sms-123:x").decode()
    assert request.headers["authorization"] == f"Basic {expected_auth}"
    assert request.headers["content-type"] == "application/json"
    assert request.json == {"to": ["84912345678"],
                            "content": "Ho so da duoc tiep nhan. Dong y!",
                            "sms_type": 3, "sender": "UBND-XA"}


@pytest.mark.parametrize(("status", "body", "transient"), [
    (200, {"status": "error", "code": "007", "message": "IP bị chặn"}, False),
    (200, {"status": "error", "code": "105", "message": "Không đủ số dư"}, True),
    (200, {"status": "success", "code": "00", "data": {}}, True),
    (401, {"status": "error", "code": "401"}, False),
    (400, {"status": "error"}, False),
    (429, {}, True),
    (500, {}, True),
    (503, {}, True),
])
def test_sms_gateway_errors_are_transient_or_permanent(sms_gateway, status, body, transient):
    sms_gateway.answer(status, body)
    with pytest.raises(DeliveryError) as caught:
        get_channel("sms").send(address="0912345678", subject="", body="x")
    assert caught.value.transient is transient


def test_a_gateway_that_does_not_answer_in_time_is_a_transient_error(sms_gateway):
    sms_gateway.answer(200, SMS_OK, delay=2)
    with pytest.raises(DeliveryError) as caught:
        get_channel("sms").send(address="0912345678", subject="", body="x")
    assert caught.value.transient is True


def test_a_gateway_answering_garbage_is_a_transient_error(sms_gateway):
    sms_gateway.answer(200, raw=b"<html>Bad gateway</html>")
    with pytest.raises(DeliveryError) as caught:
        get_channel("sms").send(address="0912345678", subject="", body="x")
    assert caught.value.transient is True


@pytest.mark.parametrize("address", ["", "12345", "0112345678", "+1 555 0100", "abc"])
def test_sms_to_a_malformed_number_fails_for_good_without_calling_the_gateway(sms_gateway,
                                                                              address):
    with pytest.raises(DeliveryError) as caught:
        get_channel("sms").send(address=address, subject="", body="x")
    assert caught.value.transient is False
    assert sms_gateway.requests == []


def test_sms_without_a_configured_gateway_fails_for_good(settings):
    settings.SMS_GATEWAY_URL = ""
    settings.SMS_GATEWAY_TOKEN = ""
    with pytest.raises(DeliveryError) as caught:
        get_channel("sms").send(address="0912345678", subject="", body="x")
    assert caught.value.transient is False


def test_zalo_zns_uses_the_default_template_with_title_and_content(zns_gateway):
    message_id = get_channel("zalo").send(address="0912345678", subject="Thông báo",
                                          body="Nội dung ngắn")

    assert message_id == "a1b2c3"
    [request] = zns_gateway.requests
    assert request.path == "/message/template"
    assert request.headers["access_token"] == "tok-zalo-456"
    body = request.json
    assert body["phone"] == "84912345678"
    assert body["template_id"] == "111111"
    assert body["template_data"] == {"title": "Thông báo", "content": "Nội dung ngắn"}
    assert isinstance(body["tracking_id"], str) and body["tracking_id"]


def test_zalo_zns_uses_a_registered_template_with_its_parameters(zns_gateway):
    get_channel("zalo").send(address="0912345678", subject="s", body="b",
                             template="dossier_status",
                             data={"code": "HS-1", "status": "Đã trả", "tracking_id": "langso-7"})
    body = zns_gateway.requests[0].json
    assert body["template_id"] == "222222"
    assert body["template_data"] == {"code": "HS-1", "status": "Đã trả", "tracking_id": "langso-7"}
    assert body["tracking_id"] == "langso-7"


@pytest.mark.parametrize(("status", "body", "transient"), [
    (200, {"error": -124, "message": "Access token is invalid"}, False),
    (200, {"error": -108, "message": "Phone number is invalid"}, False),
    (200, {"error": -32, "message": "Exceeded rate limit"}, True),
    (200, {"error": -100, "message": "Unknown error"}, True),
    (200, {"error": "x"}, True),
    (200, {"error": 0, "data": {}}, True),
    (404, {}, False),
    (502, {}, True),
])
def test_zalo_zns_errors_are_transient_or_permanent(zns_gateway, status, body, transient):
    zns_gateway.answer(status, body)
    with pytest.raises(DeliveryError) as caught:
        get_channel("zalo").send(address="0912345678", subject="s", body="b")
    assert caught.value.transient is transient


def test_zalo_without_a_template_fails_for_good(zns_gateway, settings):
    settings.ZALO_ZNS_TEMPLATES = {}
    with pytest.raises(DeliveryError) as caught:
        get_channel("zalo").send(address="0912345678", subject="s", body="b")
    assert caught.value.transient is False
    assert zns_gateway.requests == []


def test_email_goes_through_a_real_smtp_server(smtp_server):
    message_id = get_channel("email").send(address="lan@example.vn",
                                           subject="Hồ sơ HS-1: Đã tiếp nhận",
                                           body="Kính gửi bà Lan,\nHồ sơ đã được tiếp nhận.")

    [mail] = smtp_server.messages
    assert mail.rcpt_tos == ["lan@example.vn"]
    assert mail.subject == "Hồ sơ HS-1: Đã tiếp nhận"
    assert "Hồ sơ đã được tiếp nhận." in mail.body
    assert mail.message["Message-ID"] == message_id


@pytest.mark.parametrize(("code", "transient"), [(550, False), (451, True)])
def test_a_refused_recipient_is_permanent_or_transient_by_smtp_code(smtp_server, code,
                                                                    transient):
    smtp_server.reject(code, "mailbox problem")
    with pytest.raises(DeliveryError) as caught:
        get_channel("email").send(address="lan@example.vn", subject="s", body="b")
    assert caught.value.transient is transient
    assert smtp_server.messages == []


def test_an_unreachable_smtp_server_is_a_transient_error(settings):
    from langso.testing.servers import free_port

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": free_port(),
                                                "timeout": 2}}}
    with pytest.raises(DeliveryError) as caught:
        get_channel("email").send(address="lan@example.vn", subject="s", body="b")
    assert caught.value.transient is True


def test_email_to_a_malformed_address_fails_for_good_without_sending(smtp_server):
    with pytest.raises(DeliveryError) as caught:
        get_channel("email").send(address="not-an-address", subject="s", body="b")
    assert caught.value.transient is False
    assert smtp_server.messages == []


def test_deliver_direct_sends_at_once_to_a_raw_address(sms_gateway):
    message_id = deliver_direct(channel="sms", address="0987654321", subject="",
                                body="Mã xác thực Làng Số: 123456")
    assert message_id == "987654"
    assert sms_gateway.requests[0].json["to"] == ["84987654321"]
    assert sms_gateway.requests[0].json["content"] == "Ma xac thuc Lang So: 123456"


def test_deliver_direct_refuses_an_unknown_channel(sms_gateway):
    with pytest.raises(LookupError):
        deliver_direct(channel="fax", address="0912345678", subject="", body="x")
    assert sms_gateway.requests == []


# --- rendering ---------------------------------------------------------------------------------

def test_templates_render_plain_text_without_html_escaping():
    context = {**dossier_context(procedure="Cấp <bản sao> & chứng thực"),
               "commune_name": "Xã Tam Đảo", "name": "Lan"}
    rendered = render_message("dossier_status", context)
    assert rendered.subject == "Hồ sơ HS-2026-000123: Đã tiếp nhận"
    assert "Cấp <bản sao> & chứng thực" in rendered.body
    assert "&amp;" not in rendered.body
    assert rendered.short == "Xã Tam Đảo: hồ sơ HS-2026-000123 đã chuyển sang trạng thái: " \
                             "Đã tiếp nhận."


def test_templates_render_in_english_for_an_english_speaker():
    rendered = render_message("dossier_status", {**dossier_context(), "commune_name": "X",
                                                 "name": "Lan"}, language="en")
    assert rendered.subject == "Dossier HS-2026-000123: Đã tiếp nhận"
    assert rendered.body.startswith("Dear Lan,")
    # The caller's language is left as it was.
    assert translation.get_language() == "vi"


@pytest.mark.parametrize("name", ["", "missing", "../etc/passwd", "Dossier", "a" * 80])
def test_an_unknown_template_name_is_refused(name):
    with pytest.raises(LookupError):
        render_message(name, {})


# --- notify -----------------------------------------------------------------------------------

def test_notify_creates_the_inbox_entry_and_a_delivery_per_accepted_channel(
        resident, commune, django_capture_on_commit_callbacks):
    # Given a citizen with e-mail and a mobile number and default choices (e-mail, SMS)
    with django_capture_on_commit_callbacks() as callbacks:
        notification = notify(recipient=resident, template="dossier_status",
                              context=dossier_context(), commune=commune)
        # Then nothing is enqueued while the transaction is open
        assert DBTaskResult.objects.count() == 0

    assert notification.user == resident
    assert notification.subject == "Hồ sơ HS-2026-000123: Đã tiếp nhận"
    assert "Kính gửi ông/bà Nguyễn Thị Lan," in notification.body
    assert notification.url == "/ho-so/HS-2026-000123/"
    deliveries = {d.channel: d for d in notification.deliveries.all()}
    assert set(deliveries) == {"email", "sms"}
    assert deliveries["email"].address == "lan@example.vn"
    assert deliveries["sms"].address == "0912345678"
    assert all(d.status == "pending" and d.attempts == 0 for d in deliveries.values())
    # And one sending task per delivery is enqueued after the commit
    assert len(callbacks) == 2
    for callback in callbacks:
        callback()
    queued = DBTaskResult.objects.filter(task_path=delivery_send_task.module_path)
    assert sorted(r.args_kwargs["args"][0] for r in queued) == sorted(
        d.pk for d in deliveries.values())


def test_notify_sends_nothing_when_the_transaction_rolls_back(
        resident, commune, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError), \
            transaction.atomic():
        notify(recipient=resident, template="generic", commune=commune,
               context={"title": "T", "message": "M"})
        raise RuntimeError("the service failed after notifying")
    assert callbacks == []
    assert Notification.objects.count() == 0
    assert Delivery.objects.count() == 0


def test_notify_respects_channel_choices_and_the_requested_channels(resident, commune):
    NotificationPreference.objects.create(user=resident, email=False, sms=True, zalo=True)

    only_in_app = notify(recipient=resident, template="generic", commune=commune,
                         context={"title": "T", "message": "M"}, channels=["email"])
    sms_and_zalo = notify(recipient=resident, template="generic", commune=commune,
                          context={"title": "T", "message": "M"})

    assert only_in_app.deliveries.count() == 0
    assert sorted(sms_and_zalo.deliveries.values_list("channel", flat=True)) == ["sms", "zalo"]


def test_notify_a_resident_without_account_or_phone_keeps_only_the_record(
        commune, make_person):
    person = make_person(commune, "Trần Văn Bình")
    notification = notify(recipient=person, template="generic", commune=commune,
                          context={"title": "T", "message": "M"})
    assert notification.user is None
    assert notification.person == person
    assert notification.deliveries.count() == 0


def test_notify_a_resident_by_sms_from_the_person_record(commune, make_person):
    person = make_person(commune, "Trần Văn Bình", phone="0987654321")
    notification = notify(recipient=person, template="generic", commune=commune,
                          context={"title": "T", "message": "M"})
    assert list(notification.deliveries.values_list("channel", "address")) == [
        ("sms", "0987654321")]


def test_notify_refuses_a_resident_of_another_commune(commune, other_commune, make_person):
    person = make_person(other_commune, "Lê Văn Cường", phone="0987654321")
    with pytest.raises(DomainError):
        notify(recipient=person, template="generic", commune=commune,
               context={"title": "T", "message": "M"})
    assert Notification.objects.count() == 0
    assert Delivery.objects.count() == 0


@pytest.mark.parametrize("url", ["javascript:alert(1)", "https://evil.example/", "//evil.example",
                                 "/\\evil", "/a b", "/" + "x" * 400])
def test_notify_keeps_only_links_to_this_site(resident, commune, url):
    notification = notify(recipient=resident, template="generic", commune=commune,
                          context={"title": "T", "message": "M", "url": url})
    assert notification.url == ""
    assert "evil" not in notification.body


def test_links_in_messages_carry_the_site_address(resident, commune, settings):
    settings.SITE_URL = "https://langso.example.vn/"
    notification = notify(recipient=resident, template="dossier_status", commune=commune,
                          context=dossier_context())
    assert notification.url == "/ho-so/HS-2026-000123/"
    assert "https://langso.example.vn/ho-so/HS-2026-000123/" in notification.body


def test_quiet_hours_hold_sms_until_they_end_but_not_email(
        resident, commune, django_capture_on_commit_callbacks):
    NotificationPreference.objects.create(user=resident, email=True, sms=True,
                                          quiet_start=time(21, 0), quiet_end=time(6, 0))
    tomorrow = (timezone.now().astimezone(TZ) + timezone.timedelta(days=1)).date()
    late = timezone.datetime.combine(tomorrow, time(22, 15), tzinfo=TZ)

    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(recipient=resident, template="generic", commune=commune,
                              context={"title": "T", "message": "M"}, now=late)

    deliveries = {d.channel: d for d in notification.deliveries.all()}
    assert deliveries["email"].not_before is None
    assert deliveries["sms"].not_before == timezone.datetime.combine(
        tomorrow + timezone.timedelta(days=1), time(6, 0), tzinfo=TZ)
    runs = {r.args_kwargs["args"][0]: r.run_after for r in DBTaskResult.objects.all()}
    assert runs[deliveries["sms"].pk] == deliveries["sms"].not_before


def test_notify_in_english_for_a_person_who_chose_english(resident, commune):
    NotificationPreference.objects.create(user=resident, language="en")
    notification = notify(recipient=resident, template="dossier_status", commune=commune,
                          context=dossier_context())
    assert notification.subject == "Dossier HS-2026-000123: Đã tiếp nhận"


# --- sending, idempotency, retries -----------------------------------------------------------

@pytest.fixture
def delivered(transactional_db, commune, sms_gateway, smtp_server):
    """A citizen notified by e-mail and SMS, the tasks queued (not run yet)."""
    user = User.objects.create_user(username="0912345678", phone="0912345678",
                                    email="lan@example.vn", password="pw-Secret-123",
                                    full_name="Nguyễn Thị Lan")
    notification = notify(recipient=user, template="dossier_status",
                          context=dossier_context(), commune=commune)
    return notification


def test_the_worker_sends_each_delivery_once(delivered, sms_gateway, smtp_server):
    run_db_worker()

    deliveries = {d.channel: d for d in delivered.deliveries.all()}
    assert deliveries["email"].status == "sent"
    assert deliveries["email"].provider_message_id == \
        smtp_server.messages[0].message["Message-ID"]
    assert deliveries["sms"].status == "sent"
    assert deliveries["sms"].provider_message_id == "987654"
    assert all(d.attempts == 1 and d.sent_at for d in deliveries.values())
    assert len(sms_gateway.requests) == 1
    assert sms_gateway.requests[0].json["content"] == (
        "Xa Tam Dao: ho so HS-2026-000123 da chuyen sang trang thai: Da tiep nhan.")
    [mail] = smtp_server.messages
    assert mail.subject == "Hồ sơ HS-2026-000123: Đã tiếp nhận"


def test_running_the_same_delivery_again_sends_nothing_twice(delivered, sms_gateway,
                                                            smtp_server):
    sms = delivered.deliveries.get(channel="sms")
    run_db_worker()

    # When the same task is enqueued and run again (a duplicate, a replay)
    delivery_send_task.enqueue(sms.pk)
    run_db_worker()

    # Then nothing more was sent
    assert services.delivery_send(delivery_id=sms.pk) == "skipped:sent"
    assert len(sms_gateway.requests) == 1
    assert len(smtp_server.messages) == 1
    sms.refresh_from_db()
    assert sms.attempts == 1


def test_a_delivery_left_sending_is_never_sent_again(delivered, sms_gateway):
    sms = delivered.deliveries.get(channel="sms")
    Delivery.objects.filter(pk=sms.pk).update(status="sending", attempts=1)

    assert services.delivery_send(delivery_id=sms.pk) == "skipped:sending"
    assert sms_gateway.requests == []

    # And the nightly prune closes it once it is clearly stuck
    later = timezone.now() + services.STUCK_AFTER * 2
    assert services.notifications_prune(now=later)["deliveries_closed"] == 1
    sms.refresh_from_db()
    assert sms.status == "failed"
    assert "not resent" in sms.last_error


def test_a_transient_gateway_error_is_retried_and_then_sent(delivered, sms_gateway):
    sms = delivered.deliveries.get(channel="sms")
    sms_gateway.answer(503, {})

    run_db_worker()
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == ("pending", 1)
    assert "503" in sms.last_error

    make_due()
    run_db_worker()
    sms.refresh_from_db()
    assert (sms.status, sms.attempts, sms.last_error) == ("sent", 2, "")
    assert len(sms_gateway.requests) == 2


def test_a_delivery_gives_up_after_the_last_attempt(delivered, sms_gateway, settings):
    sms = delivered.deliveries.get(channel="sms")
    sms_gateway.default.status = 500

    for _ in range(settings.NOTIFICATION_MAX_ATTEMPTS + 2):
        run_db_worker()
        make_due()

    sms.refresh_from_db()
    assert sms.status == "failed"
    assert sms.attempts == settings.NOTIFICATION_MAX_ATTEMPTS
    assert sms.last_error.startswith(f"gave up after {settings.NOTIFICATION_MAX_ATTEMPTS}")
    assert len(sms_gateway.requests) == settings.NOTIFICATION_MAX_ATTEMPTS
    last = DBTaskResult.objects.filter(task_path=delivery_send_task.module_path,
                                       args_kwargs__args=[sms.pk]).order_by("-enqueued_at")[0]
    assert last.status == "FAILED"


def test_a_permanent_error_fails_at_once_without_retry(delivered, sms_gateway):
    sms = delivered.deliveries.get(channel="sms")
    sms_gateway.answer(200, {"status": "error", "code": "007", "message": "IP denied"})

    run_db_worker()

    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == ("failed", 1)
    assert "007" in sms.last_error
    assert not DBTaskResult.objects.filter(status="READY").exists()


def test_old_notifications_are_pruned(resident, commune, settings):
    settings.NOTIFICATION_RETENTION_DAYS = 30
    old = notify(recipient=resident, template="generic", commune=commune,
                 context={"title": "Cũ", "message": "M"},
                 now=timezone.now() - timezone.timedelta(days=31))
    recent = notify(recipient=resident, template="generic", commune=commune,
                    context={"title": "Mới", "message": "M"})

    services.notifications_prune()

    assert list(Notification.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not Delivery.objects.filter(notification_id=old.pk).exists()
