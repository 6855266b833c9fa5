"""Warnings before the due date and escalation after it: to whom, once, never for a paused
dossier; through the real notification tables and a real SMTP server."""

import datetime as dt

import pytest
from django.utils import timezone

from langso.core.clock import WorkingClock
from langso.core.models import Delivery, HistoryEvent, Notification, Role
from langso.core.scheduler import REGISTRY, Scheduler
from langso.onestop import tasks
from langso.onestop.deadline_services import dossier_deadlines_sweep
from langso.onestop.models import Dossier, OfficeSettings
from langso.onestop.tests.staff_factories import HOUR, MONDAY_9, make_dossier
from langso.onestop.workflow import State
from langso.testing.tasks import run_db_worker

NOW = MONDAY_9


def _recipients(template):
    return sorted(Notification.objects.filter(template=template).values_list("user_id",
                                                                             flat=True))


@pytest.fixture
def clock(commune):
    return WorkingClock.for_commune(commune)


@pytest.mark.django_db
def test_a_dossier_due_soon_warns_its_assignee_and_the_leaders_once(commune, procedure,
                                                                    officers, clock):
    dossier = make_dossier(commune=commune, procedure=procedure, state=State.PROCESSING,
                           assignee=officers["specialist"],
                           due_at=clock.add_working_days(NOW, 1))
    # When the sweep runs
    assert dossier_deadlines_sweep(now=NOW) == {"warned": 1, "escalated": 0}
    # Then the assignee, the chairman and the vice-chairman are told, and it is stamped
    assert _recipients("dossier_due_soon") == sorted(
        u.pk for u in (officers["specialist"], officers["chairman"], officers["vice_chairman"]))
    note = Notification.objects.filter(template="dossier_due_soon").first()
    assert note.subject == f"Hồ sơ {dossier.code} sắp đến hạn trả kết quả"
    assert note.url == f"/can-bo/mot-cua/ho-so/{dossier.public_id}/"
    dossier.refresh_from_db()
    assert dossier.warned_at == NOW
    assert HistoryEvent.objects.filter(action="dossier.warn",
                                       object_id=str(dossier.pk)).count() == 1
    # When it runs again (next slot, or the same slot replayed)
    assert dossier_deadlines_sweep(now=NOW + HOUR / 2) == {"warned": 0, "escalated": 0}
    # Then nobody is told twice
    assert Notification.objects.count() == 3


@pytest.mark.django_db
def test_without_an_assignee_the_departments_specialists_are_warned(commune, procedure,
                                                                    officers, clock, justice):
    make_dossier(commune=commune, procedure=procedure, state=State.ASSIGNED, department=justice,
                 due_at=clock.closing(NOW.date()))
    dossier_deadlines_sweep(now=NOW)
    assert officers["specialist"].pk in _recipients("dossier_due_soon")
    assert officers["one_stop"].pk not in _recipients("dossier_due_soon")


@pytest.mark.django_db
def test_dossiers_further_than_the_lead_time_are_not_warned_yet(commune, procedure, officers,
                                                                clock):
    dossier = make_dossier(commune=commune, procedure=procedure, state=State.PROCESSING,
                           due_at=clock.add_working_days(NOW, 2))
    assert dossier_deadlines_sweep(now=NOW) == {"warned": 0, "escalated": 0}
    # A commune that wants three days' notice is warned now.
    OfficeSettings.objects.create(commune=commune, organ_code="X", office_name="X",
                                  warn_days_before=3)
    assert dossier_deadlines_sweep(now=NOW) == {"warned": 1, "escalated": 0}
    dossier.refresh_from_db()
    assert dossier.warned_at == NOW


@pytest.mark.django_db
def test_an_overdue_dossier_is_escalated_once_to_leaders_and_the_one_stop_officer(
        commune, procedure, officers, other_commune, make_staff):
    foreign_chairman = make_staff(Role.CHAIRMAN, other_commune)
    dossier = make_dossier(commune=commune, procedure=procedure, state=State.PROCESSING,
                           assignee=officers["specialist"], due_at=NOW - HOUR)
    assert dossier_deadlines_sweep(now=NOW) == {"warned": 0, "escalated": 1}
    assert _recipients("dossier_overdue") == sorted(
        u.pk for u in (officers["specialist"], officers["chairman"], officers["vice_chairman"],
                       officers["one_stop"]))
    assert foreign_chairman.pk not in _recipients("dossier_overdue")
    assert officers["clerk"].pk not in _recipients("dossier_overdue")
    dossier.refresh_from_db()
    assert dossier.escalated_at == NOW
    assert dossier_deadlines_sweep(now=NOW + HOUR) == {"warned": 0, "escalated": 0}
    assert Notification.objects.filter(template="dossier_overdue").count() == 4


