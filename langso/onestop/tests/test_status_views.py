"""The public status page: found by code or lookup code, no login, a masked name and nothing
else personal, small, rate-limited."""

import gzip
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from langso.core.tests import upload_samples
from langso.core.uploads.services import upload_store
from langso.onestop import services
from langso.onestop.models import Dossier
from langso.onestop.status_views import mask_name
from langso.onestop.workflow import State

pytestmark = pytest.mark.django_db

CHILD = {"child_name": "Nguyễn Văn Bình", "child_birth_date": "2025-11-01",
         "child_sex": "male"}
SUPPLEMENT_NOTE = "Thiếu bản sao giấy chứng nhận kết hôn"
REASON_WITH_NAME = "Giao ông Trịnh Quốc Toản xử lý"


@pytest.fixture(autouse=True)
def _empty_cache() -> Any:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def dossier(commune, procedure, citizen, resident, officers) -> Dossier:
    """A realistic dossier: received, assigned, processing, waiting for a supplement."""
    resident.address = "Số 12 ngõ Đình, thôn Đồng Bả"
    resident.save(update_fields=["address"])
    file = upload_store(actor=citizen, commune=commune, kind="document",
                        file=SimpleUploadedFile("cs.pdf", upload_samples.pdf()))
    dossier = services.dossier_submit(
        actor=citizen, commune=commune, procedure=procedure, form_data=CHILD,
        attachments=[services.AttachmentInput("birth_certificate", file)])
    one_stop = officers["one_stop"]
    services.dossier_transition(actor=one_stop, dossier=dossier, action="receive")
    services.dossier_transition(actor=one_stop, dossier=dossier, action="assign",
                                assignee=officers["specialist"], reason=REASON_WITH_NAME)
    services.dossier_transition(actor=officers["specialist"], dossier=dossier, action="start")
    services.dossier_transition(actor=officers["specialist"], dossier=dossier,
                                action="request_supplement", reason=SUPPLEMENT_NOTE)
    dossier.refresh_from_db()
    return dossier


def _detail(code: str) -> str:
    return reverse("onestop:status_detail", kwargs={"code": code})


@pytest.mark.parametrize("mask", [
    ("Nguyễn Thị Lan", "N*** T*** Lan"),
    ("Lan", "Lan"),
    ("  Đỗ   Văn  Ánh ", "Đ*** V*** Ánh"),
    ("", ""),
])
def test_names_are_masked_but_the_given_name(mask):
    assert mask_name(mask[0]) == mask[1]


@pytest.mark.parametrize("which", ["lookup_code", "code", "lower_case"])
def test_anyone_finds_a_dossier_by_either_code(client, dossier, which):
    code = {"lookup_code": dossier.lookup_code, "code": dossier.code,
            "lower_case": dossier.lookup_code.lower()}[which]
    response = client.get(_detail(code))
    body = response.content.decode()
    assert response.status_code == 200
    assert dossier.procedure.name in body and dossier.code in body
    assert "N*** T*** Lan" in body
    assert str(State.SUPPLEMENT.label) in body
    assert f"{timezone.localtime(dossier.received_at):%d/%m/%Y}" in body
    assert SUPPLEMENT_NOTE in body
    assert "Set-Cookie" not in response.headers
    assert response["Referrer-Policy"] == "no-referrer"
    assert "private" in response["Cache-Control"]


def test_the_page_shows_milestones_but_no_personal_data(client, dossier, resident, officers):
    body = client.get(_detail(dossier.lookup_code)).content.decode()
    for label in ("Nộp hồ sơ", "Tiếp nhận", "Chuyển xử lý", "Bắt đầu xử lý", "Yêu cầu bổ sung"):
        assert label in body
    for secret in ("Nguyễn Thị Lan", resident.citizen_id, resident.phone, "Số 12 ngõ Đình",
                   CHILD["child_name"], "2025-11-01", "01/11/2025", REASON_WITH_NAME,
                   officers["one_stop"].full_name, officers["specialist"].full_name,
                   str(dossier.public_id)):
        assert secret not in body, secret


