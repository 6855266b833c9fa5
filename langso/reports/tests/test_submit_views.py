"""The report form over HTTP, as a browser without JavaScript and as the offline app (JSON):
sending, the files, the place, the nearby reports, retries, rate limits, bad input and
other communes."""

import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tasks_db.models import DBTaskResult

from langso.core import ratelimit
from langso.core.models import HistoryEvent, StoredFile, Village
from langso.core.tests import upload_samples
from langso.reports import services
from langso.reports.models import (
    Category,
    MediaKind,
    MediaStatus,
    Report,
    ReportMedia,
    ReportSettings,
    Source,
)
from langso.reports.tests import samples
from langso.reports.tests.conftest import POINT, SUNKEN_LANE
from langso.reports.workflow import State

pytestmark = pytest.mark.django_db
MB = 1024 * 1024
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "spool")
    (tmp_path / "spool").mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture
def spool(settings) -> Path:
    return Path(settings.FILE_UPLOAD_TEMP_DIR)


@pytest.fixture(autouse=True)
def _fresh_limits() -> Any:
    ratelimit.reset()
    yield
    ratelimit.reset()


def url(commune: Any) -> str:
    return f"/xa/{commune.slug}/phan-anh/gui/"


def fields(categories: dict[str, Category], **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"category": categories["road"].pk, "description": SUNKEN_LANE,
                            "latitude": POINT[0], "longitude": POINT[1],
                            "location_source": "map", "client_token": str(uuid.uuid4()),
                            "confirmed": "True"}
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


def photo(name: str = "IMG_0001.jpg", **kwargs: Any) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, samples.phone_photo(**kwargs), content_type="image/jpeg")


def nothing_written(media_root: Path) -> bool:
    return (Report.objects.count() == 0 and ReportMedia.objects.count() == 0
            and StoredFile.objects.count() == 0 and samples.files_under(media_root) == [])


# -- the form --------------------------------------------------------------------------------

def test_the_form_works_without_javascript_and_offers_only_this_communes_choices(
        client, commune, other_commune, categories, village, make_village):
    Category.objects.create(commune=other_commune, code="khac", name="Lĩnh vực xã khác")
    Category.objects.create(commune=commune, code="cu", name="Lĩnh vực cũ", is_active=False)
    make_village(other_commune, "Thôn Xa Lắc")

    response = client.get(url(commune))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'method="post" enctype="multipart/form-data"' in page
    assert 'name="client_token"' in page and 'name="photos"' in page and 'name="video"' in page
    assert categories["road"].name in page and "Lĩnh vực xã khác" not in page
    assert "Lĩnh vực cũ" not in page
    assert village.name in page and "Thôn Xa Lắc" not in page
    assert f'href="/xa/{commune.slug}/manifest.webmanifest"' in page


def test_a_visitor_sends_a_report_with_photos_and_gets_its_number_and_secret_link(
        client, commune, categories, django_capture_on_commit_callbacks):
    data = fields(categories, photos=[photo("a.jpg"), photo("b.jpg"), photo("c.jpg")])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(commune), data)

    assert response.status_code == 200
    report = Report.objects.get()
    assert report.reference == "PA-1" and report.status == State.NEW
    assert report.source == Source.WEB and report.location_source == "map"
    assert report.reporter is None and report.client_token == uuid.UUID(data["client_token"])
    items = list(report.media.order_by("position"))
    assert [m.kind for m in items] == [MediaKind.PHOTO] * 3
    assert all(m.status == MediaStatus.PENDING for m in items)  # cleaned in the background
    assert DBTaskResult.objects.filter(
        task_path="langso.reports.tasks.report_media_process").count() == 3
    page = response.content.decode()
    assert "PA-1" in page
    link = response.context["link"]
    assert link.startswith(f"http://testserver/xa/{commune.slug}/phan-anh/1/?k=")
    assert services.is_reporter(report, secret=link.split("?k=")[1])
    assert response["Cache-Control"] == "no-store, private" or "no-store" in (
        response["Cache-Control"])
    assert response["Referrer-Policy"] == "no-referrer"


def test_a_signed_in_resident_sends_under_their_account(client, citizen, commune, categories):
    client.force_login(citizen)

    client.post(url(commune), fields(categories, confidential="on"))

    report = Report.objects.get()
    assert report.reporter == citizen and report.confidential
    assert report.followers.filter(user=citizen).exists()


