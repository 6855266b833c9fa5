"""The report loop through its services: states, deadlines, permissions, history."""

import datetime as dt
import uuid
from collections.abc import Callable

import pytest

from langso.core.clock import TZ
from langso.core.errors import DomainError, NotFound, PermissionDenied
from langso.core.models import Department, HistoryEvent, Role, User
from langso.reports import services
from langso.reports.models import (
    Category,
    RejectReason,
    Report,
    ReportMedia,
    ReportUpdate,
    Severity,
)
from langso.reports.tests.conftest import POINT, SUNKEN_LANE
from langso.reports.workflow import State

pytestmark = pytest.mark.django_db


def test_a_visitor_reports_without_an_account(make_report):
    secret: list[str] = []
    report = make_report(secret=secret)
    assert report.status == State.NEW and report.number == 1 and report.reference == "PA-1"
    assert report.reporter is None and secret[0] and report.reporter_key_hash
    assert services.is_reporter(report, secret=secret[0])
    assert not services.is_reporter(report, secret="guess")
    assert report.acknowledge_due_at > report.created_at
    assert ReportUpdate.objects.filter(report=report, to_status=State.NEW).count() == 1
    event = HistoryEvent.objects.get(action="report.submit")
    assert event.to_state == State.NEW


def test_the_same_client_token_makes_one_report(make_report):
    token = uuid.uuid4()
    first = make_report(client_token=token)
    again = make_report(client_token=token)
    assert first.pk == again.pk and Report.objects.count() == 1


@pytest.mark.parametrize(("fields", "message"), [
    ({"description": ""}, "Vui lòng nhập nội dung"),
    ({"description": "ngắn"}, "mô tả rõ hơn"),
    ({"description": "x" * 4001}, "tối đa 4000"),
    ({"latitude": "abc", "longitude": "105"}, "Vị trí không hợp lệ"),
    ({"latitude": "48.85", "longitude": "2.35"}, "Vị trí không hợp lệ"),
    ({"latitude": "NaN", "longitude": "105"}, "Vị trí không hợp lệ"),
    ({"latitude": None, "longitude": None}, "Vui lòng cho biết vị trí"),
])
def test_bad_reports_are_refused_and_change_nothing(make_report, fields, message):
    with pytest.raises(DomainError) as raised:
        make_report(**fields)
    assert message in str(raised.value.message)
    assert Report.objects.count() == 0 and not HistoryEvent.objects.exists()


def test_a_category_of_another_commune_is_refused(make_report, other_commune, commune):
    foreign = Category.objects.create(commune=other_commune, code="x", name="X")
    with pytest.raises(DomainError):
        services.report_submit(commune=commune, reporter=services.Reporter(),
                               category=foreign, description=SUNKEN_LANE,
                               latitude=POINT[0], longitude=POINT[1])


def test_html_is_kept_as_text(make_report):
    report = make_report(description="<script>alert(1)</script> đường hỏng nặng")
    assert report.description.startswith("<script>")  # stored as typed, shown escaped


def test_a_point_outside_the_commune_is_flagged_not_refused(make_report, commune):
    rs = services.settings_for(commune)
    rs.south, rs.west, rs.north, rs.east = 21.40, 105.60, 21.50, 105.70
    rs.save()
    assert not make_report().outside_commune
    assert make_report(latitude="21.0", longitude="105.8").outside_commune


