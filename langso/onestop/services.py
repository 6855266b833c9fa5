"""Writes of the one-stop shop: submitting, moving and extending dossiers.

Every function runs in one transaction, checks the actor's right through ``access`` and the
workflow table, records each state change in the dossier's steps and the commune's audited
history, and tells the applicant.
"""

import datetime as dt
import logging
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from langso.core import access
from langso.core.clock import Countdown, WorkingClock, local
from langso.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from langso.core.history import history_record
from langso.core.models import Commune, Department, Person, Role, StoredFile, User
from langso.core.notifications import notify
from langso.onestop import fees, formschema, prefill
from langso.onestop.models import (
    AttachmentKind,
    Channel,
    Dossier,
    DossierAttachment,
    DossierCounter,
    DossierDraft,
    DossierStep,
    OfficeSettings,
    OnlineLevel,
    PaymentStatus,
    Procedure,
    ProcedureVersion,
    TimeLimitKind,
)
from langso.onestop.workflow import (
    APPLICANT,
    EXTEND_ROLES,
    EXTEND_STATES,
    TRANSITIONS,
    State,
    Transition,
)

logger = logging.getLogger(__name__)

# No 0/O, 1/I/L: read aloud over the phone and typed on a small keyboard.
LOOKUP_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LOOKUP_LENGTH = 6
MAX_ATTACHMENTS = 30
MAX_REASON = 2000
# The code of a paper the officer asked for in a supplement request that the procedure
# does not list.
OTHER_DOCUMENT = "supplement"


@dataclass(frozen=True)
class AttachmentInput:
    document_code: str
    file: StoredFile
    copy_kind: str = AttachmentKind.SCAN


# -- settings and catalogue ------------------------------------------------------------------

def office_settings(commune: Commune) -> OfficeSettings:
    settings, _created = OfficeSettings.objects.get_or_create(
        commune=commune,
        defaults={"organ_code": str(commune.code),
                  "office_name": _("Bộ phận Một cửa %(commune)s") % {"commune": commune.name},
                  "return_place": _("Bộ phận Một cửa, %(address)s")
                  % {"address": commune.address or commune.name}})
    return settings


def version_in_force(procedure: Procedure, on: dt.date | None = None) -> ProcedureVersion:
    on = on or timezone.localdate()
    version = (procedure.versions.filter(effective_from__lte=on)
               .order_by("-effective_from", "-number").first())
    if version is None or not procedure.is_active:
        raise Conflict(_("Thủ tục này chưa được áp dụng."))
    return version


# -- numbering --------------------------------------------------------------------------------

def next_number(commune: Commune, scope: str) -> int:
    """The next number of a per-commune sequence; the row lock serialises concurrent
    submissions without blocking other communes."""
    DossierCounter.objects.get_or_create(commune=commune, scope=scope)
    counter = DossierCounter.objects.select_for_update().get(commune=commune, scope=scope)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def dossier_code(organ_code: str, day: dt.date, number: int) -> str:
    """``<organ>-<yymmdd>-<nnnn>``: the receiving organ, the day it was filed and its
    sequence that day (docs/one-stop.md). Five digits once a day passes 9,999."""
    return f"{organ_code}-{day:%y%m%d}-{number:04d}"


def _new_lookup_code() -> str:
    for _attempt in range(20):
        code = "".join(secrets.choice(LOOKUP_ALPHABET) for _i in range(LOOKUP_LENGTH))
        if not Dossier.objects.filter(lookup_code=code).exists():
            return code
    raise RuntimeError("no free lookup code")  # pragma: no cover - 887 million codes


# -- the clock --------------------------------------------------------------------------------

def _countdown(version: ProcedureVersion, clock: WorkingClock,
               received_at: dt.datetime) -> Countdown:
    value = Decimal(version.time_limit_value)
    if version.time_limit_kind == TimeLimitKind.SAME_DAY:
        return Countdown.start(clock, received_at, days=0)
    if version.time_limit_kind == TimeLimitKind.WORKING_HOURS:
        return Countdown.start(clock, received_at, hours=value)
    if value != value.to_integral_value():  # half a working day and the like
        return Countdown.start(clock, received_at, hours=value * 8)
    return Countdown.start(clock, received_at, days=int(value))