def test_the_page_stays_under_14_kb_gzipped(client, dossier):
    response = client.get(_detail(dossier.lookup_code), HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert len(response.content) <= 14 * 1024
    assert len(gzip.decompress(response.content)) > 1000  # a real page, compressed


def test_the_lookup_form_works_without_javascript(client, dossier):
    page = client.get(reverse("onestop:status"))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'method="get"' in body and 'name="ma"' in body and "<script" not in body
    response = client.get(reverse("onestop:status"), {"ma": f"  {dossier.lookup_code.lower()} "})
    assert response.status_code == 302
    assert response["Location"] == _detail(dossier.lookup_code)


@pytest.mark.parametrize("code", ["KHONGCO", "27-261123-9999", "<script>x<script>",
                                  "A" * 41, "'; drop table x; --"])
def test_an_unknown_code_gets_a_clear_message_and_404(client, db, code):
    response = client.get(_detail(code))
    body = response.content.decode()
    assert response.status_code == 404
    assert "Không tìm thấy hồ sơ với mã này" in body
    assert "<script>x" not in body


@pytest.mark.parametrize("code", ["X" * 500, "a/b", "../../etc", "<b>x</b>", "mã có dấu"])
def test_a_code_of_the_wrong_shape_in_the_form_is_refused(client, code):
    response = client.get(reverse("onestop:status"), {"ma": code})
    assert response.status_code == 404
    assert "Không tìm thấy hồ sơ" in response.content.decode()
    assert "<b>x" not in response.content.decode()


def test_misses_from_one_address_are_rate_limited(client, dossier, settings):
    settings.ONESTOP_STATUS_MISS_RATE = (3, 600)
    statuses = [client.get(_detail(f"ZZZZZ{i}"), REMOTE_ADDR="203.0.113.5").status_code
                for i in range(5)]
    assert statuses == [404, 404, 404, 429, 429]
    limited = client.get(_detail("ZZZZZ9"), REMOTE_ADDR="203.0.113.5")
    assert "quá nhiều lần" in limited.content.decode() and limited["Retry-After"]
    # Another address is not slowed down; a real dossier still opens for it.
    other = client.get(_detail(dossier.lookup_code), REMOTE_ADDR="203.0.113.6")
    assert other.status_code == 200


def test_all_lookups_from_one_address_are_capped(client, dossier, settings):
    settings.ONESTOP_STATUS_RATE = (2, 600)
    statuses = [client.get(_detail(dossier.lookup_code), REMOTE_ADDR="198.51.100.7").status_code
                for _i in range(3)]
    assert statuses == [200, 200, 429]
    assert dossier.code not in client.get(_detail(dossier.lookup_code),
                                          REMOTE_ADDR="198.51.100.7").content.decode()


def test_payment_status_is_shown_for_a_fee(client, commune, make_procedure, citizen, resident):
    procedure = make_procedure(fee={"kind": "fixed", "amount": 8000}, documents=[])
    dossier = services.dossier_submit(actor=citizen, commune=commune, procedure=procedure,
                                      form_data=CHILD)
    body = client.get(_detail(dossier.lookup_code)).content.decode()
    assert "Chưa nộp" in body and "Chờ tiếp nhận" in body


@pytest.mark.parametrize("who", ["citizen", "officer_of_other_commune"])
def test_signed_in_users_see_the_same_public_page(client, dossier, citizen, make_staff,
                                                  other_commune, who):
    from langso.core.models import Role
    from langso.testing.auth import login_verified

    user = citizen if who == "citizen" else make_staff(Role.ONE_STOP_OFFICER, other_commune)
    login_verified(client, user)
    body = client.get(_detail(dossier.lookup_code)).content.decode()
    assert "N*** T*** Lan" in body and "001190012345" not in body


def test_writes_are_not_allowed(client: Client, dossier):
    assert client.post(_detail(dossier.lookup_code)).status_code == 405
    assert client.post(reverse("onestop:status"), {"ma": dossier.code}).status_code == 405


def test_the_page_costs_two_light_queries_and_no_cache_writes(
        client, dossier, django_assert_num_queries):
    # One for the dossier (with its procedure and commune), one for its milestones; the rate
    # limiter counts outside the database.
    with django_assert_num_queries(2) as captured:
        response = client.get(_detail(dossier.lookup_code), REMOTE_ADDR="192.0.2.10")
    assert response.status_code == 200
    dossier_sql, steps_sql = (q["sql"] for q in captured.captured_queries)
    assert "form_data" not in dossier_sql and "onestop_dossier" in dossier_sql
    assert "reason" not in steps_sql
    body = response.content.decode()
    assert dossier.code in body and dossier.procedure.name in body


def test_the_page_shows_every_change_of_the_dossier(client, dossier, officers, commune):
    before = client.get(_detail(dossier.lookup_code)).content.decode()
    assert str(State.SUPPLEMENT.label) in before
    file = upload_store(actor=officers["one_stop"], commune=commune, kind="document",
                        file=SimpleUploadedFile("kh.pdf", upload_samples.pdf()))
    services.dossier_transition(
        actor=officers["one_stop"], dossier=dossier, action="supplement",
        attachments=[services.AttachmentInput(services.OTHER_DOCUMENT, file)])
    for code in (dossier.lookup_code, dossier.code):
        after = client.get(_detail(code)).content.decode()
        assert str(State.PROCESSING.label) in after and SUPPLEMENT_NOTE not in after


def test_a_kept_page_is_served_again_without_the_database(
        client, dossier, django_assert_num_queries):
    first = client.get(_detail(dossier.lookup_code), HTTP_ACCEPT_ENCODING="gzip")
    with django_assert_num_queries(0):
        again = client.get(_detail(dossier.lookup_code), HTTP_ACCEPT_ENCODING="gzip")
    assert again.status_code == 200 and again.content == first.content
    assert again["Content-Encoding"] == "gzip" and "Accept-Encoding" in again["Vary"]
    for header in ("Cache-Control", "Referrer-Policy", "X-Robots-Tag", "X-Frame-Options",
                   "Content-Type", "X-Content-Type-Options"):
        assert again[header] == first[header], header
    assert again["X-Request-ID"] != first["X-Request-ID"]
    # Without gzip the visitor gets the plain page, kept apart from the compressed one.
    plain = client.get(_detail(dossier.lookup_code))
    assert "Content-Encoding" not in plain and dossier.code in plain.content.decode()


def test_kept_pages_are_per_language(client, dossier):
    vietnamese = client.get(_detail(dossier.code)).content.decode()
    english = client.get(_detail(dossier.code), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Tình trạng hồ sơ" in vietnamese and "Dossier status" in english


def test_kept_pages_still_count_against_the_rate_limit(client, dossier, settings):
    settings.ONESTOP_STATUS_RATE = (3, 600)
    statuses = [client.get(_detail(dossier.lookup_code), REMOTE_ADDR="198.51.100.9").status_code
                for _i in range(5)]
    assert statuses == [200, 200, 200, 429, 429]


def test_signed_in_visitors_and_unknown_codes_are_never_kept(
        client, dossier, citizen, django_assert_num_queries):
    from langso.onestop.status_cache import CACHE_ALIAS
    from langso.testing.auth import login_verified

    client.get(_detail("ZZZZZ1"))
    login_verified(client, citizen)
    client.get(_detail(dossier.lookup_code))
    from django.core.cache import caches

    assert not caches[CACHE_ALIAS]._cache  # type: ignore[attr-defined]


def test_without_the_short_path_every_request_reads_the_database(client, dossier, settings):
    settings.ONESTOP_STATUS_CACHE_SECONDS = 0
    assert str(State.SUPPLEMENT.label) in client.get(_detail(dossier.code)).content.decode()
    Dossier.objects.filter(pk=dossier.pk).update(status=State.PROCESSING)  # no signal
    after = client.get(_detail(dossier.code)).content.decode()
    assert str(State.PROCESSING.label) in after


def test_memory_counters_open_a_new_window_when_the_old_one_ends(monkeypatch):
    from langso.onestop import status_views

    counters = status_views._MemoryCounters()
    clock = [1000.0]
    monkeypatch.setattr(status_views.time, "monotonic", lambda: clock[0])
    assert [counters.hit("k", 60) for _i in range(3)] == [1, 2, 3]
    clock[0] += 61
    assert counters.hit("k", 60) == 1


def test_memory_counters_stay_bounded_under_many_addresses(monkeypatch):
    from langso.onestop import status_views

    counters = status_views._MemoryCounters()
    monkeypatch.setattr(counters, "MAX_KEYS", 100)
    for i in range(1000):
        counters.hit(f"address-{i}", 600)
    assert len(counters._windows) <= 100
    assert counters.hit("address-999", 600) == 2  # the newest windows are kept


def test_limits_are_counted_in_redis_when_it_is_configured(client, dossier, settings):
    import uuid

    import redis

    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis server on 127.0.0.1:6379")
    settings.REDIS_URL = url
    settings.ONESTOP_STATUS_RATE = (2, 600)
    address = f"2001:db8::{uuid.uuid4().int % 0xFFFF:x}"  # a fresh address in the shared store
    statuses = [client.get(_detail(dossier.lookup_code), REMOTE_ADDR=address).status_code
                for _i in range(3)]
    assert statuses == [200, 200, 429]
    keys = redis.Redis.from_url(url).keys(f"onestop:status:all:2:600:{address}")
    assert len(keys) == 1
    # Counted in Redis, not in this process: clearing the memory changes nothing.
    from langso.onestop.status_views import reset_status_limits

    reset_status_limits()
    assert client.get(_detail(dossier.lookup_code), REMOTE_ADDR=address).status_code == 429
    redis.Redis.from_url(url).delete(*keys)
