"""Photos and the short video sent with a field report.

While the reporter waits, only what is cheap: the size (refused while the body streams in,
by ``ReportUploadCap``), the type from the bytes, a photo's header (pixel size, GPS) or a
video's container (length, codec), and a quick store of the file as it arrived
(``ReportMedia.received``). In the background (``media_process``, a task): photos
re-encoded from their pixels without metadata, videos re-encoded to H.264/AAC MP4 without
metadata with a still frame; the result is ``ReportMedia.file``/``poster`` and the file as
it arrived is deleted. The public only ever sees the re-encoded copy. A photo's GPS
position stays in the database (the StoredFile rows), never in a public file.
"""

import itertools
import logging
import math
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import wraps
from io import BytesIO
from typing import IO, Any

from django.conf import settings
from django.core import signing
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.db import transaction
from django.http import HttpRequest, QueryDict
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from langso.core.errors import DomainError
from langso.core.models import Commune, StoredFile, StoredFileKind
from langso.core.tasks_runtime import TransientError, enqueue_on_commit
from langso.core.uploads import content
from langso.core.uploads.services import (
    StorageUnavailable,
    storage,
    store_checked,
    upload_discard,
)
from langso.core.uploads.serving import FORM_OVERHEAD
from langso.reports.models import MediaKind, MediaStatus, ReportMedia
from langso.reports.services import MAX_PHOTOS, MAX_VIDEOS, VIETNAM_BOX

logger = logging.getLogger(__name__)

# The report form's file inputs: field name → (kind, how many).
FILE_FIELDS = {"photos": (MediaKind.PHOTO, MAX_PHOTOS), "video": (MediaKind.VIDEO, MAX_VIDEOS)}
_STORED_KIND = {MediaKind.PHOTO: StoredFileKind.PHOTO, MediaKind.VIDEO: StoredFileKind.VIDEO}
# Files sent with a report that was never finished are removed after this.
UNATTACHED_TTL = timedelta(hours=24)
# The public copy of a video: longest side, quality (x264 CRF) and audio bitrate.
VIDEO_MAX_SIDE = 1280
VIDEO_CRF = "28"
AUDIO_BITRATE = 64_000
POSTER_AT = 1.0  # seconds into the clip (or its first frame when shorter)


def limit(kind: str) -> int:
    return int(settings.UPLOAD_MAX_BYTES[_STORED_KIND[MediaKind(kind)]])


def max_seconds() -> int:
    return int(settings.UPLOAD_VIDEO_MAX_SECONDS)


def body_limit() -> int:
    """The largest report form body: every photo and the video at their limits."""
    return (MAX_PHOTOS * limit(MediaKind.PHOTO) + MAX_VIDEOS * limit(MediaKind.VIDEO)
            + FORM_OVERHEAD)


def too_many_message() -> str:
    return _("Tối đa %(p)d ảnh và %(v)d video.") % {"p": MAX_PHOTOS, "v": MAX_VIDEOS}


