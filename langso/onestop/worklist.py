"""Reads for the officers' screens: the worklist, the leaders' overview and one dossier.

The database sorts by due date (index ``dossier_worklist``); working time left is computed
in Python only for the rows of the page shown, with one clock per commune, never per row.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.core.paginator import Page, Paginator
from django.db.models import Choices, Count, F, Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from langso.core import access
from langso.core.clock import display, local
from langso.core.models import Commune, Department, Membership, Role, User
from langso.onestop.deadline_services import Deadlines, Standing
from langso.onestop.models import (
    PAUSED_LAST,
    WORKLIST_STATES,
    Dossier,
    DossierAttachment,
    DossierDocument,
    DossierStep,
)
from langso.onestop.selectors import dossier_staff_q
from langso.onestop.workflow import COUNTING_STATES, OPEN_STATES, RESOLVED_STATES, State

WORKLIST_PAGE_SIZE = 50
# The worklist counts its rows exactly up to this many (and shows "more than" beyond): an
# exact COUNT(*) of 100,000 open dossiers costs 50-400 ms, a capped one about a millisecond.
WORKLIST_COUNT_CAP = 1000
# A page number beyond this is read as the last page counted (a typed-in ?page=10**9 must
# not make the database count the whole table).
WORKLIST_MAX_PAGE = 2000
OVERVIEW_LATE_LIMIT = 200
# Who may be handed a dossier (services.dossier_transition checks the same).
ASSIGNABLE_ROLES = (Role.SPECIALIST, Role.ONE_STOP_OFFICER, Role.CHAIRMAN, Role.VICE_CHAIRMAN)
# Never needed on a list; the form data and supplement text can be long.
LIST_DEFERRED = ("form_data", "supplement_request")


@dataclass(frozen=True, slots=True)
class Row:
    """A dossier of a list with its deadline standing, and the text of its row worked out
    once in Python: a template reading the same through the dossier, its relations, date
    filters and ``{% url %}`` was most of the worklist's time."""

    dossier: Dossier
    standing: Standing
    url: str
    code: str
    procedure: str
    applicant: str
    status_label: str
    # The due date as every screen shows it and as an ISO instant for <time>; "" with none.
    due: str
    due_iso: str
    # Who holds it: the assignee, else the department, else "—".
    handler: str
    tone: str
    label: str
    time_text: str

    @classmethod
    def of(cls, dossier: Dossier, standing: Standing, *, url: str,
           labels: dict[tuple[type, Choices], str] | None = None) -> "Row":
        """``labels`` keeps each state's and urgency's label once translated, for a list."""
        labels = {} if labels is None else labels
        due = dossier.due_at
        assignee, department = dossier.assignee, dossier.department
        if assignee is not None:
            handler = assignee.full_name or assignee.username
        else:
            handler = department.name if department is not None else "—"
        return cls(dossier=dossier, standing=standing, url=url, code=dossier.code,
                   procedure=dossier.procedure.name, applicant=dossier.applicant_name,
                   status_label=_label(State(dossier.status), labels),
                   due=display(due) if due is not None else "",
                   due_iso=local(due).isoformat() if due is not None else "",
                   handler=handler, tone=standing.tone,
                   label=_label(standing.urgency, labels), time_text=standing.time_text)


def _label(choice: Choices, labels: dict[tuple[type, Choices], str]) -> str:
    # Keyed by type too: a state and an urgency are str enums that could share a value.
    key = (type(choice), choice)
    found = labels.get(key)
    if found is None:
        found = labels[key] = str(choice.label)
    return found


# Any id: the screen of every dossier is at this one's URL with its own id in the place.
_URL_MARK = UUID(int=0)


def staff_urls() -> Callable[[UUID], str]:
    """The staff screen's URL of a dossier by its public id, with ``reverse`` run once for
    a whole list instead of once a row (only the UUID differs, which is never quoted)."""
    pattern = reverse("onestop:staff_dossier", args=[_URL_MARK])
    mark = str(_URL_MARK)
    return lambda public_id: pattern.replace(mark, str(public_id))


def _running() -> Q:
    return Q(status__in=COUNTING_STATES, paused_at__isnull=True, due_at__isnull=False)


