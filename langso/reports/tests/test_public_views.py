"""The public side of field reports: list, map and its data, a report's page, photos, the
reporter's link (rate, reopen), following — no login, no JavaScript, no personal data."""

import datetime as dt
import gzip
import json
import random
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from langso.core import ratelimit
from langso.core.models import Commune, HistoryEvent, User, Village
from langso.core.tests import upload_samples
from langso.core.uploads.services import upload_store
from langso.reports import public_views, selectors, services
from langso.reports.models import (
    Category,
    MediaKind,
    RejectReason,
    Report,
    ReportFollower,
    ReportMedia,
    Severity,
)
from langso.reports.tests.conftest import POINT, SUNKEN_LANE
from langso.reports.workflow import State

pytestmark = pytest.mark.django_db

NAME, PHONE, EMAIL = "Phùng Thị Quyên", "0911222333", "quyen.phung@example.vn"
WORDS = ("đường", "ngõ", "sụt", "lún", "nước", "ngập", "đèn", "hỏng", "rác", "thải", "cống",
         "tắc", "cây", "đổ", "cầu", "gãy", "ồn", "ào", "khói", "bụi", "trường", "chợ", "xe",
         "tải", "đêm", "sáng", "mưa", "bão", "thôn", "xóm", "nhà", "văn", "hóa", "bờ", "kè",
         "mương", "ruộng", "lúa", "ổ", "gà", "vỉa", "hè", "biển", "báo", "mất", "chó", "thả")
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)> ngõ 5 sụt lún nặng'


@pytest.fixture(autouse=True)
def _fresh_limits() -> Any:
    ratelimit.reset()
    yield
    ratelimit.reset()


@pytest.fixture
def submit(commune: Commune, categories: dict[str, Category]) -> Callable[..., tuple[Report, str]]:
    """A report by a reporter who left a name, phone and e-mail (not confidential)."""
    def make(*, category: str = "road", user: User | None = None, on: Commune | None = None,
             **fields: Any) -> tuple[Report, str]:
        values: dict[str, Any] = {"latitude": POINT[0], "longitude": POINT[1],
                                  "description": SUNKEN_LANE}
        values.update(fields)
        target = on or commune
        chosen = categories[category] if target == commune else Category.objects.get_or_create(
            commune=target, code="khac", defaults={"name": "Khác"})[0]
        return services.report_submit(
            commune=target, reporter=services.Reporter(user=user, name=NAME, phone=PHONE,
                                                       email=EMAIL),
            category=chosen, **values)
    return make


def _photo(commune: Commune, actor: User, report: Report, *, kind: str = MediaKind.PHOTO,
           hidden: bool = False, status: str = "ready") -> ReportMedia:
    stored = upload_store(actor=actor, commune=commune, kind="photo", file=SimpleUploadedFile(
        "anh.jpg", upload_samples.jpeg((64, 48)), content_type="image/jpeg"))
    return ReportMedia.objects.create(commune=commune, report=report, kind=kind, file=stored,
                                      status=status, hidden=hidden)


def _answer(report: Report, staff: dict[str, User], land: Any, proof: ReportMedia,
            text: str = "Đã san lấp, đổ bê tông lại đoạn ngõ bị sụt.") -> Report:
    report = services.report_triage(actor=staff["chairman"], report=report,
                                    severity=Severity.NORMAL, department=land)
    report = services.report_draft_answer(actor=staff["land_officer"], report=report,
                                          text=text, proofs=[proof])
    return services.report_approve(actor=staff["chairman"], report=report)


def _url(name: str, report: Report, **extra: Any) -> str:
    return reverse(f"reports:{name}", kwargs={"slug": report.commune.slug,
                                              "number": report.number, **extra})


def _list(commune: Commune) -> str:
    return reverse("reports:public_list", kwargs={"slug": commune.slug})


def _points(commune: Commune) -> str:
    return reverse("reports:public_map_points", kwargs={"slug": commune.slug})


def _text(response: Any) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode()


def _map_config(body: str) -> dict[str, Any]:
    found = re.search(r'<script id="report-map-config" type="application/json">(.*?)</script>',
                      body)
    assert found, body
    return json.loads(found.group(1))


