"""Real files for the reporting tests, made in memory: clips written with PyAV (a 20-minute
one of a few kilobytes: 16×16 pixels at one frame a second), phone-like photos, and a
multipart body streamed on demand (300 MB declared, never in memory)."""

import io
from fractions import Fraction
from pathlib import Path
from typing import Any

from PIL import Image

from langso.core.tests import upload_samples

MB = 1024 * 1024


def video(seconds: float, *, fps: int = 1, size: tuple[int, int] = (16, 16),
          audio: bool = False, metadata: dict[str, str] | None = None,
          container: str = "mp4", codec: str = "libx264") -> bytes:
    """A real clip: ``seconds`` long at ``fps`` frames a second, each frame a flat colour
    that changes (so a still frame shows which one it is); optional silent audio track and
    container tags (a phone writes the place it was filmed as "location")."""
    import av

    out = io.BytesIO()
    with av.open(out, "w", format=container) as dst:
        if metadata:
            dst.metadata.update(metadata)
        stream: Any = dst.add_stream(codec, rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        sound: Any = dst.add_stream("aac", rate=8000) if audio else None
        frames = max(1, int(seconds * fps))
        for i in range(frames):
            image = Image.new("RGB", size, ((40 + i * 37) % 256, 120, 60))
            frame = av.VideoFrame.from_image(image)
            frame.pts = i
            frame.time_base = Fraction(1, fps)
            for packet in stream.encode(frame):
                dst.mux(packet)
        for packet in stream.encode():
            dst.mux(packet)
        if sound is not None:
            samples = int(8000 * seconds)
            chunk = 1024
            for start in range(0, samples, chunk):
                frame = av.AudioFrame(format="s16", layout="mono",
                                      samples=min(chunk, samples - start))
                frame.planes[0].update(b"\x00\x00" * frame.samples)
                frame.sample_rate = 8000
                frame.pts = start
                for packet in sound.encode(frame):
                    dst.mux(packet)
            for packet in sound.encode():
                dst.mux(packet)
    return out.getvalue()


def phone_photo(*, size: tuple[int, int] = (64, 48), gps: bool = True) -> bytes:
    """A JPEG as phones write it: EXIF with the camera and GPS, XMP, ICC profile, comment."""
    return upload_samples.jpeg(size, exif=upload_samples.gps_exif() if gps else None)


def noisy_photo(megabytes: float = 4.0) -> bytes:
    """A JPEG of about ``megabytes`` (noise compresses badly), with GPS EXIF: a phone photo
    of the size the benchmark sends."""
    side = int(1000 * megabytes ** 0.5)
    image = Image.effect_noise((side, side), 90).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95, exif=upload_samples.gps_exif())
    return out.getvalue()


def files_under(root: Path) -> list[Path]:
    return upload_samples.files_under(root)


class StreamedBody:
    """A multipart body made on demand: the form's fields, then one file of ``size`` filler
    bytes in ``field``; ``consumed`` tells how much of it the server read."""

    boundary = "----langso-report-boundary"

    def __init__(self, fields: dict[str, str], *, field: str, file_name: str, size: int,
                 first_bytes: bytes = b"", content_type: str = "video/mp4") -> None:
        parts = [f'--{self.boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n'
                 f"{v}\r\n" for k, v in fields.items()]
        parts.append(f'--{self.boundary}\r\nContent-Disposition: form-data; name="{field}"; '
                     f'filename="{file_name}"\r\nContent-Type: {content_type}\r\n\r\n')
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

    def environ(self, path: str, **extra: Any) -> dict[str, Any]:
        return {"REQUEST_METHOD": "POST", "PATH_INFO": path,
                "CONTENT_TYPE": f"multipart/form-data; boundary={self.boundary}",
                "CONTENT_LENGTH": str(self.length), "wsgi.input": self, **extra}
