"""Uploads over HTTP: the API (send, metadata, content), the browser view, the request-body
cap with Django's own upload limits, and who may see a file."""

import hashlib
import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client
from PIL import Image
from rest_framework.test import APIClient

from langso.core.models import Role, StoredFile, User
from langso.core.tests import upload_samples as samples
from langso.core.uploads.services import upload_store
from langso.core.uploads.serving import upload_refused, upload_view
from langso.testing.auth import login_verified

MB = 1024 * 1024
URL = "/api/v1/uploads/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "spool")
    (tmp_path / "spool").mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture
def spool(settings) -> Path:
    return Path(settings.FILE_UPLOAD_TEMP_DIR)


def api_as(user: Any) -> APIClient:
    client = APIClient()
    if user is not None:
        login_verified(client, user)
    return client


@pytest.fixture
def citizen_api(citizen) -> APIClient:
    return api_as(citizen)


@pytest.fixture
def other_citizen(db) -> User:
    return User.objects.create_user(username="0987654321", phone="0987654321",
                                    password="pw-Secret-123", kind=User.Kind.CITIZEN,
                                    full_name="Trần Văn Bình")


@pytest.fixture
def photo(citizen, commune) -> StoredFile:
    return upload_store(actor=citizen, commune=commune,
                        file=SimpleUploadedFile("ổ gà.jpg", samples.jpeg()), kind="photo")


def post_file(client: APIClient, commune: Any, name: str, data: bytes, kind: str = "photo",
              **extra: Any) -> Any:
    return client.post(URL, {"file": SimpleUploadedFile(name, data), "kind": kind,
                             "commune": commune.pk, **extra}, format="multipart")


class StreamedBody:
    """A multipart body made on demand (head, ``size`` filler bytes, tail): a 50 MB request
    without 50 MB in memory. ``consumed`` tells how much of it the server read."""

    boundary = "----langso-test-boundary"

    def __init__(self, fields: dict[str, str], file_name: str, size: int,
                 first_bytes: bytes = b"") -> None:
        parts = [f'--{self.boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n'
                 f"{v}\r\n" for k, v in fields.items()]
        parts.append(f'--{self.boundary}\r\nContent-Disposition: form-data; name="file"; '
                     f'filename="{file_name}"\r\nContent-Type: image/jpeg\r\n\r\n')
        self.head = "".join(parts).encode() + first_bytes
        self.filler = size - len(first_bytes)
        self.tail = f"\r\n--{self.boundary}--\r\n".encode()
        self.length = len(self.head) + self.filler + len(self.tail)
        self.consumed = 0

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self.length - self.consumed
        out = bytearray()
        while len(out) < size and self.consumed < self.length:
            at = self.consumed
            want = size - len(out)
            if at < len(self.head):
                piece = self.head[at:at + want]
            elif at < len(self.head) + self.filler:
                piece = b"\x00" * min(want, len(self.head) + self.filler - at, MB)
            else:
                start = at - len(self.head) - self.filler
                piece = self.tail[start:start + want]
            out += piece
            self.consumed += len(piece)
        return bytes(out)

    def readline(self, size: int = -1) -> bytes:  # pragma: no cover - multipart never asks
        raise NotImplementedError

    def environ(self, path: str = URL) -> dict[str, Any]:
        return {"REQUEST_METHOD": "POST", "PATH_INFO": path,
                "CONTENT_TYPE": f"multipart/form-data; boundary={self.boundary}",
                "CONTENT_LENGTH": str(self.length), "wsgi.input": self}

    def post(self, client: Client, path: str = URL) -> Any:
        return client.request(**self.environ(path))


# --- Sending --------------------------------------------------------------------------------

def test_citizen_sends_a_photo_and_gets_its_id_and_metadata(citizen_api, commune, media):
    response = post_file(citizen_api, commune, "IMG_2031.jpg",
                         samples.jpeg(exif=samples.gps_exif()), keep_location="true")

    assert response.status_code == 201, response.content
    body = response.json()
    stored = StoredFile.objects.get()
    assert body["id"] == str(stored.public_id)
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}",
                        body["id"])
    assert body | {"id": None, "created_at": None, "sha256": None} == {
        "id": None, "commune": commune.pk, "kind": "photo", "name": "IMG_2031.jpg",
        "content_type": "image/jpeg", "size": stored.size, "sha256": None, "width": 40,
        "height": 20, "latitude": 21.4601, "longitude": 105.64, "created_at": None,
        "content_url": f"/api/v1/uploads/{stored.public_id}/content/"}


def test_location_is_not_kept_unless_asked(citizen_api, commune):
    response = post_file(citizen_api, commune, "a.jpg", samples.jpeg(exif=samples.gps_exif()))

    assert response.status_code == 201
    assert response.json()["latitude"] is None


