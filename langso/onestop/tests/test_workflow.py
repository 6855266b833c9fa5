"""The transition table, through ``services.dossier_transition``: every action, by every
role, from every state. Allowed moves land with a step and a history event saying who,
when, from, to and why; refused ones raise and leave no trace. Plus the clock rules: a
supplement request pauses it, resubmission resumes it, and a late dossier needs the
apology-and-extension letter before it is signed."""

import datetime as dt
from typing import Any

import pytest

from langso.core.clock import WorkingClock
from langso.core.errors import Conflict, DomainError, PermissionDenied
from langso.core.history import history_verify
from langso.core.models import Department, HistoryEvent, Notification, Role, User
from langso.onestop import services
from langso.onestop.models import Dossier, DossierDocument, DossierStep
from langso.onestop.tests.staff_factories import HOUR, MONDAY_9, make_dossier, pdf_file
from langso.onestop.workflow import EXTEND_STATES, TRANSITIONS, State

pytestmark = pytest.mark.django_db

S = State
NOW = MONDAY_9 + HOUR
LEADERS = {"chairman", "vice_chairman"}
# Written out from docs/one-stop.md ("Roles"), not read from workflow.py, so that a change
# of the table that the documentation does not follow fails here.
MAY = {
    "receive": LEADERS | {"one_stop"},
    "refuse": LEADERS | {"one_stop"},
    "assign": LEADERS | {"one_stop"},
    "start": LEADERS | {"one_stop", "handler"},
    "request_supplement": LEADERS | {"one_stop", "handler"},
    "supplement": {"applicant", "one_stop"},
    "draft_result": LEADERS | {"one_stop", "handler"},
    "send_back": LEADERS,
    "sign": LEADERS,
    "release": LEADERS | {"one_stop", "clerk"},
    "return": {"one_stop", "applicant"},
    "stop": LEADERS | {"one_stop", "handler"},
    "withdraw": {"applicant", "one_stop"},
}
FROM = {
    "receive": {S.SUBMITTED},
    "refuse": {S.SUBMITTED, S.RECEIVED},
    "assign": {S.RECEIVED, S.ASSIGNED},
    "start": {S.ASSIGNED},
    "request_supplement": {S.RECEIVED, S.ASSIGNED, S.PROCESSING},
    "supplement": {S.SUPPLEMENT},
    "draft_result": {S.PROCESSING},
    "send_back": {S.RESULT_DRAFTED},
    "sign": {S.RESULT_DRAFTED},
    "release": {S.SIGNED},
    "return": {S.RESULT_READY},
    "stop": {S.RECEIVED, S.ASSIGNED, S.PROCESSING, S.SUPPLEMENT, S.RESULT_DRAFTED},
    "withdraw": {S.SUBMITTED, S.RECEIVED, S.ASSIGNED, S.PROCESSING, S.SUPPLEMENT},
}
TO = {"receive": S.RECEIVED, "refuse": S.REFUSED, "assign": S.ASSIGNED, "start": S.PROCESSING,
      "request_supplement": S.SUPPLEMENT, "supplement": S.PROCESSING,
      "draft_result": S.RESULT_DRAFTED, "send_back": S.PROCESSING, "sign": S.SIGNED,
      "release": S.RESULT_READY, "return": S.RETURNED, "stop": S.STOPPED,
      "withdraw": S.WITHDRAWN}
ROLES = ["chairman", "vice_chairman", "one_stop", "handler", "specialist_other", "clerk",
         "commune_admin", "applicant", "stranger", "outsider"]


def test_the_table_under_test_is_the_whole_workflow():
    assert set(MAY) == set(FROM) == set(TO) == set(TRANSITIONS)
    for action, transition in TRANSITIONS.items():
        assert set(transition.sources) == FROM[action], action
        assert transition.target == TO[action], action


@pytest.fixture
def people(officers: dict[str, User], citizen: User, make_staff: Any, commune: Any,
           other_commune: Any) -> dict[str, User]:
    stranger = User.objects.create_user(username="0987000111", password="pw-Secret-123",
                                        kind=User.Kind.CITIZEN, full_name="Người Lạ")
    return {
        "chairman": officers["chairman"], "vice_chairman": officers["vice_chairman"],
        "one_stop": officers["one_stop"], "handler": officers["specialist"],
        "specialist_other": make_staff(Role.SPECIALIST, commune,
                                       department_kind=Department.Kind.LAND),
        "clerk": officers["clerk"], "commune_admin": officers["commune_admin"],
        "applicant": citizen, "stranger": stranger,
        "outsider": make_staff(Role.ONE_STOP_OFFICER, other_commune),
    }


def _snapshot(dossier: Dossier) -> dict[str, Any]:
    return {"row": Dossier.objects.filter(pk=dossier.pk).values().get(),
            "steps": DossierStep.objects.filter(dossier=dossier).count(),
            "history": HistoryEvent.objects.count(),
            "documents": DossierDocument.objects.filter(dossier=dossier).count(),
            "notifications": Notification.objects.count()}