@pytest.mark.django_db
@pytest.mark.parametrize("state", [State.SUPPLEMENT, State.SUBMITTED, State.SIGNED,
                                   State.RESULT_READY, State.RETURNED, State.STOPPED])
def test_paused_waiting_resolved_or_closed_dossiers_are_neither_warned_nor_escalated(
        state, commune, procedure, officers):
    for due in (NOW - HOUR, NOW + HOUR):
        make_dossier(commune=commune, procedure=procedure, state=state, due_at=due)
    assert dossier_deadlines_sweep(now=NOW) == {"warned": 0, "escalated": 0}
    assert Notification.objects.count() == 0
    assert not Dossier.objects.filter(warned_at__isnull=False).exists()


@pytest.mark.django_db
def test_a_warned_dossier_is_warned_again_only_once_re_armed(commune, procedure, officers, clock):
    dossier = make_dossier(commune=commune, procedure=procedure, state=State.PROCESSING,
                           due_at=clock.add_working_days(NOW, 1), warned_at=NOW - HOUR * 24)
    assert dossier_deadlines_sweep(now=NOW) == {"warned": 0, "escalated": 0}
    # An extension letter clears the stamps (services.dossier_extend): it is armed again.
    Dossier.objects.filter(pk=dossier.pk).update(warned_at=None)
    assert dossier_deadlines_sweep(now=NOW) == {"warned": 1, "escalated": 0}


def test_the_sweep_is_registered_every_30_minutes():
    entry = REGISTRY[tasks.dossier_deadlines_sweep.module_path]
    assert entry.every == dt.timedelta(minutes=30)
    assert entry.task is tasks.dossier_deadlines_sweep


def test_the_worker_sends_the_warnings_by_email_once(transactional_db, commune, procedure,
                                                     officers, smtp_server):
    # Given staff with e-mail addresses and one dossier overdue, one due soon (real time)
    now = timezone.now()
    clock = WorkingClock.for_commune(commune)
    for key in ("chairman", "vice_chairman", "one_stop", "specialist"):
        officers[key].email = f"{key}@xa.example.vn"
        officers[key].save(update_fields=["email"])
    late = make_dossier(commune=commune, procedure=procedure, state=State.PROCESSING,
                        assignee=officers["specialist"], due_at=now - HOUR, now=now)
    soon = make_dossier(commune=commune, procedure=procedure, state=State.PROCESSING,
                        assignee=officers["specialist"],
                        due_at=max(clock.add_working_days(now, 1), now + HOUR), now=now)
    # When the scheduler enqueues the periodic sweep and the worker runs it and the mail
    scheduler = Scheduler({k: v for k, v in REGISTRY.items()
                           if k == tasks.dossier_deadlines_sweep.module_path})
    assert scheduler.tick(now) == [tasks.dossier_deadlines_sweep.module_path]
    run_db_worker()
    # Then each recipient got one mail per dossier, through SMTP
    subjects = sorted((m.message["To"], m.subject) for m in smtp_server.messages)
    overdue = f"Hồ sơ {late.code} đã quá hạn trả kết quả"
    due_soon = f"Hồ sơ {soon.code} sắp đến hạn trả kết quả"
    assert subjects == sorted(
        [(f"{k}@xa.example.vn", overdue) for k in ("chairman", "vice_chairman", "one_stop",
                                                   "specialist")]
        + [(f"{k}@xa.example.vn", due_soon) for k in ("chairman", "vice_chairman",
                                                      "specialist")])
    # When the sweep runs again (a replayed slot)
    tasks.dossier_deadlines_sweep.enqueue()
    run_db_worker()
    # Then nothing more was sent
    assert len(smtp_server.messages) == 7
    assert Delivery.objects.filter(status="sent").count() == 7