def test_text_file_named_photo_jpg_is_refused_in_vietnamese(citizen_api, commune, media):
    response = post_file(citizen_api, commune, "photo.jpg", b"<?php system($_GET['c']); ?>")

    assert response.status_code == 400
    assert response.json() == {"error": {"code": "invalid_file",
                                         "message": "Tệp không phải là ảnh hợp lệ."}}
    assert StoredFile.objects.count() == 0 and samples.files_under(media) == []


def test_pdf_document_is_accepted(citizen_api, commune):
    response = post_file(citizen_api, commune, "to-khai.pdf", samples.pdf(), kind="document")

    assert response.status_code == 201
    assert response.json()["content_type"] == "application/pdf"


@pytest.mark.parametrize("payload, field", [
    ({"kind": "photo"}, "file"),
    ({"kind": "video", "file": True}, "kind"),
    ({"file": True}, "kind"),
    ({"kind": "photo", "file": True, "commune": "mười"}, "commune"),
    ({"kind": "photo", "file": True, "commune": None}, "commune"),
    ({"kind": "photo", "file": "not a file", "commune": 1}, "file"),
])
def test_missing_and_malformed_fields_are_named(citizen_api, commune, media, payload, field):
    data = dict(payload)
    if data.get("file") is True:
        data["file"] = SimpleUploadedFile("a.jpg", samples.jpeg())
    data.setdefault("commune", commune.pk)
    data = {k: v for k, v in data.items() if v is not None}

    response = citizen_api.post(URL, data, format="multipart")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert StoredFile.objects.count() == 0 and samples.files_under(media) == []


def test_json_body_is_refused(citizen_api, commune):
    response = citizen_api.post(URL, {"kind": "photo", "commune": commune.pk}, format="json")

    assert response.status_code == 415
    assert StoredFile.objects.count() == 0


def test_unknown_or_inactive_commune_is_404(citizen_api, commune, media):
    commune.is_active = False
    commune.save(update_fields=["is_active"])

    for commune_id in (commune.pk, 999_999):
        response = citizen_api.post(URL, {"file": SimpleUploadedFile("a.jpg", samples.jpeg()),
                                          "kind": "photo", "commune": commune_id},
                                    format="multipart")
        assert response.status_code == 404
    assert StoredFile.objects.count() == 0 and samples.files_under(media) == []


def test_hostile_name_is_sanitised_and_never_reaches_a_header(citizen_api, commune):
    response = post_file(citizen_api, commune, "\u202eevil\x00name\r\nX-Injected: 1.jpg",
                         samples.jpeg())

    assert response.status_code == 201, response.content
    stored = StoredFile.objects.get()
    assert "\u202e" not in stored.original_name and "\x00" not in stored.original_name
    served = citizen_api.get(response.json()["content_url"])
    assert "X-Injected" not in served.headers
    assert "\u202e" not in served["Content-Disposition"]


def test_anonymous_cannot_send(client, commune, media):
    response = client.post(URL, {"file": SimpleUploadedFile("a.jpg", samples.jpeg()),
                                 "kind": "photo", "commune": commune.pk})

    assert response.status_code in (401, 403)
    assert response.json()["error"]["code"] == "not_authenticated"
    assert StoredFile.objects.count() == 0 and samples.files_under(media) == []


def test_session_upload_without_csrf_token_is_refused(citizen, commune, media):
    client = APIClient(enforce_csrf_checks=True)
    login_verified(client, citizen)

    response = post_file(client, commune, "a.jpg", samples.jpeg())

    assert response.status_code == 403
    assert StoredFile.objects.count() == 0


# --- Size limits and Django's own upload limits ----------------------------------------------

def test_50_mb_upload_is_refused_without_reading_or_spooling_it(citizen, commune, media,
                                                               spool):
    client = Client()
    client.force_login(citizen)
    body = StreamedBody({"kind": "photo", "commune": str(commune.pk)}, "big.jpg", 50 * MB,
                        first_bytes=b"\xff\xd8\xff\xe0")

    response = body.post(client)

    assert response.status_code == 413
    assert response.json() == {"error": {"code": "too_large",
                                         "message": "Tệp quá lớn, tối đa 30 MB."}}
    assert body.consumed == 0  # refused on its declared length: not one byte read
    assert list(spool.iterdir()) == []
    assert StoredFile.objects.count() == 0 and samples.files_under(media) == []


