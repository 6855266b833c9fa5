"""Photos and videos of a report: the quick check and store while the reporter waits, the
background step that re-encodes them without metadata (and a video's still frame), and
what happens to files of a report that was never sent."""

import datetime as dt
import io
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from PIL import Image

from langso.core.errors import DomainError
from langso.core.models import StoredFile
from langso.core.tests import upload_samples
from langso.core.uploads.services import storage
from langso.reports import media
from langso.reports.models import MediaKind, MediaStatus, ReportMedia
from langso.reports.tests import samples
from langso.testing.tasks import run_db_worker

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def receive(commune, data: bytes, name: str = "IMG_0001.jpg",
            kind: str = MediaKind.PHOTO) -> ReportMedia:
    return media.media_receive(commune=commune, upload=SimpleUploadedFile(name, data),
                               kind=kind)


def stored_bytes(stored: StoredFile) -> bytes:
    with storage().open(stored.storage_name, "rb") as handle:
        return handle.read()


# -- photos ---------------------------------------------------------------------------------

def test_a_photo_is_stored_as_it_arrived_pending_with_its_gps_read_from_the_header(
        commune, django_capture_on_commit_callbacks):
    data = samples.phone_photo()

    with django_capture_on_commit_callbacks(execute=True):
        item = receive(commune, data)

    assert item.status == MediaStatus.PENDING and item.report_id is None
    assert item.file is None
    assert stored_bytes(item.received) == data  # nothing done to it yet
    assert (item.received.latitude, item.received.longitude) == (Decimal("21.460100"),
                                                                 Decimal("105.640000"))
    assert (item.received.width, item.received.height) == (64, 48)
    task = DBTaskResult.objects.get()
    assert task.task_path == "langso.reports.tasks.report_media_process"
    assert task.args_kwargs["args"] == [item.pk]


def test_processing_makes_a_jpeg_without_any_metadata_and_keeps_gps_in_the_database(
        commune, django_capture_on_commit_callbacks):
    item = receive(commune, samples.phone_photo())
    received = item.received

    with django_capture_on_commit_callbacks(execute=True):
        assert media.media_process(media_id=item.pk) == "ready"

    item.refresh_from_db()
    assert item.status == MediaStatus.READY and item.received is None
    public = stored_bytes(item.file)
    image = Image.open(io.BytesIO(public))
    assert image.format == "JPEG"
    assert not image.getexif() and "icc_profile" not in image.info
    assert b"secret-xmp" not in public and b"secret-comment" not in public
    assert b"SerialXYZ" not in public and b"Cheap Phone" not in public
    assert item.file.latitude == Decimal("21.460100")  # the place stays in the database
    # The file as it arrived (with its EXIF) is gone, row and bytes.
    assert not StoredFile.objects.filter(pk=received.pk).exists()
    assert not storage().exists(received.storage_name)


def test_processing_twice_does_the_work_once(commune):
    item = receive(commune, samples.phone_photo())
    media.media_process(media_id=item.pk)
    files = StoredFile.objects.count()

    assert media.media_process(media_id=item.pk) == "skipped"
    assert StoredFile.objects.count() == files


def test_the_worker_processes_what_was_received(transactional_db, commune):
    item = receive(commune, samples.phone_photo())  # autocommit: enqueued at once

    ran = run_db_worker()

    item.refresh_from_db()
    assert ran == 1 and item.status == MediaStatus.READY and item.file is not None