def test_without_a_point_the_photos_gps_places_the_report(client, commune, categories):
    client.post(url(commune), fields(categories, latitude="", longitude="",
                                     location_source="", photos=[photo()]))

    report = Report.objects.get()
    assert (report.latitude, report.longitude) == (Decimal("21.460100"), Decimal("105.640000"))
    assert report.location_source == "photo"


def test_a_village_and_an_address_are_enough_without_a_point(client, commune, categories,
                                                            village):
    client.post(url(commune), fields(categories, latitude="", longitude="",
                                     village=village.pk, address="Ngõ 3, cạnh nhà văn hóa"))

    report = Report.objects.get()
    assert report.latitude is None and report.village == village
    assert report.location_source == "address"


def test_pages_with_a_form_keep_their_origin_for_the_csrf_check(client, commune, categories):
    # A page served with "no-referrer" makes browsers post its form with Origin: null,
    # which the CSRF check refuses: only the page with the secret link hides itself.
    form = client.get(url(commune))
    refused = client.post(url(commune), fields(categories, description=""))
    done = client.post(url(commune), fields(categories))

    assert form["Referrer-Policy"] == refused["Referrer-Policy"] == "same-origin"
    assert done["Referrer-Policy"] == "no-referrer"
    assert "no-store" in refused["Cache-Control"]


# -- bad input ------------------------------------------------------------------------------

@pytest.mark.parametrize(("changes", "message"), [
    ({"category": None}, "Vui lòng chọn lĩnh vực phản ánh."),
    ({"description": None}, "Vui lòng nhập nội dung phản ánh."),
    ({"description": "ngắn"}, "Vui lòng mô tả rõ hơn (ít nhất 10 ký tự)."),
    ({"description": "x" * 4001}, "Nội dung tối đa 4000 ký tự."),
    ({"latitude": "", "longitude": ""}, "Vui lòng cho biết vị trí"),
    ({"latitude": "48.85", "longitude": "2.35"}, "Vị trí không hợp lệ"),
    ({"latitude": "abc", "longitude": "105"}, "Vị trí không hợp lệ"),
    ({"reporter_phone": "12345"}, "Số điện thoại không hợp lệ"),
    ({"reporter_email": "khong-phai-email"}, "Địa chỉ thư điện tử không hợp lệ."),
    ({"client_token": "not-a-uuid"}, "Biểu mẫu không hợp lệ"),
])
def test_missing_or_malformed_fields_get_a_clear_message_and_nothing_is_made(
        client, commune, categories, changes, message):
    response = client.post(url(commune), fields(categories, **changes))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert Report.objects.count() == 0 and not HistoryEvent.objects.exists()


def test_photos_sent_with_a_form_sent_back_are_kept_for_the_next_send(client, commune,
                                                                      categories):
    first = fields(categories, description="", photos=[photo("a.jpg"), photo("b.jpg")])
    response = client.post(url(commune), first)
    assert response.status_code == 400 and Report.objects.count() == 0
    kept = [k["token"] for k in response.context["kept"]]
    assert len(kept) == 2 and "a.jpg" in response.content.decode()
    stored = StoredFile.objects.count()

    again = fields(categories, client_token=first["client_token"], kept=kept)
    client.post(url(commune), again)

    report = Report.objects.get()
    assert report.media.count() == 2 and StoredFile.objects.count() == stored  # not sent twice


def test_kept_files_of_another_form_are_ignored(client, commune, categories):
    response = client.post(url(commune), fields(categories, description="",
                                                photos=[photo()]))
    kept = [k["token"] for k in response.context["kept"]]

    client.post(url(commune), fields(categories, kept=kept))  # another client token

    assert Report.objects.get().media.count() == 0


def test_six_photos_are_refused_and_nothing_is_stored(client, commune, categories,
                                                      media_root, spool):
    response = client.post(url(commune), fields(categories, photos=[
        photo(f"{i}.jpg") for i in range(6)]))

    assert response.status_code == 400
    assert "Tối đa 5 ảnh và 1 video." in response.content.decode()
    assert nothing_written(media_root) and list(spool.iterdir()) == []


