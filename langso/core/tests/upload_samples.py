"""Real files for the upload tests, built in memory: photos with GPS EXIF, a PNG bomb, a PDF,
audio headers; and helpers to look into the storage."""

import io
import struct
import wave
import zlib
from pathlib import Path

from django.db import connection
from PIL import ExifTags, Image, ImageCms
from PIL.TiffImagePlugin import IFDRational

XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/'
       b'02/22-rdf-syntax-ns#"><rdf:Description>secret-xmp</rdf:Description></rdf:RDF>'
       b"</x:xmpmeta>")


def gps_exif(*, lat: tuple[float, float, float] = (21, 27, 36.36), lat_ref: str = "N",
             lon: tuple[float, float, float] = (105, 38, 24.0), lon_ref: str = "E",
             orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Cheap Phone"
    exif[ExifTags.Base.Model] = "SerialXYZ-123"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: lat_ref,
        ExifTags.GPS.GPSLatitude: tuple(IFDRational(v) for v in lat),
        ExifTags.GPS.GPSLongitudeRef: lon_ref,
        ExifTags.GPS.GPSLongitude: tuple(IFDRational(v) for v in lon),
    }
    return exif


def jpeg(size: tuple[int, int] = (40, 20), *, exif: Image.Exif | None = None,
         metadata: bool = True, color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A JPEG; with ``metadata`` it also carries XMP, an ICC profile and a comment."""
    image = Image.new("RGB", size, color)
    # The left half a different colour, so a rotation shows in the stored pixels.
    image.paste((20, 40, 220), (0, 0, size[0] // 2, size[1]))
    out = io.BytesIO()
    extra: dict[str, object] = {}
    if exif is not None:
        extra["exif"] = exif
    if metadata:
        extra["xmp"] = XMP
        extra["icc_profile"] = ImageCms.ImageCmsProfile(
            ImageCms.createProfile("sRGB")).tobytes()
        extra["comment"] = b"secret-comment"
    image.save(out, "JPEG", quality=90, **extra)
    return out.getvalue()


def png(size: tuple[int, int] = (30, 30), *, alpha: bool = False,
        exif: Image.Exif | None = None) -> bytes:
    image = Image.new("RGBA" if alpha else "RGB", size, (10, 200, 10, 128) if alpha
                      else (10, 200, 10))
    out = io.BytesIO()
    image.save(out, "PNG", **({"exif": exif} if exif is not None else {}))
    return out.getvalue()


def encoded(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def png_bomb(width: int, height: int) -> bytes:
    """A valid 1-bit PNG of width×height, compressed row by row so it is never in memory
    whole: 20000×20000 is a few tens of kilobytes that would decode to 400 megapixels."""
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    compressor = zlib.compressobj(9)
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    parts = [compressor.compress(row) for _ in range(height)]
    parts.append(compressor.flush())
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr)
            + _png_chunk(b"IDAT", b"".join(parts)) + _png_chunk(b"IEND", b""))


def pdf(text: str = "Đơn đề nghị") -> bytes:
    """A minimal, well-formed one-page PDF with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
    ]
    stream = f"BT /F1 12 Tf 72 770 Td ({text.encode('ascii', 'replace').decode()}) Tj ET"
    objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream".encode())
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n".encode() + b"0000000000 65535 f \n"
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n".encode()
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def wav() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x00" * 800)
    return out.getvalue()


def mp3() -> bytes:
    # An ID3v2.3 tag header followed by MPEG-1 Layer III frame headers.
    return b"ID3\x03\x00\x00\x00\x00\x00\x00" + (b"\xff\xfb\x90\x64" + b"\x00" * 413) * 4


def ogg() -> bytes:
    return b"OggS\x00\x02" + b"\x00" * 20 + b"\x01\x1eOpusHead" + b"\x00" * 64


def m4a() -> bytes:
    return struct.pack(">I", 24) + b"ftypM4A \x00\x00\x00\x00M4A isom" + b"\x00" * 64


def webm() -> bytes:
    # EBML header whose DocType is "webm", as Chrome's MediaRecorder writes it.
    return (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04"
            b"\x42\xf3\x81\x08\x42\x82\x84webm\x42\x87\x81\x04\x42\x85\x81\x02"
            + b"\x00" * 64)


def refuse_stored_file_inserts() -> None:
    """A real database failure on insert, from a trigger (no mock)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("CREATE FUNCTION langso_test_refuse() RETURNS trigger AS $$ BEGIN "
                           "RAISE EXCEPTION 'disk full'; END $$ LANGUAGE plpgsql")
            cursor.execute("CREATE TRIGGER langso_test_refuse BEFORE INSERT ON "
                           "core_storedfile FOR EACH ROW EXECUTE FUNCTION langso_test_refuse()")
        else:
            cursor.execute("CREATE TRIGGER langso_test_refuse BEFORE INSERT ON core_storedfile "
                           "BEGIN SELECT RAISE(ABORT, 'disk full'); END")


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in Path(root).rglob("*") if p.is_file()) if Path(root).exists() \
        else []
