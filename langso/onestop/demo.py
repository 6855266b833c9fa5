"""Demo dossiers for ``manage.py load_demo``: a worklist with something in every state.

Every dossier goes through the real services (numbering, clock, signed papers, history),
back-dated so that some are due today and one is late. Fictional data; never in production.
"""

import datetime as dt
from typing import Any

from django.utils import timezone

from langso.core.clock import WorkingClock
from langso.core.models import Commune, Department, Membership, Person, Role, User
from langso.onestop import services
from langso.onestop.models import Channel, Dossier, Procedure
from langso.onestop.payments import payment_confirm
from langso.signing.render import html_to_pdf

# (procedure code, channel, the step it stops at, working days ago it was filed)
PLAN: list[tuple[str, str, str, int]] = [
    ("1.001193", Channel.ONLINE, "submitted", 0),
    ("2.000815", Channel.COUNTER, "received", 0),
    ("1.000656", Channel.COUNTER, "assigned", 1),
    ("1.004194", Channel.COUNTER, "processing", 2),
    ("1.004222", Channel.COUNTER, "request_supplement", 2),
    ("1.000894", Channel.COUNTER, "draft_result", 1),
    ("1.004873", Channel.COUNTER, "processing", 9),   # late: needs an extension letter
    ("2.000884", Channel.COUNTER, "release", 1),
    ("1.001193", Channel.COUNTER, "return", 3),
]


def _sample_value(spec: dict[str, Any], today: dt.date) -> Any:
    kind = spec["type"]
    if kind in ("date", "past_date"):
        return (today - dt.timedelta(days=30)).isoformat()
    if kind == "choice":
        return spec["choices"][0][0]
    if kind == "number":
        return str(max(int(spec.get("min", 1) or 1), 1))
    if kind == "checkbox":
        return True
    if kind == "citizen_id":  # a well-formed fictional number (Hà Nội, man born in 1995)
        return "001095000123" if spec.get("required") else ""
    if kind in ("email", "phone"):
        return ""
    if kind == "textarea":
        return "Đề nghị Ủy ban nhân dân xã xem xét, giải quyết."
    label = spec["label"].lower()
    if "tên" in label:
        return "Nguyễn Văn Minh"
    return "Xã Tam Đảo"


def _form(procedure: Procedure, today: dt.date) -> dict[str, Any]:
    version = services.version_in_force(procedure, today)
    return {spec["name"]: _sample_value(spec, today) for spec in version.form_schema
            if spec.get("required") or spec["type"] not in ("citizen_id", "email", "phone")}


def _staff(commune: Commune, role: str, department_kind: str | None = None) -> User | None:
    memberships = Membership.objects.filter(commune=commune, role=role, is_active=True)
    if department_kind:
        memberships = memberships.filter(department__kind=department_kind)
    membership = memberships.select_related("user").first()
    return membership.user if membership else None


def _draft_result(commune: Commune, dossier: Dossier, actor: User) -> Any:
    from langso.core.uploads.services import store_generated

    pdf = html_to_pdf(f"<h1>Kết quả giải quyết</h1><p>Hồ sơ {dossier.code}: "
                      f"{dossier.procedure.name}.</p><p>Người nộp: {dossier.applicant_name}.</p>")
    return store_generated(commune=commune, name=f"{dossier.code}-du-thao.pdf", data=pdf,
                           actor=actor)


def _scans(commune: Commune, procedure: Procedure, actor: User,
           today: dt.date) -> list[services.AttachmentInput]:
    """A one-page PDF standing in for each required paper (the demo has no scanner)."""
    from langso.core.uploads.services import store_generated

    version = services.version_in_force(procedure, today)
    scans = []
    for doc in version.documents:
        if not doc.get("required"):
            continue
        pdf = html_to_pdf(f"<p>Bản chụp (dữ liệu trình diễn): {doc['name']}</p>")
        stored = store_generated(commune=commune, name=f"{doc['code']}.pdf", data=pdf,
                                 actor=actor)
        scans.append(services.AttachmentInput(doc["code"], stored))
    return scans