def _extras(action: str, actor: User, commune: Any, justice: Department) -> dict[str, Any]:
    if action == "assign":
        return {"department": justice}
    if action == "draft_result":
        return {"result": pdf_file(actor, commune, "du-thao.pdf")}
    if action == "supplement":
        return {"attachments": [services.AttachmentInput(
            "birth_certificate", pdf_file(actor, commune, "bo-sung.pdf"))]}
    return {}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_every_action_by_every_role_from_every_state(action, role, people, commune, procedure,
                                                     justice, officers):
    actor = people[role]
    result = pdf_file(officers["one_stop"], commune, "ket-qua.pdf")
    extras = _extras(action, actor, commune, justice)
    for state in S.values:
        # Given a dossier of the citizen, handled by the justice office, in ``state``
        dossier = make_dossier(commune=commune, procedure=procedure, state=state,
                               applicant_user=people["applicant"], department=justice,
                               result_file=result, now=MONDAY_9)
        before = _snapshot(dossier)
        allowed_role = role in MAY[action]
        # When the role takes the action
        if allowed_role and state in FROM[action]:
            services.dossier_transition(actor=actor, dossier=dossier, action=action,
                                        reason="Lý do kiểm thử", now=NOW, **extras)
            # Then it moved, and the move is recorded with who, when, from, to and why
            dossier.refresh_from_db()
            assert dossier.status == TO[action], (action, role, state)
            step = DossierStep.objects.filter(dossier=dossier).order_by("-pk").first()
            assert step is not None
            assert (step.action, step.from_state, step.to_state, step.actor, step.reason,
                    step.at) == (action, state, TO[action], actor, "Lý do kiểm thử", NOW)
            event = HistoryEvent.objects.filter(action=f"dossier.{action}",
                                                object_id=str(dossier.pk)).get()
            assert (event.actor, event.from_state, event.to_state, event.reason,
                    event.at) == (actor, state, TO[action], "Lý do kiểm thử", NOW)
            if TRANSITIONS[action].issues:
                assert dossier.documents.filter(form=TRANSITIONS[action].issues).count() == 1
        else:
            expected = Conflict if allowed_role else PermissionDenied
            with pytest.raises(expected):
                services.dossier_transition(actor=actor, dossier=dossier, action=action,
                                            reason="Lý do kiểm thử", now=NOW, **extras)
            # Then nothing was written: not the row, a step, history, a paper or a message
            assert _snapshot(dossier) == before, (action, role, state)
    assert history_verify(commune_id=commune.pk) == []


@pytest.mark.parametrize("role", ROLES)
def test_the_extension_letter_by_every_role_from_every_state(role, people, commune,
                                                             procedure, justice):
    actor = people[role]
    may = role in LEADERS | {"one_stop", "handler"}
    for state in S.values:
        dossier = make_dossier(commune=commune, procedure=procedure, state=state,
                               applicant_user=people["applicant"], department=justice)
        before = _snapshot(dossier)
        if may and state in EXTEND_STATES:
            services.dossier_extend(actor=actor, dossier=dossier, new_due_date=dt.date(2026, 12, 4),
                                    reason="Chờ xác minh", now=NOW)
            dossier.refresh_from_db()
            assert dossier.status == state
            assert dossier.documents.filter(form="04").count() == 1
            step = dossier.steps.get(action="extend")
            assert (step.actor, step.reason, step.at) == (actor, "Chờ xác minh", NOW)
        else:
            with pytest.raises(Conflict if may else PermissionDenied):
                services.dossier_extend(actor=actor, dossier=dossier,
                                        new_due_date=dt.date(2026, 12, 4),
                                        reason="Chờ xác minh", now=NOW)
            assert _snapshot(dossier) == before, (role, state)


def test_a_reason_is_required_where_the_table_says_so(people, commune, procedure, justice):
    for action in ("refuse", "request_supplement", "stop", "withdraw"):
        dossier = make_dossier(commune=commune, procedure=procedure, state=S.RECEIVED,
                               department=justice, applicant_user=people["applicant"])
        before = _snapshot(dossier)
        with pytest.raises(DomainError) as caught:
            services.dossier_transition(actor=people["one_stop"], dossier=dossier,
                                        action=action, reason="   ", now=NOW)
        assert caught.value.field_errors == {"reason": ["Bắt buộc."]}
        assert _snapshot(dossier) == before


def test_an_unknown_action_changes_nothing(people, commune, procedure):
    dossier = make_dossier(commune=commune, procedure=procedure, state=S.RECEIVED)
    before = _snapshot(dossier)
    with pytest.raises(DomainError, match="Thao tác không hợp lệ"):
        services.dossier_transition(actor=people["chairman"], dossier=dossier,
                                    action="delete", now=NOW)
    assert _snapshot(dossier) == before


# -- the clock -----------------------------------------------------------------------------

