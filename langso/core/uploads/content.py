"""Reading, checking and cleaning the bytes of an uploaded file; no database, no storage.

Every decision comes from the content itself, never from the name or the browser's claimed
content type: a ``.jpg`` that is not an image is refused, a PNG sent as ``.jpg`` is a PNG.
"""

import hashlib
import io
import math
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import IO, Any

import filetype
from django.conf import settings
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageCms, ImageOps, UnidentifiedImageError

from langso.core.errors import DomainError

MB = 1024 * 1024
HEAD_BYTES = 8192
CHUNK = 64 * 1024

# Formats Pillow may decode for a photo: nothing else ever reaches a decoder.
PHOTO_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/apng": "PNG",
                 "image/webp": "WEBP", "image/avif": "AVIF"}
# Detected type → (content type we store and serve, extension of the stored file).
AUDIO_TYPES = {
    "audio/mpeg": ("audio/mpeg", "mp3"),
    "audio/ogg": ("audio/ogg", "ogg"),
    "audio/x-wav": ("audio/wav", "wav"),
    "audio/mp4": ("audio/mp4", "m4a"),
    # Phones' recorders and Safari's MediaRecorder write audio in an MP4 container that
    # does not say "M4A"; Chrome's MediaRecorder only writes WebM (Opus).
    "video/mp4": ("audio/mp4", "m4a"),
    "video/webm": ("audio/webm", "webm"),
}
PDF_TYPE = ("application/pdf", "pdf")
# Clips as phones record them. Stored as sent; a module that shows them publicly re-encodes
# them without metadata first (field reports: langso/reports/media.py).
VIDEO_TYPES = {
    "video/mp4": ("video/mp4", "mp4"),
    "video/quicktime": ("video/quicktime", "mov"),
    "video/webm": ("video/webm", "webm"),
    "video/3gpp": ("video/3gpp", "3gp"),
    "video/x-matroska": ("video/x-matroska", "mkv"),
}

# Pillow's own guard (a DecompressionBombError at twice this many pixels) backs up the
# explicit check below, for images opened anywhere in the process. A JPEG may declare more
# pixels than we decode (see ``_open_photo``), hence the factor.
Image.MAX_IMAGE_PIXELS = settings.UPLOAD_IMAGE_MAX_PIXELS * 4


@dataclass(frozen=True)
class CheckedFile:
    """What will be stored: the bytes (or a readable stream) and what we know about them."""

    stream: IO[bytes]
    content_type: str
    extension: str
    size: int
    sha256: str
    width: int | None = None
    height: int | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None


def size_message(kind: str, limit: int) -> str:
    megabytes = limit // MB
    if kind == "photo":
        return _("Ảnh quá lớn, tối đa %(mb)s MB.") % {"mb": megabytes}
    if kind == "document":
        return _("Tài liệu quá lớn, tối đa %(mb)s MB.") % {"mb": megabytes}
    if kind == "audio":
        return _("Tệp âm thanh quá lớn, tối đa %(mb)s MB.") % {"mb": megabytes}
    if kind == "video":
        return _("Video quá lớn, tối đa %(mb)s MB.") % {"mb": megabytes}
    return _("Tệp quá lớn, tối đa %(mb)s MB.") % {"mb": megabytes}


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    stream.seek(0)
    while chunk := stream.read(CHUNK):
        yield chunk


def measure(stream: IO[bytes], *, limit: int, kind: str) -> tuple[int, str]:
    """Size and SHA-256 of the whole stream, refusing it as soon as it passes ``limit``
    (the size a client declares is not trusted)."""
    digest = hashlib.sha256()
    size = 0
    for chunk in _chunks(stream):
        size += len(chunk)
        if size > limit:
            raise DomainError(size_message(kind, limit), code="too_large")
        digest.update(chunk)
    stream.seek(0)
    return size, digest.hexdigest()