def demo_dossiers_load(commune: Commune) -> int:
    """Create the demo dossiers of ``commune`` once; returns how many were created."""
    if Dossier.objects.filter(commune=commune).exists():
        return 0
    officer = _staff(commune, Role.ONE_STOP_OFFICER)
    chairman = _staff(commune, Role.CHAIRMAN)
    clerk = _staff(commune, Role.CLERK)
    citizen = User.objects.filter(person__commune=commune, kind=User.Kind.CITIZEN).first()
    if officer is None or chairman is None:
        return 0
    clock = WorkingClock.for_commune(commune)
    today = timezone.localdate()
    residents = list(Person.objects.filter(commune=commune, user__isnull=True)
                     .order_by("pk")[:len(PLAN)])
    created = 0
    for index, (code, channel, stop_at, days_ago) in enumerate(PLAN):
        procedure = Procedure.objects.filter(code=code).first()
        if procedure is None:
            continue
        version = services.version_in_force(procedure, today)
        day = today
        for _i in range(days_ago):
            day -= dt.timedelta(days=1)
            while not clock.is_working_day(day):
                day -= dt.timedelta(days=1)
        filed = min(clock.opening(day) + dt.timedelta(hours=1, minutes=7 * index),
                    timezone.now() - dt.timedelta(hours=2))
        handler = _staff(commune, Role.SPECIALIST, procedure.department_kind) or officer
        department = Department.objects.filter(commune=commune,
                                               kind=procedure.department_kind).first()
        if channel == Channel.ONLINE:
            if citizen is None or version.online_level == "counter":
                continue
            dossier = services.dossier_submit(
                actor=citizen, commune=commune, procedure=procedure,
                form_data=_form(procedure, today), channel=channel, now=filed,
                attachments=_scans(commune, procedure, citizen, today))
        else:
            applicant = residents[index % len(residents)] if residents else None
            dossier = services.dossier_submit(
                actor=officer, commune=commune, procedure=procedure,
                form_data=_form(procedure, today), channel=channel, applicant=applicant,
                attachments=_scans(commune, procedure, officer, today), now=filed)
        created += 1
        if stop_at in ("submitted", "received"):
            continue
        later = filed + dt.timedelta(minutes=20)
        if dossier.fee_amount:
            payment_confirm(actor=officer, dossier=dossier, method="cash",
                            amount=dossier.fee_amount, now=later)
        services.dossier_transition(actor=officer, dossier=dossier, action="assign",
                                    department=department, assignee=handler, now=later)
        if stop_at == "assigned":
            continue
        services.dossier_transition(actor=handler, dossier=dossier, action="start",
                                    now=later + dt.timedelta(minutes=10))
        if stop_at == "processing":
            continue
        if stop_at == "request_supplement":
            services.dossier_transition(
                actor=handler, dossier=dossier, action="request_supplement",
                reason="Bổ sung bản sao giấy tờ chứng minh chỗ ở hợp pháp.",
                now=later + dt.timedelta(minutes=30))
            continue
        result = _draft_result(commune, dossier, handler)
        services.dossier_transition(actor=handler, dossier=dossier, action="draft_result",
                                    result=result, now=later + dt.timedelta(minutes=40))
        if stop_at == "draft_result":
            continue
        services.dossier_transition(actor=chairman, dossier=dossier, action="sign",
                                    now=later + dt.timedelta(minutes=50))
        services.dossier_transition(actor=clerk or officer, dossier=dossier,
                                    action="release", now=later + dt.timedelta(minutes=55))
        if stop_at == "release":
            continue
        services.dossier_transition(actor=officer, dossier=dossier, action="return",
                                    now=later + dt.timedelta(minutes=70))
    return created