def body_too_large_message() -> str:
    return _("Tệp gửi kèm quá lớn: tối đa %(p)d ảnh, mỗi ảnh %(pmb)d MB, và %(v)d video "
             "%(vmb)d MB.") % {"p": MAX_PHOTOS, "pmb": limit(MediaKind.PHOTO) // content.MB,
                               "v": MAX_VIDEOS, "vmb": limit(MediaKind.VIDEO) // content.MB}


# -- refusing oversize files while the body streams in ---------------------------------------

class ReportUploadCap(FileUploadHandler):
    """First upload handler of the report form.

    * A body whose declared length is over ``body_limit()`` is not read at all (Django never
      reads past the declared length, so it is binding): no field, no file, ``refused``.
    * A photo or video is cut off as soon as it passes its kind's limit, and so is a file
      beyond the count (a sixth photo) or in another field: nothing more of it is written
      and the part already spooled is deleted (``SkipFile``); ``problems`` says why.

    The files that pass still go through the usual handlers (memory, temporary file).
    """

    def __init__(self, request: HttpRequest) -> None:
        super().__init__(request)
        self.refused = False
        self.problems: list[str] = []
        self._counts: dict[str, int] = {}
        self._limit: int | None = None  # of the file being received; None: skip it
        self._size = 0
        self._name = ""
        self._field = ""

    def handle_raw_input(self, input_data: Any, META: Any, content_length: int,
                         boundary: Any, encoding: str | None = None) -> Any:
        if content_length > body_limit():
            self.refused = True
            return QueryDict(encoding=encoding), MultiValueDict()
        return None

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        # Never raise SkipFile here: Django would then close the previous file's handle
        # (the other handlers have not opened this one yet). The first chunk skips it.
        self._size, self._name, self._field = 0, file_name, field_name
        spec = FILE_FIELDS.get(field_name)
        if spec is None:
            self._limit = None
            return
        kind, most = spec
        self._counts[field_name] = self._counts.get(field_name, 0) + 1
        if self._counts[field_name] > most:
            self._limit = None
            self._add(too_many_message())
            return
        self._limit = limit(kind)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if self._limit is None:
            raise SkipFile
        self._size += len(raw_data)
        if self._size > self._limit:
            kind = FILE_FIELDS[self._field][0]
            self._add(f"{content.sanitize_filename(self._name)}: "
                      f"{content.size_message(_STORED_KIND[kind], self._limit)}")
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None

    def _add(self, message: str) -> None:
        if message not in self.problems:
            self.problems.append(message)


CAP_ATTRIBUTE = "_langso_report_upload_cap"


def report_upload_view[V: Callable[..., HttpResponseBase]](view: V) -> V:
    """For the report form: installs ``ReportUploadCap`` before the CSRF check reads the
    body; the view reads it back with ``upload_cap(request)``."""
    protected = csrf_protect(view)

    @csrf_exempt
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        cap = ReportUploadCap(request)
        setattr(request, CAP_ATTRIBUTE, cap)
        request.upload_handlers.insert(0, cap)
        return protected(request, *args, **kwargs)

    return wrapped  # type: ignore[return-value]


def upload_cap(request: HttpRequest) -> ReportUploadCap:
    """The request's cap, once the body is parsed (this parses it if nothing has yet)."""
    request.FILES  # noqa: B018 - parsing is what fills the cap
    cap = getattr(request, CAP_ATTRIBUTE, None)
    if cap is None:  # a view without the decorator: nothing was capped, nothing refused
        cap = ReportUploadCap(request)
    return cap


# -- the quick check and store --------------------------------------------------------------

@dataclass(frozen=True)
class VideoInfo:
    duration: float
    codec: str
    width: int
    height: int


def _path_of(upload: Any) -> str | None:
    getter = getattr(upload, "temporary_file_path", None)
    return getter() if callable(getter) else None


def _too_long(seconds: float) -> DomainError:
    return DomainError(
        _("Video dài %(s)s, tối đa %(max)d giây. Vui lòng quay hoặc cắt đoạn ngắn hơn.")
        % {"s": _duration_text(seconds), "max": max_seconds()}, code="too_long")


def _duration_text(seconds: float) -> str:
    total = round(seconds)
    if total < 60:
        return _("%(n)d giây") % {"n": total}
    return _("%(m)d phút %(s)d giây") % {"m": total // 60, "s": total % 60}


def _invalid_video() -> DomainError:
    return DomainError(_("Tệp không phải là video hợp lệ (MP4, MOV, WebM hoặc 3GP)."),
                       code="invalid_file")


def probe_video(source: str | IO[bytes]) -> VideoInfo:
    """Length, codec and size of a clip from its container, without decoding it. Where the
    container does not say how long it is (WebM from a browser's recorder), the packets'
    timestamps are read to the end (demuxing only). Raises DomainError."""
    import av

    try:
        container = av.open(source, mode="r")
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise _invalid_video() from exc
    try:
        if not container.streams.video:
            raise _invalid_video()
        stream = container.streams.video[0]
        duration = (container.duration / 1_000_000) if container.duration else None
        if duration is None and stream.duration is not None and stream.time_base:
            duration = float(stream.duration * stream.time_base)
        if duration is None:
            last = 0.0
            for packet in container.demux(stream):
                if packet.pts is not None and packet.time_base:
                    last = max(last, float(packet.pts * packet.time_base))
                    if last > max_seconds() + 1:
                        break
            duration = last
        return VideoInfo(duration=float(duration), codec=stream.codec_context.name or "",
                         width=int(stream.codec_context.width or 0),
                         height=int(stream.codec_context.height or 0))
    except av.FFmpegError as exc:
        raise _invalid_video() from exc
    finally:
        container.close()


def _declared_size_check(upload: Any, kind: str) -> None:
    declared = getattr(upload, "size", None)
    if isinstance(declared, int) and declared > limit(kind):
        raise DomainError(content.size_message(_STORED_KIND[MediaKind(kind)], limit(kind)),
                          code="too_large")


def check_photo(upload: Any) -> content.CheckedFile:
    """The cheap check of a photo: size, type from the bytes, header (pixels, GPS)."""
    _declared_size_check(upload, MediaKind.PHOTO)
    size, sha256 = content.measure(upload, limit=limit(MediaKind.PHOTO), kind="photo")
    if size == 0:
        raise DomainError(_("Tệp rỗng, vui lòng chọn tệp khác."), code="invalid_file")
    mime = content.detect(upload)
    width, height, latitude, longitude = content.peek_photo(upload, mime)
    content_type, extension = {"image/jpeg": ("image/jpeg", "jpg"),
                               "image/png": ("image/png", "png"),
                               "image/apng": ("image/png", "png"),
                               "image/webp": ("image/webp", "webp"),
                               "image/avif": ("image/avif", "avif")}[mime or ""]
    return content.CheckedFile(stream=upload, content_type=content_type, extension=extension,
                               size=size, sha256=sha256, width=width, height=height,
                               latitude=latitude, longitude=longitude)


def check_video(upload: Any) -> tuple[content.CheckedFile, VideoInfo]:
    """The cheap check of a clip: size, type from the bytes, length from the container."""
    _declared_size_check(upload, MediaKind.VIDEO)
    size, sha256 = content.measure(upload, limit=limit(MediaKind.VIDEO), kind="video")
    if size == 0:
        raise DomainError(_("Tệp rỗng, vui lòng chọn tệp khác."), code="invalid_file")
    content_type, extension = content.video_type(content.detect(upload))
    path = _path_of(upload)
    upload.seek(0)
    info = probe_video(path or upload)
    upload.seek(0)
    if info.duration > max_seconds():
        raise _too_long(info.duration)
    return (content.CheckedFile(stream=upload, content_type=content_type,
                                extension=extension, size=size, sha256=sha256), info)


def media_receive(*, commune: Commune, upload: Any, kind: str, actor: Any = None,
                  now: datetime | None = None) -> ReportMedia:
    """Check ``upload`` cheaply, store it as it arrived and record a pending ReportMedia
    (not yet part of a report); its cleaning is queued at once. Raises DomainError with a
    message for the reporter."""
    now = now or timezone.now()
    if kind not in FILE_FIELDS_KINDS:
        raise DomainError(_("Loại tệp không hợp lệ."), code="invalid")
    duration = None
    if kind == MediaKind.PHOTO:
        checked = check_photo(upload)
    else:
        checked, info = check_video(upload)
        duration = info.duration
    with transaction.atomic():
        stored = store_checked(commune=commune, checked=checked,
                               kind=_STORED_KIND[MediaKind(kind)],
                               original_name=getattr(upload, "name", ""), actor=actor,
                               keep_location=True, now=now)
        media = ReportMedia.objects.create(commune=commune, kind=kind,
                                           status=MediaStatus.PENDING, received=stored,
                                           duration_seconds=duration, created_at=now)
        from langso.reports import tasks

        enqueue_on_commit(tasks.report_media_process, media.pk)
    return media


FILE_FIELDS_KINDS = frozenset(kind for kind, _most in FILE_FIELDS.values())


def media_location(items: Iterable[ReportMedia]) -> tuple[Decimal, Decimal] | None:
    """Where the first photo that knows it was taken (EXIF GPS read on arrival), when that
    is in Vietnam: the report's place when the reporter gave none."""
    south, west, north, east = VIETNAM_BOX
    for item in items:
        stored = item.received or item.file
        if item.kind != MediaKind.PHOTO or stored is None or stored.latitude is None:
            continue
        lat, lng = stored.latitude, stored.longitude
        if lng is not None and south <= lat <= north and west <= lng <= east:
            return lat, lng
    return None


# -- files kept between two sends of the form ------------------------------------------------

def _salt(client_token: Any) -> str:
    return f"langso.reports.media:{client_token}"


def media_token(media: ReportMedia, client_token: Any) -> str:
    """A signed reference to a file already received, for the form's next send (a field
    was missing, the nearby-reports step): tied to the form's client token, so nobody can
    attach somebody else's file."""
    return signing.dumps(media.pk, salt=_salt(client_token), compress=False)


def media_from_tokens(*, commune: Commune, tokens: Iterable[str],
                      client_token: Any) -> list[ReportMedia]:
    """The files named by ``media_token`` values, still free and of this commune; forged,
    stale or foreign tokens are ignored."""
    ids = []
    for token in tokens:
        try:
            ids.append(int(signing.loads(token, salt=_salt(client_token),
                                         max_age=UNATTACHED_TTL)))
        except (signing.BadSignature, TypeError, ValueError):
            continue
    found = {m.pk: m for m in ReportMedia.objects.filter(
        pk__in=ids, commune=commune, report__isnull=True,
        kind__in=FILE_FIELDS_KINDS).select_related("received", "file")}
    return [found[i] for i in dict.fromkeys(ids) if i in found]


# -- the background step ----------------------------------------------------------------------

@dataclass
class _Cleaned:
    file: content.CheckedFile
    poster: content.CheckedFile | None = None
    duration: float | None = None


def _open_received(stored: StoredFile) -> IO[bytes]:
    try:
        return storage().open(stored.storage_name, "rb")
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise TransientError(f"storage: {exc}") from exc


def _clean_photo(stored: StoredFile) -> _Cleaned:
    handle = _open_received(stored)
    try:
        data = BytesIO(handle.read())
    finally:
        handle.close()
    mime = content.detect(data) or ""
    return _Cleaned(file=content.clean_photo(data, mime, kind="photo"))


def _rotation_filters(rotation: float) -> list[tuple[str, str]]:
    """Filters that turn the pixels upright, from a frame's display matrix (``rotation``:
    degrees counter-clockwise, as PyAV reports it); phones record portrait clips sideways
    and say so in the container, which the re-encoded file no longer does."""
    turn = round((-rotation) / 90) % 4  # quarter turns clockwise
    return {0: [], 1: [("transpose", "clock")], 2: [("hflip", ""), ("vflip", "")],
            3: [("transpose", "cclock")]}[turn]


def _encode_video(source: str, target: str) -> tuple[bytes | None, float]:
    """Re-encode ``source`` to an H.264/AAC MP4 at ``target``: upright, at most
    VIDEO_MAX_SIDE pixels, no metadata (nothing of the source's container or streams is
    copied). Returns a still frame (JPEG bytes) and the length in seconds."""
    import av
    from av.filter import Graph

    poster: bytes | None = None
    seconds = 0.0
    with av.open(source, mode="r") as src:
        if not src.streams.video:
            raise _invalid_video()
        vin = src.streams.video[0]
        vin.thread_type = "AUTO"
        ain = src.streams.audio[0] if src.streams.audio else None
        rate = vin.average_rate or vin.guessed_rate or 25
        if rate > 30:
            rate = 30
        with av.open(target, mode="w", format="mp4",
                     options={"movflags": "+faststart"}) as dst:
            vout: Any = None
            aout = dst.add_stream("aac", rate=48000) if ain is not None else None
            if aout is not None and ain is not None:
                aout.bit_rate = AUDIO_BITRATE
                aout.layout = ("stereo" if ain.codec_context.layout.nb_channels > 1
                               else "mono")
            # Streams must all exist before the first packet is written, and the video's
            # size is known only from its first upright frame: audio waits until then.
            waiting: list[Any] = []
            graph: Any = None
            streams = [s for s in (vin, ain) if s is not None]
            for packet in src.demux(*streams):
                decoded: Any = packet.decode()
                for frame in decoded:
                    at = float(frame.time or 0.0)
                    if at > max_seconds() + 0.5:
                        raise _too_long(at)
                    if packet.stream is ain:
                        assert aout is not None
                        for out in aout.encode(frame):
                            if vout is None:
                                waiting.append(out)
                            else:
                                dst.mux(out)
                        continue
                    if graph is None:
                        graph = Graph()
                        nodes = [graph.add_buffer(template=vin)]
                        for name, args in _rotation_filters(float(frame.rotation or 0)):
                            nodes.append(graph.add(name, args))
                        nodes.append(graph.add(
                            "scale", f"w='if(gt(iw,ih),min({VIDEO_MAX_SIDE},iw),-2)'"
                                     f":h='if(gt(iw,ih),-2,min({VIDEO_MAX_SIDE},ih))'"))
                        nodes.append(graph.add("format", "yuv420p"))
                        nodes.append(graph.add("buffersink"))
                        for a, b in itertools.pairwise(nodes):
                            a.link_to(b)
                        graph.configure()
                    graph.push(frame)
                    while True:
                        try:
                            upright = graph.pull()
                        except (av.BlockingIOError, av.EOFError):
                            break
                        if vout is None:
                            vout = dst.add_stream("libx264", rate=rate)
                            vout.width = upright.width - upright.width % 2
                            vout.height = upright.height - upright.height % 2
                            vout.pix_fmt = "yuv420p"
                            vout.options = {"crf": VIDEO_CRF, "preset": "veryfast"}
                            vout.time_base = upright.time_base
                            for out in waiting:
                                dst.mux(out)
                            waiting.clear()
                        if poster is None or (seconds < POSTER_AT <= at):
                            still = BytesIO()
                            upright.to_image().save(still, "JPEG", quality=90)
                            poster = still.getvalue()
                        seconds = max(seconds, at)
                        for out_packet in vout.encode(upright):
                            dst.mux(out_packet)
            if vout is None:
                raise _invalid_video()
            for out_packet in vout.encode():
                dst.mux(out_packet)
            if aout is not None:
                for out_packet in aout.encode():
                    dst.mux(out_packet)
            # What the container would otherwise say about its maker: nothing personal,
            # but nothing of the source either.
            dst.metadata.clear()
    return poster, seconds


def _clean_video(stored: StoredFile) -> _Cleaned:
    import av

    handle = _open_received(stored)
    with tempfile.TemporaryDirectory(prefix="langso-video-") as work:
        source = os.path.join(work, f"in.{stored.storage_name.rsplit('.', 1)[-1]}")
        target = os.path.join(work, "out.mp4")
        try:
            with open(source, "wb") as out:
                while chunk := handle.read(content.CHUNK):
                    out.write(chunk)
        finally:
            handle.close()
        try:
            poster, seconds = _encode_video(source, target)
        except av.FFmpegError as exc:
            raise _invalid_video() from exc
        with open(target, "rb") as encoded:
            data = BytesIO(encoded.read())
    # The re-encoded copy is what the commune serves: no size limit of the sender applies.
    size, sha256 = content.measure(data, limit=len(data.getbuffer()) + 1, kind="video")
    cleaned_poster = None
    if poster is not None:
        cleaned_poster = content.clean_photo(BytesIO(poster), "image/jpeg", kind="photo")
    return _Cleaned(file=content.CheckedFile(stream=data, content_type="video/mp4",
                                             extension="mp4", size=size, sha256=sha256),
                    poster=cleaned_poster, duration=seconds)


def media_process(*, media_id: int, now: datetime | None = None) -> str:
    """The background step of one file (task ``report_media_process``). Idempotent: a
    file already processed (or removed) is left alone, and when two runs race the second
    one's output is thrown away. A file that turns out unusable is marked failed with the
    reason; a storage hiccup is retried."""
    now = now or timezone.now()
    media = (ReportMedia.objects.select_related("received", "commune")
             .filter(pk=media_id).first())
    if media is None or media.status != MediaStatus.PENDING:
        return "skipped"
    if media.received is None:
        _finish(media.pk, failure=_("Tệp gốc không còn."))
        return "failed"
    try:
        cleaned = (_clean_photo(media.received) if media.kind == MediaKind.PHOTO
                   else _clean_video(media.received))
    except FileNotFoundError:
        _finish(media.pk, failure=_("Tệp gốc không còn."))
        return "failed"
    except DomainError as error:
        _finish(media.pk, failure=error.message)
        return "failed"
    try:
        file = store_checked(commune=media.commune, checked=cleaned.file,
                             kind=_STORED_KIND[MediaKind(media.kind)],
                             original_name=media.received.original_name,
                             keep_location=True, now=now)
        poster = None
        if cleaned.poster is not None:
            poster = store_checked(commune=media.commune, checked=cleaned.poster,
                                   kind=StoredFileKind.PHOTO,
                                   original_name=media.received.original_name, now=now)
    except StorageUnavailable as exc:
        raise TransientError(str(exc)) from exc
    if cleaned.file.latitude is None and media.received.latitude is not None:
        # clean_photo read no GPS (an unusual EXIF layout the header peek understood):
        # the place read on arrival stays in the database all the same.
        StoredFile.objects.filter(pk=file.pk).update(latitude=media.received.latitude,
                                                     longitude=media.received.longitude)
    done = _finish(media.pk, file=file, poster=poster, duration=cleaned.duration)
    return "ready" if done else "skipped"


@transaction.atomic
def _finish(media_id: int, *, file: StoredFile | None = None, poster: StoredFile | None = None,
            duration: float | None = None, failure: str = "") -> bool:
    media = (ReportMedia.objects.select_for_update(of=("self",)).select_related("received")
             .filter(pk=media_id).first())
    if media is None or media.status != MediaStatus.PENDING:
        for extra in (file, poster):  # another run finished first: ours is not needed
            if extra is not None:
                upload_discard(extra)
        return False
    fields = ["status", "received", "failure"]
    if failure:
        media.status = MediaStatus.FAILED
        media.failure = failure[:300]
    else:
        media.status = MediaStatus.READY
        media.file = file
        media.poster = poster
        fields += ["file", "poster"]
        if duration is not None:
            media.duration_seconds = duration
            fields.append("duration_seconds")
    received = media.received
    media.received = None
    media.save(update_fields=fields)
    if received is not None:
        upload_discard(received)  # the file as it arrived, with its metadata
    logger.info("report_media.processed", extra={"media": media.pk, "status": media.status})
    return True


def media_give_up(media_id: int, *, error: BaseException) -> None:
    """The storage stayed unavailable through every retry: the file is marked failed."""
    _finish(media_id, failure=_("Chưa xử lý được tệp, vui lòng gửi lại."))
    logger.error("report_media.gave_up", extra={"media": media_id, "error": str(error)})


def media_sweep_unattached(*, now: datetime | None = None) -> int:
    """Remove photos and videos received with a report that was never sent (older than
    UNATTACHED_TTL): their rows, the files as they arrived and any cleaned copies."""
    now = now or timezone.now()
    stale = list(ReportMedia.objects.filter(
        report__isnull=True, kind__in=FILE_FIELDS_KINDS,
        created_at__lt=now - UNATTACHED_TTL).select_related("received", "file", "poster"))
    for media in stale:
        with transaction.atomic():
            files = [f for f in (media.received, media.file, media.poster) if f is not None]
            media.delete()
            for stored in files:
                upload_discard(stored)
    return len(stale)


def public_fields(media: ReportMedia) -> dict[str, Any]:
    """What the form shows of a file kept between two sends (never a link to it)."""
    stored = media.received or media.file
    return {"kind": media.kind, "name": stored.original_name if stored else "",
            "size": stored.size if stored else 0,
            "duration": (math.ceil(media.duration_seconds) if media.duration_seconds
                         else None)}