def worklist_queryset(*, user: Any, status: str = "", procedure_id: int | None = None,
                      mine: bool = False) -> QuerySet[Dossier]:
    """Open dossiers ``user`` handles, most urgent first: running clocks by due date, then
    dossiers waiting to be received, then those waiting for the citizen's supplement."""
    if not access.can(user, "dossier.view"):
        return Dossier.objects.none()
    # The same states and order as the partial index ``dossier_worklist_order``.
    dossiers = Dossier.objects.filter(dossier_staff_q(user), status__in=WORKLIST_STATES)
    if status:
        dossiers = dossiers.filter(status=status)
    if procedure_id:
        dossiers = dossiers.filter(procedure_id=procedure_id)
    if mine:
        dossiers = dossiers.filter(assignee_id=user.pk)
    return (dossiers.select_related("procedure", "commune", "assignee", "department")
            .defer(*LIST_DEFERRED)
            .order_by(PAUSED_LAST, F("due_at").asc(nulls_last=True), "submitted_at", "pk"))


def rows_for(dossiers: list[Dossier], *, now: dt.datetime | None = None,
             deadlines: Deadlines | None = None) -> list[Row]:
    """The rows of these dossiers: one clock per commune for all of them (its working days
    summed once), no query per row."""
    deadlines = deadlines or Deadlines(now)
    deadlines.prime({d.commune_id for d in dossiers})
    url_of = staff_urls()
    labels: dict[tuple[type, Choices], str] = {}
    return [Row.of(d, deadlines.standing(d), url=url_of(d.public_id), labels=labels)
            for d in dossiers]


class CappedPaginator(Paginator):
    """A paginator that counts at most ``cap`` rows, or as many as the pages up to the one
    asked for and the next one hold, so "next page" always works and the total is exact
    whenever it is small. ``more`` says the count stopped at ``counted``: there are more."""

    def __init__(self, object_list: QuerySet[Any], per_page: int, *, cap: int,
                 page_number: Any) -> None:
        super().__init__(object_list, per_page)
        self.dossiers = object_list
        try:
            wanted = min(max(int(page_number), 1), WORKLIST_MAX_PAGE)
        except (TypeError, ValueError):
            wanted = 1
        self.counted = max(cap, (wanted + 1) * per_page)

    @cached_property
    def count(self) -> int:
        # COUNT(*) over a LIMITed subquery that keeps the worklist's ORDER BY, so PostgreSQL
        # reads the first rows off the index ``dossier_worklist_order`` and stops.
        return self.dossiers.values("pk")[: self.counted + 1].count()

    @property
    def more(self) -> bool:
        return self.count > self.counted


def worklist_page(*, user: Any, status: str = "", procedure_id: int | None = None,
                  mine: bool = False, page: Any = 1, now: dt.datetime | None = None,
                  per_page: int = WORKLIST_PAGE_SIZE) -> tuple[Page[Any], list[Row]]:
    """One page of the worklist and its rows with their deadline standing."""
    dossiers = worklist_queryset(user=user, status=status, procedure_id=procedure_id,
                                 mine=mine)
    current = CappedPaginator(dossiers, per_page, cap=WORKLIST_COUNT_CAP,
                              page_number=page).get_page(page)
    return current, rows_for(list(current.object_list), now=now)


# -- the leaders' overview ------------------------------------------------------------------

@dataclass
class Group:
    """Open dossiers held by one officer (or one department, when nobody is named)."""

    department: str
    assignee: str
    late: int = 0
    due_soon: int = 0
    on_time: int = 0
    paused: int = 0
    waiting: int = 0
    resolved: int = 0
    total: int = 0


@dataclass
class CommuneOverview:
    commune: Commune
    groups: list[Group] = field(default_factory=list)
    totals: Group = field(default_factory=lambda: Group("", ""))
    late: list[Row] = field(default_factory=list)
    late_total: int = 0


def _name(user_name: str | None, username: str | None) -> str:
    return user_name or username or ""


