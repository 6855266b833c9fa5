"""Rules of the services that no single screen owns."""

import pytest

from langso.core.errors import PermissionDenied
from langso.onestop import services
from langso.onestop.models import OnlineLevel
from langso.onestop.tests.staff_factories import make_dossier
from langso.onestop.workflow import State

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("level", "online"), [(OnlineLevel.FULL, True),
                                               (OnlineLevel.PARTIAL, False)])
def test_the_applicant_takes_the_result_online_only_for_full_online_procedures(
        commune, make_procedure, citizen, officers, level, online):
    dossier = make_dossier(commune=commune, procedure=make_procedure(online_level=level),
                           state=State.RESULT_READY, applicant_user=citizen)
    assert ("return" in [t.action for t in services.actions_for(citizen, dossier)]) is online
    # The one-stop officer hands any result over at the desk.
    assert "return" in [t.action for t in services.actions_for(officers["one_stop"], dossier)]
    if not online:
        with pytest.raises(PermissionDenied) as refused:
            services.dossier_transition(actor=citizen, dossier=dossier, action="return")
        assert refused.value.message == "Thủ tục này nhận kết quả tại bộ phận một cửa."
        dossier.refresh_from_db()
        assert dossier.status == State.RESULT_READY
