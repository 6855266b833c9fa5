"""The national swapped days survive a flush (transactional tests, manage.py flush)."""

import datetime

import pytest
from django.core.management import call_command

from langso.core.clock import WorkingClock
from langso.core.models import CalendarOverride


@pytest.mark.django_db(transaction=True)
def test_flush_puts_back_the_national_swapped_days():
    call_command("flush", "--no-input", verbosity=0)
    assert CalendarOverride.objects.filter(commune=None).count() >= 4
    assert not WorkingClock().is_working_day(datetime.date(2026, 1, 2))
    assert WorkingClock().is_working_day(datetime.date(2026, 1, 10))
