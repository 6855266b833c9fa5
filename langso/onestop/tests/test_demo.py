"""The demo worklist: every planned dossier reaches its state through the real services."""

import pytest

from langso.onestop.catalogue.loader import catalogue_load
from langso.onestop.demo import PLAN, demo_dossiers_load
from langso.onestop.models import Dossier, DossierDocument
from langso.onestop.workflow import State

pytestmark = pytest.mark.django_db

EXPECTED = {"submitted": State.SUBMITTED, "received": State.RECEIVED,
            "assigned": State.ASSIGNED, "processing": State.PROCESSING,
            "request_supplement": State.SUPPLEMENT, "draft_result": State.RESULT_DRAFTED,
            "release": State.RESULT_READY, "return": State.RETURNED}


def test_demo_dossiers_cover_every_state_once(commune, officers, resident, make_person):
    catalogue_load()
    for i in range(len(PLAN)):
        make_person(commune, f"Cư dân {i}", citizen_id=f"0011900000{i:02d}",
                    address=f"Số {i}, thôn Đồng Bả")
    assert demo_dossiers_load(commune) == len(PLAN)
    states = sorted(Dossier.objects.values_list("status", flat=True))
    assert states == sorted(EXPECTED[stop] for _c, _ch, stop, _d in PLAN)
    # Received dossiers carry their signed receipt; the returned one its signed result.
    assert DossierDocument.objects.filter(form="01").count() == len(PLAN) - 1
    assert DossierDocument.objects.filter(form="result").count() == 2
    assert demo_dossiers_load(commune) == 0  # once only
