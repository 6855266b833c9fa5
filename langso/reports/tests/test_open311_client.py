"""An independent Open311 GeoReport v2 client, written from the specification's text
(wiki.open311.org/GeoReport_v2, Service_Discovery, and FixMyStreet's servicerequestupdates
extension), talking HTTP to a live server with ``requests`` and parsing JSON and XML with
the standard library only. It knows nothing of our code: langso is imported below only to
set up the data a commune would have (a category, a village, a key, a staff triage).

Every response is checked against the specification: required fields, types, allowed
values, W3C dates with a timezone, UTF-8 XML with its declaration, the error array.
"""

import datetime as dt
import json
import re
import uuid
import xml.etree.ElementTree as ET
from typing import Any

import pytest
import requests

pytestmark = pytest.mark.django_db(transaction=True)

# -- the client: what the specification says ---------------------------------------------

SPEC = "http://wiki.open311.org/GeoReport_v2"
# "All date/time fields must be formatted in a common subset of ISO 8601 as per the w3
# note. Timezone information (either Z meaning UTC, or an HH:MM offset from UTC) must be
# included."
W3C = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")
DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}
SERVICE_TYPES = {"realtime", "batch", "blackbox"}
# FixMyStreet's extension adds these to open/closed.
EXTENDED = {"fixed", "investigating", "action_scheduled", "in_progress", "planned",
            "no_further_action", "not_councils_responsibility", "duplicate",
            "internal_referral", "cancelled", "for_triage", "reopen"}
# XML containers and their repeated child (the "Spark convention": always a list).
LISTS = {"services": "service", "service_requests": "request", "attributes": "attribute",
         "values": "value", "endpoints": "endpoint", "formats": "format", "errors": "error",
         "service_request_updates": "request_update"}
BOOLEANS = {"metadata", "variable", "required"}
NUMBERS = {"lat", "long", "order"}


class SpecViolation(AssertionError):
    pass


def check(condition: Any, message: str) -> None:
    if not condition:
        raise SpecViolation(message)


def xml_value(element: ET.Element) -> Any:
    """An element as JSON would give it: containers become lists, leaves strings (an empty
    leaf None), booleans and numbers converted where the specification types them."""
    if element.tag in LISTS:
        child = LISTS[element.tag]
        check(all(c.tag == child for c in element), f"<{element.tag}> holds only <{child}>")
        return [xml_value(c) for c in element]
    if len(element):
        return {c.tag: xml_value(c) for c in element}
    text = element.text
    if text is None or text == "":
        return None
    if element.tag in BOOLEANS:
        check(text in ("true", "false"), f"<{element.tag}> is true or false, not {text!r}")
        return text == "true"
    if element.tag in NUMBERS:
        return float(text) if element.tag != "order" else int(text)
    return text