def test_the_whole_loop(make_report, staff, land, proof_media, citizen):
    report = make_report(reporter=citizen)
    chairman, officer = staff["chairman"], staff["land_officer"]
    report = services.report_triage(actor=chairman, report=report, severity=Severity.NORMAL,
                                    department=land)
    assert report.status == State.TRIAGED and report.acknowledged_at and report.due_at
    report = services.report_start(actor=officer, report=report)
    assert report.assignee == officer
    report = services.report_draft_answer(actor=officer, report=report,
                                          text="Đã san lấp, trải đá dăm đoạn sụt lún.",
                                          proofs=[proof_media()])
    assert report.status == State.ANSWER_DRAFTED
    report = services.report_approve(actor=chairman, report=report)
    assert report.status == State.RESOLVED and report.resolved_at
    report = services.report_rate(actor=citizen, report=report, rating=5, comment="Tốt")
    assert report.status == State.CLOSED and report.rating == 5
    steps = list(HistoryEvent.objects.filter(action__startswith="report.")
                 .values_list("from_state", "to_state"))
    assert steps == [("", "new"), ("new", "triaged"), ("triaged", "in_progress"),
                     ("in_progress", "answer_drafted"), ("answer_drafted", "answer_approved"),
                     ("answer_approved", "resolved"), ("resolved", "closed")]
    public = list(report.updates.values_list("to_status", flat=True))
    assert public == ["new", "triaged", "in_progress", "resolved", "closed"]


def test_an_answer_needs_proof_and_text(triaged, staff, proof_media):
    officer = staff["land_officer"]
    with pytest.raises(DomainError, match="chứng minh"):
        services.report_draft_answer(actor=officer, report=triaged, text="Đã xử lý xong rồi.",
                                     proofs=[])
    with pytest.raises(DomainError, match="nhập nội dung"):
        services.report_draft_answer(actor=officer, report=triaged, text="",
                                     proofs=[proof_media()])
    triaged.refresh_from_db()
    assert triaged.status == State.TRIAGED


def test_an_officer_of_another_department_cannot_answer(triaged, staff, proof_media):
    with pytest.raises(PermissionDenied):
        services.report_draft_answer(actor=staff["culture_officer"], report=triaged,
                                     text="Đã xử lý xong rồi.", proofs=[proof_media()])


@pytest.mark.parametrize("who", ["one_stop", "land_officer", "commune_admin", "other"])
def test_only_leaders_triage(make_report, staff, land, who, other_commune, make_staff):
    actor = (make_staff(Role.CHAIRMAN, other_commune) if who == "other" else staff[who])
    with pytest.raises(PermissionDenied):
        services.report_triage(actor=actor, report=make_report(), severity="normal",
                               department=land)


def test_a_department_of_another_commune_is_refused(make_report, staff, other_commune):
    foreign = Department.objects.filter(commune=other_commune).first()
    with pytest.raises(DomainError, match="bộ phận"):
        services.report_triage(actor=staff["chairman"], report=make_report(),
                               severity="normal", department=foreign)


def test_deadlines_follow_severity_in_working_time(make_report, staff, land):
    monday_8 = dt.datetime(2026, 11, 30, 8, 0, tzinfo=TZ)  # office 7:30–11:30, 13:30–17:00
    report = make_report(now=monday_8)
    assert report.acknowledge_due_at == dt.datetime(2026, 12, 1, 8, 30, tzinfo=TZ)  # 8 h
    urgent = services.report_triage(actor=staff["chairman"], report=report,
                                    severity=Severity.URGENT, department=land, now=monday_8)
    assert urgent.due_at == dt.datetime(2026, 11, 30, 14, 0, tzinfo=TZ)  # 4 working hours
    normal = services.deadline(report.commune, Severity.NORMAL, monday_8)
    complex_ = services.deadline(report.commune, Severity.COMPLEX, monday_8)
    assert normal.date() == dt.date(2026, 12, 7) and complex_.date() == dt.date(2026, 12, 14)
    # Tuesday 24 November 2026 is Vietnam Culture Day, a day off: the clock skips it.
    monday = services.report_submit(
        commune=report.commune, reporter=services.Reporter(), category=report.category,
        description=SUNKEN_LANE, latitude=POINT[0], longitude=POINT[1],
        now=dt.datetime(2026, 11, 23, 8, 0, tzinfo=TZ))[0]
    assert monday.acknowledge_due_at == dt.datetime(2026, 11, 25, 8, 30, tzinfo=TZ)


