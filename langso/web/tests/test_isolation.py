"""Walks every URL and API route as a user of another commune and as each role.

Private data of commune B carries the token ``QXZB``; residents of commune A carry ``QXZA``
(village 1) and ``QXZV`` (village 2). A page leaks when a token shows for a user who may
not see it, or when a write by an outsider changes commune B.
New routes are covered automatically; a route whose parameters the walker cannot fill fails
``test_every_route_is_walked`` until a filler is added below.
"""

import datetime
import itertools
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model
from django.test import Client

from langso.core import access
from langso.core.history import history_record
from langso.core.models import HistoryEvent, Person, Role
from langso.core.notifications import notify
from langso.core.services import calendar as calendar_services
from langso.core.services import people as people_services
from langso.core.tests import upload_samples
from langso.core.uploads.services import upload_store
from langso.testing.urlwalk import Route, iter_routes

CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"|"X-CSRFToken": "[^"]*"')

# Routes whose output cannot depend on tenant data.
NOT_TENANT_DATA = {"api:schema", "api:docs", "set_language", "web:language", "healthz",
                   "admin:jsi18n",
                   "admin:logout", "admin:password_change", "admin:password_change_done",
                   "accounts:logout",
                   # Public PDF signature check: reads the uploaded file, shows no tenant data.
                   "onestop:verify_document"}


def tenant_models() -> list[type[Model]]:
    return [m for m in apps.get_models() if getattr(m, "tenant_field", None)]


@pytest.fixture
def world(commune, other_commune, make_village, make_person, make_staff):
    a1, a2 = make_village(commune, "Đồng Bả"), make_village(commune, "Làng Hà")
    b1 = make_village(other_commune, "Hổ Thôn")
    admin_a = make_staff(Role.COMMUNE_ADMIN, commune)
    a_people = [make_person(commune, "Nguyễn Văn Qxza", village=a1, citizen_id="026090000001"),
                make_person(commune, "Trần Thị Qxzv", village=a2)]
    b_people = [make_person(other_commune, "Lê Văn Qxzb", village=b1,
                            citizen_id="038090000002", phone="0977000111")]
    household_a = people_services.household_create(actor=admin_a, head=a_people[0], village=a1,
                                                   address="Số 1 Qxza")
    admin_b = make_staff(Role.COMMUNE_ADMIN, other_commune)
    household_b = people_services.household_create(actor=admin_b, head=b_people[0], village=b1,
                                                   address="Số 9 Qxzb")
    history_record(obj=b_people[0], action="test", actor=admin_b, reason="lý do Qxzb")
    history_record(obj=a_people[0], action="test", actor=admin_a, reason="lý do Qxzh")
    # One record of every other tenant model per commune, so their routes are walked too.
    # Tokens: Qxzu an upload (uploader and upload.view only), Qxzn a notification
    # (its recipient only), Qxzb anything of commune B.
    for owner, target, tokens in ((admin_a, commune, ("Qxzu", "Qxzn", "")),
                                  (admin_b, other_commune, ("Qxzb",) * 3)):
        upload_store(actor=owner, commune=target, kind="document",
                     file=SimpleUploadedFile(f"don-{tokens[0]}.pdf", upload_samples.pdf(),
                                             content_type="application/pdf"))
        notify(recipient=owner, template="generic", commune=target,
               context={"title": f"Tin {tokens[1]}", "message": f"Nội dung {tokens[1]}"})
        calendar_services.calendar_override_create(
            actor=owner, commune=target, date=datetime.date(2030, 9, 7), kind="working_day",
            reason=f"Làm bù {tokens[2]}".strip())
    users = {role: make_staff(role, commune, village=a1 if role in access.VILLAGE_SCOPED_ROLES
                              else None) for role in Role.values if role != Role.PROVINCE_ADMIN}
    users[Role.PROVINCE_ADMIN] = make_staff(Role.PROVINCE_ADMIN, province=commune.province)
    from langso.onestop.catalogue.loader import catalogue_load

    catalogue_load()  # national procedures, so the catalogue routes are walked with real ones
    # Qxzd: an applicant of commune A, seen by those who read residents or dossiers.
    _dossiers(make_person(commune, "Phạm Thị Qxzd", village=a1), b_people[0])
    _reports(commune, other_commune)
    return {"a": commune, "b": other_commune, "users": users, "admin_b": admin_b,
            "a_people": a_people, "b_people": b_people, "households": (household_a, household_b),
            "a_village": a1}


def _dossiers(person_a: Person, person_b: Person) -> None:
    """One online application per commune, by a resident of that commune, so the dossier
    routes (staff screens, Hồ sơ của tôi, API) are walked with real ids."""
    from langso.core.models import User
    from langso.onestop import services as onestop_services
    from langso.onestop.models import Procedure, ProcedureVersion

    procedure = Procedure.objects.create(code="9.000001", name="Thủ tục thử", sector="Thử",
                                         slug="thu-tuc-thu", department_kind="tu_phap_ho_tich")
    ProcedureVersion.objects.create(
        procedure=procedure, number=1, effective_from=datetime.date(2025, 7, 1),
        legal_basis="-", time_limit_kind="working_days", time_limit_value=3,
        online_level="full", result_type="-", form_schema=[
            {"name": "note", "label": "Nội dung", "type": "text", "required": True}])
    for person, phone in ((person_a, "0912000091"), (person_b, "0912000092")):
        user = User.objects.create_user(username=phone, phone=phone, password="x-Secret-123",
                                        kind=User.Kind.CITIZEN, full_name=person.full_name)
        Person.objects.filter(pk=person.pk).update(user=user)
        person.refresh_from_db()
        onestop_services.dossier_submit(actor=user, commune=person.commune,
                                        procedure=procedure,
                                        form_data={"note": f"Đề nghị {person.full_name}"})


def _reports(a, b) -> None:
    """One field report per commune, so the report routes are walked with real numbers. The
    reporter's name and contact carry the commune's token (Qxzr in A: only staff who may
    open reports; Qxzb in B): the public pages of a report must never show them."""
    from langso.reports import services as report_services
    from langso.reports.models import Category

    for commune, name, phone, email in (
            (a, "Phạm Văn Qxzr", "0912000093", "qxzr@example.vn"),
            (b, "Lê Văn Qxzb", "0977000111", "qxzb@example.vn")):
        category = Category.objects.create(commune=commune, code="duong-giao-thong",
                                           name="Đường giao thông")
        report_services.report_submit(
            commune=commune, category=category, description="Đường ngõ bị sụt lún sau mưa.",
            reporter=report_services.Reporter(name=name, phone=phone, email=email),
            latitude="21.459200", longitude="105.645100")


def objects_of(commune) -> list[Any]:
    found = []
    for model in tenant_models():
        path = model.tenant_field  # type: ignore[attr-defined]  # tenant models only, see above
        obj = model._default_manager.filter(**{path: commune}).order_by("pk").first()
        if obj is not None:
            found.append(obj)
    return found


def catalogue_values(field: str) -> list[object]:
    from langso.onestop.models import Procedure

    found = list(Procedure.objects.order_by("pk").values_list(field, flat=True)[:1])
    return found or (["9.999999"] if field == "code" else ["khong-co"])


def fillings(route: Route, objects: list[Any], commune) -> Iterator[dict[str, object]]:
    """Every assignment of the route's parameters drawn from ``objects``."""
    choices: list[list[object]] = []
    for name, converter in route.params:
        if name in ("procedure", "code"):  # the national catalogue: a procedure's slug or code
            choices.append(catalogue_values("slug" if name == "procedure" else "code"))
        elif converter == "slug" or name == "slug":
            choices.append([commune.slug])
        elif converter == "uuid":
            choices.append([v for o in objects for f in o._meta.fields
                            if f.get_internal_type() == "UUIDField"
                            for v in [getattr(o, f.name)]])
        elif name == "number":  # a field report's number in its commune (reports)
            choices.append([o.number for o in objects if o._meta.label == "reports.Report"]
                           or [1])
        elif name in ("pk", "id", "object_id") or name.endswith("_id") or converter == "int":
            choices.append(sorted({o.pk for o in objects}))
        elif name == "app_label":
            choices.append(["core"])
        elif name == "action":  # a dossier action (onestop.staff_views); a few suffice
            choices.append(["assign", "stop", "extend"])
        elif name == "form":  # a paper issued for a dossier (onestop.citizen_views)
            choices.append(["01", "result"])
        elif converter == "open311fmt":  # Open311 (reports.open311): both formats
            choices.append(["json", "xml"])
        elif name == "service_code":  # Open311: a category's code
            choices.append([o.code for o in objects if o._meta.label == "reports.Category"]
                           or ["khong-co"])
        elif name == "token":  # Open311: a report's client token
            choices.append([o.client_token for o in objects
                            if o._meta.label == "reports.Report"] or ["khong-co"])
        else:
            raise LookupError(f"{route.template}: no filler for <{converter}:{name}>")
    yield from (dict(zip([n for n, _ in route.params], combo, strict=True))
                for combo in itertools.product(*choices))


def walkable_routes() -> list[Route]:
    return [r for r in iter_routes()
            if r.name not in NOT_TENANT_DATA and "(?P<url>" not in r.template
            and "static" not in r.template and "media" not in r.template]


def login(client: Client, user: Any) -> None:
    if isinstance(user, AnonymousUser):
        return
    from langso.testing.auth import login_verified

    login_verified(client, user)


def test_every_route_is_walked(world):
    for route in walkable_routes():
        list(fillings(route, objects_of(world["b"]), world["b"]))


def _get_all(client: Client, objects: list[Any], commune) -> Iterator[tuple[str, int, str]]:
    for route in walkable_routes():
        for values in fillings(route, objects, commune):
            url = route.fill(values)
            response = client.get(url, HTTP_ACCEPT="text/html,application/json")
            # Streaming responses (files) have streaming_content; the test client's stubs
            # type every response as a plain HttpResponse.
            body = (b"".join(response.streaming_content)  # type: ignore[attr-defined]
                    if response.streaming else response.content)
            text = body.decode("utf-8", "replace")
            # CSRF tokens are random letters: one may spell a token by chance.
            yield url, response.status_code, CSRF_TOKEN.sub("", text).lower()


@pytest.mark.parametrize("outsider", ["commune_admin_of_a", "province_admin_of_a"])
def test_users_of_another_commune_never_see_its_private_data(world, outsider):
    user = world["users"][Role.COMMUNE_ADMIN if outsider == "commune_admin_of_a"
                          else Role.PROVINCE_ADMIN]
    client = Client()
    login(client, user)
    leaks = [(url, status) for url, status, body in
             _get_all(client, objects_of(world["b"]), world["b"])
             if "qxzb" in body or "038090000002" in body or "0977000111" in body]
    assert leaks == []


@pytest.mark.parametrize("role", [*Role.values, "citizen", "anonymous"])
def test_each_role_sees_only_what_it_may(world, role, citizen):
    user = {"citizen": citizen, "anonymous": AnonymousUser()}.get(role) or world["users"][role]
    may_see_people = access.can(user, "people.view", world["a_people"][0])
    may_see_other_village = access.can(user, "people.view", world["a_people"][1])
    may_see_history = access.can(user, "history.view", world["a"])
    may_see_uploads = access.can(user, "upload.view", world["a"])
    may_see_dossiers = access.can(user, "dossier.view", world["a"])
    may_see_reports = access.can(user, "report.view", world["a"])
    client = Client()
    login(client, user)
    pages_with_people = 0
    for url, status, body in _get_all(client, objects_of(world["a"]), world["a"]):
        assert "qxzb" not in body, (role, url)
        if "qxza" in body or "026090000001" in body:
            assert may_see_people, (role, url, status)
            pages_with_people += 1
        if "qxzv" in body:
            assert may_see_other_village, (role, url, status)
        if "qxzh" in body:
            assert may_see_history or may_see_people, (role, url, status)
        if "qxzu" in body:
            assert may_see_uploads, (role, url, status)
        if "qxzd" in body:
            assert may_see_dossiers or may_see_people, (role, url, status)
        if "qxzr" in body:  # a field report's reporter: never on a public page
            assert may_see_reports, (role, url, status)
        assert "qxzn" not in body, (role, url)  # another user's notification
    # The walk is not vacuous: whoever may see residents does see them somewhere.
    assert (pages_with_people > 0) == may_see_people


def test_writes_by_another_commune_change_nothing_there(world):
    b = world["b"]
    before_people = list(Person.objects.filter(commune=b).values())
    before_history = HistoryEvent.objects.filter(commune=b).count()
    objects = objects_of(b)
    for user in (world["users"][Role.COMMUNE_ADMIN], world["users"][Role.PROVINCE_ADMIN]):
        client = Client()
        login(client, user)
        for route in walkable_routes():
            for values in fillings(route, objects, b):
                url = route.fill(values)
                payload = {"commune": b.pk, "full_name": "Kẻ Xâm Nhập", "name": "Thôn Lạ",
                           "village": world["b_people"][0].village_id, "reason": "x",
                           "post": "yes"}
                client.post(url, payload)
                client.patch(url, payload, content_type="application/json")
                client.delete(url)
    assert list(Person.objects.filter(commune=b).values()) == before_people
    assert HistoryEvent.objects.filter(commune=b).count() == before_history