def _clock(dossier: Dossier) -> WorkingClock:
    return WorkingClock.for_commune(dossier.commune)


def is_late(dossier: Dossier, now: dt.datetime | None = None) -> bool:
    if dossier.due_at is None:
        return False
    moment = dossier.resolved_at or dossier.paused_at or now or timezone.now()
    return moment > dossier.due_at


# -- who may act ------------------------------------------------------------------------------

def acting_roles(user: Any, dossier: Dossier) -> set[str]:
    """The roles ``user`` holds for ``dossier``: commune roles plus ``applicant``."""
    roles: set[str] = set()
    if getattr(user, "is_authenticated", False) and user.is_active:
        roles = access.roles_in(user, dossier.commune_id)
        if user.is_superuser:
            roles |= set(Role.values)
        if dossier.applicant_user_id == user.pk:
            roles.add(APPLICANT)
    return roles


def _is_handler(user: Any, dossier: Dossier) -> bool:
    if dossier.assignee_id == user.pk:
        return True
    return any(g.role == Role.SPECIALIST and g.commune_id == dossier.commune_id
               and g.department_id is not None and g.department_id == dossier.department_id
               for g in access.grants(user))


def may_take(user: Any, dossier: Dossier, transition: Transition) -> bool:
    roles = acting_roles(user, dossier) & transition.roles
    if not roles:
        return False
    if transition.handler_only and roles <= {Role.SPECIALIST}:
        return _is_handler(user, dossier)
    # Only "toàn trình" results are taken online; the others are handed over at the desk.
    return not (transition.action == "return" and roles == {APPLICANT}
                and dossier.version.online_level != OnlineLevel.FULL)


def actions_for(user: Any, dossier: Dossier) -> list[Transition]:
    """The transitions ``user`` may take on ``dossier`` now (buttons on the page, API)."""
    return [t for t in TRANSITIONS.values()
            if dossier.status in t.sources and may_take(user, dossier, t)]


# -- recording --------------------------------------------------------------------------------

def dossier_record(*, dossier: Dossier, actor: Any, action: str, from_state: str,
                   to_state: str, reason: str = "", handed_to: str = "", now: dt.datetime,
                   data: dict[str, Any] | None = None,
                   history_change: tuple[str, str] | None = None) -> None:
    """One step of the dossier (Mẫu 06) and its event in the commune's history.

    ``history_change``: what the history shows as from/to when the step keeps the state
    (a payment: unpaid → paid; an extension letter: old → new due date)."""
    history_from, history_to = history_change or (from_state, to_state)
    DossierStep.objects.create(
        dossier=dossier, action=action, from_state=from_state, to_state=to_state,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=(getattr(actor, "full_name", "") or getattr(actor, "username", "")
                     or _("Hệ thống"))[:150],
        handed_to_label=handed_to[:200], reason=reason, at=now, due_at=dossier.due_at)
    history_record(obj=dossier, action=f"dossier.{action}", actor=actor,
                   from_state=history_from, to_state=history_to, reason=reason,
                   data={"code": dossier.code, **(data or {})}, commune=dossier.commune,
                   now=now)


def tell_applicant(dossier: Dossier, *, note: str = "", actor: Any = None,
                    now: dt.datetime) -> None:
    recipient: User | Person | None = dossier.applicant_user or dossier.applicant
    if recipient is None:
        return
    notify(recipient=recipient, template="dossier_status", commune=dossier.commune,
           actor=actor if isinstance(actor, User) else None, now=now,
           context={"code": dossier.code, "procedure": dossier.procedure.name,
                    "status": str(State(dossier.status).label), "note": note[:300],
                    "url": f"/tra-cuu/{dossier.lookup_code}/"})


def _issue(dossier: Dossier, form: str | None, actor: Any, now: dt.datetime) -> None:
    if form is None:
        return
    from langso.onestop.documents import issue_document

    issue_document(dossier=dossier, form=form, actor=actor, now=now)


