"""Fixtures of the one-stop tests: a procedure, its people and a dossier at any state."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from langso.core.models import Commune, Department, Person, Role, User
from langso.onestop.models import OnlineLevel, Procedure, ProcedureVersion, TimeLimitKind

BIRTH_SCHEMA = [
    {"name": "child_name", "label": "Họ, chữ đệm, tên của trẻ", "type": "text",
     "required": True, "max_length": 150},
    {"name": "child_birth_date", "label": "Ngày sinh của trẻ", "type": "past_date",
     "required": True},
    {"name": "child_sex", "label": "Giới tính", "type": "choice", "required": True,
     "choices": [["male", "Nam"], ["female", "Nữ"]]},
    {"name": "mother_name", "label": "Họ tên người mẹ", "type": "text", "required": True,
     "prefill": "person.full_name"},
    {"name": "mother_id", "label": "Số định danh của mẹ", "type": "citizen_id",
     "required": False, "prefill": "person.citizen_id"},
]


@pytest.fixture(autouse=True)
def onestop_media(settings: Any, tmp_path: Any) -> Any:
    """Uploads and issued documents of each test go to its own directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def status_limits_reset() -> Any:
    """The status page's in-process rate-limit counters start empty in every test."""
    from langso.onestop.status_views import reset_status_limits

    reset_status_limits()
    yield
    reset_status_limits()


@pytest.fixture
def make_procedure(db: Any) -> Callable[..., Procedure]:
    counter = iter(range(1, 10_000))

    def make(*, code: str | None = None, name: str = "Đăng ký khai sinh",
             department_kind: str = Department.Kind.JUSTICE,
             time_limit_kind: str = TimeLimitKind.WORKING_DAYS, time_limit_value: int = 3,
             online_level: str = OnlineLevel.FULL, fee: dict[str, Any] | None = None,
             documents: list[dict[str, Any]] | None = None,
             form_schema: list[dict[str, Any]] | None = None,
             effective_from: dt.date = dt.date(2025, 7, 1)) -> Procedure:
        n = next(counter)
        procedure = Procedure.objects.create(
            code=code or f"9.{n:06d}", name=name, sector="Hộ tịch", slug=f"thu-tuc-{n}",
            department_kind=department_kind)
        ProcedureVersion.objects.create(
            procedure=procedure, number=1, effective_from=effective_from,
            legal_basis="Luật Hộ tịch 2014; Nghị định 123/2015/NĐ-CP",
            time_limit_kind=time_limit_kind, time_limit_value=time_limit_value,
            online_level=online_level, result_type="Giấy khai sinh",
            fee=fee if fee is not None else {"kind": "free"},
            documents=documents if documents is not None else [
                {"code": "birth_certificate", "name": "Giấy chứng sinh", "copy_kind": "original",
                 "quantity": 1, "required": True}],
            form_schema=form_schema if form_schema is not None else BIRTH_SCHEMA)
        return procedure

    return make


@pytest.fixture
def procedure(make_procedure: Callable[..., Procedure]) -> Procedure:
    return make_procedure()


@pytest.fixture
def justice(commune: Commune) -> Department:
    return Department.objects.get_or_create(
        commune=commune, kind=Department.Kind.JUSTICE,
        defaults={"name": "Tư pháp – Hộ tịch"})[0]


@pytest.fixture
def officers(commune: Commune, make_staff: Callable[..., User],
             justice: Department) -> dict[str, User]:
    """One account per role of the commune's office (specialist in the justice office)."""
    return {
        "chairman": make_staff(Role.CHAIRMAN, commune),
        "vice_chairman": make_staff(Role.VICE_CHAIRMAN, commune),
        "one_stop": make_staff(Role.ONE_STOP_OFFICER, commune),
        "specialist": make_staff(Role.SPECIALIST, commune,
                                 department_kind=Department.Kind.JUSTICE),
        "clerk": make_staff(Role.CLERK, commune),
        "commune_admin": make_staff(Role.COMMUNE_ADMIN, commune),
    }


@pytest.fixture
def resident(commune: Commune, citizen: User, make_person: Callable[..., Person]) -> Person:
    """The signed-in citizen as the registry knows her."""
    return make_person(commune, "Nguyễn Thị Lan", user=citizen, citizen_id="001190012345",
                       date_of_birth=dt.date(1990, 5, 17), sex="female", phone="0912345678")
