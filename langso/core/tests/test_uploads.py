"""The upload pipeline's service: what is accepted, what is refused, and that a refusal or a
failure leaves nothing behind (no row, no file)."""

import hashlib
import io
import os
import re
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from PIL import Image

from langso.core.errors import DomainError, NotFound, PermissionDenied
from langso.core.models import Role, StoredFile
from langso.core.tests import upload_samples as samples
from langso.core.uploads.services import upload_store, upload_sweep_orphans

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def sent(name: str, data: bytes, claimed: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=claimed)


def stored_image(media: Path, stored: StoredFile) -> Image.Image:
    return Image.open(media / stored.storage_name)


def assert_nothing_stored(media: Path) -> None:
    assert StoredFile.objects.count() == 0
    assert samples.files_under(media) == []


# --- Photos -----------------------------------------------------------------------------

def test_photo_gps_is_read_first_then_absent_from_the_stored_file(citizen, commune, media):
    data = samples.jpeg((40, 20), exif=samples.gps_exif(orientation=6))

    stored = upload_store(actor=citizen, commune=commune, file=sent("IMG_0001.jpg", data),
                          kind="photo", keep_location=True)

    assert (stored.latitude, stored.longitude) == (Decimal("21.460100"), Decimal("105.640000"))
    raw = (media / stored.storage_name).read_bytes()
    image = stored_image(media, stored)
    assert image.format == "JPEG" and stored.content_type == "image/jpeg"
    assert dict(image.getexif()) == {}
    assert not {"exif", "xmp", "icc_profile", "comment"} & set(image.info)
    for secret in (b"Exif", b"GPS", b"Cheap Phone", b"SerialXYZ", b"secret-xmp",
                   b"secret-comment", b"http://ns.adobe.com"):
        assert secret not in raw
    # Orientation 6 (rotate 90° clockwise) is applied to the pixels, then dropped.
    assert (image.width, image.height) == (stored.width, stored.height) == (20, 40)
    assert stored.size == len(raw) and stored.sha256 == hashlib.sha256(raw).hexdigest()
    assert stored.original_name == "IMG_0001.jpg" and stored.uploaded_by == citizen


def test_anything_hidden_after_the_image_data_is_not_stored(citizen, commune, media):
    polyglot = samples.jpeg() + b"<html><script>alert(document.cookie)</script>PK\x03\x04"

    stored = upload_store(actor=citizen, commune=commune, file=sent("a.jpg", polyglot),
                          kind="photo")

    raw = (media / stored.storage_name).read_bytes()
    assert b"<script>" not in raw and b"PK\x03\x04" not in raw


def test_photo_location_is_dropped_unless_the_calling_module_asks(citizen, commune, media):
    data = samples.jpeg(exif=samples.gps_exif())

    stored = upload_store(actor=citizen, commune=commune, file=sent("a.jpg", data),
                          kind="photo")

    assert stored.latitude is None and stored.longitude is None
    assert b"GPS" not in (media / stored.storage_name).read_bytes()


def test_southern_and_western_coordinates_are_negative(citizen, commune):
    exif = samples.gps_exif(lat=(33, 52, 4.0), lat_ref="S", lon=(151, 12, 36.0), lon_ref="W")

    stored = upload_store(actor=citizen, commune=commune,
                          file=sent("a.jpg", samples.jpeg(exif=exif)), kind="photo",
                          keep_location=True)

    assert (stored.latitude, stored.longitude) == (Decimal("-33.867778"), Decimal("-151.21"))


@pytest.mark.parametrize("lat, lon", [((0, 0, 0), (0, 0, 0)), ((95, 0, 0), (105, 0, 0))])
def test_implausible_gps_is_ignored_and_the_photo_kept(citizen, commune, lat, lon):
    exif = samples.gps_exif(lat=lat, lon=lon)

    stored = upload_store(actor=citizen, commune=commune,
                          file=sent("a.jpg", samples.jpeg(exif=exif)), kind="photo",
                          keep_location=True)

    assert stored.latitude is None and stored.longitude is None