def _reason(reason: Any, *, required: bool) -> str:
    text = str(reason or "").strip()
    if "\x00" in text:
        raise DomainError(_("Nội dung có ký tự không hợp lệ."))
    if required and not text:
        raise DomainError(_("Vui lòng nêu lý do."), field_errors={"reason": [_("Bắt buộc.")]})
    if len(text) > MAX_REASON:
        raise DomainError(_("Lý do tối đa %(n)d ký tự.") % {"n": MAX_REASON},
                          field_errors={"reason": [_("Quá dài.")]})
    return text


# -- submission -------------------------------------------------------------------------------

def _check_files(items: list[AttachmentInput], *, codes: set[str], commune_id: int,
                 actor: Any) -> None:
    """Each file names a paper of the procedure and is one the actor may attach: sent by
    them (or visible to them as staff) to this commune."""
    if len(items) > MAX_ATTACHMENTS:
        raise DomainError(_("Tối đa %(n)d tệp đính kèm.") % {"n": MAX_ATTACHMENTS})
    for item in items:
        if item.document_code not in codes:
            raise DomainError(_("Thành phần hồ sơ không có trong thủ tục."),
                              field_errors={"documents": [item.document_code[:40]]})
        if item.copy_kind not in AttachmentKind.values:
            raise DomainError(_("Loại bản không hợp lệ."))
        if item.file.commune_id != commune_id or (
                item.file.uploaded_by_id != actor.pk
                and not access.can(actor, "upload.view", item.file)):
            raise NotFound(_("Không tìm thấy tệp đính kèm."))


def _check_attachments(version: ProcedureVersion, commune: Commune, actor: Any,
                       attachments: Iterable[AttachmentInput]) -> list[AttachmentInput]:
    items = list(attachments)
    known = {d["code"]: d for d in version.documents}
    _check_files(items, codes=set(known), commune_id=commune.pk, actor=actor)
    given = {i.document_code for i in items}
    missing = [d["name"] for code, d in known.items() if d.get("required") and code not in given]
    if missing:
        raise DomainError(_("Còn thiếu giấy tờ bắt buộc: %(list)s.") % {"list": "; ".join(missing)},
                          code="missing_documents",
                          field_errors={"documents": [str(m) for m in missing]})
    return items


def _applicant_fields(person: Person | None, data: Mapping[str, Any],
                      user: Any) -> dict[str, Any]:
    """Who applies: what the registry knows wins over what the form repeats."""
    known = prefill.person_values(person) if person else {}
    name = known.get("person.full_name") or data.get("applicant_name") or getattr(
        user, "full_name", "")
    return {
        "applicant_name": str(name or "")[:150],
        "applicant_id_number": str(known.get("person.citizen_id") or
                                   data.get("applicant_id_number") or "")[:12],
        "applicant_phone": str(known.get("person.phone") or data.get("applicant_phone") or
                               getattr(user, "phone", "") or "")[:15],
        "applicant_email": str(known.get("person.email") or data.get("applicant_email") or
                               getattr(user, "email", "") or "")[:254],
        "applicant_address": str(known.get("person.address") or
                                 data.get("applicant_address") or "")[:255],
    }