def test_a_text_file_named_jpg_is_refused_by_name(client, commune, categories):
    fake = SimpleUploadedFile("o-ga.jpg", b"<html><script>alert(1)</script></html>" * 20,
                              content_type="image/jpeg")

    response = client.post(url(commune), fields(categories, photos=[fake]))

    assert response.status_code == 400
    assert "o-ga.jpg: Tệp không phải là ảnh hợp lệ." in response.content.decode()
    assert Report.objects.count() == 0 and not ReportMedia.objects.exists()


def test_an_oversize_photo_is_cut_off_while_it_streams_in(client, commune, categories,
                                                          settings, media_root, spool):
    settings.UPLOAD_MAX_BYTES = {**settings.UPLOAD_MAX_BYTES, "photo": 1 * MB}
    big = SimpleUploadedFile("to.jpg", samples.noisy_photo(1.6), content_type="image/jpeg")

    response = client.post(url(commune), fields(categories, photos=[big]))

    assert response.status_code == 413
    assert "to.jpg: Ảnh quá lớn, tối đa 1 MB." in response.content.decode()
    assert nothing_written(media_root) and list(spool.iterdir()) == []


def test_a_300_mb_video_is_refused_without_reading_any_of_it(commune, categories, media_root,
                                                            spool):
    body = samples.StreamedBody({k: str(v) for k, v in fields(categories).items()},
                                field="video", file_name="clip.mp4", size=300 * MB,
                                first_bytes=b"\x00\x00\x00\x18ftypmp42")

    response = Client().request(**body.environ(url(commune)))

    assert response.status_code == 413
    assert "Tệp gửi kèm quá lớn: tối đa 5 ảnh, mỗi ảnh 15 MB, và 1 video 30 MB." in (
        response.content.decode())
    assert body.consumed == 0  # refused on its declared length
    assert nothing_written(media_root) and list(spool.iterdir()) == []


def test_a_video_over_its_limit_inside_a_small_body_is_not_written_whole(
        commune, categories, settings, media_root, spool):
    settings.UPLOAD_MAX_BYTES = {**settings.UPLOAD_MAX_BYTES, "video": 1 * MB}
    body = samples.StreamedBody({k: str(v) for k, v in fields(categories).items()},
                                field="video", file_name="clip.mp4", size=3 * MB,
                                first_bytes=b"\x00\x00\x00\x18ftypmp42")

    response = Client().request(**body.environ(url(commune), **JSON))

    assert response.status_code == 413
    assert response.json()["error"]["message"] == "clip.mp4: Video quá lớn, tối đa 1 MB."
    assert nothing_written(media_root) and list(spool.iterdir()) == []


def test_a_twenty_minute_video_is_refused_with_its_length(client, commune, categories,
                                                         media_root):
    clip = SimpleUploadedFile("clip.mp4", samples.video(20 * 60), content_type="video/mp4")

    response = client.post(url(commune), fields(categories, video=clip))

    assert response.status_code == 400
    assert ("clip.mp4: Video dài 20 phút 0 giây, tối đa 60 giây." in
            response.content.decode())
    assert nothing_written(media_root)


def test_a_short_video_goes_with_the_report(client, commune, categories):
    clip = SimpleUploadedFile("clip.mp4", samples.video(4, fps=5), content_type="video/mp4")

    client.post(url(commune), fields(categories, video=clip))

    item = Report.objects.get().media.get()
    assert item.kind == MediaKind.VIDEO and item.duration_seconds == pytest.approx(4, abs=0.3)


def test_html_and_script_in_the_description_are_kept_as_text_and_shown_inert(
        client, commune, categories, make_report):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)> Đường sụt lún'
    make_report(description=hostile)

    fragment = client.get(f"/xa/{commune.slug}/phan-anh/gan-day/", {
        "category": categories["road"].pk, "latitude": POINT[0], "longitude": POINT[1]})
    again = client.post(url(commune), fields(categories, description=hostile, category=""))

    assert Report.objects.get().description == hostile  # stored as typed
    for page in (fragment.content.decode(), again.content.decode()):
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;" in page


# -- the place ------------------------------------------------------------------------------

@pytest.fixture
def commune_box(commune: Any) -> ReportSettings:
    rs = services.settings_for(commune)
    rs.south, rs.west, rs.north, rs.east = (Decimal("21.40"), Decimal("105.60"),
                                            Decimal("21.50"), Decimal("105.70"))
    rs.save()
    return rs