def overview_for(*, user: Any, now: dt.datetime | None = None) -> list[CommuneOverview]:
    """For each commune the user leads: open dossiers per officer/department with how many
    are on time, due soon and late, and the late ones with who holds them. Two queries per
    commune, whatever the number of dossiers."""
    now = now or timezone.now()
    deadlines = Deadlines(now)
    communes = list(access.communes_for(user, "dossier.overview").order_by("name"))
    deadlines.prime(c.pk for c in communes)
    result = []
    for commune in communes:
        cutoff = deadlines.soon_cutoff(commune)
        running = _running()
        open_here = Dossier.objects.filter(commune=commune, status__in=OPEN_STATES)
        counted = (open_here.values("department__name", "assignee__full_name",
                                    "assignee__username")
                   .annotate(late=Count("pk", filter=running & Q(due_at__lt=now)),
                             due_soon=Count("pk", filter=running & Q(due_at__gte=now,
                                                                     due_at__lte=cutoff)),
                             on_time=Count("pk", filter=running & Q(due_at__gt=cutoff)),
                             paused=Count("pk", filter=Q(status=State.SUPPLEMENT)),
                             waiting=Count("pk", filter=Q(status=State.SUBMITTED)),
                             resolved=Count("pk", filter=Q(status__in=RESOLVED_STATES)),
                             total=Count("pk"))
                   .order_by("-late", "-due_soon", "department__name", "assignee__full_name"))
        item = CommuneOverview(commune=commune)
        for values in counted:
            group = Group(department=values["department__name"] or "",
                          assignee=_name(values["assignee__full_name"],
                                         values["assignee__username"]),
                          **{k: values[k] for k in ("late", "due_soon", "on_time", "paused",
                                                    "waiting", "resolved", "total")})
            item.groups.append(group)
            for key in ("late", "due_soon", "on_time", "paused", "waiting", "resolved",
                        "total"):
                setattr(item.totals, key, getattr(item.totals, key) + getattr(group, key))
        late = list(open_here.filter(running, due_at__lt=now)
                    .select_related("procedure", "commune", "assignee", "department")
                    .defer(*LIST_DEFERRED).order_by("due_at", "pk")[:OVERVIEW_LATE_LIMIT])
        item.late = rows_for(late, deadlines=deadlines)
        item.late_total = item.totals.late
        result.append(item)
    return result


# -- one dossier ----------------------------------------------------------------------------

def dossier_for_staff(*, user: Any, public_id: UUID | str) -> Dossier:
    """A dossier the user handles as staff, with everything its screen shows; a 404 for
    anyone else, the applicant included (they have their own page)."""
    if not access.can(user, "dossier.view"):
        raise Http404
    try:
        return (Dossier.objects.filter(dossier_staff_q(user))
                .select_related("commune", "procedure", "version", "department", "assignee",
                                "applicant", "received_by", "signed_by", "result_file")
                .prefetch_related(
                    Prefetch("attachments",
                             DossierAttachment.objects.select_related("file")),
                    Prefetch("documents", DossierDocument.objects.select_related("file")),
                    Prefetch("steps", DossierStep.objects.order_by("at", "pk")))
                .get(public_id=public_id))
    except (Dossier.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def assignment_choices(commune: Commune) -> tuple[QuerySet[Department], QuerySet[User]]:
    """Departments of the commune and the staff a dossier may be handed to."""
    departments = Department.objects.filter(commune=commune).order_by("name")
    staff = (User.objects.filter(is_active=True, pk__in=Membership.objects.filter(
        commune=commune, is_active=True, role__in=ASSIGNABLE_ROLES).values("user_id"))
        .order_by("full_name", "username"))
    return departments, staff


def form_rows(dossier: Dossier) -> list[tuple[str, str]]:
    """The application's answers under the labels of the form version it was filed with."""
    from django.utils.translation import gettext as _

    data = dossier.form_data or {}
    rows = []
    for spec in dossier.version.form_schema or []:
        name = spec.get("name")
        value = data.get(name)
        if value in (None, ""):
            shown = "—"
        elif spec.get("type") == "choice":
            shown = str({str(k): v for k, v in spec.get("choices") or []}.get(
                str(value), value))
        elif spec.get("type") == "checkbox":
            shown = _("Có") if value else _("Không")
        elif spec.get("type") in ("date", "past_date"):
            try:
                shown = dt.date.fromisoformat(str(value)).strftime("%d/%m/%Y")
            except ValueError:
                shown = str(value)
        else:
            shown = str(value)
        rows.append((str(spec.get("label") or name), shown))
    return rows


def _state_label(value: str) -> str:
    return str(State(value).label) if value in State.values else value


def step_rows(dossier: Dossier) -> list[dict[str, Any]]:
    """The handovers of Mẫu 06 with readable action and state names."""
    from django.utils.translation import gettext as _

    from langso.onestop.workflow import TRANSITIONS

    names = {key: str(t.label) for key, t in TRANSITIONS.items()}
    names.update({"submit": _("Nộp hồ sơ"), "extend": _("Gia hạn (Mẫu 04)"),
                  "pay": _("Nộp phí, lệ phí")})
    return [{"step": s, "action": names.get(s.action, s.action),
             "from_state": _state_label(s.from_state), "to_state": _state_label(s.to_state)}
            for s in dossier.steps.all()]


def attachment_rows(dossier: Dossier) -> list[dict[str, Any]]:
    """Attachments under the document names of the dossier's procedure version."""
    names = {d.get("code"): d.get("name") for d in dossier.version.documents or []}
    return [{"attachment": a, "name": names.get(a.document_code, a.document_code)}
            for a in dossier.attachments.all()]