@transaction.atomic
def dossier_submit(*, actor: Any, commune: Commune, procedure: Procedure,
                   form_data: Mapping[str, Any], attachments: Iterable[AttachmentInput] = (),
                   channel: str = Channel.ONLINE, applicant: Person | None = None,
                   idempotency_key: str | None = None, sets: int = 1,
                   now: dt.datetime | None = None) -> Dossier:
    """File an application. Online: by the signed-in citizen, waiting for the one-stop
    officer to receive it. At the counter: by the officer for ``applicant``, received at
    once (receipt issued, clock started)."""
    now = now or timezone.now()
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied(_("Vui lòng đăng nhập để nộp hồ sơ."))
    if not commune.is_active:
        raise NotFound(_("Không tìm thấy xã."))
    key = (str(idempotency_key).strip() or None) if idempotency_key else None
    if key is not None:
        if len(key) > 64:
            raise DomainError(_("Khóa chống gửi trùng quá dài."))
        existing = Dossier.objects.filter(submitted_by=actor, idempotency_key=key).first()
        if existing is not None:
            if existing.commune_id != commune.pk or existing.procedure_id != procedure.pk:
                raise Conflict(_("Khóa chống gửi trùng đã được dùng cho hồ sơ khác."))
            return existing
    version = version_in_force(procedure, timezone.localdate(now))
    if channel == Channel.ONLINE:
        if version.online_level == OnlineLevel.COUNTER:
            raise Conflict(_("Thủ tục này chỉ nộp trực tiếp tại bộ phận một cửa."))
        if applicant is None:
            applicant = Person.objects.filter(user=actor, commune=commune).first()
    elif channel in (Channel.COUNTER, Channel.POST):
        if not (access.roles_in(actor, commune) & {Role.ONE_STOP_OFFICER, Role.CHAIRMAN,
                                                  Role.VICE_CHAIRMAN}) \
                and not actor.is_superuser:
            raise PermissionDenied(_("Bạn không có quyền tiếp nhận hồ sơ."))
        if applicant is not None and applicant.commune_id != commune.pk:
            raise NotFound(_("Không tìm thấy công dân."))
    else:
        raise DomainError(_("Hình thức nộp không hợp lệ."))
    if not 1 <= int(sets) <= 20:
        raise DomainError(_("Số bộ hồ sơ từ 1 đến 20."))

    known = prefill.values_for(person=applicant, commune=commune)
    merged = {**dict(form_data), **prefill.locked_values(version.form_schema, known)}
    cleaned = formschema.clean_form(version.form_schema, merged, today=local(now).date())
    items = _check_attachments(version, commune, actor, attachments)
    if channel == Channel.ONLINE:
        applicant_data = _applicant_fields(applicant, form_data, actor)
    else:
        applicant_data = _applicant_fields(applicant, form_data, None)
    if not applicant_data["applicant_name"]:
        raise DomainError(_("Vui lòng nhập họ tên người nộp."),
                          field_errors={"applicant_name": [_("Bắt buộc.")]})

    amount = fees.fee_for(version.fee, cleaned, online=channel == Channel.ONLINE)
    settings = office_settings(commune)
    day = local(now).date()
    number = next_number(commune, f"d:{day:%y%m%d}")
    dossier = Dossier(
        commune=commune, procedure=procedure, version=version,
        code=dossier_code(settings.organ_code, day, number),
        lookup_code=_new_lookup_code(), channel=channel, status=State.SUBMITTED,
        applicant=applicant,
        applicant_user=actor if channel == Channel.ONLINE else getattr(applicant, "user", None),
        village=getattr(applicant, "village", None),
        form_data=cleaned, sets=int(sets), submitted_at=now, submitted_by=actor,
        idempotency_key=key, fee_amount=amount,
        payment_status=PaymentStatus.UNPAID if amount else PaymentStatus.NOT_REQUIRED,
        **applicant_data)
    try:
        with transaction.atomic():
            dossier.save()
    except IntegrityError:
        if key is None:
            raise
        # The same key won a race in another request: that dossier is the answer.
        return Dossier.objects.get(submitted_by=actor, idempotency_key=key)
    DossierAttachment.objects.bulk_create(
        DossierAttachment(dossier=dossier, document_code=i.document_code, copy_kind=i.copy_kind,
                          file=i.file, round=0, created_at=now) for i in items)
    dossier_record(dossier=dossier, actor=actor, action="submit", from_state="",
            to_state=State.SUBMITTED, now=now, data={"channel": channel})
    DossierDraft.objects.filter(user=actor, commune=commune, procedure=procedure).delete()
    if channel != Channel.ONLINE:
        _receive(dossier, actor=actor, now=now)
    else:
        tell_applicant(dossier, actor=actor, now=now)
    logger.info("dossier.submitted", extra={"commune": commune.pk, "dossier": dossier.pk,
                                            "channel": channel})
    return dossier


def _receive(dossier: Dossier, *, actor: Any, now: dt.datetime, reason: str = "") -> None:
    countdown = _countdown(dossier.version, _clock(dossier), now)
    dossier.received_at = now
    dossier.received_by = actor if getattr(actor, "pk", None) else None
    dossier.due_at = dossier.original_due_at = countdown.deadline
    dossier.book_year = local(now).year
    dossier.book_number = next_number(dossier.commune, f"book:{dossier.book_year}")
    _move(dossier, TRANSITIONS["receive"], actor=actor, reason=reason, now=now)


# -- transitions ------------------------------------------------------------------------------