class Client:
    def __init__(self, base: str, fmt: str, jurisdiction_id: str = "") -> None:
        self.base = base.rstrip("/")
        self.fmt = fmt
        self.jurisdiction_id = jurisdiction_id

    def _params(self, params: dict[str, Any]) -> dict[str, Any]:
        values = {k: v for k, v in params.items() if v is not None}
        if self.jurisdiction_id:
            values.setdefault("jurisdiction_id", self.jurisdiction_id)
        return values

    def _parse(self, response: requests.Response) -> Any:
        expected = ("application/json" if self.fmt == "json" else "text/xml")
        content_type = response.headers.get("Content-Type", "")
        check(content_type.split(";")[0].strip() == expected, f"Content-Type {content_type}")
        check("charset=utf-8" in content_type.lower().replace(" ", ""), "UTF-8 declared")
        text = response.content.decode("utf-8")  # "UTF-8 is required everywhere."
        if self.fmt == "json":
            return json.loads(text)
        check(re.match(r'^<\?xml version="1\.0" encoding="utf-8"\?>', text, re.IGNORECASE),
              "the root element is preceded by the XML declaration with its encoding")
        root = ET.fromstring(response.content)  # noqa: S314 (the server under test)
        return root.tag, xml_value(root)

    def _root(self, parsed: Any, root: str) -> Any:
        if self.fmt == "json":
            return parsed
        tag, value = parsed
        check(tag == root, f"root element <{root}>, not <{tag}>")
        return value

    def get(self, path: str, root: str, **params: Any) -> tuple[int, Any]:
        response = requests.get(f"{self.base}/{path}.{self.fmt}",
                                params=self._params(params), timeout=30)
        return self._answer(response, root)

    def post(self, path: str, root: str, data: dict[str, Any]) -> tuple[int, Any]:
        # "Content-Type: application/x-www-form-urlencoded; charset=utf-8"
        response = requests.post(
            f"{self.base}/{path}.{self.fmt}", data=self._params(data), timeout=30,
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
        return self._answer(response, root)

    def _answer(self, response: requests.Response, root: str) -> tuple[int, Any]:
        parsed = self._parse(response)
        if response.status_code != 200:
            errors = self._root(parsed, "errors")
            check_errors(errors)
            return response.status_code, errors
        return 200, self._root(parsed, root)

    # The six methods, service discovery and the servicerequestupdates extension.
    def discovery(self) -> Any:
        return self.get("discovery", "discovery")

    def services(self) -> Any:
        return self.get("services", "services")

    def definition(self, code: str) -> Any:
        return self.get(f"services/{code}", "service_definition")

    def create(self, api_key: str | None, **fields: Any) -> Any:
        return self.post("requests", "service_requests", {"api_key": api_key, **fields})

    def requests(self, **filters: Any) -> Any:
        return self.get("requests", "service_requests", **filters)

    def request(self, service_request_id: str) -> Any:
        return self.get(f"requests/{service_request_id}", "service_requests")

    def token(self, token: str) -> Any:
        return self.get(f"tokens/{token}", "service_requests")

    def updates(self, **filters: Any) -> Any:
        return self.get("servicerequestupdates", "service_request_updates", **filters)


def is_text(value: Any) -> bool:
    return value is None or isinstance(value, str)


def w3c(value: Any, name: str) -> dt.datetime:
    check(isinstance(value, str) and W3C.match(value), f"{name} in W3C format: {value!r}")
    parsed = dt.datetime.fromisoformat(value)
    check(parsed.tzinfo is not None, f"{name} carries its timezone")
    return parsed


def check_errors(errors: Any) -> None:
    check(isinstance(errors, list) and errors, "errors: a non-empty array")
    for error in errors:
        check(set(error) >= {"code", "description"}, "each error has code and description")
        check(isinstance(error["description"], str) and error["description"],
              "a human readable description")


def check_discovery(data: Any) -> dict[str, Any]:
    for name in ("changeset", "contact", "key_service"):
        check(isinstance(data.get(name), str) and data[name], f"discovery.{name}")
    endpoints = data.get("endpoints")
    check(isinstance(endpoints, list) and endpoints, "discovery.endpoints")
    for endpoint in endpoints:
        for name in ("specification", "url", "changeset", "type"):
            check(isinstance(endpoint.get(name), str), f"endpoint.{name}")
        check(endpoint["type"] in ("production", "test"), "endpoint.type")
        check(isinstance(endpoint.get("formats"), list) and endpoint["formats"], "formats")
    (ours,) = [e for e in endpoints if e["specification"] == SPEC]
    check("text/xml" in ours["formats"], "XML is a required format")
    return ours


def check_service(service: Any) -> None:
    check(isinstance(service.get("service_code"), str) and service["service_code"],
          "service_code")
    check(isinstance(service.get("service_name"), str) and service["service_name"],
          "service_name")
    check(isinstance(service.get("metadata"), bool), "metadata is true or false")
    check(service.get("type") in SERVICE_TYPES, "type is realtime, batch or blackbox")
    for name in ("description", "keywords", "group"):
        check(is_text(service.get(name)), f"service.{name}")


def check_definition(data: Any, code: str) -> dict[str, Any]:
    check(data.get("service_code") == code, "the definition of the service asked for")
    attributes = data.get("attributes")
    check(isinstance(attributes, list), "attributes")
    orders = []
    for attribute in attributes:
        check(isinstance(attribute.get("variable"), bool), "attribute.variable")
        check(isinstance(attribute.get("code"), str) and attribute["code"], "attribute.code")
        check(attribute.get("datatype") in DATATYPES, "attribute.datatype")
        check(isinstance(attribute.get("required"), bool), "attribute.required")
        check(is_text(attribute.get("datatype_description")), "datatype_description")
        check(is_text(attribute.get("description")), "attribute.description")
        order = attribute.get("order")
        check(isinstance(order, int) and order >= 1, "order: a positive integer")
        orders.append(order)
        if attribute["datatype"] in ("singlevaluelist", "multivaluelist"):
            values = attribute.get("values")
            check(isinstance(values, list) and values, "a list attribute has values")
            for value in values:
                check(isinstance(value.get("key"), str) and value["key"], "value.key")
                check(isinstance(value.get("name"), str) and value["name"], "value.name")
    check(len(orders) == len(set(orders)), "orders not used twice")
    return {a["code"]: a for a in attributes}


def check_request(item: Any) -> dict[str, Any]:
    check(isinstance(item.get("service_request_id"), str) and item["service_request_id"],
          "service_request_id")
    check(item.get("status") in ("open", "closed"), f"status open or closed: {item}")
    check(isinstance(item.get("service_code"), str), "service_code")
    for name in ("status_notes", "service_name", "agency_responsible", "service_notice",
                 "address", "address_id", "zipcode", "media_url"):
        check(is_text(item.get(name)), f"request.{name}")
    check(is_text(item.get("description")) and len(item.get("description") or "") <= 4000,
          "description: text of at most 4,000 characters")
    requested = w3c(item.get("requested_datetime"), "requested_datetime")
    if item.get("updated_datetime") is not None:
        check(w3c(item["updated_datetime"], "updated_datetime") >= requested,
              "updated after requested")
    if item.get("expected_datetime") is not None:
        w3c(item["expected_datetime"], "expected_datetime")
    for name, bound in (("lat", 90), ("long", 180)):
        value = item.get(name)
        check(value is None or (isinstance(value, int | float) and -bound <= value <= bound),
              f"{name}: a WGS84 number")
    if item.get("media_url"):
        check(item["media_url"].startswith(("http://", "https://")), "media_url: a URL")
    return item


def check_update(item: Any) -> None:
    for name in ("update_id", "service_request_id"):
        check(isinstance(item.get(name), str) and item[name], name)
    check(str(item.get("status")).lower() in {"open", "closed", *EXTENDED},
          f"update status: {item.get('status')}")
    w3c(item.get("updated_datetime"), "updated_datetime")
    check(is_text(item.get("description")), "update.description")
    check(is_text(item.get("media_url")), "update.media_url")


# -- the data a commune would have ---------------------------------------------------------

@pytest.fixture
def commune_data(commune, village, make_staff):
    from langso.core import ratelimit
    from langso.core.models import Department, Role
    from langso.reports.models import Category
    from langso.reports.open311.keys import open311_key_create

    ratelimit.reset()  # rate-limit counters of earlier tests in this process
    land = Department.objects.get(commune=commune, kind=Department.Kind.LAND)
    Category.objects.create(commune=commune, code="duong-giao-thong", department=land,
                            name="Đường giao thông, cầu cống", group="Hạ tầng",
                            keywords="ổ gà, sụt lún, cầu")
    Category.objects.create(commune=commune, code="chieu-sang", department=land,
                            name="Điện chiếu sáng công cộng", group="Hạ tầng")
    _key, secret = open311_key_create(actor=None, commune=commune, name="Ứng dụng độc lập")
    return {"commune": commune, "village": village, "api_key": secret, "land": land,
            "chairman": make_staff(Role.CHAIRMAN, commune)}


def triage(number: str, data: dict[str, Any]) -> None:
    """The chairman accepts the report in the office (through the services, as the staff
    screen does)."""
    from langso.reports import services
    from langso.reports.models import Report, Severity

    report = Report.objects.get(commune=data["commune"], number=int(number))
    services.report_triage(actor=data["chairman"], report=report, severity=Severity.NORMAL,
                           department=data["land"], note="Giao địa chính kiểm tra.")


def web_report_with_token(data: dict[str, Any]) -> tuple[str, str]:
    """A report sent by the offline web app with its client token."""
    from langso.reports import services
    from langso.reports.models import Category

    token = uuid.uuid4()
    report, _secret = services.report_submit(
        commune=data["commune"], reporter=services.Reporter(),
        category=Category.objects.get(code="chieu-sang"), latitude="21.4601",
        longitude="105.6460", description="Đèn đường trước cổng trường không sáng.",
        client_token=token)
    return str(token), str(report.number)


# -- the walk -------------------------------------------------------------------------------

PERSONAL = {"first_name": "Hoàng Thị", "last_name": "Riêng Tư", "phone": "0977111222",
            "email": "rieng.tu@example.vn", "device_id": "thiet-bi-rieng",
            "account_id": "tai-khoan-rieng"}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_independent_client_walks_the_whole_api(live_server, commune_data, fmt):
    # Discovery tells where the API is; everything else follows from it.
    start = Client(f"{live_server.url}/open311/v2", fmt)
    status, data = start.discovery()
    assert status == 200
    endpoint = check_discovery(data)
    api = Client(endpoint["url"], fmt, commune_data["commune"].slug)
    assert ("application/json" in endpoint["formats"]) is True

    status, services = api.services()
    assert status == 200 and isinstance(services, list)
    for service in services:
        check_service(service)
    codes = {s["service_code"]: s for s in services}
    assert set(codes) == {"duong-giao-thong", "chieu-sang"}
    road = codes["duong-giao-thong"]
    assert road["service_name"] == "Đường giao thông, cầu cống"

    attributes: dict[str, Any] = {}
    if road["metadata"]:
        status, definition = api.definition("duong-giao-thong")
        assert status == 200
        attributes = check_definition(definition, "duong-giao-thong")
    village_key = attributes["village"]["values"][0]["key"]
    assert attributes["village"]["values"][0]["name"].endswith("Đồng Bả")

    # Writing needs the key: none or a wrong one is 403, in the error format.
    status, errors = api.create(None, service_code="duong-giao-thong", lat="21.4592",
                                long="105.6451", description="Ổ gà lớn giữa đường.")
    assert status == 403
    status, errors = api.create("sai-khoa", service_code="duong-giao-thong",
                                address_string="Ngõ 3", description="Ổ gà lớn giữa đường.")
    assert status == 403
    status, errors = api.create(commune_data["api_key"], service_code="khong-co",
                                address_string="Ngõ 3", description="Ổ gà lớn giữa đường.")
    assert status == 404 and any("khong-co" in e["description"] for e in errors)

    description = "Đường ngõ 3 bị sụt lún sâu, xe máy đi qua rất nguy hiểm."
    status, created = api.create(
        commune_data["api_key"], service_code="duong-giao-thong", lat="21.4592",
        long="105.6451", address_string="Ngõ 3, cạnh nhà văn hóa",
        description=description, media_url="https://anh.example.vn/o-ga.jpg",
        **{f"attribute[{'village'}]": village_key, "attribute[confidential]": "true"},
        **PERSONAL)
    assert status == 200 and isinstance(created, list) and len(created) == 1
    (receipt,) = created
    check(bool(receipt.get("service_request_id")) != bool(receipt.get("token")),
          "either a service_request_id or a token")
    check(is_text(receipt.get("service_notice")), "service_notice")
    first = receipt["service_request_id"]
    status, created = api.create(commune_data["api_key"], service_code="chieu-sang",
                                 address_id=village_key,
                                 description="Bóng đèn cột số 12 bị vỡ, tối cả đoạn đường.")
    assert status == 200
    second = created[0]["service_request_id"]

    # One request: an array with one element, the client's own data, nobody's identity.
    status, found = api.request(first)
    assert status == 200 and isinstance(found, list) and len(found) == 1
    item = check_request(found[0])
    assert (item["service_request_id"], item["status"], item["service_code"]) == (
        first, "open", "duong-giao-thong")
    assert item["description"] == description
    assert abs(item["lat"] - 21.4592) < 1e-6 and abs(item["long"] - 105.6451) < 1e-6
    assert item["address"].startswith("Ngõ 3, cạnh nhà văn hóa")
    assert item["media_url"] is None  # a third party's URL is not republished
    status, _missing = api.request("987654")
    assert status == 404

    # Many requests, with the specification's filters.
    now = dt.datetime.now(dt.UTC)
    window = {"start_date": (now - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
              "end_date": (now + dt.timedelta(hours=1)).isoformat(timespec="seconds")}
    status, listed = api.requests()
    assert status == 200
    for listed_item in listed:
        check_request(listed_item)
    assert {r["service_request_id"] for r in listed} == {first, second}
    status, listed = api.requests(service_request_id=f"{second},{first}", status="closed")
    assert {r["service_request_id"] for r in listed} == {first, second}
    status, listed = api.requests(service_code="chieu-sang", status="open", **window)
    assert [r["service_request_id"] for r in listed] == [second]
    status, listed = api.requests(status="closed", **window)
    assert listed == []
    status, _errors = api.requests(start_date="2026-01-01", end_date="2026-09-01T00:00:00Z")
    assert status == 400
    status, _errors = api.requests(start_date="2025-01-01T00:00:00Z",
                                  end_date="2025-06-01T00:00:00Z")
    assert status == 400  # more than 90 days

    # A report the offline web app sent with its token.
    token, number = web_report_with_token(commune_data)
    status, resolved = api.token(token)
    assert status == 200
    assert resolved == [{"service_request_id": number, "token": token}]

    # The office accepts the first report; its updates and its new state show it.
    triage(first, commune_data)
    status, found = api.request(first)
    item = check_request(found[0])
    assert item["status"] == "open"
    assert item["agency_responsible"]
    expected = w3c(item["expected_datetime"], "expected_datetime")
    assert expected > w3c(item["requested_datetime"], "requested_datetime")
    assert item["status_notes"] == "Giao địa chính kiểm tra."

    status, updates = api.updates(**window)
    assert status == 200 and isinstance(updates, list)
    for update in updates:
        check_update(update)
    mine = [u for u in updates if u["service_request_id"] == first]
    assert len(mine) == 2
    assert mine[-1]["description"] == "Giao địa chính kiểm tra."
    assert w3c(mine[-1]["updated_datetime"], "u") >= w3c(mine[0]["updated_datetime"], "u")
    assert len({u["update_id"] for u in updates}) == len(updates)

    # Nothing the reporter gave about themselves is ever served back.
    for path in ("requests", f"requests/{first}", "servicerequestupdates"):
        response = requests.get(f"{api.base}/{path}.{fmt}",
                                params={"jurisdiction_id": api.jurisdiction_id}, timeout=30)
        text = response.content.decode()
        leaked = [value for value in (*PERSONAL.values(), "Hoàng Thị Riêng Tư") if value in text]
        assert leaked == [], (path, leaked)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_client_reads_errors_in_its_format(live_server, commune_data, fmt):
    api = Client(f"{live_server.url}/open311/v2", fmt, "khong-co-xa")
    status, errors = api.services()
    assert status == 404 and errors[0]["code"] in (404, "404")
    api = Client(f"{live_server.url}/open311/v2", fmt, commune_data["commune"].slug)
    status, errors = api.create(commune_data["api_key"], service_code="duong-giao-thong",
                                lat="21.4592", long="105.6451",
                                description="<b>HTML</b> không được phép trong mô tả.")
    assert status == 400
    status, errors = api.definition("khong-co")
    assert status == 404