def test_a_point_outside_the_commune_is_warned_and_may_be_sent_anyway(
        client, commune, categories, commune_box):
    outside = fields(categories, latitude="21.0285", longitude="105.8542")  # Hà Nội

    warned = client.post(url(commune), outside)

    page = warned.content.decode()
    assert warned.status_code == 400 and Report.objects.count() == 0
    assert "nằm ngoài địa bàn Xã Tam Đảo" in page
    assert 'name="outside_ok"' in page and 'name="drop_point"' in page

    client.post(url(commune), {**outside, "outside_ok": "on"})

    assert Report.objects.get().outside_commune


def test_the_village_may_replace_a_point_outside_the_commune(client, commune, categories,
                                                             commune_box, village):
    client.post(url(commune), fields(categories, latitude="21.0285", longitude="105.8542",
                                     drop_point="on", village=village.pk))

    report = Report.objects.get()
    assert report.latitude is None and report.village == village
    assert not report.outside_commune


# -- nearby open reports ----------------------------------------------------------------------

def test_without_javascript_nearby_open_reports_are_offered_before_saving(
        client, commune, categories, make_report):
    existing = make_report()
    first = fields(categories, confirmed=None, photos=[photo()])

    offered = client.post(url(commune), first)

    page = offered.content.decode()
    assert offered.status_code == 200 and Report.objects.count() == 1
    assert "Có phải cùng một vấn đề?" in page and existing.reference in page
    assert f"/xa/{commune.slug}/phan-anh/{existing.number}/#theo-doi" in page
    carried = dict(offered.context["carry"])
    assert carried["description"] == SUNKEN_LANE
    kept = [k["token"] for k in offered.context["kept"]]

    client.post(url(commune), {**carried, "kept": kept, "confirmed": "1",
                               "client_token": first["client_token"],
                               "latitude": POINT[0], "longitude": POINT[1]})

    assert Report.objects.count() == 2
    assert Report.objects.get(number=2).media.count() == 1


def test_reports_of_another_category_or_finished_are_not_offered(client, commune, categories,
                                                                make_report, staff):
    make_report(category="light")
    done = make_report()
    services.report_reject(actor=staff["chairman"], report=done, reason="insufficient",
                           note="Không đủ thông tin.")

    client.post(url(commune), fields(categories, confirmed=None))

    assert Report.objects.count() == 3  # nothing offered: sent at once


def test_the_nearby_endpoint_answers_json_for_the_app(client, commune, categories,
                                                      make_report):
    near = make_report()
    make_report(latitude="21.470000", longitude="105.645100")  # about 1.2 km north

    response = client.get(f"/xa/{commune.slug}/phan-anh/gan-day/", {
        "category": categories["road"].pk, "latitude": POINT[0], "longitude": POINT[1]},
        **JSON)

    found = response.json()["reports"]
    assert [r["number"] for r in found] == [near.number]
    assert found[0]["distance_m"] == 0 and found[0]["status"] == "new"
    assert set(found[0]) == {"reference", "number", "category", "status", "status_label",
                             "description", "distance_m", "created_at", "url"}


def test_the_nearby_endpoint_never_shows_another_communes_reports(
        client, commune, other_commune, categories, make_report):
    make_report()
    theirs = Category.objects.create(commune=other_commune, code="duong", name="Đường")

    response = client.get(f"/xa/{other_commune.slug}/phan-anh/gan-day/", {
        "category": categories["road"].pk, "latitude": POINT[0], "longitude": POINT[1]},
        **JSON)
    own = client.get(f"/xa/{other_commune.slug}/phan-anh/gan-day/", {
        "category": theirs.pk, "latitude": POINT[0], "longitude": POINT[1]}, **JSON)

    assert response.json() == {"reports": []} and own.json() == {"reports": []}


def test_the_nearby_endpoint_refuses_bad_coordinates(client, commune, categories):
    response = client.get(f"/xa/{commune.slug}/phan-anh/gan-day/", {
        "category": categories["road"].pk, "latitude": "91", "longitude": "x"}, **JSON)

    assert response.status_code == 400
    assert "Vị trí không hợp lệ" in response.json()["error"]["message"]


# -- retries and the rate limit --------------------------------------------------------------

