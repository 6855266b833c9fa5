"""Open311 GeoReport v2 (/open311/v2/) through HTTP: keys and communes, bad input, what the
public may see, both formats. The independent client is test_open311_client.py."""

import datetime as dt
import json
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from langso.core import ratelimit
from langso.core.errors import PermissionDenied
from langso.core.models import Commune, HistoryEvent, Role, User
from langso.core.tests import upload_samples
from langso.core.uploads.services import upload_store
from langso.reports import services
from langso.reports.models import (
    Category,
    MediaKind,
    MediaStatus,
    Open311Key,
    RejectReason,
    Report,
    ReportMedia,
    Severity,
    Source,
)
from langso.reports.open311.keys import open311_key_create, open311_key_revoke
from langso.reports.tests.conftest import POINT, SUNKEN_LANE

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Any:
    ratelimit.reset()
    yield
    ratelimit.reset()


@pytest.fixture
def api_key(commune: Commune) -> str:
    return open311_key_create(actor=None, commune=commune, name="Ứng dụng thử")[1]


def body(response: Any, fmt: str = "json") -> Any:
    assert response["Content-Type"] == (
        "application/json; charset=utf-8" if fmt == "json" else "text/xml; charset=utf-8")
    if fmt == "json":
        return json.loads(response.content)
    return ET.fromstring(response.content)  # noqa: S314 (the server under test)


def error_texts(response: Any, fmt: str = "json") -> list[str]:
    data = body(response, fmt)
    if fmt == "json":
        assert all(set(e) == {"code", "description"} for e in data)
        assert all(e["code"] == response.status_code for e in data)
        return [e["description"] for e in data]
    assert data.tag == "errors"
    assert all(e.tag == "error" and e.findtext("code") == str(response.status_code)
               for e in data)
    return [e.findtext("description") or "" for e in data]


def post(client: Client, fmt: str = "json", **fields: Any) -> Any:
    headers = fields.pop("headers", {})
    return client.post(f"{BASE}/requests.{fmt}", fields, headers=headers)


def good(api_key: str, **fields: Any) -> dict[str, Any]:
    values = {"api_key": api_key, "service_code": "duong-giao-thong", "lat": POINT[0],
              "long": POINT[1], "description": SUNKEN_LANE}
    values.update(fields)
    return {k: v for k, v in values.items() if v is not None}


def written() -> tuple[int, int]:
    return Report.objects.count(), HistoryEvent.objects.count()


# -- discovery and services ---------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_discovery_names_the_endpoint_and_both_formats(client, commune, fmt):
    response = client.get(f"{BASE}/discovery.{fmt}")
    assert response.status_code == 200
    data = body(response, fmt)
    if fmt == "json":
        endpoint = data["endpoints"][0]
        assert endpoint["url"] == "http://testserver/open311/v2"
        assert endpoint["formats"] == ["text/xml", "application/json"]
        assert commune.name in data["contact"] and data["key_service"]
    else:
        assert data.tag == "discovery"
        assert [f.text for f in data.findall("endpoints/endpoint/formats/format")] == [
            "text/xml", "application/json"]
    assert response["Access-Control-Allow-Origin"] == "*"


def test_discovery_of_an_installation_with_several_communes(client, commune, other_commune):
    general = body(client.get(f"{BASE}/discovery.json"))
    assert commune.name not in general["contact"] and general["endpoints"]
    named = body(client.get(f"{BASE}/discovery.json", {"jurisdiction_id": other_commune.slug}))
    assert other_commune.name in named["contact"]
    unknown = client.get(f"{BASE}/discovery.xml", {"jurisdiction_id": "khong-co"})
    assert unknown.status_code == 404


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_services_are_the_active_categories_of_the_commune(client, categories, fmt):
    categories["noise"].is_active = False
    categories["noise"].save()
    response = client.get(f"{BASE}/services.{fmt}")
    data = body(response, fmt)
    if fmt == "xml":
        data = [{child.tag: child.text for child in service} for service in data]
        assert all(s["metadata"] == "true" and s["type"] == "realtime" for s in data)
    assert [s["service_code"] for s in data] == ["chieu-sang", "duong-giao-thong"]
    assert data[1]["service_name"] == "Đường giao thông, cầu cống"
    assert data[1]["group"] == "Hạ tầng"


