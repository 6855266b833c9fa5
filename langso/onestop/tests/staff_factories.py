"""Dossiers put straight into any state, for the processing tests (workflow, worklist,
deadlines, staff screens). Only test setup writes rows this way; the code under test moves
them through ``services``."""

import datetime as dt
import itertools
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from langso.core.models import Commune, Department, StoredFile, User
from langso.core.tests import upload_samples
from langso.core.uploads.services import upload_store
from langso.onestop.models import Channel, Dossier, DossierAttachment, Procedure
from langso.onestop.workflow import State

# Monday 23/11/2026, 09:00 in Hà Nội (UTC+7): a working day with no holiday near.
MONDAY_9 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
_numbers = itertools.count(1)

# Every state after reception has a running (or stopped) clock.
RECEIVED_OR_LATER = {s for s in State.values if s != State.SUBMITTED}
DEPARTMENT_STATES = {State.ASSIGNED, State.PROCESSING, State.SUPPLEMENT, State.RESULT_DRAFTED,
                     State.SIGNED, State.RESULT_READY, State.RETURNED, State.STOPPED}


def pdf_file(user: User, commune: Commune, name: str = "tai-lieu.pdf") -> StoredFile:
    return upload_store(actor=user, commune=commune, kind="document",
                        file=SimpleUploadedFile(name, upload_samples.pdf(),
                                                content_type="application/pdf"))


def make_dossier(*, commune: Commune, procedure: Procedure, state: str = State.RECEIVED,
                 now: dt.datetime = MONDAY_9, due_at: dt.datetime | None = None,
                 department: Department | None = None, assignee: User | None = None,
                 applicant_user: User | None = None, result_file: StoredFile | None = None,
                 attachment: StoredFile | None = None, **fields: Any) -> Dossier:
    """A dossier of ``commune`` in ``state`` as the services would have left it there."""
    n = next(_numbers)
    values: dict[str, Any] = {
        "commune": commune, "procedure": procedure, "version": procedure.versions.first(),
        "code": f"T{commune.code}-{n:06d}", "lookup_code": f"Q{n:05d}",
        "channel": Channel.ONLINE, "status": state, "applicant_user": applicant_user,
        "applicant_name": "Nguyễn Thị Lan", "applicant_id_number": "001190012345",
        "applicant_phone": "0912345678",
        "form_data": {"child_name": "Nguyễn Văn Bình", "child_birth_date": "2026-11-01",
                      "child_sex": "male", "mother_name": "Nguyễn Thị Lan"},
        "submitted_at": now - 2 * HOUR,
    }
    if state in RECEIVED_OR_LATER:
        due = due_at or now + dt.timedelta(days=3)
        values.update(received_at=now - HOUR, due_at=due, original_due_at=due,
                      book_year=2026, book_number=n)
    if state in DEPARTMENT_STATES and department is None and assignee is None:
        department = Department.objects.get(commune=commune, kind=procedure.department_kind)
    values.update(department=department, assignee=assignee)
    if state == State.SUPPLEMENT:
        values.update(paused_at=now - HOUR / 2, remaining_at_pause=dt.timedelta(hours=16),
                      supplement_request="Thiếu giấy chứng sinh bản chính")
    if state in (State.SIGNED, State.RESULT_READY, State.RETURNED):
        values.update(resolved_at=now - HOUR / 4)
    if state in (State.RETURNED, State.REFUSED, State.STOPPED, State.WITHDRAWN):
        values.update(closed_at=now - HOUR / 4)
    values["result_file"] = result_file
    values.update(fields)
    dossier = Dossier.objects.create(**values)
    if attachment is not None:
        DossierAttachment.objects.create(dossier=dossier, document_code="birth_certificate",
                                         file=attachment)
    return dossier