def test_a_retry_with_the_same_client_token_gives_the_same_report_and_link(
        client, commune, categories):
    data = fields(categories)
    first = client.post(url(commune), {**data, "photos": [photo()]}, **JSON)
    stored = StoredFile.objects.count()

    again = client.post(url(commune), {**data, "photos": [photo()]}, **JSON)

    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["url"] == again.json()["url"] and first.json()["url"]
    assert again.json() == {**first.json(), "created": False}
    assert Report.objects.count() == 1 and StoredFile.objects.count() == stored


def test_fifty_reports_a_minute_from_one_client_are_refused_after_the_allowance(
        client, commune, categories):
    answers = [client.post(url(commune), fields(categories)).status_code for _ in range(50)]

    assert answers[:10] == [200] * 10 and set(answers[10:]) == {429}
    assert Report.objects.count() == 10
    refused = client.post(url(commune), fields(categories))
    assert "Bạn đã gửi quá nhiều phản ánh trong thời gian ngắn" in refused.content.decode()
    assert refused["Retry-After"] == "60"


def test_the_rate_limit_is_per_client_address(commune, categories, settings):
    settings.REPORTS_SUBMIT_RATES = [(2, 60)]
    first, second = Client(REMOTE_ADDR="203.0.113.1"), Client(REMOTE_ADDR="203.0.113.2")

    answers = [c.post(url(commune), fields(categories)).status_code
               for c in (first, first, first, second)]

    assert answers == [200, 200, 429, 200]


# -- other communes and permissions ------------------------------------------------------------

def test_a_category_of_another_commune_is_refused(client, commune, other_commune, categories):
    theirs = Category.objects.create(commune=other_commune, code="duong", name="Đường")

    response = client.post(url(commune), fields(categories, category=theirs.pk))

    assert response.status_code == 400 and "Lĩnh vực không hợp lệ." in (
        response.content.decode())
    assert Report.objects.count() == 0


def test_a_village_of_another_commune_is_refused(client, commune, other_commune, categories,
                                                 make_village):
    theirs = make_village(other_commune, "Thôn Xa")

    response = client.post(url(commune), fields(categories, village=theirs.pk))

    assert response.status_code == 400 and "Thôn không thuộc xã này." in (
        response.content.decode())
    assert Report.objects.count() == 0


@pytest.mark.parametrize("path", ["phan-anh/gui/", "phan-anh/gan-day/"])
def test_an_inactive_or_unknown_commune_is_404(client, commune, categories, path):
    commune.is_active = False
    commune.save(update_fields=["is_active"])

    assert client.get(f"/xa/{commune.slug}/{path}").status_code == 404
    assert client.post(f"/xa/{commune.slug}/phan-anh/gui/",
                       fields(categories)).status_code == 404
    assert client.get(f"/xa/khong-co-xa-nay/{path}").status_code == 404
    assert Report.objects.count() == 0


def test_a_staff_member_of_another_commune_sends_as_a_visitor(make_staff, other_commune,
                                                              commune, categories):
    from langso.core.models import Role

    officer = make_staff(Role.CHAIRMAN, other_commune)
    client = Client()
    client.force_login(officer)

    client.post(url(commune), fields(categories))

    report = Report.objects.get()
    assert report.commune == commune and report.source == Source.WEB


def test_without_a_csrf_token_nothing_is_read_or_stored(commune, categories, media_root):
    client = Client(enforce_csrf_checks=True)

    response = client.post(url(commune), fields(categories, photos=[photo()]))

    assert response.status_code == 403
    assert nothing_written(media_root)


# -- the offline app's JSON answers -----------------------------------------------------------

def test_the_app_gets_json_with_the_link_and_is_recorded_as_the_app(client, commune,
                                                                    categories):
    response = client.post(url(commune), fields(categories, app="1"), **JSON)

    assert response.status_code == 201
    body = response.json()
    assert body["reference"] == "PA-1" and body["created"] is True
    assert "/phan-anh/1/?k=" in body["url"]
    assert Report.objects.get().source == Source.APP


def test_the_app_gets_field_errors_as_json(client, commune, categories):
    response = client.post(url(commune), fields(categories, description="ngắn"), **JSON)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["message"] == "Vui lòng mô tả rõ hơn (ít nhất 10 ký tự)."
    assert error["fields"]["description"] == ["Quá ngắn."]


def test_the_app_is_told_when_the_point_is_outside(client, commune, categories, commune_box):
    response = client.post(url(commune), fields(categories, latitude="21.0285",
                                                longitude="105.8542"), **JSON)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "outside_commune"