def detect(stream: IO[bytes]) -> str | None:
    """MIME type from the first bytes of the content (``filetype``), or None."""
    stream.seek(0)
    head = stream.read(HEAD_BYTES)
    stream.seek(0)
    kind = filetype.guess(head)
    return kind.mime if kind else None


# --- File names ------------------------------------------------------------------------

_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)$", re.IGNORECASE)
_FORBIDDEN = set('<>:"/\\|?*')
MAX_NAME = 150


def sanitize_filename(name: Any, *, default: str = "tep") -> str:
    """A name safe to show and to put in a Content-Disposition header.

    Only the last path component is kept; control and formatting characters (NUL, the RTL
    override that turns ``gpj.exe`` around, zero-width spaces) are dropped; Vietnamese
    letters are kept, composed (NFC: macOS sends them decomposed); at most 150 characters,
    keeping the extension. The name is only ever displayed: storage names are random.
    """
    text = str(name or "")
    text = unicodedata.normalize("NFC", text)
    text = re.split(r"[/\\]", text)[-1]
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category[0] in "C" or category in ("Zl", "Zp") or char in _FORBIDDEN:
            continue
        kept.append(" " if category == "Zs" else char)
    text = re.sub(r"\s+", " ", "".join(kept)).strip(" .")
    stem, dot, ext = text.rpartition(".")
    if not dot:
        stem, ext = text, ""
    ext = ext[:10] if re.fullmatch(r"[0-9A-Za-z]{1,10}", ext) else ""
    if not ext and dot:
        stem = text
    stem = stem.strip(" .")
    if _WINDOWS_RESERVED.match(stem):
        stem = f"_{stem}"
    if not stem:
        stem = default
    limit = MAX_NAME - (len(ext) + 1 if ext else 0)
    stem = stem[:limit].rstrip(" .") or default
    return f"{stem}.{ext}" if ext else stem


def download_name(original_name: str, extension: str) -> str:
    """The original name with the extension of what is actually stored."""
    stem = original_name.rsplit(".", 1)[0] if "." in original_name else original_name
    return f"{stem or 'tep'}.{extension}"


# --- Photos ----------------------------------------------------------------------------

def _invalid_photo() -> DomainError:
    return DomainError(_("Tệp không phải là ảnh hợp lệ."), code="invalid_file")


def _too_many_pixels() -> DomainError:
    megapixels = settings.UPLOAD_IMAGE_MAX_PIXELS // 1_000_000
    return DomainError(_("Ảnh có độ phân giải quá lớn (tối đa %(mp)s megapixel).")
                       % {"mp": megapixels}, code="too_large")


def _degrees(values: Any, ref: Any, positive: str, negative: str) -> Decimal | None:
    try:
        degrees, minutes, seconds = (float(v) for v in values)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = degrees + minutes / 60 + seconds / 3600
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "replace")
    ref = str(ref or positive).strip().upper()[:1]
    if ref == negative:
        value = -value
    elif ref != positive:
        return None
    if not math.isfinite(value):
        return None
    return Decimal(repr(value)).quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN)


def read_gps(image: Image.Image) -> tuple[Decimal | None, Decimal | None]:
    """Latitude and longitude from the EXIF GPS block, when present and plausible."""
    try:
        gps = image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    except Exception:  # a malformed EXIF block is not worth refusing the photo for
        return None, None
    if not gps:
        return None, None
    lat = _degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef),
                   "N", "S")
    lon = _degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef),
                   "E", "W")
    if lat is None or lon is None or not (-90 <= lat <= 90) or not (-180 <= lon <= 180):
        return None, None
    if lat == 0 and lon == 0:  # "no fix" written as zeros by some phones
        return None, None
    return lat, lon