def test_the_definition_offers_the_communes_villages_and_the_confidential_flag(
        client, categories, village, make_village, other_commune):
    make_village(other_commune, "Hổ Thôn")
    data = body(client.get(f"{BASE}/services/chieu-sang.json",
                           {"jurisdiction_id": village.commune.slug}))
    assert data["service_code"] == "chieu-sang"
    codes = {a["code"]: a for a in data["attributes"]}
    assert codes["village"]["values"] == [{"key": str(village.pk), "name": str(village)}]
    assert codes["confidential"]["values"][0]["key"] == "true"
    assert [a["order"] for a in data["attributes"]] == [1, 2]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_service_code_is_404_in_the_requested_format(client, categories, fmt):
    response = client.get(f"{BASE}/services/khong-co.{fmt}")
    assert response.status_code == 404
    assert "khong-co" in error_texts(response, fmt)[0]


def test_a_category_of_another_commune_is_not_a_service_here(client, categories, commune,
                                                            other_commune):
    Category.objects.create(commune=other_commune, code="rieng-b", name="Riêng xã B")
    response = client.get(f"{BASE}/services/rieng-b.json", {"jurisdiction_id": commune.slug})
    assert response.status_code == 404


# -- jurisdiction ---------------------------------------------------------------------------

def test_an_unknown_jurisdiction_is_404(client, categories):
    response = client.get(f"{BASE}/services.xml", {"jurisdiction_id": "khong-co-xa"})
    assert response.status_code == 404
    assert "khong-co-xa" in error_texts(response, "xml")[0]


def test_with_several_communes_the_jurisdiction_must_be_named(client, categories,
                                                              other_commune, commune):
    response = client.get(f"{BASE}/services.json")
    assert response.status_code == 400
    assert "jurisdiction_id" in error_texts(response)[0]
    named = client.get(f"{BASE}/services.json", {"jurisdiction_id": commune.slug})
    assert len(body(named)) == 3


def test_the_default_commune_setting_answers_without_jurisdiction(client, categories,
                                                                  other_commune, commune,
                                                                  settings):
    settings.LANGSO_DEFAULT_COMMUNE = commune.slug
    assert client.get(f"{BASE}/services.json").status_code == 200


def test_an_inactive_commune_is_an_unknown_jurisdiction(client, categories, commune):
    Commune.objects.filter(pk=commune.pk).update(is_active=False)
    response = client.get(f"{BASE}/services.json", {"jurisdiction_id": commune.slug})
    assert response.status_code == 404


# -- POST requests: keys --------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_post_without_api_key_is_403_and_writes_nothing(client, categories, fmt):
    before = written()
    response = post(client, fmt, service_code="duong-giao-thong", lat=POINT[0],
                    long=POINT[1], description=SUNKEN_LANE)
    assert response.status_code == 403
    assert "api_key" in error_texts(response, fmt)[0]
    assert written() == before


def test_a_wrong_or_revoked_key_is_403(client, categories, api_key):
    open311_key_revoke(actor=None, key=Open311Key.objects.get())
    before = written()
    assert post(client, **good("o311_" + "x" * 43)).status_code == 403
    assert post(client, **good("y" * 5000)).status_code == 403
    assert post(client, **good(api_key)).status_code == 403
    assert written() == before


def test_the_key_of_another_commune_is_403(client, categories, commune, other_commune):
    foreign = open311_key_create(actor=None, commune=other_commune, name="App xã B")[1]
    before = written()
    response = post(client, **good(foreign, jurisdiction_id=commune.slug))
    assert response.status_code == 403
    assert written() == before


def test_an_unknown_jurisdiction_on_post_is_404(client, categories, api_key):
    response = post(client, **good(api_key, jurisdiction_id="khong-co"))
    assert response.status_code == 404
    assert Report.objects.count() == 0


def test_only_holders_of_report_settings_manage_keys(commune, other_commune, make_staff):
    chairman = make_staff(Role.CHAIRMAN, commune)
    key, secret = open311_key_create(actor=chairman, commune=commune, name="App")
    assert secret.startswith("o311_") and key.key_hash == services.key_hash(secret)
    assert secret not in json.dumps(list(HistoryEvent.objects.values_list("data", flat=True)))
    for outsider in (make_staff(Role.SPECIALIST, commune, department_kind="dia_chinh"),
                     make_staff(Role.CHAIRMAN, other_commune)):
        with pytest.raises(PermissionDenied):
            open311_key_create(actor=outsider, commune=commune, name="App 2")
        with pytest.raises(PermissionDenied):
            open311_key_revoke(actor=outsider, key=key)
    assert Open311Key.objects.filter(is_active=True).count() == 1