def test_a_photo_broken_after_its_header_is_marked_failed_and_its_original_deleted(commune):
    whole = samples.noisy_photo(0.3)
    item = receive(commune, whole[: len(whole) // 3])  # a dropped 3G connection
    received = item.received

    assert media.media_process(media_id=item.pk) == "failed"

    item.refresh_from_db()
    assert item.status == MediaStatus.FAILED and item.file is None
    assert "hỏng" in item.failure
    assert not StoredFile.objects.filter(pk=received.pk).exists()


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"hello, this is not a photo at all" * 10, "anh.jpg", "Tệp không phải là ảnh hợp lệ."),
    (upload_samples.pdf(), "anh.jpg", "Tệp không phải là ảnh hợp lệ."),
    (b"", "rong.jpg", "Tệp rỗng"),
])
def test_what_is_not_a_photo_is_refused_and_nothing_is_stored(commune, media_root, data,
                                                              name, message):
    with pytest.raises(DomainError) as refused:
        receive(commune, data, name)

    assert message in refused.value.message
    assert ReportMedia.objects.count() == 0 and StoredFile.objects.count() == 0
    assert samples.files_under(media_root) == []


def test_an_oversize_photo_is_refused_before_it_is_read(commune, settings, media_root):
    settings.UPLOAD_MAX_BYTES = {**settings.UPLOAD_MAX_BYTES, "photo": 1 * MB}

    with pytest.raises(DomainError) as refused:
        receive(commune, samples.noisy_photo(1.6))

    assert refused.value.message == "Ảnh quá lớn, tối đa 1 MB."
    assert ReportMedia.objects.count() == 0 and samples.files_under(media_root) == []


def test_a_decompression_bomb_is_refused_from_its_header(commune):
    with pytest.raises(DomainError) as refused:
        receive(commune, upload_samples.png_bomb(20000, 20000), "bom.png")

    assert "độ phân giải quá lớn" in refused.value.message
    assert ReportMedia.objects.count() == 0


# -- videos ---------------------------------------------------------------------------------

def test_a_twenty_minute_video_is_refused_with_its_length(commune, media_root):
    clip = samples.video(20 * 60)  # 16×16 at 1 frame a second: a few tens of kilobytes
    assert len(clip) < 200_000

    with pytest.raises(DomainError) as refused:
        receive(commune, clip, "clip.mp4", MediaKind.VIDEO)

    assert refused.value.message == ("Video dài 20 phút 0 giây, tối đa 60 giây. Vui lòng quay "
                                     "hoặc cắt đoạn ngắn hơn.")
    assert ReportMedia.objects.count() == 0 and samples.files_under(media_root) == []


def test_a_video_over_the_size_limit_is_refused_before_it_is_probed(commune, settings):
    settings.UPLOAD_MAX_BYTES = {**settings.UPLOAD_MAX_BYTES, "video": 1 * MB}
    clip = samples.video(2) + b"\x00" * (2 * MB)

    with pytest.raises(DomainError) as refused:
        receive(commune, clip, "clip.mp4", MediaKind.VIDEO)

    assert refused.value.message == "Video quá lớn, tối đa 1 MB."
    assert ReportMedia.objects.count() == 0


@pytest.mark.parametrize(("data", "name"), [
    (samples.phone_photo(), "clip.mp4"),
    (upload_samples.m4a(), "clip.mp4"),  # an MP4 box with no video in it
    (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 200, "clip.mp4"),  # an MP4 header, no movie
])
def test_what_is_not_a_video_is_refused(commune, data, name):
    with pytest.raises(DomainError) as refused:
        receive(commune, data, name, MediaKind.VIDEO)

    assert refused.value.message.startswith("Tệp không phải là video hợp lệ")
    assert ReportMedia.objects.count() == 0


