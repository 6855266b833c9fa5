"""Report states and the transitions between them: the one place they are declared.

``services.report_transition`` looks actions up here; staff screens, the public pages,
Open311 (``OPEN311_STATUS``) and the permission tests read the same table.
"""

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import pgettext_lazy

from langso.core.models import Role


class State(models.TextChoices):
    # Labels are what the public reads.
    NEW = "new", pgettext_lazy("trạng thái phản ánh", "Mới gửi, chờ tiếp nhận")
    TRIAGED = "triaged", pgettext_lazy("trạng thái phản ánh", "Đã tiếp nhận, đã giao xử lý")
    IN_PROGRESS = "in_progress", pgettext_lazy("trạng thái phản ánh", "Đang xử lý")
    ANSWER_DRAFTED = "answer_drafted", pgettext_lazy("trạng thái phản ánh",
                                                     "Đã có dự thảo trả lời, chờ duyệt")
    ANSWER_APPROVED = "answer_approved", pgettext_lazy("trạng thái phản ánh",
                                                       "Trả lời đã được duyệt")
    RESOLVED = "resolved", pgettext_lazy("trạng thái phản ánh", "Đã xử lý xong")
    REJECTED = "rejected", pgettext_lazy("trạng thái phản ánh", "Không xử lý")
    REOPENED = "reopened", pgettext_lazy("trạng thái phản ánh", "Người phản ánh mở lại")
    CLOSED = "closed", pgettext_lazy("trạng thái phản ánh", "Đã đóng")


S = State
# Nothing more is expected of the commune (an answered report may still be reopened).
FINISHED_STATES = frozenset({S.RESOLVED, S.REJECTED, S.CLOSED})
OPEN_STATES = frozenset(set(S.values) - FINISHED_STATES)
# The chairman's queue: not yet accepted by the commune.
TRIAGE_STATES = frozenset({S.NEW, S.REOPENED})
# The resolution deadline runs in these (set at triage).
WORKING_STATES = frozenset({S.TRIAGED, S.IN_PROGRESS, S.ANSWER_DRAFTED, S.ANSWER_APPROVED})

# Open311 GeoReport v2: status is open or closed; FixMyStreet's extended statuses say more.
OPEN311_STATUS = {
    S.NEW: ("open", "for_triage"), S.TRIAGED: ("open", "action_scheduled"),
    S.IN_PROGRESS: ("open", "in_progress"), S.ANSWER_DRAFTED: ("open", "in_progress"),
    S.ANSWER_APPROVED: ("open", "in_progress"), S.RESOLVED: ("closed", "fixed"),
    S.REOPENED: ("open", "investigating"), S.CLOSED: ("closed", "fixed"),
}
# A rejected report's extended status follows its reason.
OPEN311_REJECTED = {"not_responsible": "not_councils_responsibility",
                    "duplicate": "duplicate", "spam": "no_further_action",
                    "insufficient": "no_further_action"}

# The reporter acting on their own report (an account or the secret link), not a role.
REPORTER = "reporter"
SYSTEM = "system"  # periodic closing after the reopen window
# "the chairman or a delegated vice-chairman" triages; leaders approve answers.
TRIAGERS = frozenset({Role.CHAIRMAN, Role.VICE_CHAIRMAN})
LEADERS = frozenset({Role.CHAIRMAN, Role.VICE_CHAIRMAN})
# Department officers (a specialist's membership names the department).
HANDLERS = frozenset({Role.SPECIALIST})


@dataclass(frozen=True)
class Transition:
    action: str
    label: Any  # a lazy translation: shown in the reader's language
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    needs_reason: bool = False
    # Only an officer of the report's department (or its assignee) may act.
    department_only: bool = False
    # Shown to the public and told to the reporter and followers.
    public: bool = True


TRANSITIONS: dict[str, Transition] = {t.action: t for t in [
    Transition("triage", pgettext_lazy("thao tác phản ánh", "Tiếp nhận và giao xử lý"),
               TRIAGE_STATES, S.TRIAGED, TRIAGERS),
    Transition("reject", pgettext_lazy("thao tác phản ánh", "Từ chối"),
               frozenset({S.NEW, S.REOPENED, S.TRIAGED, S.IN_PROGRESS}), S.REJECTED,
               TRIAGERS, needs_reason=True),
    Transition("reassign", pgettext_lazy("thao tác phản ánh", "Giao lại"),
               WORKING_STATES - {S.ANSWER_APPROVED}, S.TRIAGED, TRIAGERS,
               needs_reason=True, public=False),
    Transition("start", pgettext_lazy("thao tác phản ánh", "Bắt đầu xử lý"),
               frozenset({S.TRIAGED}), S.IN_PROGRESS, HANDLERS, department_only=True),
    Transition("draft_answer", pgettext_lazy("thao tác phản ánh", "Gửi dự thảo trả lời"),
               frozenset({S.TRIAGED, S.IN_PROGRESS}), S.ANSWER_DRAFTED, HANDLERS,
               department_only=True, public=False),
    Transition("return_answer", pgettext_lazy("thao tác phản ánh", "Trả lại dự thảo"),
               frozenset({S.ANSWER_DRAFTED}), S.IN_PROGRESS, LEADERS, needs_reason=True,
               public=False),
    Transition("approve", pgettext_lazy("thao tác phản ánh", "Duyệt trả lời"),
               frozenset({S.ANSWER_DRAFTED}), S.ANSWER_APPROVED, LEADERS, public=False),
    # Follows "approve" at once (or "draft_answer" where approval is not required).
    Transition("resolve", pgettext_lazy("thao tác phản ánh", "Công bố kết quả xử lý"),
               frozenset({S.ANSWER_APPROVED, S.ANSWER_DRAFTED}), S.RESOLVED,
               LEADERS | HANDLERS),
    Transition("reopen", pgettext_lazy("thao tác phản ánh", "Mở lại"),
               frozenset({S.RESOLVED}), S.REOPENED, frozenset({REPORTER}), needs_reason=True),
    Transition("close", pgettext_lazy("thao tác phản ánh", "Đóng"),
               frozenset({S.RESOLVED}), S.CLOSED, frozenset({REPORTER, SYSTEM})),
]}


def available(state: str) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if state in t.sources]


def open311_status(status: str, reject_reason: str = "") -> tuple[str, str]:
    """(``status``, extended status) of Open311 for one of our states."""
    if status == S.REJECTED:
        return "closed", OPEN311_REJECTED.get(reject_reason, "no_further_action")
    return OPEN311_STATUS[State(status)]