def test_the_command_prints_a_working_key_once_lists_and_revokes(client, categories, commune):
    out = StringIO()
    call_command("open311_key", commune.slug, "Zalo mini app", stdout=out)
    secret = out.getvalue().strip().splitlines()[-1]
    assert post(client, **good(secret)).status_code == 200
    listing = StringIO()
    call_command("open311_key", commune.slug, "--list", stdout=listing)
    key = Open311Key.objects.get()
    assert str(key.public_id) in listing.getvalue() and secret not in listing.getvalue()
    call_command("open311_key", commune.slug, "--revoke", str(key.public_id), stdout=StringIO())
    assert post(client, **good(secret)).status_code == 403


# -- POST requests: a good one ----------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_good_post_records_a_report_from_open311(client, categories, api_key, village, fmt):
    response = post(client, fmt, **good(
        api_key, lat="", long="", address_id=str(village.pk),
        address_string="Ngõ 3, cạnh nhà văn hóa", **{"attribute[confidential]": "true"},
        first_name="Văn Nam", last_name="Trần", phone="+84 987 654 321",
        email="nam@example.vn", device_id="phone-1",
        media_url="https://photos.example.vn/a.jpg"))
    assert response.status_code == 200, response.content
    data = body(response, fmt)
    if fmt == "json":
        (item,) = data
    else:
        assert data.tag == "service_requests"
        (element,) = data.findall("request")
        item = {child.tag: child.text for child in element}
    report = Report.objects.get()
    assert item["service_request_id"] == str(report.number)
    assert report.reference in item["service_notice"]
    assert (report.source, report.village, report.confidential, report.address) == (
        Source.OPEN311, village, True, "Ngõ 3, cạnh nhà văn hóa")
    assert (report.reporter_name, report.reporter_phone, report.reporter_email) == (
        "Văn Nam Trần", "0987654321", "nam@example.vn")
    event = HistoryEvent.objects.get(action="report.open311")
    assert event.data["application"] == "Ứng dụng thử"
    assert "https://photos.example.vn/a.jpg" in event.reason
    assert Open311Key.objects.get().last_used_at is not None


def test_the_notice_gives_the_reporter_their_link_and_only_them(client, categories, api_key,
                                                                staff, land):
    response = post(client, **good(api_key, phone="0987654321"))
    notice = body(response)[0]["service_notice"]
    report = Report.objects.get()
    link = notice.split(" ")[-1]
    prefix = f"http://testserver/xa/{report.commune.slug}/phan-anh/{report.number}/?k="
    assert link.startswith(prefix)
    secret = link[len(prefix):]
    assert services.is_reporter(report, secret=secret)
    assert client.get(link).status_code == 200
    # No GET ever shows it.
    services.report_triage(actor=staff["chairman"], report=report, severity=Severity.NORMAL,
                           department=land)
    for path in ("requests", f"requests/{report.number}", "servicerequestupdates"):
        for fmt in ("json", "xml"):
            assert secret not in client.get(f"{BASE}/{path}.{fmt}").content.decode()


def test_the_same_idempotency_key_gives_the_same_report(client, categories, api_key):
    first = post(client, **good(api_key, device_id="p1"), headers={"Idempotency-Key": "abc-1"})
    again = post(client, **good(api_key, device_id="p1"), headers={"Idempotency-Key": "abc-1"})
    assert body(first)[0]["service_request_id"] == body(again)[0]["service_request_id"]
    assert Report.objects.count() == 1
    assert HistoryEvent.objects.filter(action="report.open311").count() == 1
    other = post(client, **good(api_key, device_id="p2"), headers={"Idempotency-Key": "abc-1"})
    assert body(other)[0]["service_request_id"] != body(first)[0]["service_request_id"]
    bad = post(client, **good(api_key), headers={"Idempotency-Key": "có dấu"})
    assert bad.status_code == 400 and Report.objects.count() == 2


# -- POST requests: bad input -----------------------------------------------------------------