def test_text_file_named_photo_jpg_is_refused_and_nothing_is_stored(citizen, commune, media):
    with pytest.raises(DomainError) as refused:
        upload_store(actor=citizen, commune=commune,
                     file=sent("photo.jpg", b"Hello, I am not a picture.\n" * 50), kind="photo")

    assert refused.value.message == "Tệp không phải là ảnh hợp lệ."
    assert_nothing_stored(media)


def test_png_sent_as_jpg_is_stored_as_jpeg_from_its_content(citizen, commune, media):
    stored = upload_store(actor=citizen, commune=commune,
                          file=sent("screen.jpg", samples.png(), claimed="text/html"),
                          kind="photo")

    assert stored.content_type == "image/jpeg" and stored.storage_name.endswith(".jpg")
    assert stored_image(media, stored).format == "JPEG"


def test_transparent_png_is_stored_as_webp_keeping_transparency(citizen, commune, media):
    stored = upload_store(actor=citizen, commune=commune,
                          file=sent("logo.png", samples.png(alpha=True)), kind="photo")

    image = stored_image(media, stored)
    assert stored.content_type == "image/webp" and image.format == "WEBP"
    assert image.mode == "RGBA"


def test_png_exif_gps_is_read_and_stripped_too(citizen, commune, media):
    stored = upload_store(actor=citizen, commune=commune,
                          file=sent("a.png", samples.png(exif=samples.gps_exif())),
                          kind="photo", keep_location=True)

    assert stored.latitude == Decimal("21.460100")
    assert dict(stored_image(media, stored).getexif()) == {}


def test_large_photo_is_downscaled_to_the_maximum_dimension(citizen, commune, media):
    stored = upload_store(actor=citizen, commune=commune,
                          file=sent("wide.jpg", samples.jpeg((3000, 1000), metadata=False)),
                          kind="photo")

    assert (stored.width, stored.height) == (2560, 853)
    assert stored_image(media, stored).size == (2560, 853)


def test_photo_over_15_mb_is_refused_before_reading_it(citizen, commune, media, tmp_path):
    # A sparse file: 16 MB on paper, nothing in memory.
    path = tmp_path / "big.jpg"
    with path.open("wb") as handle:
        handle.write(b"\xff\xd8\xff\xe0")
        handle.truncate(16 * MB)

    with path.open("rb") as handle, pytest.raises(DomainError) as refused:
        upload_store(actor=citizen, commune=commune, file=File(handle, name="big.jpg"),
                     kind="photo")

    assert refused.value.message == "Ảnh quá lớn, tối đa 15 MB."
    assert refused.value.code == "too_large"
    assert_nothing_stored(media)


def test_size_is_measured_not_taken_from_what_the_client_declared(citizen, commune, media):
    upload = sent("a.jpg", b"\xff\xd8" + b"\x00" * (16 * MB))
    upload.size = 10  # a lying size

    with pytest.raises(DomainError) as refused:
        upload_store(actor=citizen, commune=commune, file=upload, kind="photo")

    assert refused.value.message == "Ảnh quá lớn, tối đa 15 MB."
    assert_nothing_stored(media)


def test_decompression_bomb_png_is_refused(citizen, commune, media):
    bomb = samples.png_bomb(20_000, 20_000)  # ~50 KB on the wire, 400 megapixels decoded
    assert len(bomb) < 100_000

    with pytest.raises(DomainError) as refused:
        upload_store(actor=citizen, commune=commune, file=sent("bomb.png", bomb),
                     kind="photo")

    assert refused.value.message == "Ảnh có độ phân giải quá lớn (tối đa 40 megapixel)."
    assert_nothing_stored(media)


def test_image_over_the_pixel_limit_is_refused_before_decoding(citizen, commune, media):
    # 7000×7000 = 49 MP: under Pillow's own guard, over ours.
    with pytest.raises(DomainError) as refused:
        upload_store(actor=citizen, commune=commune,
                     file=sent("big.png", samples.png_bomb(7000, 7000)), kind="photo")

    assert "megapixel" in refused.value.message
    assert_nothing_stored(media)


