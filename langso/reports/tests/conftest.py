"""Fixtures of the field-report tests: categories, the office, reports in any state."""

from collections.abc import Callable
from typing import Any

import pytest

from langso.core.models import Commune, Department, Role, User
from langso.reports import services
from langso.reports.models import Category, MediaKind, Report, ReportMedia, Severity


@pytest.fixture
def land(commune: Commune) -> Department:
    return Department.objects.get(commune=commune, kind=Department.Kind.LAND)


@pytest.fixture
def culture(commune: Commune) -> Department:
    return Department.objects.get(commune=commune, kind=Department.Kind.CULTURE_SOCIAL)


@pytest.fixture
def categories(commune: Commune, land: Department, culture: Department) -> dict[str, Category]:
    return {
        "road": Category.objects.create(commune=commune, code="duong-giao-thong",
                                        name="Đường giao thông, cầu cống", department=land,
                                        group="Hạ tầng"),
        "light": Category.objects.create(commune=commune, code="chieu-sang",
                                         name="Điện chiếu sáng công cộng", department=land,
                                         group="Hạ tầng"),
        "noise": Category.objects.create(commune=commune, code="tieng-on",
                                         name="Tiếng ồn, trật tự", department=culture,
                                         group="Trật tự"),
    }


@pytest.fixture
def staff(commune: Commune, make_staff: Callable[..., User]) -> dict[str, User]:
    return {
        "chairman": make_staff(Role.CHAIRMAN, commune),
        "vice_chairman": make_staff(Role.VICE_CHAIRMAN, commune),
        "land_officer": make_staff(Role.SPECIALIST, commune,
                                   department_kind=Department.Kind.LAND),
        "culture_officer": make_staff(Role.SPECIALIST, commune,
                                      department_kind=Department.Kind.CULTURE_SOCIAL),
        "one_stop": make_staff(Role.ONE_STOP_OFFICER, commune),
        "commune_admin": make_staff(Role.COMMUNE_ADMIN, commune),
    }


POINT = ("21.459200", "105.645100")  # Tam Đảo
SUNKEN_LANE = "Đường ngõ 3 thôn Đồng Bả bị sụt lún, nước ngập sau mưa."


@pytest.fixture
def proof_media(commune: Commune) -> Callable[[], ReportMedia]:
    """A proof photo already stored and processed (as reports.media would leave it)."""
    from langso.core.tests import upload_samples
    from langso.core.uploads.services import store_generated

    def make() -> ReportMedia:
        stored = store_generated(commune=commune, name="proof.pdf",
                                 data=upload_samples.pdf())
        return ReportMedia.objects.create(commune=commune, kind=MediaKind.PROOF, file=stored,
                                          status="ready")

    return make


@pytest.fixture
def make_report(commune: Commune, categories: dict[str, Category]) -> Callable[..., Report]:
    def make(*, category: str = "road", reporter: User | None = None, secret: list[str] |
             None = None, **kwargs: Any) -> Report:
        fields: dict[str, Any] = {"latitude": POINT[0], "longitude": POINT[1],
                                  "description": SUNKEN_LANE}
        fields.update(kwargs)
        report, key = services.report_submit(
            commune=fields.pop("commune", commune),
            reporter=services.Reporter(user=reporter, name="Trần Văn Nam",
                                       phone="0987654321"),
            category=categories[category], **fields)
        if secret is not None:
            secret.append(key)
        return report

    return make


@pytest.fixture
def triaged(make_report: Callable[..., Report], staff: dict[str, User],
            land: Department) -> Report:
    report = make_report()
    return services.report_triage(actor=staff["chairman"], report=report,
                                  severity=Severity.NORMAL, department=land)