@pytest.mark.parametrize(("fields", "status", "message"), [
    ({"service_code": None}, 400, "service_code"),
    ({"service_code": "khong-co"}, 404, "khong-co"),
    ({"service_code": "x" * 51}, 400, "service_code"),
    ({"lat": None, "long": None}, 400, "Cần một vị trí"),
    ({"lat": "abc", "long": "105.6"}, 400, "Vị trí không hợp lệ"),
    ({"long": None}, 400, "Vị trí không hợp lệ"),
    ({"lat": "NaN", "long": "Infinity"}, 400, "Vị trí không hợp lệ"),
    ({"lat": "48.8566", "long": "2.3522"}, 400, "Vị trí không hợp lệ"),
    ({"lat": "1e400", "long": "105"}, 400, "Vị trí không hợp lệ"),
    ({"lat": "9" * 41, "long": "105"}, 400, "lat"),
    ({"description": None}, 400, "Vui lòng nhập nội dung"),
    ({"description": "ngắn"}, 400, "mô tả rõ hơn"),
    ({"description": "đường hỏng " * 400}, 400, "tối đa 4000"),
    ({"description": "<script>alert(1)</script> đường hỏng nặng"}, 400, "HTML"),
    ({"description": "Đường hỏng <b>rất</b> nặng ở ngõ 3"}, 400, "HTML"),
    ({"first_name": "<img src=x onerror=alert(1)>"}, 400, "HTML"),
    ({"address_string": "</textarea> ngõ 3"}, 400, "HTML"),
    ({"email": "not-an-email"}, 400, "email"),
    ({"phone": "12345"}, 400, "Số điện thoại không hợp lệ"),
    ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
    ({"media_url": "ftp://example.vn/a.jpg"}, 400, "media_url"),
    ({"attribute[confidential]": "maybe"}, 400, "confidential"),
    ({"attribute[village]": "999999"}, 400, "999999"),
    ({"address_id": "abc", "lat": None, "long": None}, 400, "abc"),
])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_input_gets_a_clear_error_and_changes_nothing(client, categories, api_key, fields,
                                                         status, message, fmt):
    before = written()
    response = post(client, fmt, **good(api_key, **fields))
    assert response.status_code == status, response.content
    assert any(message in text for text in error_texts(response, fmt)), error_texts(
        response, fmt)
    assert written() == before


def test_a_village_of_another_commune_is_refused(client, categories, api_key, other_commune,
                                                 make_village):
    foreign = make_village(other_commune, "Hổ Thôn")
    response = post(client, **good(api_key, **{"attribute[village]": str(foreign.pk)}))
    assert response.status_code == 400
    assert Report.objects.count() == 0


def test_a_line_break_or_a_lone_less_than_sign_is_not_html(client, categories, api_key):
    text = "Đường ngõ 3 sụt lún\r\nsâu < 1 mét, rộng 2m"
    response = post(client, **good(api_key, description=text))
    assert response.status_code == 200
    assert Report.objects.get().description == "Đường ngõ 3 sụt lún\nsâu < 1 mét, rộng 2m"