def test_big_jpeg_is_decoded_at_reduced_scale_where_a_png_is_refused(citizen, commune,
                                                                     settings):
    settings.UPLOAD_IMAGE_MAX_PIXELS = 4_000_000
    settings.UPLOAD_IMAGE_MAX_DIMENSION = 1000
    big = Image.new("RGB", (4000, 3000), (90, 90, 90))  # 12 MP

    stored = upload_store(actor=citizen, commune=commune,
                          file=sent("big.jpg", samples.encoded(big, "JPEG")), kind="photo")
    with pytest.raises(DomainError):
        upload_store(actor=citizen, commune=commune,
                     file=sent("big.png", samples.encoded(big, "PNG")), kind="photo")

    assert (stored.width, stored.height) == (1000, 750)
    assert StoredFile.objects.count() == 1


def test_truncated_photo_is_refused_as_damaged(citizen, commune, media):
    data = samples.jpeg((400, 300), metadata=False)

    with pytest.raises(DomainError) as refused:
        upload_store(actor=citizen, commune=commune, file=sent("cut.jpg", data[:800]),
                     kind="photo")

    assert refused.value.message == ("Ảnh bị hỏng hoặc chưa tải lên hết, vui lòng chọn lại "
                                     "ảnh.")
    assert_nothing_stored(media)


@pytest.mark.parametrize("head, expected", [
    (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "HEIC"),
    (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "chưa được hỗ trợ"),
])
def test_unsupported_image_formats_are_refused_with_a_hint(citizen, commune, media, head,
                                                          expected):
    with pytest.raises(DomainError) as refused:
        upload_store(actor=citizen, commune=commune, file=sent("a.img", head + b"\x00" * 64),
                     kind="photo")

    assert expected in refused.value.message
    assert_nothing_stored(media)


# --- Documents and audio ------------------------------------------------------------------

def test_pdf_is_accepted_and_stored_byte_for_byte(citizen, commune, media):
    data = samples.pdf()

    stored = upload_store(actor=citizen, commune=commune, file=sent("don.pdf", data),
                          kind="document")

    assert stored.content_type == "application/pdf" and stored.storage_name.endswith(".pdf")
    assert (media / stored.storage_name).read_bytes() == data
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.width is None and stored.latitude is None


@pytest.mark.parametrize("data", [
    b"%PDF-1.7\nnothing else here\n",  # a header and no structure
    samples.pdf().replace(b"startxref\n", b"startxref\n9"),  # offset past the end
    samples.pdf().replace(b"%%EOF", b"%%EOX"),
    b"not a pdf at all " * 10,
    samples.jpeg(),
])
def test_documents_that_are_not_pdfs_are_refused(citizen, commune, media, data):
    with pytest.raises(DomainError) as refused:
        upload_store(actor=citizen, commune=commune, file=sent("a.pdf", data),
                     kind="document")

    assert refused.value.message == "Tệp không phải là tài liệu PDF hợp lệ."
    assert_nothing_stored(media)


@pytest.mark.parametrize("build, content_type, extension", [
    (samples.mp3, "audio/mpeg", "mp3"),
    (samples.ogg, "audio/ogg", "ogg"),
    (samples.wav, "audio/wav", "wav"),
    (samples.m4a, "audio/mp4", "m4a"),
    (samples.webm, "audio/webm", "webm"),
])
def test_audio_types_are_detected_from_their_bytes(citizen, commune, media, build,
                                                   content_type, extension):
    stored = upload_store(actor=citizen, commune=commune, file=sent("ghi-am.bin", build()),
                          kind="audio")

    assert stored.content_type == content_type
    assert stored.storage_name.endswith(f".{extension}")
    assert (media / stored.storage_name).read_bytes() == build()


def test_a_pdf_sent_as_audio_is_refused(citizen, commune, media):
    with pytest.raises(DomainError):
        upload_store(actor=citizen, commune=commune, file=sent("a.mp3", samples.pdf()),
                     kind="audio")

    assert_nothing_stored(media)


@pytest.mark.parametrize("kind, limit_mb, message", [
    ("document", 20, "Tài liệu quá lớn, tối đa 20 MB."),
    ("audio", 30, "Tệp âm thanh quá lớn, tối đa 30 MB."),
])
def test_each_kind_has_its_own_size_limit(citizen, commune, media, tmp_path, kind, limit_mb,
                                          message):
    path = tmp_path / "big"
    with path.open("wb") as handle:
        handle.truncate(limit_mb * MB + 1)

    with path.open("rb") as handle, pytest.raises(DomainError) as refused:
        upload_store(actor=citizen, commune=commune, file=File(handle, name="big"),
                     kind=kind)

    assert refused.value.message == message
    assert_nothing_stored(media)