def _history() -> int:
    return HistoryEvent.objects.count()


# -- the list -------------------------------------------------------------------------------

def test_the_list_shows_public_reports_newest_first(client, submit, commune):
    first, _ = submit(description="Đèn đường thôn Đồng Bả tắt cả tuần nay.", category="light")
    second, _ = submit(description="Rác đổ bừa bãi cạnh cầu, bốc mùi khó chịu.")
    body = client.get(_list(commune)).content.decode()
    assert body.index(second.reference) < body.index(first.reference)
    assert "Đèn đường thôn Đồng Bả" in body and "Điện chiếu sáng công cộng" in body
    assert "Mới gửi, chờ tiếp nhận" in body and "<script" not in body


def test_the_filters_narrow_the_list(client, submit, commune, make_village, staff, land):
    north, south = make_village(commune, "Đồng Bả"), make_village(commune, "Làng Hà")
    road, _ = submit(village=north, description="Ổ gà lớn trên đường liên thôn Đồng Bả.")
    light, _ = submit(village=south, category="light",
                      description="Đèn chiếu sáng ngõ Làng Hà bị hỏng.")
    services.report_triage(actor=staff["chairman"], report=light, severity=Severity.NORMAL,
                           department=land)
    Report.objects.filter(pk=road.pk).update(created_at=timezone.now() - dt.timedelta(days=40))

    def refs(**query: Any) -> set[str]:
        response = client.get(_list(commune), query)
        assert response.status_code == 200
        body = response.content.decode()
        return {r.reference for r in (road, light) if f">{r.reference}<" in body}

    assert refs() == {"PA-1", "PA-2"}
    assert refs(village=north.pk) == {road.reference}
    assert refs(category="chieu-sang") == {light.reference}
    assert refs(status="working") == {light.reference}
    assert refs(status="waiting") == {road.reference}
    assert refs(status="done") == set()
    today = timezone.localdate()
    assert refs(since=(today - dt.timedelta(days=7)).isoformat()) == {light.reference}
    assert refs(until=(today - dt.timedelta(days=7)).strftime("%d/%m/%Y")) == {road.reference}
    assert refs(since=today.isoformat(), until=today.isoformat(),
                category="chieu-sang", village=south.pk, status="working") == {light.reference}


@pytest.mark.parametrize(("query", "message"), [
    ({"status": "deleted"}, "Tình trạng không hợp lệ"),
    ({"category": "<script>"}, "Lĩnh vực không hợp lệ"),
    ({"village": "abc"}, "Thôn"),
    ({"since": "31/02/2026"}, "Ngày không hợp lệ"),
    ({"since": "0001-01-01"}, "01/01/2000"),
    ({"until": "9999-12-31"}, "01/01/2000"),
    ({"since": "2026-05-02", "until": "2026-05-01"}, "phải sau"),
    ({"since": "x" * 5000}, "Ngày không hợp lệ"),
])
def test_bad_filters_get_a_clear_message(client, submit, commune, query, message):
    submit()
    response = client.get(_list(commune), query)
    body = response.content.decode()
    assert response.status_code == 400
    assert message in body and "Bộ lọc không hợp lệ" in body and "PA-1<" not in body


def test_a_village_of_another_commune_is_not_a_filter(client, submit, commune, other_commune,
                                                       make_village):
    foreign = make_village(other_commune, "Hổ Thôn")
    submit()
    response = client.get(_list(commune), {"village": foreign.pk})
    assert response.status_code == 400
    assert "Thôn không thuộc xã này" in response.content.decode()


def test_the_list_is_paginated(client, submit, commune):
    for n in range(public_views.PER_PAGE + 3):
        submit(description=f"Phản ánh thử số {n:03d} về đường hỏng.")
    first = client.get(_list(commune)).content.decode()
    second = client.get(_list(commune), {"page": 2, "category": "duong-giao-thong"})
    body = second.content.decode()
    assert "PA-23<" in first and "PA-4<" in first and "PA-3<" not in first
    assert {f"PA-{n}<" in body for n in (1, 2, 3)} == {True} and "PA-4<" not in body
    assert "category=duong-giao-thong&amp;page=1" in body  # the filter carries over
    for junk in ("abc", "-1", "99999999999999999999", "<b>"):
        assert client.get(_list(commune), {"page": junk}).status_code == 200