def test_20_mb_photo_is_refused_with_the_photo_limit_and_its_spool_file_removed(
        citizen, commune, media, spool):
    client = Client()
    client.force_login(citizen)
    body = StreamedBody({"kind": "photo", "commune": str(commune.pk)}, "big.jpg", 20 * MB,
                        first_bytes=b"\xff\xd8\xff\xe0")

    response = body.post(client)

    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Ảnh quá lớn, tối đa 15 MB."
    assert list(spool.iterdir()) == []  # Django's temporary file went with the request
    assert StoredFile.objects.count() == 0 and samples.files_under(media) == []


def test_photo_over_the_in_memory_limit_is_spooled_then_stored(citizen_api, commune, spool,
                                                              settings):
    noise = Image.effect_noise((1400, 1400), 120).convert("RGB")
    out = io.BytesIO()
    noise.save(out, "JPEG", quality=97)
    assert len(out.getvalue()) > settings.FILE_UPLOAD_MAX_MEMORY_SIZE

    response = post_file(citizen_api, commune, "noise.jpg", out.getvalue())

    assert response.status_code == 201, response.content
    assert list(spool.iterdir()) == []


def test_form_field_over_the_data_upload_limit_is_refused(citizen, commune, media):
    client = Client()
    client.force_login(citizen)

    response = client.post(URL, {"file": SimpleUploadedFile("a.jpg", samples.jpeg()),
                                 "kind": "photo", "commune": commune.pk,
                                 "note": "x" * (6 * MB)})

    assert response.status_code == 413
    assert response.json() == {"error": {"code": "too_large",
                                         "message": "Dữ liệu gửi kèm tệp quá lớn."}}
    assert StoredFile.objects.count() == 0 and samples.files_under(media) == []


