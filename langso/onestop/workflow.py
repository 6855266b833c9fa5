"""Dossier states and the transitions between them: the one place they are declared.

``services.dossier_transition`` looks actions up here; pages, the API and the permission
tests read the same table, so a change here changes them all.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.translation import pgettext_lazy

from langso.core.models import Role
from langso.onestop.models import DocumentForm


class State(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("trạng thái hồ sơ", "Chờ tiếp nhận")
    RECEIVED = "received", pgettext_lazy("trạng thái hồ sơ", "Đã tiếp nhận")
    ASSIGNED = "assigned", pgettext_lazy("trạng thái hồ sơ", "Đã chuyển xử lý")
    PROCESSING = "processing", pgettext_lazy("trạng thái hồ sơ", "Đang xử lý")
    SUPPLEMENT = "supplement", pgettext_lazy("trạng thái hồ sơ", "Chờ bổ sung hồ sơ")
    RESULT_DRAFTED = "result_drafted", pgettext_lazy("trạng thái hồ sơ", "Chờ lãnh đạo ký duyệt")
    SIGNED = "signed", pgettext_lazy("trạng thái hồ sơ", "Đã ký duyệt")
    RESULT_READY = "result_ready", pgettext_lazy("trạng thái hồ sơ", "Có kết quả, chờ trả")
    RETURNED = "returned", pgettext_lazy("trạng thái hồ sơ", "Đã trả kết quả")
    REFUSED = "refused", pgettext_lazy("trạng thái hồ sơ", "Từ chối tiếp nhận")
    STOPPED = "stopped", pgettext_lazy("trạng thái hồ sơ", "Dừng giải quyết")
    WITHDRAWN = "withdrawn", pgettext_lazy("trạng thái hồ sơ", "Công dân rút hồ sơ")


S = State
FINAL_STATES = frozenset({S.RETURNED, S.REFUSED, S.STOPPED, S.WITHDRAWN})
OPEN_STATES = frozenset(set(S.values) - FINAL_STATES)
# States in which the statutory clock runs against the office.
COUNTING_STATES = frozenset({S.RECEIVED, S.ASSIGNED, S.PROCESSING, S.RESULT_DRAFTED})
# The office has finished its work: on time or late is decided at ``resolved_at``.
RESOLVED_STATES = frozenset({S.SIGNED, S.RESULT_READY, S.RETURNED})

# The applicant, acting on their own dossier (not a role in a commune).
APPLICANT = "applicant"
LEADERS = frozenset({Role.CHAIRMAN, Role.VICE_CHAIRMAN})
ONE_STOP = frozenset({Role.ONE_STOP_OFFICER})
HANDLERS = frozenset({Role.SPECIALIST, Role.ONE_STOP_OFFICER})


@dataclass(frozen=True)
class Transition:
    action: str
    label: Any  # a lazy translation: shown in the reader's language
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    needs_reason: bool = False
    # Form the office issues when it happens (rendered, signed, stored, sent).
    issues: str | None = None
    pauses_clock: bool = False
    resumes_clock: bool = False
    # A specialist may act only on dossiers of their department or assigned to them.
    handler_only: bool = False
    extra: tuple[str, ...] = field(default=())


TRANSITIONS: dict[str, Transition] = {t.action: t for t in [
    Transition("receive", pgettext_lazy("thao tác hồ sơ", "Tiếp nhận"),
               frozenset({S.SUBMITTED}), S.RECEIVED,
               ONE_STOP | LEADERS, issues=DocumentForm.RECEIPT),
    Transition("refuse", pgettext_lazy("thao tác hồ sơ", "Từ chối tiếp nhận"),
               frozenset({S.SUBMITTED, S.RECEIVED}),
               S.REFUSED, ONE_STOP | LEADERS, needs_reason=True, issues=DocumentForm.REFUSAL),
    Transition("assign", pgettext_lazy("thao tác hồ sơ", "Chuyển xử lý"),
               frozenset({S.RECEIVED, S.ASSIGNED}), S.ASSIGNED,
               ONE_STOP | LEADERS, extra=("department", "assignee")),
    Transition("start", pgettext_lazy("thao tác hồ sơ", "Bắt đầu xử lý"),
               frozenset({S.ASSIGNED}), S.PROCESSING,
               HANDLERS | LEADERS, handler_only=True),
    Transition("request_supplement", pgettext_lazy("thao tác hồ sơ", "Yêu cầu bổ sung"),
               frozenset({S.RECEIVED, S.ASSIGNED, S.PROCESSING}), S.SUPPLEMENT,
               HANDLERS | LEADERS, needs_reason=True, issues=DocumentForm.SUPPLEMENT,
               pauses_clock=True, handler_only=True),
    Transition("supplement", pgettext_lazy("thao tác hồ sơ", "Nộp bổ sung"),
               frozenset({S.SUPPLEMENT}), S.PROCESSING,
               frozenset({APPLICANT}) | ONE_STOP, resumes_clock=True),
    Transition("draft_result", pgettext_lazy("thao tác hồ sơ", "Trình ký kết quả"),
               frozenset({S.PROCESSING}),
               S.RESULT_DRAFTED, HANDLERS | LEADERS, handler_only=True, extra=("result",)),
    Transition("send_back", pgettext_lazy("thao tác hồ sơ", "Trả lại để xử lý lại"),
               frozenset({S.RESULT_DRAFTED}),
               S.PROCESSING, LEADERS, needs_reason=True),
    Transition("sign", pgettext_lazy("thao tác hồ sơ", "Ký duyệt"),
               frozenset({S.RESULT_DRAFTED}), S.SIGNED, LEADERS,
               issues=DocumentForm.RESULT),
    Transition("release", pgettext_lazy("thao tác hồ sơ", "Chuyển trả kết quả"),
               frozenset({S.SIGNED}), S.RESULT_READY,
               frozenset({Role.CLERK}) | ONE_STOP | LEADERS),
    Transition("return", pgettext_lazy("thao tác hồ sơ", "Trả kết quả"),
               frozenset({S.RESULT_READY}), S.RETURNED,
               ONE_STOP | frozenset({APPLICANT})),
    Transition("stop", pgettext_lazy("thao tác hồ sơ", "Dừng giải quyết"),
               frozenset({S.RECEIVED, S.ASSIGNED, S.PROCESSING, S.SUPPLEMENT,
                          S.RESULT_DRAFTED}),
               S.STOPPED, LEADERS | HANDLERS, needs_reason=True, issues=DocumentForm.STOP,
               handler_only=True),
    Transition("withdraw", pgettext_lazy("thao tác hồ sơ", "Rút hồ sơ"),
               frozenset({S.SUBMITTED, S.RECEIVED, S.ASSIGNED, S.PROCESSING, S.SUPPLEMENT}),
               S.WITHDRAWN, frozenset({APPLICANT}) | ONE_STOP, needs_reason=True),
]}

# Not a state change: the apology-and-extension letter (Mẫu 04) moves the due date.
EXTEND_ROLES = HANDLERS | LEADERS
EXTEND_STATES = frozenset({S.RECEIVED, S.ASSIGNED, S.PROCESSING, S.RESULT_DRAFTED})


def available(state: str) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if state in t.sources]