def test_empty_file_and_unknown_kind_are_refused(citizen, commune, media):
    with pytest.raises(DomainError) as empty:
        upload_store(actor=citizen, commune=commune, file=sent("a.jpg", b""), kind="photo")
    with pytest.raises(DomainError) as unknown:
        upload_store(actor=citizen, commune=commune, file=sent("a.exe", b"MZ"),
                     kind="program")
    with pytest.raises(DomainError) as missing:
        upload_store(actor=citizen, commune=commune, file=None, kind="photo")

    assert empty.value.message == "Tệp rỗng, vui lòng chọn tệp khác."
    assert "kind" in unknown.value.field_errors and "file" in missing.value.field_errors
    assert_nothing_stored(media)


# --- Names --------------------------------------------------------------------------------

@pytest.mark.parametrize("hostile, expected", [
    ("../../etc/passwd", "passwd"),
    ("..\\..\\windows\\system32\\ảnh.jpg", "ảnh.jpg"),
    ("bad\x00name.jpg", "badname.jpg"),
    ("invoice\u202egpj.exe", "invoicegpj.exe"),
    ("zero\u200bwidth\ufeff.jpg", "zerowidth.jpg"),
    ("Nguye\u0302\u0303n.jpg", "Nguyễn.jpg"),  # decomposed (macOS) → composed
    ("..", "tep"),
    ("  .hidden  ", "hidden"),
    ("CON.jpg", "_CON.jpg"),
    ('a<b>c:d"e|f?g*.jpg', "abcdefg.jpg"),
    ("line\nbreak\r\t.jpg", "linebreak.jpg"),
])
def test_hostile_file_names_are_sanitised(citizen, commune, media, hostile, expected):
    # A plain File keeps the name as given (Django's UploadedFile already drops the path).
    upload = File(io.BytesIO(samples.jpeg()), name=hostile)

    stored = upload_store(actor=citizen, commune=commune, file=upload, kind="photo")

    assert stored.original_name == expected
    assert re.fullmatch(rf"uploads/{commune.pk}/\d{{4}}/\d{{2}}/[0-9a-f]{{32}}\.jpg",
                        stored.storage_name)
    assert samples.files_under(media) == [media / stored.storage_name]


def test_a_thousand_character_name_is_cut_keeping_its_extension(citizen, commune):
    stored = upload_store(actor=citizen, commune=commune,
                          file=sent("ả" * 1000 + ".jpeg", samples.jpeg()), kind="photo")

    assert len(stored.original_name) == 150
    assert stored.original_name == "ả" * 145 + ".jpeg"


def test_storage_names_are_random_for_the_same_file(citizen, commune):
    first, second = (upload_store(actor=citizen, commune=commune,
                                  file=sent("same.jpg", samples.jpeg()), kind="photo")
                     for _ in range(2))

    assert first.storage_name != second.storage_name
    assert first.public_id != second.public_id and first.sha256 == second.sha256


# --- Failures leave nothing behind -----------------------------------------------------------

def test_database_failure_after_storage_leaves_no_orphan_file(citizen, commune, media):
    samples.refuse_stored_file_inserts()

    with pytest.raises(DatabaseError):
        upload_store(actor=citizen, commune=commune, file=sent("a.jpg", samples.jpeg()),
                     kind="photo")

    assert samples.files_under(media) == []
    assert StoredFile.objects.count() == 0