def test_nearby_reports_do_not_stop_the_apps_send(client, commune, categories, make_report):
    make_report()

    response = client.post(url(commune), fields(categories, confirmed=None), **JSON)

    assert response.status_code == 201 and Report.objects.count() == 2


def test_a_photo_broken_in_a_way_the_header_hides_still_sends_the_report(
        client, commune, categories):
    whole = samples.noisy_photo(0.3)
    broken = SimpleUploadedFile("cut.jpg", whole[: len(whole) // 3], content_type="image/jpeg")

    response = client.post(url(commune), fields(categories, photos=[broken]), **JSON)

    assert response.status_code == 201
    assert Report.objects.get().media.get().status == MediaStatus.PENDING


def test_a_pdf_is_not_a_photo(client, commune, categories):
    pdf = SimpleUploadedFile("anh.jpg", upload_samples.pdf(), content_type="image/jpeg")

    response = client.post(url(commune), fields(categories, photos=[pdf]), **JSON)

    assert response.status_code == 400
    assert response.json()["error"]["message"] == "anh.jpg: Tệp không phải là ảnh hợp lệ."


def test_villages_are_listed_in_order(client, commune, make_village):
    make_village(commune, "Thôn Bắc")
    make_village(commune, "Thôn An")

    page = client.get(url(commune)).content.decode()

    assert page.index("Thôn An") < page.index("Thôn Bắc")
    assert Village.objects.filter(commune=commune).count() == 2


# -- the category suggested from the words typed (classifier) ----------------------------------

LIGHT = "Đèn đường trước cổng nhà văn hóa không sáng cả tuần nay, buổi tối tối om."


@pytest.fixture
def trained(commune: Any) -> Iterator[dict[str, Category]]:
    from langso.reports import classifier
    from langso.reports.defaults import default_categories

    classifier._loaded.clear()
    codes = {c.code: c for c in default_categories(commune)}
    classifier.train(commune, cross_validate=False)
    yield codes
    classifier._loaded.clear()


def test_without_a_category_the_suggested_one_comes_back_chosen(client, commune, trained):
    response = client.post(url(commune), {
        "description": LIGHT, "latitude": POINT[0], "longitude": POINT[1],
        "client_token": str(uuid.uuid4()), "confirmed": "True"})

    assert response.status_code == 400 and Report.objects.count() == 0
    light = trained["chieu-sang"]
    assert f"Gợi ý lĩnh vực: {light.name}." in response.content.decode()
    assert response.context["form"]["category"].value() == str(light.pk)
    assert f'<option value="{light.pk}" selected>' in response.content.decode()


def test_the_suggestion_is_recorded_with_the_report_and_the_choice_stands(client, commune,
                                                                         trained):
    road = trained["duong-giao-thong"]

    client.post(url(commune), {"category": road.pk, "description": LIGHT,
                               "latitude": POINT[0], "longitude": POINT[1],
                               "confirmed": "True"})

    report = Report.objects.get()
    assert report.category == road and report.suggested_category == trained["chieu-sang"]


def test_the_suggestion_endpoint_answers_as_the_reporter_types(client, commune, trained):
    fragment = client.post(f"/xa/{commune.slug}/phan-anh/goi-y-linh-vuc/",
                           {"description": LIGHT})
    answer = client.post(f"/xa/{commune.slug}/phan-anh/goi-y-linh-vuc/",
                         {"description": LIGHT}, **JSON)
    nothing = client.post(f"/xa/{commune.slug}/phan-anh/goi-y-linh-vuc/",
                          {"description": "<script>alert(1)</script>"}, **JSON)

    light = trained["chieu-sang"]
    assert f'data-category="{light.pk}"' in fragment.content.decode()
    assert answer.json() == {"category": {"id": light.pk, "code": "chieu-sang",
                                          "name": light.name}}
    assert nothing.json() == {"category": None}
    assert client.get(f"/xa/{commune.slug}/phan-anh/goi-y-linh-vuc/").status_code == 405


def test_without_a_model_nothing_is_suggested(client, commune, categories):
    response = client.post(url(commune), fields(categories, category=None,
                                                description=LIGHT))

    assert response.status_code == 400
    assert "Gợi ý lĩnh vực" not in response.content.decode()
    assert "Vui lòng chọn lĩnh vực phản ánh." in response.content.decode()