def test_an_oversized_body_is_a_400_in_the_format(client, categories, api_key, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = post(client, "xml", **good(api_key, description="x" * 20_000))
    assert response.status_code == 400
    assert error_texts(response, "xml")
    assert Report.objects.count() == 0


def test_other_methods_are_405_with_the_error_array(client, categories):
    response = client.put(f"{BASE}/requests.json")
    assert response.status_code == 405 and "POST" in response["Allow"]
    assert error_texts(response)
    assert client.post(f"{BASE}/services.json").status_code == 405


# -- rate limits -------------------------------------------------------------------------------

def test_one_client_sending_too_much_is_told_to_wait(client, categories, api_key, settings):
    settings.OPEN311_CLIENT_RATE = (3, 600)
    for _n in range(3):
        assert post(client, **good(api_key, device_id="phone-9")).status_code == 200
    refused = post(client, **good(api_key, device_id="phone-9"))
    assert refused.status_code == 429 and refused["Retry-After"] == "600"
    assert "quá nhiều" in error_texts(refused)[0]
    assert Report.objects.count() == 3
    # Another phone of the same application is not held back by this one.
    assert post(client, **good(api_key, device_id="phone-10")).status_code == 200


def test_one_application_sending_too_much_is_told_to_wait(client, categories, api_key,
                                                          settings):
    settings.OPEN311_KEY_RATE = (2, 3600)
    for device in ("a", "b"):
        assert post(client, **good(api_key, device_id=device)).status_code == 200
    assert post(client, **good(api_key, device_id="c")).status_code == 429
    assert Report.objects.count() == 2


def test_invalid_posts_count_against_the_limit(client, categories, api_key, settings):
    settings.OPEN311_CLIENT_RATE = (2, 600)
    for _n in range(2):
        assert post(client, **good(api_key, description="x")).status_code == 400
    assert post(client, **good(api_key)).status_code == 429


# -- GET requests --------------------------------------------------------------------------

@pytest.fixture
def reports(make_report, staff, land) -> dict[str, Report]:
    new = make_report(category="light")
    triaged = services.report_triage(actor=staff["chairman"], report=make_report(),
                                     severity=Severity.NORMAL, department=land,
                                     note="Đã giao bộ phận địa chính.")
    rejected = services.report_reject(actor=staff["chairman"], report=make_report(),
                                      reason=RejectReason.DUPLICATE, duplicate_of=new)
    spam = services.report_reject(actor=staff["chairman"], report=make_report(),
                                  reason=RejectReason.SPAM, note="Quảng cáo.")
    hidden = make_report()
    services.report_moderate(actor=staff["chairman"], report=hidden, hide_report=True,
                             reason="Lộ thông tin cá nhân.")
    return {"new": new, "triaged": triaged, "rejected": rejected, "spam": spam,
            "hidden": hidden}


def numbers(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return sorted(int(r["service_request_id"]) for r in body(response))


def test_the_list_shows_public_reports_only(client, reports):
    assert numbers(client.get(f"{BASE}/requests.json")) == sorted(
        r.number for r in (reports["new"], reports["triaged"], reports["rejected"]))


@pytest.mark.parametrize(("params", "expected"), [
    ({"status": "open"}, ["new", "triaged"]),
    ({"status": "closed"}, ["rejected"]),
    ({"status": "open,closed"}, ["new", "triaged", "rejected"]),
    ({"status": "for_triage"}, ["new"]),
    ({"status": "action_scheduled"}, ["triaged"]),
    ({"status": "duplicate"}, ["rejected"]),
    ({"status": "fixed"}, []),
    ({"service_code": "chieu-sang"}, ["new"]),
    ({"service_code": "chieu-sang,duong-giao-thong", "status": "closed"}, ["rejected"]),
    ({"service_code": "khong-co"}, []),
])
def test_the_filters(client, reports, params, expected):
    assert numbers(client.get(f"{BASE}/requests.json", params)) == sorted(
        reports[name].number for name in expected)


def test_service_request_id_overrides_every_other_filter(client, reports):
    wanted = f"{reports['new'].number},{reports['triaged'].number},{reports['hidden'].number},x"
    response = client.get(f"{BASE}/requests.json", {
        "service_request_id": wanted, "status": "closed", "service_code": "khong-co",
        "start_date": "nonsense"})
    assert numbers(response) == sorted([reports["new"].number, reports["triaged"].number])


def test_the_period_is_on_the_request_time(client, reports, make_report):
    old = make_report(now=dt.datetime(2026, 1, 10, 3, 0, tzinfo=dt.UTC))
    default = numbers(client.get(f"{BASE}/requests.json"))
    assert old.number not in default
    january = numbers(client.get(f"{BASE}/requests.json", {
        "start_date": "2026-01-01T00:00:00+07:00", "end_date": "2026-01-31T00:00:00Z"}))
    assert january == [old.number]
    # "+07:00" with its "+" left unencoded arrives as a space.
    raw = client.get(f"{BASE}/requests.json?start_date=2026-01-01T00:00:00+07:00")
    assert numbers(raw) == [old.number]
    assert numbers(client.get(f"{BASE}/requests.json", {
        "end_date": "2026-02-01T00:00:00Z"})) == [old.number]


@pytest.mark.parametrize("params", [
    {"start_date": "2026-01-01"},
    {"start_date": "2026-01-01T00:00:00"},
    {"start_date": "01/01/2026"},
    {"end_date": "2026-13-01T00:00:00Z"},
    {"end_date": "2026-01-01T25:00:00Z"},
    {"start_date": "2026-01-01T00:00:00Z" + "0" * 100},
    {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-04-02T00:00:01Z"},
    {"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
    {"status": "resolved"},
    {"service_request_id": ",".join(["1"] * 1001)},
])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_malformed_filters_are_400(client, reports, params, fmt):
    response = client.get(f"{BASE}/requests.{fmt}", params)
    assert response.status_code == 400
    assert error_texts(response, fmt)


def test_a_span_of_exactly_90_days_is_allowed(client, reports):
    response = client.get(f"{BASE}/requests.json", {
        "start_date": "2026-01-01T00:00:00Z", "end_date": "2026-04-01T00:00:00Z"})
    assert response.status_code == 200


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_one_request_is_an_array_of_one(client, reports, fmt):
    triaged = reports["triaged"]
    response = client.get(f"{BASE}/requests/{triaged.number}.{fmt}")
    assert response.status_code == 200
    data = body(response, fmt)
    if fmt == "xml":
        assert data.tag == "service_requests"
        data = [{child.tag: child.text for child in item} for item in data]
    (item,) = data
    assert item["status"] == "open"
    assert item["status_notes"] == "Đã giao bộ phận địa chính."
    assert item["agency_responsible"] == triaged.department.name
    assert item["service_code"] == "duong-giao-thong"
    assert item["description"] == SUNKEN_LANE
    assert str(item["lat"]).startswith("21.4592") and str(item["long"]).startswith("105.6451")
    expected = triaged.due_at.astimezone(dt.timezone(dt.timedelta(hours=7)))
    assert item["expected_datetime"] == expected.replace(microsecond=0).isoformat()
    assert item["requested_datetime"].endswith("+07:00")
    assert "Xã Tam Đảo" in item["address"]


@pytest.mark.parametrize("which", ["hidden", "spam"])
def test_a_hidden_or_spam_report_is_404(client, reports, which):
    response = client.get(f"{BASE}/requests/{reports[which].number}.json")
    assert response.status_code == 404
    assert str(reports[which].number) in error_texts(response)[0]


@pytest.mark.parametrize("value", ["0", "99999", "abc", "1" * 30, "-1"])
def test_an_unknown_request_is_404(client, reports, value):
    assert client.get(f"{BASE}/requests/{value}.xml").status_code == 404


def test_a_report_of_another_commune_is_not_found_here(client, categories, commune,
                                                      other_commune):
    category = Category.objects.create(commune=other_commune, code="b", name="B")
    foreign, _secret = services.report_submit(
        commune=other_commune, reporter=services.Reporter(), category=category,
        description=SUNKEN_LANE, latitude="19.9", longitude="105.7")
    response = client.get(f"{BASE}/requests/{foreign.number}.json",
                          {"jurisdiction_id": commune.slug})
    assert response.status_code == 404
    listed = client.get(f"{BASE}/requests.json", {"jurisdiction_id": commune.slug})
    assert body(listed) == []


def test_a_moderated_description_is_not_shown(client, reports, staff):
    services.report_moderate(actor=staff["chairman"], report=reports["new"],
                             hide_description=True, reason="Có số điện thoại.")
    item = body(client.get(f"{BASE}/requests/{reports['new'].number}.json"))[0]
    assert item["description"] is None


# -- personal data ---------------------------------------------------------------------------

def test_personal_data_never_appears(client, categories, api_key, staff, land, village):
    secret_bits = ["Lê Thị Bí Mật", "0912000999", "bimat@example.vn", "device-bi-mat",
                   "acct-bi-mat"]
    response = post(client, **good(
        api_key, first_name="Lê Thị", last_name="Bí Mật", phone="0912000999",
        email="bimat@example.vn", device_id="device-bi-mat", account_id="acct-bi-mat",
        **{"attribute[confidential]": "true", "attribute[village]": str(village.pk)}))
    assert response.status_code == 200
    report = Report.objects.get()
    services.report_triage(actor=staff["chairman"], report=report, severity=Severity.URGENT,
                           department=land)
    number = report.number
    pages = [response]
    for fmt in ("json", "xml"):
        for path in ("requests", f"requests/{number}", "servicerequestupdates", "services",
                     "discovery", f"services/{report.category.code}"):
            pages.append(client.get(f"{BASE}/{path}.{fmt}"))
    for page in pages:
        assert page.status_code == 200
        text = page.content.decode()
        assert not [bit for bit in secret_bits if bit in text], page.request["PATH_INFO"]
        assert staff["chairman"].full_name not in text


# -- tokens, updates, media ---------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_client_token_resolves_to_its_request(client, make_report, fmt):
    token = uuid.uuid4()
    report = make_report(client_token=token)
    data = body(client.get(f"{BASE}/tokens/{token}.{fmt}"), fmt)
    if fmt == "json":
        assert data == [{"service_request_id": str(report.number), "token": str(token)}]
    else:
        assert data.findtext("request/service_request_id") == str(report.number)
    for unknown in (uuid.uuid4(), "not-a-token"):
        assert client.get(f"{BASE}/tokens/{unknown}.{fmt}").status_code == 404


def test_updates_list_the_public_steps_with_extended_statuses(client, reports):
    response = client.get(f"{BASE}/servicerequestupdates.json")
    steps = {(u["service_request_id"], u["status"]) for u in body(response)}
    new, triaged, rejected = reports["new"], reports["triaged"], reports["rejected"]
    assert steps == {(str(new.number), "for_triage"), (str(triaged.number), "for_triage"),
                     (str(triaged.number), "action_scheduled"),
                     (str(rejected.number), "for_triage"), (str(rejected.number), "duplicate")}
    described = [u for u in body(response) if u["status"] == "action_scheduled"]
    assert described[0]["description"] == "Đã giao bộ phận địa chính."
    old = client.get(f"{BASE}/servicerequestupdates.xml", {
        "start_date": "2026-01-01T00:00:00Z", "end_date": "2026-01-31T00:00:00Z"})
    assert body(old, "xml").tag == "service_request_updates" and len(body(old, "xml")) == 0
    too_long = client.get(f"{BASE}/servicerequestupdates.xml", {
        "start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"})
    assert too_long.status_code == 400


@pytest.fixture
def photo(commune: Commune, make_staff: Callable[..., User], settings: Any,
          tmp_path: Any) -> Callable[..., ReportMedia]:
    settings.MEDIA_ROOT = tmp_path
    uploader = make_staff(Role.CHAIRMAN, commune)

    def make(report: Report, kind: str = MediaKind.PHOTO) -> ReportMedia:
        stored = upload_store(actor=uploader, commune=commune, kind="photo", file=(
            SimpleUploadedFile("a.jpg", upload_samples.jpeg(), content_type="image/jpeg")))
        return ReportMedia.objects.create(commune=commune, report=report, kind=kind,
                                          file=stored, status=MediaStatus.READY)

    return make


def test_a_public_photo_is_the_media_url_and_a_hidden_one_is_not(client, reports, photo,
                                                                 staff):
    report = reports["new"]
    media = photo(report)
    item = body(client.get(f"{BASE}/requests/{report.number}.json"))[0]
    assert item["media_url"] == (f"http://testserver/xa/{report.commune.slug}/phan-anh/"
                                 f"{report.number}/tep/{media.file.public_id}/")
    served = client.get(item["media_url"])
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    listed = body(client.get(f"{BASE}/requests.json"))
    assert [r["media_url"] for r in listed if r["service_request_id"] == str(report.number)
            ] == [item["media_url"]]
    services.report_moderate(actor=staff["chairman"], report=report, media=media,
                             hide_media=True, reason="Có mặt người.")
    assert body(client.get(f"{BASE}/requests/{report.number}.json"))[0]["media_url"] is None
    assert client.get(item["media_url"]).status_code == 404


def test_a_published_answer_is_a_fixed_update_with_its_proof(client, triaged, staff,
                                                             proof_media):
    proof = proof_media()
    services.report_draft_answer(actor=staff["land_officer"], report=triaged,
                                 text="Đã san lấp ổ gà, trải lại mặt đường.", proofs=[proof])
    drafted = body(client.get(f"{BASE}/servicerequestupdates.json"))
    assert [u["status"] for u in drafted] == ["for_triage", "action_scheduled"]
    services.report_approve(actor=staff["chairman"], report=triaged)
    updates = body(client.get(f"{BASE}/servicerequestupdates.json"))
    fixed = updates[-1]
    assert (fixed["status"], fixed["description"]) == ("fixed",
                                                       "Đã san lấp ổ gà, trải lại mặt đường.")
    assert fixed["media_url"].endswith(f"/tep/{proof.file.public_id}/")
    assert client.get(fixed["media_url"]).status_code == 200
    assert all(u["media_url"] == "" for u in updates[:-1])
    item = body(client.get(f"{BASE}/requests/{triaged.number}.json"))[0]
    assert (item["status"], item["status_notes"]) == ("closed",
                                                      "Đã san lấp ổ gà, trải lại mặt đường.")


def test_xml_escapes_markup_and_drops_characters_xml_cannot_carry(client, commune, api_key):
    Category.objects.create(commune=commune, code="rac", name="Rác <thải> & \"nước\"\x01",
                            description="]]> <![CDATA[ x")
    data = body(client.get(f"{BASE}/services.xml"), "xml")
    assert data.findtext("service/service_name") == "Rác <thải> & \"nước\""
    assert data.findtext("service/description") == "]]> <![CDATA[ x"


# -- the keys screen ----------------------------------------------------------------------------

KEYS = "/can-bo/phan-anh/open311/"


def signed_in(user: User) -> Client:
    from langso.testing.auth import login_verified

    client = Client()
    login_verified(client, user)
    return client


def test_the_chairman_makes_a_key_that_is_shown_once_and_works(categories, staff, commune):
    chairman = signed_in(staff["chairman"])
    assert chairman.get(KEYS).status_code == 200
    assert f'href="{KEYS}?xa={commune.pk}"' in chairman.get(
        "/can-bo/phan-anh/linh-vuc/").content.decode()  # a tab of the commune's setup
    response = chairman.post(KEYS, {"name": "Ứng dụng Zalo của xã"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    key = Open311Key.objects.get()
    secret = response.content.decode().split("<code>o311_")[1].split("</code>")[0]
    assert services.key_hash("o311_" + secret) == key.key_hash
    assert post(Client(), **good("o311_" + secret)).status_code == 200
    again = chairman.get(KEYS).content.decode()
    assert "Ứng dụng Zalo của xã" in again and secret not in again
    assert HistoryEvent.objects.filter(action="open311_key.create",
                                       actor=staff["chairman"]).exists()


@pytest.mark.parametrize(("name", "message"), [
    ("", "Trường này là bắt buộc"), ("   ", "Trường này là bắt buộc"),
    ("x" * 121, "120"),
])
def test_a_bad_key_name_is_refused_and_makes_nothing(staff, commune, name, message):
    response = signed_in(staff["commune_admin"]).post(KEYS, {"name": name})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Open311Key.objects.exists()


def test_a_hostile_key_name_is_shown_inert(staff, commune):
    client = signed_in(staff["chairman"])
    client.post(KEYS, {"name": "<script>alert(1)</script>"})
    page = client.get(KEYS).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_revoking_a_key_stops_it(categories, staff, commune, api_key):
    key = Open311Key.objects.get()
    client = signed_in(staff["chairman"])
    refused = client.post(f"{KEYS}{key.public_id}/thu-hoi/", {"reason": "x" * 501})
    assert refused.status_code == 302
    key.refresh_from_db()
    assert key.is_active
    response = client.post(f"{KEYS}{key.public_id}/thu-hoi/", {"reason": "Ứng dụng ngừng"})
    assert response.status_code == 302
    key.refresh_from_db()
    assert not key.is_active
    assert post(Client(), **good(api_key)).status_code == 403
    event = HistoryEvent.objects.get(action="open311_key.revoke")
    assert (event.actor, event.reason) == (staff["chairman"], "Ứng dụng ngừng")


def test_others_cannot_see_make_or_revoke_keys(categories, staff, commune, other_commune,
                                              make_staff, api_key, citizen):
    key = Open311Key.objects.get()
    outsiders = [staff["land_officer"], staff["vice_chairman"],
                 make_staff(Role.CHAIRMAN, other_commune)]
    for user in outsiders:
        client = signed_in(user)
        page = client.get(KEYS, {"xa": commune.pk})
        assert page.status_code == 404 or "Ứng dụng thử" not in page.content.decode()
        client.post(f"{KEYS}?xa={commune.pk}", {"name": "Kẻ lạ"})
        assert client.post(f"{KEYS}{key.public_id}/thu-hoi/").status_code == 404
    citizen_client = signed_in(citizen)
    assert citizen_client.get(KEYS).status_code == 404
    anonymous = Client().get(KEYS)
    assert anonymous.status_code == 302
    assert list(Open311Key.objects.filter(commune=commune).values_list("name", "is_active")
                ) == [("Ứng dụng thử", True)]