def _move(dossier: Dossier, transition: Transition, *, actor: Any, reason: str,
          now: dt.datetime, handed_to: str = "", data: dict[str, Any] | None = None) -> None:
    from_state = dossier.status
    dossier.status = transition.target
    if transition.target in (State.SIGNED,) and dossier.resolved_at is None:
        dossier.resolved_at = now
    if transition.target == State.RETURNED:
        dossier.returned_at = now
    if transition.target in (State.RETURNED, State.REFUSED, State.STOPPED, State.WITHDRAWN):
        dossier.closed_at = now
    dossier.save()
    dossier_record(dossier=dossier, actor=actor, action=transition.action, from_state=from_state,
            to_state=transition.target, reason=reason, handed_to=handed_to, now=now,
            data=data)
    _issue(dossier, transition.issues, actor, now)
    if transition.action not in ("assign", "start", "draft_result", "send_back"):
        tell_applicant(dossier, note=reason, actor=actor, now=now)


def _locked(dossier: Dossier) -> Dossier:
    return (Dossier.objects.select_for_update().select_related("commune", "version", "procedure")
            .get(pk=dossier.pk))


@transaction.atomic
def dossier_transition(*, actor: Any, dossier: Dossier, action: str, reason: str = "",
                       department: Department | None = None, assignee: User | None = None,
                       result: StoredFile | None = None,
                       attachments: Iterable[AttachmentInput] = (),
                       now: dt.datetime | None = None) -> Dossier:
    """Take ``action`` (a key of ``workflow.TRANSITIONS``) on ``dossier``."""
    now = now or timezone.now()
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise DomainError(_("Thao tác không hợp lệ."))
    dossier = _locked(dossier)
    if not may_take(actor, dossier, transition):
        if action == "return" and APPLICANT in acting_roles(actor, dossier):
            raise PermissionDenied(_("Thủ tục này nhận kết quả tại bộ phận một cửa."))
        raise PermissionDenied(_("Bạn không có quyền thực hiện thao tác này."))
    if dossier.status not in transition.sources:
        raise Conflict(_("Hồ sơ đang ở trạng thái “%(state)s”, không thể %(action)s.")
                       % {"state": State(dossier.status).label,
                          "action": str(transition.label).lower()})
    text = _reason(reason, required=transition.needs_reason)

    if action == "receive":
        _receive(dossier, actor=actor, now=now, reason=text)
        return dossier
    handed_to = ""
    if action == "assign":
        if department is None and assignee is None:
            raise DomainError(_("Chọn bộ phận hoặc người xử lý."),
                              field_errors={"department": [_("Bắt buộc.")]})
        if department is not None and department.commune_id != dossier.commune_id:
            raise NotFound(_("Không tìm thấy bộ phận."))
        if assignee is not None and not (access.roles_in(assignee, dossier.commune_id)
                                         & {Role.SPECIALIST, Role.ONE_STOP_OFFICER,
                                            Role.CHAIRMAN, Role.VICE_CHAIRMAN}):
            raise DomainError(_("Người được giao không phải cán bộ xử lý của xã."),
                              field_errors={"assignee": [_("Không hợp lệ.")]})
        dossier.department = department
        dossier.assignee = assignee
        handed_to = ", ".join(str(x) for x in (department, assignee) if x is not None)
    if transition.pauses_clock and dossier.due_at and dossier.paused_at is None:
        countdown = Countdown(deadline=dossier.due_at).pause(_clock(dossier), now)
        dossier.paused_at = countdown.paused_at
        dossier.remaining_at_pause = countdown.remaining_at_pause
        dossier.supplement_request = text
    if transition.resumes_clock:
        items = _check_supplement(dossier, actor, attachments)
        if dossier.paused_at is not None and dossier.due_at is not None:
            countdown = Countdown(deadline=dossier.due_at, paused_at=dossier.paused_at,
                                  remaining_at_pause=dossier.remaining_at_pause)
            dossier.due_at = countdown.resume(_clock(dossier), now).deadline
        dossier.paused_at = None
        dossier.remaining_at_pause = None
        next_round = (max((a.round for a in dossier.attachments.all()), default=0)) + 1
        DossierAttachment.objects.bulk_create(
            DossierAttachment(dossier=dossier, document_code=i.document_code,
                              copy_kind=i.copy_kind, file=i.file, round=next_round,
                              created_at=now) for i in items)
    if action == "draft_result":
        if result is None:
            raise DomainError(_("Vui lòng đính kèm dự thảo kết quả (PDF)."),
                              field_errors={"result": [_("Bắt buộc.")]})
        if result.commune_id != dossier.commune_id or result.kind != StoredFile.Kind.DOCUMENT:
            raise DomainError(_("Kết quả phải là tệp PDF đã tải lên của xã."),
                              field_errors={"result": [_("Không hợp lệ.")]})
        dossier.result_file = result
    if action == "sign":
        _require_not_late_without_letter(dossier, now)
        dossier.signed_by = actor
    if action == "return" and dossier.payment_status == PaymentStatus.UNPAID:
        raise Conflict(_("Hồ sơ chưa nộp phí, lệ phí; chưa thể trả kết quả."))
    _move(dossier, transition, actor=actor, reason=text, now=now, handed_to=handed_to)
    return dossier


