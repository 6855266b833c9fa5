"""Deadlines of field reports: escalation to the chairman once per deadline, the leaders'
daily digest, closing after the reopen window; through the real notification tables, the
scheduler and the database worker with a real SMTP server."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from langso.core.clock import TZ
from langso.core.models import Delivery, HistoryEvent, Membership, Notification, Role
from langso.core.scheduler import REGISTRY, Scheduler
from langso.reports import deadline_services, services, tasks
from langso.reports.deadline_services import (
    Deadlines,
    Urgency,
    report_close_sweep,
    report_deadlines_sweep,
    report_digest_send,
    report_digest_sweep,
)
from langso.reports.models import Category, Report, ReportMedia, Severity
from langso.reports.workflow import State
from langso.testing.tasks import run_db_worker

# Office hours 7:30–11:30 and 13:30–17:00 (7.5 working hours a day).
MON = dt.datetime(2026, 11, 30, 8, 0, tzinfo=TZ)  # Monday 30/11/2026 08:00
TUE = MON + dt.timedelta(days=1)
WED = MON + dt.timedelta(days=2)


def at(day: dt.datetime, hour: int, minute: int = 0) -> dt.datetime:
    return day.replace(hour=hour, minute=minute)


def recipients(template: str) -> list[int]:
    return sorted(Notification.objects.filter(template=template)
                  .values_list("user_id", flat=True))


def resolve(report: Report, staff: dict[str, Any], proof: Callable[[], ReportMedia], *,
            drafted: dt.datetime, approved: dt.datetime | None = None) -> Report:
    services.report_start(actor=staff["land_officer"], report=report, now=drafted)
    report = services.report_draft_answer(actor=staff["land_officer"], report=report,
                                          text="Đã sửa xong đoạn đường.", proofs=[proof()],
                                          now=drafted)
    if approved is not None:
        report = services.report_approve(actor=staff["chairman"], report=report, now=approved)
    return report


# -- standing on the worklists ------------------------------------------------------------------

@pytest.mark.django_db
def test_the_standing_says_which_deadline_is_late_and_by_how_much(make_report, staff, land):
    report = make_report(now=MON)  # acknowledge by Tuesday 08:30
    assert report.acknowledge_due_at == at(TUE, 8, 30)
    waiting = Deadlines(at(MON, 9)).standing(report)
    assert (waiting.urgency, waiting.time_text) == (Urgency.WAITING, "còn 7 giờ")
    late = Deadlines(at(TUE, 14)).standing(report)
    # 08:30–11:30 and 13:30–14:00: three and a half working hours late.
    assert (late.urgency, late.time_text, late.tone) == (Urgency.ACK_LATE,
                                                          "quá hạn 3 giờ 30 phút", "late")
    report = services.report_triage(actor=staff["chairman"], report=report,
                                    severity=Severity.NORMAL, department=land, now=at(MON, 9))
    due = Deadlines(at(MON, 10)).standing(report)
    # Monday 10:00–17:00 (5 hours) and five whole working days to Monday 07/12 17:00.
    assert due.urgency == Urgency.ON_TIME and due.time_text == "còn 5 ngày 5 giờ"
    assert Deadlines(report.due_at - dt.timedelta(hours=1)).standing(report).urgency == \
        Urgency.DUE_TODAY
    assert Deadlines(report.due_at + dt.timedelta(days=1)).standing(report).urgency == \
        Urgency.LATE


# -- escalation -----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_report_not_acknowledged_in_time_goes_to_the_chairman_once(make_report, staff):
    report = make_report(now=MON)
    assert report_deadlines_sweep(now=at(TUE, 8, 29)) == {"escalated": 0}
    assert report_deadlines_sweep(now=at(TUE, 9)) == {"escalated": 1}
    # Only the chairman is told; the vice-chairmen and the departments are not.
    assert recipients("report_overdue") == [staff["chairman"].pk]
    note = Notification.objects.get(template="report_overdue")
    assert note.subject == "Phản ánh PA-1 quá hạn tiếp nhận"
    assert "đã quá hạn tiếp nhận (01/12/2026 08:30)" in note.body
    assert note.url == f"/can-bo/phan-anh/{report.pk}/"
    report.refresh_from_db()
    assert report.escalated_at == at(TUE, 9)
    event = HistoryEvent.objects.get(action="report.escalate")
    assert (event.actor, event.reason, event.data["deadline"]) == (
        None, "Quá hạn tiếp nhận phản ánh", "acknowledge")
    # Every later sweep finds nothing new.
    for hour in (10, 15):
        assert report_deadlines_sweep(now=at(TUE, hour)) == {"escalated": 0}
    assert Notification.objects.filter(template="report_overdue").count() == 1
    assert HistoryEvent.objects.filter(action="report.escalate").count() == 1


@pytest.mark.django_db
def test_the_resolving_deadline_escalates_once_more_after_triage(make_report, staff, land):
    report = make_report(now=MON)
    report_deadlines_sweep(now=at(TUE, 9))
    report = services.report_triage(actor=staff["chairman"], report=report,
                                    severity=Severity.URGENT, department=land,
                                    assignee=staff["land_officer"], now=at(TUE, 9, 30))
    assert report.due_at == at(TUE, 15, 30)  # 2 h before noon, 2 h after
    assert report_deadlines_sweep(now=at(TUE, 15)) == {"escalated": 0}
    assert report_deadlines_sweep(now=at(TUE, 16)) == {"escalated": 1}
    assert report_deadlines_sweep(now=at(WED, 9)) == {"escalated": 0}
    late = Notification.objects.filter(template="report_overdue").order_by("pk").last()
    assert late.subject == "Phản ánh PA-1 quá hạn xử lý"
    assert "Đang giao cho: Cán bộ specialist." in late.body
    assert list(HistoryEvent.objects.filter(action="report.escalate").order_by("seq")
                .values_list("data__deadline", flat=True)) == ["acknowledge", "resolve"]


@pytest.mark.django_db
def test_a_reopened_report_escalates_again_for_its_new_acknowledging_deadline(
        make_report, staff, land, proof_media):
    secret: list[str] = []
    report = make_report(now=MON, secret=secret)
    report = services.report_triage(actor=staff["chairman"], report=report,
                                    severity=Severity.URGENT, department=land, now=at(MON, 9))
    assert report_deadlines_sweep(now=at(TUE, 9)) == {"escalated": 1}  # resolve: late
    resolve(report, staff, proof_media, drafted=at(TUE, 10), approved=at(TUE, 11))
    report = services.report_reopen(report=report, secret=secret[0],
                                    reason="Vẫn còn ổ gà lớn ở đầu ngõ.", now=at(WED, 8))
    assert report.escalated_at == at(TUE, 9)  # left from the earlier deadline
    assert report_deadlines_sweep(now=at(WED, 10)) == {"escalated": 0}
    assert report_deadlines_sweep(now=report.acknowledge_due_at + dt.timedelta(minutes=1)) \
        == {"escalated": 1}


@pytest.mark.django_db
def test_without_a_chairman_the_vice_chairmen_are_told(make_report, staff):
    Membership.objects.filter(user=staff["chairman"]).update(is_active=False)
    make_report(now=MON)
    report_deadlines_sweep(now=at(WED, 9))
    assert recipients("report_overdue") == [staff["vice_chairman"].pk]


@pytest.mark.django_db
def test_finished_reports_are_never_escalated(make_report, staff, land, proof_media):
    rejected = make_report(now=MON)
    services.report_reject(actor=staff["chairman"], report=rejected, reason="spam",
                           note="Quảng cáo", now=at(MON, 9))
    answered = services.report_triage(actor=staff["chairman"], report=make_report(now=MON),
                                      severity=Severity.URGENT, department=land,
                                      now=at(MON, 9))
    resolve(answered, staff, proof_media, drafted=at(MON, 10), approved=at(MON, 11))
    assert report_deadlines_sweep(now=at(WED, 9)) == {"escalated": 0}
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_another_communes_chairman_is_never_told(make_report, other_commune, make_staff,
                                                 staff):
    foreign = make_staff(Role.CHAIRMAN, other_commune)
    make_report(now=MON)
    report_deadlines_sweep(now=at(WED, 9))
    assert foreign.pk not in recipients("report_overdue")


# -- the daily digest ------------------------------------------------------------------------

@pytest.fixture
def busy_commune(make_report, staff, land, proof_media, other_commune):
    """Wednesday 02/12 07:00: 4 open (2 waiting, 1 awaiting approval), 2 late (1 to
    acknowledge, 1 to resolve); on Tuesday 1 new and 1 answered."""
    make_report(now=MON)  # waiting, late to acknowledge
    make_report(now=at(TUE, 9))  # waiting, new on Tuesday
    services.report_triage(actor=staff["chairman"], report=make_report(now=MON),
                           severity=Severity.URGENT, department=land, now=at(MON, 9))
    answered = services.report_triage(actor=staff["chairman"], report=make_report(now=MON),
                                      severity=Severity.NORMAL, department=land,
                                      now=at(MON, 8, 30))
    resolve(answered, staff, proof_media, drafted=at(TUE, 9), approved=at(TUE, 10))
    earlier = services.report_triage(actor=staff["chairman"], report=make_report(now=MON),
                                     severity=Severity.NORMAL, department=land,
                                     now=at(MON, 8, 30))
    resolve(earlier, staff, proof_media, drafted=at(MON, 10), approved=at(MON, 11))
    drafted = services.report_triage(actor=staff["chairman"], report=make_report(now=MON),
                                     severity=Severity.NORMAL, department=land,
                                     now=at(MON, 8, 30))
    resolve(drafted, staff, proof_media, drafted=at(TUE, 15))
    foreign = Category.objects.create(commune=other_commune, code="x", name="X")
    services.report_submit(commune=other_commune, reporter=services.Reporter(),
                           category=foreign, description="Ở xã khác, không tính vào đây.",
                           address="Thôn A", now=at(TUE, 9))


@pytest.mark.django_db
def test_the_digest_tells_each_leader_the_counts_once_a_day(busy_commune, commune, staff):
    digest = deadline_services.digest_for(commune, now=at(WED, 7))
    assert (digest.open, digest.waiting, digest.awaiting_approval, digest.overdue_acknowledge,
            digest.overdue_resolve, digest.new, digest.resolved) == (4, 2, 1, 1, 1, 1, 1)
    assert report_digest_sweep(now=at(WED, 7)) == {"communes": 1, "leaders": 2}
    assert recipients("report_digest") == sorted([staff["chairman"].pk,
                                                  staff["vice_chairman"].pk])
    note = Notification.objects.filter(template="report_digest").first()
    assert note.subject == "Phản ánh hiện trường ngày 02/12/2026: 4 đang mở, 2 quá hạn"
    assert "Đang mở: 4, trong đó chờ tiếp nhận: 2, chờ duyệt trả lời: 1." in note.body
    assert "Quá hạn: 2 (quá hạn tiếp nhận: 1, quá hạn xử lý: 1)." in note.body
    assert "Ngày 01/12/2026: 1 phản ánh mới, 1 phản ánh đã xử lý xong." in note.body
    assert note.url == "/can-bo/phan-anh/?queue=all&overdue=1"
    # The same day again (a replayed slot, a second worker): nothing more.
    assert report_digest_sweep(now=at(WED, 9)) == {"communes": 0, "leaders": 0}
    assert Notification.objects.filter(template="report_digest").count() == 2


@pytest.mark.django_db
def test_no_digest_on_a_day_off_and_mondays_cover_the_weekend(make_report, commune, staff):
    saturday = MON + dt.timedelta(days=5)
    make_report(now=at(saturday, 10))
    assert report_digest_send(commune=commune, now=at(saturday + dt.timedelta(days=1), 7)) == 0
    monday = MON + dt.timedelta(days=7)
    assert report_digest_send(commune=commune, now=at(monday, 7)) == 2
    note = Notification.objects.filter(template="report_digest").first()
    assert "Từ 04/12/2026 đến 06/12/2026: 1 phản ánh mới, 0 phản ánh đã xử lý xong." \
        in note.body


@pytest.mark.django_db
def test_a_commune_with_nothing_to_say_gets_no_digest(commune, staff, categories):
    assert report_digest_sweep(now=at(WED, 7)) == {"communes": 0, "leaders": 0}
    assert report_digest_send(commune=commune, now=at(WED, 7)) == 0
    assert not Notification.objects.exists()


# -- closing after the reopen window -----------------------------------------------------------

@pytest.mark.django_db
def test_answered_reports_close_after_the_reopen_window_once(make_report, staff, land,
                                                             proof_media, commune):
    report = services.report_triage(actor=staff["chairman"], report=make_report(now=MON),
                                    severity=Severity.NORMAL, department=land, now=at(MON, 9))
    resolve(report, staff, proof_media, drafted=at(MON, 10), approved=at(MON, 11))
    assert report_close_sweep(now=at(MON, 11) + dt.timedelta(days=7)) == {"closed": 0}
    assert report_close_sweep(now=at(MON, 12) + dt.timedelta(days=7)) == {"closed": 1}
    report.refresh_from_db()
    assert report.status == State.CLOSED
    assert HistoryEvent.objects.filter(action="report.close").count() == 1
    assert report_close_sweep(now=at(MON, 12) + dt.timedelta(days=30)) == {"closed": 0}


@pytest.mark.django_db
def test_the_communes_own_reopen_window_is_used(make_report, staff, land, proof_media,
                                                commune):
    rs = services.settings_for(commune)
    rs.reopen_days = 2
    rs.save()
    report = services.report_triage(actor=staff["chairman"], report=make_report(now=MON),
                                    severity=Severity.NORMAL, department=land, now=at(MON, 9))
    resolve(report, staff, proof_media, drafted=at(MON, 10), approved=at(MON, 11))
    assert report_close_sweep(now=at(WED, 11)) == {"closed": 0}
    assert report_close_sweep(now=at(WED, 12)) == {"closed": 1}


# -- the periodic tasks -------------------------------------------------------------------------

def test_the_tasks_are_registered_with_their_periods():
    sweep = REGISTRY[tasks.report_deadlines_sweep.module_path]
    assert sweep.every == dt.timedelta(minutes=30)
    digest = REGISTRY[tasks.report_daily_digest.module_path]
    assert (digest.every, digest.at) == (dt.timedelta(days=1), dt.timedelta(hours=7))
    assert tasks.report_messages_prune.module_path in REGISTRY


def test_the_worker_mails_the_chairman_once(transactional_db, make_report, staff, smtp_server):
    # Given a chairman with an e-mail address and a report long past its deadline
    staff["chairman"].email = "chu.tich@xa.example.vn"
    staff["chairman"].save(update_fields=["email"])
    report = make_report(now=dt.datetime(2026, 10, 5, 8, 0, tzinfo=TZ))
    now = timezone.now()
    # When the scheduler enqueues the sweep and the worker runs it, and the mail
    scheduler = Scheduler({k: v for k, v in REGISTRY.items()
                           if k == tasks.report_deadlines_sweep.module_path})
    assert scheduler.tick(now) == [tasks.report_deadlines_sweep.module_path]
    run_db_worker()
    # Then one mail reached the chairman through SMTP
    assert [(m.message["To"], m.subject) for m in smtp_server.messages] == [
        ("chu.tich@xa.example.vn", "Phản ánh PA-1 quá hạn tiếp nhận")]
    assert f"/can-bo/phan-anh/{report.pk}/" in smtp_server.messages[0].body
    # When the sweep runs again
    tasks.report_deadlines_sweep.enqueue()
    run_db_worker()
    # Then nothing more was sent
    assert len(smtp_server.messages) == 1
    assert Delivery.objects.filter(status="sent").count() == 1