def test_a_supplement_request_pauses_the_clock_and_resubmission_resumes_it(
        people, commune, procedure, justice):
    clock = WorkingClock.for_commune(commune)
    due = clock.add_working_days(MONDAY_9, 3)  # close of Thursday 26/11
    dossier = make_dossier(commune=commune, procedure=procedure, state=S.PROCESSING,
                           department=justice, applicant_user=people["applicant"], due_at=due)
    # When the handler asks for a supplement on Monday at 10:00
    services.dossier_transition(actor=people["handler"], dossier=dossier,
                                action="request_supplement", reason="Thiếu bản chính",
                                now=NOW)
    dossier.refresh_from_db()
    left = clock.remaining(due, NOW)
    assert (dossier.status, dossier.paused_at, dossier.remaining_at_pause) == (
        S.SUPPLEMENT, NOW, left)
    assert dossier.supplement_request == "Thiếu bản chính"
    # And the citizen supplements a week later, on Monday 30/11 at 14:00
    resumed_at = dt.datetime(2026, 11, 30, 7, 0, tzinfo=dt.UTC)
    file = pdf_file(people["applicant"], commune, "bo-sung.pdf")
    services.dossier_transition(
        actor=people["applicant"], dossier=dossier, action="supplement", now=resumed_at,
        attachments=[services.AttachmentInput("birth_certificate", file)])
    # Then the clock runs again with the working time that was left, no more, no less
    dossier.refresh_from_db()
    assert dossier.status == S.PROCESSING
    assert dossier.paused_at is None and dossier.remaining_at_pause is None
    assert dossier.due_at == clock.add_working_time(resumed_at, left)
    assert clock.remaining(dossier.due_at, resumed_at) == left
    assert dossier.attachments.get(round=1).file == file
    assert [s.action for s in dossier.steps.all()] == ["request_supplement", "supplement"]


def test_a_supplement_without_documents_resumes_nothing(people, commune, procedure, justice):
    dossier = make_dossier(commune=commune, procedure=procedure, state=S.SUPPLEMENT,
                           department=justice, applicant_user=people["applicant"])
    before = _snapshot(dossier)
    with pytest.raises(DomainError, match="đính kèm giấy tờ bổ sung"):
        services.dossier_transition(actor=people["applicant"], dossier=dossier,
                                    action="supplement", now=NOW)
    assert _snapshot(dossier) == before


def test_a_late_dossier_needs_the_extension_letter_before_it_is_signed(
        people, commune, procedure, justice, officers):
    result = pdf_file(officers["one_stop"], commune, "ket-qua.pdf")
    dossier = make_dossier(commune=commune, procedure=procedure, state=S.RESULT_DRAFTED,
                           department=justice, due_at=NOW - HOUR, result_file=result,
                           applicant_user=people["applicant"], warned_at=NOW - 5 * HOUR,
                           escalated_at=NOW - HOUR / 2)
    before = _snapshot(dossier)
    # When the chairman signs past the due date, without a letter
    with pytest.raises(Conflict) as caught:
        services.dossier_transition(actor=people["chairman"], dossier=dossier, action="sign",
                                    now=NOW)
    # Then it is refused and nothing changed
    assert caught.value.code == "extension_required"
    assert _snapshot(dossier) == before
    # When the handler writes the letter with a new working day
    services.dossier_extend(actor=people["handler"], dossier=dossier,
                            new_due_date=dt.date(2026, 11, 26), reason="Chờ xác minh",
                            now=NOW)
    dossier.refresh_from_db()
    clock = WorkingClock.for_commune(commune)
    assert dossier.due_at == clock.closing(dt.date(2026, 11, 26))
    assert dossier.original_due_at == NOW - HOUR
    # The deadline warnings are re-armed for the new date
    assert dossier.warned_at is None and dossier.escalated_at is None
    assert dossier.documents.filter(form="04").count() == 1
    event = HistoryEvent.objects.get(action="dossier.extend")
    assert (event.actor, event.reason) == (people["handler"], "Chờ xác minh")
    # Then the signature goes through
    services.dossier_transition(actor=people["chairman"], dossier=dossier, action="sign",
                                now=NOW + HOUR)
    dossier.refresh_from_db()
    assert dossier.status == S.SIGNED and dossier.signed_by == people["chairman"]


@pytest.mark.parametrize("new_date, message", [
    (dt.date(2026, 11, 22), "phải sau ngày hẹn hiện tại"),  # before the current due date
    (dt.date(2026, 11, 28), "phải là ngày làm việc"),  # a Saturday
])
def test_an_extension_to_a_bad_date_changes_nothing(new_date, message, people, commune,
                                                    procedure, justice):
    dossier = make_dossier(commune=commune, procedure=procedure, state=S.PROCESSING,
                           department=justice, due_at=NOW + HOUR)
    before = _snapshot(dossier)
    with pytest.raises(DomainError, match=message):
        services.dossier_extend(actor=people["one_stop"], dossier=dossier,
                                new_due_date=new_date, reason="Chờ xác minh", now=NOW)
    assert _snapshot(dossier) == before


def test_an_assignment_to_another_communes_department_changes_nothing(
        people, commune, other_commune, procedure):
    dossier = make_dossier(commune=commune, procedure=procedure, state=S.RECEIVED)
    foreign = Department.objects.filter(commune=other_commune).first()
    before = _snapshot(dossier)
    with pytest.raises(DomainError):
        services.dossier_transition(actor=people["one_stop"], dossier=dossier, action="assign",
                                    department=foreign, now=NOW)
    assert _snapshot(dossier) == before