def _check_supplement(dossier: Dossier, actor: Any,
                      attachments: Iterable[AttachmentInput]) -> list[AttachmentInput]:
    items = list(attachments)
    if not items:
        raise DomainError(_("Vui lòng đính kèm giấy tờ bổ sung."),
                          field_errors={"documents": [_("Bắt buộc.")]})
    codes = {d["code"] for d in dossier.version.documents} | {OTHER_DOCUMENT}
    _check_files(items, codes=codes, commune_id=dossier.commune_id, actor=actor)
    return items


def _require_not_late_without_letter(dossier: Dossier, now: dt.datetime) -> None:
    """NĐ 118/2025: a dossier may go past its due date only after the apology-and-extension
    letter (Mẫu 04) set a new one; ``dossier_extend`` does that."""
    if dossier.due_at is not None and now > dossier.due_at:
        raise Conflict(_("Hồ sơ đã quá hạn: cần lập văn bản xin lỗi và hẹn lại ngày trả "
                         "(Mẫu 04) trước khi tiếp tục."), code="extension_required")


@transaction.atomic
def dossier_extend(*, actor: Any, dossier: Dossier, new_due_date: dt.date, reason: str,
                   now: dt.datetime | None = None) -> Dossier:
    """Issue the apology and extension letter (Mẫu 04) and move the due date."""
    now = now or timezone.now()
    dossier = _locked(dossier)
    roles = acting_roles(actor, dossier) & EXTEND_ROLES
    if not roles or (roles <= {Role.SPECIALIST} and not _is_handler(actor, dossier)):
        raise PermissionDenied(_("Bạn không có quyền thực hiện thao tác này."))
    if dossier.status not in EXTEND_STATES or dossier.due_at is None:
        raise Conflict(_("Hồ sơ ở trạng thái này không thể gia hạn."))
    text = _reason(reason, required=True)
    clock = _clock(dossier)
    if not isinstance(new_due_date, dt.date):
        raise DomainError(_("Ngày hẹn mới không hợp lệ."))
    if new_due_date <= local(dossier.due_at).date() or new_due_date < local(now).date():
        raise DomainError(_("Ngày hẹn mới phải sau ngày hẹn hiện tại."),
                          field_errors={"new_due_date": [_("Không hợp lệ.")]})
    if not clock.is_working_day(new_due_date):
        raise DomainError(_("Ngày hẹn mới phải là ngày làm việc."),
                          field_errors={"new_due_date": [_("Không phải ngày làm việc.")]})
    old = dossier.due_at
    dossier.due_at = clock.closing(new_due_date)
    dossier.escalated_at = None
    dossier.warned_at = None
    dossier.save()
    dossier_record(dossier=dossier, actor=actor, action="extend", from_state=dossier.status,
                   to_state=dossier.status, reason=text, now=now,
                   history_change=(local(old).isoformat(), local(dossier.due_at).isoformat()))
    _issue(dossier, "04", actor, now)
    tell_applicant(dossier, note=_("Hẹn trả kết quả mới: %(date)s. %(reason)s")
                    % {"date": f"{new_due_date:%d/%m/%Y}", "reason": text}, actor=actor, now=now)
    return dossier