def test_a_short_video_is_re_encoded_without_metadata_with_a_still_frame(commune):
    import av

    clip = samples.video(3, fps=10, size=(64, 48), audio=True,
                         metadata={"location": "+21.4592+105.6451/", "make": "Cheap Phone"})
    item = receive(commune, clip, "clip.mp4", MediaKind.VIDEO)
    assert item.duration_seconds == pytest.approx(3.0, abs=0.2)
    with av.open(io.BytesIO(stored_bytes(item.received))) as container:
        assert container.metadata["location"].startswith("+21.4592+105.6451")

    assert media.media_process(media_id=item.pk) == "ready"

    item.refresh_from_db()
    public = stored_bytes(item.file)
    assert item.file.content_type == "video/mp4" and item.file.kind == "video"
    assert b"loci" not in public and b"Cheap Phone" not in public
    with av.open(io.BytesIO(public)) as container:
        assert "location" not in container.metadata
        assert container.streams.video[0].codec_context.name == "h264"
        assert container.streams.audio[0].codec_context.name == "aac"
        assert container.duration / 1_000_000 == pytest.approx(3.0, abs=0.3)
    poster = Image.open(io.BytesIO(stored_bytes(item.poster)))
    assert poster.format == "JPEG" and poster.size == (64, 48) and not poster.getexif()
    assert item.received is None


def test_a_sideways_phone_clip_comes_out_upright(commune, tmp_path):
    import av

    clip = tmp_path / "portrait.mp4"
    with av.open(str(clip), "w") as dst:
        stream = dst.add_stream("libx264", rate=5)
        stream.width, stream.height, stream.pix_fmt = 32, 16, "yuv420p"
        stream.set_display_rotation(90)  # what phones write for a portrait clip
        for i in range(5):
            frame = av.VideoFrame.from_image(Image.new("RGB", (32, 16), (200, 0, 0)))
            frame.pts = i
            for packet in stream.encode(frame):
                dst.mux(packet)
        for packet in stream.encode():
            dst.mux(packet)
    item = receive(commune, clip.read_bytes(), "portrait.mp4", MediaKind.VIDEO)

    media.media_process(media_id=item.pk)

    item.refresh_from_db()
    with av.open(io.BytesIO(stored_bytes(item.file))) as container:
        frame = next(container.decode(video=0))
        assert (frame.width, frame.height, frame.rotation) == (16, 32, 0)


# -- what the form keeps between two sends, and the reporter's place ------------------------

def test_kept_files_come_back_only_with_their_own_client_token(commune, other_commune):
    token, other_token = uuid.uuid4(), uuid.uuid4()
    item = receive(commune, samples.phone_photo())
    signed = media.media_token(item, token)

    assert media.media_from_tokens(commune=commune, tokens=[signed], client_token=token) == [
        item]
    assert media.media_from_tokens(commune=commune, tokens=[signed],
                                   client_token=other_token) == []
    assert media.media_from_tokens(commune=other_commune, tokens=[signed],
                                   client_token=token) == []
    assert media.media_from_tokens(commune=commune, tokens=[str(item.pk), "x:y:z"],
                                   client_token=token) == []


def test_the_first_photo_with_gps_gives_the_place(commune):
    without = receive(commune, samples.phone_photo(gps=False))
    with_gps = receive(commune, samples.phone_photo())

    assert media.media_location([without, with_gps]) == (Decimal("21.460100"),
                                                         Decimal("105.640000"))
    assert media.media_location([without]) is None


def test_gps_outside_vietnam_is_not_a_place(commune):
    exif = upload_samples.gps_exif(lat=(48, 51, 0), lon=(2, 21, 0))  # Paris
    item = receive(commune, upload_samples.jpeg((40, 20), exif=exif))

    assert media.media_location([item]) is None


def test_files_of_a_report_never_sent_are_removed_after_a_day(commune, make_report,
                                                              media_root):
    old = receive(commune, samples.phone_photo())
    media.media_process(media_id=old.pk)
    attached = receive(commune, samples.phone_photo())
    make_report(media=[attached])
    fresh = receive(commune, samples.phone_photo())
    day_ago = timezone.now() - dt.timedelta(hours=25)
    ReportMedia.objects.filter(pk__in=[old.pk, attached.pk]).update(created_at=day_ago)
    old.refresh_from_db()

    removed = media.media_sweep_unattached()

    assert removed == 1
    assert set(ReportMedia.objects.values_list("pk", flat=True)) == {attached.pk, fresh.pk}
    assert not StoredFile.objects.filter(pk=old.file_id).exists()