def test_the_list_stays_under_30_kb_transferred_without_photos(client, submit, commune,
                                                                make_village):
    """The page and its stylesheet, gzipped as served, with a full page of long reports
    and a commune with many villages and categories."""
    rng = random.Random(4)
    villages = [make_village(commune, f"Thôn số {n}") for n in range(40)]
    for n in range(30):
        Category.objects.create(commune=commune, code=f"linh-vuc-{n}",
                                name=f"Lĩnh vực phản ánh thử nghiệm số {n}")
    for n in range(public_views.PER_PAGE + 5):
        # Words drawn at random: a repeated sentence would compress to nothing.
        words = [rng.choice(WORDS) for _w in range(600)]
        submit(description=" ".join(words)[:4000], village=villages[n],
               address=" ".join(rng.choice(WORDS) for _w in range(40))[:255])
    response = client.get(_list(commune), HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200 and response["Content-Encoding"] == "gzip"
    html = len(response.content)
    assert len(gzip.decompress(response.content)) > 10_000  # a full page, compressed
    css_path = finders.find("web/site.css")
    assert css_path
    with open(css_path, "rb") as handle:
        css = len(gzip.compress(handle.read()))
    assert html + css <= 30 * 1024, (html, css)
    assert "<script" not in gzip.decompress(response.content).decode()


# -- no personal data, inert text ------------------------------------------------------------

def test_no_personal_data_on_any_public_page_or_json(client, submit, commune, citizen, staff,
                                                      land, proof_media):
    report, secret = submit(user=citizen, confidential=False)
    report = _answer(report, staff, land, proof_media())
    services.report_rate(report=report, rating=2, comment=f"Tôi là {NAME}, gọi {PHONE}",
                         secret=secret)
    services.report_follow(report=report, email="hangxom@example.vn", phone="0933444555")
    pages = [client.get(_list(commune)), client.get(_url("public_detail", report)),
             client.get(_url("public_detail", report), {"k": secret}),
             client.get(reverse("reports:public_map", kwargs={"slug": commune.slug})),
             client.get(_points(commune), {"bbox": "105,21,106,22"}),
             client.get(reverse("web:commune_home", kwargs={"slug": commune.slug}))]
    assert [p.status_code for p in pages] == [200] * 6
    assert "PA-1" in pages[4].content.decode() or pages[4].json()["points"]
    for page in pages:
        body = _text(page)
        for private in (NAME, "Quyên", PHONE, EMAIL, citizen.full_name, citizen.phone,
                        "hangxom@example.vn", "0933444555", "Tôi là"):
            assert private not in body, (page.request["PATH_INFO"], private)


def test_a_confidential_reporter_is_not_shown_either(client, submit, commune):
    report, _ = submit(confidential=True)
    body = client.get(_url("public_detail", report)).content.decode()
    assert NAME not in body and PHONE not in body and EMAIL not in body


def test_html_and_script_typed_by_citizens_is_shown_as_text(client, submit, commune, staff,
                                                             land, proof_media):
    report, secret = submit(description=XSS, address='<b onmouseover="x()">ngõ 3</b>')
    report = _answer(report, staff, land, proof_media(), text=f"Trả lời {XSS}")
    client.post(_url("public_reopen", report), {"k": secret, "reason": f"Chưa xong {XSS}"})
    for url in (_list(commune), _url("public_detail", report)):
        body = client.get(url).content.decode()
        assert "<script>alert" not in body and "<img src=x" not in body
        assert "<b onmouseover" not in body
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body


# -- the map and its data ----------------------------------------------------------------------

def test_the_map_page_uses_the_vendored_leaflet_and_links_to_the_list_without_js(
        client, commune, settings):
    settings.MAP_TILE_URL = "https://tiles.example.vn/{z}/{x}/{y}.png"
    response = client.get(reverse("reports:public_map", kwargs={"slug": commune.slug}),
                          {"status": "done"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "reports/vendor/leaflet/leaflet.js" in body and "unpkg" not in body
    assert "<noscript>" in body and f'{_list(commune)}?status=done"' in body
    config = _map_config(body)
    assert config["tiles"] == "https://tiles.example.vn/{z}/{x}/{y}.png"
    assert "OpenStreetMap" in config["attribution"] and config["filters"] == "status=done"
    assert finders.find("reports/vendor/leaflet/LICENSE")
    assert finders.find("reports/vendor/leaflet/leaflet.js")


def test_the_map_opens_on_the_commune_box_or_a_point(client, commune):
    rs = services.settings_for(commune)
    rs.south, rs.west, rs.north, rs.east = 21.40, 105.60, 21.50, 105.70
    rs.save()
    url = reverse("reports:public_map", kwargs={"slug": commune.slug})

    def config(**query: Any) -> dict[str, Any]:
        return _map_config(client.get(url, query).content.decode())

    assert config()["bounds"] == [[21.4, 105.6], [21.5, 105.7]]
    assert config(lat="21.4592", lng="105.6451")["center"] == [21.4592, 105.6451]
    assert "bounds" in config(lat="NaN", lng="<x>")  # a bad point is ignored


def test_map_data_gives_the_reports_in_the_box(client, submit, commune, staff):
    inside, _ = submit()
    submit(latitude="21.600000", longitude="105.645100")  # north of the box
    submit(latitude=None, longitude=None, address="Ngõ 3 thôn Đồng Bả")  # no point
    hidden, _ = submit()
    services.report_moderate(actor=staff["chairman"], report=hidden, hide_report=True,
                             reason="Ảnh chụp mặt người")
    response = client.get(_points(commune), {"bbox": "105.6,21.4,105.7,21.5",
                                             "status": "waiting"})
    data = response.json()
    assert response.status_code == 200 and response["Cache-Control"] == "public, max-age=60"
    assert data["fields"] == ["id", "lat", "lng", "status", "category"]
    assert data["points"] == [[inside.number, 21.4592, 105.6451, "new", "duong-giao-thong"]]
    assert data["zoom_in"] is False
    assert client.get(_points(commune), {"bbox": "105.6,21.4,105.7,21.5",
                                         "status": "done"}).json()["points"] == []


def test_map_data_is_bounded_and_says_zoom_in(client, submit, commune, monkeypatch):
    for _n in range(3):
        submit()
    monkeypatch.setattr(selectors, "MAP_LIMIT", 2)
    data = client.get(_points(commune), {"bbox": "105.6,21.4,105.7,21.5"}).json()
    assert len(data["points"]) == 2 and data["zoom_in"] is True
    wide = client.get(_points(commune), {"bbox": "100,8,110,23.5"}).json()
    assert wide["points"] == [] and wide["zoom_in"] is True


@pytest.mark.parametrize("bbox", [
    None, "", "105.6,21.4,105.7", "105.6,21.4,105.7,21.5,1", "a,b,c,d", "105,21,,22",
    "NaN,21.4,105.7,21.5", "105.6,21.4,Infinity,21.5", "-inf,21,105,22", "1e999,0,1,1",
    "105.7,21.4,105.6,21.5", "105.6,21.5,105.7,21.4", "105.6,21.4,105.6,21.4",
    "181,0,182,1", "105,-91,106,-90", "1" * 200 + ",1,2,3", "0x10,21,106,22",
])
def test_map_data_refuses_a_bad_box(client, submit, commune, bbox):
    submit()
    query = {} if bbox is None else {"bbox": bbox}
    response = client.get(_points(commune), query)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and "bbox" in error["message"]
    assert error["fields"]["bbox"]


def test_map_data_refuses_bad_filters(client, commune):
    response = client.get(_points(commune), {"bbox": "105.6,21.4,105.7,21.5",
                                             "status": "x"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"status": ["Tình trạng không hợp lệ."]}


# -- a report's page ----------------------------------------------------------------------------

def test_the_page_shows_the_public_timeline_answer_and_proof(client, submit, staff, land,
                                                               proof_media):
    report, _ = submit()
    proof = proof_media()
    report = _answer(report, staff, land, proof)
    body = client.get(_url("public_detail", report)).content.decode()
    for shown in ("Gửi phản ánh", "Tiếp nhận và giao xử lý", "Công bố kết quả xử lý",
                  "Đã xử lý xong", "Kết quả xử lý", "Đã san lấp, đổ bê tông lại",
                  land.name, str(proof.file.public_id)):
        assert shown in body, shown
    file = client.get(_url("public_file", report, file=proof.file.public_id))
    assert file.status_code == 200 and file["Content-Type"] == "application/pdf"


def test_a_proof_is_public_only_once_its_answer_is_published(client, submit, staff, land,
                                                               proof_media):
    report, _ = submit()
    report = services.report_triage(actor=staff["chairman"], report=report,
                                    severity=Severity.NORMAL, department=land)
    proof = proof_media()
    report = services.report_draft_answer(actor=staff["land_officer"], report=report,
                                          text="Dự thảo: đã khảo sát, sẽ sửa tuần sau.",
                                          proofs=[proof])
    url = _url("public_file", report, file=proof.file.public_id)
    body = client.get(_url("public_detail", report)).content.decode()
    assert client.get(url).status_code == 404 and "Dự thảo" not in body
    services.report_approve(actor=staff["chairman"], report=report)
    assert client.get(url).status_code == 200


def test_photos_are_served_without_login_and_hidden_ones_404(client, submit, commune, staff):
    report, _ = submit()
    shown = _photo(commune, staff["one_stop"], report)
    hidden = _photo(commune, staff["one_stop"], report, hidden=True)
    pending = _photo(commune, staff["one_stop"], report, status="pending")
    body = client.get(_url("public_detail", report)).content.decode()
    assert str(shown.file.public_id) in body
    assert str(hidden.file.public_id) not in body and str(pending.file.public_id) not in body
    response = client.get(_url("public_file", report, file=shown.file.public_id))
    assert response.status_code == 200 and response["Content-Type"].startswith("image/")
    assert "sandbox" in response["Content-Security-Policy"]
    for media in (hidden, pending):
        assert client.get(_url("public_file", report,
                               file=media.file.public_id)).status_code == 404
    # Hiding after the page was seen: the photo's address stops working.
    services.report_moderate(actor=staff["chairman"], report=report, media=shown,
                             hide_media=True, reason="Có biển số xe")
    assert client.get(_url("public_file", report,
                           file=shown.file.public_id)).status_code == 404


def test_the_file_as_received_and_another_reports_photo_are_404(client, submit, commune,
                                                                staff):
    report, _ = submit()
    other, _ = submit()
    photo = _photo(commune, staff["one_stop"], other)
    received = upload_store(actor=staff["one_stop"], commune=commune, kind="photo",
                            file=SimpleUploadedFile("goc.jpg", upload_samples.jpeg(),
                                                    content_type="image/jpeg"))
    ReportMedia.objects.filter(pk=photo.pk).update(received=received)
    assert client.get(_url("public_file", report, file=photo.file.public_id)).status_code == 404
    assert client.get(_url("public_file", other, file=received.public_id)).status_code == 404
    assert client.get(_url("public_file", other, file=photo.file.public_id)).status_code == 200


def test_hidden_and_spam_reports_are_404_everywhere(client, submit, commune, staff):
    hidden, _ = submit(description="Phản ánh sẽ bị ẩn vì có thông tin cá nhân.")
    spam, _ = submit(description="Quảng cáo bán hàng không liên quan gì cả.")
    services.report_moderate(actor=staff["chairman"], report=hidden, hide_report=True,
                             reason="Thông tin cá nhân")
    services.report_reject(actor=staff["chairman"], report=spam, reason=RejectReason.SPAM,
                           note="Quảng cáo")
    for report in (hidden, spam):
        assert client.get(_url("public_detail", report)).status_code == 404
    body = client.get(_list(commune)).content.decode()
    assert "PA-1<" not in body and "PA-2<" not in body and "Quảng cáo bán hàng" not in body
    assert client.get(_points(commune), {"bbox": "105.6,21.4,105.7,21.5"}).json()[
        "points"] == []
    before = ReportFollower.objects.count()
    assert client.post(_url("public_follow", hidden),
                       {"email": "a@example.vn"}).status_code == 404
    assert ReportFollower.objects.count() == before


def test_a_hidden_description_is_not_shown(client, submit, commune, staff):
    report, _ = submit(description="Nhà ông Lê Văn Tám số 5 xả rác ra đường.")
    services.report_moderate(actor=staff["chairman"], report=report, hide_description=True,
                             reason="Nêu tên người")
    for url in (_list(commune), _url("public_detail", report)):
        body = client.get(url).content.decode()
        assert "Nội dung đã được ẩn" in body and "Lê Văn Tám" not in body


def test_a_duplicate_links_to_the_original(client, submit, staff):
    original, _ = submit()
    copy, _ = submit()
    services.report_reject(actor=staff["chairman"], report=copy,
                           reason=RejectReason.DUPLICATE, duplicate_of=original)
    body = client.get(_url("public_detail", copy)).content.decode()
    assert "Trùng với phản ánh khác" in body
    assert f'href="{_url("public_detail", original)}"' in body


def test_another_communes_number_under_this_communes_slug_is_404(client, submit, commune,
                                                                 other_commune):
    submit(on=other_commune)
    foreign, _ = submit(on=other_commune)
    assert foreign.number == 2
    submit()  # this commune has a PA-1 only
    url = reverse("reports:public_detail", kwargs={"slug": commune.slug, "number": 2})
    assert client.get(url).status_code == 404
    wrong_slug = reverse("reports:public_detail", kwargs={"slug": "khong-co", "number": 1})
    assert client.get(wrong_slug).status_code == 404
    huge = reverse("reports:public_detail", kwargs={"slug": commune.slug,
                                                    "number": 10 ** 30})
    assert client.get(huge).status_code == 404


def test_an_inactive_commune_has_no_public_pages(client, submit, commune):
    report, _ = submit()
    Commune.objects.filter(pk=commune.pk).update(is_active=False)
    for url in (_list(commune), _url("public_detail", report),
                _points(commune) + "?bbox=105.6,21.4,105.7,21.5"):
        assert client.get(url).status_code == 404


# -- the reporter's link ------------------------------------------------------------------------

@pytest.fixture
def resolved(submit, staff, land, proof_media) -> tuple[Report, str]:
    report, secret = submit()
    return _answer(report, staff, land, proof_media()), secret


def test_the_link_shows_the_reporters_actions_privately(client, resolved):
    report, secret = resolved
    public = client.get(_url("public_detail", report)).content.decode()
    assert "Gửi đánh giá" not in public and "Mở lại phản ánh" not in public
    response = client.get(_url("public_detail", report), {"k": secret})
    body = response.content.decode()
    assert "Gửi đánh giá" in body and "Mở lại phản ánh" in body
    # The origin only, never the path with the secret; not "no-referrer", under which
    # browsers post the page's forms with "Origin: null" and the CSRF check refuses them.
    assert response["Referrer-Policy"] == "strict-origin"
    assert '<meta name="referrer" content="strict-origin">' in body
    assert "no-store" in response["Cache-Control"] and "noindex" in response["X-Robots-Tag"]
    wrong = client.get(_url("public_detail", report), {"k": "doan-bua"}).content.decode()
    assert "Liên kết của người phản ánh không đúng" in wrong and "Gửi đánh giá" not in wrong


def test_the_reporter_rates_the_answer_from_the_link(client, resolved):
    report, secret = resolved
    response = client.post(_url("public_rate", report),
                           {"k": secret, "rating": "4", "comment": "Sửa nhanh, cảm ơn xã."})
    assert response.status_code == 302 and response["Location"].endswith(f"?k={secret}")
    report.refresh_from_db()
    assert report.status == State.CLOSED and report.rating == 4
    assert report.rating_comment == "Sửa nhanh, cảm ơn xã."
    page = client.get(response["Location"]).content.decode()
    assert "4/5 sao" in page and "Sửa nhanh" not in page  # the comment stays private


@pytest.mark.parametrize("secret", ["", "sai-ma-bi-mat", "x" * 5000])
def test_rating_or_reopening_without_the_right_secret_is_refused(client, resolved, secret):
    report, _real = resolved
    before = _history()
    rate = client.post(_url("public_rate", report), {"k": secret, "rating": "1"})
    reopen = client.post(_url("public_reopen", report),
                         {"k": secret, "reason": "Vẫn còn ổ gà to giữa đường."})
    assert rate.status_code == reopen.status_code == 403
    assert "Chỉ người gửi phản ánh" in rate.content.decode()
    report.refresh_from_db()
    assert report.status == State.RESOLVED and report.rating is None
    assert _history() == before


def test_another_signed_in_user_cannot_act_for_the_reporter(client, resolved, make_staff,
                                                            other_commune, staff):
    report, _ = resolved
    for user in (make_staff("chairman", other_commune), staff["chairman"]):
        client.force_login(user)
        assert client.post(_url("public_rate", report), {"rating": "5"}).status_code == 403
    report.refresh_from_db()
    assert report.status == State.RESOLVED


@pytest.mark.parametrize(("data", "message"), [
    ({}, "Vui lòng chọn từ 1 đến 5 sao"),
    ({"rating": "0"}, "Vui lòng chọn từ 1 đến 5 sao"),
    ({"rating": "6"}, "Vui lòng chọn từ 1 đến 5 sao"),
    ({"rating": "abc"}, "Vui lòng chọn từ 1 đến 5 sao"),
    ({"rating": "5", "comment": "x" * 1001}, "tối đa 1000 ký tự"),
])
def test_a_bad_rating_gets_a_clear_message_and_changes_nothing(client, resolved, data,
                                                               message):
    report, secret = resolved
    before = _history()
    response = client.post(_url("public_rate", report), {"k": secret, **data})
    assert response.status_code == 400 and message in response.content.decode()
    report.refresh_from_db()
    assert report.status == State.RESOLVED and _history() == before


def test_the_signed_in_reporter_acts_without_the_link(client, submit, citizen, staff, land,
                                                      proof_media):
    report, _ = submit(user=citizen)
    report = _answer(report, staff, land, proof_media())
    client.force_login(citizen)
    assert "Gửi đánh giá" in client.get(_url("public_detail", report)).content.decode()
    response = client.post(_url("public_reopen", report),
                           {"reason": "Đoạn ngõ vẫn ngập khi mưa to."})
    assert response.status_code == 302 and "?k=" not in response["Location"]
    report.refresh_from_db()
    assert report.status == State.REOPENED and report.reopen_count == 1
    body = client.get(_url("public_detail", report)).content.decode()
    assert "Người phản ánh mở lại" in body and "Đoạn ngõ vẫn ngập khi mưa to." in body


@pytest.mark.parametrize(("reason", "message"), [
    ("", "Vui lòng cho biết lý do mở lại"),
    ("chưa", "mô tả rõ hơn"),
    ("x" * 2001, "tối đa 2000 ký tự"),
])
def test_a_bad_reopen_reason_is_refused(client, resolved, reason, message):
    report, secret = resolved
    before = _history()
    response = client.post(_url("public_reopen", report), {"k": secret, "reason": reason})
    assert response.status_code == 400 and message in response.content.decode()
    report.refresh_from_db()
    assert report.status == State.RESOLVED and _history() == before


def test_reopening_after_the_window_is_refused(client, resolved):
    report, secret = resolved
    Report.objects.filter(pk=report.pk).update(
        resolved_at=timezone.now() - dt.timedelta(days=8))
    page = client.get(_url("public_detail", report), {"k": secret}).content.decode()
    assert "Mở lại phản ánh" not in page and "Gửi đánh giá" in page
    response = client.post(_url("public_reopen", report),
                           {"k": secret, "reason": "Vẫn chưa sửa xong đoạn ngõ."})
    assert response.status_code == 409
    assert "Đã quá thời hạn mở lại" in response.content.decode()
    report.refresh_from_db()
    assert report.status == State.RESOLVED


def test_rating_a_report_not_yet_answered_is_a_conflict(client, submit):
    report, secret = submit()
    response = client.post(_url("public_rate", report), {"k": secret, "rating": "5"})
    assert response.status_code == 409 and "không thể" in response.content.decode()
    report.refresh_from_db()
    assert report.status == State.NEW


def test_the_forms_need_the_csrf_token(submit, resolved):
    report, secret = resolved
    client = Client(enforce_csrf_checks=True)
    assert client.post(_url("public_rate", report),
                       {"k": secret, "rating": "5"}).status_code == 403
    assert client.post(_url("public_follow", report),
                       {"email": "a@example.vn"}).status_code == 403
    page = client.get(_url("public_detail", report), {"k": secret}).content.decode()
    assert page.count('name="csrfmiddlewaretoken"') >= 3
    report.refresh_from_db()
    assert report.status == State.RESOLVED and not ReportFollower.objects.filter(
        email="a@example.vn").exists()


def test_only_get_and_post_where_meant(client, resolved):
    report, _ = resolved
    assert client.post(_url("public_detail", report)).status_code == 405
    assert client.get(_url("public_rate", report)).status_code == 405
    assert client.post(_points(report.commune)).status_code == 405


# -- following -----------------------------------------------------------------------------------

def test_anyone_follows_with_an_email_or_phone(client, submit):
    report, _ = submit()
    response = client.post(_url("public_follow", report), {"email": "ban@example.vn"})
    assert response.status_code == 302
    response = client.post(_url("public_follow", report), {"phone": "+84 912 000 111"})
    assert response.status_code == 302
    assert set(report.followers.values_list("email", "phone")) == {
        ("ban@example.vn", ""), ("", "0912000111")}


def test_a_signed_in_citizen_follows_with_the_account(client, submit, citizen):
    report, _ = submit()
    client.force_login(citizen)
    assert client.post(_url("public_follow", report)).status_code == 302
    assert client.post(_url("public_follow", report)).status_code == 302  # once only
    assert report.followers.filter(user=citizen).count() == 1
    assert "Bạn đang theo dõi" in client.get(_url("public_detail", report)).content.decode()


@pytest.mark.parametrize(("data", "message"), [
    ({}, "Vui lòng để lại thư điện tử hoặc số điện thoại"),
    ({"email": "khong-phai-email"}, "Thư điện tử không hợp lệ"),
    ({"email": "a@" + "b" * 300 + ".vn"}, "Thư điện tử"),
    ({"phone": "12345"}, "Số điện thoại không hợp lệ"),
    ({"phone": "<script>"}, "Số điện thoại không hợp lệ"),
])
def test_a_bad_follow_is_refused(client, submit, data, message):
    report, _ = submit()
    response = client.post(_url("public_follow", report), data)
    assert response.status_code == 400 and message in response.content.decode()
    assert not report.followers.exists()


def test_following_is_rate_limited_per_client(client, submit, monkeypatch):
    report, _ = submit()
    monkeypatch.setattr(public_views, "FOLLOW_RATE", (2, 3600))
    for n in range(2):
        assert client.post(_url("public_follow", report),
                           {"email": f"n{n}@example.vn"}).status_code == 302
    response = client.post(_url("public_follow", report), {"email": "n9@example.vn"})
    assert response.status_code == 429 and "quá nhiều lần" in response.content.decode()
    assert report.followers.count() == 2


# -- "Phản ánh của tôi", the home page ------------------------------------------------------------

def test_my_reports_lists_what_i_sent(client, submit, citizen, staff, other_commune):
    mine, _ = submit(user=citizen)
    hidden, _ = submit(user=citizen)
    submit()  # somebody else's
    services.report_moderate(actor=staff["chairman"], report=hidden, hide_report=True,
                             reason="Thông tin cá nhân")
    url = reverse("reports:my_reports")
    assert client.get(url).status_code == 302  # sign in first
    client.force_login(citizen)
    body = client.get(url).content.decode()
    assert f'href="{_url("public_detail", mine)}"' in body
    assert hidden.reference in body and _url("public_detail", hidden) not in body
    assert "Không hiển thị công khai" in body and "PA-3" not in body


def test_the_commune_home_page_links_to_the_reports(client, commune):
    body = client.get(reverse("web:commune_home", kwargs={"slug": commune.slug})).content
    assert _list(commune).encode() in body and "Phản ánh hiện trường".encode() in body


def test_the_village_filter_lists_only_this_communes_villages(client, commune, other_commune,
                                                              make_village):
    make_village(other_commune, "Hổ Thôn")
    make_village(commune, "Đồng Bả")
    body = client.get(_list(commune)).content.decode()
    assert "Đồng Bả" in body and "Hổ Thôn" not in body
    assert isinstance(Village.objects.first(), Village)
