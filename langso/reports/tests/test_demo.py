"""The demo reports: every resting state through the real services, once, with a model."""

from collections import Counter
from typing import Any

import pytest

from langso.core.models import Commune, User
from langso.reports import classifier
from langso.reports.demo import PLAN, demo_reports_load
from langso.reports.models import (
    Category,
    ClassifierModel,
    MediaKind,
    Report,
    ReportMedia,
    ReportUpdate,
)
from langso.reports.workflow import State

pytestmark = pytest.mark.django_db

STOPS = {"new": State.NEW, "triaged": State.TRIAGED, "in_progress": State.IN_PROGRESS,
         "answer_drafted": State.ANSWER_DRAFTED, "resolved": State.RESOLVED,
         "rated": State.CLOSED, "expired": State.CLOSED, "reopened": State.REOPENED}


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    classifier._loaded.clear()


def test_demo_reports_rest_in_every_state_once(commune: Commune, staff: dict[str, User],
                                               make_village: Any) -> None:
    for name in ("Đồng Bả", "Làng Hà", "Sơn Đình"):
        make_village(commune, name)
    assert demo_reports_load(commune) == len(PLAN)

    expected = Counter(STOPS.get(p.stop, State.REJECTED) for p in PLAN)
    assert Counter(Report.objects.filter(commune=commune).values_list("status", flat=True)
                   ) == expected
    assert set(expected) == set(State.values) - {State.ANSWER_APPROVED}  # it never rests
    assert Report.objects.filter(commune=commune, village__isnull=True).count() == 0
    assert Report.objects.filter(status=State.REJECTED, reject_reason="duplicate",
                                 duplicate_of__isnull=False).count() == 1
    assert Report.objects.filter(status=State.CLOSED, rating__isnull=False).count() == 3
    # Answers are public with their proof photo; the reporters' photos are ready.
    answered = Report.objects.filter(status__in=[State.RESOLVED, State.CLOSED,
                                                 State.REOPENED, State.ANSWER_DRAFTED])
    assert all(r.answer_text for r in answered)
    assert all(ReportMedia.objects.filter(report=r, kind=MediaKind.PROOF, status="ready",
                                          file__isnull=False).exists() for r in answered)
    assert ReportMedia.objects.filter(kind=MediaKind.PHOTO, status="ready").count() == sum(
        p.photo for p in PLAN)
    assert ReportUpdate.objects.filter(report__commune=commune, to_status=State.RESOLVED
                                       ).count() == sum(p.stop in ("resolved", "rated",
                                                                   "expired", "reopened")
                                                        for p in PLAN)
    # The categories are the defaults, and the suggester knows them.
    assert Category.objects.filter(commune=commune).count() == 10
    model = ClassifierModel.objects.get(commune=commune)
    assert model.own_examples == Report.objects.filter(
        status__in=classifier.CONFIRMED_STATES).count()
    assert classifier.suggest(commune, "Cống thoát nước bị tắc, mưa là ngập cả ngõ.") == \
        Category.objects.get(commune=commune, code="thoat-nuoc-ngap-ung")

    # Again: nothing new, the same model.
    assert demo_reports_load(commune) == 0
    assert Report.objects.filter(commune=commune).count() == len(PLAN)
    assert ClassifierModel.objects.filter(commune=commune).count() == 1


def test_without_the_office_no_reports_are_made(commune: Commune) -> None:
    assert demo_reports_load(commune) == 0
    assert not Report.objects.exists()
    assert Category.objects.filter(commune=commune).count() == 10