def _open_photo(stream: IO[bytes], mime: str) -> Image.Image:
    stream.seek(0)
    try:
        image = Image.open(stream, formats=[PHOTO_FORMATS[mime]])
    except Image.DecompressionBombError as exc:
        raise _too_many_pixels() from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise _invalid_photo() from exc
    limit = settings.UPLOAD_IMAGE_MAX_PIXELS
    if image.format == "JPEG":
        # libjpeg can decode at 1/2, 1/4 or 1/8 scale: a 108 MP phone photo is decoded
        # straight to about 27 MP instead of 324 MB of pixels.
        side = settings.UPLOAD_IMAGE_MAX_DIMENSION
        image.draft(image.mode if image.mode in ("L", "RGB") else None, (side, side))
    width, height = image.size
    if width < 1 or height < 1:
        raise _invalid_photo()
    if width * height > limit:
        raise _too_many_pixels()
    return image


def peek_photo(stream: IO[bytes], mime: str | None) -> tuple[int, int, Decimal | None,
                                                          Decimal | None]:
    """What a photo's header says, without decoding its pixels: the size it will be decoded
    at (checked against the pixel limit) and the EXIF GPS position. For a module that stores
    the photo at once and cleans it in the background (field reports); the pixels may still
    turn out broken then."""
    if mime in ("image/heic", "image/heif"):
        raise DomainError(_("Ảnh HEIC chưa được hỗ trợ, vui lòng chọn ảnh JPEG hoặc PNG "
                            "(trên iPhone: Cài đặt › Camera › Định dạng › Tương thích "
                            "nhất)."), code="invalid_file")
    if mime not in PHOTO_FORMATS:
        raise _invalid_photo()
    image = _open_photo(stream, mime)
    latitude, longitude = read_gps(image)
    stream.seek(0)
    return image.width, image.height, latitude, longitude


def _to_srgb(image: Image.Image) -> Image.Image:
    """Pixels in sRGB without an embedded profile (phones tag photos Display P3)."""
    icc = image.info.get("icc_profile")
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info)
    target = "RGBA" if has_alpha else "RGB"
    if icc and image.mode in ("RGB", "RGBA", "CMYK", "L"):
        try:
            converted = ImageCms.profileToProfile(
                image, ImageCms.ImageCmsProfile(io.BytesIO(icc)),
                ImageCms.createProfile("sRGB"), outputMode=target)
            if converted is not None:
                return converted
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a broken profile: fall back to a plain conversion
    return image.convert(target)


def clean_photo(stream: IO[bytes], mime: str, *, kind: str = "photo") -> CheckedFile:
    """Decode, read GPS, apply orientation, drop every metadata block, downscale, re-encode.

    The stored photo is a fresh encoding of the pixels only: no EXIF (GPS, camera serial),
    no XMP, no ICC profile, no comments, and nothing that was appended to the original.
    """
    if mime not in PHOTO_FORMATS:
        if mime.startswith("image/"):
            raise DomainError(_("Định dạng ảnh này chưa được hỗ trợ, vui lòng chọn ảnh JPEG, "
                                "PNG hoặc WebP."), code="invalid_file")
        raise _invalid_photo()
    image = _open_photo(stream, mime)
    latitude, longitude = read_gps(image)
    try:
        image.load()
        image = ImageOps.exif_transpose(image)
        image = _to_srgb(image)
    except Image.DecompressionBombError as exc:
        raise _too_many_pixels() from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise DomainError(_("Ảnh bị hỏng hoặc chưa tải lên hết, vui lòng chọn lại ảnh."),
                          code="invalid_file") from exc
    side = settings.UPLOAD_IMAGE_MAX_DIMENSION
    if image.width > side or image.height > side:
        image.thumbnail((side, side), Image.Resampling.LANCZOS, reducing_gap=3.0)
    if image.mode == "RGBA" and image.getchannel("A").getextrema() == (255, 255):
        image = image.convert("RGB")
    image.info = {}
    out = io.BytesIO()
    quality = settings.UPLOAD_IMAGE_QUALITY
    if image.mode == "RGBA":
        # Transparency (logos, screenshots): WebP keeps it at a fraction of PNG's size.
        image.save(out, "WEBP", quality=quality, method=4)
        content_type, extension = "image/webp", "webp"
    else:
        image.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
        content_type, extension = "image/jpeg", "jpg"
    size, sha256 = measure(out, limit=settings.UPLOAD_MAX_BYTES[kind], kind=kind)
    return CheckedFile(stream=out, content_type=content_type, extension=extension, size=size,
                       sha256=sha256, width=image.width, height=image.height,
                       latitude=latitude, longitude=longitude)