def test_duplicates_point_to_the_original_and_followers_move(make_report, staff, citizen):
    original = make_report()
    copy = make_report(reporter=citizen)
    services.report_reject(actor=staff["chairman"], report=copy,
                           reason=RejectReason.DUPLICATE, duplicate_of=original)
    copy.refresh_from_db()
    assert copy.status == State.REJECTED and copy.duplicate_of == original
    assert original.followers.filter(user=citizen).exists()
    assert "PA-1" in copy.status_note


def test_rejecting_needs_a_reason(make_report, staff):
    with pytest.raises(DomainError):
        services.report_reject(actor=staff["chairman"], report=make_report(), reason="spam")
    with pytest.raises(DomainError):
        services.report_reject(actor=staff["chairman"], report=make_report(), reason="bogus",
                               note="x")


def _resolve(report: Report, staff: dict[str, User], proof: Callable[[], ReportMedia]) -> Report:
    services.report_start(actor=staff["land_officer"], report=report)
    services.report_draft_answer(actor=staff["land_officer"], report=report,
                                 text="Đã sửa xong đoạn đường.", proofs=[proof()])
    return services.report_approve(actor=staff["chairman"], report=report)


def test_the_reporter_reopens_within_the_window_only(triaged, staff, proof_media, commune):
    report = _resolve(triaged, staff, proof_media)
    secret = "s3cret"
    Report.objects.filter(pk=report.pk).update(reporter_key_hash=services.key_hash(secret))
    report.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.report_reopen(report=report, reason="Chưa sửa, vẫn ngập nước.", secret="no")
    later = report.resolved_at + dt.timedelta(days=8)
    with pytest.raises(DomainError, match="quá thời hạn"):
        services.report_reopen(report=report, reason="Chưa sửa, vẫn ngập nước.",
                               secret=secret, now=later)
    report = services.report_reopen(report=report, reason="Chưa sửa, vẫn ngập nước.",
                                    secret=secret)
    assert report.status == State.REOPENED and report.reopen_count == 1


def test_resolved_reports_close_after_the_window(triaged, staff, proof_media):
    report = _resolve(triaged, staff, proof_media)
    assert not services.report_close_expired(report=report)
    assert services.report_close_expired(
        report=report, now=report.resolved_at + dt.timedelta(days=8))
    report.refresh_from_db()
    assert report.status == State.CLOSED


def test_without_approval_the_answer_is_published_at_once(triaged, staff, proof_media,
                                                          commune):
    rs = services.settings_for(commune)
    rs.approval_required = False
    rs.save()
    services.report_start(actor=staff["land_officer"], report=triaged)
    report = services.report_draft_answer(actor=staff["land_officer"], report=triaged,
                                          text="Đã sửa xong đoạn đường.", proofs=[proof_media()])
    assert report.status == State.RESOLVED


def test_ratings_are_one_to_five(triaged, staff, proof_media, citizen):
    report = _resolve(triaged, staff, proof_media)
    Report.objects.filter(pk=report.pk).update(reporter=citizen)
    report.refresh_from_db()
    for bad in (0, 6, "x", None):
        with pytest.raises(DomainError):
            services.report_rate(actor=citizen, report=report, rating=bad)
    with pytest.raises(PermissionDenied):
        services.report_rate(actor=staff["chairman"], report=report, rating=5)


def test_moderation_hides_and_keeps_the_original(make_report, staff):
    report = make_report()
    with pytest.raises(PermissionDenied):
        services.report_moderate(actor=staff["land_officer"], report=report,
                                 hide_description=True, reason="Có số điện thoại riêng")
    services.report_moderate(actor=staff["chairman"], report=report, hide_description=True,
                             reason="Có số điện thoại riêng")
    report.refresh_from_db()
    assert report.description_hidden and report.description == SUNKEN_LANE
    event = HistoryEvent.objects.get(action="report.moderate")
    assert event.data["description"] == SUNKEN_LANE


def test_following_needs_a_contact(make_report):
    with pytest.raises(DomainError):
        services.report_follow(report=make_report())
    hidden = make_report()
    Report.objects.filter(pk=hidden.pk).update(hidden=True)
    hidden.refresh_from_db()
    with pytest.raises(NotFound):
        services.report_follow(report=hidden, email="a@b.vn")