def test_too_many_files_in_one_request_is_refused(citizen, commune, media, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    client = Client()
    client.force_login(citizen)

    response = client.post(URL, {"file": [SimpleUploadedFile(f"{i}.jpg", samples.jpeg())
                                          for i in range(5)],
                                 "kind": "photo", "commune": commune.pk})

    assert response.status_code == 400
    assert response.json()["error"]["message"] == ("Gửi quá nhiều tệp hoặc trường dữ liệu "
                                                   "trong một lần.")
    assert StoredFile.objects.count() == 0 and samples.files_under(media) == []


@upload_view
def echo_upload(request: Any) -> HttpResponse:
    """What a (non-API) form view that receives files sees."""
    if upload_refused(request):
        return HttpResponse("refused", status=413)
    return HttpResponse(",".join(f"{k}:{f.size}" for k, f in request.FILES.items()))


def test_form_views_get_the_same_cap_before_the_csrf_check_reads_the_body(rf):
    big = StreamedBody({"kind": "photo"}, "big.jpg", 50 * MB)
    small = StreamedBody({"kind": "photo"}, "small.jpg", 1000)
    requests = [rf.request(**body.environ("/form/")) for body in (big, small, small)]
    requests[0]._dont_enforce_csrf_checks = True
    requests[1]._dont_enforce_csrf_checks = True

    refused, accepted, forged = (echo_upload(request) for request in requests)

    assert (refused.status_code, big.consumed) == (413, 0)
    assert (accepted.status_code, accepted.content) == (200, b"file:1000")
    assert forged.status_code == 403  # the CSRF check still runs


# --- Reading: who may see a file ----------------------------------------------------------

def test_uploader_reads_metadata_and_content(citizen_api, photo, media):
    detail = citizen_api.get(f"{URL}{photo.public_id}/")
    content = citizen_api.get(f"{URL}{photo.public_id}/content/")

    assert detail.status_code == 200 and detail.json()["id"] == str(photo.public_id)
    assert content.status_code == 200
    data = b"".join(content.streaming_content)
    assert data == (media / photo.storage_name).read_bytes()
    assert hashlib.sha256(data).hexdigest() == photo.sha256
    assert content["Content-Type"] == "image/jpeg"
    assert content["Content-Disposition"] == "inline; filename*=utf-8''%E1%BB%95%20g%C3%A0.jpg"
    assert "sandbox" in content["Content-Security-Policy"]
    assert "private" in content["Cache-Control"]


def test_unchanged_file_is_not_sent_again(citizen_api, photo):
    response = citizen_api.get(f"{URL}{photo.public_id}/content/",
                               HTTP_IF_NONE_MATCH=f'"{photo.sha256}"')

    assert response.status_code == 304


@pytest.fixture
def recording(citizen, commune) -> StoredFile:
    return upload_store(actor=citizen, commune=commune,
                        file=SimpleUploadedFile("loa.wav", samples.wav()), kind="audio")


@pytest.mark.parametrize("header, status, expected, content_range", [
    ("bytes=0-99", 206, slice(0, 100), "bytes 0-99/{size}"),
    ("bytes=100-", 206, slice(100, None), "bytes 100-{last}/{size}"),
    ("bytes=-10", 206, slice(-10, None), "bytes {tail}-{last}/{size}"),
    ("bytes=0-999999", 206, slice(0, None), "bytes 0-{last}/{size}"),
    ("bytes=999999-", 416, None, "bytes */{size}"),
    ("bytes=0-1,5-6", 200, slice(0, None), None),  # several ranges: the whole file
    ("items=0-1", 200, slice(0, None), None),
])
def test_audio_is_served_in_byte_ranges_for_players_that_seek(citizen_api, recording, header,
                                                              status, expected, content_range):
    data = samples.wav()
    size = len(data)

    response = citizen_api.get(f"{URL}{recording.public_id}/content/", HTTP_RANGE=header)

    assert response.status_code == status
    assert response["Accept-Ranges"] == "bytes"
    if expected is not None:
        assert b"".join(response.streaming_content) == data[expected]
    if content_range:
        assert response["Content-Range"] == content_range.format(size=size, last=size - 1,
                                                                 tail=size - 10)


def test_stale_if_range_gets_the_whole_file(citizen_api, recording):
    response = citizen_api.get(f"{URL}{recording.public_id}/content/", HTTP_RANGE="bytes=0-9",
                               HTTP_IF_RANGE='"an-older-version"')

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == samples.wav()


def test_pdf_is_served_without_sandbox_so_browsers_can_show_it(citizen, citizen_api, commune):
    stored = upload_store(actor=citizen, commune=commune,
                          file=SimpleUploadedFile("don.pdf", samples.pdf()), kind="document")

    response = citizen_api.get(f"{URL}{stored.public_id}/content/")

    assert response["Content-Type"] == "application/pdf"
    assert "Content-Security-Policy" not in response


def test_browser_view_serves_the_file_to_its_uploader(citizen, photo):
    client = Client()
    client.force_login(citizen)

    response = client.get(f"/tep/{photo.public_id}/")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"


@pytest.mark.parametrize("role", [Role.ONE_STOP_OFFICER, Role.SPECIALIST, Role.CHAIRMAN,
                                  Role.CLERK, Role.COMMUNE_ADMIN])
def test_staff_of_the_commune_with_upload_view_see_it(make_staff, commune, photo, role):
    client = api_as(make_staff(role, commune))

    assert client.get(f"{URL}{photo.public_id}/").status_code == 200
    assert client.get(f"{URL}{photo.public_id}/content/").status_code == 200


def test_village_head_and_province_admin_do_not_see_it_by_id(make_staff, commune, village,
                                                              photo):
    for user in (make_staff(Role.VILLAGE_HEAD, commune, village=village),
                 make_staff(Role.PROVINCE_ADMIN, province=commune.province)):
        client = api_as(user)
        assert client.get(f"{URL}{photo.public_id}/").status_code == 404
        assert client.get(f"{URL}{photo.public_id}/content/").status_code == 404


def test_user_of_another_commune_gets_404_everywhere(make_staff, other_commune, photo):
    outsider = make_staff(Role.COMMUNE_ADMIN, other_commune)
    api = api_as(outsider)
    browser = Client()
    login_verified(browser, outsider)

    assert api.get(f"{URL}{photo.public_id}/").status_code == 404
    assert api.get(f"{URL}{photo.public_id}/content/").status_code == 404
    response = browser.get(f"/tep/{photo.public_id}/")
    assert response.status_code == 404
    assert photo.storage_name.encode() not in response.content


def test_another_resident_gets_404(other_citizen, photo):
    client = api_as(other_citizen)

    assert client.get(f"{URL}{photo.public_id}/").status_code == 404
    assert client.get(f"{URL}{photo.public_id}/content/").status_code == 404


def test_anonymous_is_refused(client, photo):
    api = APIClient()

    assert api.get(f"{URL}{photo.public_id}/").status_code in (401, 403)
    assert api.get(f"{URL}{photo.public_id}/content/").status_code in (401, 403)
    browser = client.get(f"/tep/{photo.public_id}/")
    assert browser.status_code == 302 and "/dang-nhap/" in browser["Location"]


def test_unknown_and_malformed_ids_are_404(citizen_api, citizen):
    browser = Client()
    browser.force_login(citizen)

    assert citizen_api.get(f"{URL}00000000-0000-4000-8000-000000000000/").status_code == 404
    assert citizen_api.get(f"{URL}1/").status_code == 404
    assert browser.get("/tep/../../etc/passwd").status_code == 404


def test_media_files_have_no_public_url(client, photo):
    assert client.get(f"/media/{photo.storage_name}").status_code == 404


def test_record_whose_file_is_gone_is_404_not_500(citizen_api, photo, media):
    (media / photo.storage_name).unlink()

    assert citizen_api.get(f"{URL}{photo.public_id}/content/").status_code == 404