def test_storage_failure_writes_nothing_to_the_database(citizen, commune, settings, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_bytes(b"")
    settings.MEDIA_ROOT = blocker / "media"  # cannot be created: its parent is a file

    with pytest.raises(DomainError) as refused:
        upload_store(actor=citizen, commune=commune, file=sent("a.jpg", samples.jpeg()),
                     kind="photo")

    assert refused.value.status == 503
    assert refused.value.message == "Chưa lưu được tệp, vui lòng thử lại sau ít phút."
    assert StoredFile.objects.count() == 0


def test_database_refuses_a_location_on_a_document(citizen, commune):
    stored = upload_store(actor=citizen, commune=commune, file=sent("a.pdf", samples.pdf()),
                          kind="document")

    with pytest.raises(IntegrityError), transaction.atomic():
        StoredFile.objects.filter(pk=stored.pk).update(latitude=21, longitude=105)


def test_database_refuses_half_a_location(citizen, commune):
    stored = upload_store(actor=citizen, commune=commune, file=sent("a.jpg", samples.jpeg()),
                          kind="photo")

    with pytest.raises(IntegrityError), transaction.atomic():
        StoredFile.objects.filter(pk=stored.pk).update(latitude=21)


# --- Who may send ---------------------------------------------------------------------------

def test_anonymous_actor_is_refused(commune, media):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        upload_store(actor=AnonymousUser(), commune=commune,
                     file=sent("a.jpg", samples.jpeg()), kind="photo")

    assert_nothing_stored(media)


def test_inactive_commune_receives_nothing(citizen, commune, media):
    commune.is_active = False
    commune.save(update_fields=["is_active"])

    with pytest.raises(NotFound):
        upload_store(actor=citizen, commune=commune, file=sent("a.jpg", samples.jpeg()),
                     kind="photo")

    assert_nothing_stored(media)


def test_residents_have_a_daily_quota_and_staff_of_the_commune_do_not(citizen, commune,
                                                                      make_staff, settings):
    settings.UPLOAD_DAILY_MB_PER_USER = 1
    officer = make_staff(Role.ONE_STOP_OFFICER, commune)
    noise = Image.effect_noise((700, 700), 120).convert("RGB")  # compresses badly
    data = samples.encoded(noise, "JPEG")
    first = upload_store(actor=citizen, commune=commune, file=sent("a.jpg", data),
                         kind="photo")
    fit = MB // first.size
    assert 1 < fit < 10

    with pytest.raises(DomainError) as refused:
        for _ in range(fit):
            upload_store(actor=citizen, commune=commune, file=sent("a.jpg", data),
                         kind="photo")
    for _ in range(fit + 1):
        upload_store(actor=officer, commune=commune, file=sent("a.jpg", data), kind="photo")

    assert refused.value.code == "quota_exceeded"
    assert StoredFile.objects.filter(uploaded_by=citizen).count() == fit
    # A day later the resident may send again.
    upload_store(actor=citizen, commune=commune, file=sent("a.jpg", data), kind="photo",
                 now=timezone.now() + timedelta(hours=25))


# --- Sweeping files without a row -------------------------------------------------------------

def test_sweep_removes_old_files_without_a_row_and_keeps_the_rest(citizen, commune, media):
    kept = upload_store(actor=citizen, commune=commune, file=sent("a.jpg", samples.jpeg()),
                        kind="photo")
    old_orphan = media / "uploads" / str(commune.pk) / "2026" / "01" / ("a" * 32 + ".jpg")
    young_orphan = media / "uploads" / str(commune.pk) / "2026" / "01" / ("b" * 32 + ".jpg")
    for path in (old_orphan, young_orphan):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    day_ago = time.time() - 24 * 3600
    os.utime(old_orphan, (day_ago, day_ago))
    os.utime(media / kept.storage_name, (day_ago, day_ago))

    removed = upload_sweep_orphans()

    assert removed == [str(old_orphan.relative_to(media))]
    assert not old_orphan.exists() and young_orphan.exists()
    assert (media / kept.storage_name).exists()


def test_sweep_of_an_empty_storage_removes_nothing(db, media):
    assert upload_sweep_orphans() == []


def test_stored_bytes_are_what_the_record_says(citizen, commune, media):
    stored = upload_store(actor=citizen, commune=commune,
                          file=sent("a.jpg", samples.jpeg((300, 200))), kind="photo")

    raw = (media / stored.storage_name).read_bytes()
    assert Image.open(io.BytesIO(raw)).size == (300, 200)
    assert oct((media / stored.storage_name).stat().st_mode & 0o777) == "0o640"
