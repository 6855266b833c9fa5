"""The history is append-only and any edit or deletion is detected by verify_history."""

import itertools

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from langso.core.history import history_record, history_verify
from langso.core.models import HistoryEvent, HistoryIsAppendOnly


@pytest.fixture
def events(commune, other_commune, make_staff):
    chairman = make_staff("chairman", commune)
    made = [history_record(obj=commune, action=f"test.{i}", actor=chairman, from_state="a",
                           to_state="b", reason=f"lý do {i}") for i in range(5)]
    made.append(history_record(obj=other_commune, action="test.other", actor=None))
    return made


def test_events_are_chained_per_commune(events, commune, other_commune):
    ours = list(HistoryEvent.objects.filter(commune=commune).order_by("seq"))
    assert [e.seq for e in ours] == [1, 2, 3, 4, 5]
    assert ours[0].prev_hash == ""
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(ours))
    theirs = HistoryEvent.objects.get(commune=other_commune)
    assert theirs.seq == 1 and theirs.actor_label == "Hệ thống"
    assert history_verify() == []


def test_model_refuses_update_and_delete(events):
    event = events[0]
    event.reason = "sửa lén"
    with pytest.raises(HistoryIsAppendOnly):
        event.save()
    with pytest.raises(HistoryIsAppendOnly):
        event.delete()
    with pytest.raises(HistoryIsAppendOnly):
        HistoryEvent.objects.filter(pk=event.pk).update(reason="x")
    with pytest.raises(HistoryIsAppendOnly):
        HistoryEvent.objects.all().delete()


def _raw(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_edited_row_is_detected(events):
    table = HistoryEvent._meta.db_table
    _raw(f"UPDATE {table} SET reason = %s WHERE id = %s", ["sửa lén", events[2].pk])
    problems = history_verify()
    assert [(p.seq, p.problem) for p in problems] == [(3, "nội dung đã bị sửa")]
    with pytest.raises(CommandError):
        call_command("verify_history")


def test_deleted_middle_row_is_detected(events):
    _raw(f"DELETE FROM {HistoryEvent._meta.db_table} WHERE id = %s", [events[1].pk])
    problems = {p.problem for p in history_verify()}
    assert "thiếu sự kiện (đã bị xóa)" in problems
    assert "liên kết với sự kiện trước bị sai" in problems


def test_deleted_last_row_is_detected(events):
    _raw(f"DELETE FROM {HistoryEvent._meta.db_table} WHERE id = %s", [events[4].pk])
    assert [p.seq for p in history_verify()] == [5]


def test_rehashed_forgery_is_still_detected_by_the_next_link(events):
    forged = HistoryEvent.objects.get(pk=events[1].pk)
    forged.reason = "đã giả mạo"
    new_hash = forged.compute_hash()
    _raw(f"UPDATE {HistoryEvent._meta.db_table} SET reason = %s, hash = %s WHERE id = %s",
         ["đã giả mạo", new_hash, forged.pk])
    assert [(p.seq, p.problem) for p in history_verify()] == [
        (3, "liên kết với sự kiện trước bị sai")]


def test_verify_command_reports_success(events, capsys):
    call_command("verify_history")
    assert "Nhật ký toàn vẹn (6 sự kiện)" in capsys.readouterr().out