# --- PDF documents --------------------------------------------------------------------

_PDF_HEADER = re.compile(rb"^%PDF-[12]\.\d")
_STARTXREF = re.compile(rb"startxref\s+(\d{1,12})\s+%%EOF")
_XREF_AT = re.compile(rb"\s*(xref|\d{1,10}\s+\d{1,5}\s+obj)")


def check_pdf(stream: IO[bytes], size: int) -> None:
    """The file is structurally a PDF: a version header at byte 0, a ``startxref`` offset
    near the end that lies inside the file, and a cross-reference section (table or
    stream object) at that offset. The file is stored as sent: signed PDFs must stay
    byte-identical for their signatures to verify."""
    invalid = DomainError(_("Tệp không phải là tài liệu PDF hợp lệ."), code="invalid_file")
    stream.seek(0)
    if not _PDF_HEADER.match(stream.read(16)):
        raise invalid
    stream.seek(max(0, size - 4096))
    tail = stream.read()
    found = list(_STARTXREF.finditer(tail))
    if not found:
        raise invalid
    offset = int(found[-1].group(1))
    if not 0 < offset < size:
        raise invalid
    stream.seek(offset)
    if not _XREF_AT.match(stream.read(64)):
        raise invalid
    stream.seek(0)


# --- Videos ----------------------------------------------------------------------------

def video_type(mime: str | None) -> tuple[str, str]:
    """(content type, extension) of a clip detected as ``mime``, or a DomainError."""
    if mime not in VIDEO_TYPES:
        raise DomainError(_("Tệp không phải là video hợp lệ (MP4, MOV, WebM hoặc 3GP)."),
                          code="invalid_file")
    return VIDEO_TYPES[mime]


# --- The dispatcher --------------------------------------------------------------------

def check(stream: IO[bytes], *, kind: str) -> CheckedFile:
    """Check ``stream`` as a file of ``kind`` and return what to store, or raise
    ``DomainError`` with a message for the person who sent it."""
    limit = settings.UPLOAD_MAX_BYTES[kind]
    size, sha256 = measure(stream, limit=limit, kind=kind)
    if size == 0:
        raise DomainError(_("Tệp rỗng, vui lòng chọn tệp khác."), code="invalid_file")
    mime = detect(stream)
    if kind == "photo":
        if mime in ("image/heic", "image/heif"):
            raise DomainError(_("Ảnh HEIC chưa được hỗ trợ, vui lòng chọn ảnh JPEG hoặc PNG "
                                "(trên iPhone: Cài đặt › Camera › Định dạng › Tương thích "
                                "nhất)."), code="invalid_file")
        return clean_photo(stream, mime or "", kind=kind)
    if kind == "document":
        if mime != "application/pdf":
            raise DomainError(_("Tệp không phải là tài liệu PDF hợp lệ."), code="invalid_file")
        check_pdf(stream, size)
        content_type, extension = PDF_TYPE
    elif kind == "audio":
        if mime not in AUDIO_TYPES:
            raise DomainError(_("Tệp không phải là tệp âm thanh hợp lệ (MP3, OGG, WAV, M4A "
                                "hoặc WebM)."), code="invalid_file")
        content_type, extension = AUDIO_TYPES[mime]
    else:
        raise DomainError(_("Loại tệp không hợp lệ."), code="invalid")
    return CheckedFile(stream=stream, content_type=content_type, extension=extension,
                       size=size, sha256=sha256)
